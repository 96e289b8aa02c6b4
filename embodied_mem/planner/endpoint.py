"""One chat-completion request to an OpenAI-compatible endpoint, made robust.

- **Retries** (tenacity; the openai client's own retries are switched off so nothing retries
  twice): timeouts, dropped connections, 408/409/429 and 5xx are retried ``retries`` times with
  exponential backoff (a server's ``Retry-After`` wins, up to ``max_backoff_s``).
- **Bounded replies**: :class:`BoundedTransport` refuses a reply larger than ``max_reply_bytes``
  (announced or streamed) without retrying it, refuses compressed replies (we ask for identity,
  so a decompression bomb cannot get past the byte cap), and turns a reply that trickles in
  beyond the request timeout into a timeout (httpx's timeouts are per read, not per reply).
- **Strict reading**: the reply must match the chat-completion schema (:data:`REPLY_SCHEMA`);
  anything else — HTML, truncated JSON, no/empty ``choices``, ``message: null``, a tool call
  without ``function``, wrong types — is an :class:`EndpointFailure`, never an AttributeError.

Every failure is an :class:`EndpointFailure` whose ``mode`` is ``endpoint_timeout`` (no complete
reply in time) or ``endpoint_error`` (the endpoint did not return a valid chat completion).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema

logger = logging.getLogger(__name__)

#: HTTP statuses worth another try (the openai client's own choice, kept).
TRANSIENT_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class EndpointFailure(Exception):
    """The endpoint gave no usable chat completion; ``mode`` is the planner failure mode."""

    def __init__(self, mode: str, message: str) -> None:
        super().__init__(message)
        self.mode = mode


class ReplyTooLarge(Exception):
    """A reply exceeded the byte cap (deliberately not an httpx error: it must not be retried)."""


class UnrequestedEncoding(Exception):
    """A compressed reply although identity encoding was requested."""


_TOOL_CALL = {
    "type": "object",
    "required": ["id", "type", "function"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "type": {"const": "function"},
        "function": {
            "type": "object",
            "required": ["name", "arguments"],
            "properties": {"name": {"type": "string"}, "arguments": {"type": "string"}},
        },
    },
}
#: What a reply must look like (the fields of OpenAI's chat.completion object that we read).
REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["choices"],
    "properties": {
        "choices": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "finish_reason": {"type": ["string", "null"]},
                    "message": {
                        "type": "object",
                        "required": ["role"],
                        "properties": {
                            "role": {"const": "assistant"},
                            "content": {"type": ["string", "null"]},
                            "refusal": {"type": ["string", "null"]},
                            "tool_calls": {"type": ["array", "null"], "items": _TOOL_CALL},
                        },
                    },
                },
            },
        },
        "usage": {
            "type": ["object", "null"],
            "properties": {
                "prompt_tokens": {"type": "integer", "minimum": 0},
                "completion_tokens": {"type": "integer", "minimum": 0},
            },
        },
    },
}
_REPLY_VALIDATOR = jsonschema.Draft202012Validator(REPLY_SCHEMA)


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class ChatReply:
    """The parts of a validated chat completion a planner uses."""

    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    refusal: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


def snippet(text: Any, limit: int = 120) -> str:
    """A short one-line excerpt for error messages."""
    s = str(text).replace("\n", " ").strip()
    return s if len(s) <= limit else s[:limit] + "…"


def _as_data(resp: Any) -> dict[str, Any]:
    """The reply as plain JSON data (openai objects keep unvalidated fields as they came)."""
    if isinstance(resp, (str, bytes)):
        raise EndpointFailure(
            "endpoint_error",
            f"the endpoint replied with non-JSON text, not a chat completion: {snippet(resp)!r}",
        )
    if hasattr(resp, "model_dump"):
        resp = resp.model_dump(mode="python", exclude_unset=True, warnings=False)
    if not isinstance(resp, Mapping):
        raise EndpointFailure(
            "endpoint_error",
            f"the endpoint replied with a JSON {type(resp).__name__}, not a chat completion object",
        )
    return dict(resp)


def read_reply(resp: Any) -> ChatReply:
    """Validate a chat-completion reply; :class:`EndpointFailure` (endpoint_error) if it is not one."""
    data = _as_data(resp)
    if "choices" not in data and isinstance(data.get("error"), Mapping):
        message = data["error"].get("message")
        raise EndpointFailure("endpoint_error", f"the endpoint replied with an error: {message!r}")
    error = jsonschema.exceptions.best_match(_REPLY_VALIDATOR.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise EndpointFailure(
            "endpoint_error",
            f"the reply is not a valid chat completion at {where}: {snippet(error.message)}",
        )
    choice = data["choices"][0]
    msg = choice["message"]
    usage = data.get("usage") or {}
    return ChatReply(
        content=msg.get("content") or "",
        tool_calls=[
            ToolCall(tc["id"], tc["function"]["name"], tc["function"]["arguments"])
            for tc in msg.get("tool_calls") or []
        ],
        finish_reason=choice.get("finish_reason"),
        refusal=msg.get("refusal"),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )


# ------------------------------------------------------------------------------ transport


def _bounded_transport_class() -> type:
    import httpx2

    class _BoundedStream(httpx2.SyncByteStream):
        def __init__(self, inner: Any, limit: int, deadline: float | None, budget: float) -> None:
            self.inner, self.limit, self.deadline, self.budget = inner, limit, deadline, budget

        def __iter__(self) -> Iterator[bytes]:
            size = 0
            for chunk in self.inner:
                size += len(chunk)
                if size > self.limit:
                    raise ReplyTooLarge(f"reply exceeds the cap of {self.limit} bytes")
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise httpx2.ReadTimeout(f"reply not complete within {self.budget:g} s")
                yield chunk

        def close(self) -> None:
            self.inner.close()

    class BoundedTransport(httpx2.BaseTransport):
        """An ``httpx2.HTTPTransport`` whose replies are capped in size and in total time."""

        def __init__(self, max_reply_bytes: int) -> None:
            self.inner = httpx2.HTTPTransport()
            self.max_reply_bytes = max_reply_bytes

        def handle_request(self, request: Any) -> Any:
            read = (request.extensions.get("timeout") or {}).get("read")
            deadline = None if read is None else time.monotonic() + read
            resp = self.inner.handle_request(request)
            encoding = resp.headers.get("content-encoding", "identity").lower()
            announced = resp.headers.get("content-length", "")
            if encoding not in ("", "identity"):
                resp.close()
                raise UnrequestedEncoding(
                    f"the endpoint sent a {encoding!r}-encoded reply although identity was requested"
                )
            if announced.isdigit() and int(announced) > self.max_reply_bytes:
                resp.close()
                raise ReplyTooLarge(
                    f"reply of {int(announced)} bytes exceeds the cap of {self.max_reply_bytes}"
                )
            stream = _BoundedStream(resp.stream, self.max_reply_bytes, deadline, read or 0.0)
            return httpx2.Response(
                resp.status_code, headers=resp.headers, stream=stream, extensions=resp.extensions
            )

        def close(self) -> None:
            self.inner.close()

    return BoundedTransport


def make_openai_client(
    base_url: str, api_key: str, timeout_s: float, max_reply_bytes: int = 1_000_000
) -> Any:
    """An ``openai.OpenAI`` client with bounded replies and no retries of its own."""
    from envs.extras import require_extra

    openai = require_extra("openai", "llm")
    import httpx2

    http = httpx2.Client(
        transport=_bounded_transport_class()(max_reply_bytes),
        timeout=timeout_s,
        headers={"Accept-Encoding": "identity"},
    )
    return openai.OpenAI(
        base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=0, http_client=http
    )


# ------------------------------------------------------------------------------ requests


def _status(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _openai_errors() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(timeout, connection, any) exception classes of the openai client (empty without it)."""
    try:
        import openai
    except ImportError:  # pragma: no cover - the llm extra is missing; fakes raise builtins
        return (), (), ()
    return (openai.APITimeoutError,), (openai.APIConnectionError,), (openai.OpenAIError,)


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: a timeout, a dropped/refused connection, or a 408/409/429/5xx status."""
    _, connection, _ = _openai_errors()  # APITimeoutError is an APIConnectionError
    if isinstance(exc, (TimeoutError, ConnectionError, *connection)):
        return True
    return _status(exc) in TRANSIENT_STATUS


def failure_of(exc: BaseException, attempts: int) -> EndpointFailure | None:
    """The :class:`EndpointFailure` for an exception of a request, or None for a bug."""
    timeout, connection, any_openai = _openai_errors()
    tries = f" (after {attempts} attempt{'s' * (attempts > 1)})"
    if isinstance(exc, (TimeoutError, *timeout)):
        return EndpointFailure("endpoint_timeout", f"no reply in time{tries}: {exc}")
    status = _status(exc)
    if status is not None:
        message = getattr(exc, "message", str(exc))
        return EndpointFailure("endpoint_error", f"HTTP {status}{tries}: {snippet(message, 300)}")
    if isinstance(exc, (ConnectionError, *connection)):
        cause = exc.__cause__ or exc.__context__
        detail = f"{exc}" + (f" ({type(cause).__name__}: {cause})" if cause else "")
        return EndpointFailure(
            "endpoint_error", f"connection failed{tries}: {snippet(detail, 300)}"
        )
    if isinstance(exc, (ReplyTooLarge, UnrequestedEncoding)):
        return EndpointFailure("endpoint_error", str(exc))
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        return EndpointFailure("endpoint_error", f"the reply body is not valid JSON: {exc}")
    if isinstance(exc, any_openai):
        return EndpointFailure("endpoint_error", f"{type(exc).__name__}: {snippet(exc, 300)}")
    return None


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name)) * scale
        except (TypeError, ValueError):
            continue
        if value >= 0:
            return value
    return None


class ChatEndpoint:
    """``complete(**request)`` → a validated :class:`ChatReply`, retried as the module says.

    Args:
        client: an ``openai.OpenAI``-like object (``client.chat.completions.create``).
        retries: extra tries after a transient failure.
        backoff_s: first wait; doubled after each transient failure.
        max_backoff_s: longest wait (also caps a server's Retry-After).
    """

    def __init__(
        self, client: Any, *, retries: int = 2, backoff_s: float = 0.5, max_backoff_s: float = 8.0
    ) -> None:
        if retries < 0 or backoff_s < 0 or max_backoff_s < 0:
            raise ValueError("retries, backoff_s and max_backoff_s must be >= 0")
        self.client = client
        self.retries, self.backoff_s, self.max_backoff_s = retries, backoff_s, max_backoff_s

    def _wait(self, state: Any) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        after = _retry_after(exc) if exc is not None else None
        if after is None:
            after = self.backoff_s * 2 ** (state.attempt_number - 1)
        return min(after, self.max_backoff_s)

    def complete(self, **request: Any) -> ChatReply:
        import tenacity

        attempts = 0

        def send() -> Any:
            nonlocal attempts
            attempts += 1
            return self.client.chat.completions.create(**request)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retries + 1),
            wait=self._wait,
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=lambda s: logger.warning(
                "chat endpoint attempt %d failed (%s); retrying",
                s.attempt_number,
                s.outcome.exception() if s.outcome else "?",
            ),
            reraise=True,
        )
        t0 = time.perf_counter()
        try:
            resp = retrying(send)
        except Exception as exc:  # noqa: BLE001 - mapped below; anything unmapped is re-raised
            failure = failure_of(exc, attempts)
            if failure is None:
                raise
            raise failure from exc
        reply = read_reply(resp)
        reply.latency_s = time.perf_counter() - t0
        return reply

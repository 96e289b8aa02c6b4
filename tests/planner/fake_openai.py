"""A strict fake OpenAI chat-completions server on loopback that serves scripted reply shapes.

It is a real HTTP/1.1 server (``http.server``, one thread per connection, an ephemeral port on
127.0.0.1) and checks requests the way the real API does before serving anything: unknown
routes and methods get 404 ``Invalid URL (...)``, a body that is not JSON gets 400 ``We could
not parse the JSON body of your request``, unknown parameters get 400 ``Unrecognized request
argument supplied`` (the accepted names are the openai client's own ``CompletionCreateParams``),
a missing key gets 401, and malformed messages/tools/tool_choice get 400 with the API's
``invalid_request_error`` envelope. Only a valid request is answered with the scripted shape,
so a test also proves that the planner sends what the real API accepts.

Shapes are :class:`Shape` values: a status, headers and a body, optionally sent late, slowly,
cut off, or not at all. ``completion(...)`` builds bodies with the real chat-completion schema.
"""

from __future__ import annotations

import json
import socket
import threading
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openai.types.chat import completion_create_params

#: Request parameters the real API knows (taken from the openai client's request type).
KNOWN_PARAMS = frozenset(
    typing.get_type_hints(completion_create_params.CompletionCreateParamsBase)
) | {"stream"}
_ROLES = {"system", "developer", "user", "assistant", "tool"}


@dataclass
class Shape:
    """One scripted HTTP reply.

    Attributes:
        name: label for logs and test ids.
        status: HTTP status code.
        body: the body bytes (or a callable of the request JSON returning them).
        headers: extra headers; ``Content-Type`` defaults to ``application/json``.
        delay_s: sleep before sending anything (a slow model).
        drip_s: sleep between body chunks of ``drip_chunk`` bytes (a trickling proxy).
        cut_at: send only this many body bytes, then drop the connection (Content-Length
            still announces the whole body).
        no_reply: read the request, then close the socket without a status line.
    """

    name: str
    status: int = 200
    body: bytes | Callable[[dict[str, Any]], bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drip_s: float = 0.0
    drip_chunk: int = 64
    cut_at: int | None = None
    no_reply: bool = False


def completion(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    **message_extra: Any,
) -> dict[str, Any]:
    """A chat.completion object as the real API returns it (one choice)."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    message.update(message_extra)
    return {
        "id": "chatcmpl-fake0001",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-model",
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 12, "total_tokens": 132},
    }


def tool_call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def json_shape(name: str, obj: Any, status: int = 200, **kw: Any) -> Shape:
    return Shape(name, status, json.dumps(obj).encode(), **kw)


def api_error(status: int, message: str, etype: str, code: str | None = None) -> dict[str, Any]:
    """The real API's error envelope."""
    return {"error": {"message": message, "type": etype, "param": None, "code": code}}


class RequestRejected(Exception):
    def __init__(self, status: int, message: str, etype: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.etype = status, etype


def check_request(body: dict[str, Any]) -> None:
    """Raise :class:`RequestRejected` for what the real API refuses (the checks our client needs)."""
    if not isinstance(body, dict):
        raise RequestRejected(400, "The request body must be a JSON object.")
    unknown = sorted(set(body) - KNOWN_PARAMS)
    if unknown:
        raise RequestRejected(400, f"Unrecognized request argument supplied: {unknown[0]}")
    if not body.get("model"):
        raise RequestRejected(400, "you must provide a model parameter")
    if "messages" not in body:
        raise RequestRejected(400, "Missing required parameter: 'messages'.")
    _check_messages(body["messages"])
    tools = body.get("tools")
    if tools is not None:
        _check_tools(tools)
    if "tool_choice" in body:
        _check_tool_choice(body["tool_choice"], tools)
    for name, lo, hi in (("temperature", 0, 2), ("top_p", 0, 1)):
        v = body.get(name)
        if v is not None and not (isinstance(v, (int, float)) and lo <= v <= hi):
            raise RequestRejected(400, f"Invalid '{name}': {v!r}; expected {lo}..{hi}.")
    for name in ("max_tokens", "max_completion_tokens", "seed"):
        v = body.get(name)
        if v is not None and not isinstance(v, int):
            raise RequestRejected(400, f"Invalid type for '{name}': expected an integer.")
    if body.get("max_tokens") is not None and body["max_tokens"] < 1:
        raise RequestRejected(400, "Invalid 'max_tokens': integer below minimum value 1.")
    fmt = body.get("response_format")
    if fmt is not None:
        _check_response_format(fmt)


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise RequestRejected(400, "Invalid 'messages': empty array. Expected at least 1 item.")
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in _ROLES:
            raise RequestRejected(400, f"Invalid value for 'messages[{i}].role'.")
        role = m["role"]
        if role == "tool":
            if m.get("tool_call_id") not in open_calls:
                raise RequestRejected(
                    400,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                )
            open_calls.discard(m["tool_call_id"])
            continue
        if open_calls:
            raise RequestRejected(
                400,
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(sorted(open_calls))}",
            )
        content = m.get("content")
        calls = m.get("tool_calls") if role == "assistant" else None
        if not (isinstance(content, (str, list)) or (content is None and calls)):
            raise RequestRejected(400, f"Invalid type for 'messages[{i}].content'.")
        for c in calls or []:
            fn = c.get("function") if isinstance(c, dict) else None
            if not (isinstance(fn, dict) and isinstance(fn.get("arguments"), str) and c.get("id")):
                raise RequestRejected(400, f"Invalid 'messages[{i}].tool_calls'.")
            open_calls.add(c["id"])
    if open_calls:
        raise RequestRejected(400, "tool_call_ids did not have response messages")


def _check_tools(tools: Any) -> None:
    if not isinstance(tools, list) or not tools:
        raise RequestRejected(400, "Invalid 'tools': empty array. Expected at least 1 item.")
    for i, t in enumerate(tools):
        fn = t.get("function") if isinstance(t, dict) and t.get("type") == "function" else None
        name = fn.get("name") if isinstance(fn, dict) else None
        if not (isinstance(name, str) and 0 < len(name) <= 64 and name.replace("_", "").isalnum()):
            raise RequestRejected(400, f"Invalid 'tools[{i}].function.name'.")


def _check_tool_choice(choice: Any, tools: list[Any] | None) -> None:
    if not tools:
        raise RequestRejected(
            400,
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
            "specified.",
        )
    if choice in ("none", "auto", "required"):
        return
    names = {t["function"]["name"] for t in tools}
    if not (isinstance(choice, dict) and choice.get("function", {}).get("name") in names):
        raise RequestRejected(400, "Invalid value for 'tool_choice'.")


def _check_response_format(fmt: Any) -> None:
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    allowed = {"text": {"type"}, "json_object": {"type"}, "json_schema": {"type", "json_schema"}}
    if kind not in allowed:
        raise RequestRejected(400, "Invalid value for 'response_format.type'.")
    extra = sorted(set(fmt) - allowed[kind])
    if extra:
        raise RequestRejected(
            400, f"Additional properties are not allowed ('{extra[0]}' was unexpected)"
        )


@dataclass
class Received:
    """One request as the server saw it (``body`` is None when it was not JSON)."""

    method: str
    path: str
    body: Any
    raw_size: int
    shape: str


class FakeOpenAI:
    """The server: ``script(shapes, when=...)`` queues replies; each queue's last shape repeats.

    ``when`` picks requests whose messages contain that text (e.g. a task's instruction); the
    default queue serves everything else. ``requests`` logs what arrived.
    """

    def __init__(self, api_key: str = "sk-test") -> None:
        self.api_key = api_key
        self.requests: list[Received] = []
        self._queues: dict[str | None, list[Shape]] = {None: []}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()  # wakes handlers sleeping in slow shapes
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, shapes: Shape | list[Shape], when: str | None = None) -> None:
        with self._lock:
            self._queues[when] = list(shapes) if isinstance(shapes, list) else [shapes]

    def chat_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path == "/v1/chat/completions"]

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server is closing; True if it slept the whole time."""
        return not self._stop.wait(seconds)

    def next_shape(self, body: dict[str, Any]) -> Shape:
        text = json.dumps(body.get("messages", []))
        with self._lock:
            key = next((k for k in self._queues if k is not None and k in text), None)
            queue = self._queues[key]
            if not queue:
                raise AssertionError(f"no reply scripted for {key or 'the default queue'}")
            return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass  # keep test output clean

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            if self.path == "/v1/models":
                self._json(200, {"object": "list", "data": [{"id": "fake-model"}]})
            else:
                self._invalid_url("GET")

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/v1/chat/completions":
                self._log(raw, None, "invalid_url")
                return self._invalid_url("POST")
            if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                self._log(raw, None, "401")
                return self._json(
                    401,
                    api_error(401, "Incorrect API key provided.", "invalid_request_error"),
                )
            try:
                body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._log(raw, None, "bad_json")
                return self._json(
                    400,
                    api_error(
                        400,
                        "We could not parse the JSON body of your request. (HINT: This likely "
                        "means you aren't using your HTTP library correctly. The OpenAI API "
                        "expects a JSON payload, but what was sent was not valid JSON.)",
                        "invalid_request_error",
                    ),
                )
            try:
                check_request(body)
            except RequestRejected as exc:
                self._log(raw, body, f"rejected: {exc}")
                return self._json(exc.status, api_error(exc.status, str(exc), exc.etype))
            shape = server.next_shape(body)
            self._log(raw, body, shape.name)
            self._serve(shape, body)

        def _log(self, raw: bytes, body: Any, shape: str) -> None:
            server.requests.append(Received("POST", self.path, body, len(raw), shape))

        def _invalid_url(self, method: str) -> None:
            self._json(
                404,
                api_error(404, f"Invalid URL ({method} {self.path})", "invalid_request_error"),
            )

        def _json(self, status: int, obj: Any) -> None:
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, shape: Shape, body: dict[str, Any]) -> None:
            if shape.delay_s and not server.sleep(shape.delay_s):
                return
            if shape.no_reply:
                self._drop()
                return
            data = shape.body(body) if callable(shape.body) else shape.body
            self.send_response(shape.status)
            headers = {"Content-Type": "application/json", **shape.headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self._write_body(shape, data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeout): fine

        def _write_body(self, shape: Shape, data: bytes) -> None:
            if shape.cut_at is not None:
                self.wfile.write(data[: shape.cut_at])
                self.wfile.flush()
                self._drop()
                return
            if not shape.drip_s:
                self.wfile.write(data)
                return
            for i in range(0, len(data), shape.drip_chunk):
                self.wfile.write(data[i : i + shape.drip_chunk])
                self.wfile.flush()
                if not server.sleep(shape.drip_s):
                    return

        def _drop(self) -> None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    return Handler

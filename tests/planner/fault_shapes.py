"""The table of reply shapes the planners must survive: each shape and the failure mode it must
end as (``None``: the plan succeeds after the fault). Used by test_llm_faults.py.

Rule for the modes: ``endpoint_timeout`` when no complete reply came in time; ``endpoint_error``
when the endpoint did not return a valid chat completion (HTTP errors, bodies that are not the
chat-completion schema, oversized replies); ``bad_planner_output`` when a valid completion's
content or tool calls do not make a valid plan after the re-asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fake_openai import Shape, api_error, completion, json_shape, tool_call

GOOD_PLAN = json.dumps({"subgoals": [{"type": "navigate_to_object", "memory_id": "obj_1"}]})
SHORT_TIMEOUT_S = 0.5
"""Request timeout for the slow shapes (they take far longer); other shapes get 10 s, so a
loaded machine cannot turn them into timeouts."""
MAX_REPLY_BYTES = 1_000_000


@dataclass(frozen=True)
class Fault:
    """A scripted sequence of replies and what the planner must make of it.

    ``requests``: how many chat requests the planner may send (None: not checked) — e.g. a
    transient error is retried ``http_retries`` times, a huge reply is not re-fetched.
    """

    shapes: tuple[Shape, ...]
    mode: str | None
    requests: int | None = None
    tools: bool = False
    """Shapes about tool calls need the tool round; the others are served without tools."""
    timeout_s: float = 10.0


def _drop(obj: dict, *path: str) -> dict:
    """``obj`` with the key at ``path`` removed."""
    inner = obj
    for key in path[:-1]:
        inner = inner[key] if not isinstance(inner, list) else inner[int(key)]
    del inner[path[-1]]
    return obj


def _set(obj: dict, value: object, *path: str) -> dict:
    inner = obj
    for key in path[:-1]:
        inner = inner[int(key)] if isinstance(inner, list) else inner[key]
    last = path[-1]
    if isinstance(inner, list):
        inner[int(last)] = value
    else:
        inner[last] = value
    return obj


def _msg(value: object, *path: str) -> dict:
    return _set(completion(GOOD_PLAN), value, "choices", "0", "message", *path)


_GOOD = json_shape("good_plan", completion(GOOD_PLAN))
_TRUNCATED = json.dumps(completion(GOOD_PLAN)).encode()[:90]
_BIG_PROSE = "The mug is probably in the kitchen. " * 6000  # ~200 kB: under the byte cap
_HUGE = "x" * (30 * 1024 * 1024)  # 30 MB, as the outside probe sent
_SSE = (
    b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,'
    b'"delta":{"content":"{"}}]}\n\ndata: [DONE]\n\n'
)
_TRANSIENT = 3  # 1 request + the default 2 retries


def _status(code: int, message: str, etype: str, code_name: str | None = None) -> Shape:
    return json_shape(f"http_{code}", api_error(code, message, etype, code_name), status=code)


FAULTS: dict[str, Fault] = {
    # --- the endpoint did not return a chat completion -----------------------------------------
    "truncated_json_200": Fault((Shape("truncated_json", body=_TRUNCATED),), "endpoint_error", 1),
    "html_200": Fault(
        (
            Shape(
                "html",
                body=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                headers={"Content-Type": "text/html"},
            ),
        ),
        "endpoint_error",
        1,
    ),
    "empty_body_200": Fault((Shape("empty_body", body=b""),), "endpoint_error", 1),
    "json_array_body": Fault((json_shape("array", []),), "endpoint_error", 1),
    "error_envelope_200": Fault(
        (json_shape("error_200", api_error(200, "The model is overloaded", "server_error")),),
        "endpoint_error",
        1,
    ),
    "no_choices": Fault(
        (json_shape("no_choices", _drop(completion(GOOD_PLAN), "choices")),), "endpoint_error", 1
    ),
    "empty_choices": Fault(
        (json_shape("empty_choices", _set(completion(GOOD_PLAN), [], "choices")),),
        "endpoint_error",
        1,
    ),
    "choices_not_a_list": Fault(
        (json_shape("choices_object", _set(completion(GOOD_PLAN), {"0": {}}, "choices")),),
        "endpoint_error",
        1,
    ),
    "message_null": Fault(
        (json_shape("message_null", _set(completion(GOOD_PLAN), None, "choices", "0", "message")),),
        "endpoint_error",
        1,
    ),
    "content_not_a_string": Fault(
        (json_shape("content_int", _msg(42, "content")),), "endpoint_error", 1
    ),
    "tool_call_without_function": Fault(
        (json_shape("no_function", _msg([{"id": "call_1", "type": "function"}], "tool_calls")),),
        "endpoint_error",
        1,
        tools=True,
    ),
    "tool_calls_not_a_list": Fault(
        (json_shape("tool_calls_str", _msg("objects()", "tool_calls")),),
        "endpoint_error",
        1,
        tools=True,
    ),
    "tool_arguments_not_a_string": Fault(
        (
            json_shape(
                "arguments_object",
                _msg(
                    [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "objects", "arguments": {}},
                        }
                    ],
                    "tool_calls",
                ),
            ),
        ),
        "endpoint_error",
        1,
        tools=True,
    ),
    "usage_wrong_type": Fault(
        (json_shape("usage_str", _set(completion(GOOD_PLAN), "many", "usage", "prompt_tokens")),),
        "endpoint_error",
        1,
    ),
    "sse_stream_unrequested": Fault(
        (Shape("sse", body=_SSE, headers={"Content-Type": "text/event-stream"}),),
        "endpoint_error",
        1,
    ),
    "huge_reply_30mb": Fault((json_shape("huge", completion(_HUGE)),), "endpoint_error", 1),
    "http_400_context_length": Fault(
        (
            _status(
                400,
                "This model's maximum context length is 4096 tokens.",
                "invalid_request_error",
                "context_length_exceeded",
            ),
        ),
        "endpoint_error",
        1,
    ),
    "http_401": Fault(
        (_status(401, "Incorrect API key provided.", "invalid_request_error"),), "endpoint_error", 1
    ),
    "http_404_model": Fault(
        (
            _status(
                404, "The model `fake` does not exist.", "invalid_request_error", "model_not_found"
            ),
        ),
        "endpoint_error",
        1,
    ),
    "http_429": Fault(
        (_status(429, "Rate limit reached.", "requests", "rate_limit_exceeded"),),
        "endpoint_error",
        _TRANSIENT,
    ),
    "http_500": Fault(
        (_status(500, "The server had an error.", "server_error"),), "endpoint_error", _TRANSIENT
    ),
    "http_502": Fault(
        (Shape("502_html", 502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}),),
        "endpoint_error",
        _TRANSIENT,
    ),
    "http_503": Fault(
        (_status(503, "The engine is overloaded.", "server_error"),), "endpoint_error", _TRANSIENT
    ),
    "drop_mid_body": Fault(
        (Shape("cut", body=json.dumps(completion(GOOD_PLAN)).encode(), cut_at=40),),
        "endpoint_error",
        _TRANSIENT,
    ),
    "close_without_reply": Fault((Shape("no_reply", no_reply=True),), "endpoint_error", _TRANSIENT),
    "bad_gzip_encoding": Fault(
        (Shape("bad_gzip", body=b"not gzip at all", headers={"Content-Encoding": "gzip"}),),
        "endpoint_error",
    ),
    # --- no complete reply in time ---------------------------------------------------------------
    "slow_headers": Fault(
        (
            Shape(
                "slow", body=json.dumps(completion(GOOD_PLAN)).encode(), delay_s=5 * SHORT_TIMEOUT_S
            ),
        ),
        "endpoint_timeout",
        _TRANSIENT,
        timeout_s=SHORT_TIMEOUT_S,
    ),
    "slow_drip_body": Fault(
        (
            Shape(
                "drip",
                body=json.dumps(completion(GOOD_PLAN)).encode(),
                drip_s=SHORT_TIMEOUT_S / 2,
                drip_chunk=8,
            ),
        ),
        "endpoint_timeout",
        _TRANSIENT,
        timeout_s=SHORT_TIMEOUT_S,
    ),
    # --- a valid completion that is not a valid plan -----------------------------------------------
    "prose_no_json": Fault(
        (json_shape("prose", completion("I would go to the kitchen.")),), "bad_planner_output", 3
    ),
    "empty_content": Fault((json_shape("empty", completion("")),), "bad_planner_output", 3),
    "content_null_no_tool_calls": Fault(
        (json_shape("null", completion(None)),), "bad_planner_output", 3
    ),
    "finish_reason_length": Fault(
        (json_shape("length", completion(GOOD_PLAN[:30], finish_reason="length")),),
        "bad_planner_output",
        3,
    ),
    "refusal": Fault(
        (json_shape("refusal", completion(None, refusal="I can't help with that.")),),
        "bad_planner_output",
        3,
    ),
    "unknown_memory_id": Fault(
        (json_shape("unknown_id", completion(GOOD_PLAN.replace("obj_1", "obj_999"))),),
        "bad_planner_output",
        3,
    ),
    "schema_invalid_plan": Fault(
        (json_shape("bad_type", completion('{"subgoals": [{"type": "teleport", "x": 1}]}')),),
        "bad_planner_output",
        3,
    ),
    "big_prose_reply": Fault(
        (json_shape("big_prose", completion(_BIG_PROSE)),), "bad_planner_output", 3
    ),
    "tool_call_unparseable_arguments": Fault(
        (json_shape("bad_args", completion(None, [tool_call("objects", '{"category": "Mug"')])),),
        "bad_planner_output",
        tools=True,
    ),
    "tool_call_unknown_tool": Fault(
        (json_shape("unknown_tool", completion(None, [tool_call("rm_rf", "{}")])),),
        "bad_planner_output",
        tools=True,
    ),
    # --- transient faults that a retry or re-ask recovers from --------------------------------------
    "recover_after_503": Fault((_status(503, "overloaded", "server_error"), _GOOD), None, 2),
    "recover_after_429_retry_after": Fault(
        (
            json_shape(
                "429_retry_after",
                api_error(429, "Rate limit reached.", "requests", "rate_limit_exceeded"),
                status=429,
                headers={"retry-after-ms": "50"},
            ),
            _GOOD,
        ),
        None,
        2,
    ),
    "recover_after_timeout": Fault(
        (
            Shape(
                "slow", body=json.dumps(completion(GOOD_PLAN)).encode(), delay_s=5 * SHORT_TIMEOUT_S
            ),
            _GOOD,
        ),
        None,
        2,
        timeout_s=1.0,
    ),
    "recover_after_drop": Fault((Shape("no_reply", no_reply=True), _GOOD), None, 2),
    "recover_after_bad_arguments": Fault(
        (json_shape("bad_args", completion(None, [tool_call("objects", "{oops")])), _GOOD),
        None,
        2,
        tools=True,
    ),
}

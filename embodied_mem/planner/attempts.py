"""The ask → validate → re-ask loop every model planner (llm, hf, frames) shares.

A reply that is not a valid plan is sent back with the validation error, up to ``max_retries``
times, then recorded as ``bad_planner_output``. Endpoint trouble (:class:`EndpointFailure`) ends
the loop as its own failure mode. The bad reply is echoed back clipped to
:data:`MAX_ECHO_CHARS`, so a huge reply is not re-sent with every re-ask, and traces keep at most
:data:`MAX_TRACE_CHARS` of any reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embodied_mem.planner.base import PlannerCall, PlanResult
from embodied_mem.planner.endpoint import ChatReply, EndpointFailure
from embodied_mem.planner.schema import ParsedPlan, PlanValidationError

logger = logging.getLogger(__name__)

MAX_ECHO_CHARS = 1500
"""Longest bad reply sent back to the model with the validation error."""
MAX_TRACE_CHARS = 4000
"""Longest reply text kept in a :class:`PlannerCall` for traces."""


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"…[{len(text) - limit} more characters cut]"


@dataclass
class Answer:
    """One model answer: its text and a hint to add to a validation error (e.g. it was cut off)."""

    text: str
    hint: str = ""


def answer_of(reply: ChatReply, max_tokens: int) -> Answer:
    """The text a completion offers as a plan, with what a re-ask should tell the model."""
    if reply.refusal:
        return Answer("", f"the model refused ({reply.refusal!r}); reply with the JSON plan")
    if reply.finish_reason == "length":
        return Answer(
            reply.content, f"the reply was cut off at {max_tokens} tokens; give a shorter plan"
        )
    return Answer(reply.content)


def call_record(backend: str, reply: ChatReply) -> PlannerCall:
    """A trace record of one completion (its text clipped)."""
    return PlannerCall(
        backend,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
        latency_s=reply.latency_s,
        raw_text=clip(reply.content, MAX_TRACE_CHARS),
    )


def plan_with_reasks(
    ask: Callable[[int], Answer],
    reask: Callable[[str, str], None],
    parse: Callable[[str], ParsedPlan],
    *,
    max_retries: int,
    calls: list[PlannerCall],
    backend: str,
    details: dict[str, Any] | None = None,
) -> PlanResult:
    """Run the loop.

    Args:
        ask: ``ask(attempt)`` makes the model call(s) of one attempt (appending their
            :class:`PlannerCall` records to ``calls``) and returns its :class:`Answer`.
        reask: ``reask(clipped_text, error)`` appends the bad reply and the error to the
            conversation for the next attempt.
        parse: text → :class:`ParsedPlan`; raises :class:`PlanValidationError`.
        max_retries: re-asks after the first attempt.
        calls: the call records (shared with ``ask``).
        backend: names the call record of an endpoint failure.
        details: extras for the result's ``details``.
    """
    details = dict(details or {})
    error = ""
    try:
        for attempt in range(max_retries + 1):
            answer = ask(attempt)
            try:
                parsed = parse(answer.text)
            except PlanValidationError as exc:
                error = f"{exc} ({answer.hint})" if answer.hint else str(exc)
                if calls:
                    calls[-1].error = error
                logger.info("%s plan attempt %d invalid: %s", backend, attempt, error)
                reask(clip(answer.text, MAX_ECHO_CHARS), error)
                continue
            details["attempts"] = attempt + 1
            return PlanResult(
                parsed.subgoals, calls, None, parsed.targets, parsed.reasoning, details=details
            )
    except EndpointFailure as exc:
        logger.warning("%s planner %s: %s", backend, exc.mode, exc)
        calls.append(PlannerCall(backend, error=str(exc)))  # the call that got no reply
        return PlanResult.failure(exc.mode, str(exc), calls, **details)
    return PlanResult.failure(
        "bad_planner_output", error, calls, attempts=max_retries + 1, **details
    )

"""The planner interface: what every backend (rule, llm, hf, frames) takes and returns.

A planner turns one instruction plus the agent's memory into subgoals for the low-level
policies (:mod:`policies.subgoals`). Backends never raise out of :meth:`Planner.plan` for
model or endpoint trouble; they return a :class:`PlanResult` whose ``failure_mode`` names
what went wrong (one of :data:`FAILURE_MODES`) so the benchmark can report it per task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from embodied_mem.memory.query_api import MemoryQueryAPI
from envs.types import AgentPose, SimTime
from policies.subgoals import Subgoal

#: The fixed vocabulary of planner failure modes (reports group failures by these).
FAILURE_MODES: tuple[str, ...] = (
    "bad_planner_output",  # a valid reply whose plan did not parse/validate after all re-asks
    "endpoint_timeout",  # no complete reply within the configured time, after the retries
    "endpoint_error",  # no valid chat completion: HTTP/connection error, malformed or huge reply
    "no_memory_match",  # memory holds nothing that satisfies the instruction
    "unsupported_instruction",  # the planner cannot map the instruction to a plan
    "budget_exceeded",  # the prompt cannot fit the token budget even when compacted
    "missing_model",  # local weights/tokenizer not found
    "planner_crash",  # the planner raised (a bug); the agent loop recorded it and went on
)

#: Modes that mean the planner produced no plan because of the model, the endpoint or the
#: planner itself (rather than what memory holds); the benchmark reports them as they are.
PLANNER_ERRORS: tuple[str, ...] = (
    "bad_planner_output",
    "endpoint_timeout",
    "endpoint_error",
    "budget_exceeded",
    "missing_model",
    "planner_crash",
)


def check_failure_mode(mode: str | None) -> str | None:
    """Return ``mode`` unchanged, or raise ``ValueError`` if it is not in :data:`FAILURE_MODES`."""
    if mode is not None and mode not in FAILURE_MODES:
        raise ValueError(f"unknown failure mode {mode!r}; use one of {', '.join(FAILURE_MODES)}")
    return mode


@dataclass(frozen=True)
class Keyframe:
    """One remembered frame, as planners see it.

    Attributes:
        frame_index: running index of the frame in the experience.
        image: (H, W, 3) uint8 RGB thumbnail.
        time: when it was taken (None if unknown).
        agent: the agent's base pose at that frame (lets a frame index become a NavigateToFrame).
        memory_id: the memory entry this keyframe illustrates, if any.
        caption: short text shown next to the image (e.g. "day 0 10:15, kitchen").
    """

    frame_index: int
    image: np.ndarray
    time: SimTime | None = None
    agent: AgentPose | None = None
    memory_id: str | None = None
    caption: str = ""

    def __post_init__(self) -> None:
        img = np.asarray(self.image)
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(
                f"keyframe image must be (H, W, 3) uint8 RGB, got {img.shape} {img.dtype}"
            )
        if self.frame_index < 0:
            raise ValueError(f"frame_index must be >= 0, got {self.frame_index}")


@dataclass
class PlanningContext:
    """Everything a planner may use for one instruction.

    Attributes:
        instruction: the task text ("Navigate to the object you picked up at 10:15 yesterday.").
        memory: the memory's query API (:class:`~embodied_mem.memory.query_api.MemoryQueryAPI`,
            e.g. ``AgentMemory.query()``), or None for memory-free baselines (``frames``).
        agent: the agent's current base pose (for distance tasks), if known.
        time: the current simulation time.
        keyframes: thumbnails of keyframes already retrieved for this instruction (optional;
            VLM backends may also fetch their own through ``memory``).
        experience: the frames of the experience phase, for the ``frames`` baseline (any
            indexable sequence; it may load images lazily).
        token_budget: maximum prompt tokens the planner may send per model call.
        distance_fn: geodesic distance (m) from the agent's current position to a floor point
            (x, y), e.g. the env's navigability; distance tasks use straight lines without it.
        step_index: how many planning steps came before this one in the current task.
        feedback: outcomes of earlier subgoals in this task (e.g. "navigation failed: blocked"),
            so a re-plan can react.
    """

    instruction: str
    memory: MemoryQueryAPI | None = None
    agent: AgentPose | None = None
    time: SimTime | None = None
    keyframes: Sequence[Keyframe] = ()
    experience: Sequence[Keyframe] | None = None
    token_budget: int = 8192
    distance_fn: Callable[[np.ndarray], float] | None = None
    step_index: int = 0
    feedback: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.instruction, str) or not self.instruction.strip():
            raise ValueError("instruction must be a non-empty string")
        if self.token_budget <= 0:
            raise ValueError(f"token_budget must be positive, got {self.token_budget}")
        if self.step_index < 0:
            raise ValueError(f"step_index must be >= 0, got {self.step_index}")


@dataclass
class ToolCallRecord:
    """One memory-query tool call made by a model: name, arguments, result or error."""

    name: str
    arguments: dict[str, Any]
    result: Any = None
    error: str | None = None


@dataclass
class PlannerCall:
    """One model call (one request/response), for traces and token accounting.

    ``prompt_tokens``/``completion_tokens`` come from the server's ``usage`` when it reports
    it; backends that run locally count their own tokenizer's tokens.
    """

    backend: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    raw_text: str = ""
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    error: str | None = None
    attempt: int = 0


@dataclass
class PlanResult:
    """What a planner decided: subgoals, the model calls it took, and why it failed (if it did).

    Attributes:
        subgoals: subgoals to execute in order (empty on failure).
        calls: every model call made for this plan (empty for the rule planner).
        failure_mode: None on success, else one of :data:`FAILURE_MODES`.
        high_level_targets: memory ids the planner chose before any motion (for the
            benchmark's high-level success).
        message: a human-readable note (the failure's reason, or the plan's rationale).
        details: backend-specific extras for traces (JSON-serialisable values).
    """

    subgoals: list[Subgoal] = field(default_factory=list)
    calls: list[PlannerCall] = field(default_factory=list)
    failure_mode: str | None = None
    high_level_targets: list[str] = field(default_factory=list)
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_failure_mode(self.failure_mode)

    @property
    def ok(self) -> bool:
        return self.failure_mode is None

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls)

    @classmethod
    def failure(
        cls, mode: str, message: str, calls: list[PlannerCall] | None = None, **details: Any
    ) -> PlanResult:
        """A result with no subgoals that records ``mode`` and why."""
        return cls(
            subgoals=[],
            calls=list(calls or []),
            failure_mode=mode,
            message=message,
            details=dict(details),
        )


@runtime_checkable
class Planner(Protocol):
    """A planning backend. ``plan`` must not raise for model/endpoint trouble (see module doc)."""

    def plan(self, task: PlanningContext) -> PlanResult: ...

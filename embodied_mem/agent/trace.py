"""Per-step traces of a task: what was planned, executed and queried (JSON-serialisable).

The benchmark reads them for its measures (steps, planner calls, tokens, failure modes) and the
replay/visualisation tools read them to show why the agent went where it went.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    """Dataclasses, enums, numpy values and tuples → plain JSON types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        out["type"] = type(value).__name__
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@dataclass
class StepTrace:
    """One planning step: the planner's call and result, then each subgoal's outcome."""

    step_index: int
    plan_message: str
    failure_mode: str | None
    subgoals: list[dict[str, Any]]
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    planner_calls: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class TaskTrace:
    """Everything the agent did for one instruction."""

    instruction: str
    steps: list[StepTrace] = field(default_factory=list)
    high_level_targets: list[str] = field(default_factory=list)
    chosen: list[dict[str, Any]] = field(default_factory=list)
    """What the first plan that chose anything chose, as memory saw it then: memory id,
    category, position (or a room)."""
    chosen_answer: str | None = None
    chosen_at_step: int | None = None
    """Planning step of the first plan that chose targets or an answer (None: none did)."""
    answer: str | None = None
    failure_mode: str | None = None
    failure_reason: str | None = None
    failed_subgoal: str | None = None
    """Type name of the subgoal whose failure ended the task (None: none failed)."""
    actions: int = 0
    path_length: float = 0.0
    planner_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_time_s: float = 0.0
    path: list[tuple[float, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)

"""What the runner reports about one task attempt, and the measures the scorer gives it.

:class:`TaskAttempt` is filled by the episode runner (and the oracle solver);
:class:`TaskResult` is one line of a run's ``results.jsonl``, written by
:func:`embodied_mem.benchmark.scoring.score_task`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from envs.types import Observation


@dataclass
class TaskAttempt:
    """What the agent did on one task, as reported by the runner."""

    task_id: str
    checkpoints: list[Observation] = field(default_factory=list)
    """Frames where the agent declared arrival at a goal (in time order)."""
    path_length: float = 0.0
    """Metres walked on the floor plane."""
    steps: int = 0
    answer: str | None = None
    """Final answer for questions."""
    chosen_targets: list[str] | None = None
    """Env/room ids of what the planner chose before any motion (matched by the runner), in order."""
    chosen_answer: str | None = None
    """The planner's answer before any motion (questions), for high-level success."""
    planner_calls: int = 0
    prompt_tokens: int = 0
    memory_size: int = 0
    wall_time_s: float = 0.0
    timed_out: bool = False
    planner_error: str | None = None
    """Why the planner produced no plan: a planner failure mode (kept as the task's mode) or a
    free-text reason (recorded as ``bad_planner_output``)."""
    target_in_memory: bool | None = None
    """Whether memory held any valid target when the task started (None = unknown)."""
    failed_subgoal: str | None = None
    """Type name of the subgoal whose failure ended the attempt (None: none failed)."""
    failure_reason: str | None = None
    """Why that subgoal (or the planner) failed, as the agent reported it."""


@dataclass
class TaskResult:
    """The measures of one task (one JSON line of the results file)."""

    task_id: str
    episode_id: str
    template_id: str
    family: str
    success: bool
    high_level_success: bool | None
    spl: float | None
    steps: int
    path_length: float
    optimal_length: float | None
    planner_calls: int
    prompt_tokens: int
    memory_size: int
    wall_time_s: float
    failure_mode: str | None
    detail: str = ""
    excluded: str | None = None
    """Why the task was not run for this agent (its goal already held when it started, after
    earlier tasks changed the world); excluded tasks count in no rate."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

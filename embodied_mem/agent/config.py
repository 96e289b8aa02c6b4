"""The agent loop's budgets (apart from the loop, so loading a run's config stays cheap)."""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.executor import ExecutorConfig


@dataclass
class AgentConfig:
    """Budgets of the agent loop."""

    max_plan_steps: int = 3
    """Planning rounds per instruction (explore/look then re-plan)."""
    subgoal_budget: int = 250
    """Most low-level actions one subgoal may take."""
    task_budget: int = 1000
    """Most low-level actions one instruction may take."""
    perceive_while_acting: bool = True
    """Feed the frames seen while executing subgoals into memory (a walk's every n-th,
    ``NavigationConfig.walk_frame_stride``, and its last; arrivals at objects are
    then confirmed by perception, see ``sighting_radius``)."""
    sighting_radius: float = 0.5
    """Metres from the expected position within which a perceived thing of the target's
    category confirms an arrival (a second track of the target, or the container holding it)."""
    sighting_min_fraction: float = 0.001
    """A thing too small for the mapper to update an object of confirms an arrival when
    perception detects it covering at least this fraction of the frame (0.1 %: the smallest
    view FindingDory-style evaluation counts as seeing it); smaller, the agent looks on from
    another viewpoint."""
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)

    def __post_init__(self) -> None:
        if not 0.0 <= self.sighting_min_fraction <= 1.0:
            raise ValueError(
                f"AgentConfig.sighting_min_fraction must be in [0, 1], got {self.sighting_min_fraction}"
            )
        for name in ("max_plan_steps", "subgoal_budget", "task_budget"):
            if getattr(self, name) < 1:
                raise ValueError(f"AgentConfig.{name} must be >= 1, got {getattr(self, name)}")

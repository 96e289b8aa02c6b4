"""The `rule` planner: deterministic, offline, memory-only.

It parses the TASKS.md phrasings (:mod:`embodied_mem.planner.instructions`), answers them with the
memory query API (:class:`embodied_mem.memory.retrieval.MemoryQuery`) and emits subgoals. It never
reads ground truth: it is the reference showing that the memory alone suffices. When memory holds
no answer it explores (step 0) and re-plans on the next step; questions about possibly stale
facts go through the Mind-Palace stopping rule (:mod:`embodied_mem.planner.stopping`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.results import ObjectHit
from embodied_mem.planner import rule_multi, rule_single
from embodied_mem.planner.base import PlanningContext, PlanResult
from embodied_mem.planner.instructions import UnknownInstructionError, parse_instruction
from embodied_mem.planner.rule_targets import canonical_category, floor_distance, hit_distance
from embodied_mem.planner.stopping import StoppingConfig

logger = logging.getLogger(__name__)


@dataclass
class RulePlannerConfig:
    """Settings of the rule planner."""

    explore_steps: int = 300
    """Step budget of the exploration subgoal issued when memory lacks the target."""
    max_explorations: int = 1
    """How many explore-then-replan rounds one instruction may use."""
    stopping: StoppingConfig | None = None
    """Mind-Palace stopping rule for questions (None = defaults)."""

    def __post_init__(self) -> None:
        if self.explore_steps <= 0:
            raise ValueError(f"explore_steps must be > 0, got {self.explore_steps}")
        if self.max_explorations < 0:
            raise ValueError(f"max_explorations must be >= 0, got {self.max_explorations}")
        if self.stopping is None:
            self.stopping = StoppingConfig()


class RulePlanner:
    """Instruction → memory queries → subgoals, with no model and no ground truth.

    Args:
        config: planner settings.
        geodesic: ``geodesic(a_xy, b_xy) -> metres`` on the env's navigable floor, used for the
            distance tasks and visiting orders; straight-line distance when None.
        snap: ``snap(xy) -> xy`` nearest navigable point, so that things standing on furniture
            (off the floor grid, where ``geodesic`` says inf) get a finite walking distance.
            When None and ``geodesic`` is a bound method of a navigability with ``snap``
            (``env.navigability.geodesic_distance``), that navigability's ``snap`` is used.
    """

    name = "rule"

    def __init__(
        self,
        config: RulePlannerConfig | None = None,
        geodesic: Callable[[np.ndarray, np.ndarray], float] | None = None,
        snap: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.config = config or RulePlannerConfig()
        self.geodesic = geodesic or (
            lambda a, b: float(np.linalg.norm(np.asarray(a) - np.asarray(b)))
        )
        owner = getattr(geodesic, "__self__", None)
        self.snap = snap or (getattr(owner, "snap", None) if owner is not None else None)

    def distance(self, a_xy: np.ndarray, b_xy: np.ndarray) -> float:
        """Walking metres from floor point ``a_xy`` to the thing at ``b_xy`` (inf if unreachable)."""
        return floor_distance(self.geodesic, self.snap, a_xy, b_xy)

    def distance_to(self, a_xy: np.ndarray, hit: ObjectHit) -> float:
        """Walking metres from ``a_xy`` to within reach of a remembered object/receptacle."""
        return hit_distance(self.geodesic, self.snap, a_xy, hit)

    def plan(self, task: PlanningContext) -> PlanResult:
        try:
            parsed = parse_instruction(task.instruction)
        except UnknownInstructionError as exc:
            return PlanResult.failure("unsupported_instruction", str(exc))
        if task.memory is None:
            return PlanResult.failure("no_memory_match", "the rule planner needs a memory to query")
        handler = rule_single.HANDLERS.get(parsed.template) or rule_multi.HANDLERS.get(
            parsed.template
        )
        if handler is None:
            return PlanResult.failure("unsupported_instruction", f"no rule for {parsed.template}")
        ctx = RuleContext(self, task, parsed.slots)
        try:
            result = handler(ctx)
        except (KeyError, ValueError) as exc:
            # A memory id that vanished (merged) or an out-of-range slot: report, don't crash.
            logger.debug("rule planner %s failed: %s", parsed.template, exc)
            result = PlanResult.failure("no_memory_match", f"{parsed.template}: {exc}")
        result.details.setdefault("template", parsed.template)
        result.details.setdefault("slots", dict(parsed.slots))
        return result


class RuleContext:
    """What a template handler needs: the query API, slots, distances and the explore fallback."""

    def __init__(self, planner: RulePlanner, task: PlanningContext, slots: dict[str, str]) -> None:
        self.planner = planner
        self.task = task
        assert task.memory is not None, "RulePlanner.plan checks for a memory first"
        self.q: MemoryQueryAPI = task.memory
        self.slots = slots
        self.agent_xy = task.agent.xy if task.agent is not None else None

    def distance_from_agent(self, xy: np.ndarray) -> float:
        if self.agent_xy is None:
            return 0.0
        return self.planner.distance(self.agent_xy, xy)

    def category(self, phrase: str) -> str:
        """Memory's spelling of a category phrase from the instruction."""
        return canonical_category(self.q, phrase)

    def distance_to_hit(self, hit: ObjectHit) -> float:
        """Walking metres from the agent to within reach of a remembered object/receptacle."""
        if self.agent_xy is None:
            return 0.0
        return self.planner.distance_to(self.agent_xy, hit)

    @property
    def distance_fn(self) -> Callable[[ObjectHit], float] | None:
        """Distance from the agent to a hit, or None when the agent's pose is unknown."""
        return self.distance_to_hit if self.agent_xy is not None else None

    def can_explore(self) -> bool:
        return self.task.step_index < self.planner.config.max_explorations

    def missing(self, what: str, category: str | None = None) -> PlanResult:
        """Memory has no answer: explore once, else report no_memory_match.

        ``category`` (a phrase) lets exploration stop as soon as such a thing is remembered;
        leave it None when memory already holds things of that category that do not qualify
        (e.g. "a vase you did not interact with"), or exploration would stop at once.
        """
        from policies.subgoals import Explore

        if self.can_explore():
            steps = self.planner.config.explore_steps
            cat = self.category(category) if category else None
            return PlanResult(
                subgoals=[Explore(category=cat, max_steps=steps)],
                message=f"memory has no {what}; exploring",
                details={"replan": True},
            )
        return PlanResult.failure("no_memory_match", f"memory has no {what}")

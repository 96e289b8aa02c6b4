"""The `rule` planner: deterministic, offline, memory-only.

It understands the instruction (:mod:`embodied_mem.language`: exact TASKS.md phrasings and
person-style rewordings, slots matched against the memory's own words), looks the intent up in
:data:`HANDLERS` - the one table from template to rule - answers it with the memory query API
(:class:`~embodied_mem.memory.query_api.MemoryQueryAPI`) and emits subgoals. It never reads ground
truth: it is the reference showing that the memory alone suffices. An instruction it does not
understand is a recorded ``unsupported_instruction`` failure with the parser's nearest intents,
never a guess. When memory holds no answer it explores (step 0) and re-plans on the next step;
questions about possibly stale facts go through the Mind-Palace stopping rule
(:mod:`embodied_mem.planner.stopping`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np

from embodied_mem.benchmark.task import PHRASINGS
from embodied_mem.language import (
    InstructionParser,
    ParseResult,
    Vocabulary,
    default_vocabulary,
)
from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.results import ObjectHit
from embodied_mem.planner import (
    rule_manip,
    rule_multi,
    rule_objects,
    rule_places,
    rule_questions,
    rule_rooms,
)
from embodied_mem.planner.base import PlanningContext, PlanResult
from embodied_mem.planner.rule_common import Handler, RuleContext
from embodied_mem.planner.rule_config import RulePlannerConfig
from embodied_mem.planner.rule_targets import floor_distance, hit_distance

logger = logging.getLogger(__name__)

#: Template id -> its rule. The one place that says which code answers which task.
HANDLERS: dict[str, Handler] = {
    # object recall and interaction
    "T01": rule_objects.t01,
    "T02": rule_objects.t02,
    "T03": rule_objects.t03,
    "T04": rule_objects.t04,
    "T05": rule_objects.t05,
    "T06": rule_objects.t06,
    "T07": rule_objects.t07,
    # temporal and order
    "T08": rule_objects.t08,
    "T09": rule_objects.t09,
    "T10": rule_objects.t10,
    "T11": rule_objects.t11,
    "T12": rule_objects.t12,
    "T13": rule_objects.t13,
    "T14": rule_objects.t14,
    "T15": rule_objects.t15,
    # duration
    "T16": rule_objects.t16,
    "T17": rule_objects.t17,
    "T18": rule_objects.t18,
    # attributes
    "T19": rule_objects.t19,
    "T20": rule_objects.t20,
    "T21": rule_objects.t21,
    "T22": rule_objects.t22,
    # distance
    "T23": rule_places.t23,
    "T24": rule_places.t24,
    "T25": rule_places.t25,
    # receptacles
    "T26": rule_places.t26,
    "T27": rule_places.t27,
    "T28": rule_places.t28,
    "T29": rule_places.t29,
    "T30": rule_places.t30,
    "T31": rule_places.t31,
    "T32": rule_places.t32,
    "T33": rule_places.t33,
    "T34": rule_places.t34,
    "T35": rule_places.t35,
    # rooms
    "T36": rule_rooms.t36,
    "T37": rule_rooms.t37,
    "T38": rule_rooms.t38,
    "T39": rule_rooms.t39,
    "T40": rule_rooms.t40,
    "T41": rule_rooms.t41,
    "T42": rule_rooms.t42,
    "T43": rule_rooms.t43,
    # several targets
    "T44": rule_multi.t44,
    "T45": rule_multi.t45,
    "T46": rule_multi.t46,
    "T47": rule_multi.t47,
    "T48": rule_multi.t48,
    "T49": rule_multi.t49,
    "T50": rule_multi.t50,
    # several days
    "T51": rule_multi.t51,
    "T52": rule_multi.t52,
    "T53": rule_multi.t53,
    "T54": rule_multi.t54,
    # manipulation
    "T55": rule_manip.t55,
    "T56": rule_manip.t56,
    "T57": rule_manip.t57,
    "T58": rule_manip.t58,
    # questions
    "T59": rule_questions.t59,
    "T60": rule_questions.t60,
    "T61": rule_questions.t61,
    "T62": rule_questions.t62,
    "T63": rule_questions.t63,
}
assert set(HANDLERS) == set(PHRASINGS), "every template of TASKS.md needs exactly one rule"


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
        self._parser: InstructionParser | None = None
        self._catalog: Vocabulary | None = None
        owner = getattr(geodesic, "__self__", None)
        self.snap = snap or (getattr(owner, "snap", None) if owner is not None else None)
        self._map = owner  # the map the distances are walked on (for _reachable)

    def distance(self, a_xy: np.ndarray, b_xy: np.ndarray) -> float:
        """Walking metres from floor point ``a_xy`` to the thing at ``b_xy`` (inf if unreachable)."""
        measure = lambda: floor_distance(self.geodesic, self.snap, a_xy, b_xy)  # noqa: E731
        return self._reachable(measure, a_xy, b_xy)

    def distance_to(self, a_xy: np.ndarray, hit: ObjectHit) -> float:
        """Walking metres from ``a_xy`` to within reach of a remembered object/receptacle."""
        measure = lambda: hit_distance(self.geodesic, self.snap, a_xy, hit)  # noqa: E731
        return self._reachable(measure, a_xy, np.asarray(hit.position[:2], dtype=float))

    def _reachable(self, measure: Callable[[], float], a_xy: np.ndarray, b_xy: np.ndarray) -> float:
        """``measure()``, and when the agent's own map calls that unreachable: measured again
        at half a cell under the agent's radius (where navigation walks when the full radius
        has no path), else the walk to the reachable floor nearest to ``b_xy`` plus the
        straight stretch from there.

        The map's floor nearest a thing can be a pocket it cannot reach: a few cells seen free
        between a sofa and the wall, or a room behind a passage the map narrows by a cell.
        Unreachable ranks last for "farthest" and never "closest" (seed 2828: a laptop 2.5 m
        away, the closest, and a keychain 14 m away, the farthest, both measured inf, as did
        the farthest receptacle; the simulator's walks to them were finite).
        """
        d = measure()
        if not math.isinf(d):
            return d
        # The agent's own map can plan at half a cell under the agent's radius (its
        # ``squeezing``), as navigation does when no path exists at the full radius.
        squeezing = getattr(self._map, "squeezing", None)
        if squeezing is not None:
            with squeezing():
                d = measure()
            if not math.isinf(d):
                return d
        fields = getattr(self._map, "distances_from", None)
        if fields is None:
            return math.inf
        field = fields(np.asarray(a_xy, dtype=float)[:2])
        reached = field.nearest_reached(b_xy) if hasattr(field, "nearest_reached") else None
        if reached is None:
            return math.inf
        return float(field.at(reached)) + float(np.linalg.norm(np.asarray(b_xy)[:2] - reached))

    def plan(self, task: PlanningContext) -> PlanResult:
        if task.memory is None:
            return PlanResult.failure("no_memory_match", "the rule planner needs a memory to query")
        parsed = self.understand(task.instruction, task.memory)
        if not parsed.ok:
            return PlanResult.failure(
                "unsupported_instruction",
                f"instruction not understood ({parsed.status}): {parsed.reason}",
                parse=parsed.to_json(),
            )
        ctx = RuleContext(self, task, parsed.slots)
        try:
            result = HANDLERS[parsed.template](ctx)
        except (KeyError, ValueError) as exc:
            # A memory id that vanished (merged) or an out-of-range slot: report, don't crash.
            logger.debug("rule planner %s failed: %s", parsed.template, exc)
            result = PlanResult.failure("no_memory_match", f"{parsed.template}: {exc}")
        result.details.setdefault("template", parsed.template)
        result.details.setdefault("slots", dict(parsed.slots))
        result.details.setdefault("parse_confidence", round(parsed.confidence, 3))
        return result

    def understand(self, instruction: str, memory: MemoryQueryAPI) -> ParseResult:
        """Parse ``instruction`` against the catalog words plus those ``memory`` holds."""
        if self._parser is None:
            self._parser = InstructionParser(config=self.config.parser)
        if self._catalog is None:
            # The catalog's words are the same for every task: built once (with_memory adds
            # memory's words to a copy), not for each of the planner's calls.
            self._catalog = default_vocabulary()
        vocab = self._catalog.with_memory(memory)
        return self._parser.with_vocabulary(vocab).parse(instruction)

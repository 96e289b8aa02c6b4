"""What every rule-planner handler shares: the context it runs in and how a set of remembered
things becomes a plan (go to the nearest, explore when memory has none).

Handlers read memory only through the query API (:class:`~embodied_mem.memory.query_api.MemoryQueryAPI`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.results import ObjectHit
from embodied_mem.planner.base import PlanningContext, PlanResult
from embodied_mem.planner.rule_targets import (
    at_receptacle,
    canonical_category,
    nearest,
    norm,
    object_goal,
    receptacle_goal,
    unique_by_id,
    visiting_order,
)

if TYPE_CHECKING:
    from embodied_mem.planner.rule import RulePlanner

logger = logging.getLogger(__name__)

ATTRIBUTE_KEYS = ("color", "shape", "material")


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

    @property
    def centre_distance_fn(self) -> Callable[[ObjectHit], float] | None:
        """Walking metres from the agent to a hit's centre (to the floor point nearest it, then
        straight), or None when the agent's pose is unknown.

        "Closest to you" and "farthest from you" are this distance (TASKS.md's measure).
        :attr:`distance_fn` is the walk to the best side of a thing, for choosing where to go;
        a side's nearest floor can lie across a wall from it (seed 6161 full-0003: a credit
        card on a shelf 'closest' through the wall behind it, six metres' walk away).
        """
        if self.agent_xy is None:
            return None
        agent = self.agent_xy
        return lambda hit: self.planner.distance(agent, np.asarray(hit.position[:2], dtype=float))

    def can_explore(self) -> bool:
        return self.task.step_index < self.planner.config.max_explorations

    def _places_to_inspect(self) -> tuple[tuple[float, float, float], ...]:
        """Remembered receptacles, nearest first, for a search to look at once no frontier is
        left (small things rest on them)."""
        n = self.planner.config.inspect_receptacles
        hits = list(self.q.receptacles())
        if self.distance_fn is not None:
            hits.sort(key=self.distance_fn)
        return tuple(tuple(float(v) for v in h.position) for h in hits[:n])  # type: ignore[misc]

    def _containers_to_open(self) -> list[ObjectHit]:
        """Remembered containers memory saw shut or never saw open, nearest first (at most
        ``open_to_search``) in a walking order from the agent: what a search has not looked
        into yet.

        Memory learns a container's state only by opening or closing it; perception does not
        tell a shut cabinet from any other. A fridge nobody touched is of a kind that opens
        (``container_categories``), and what is shut in it shows to no exploration (seed 1717:
        a plate in the fridge, a remote and a spray bottle each in a cabinet, none of them
        opened because memory had no state for them).
        """
        kinds = {k.lower() for k in self.planner.config.container_categories}
        shut = [
            h
            for h in self.q.receptacles()
            if h.obj.state == "closed" or (h.obj.state is None and h.category.lower() in kinds)
        ]
        if self.distance_fn is not None:
            shut.sort(key=lambda h: (self.distance_fn(h), h.memory_id))
        near = shut[: self.planner.config.open_to_search]
        distance = self.planner.distance_to if self.agent_xy is not None else None
        return visiting_order(near, self.agent_xy, distance)

    def missing(self, what: str, category: str | None = None) -> PlanResult:
        """Memory has no answer: explore once; then, for a thing of a ``category``, look into
        the nearest closed containers once; else report no_memory_match.

        ``category`` (a phrase) lets exploration stop as soon as a thing of it that memory did
        not hold before is remembered, and have it look at remembered receptacles once no
        frontier is left; without it exploration covers the floor and stops. Things shut in a
        container show to no exploration (an egg in a microwave nobody opened: seed 7272
        full-0001): the search opens each and closes it again, and the next plan finds the
        thing if a frame showed it inside.
        """
        from policies.subgoals import CloseSubgoal, Explore, OpenSubgoal

        if self.can_explore():
            steps = self.planner.config.explore_steps
            cat = self.category(category) if category else None
            inspect = self._places_to_inspect() if cat else ()
            return PlanResult(
                subgoals=[Explore(category=cat, max_steps=steps, inspect=inspect)],
                message=f"nothing in memory matches {what}; exploring",
                details={"replan": True},
            )
        if category and self.task.step_index == self.planner.config.max_explorations:
            look: list[Any] = []
            for box in self._containers_to_open():
                where = at_receptacle(self.q, box)
                look += [OpenSubgoal(**where, look_inside=True), CloseSubgoal(**where)]
            if look:
                return PlanResult(
                    subgoals=look,
                    message=(
                        f"nothing in memory matches {what}; looking inside "
                        f"{len(look) // 2} closed containers"
                    ),
                    # One container out of reach must not end the search of the others; the
                    # search ends at the container the thing was seen in.
                    details={
                        "replan": True,
                        "search": True,
                        "search_category": self.category(category),
                    },
                )
        return PlanResult.failure("no_memory_match", f"nothing in memory matches {what}")


Handler = Callable[[RuleContext], PlanResult]
"""A template's rule: context (memory, slots, distances) -> plan."""


def go_object(
    ctx: RuleContext, hits: list[Any], what: str, category: str | None = None
) -> PlanResult:
    """Navigate to the nearest of ``hits`` (objects), or explore when there is none."""
    hit = nearest(ctx.q, unique_by_id(hits), ctx.distance_fn)
    if hit is None:
        return ctx.missing(what, category)
    return PlanResult(
        subgoals=[object_goal(hit, ctx.q)],
        high_level_targets=[hit.memory_id],
        message=f"{what}: {hit.category} {hit.memory_id}",
    )


def go_receptacle(
    ctx: RuleContext,
    hits: list[Any],
    what: str,
    farthest: bool = False,
    distance_fn: Callable[[ObjectHit], float] | None = None,
) -> PlanResult:
    """Navigate to the nearest (``farthest``: farthest) of ``hits`` (receptacles) by
    ``distance_fn`` (default :attr:`RuleContext.distance_fn`), or explore when there is none."""
    hit = nearest(
        ctx.q,
        unique_by_id(h for h in hits if h is not None),
        distance_fn or ctx.distance_fn,
        farthest=farthest,
    )
    if hit is None:
        return ctx.missing(what)
    return PlanResult(
        subgoals=[receptacle_goal(hit, ctx.q)],
        high_level_targets=[hit.memory_id],
        message=f"{what}: {hit.category} {hit.memory_id}",
    )


def objects_of(ctx: RuleContext, interactions: list[Any]) -> list[Any]:
    """Current memory state of the objects acted on by ``interactions`` (merged ids resolved).

    Only pick/place events name an *object*; open/close events name the container, which is
    never "the object you interacted with". Ids memory no longer knows are skipped.
    """
    out = []
    for h in interactions:
        if h is None or h.event.object_id is None or h.event.kind.value not in ("pick", "place"):
            continue
        hit = safe_get(ctx, h.event.object_id)
        if hit is not None:
            out.append(hit)
    return unique_by_id(out)


def safe_get(ctx: RuleContext, memory_id: str | None) -> Any | None:
    """``q.get``, falling back to the last state the agent itself left the object in.

    Memory may mark an object vanished when it is not seen where expected (e.g. shut in a
    drawer the agent looked at). The agent's own last interaction with it is still the best
    belief of where it is, so use the world instance just after that interaction (Mind-Palace
    style) rather than dropping the target. None when memory never knew the id.
    """
    if memory_id is None:
        return None
    try:
        return ctx.q.get(memory_id)
    except KeyError:
        pass
    try:
        events = [h.event for h in ctx.q.interactions(object_id=memory_id)]
    except (KeyError, ValueError):
        return None
    for ev in reversed(events):
        try:
            hit = ctx.q.get(memory_id, at_time=ev.end_time + 1e-3)
        except KeyError:
            continue
        logger.debug(
            "%s is not in current memory; using its state after event %d", memory_id, ev.event_id
        )
        return hit
    return None


def picks(ctx: RuleContext, day: int | None = None) -> list[Any]:
    return ctx.q.interactions(kind="pick", day=ctx.q.yesterday if day is None else day)


def first_source(ctx: RuleContext, memory_id: str, day: int | None = None) -> Any | None:
    """The receptacle an object rested on before the agent first picked it on ``day`` (None = ever).

    Events keep the ids memory had when they happened; nodes may merge later (perception
    keeps running today), so both sides are resolved before comparing.
    """
    me = ctx.q.resolve(memory_id)
    for h in ctx.q.interactions(kind="pick", day=day):
        if h.event.object_id is not None and ctx.q.resolve(h.event.object_id) == me:
            rec = safe_get(ctx, h.event.source_id)
            if rec is not None:
                return rec
    return None


def with_attribute(objects: list[Any], key: str, word: str) -> list[Any]:
    return [o for o in objects if norm(o.obj.attributes.get(key)) == norm(word)]


def interacted_with_attribute(ctx: RuleContext, key: str, word: str) -> list[Any]:
    """Objects interacted with yesterday whose ``key`` attribute (color, shape or material) is
    ``word``. Attributes are read from each object's remembered state, so an object memory has
    since lost sight of still counts (see :func:`safe_get`)."""
    if key not in ATTRIBUTE_KEYS:
        raise ValueError(f"attribute must be one of {ATTRIBUTE_KEYS}, got {key!r}")
    acted = objects_of(ctx, ctx.q.interactions(day=ctx.q.yesterday, kind=("pick", "place")))
    return with_attribute(acted, key, word)

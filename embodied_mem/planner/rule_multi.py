"""Rule-planner handlers for several targets and several days (T44-T54)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.rule_common import (
    RuleContext,
    go_object,
    go_receptacle,
    interacted_with_attribute,
    objects_of,
    picks,
    safe_get,
)
from embodied_mem.planner.rule_targets import (
    object_goal,
    receptacle_goal,
    room_goal,
    same_category,
    unique_by_id,
    visiting_order,
)


def _sequence(
    ctx: RuleContext, hits: list[Any], what: str, *, receptacles: bool = False, ordered: bool = True
) -> PlanResult:
    hits = unique_by_id(h for h in hits if h is not None)
    if not hits:
        return ctx.missing(what)
    if not ordered:
        hits = visiting_order(hits, ctx.agent_xy, ctx.planner.distance_to)
    goals = [receptacle_goal(h, ctx.q) if receptacles else object_goal(h, ctx.q) for h in hits]
    return PlanResult(
        subgoals=goals,
        high_level_targets=[h.memory_id for h in hits],
        message=f"{what}: {len(hits)} targets",
    )


# --------------------------------------------------------------------------- several targets
def t44(ctx: RuleContext) -> PlanResult:
    return _sequence(ctx, objects_of(ctx, picks(ctx)), "objects picked up, in order")


def t45(ctx: RuleContext) -> PlanResult:
    return _sequence(ctx, objects_of(ctx, picks(ctx)), "objects picked up", ordered=False)


def t46(ctx: RuleContext) -> PlanResult:
    places = ctx.q.interactions(kind="place", day=ctx.q.yesterday)
    recs = [r for r in (safe_get(ctx, h.event.target_id) for h in places) if r is not None]
    # Two places in a row on one receptacle are one visit; a later return to it is another.
    visits = [r for k, r in enumerate(recs) if k == 0 or r.memory_id != recs[k - 1].memory_id]
    if not visits:
        return ctx.missing("receptacles placed on yesterday")
    return PlanResult(
        subgoals=[receptacle_goal(r, ctx.q) for r in visits],
        high_level_targets=[r.memory_id for r in visits],
        message=f"receptacles placed on, in order: {len(visits)} targets",
    )


def t47(ctx: RuleContext) -> PlanResult:
    goals, targets = [], []
    here = ctx.agent_xy
    for slot in ("category_a", "category_b"):
        cat = ctx.slots[slot]
        hits = [h for h in ctx.q.objects() if same_category(h.category, cat)]
        if not hits:
            return ctx.missing(f"a {cat}", cat)
        if here is not None:
            start = np.asarray(here, dtype=float)
            hits.sort(key=lambda h, s=start: (ctx.planner.distance_to(s, h), h.memory_id))
        goals.append(object_goal(hits[0], ctx.q))
        targets.append(hits[0].memory_id)
        here = np.asarray(hits[0].position[:2], dtype=float)
    return PlanResult(subgoals=goals, high_level_targets=targets, message="two categories in order")


def t48(ctx: RuleContext) -> PlanResult:
    word = ctx.slots["color"]
    return _sequence(
        ctx, interacted_with_attribute(ctx, "color", word), f"every {word} object", ordered=False
    )


def t49(ctx: RuleContext) -> PlanResult:
    rooms = ctx.q.visited_rooms()
    if not rooms:
        return PlanResult.failure("no_memory_match", "memory has no room visits for yesterday")
    return PlanResult(
        subgoals=[room_goal(r) for r in rooms],
        high_level_targets=[r.room_id for r in rooms],
        message=f"{len(rooms)} rooms in visiting order",
    )


def t50(ctx: RuleContext) -> PlanResult:
    ends = [ctx.q.nth_interaction(1, kind="pick"), ctx.q.nth_interaction(-1, kind="pick")]
    hits = objects_of(ctx, ends)
    if len(hits) < 2:
        return ctx.missing("first and last picked objects")
    return PlanResult(
        subgoals=[object_goal(h, ctx.q) for h in hits],
        high_level_targets=[h.memory_id for h in hits],
        message="first then last object picked up",
    )


# --------------------------------------------------------------------------- several days
def t51(ctx: RuleContext) -> PlanResult:
    day = ctx.q.day_ago(int(ctx.slots["N"]))
    hit = ctx.q.interaction_at(ctx.slots["time"], day=day, kind="pick")
    return go_object(ctx, objects_of(ctx, [hit]), f"the object picked {ctx.slots['N']} days ago")


def _parents_on(ctx: RuleContext, category: str, day: int) -> dict[str, str]:
    """{object memory id: receptacle memory id} for ``category`` objects as they were on ``day``.

    What memory saw that day, completed by inference: an object not seen then but picked
    later rested, until that pick, on the receptacle it was picked from (things do not move
    on their own between the agent's interactions).
    """
    out = {
        h.memory_id: h.obj.parent_id
        for h in ctx.q.where_was(ctx.category(category), day=day)
        if h.obj.parent_id
    }
    later = [
        h
        for h in ctx.q.interactions(kind="pick", day=list(range(day + 1, ctx.q.today)))
        if same_category(h.object_category, category) and h.event.object_id and h.event.source_id
    ]
    for h in later:
        out.setdefault(ctx.q.resolve(h.event.object_id), ctx.q.resolve(h.event.source_id))
    return out


def t52(ctx: RuleContext) -> PlanResult:
    """Where the {category} was N days ago: the instance that has moved since. The agent's
    own picks since that day say for sure which instance moved; without one, the instance
    whose receptacle now differs from then (memory's now may be wrong for a thing it has
    not looked at closely, so the history comes first)."""
    cat, n = ctx.slots["category"], int(ctx.slots["N"])
    day = ctx.q.day_ago(n)
    then = _parents_on(ctx, cat, day)
    picked_since = {
        ctx.q.resolve(h.event.object_id)
        for h in ctx.q.interactions(kind="pick", day=list(range(day + 1, ctx.q.today)))
        if h.event.object_id and same_category(h.object_category, cat)
    }
    now = {mid: safe_get(ctx, mid) for mid in then}
    moved = [mid for mid in then if ctx.q.resolve(mid) in picked_since] or [
        mid for mid, rid in then.items() if now[mid] is not None and now[mid].obj.parent_id != rid
    ]
    recs = unique_by_id(safe_get(ctx, then[mid]) for mid in (moved or list(then)))
    return go_receptacle(ctx, recs, f"where the {cat} was {n} days ago")


def t53(ctx: RuleContext) -> PlanResult:
    """Count pick→place moves per object (ids resolved: one object may carry several ids
    across days before perception merged them); the nearest of the most-moved wins ties."""
    n = int(ctx.slots["N"])
    counts = Counter(
        ctx.q.resolve(r.object_id)
        for r in ctx.q.rearrangements(day=list(range(ctx.q.today - n, ctx.q.today)))
    )
    if not counts:
        return ctx.missing(f"objects moved over the past {n} days")
    top = max(counts.values())
    best = [
        o
        for o in (safe_get(ctx, mid) for mid, c in sorted(counts.items()) if c == top)
        if o is not None
    ]
    return go_object(ctx, best, "the most often moved object")


def t54(ctx: RuleContext) -> PlanResult:
    """Count picks from and places on each receptacle; opening a container is not "using" it
    as a receptacle (counting opens would favour every fridge the agent passed through)."""
    n = int(ctx.slots["N"])
    days = list(range(ctx.q.today - n, ctx.q.today))
    counts: Counter[str] = Counter()
    for h in ctx.q.interactions(kind=("pick", "place"), day=days):
        rid = h.event.source_id if h.kind.value == "pick" else h.event.target_id
        if rid is not None:
            counts[ctx.q.resolve(rid)] += 1
    if not counts:
        return ctx.missing(f"receptacles used over the past {n} days")
    top = max(counts.values())
    best = [
        r
        for r in (safe_get(ctx, rid) for rid, c in sorted(counts.items()) if c == top)
        if r is not None
    ]
    return go_receptacle(ctx, best, "the most used receptacle")

"""Rule-planner handlers for distances and receptacles (T23-T35)."""

from __future__ import annotations

from typing import Any

from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.rule_common import (
    RuleContext,
    first_source,
    go_object,
    go_receptacle,
    objects_of,
    safe_get,
    with_attribute,
)
from embodied_mem.planner.rule_targets import nearest, same_category, unique_by_id


# --------------------------------------------------------------------------- distance (T23-T25)
def _by_distance(
    ctx: RuleContext, hits: list[Any], farthest: bool, what: str, receptacle: bool
) -> PlanResult:
    # Ranked by the walk to each thing's centre (what "closest to you" measures), not to its
    # best side (see RuleContext.centre_distance_fn).
    if receptacle:
        return go_receptacle(ctx, hits, what, farthest, ctx.centre_distance_fn)
    hit = nearest(ctx.q, unique_by_id(hits), ctx.centre_distance_fn, farthest=farthest)
    return go_object(ctx, [hit] if hit else [], what)


def t23(ctx: RuleContext) -> PlanResult:
    acted = objects_of(ctx, ctx.q.interactions(day=ctx.q.yesterday, kind=("pick", "place")))
    return _by_distance(ctx, acted, True, "the farthest object interacted with", False)


def t24(ctx: RuleContext) -> PlanResult:
    acted = objects_of(ctx, ctx.q.interactions(day=ctx.q.yesterday, kind=("pick", "place")))
    return _by_distance(ctx, acted, False, "the closest object interacted with", False)


def t25(ctx: RuleContext) -> PlanResult:
    return _by_distance(
        ctx, ctx.q.receptacles_used(kind="place"), True, "the farthest receptacle placed on", True
    )


# --------------------------------------------------------------------------- receptacles (T26-T35)
def receptacles_for(ctx: RuleContext, phrase: str, kind: str) -> list[Any]:
    """Receptacles every ``phrase`` object was picked from / placed on yesterday (all instances)."""
    key = "source_id" if kind == "pick" else "target_id"
    hits = [
        h
        for h in ctx.q.interactions(kind=kind, day=ctx.q.yesterday)
        if same_category(h.object_category, phrase)
    ]
    return unique_by_id(safe_get(ctx, getattr(h.event, key)) for h in hits)


def t26(ctx: RuleContext) -> PlanResult:
    return go_receptacle(
        ctx,
        receptacles_for(ctx, ctx.slots["category"], "place"),
        f"the receptacle the {ctx.slots['category']} was placed on",
    )


def t27(ctx: RuleContext) -> PlanResult:
    return go_receptacle(
        ctx,
        receptacles_for(ctx, ctx.slots["category"], "pick"),
        f"the receptacle the {ctx.slots['category']} was picked from",
    )


def t28(ctx: RuleContext) -> PlanResult:
    return go_receptacle(ctx, ctx.q.receptacles_used(kind="place"), "a receptacle placed on")


def t29(ctx: RuleContext) -> PlanResult:
    return go_receptacle(ctx, ctx.q.receptacles_used(kind="pick"), "a receptacle picked from")


def t30(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["receptacle_category"]
    hits = [h for h in ctx.q.unused_receptacles() if same_category(h.category, cat)]
    return go_receptacle(ctx, hits, f"a {cat} not used yesterday")


def _placed_target(ctx: RuleContext, index: int, what: str) -> PlanResult:
    done = [r for r in ctx.q.rearrangements(day=ctx.q.yesterday) if r.target_id is not None]
    if not done:
        return ctx.missing(what)
    return go_receptacle(ctx, [safe_get(ctx, done[index].target_id)], what)


def t31(ctx: RuleContext) -> PlanResult:
    return _placed_target(ctx, 0, "where the first object was placed")


def t32(ctx: RuleContext) -> PlanResult:
    return _placed_target(ctx, -1, "where the last object was placed")


def t33(ctx: RuleContext) -> PlanResult:
    # A pick uses its source, a place its target; opening a container only counts when no
    # pick/place happened near that minute.
    hit = ctx.q.interaction_at(ctx.slots["time"], kind=("pick", "place")) or ctx.q.interaction_at(
        ctx.slots["time"]
    )
    if hit is None:
        return ctx.missing(f"interaction at {ctx.slots['time']}")
    ev = hit.event
    rid = {"pick": ev.source_id, "place": ev.target_id}.get(ev.kind.value, ev.object_id)
    return go_receptacle(ctx, [safe_get(ctx, rid)], f"the receptacle used at {ctx.slots['time']}")


def t34(ctx: RuleContext) -> PlanResult:
    color = ctx.slots["color"]
    # "originally" reaches back over every experienced day, not only yesterday.
    acted = with_attribute(objects_of(ctx, ctx.q.interactions(kind="pick")), "color", color)
    recs = [first_source(ctx, o.memory_id) for o in acted]
    return go_receptacle(ctx, recs, f"where the {color} object was originally")


def t35(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["receptacle_category"]
    hits = [
        h
        for h in ctx.q.receptacles(opened=True, day=ctx.q.yesterday)
        if same_category(h.category, cat)
    ]
    return go_receptacle(ctx, hits, f"the {cat} opened yesterday")

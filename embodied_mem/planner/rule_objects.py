"""Rule-planner handlers for object recall, temporal order, duration and attributes (T01-T22)."""

from __future__ import annotations

from typing import Any

from embodied_mem.language.exact import ORDINALS
from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.rule_common import (
    RuleContext,
    go_object,
    interacted_with_attribute,
    objects_of,
    picks,
    safe_get,
)
from embodied_mem.planner.rule_targets import event_room, find_rooms, same_category, unique_by_id
from envs.timeutil import parse_hhmm


# --------------------------------------------------------------------------- object recall (T01-T07)
def t01(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["category"]
    hits = [h for h in ctx.q.objects(layer=None) if same_category(h.category, cat)]
    return go_object(ctx, hits, f"a {cat}", cat)


def t02(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["category"]
    picks = [
        h
        for h in ctx.q.interactions(kind="pick", day=ctx.q.yesterday)
        if same_category(h.object_category, cat)
    ]
    return go_object(ctx, objects_of(ctx, picks), f"the {cat} picked up yesterday")


def t03(ctx: RuleContext) -> PlanResult:
    acted = ctx.q.interactions(kind=("pick", "place"), day=ctx.q.yesterday)
    return go_object(ctx, objects_of(ctx, acted), "an object interacted with yesterday")


def t04(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["category"]
    acted = {h.memory_id for h in objects_of(ctx, ctx.q.interactions(day=ctx.q.yesterday))}
    hits = [
        h for h in ctx.q.objects() if same_category(h.category, cat) and h.memory_id not in acted
    ]
    # Exploring stops at a {cat} memory did not hold before (the touched one does not count).
    return go_object(ctx, hits, f"a {cat} not interacted with", cat)


def _acted_with_receptacle(ctx: RuleContext, kind: str, slot: str) -> list[Any]:
    rec = ctx.slots[slot]
    hits = ctx.q.interactions(kind=kind, day=ctx.q.yesterday)
    key = "source_category" if kind == "pick" else "target_category"
    return [h for h in hits if same_category(getattr(h, key), rec)]


def t05(ctx: RuleContext) -> PlanResult:
    hits = _acted_with_receptacle(ctx, "pick", "receptacle")
    return go_object(
        ctx, objects_of(ctx, hits), f"the object picked from the {ctx.slots['receptacle']}"
    )


def t06(ctx: RuleContext) -> PlanResult:
    hits = _acted_with_receptacle(ctx, "place", "receptacle")
    return go_object(
        ctx, objects_of(ctx, hits), f"the object placed on the {ctx.slots['receptacle']}"
    )


def t07(ctx: RuleContext) -> PlanResult:
    rooms = {r.room_id for r in find_rooms(ctx.q, ctx.slots["room"])}
    if not rooms:
        return PlanResult.failure(
            "no_memory_match", f"no remembered room called {ctx.slots['room']!r}"
        )
    hits = [h for h in picks(ctx) if event_room(ctx.q, h.event) in rooms]
    return go_object(ctx, objects_of(ctx, hits), f"an object picked up in the {ctx.slots['room']}")


# --------------------------------------------------------------------------- temporal (T08-T15)
def t08(ctx: RuleContext) -> PlanResult:
    # Object interactions only: opening a cabinet is not "interacting with an object".
    hit = ctx.q.interaction_at(ctx.slots["time"], kind=("pick", "place"))
    return go_object(
        ctx, objects_of(ctx, [hit]), f"the object interacted with at {ctx.slots['time']}"
    )


def spans_overlapping(ctx: RuleContext, lo: int, hi: int) -> list[Any]:
    """Objects whose pick→place span (minutes of day) meets [lo, hi], in pick order."""
    out = []
    for r in ctx.q.rearrangements(day=ctx.q.yesterday):
        end = r.place.minutes_of_day if r.place is not None else r.pick.minutes_of_day
        if r.pick.minutes_of_day <= hi and end >= lo:
            out.append(safe_get(ctx, r.object_id))
    return unique_by_id(out)


def t09(ctx: RuleContext) -> PlanResult:
    lo, hi = (parse_hhmm(ctx.slots[k]) for k in ("start", "end"))
    # A whole interaction counts (pick to place), not only its instants: a pick before the
    # interval and a place after it still means the object was being handled inside it.
    return go_object(
        ctx, spans_overlapping(ctx, lo, hi), "an object interacted with in that interval"
    )


def t10(ctx: RuleContext) -> PlanResult:
    # An interaction belongs to the period in which it started (the pick).
    hits = ctx.q.interactions(day=ctx.q.yesterday, period=ctx.slots["period"].lower(), kind="pick")
    return go_object(
        ctx, objects_of(ctx, hits), f"an object interacted with in the {ctx.slots['period']}"
    )


def _nth(ctx: RuleContext, n: int, what: str) -> PlanResult:
    return go_object(ctx, objects_of(ctx, [ctx.q.nth_interaction(n, kind="pick")]), what)


def t11(ctx: RuleContext) -> PlanResult:
    return _nth(ctx, 1, "the first object picked up")


def t12(ctx: RuleContext) -> PlanResult:
    return _nth(ctx, -1, "the last object picked up")


def t13(ctx: RuleContext) -> PlanResult:
    word = ctx.slots["ordinal"].lower()
    return _nth(ctx, ORDINALS[word], f"the {word} object picked up")


def t14(ctx: RuleContext) -> PlanResult:
    hit = ctx.q.adjacent_interaction(ctx.category(ctx.slots["category"]), offset=1)
    return go_object(
        ctx, objects_of(ctx, [hit]), f"the object picked right after the {ctx.slots['category']}"
    )


def t15(ctx: RuleContext) -> PlanResult:
    hit = ctx.q.adjacent_interaction(ctx.category(ctx.slots["category"]), offset=-1)
    return go_object(
        ctx, objects_of(ctx, [hit]), f"the object picked right before the {ctx.slots['category']}"
    )


# --------------------------------------------------------------------------- duration (T16-T18)
def _rearranged(ctx: RuleContext, rearrangements: list[Any], what: str) -> PlanResult:
    hits = unique_by_id(safe_get(ctx, r.object_id) for r in rearrangements if r is not None)
    return go_object(ctx, hits[:1], what)


def t16(ctx: RuleContext) -> PlanResult:
    return _rearranged(ctx, [ctx.q.longest_rearrangement()], "the longest rearrangement")


def t17(ctx: RuleContext) -> PlanResult:
    return _rearranged(ctx, [ctx.q.shortest_rearrangement()], "the shortest rearrangement")


def t18(ctx: RuleContext) -> PlanResult:
    return _rearranged(
        ctx,
        ctx.q.rearrangements_lasting(float(ctx.slots["N"])),
        f"the rearrangement of about {ctx.slots['N']} s",
    )


# --------------------------------------------------------------------------- attributes (T19-T22)
def _with_attribute(ctx: RuleContext, key: str) -> PlanResult:
    word = ctx.slots[key]
    return go_object(
        ctx, interacted_with_attribute(ctx, key, word), f"a {word} object interacted with"
    )


def t19(ctx: RuleContext) -> PlanResult:
    return _with_attribute(ctx, "color")


def t20(ctx: RuleContext) -> PlanResult:
    return _with_attribute(ctx, "shape")


def t21(ctx: RuleContext) -> PlanResult:
    return _with_attribute(ctx, "material")


def t22(ctx: RuleContext) -> PlanResult:
    color, cat = ctx.slots["color"], ctx.slots["category"]
    hits = [h for h in ctx.q.objects(attributes={"color": color}) if same_category(h.category, cat)]
    return go_object(ctx, hits, f"the {color} {cat}", cat)

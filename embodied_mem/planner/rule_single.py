"""Rule-planner handlers for one-target templates (T01-T43 of TASKS.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.instructions import ORDINALS
from embodied_mem.planner.rule_targets import (
    event_room,
    find_rooms,
    nearest,
    norm,
    object_goal,
    receptacle_goal,
    same_category,
    unique_by_id,
)
from envs.timeutil import parse_hhmm

if TYPE_CHECKING:
    from embodied_mem.planner.rule import RuleContext

logger = logging.getLogger(__name__)

Handler = Callable[["RuleContext"], PlanResult]
ATTRIBUTE_KEYS = ("color", "shape", "material")


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
    ctx: RuleContext, hits: list[Any], what: str, farthest: bool = False
) -> PlanResult:
    hit = nearest(
        ctx.q, unique_by_id(h for h in hits if h is not None), ctx.distance_fn, farthest=farthest
    )
    if hit is None:
        return ctx.missing(what)
    return PlanResult(
        subgoals=[receptacle_goal(hit)],
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


def _receptacle_by_category(ctx: RuleContext, phrase: str, **filters: Any) -> list[Any]:
    return [h for h in ctx.q.receptacles(**filters) if same_category(h.category, phrase)]


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
    # No category hint for exploring: the touched instance is already remembered, so a
    # "stop when a {cat} is in memory" detector would stop at once.
    return go_object(ctx, hits, f"a {cat} not interacted with")


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
    lo, hi = (parse_hhmm(ctx.slots[k]) for k in ("time_a", "time_b"))
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
        ctx.q.rearrangements_lasting(float(ctx.slots["seconds"])),
        f"the rearrangement of about {ctx.slots['seconds']} s",
    )


# --------------------------------------------------------------------------- attributes (T19-T22)
def with_attribute(objects: list[Any], key: str, word: str) -> list[Any]:
    return [o for o in objects if norm(o.obj.attributes.get(key)) == norm(word)]


def interacted_with_attribute(
    ctx: RuleContext, word: str, day: int | None | str = "yesterday"
) -> list[Any]:
    """Objects interacted with (``day``: yesterday by default, None = any day) whose color,
    shape or material is ``word``. Attributes are read from each object's remembered state,
    so an object memory has since lost sight of still counts (see :func:`safe_get`)."""
    when = ctx.q.yesterday if day == "yesterday" else day
    acted = objects_of(ctx, ctx.q.interactions(day=when, kind=("pick", "place")))
    for key in ATTRIBUTE_KEYS:
        hits = with_attribute(acted, key, word)
        if hits:
            return hits
    return []


def t19(ctx: RuleContext) -> PlanResult:
    word = ctx.slots["attribute"]
    return go_object(ctx, interacted_with_attribute(ctx, word), f"a {word} object interacted with")


def t22(ctx: RuleContext) -> PlanResult:
    color, cat = ctx.slots["color"], ctx.slots["category"]
    hits = [h for h in ctx.q.objects(attributes={"color": color}) if same_category(h.category, cat)]
    return go_object(ctx, hits, f"the {color} {cat}", cat)


# --------------------------------------------------------------------------- distance (T23-T25)
def _by_distance(
    ctx: RuleContext, hits: list[Any], farthest: bool, what: str, receptacle: bool
) -> PlanResult:
    if receptacle:
        return go_receptacle(ctx, hits, what, farthest=farthest)
    hit = nearest(ctx.q, unique_by_id(hits), ctx.distance_fn, farthest=farthest)
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


HANDLERS: dict[str, Handler] = {
    name.upper(): fn
    for name, fn in globals().items()
    if len(name) == 3 and name.startswith("t") and name[1:].isdigit() and callable(fn)
}
# Imported last: the room handlers reuse this module's helpers.
from embodied_mem.planner.rule_rooms import ROOM_HANDLERS  # noqa: E402

HANDLERS.update(ROOM_HANDLERS)

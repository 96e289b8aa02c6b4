"""Rule-planner handlers for one-target templates (T01-T43 of TASKS.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.instructions import ORDINALS
from embodied_mem.planner.rule_targets import (
    find_room,
    nearest,
    object_goal,
    receptacle_goal,
    room_goal,
    same_category,
    unique_by_id,
)

if TYPE_CHECKING:
    from embodied_mem.planner.rule import RuleContext

Handler = Callable[["RuleContext"], PlanResult]
ATTRIBUTE_KEYS = ("color", "shape", "material")


def go_object(ctx: RuleContext, hits: list[Any], what: str, category: str | None = None) -> PlanResult:
    """Navigate to the nearest of ``hits`` (objects), or explore when there is none."""
    hit = nearest(ctx.q, unique_by_id(hits), ctx.distance_fn)
    if hit is None:
        return ctx.missing(what, category)
    return PlanResult(subgoals=[object_goal(hit)], high_level_targets=[hit.memory_id],
                      message=f"{what}: {hit.category} {hit.memory_id}")


def go_receptacle(ctx: RuleContext, hits: list[Any], what: str, farthest: bool = False) -> PlanResult:
    hit = nearest(ctx.q, unique_by_id(h for h in hits if h is not None), ctx.distance_fn, farthest=farthest)
    if hit is None:
        return ctx.missing(what)
    return PlanResult(subgoals=[receptacle_goal(hit)], high_level_targets=[hit.memory_id],
                      message=f"{what}: {hit.category} {hit.memory_id}")


def go_room(ctx: RuleContext, room: Any, what: str) -> PlanResult:
    if room is None:
        return PlanResult.failure("no_memory_match", f"memory has no {what}")
    return PlanResult(subgoals=[room_goal(room)], high_level_targets=[room.room_id],
                      message=f"{what}: {room.name}")


def objects_of(ctx: RuleContext, interactions: list[Any]) -> list[Any]:
    """Current memory state of the objects acted on by ``interactions`` (merged ids resolved)."""
    out = []
    for h in interactions:
        if h is not None and h.event.object_id is not None:
            try:
                out.append(ctx.q.get(h.event.object_id))
            except KeyError:
                continue
    return out


def _receptacle_by_category(ctx: RuleContext, phrase: str, **filters: Any) -> list[Any]:
    return [h for h in ctx.q.receptacles(**filters) if same_category(h.category, phrase)]


# --------------------------------------------------------------------------- object recall (T01-T07)
def t01(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["category"]
    hits = [h for h in ctx.q.objects(layer=None) if same_category(h.category, cat)]
    return go_object(ctx, hits, f"a {cat}", cat)


def t02(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["category"]
    picks = [h for h in ctx.q.interactions(kind="pick", day=ctx.q.yesterday)
             if same_category(h.object_category, cat)]
    return go_object(ctx, objects_of(ctx, picks), f"the {cat} picked up yesterday")


def t03(ctx: RuleContext) -> PlanResult:
    acted = ctx.q.interactions(kind=("pick", "place"), day=ctx.q.yesterday)
    return go_object(ctx, objects_of(ctx, acted), "an object interacted with yesterday")


def t04(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["category"]
    acted = {h.event.object_id for h in ctx.q.interactions(day=ctx.q.yesterday)}
    hits = [h for h in ctx.q.objects() if same_category(h.category, cat) and h.memory_id not in acted]
    return go_object(ctx, hits, f"a {cat} not interacted with", cat)


def _acted_with_receptacle(ctx: RuleContext, kind: str, slot: str) -> list[Any]:
    rec = ctx.slots[slot]
    hits = ctx.q.interactions(kind=kind, day=ctx.q.yesterday)
    key = "source_category" if kind == "pick" else "target_category"
    return [h for h in hits if same_category(getattr(h, key), rec)]


def t05(ctx: RuleContext) -> PlanResult:
    hits = _acted_with_receptacle(ctx, "pick", "receptacle")
    return go_object(ctx, objects_of(ctx, hits), f"the object picked from the {ctx.slots['receptacle']}")


def t06(ctx: RuleContext) -> PlanResult:
    hits = _acted_with_receptacle(ctx, "place", "receptacle")
    return go_object(ctx, objects_of(ctx, hits), f"the object placed on the {ctx.slots['receptacle']}")


def t07(ctx: RuleContext) -> PlanResult:
    room = find_room(ctx.q, ctx.slots["room"])
    if room is None:
        return PlanResult.failure("no_memory_match", f"no remembered room called {ctx.slots['room']!r}")
    hits = ctx.q.interactions(kind="pick", day=ctx.q.yesterday, room=room.room_id)
    return go_object(ctx, objects_of(ctx, hits), f"an object picked up in the {ctx.slots['room']}")


# --------------------------------------------------------------------------- temporal (T08-T15)
def t08(ctx: RuleContext) -> PlanResult:
    hit = ctx.q.interaction_at(ctx.slots["time"])
    return go_object(ctx, objects_of(ctx, [hit]), f"the object interacted with at {ctx.slots['time']}")


def t09(ctx: RuleContext) -> PlanResult:
    hits = ctx.q.interactions(day=ctx.q.yesterday, between=(ctx.slots["time_a"], ctx.slots["time_b"]),
                              kind=("pick", "place"))
    return go_object(ctx, objects_of(ctx, hits), "an object interacted with in that interval")


def t10(ctx: RuleContext) -> PlanResult:
    hits = ctx.q.interactions(day=ctx.q.yesterday, period=ctx.slots["period"].lower(), kind=("pick", "place"))
    return go_object(ctx, objects_of(ctx, hits), f"an object interacted with in the {ctx.slots['period']}")


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
    hit = ctx.q.adjacent_interaction(ctx.slots["category"], offset=1)
    return go_object(ctx, objects_of(ctx, [hit]), f"the object picked right after the {ctx.slots['category']}")


def t15(ctx: RuleContext) -> PlanResult:
    hit = ctx.q.adjacent_interaction(ctx.slots["category"], offset=-1)
    return go_object(ctx, objects_of(ctx, [hit]), f"the object picked right before the {ctx.slots['category']}")


# --------------------------------------------------------------------------- duration (T16-T18)
def _rearranged(ctx: RuleContext, rearrangements: list[Any], what: str) -> PlanResult:
    hits = []
    for r in rearrangements:
        if r is not None:
            try:
                hits.append(ctx.q.get(r.object_id))
            except KeyError:
                continue
    return go_object(ctx, hits[:1], what)


def t16(ctx: RuleContext) -> PlanResult:
    return _rearranged(ctx, [ctx.q.longest_rearrangement()], "the longest rearrangement")


def t17(ctx: RuleContext) -> PlanResult:
    return _rearranged(ctx, [ctx.q.shortest_rearrangement()], "the shortest rearrangement")


def t18(ctx: RuleContext) -> PlanResult:
    return _rearranged(ctx, ctx.q.rearrangements_lasting(float(ctx.slots["seconds"])),
                       f"the rearrangement of about {ctx.slots['seconds']} s")


# --------------------------------------------------------------------------- attributes (T19-T22)
def interacted_with_attribute(ctx: RuleContext, word: str) -> list[Any]:
    """Objects interacted with yesterday whose color, shape or material is ``word``."""
    for key in ATTRIBUTE_KEYS:
        hits = ctx.q.interactions(day=ctx.q.yesterday, kind=("pick", "place"), attributes={key: word})
        if hits:
            return objects_of(ctx, hits)
    return []


def t19(ctx: RuleContext) -> PlanResult:
    word = ctx.slots["attribute"]
    return go_object(ctx, interacted_with_attribute(ctx, word), f"a {word} object interacted with")


def t22(ctx: RuleContext) -> PlanResult:
    color, cat = ctx.slots["color"], ctx.slots["category"]
    hits = [h for h in ctx.q.objects(attributes={"color": color}) if same_category(h.category, cat)]
    return go_object(ctx, hits, f"the {color} {cat}", cat)


# --------------------------------------------------------------------------- distance (T23-T25)
def _by_distance(ctx: RuleContext, hits: list[Any], farthest: bool, what: str, receptacle: bool) -> PlanResult:
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
    return _by_distance(ctx, ctx.q.receptacles_used(kind="place"), True,
                        "the farthest receptacle placed on", True)


# --------------------------------------------------------------------------- receptacles (T26-T35)
def t26(ctx: RuleContext) -> PlanResult:
    return go_receptacle(ctx, [ctx.q.receptacle_for(category=ctx.slots["category"], kind="place")],
                         f"the receptacle the {ctx.slots['category']} was placed on")


def t27(ctx: RuleContext) -> PlanResult:
    return go_receptacle(ctx, [ctx.q.receptacle_for(category=ctx.slots["category"], kind="pick")],
                         f"the receptacle the {ctx.slots['category']} was picked from")


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
    return go_receptacle(ctx, [ctx.q.get(done[index].target_id)], what)


def t31(ctx: RuleContext) -> PlanResult:
    return _placed_target(ctx, 0, "where the first object was placed")


def t32(ctx: RuleContext) -> PlanResult:
    return _placed_target(ctx, -1, "where the last object was placed")


def t33(ctx: RuleContext) -> PlanResult:
    hit = ctx.q.interaction_at(ctx.slots["time"])
    if hit is None:
        return ctx.missing(f"interaction at {ctx.slots['time']}")
    ev = hit.event
    rid = {"pick": ev.source_id, "place": ev.target_id}.get(ev.kind.value, ev.object_id)
    return go_receptacle(ctx, [ctx.q.get(rid)] if rid else [], f"the receptacle used at {ctx.slots['time']}")


def t34(ctx: RuleContext) -> PlanResult:
    objects = interacted_with_attribute(ctx, ctx.slots["color"])
    recs = [ctx.q.original_receptacle(o.memory_id) for o in objects]
    return go_receptacle(ctx, recs, f"where the {ctx.slots['color']} object was originally")


def t35(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["receptacle_category"]
    hits = [h for h in ctx.q.receptacles(opened=True, day=ctx.q.yesterday) if same_category(h.category, cat)]
    return go_receptacle(ctx, hits, f"the {cat} opened yesterday")


# --------------------------------------------------------------------------- rooms (T36-T43)
def t36(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.start_room(), "the start room")


def t37(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.end_room(), "the end room")


def t38(ctx: RuleContext) -> PlanResult:
    rooms = ctx.q.time_in_rooms()
    return go_room(ctx, rooms[0] if rooms else None, "the room with the most time")


def t39(ctx: RuleContext) -> PlanResult:
    rooms = [r for r in ctx.q.time_in_rooms() if r.score > 0]
    return go_room(ctx, rooms[-1] if rooms else None, "the room with the least time")


def t40(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.room_of_interaction(ctx.slots["category"], kind="pick"),
                   f"the room where the {ctx.slots['category']} was picked")


def t41(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.room_of_interaction(ctx.slots["category"], kind="place"),
                   f"the room where the {ctx.slots['category']} was placed")


def t42(ctx: RuleContext) -> PlanResult:
    rooms = ctx.q.unvisited_rooms()
    if not rooms:
        return go_room(ctx, None, "an unvisited room")
    best = min(rooms, key=lambda r: ctx.distance_from_agent(r.anchor))
    return go_room(ctx, best, "an unvisited room")


def t43(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.room_at(ctx.slots["time"]), f"the room at {ctx.slots['time']}")


HANDLERS: dict[str, Handler] = {
    name.upper(): fn for name, fn in globals().items()
    if len(name) == 3 and name.startswith("t") and name[1:].isdigit() and callable(fn)
}

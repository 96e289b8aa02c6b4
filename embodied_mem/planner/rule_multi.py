"""Rule-planner handlers for several targets, several days, manipulation and questions (T44-T63)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from embodied_mem.planner import stopping
from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.rule_single import (
    Handler,
    go_object,
    go_receptacle,
    interacted_with_attribute,
    objects_of,
)
from embodied_mem.planner.rule_targets import (
    nearest,
    object_goal,
    receptacle_goal,
    room_goal,
    same_category,
    unique_by_id,
    visiting_order,
)
from policies.subgoals import Answer, PickSubgoal, PlaceSubgoal

if TYPE_CHECKING:
    from embodied_mem.planner.rule import RuleContext


def _sequence(ctx: RuleContext, hits: list[Any], what: str, *, receptacles: bool = False,
              ordered: bool = True) -> PlanResult:
    hits = unique_by_id(h for h in hits if h is not None)
    if not hits:
        return ctx.missing(what)
    if not ordered:
        hits = visiting_order(hits, ctx.agent_xy, ctx.planner.geodesic)
    make = receptacle_goal if receptacles else object_goal
    return PlanResult(subgoals=[make(h) for h in hits], high_level_targets=[h.memory_id for h in hits],
                      message=f"{what}: {len(hits)} targets")


def _picks(ctx: RuleContext, day: int | None = None) -> list[Any]:
    return ctx.q.interactions(kind="pick", day=ctx.q.yesterday if day is None else day)


# --------------------------------------------------------------------------- several targets
def t44(ctx: RuleContext) -> PlanResult:
    return _sequence(ctx, objects_of(ctx, _picks(ctx)), "objects picked up, in order")


def t45(ctx: RuleContext) -> PlanResult:
    return _sequence(ctx, objects_of(ctx, _picks(ctx)), "objects picked up", ordered=False)


def t46(ctx: RuleContext) -> PlanResult:
    places = ctx.q.interactions(kind="place", day=ctx.q.yesterday)
    recs = [ctx.q.get(h.event.target_id) for h in places if h.event.target_id]
    return _sequence(ctx, recs, "receptacles placed on, in order", receptacles=True)


def t47(ctx: RuleContext) -> PlanResult:
    goals, targets = [], []
    here = ctx.agent_xy
    for slot in ("category_a", "category_b"):
        cat = ctx.slots[slot]
        hits = [h for h in ctx.q.objects(layer=None) if same_category(h.category, cat)]
        if not hits:
            return ctx.missing(f"a {cat}", cat)
        if here is not None:
            start = np.asarray(here, dtype=float)
            hits.sort(key=lambda h, s=start: ctx.planner.geodesic(s, np.asarray(h.position[:2])))
        goals.append(object_goal(hits[0]))
        targets.append(hits[0].memory_id)
        here = np.asarray(hits[0].position[:2], dtype=float)
    return PlanResult(subgoals=goals, high_level_targets=targets, message="two categories in order")


def t48(ctx: RuleContext) -> PlanResult:
    word = ctx.slots["color"]
    return _sequence(ctx, interacted_with_attribute(ctx, word), f"every {word} object", ordered=False)


def t49(ctx: RuleContext) -> PlanResult:
    rooms = ctx.q.visited_rooms()
    if not rooms:
        return PlanResult.failure("no_memory_match", "memory has no room visits for yesterday")
    return PlanResult(subgoals=[room_goal(r) for r in rooms], high_level_targets=[r.room_id for r in rooms],
                      message=f"{len(rooms)} rooms in visiting order")


def t50(ctx: RuleContext) -> PlanResult:
    ends = [ctx.q.nth_interaction(1, kind="pick"), ctx.q.nth_interaction(-1, kind="pick")]
    hits = objects_of(ctx, ends)
    if len(hits) < 2:
        return ctx.missing("first and last picked objects")
    return PlanResult(subgoals=[object_goal(h) for h in hits], high_level_targets=[h.memory_id for h in hits],
                      message="first then last object picked up")


# --------------------------------------------------------------------------- several days
def t51(ctx: RuleContext) -> PlanResult:
    day = ctx.q.day_ago(int(ctx.slots["n"]))
    hit = ctx.q.interaction_at(ctx.slots["time"], day=day, kind="pick")
    return go_object(ctx, objects_of(ctx, [hit]), f"the object picked {ctx.slots['n']} days ago")


def t52(ctx: RuleContext) -> PlanResult:
    cat, day = ctx.slots["category"], ctx.q.day_ago(int(ctx.slots["n"]))
    then = ctx.q.where_was(cat, day=day)
    # Prefer an instance that has moved since: that is the one the task is about.
    moved = [h for h in then if np.linalg.norm(np.subtract(h.position, ctx.q.get(h.memory_id).position)) > 0.3]
    candidates = moved or then
    recs = [ctx.q.get(h.obj.parent_id) for h in candidates if h.obj.parent_id]
    if recs:
        return go_receptacle(ctx, recs, f"where the {cat} was {ctx.slots['n']} days ago")
    return go_object(ctx, candidates, f"where the {cat} was {ctx.slots['n']} days ago")


def t53(ctx: RuleContext) -> PlanResult:
    hits = ctx.q.most_moved(last_n_days=int(ctx.slots["n"]), limit=1)
    return go_object(ctx, hits, "the most often moved object")


def t54(ctx: RuleContext) -> PlanResult:
    return go_receptacle(ctx, ctx.q.most_used_receptacles(last_n_days=int(ctx.slots["n"]), limit=1),
                         "the most used receptacle")


# --------------------------------------------------------------------------- manipulation
def _move(obj: Any, rec: Any, close_after: bool = False) -> list[Any]:
    return [PickSubgoal(position=tuple(obj.position), category=obj.category),
            PlaceSubgoal(position=tuple(rec.position), category=rec.category, close_after=close_after)]


def _receptacle_named(ctx: RuleContext, phrase: str) -> Any | None:
    hits = [h for h in ctx.q.receptacles() if same_category(h.category, phrase)]
    return nearest(ctx.q, hits, ctx.distance_fn)


def t55(ctx: RuleContext) -> PlanResult:
    objs = objects_of(ctx, [ctx.q.nth_interaction(1, kind="pick")])
    rec = _receptacle_named(ctx, ctx.slots["receptacle"])
    if not objs or rec is None:
        return ctx.missing("the first picked object or the receptacle")
    return PlanResult(subgoals=_move(objs[0], rec), high_level_targets=[objs[0].memory_id, rec.memory_id])


def _moved_object(ctx: RuleContext, category: str) -> Any | None:
    picked = [h for h in _picks(ctx) if same_category(h.object_category, category)]
    objs = objects_of(ctx, picked) or [h for h in ctx.q.objects() if same_category(h.category, category)]
    return nearest(ctx.q, objs, ctx.distance_fn)


def t56(ctx: RuleContext) -> PlanResult:
    obj = _moved_object(ctx, ctx.slots["category"])
    rec = ctx.q.original_receptacle(obj.memory_id) if obj is not None else None
    if obj is None or rec is None:
        return ctx.missing(f"the {ctx.slots['category']} or where it was in the morning")
    return PlanResult(subgoals=_move(obj, rec), high_level_targets=[obj.memory_id, rec.memory_id])


def t57(ctx: RuleContext) -> PlanResult:
    obj = _moved_object(ctx, ctx.slots["category"])
    rec = _receptacle_named(ctx, ctx.slots["receptacle"])
    if obj is None or rec is None:
        return ctx.missing(f"the {ctx.slots['category']} or the {ctx.slots['receptacle']}")
    return PlanResult(subgoals=_move(obj, rec, close_after=True), high_level_targets=[obj.memory_id, rec.memory_id])


def t58(ctx: RuleContext) -> PlanResult:
    subgoals, targets = [], []
    for r in ctx.q.rearrangements(day=ctx.q.yesterday):
        if r.object_id in targets or r.source_id is None:
            continue
        obj, rec = ctx.q.get(r.object_id), ctx.q.original_receptacle(r.object_id)
        if rec is None:
            continue
        subgoals += _move(obj, rec)
        targets.append(obj.memory_id)
    if not subgoals:
        return ctx.missing("objects moved yesterday")
    return PlanResult(subgoals=subgoals, high_level_targets=targets, message=f"return {len(targets)} objects")


# --------------------------------------------------------------------------- questions
def _answer(text: str, **details: Any) -> PlanResult:
    return PlanResult(subgoals=[Answer(text)], message=f"answer: {text}", details=dict(details))


def _room_name(ctx: RuleContext, room_id: str | None) -> str | None:
    return next((r.name for r in ctx.q.rooms() if r.room_id == room_id), None)


def t59(ctx: RuleContext) -> PlanResult:
    rec = ctx.q.receptacle_for(category=ctx.slots["category"], kind="place")
    if rec is None:
        return PlanResult.failure("no_memory_match", f"no memory of placing a {ctx.slots['category']}")
    room = _room_name(ctx, rec.obj.room_id)
    return _answer(f"{rec.category} in the {room}" if room else rec.category)


def t60(ctx: RuleContext) -> PlanResult:
    hit = ctx.q.interaction_at(ctx.slots["time"], kind="pick")
    if hit is None or not hit.object_category:
        return PlanResult.failure("no_memory_match", f"no pick remembered near {ctx.slots['time']}")
    return _answer(hit.object_category)


def t61(ctx: RuleContext) -> PlanResult:
    """Trust memory or go and look, by the Mind-Palace value-of-information rule."""
    cat, rec_name = ctx.slots["category"], ctx.slots["receptacle"]
    objs = [h for h in ctx.q.objects() if same_category(h.category, cat)]
    recs = [h for h in ctx.q.receptacles() if same_category(h.category, rec_name)]
    on_it = [o for o in objs if any(o.obj.parent_id == r.memory_id for r in recs)]
    believed = bool(on_it)
    if ctx.task.step_index > 0 or not objs:
        return _answer("yes" if believed else "no", believed=believed)
    subject = on_it[0] if on_it else objs[0]
    now = ctx.task.time.seconds if ctx.task.time is not None else subject.obj.last_seen
    target = recs[0] if recs else subject
    decision = stopping.decide(has_candidate=True, staleness_s=max(0.0, now - subject.obj.last_seen),
                               movable=True, travel_distance_m=ctx.distance_from_agent(np.asarray(target.position[:2])),
                               config=ctx.planner.config.stopping)
    details = {"stopping": decision.as_dict(), "believed": believed}
    if decision.action == stopping.LOOK:
        goal = receptacle_goal(target) if recs else object_goal(target)
        return PlanResult(subgoals=[goal], message="memory may be stale: going to look",
                          details={**details, "replan": True})
    return _answer("yes" if believed else "no", **details)


def t62(ctx: RuleContext) -> PlanResult:
    return _answer(str(ctx.q.count_moved()))


def t63(ctx: RuleContext) -> PlanResult:
    rooms = ctx.q.time_in_rooms()
    if not rooms:
        return PlanResult.failure("no_memory_match", "no room visits remembered")
    return _answer(rooms[0].name)


HANDLERS: dict[str, Handler] = {
    name.upper(): fn for name, fn in globals().items()
    if len(name) == 3 and name.startswith("t") and name[1:].isdigit() and callable(fn)
}

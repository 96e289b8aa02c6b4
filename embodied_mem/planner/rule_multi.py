"""Rule-planner handlers for several targets, several days, manipulation and questions (T44-T63)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.rule_questions import QUESTION_HANDLERS
from embodied_mem.planner.rule_single import (
    Handler,
    first_source,
    go_object,
    go_receptacle,
    interacted_with_attribute,
    objects_of,
    picks,
    safe_get,
)
from embodied_mem.planner.rule_targets import (
    closed_container,
    nearest,
    object_goal,
    receptacle_goal,
    room_goal,
    same_category,
    unique_by_id,
    visiting_order,
)
from policies.subgoals import OpenSubgoal, PickSubgoal, PlaceSubgoal

if TYPE_CHECKING:
    from embodied_mem.planner.rule import RuleContext


def _sequence(
    ctx: RuleContext, hits: list[Any], what: str, *, receptacles: bool = False, ordered: bool = True
) -> PlanResult:
    hits = unique_by_id(h for h in hits if h is not None)
    if not hits:
        return ctx.missing(what)
    if not ordered:
        hits = visiting_order(hits, ctx.agent_xy, ctx.planner.distance_to)
    goals = [receptacle_goal(h) if receptacles else object_goal(h, ctx.q) for h in hits]
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
        subgoals=[receptacle_goal(r) for r in visits],
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
        ctx, interacted_with_attribute(ctx, word), f"every {word} object", ordered=False
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
    day = ctx.q.day_ago(int(ctx.slots["n"]))
    hit = ctx.q.interaction_at(ctx.slots["time"], day=day, kind="pick")
    return go_object(ctx, objects_of(ctx, [hit]), f"the object picked {ctx.slots['n']} days ago")


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
    cat, n = ctx.slots["category"], int(ctx.slots["n"])
    then = _parents_on(ctx, cat, ctx.q.day_ago(n))
    now = {mid: safe_get(ctx, mid) for mid in then}
    # The instance the task is about has moved since: its receptacle then differs from now.
    moved = [
        mid for mid, rid in then.items() if now[mid] is not None and now[mid].obj.parent_id != rid
    ]
    recs = unique_by_id(safe_get(ctx, then[mid]) for mid in (moved or list(then)))
    return go_receptacle(ctx, recs, f"where the {cat} was {n} days ago")


def t53(ctx: RuleContext) -> PlanResult:
    """Count pick→place moves per object (ids resolved: one object may carry several ids
    across days before perception merged them); the nearest of the most-moved wins ties."""
    n = int(ctx.slots["n"])
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
    n = int(ctx.slots["n"])
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


# --------------------------------------------------------------------------- manipulation
def _held(ctx: RuleContext) -> str | None:
    """Memory id of what the agent holds now (an earlier task may have left it in hand)."""
    return ctx.q.held_object()


def _move(ctx: RuleContext, obj: Any, rec: Any, close_after: bool = False) -> list[Any]:
    """Pick ``obj`` and place it on/in ``rec``; open its container first if it is shut inside one
    (the pick policy cannot see, let alone grasp, through a closed door). Already in hand:
    just place it."""
    place = PlaceSubgoal(
        position=tuple(rec.position), category=rec.category, close_after=close_after
    )
    if _held(ctx) == obj.memory_id:
        return [place]
    box = closed_container(ctx.q, obj)
    first = [OpenSubgoal(position=tuple(box.position))] if box is not None else []
    return [*first, PickSubgoal(position=tuple(obj.position), category=obj.category), place]


def _free_hands(ctx: RuleContext, pairs: list[tuple[Any, Any]]) -> list[Any]:
    """Put down an object left in hand that the task does not move (a pick needs empty hands):
    back on the receptacle it was last picked from, else the nearest receptacle."""
    held = _held(ctx)
    if held is None or any(o.memory_id == held for o, _ in pairs):
        return []
    picked = [h for h in ctx.q.interactions(kind="pick", object_id=held) if h.event.source_id]
    rec = safe_get(ctx, picked[-1].event.source_id) if picked else None
    rec = rec or nearest(ctx.q, ctx.q.receptacles(), ctx.distance_fn)
    return (
        [] if rec is None else [PlaceSubgoal(position=tuple(rec.position), category=rec.category)]
    )


def _manipulate(
    ctx: RuleContext, subgoals: list[Any], pairs: list[tuple[Any, Any]], message: str
) -> PlanResult:
    targets = [mid for obj, rec in pairs for mid in (obj.memory_id, rec.memory_id)]
    return PlanResult(
        subgoals=_free_hands(ctx, pairs) + subgoals, high_level_targets=targets, message=message
    )


def _receptacle_named(ctx: RuleContext, phrase: str) -> Any | None:
    hits = [h for h in ctx.q.receptacles() if same_category(h.category, phrase)]
    return nearest(ctx.q, hits, ctx.distance_fn)


def t55(ctx: RuleContext) -> PlanResult:
    objs = objects_of(ctx, [ctx.q.nth_interaction(1, kind="pick")])
    rec = _receptacle_named(ctx, ctx.slots["receptacle"])
    if not objs:
        return ctx.missing("the first picked object")
    if rec is None:
        return ctx.missing(f"a {ctx.slots['receptacle']}")
    return _manipulate(
        ctx,
        _move(ctx, objs[0], rec),
        [(objs[0], rec)],
        f"bring {objs[0].category} to {rec.category}",
    )


def _moved_object(ctx: RuleContext, category: str) -> Any | None:
    picked = [h for h in picks(ctx) if same_category(h.object_category, category)]
    objs = objects_of(ctx, picked) or [
        h for h in ctx.q.objects() if same_category(h.category, category)
    ]
    return nearest(ctx.q, objs, ctx.distance_fn)


def t56(ctx: RuleContext) -> PlanResult:
    cat = ctx.slots["category"]
    obj = _moved_object(ctx, cat)
    if obj is None:
        return ctx.missing(f"the {cat}", cat)
    rec = first_source(ctx, obj.memory_id, day=ctx.q.yesterday)
    if rec is None:
        return PlanResult.failure(
            "no_memory_match", f"memory has no place the {cat} was in the morning"
        )
    return _manipulate(
        ctx, _move(ctx, obj, rec), [(obj, rec)], f"put {obj.category} back on {rec.category}"
    )


def t57(ctx: RuleContext) -> PlanResult:
    cat, rec_name = ctx.slots["category"], ctx.slots["receptacle"]
    obj = _moved_object(ctx, cat)
    if obj is None:
        return ctx.missing(f"the {cat}", cat)
    rec = _receptacle_named(ctx, rec_name)
    if rec is None:
        return ctx.missing(f"the {rec_name}", rec_name)
    if obj.obj.parent_id == rec.memory_id:
        return _manipulate(ctx, [], [(obj, rec)], f"the {cat} is already in the {rec_name}")
    return _manipulate(
        ctx,
        _move(ctx, obj, rec, close_after=True),
        [(obj, rec)],
        f"put {obj.category} in {rec.category}",
    )


def t58(ctx: RuleContext) -> PlanResult:
    subgoals: list[Any] = []
    pairs: list[tuple[Any, Any]] = []
    for r in ctx.q.rearrangements(day=ctx.q.yesterday):
        obj = safe_get(ctx, r.object_id)
        if (
            obj is None
            or r.source_id is None
            or any(o.memory_id == obj.memory_id for o, _ in pairs)
        ):
            continue  # forgotten (merged away) or already handled: skip it, do not fail the plan
        rec = first_source(ctx, obj.memory_id, day=ctx.q.yesterday)
        if rec is None:
            continue
        pairs.append((obj, rec))
        if _held(ctx) == obj.memory_id:  # in hand: put it back first, hands must be free to pick
            subgoals = _move(ctx, obj, rec) + subgoals
        elif obj.obj.parent_id != rec.memory_id:  # already back: nothing to do
            subgoals += _move(ctx, obj, rec)
    if not pairs:
        return ctx.missing("objects moved yesterday")
    return _manipulate(ctx, subgoals, pairs, f"return {len(pairs)} objects")


HANDLERS: dict[str, Handler] = {
    name.upper(): fn
    for name, fn in globals().items()
    if len(name) == 3 and name.startswith("t") and name[1:].isdigit() and callable(fn)
}
HANDLERS.update(QUESTION_HANDLERS)

"""Rule-planner handlers for manipulation (T55-T58): memory plus pick, place, open and close."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.rule_common import (
    RuleContext,
    first_source,
    objects_of,
    picks,
    safe_get,
)
from embodied_mem.planner.rule_targets import (
    at_receptacle,
    closed_container,
    known_viewpoints,
    nearest,
    remembered_box,
    same_category,
)
from policies.subgoals import CloseSubgoal, OpenSubgoal, PickSubgoal, PlaceSubgoal


# --------------------------------------------------------------------------- manipulation
def _held(ctx: RuleContext) -> str | None:
    """Memory id of what the agent holds now (an earlier task may have left it in hand)."""
    return ctx.q.held_object()


def _move(
    ctx: RuleContext, obj: Any, rec: Any, close_after: bool = False, others: Sequence[Any] = ()
) -> list[Any]:
    """Pick ``obj`` and place it on/in ``rec`` (or, if it is full, in turn on ``others`` that
    would do as well); open its container first if it is shut inside one (the pick policy
    cannot see, let alone grasp, through a closed door) and close it again after the pick.
    Already in hand: just place it.

    Closing what it opened leaves the house as the agent found it: an open cabinet door stood
    in the only way out of the corner the agent picked from (seed 8383 full-0001), and later
    tasks met the container open where memory had it shut."""
    place = PlaceSubgoal(
        position=tuple(rec.position),
        category=rec.category,
        close_after=close_after,
        viewpoints=known_viewpoints(ctx.q, rec),
        alternatives=tuple(tuple(o.position) for o in others),
        box=remembered_box(rec),
    )
    if _held(ctx) == obj.memory_id:
        return [place]
    pick = PickSubgoal(
        position=tuple(obj.position),
        category=obj.category,
        viewpoints=known_viewpoints(ctx.q, obj),
    )
    container = closed_container(ctx.q, obj)
    if container is None:
        return [pick, place]
    where = at_receptacle(ctx.q, container)
    return [OpenSubgoal(**where), pick, CloseSubgoal(**where), place]


def _free_hands(ctx: RuleContext, pairs: list[tuple[Any, Any]]) -> list[Any]:
    """Put down an object left in hand that the task does not move (a pick needs empty hands):
    back on the receptacle it was last picked from, else the nearest receptacle; if that one
    has no room, on the nearest others (:data:`FREE_HANDS_ALTERNATIVES` of them) that the task
    does not use. (Seed 9494 full-0004, memory-noisy: a pillow left in hand by a failed task,
    its desk full; the next two manipulation tasks failed on that one place.)"""
    held = _held(ctx)
    if held is None or any(o.memory_id == held for o, _ in pairs):
        return []
    picked = [h for h in ctx.q.interactions(kind="pick", object_id=held) if h.event.source_id]
    rec = safe_get(ctx, picked[-1].event.source_id) if picked else None
    rec = rec or nearest(ctx.q, ctx.q.receptacles(), ctx.distance_fn)
    if rec is None:
        return []
    used = {rec.memory_id, *(r.memory_id for _, r in pairs)}
    others = [h for h in ctx.q.receptacles() if h.memory_id not in used]
    if ctx.distance_fn is not None:
        others.sort(key=lambda h: (ctx.distance_fn(h), h.memory_id))
    return [
        PlaceSubgoal(
            position=tuple(rec.position),
            category=rec.category,
            box=remembered_box(rec),
            alternatives=tuple(tuple(h.position) for h in others[:FREE_HANDS_ALTERNATIVES]),
        )
    ]


FREE_HANDS_ALTERNATIVES = 3
"""Other receptacles a put-down to free the hands may use when the first has no room."""


def _manipulate(
    ctx: RuleContext, subgoals: list[Any], pairs: list[tuple[Any, Any]], message: str
) -> PlanResult:
    targets = [mid for obj, rec in pairs for mid in (obj.memory_id, rec.memory_id)]
    return PlanResult(
        subgoals=_free_hands(ctx, pairs) + subgoals, high_level_targets=targets, message=message
    )


def _receptacle_named(ctx: RuleContext, phrase: str) -> tuple[Any | None, list[Any]]:
    """The nearest remembered receptacle ``phrase`` names, and the others it names (nearest
    first): "the shelf" is any shelf, so a full one is no dead end."""
    hits = [h for h in ctx.q.receptacles() if same_category(h.category, phrase)]
    ranked: list[Any] = []
    while hits:
        best = nearest(ctx.q, hits, ctx.distance_fn)
        ranked.append(best)
        hits = [h for h in hits if h.memory_id != best.memory_id]
    return (ranked[0] if ranked else None), ranked[1:]


def t55(ctx: RuleContext) -> PlanResult:
    objs = objects_of(ctx, [ctx.q.nth_interaction(1, kind="pick")])
    rec, others = _receptacle_named(ctx, ctx.slots["receptacle"])
    if not objs:
        return ctx.missing("the first picked object")
    if rec is None:
        return ctx.missing(f"a {ctx.slots['receptacle']}")
    return _manipulate(
        ctx,
        _move(ctx, objs[0], rec, others=others),
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
    cat, rec_name = ctx.slots["category"], ctx.slots["openable_receptacle"]
    obj = _moved_object(ctx, cat)
    if obj is None:
        return ctx.missing(f"the {cat}", cat)
    rec, others = _receptacle_named(ctx, rec_name)
    if rec is None:
        return ctx.missing(f"the {rec_name}", rec_name)
    if obj.obj.parent_id == rec.memory_id:
        # In already, but the task wants it shut in: an earlier task may have left it open.
        shut = [CloseSubgoal(**at_receptacle(ctx.q, rec))] if rec.obj.state == "open" else []
        done = "closing it" if shut else "nothing to do"
        return _manipulate(
            ctx, shut, [(obj, rec)], f"the {cat} is already in the {rec_name}; {done}"
        )
    return _manipulate(
        ctx,
        _move(ctx, obj, rec, close_after=True, others=others),
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

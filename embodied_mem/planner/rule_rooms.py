"""Rule-planner handlers for the room templates (T36-T43 of TASKS.md).

Rooms are the env's annotations given to memory; visits come from the agent's own room
entry/exit events. "Where you placed X" means the room containing the point acted on.
"""

from __future__ import annotations

from typing import Any

from embodied_mem.planner.base import PlanResult
from embodied_mem.planner.rule_common import RuleContext
from embodied_mem.planner.rule_targets import event_room, room_goal, same_category
from envs.timeutil import DAY_END, parse_hhmm


def go_room(ctx: RuleContext, room: Any, what: str) -> PlanResult:
    if room is None:
        # Rooms come from the env's annotations and the agent's own visits: exploring cannot
        # add the missing fact, so report instead of walking about.
        return PlanResult.failure("no_memory_match", f"nothing in memory matches {what}")
    return PlanResult(
        subgoals=[room_goal(room)],
        high_level_targets=[room.room_id],
        message=f"{what}: {room.name}",
    )


def t36(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.start_room(), "the start room")


def t37(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.end_room(), "the end room")


DAY_END_MINUTE = parse_hhmm(DAY_END)
"""FindingDory maps each experience day onto 06:00-22:00 (TASKS.md)."""


def room_seconds(ctx: RuleContext) -> list[tuple[Any, float]]:
    """(room, seconds spent there yesterday), most time first.

    Each visit lasts until the next one starts; the last one lasts until the day ends at 22:00,
    even when the agent's last frame came earlier (it stayed there, the day was not over).
    Seconds of the agent's clock, not whole minutes of the wall clock: the least-time room is
    usually one passed through on the way elsewhere, and two such stays within the same
    minutes tied on minutes, where the seconds tell them apart (seed 7272 full-0004 and
    full-0005: a hallway and a bedroom, each under a minute).
    """
    visits = ctx.q.room_visits()
    per: dict[str, float] = {}
    for k, v in enumerate(visits):
        if k + 1 < len(visits):
            end = float(visits[k + 1].enter_time)
        else:
            end = float(v.enter_time) + max(0.0, _to_day_end(v.enter_time, v.enter_time_of_day))
        per[v.room_id] = per.get(v.room_id, 0.0) + max(0.0, end - float(v.enter_time))
    rooms = {r.room_id: r for r in ctx.q.rooms()}
    ranked = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(rooms[rid], s) for rid, s in ranked if rid in rooms]


def _to_day_end(seconds: float, time_of_day: str) -> float:
    """Seconds from a moment (clock ``seconds``, wall clock ``time_of_day``, "HH:MM") to 22:00.

    The wall clock shows whole minutes; the clock's seconds past the minute are ``seconds``
    modulo 60 (the clock counts from a whole minute; see :class:`envs.types.SimTime`).
    """
    return DAY_END_MINUTE * 60.0 - (parse_hhmm(time_of_day) * 60.0 + float(seconds) % 60.0)


def t38(ctx: RuleContext) -> PlanResult:
    rooms = room_seconds(ctx)
    return go_room(ctx, rooms[0][0] if rooms else None, "the room with the most time")


def t39(ctx: RuleContext) -> PlanResult:
    rooms = room_seconds(ctx)
    return go_room(ctx, rooms[-1][0] if rooms else None, "the room with the least time")


def room_of(ctx: RuleContext, phrase: str, kind: str) -> Any | None:
    """Room containing the point where the last ``phrase`` object was picked/placed yesterday."""
    hits = [
        h
        for h in ctx.q.interactions(kind=kind, day=ctx.q.yesterday)
        if same_category(h.object_category, phrase)
    ]
    rooms = [event_room(ctx.q, h.event) for h in hits]
    rooms = [r for r in rooms if r is not None]
    return next((r for r in ctx.q.rooms() if rooms and r.room_id == rooms[-1]), None)


def t40(ctx: RuleContext) -> PlanResult:
    return go_room(
        ctx,
        room_of(ctx, ctx.slots["category"], "pick"),
        f"the room where the {ctx.slots['category']} was picked",
    )


def t41(ctx: RuleContext) -> PlanResult:
    return go_room(
        ctx,
        room_of(ctx, ctx.slots["category"], "place"),
        f"the room where the {ctx.slots['category']} was placed",
    )


def t42(ctx: RuleContext) -> PlanResult:
    rooms = ctx.q.unvisited_rooms()
    if not rooms:
        return go_room(ctx, None, "an unvisited room")
    best = min(rooms, key=lambda r: ctx.distance_from_agent(r.anchor))
    return go_room(ctx, best, "an unvisited room")


def t43(ctx: RuleContext) -> PlanResult:
    return go_room(ctx, ctx.q.room_at(ctx.slots["time"]), f"the room at {ctx.slots['time']}")

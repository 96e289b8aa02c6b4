"""Fillers of T36-T54: rooms, several targets and several days (manipulation and questions,
T55-T63, are in :mod:`embodied_mem.benchmark.fill_actions`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from embodied_mem.benchmark.task import Goal, humanize
from embodied_mem.benchmark.template_context import (
    Ctx,
    Filled,
    Unsupported,
    contains_minute,
    near_extreme,
    obj_goal,
    rec_goal,
    room_goal,
    uniq,
)
from envs.timeutil import format_hhmm, parse_hhmm


def _room(slots: dict[str, str], rooms: list[str | None], **source: object) -> Filled:
    ids = [r for r in rooms if r is not None]
    if not ids:
        raise Unsupported("no room recorded for this")
    return Filled(slots=slots, kind="navigate", goals=[room_goal(ids)], source=dict(source))


def _multi(
    goals: list[Goal], *, ordered: bool, slots: dict[str, str] | None = None, min_goals: int = 2
) -> Filled:
    if len(goals) < min_goals:
        raise Unsupported(f"needs >= {min_goals} targets, episode gives {len(goals)}")
    return Filled(slots=slots or {}, kind="multi", goals=goals, ordered=ordered)


# --- rooms ---------------------------------------------------------------------------------
def t36(c: Ctx) -> Filled:
    return _room({}, [c.record.start_rooms[c.record.last_day]])


def t37(c: Ctx) -> Filled:
    return _room({}, [c.record.end_rooms[c.record.last_day]])


def room_time(c: Ctx, largest: bool) -> list[str]:
    """The rooms where the agent spent the most (or least) time yesterday, near-ties included."""
    times = c.record.time_per_room(c.record.last_day)
    if not times:
        raise Unsupported("no room visits recorded yesterday")
    return near_extreme(times, c.config.room_time_tie_s, largest=largest)


def t38(c: Ctx) -> Filled:
    return _room({}, list(room_time(c, True)))


def t39(c: Ctx) -> Filled:
    return _room({}, list(room_time(c, False)))


def t40(c: Ctx) -> Filled:
    y = c.require_yesterday()
    cat = c.choice(uniq([i.category for i in y]))
    return _room(
        {"category": humanize(cat)}, [i.pick_room for i in y if i.category == cat], category=cat
    )


def t41(c: Ctx) -> Filled:
    y = c.require_yesterday()
    cat = c.choice(uniq([i.category for i in y]))
    return _room(
        {"category": humanize(cat)}, [i.place_room for i in y if i.category == cat], category=cat
    )


def t42(c: Ctx) -> Filled:
    visited = {v.room_id for v in c.record.visits_on(c.record.last_day)}
    free = sorted(r for r in c.gt.rooms if r not in visited)
    if not free:
        raise Unsupported("every room was visited yesterday")
    return _room({}, list(free))


def t43(c: Ctx) -> Filled:
    visits = c.record.visits_on(c.record.last_day)
    long = [v for v in visits if parse_hhmm(v.exit_time) - parse_hhmm(v.enter_time) >= 2]
    v = c.choice(long or visits, "room visits yesterday")
    m = (parse_hhmm(v.enter_time) + parse_hhmm(v.exit_time)) // 2
    rooms = [w.room_id for w in visits if parse_hhmm(w.enter_time) <= m <= parse_hhmm(w.exit_time)]
    return _room({"time": format_hhmm(m)}, list(rooms), room=v.room_id)


# --- several targets -------------------------------------------------------------------------
def t44(c: Ctx) -> Filled:
    objs = uniq([i.object_id for i in c.require_yesterday()])
    return _multi([obj_goal([o]) for o in objs], ordered=True)


def t45(c: Ctx) -> Filled:
    objs = uniq([i.object_id for i in c.require_yesterday()])
    return _multi([obj_goal([o]) for o in objs], ordered=False)


def t46(c: Ctx) -> Filled:
    recs = [i.goal_receptacle for i in c.require_yesterday()]
    # Placing twice in a row on one receptacle is one visit.
    seq = [r for k, r in enumerate(recs) if k == 0 or r != recs[k - 1]]
    return _multi([rec_goal([r]) for r in seq], ordered=True)


def t47(c: Ctx) -> Filled:
    cats = uniq([o.category for o in c.items()])
    if len(cats) < 2:
        raise Unsupported("needs two object categories in the house")
    a = c.choice(cats)
    b = c.choice([x for x in cats if x != a])
    goals = [
        obj_goal(c.of_category(a, receptacle=False)),
        obj_goal(c.of_category(b, receptacle=False)),
    ]
    return _multi(goals, ordered=True, slots={"category_a": humanize(a), "category_b": humanize(b)})


def t48(c: Ctx) -> Filled:
    y = c.require_yesterday()
    by_color: dict[str, list[str]] = {}
    for i in y:
        if i.attributes.get("color"):
            by_color.setdefault(i.attributes["color"], [])
            if i.object_id not in by_color[i.attributes["color"]]:
                by_color[i.attributes["color"]].append(i.object_id)
    colors = sorted(by_color)
    several = [k for k in colors if len(by_color[k]) >= 2]
    color = c.choice(several or colors, "coloured interacted objects")
    return _multi(
        [obj_goal([o]) for o in by_color[color]], ordered=False, slots={"color": color}, min_goals=1
    )


def t49(c: Ctx) -> Filled:
    rooms = [v.room_id for v in c.record.visits_on(c.record.last_day)]
    seq = [r for k, r in enumerate(rooms) if k == 0 or r != rooms[k - 1]]
    return _multi([room_goal([r]) for r in seq], ordered=True)


def t50(c: Ctx) -> Filled:
    y = c.require_yesterday(2)
    if y[0].object_id == y[-1].object_id:
        raise Unsupported("the first and last object picked up are the same object")
    return _multi([obj_goal([y[0].object_id]), obj_goal([y[-1].object_id])], ordered=True)


# --- several days ------------------------------------------------------------------------------
def _days_ago(c: Ctx) -> int:
    if c.record.days < 2:
        raise Unsupported("multi-day templates need an episode with >= 2 experience days")
    return int(c.rng.integers(2, c.record.days + 1))


def t51(c: Ctx) -> Filled:
    n = _days_ago(c)
    day = c.record.days - n
    picks = c.record.on_day(day)
    i = c.choice(picks, f"interactions {n} days ago")
    ids = [j.object_id for j in picks if contains_minute(j, i.start_minute)]
    return Filled(
        {"N": str(n), "time": format_hhmm(i.start_minute)},
        "navigate",
        [obj_goal(ids)],
        source={"day": day, "interaction": i.index},
    )


def t52(c: Ctx) -> Filled:
    n = _days_ago(c)
    day = c.record.days - n
    if day >= len(c.record.day_start_receptacles):
        raise Unsupported("the record has no object snapshot for that day")
    then = c.record.day_start_receptacles[day]
    touched = {i.object_id for i in c.record.on_day(day)}
    # Only objects that sat still all that day have one place "N days ago".
    moved = sorted(
        o
        for o, r in then.items()
        if o not in touched and o in c.gt.objects and c.obj(o).parent_receptacle != r
    )
    # "the {category}" must name one thing: with three tissue boxes in the house it does not.
    per_cat = Counter(o.category for o in c.items())
    cat = c.choice(
        uniq([c.obj(o).category for o in moved if per_cat[c.obj(o).category] == 1]),
        f"objects moved since {n} days ago that are the only one of their category",
    )
    ids = [then[o] for o in moved if c.obj(o).category == cat]
    return Filled(
        {"category": humanize(cat), "N": str(n)},
        "navigate",
        [rec_goal(ids)],
        source={"day": day, "category": cat},
    )


def _counts_over(c: Ctx, n: int, key: Callable[[object], list[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for i in c.record.interactions:
        if i.day >= c.record.days - n:
            counts.update(key(i))
    if not counts:
        raise Unsupported(f"no interactions in the past {n} days")
    return counts


def t53(c: Ctx) -> Filled:
    n = _days_ago(c)
    counts = _counts_over(c, n, lambda i: [i.object_id])  # type: ignore[attr-defined]
    best = near_extreme({k: float(v) for k, v in counts.items()}, 0.0, largest=True)
    return Filled({"N": str(n)}, "navigate", [obj_goal(best)], source={"counts": dict(counts)})


def t54(c: Ctx) -> Filled:
    n = _days_ago(c)
    counts = _counts_over(c, n, lambda i: [i.start_receptacle, i.goal_receptacle])  # type: ignore[attr-defined]
    best = near_extreme({k: float(v) for k, v in counts.items()}, 0.0, largest=True)
    return Filled({"N": str(n)}, "navigate", [rec_goal(best)], source={"counts": dict(counts)})


_ROOMS = (t36, t37, t38, t39, t40, t41, t42, t43)
_SEVERAL_TARGETS = (t44, t45, t46, t47, t48, t49, t50)
_SEVERAL_DAYS = (t51, t52, t53, t54)
#: Template id -> filler (``tNN`` fills template TNN).
FILLERS: dict[str, Callable[[Ctx], Filled]] = {
    fn.__name__.upper(): fn for fn in (*_ROOMS, *_SEVERAL_TARGETS, *_SEVERAL_DAYS)
}

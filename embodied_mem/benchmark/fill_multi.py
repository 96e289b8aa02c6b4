"""Fillers of T36-T63: rooms, several targets, several days, manipulation and questions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from embodied_mem.benchmark.experience import box_fits
from embodied_mem.benchmark.task import Goal, Placement, humanize, normalize_answer
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


def _room_time(c: Ctx, largest: bool) -> list[str]:
    times = c.record.time_per_room(c.record.last_day)
    if not times:
        raise Unsupported("no room visits recorded yesterday")
    return near_extreme(times, c.config.room_time_tie_s, largest=largest)


def t38(c: Ctx) -> Filled:
    return _room({}, list(_room_time(c, True)))


def t39(c: Ctx) -> Filled:
    return _room({}, list(_room_time(c, False)))


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


# --- manipulation ------------------------------------------------------------------------------
def _morning(c: Ctx) -> dict[str, str]:
    snaps = c.record.day_start_receptacles
    if len(snaps) <= c.record.last_day:
        raise Unsupported("the record has no object snapshot for yesterday morning")
    return snaps[c.record.last_day]


def fits(c: Ctx, oid: str, rid: str) -> bool:
    """Whether the object's box fits the receptacle's footprint (and height, for containers)."""
    return box_fits(c.obj(oid), c.obj(rid))


def t55(c: Ctx) -> Filled:
    first = c.require_yesterday()[0].object_id
    here = c.parent_category(first)
    cats = uniq(
        [
            r.category
            for r in c.receptacles()
            if r.category != here and not r.openable and fits(c, first, r.id)
        ]
    )
    cat = c.choice(cats, "other receptacle categories")
    return Filled(
        {"receptacle": humanize(cat)},
        "manipulate",
        placements=[Placement((first,), tuple(c.of_category(cat, receptacle=True)))],
        source={"object": first},
    )


def t56(c: Ctx) -> Filled:
    morning = _morning(c)
    moved = uniq([i.object_id for i in c.require_yesterday()])
    per_cat = Counter(c.obj(o).category for o in moved)
    # "the {category}" must name one moved object; it must also be away from its morning spot.
    cands = [
        o
        for o in moved
        if per_cat[c.obj(o).category] == 1
        and o in morning
        and c.obj(o).parent_receptacle != morning[o]
    ]
    o = c.choice(cands, "objects away from where they were yesterday morning")
    return Filled(
        {"category": humanize(c.obj(o).category)},
        "manipulate",
        placements=[Placement((o,), (morning[o],))],
        source={"object": o},
    )


def t57(c: Ctx) -> Filled:
    openable = uniq([r.category for r in c.receptacles() if r.openable])
    rcat = c.choice(openable, "openable receptacles in the house")
    inside = set(c.of_category(rcat, receptacle=True))
    # "Put the X in the fridge" is already done if any X is in a fridge: only categories with
    # every instance outside (and fitting) make a task that needs an action.
    already = {o.category for o in c.items() if o.parent_receptacle in inside}
    cats = uniq(
        [
            o.category
            for o in c.items()
            if o.pickupable and o.category not in already and any(fits(c, o.id, r) for r in inside)
        ]
    )
    cat = c.choice(cats, "objects to put away")
    return Filled(
        {"category": humanize(cat), "openable_receptacle": humanize(rcat)},
        "manipulate",
        placements=[
            Placement(
                tuple(o.id for o in c.items() if o.pickupable and o.category == cat),
                tuple(sorted(inside)),
                closed_after=True,
            )
        ],
    )


def t58(c: Ctx) -> Filled:
    morning = _morning(c)
    moved = [o for o in uniq([i.object_id for i in c.require_yesterday()]) if o in morning]
    if not any(c.obj(o).parent_receptacle != morning[o] for o in moved):
        raise Unsupported("every object moved yesterday is already back where it started")
    return Filled({}, "manipulate", placements=[Placement((o,), (morning[o],)) for o in moved])


# --- questions ---------------------------------------------------------------------------------
def _question(slots: dict[str, str], answers: list[str], **source: object) -> Filled:
    return Filled(
        slots,
        "question",
        answers=sorted({normalize_answer(a) for a in answers}),
        source=dict(source),
    )


def t59(c: Ctx) -> Filled:
    y = c.require_yesterday()
    cat = c.choice(uniq([i.category for i in y]))
    last = {i.object_id: i for i in y if i.category == cat}  # the last placement of each object
    answers = []
    for i in last.values():
        room = c.room_name(i.place_room)
        # "CounterTop" may be written "counter top" or "countertop"; both name it.
        for rec in {i.goal_receptacle_category, i.goal_receptacle_category.lower()}:
            answers += [f"{rec} in the {room}", f"{rec}, {room}"]
    return _question({"category": humanize(cat)}, answers, category=cat)


def t60(c: Ctx) -> Filled:
    y = c.require_yesterday()
    i = c.choice(y)
    cats = [j.category for j in y if contains_minute(j, i.start_minute)]
    answers = [humanize(x) for x in cats] + [x.lower() for x in cats]
    return _question({"time": format_hhmm(i.start_minute)}, answers, interaction=i.index)


def t61(c: Ctx) -> Filled:
    last = {i.object_id: i for i in c.require_yesterday()}

    def answer(i: object) -> str:
        return "yes" if c.parent_category(i.object_id) == i.goal_receptacle_category else "no"  # type: ignore[attr-defined]

    # Re-sample away from ambiguity: every same-category object placed on that kind of
    # receptacle must give the same answer.
    groups: dict[tuple[str, str], set[str]] = {}
    for i in last.values():
        groups.setdefault((i.category, i.goal_receptacle_category), set()).add(answer(i))
    cat, rcat = c.choice(
        sorted(k for k, v in groups.items() if len(v) == 1), "unambiguous placements"
    )
    return _question(
        {"category": humanize(cat), "receptacle": humanize(rcat)},
        list(groups[(cat, rcat)]),
        category=cat,
        receptacle_category=rcat,
    )


def t62(c: Ctx) -> Filled:
    y = c.require_yesterday()
    # "move" may count objects or moves; both readings are valid when an object moved twice.
    return _question({}, [str(len({i.object_id for i in y})), str(len(y))])


def t63(c: Ctx) -> Filled:
    return _question({}, [c.room_name(r) for r in _room_time(c, True)])


FILLERS: dict[str, Callable[[Ctx], Filled]] = {
    f"T{n:02d}": fn
    for n, fn in enumerate(
        [
            t36,
            t37,
            t38,
            t39,
            t40,
            t41,
            t42,
            t43,
            t44,
            t45,
            t46,
            t47,
            t48,
            t49,
            t50,
            t51,
            t52,
            t53,
            t54,
            t55,
            t56,
            t57,
            t58,
            t59,
            t60,
            t61,
            t62,
            t63,
        ],
        start=36,
    )
}

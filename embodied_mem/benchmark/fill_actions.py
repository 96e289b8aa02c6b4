"""Fillers of T55-T63: manipulation and questions (the rooms and several-target fillers are in
:mod:`embodied_mem.benchmark.fill_multi`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from embodied_mem.benchmark.experience import box_fits
from embodied_mem.benchmark.fill_multi import room_time
from embodied_mem.benchmark.task import Placement, humanize, normalize_answer
from embodied_mem.benchmark.template_context import Ctx, Filled, Unsupported, contains_minute, uniq
from envs.timeutil import format_hhmm


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
    return _question({}, [c.room_name(r) for r in room_time(c, True)])


#: Template id -> filler (``tNN`` fills template TNN).
FILLERS: dict[str, Callable[[Ctx], Filled]] = {
    fn.__name__.upper(): fn for fn in (t55, t56, t57, t58, t59, t60, t61, t62, t63)
}

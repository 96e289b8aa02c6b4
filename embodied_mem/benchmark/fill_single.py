"""Fillers of the single-target navigation templates T01-T35 (objects and receptacles).

Each filler draws its slots from the record with the context's seeded rng and returns every
target that satisfies the filled description (not only the one it started from).
"""

from __future__ import annotations

from collections.abc import Callable

from embodied_mem.benchmark.task import humanize
from embodied_mem.benchmark.template_context import (
    Ctx,
    Filled,
    Unsupported,
    contains_minute,
    near_extreme,
    obj_goal,
    ordinal,
    rec_goal,
    uniq,
)
from envs.timeutil import DAY_END, DAY_START, format_hhmm, parse_hhmm


def _nav(
    slots: dict[str, str], goal_ids: list[str], *, receptacle: bool = False, **source: object
) -> Filled:
    goal = rec_goal(goal_ids) if receptacle else obj_goal(goal_ids)
    return Filled(slots=slots, kind="navigate", goals=[goal], source=dict(source))


# --- object recall and interaction -------------------------------------------------------
def t01(c: Ctx) -> Filled:
    cat = c.choice(uniq([o.category for o in c.items()]), "objects in the house")
    return _nav({"category": humanize(cat)}, c.of_category(cat, receptacle=False), category=cat)


def t02(c: Ctx) -> Filled:
    y = c.require_yesterday()
    cat = c.choice(uniq([i.category for i in y]))
    return _nav(
        {"category": humanize(cat)}, [i.object_id for i in y if i.category == cat], category=cat
    )


def t03(c: Ctx) -> Filled:
    return _nav({}, [i.object_id for i in c.require_yesterday()])


def t04(c: Ctx) -> Filled:
    touched = {i.object_id for i in c.require_yesterday()}
    free = [o for o in c.items() if o.id not in touched and o.pickupable]
    # Categories the agent did touch are the interesting ones: memory must tell instances apart.
    cats = uniq([o.category for o in free if o.category in {i.category for i in c.yesterday}])
    cat = c.choice(cats or uniq([o.category for o in free]), "untouched objects")
    return _nav(
        {"category": humanize(cat)}, [o.id for o in free if o.category == cat], category=cat
    )


def t05(c: Ctx) -> Filled:
    y = c.require_yesterday()
    rcat = c.choice(uniq([i.start_receptacle_category for i in y]))
    ids = [i.object_id for i in y if i.start_receptacle_category == rcat]
    return _nav({"receptacle": humanize(rcat)}, ids, receptacle_category=rcat)


def t06(c: Ctx) -> Filled:
    y = c.require_yesterday()
    rcat = c.choice(uniq([i.goal_receptacle_category for i in y]))
    ids = [i.object_id for i in y if i.goal_receptacle_category == rcat]
    return _nav({"receptacle": humanize(rcat)}, ids, receptacle_category=rcat)


def t07(c: Ctx) -> Filled:
    y = [i for i in c.require_yesterday() if i.pick_room is not None]
    name = c.choice(uniq([c.room_name(i.pick_room) for i in y]), "pick rooms")
    rooms = set(c.rooms_named(name))
    return _nav({"room": name}, [i.object_id for i in y if i.pick_room in rooms], room=name)


# --- temporal and order ----------------------------------------------------------------
def t08(c: Ctx) -> Filled:
    y = c.require_yesterday()
    i = c.choice(y)
    minute = (i.start_minute + i.end_minute) // 2
    ids = [j.object_id for j in y if contains_minute(j, minute)]
    return _nav({"time": format_hhmm(minute)}, ids, interaction=i.index)


def t09(c: Ctx) -> Filled:
    y = c.require_yesterday()
    i = c.choice(y)
    lo = max(i.start_minute - int(c.rng.integers(0, 16)), parse_hhmm(DAY_START))
    hi = min(max(i.end_minute + int(c.rng.integers(0, 16)), lo + 1), parse_hhmm(DAY_END))
    ids = [j.object_id for j in y if j.start_minute <= hi and j.end_minute >= lo]
    return _nav({"start": format_hhmm(lo), "end": format_hhmm(hi)}, ids, interaction=i.index)


def t10(c: Ctx) -> Filled:
    y = c.require_yesterday()
    period = c.choice(uniq([c.config.periods.of(i.start_minute) for i in y]))
    ids = [i.object_id for i in y if c.config.periods.of(i.start_minute) == period]
    return _nav({"period": period}, ids, period=period)


def t11(c: Ctx) -> Filled:
    return _nav({}, [c.require_yesterday()[0].object_id])


def t12(c: Ctx) -> Filled:
    return _nav({}, [c.require_yesterday()[-1].object_id])


def t13(c: Ctx) -> Filled:
    y = c.require_yesterday(3)
    n = int(c.rng.integers(2, len(y)))  # neither first nor last: those are T11/T12
    return _nav({"ordinal": ordinal(n)}, [y[n - 1].object_id], position=n)


def _neighbour(c: Ctx, step: int) -> Filled:
    y = c.require_yesterday(2)
    idx = range(len(y) - 1) if step > 0 else range(1, len(y))
    cat = c.choice(uniq([y[k].category for k in idx]))
    ids = [y[k + step].object_id for k in idx if y[k].category == cat]
    return _nav({"category": humanize(cat)}, ids, category=cat)


def t14(c: Ctx) -> Filled:
    return _neighbour(c, +1)


def t15(c: Ctx) -> Filled:
    return _neighbour(c, -1)


# --- duration ----------------------------------------------------------------------------
def _durations(c: Ctx) -> dict[str, float]:
    out: dict[str, float] = {}
    for i in c.require_yesterday(2):
        # An object moved twice counts with its longest rearrangement.
        out[i.object_id] = max(out.get(i.object_id, 0.0), i.duration)
    return out


def t16(c: Ctx) -> Filled:
    return _nav({}, near_extreme(_durations(c), c.config.duration_tie_s, largest=True))


def t17(c: Ctx) -> Filled:
    return _nav({}, near_extreme(_durations(c), c.config.duration_tie_s, largest=False))


def t18(c: Ctx) -> Filled:
    y = c.require_yesterday()
    i = c.choice(y)
    n = max(1, round(i.duration))
    tol = max(c.config.duration_about_rel * n, c.config.duration_about_abs_s)
    ids = [j.object_id for j in y if abs(j.duration - n) <= tol]
    return _nav({"N": str(n)}, ids, interaction=i.index)


# --- attributes ----------------------------------------------------------------------------
def _attribute(c: Ctx, key: str) -> Filled:
    y = c.require_yesterday()
    vals = uniq([i.attributes[key] for i in y if i.attributes.get(key)])
    if not vals:
        raise Unsupported(f"no interacted object has a {key!r} attribute")
    v = c.choice(vals)
    return _nav({key: v}, [i.object_id for i in y if i.attributes.get(key) == v], **{key: v})


def t19(c: Ctx) -> Filled:
    return _attribute(c, "color")


def t20(c: Ctx) -> Filled:
    return _attribute(c, "shape")


def t21(c: Ctx) -> Filled:
    return _attribute(c, "material")


def t22(c: Ctx) -> Filled:
    pairs = uniq(
        [(o.attributes["color"], o.category) for o in c.items() if o.attributes.get("color")]
    )
    color, cat = c.choice(pairs, "coloured objects")
    ids = [o.id for o in c.items() if o.category == cat and o.attributes.get("color") == color]
    return _nav({"color": color, "category": humanize(cat)}, ids, color=color, category=cat)


# --- distance ----------------------------------------------------------------------------
def _by_distance(c: Ctx, ids: list[str], *, largest: bool, receptacle: bool = False) -> Filled:
    dist = {oid: c.distance_from_start(oid) for oid in uniq(ids)}
    best = near_extreme(dist, c.config.distance_tie_m, largest=largest)
    return _nav(
        {}, best, receptacle=receptacle, distances={k: round(v, 3) for k, v in dist.items()}
    )


def t23(c: Ctx) -> Filled:
    return _by_distance(c, [i.object_id for i in c.require_yesterday()], largest=True)


def t24(c: Ctx) -> Filled:
    return _by_distance(c, [i.object_id for i in c.require_yesterday()], largest=False)


def t25(c: Ctx) -> Filled:
    ids = [i.goal_receptacle for i in c.require_yesterday()]
    return _by_distance(c, ids, largest=True, receptacle=True)


# --- receptacles ---------------------------------------------------------------------------
def t26(c: Ctx) -> Filled:
    y = c.require_yesterday()
    cat = c.choice(uniq([i.category for i in y]))
    ids = [i.goal_receptacle for i in y if i.category == cat]
    return _nav({"category": humanize(cat)}, ids, receptacle=True, category=cat)


def t27(c: Ctx) -> Filled:
    y = c.require_yesterday()
    cat = c.choice(uniq([i.category for i in y]))
    ids = [i.start_receptacle for i in y if i.category == cat]
    return _nav({"category": humanize(cat)}, ids, receptacle=True, category=cat)


def t28(c: Ctx) -> Filled:
    return _nav({}, [i.goal_receptacle for i in c.require_yesterday()], receptacle=True)


def t29(c: Ctx) -> Filled:
    return _nav({}, [i.start_receptacle for i in c.require_yesterday()], receptacle=True)


def t30(c: Ctx) -> Filled:
    y = c.require_yesterday()
    used = {i.start_receptacle for i in y} | {i.goal_receptacle for i in y}
    used |= set(c.record.opened_on(c.record.last_day))
    unused = [r for r in c.receptacles() if r.id not in used]
    used_cats = {c.obj(r).category for r in used if r in c.gt.objects}
    cats = uniq([r.category for r in unused if r.category in used_cats])
    cat = c.choice(cats or uniq([r.category for r in unused]), "unused receptacles")
    ids = [r.id for r in unused if r.category == cat]
    return _nav({"receptacle_category": humanize(cat)}, ids, receptacle=True, category=cat)


def t31(c: Ctx) -> Filled:
    return _nav({}, [c.require_yesterday()[0].goal_receptacle], receptacle=True)


def t32(c: Ctx) -> Filled:
    return _nav({}, [c.require_yesterday()[-1].goal_receptacle], receptacle=True)


def t33(c: Ctx) -> Filled:
    y = c.require_yesterday()
    i = c.choice(y)
    m = i.start_minute
    ids = [j.start_receptacle for j in y if j.start_minute == m]
    ids += [j.goal_receptacle for j in y if j.end_minute == m]
    return _nav({"time": format_hhmm(m)}, ids, receptacle=True, interaction=i.index)


def t34(c: Ctx) -> Filled:
    first: dict[str, str] = {}
    colors: dict[str, str] = {}
    for i in sorted(c.record.interactions, key=lambda i: i.start_seconds):
        first.setdefault(i.object_id, i.start_receptacle)
        if i.attributes.get("color"):
            colors[i.object_id] = i.attributes["color"]
    color = c.choice(sorted(set(colors.values())), "coloured interacted objects")
    ids = [first[o] for o, col in colors.items() if col == color]
    return _nav({"color": color}, ids, receptacle=True, color=color)


def t35(c: Ctx) -> Filled:
    c.require_yesterday()
    opened = c.record.opened_on(c.record.last_day)
    cat = c.choice(uniq([c.obj(r).category for r in opened]), "opened containers yesterday")
    ids = [r for r in opened if c.obj(r).category == cat]
    return _nav({"receptacle_category": humanize(cat)}, ids, receptacle=True, category=cat)


FILLERS: dict[str, Callable[[Ctx], Filled]] = {
    f"T{n:02d}": fn
    for n, fn in enumerate(
        [
            t01,
            t02,
            t03,
            t04,
            t05,
            t06,
            t07,
            t08,
            t09,
            t10,
            t11,
            t12,
            t13,
            t14,
            t15,
            t16,
            t17,
            t18,
            t19,
            t20,
            t21,
            t22,
            t23,
            t24,
            t25,
            t26,
            t27,
            t28,
            t29,
            t30,
            t31,
            t32,
            t33,
            t34,
            t35,
        ],
        start=1,
    )
}

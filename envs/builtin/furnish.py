"""Furniture and objects: placement per room type, and free spots on receptacle surfaces."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from scipy import ndimage

from envs.builtin import catalog
from envs.builtin.house import (
    WALL_THICKNESS,
    Box2,
    House,
    PlacedObject,
    Receptacle,
    Room,
    rasterize_free,
)
from envs.navigability import navigable_mask

logger = logging.getLogger(__name__)

# Keep this much floor in front of each doorway clear of furniture.
DOOR_CLEARANCE = 1.0
SPOT_STEP = 0.04


def surface_of(rec: Receptacle, inside: bool) -> tuple[Box2, float, float]:
    """(floor rectangle, support z, max object height) where objects rest on/in ``rec``."""
    if inside:
        box, z0, z1 = rec.interior()
        return box, z0, z1 - z0
    fp = rec.footprint
    if rec.category == "Sofa":  # the seat, in front of the backrest
        shift = rec.front * catalog.SOFA_BACK / 2
        hx = fp.hx - abs(shift[0]) - 0.03
        hy = fp.hy - abs(shift[1]) - 0.03
        return Box2(fp.cx + shift[0], fp.cy + shift[1], hx, hy), rec.base_z + catalog.SOFA_SEAT, 1.0
    return Box2(fp.cx, fp.cy, fp.hx - 0.03, fp.hy - 0.03), rec.top_z, 1.0


def find_free_spot(
    rec: Receptacle,
    size: tuple[float, float, float],
    occupied: list[Box2],
    *,
    inside: bool,
    prefer_xy: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[float, float, float] | None:
    """Centre of a spot on (or in) ``rec`` where a ``size`` box fits without touching ``occupied``.

    Chooses the free spot nearest ``prefer_xy`` (e.g. the agent), else a random one from
    ``rng``, else the first. None if nothing fits.
    """
    area, z, max_h = surface_of(rec, inside)
    hx, hy = size[0] / 2, size[1] / 2
    if size[2] > max_h or hx > area.hx or hy > area.hy:
        return None
    xs = np.arange(area.cx - area.hx + hx, area.cx + area.hx - hx + 1e-9, SPOT_STEP)
    ys = np.arange(area.cy - area.hy + hy, area.cy + area.hy - hy + 1e-9, SPOT_STEP)
    if len(xs) == 0:
        xs = np.array([area.cx])
    if len(ys) == 0:
        ys = np.array([area.cy])
    gx, gy = np.meshgrid(xs, ys)
    cand = np.stack([gx.ravel(), gy.ravel()], axis=1)
    ok = np.ones(len(cand), dtype=bool)
    for b in occupied:
        ok &= ~(
            (np.abs(cand[:, 0] - b.cx) < hx + b.hx + 0.02)
            & (np.abs(cand[:, 1] - b.cy) < hy + b.hy + 0.02)
        )
    cand = cand[ok]
    if len(cand) == 0:
        return None
    if prefer_xy is not None:
        k = int(np.argmin(np.linalg.norm(cand - np.asarray(prefer_xy)[None], axis=1)))
    elif rng is not None:
        k = int(rng.integers(len(cand)))
    else:
        k = 0
    return float(cand[k, 0]), float(cand[k, 1]), z + size[2] / 2


def _door_zones(house: House, room: Room) -> list[Box2]:
    zones = []
    for d in house.doorways:
        if room.id in (d.a, d.b):
            half = d.width / 2 + 0.2
            zones.append(
                Box2(
                    d.center[0],
                    d.center[1],
                    DOOR_CLEARANCE if d.vertical else half,
                    half if d.vertical else DOOR_CLEARANCE,
                )
            )
    return zones


def _candidate(
    kind: catalog.ReceptacleKind, room: Room, rng: np.random.Generator
) -> tuple[tuple[float, float], int]:
    """A random pose for ``kind`` in ``room``: back to a wall, or free-standing near the centre."""
    w, d, _ = kind.size
    t = WALL_THICKNESS / 2 + 0.02
    if not kind.against_wall:
        q = int(rng.integers(2))
        c = room.center + rng.uniform(-0.4, 0.4, size=2)
        return (float(c[0]), float(c[1])), q
    q = int(rng.integers(4))  # front faces +y, -x, -y, +x: back against the opposite wall
    if q == 0:
        return (
            float(rng.uniform(room.x0 + t + w / 2, room.x1 - t - w / 2)),
            room.y0 + t + d / 2,
        ), q
    if q == 2:
        return (
            float(rng.uniform(room.x0 + t + w / 2, room.x1 - t - w / 2)),
            room.y1 - t - d / 2,
        ), q
    if q == 1:
        return (
            room.x1 - t - d / 2,
            float(rng.uniform(room.y0 + t + w / 2, room.y1 - t - w / 2)),
        ), q
    return (room.x0 + t + d / 2, float(rng.uniform(room.y0 + t + w / 2, room.y1 - t - w / 2))), q


def layout_ok(house: House, resolution: float, agent_radius: float, reach: float) -> bool:
    """True if all doorways are mutually reachable and every receptacle can be reached."""
    free, origin = rasterize_free(house, resolution)
    labels, _ = ndimage.label(
        navigable_mask(free, resolution, agent_radius), structure=np.ones((3, 3))
    )

    def label_near(box: Box2, dist: float) -> set[int]:
        r0 = max(int((box.cy - box.hy - dist - origin[1]) / resolution), 0)
        r1 = int((box.cy + box.hy + dist - origin[1]) / resolution) + 1
        c0 = max(int((box.cx - box.hx - dist - origin[0]) / resolution), 0)
        c1 = int((box.cx + box.hx + dist - origin[0]) / resolution) + 1
        return set(np.unique(labels[r0:r1, c0:c1])) - {0}

    door_labels = [
        label_near(Box2(d.center[0], d.center[1], 0.05, 0.05), 0.3) for d in house.doorways
    ]
    if door_labels:
        common = set.intersection(*door_labels)
        if not common:
            return False
    else:
        common = set(np.unique(labels)) - {0}
    return all(label_near(r.footprint, reach - 0.3) & common for r in house.receptacles)


def _place_one(
    house: House,
    room: Room,
    category: str,
    rid: str,
    rng: np.random.Generator,
    check: tuple[float, float, float],
) -> Receptacle | None:
    kind = catalog.RECEPTACLES[category]
    inner = Box2(
        float(room.center[0]),
        float(room.center[1]),
        (room.x1 - room.x0) / 2 - WALL_THICKNESS / 2,
        (room.y1 - room.y0) / 2 - WALL_THICKNESS / 2,
    )
    blocked = _door_zones(house, room) + [
        r.footprint for r in house.receptacles if r.room_id == room.id
    ]
    for _ in range(25):
        center, q = _candidate(kind, room, rng)
        rec = Receptacle(rid, category, room.id, center, kind.size, q, kind.color, kind.openable)
        fp = rec.footprint
        if (
            abs(fp.cx - inner.cx) + fp.hx > inner.hx + 1e-6
            or abs(fp.cy - inner.cy) + fp.hy > inner.hy + 1e-6
            or any(fp.overlaps(b, 0.1) for b in blocked)
        ):
            continue
        house.receptacles.append(rec)
        if layout_ok(house, *check):
            return rec
        house.receptacles.pop()
    return None


def _place_microwave(
    house: House, room: Room, rid: str, rng: np.random.Generator
) -> Receptacle | None:
    counters = [
        r
        for r in house.receptacles
        if r.room_id == room.id and r.category == catalog.MICROWAVE_SUPPORT
    ]
    if not counters:
        return None
    counter = counters[0]
    kind = catalog.RECEPTACLES["Microwave"]
    w, d, _ = kind.size
    # Flush with the back of the counter, at one end, door facing the same way as the counter.
    along = np.array([-counter.front[1], counter.front[0]])
    cw = counter.size[0]
    offset = along * (cw / 2 - w / 2 - 0.05) * (1 if rng.random() < 0.5 else -1)
    offset -= counter.front * (counter.size[1] / 2 - d / 2 - 0.02)
    center = (counter.center[0] + float(offset[0]), counter.center[1] + float(offset[1]))
    return Receptacle(
        rid,
        "Microwave",
        room.id,
        center,
        kind.size,
        counter.quadrant,
        kind.color,
        True,
        base_z=counter.top_z,
        parent=counter.id,
    )


def furnish(house: House, rng: np.random.Generator, check: tuple[float, float, float]) -> None:
    """Add receptacles to every room; ``check`` = (grid resolution, agent radius, reach)."""
    counts: dict[str, int] = {}

    def new_id(category: str) -> str:
        counts[category] = counts.get(category, 0) + 1
        return f"{category}_{counts[category]}"

    for room in house.rooms:
        required, optional = catalog.ROOM_FURNITURE[room.room_type]
        n_opt = int(rng.integers(1, 3)) if room.area > 9 else int(rng.integers(0, 2))
        extra = [
            optional[i]
            for i in sorted(
                rng.choice(len(optional), size=min(n_opt, len(optional)), replace=False)
            )
        ]
        for category in [*required, *extra]:
            rid = new_id(category)
            rec = (
                _place_microwave(house, room, rid, rng)
                if category == "Microwave"
                else _place_one(house, room, category, rid, rng, check)
            )
            if rec is None:
                logger.debug("no room for %s in %s; skipped", category, room.name)
                counts[category] -= 1
            elif category == "Microwave":
                house.receptacles.append(rec)


def occupied_on(
    house: House, rec: Receptacle, inside: bool, exclude: str | None = None
) -> list[Box2]:
    """Footprints already on (or in) ``rec``: objects, and a microwave standing on a counter."""
    boxes = [
        o.footprint
        for o in house.objects
        if o.parent == rec.id and o.inside == inside and o.id != exclude
    ]
    if not inside:
        boxes += [r.footprint for r in house.receptacles if r.parent == rec.id]
    return boxes


def populate(
    house: House,
    rng: np.random.Generator,
    n_range: tuple[int, int],
    reachable: Callable[[tuple[float, float, float]], bool] | None = None,
) -> None:
    """Put pickupable objects on and in the receptacles of every room.

    ``reachable(spot)`` (if given) rejects spots the agent could not reach from the floor,
    e.g. the middle of a bed pushed into a corner.
    """
    counts: dict[str, int] = {}
    for room in house.rooms:
        recs = [r for r in house.receptacles if r.room_id == room.id]
        cats = catalog.objects_for_room(room.room_type) or catalog.PICKUPABLE_CATEGORIES
        if not recs:
            continue
        for _ in range(int(rng.integers(n_range[0], n_range[1] + 1))):
            kind = catalog.OBJECTS[cats[int(rng.integers(len(cats)))]]
            for _attempt in range(8):
                rec = recs[int(rng.integers(len(recs)))]
                inside = rec.openable and rng.random() < 0.5
                spot = find_free_spot(
                    rec, kind.size, occupied_on(house, rec, inside), inside=inside, rng=rng
                )
                if spot is None or (reachable is not None and not reachable(spot)):
                    continue
                counts[kind.category] = counts.get(kind.category, 0) + 1
                house.objects.append(
                    PlacedObject(
                        f"{kind.category}_{counts[kind.category]}",
                        kind.category,
                        kind.shape,
                        kind.size,
                        kind.colors[int(rng.integers(len(kind.colors)))],
                        kind.materials[int(rng.integers(len(kind.materials)))],
                        spot,
                        rec.id,
                        inside,
                    )
                )
                break

"""Helpers of the rule planner: name matching, floor distances and hit → subgoal conversion.

Template slots carry human words ("living room", "counter top", "key chain"); memory carries
category names ("CounterTop") and room annotations. ``norm`` makes them comparable and
``canonical_category`` turns a phrase into memory's own spelling (needed because the query API
matches categories exactly, case-insensitively) — all without any ground truth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from embodied_mem.memory.episodic import Event
from embodied_mem.memory.query_api import MemoryQueryAPI
from embodied_mem.memory.results import ObjectHit, RoomHit
from policies.subgoals import Box, NavigateToObject, NavigateToReceptacle, NavigateToRoom

DistanceFn = Callable[[np.ndarray], float]


def norm(word: str | None) -> str:
    """Lower-case, no spaces/underscores/hyphens: "Counter top" == "CounterTop" == "counter_top"."""
    return "".join(ch for ch in (word or "").lower() if ch.isalnum())


def same_category(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and norm(a) == norm(b)


def canonical_category(query: MemoryQueryAPI, phrase: str) -> str:
    """Memory's spelling of the category ``phrase`` names ("alarm clock" -> "AlarmClock").

    Falls back to CamelCase of the phrase when memory has no such category yet, so that an
    exploration detector matching categories case-insensitively still recognises it once seen.
    """
    wanted = norm(phrase)
    for hit in query.objects(layer=None):
        if norm(hit.category) == wanted:
            return hit.category
    return "".join(w[:1].upper() + w[1:] for w in phrase.replace("_", " ").split())


def find_rooms(query: MemoryQueryAPI, phrase: str) -> list[RoomHit]:
    """Remembered rooms whose name or type matches ``phrase`` ("living room" ~ "living_room")."""
    key = norm(phrase)
    exact = [r for r in query.rooms() if key in (norm(r.name), norm(r.room_id))]
    return exact or [r for r in query.rooms() if key == norm(r.room_type)]


def event_room(query: MemoryQueryAPI, event: Event) -> str | None:
    """The room an interaction happened in: the room containing the point acted on.

    The acted-on point (the receptacle or object) says where the thing is, which is what
    "the room where you placed X" means; the agent may stand in a doorway of the next room.
    Falls back to the agent's room at the event when the point lies outside every footprint.
    """
    point = getattr(event, "point", None)
    if point is not None:
        room = query.room_containing(float(point[0]), float(point[1]))
        if room is not None:
            return room
    return event.room_id


_HOLD_MARGIN = 0.1
"""Metres a remembered box is grown by when asking whether it holds a point (noisy boxes)."""


def closed_container(query: MemoryQueryAPI, hit: ObjectHit) -> ObjectHit | None:
    """The container memory believes ``hit`` is shut inside (relation "inside", state "closed"), or None.

    Only a container memory saw closed counts: "inside" a coffee table's shelf or an open
    cabinet leaves the object in plain sight.
    """
    obj = getattr(hit, "obj", None)
    if query is None or obj is None or obj.relation != "inside" or not obj.parent_id:
        return None
    try:
        parent = query.get(obj.parent_id)
    except KeyError:
        return None
    if parent.obj.state == "closed":
        return parent
    # Noisy perception can split one fridge into two tracks: the object went "inside" one,
    # memory saw the other shut. A closed one of its kind whose box holds the object is it.
    point = np.asarray(obj.position, dtype=float)
    for other in query.receptacles(category=parent.category):
        if other.obj.state == "closed":
            lo = np.asarray(other.obj.bbox_min) - _HOLD_MARGIN
            hi = np.asarray(other.obj.bbox_max) + _HOLD_MARGIN
            if np.all(point >= lo) and np.all(point <= hi):
                return other
    return None


def object_goal(
    hit: ObjectHit, query: MemoryQueryAPI | None = None
) -> NavigateToObject | NavigateToReceptacle:
    """Go to a remembered object; one shut inside a container is reached by facing the container.

    Nothing can see through a closed fridge door: the depth check for the object itself would
    fail from every viewpoint. Facing the container that holds it is what "reaching" such an
    object means (TASKS.md scoring accepts the container's pixels for it), and the receptacle
    tolerances accept the door standing in front of the container's centre.
    """
    box = closed_container(query, hit)
    if box is not None:
        return NavigateToReceptacle(
            position=tuple(box.position),
            category=box.category,
            memory_id=hit.memory_id,
            viewpoints=known_viewpoints(query, box),
            box=remembered_box(box),
        )
    return NavigateToObject(
        position=tuple(hit.position),
        category=hit.category,
        memory_id=hit.memory_id,
        viewpoints=known_viewpoints(query, hit),
    )


def receptacle_goal(hit: ObjectHit, query: MemoryQueryAPI | None = None) -> NavigateToReceptacle:
    return NavigateToReceptacle(
        position=tuple(hit.position),
        category=hit.category,
        memory_id=hit.memory_id,
        viewpoints=known_viewpoints(query, hit),
        box=remembered_box(hit),
    )


def at_receptacle(query: MemoryQueryAPI | None, hit: ObjectHit) -> dict[str, Any]:
    """Where an open or close of the receptacle ``hit`` acts: its remembered centre, the poses
    the agent stood at for it (:func:`known_viewpoints`) and its box."""
    return {
        "position": tuple(hit.position),
        "viewpoints": known_viewpoints(query, hit),
        "box": remembered_box(hit),
    }


def remembered_box(hit: ObjectHit) -> Box:
    """The box memory holds for ``hit`` (min and max corners)."""
    return (tuple(hit.obj.bbox_min), tuple(hit.obj.bbox_max))


def known_viewpoints(
    query: MemoryQueryAPI | None, hit: ObjectHit, limit: int = 3
) -> tuple[tuple[float, float, float], ...]:
    """Standing poses (x, y, yaw) the agent saw or acted on ``hit`` from where it is now: for
    an object, where it stood when it last put it down, then the keyframes that showed it best
    since; for a receptacle, where it stood for its latest picks/places/opens, then keyframes.
    The policies try these before sampling viewpoints (some things show from few places)."""
    if query is None:
        return ()
    mid = hit.memory_id
    if hit.obj.layer == "receptacle":
        events = query.interactions(receptacle_id=mid)
        since = -math.inf
    else:
        events = query.interactions(object_id=mid)[-1:]  # where it has stood since
        events = [e for e in events if e.kind.value == "place"]
        since = events[-1].event.start_time if events else -math.inf
    poses = [e.event.pose for e in reversed(events) if e.event.pose is not None]
    poses += [k.pose for k in query.keyframes_showing(mid, limit=limit) if k.time >= since]
    out: list[tuple[float, float, float]] = []
    for p in poses:
        pose = (float(p.position[0]), float(p.position[1]), float(p.yaw))
        if all(math.dist(pose[:2], q[:2]) > 0.3 for q in out):
            out.append(pose)
    return tuple(out[:limit])


def room_goal(room: RoomHit) -> NavigateToRoom:
    return NavigateToRoom(room_id=room.room_id, anchor=tuple(room.anchor))


def floor_distance(
    geodesic: Callable[[np.ndarray, np.ndarray], float],
    snap: Callable[[np.ndarray], np.ndarray] | None,
    a_xy: np.ndarray,
    b_xy: np.ndarray,
) -> float:
    """Walking distance from ``a_xy`` to a thing at ``b_xy`` that may stand off the floor.

    Objects sit on furniture, where a navigability grid answers ``inf``; like the benchmark,
    walk to the nearest navigable point and add the last straight stretch.
    """
    a, b = np.asarray(a_xy, dtype=float)[:2], np.asarray(b_xy, dtype=float)[:2]
    if snap is None:
        return float(geodesic(a, b))
    sa, sb = np.asarray(snap(a), dtype=float), np.asarray(snap(b), dtype=float)
    d = float(geodesic(sa, sb))
    return d + float(np.linalg.norm(b - sb)) if math.isfinite(d) else math.inf


#: How far outside a remembered box the side approach points lie (m).
APPROACH_MARGIN = 0.25


def approach_points(hit: ObjectHit) -> list[np.ndarray]:
    """Floor points to walk to for a remembered thing: its centroid and just outside each side.

    The nearest floor cell to a centroid can lie behind a wall (a fridge against it, a box
    stretched by an open door); walking to whichever side is reachable is what a robot does.
    """
    centre = np.asarray(hit.position[:2], dtype=float)
    pts = [centre]
    obj = getattr(hit, "obj", None)
    if obj is not None and obj.bbox_min is not None and obj.bbox_max is not None:
        lo, hi = (
            np.asarray(obj.bbox_min[:2], dtype=float),
            np.asarray(obj.bbox_max[:2], dtype=float),
        )
        mid = (lo + hi) / 2
        m = APPROACH_MARGIN
        pts += [
            np.array([lo[0] - m, mid[1]]),
            np.array([hi[0] + m, mid[1]]),
            np.array([mid[0], lo[1] - m]),
            np.array([mid[0], hi[1] + m]),
        ]
    return pts


def hit_distance(
    geodesic: Callable[[np.ndarray, np.ndarray], float],
    snap: Callable[[np.ndarray], np.ndarray] | None,
    a_xy: np.ndarray,
    hit: ObjectHit,
) -> float:
    """Walking metres from ``a_xy`` to within reach of ``hit``: the best approach point, plus
    the straight stretch from that floor point to the thing's centre."""
    centre = np.asarray(hit.position[:2], dtype=float)
    if snap is None:
        return float(geodesic(np.asarray(a_xy, dtype=float)[:2], centre))
    a = np.asarray(snap(np.asarray(a_xy, dtype=float)[:2]), dtype=float)
    best = math.inf
    for p in approach_points(hit):
        sp = np.asarray(snap(p), dtype=float)
        # Walking distance is symmetric; asked as sp -> a, every approach point of every
        # thing reads one distance field (the grid's, cached by its goal: the agent) instead
        # of a search each.
        d = float(geodesic(sp, a))
        if math.isfinite(d):
            best = min(best, d + float(np.linalg.norm(centre - sp)))
    return best


def nearest(
    query: MemoryQueryAPI,
    hits: Iterable[ObjectHit],
    distance_fn: Callable[[ObjectHit], float] | None,
    *,
    farthest: bool = False,
) -> ObjectHit | None:
    """The nearest (or farthest) hit by ``distance_fn(hit)``; the first hit when no distance is known.

    Unreachable (inf) hits come last either way; ties break on memory id for determinism.
    """
    hits = list(hits)
    if not hits:
        return None
    if distance_fn is None:
        return hits[0]
    scored = [(float(distance_fn(h)), h) for h in hits]
    finite = [s for s in scored if math.isfinite(s[0])]
    if not finite:
        return hits[0]
    finite.sort(key=lambda s: (-s[0] if farthest else s[0], s[1].memory_id))
    return finite[0][1]


def visiting_order(
    hits: Sequence[Any],
    start_xy: np.ndarray | None,
    distance: Callable[[np.ndarray, Any], float] | None,
) -> list[Any]:
    """Greedy nearest-next order over ``hits`` from ``start_xy`` (unordered multi-goal tasks).

    ``distance(from_xy, hit)`` is the walking distance to a hit.
    """
    if start_xy is None or distance is None:
        return list(hits)
    left, order, here = list(hits), [], np.asarray(start_xy, dtype=float)
    while left:
        best = min(left, key=lambda h: (distance(here, h), h.memory_id))
        order.append(best)
        left.remove(best)
        here = np.asarray(best.position[:2], dtype=float)
    return order


def unique_by_id(hits: Iterable[Any]) -> list[Any]:
    seen, out = set(), []
    for h in hits:
        if h is not None and h.memory_id not in seen:
            seen.add(h.memory_id)
            out.append(h)
    return out

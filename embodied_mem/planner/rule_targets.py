"""Helpers of the rule planner: name matching and hit → subgoal conversion.

Template slots carry human words ("living room", "counter top", "CounterTop"); memory carries
category names and room annotations. ``norm`` makes them comparable without any ground truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from policies.subgoals import NavigateToObject, NavigateToReceptacle, NavigateToRoom

DistanceFn = Callable[[np.ndarray], float]


def norm(word: str | None) -> str:
    """Lower-case, no spaces/underscores/hyphens: "Counter top" == "CounterTop" == "counter_top"."""
    return "".join(ch for ch in (word or "").lower() if ch.isalnum())


def same_category(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and norm(a) == norm(b)


def find_room(query: Any, phrase: str) -> Any | None:
    """The remembered room whose name or type matches ``phrase`` ("living room" ~ "living_room")."""
    for room in query.rooms():
        if norm(phrase) in (norm(room.name), norm(room.room_type), norm(room.room_id)):
            return room
    return None


def object_goal(hit: Any) -> NavigateToObject:
    return NavigateToObject(position=tuple(hit.position), category=hit.category, memory_id=hit.memory_id)


def receptacle_goal(hit: Any) -> NavigateToReceptacle:
    return NavigateToReceptacle(position=tuple(hit.position), category=hit.category, memory_id=hit.memory_id)


def room_goal(room: Any) -> NavigateToRoom:
    return NavigateToRoom(room_id=room.room_id, anchor=tuple(room.anchor))


def nearest(query: Any, hits: Iterable[Any], distance_fn: DistanceFn | None, *, farthest: bool = False
            ) -> Any | None:
    """The nearest (or farthest) hit by geodesic distance; the first hit when no distance is known."""
    hits = list(hits)
    if not hits:
        return None
    if distance_fn is None:
        return hits[0]
    ranked = query.rank_by_distance(hits, distance_fn, farthest=farthest)
    return ranked[0][0]


def visiting_order(hits: Sequence[Any], start_xy: np.ndarray | None, distance: Callable[[np.ndarray, np.ndarray], float] | None
                   ) -> list[Any]:
    """Greedy nearest-next order over ``hits`` from ``start_xy`` (unordered multi-goal tasks)."""
    if start_xy is None or distance is None:
        return list(hits)
    left, order, here = list(hits), [], np.asarray(start_xy, dtype=float)
    while left:
        best = min(left, key=lambda h: distance(here, np.asarray(h.position[:2], dtype=float)))
        order.append(best)
        left.remove(best)
        here = np.asarray(best.position[:2], dtype=float)
    return order


def unique_by_id(hits: Iterable[Any]) -> list[Any]:
    seen, out = set(), []
    for h in hits:
        if h.memory_id not in seen:
            seen.add(h.memory_id)
            out.append(h)
    return out

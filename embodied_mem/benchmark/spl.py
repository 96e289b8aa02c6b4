"""Shortest successful path lengths for SPL (evaluation side: reads ground truth).

Single target: the shortest walk from the start after which the distance rule of
:mod:`embodied_mem.benchmark.success` holds, i.e. ``max(0, d - radius)`` for the nearest valid target.
Multi-goal: each goal instance is stood in for by one navigable point with a success radius;
legs are shortened by that radius. Ordered goals take the cheapest instance per goal (dynamic
programming over the layers); unordered goals also take the cheapest visiting order: exact
(Held-Karp over goals, on a table of legs computed once) up to :data:`EXACT_ORDER_GOALS`
goals. Held-Karp is exponential in the goals (a large-setting task visits all 20 objects
picked up yesterday: 2^20 subsets), so beyond that the order is the best one local search
finds (:mod:`.spl_order`): an upper bound of the shortest walk, which can only make such a
task's SPL a little more generous. Rooms are reached at the nearest navigable point inside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from embodied_mem.benchmark.spl_order import LegTable, best_found_order, held_karp
from embodied_mem.benchmark.success import SuccessThresholds, receptacle_viewpoints
from embodied_mem.benchmark.task import Goal
from envs.base import Navigability
from envs.ground_truth import GroundTruth

#: Unordered goals up to this many get the exact shortest order (2^n subsets); more get the
#: best order local search finds (an upper bound).
EXACT_ORDER_GOALS = 13


@dataclass(frozen=True)
class _Stop:
    """A point to walk to and how far short of it success already holds."""

    xy: tuple[float, float]
    radius: float


class GeodesicCache:
    """Geodesic distances with one distance field per source point (fields are expensive)."""

    def __init__(self, nav: Navigability) -> None:
        self.nav = nav
        self._fields: dict[tuple[float, float], object] = {}

    def field(self, xy: np.ndarray) -> object:
        key = (round(float(xy[0]), 3), round(float(xy[1]), 3))
        if key not in self._fields:
            p = np.asarray(key, dtype=float)
            if not self.nav.is_navigable(p):
                p = np.asarray(self.nav.snap(p), dtype=float)
            self._fields[key] = self.nav.distances_from(p)
        return self._fields[key]

    def dist(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(self.field(np.asarray(b)).at(np.asarray(a, dtype=float)[:2]))  # type: ignore[attr-defined]

    def dist_many(self, a: np.ndarray, pts: np.ndarray) -> np.ndarray:
        f = self.field(np.asarray(a))
        return np.asarray([float(f.at(p)) for p in np.asarray(pts).reshape(-1, 2)])  # type: ignore[attr-defined]


def room_points(
    gt: GroundTruth, room_id: str, nav: Navigability, spacing: float = 0.25
) -> np.ndarray:
    """(N, 2) navigable grid points inside a room's footprint."""
    fp = np.asarray(gt.rooms[room_id].footprint, dtype=float)
    xs = np.arange(fp[:, 0].min() + spacing / 2, fp[:, 0].max(), spacing)
    ys = np.arange(fp[:, 1].min() + spacing / 2, fp[:, 1].max(), spacing)
    room = gt.rooms[room_id]
    pts = [
        np.array([x, y])
        for x in xs
        for y in ys
        if room.contains_xy(x, y) and nav.is_navigable(np.array([x, y]))
    ]
    return np.asarray(pts).reshape(-1, 2)


def _stops(goal: Goal, gt: GroundTruth, nav: Navigability, th: SuccessThresholds) -> list[_Stop]:
    out = []
    for tid in goal.valid:
        if goal.kind == "room":
            pts = room_points(gt, tid, nav)
            if len(pts):
                centre = np.mean(np.asarray(gt.rooms[tid].footprint, dtype=float), axis=0)
                p = pts[int(np.argmin(np.linalg.norm(pts - centre, axis=1)))]
                out.append(_Stop((float(p[0]), float(p[1])), 0.0))
            continue
        if tid not in gt.objects:
            continue
        rec = gt.objects[tid]
        xy = np.asarray(rec.center[:2], dtype=float)
        if goal.kind == "object":
            near = np.asarray(nav.snap(xy), dtype=float)
            rest = float(np.linalg.norm(xy - near))
            out.append(_Stop((float(near[0]), float(near[1])), max(0.0, th.object_distance - rest)))
        else:
            vps = receptacle_viewpoints(nav, rec, th.viewpoint_rings)
            if len(vps):
                p = vps[int(np.argmin(np.linalg.norm(vps - xy, axis=1)))]
                out.append(_Stop((float(p[0]), float(p[1])), th.receptacle_distance))
    return out


def _leg(cache: GeodesicCache, a: tuple[float, float], s: _Stop) -> float:
    return max(0.0, cache.dist(np.asarray(a), np.asarray(s.xy)) - s.radius)


def single_target_length(
    goal: Goal,
    start_xy: np.ndarray,
    gt: GroundTruth,
    nav: Navigability,
    th: SuccessThresholds,
    cache: GeodesicCache | None = None,
) -> float:
    """Shortest walk (metres) from ``start_xy`` to success on any valid target of ``goal``."""
    cache = cache or GeodesicCache(nav)
    start = np.asarray(start_xy, dtype=float)[:2]
    if goal.kind == "room":
        best = math.inf
        for rid in goal.valid:
            if rid in gt.rooms and gt.rooms[rid].contains_xy(*start):
                return 0.0
            pts = room_points(gt, rid, nav) if rid in gt.rooms else np.zeros((0, 2))
            if len(pts):
                best = min(best, float(np.min(cache.dist_many(start, pts))))
        return best
    stops = _stops(goal, gt, nav, th)
    return min((_leg(cache, (start[0], start[1]), s) for s in stops), default=math.inf)


def multi_goal_length(
    goals: list[Goal],
    ordered: bool,
    start_xy: np.ndarray,
    gt: GroundTruth,
    nav: Navigability,
    th: SuccessThresholds,
) -> float:
    """Shortest walk visiting every goal (in order if ``ordered``); ``inf`` if impossible."""
    cache = GeodesicCache(nav)
    layers = [_stops(g, gt, nav, th) for g in goals]
    if any(not layer for layer in layers):
        return math.inf
    start = (float(start_xy[0]), float(start_xy[1]))
    if ordered:
        cost = {s: _leg(cache, start, s) for s in layers[0]}
        for layer in layers[1:]:
            cost = {s: min(c + _leg(cache, p.xy, s) for p, c in cost.items()) for s in layer}
        return min(cost.values())
    legs = _leg_table(layers, start, cache)
    if len(layers) <= EXACT_ORDER_GOALS:
        return held_karp(legs)
    return best_found_order(legs)


def _leg_table(
    layers: list[list[_Stop]], start: tuple[float, float], cache: GeodesicCache
) -> LegTable:
    """Every leg an unordered walk can take, each measured once (one distance field per stop)."""
    stops = [s for layer in layers for s in layer]
    goal_of = np.asarray([g for g, layer in enumerate(layers) for _ in layer], dtype=np.int64)
    xy = np.asarray([s.xy for s in stops], dtype=float)
    legs = np.empty((len(stops), len(stops)))
    for t, stop in enumerate(stops):
        field = cache.field(np.asarray(stop.xy))
        legs[:, t] = np.maximum(0.0, np.asarray(field.at(xy)) - stop.radius)  # type: ignore[attr-defined]
    first = np.asarray([_leg(cache, start, s) for s in stops])
    return LegTable(goal_of, first, legs, len(layers))

"""Spatial relations from geometry: on, inside, near, and room assignment from footprints.

All boxes are axis-aligned in the world frame (z up, metres). Functions take anything with
``bbox_min``/``bbox_max`` (3,) arrays, ``points`` (N, 3) and ``id`` — normally
:class:`~scene_graph.nodes.Node`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.spatial import cKDTree

from scene_graph.edges import NearEdge
from scene_graph.layers import Layer, Relation


class Boxed(Protocol):
    id: str
    bbox_min: Any
    bbox_max: Any
    points: np.ndarray


@dataclass
class RelationConfig:
    """Tolerances of the geometric relation tests."""

    on_z_tolerance: float = 0.05
    """Max |object bottom - receptacle top| in metres for "on" (covers depth noise)."""
    on_min_xy_overlap: float = 0.5
    """Min fraction of the object's xy footprint that lies over the receptacle's top."""
    inside_min_fraction: float = 0.8
    """Min fraction of the object (points if any, else box volume) within the container."""
    inside_margin: float = 0.02
    """Metres the container box is grown by for "inside" (walls are measured noisily)."""
    near_distance: float = 1.0
    """Max box-to-box gap in metres for "near"."""
    min_points_for_inside: int = 5
    """Use the point cloud for "inside" only when it has at least this many points."""

    def __post_init__(self) -> None:
        for name in ("on_z_tolerance", "inside_margin", "near_distance"):
            if not getattr(self, name) >= 0.0:
                raise ValueError(
                    f"RelationConfig.{name} must be >= 0 metres; got {getattr(self, name)}"
                )
        for name in ("on_min_xy_overlap", "inside_min_fraction"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(
                    f"RelationConfig.{name} must be in (0, 1]; got {getattr(self, name)}"
                )
        if self.min_points_for_inside < 1:
            raise ValueError("RelationConfig.min_points_for_inside must be >= 1")


@dataclass(frozen=True)
class RelationResult:
    """The receptacle an object is on/inside, with a score in [0, 1]."""

    receptacle_id: str
    relation: Relation
    score: float


def _box(b: Boxed) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(b.bbox_min, dtype=np.float64), np.asarray(b.bbox_max, dtype=np.float64)


def box_distance(a: Boxed, b: Boxed) -> float:
    """Smallest Euclidean gap between two boxes (0 when they touch or overlap)."""
    (amin, amax), (bmin, bmax) = _box(a), _box(b)
    gap = np.maximum(0.0, np.maximum(amin - bmax, bmin - amax))
    return float(np.linalg.norm(gap))


def _xy_overlap_fraction(
    omin: np.ndarray, omax: np.ndarray, rmin: np.ndarray, rmax: np.ndarray
) -> np.ndarray:
    """Fraction of the object's xy footprint over each receptacle's (rmin/rmax may be (M, 3))."""
    lo = np.maximum(omin[:2], rmin[..., :2])
    hi = np.minimum(omax[:2], rmax[..., :2])
    overlap = np.prod(np.clip(hi - lo, 0.0, None), axis=-1)
    area = float(np.prod(omax[:2] - omin[:2]))
    if area <= 1e-12:  # point-like footprint: is its centre over the receptacle?
        c = (omin[:2] + omax[:2]) / 2
        return np.all((c >= rmin[..., :2]) & (c <= rmax[..., :2]), axis=-1).astype(float)
    return overlap / area


def _on_scores(obj: Boxed, rmin: np.ndarray, rmax: np.ndarray, cfg: RelationConfig) -> np.ndarray:
    """Score in [0, 1] of obj resting on each receptacle top; 0 where it does not."""
    omin, omax = _box(obj)
    frac = _xy_overlap_fraction(omin, omax, rmin, rmax)
    gap = np.abs(omin[2] - rmax[..., 2])
    ok = (frac >= cfg.on_min_xy_overlap) & (gap <= cfg.on_z_tolerance)
    closeness = 1.0 - gap / max(cfg.on_z_tolerance, 1e-9)
    return np.where(ok, 0.5 * np.minimum(frac, 1.0) + 0.5 * closeness, 0.0)


def _inside_fractions(
    obj: Boxed, rmin: np.ndarray, rmax: np.ndarray, cfg: RelationConfig
) -> np.ndarray:
    """Fraction of obj within each (grown) container box."""
    lo, hi = rmin - cfg.inside_margin, rmax + cfg.inside_margin
    pts = np.asarray(obj.points, dtype=np.float64)
    if len(pts) >= cfg.min_points_for_inside:
        # Only containers whose grown box meets the points' box can hold any of them: the
        # rest are 0 without testing every point against them (memory asks this of every
        # updated object against every receptacle, most of them far away).
        reach = np.all((pts.min(axis=0) <= hi) & (pts.max(axis=0) >= lo), axis=1)
        out = np.zeros(len(lo))
        if reach.any():
            lo, hi = lo[reach], hi[reach]
            inside = np.all((pts[None] >= lo[:, None]) & (pts[None] <= hi[:, None]), axis=-1)
            out[reach] = inside.mean(axis=1)
        return out
    omin, omax = _box(obj)
    vol = float(np.prod(omax - omin))
    if vol <= 1e-12:
        c = (omin + omax) / 2
        return np.all((c >= lo) & (c <= hi), axis=-1).astype(float)
    inter = np.prod(np.clip(np.minimum(omax, hi) - np.maximum(omin, lo), 0.0, None), axis=-1)
    return inter / vol


def _stack(receptacles: Sequence[Boxed]) -> tuple[np.ndarray, np.ndarray]:
    if not receptacles:
        return np.zeros((0, 3)), np.zeros((0, 3))
    return (
        np.array([_box(r)[0] for r in receptacles]),
        np.array([_box(r)[1] for r in receptacles]),
    )


def is_on(obj: Boxed, receptacle: Boxed, config: RelationConfig | None = None) -> bool:
    """True when obj's bottom rests on receptacle's top (xy overlap and z gap within tolerance)."""
    rmin, rmax = _stack([receptacle])
    return bool(_on_scores(obj, rmin, rmax, config or RelationConfig())[0] > 0.0)


def is_inside(obj: Boxed, container: Boxed, config: RelationConfig | None = None) -> bool:
    """True when enough of obj (points, else box volume) lies within the container's box."""
    cfg = config or RelationConfig()
    rmin, rmax = _stack([container])
    return bool(_inside_fractions(obj, rmin, rmax, cfg)[0] >= cfg.inside_min_fraction)


def is_near(a: Boxed, b: Boxed, distance: float = 1.0) -> bool:
    """True when the boxes are within ``distance`` metres of each other."""
    return box_distance(a, b) <= distance


def infer_relation(
    obj: Boxed, receptacles: Iterable[Boxed], config: RelationConfig | None = None
) -> RelationResult | None:
    """The receptacle ``obj`` is on or inside, or ``None``.

    When several match, the smallest receptacle wins (an apple on a plate on a table is on
    the plate; a cup on a shelf inside a cabinet is on the shelf), then the higher score.
    """
    cfg = config or RelationConfig()
    recs = [r for r in receptacles if r.id != obj.id]
    if not recs:
        return None
    rmin, rmax = _stack(recs)
    inside = _inside_fractions(obj, rmin, rmax, cfg)
    on = _on_scores(obj, rmin, rmax, cfg)
    volume = np.prod(rmax - rmin, axis=1)
    best: tuple[float, float, int, Relation] | None = None
    for i in np.flatnonzero((inside >= cfg.inside_min_fraction) | (on > 0.0)):
        rel, score = (
            (Relation.INSIDE, float(inside[i]))
            if inside[i] >= cfg.inside_min_fraction
            else (Relation.ON, float(on[i]))
        )
        key = (float(volume[i]), -score, int(i), rel)
        if best is None or key[:3] < best[:3]:
            best = key
    if best is None:
        return None
    return RelationResult(recs[best[2]].id, best[3], -best[1])


def infer_relations(
    objects: Iterable[Boxed], receptacles: Iterable[Boxed], config: RelationConfig | None = None
) -> dict[str, RelationResult | None]:
    """:func:`infer_relation` for each object, keyed by object id."""
    recs = list(receptacles)
    return {o.id: infer_relation(o, recs, config) for o in objects}


def near_edges(nodes: Iterable[Boxed], distance: float = 1.0) -> list[NearEdge]:
    """NEAR edges between all pairs within ``distance`` (KD-tree on centres, exact box test)."""
    items = list(nodes)
    if len(items) < 2:
        return []
    mins, maxs = _stack(items)
    centres = (mins + maxs) / 2
    radius = distance + float(np.linalg.norm(maxs - mins, axis=1).max())  # covers any box pair
    out: list[NearEdge] = []
    for i, j in sorted(cKDTree(centres).query_pairs(radius)):
        d = box_distance(items[i], items[j])
        if d <= distance:
            out.append(NearEdge(items[i].id, items[j].id, distance=d))
    return out


def _polygon(value: Any, room_id: str) -> np.ndarray:
    poly = np.asarray(value, dtype=np.float64)
    if poly.ndim != 2 or poly.shape[1] != 2 or len(poly) < 3 or not np.all(np.isfinite(poly)):
        raise ValueError(
            f"room {room_id!r}: footprint must be a finite (K, 2) xy polygon with K >= 3; "
            f"got shape {poly.shape}"
        )
    return poly


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def room_footprints(
    rooms: Iterable[Any] | Mapping[str, Any], key: str = "footprint"
) -> dict[str, np.ndarray]:
    """Footprint polygons from a ``{room_id: (K, 2)}`` mapping or room nodes' ``attributes[key]``."""
    if isinstance(rooms, Mapping):
        return {rid: _polygon(poly, rid) for rid, poly in rooms.items()}
    out: dict[str, np.ndarray] = {}
    room: Any
    for room in rooms:
        if getattr(room, "layer", Layer.ROOM) is not Layer.ROOM:
            continue
        if key not in room.attributes:
            raise ValueError(
                f"room node {room.id!r} has no attributes[{key!r}] footprint polygon; "
                "add one or pass a {room_id: polygon} mapping"
            )
        out[room.id] = _polygon(room.attributes[key], room.id)
    return out


def assign_rooms(
    points_or_nodes: Iterable[Any], rooms: Iterable[Any] | Mapping[str, Any]
) -> dict[str, str | None]:
    """Room id for each node (by centroid xy) from floor footprint polygons.

    Args:
        points_or_nodes: nodes with ``id`` and ``centroid`` (3,); room nodes are skipped.
        rooms: room nodes carrying ``attributes["footprint"]`` or a ``{room_id: (K, 2)}`` map.

    Returns:
        ``{node_id: room_id or None}``; overlapping footprints resolve to the smallest room.
    """
    from skimage.measure import points_in_poly  # heavy import, only needed here

    nodes = [n for n in points_or_nodes if getattr(n, "layer", None) is not Layer.ROOM]
    result: dict[str, str | None] = {n.id: None for n in nodes}
    if not nodes:
        return result
    xy = np.array([np.asarray(n.centroid, dtype=np.float64)[:2] for n in nodes])
    best_area = np.full(len(nodes), np.inf)
    for room_id, poly in room_footprints(rooms).items():
        inside = points_in_poly(xy, poly)
        area = _area(poly)
        better = inside & (area < best_area)
        best_area[better] = area
        for i in np.flatnonzero(better):
            result[nodes[i].id] = room_id
    return result

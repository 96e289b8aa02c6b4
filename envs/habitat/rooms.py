"""Rooms from habitat-sim's semantic regions, level-aware (pure, testable without habitat-sim).

Datasets annotate regions differently (habitat-sim src/esp/scene/*SemanticScene.cpp):

* Matterport3D: each region has a level, a category and a box; the boxes of a region overlap
  its neighbours and the rooms of the storey above. The box's height gives the room's
  ``z_range``, so a lookup with the agent's floor height picks the right storey.
* HM3D: a region is only an index (id ``_<index>``, no category, an empty box). Its extent is
  taken from its objects' boxes, and it is named by its index.
* HSSD (0.3.1+): regions carry a floor polygon (``poly_loop_points``, habitat x/z), a
  ``floor_height`` and an ``extrusion_height``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from envs.ground_truth import RoomRecord
from envs.habitat.conversions import (
    aabb_center_sizes,
    category_name,
    footprint_from_aabb,
    footprint_from_points,
)
from envs.habitat.frames import aabb_to_world

logger = logging.getLogger(__name__)


def _rectangle(lo: np.ndarray, hi: np.ndarray) -> list[tuple[float, float]]:
    return [
        (float(lo[0]), float(lo[1])),
        (float(hi[0]), float(lo[1])),
        (float(hi[0]), float(hi[1])),
        (float(lo[0]), float(hi[1])),
    ]


def _extent(region: Any) -> tuple[list[tuple[float, float]], tuple[float, float] | None] | None:
    """(world footprint, world z range) of a region, from its polygon, its box or its objects."""
    loop = getattr(region, "poly_loop_points", None) or []
    if len(loop) >= 3:
        floor = float(getattr(region, "floor_height", 0.0))
        height = float(getattr(region, "extrusion_height", 0.0))
        return footprint_from_points(loop), ((floor, floor + height) if height > 0 else None)
    box = aabb_center_sizes(getattr(region, "aabb", None))
    if box is not None:
        lo, hi = aabb_to_world(*box)
        return footprint_from_aabb(*box), (float(lo[2]), float(hi[2]))
    boxes = [b for b in (aabb_center_sizes(o.aabb) for o in getattr(region, "objects", [])) if b]
    if not boxes:
        return None
    corners = np.array([c for b in boxes for c in aabb_to_world(*b)])
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    return _rectangle(lo, hi), (float(lo[2]), float(hi[2]))


def room_from_region(region: Any, index: int) -> RoomRecord | None:
    """A ``SemanticRegion`` → :class:`RoomRecord`, or None if nothing locates it."""
    extent = _extent(region)
    if extent is None:
        logger.debug("region %s has no polygon, box or objects; skipped", region.id)
        return None
    footprint, z_range = extent
    category = getattr(region, "category", None)
    kind = category_name(category) if category is not None else None
    key = str(region.id).lstrip("_") or str(index)
    return RoomRecord(
        id=f"habitat/region_{key}",
        room_type=kind.replace("_", " ") if kind else "room",
        name=f"{kind} {index}" if kind else f"region {key}",
        footprint=footprint,
        z_range=z_range,
    )


def rooms_from_regions(regions: list[Any]) -> list[RoomRecord]:
    rooms = [room_from_region(r, k) for k, r in enumerate(regions) if r is not None]
    return [r for r in rooms if r is not None]


def scene_room(lower_h: Any, upper_h: Any) -> RoomRecord:
    """The single room of an unannotated scene: the navmesh bounds (habitat lower/upper)."""
    lower_h, upper_h = np.asarray(lower_h, dtype=float), np.asarray(upper_h, dtype=float)
    footprint = footprint_from_aabb((lower_h + upper_h) / 2.0, upper_h - lower_h)
    return RoomRecord(id="habitat/scene", room_type="room", name="room", footprint=footprint)

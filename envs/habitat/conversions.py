"""habitat-sim semantics, regions and versions → project types (pure, testable offline).

Functions take plain values (arrays, strings, numbers) or duck-typed habitat objects with the
attributes named in their docstrings, so they run without habitat-sim.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from envs.ground_truth import ObjectRecord
from envs.habitat.config import CONDA_INSTALL
from envs.habitat.frames import aabb_to_world, habitat_to_world

logger = logging.getLogger(__name__)

# Categories that hold other objects, in MP3D/HM3D/HSSD vocabularies (lower case).
RECEPTACLE_CATEGORIES = frozenset(
    {
        "table",
        "counter",
        "kitchen_counter",
        "shelf",
        "shelving",
        "cabinet",
        "chest_of_drawers",
        "bed",
        "sofa",
        "couch",
        "chair",
        "desk",
        "sink",
        "stool",
        "bench",
        "dresser",
        "nightstand",
        "tv_stand",
        "fridge",
        "refrigerator",
        "bathtub",
        "stand",
        "drawer",
        "wardrobe",
    }
)
OPENABLE_CATEGORIES = frozenset(
    {
        "cabinet",
        "fridge",
        "refrigerator",
        "drawer",
        "wardrobe",
        "chest_of_drawers",
        "microwave",
        "oven",
        "dishwasher",
    }
)


def _xyz(v: np.ndarray) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


@dataclass
class SemanticTable:
    """semantic id → (object id, category) from ``sim.semantic_scene.objects``."""

    object_ids: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_semantic_objects(cls, objects: list[Any]) -> SemanticTable:
        """Objects need ``semantic_id``, ``id`` and ``category`` (with ``name()``) or None."""
        table = cls()
        for obj in objects:
            if obj is None:
                continue
            sid = int(obj.semantic_id)
            table.object_ids[sid] = f"habitat/{obj.id}"
            table.categories[sid] = category_name(obj.category)
        return table


def category_name(category: Any) -> str:
    """``category.name()`` normalised to lower_snake_case; ``unknown`` if absent."""
    if category is None:
        return "unknown"
    name = category.name() if callable(getattr(category, "name", None)) else str(category)
    return re.sub(r"[\s/-]+", "_", name.strip().lower()) or "unknown"


def semantic_to_instances(
    semantic: np.ndarray, table: SemanticTable
) -> tuple[np.ndarray, dict[int, str]]:
    """(H, W) uint32 semantic-sensor ids → (H, W) int32 instance ids and id → object id.

    Ids are kept (0 stays background). Ids absent from ``table`` are named
    ``habitat/semantic_<id>`` so that scenes without annotations still give stable names.
    """
    sem = np.asarray(semantic)
    if sem.ndim != 2 or not np.issubdtype(sem.dtype, np.integer):
        raise ValueError(f"semantic frame must be (H, W) integers, got {sem.shape} {sem.dtype}")
    present = np.unique(sem)
    if present.size and int(present[-1]) > np.iinfo(np.int32).max:
        raise ValueError(f"semantic id {int(present[-1])} does not fit int32 instance ids")
    names = {
        int(s): table.object_ids.get(int(s), f"habitat/semantic_{int(s)}")
        for s in present
        if s != 0
    }
    missing = [s for s in names if s not in table.object_ids]
    if missing and table.object_ids:
        logger.debug("%d semantic ids have no semantic_scene object", len(missing))
    return sem.astype(np.int32), names


def footprint_from_points(points_h: Any) -> list[tuple[float, float]]:
    """A region's habitat polygon loop → world (x, y) footprint.

    habitat-sim 0.3 stores the loop as 2D points (habitat x, z) on the region's floor plane;
    (K, 3) habitat points are accepted too.
    """
    pts = np.asarray([list(p) for p in points_h], dtype=float)
    if pts.ndim != 2 or pts.shape[1] not in (2, 3):
        raise ValueError(
            f"polygon loop must be (K, 2) habitat x/z or (K, 3) points, got {pts.shape}"
        )
    if pts.shape[1] == 2:
        pts = np.stack([pts[:, 0], np.zeros(len(pts)), pts[:, 1]], axis=1)
    world = habitat_to_world(pts)
    return [(float(x), float(y)) for x, y in world[:, :2]]


def footprint_from_aabb(center_h: Any, sizes_h: Any) -> list[tuple[float, float]]:
    lo, hi = aabb_to_world(center_h, sizes_h)
    return [
        (float(lo[0]), float(lo[1])),
        (float(hi[0]), float(lo[1])),
        (float(hi[0]), float(hi[1])),
        (float(lo[0]), float(hi[1])),
    ]


def aabb_center_sizes(aabb: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(center, sizes) in habitat coordinates of an ``aabb`` from any habitat-sim version, or
    None for an empty (default-constructed) box.

    Up to 0.3.2 an aabb is ``habitat_sim.BBox`` with ``center`` and ``sizes`` *properties*;
    from 0.3.3 it is a ``magnum.Range3D`` whose ``center()`` and ``size()`` are *methods* and
    which has no ``sizes`` (habitat-sim src/esp/scene/SemanticScene.h at v0.3.3).
    """
    if aabb is None:
        return None
    if hasattr(aabb, "sizes"):
        center, sizes = np.asarray(aabb.center, dtype=float), np.asarray(aabb.sizes, dtype=float)
    elif callable(getattr(aabb, "center", None)) and callable(getattr(aabb, "size", None)):
        center, sizes = np.asarray(aabb.center(), dtype=float), np.asarray(aabb.size(), dtype=float)
    else:
        raise TypeError(
            f"unknown habitat-sim box type {type(aabb).__name__}: expected BBox or Range3D"
        )
    if center.shape != (3,) or not np.all(np.isfinite(sizes)) or not np.all(sizes > 0):
        return None
    return center, sizes


def semantic_object_record(obj: Any, room_id: str | None) -> ObjectRecord | None:
    """A static ``SemanticObject`` (``id``, ``category``, ``aabb``) → :class:`ObjectRecord`;
    None if it has no box."""
    box = aabb_center_sizes(obj.aabb)
    if box is None:
        return None
    lo, hi = aabb_to_world(*box)
    cat = category_name(obj.category)
    centre = (lo + hi) / 2.0
    return ObjectRecord(
        id=f"habitat/{obj.id}",
        category=cat,
        room_id=room_id,
        position=(float(centre[0]), float(centre[1]), float(lo[2])),
        bbox_min=_xyz(lo),
        bbox_max=_xyz(hi),
        is_receptacle=cat in RECEPTACLE_CATEGORIES,
        openable=cat in OPENABLE_CATEGORIES,
    )


def parse_version(version: str) -> tuple[int, int, int]:
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if not match:
        raise ValueError(f"cannot parse habitat-sim version {version!r}")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def check_habitat_version(version: str) -> list[str]:
    """What this habitat-sim version cannot do here; raise if it is unsupported altogether.

    Returns:
        Sentences naming each feature that is unavailable with this version (empty for 0.3.x).
    Raises:
        RuntimeError: versions before 0.2 (no rigid object managers, different config API).
    """
    major, minor, patch = parse_version(version)
    if (major, minor) < (0, 2):
        raise RuntimeError(
            f"habitat-sim {version} is too old (need 0.2.x, 0.3.x recommended): {CONDA_INSTALL}"
        )
    notes = []
    if (major, minor, patch) < (0, 3, 1):
        notes.append("region polygons (poly_loop_points) arrived in 0.3.1; rooms use region boxes")
    if (major, minor) < (0, 3):
        notes.append("HSSD/ReplicaCAD scene instances with articulated receptacles are 0.3.x only")
    if (major, minor, patch) > (0, 3, 4):
        logger.warning(
            "habitat-sim %s is newer than the tested 0.2.5-0.3.4; report problems", version
        )
    return notes

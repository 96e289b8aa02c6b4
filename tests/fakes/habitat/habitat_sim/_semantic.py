"""habitat-sim's semantic scene (fake): levels, regions, objects, categories.

Per-version shapes (SemanticScene.h / SceneBindings.cpp): ``aabb`` is ``habitat_sim.BBox``
(``center``/``sizes`` properties) up to 0.3.2 and ``magnum.Range3D`` (``center()``/``size()``
methods) from 0.3.3; regions have ``poly_loop_points``/``floor_height``/``extrusion_height``
from 0.3.1. HM3D-style regions have only an index: ``category`` is None, the box is the
default (empty) one and the id is ``_<index>``; MP3D-style regions have a level, a category
and a box. Objects' ids are ``<region id>_<index>``.
"""

from __future__ import annotations

from typing import Any

import magnum as mn
import numpy as np

from habitat_sim._config import BBox
from habitat_sim._version import RANGE3D_AABB, REGION_POLYGONS


def make_aabb(center: Any = None, sizes: Any = None) -> Any:
    """The version's aabb type; no center/sizes gives the default-constructed box."""
    if center is None:
        lo, hi = (
            (np.zeros(3), np.zeros(3))
            if RANGE3D_AABB
            else (np.full(3, np.finfo(np.float32).max), np.full(3, -np.finfo(np.float32).max))
        )
    else:
        c, s = np.asarray(center, float), np.asarray(sizes, float)
        lo, hi = c - s / 2, c + s / 2
    return mn.Range3D(lo, hi) if RANGE3D_AABB else BBox(lo, hi)


class SemanticCategory:
    def __init__(self, index: int, name: str) -> None:
        self._index, self._name = index, name

    def index(self, mapping: str = "") -> int:
        return self._index

    def name(self, mapping: str = "") -> str:
        return self._name


class SemanticLevel:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.id = str(spec["id"])
        self.aabb = make_aabb(spec.get("center"), spec.get("sizes"))
        self.regions: list[SemanticRegion] = []
        self.objects: list[SemanticObject] = []


class SemanticRegion:
    def __init__(self, spec: dict[str, Any], level: SemanticLevel | None) -> None:
        self._index = int(spec["index"])
        self.level = level
        self.id = f"{level.id}_{self._index}" if level is not None else f"_{self._index}"
        self.category = (
            SemanticCategory(self._index, spec["category"]) if spec.get("category") else None
        )
        self.aabb = make_aabb(spec.get("center"), spec.get("sizes"))
        self.objects: list[SemanticObject] = []
        if REGION_POLYGONS:
            self.poly_loop_points = [mn.Vector2(p) for p in spec.get("poly_loop", [])]
            self.floor_height = float(spec.get("floor_height", 0.0))
            self.extrusion_height = float(spec.get("extrusion_height", 0.0))


class SemanticObject:
    def __init__(self, spec: dict[str, Any], region: SemanticRegion | None) -> None:
        self.semantic_id = int(spec["index"])
        self.region = region
        self.id = f"{region.id if region else ''}_{self.semantic_id}"
        self.category = SemanticCategory(self.semantic_id, spec["category"])
        self.aabb = make_aabb(spec["center"], spec["sizes"])


class SemanticScene:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.levels = [SemanticLevel(s) for s in spec.get("levels", [])]
        by_level = {lv.id: lv for lv in self.levels}
        self.regions = []
        for r in spec.get("regions", []):
            level = by_level.get(str(r["level"])) if "level" in r else None
            region = SemanticRegion(r, level)
            self.regions.append(region)
            if level is not None:
                level.regions.append(region)
        by_index = {r._index: r for r in self.regions}
        self.objects = []
        for o in spec.get("objects", []):
            obj = SemanticObject(o, by_index.get(o.get("region")))
            self.objects.append(obj)
            if obj.region is not None:
                obj.region.objects.append(obj)
        self.categories = [
            SemanticCategory(int(c["index"]), c["name"]) for c in spec.get("categories", [])
        ]

"""Which habitat-sim release this fake imitates: ``FAKE_HABITAT_SIM_VERSION`` (default 0.3.4)."""

from __future__ import annotations

import os
import re

VERSION = os.environ.get("FAKE_HABITAT_SIM_VERSION", "0.3.4")
_m = re.match(r"(\d+)\.(\d+)\.(\d+)", VERSION)
if _m is None:
    raise ValueError(f"FAKE_HABITAT_SIM_VERSION must look like 0.3.4, got {VERSION!r}")
V = tuple(int(g) for g in _m.groups())

RANGE3D_AABB = V >= (0, 3, 3)
"""0.3.3 made every ``aabb`` a magnum Range3D (SemanticScene.h); before, an Eigen box bound
as ``habitat_sim.BBox`` with ``center``/``sizes`` properties (Bindings.cpp)."""
REGION_POLYGONS = V >= (0, 3, 1)
"""``SemanticRegion.poly_loop_points`` / ``floor_height`` / ``extrusion_height`` from 0.3.1."""
NAVMESH_SETTINGS_STATIC = V >= (0, 2, 5)
"""0.2.5 moved ``include_static_objects`` from ``recompute_navmesh``'s arguments into
``NavMeshSettings``."""

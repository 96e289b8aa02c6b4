"""What the fake loads for a ``scene_id``: boxes, storeys, semantics and scene rigid objects.

Two sources: a mesh (``.glb``/``.gltf``/``.obj``/``.ply``, loaded with trimesh; every node
becomes a box, the lowest top surface is the one storey's floor), or a ``*.fake_scene.json``
written for tests (habitat coordinates, y up) with these keys:

``storeys``      [{"floor_y", "walkable": [[xmin, zmin, xmax, zmax], ...]}]
``boxes``        static stage geometry [{"center", "sizes", "semantic_id"?}]
``navmesh``      true if the scene ships a ``.navmesh`` (loaded at start)
``semantics``    {"levels": [{"id", "center", "sizes"}], "categories": [{"index", "name"}],
                  "regions": [{"index", "level"?, "category"?, "center"?, "sizes"?,
                  "poly_loop"?, "floor_height"?, "extrusion_height"?}],
                  "objects": [{"index", "region"?, "category", "center", "sizes"}]}
``rigid_objects`` [{"template", "translation", "motion_type", "semantic_id", "half_extents"}]
                  (HSSD furniture, ReplicaCAD clutter: rigid objects of the scene instance)

A scene name without a path is looked up as ``<name>.fake_scene.json`` under the dataset
config's folder, as habitat-sim resolves scene instance names through the dataset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MESHES = (".glb", ".gltf", ".obj", ".ply")


@dataclass
class Box:
    center: np.ndarray
    sizes: np.ndarray
    semantic_id: int = 0

    @property
    def lo(self) -> np.ndarray:
        return self.center - self.sizes / 2

    @property
    def hi(self) -> np.ndarray:
        return self.center + self.sizes / 2


@dataclass
class Storey:
    floor_y: float
    walkable: list[tuple[float, float, float, float]]


@dataclass
class SceneData:
    storeys: list[Storey]
    boxes: list[Box]
    semantics: dict[str, Any] = field(default_factory=dict)
    rigid_objects: list[dict[str, Any]] = field(default_factory=list)
    has_navmesh: bool = False


def _from_json(path: Path) -> SceneData:
    doc = json.loads(path.read_text())
    boxes = [
        Box(
            np.asarray(b["center"], float),
            np.asarray(b["sizes"], float),
            int(b.get("semantic_id", 0)),
        )
        for b in doc.get("boxes", [])
    ]
    sem = doc.get("semantics", {})
    for obj in sem.get("objects", []):
        boxes.append(
            Box(
                np.asarray(obj["center"], float), np.asarray(obj["sizes"], float), int(obj["index"])
            )
        )
    storeys = [
        Storey(float(s["floor_y"]), [tuple(r) for r in s["walkable"]]) for s in doc["storeys"]
    ]
    return SceneData(
        storeys, boxes, sem, list(doc.get("rigid_objects", [])), bool(doc.get("navmesh"))
    )


def _from_mesh(path: Path) -> SceneData:
    import trimesh

    scene = trimesh.load(str(path), force="scene")
    boxes = []
    for name in scene.graph.nodes_geometry:
        transform, geom = scene.graph[name]
        lo, hi = trimesh.transform_points(scene.geometry[geom].bounds, transform)
        lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
        boxes.append(Box((lo + hi) / 2, hi - lo))
    floor = min(boxes, key=lambda b: b.hi[1])
    storey = Storey(float(floor.hi[1]), [(floor.lo[0], floor.lo[2], floor.hi[0], floor.hi[2])])
    return SceneData([storey], boxes)


def load_scene(scene_id: str, dataset_config: str) -> SceneData:
    """The scene ``scene_id`` names (a file, or a name inside the scene dataset)."""
    path = Path(scene_id)
    if not path.is_file() and dataset_config not in ("", "default"):
        root = Path(dataset_config).parent
        found = sorted(root.rglob(f"{scene_id}.fake_scene.json"))
        path = found[0] if found else path
    if not path.is_file():
        raise RuntimeError(f"habitat-sim (fake): scene {scene_id!r} not found")
    if path.name.endswith(".fake_scene.json"):
        return _from_json(path)
    if path.suffix in MESHES:
        return _from_mesh(path)
    raise RuntimeError(f"habitat-sim (fake): cannot load {path.name}")

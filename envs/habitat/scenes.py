"""habitat-sim scene lists: the scenes a ``*.scene_dataset_config.json`` declares.

A dataset config lists its scenes under ``scene_instances.paths[".json"]`` (HSSD, ReplicaCAD,
HM3D with instances) or, for scan datasets without scene instances (MP3D, HM3D basis), its
stages under ``stages.paths`` (``".glb"`` patterns). Each entry is a file, a directory (searched
for the type's config suffix) or a glob, relative to the config file; this is how habitat-sim's
metadata mediator reads them. Reading the JSON here lists the scenes without starting the
simulator.
"""

from __future__ import annotations

import json
from pathlib import Path

DATASET_ALL = "dataset"
"""Scene-list entry meaning every scene the configured ``scene_dataset`` declares."""

_SUFFIX = {"scene_instances": ".scene_instance.json", "stages": ".stage_config.json"}


def _paths(root: Path, entries: list[str], suffix: str) -> list[Path]:
    found: list[Path] = []
    for entry in entries:
        target = root / entry
        if target.is_dir():
            found += sorted(target.rglob(f"*{suffix}"))
        elif any(ch in entry for ch in "*?["):
            found += sorted(root.glob(entry))
        elif target.is_file():
            found.append(target)
    return found


def dataset_scenes(dataset_config: str | Path) -> list[str]:
    """Scene ids of a scene dataset: scene-instance names, or stage mesh paths.

    Raises:
        ValueError: the file is missing, not JSON, or declares no scenes.
    """
    path = Path(dataset_config).expanduser()
    if not path.is_file():
        raise ValueError(f"scene dataset config {str(dataset_config)!r} does not exist")
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from exc
    root = path.parent
    instances = doc.get("scene_instances", {}).get("paths", {})
    names = [
        p.name.removesuffix(_SUFFIX["scene_instances"])
        for p in _paths(root, instances.get(".json", []), _SUFFIX["scene_instances"])
    ]
    if names:
        return names
    stages = doc.get("stages", {}).get("paths", {})
    meshes = [
        str(p)
        for key, entries in stages.items()
        if key != ".json"
        for p in _paths(root, entries, key)
    ]
    if not meshes:
        raise ValueError(
            f"{path} declares no scene instances and no stage meshes; list them under "
            "scene_instances.paths or stages.paths"
        )
    return meshes


def expand_scenes(entries: list[str], scene_dataset: str) -> list[str]:
    """Scenes from explicit ids/paths and ``dataset`` (every scene of ``scene_dataset``)."""
    out: list[str] = []
    for entry in entries:
        if entry == DATASET_ALL:
            if scene_dataset in ("", "default"):
                raise ValueError(
                    "benchmark.scenes=[dataset] needs env.habitat.scene_dataset set to a "
                    "*.scene_dataset_config.json"
                )
            out += dataset_scenes(scene_dataset)
        elif entry:
            out.append(entry)
    if not out:
        raise ValueError(
            "no habitat scene: set env.habitat.scene=<scene id or .glb path> or "
            "benchmark.scenes=[...] (use [dataset] for every scene of env.habitat.scene_dataset)"
        )
    return out

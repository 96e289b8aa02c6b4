"""AI2-THOR scene names: iTHOR rooms, RoboTHOR apartments and ProcTHOR house files.

The name ranges are those of ``ai2thor.controller.Controller.ithor_scenes`` and
``robothor_scenes`` (ai2thor 5.0.0): iTHOR FloorPlan1-30 (kitchens), 201-230 (living rooms),
301-330 (bedrooms), 401-430 (bathrooms), each optionally suffixed ``_physics``; RoboTHOR
``FloorPlan_Train{1-12}_{1-5}`` and ``FloorPlan_Val{1-3}_{1-5}``. A ProcTHOR house is a path to
its house JSON (the dict ``Controller.reset(scene=house)`` takes). Names are checked here,
before Unity starts, so a typo is a clear error instead of a Unity start-up followed by
"Scene not contained in build".
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

ITHOR_RANGES = {
    "kitchen": (1, 30),
    "living room": (201, 230),
    "bedroom": (301, 330),
    "bathroom": (401, 430),
}
ROBOTHOR_STAGES = {"Train": 12, "Val": 3}
ROBOTHOR_OBJECT_CONFIGS = 5

SCENE_SETS = {
    "ithor": ("kitchen", "living room", "bedroom", "bathroom"),
    "ithor-kitchens": ("kitchen",),
    "ithor-living-rooms": ("living room",),
    "ithor-bedrooms": ("bedroom",),
    "ithor-bathrooms": ("bathroom",),
}
ROBOTHOR_SETS = {
    "robothor": ("Train", "Val"),
    "robothor-train": ("Train",),
    "robothor-val": ("Val",),
}


def ithor_scenes(room_types: tuple[str, ...] = tuple(ITHOR_RANGES)) -> list[str]:
    return [
        f"FloorPlan{n}"
        for kind in room_types
        for n in range(ITHOR_RANGES[kind][0], ITHOR_RANGES[kind][1] + 1)
    ]


def robothor_scenes(stages: tuple[str, ...] = tuple(ROBOTHOR_STAGES)) -> list[str]:
    return [
        f"FloorPlan_{stage}{wall}_{objects}"
        for stage in stages
        for wall in range(1, ROBOTHOR_STAGES[stage] + 1)
        for objects in range(1, ROBOTHOR_OBJECT_CONFIGS + 1)
    ]


def is_house_file(scene: str) -> bool:
    return scene.endswith(".json")


def is_robothor(scene: str) -> bool:
    return scene in set(robothor_scenes())


def ithor_room_type(scene: str) -> str | None:
    """Room type of an iTHOR FloorPlan from its number (``FloorPlan10_physics`` → kitchen)."""
    match = re.fullmatch(r"FloorPlan(\d+)(_physics)?", scene)
    if match:
        n = int(match.group(1))
        for kind, (lo, hi) in ITHOR_RANGES.items():
            if lo <= n <= hi:
                return kind
    return None


def check_scene(scene: str) -> str:
    """``scene`` if AI2-THOR has it (or it names an existing house JSON), else ``ValueError``."""
    if is_house_file(scene):
        load_house(scene)
        return scene
    if ithor_room_type(scene) is not None or is_robothor(scene):
        return scene
    known = ithor_scenes() + robothor_scenes() + sorted(SCENE_SETS) + sorted(ROBOTHOR_SETS)
    close = difflib.get_close_matches(scene, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ValueError(
        f"unknown AI2-THOR scene {scene!r}{hint} Use FloorPlan1-30/201-230/301-330/401-430 "
        "(iTHOR), FloorPlan_Train1-12_1-5 / FloorPlan_Val1-3_1-5 (RoboTHOR), a scene set "
        f"({', '.join(sorted(SCENE_SETS) + sorted(ROBOTHOR_SETS))}) or a ProcTHOR house .json"
    )


def expand_scenes(entries: list[str]) -> list[str]:
    """Scene names from names, scene-set names and house paths, each checked."""
    out: list[str] = []
    for entry in entries:
        if entry in SCENE_SETS:
            out += ithor_scenes(SCENE_SETS[entry])
        elif entry in ROBOTHOR_SETS:
            out += robothor_scenes(ROBOTHOR_SETS[entry])
        else:
            out.append(check_scene(entry))
    return out


def load_house(path: str | Path) -> dict[str, Any]:
    """A ProcTHOR house JSON, checked for the keys the adapter reads (rooms, agent metadata)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(f"ProcTHOR house file {str(path)!r} does not exist")
    try:
        house = json.loads(file.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"ProcTHOR house file {str(path)!r} is not valid JSON: {exc}") from exc
    rooms = house.get("rooms") if isinstance(house, dict) else None
    if not isinstance(rooms, list) or not rooms:
        raise ValueError(
            f"{path}: a ProcTHOR house needs a non-empty 'rooms' list (id, roomType, floorPolygon)"
        )
    for k, room in enumerate(rooms):
        missing = [key for key in ("id", "roomType", "floorPolygon") if key not in room]
        if missing:
            raise ValueError(f"{path}: rooms[{k}] lacks {missing}")
    return house

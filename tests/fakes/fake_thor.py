"""A strict stand-in for ``ai2thor.controller.Controller`` (ai2thor 5.0.0) for tests and docs.

Name it with ``env.ai2thor.controller=fake_thor:FakeController`` (with this folder on the
Python path). It has the real constructor's parameters, validates every action name and
argument against the allow-list of :mod:`thor_actions` (derived from AI2-THOR's Unity C#) and
raises ``ValueError`` where the real controller does, keeps scene state in
:class:`thor_world.ThorWorld` and answers with real ``ai2thor.server.Event`` objects whose
frames are decoded by AI2-THOR's own code. Scenes: FloorPlan10 (the recorded metadata in
``../shared/fixtures/ai2thor``) and ProcTHOR house dicts (objects as 0.3 m boxes).
"""

from __future__ import annotations

import copy
import json
import zlib
from pathlib import Path
from typing import Any

from thor_actions import INITIALIZE_FIELDS, ThorActionError, dispatch
from thor_render import decode, encode, render_boxes
from thor_world import AGENT_Y, ThorWorld

FIXTURE = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "fixtures"
    / "ai2thor"
    / "instance_segmentation_metadata.json"
)
SCENES_IN_BUILD = ("FloorPlan10_physics",)
HOUSE_RECEPTACLES = {
    "CounterTop",
    "DiningTable",
    "Table",
    "Sofa",
    "Bed",
    "Shelf",
    "Desk",
    "Dresser",
}


def _recorded_metadata() -> dict:
    if not FIXTURE.exists():
        raise FileNotFoundError(f"the fake AI2-THOR build needs {FIXTURE} (../shared/fixtures)")
    return json.loads(FIXTURE.read_text())


def _colour(name: str) -> list[int]:
    h = zlib.crc32(name.encode())
    return [h & 255, (h >> 8) & 255, (h >> 16) & 255]


def house_metadata(house: dict) -> dict:
    """Event metadata for a ProcTHOR house: its rooms' floor, its objects as 0.3 m boxes."""
    md = _recorded_metadata()
    pts = [(p["x"], p["z"]) for room in house["rooms"] for p in room["floorPolygon"]]
    lo = [min(p[0] for p in pts), min(p[1] for p in pts)]
    hi = [max(p[0] for p in pts), max(p[1] for p in pts)]
    centre = {"x": (lo[0] + hi[0]) / 2, "y": 1.5, "z": (lo[1] + hi[1]) / 2}
    size = {"x": hi[0] - lo[0], "y": 3.0, "z": hi[1] - lo[1]}
    floor = copy.deepcopy(next(o for o in md["objects"] if o["objectType"] == "Floor"))
    floor["axisAlignedBoundingBox"] = {
        "center": {"x": centre["x"], "y": -0.05, "z": centre["z"]},
        "size": {"x": size["x"], "y": 0.1, "z": size["z"]},
    }
    template = next(o for o in md["objects"] if o["pickupable"])
    objects = [floor]
    for item in house.get("objects", []):
        kind = str(item["assetId"]).split("_")[0]
        rec = copy.deepcopy(template)
        rec.update(
            objectId=item["id"],
            name=item["assetId"],
            objectType=kind,
            position=dict(item["position"]),
            pickupable=kind not in HOUSE_RECEPTACLES,
            receptacle=kind in HOUSE_RECEPTACLES,
            openable=False,
            isOpen=False,
            parentReceptacles=None,
            receptacleObjectIds=[],
        )
        rec["axisAlignedBoundingBox"] = {
            "center": dict(item["position"]),
            "size": {"x": 0.3, "y": 0.3, "z": 0.3},
        }
        objects.append(rec)
    agent = house["metadata"]["agent"]
    md.update(
        sceneName="Procedural",
        objects=objects,
        colors=[{"name": o["objectId"], "color": _colour(o["objectId"])} for o in objects]
        + [{"name": "Wall", "color": [200, 200, 200]}],
        sceneBounds={"center": centre, "size": size},
        agent={
            **md["agent"],
            "position": dict(agent["position"]),
            "rotation": dict(agent["rotation"]),
        },
    )
    return md


class FakeController:
    """``ai2thor.controller.Controller`` without Unity; see the module docstring."""

    def __init__(
        self,
        quality: str = "Very Low",
        fullscreen: bool = False,
        headless: bool = False,
        port: int = 0,
        start_unity: bool = True,
        local_executable_path: str | None = None,
        local_build: bool = False,
        commit_id: str | None = None,
        branch: str | None = None,
        width: int = 300,
        height: int = 300,
        x_display: str | None = None,
        host: str = "127.0.0.1",
        scene: str | dict | None = None,
        image_dir: str = ".",
        save_image_per_frame: bool = False,
        depth_format: Any = None,
        add_depth_noise: bool = False,
        download_only: bool = False,
        include_private_scenes: bool = False,
        server_class: Any = None,
        gpu_device: int | None = None,
        platform: Any = None,
        server_timeout: float | None = 100.0,
        server_start_timeout: float = 300.0,
        **unity_initialization_parameters: Any,
    ) -> None:
        from ai2thor._quality_settings import QUALITY_SETTINGS

        if quality not in QUALITY_SETTINGS:
            raise ValueError(f"Quality {quality} is invalid")
        if gpu_device is not None and (not isinstance(gpu_device, int) or gpu_device < 0):
            raise ValueError(f"Invalid gpu_device: '{gpu_device}'. gpu_device must be >= 0")
        if platform is not None and not isinstance(platform, type):
            raise ValueError(f"platform must be an ai2thor.platform class, got {platform!r}")
        self.width, self.height = int(width), int(height)
        self.initialization_parameters: dict[str, Any] = {}
        self.actions: list[dict[str, Any]] = []
        self.stopped = 0
        self.world: ThorWorld | None = None
        self.last_event: Any = None
        self.reset(
            scene if scene is not None else SCENES_IN_BUILD[0], **unity_initialization_parameters
        )

    @property
    def scenes_in_build(self) -> set[str]:
        return set(SCENES_IN_BUILD)

    def _check_init(self, params: dict[str, Any]) -> None:
        for key, value in params.items():
            kind = INITIALIZE_FIELDS.get(key)
            if kind is None:
                raise ValueError(
                    f"unknown initialization parameter {key!r} (real Unity would silently ignore "
                    f"it); known: {sorted(INITIALIZE_FIELDS)}"
                )
            ok = isinstance(value, kind) if kind is not float else isinstance(value, int | float)
            if not ok or (kind is not bool and isinstance(value, bool)):
                raise ValueError(
                    f"initialization parameter {key}={value!r} must be {kind.__name__}"
                )
        mode = params.get("agentMode", "default")
        if str(mode).lower() not in ("default", "locobot"):
            raise ValueError(f"the fake supports agentMode default and locobot, got {mode!r}")

    def reset(self, scene: str | dict | None = None, **init_params: Any):
        self.width = int(init_params.pop("width", self.width))
        self.height = int(init_params.pop("height", self.height))
        self._check_init(init_params)
        self.initialization_parameters.update(init_params)
        if isinstance(scene, dict):
            md = house_metadata(scene)
        else:
            name = scene if str(scene).endswith("_physics") else f"{scene}_physics"
            if name not in SCENES_IN_BUILD:
                raise ValueError(
                    f"\nScene '{name}' not contained in build (scene names are case sensitive)."
                    f"\nPlease choose one of the following scene names:\n\n{', '.join(SCENES_IN_BUILD)}"
                )
            md = _recorded_metadata()
        params = self.initialization_parameters
        md["fov"] = float(params.get("fieldOfView", md["fov"]))
        self.mode = str(params.get("agentMode", "default")).lower()
        self.grid_size = float(params.get("gridSize", 0.25))
        self.rotate_step = float(params.get("rotateStepDegrees", 90.0))
        self.world = ThorWorld(
            md,
            agent_mode=self.mode,
            visibility_distance=float(params.get("visibilityDistance", 1.5)),
        )
        self.last_event = self._event("Initialize", "", None)
        return self.last_event

    def step(self, action: str | dict | None = None, **action_args: Any):
        act = copy.deepcopy(action) if isinstance(action, dict) else {"action": action}
        raise_for_failure = action_args.pop("raise_for_failure", False)
        act.update(copy.deepcopy(action_args))
        rotation = act.get("rotation")
        if rotation is not None and not isinstance(rotation, dict):
            act["rotation"] = {"y": rotation}  # ai2thor/controller.py does this conversion too
        self.actions.append(copy.deepcopy(act))
        name = act.pop("action")
        signature = dispatch(self.mode, name, act)
        error, ret = self._apply(name, act, signature is None)
        self.last_event = self._event(name, error, ret)
        if error and raise_for_failure:
            raise RuntimeError(error)
        return self.last_event

    def _apply(self, name: str, a: dict[str, Any], server_action: bool) -> tuple[str, Any]:
        w = self.world
        assert w is not None
        force = bool(a.get("forceAction", False))
        if name in ("MoveAhead", "MoveBack"):
            mag = a.get("moveMagnitude") or self.grid_size
            return w.move(mag if name == "MoveAhead" else -mag), None
        if name in ("RotateLeft", "RotateRight"):
            deg = a.get("degrees") or self.rotate_step
            return w.rotate(-deg if name == "RotateLeft" else deg), None
        if name in ("LookUp", "LookDown"):
            if server_action and a.get("degrees", 0) != 0:
                return "Must have degrees == 0 for now.", None
            deg = a.get("degrees", 30.0) or 30.0
            return w.look(-deg if name == "LookUp" else deg), None
        if name == "TeleportFull":
            pos = a["position"] if "position" in a else {k: a[k] for k in "xyz"}
            return w.teleport(pos, a["rotation"], a["horizon"], force), None
        if name == "PickupObject":
            return w.pickup(a["objectId"], force), None
        if name == "PutObject":
            return w.put(a["objectId"], force), None
        if name in ("OpenObject", "CloseObject"):
            is_open = name == "OpenObject" and a.get("openness", 1.0) > 0
            return w.set_open(a["objectId"], is_open, force), None
        if name == "GetReachablePositions":
            return "", w.reachable(a.get("gridSize") or self.grid_size)
        if name == "InitialRandomSpawn":
            return w.random_spawn(int(a.get("randomSeed", 0))), None
        if name == "GetScenesInBuild":
            return "", list(SCENES_IN_BUILD)
        if name in ("Pass", "Stop"):
            return "", None
        raise ThorActionError(f"Invalid action: {name}")

    def _event(self, action: str, error: str, action_return: Any):
        assert self.world is not None
        screen = {"screenWidth": self.width, "screenHeight": self.height}
        md = self.world.metadata(action, error, action_return, screen)
        seg, depth = render_boxes(md, self.world.boxes(), self.world.room_box())
        near = float(self.initialization_parameters.get("cameraNearPlane", 0.1))
        far = float(self.initialization_parameters.get("cameraFarPlane", 20.0))
        return decode(md, encode(seg, depth, near, far), near, far)

    def stop(self) -> None:
        self.stopped += 1


__all__ = ["AGENT_Y", "FakeController", "house_metadata"]

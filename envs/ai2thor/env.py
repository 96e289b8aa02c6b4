"""AI2-THOR environment adapter: an ``ai2thor.controller.Controller`` behind :class:`envs.base.Env`.

The controller class is imported only when the env is built (``config.controller``, by default
ai2thor's own); a missing ``ai2thor`` raises :class:`envs.extras.MissingExtraError`. Every event
is converted at the boundary by :mod:`envs.ai2thor.conversions`.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import numpy as np

from envs.actions import Action, ActionResult, Close, Open, Pick, Place, Teleport, check_action
from envs.ai2thor.config import DEFAULT_CONTROLLER, AI2ThorConfig
from envs.ai2thor.conversions import (
    InstanceIdTable,
    action_to_thor,
    day_clock,
    ground_truth_from_metadata,
    observation_from_event,
    result_from_metadata,
    rooms_from_house,
    rooms_from_metadata,
)
from envs.ai2thor.frames import agent_pose
from envs.ai2thor.navigability import grid_from_reachable_positions
from envs.ai2thor.scenes import is_house_file, is_robothor, load_house
from envs.base import Env
from envs.extras import require_extra
from envs.ground_truth import GroundTruth, RoomRecord
from envs.navigability import OccupancyGrid
from envs.types import Observation

logger = logging.getLogger(__name__)

SETUP_HINT = (
    "AI2-THOR downloads its Unity build (~500 MB) on first use and CloudRendering needs "
    "Vulkan (apt-get install libvulkan1) and a GPU driver; run `embodied-mem doctor`, see "
    "docs/simulators.md"
)
CHANGES_FLOOR = (Pick, Place, Open, Close)
"""Actions after which the reachable positions can change (a door swings, a box moves)."""


def agent_mode_for(config: AI2ThorConfig, scene: str) -> str:
    """``locobot`` for RoboTHOR scenes when ``agent_mode`` is ``auto``, else the configured one."""
    if config.agent_mode != "auto":
        return config.agent_mode
    return "locobot" if is_robothor(scene.removesuffix("_physics")) else "default"


def scene_argument(scene: str) -> str | dict[str, Any]:
    """What ``Controller(scene=...)`` takes: a scene name, or a ProcTHOR house dict."""
    return load_house(scene) if is_house_file(scene) else scene


def controller_kwargs(config: AI2ThorConfig, platform: Any) -> dict[str, Any]:
    mode = agent_mode_for(config, config.scene)
    kwargs: dict[str, Any] = dict(
        agentMode=mode,
        scene=scene_argument(config.scene),
        width=config.width,
        height=config.height,
        fieldOfView=config.fov,
        gridSize=config.grid_size,
        rotateStepDegrees=config.rotate_step_degrees,
        visibilityDistance=config.visibility_distance,
        # Off so that oracle Teleports to arbitrary floor points succeed.
        snapToGrid=False,
        renderDepthImage=True,
        renderInstanceSegmentation=True,
        quality=config.quality,
        server_timeout=config.server_timeout,
    )
    if platform is not None:
        kwargs["platform"] = platform
    if mode == "locobot":
        kwargs["applyActionNoise"] = False  # deterministic: same seed, same episode
    if config.local_executable_path:
        kwargs["local_executable_path"] = config.local_executable_path
    if config.gpu_device is not None:
        kwargs["gpu_device"] = config.gpu_device
    return kwargs


def controller_class(config: AI2ThorConfig) -> Any:
    """The controller class ``config.controller`` names (ai2thor's own by default)."""
    module_name, _, attr = config.controller.partition(":")
    if config.controller == DEFAULT_CONTROLLER:
        return getattr(require_extra(module_name, "ai2thor"), attr)
    return getattr(importlib.import_module(module_name), attr)


def _platform(config: AI2ThorConfig) -> Any:
    try:
        return getattr(importlib.import_module("ai2thor.platform"), config.platform)
    except ImportError:
        return None  # a stand-in controller without the ai2thor package


class AI2ThorEnv(Env):
    """An AI2-THOR scene (iTHOR, RoboTHOR or a ProcTHOR house) as a project environment.

    Args:
        config: scene, image size, FOV, grid size and rotation steps; defaults if None.
        controller: an already started controller to wrap instead of starting one (it must
            render depth and instance segmentation). The env stops it on ``close``.

    Raises:
        MissingExtraError: ``ai2thor`` is not installed.
        RuntimeError: the Unity build could not be started (message says why and what to do).
    """

    def __init__(self, config: AI2ThorConfig | None = None, controller: Any = None) -> None:
        self.config = config or AI2ThorConfig()
        self.scene = self.config.scene
        self._closed = True  # until the controller exists, close() has nothing to stop
        self._controller = controller if controller is not None else self._start_controller()
        self._closed = False
        self._event: Any = self._controller.last_event
        self.clock = day_clock(self.config)
        self._ids = InstanceIdTable()
        self._step = 0
        self._nav: OccupancyGrid | None = None
        self._rooms: dict[str, RoomRecord] = {}
        self._start_event()

    @property
    def agent_mode(self) -> str:
        return agent_mode_for(self.config, self.scene)

    def _start_controller(self) -> Any:
        cls = controller_class(self.config)
        try:
            return cls(**controller_kwargs(self.config, _platform(self.config)))
        except Exception as exc:  # noqa: BLE001 - Unity start-up fails in many ways; name them all
            raise RuntimeError(
                f"could not start AI2-THOR ({self.config.platform}, scene "
                f"{self.config.scene!r}): {exc}. {SETUP_HINT}"
            ) from exc

    def _start_event(self) -> None:
        md = self._event.metadata
        self._ids = InstanceIdTable()
        self._ids.register_all([o["objectId"] for o in md["objects"]])
        self._step = 0
        self._nav = None
        self._rooms = (
            rooms_from_house(load_house(self.scene))
            if is_house_file(self.scene)
            else rooms_from_metadata(md)
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Reload the scene. Options: ``scene`` (another scene of the same agent mode),
        ``randomize_objects`` (bool, InitialRandomSpawn with ``seed``), ``random_start`` (bool,
        a seeded reachable start), ``day`` and ``time`` (where the clock starts)."""
        self._check_open()
        options = dict(options or {})
        scene = options.pop("scene", self.scene)
        randomize = bool(options.pop("randomize_objects", False))
        random_start = bool(options.pop("random_start", False))
        day, time = int(options.pop("day", 0)), options.pop("time", None)
        if options:
            raise ValueError(
                f"unknown reset options {sorted(options)}; known: scene, "
                "randomize_objects, random_start, day, time"
            )
        if agent_mode_for(self.config, scene) != self.agent_mode:
            raise ValueError(
                f"scene {scene!r} needs another agent mode than {self.scene!r}; build a new env"
            )
        self.clock.reset(day, time)
        self._controller.reset(scene=scene_argument(scene))
        self.scene = scene
        self._event = self._controller.last_event
        rng = np.random.default_rng(seed)
        if randomize:
            self._event = self._controller.step(
                action="InitialRandomSpawn",
                randomSeed=int(rng.integers(2**31 - 1)),
                forceVisible=False,
                numPlacementAttempts=5,
            )
        self._start_event()
        if random_start:
            xy = self.navigability.sample_navigable(rng)
            yaw = float(rng.integers(4)) * np.pi / 2
            self._event = self._controller.step(
                **action_to_thor(
                    Teleport(float(xy[0]), float(xy[1]), yaw),
                    self.config,
                    self._agent_y(),
                    self.agent_mode,
                )
            )
        return self.observe(), {"scene": scene, "seed": seed, "agent_mode": self.agent_mode}

    def _agent_y(self) -> float:
        return float(self._event.metadata["agent"]["position"]["y"])

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(
                "this AI2ThorEnv is closed; build a new one with make_env('ai2thor')"
            )

    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        check_action(action)
        self._check_open()
        try:
            kwargs = action_to_thor(action, self.config, self._agent_y(), self.agent_mode)
        except ValueError as exc:  # what this agent cannot do at all (the LoCoBot)
            kwargs = None
            result = ActionResult.fail(str(exc))
            info: dict[str, Any] = {"result": result, "thor_action": None}
        if kwargs is not None:
            self._event = self._controller.step(**kwargs)
            result = result_from_metadata(self._event.metadata)
            info = {"result": result, "thor_action": kwargs["action"]}
            if result.success and isinstance(action, CHANGES_FLOOR):
                self._nav = None  # doors and moved objects change where the agent can stand
        self._step += 1
        self.clock.tick()
        if not result.success:
            logger.debug("%s", result.reason)
        return self.observe(), 0.0, False, False, info

    def observe(self) -> Observation:
        self._check_open()
        pose = agent_pose(self._event.metadata)
        return observation_from_event(
            self._event,
            self._ids,
            self.clock.now(),
            self._step,
            room_id=self._rooms_gt().room_at(*pose.position),
        )

    def set_clock(self, day: int, time: str) -> None:
        """Jump the day clock to ``day`` at ``time`` (``"HH:MM"``)."""
        self.clock.set(day, time)

    def _rooms_gt(self) -> GroundTruth:
        return GroundTruth(objects={}, rooms=self._rooms)

    def ground_truth(self) -> GroundTruth:
        return ground_truth_from_metadata(self._event.metadata, self._rooms)

    @property
    def navigability(self) -> OccupancyGrid:
        if self._nav is None:
            event = self._controller.step(action="GetReachablePositions")
            if not event.metadata["lastActionSuccess"]:
                raise RuntimeError(
                    f"GetReachablePositions failed: {event.metadata['errorMessage']}"
                )
            self._nav = grid_from_reachable_positions(
                event.metadata["actionReturn"], self.config.grid_size
            )
        return self._nav

    def close(self) -> None:
        if not getattr(self, "_closed", True):
            self._closed = True
            self._controller.stop()

"""AI2-THOR environment adapter: ``ai2thor.controller.Controller`` behind :class:`envs.base.Env`.

``ai2thor`` is imported only when the env is built; its absence raises
:class:`envs.extras.MissingExtraError`. Every event is converted at the boundary by
:mod:`envs.ai2thor.conversions`.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from envs.actions import Action, check_action
from envs.ai2thor.config import AI2ThorConfig
from envs.ai2thor.conversions import (
    InstanceIdTable,
    action_to_thor,
    day_clock,
    ground_truth_from_metadata,
    observation_from_event,
    result_from_metadata,
    rooms_from_metadata,
)
from envs.ai2thor.navigability import grid_from_reachable_positions
from envs.base import Env
from envs.extras import require_extra
from envs.ground_truth import GroundTruth
from envs.navigability import OccupancyGrid
from envs.types import Observation

logger = logging.getLogger(__name__)

SETUP_HINT = (
    "AI2-THOR downloads its Unity build (~1 GB) on first use and CloudRendering needs "
    "Vulkan (apt-get install libvulkan1) and a GPU driver; see docs/simulators.md"
)


def _controller_kwargs(config: AI2ThorConfig, platform: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(
        agentMode="default",
        scene=config.scene,
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
        platform=platform,
    )
    if config.local_executable_path:
        kwargs["local_executable_path"] = config.local_executable_path
    if config.gpu_device is not None:
        kwargs["gpu_device"] = config.gpu_device
    return kwargs


class AI2ThorEnv(Env):
    """An iTHOR FloorPlan as a project environment.

    Args:
        config: scene, image size, FOV, grid size and rotation steps; defaults if None.
        controller: an already started ``ai2thor.controller.Controller`` to wrap instead of
            starting one (e.g. one shared with other code); it must render depth and
            instance segmentation. The env stops it on ``close``.

    Raises:
        MissingExtraError: ``ai2thor`` is not installed.
        RuntimeError: the Unity build could not be started (message says why and what to do).
    """

    def __init__(self, config: AI2ThorConfig | None = None, controller: Any = None) -> None:
        self.config = config or AI2ThorConfig()
        self._closed = True  # until the controller exists, close() has nothing to stop
        self._controller = controller if controller is not None else self._start_controller()
        self._closed = False
        self._event: Any = self._controller.last_event
        self._ids = InstanceIdTable()
        self._step = 0
        self.clock = day_clock(self.config)
        self._nav: OccupancyGrid | None = None
        self._start_event()

    def _start_controller(self) -> Any:
        controller_mod = require_extra("ai2thor.controller", "ai2thor")
        platform_mod = require_extra("ai2thor.platform", "ai2thor")
        platform = getattr(platform_mod, self.config.platform)
        try:
            return controller_mod.Controller(**_controller_kwargs(self.config, platform))
        except Exception as exc:  # noqa: BLE001 - Unity start-up fails in many ways; name them all
            raise RuntimeError(
                f"could not start AI2-THOR ({self.config.platform}, scene "
                f"{self.config.scene!r}): {exc}. {SETUP_HINT}"
            ) from exc

    def _start_event(self) -> None:
        self._ids = InstanceIdTable()
        self._ids.register_all([o["objectId"] for o in self._event.metadata["objects"]])
        self._step = 0
        self._nav = None
        self._room_id = next(iter(rooms_from_metadata(self._event.metadata)))

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Reload the scene. Options: ``scene`` (another FloorPlan), ``randomize_objects`` (bool,
        InitialRandomSpawn with ``seed``), ``random_start`` (bool, a seeded reachable start),
        ``day`` and ``time`` (where the clock starts)."""
        self._check_open()
        options = dict(options or {})
        scene = options.pop("scene", self.config.scene)
        randomize = bool(options.pop("randomize_objects", False))
        random_start = bool(options.pop("random_start", False))
        day, time = int(options.pop("day", 0)), options.pop("time", None)
        if options:
            raise ValueError(
                f"unknown reset options {sorted(options)}; known: scene, "
                "randomize_objects, random_start, day, time"
            )
        self.clock.reset(day, time)
        self._controller.reset(scene=scene)
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
            yaw_deg = float(rng.integers(4)) * 90.0
            self._event = self._controller.step(
                action="TeleportFull",
                position={"x": float(xy[0]), "y": self._agent_y(), "z": float(xy[1])},
                rotation={"x": 0.0, "y": yaw_deg, "z": 0.0},
                horizon=0.0,
                standing=True,
            )
        return self.observe(), {"scene": scene, "seed": seed}

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
        kwargs = action_to_thor(action, self.config, self._agent_y())
        self._event = self._controller.step(**kwargs)
        self._step += 1
        self.clock.tick()
        result = result_from_metadata(self._event.metadata)
        if not result.success:
            logger.debug("%s", result.reason)
        return (
            self.observe(),
            0.0,
            False,
            False,
            {"result": result, "thor_action": kwargs["action"]},
        )

    def observe(self) -> Observation:
        self._check_open()
        return observation_from_event(
            self._event,
            self._ids,
            self.clock.now(),
            self._step,
            room_id=self._room_id,
        )

    def set_clock(self, day: int, time: str) -> None:
        """Jump the day clock to ``day`` at ``time`` (``"HH:MM"``)."""
        self.clock.set(day, time)

    def ground_truth(self) -> GroundTruth:
        return ground_truth_from_metadata(self._event.metadata)

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

"""The built-in MuJoCo household simulator behind the :class:`envs.base.Env` interface."""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from envs.actions import (
    Action,
    ActionResult,
    Close,
    LookDown,
    LookUp,
    MoveForward,
    Open,
    Pick,
    Place,
    Stop,
    Teleport,
    TurnLeft,
    TurnRight,
    check_action,
)
from envs.base import Env
from envs.builtin import interact
from envs.builtin.clock import DayClock
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.gt import build_ground_truth
from envs.builtin.house import House, rasterize_free
from envs.builtin.mjcf import CAMERA_NAME
from envs.builtin.procgen import generate_house
from envs.builtin.render import SceneRenderer
from envs.builtin.viewpoints import candidate_viewpoints, look_pitch
from envs.builtin.world import HouseWorld
from envs.ground_truth import GroundTruth
from envs.navigability import OccupancyGrid
from envs.types import PENDING_DEPTH, AgentPose, CameraIntrinsics, Observation

__all__ = ["BuiltinEnvConfig", "BuiltinHouseEnv"]

logger = logging.getLogger(__name__)


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


class BuiltinHouseEnv(Env):
    """Procedural MuJoCo houses: RGB-D + instance masks, kinematic agent, magic pick/place.

    ``reset(seed=s)`` builds house ``s`` (same seed → same house, same frames); ``seed=None``
    resets the current house (seed 0 on the first reset). Options:
    ``{"day": int, "time": "HH:MM"}`` sets the clock, ``{"agent": (x, y, yaw[, pitch])}`` the start
    pose (must be navigable). See ``envs/builtin/README.md``.
    """

    def __init__(self, config: BuiltinEnvConfig | None = None) -> None:
        if config is not None and not isinstance(config, BuiltinEnvConfig):
            raise TypeError(
                f"config must be a BuiltinEnvConfig or None, got {type(config).__name__}"
            )
        self.config = config or BuiltinEnvConfig()
        cfg = self.config
        self.intrinsics = CameraIntrinsics.from_fov(cfg.width, cfg.height, vfov_deg=cfg.vfov_deg)
        self.clock = DayClock(cfg.steps_per_day, cfg.day_start, cfg.day_end)
        self._renderer: SceneRenderer | None = None
        self._deferred: list[weakref.ref[Observation]] = []
        """Frames whose colour or depth pass has not run yet (``rgb_on_demand``,
        ``depth_on_demand``)."""
        self._deferred_kept = 64
        self._world: HouseWorld | None = None
        self._house: House | None = None
        self._grid: OccupancyGrid | None = None
        self._seed: int | None = None
        self._closed = False
        self.agent = AgentPose((0.0, 0.0, 0.0), 0.0, 0.0)
        self.frame_index = 0
        self._last: Observation | None = None

    # ------------------------------------------------------------------ lifecycle
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        if self._closed:
            raise RuntimeError("env is closed; create a new BuiltinHouseEnv")
        options = dict(options or {})
        unknown = set(options) - {"day", "time", "agent"}
        if unknown:
            raise ValueError(
                f"unknown reset options {sorted(unknown)}; valid: 'day', 'time', 'agent'"
            )
        self._render_deferred_passes()  # before this world goes
        seed = self._seed if seed is None else seed
        seed = 0 if seed is None else seed
        if self._house is None or seed != self._seed:
            self._house = generate_house(seed, self.config)
            free, origin = rasterize_free(self._house, self.config.grid_resolution)
            self._grid = OccupancyGrid(
                free, origin, self.config.grid_resolution, self.config.agent_radius
            )
            self._seed = seed
        self._world = HouseWorld(self._house, self.config)
        if self._renderer is None:
            self._renderer = SceneRenderer(self.config.width, self.config.height, CAMERA_NAME)
        self._renderer.bind(self._world.model, self._world.data, self._world.geom_instance)
        self.clock.reset(int(options.get("day", 0)), options.get("time"))
        self.agent = self._start_pose(seed, options.get("agent"))
        self.frame_index = 0
        obs = self.observe()
        return obs, {"seed": seed, "house": self.describe(), "result": ActionResult.ok()}

    def _start_pose(self, seed: int, agent: Any) -> AgentPose:
        grid = self.navigability
        if agent is None:
            rng = np.random.default_rng([seed, 7])
            xy = grid.sample_navigable(rng)
            yaw = float(rng.integers(12)) * math.pi / 6
            return AgentPose((float(xy[0]), float(xy[1]), 0.0), _wrap(yaw), 0.0)
        if not (isinstance(agent, (tuple, list)) and len(agent) in (3, 4)):
            raise ValueError(
                f"options['agent'] must be (x, y, yaw) or (x, y, yaw, pitch), got {agent!r}"
            )
        x, y, yaw, *rest = (float(v) for v in agent)
        if not grid.is_navigable(np.array([x, y])):
            snapped = grid.snap(np.array([x, y]))
            raise ValueError(
                f"options['agent'] position ({x:.2f}, {y:.2f}) is not navigable; "
                f"nearest navigable point is ({snapped[0]:.2f}, {snapped[1]:.2f})"
            )
        pitch = rest[0] if rest else 0.0
        self._check_pitch(pitch)
        return AgentPose((x, y, 0.0), _wrap(yaw), pitch)

    def _check_pitch(self, pitch: float) -> None:
        if abs(pitch) > math.radians(self.config.max_pitch_deg) + 1e-9:
            raise ValueError(
                f"pitch {pitch:.3f} rad exceeds max_pitch_deg={self.config.max_pitch_deg}"
            )

    def close(self) -> None:
        if self._closed:
            return
        self._render_deferred_passes()
        self._closed = True
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # ------------------------------------------------------------------ stepping
    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        check_action(action)
        world = self._require_world()
        result = self._apply(action, world)
        self.clock.tick()
        self.frame_index += 1
        obs = self.observe()
        info = {"result": result, "action": type(action).__name__}
        return obs, 0.0, isinstance(action, Stop), False, info

    def _apply(self, action: Action, world: HouseWorld) -> ActionResult:
        xy = self.agent.xy
        if isinstance(action, MoveForward):
            return self._move(action.distance)
        if isinstance(action, (TurnLeft, TurnRight)):
            deg = self._amount(action.degrees, self.config.turn_degrees, "degrees")
            sign = 1.0 if isinstance(action, TurnLeft) else -1.0
            self._set_agent(yaw=_wrap(self.agent.yaw + sign * math.radians(deg)))
            return ActionResult.ok()
        if isinstance(action, (LookUp, LookDown)):
            return self._look(action)
        if isinstance(action, Teleport):
            return self._teleport(action)
        if isinstance(action, Pick):
            ids = self._last.instance_ids if self._last is not None else None
            return interact.pick(world, action.object_id, xy, ids)
        if isinstance(action, Place):
            return interact.place(world, action.receptacle_id, xy)
        if isinstance(action, (Open, Close)):
            return interact.set_open(world, action.target_id, xy, isinstance(action, Open))
        return ActionResult.ok()  # Stop

    @staticmethod
    def _amount(value: float | None, default: float, what: str) -> float:
        if value is None:
            return default
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(
                f"action {what} must be a positive finite number or None, got {value!r}"
            )
        return float(value)

    def _set_agent(
        self, *, xy: np.ndarray | None = None, yaw: float | None = None, pitch: float | None = None
    ) -> None:
        a = self.agent
        pos = a.position if xy is None else (float(xy[0]), float(xy[1]), 0.0)
        self.agent = AgentPose(
            pos, a.yaw if yaw is None else yaw, a.pitch if pitch is None else pitch
        )

    def _move(self, distance: float | None) -> ActionResult:
        d = self._amount(distance, self.config.forward_step, "distance")
        start = self.agent.xy
        target = start + d * self.agent.heading()
        if not self.navigability.is_free_segment(start, target):
            return ActionResult.fail(
                f"move_forward blocked: a wall or furniture is within the agent radius "
                f"({self.config.agent_radius:.2f} m) of the next {d:.2f} m; turn or take a shorter step"
            )
        self._set_agent(xy=target)
        return ActionResult.ok()

    def _look(self, action: LookUp | LookDown) -> ActionResult:
        deg = self._amount(action.degrees, self.config.look_degrees, "degrees")
        limit = math.radians(self.config.max_pitch_deg)
        sign = 1.0 if isinstance(action, LookUp) else -1.0
        if abs(self.agent.pitch - sign * limit) < 1e-9:
            word = "up" if sign > 0 else "down"
            return ActionResult.fail(
                f"camera already at its {word} limit ({self.config.max_pitch_deg:.0f} deg)"
            )
        self._set_agent(
            pitch=float(np.clip(self.agent.pitch + sign * math.radians(deg), -limit, limit))
        )
        return ActionResult.ok()

    def _teleport(self, action: Teleport) -> ActionResult:
        values = (action.x, action.y, action.yaw, action.pitch)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ValueError(f"Teleport needs finite numbers, got {action!r}")
        if abs(action.pitch) > math.radians(self.config.max_pitch_deg) + 1e-9:
            return ActionResult.fail(
                f"teleport pitch {action.pitch:.2f} rad exceeds ±{self.config.max_pitch_deg:.0f} deg"
            )
        xy = np.array([action.x, action.y], dtype=float)
        if not self.navigability.is_navigable(xy):
            s = self.navigability.snap(xy)
            return ActionResult.fail(
                f"teleport target ({action.x:.2f}, {action.y:.2f}) is not navigable (wall, furniture or outside); "
                f"nearest navigable point is ({s[0]:.2f}, {s[1]:.2f})"
            )
        self.agent = AgentPose(
            (float(xy[0]), float(xy[1]), 0.0), _wrap(action.yaw), float(action.pitch)
        )
        return ActionResult.ok()

    # ------------------------------------------------------------------ observing
    def observe(self) -> Observation:
        world = self._require_world()
        assert self._renderer is not None
        cam_to_world = world.set_camera(self.agent)
        world.sync()
        defer = self.config.render_rgb and self.config.rgb_on_demand
        # With colour asked for every frame, the whole frame is (one pass renders both).
        later = self.config.depth_on_demand and (defer or not self.config.render_rgb)
        rgb, depth, ids, names = None, None, None, {}
        if not later:
            rgb, depth, ids = self._renderer.render(rgb=self.config.render_rgb and not defer)
            names = self._names_in(world, ids)
        assert self._house is not None
        room = self._house.room_at(*self.agent.position[:2])
        obs = Observation(
            depth=depth if depth is not None else PENDING_DEPTH,
            intrinsics=self.intrinsics,
            cam_to_world=cam_to_world,
            agent=self.agent,
            time=self.clock.now(),
            rgb=rgb,
            instance_ids=ids,
            instance_names=names,
            held_object=world.held,
            frame_index=self.frame_index,
            room_id=room.id if room else None,
        )
        if later:
            obs.defer_depth(self._depth_pass_of_now(world))
        if defer:
            obs.defer_rgb(self._colour_pass_of_now(world))
        if defer or later:
            self._deferred.append(weakref.ref(obs))
            if len(self._deferred) > 2 * self._deferred_kept:
                self._deferred = [r for r in self._deferred if _pass_pending(r)]
                self._deferred_kept = max(64, len(self._deferred))
        self._last = obs
        return obs

    def _render_deferred_passes(self) -> None:
        """Render the passes of every frame still held somewhere whose passes were deferred:
        its world is about to go (reset, close), and it must keep its pixels."""
        for ref in self._deferred:
            obs = ref()
            if obs is not None:
                _ = obs.depth, obs.rgb
        self._deferred, self._deferred_kept = [], 64

    @staticmethod
    def _names_in(world: HouseWorld, ids: np.ndarray) -> dict[int, str]:
        present = np.flatnonzero(np.bincount(ids.ravel(), minlength=1))
        return {int(i): world.name_of[int(i)] for i in present if i > 0}

    def _colour_pass_of_now(self, world: HouseWorld) -> Callable[[], np.ndarray]:
        """The colour pass of the frame just observed, to run later (see :meth:`_later`)."""
        renderer = self._renderer
        assert renderer is not None
        return self._later(world, "RGB", "obs.rgb", "rgb_on_demand", lambda: renderer.render_rgb())

    def _depth_pass_of_now(
        self, world: HouseWorld
    ) -> Callable[[], tuple[np.ndarray, np.ndarray, dict[int, str]]]:
        """The depth-and-masks pass of the frame just observed, to run later (:meth:`_later`)."""
        renderer = self._renderer
        assert renderer is not None

        def render() -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
            _, depth, ids = renderer.render(rgb=False)
            return depth, ids, self._names_in(world, ids)

        return self._later(world, "depth", "obs.depth", "depth_on_demand", render)

    def _later(
        self, world: HouseWorld, what: str, field: str, option: str, render: Callable[[], Any]
    ) -> Callable[[], Any]:
        """``render`` of the frame just observed, to run later: what actions change in a frame
        (objects, doors, the camera) lives in the mocap poses, so they are kept now and put
        back, and the current ones restored, around the pass (unless nothing moved since:
        most deferred passes are read before the next action, or never)."""
        renderer = self._renderer
        kept = (world.data.mocap_pos.copy(), world.data.mocap_quat.copy())
        frame = self.frame_index

        def later() -> Any:
            if self._world is not world or self._renderer is not renderer:
                raise RuntimeError(
                    f"the {what} of frame {frame} was first read after its env was reset or "
                    f"closed; read {field} before reset()/close(), or set env {option}=false"
                )
            data = world.data
            if np.array_equal(data.mocap_pos, kept[0]) and np.array_equal(data.mocap_quat, kept[1]):
                return render()
            now = (data.mocap_pos.copy(), data.mocap_quat.copy())
            data.mocap_pos[:], data.mocap_quat[:] = kept
            world.sync()
            try:
                return render()
            finally:
                data.mocap_pos[:], data.mocap_quat[:] = now
                world.sync()

        return later

    def ground_truth(self) -> GroundTruth:
        world = self._require_world()
        x, y, _ = self.agent.position
        return build_ground_truth(world, (x, y, self.config.camera_height - 0.4))

    @property
    def navigability(self) -> OccupancyGrid:
        if self._grid is None:
            raise RuntimeError("call reset() before using the env")
        return self._grid

    def _require_world(self) -> HouseWorld:
        if self._closed:
            raise RuntimeError("env is closed; create a new BuiltinHouseEnv")
        if self._world is None:
            raise RuntimeError("call reset() before step()/observe()")
        return self._world

    # ------------------------------------------------------------------ helpers for oracles / eval
    @property
    def house(self) -> House:
        """The house as it is now (objects move as the agent rearranges them)."""
        return self._require_world().house

    def get_state(self) -> dict[str, Any]:
        """A snapshot of the world, agent, clock and frame counter (for evaluating several
        agents from the same state); restore it with :meth:`set_state`."""
        return {
            "seed": self._seed,
            "world": self._require_world().snapshot(),
            "agent": self.agent,
            "clock": self.clock.state(),
            "frame_index": self.frame_index,
        }

    def set_state(self, state: dict[str, Any]) -> Observation:
        """Restore a :meth:`get_state` snapshot of the current house; returns the observation there."""
        missing = {"seed", "world", "agent", "clock", "frame_index"} - set(state)
        if missing:
            raise ValueError(
                f"not a get_state() snapshot: missing {sorted(missing)}; pass what get_state() returned"
            )
        if state["seed"] != self._seed:
            raise ValueError(
                f"state is of house seed {state['seed']}, the env holds seed {self._seed}; "
                f"reset(seed={state['seed']}) first"
            )
        self._require_world().restore(state["world"])
        self.agent = state["agent"]
        self.clock.restore(state["clock"])
        self.frame_index = state["frame_index"]
        return self.observe()

    def set_clock(self, day: int, time: str) -> None:
        """Jump the day clock to ``day`` at ``time`` (``"HH:MM"``)."""
        self.clock.set(day, time)

    def visible_fraction(self, object_id: str, obs: Observation) -> float:
        """Fraction of the image covered by ``object_id``'s instance mask in ``obs``."""
        world = self._require_world()
        if object_id not in world.instance_of:
            raise KeyError(f"unknown object or receptacle id {object_id!r}")
        if obs.instance_ids is None:
            raise ValueError("obs has no instance_ids; visible_fraction needs the instance mask")
        return (
            float(np.count_nonzero(obs.instance_ids == world.instance_of[object_id]))
            / obs.instance_ids.size
        )

    def viewpoints_for(
        self,
        object_id: str,
        max_count: int = 24,
        *,
        visible_only: bool = False,
        min_pixels: int | None = None,
        candidates: int | None = None,
        opened: bool = False,
    ) -> list[tuple[float, float, float]]:
        """Navigable (x, y, yaw) poses within reach of ``object_id``, facing it, best first.

        With ``visible_only`` each candidate (the ``candidates`` best ones, default
        ``4 * max_count``) is rendered (depth and masks, at the pitch of :meth:`look_pitch`)
        and kept only if at least ``min_pixels`` (default ``min_visible_pixels``) of the thing
        show; with ``opened`` it is rendered as if the closed container it is in stood open
        (as it does for a pick). The env's state, clock and frame index are left untouched. A
        held object has none.
        """
        need = self.config.min_visible_pixels if min_pixels is None else min_pixels
        world = self._require_world()
        if object_id not in world.instance_of:
            raise KeyError(f"unknown object or receptacle id {object_id!r}")
        if world.held == object_id:  # it is in the agent's hand, not anywhere to walk to
            return []
        if not visible_only:
            return candidate_viewpoints(world, self.navigability, object_id, max_count)
        assert self._renderer is not None
        inst = world.instance_of[object_id]
        kept = []
        container = world.container_of(object_id) if object_id in world.objects else None
        reopen = opened and container is not None and not world.is_open[container.id]
        snapshot = world.snapshot() if reopen else None
        try:
            if reopen:
                world.set_open(container.id, True)
            pool = 4 * max_count if candidates is None else candidates
            for x, y, yaw in candidate_viewpoints(world, self.navigability, object_id, pool):
                pitch = look_pitch(world, object_id, np.array([x, y]))
                world.set_camera(AgentPose((x, y, 0.0), yaw, pitch))
                world.sync()
                _, _, ids = self._renderer.render(rgb=False)
                if int(np.count_nonzero(ids == inst)) >= need:
                    kept.append((x, y, yaw))
                    if len(kept) >= max_count:
                        break
        finally:
            if snapshot is not None:
                world.restore(snapshot)
            world.set_camera(self.agent)
            world.sync()
        return kept

    def look_pitch(self, object_id: str, xy: tuple[float, float] | np.ndarray) -> float:
        """Camera pitch (radians, a multiple of ``look_degrees``) that brings ``object_id`` into view from ``xy``."""
        return look_pitch(self._require_world(), object_id, np.asarray(xy, dtype=float))

    def has_room(self, object_id: str, receptacle_id: str) -> bool:
        """ORACLE: whether :class:`~envs.actions.Place` of ``object_id`` on ``receptacle_id``
        would find a free spot large enough now (the same test the place makes)."""
        world = self._require_world()
        if object_id not in world.objects or receptacle_id not in world.receptacles:
            raise KeyError(
                f"has_room needs an object and a receptacle id, got {object_id!r} and "
                f"{receptacle_id!r}"
            )
        return interact.free_spot(world, object_id, receptacle_id) is not None

    def describe(self) -> dict[str, Any]:
        assert self._house is not None
        return {
            "seed": self._seed,
            "rooms": len(self._house.rooms),
            "receptacles": len(self._house.receptacles),
            "objects": len(self._house.objects),
            "render_backend": self._renderer.backend if self._renderer else None,
        }


def _pass_pending(ref: weakref.ref[Observation]) -> bool:
    obs = ref()
    return obs is not None and (
        not obs.depth_rendered or (obs.has_rgb and obs.rgb_if_rendered is None)
    )

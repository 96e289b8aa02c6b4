"""A small ray-cast box world implementing :class:`envs.base.Env`, for policy unit tests.

Walls, furniture and objects are axis-aligned boxes; depth and instance ids are rendered by
exact ray-box intersection (slab method) at a low resolution, the floor is the plane z = 0.
Navigability is the real :class:`envs.navigability.OccupancyGrid` built from the box
footprints. ``hidden`` boxes are solid and rendered but absent from the map, so moves into
them are blocked — that is how re-planning is tested. Action rules mirror the built-in env:
interactions need the target within ``reach`` on the floor and visible in the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from envs.actions import (
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
)
from envs.base import Env
from envs.ground_truth import GroundTruth, ObjectRecord, RoomRecord
from envs.navigability import OccupancyGrid
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime


@dataclass
class Box:
    id: str
    category: str
    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    pickupable: bool = False
    receptacle: bool = False
    openable: bool = False
    is_open: bool = False
    parent: str | None = None
    hidden: bool = False  # solid, rendered, but not on the navigability map
    full: bool = False  # a receptacle with no free spot left (places are refused)


@dataclass
class BoxWorld:
    boxes: list[Box]
    rooms: dict[str, RoomRecord]
    extent: tuple[float, float] = (8.0, 6.0)
    resolution: float = 0.05
    agent_radius: float = 0.2
    camera_height: float = 1.5
    intrinsics: CameraIntrinsics = field(
        default_factory=lambda: CameraIntrinsics.from_fov(80, 60, vfov_deg=60.0)
    )


def camera_pose(x: float, y: float, yaw: float, pitch: float, height: float) -> np.ndarray:
    """Optical-frame (x right, y down, z forward) to world transform."""
    fwd = np.array(
        [math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)]
    )
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    down = np.cross(fwd, right)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, down, fwd, (x, y, height)
    return m


class BoxWorldEnv(Env):
    def __init__(
        self,
        world: BoxWorld,
        start: tuple[float, float, float] = (1.0, 1.0, 0.0),
        reach: float = 1.5,
        max_pitch_deg: float = 60.0,
        min_pixels: int = 1,
    ) -> None:
        """``min_pixels``: pixels of the target a pick/place/open needs in the frame (the
        built-in env asks 10 of a pick)."""
        self.world = world
        self.min_pixels = min_pixels
        self.start = start
        self.reach = reach
        self.max_pitch = math.radians(max_pitch_deg)
        self.boxes = {b.id: replace(b) for b in world.boxes}
        w, h = world.extent
        res = world.resolution
        free = np.ones((int(round(h / res)), int(round(w / res))), dtype=bool)
        for b in world.boxes:
            if b.hidden or b.pickupable:
                continue
            c0, r0 = int(math.floor(b.lo[0] / res)), int(math.floor(b.lo[1] / res))
            c1, r1 = int(math.ceil(b.hi[0] / res)), int(math.ceil(b.hi[1] / res))
            free[max(r0, 0) : r1, max(c0, 0) : c1] = False
        free[0, :] = free[-1, :] = free[:, 0] = free[:, -1] = False
        self._nav = OccupancyGrid(free, (0.0, 0.0), res, world.agent_radius)
        self.pose = AgentPose((start[0], start[1], 0.0), start[2], 0.0)
        self.held: str | None = None
        self.frames = 0

    # -------------------------------------------------------------- Env API
    @property
    def navigability(self) -> OccupancyGrid:
        return self._nav

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self.pose = AgentPose((self.start[0], self.start[1], 0.0), self.start[2], 0.0)
        return self.observe(), {}

    def ground_truth(self) -> GroundTruth:
        objs = {}
        for b in self.boxes.values():
            lo, hi = np.asarray(b.lo), np.asarray(b.hi)
            objs[b.id] = ObjectRecord(
                b.id,
                b.category,
                None,
                tuple((lo + hi) / 2),
                b.lo,
                b.hi,
                b.parent,
                b.pickupable,
                b.receptacle,
                b.openable,
                b.is_open,
                b.id == self.held,
            )
        return GroundTruth(objs, self.world.rooms)

    def step(self, action):
        result = self._apply(action)
        self.frames += 1
        return self.observe(), 0.0, False, False, {"result": result}

    def observe(self) -> Observation:
        k = self.world.intrinsics
        c2w = camera_pose(
            *self.pose.position[:2], self.pose.yaw, self.pose.pitch, self.world.camera_height
        )
        depth, ids = self._render(c2w)
        names = {i + 1: b.id for i, b in enumerate(self.boxes.values())}
        room = GroundTruth({}, self.world.rooms).room_at(*self.pose.position[:2])
        return Observation(
            depth=depth,
            intrinsics=k,
            cam_to_world=c2w,
            agent=self.pose,
            time=SimTime(float(self.frames), 0, "06:00"),
            instance_ids=ids,
            instance_names=names,
            held_object=self.held,
            frame_index=self.frames,
            room_id=room,
        )

    # -------------------------------------------------------------- rendering
    def _render(self, c2w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.world.intrinsics
        v, u = np.mgrid[0 : k.height, 0 : k.width]
        rays_cam = np.stack(
            [(u - k.cx) / k.fx, (v - k.cy) / k.fy, np.ones_like(u, float)], -1
        ).reshape(-1, 3)
        dirs = rays_cam @ c2w[:3, :3].T
        origin = c2w[:3, 3]
        best_id = np.zeros(len(dirs), dtype=np.int32)
        safe = np.where(np.abs(dirs) < 1e-12, 1e-12, dirs)  # slab method without 0/0
        inv = 1.0 / safe
        best_t = np.where(dirs[:, 2] < 0, -origin[2] * inv[:, 2], np.inf)
        for i, b in enumerate(self.boxes.values()):
            if b.id == self.held:
                continue
            t0 = (np.asarray(b.lo) - origin) * inv
            t1 = (np.asarray(b.hi) - origin) * inv
            tmin = np.minimum(t0, t1).max(axis=1)
            tmax = np.maximum(t0, t1).min(axis=1)
            hit = (tmax >= tmin) & (tmin > 0) & (tmin < best_t)
            best_t[hit] = tmin[hit]
            best_id[hit] = i + 1
        depth = np.where(np.isfinite(best_t), best_t * rays_cam[:, 2], 0.0).astype(np.float32)
        return depth.reshape(k.height, k.width), best_id.reshape(k.height, k.width)

    # -------------------------------------------------------------- actions
    def _apply(self, a) -> ActionResult:
        p = self.pose
        if isinstance(a, MoveForward):
            d = 0.25 if a.distance is None else a.distance
            new = p.xy + d * p.heading()
            if not self._nav.is_free_segment(p.xy, new) or self._hits_hidden(new):
                return ActionResult.fail("collision: the way ahead is blocked")
            self.pose = replace(p, position=(float(new[0]), float(new[1]), 0.0))
        elif isinstance(a, TurnLeft | TurnRight):
            deg = 30.0 if a.degrees is None else a.degrees
            sign = 1 if isinstance(a, TurnLeft) else -1
            self.pose = replace(
                p,
                yaw=math.atan2(
                    math.sin(p.yaw + sign * math.radians(deg)),
                    math.cos(p.yaw + sign * math.radians(deg)),
                ),
            )
        elif isinstance(a, LookUp | LookDown):
            deg = 30.0 if a.degrees is None else a.degrees
            new_pitch = p.pitch + (1 if isinstance(a, LookUp) else -1) * math.radians(deg)
            if abs(new_pitch) > self.max_pitch + 1e-9:
                return ActionResult.fail("camera pitch limit reached")
            self.pose = replace(p, pitch=new_pitch)
        elif isinstance(a, Teleport):
            self.pose = AgentPose((a.x, a.y, 0.0), a.yaw, a.pitch)
        elif isinstance(a, Pick | Place | Open | Close):
            return self._interact(a)
        elif isinstance(a, Stop):
            pass
        return ActionResult.ok()

    def _hits_hidden(self, xy: np.ndarray) -> bool:
        r = self.world.agent_radius
        return any(
            b.hidden and b.lo[0] - r < xy[0] < b.hi[0] + r and b.lo[1] - r < xy[1] < b.hi[1] + r
            for b in self.boxes.values()
        )

    def _interact(self, a) -> ActionResult:
        target_id = (
            getattr(a, "object_id", None) or getattr(a, "receptacle_id", None) or a.target_id
        )
        b = self.boxes.get(target_id)
        if b is None:
            return ActionResult.fail(f"no object {target_id!r} in the scene")
        centre = (np.asarray(b.lo) + np.asarray(b.hi)) / 2
        if (
            np.linalg.norm(centre[:2] - self.pose.xy)
            > self.reach + max(b.hi[0] - b.lo[0], b.hi[1] - b.lo[1]) / 2
        ):
            return ActionResult.fail(f"{target_id} is out of reach; move closer")
        obs = self.observe()
        index = list(self.boxes).index(target_id) + 1
        pixels = int(np.count_nonzero(obs.instance_ids == index))
        if pixels < self.min_pixels:
            return ActionResult.fail(
                f"{target_id} is not visible ({pixels} px < {self.min_pixels}); look at it first"
            )
        if isinstance(a, Pick):
            if not b.pickupable:
                return ActionResult.fail(f"{target_id} cannot be picked up")
            if self.held is not None:
                return ActionResult.fail(f"already holding {self.held}")
            self.held, b.parent = target_id, None
        elif isinstance(a, Place):
            if self.held is None:
                return ActionResult.fail("not holding anything")
            if not b.receptacle:
                return ActionResult.fail(f"{target_id} is not a receptacle")
            if b.openable and not b.is_open:
                return ActionResult.fail(f"{target_id} is closed; open it first")
            held = self.boxes[self.held]
            if b.full:  # the built-in env's words (envs/builtin/interact.py)
                where = "inside" if b.openable else "on"
                return ActionResult.fail(
                    f"no free spot {where} {target_id} is large enough for {held.id}; "
                    "try another receptacle"
                )
            size = np.asarray(held.hi) - np.asarray(held.lo)
            base = np.array([centre[0] - size[0] / 2, centre[1] - size[1] / 2, b.hi[2]])
            held.lo, held.hi = tuple(base), tuple(base + size)
            held.parent, self.held = target_id, None
        else:
            if not b.openable:
                return ActionResult.fail(f"{target_id} cannot be opened or closed")
            if b.is_open == isinstance(a, Open):  # as the built-in env: no-op opens are refused
                state = "open" if b.is_open else "closed"
                return ActionResult.fail(f"{target_id} is already {state}")
            b.is_open = isinstance(a, Open)
        return ActionResult.ok()


def two_room_world() -> BoxWorld:
    """An 8 x 6 m flat: a wall at x = 4 with a door at y in [2.5, 3.5], a table with a mug and
    a closed fridge in the right room, a sofa in the left room."""
    boxes = [
        Box("wall_s", "Wall", (-0.1, -0.1, 0.0), (8.1, 0.0, 2.5)),
        Box("wall_n", "Wall", (-0.1, 6.0, 0.0), (8.1, 6.1, 2.5)),
        Box("wall_w", "Wall", (-0.1, 0.0, 0.0), (0.0, 6.0, 2.5)),
        Box("wall_e", "Wall", (8.0, 0.0, 0.0), (8.1, 6.0, 2.5)),
        Box("wall_a", "Wall", (3.9, 0.0, 0.0), (4.1, 2.5, 2.5)),
        Box("wall_b", "Wall", (3.9, 3.5, 0.0), (4.1, 6.0, 2.5)),
        Box("table", "DiningTable", (6.0, 1.0, 0.0), (7.0, 2.0, 0.75), receptacle=True),
        Box("mug", "Mug", (6.45, 1.45, 0.75), (6.55, 1.55, 0.87), pickupable=True, parent="table"),
        Box("fridge", "Fridge", (7.2, 4.5, 0.0), (7.9, 5.5, 1.8), receptacle=True, openable=True),
        Box("sofa", "Sofa", (0.5, 4.5, 0.0), (2.5, 5.5, 0.8), receptacle=True),
        Box("apple", "Apple", (1.45, 4.95, 0.8), (1.55, 5.05, 0.9), pickupable=True, parent="sofa"),
    ]
    rooms = {
        "living": RoomRecord(
            "living", "living_room", "living room", [(0, 0), (4, 0), (4, 6), (0, 6)]
        ),
        "kitchen": RoomRecord("kitchen", "kitchen", "kitchen", [(4, 0), (8, 0), (8, 6), (4, 6)]),
    }
    return BoxWorld(boxes, rooms)


def count_steps(env: Any) -> dict[str, int]:
    """Count the actions sent to ``env`` from now on (``counter["n"]``): "fast" in tests means
    little simulator work, which a step count measures on any machine, unlike a stopwatch."""
    counter = {"n": 0}
    real_step = env.step

    def counted(action: Any) -> Any:
        counter["n"] += 1
        return real_step(action)

    env.step = counted
    return counter

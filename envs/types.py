"""Typed observations shared by every adapter.

Frames (see DESIGN.md): world is right-handed, z up, metres. The camera optical frame is
x right, y down, z forward; ``Observation.cam_to_world`` maps optical-frame points to world.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from envs.timeutil import format_hhmm, parse_hhmm
from envs.validation import FrameError, check_observation, check_rigid_transform

__all__ = [
    "AgentPose",
    "CameraIntrinsics",
    "FrameError",
    "Observation",
    "PENDING_DEPTH",
    "SimTime",
    "check_rigid_transform",
    "format_hhmm",
    "optical_rotation",
    "parse_hhmm",
]


def optical_rotation(yaw: float, pitch: float) -> np.ndarray:
    """(3, 3) camera-to-world rotation of the optical frame (x right, y down, z forward).

    ``yaw`` is radians counter-clockwise from world +x, ``pitch`` radians, positive up (as in
    :class:`AgentPose`); the camera has no roll.
    """
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    # Columns: right = (sin y, -cos y, 0), down = forward x right, forward = (cos y cos p, sin y cos p, sin p).
    return np.array(
        [
            [sy, sp * cy, cy * cp],
            [-cy, sp * sy, sy * cp],
            [0.0, -cp, sp],
        ]
    )


@dataclass(frozen=True)
class CameraIntrinsics:
    """Pinhole intrinsics in pixels for an image of ``width`` x ``height``."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    def __post_init__(self) -> None:
        if not (self.fx > 0 and self.fy > 0):
            raise ValueError(f"focal lengths must be positive, got fx={self.fx}, fy={self.fy}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")

    @classmethod
    def from_fov(
        cls,
        width: int,
        height: int,
        *,
        vfov_deg: float | None = None,
        hfov_deg: float | None = None,
    ) -> CameraIntrinsics:
        """Square-pixel intrinsics from one field of view (vertical or horizontal), in degrees."""
        if (vfov_deg is None) == (hfov_deg is None):
            raise ValueError("give exactly one of vfov_deg or hfov_deg")
        if vfov_deg is not None:
            f = (height / 2.0) / math.tan(math.radians(vfov_deg) / 2.0)
        else:
            assert hfov_deg is not None
            f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(
            fx=f, fy=f, cx=(width - 1) / 2.0, cy=(height - 1) / 2.0, width=width, height=height
        )

    def matrix(self) -> np.ndarray:
        """The 3x3 camera matrix K."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class AgentPose:
    """Agent base pose on the floor: position (x, y, z) in metres, yaw about +z, camera pitch.

    ``yaw`` is radians counter-clockwise from +x; ``pitch`` is radians, positive looks up.
    """

    position: tuple[float, float, float]
    yaw: float
    pitch: float = 0.0

    @property
    def xy(self) -> np.ndarray:
        return np.array(self.position[:2], dtype=float)

    def heading(self) -> np.ndarray:
        """Unit vector (2,) of the direction the agent faces on the floor plane."""
        return np.array([math.cos(self.yaw), math.sin(self.yaw)])


@dataclass(frozen=True)
class SimTime:
    """Simulation time: seconds since episode start, day index and wall clock ``HH:MM``."""

    seconds: float
    day: int
    time_of_day: str

    def __post_init__(self) -> None:
        parse_hhmm(self.time_of_day, "time_of_day")

    @property
    def minutes_of_day(self) -> int:
        return parse_hhmm(self.time_of_day, "time_of_day")

    @classmethod
    def after_start(cls, seconds: float, day_start: str, day: int = 0) -> SimTime:
        """The time ``seconds`` after ``day_start`` (``"HH:MM"``) on ``day``; the wall clock
        wraps at midnight without changing ``day`` (adapters without a day window)."""
        minutes = parse_hhmm(day_start, "day_start") + math.floor(seconds / 60.0)
        return cls(seconds=seconds, day=day, time_of_day=format_hhmm(minutes))


class _DeferredImage:
    """``Observation.rgb``: the stored image, or, for a frame whose colour pass was deferred
    (:meth:`Observation.defer_rgb`), the image rendered the first time anyone reads it.

    Most frames are only ever read as depth and masks; an adapter whose colour pass costs as
    much as the rest of the frame (the built-in house's software GL) renders it on demand.
    """

    def __get__(self, obs: Observation | None, owner: type | None = None) -> Any:
        if obs is None:
            return None  # the dataclass field's default
        d = obs.__dict__
        if d.get("_rgb") is None and d.get("_rgb_source") is not None:
            source, d["_rgb_source"] = d["_rgb_source"], None
            d["_rgb"] = source()
        return d.get("_rgb")

    def __set__(self, obs: Observation, value: np.ndarray | None) -> None:
        obs.__dict__["_rgb"] = value
        obs.__dict__["_rgb_source"] = None


@dataclass
class Observation:
    """One RGB-D frame with everything perception needs.

    Attributes:
        rgb: (H, W, 3) uint8, or None in depth-and-masks-only mode. An adapter may defer the
            colour pass (:meth:`defer_rgb`): reading ``rgb`` renders it then; ask
            :attr:`has_rgb` to know whether a frame has colour without rendering it.
        depth: (H, W) float32 metres; 0 or non-finite means "no reading".
        instance_ids: (H, W) int32 instance ids (0 = background) or None. The id → object-id
            map is in ``instance_names``; only oracle perception may read either.
        intrinsics: pinhole intrinsics of the frame.
        cam_to_world: (4, 4) float64 rigid transform, optical frame → world.
        agent: the agent's base pose.
        time: simulation time of the frame.
        held_object: id of the object the agent holds, or None.
        frame_index: running index of the frame in the episode (FindingDory answers frames).
        room_id: id of the room the agent stands in, from the env's room annotations.
    """

    depth: np.ndarray
    intrinsics: CameraIntrinsics
    cam_to_world: np.ndarray
    agent: AgentPose
    time: SimTime
    rgb: np.ndarray | None = _DeferredImage()  # type: ignore[assignment]
    instance_ids: np.ndarray | None = None
    instance_names: dict[int, str] = field(default_factory=dict)
    held_object: str | None = None
    frame_index: int = 0
    room_id: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (and deep-copied) with its passes rendered: a deferred pass is bound to the
        adapter that made the frame and cannot travel with it."""
        _ = self.depth, self.rgb
        return dict(self.__dict__)

    def __getattr__(self, name: str) -> Any:
        # Only called when ``name`` is not in the instance dict: a field of a deferred depth
        # pass (:meth:`defer_depth`) is rendered now, with the others of its pass.
        if name in _DEPTH_PASS:
            source = self.__dict__.pop("_depth_source", None)
            if source is not None:
                depth, ids, names = source()
                self.__dict__.update(depth=depth, instance_ids=ids, instance_names=names)
                return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def defer_depth(
        self, render: Callable[[], tuple[np.ndarray, np.ndarray | None, dict[int, str]]]
    ) -> None:
        """Leave ``depth``, ``instance_ids`` and ``instance_names`` unrendered until one of
        them is first read; ``render()`` must then return this frame's three, whatever the
        adapter did since. A walk's frames that reach no memory are read for the pose alone."""
        for name in _DEPTH_PASS:
            self.__dict__.pop(name, None)
        self.__dict__["_depth_source"] = render

    @property
    def depth_rendered(self) -> bool:
        """Whether the depth pass exists already (reading ``depth`` would render it)."""
        return "_depth_source" not in self.__dict__

    def defer_rgb(self, render: Callable[[], np.ndarray]) -> None:
        """Leave ``rgb`` unrendered until first read; ``render()`` must then return this
        frame's (H, W, 3) uint8 image, whatever the adapter did since."""
        self.__dict__["_rgb"] = None
        self.__dict__["_rgb_source"] = render

    def replace(self, **changes: Any) -> Observation:
        """``dataclasses.replace`` that keeps deferred passes deferred (the copy renders
        through this frame, once, when either is read)."""
        deferred = "rgb" not in changes and self.__dict__.get("_rgb_source") is not None
        if deferred:
            changes["rgb"] = None
        later = not self.depth_rendered and not changes.keys() & set(_DEPTH_PASS)
        if later:
            changes.update(depth=PENDING_DEPTH, instance_ids=None, instance_names={})
        out = dataclasses.replace(self, **changes)
        if deferred:
            out.defer_rgb(lambda: self.rgb)
        if later:
            out.defer_depth(lambda: (self.depth, self.instance_ids, self.instance_names))
        return out

    def rgb_later(self) -> Callable[[], np.ndarray | None]:
        """This frame's colour, to read later without holding the frame: the stored image, or
        the deferred pass itself (it renders each time it is called, and is bound to the
        adapter's world as it is: call it before the env resets)."""
        source = self.__dict__.get("_rgb_source")
        if source is not None and self.__dict__.get("_rgb") is None:
            return source
        rgb = self.rgb
        return lambda: rgb

    @property
    def has_rgb(self) -> bool:
        """Whether the frame has colour (stored or deferred), without rendering it."""
        return self.__dict__.get("_rgb") is not None or self.__dict__.get("_rgb_source") is not None

    @property
    def rgb_if_rendered(self) -> np.ndarray | None:
        """``rgb`` if it exists already; None for a frame without colour or not yet rendered."""
        return self.__dict__.get("_rgb")

    def validate(self) -> None:
        """Raise :class:`~envs.validation.FrameError` (a ``ValueError``) naming the first field
        whose shape, dtype or value is wrong (see :func:`envs.validation.check_observation`).

        The result is remembered: a second call on the same, unchanged observation returns at
        once, so every stage may call it and a frame is still checked once. "Unchanged" means
        the same field objects, the same ``cam_to_world`` numbers and array shapes/dtypes (the
        intrinsics, pose and time are frozen), so the only thing a caller can alter unseen is
        the depth/rgb *content*, which is not validated anyway.
        """
        key = (
            self.depth,
            self.rgb_if_rendered,
            self.instance_ids,
            self.intrinsics,
            self.agent,
            self.time,
            self.frame_index,
            self.room_id,
            self.held_object,
            self.cam_to_world,
        )
        memo = self.__dict__.get("_validated")
        if (
            memo is not None
            and all(a is b for a, b in zip(memo[0], key, strict=True))
            and _mutable_part(self) == memo[1]
        ):
            return
        check_observation(self)
        self.__dict__["_validated"] = (key, _mutable_part(self))


_DEPTH_PASS = ("depth", "instance_ids", "instance_names")
"""The fields one deferred depth pass renders (:meth:`Observation.defer_depth`)."""
PENDING_DEPTH = np.zeros((0, 0), dtype=np.float32)
"""The ``depth`` an adapter constructs a frame with when it defers the pass
(:meth:`Observation.defer_depth` drops it before anyone reads it)."""
# The dataclass left ``instance_ids``'s default (None) on the class, where a deferred frame's
# read would find it instead of rendering (``__getattr__`` runs only when lookup fails);
# ``__init__`` keeps its own copy of the default.
del Observation.instance_ids


def _mutable_part(obs: Observation) -> tuple[object, ...]:
    """What in-place changes can alter unseen: the pose numbers and the arrays' layouts."""
    return tuple(
        (a.tobytes() if a is obs.cam_to_world else (a.shape, a.dtype))
        if isinstance(a, np.ndarray)
        else None
        for a in (obs.cam_to_world, obs.depth, obs.rgb_if_rendered, obs.instance_ids)
    )

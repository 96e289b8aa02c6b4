"""Configuration of the built-in MuJoCo household simulator."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from envs.timeutil import DAY_END, DAY_START, parse_hhmm

_POSITIVE = (
    "width",
    "height",
    "vfov_deg",
    "camera_height",
    "forward_step",
    "turn_degrees",
    "look_degrees",
    "reach",
    "grid_resolution",
    "steps_per_day",
    "max_pitch_deg",
)
_INTS = (
    "width",
    "height",
    "steps_per_day",
    "min_rooms",
    "max_rooms",
    "min_objects_per_room",
    "max_objects_per_room",
    "min_visible_pixels",
)


@dataclass
class BuiltinEnvConfig:
    """Every knob of :class:`envs.builtin.env.BuiltinHouseEnv`; validated on construction."""

    width: int = 320
    """Image width in pixels."""
    height: int = 240
    """Image height in pixels."""
    vfov_deg: float = 60.0
    """Vertical field of view of the head camera, degrees."""
    camera_height: float = 1.5
    """Height of the head camera above the floor, metres."""
    render_rgb: bool = True
    """False = depth-and-masks-only mode (``obs.rgb`` is None), faster."""
    rgb_on_demand: bool = True
    """Render a frame's colour pass only when something reads ``obs.rgb`` (the frame's poses
    are kept and put back for it; the pixels are the same). Most frames are only read as depth
    and masks, and the colour pass costs as much as the rest of the frame. False renders it
    with every frame."""
    depth_on_demand: bool = True
    """Render a frame's depth and masks only when something reads ``obs.depth``,
    ``obs.instance_ids`` or ``obs.instance_names`` (as ``rgb_on_demand``; the pixels are the
    same). A walk's frames that reach no memory are read for their pose alone. False (or
    ``rgb_on_demand=False`` with ``render_rgb``) renders them with every frame."""
    forward_step: float = 0.25
    """Default ``MoveForward`` distance, metres."""
    turn_degrees: float = 30.0
    """Default ``TurnLeft``/``TurnRight`` angle, degrees."""
    look_degrees: float = 30.0
    """Default ``LookUp``/``LookDown`` angle, degrees."""
    max_pitch_deg: float = 60.0
    """The camera cannot pitch further up or down than this, degrees."""
    reach: float = 1.5
    """Pick/place/open/close need the target within this floor distance of the agent, metres."""
    min_visible_pixels: int = 10
    """Pick needs at least this many pixels of the object's mask in the current frame."""
    agent_radius: float = 0.2
    """Agent radius for collision against the occupancy grid, metres."""
    grid_resolution: float = 0.05
    """Occupancy-grid cell size, metres."""
    min_rooms: int = 3
    """Fewest rooms in a generated house."""
    max_rooms: int = 8
    """Most rooms in a generated house."""
    min_objects_per_room: int = 2
    """Fewest pickupable objects per room."""
    max_objects_per_room: int = 5
    """Most pickupable objects per room."""
    steps_per_day: int = 1000
    """Steps that span one day's 06:00-22:00."""
    day_start: str = DAY_START
    """Clock time at which a day starts (and where reset puts the clock)."""
    day_end: str = DAY_END
    """Clock time after which the next day begins."""

    def __post_init__(self) -> None:
        for name in _POSITIVE:
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(
                    f"BuiltinEnvConfig.{name} must be a positive number, got {value!r}"
                )
        for name in _INTS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"BuiltinEnvConfig.{name} must be an int, got {value!r}")
        for name, ok, rule in self._range_rules():
            if not ok:
                raise ValueError(
                    f"BuiltinEnvConfig.{name} must satisfy {rule}, got {getattr(self, name)!r}"
                )
        start = parse_hhmm(self.day_start, "BuiltinEnvConfig.day_start")
        end = parse_hhmm(self.day_end, "BuiltinEnvConfig.day_end")
        if end <= start:
            raise ValueError(
                f"BuiltinEnvConfig.day_end ({self.day_end}) must be after day_start ({self.day_start})"
            )

    def _range_rules(self) -> list[tuple[str, bool, str]]:
        """(field, holds, rule) for every bound that is not just "positive"."""
        return [
            ("width", self.width <= 4096, "width <= 4096"),
            ("height", self.height <= 4096, "height <= 4096"),
            ("vfov_deg", self.vfov_deg < 170, "vfov_deg < 170"),
            ("agent_radius", 0 <= self.agent_radius < 1.0, "0 <= agent_radius < 1 metre"),
            ("max_pitch_deg", self.max_pitch_deg < 90, "max_pitch_deg < 90"),
            (
                "min_rooms",
                1 <= self.min_rooms <= self.max_rooms,
                f"1 <= min_rooms <= max_rooms (max_rooms={self.max_rooms})",
            ),
            ("max_rooms", self.max_rooms <= 8, "max_rooms <= 8"),
            (
                "min_objects_per_room",
                0 <= self.min_objects_per_room <= self.max_objects_per_room,
                f"0 <= min_objects_per_room <= max_objects_per_room (={self.max_objects_per_room})",
            ),
            ("max_objects_per_room", self.max_objects_per_room <= 12, "max_objects_per_room <= 12"),
            ("min_visible_pixels", self.min_visible_pixels >= 1, "min_visible_pixels >= 1"),
        ]

    def draw_rooms(self, rng: np.random.Generator) -> int:
        """The number of rooms of a house: the first draw of its seed's generator."""
        return int(rng.integers(self.min_rooms, self.max_rooms + 1))

    def rooms_of(self, seed: int) -> int:
        """Rooms of the house generated for ``seed``, without generating it (the first draw
        of :func:`envs.builtin.procgen.generate_house`; cheap enough to plan a suite by)."""
        return self.draw_rooms(np.random.default_rng(int(seed)))

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

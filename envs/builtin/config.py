"""Configuration of the built-in MuJoCo household simulator."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


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
    day_start: str = "06:00"
    """Clock time at which a day starts (and where reset puts the clock)."""
    day_end: str = "22:00"
    """Clock time after which the next day begins."""

    def __post_init__(self) -> None:
        positive = ("width", "height", "vfov_deg", "camera_height", "forward_step", "turn_degrees",
                    "look_degrees", "reach", "grid_resolution", "steps_per_day", "max_pitch_deg")
        for name in positive:
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"BuiltinEnvConfig.{name} must be a positive number, got {value!r}")
        for name in ("width", "height", "steps_per_day", "min_rooms", "max_rooms",
                     "min_objects_per_room", "max_objects_per_room", "min_visible_pixels"):
            if not isinstance(getattr(self, name), int) or isinstance(getattr(self, name), bool):
                raise ValueError(f"BuiltinEnvConfig.{name} must be an int, got {getattr(self, name)!r}")
        if self.width > 4096 or self.height > 4096:
            raise ValueError(f"BuiltinEnvConfig.width/height must be <= 4096, got {self.width}x{self.height}")
        if not self.vfov_deg < 170:
            raise ValueError(f"BuiltinEnvConfig.vfov_deg must be below 170 degrees, got {self.vfov_deg}")
        if not 0 <= self.agent_radius < 1.0:
            raise ValueError(f"BuiltinEnvConfig.agent_radius must be in [0, 1) metres, got {self.agent_radius}")
        if self.max_pitch_deg >= 90:
            raise ValueError(f"BuiltinEnvConfig.max_pitch_deg must be below 90, got {self.max_pitch_deg}")
        if not 1 <= self.min_rooms <= self.max_rooms <= 8:
            raise ValueError(
                f"BuiltinEnvConfig.min_rooms/max_rooms must satisfy 1 <= min_rooms <= max_rooms <= 8, "
                f"got min_rooms={self.min_rooms}, max_rooms={self.max_rooms}")
        if not 0 <= self.min_objects_per_room <= self.max_objects_per_room <= 12:
            raise ValueError(
                "BuiltinEnvConfig.min_objects_per_room/max_objects_per_room must satisfy "
                f"0 <= min <= max <= 12, got {self.min_objects_per_room}, {self.max_objects_per_room}")
        if self.min_visible_pixels < 1:
            raise ValueError(f"BuiltinEnvConfig.min_visible_pixels must be >= 1, got {self.min_visible_pixels}")
        from envs.builtin.clock import parse_hhmm  # local: clock imports nothing from here

        start, end = parse_hhmm(self.day_start, "day_start"), parse_hhmm(self.day_end, "day_end")
        if end <= start:
            raise ValueError(f"BuiltinEnvConfig.day_end ({self.day_end}) must be after day_start ({self.day_start})")

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

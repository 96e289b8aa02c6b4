"""Configuration of the AI2-THOR adapter (importable without ``ai2thor``)."""

from __future__ import annotations

from dataclasses import dataclass

from envs.types import parse_hhmm

PLATFORMS = ("CloudRendering", "Linux64", "OSXIntel64")


@dataclass
class AI2ThorConfig:
    """How the AI2-THOR controller is started and how actions are discretised."""

    scene: str = "FloorPlan10"
    """iTHOR scene name (FloorPlan1-30 kitchens, 201-230 living rooms, 301-330 bedrooms,
    401-430 bathrooms)."""
    width: int = 600
    """Image width in pixels."""
    height: int = 600
    """Image height in pixels."""
    fov: float = 90.0
    """Unity's *vertical* field of view in degrees."""
    grid_size: float = 0.25
    """MoveAhead step and reachable-position grid spacing, metres."""
    rotate_step_degrees: float = 90.0
    """Default RotateLeft/RotateRight angle, degrees."""
    look_step_degrees: float = 30.0
    """Default LookUp/LookDown angle, degrees."""
    visibility_distance: float = 1.5
    """Max distance (m) at which AI2-THOR lets the agent interact with an object."""
    platform: str = "CloudRendering"
    """Unity build platform; CloudRendering renders headless with Vulkan (no X server)."""
    quality: str = "Very Low"
    """Unity render quality preset (see ai2thor._quality_settings)."""
    local_executable_path: str | None = None
    """Path to a local Unity build instead of the downloaded one."""
    gpu_device: int | None = None
    """GPU index for CloudRendering (None = the first visible one)."""
    server_timeout: float = 100.0
    """Seconds to wait for Unity to answer one action."""
    seconds_per_step: float = 1.0
    """Simulated seconds that one action takes (drives ``SimTime``)."""
    day_start: str = "06:00"
    """Wall-clock time of the first frame (HH:MM)."""

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"width and height must be positive, got {self.width}x{self.height}")
        if not 0.0 < self.fov < 180.0:
            raise ValueError(f"fov must be in (0, 180) degrees, got {self.fov}")
        for name in (
            "grid_size",
            "rotate_step_degrees",
            "look_step_degrees",
            "visibility_distance",
            "server_timeout",
            "seconds_per_step",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {PLATFORMS}, got {self.platform!r}")
        parse_hhmm(self.day_start, "AI2ThorConfig.day_start")
        if not self.scene:
            raise ValueError("scene must name an AI2-THOR scene, e.g. 'FloorPlan10'")

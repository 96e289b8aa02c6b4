"""Configuration of the AI2-THOR adapter (importable without ``ai2thor``)."""

from __future__ import annotations

from dataclasses import dataclass

from envs.ai2thor.scenes import check_scene
from envs.types import parse_hhmm

PLATFORMS = ("CloudRendering", "Linux64", "OSXIntel64")
AGENT_MODES = ("auto", "default", "locobot")
DEFAULT_CONTROLLER = "ai2thor.controller:Controller"


@dataclass
class AI2ThorConfig:
    """How the AI2-THOR controller is started and how actions are discretised."""

    scene: str = "FloorPlan10"
    """iTHOR scene (FloorPlan1-30 kitchens, 201-230 living rooms, 301-330 bedrooms, 401-430
    bathrooms), RoboTHOR scene (FloorPlan_Train1-12_1-5, FloorPlan_Val1-3_1-5) or the path of a
    ProcTHOR house ``.json``."""
    agent_mode: str = "auto"
    """``default`` (iTHOR agent), ``locobot`` (RoboTHOR's robot) or ``auto``: locobot in
    RoboTHOR scenes, default elsewhere."""
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
    """Path to a local Unity build instead of the downloaded one. ai2thor starts local builds
    as Linux64 (X11), so this needs a display; see docs/simulators.md for offline machines."""
    gpu_device: int | None = None
    """GPU index for CloudRendering (None = the first visible one)."""
    server_timeout: float = 100.0
    """Seconds to wait for Unity to answer one action."""
    controller: str = DEFAULT_CONTROLLER
    """``module:attr`` of the controller class; anything with ai2thor's ``Controller``
    interface (the test suite names its strict fake here)."""
    steps_per_day: int = 4800
    """Actions that span one day's ``day_start``-``day_end`` window (drives ``SimTime``)."""
    day_start: str = "06:00"
    """Wall-clock time of the first frame (HH:MM)."""
    day_end: str = "22:00"
    """After this the clock moves to the next morning (HH:MM)."""

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
            "steps_per_day",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {PLATFORMS}, got {self.platform!r}")
        if self.agent_mode not in AGENT_MODES:
            raise ValueError(f"agent_mode must be one of {AGENT_MODES}, got {self.agent_mode!r}")
        if ":" not in self.controller:
            raise ValueError(f"controller must be 'module:attr', got {self.controller!r}")
        start = parse_hhmm(self.day_start, "AI2ThorConfig.day_start")
        if parse_hhmm(self.day_end, "AI2ThorConfig.day_end") <= start:
            raise ValueError(f"day_end {self.day_end} must be after day_start {self.day_start}")
        if not self.scene:
            raise ValueError("scene must name an AI2-THOR scene, e.g. 'FloorPlan10'")
        check_scene(self.scene)

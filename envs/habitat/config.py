"""Configuration of the habitat-sim adapter (importable without habitat-sim)."""

from __future__ import annotations

from dataclasses import dataclass, field

from envs.types import parse_hhmm

CONDA_INSTALL = (
    "in a conda env with Python 3.10-3.12: conda install -c conda-forge -c aihabitat "
    "habitat-sim=0.3.4 withbullet headless"
)
"""habitat-sim's conda builds 0.2.4-0.3.3 are Python 3.9 only (conda-build/matrix_builder.py);
0.3.4 is the first built for 3.10-3.12, which this project needs."""


@dataclass
class HabitatObjectSpec:
    """A rigid object added to the scene for magic-grasp manipulation."""

    template: str = "cubeSolid"
    """Object template handle (or a substring of one), or a path to an ``.object_config.json``;
    habitat-sim ships primitive templates such as ``cubeSolid`` and ``uvSphereSolid``."""
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Initial position in *project world* coordinates (z up), metres."""
    category: str = "object"
    """Category reported in ground truth (AI2-THOR-style type name, e.g. ``Mug``)."""
    name: str = ""
    """Stable object id; empty = ``<category>_<index>``."""
    scale: float = 1.0
    """Uniform scale applied to the template."""

    def __post_init__(self) -> None:
        if not self.template:
            raise ValueError("HabitatObjectSpec.template must name a template or config path")
        if len(self.position) != 3:
            raise ValueError(f"position must be (x, y, z), got {self.position}")
        if self.scale <= 0:
            raise ValueError(f"scale must be positive, got {self.scale}")


@dataclass
class HabitatConfig:
    """Scene, sensors and agent of a habitat-sim environment."""

    scene: str = ""
    """Scene id: a path to a ``.glb``/``.ply`` mesh or a scene name inside ``scene_dataset``."""
    scene_dataset: str = "default"
    """Path to a ``*.scene_dataset_config.json`` (HM3D, MP3D, HSSD, ...) or ``default``."""
    width: int = 640
    """Sensor width in pixels (RGB, depth and semantic share one resolution)."""
    height: int = 480
    """Sensor height in pixels."""
    hfov: float = 90.0
    """Horizontal field of view, degrees."""
    sensor_height: float = 1.5
    """Camera height above the agent base, metres."""
    agent_height: float = 1.5
    """Agent cylinder height for navmesh computation, metres."""
    agent_radius: float = 0.1
    """Agent cylinder radius for navmesh computation, metres."""
    forward_step: float = 0.25
    """Default ``move_forward`` distance, metres."""
    turn_angle: float = 30.0
    """Default ``turn_left``/``turn_right`` angle, degrees."""
    tilt_angle: float = 30.0
    """Default ``look_up``/``look_down`` angle, degrees."""
    semantic_sensor: bool = True
    """Render the semantic (instance id) sensor; needs a scene with semantic annotations."""
    gpu_device_id: int = 0
    """GPU (EGL device) used for rendering."""
    enable_physics: bool = True
    """Bullet physics; needed for rigid objects (magic grasp)."""
    objects: list[HabitatObjectSpec] = field(default_factory=list)
    """Rigid objects to add at reset; these are the pickable objects."""
    grasp_distance: float = 2.0
    """Max distance (m) from the camera to an object's centre for Pick to succeed (the camera
    is ``sensor_height`` above the floor, so floor objects are always >= ~1.5 m away)."""
    recompute_navmesh: bool = False
    """Always recompute the navmesh (it is also recomputed when the scene ships none)."""
    steps_per_day: int = 4800
    """Actions that span one day's ``day_start``-``day_end`` window (drives ``SimTime``)."""
    day_start: str = "06:00"
    """Wall-clock time of the first frame (HH:MM)."""
    day_end: str = "22:00"
    """After this the clock moves to the next morning (HH:MM)."""

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"width and height must be positive, got {self.width}x{self.height}")
        if not 0.0 < self.hfov < 180.0:
            raise ValueError(f"hfov must be in (0, 180) degrees, got {self.hfov}")
        for name in (
            "sensor_height",
            "agent_height",
            "agent_radius",
            "forward_step",
            "turn_angle",
            "tilt_angle",
            "grasp_distance",
            "steps_per_day",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        start = parse_hhmm(self.day_start, "HabitatConfig.day_start")
        if parse_hhmm(self.day_end, "HabitatConfig.day_end") <= start:
            raise ValueError(f"day_end {self.day_end} must be after day_start {self.day_start}")
        self.objects = [
            o if isinstance(o, HabitatObjectSpec) else HabitatObjectSpec(**o) for o in self.objects
        ]

    def require_scene(self) -> str:
        if not self.scene:
            raise ValueError(
                "HabitatConfig.scene is empty: set it to a .glb path or a scene id "
                "of scene_dataset (e.g. env.scene=data/scene_datasets/.../x.glb)"
            )
        return self.scene

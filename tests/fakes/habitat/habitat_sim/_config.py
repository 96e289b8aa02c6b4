"""habitat-sim configuration structs (fake), strict like their pybind11 bindings.

pybind11 objects have no ``__dict__``: setting an attribute the binding does not define raises
``AttributeError``. The attribute lists are those of habitat-sim's bindings (SimBindings.cpp,
SensorBindings.cpp, ShortestPathBindings.cpp) at the imitated version.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np

from habitat_sim._version import NAVMESH_SETTINGS_STATIC


class SensorType(Enum):
    NONE = 0
    COLOR = 1
    DEPTH = 2
    NORMAL = 3
    SEMANTIC = 4


class SensorSubType(Enum):
    NONE = 0
    PINHOLE = 1
    ORTHOGRAPHIC = 2
    FISHEYE = 3
    EQUIRECTANGULAR = 4


class _Struct:
    """Slots-only: an unknown attribute is an AttributeError, as on a pybind11 object."""

    __slots__: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}

    def __init__(self) -> None:
        for name, value in self._defaults.items():
            setattr(self, name, value() if callable(value) else value)


class CameraSensorSpec(_Struct):
    __slots__ = (
        "uuid",
        "sensor_type",
        "sensor_subtype",
        "position",
        "orientation",
        "resolution",
        "channels",
        "noise_model",
        "noise_model_kwargs",
        "gpu2gpu_transfer",
        "hfov",
        "near",
        "far",
        "ortho_scale",
        "clear_color",
    )
    _defaults = {
        "uuid": "",
        "sensor_type": SensorType.COLOR,
        "sensor_subtype": SensorSubType.PINHOLE,
        "position": lambda: np.array([0.0, 1.5, 0.0]),
        "orientation": lambda: np.zeros(3),
        "resolution": lambda: [128, 128],
        "channels": 4,
        "noise_model": "None",
        "noise_model_kwargs": dict,
        "gpu2gpu_transfer": False,
        "hfov": 90.0,
        "near": 0.01,
        "far": 1000.0,
        "ortho_scale": 0.1,
        "clear_color": None,
    }


class SimulatorConfiguration(_Struct):
    __slots__ = (
        "scene_dataset_config_file",
        "scene_id",
        "random_seed",
        "default_agent_id",
        "gpu_device_id",
        "allow_sliding",
        "create_renderer",
        "leave_context_with_background_renderer",
        "frustum_culling",
        "enable_physics",
        "use_semantic_textures",
        "enable_gfx_replay_save",
        "physics_config_file",
        "override_scene_light_defaults",
        "scene_light_setup",
        "load_semantic_mesh",
        "force_separate_semantic_scene_graph",
        "requires_textures",
        "navmesh_settings",
        "enable_hbao",
    )
    _defaults = {
        "scene_dataset_config_file": "default",
        "scene_id": "",
        "random_seed": 0,
        "default_agent_id": 0,
        "gpu_device_id": 0,
        "allow_sliding": True,
        "create_renderer": True,
        "leave_context_with_background_renderer": False,
        "frustum_culling": True,
        "enable_physics": False,
        "use_semantic_textures": True,
        "enable_gfx_replay_save": False,
        "physics_config_file": "data/default.physics_config.json",
        "override_scene_light_defaults": False,
        "scene_light_setup": "",
        "load_semantic_mesh": True,
        "force_separate_semantic_scene_graph": False,
        "requires_textures": True,
        "navmesh_settings": None,
        "enable_hbao": False,
    }


_NAVMESH_FIELDS = (
    "cell_size",
    "cell_height",
    "agent_height",
    "agent_radius",
    "agent_max_climb",
    "agent_max_slope",
    "region_min_size",
    "region_merge_size",
    "edge_max_len",
    "edge_max_error",
    "verts_per_poly",
    "detail_sample_dist",
    "detail_sample_max_error",
    "filter_low_hanging_obstacles",
    "filter_ledge_spans",
    "filter_walkable_low_height_spans",
)


class NavMeshSettings(_Struct):
    __slots__ = _NAVMESH_FIELDS + (("include_static_objects",) if NAVMESH_SETTINGS_STATIC else ())

    def __init__(self) -> None:
        self.set_defaults()

    def set_defaults(self) -> None:
        defaults = dict(
            cell_size=0.05,
            cell_height=0.2,
            agent_height=1.5,
            agent_radius=0.1,
            agent_max_climb=0.2,
            agent_max_slope=45.0,
            region_min_size=20.0,
            region_merge_size=20.0,
            edge_max_len=12.0,
            edge_max_error=1.3,
            verts_per_poly=6.0,
            detail_sample_dist=6.0,
            detail_sample_max_error=1.0,
            filter_low_hanging_obstacles=True,
            filter_ledge_spans=True,
            filter_walkable_low_height_spans=True,
        )
        if NAVMESH_SETTINGS_STATIC:
            defaults["include_static_objects"] = False
        for name, value in defaults.items():
            setattr(self, name, value)


class ShortestPath(_Struct):
    __slots__ = ("requested_start", "requested_end", "points", "geodesic_distance")
    _defaults = {
        "requested_start": lambda: np.zeros(3),
        "requested_end": lambda: np.zeros(3),
        "points": list,
        "geodesic_distance": float("inf"),
    }


class BBox:
    """``habitat_sim.BBox`` before 0.3.3: an Eigen box with ``center`` and ``sizes`` properties."""

    __slots__ = ("_lo", "_hi")

    def __init__(self, lo: Any, hi: Any) -> None:
        self._lo, self._hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)

    @property
    def center(self) -> np.ndarray:
        return (self._lo + self._hi) / 2

    @property
    def sizes(self) -> np.ndarray:
        return self._hi - self._lo


class Configuration:
    """habitat_sim.Configuration(sim_cfg, agents) (an attrs class in src_python)."""

    def __init__(self, sim_cfg: SimulatorConfiguration, agents: list[Any] | None = None) -> None:
        if not isinstance(sim_cfg, SimulatorConfiguration):
            raise TypeError(
                f"sim_cfg must be a SimulatorConfiguration, got {type(sim_cfg).__name__}"
            )
        self.sim_cfg = sim_cfg
        self.agents = list(agents or [])

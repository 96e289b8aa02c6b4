"""habitat_sim.Simulator (fake) over :mod:`habitat_sim._scene` data.

Mirrors the Python API of src_python/habitat_sim/simulator.py: ``step(action)`` acts, steps
the world and returns the sensor observations with ``"collided"`` added; there is no
``previous_step_collided`` (that is habitat-lab's). ``reset()`` puts agents back at their
initial state and objects at their initial poses, and neither adds nor removes objects. The
scene's own rigid objects (furniture) live in the same rigid object manager as added ones.
"""

from __future__ import annotations

from typing import Any

import magnum as mn
import numpy as np

from habitat_sim._config import Configuration, NavMeshSettings, SensorType
from habitat_sim._nav import PathFinder
from habitat_sim._physics import ObjectTemplateManager, RigidObjectManager
from habitat_sim._render import render
from habitat_sim._scene import Box, load_scene
from habitat_sim._semantic import SemanticScene
from habitat_sim._version import NAVMESH_SETTINGS_STATIC
from habitat_sim.agent import Agent, AgentState
from habitat_sim.physics import MotionType


class Simulator:
    def __init__(self, config: Configuration) -> None:
        if not isinstance(config, Configuration):
            raise TypeError(
                f"Simulator needs a habitat_sim.Configuration, got {type(config).__name__}"
            )
        self.config = config
        cfg = config.sim_cfg
        self._scene = load_scene(cfg.scene_id, cfg.scene_dataset_config_file)
        self._templates = ObjectTemplateManager()
        self._rom = RigidObjectManager(self._templates)
        self.pathfinder = PathFinder()
        self.semantic_scene = (
            SemanticScene(self._scene.semantics) if self._scene.semantics else None
        )
        self.agents = [Agent(a, self.step_filter) for a in config.agents]
        self._closed = False
        self.renders = 0
        self._initial_poses: dict[int, Any] = {}
        self._add_scene_objects()
        if self._scene.has_navmesh:
            a = config.agents[0] if config.agents else None
            self.pathfinder.build(
                self._scene.storeys,
                self._obstacles(True),
                a.radius if a else 0.1,
                a.height if a else 1.5,
            )
        for k in range(len(self.agents)):
            self.initialize_agent(k)

    # --- scene ------------------------------------------------------------------------------
    def _add_scene_objects(self) -> None:
        for spec in self._scene.rigid_objects:
            self._templates.add(spec["template"], spec["half_extents"])
            obj = self._rom.add_object_by_template_handle(spec["template"])
            obj.translation = mn.Vector3(spec["translation"])
            obj.motion_type = MotionType[spec.get("motion_type", "STATIC")]
            obj.semantic_id = int(spec.get("semantic_id", 0))
            self._initial_poses[obj.object_id] = obj.translation

    def _obstacles(self, include_static_objects: bool) -> list[Box]:
        boxes = list(self._scene.boxes)
        if include_static_objects:
            for obj in self._rom._all():
                if obj.motion_type == MotionType.STATIC:
                    lo, hi = obj.box()
                    boxes.append(Box((lo + hi) / 2, hi - lo))
        return boxes

    def recompute_navmesh(
        self, pathfinder: PathFinder, navmesh_settings: NavMeshSettings, *args: Any, **kwargs: Any
    ) -> bool:
        if NAVMESH_SETTINGS_STATIC:
            if args or kwargs:
                raise TypeError(
                    "recompute_navmesh(pathfinder, navmesh_settings) takes no include_static_objects "
                    "since 0.2.5; set NavMeshSettings.include_static_objects"
                )
            static = bool(navmesh_settings.include_static_objects)
        else:
            if args or set(kwargs) - {"include_static_objects"}:
                raise TypeError(
                    "recompute_navmesh(pathfinder, navmesh_settings, include_static_objects=False)"
                )
            static = bool(kwargs.get("include_static_objects", False))
        return pathfinder.build(
            self._scene.storeys,
            self._obstacles(static),
            navmesh_settings.agent_radius,
            navmesh_settings.agent_height,
        )

    # --- agents -----------------------------------------------------------------------------
    def get_agent(self, agent_id: int) -> Agent:
        return self.agents[agent_id]

    def initialize_agent(self, agent_id: int, initial_state: AgentState | None = None) -> Agent:
        agent = self.agents[agent_id]
        if initial_state is None:
            initial_state = AgentState()
            if self.pathfinder.is_loaded:
                initial_state.position = np.asarray(
                    self.pathfinder.get_random_navigable_point(), dtype=float
                )
        agent.set_state(initial_state, is_initial=True)
        return agent

    def step_filter(self, start: Any, end: Any) -> Any:
        if not self.pathfinder.is_loaded:
            return end
        if self.config.sim_cfg.allow_sliding:
            return self.pathfinder.try_step(start, end)
        return self.pathfinder.try_step_no_sliding(start, end)

    def step(self, action: Any, dt: float = 1.0 / 60.0) -> dict[str, Any]:
        self._check_open()
        collided = self.agents[0].act(action)
        obs = self.get_sensor_observations()
        obs["collided"] = collided
        return obs

    def reset(self, agent_ids: Any = None) -> dict[str, Any]:
        self._check_open()
        for obj in self._rom._all():
            if obj.object_id in self._initial_poses:
                obj.translation = self._initial_poses[obj.object_id]
        for k, agent in enumerate(self.agents):
            if agent.initial_state is None:
                raise RuntimeError("reset called before agent was given an initial state")
            self.initialize_agent(k, agent.initial_state)
        return self.get_sensor_observations()

    def seed(self, new_seed: int) -> None:
        self.pathfinder.seed(new_seed)

    # --- sensors ----------------------------------------------------------------------------
    def _render_boxes(self) -> list[tuple[np.ndarray, np.ndarray, int]]:
        out = [(b.lo, b.hi, b.semantic_id) for b in self._scene.boxes]
        out += [(*o.box(), int(o.semantic_id)) for o in self._rom._all()]
        return out

    def get_sensor_observations(self, agent_ids: int = 0) -> dict[str, Any]:
        self._check_open()
        agent = self.agents[agent_ids]
        boxes = self._render_boxes()
        obs: dict[str, Any] = {}
        for spec in agent.agent_config.sensor_specifications:
            pos, rot = agent.sensor_pose(spec.uuid)
            colour, depth, sem = render(pos, rot, tuple(spec.resolution), float(spec.hfov), boxes)
            obs[spec.uuid] = {
                SensorType.COLOR: colour,
                SensorType.DEPTH: depth,
                SensorType.SEMANTIC: sem,
            }[spec.sensor_type]
            self.renders += 1
        return obs

    # --- managers ---------------------------------------------------------------------------
    def get_rigid_object_manager(self) -> RigidObjectManager:
        return self._rom

    def get_object_template_manager(self) -> ObjectTemplateManager:
        return self._templates

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("habitat-sim (fake): the simulator was closed")

    def close(self, destroy: bool = True) -> None:
        self._closed = True

"""Build a ``habitat_sim.Simulator`` from :class:`HabitatConfig` (needs habitat-sim).

``hs`` is the imported ``habitat_sim`` module, passed in so the import stays in one place
(:func:`envs.habitat.env.import_habitat_sim`).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from envs.habitat.config import HabitatConfig

logger = logging.getLogger(__name__)

SENSORS = (("color", "COLOR"), ("depth", "DEPTH"), ("semantic", "SEMANTIC"))
# Pitch limit for look_up/look_down, like habitat-lab's default tilt constraint.
MAX_TILT_DEG = 60.0


def sensor_specs(hs: Any, config: HabitatConfig) -> list[Any]:
    specs = []
    for uuid, kind in SENSORS:
        if uuid == "semantic" and not config.semantic_sensor:
            continue
        spec = hs.CameraSensorSpec()
        spec.uuid = uuid
        spec.sensor_type = getattr(hs.SensorType, kind)
        spec.sensor_subtype = hs.SensorSubType.PINHOLE
        spec.resolution = [config.height, config.width]
        spec.position = [0.0, config.sensor_height, 0.0]
        spec.hfov = config.hfov
        specs.append(spec)
    return specs


def action_space(hs: Any, config: HabitatConfig) -> dict[str, Any]:
    spec, act = hs.agent.ActionSpec, hs.agent.ActuationSpec
    return {
        "move_forward": spec("move_forward", act(amount=config.forward_step)),
        "turn_left": spec("turn_left", act(amount=config.turn_angle)),
        "turn_right": spec("turn_right", act(amount=config.turn_angle)),
        "look_up": spec("look_up", act(amount=config.tilt_angle, constraint=MAX_TILT_DEG)),
        "look_down": spec("look_down", act(amount=config.tilt_angle, constraint=MAX_TILT_DEG)),
    }


def make_configuration(hs: Any, config: HabitatConfig) -> Any:
    """The ``habitat_sim.Configuration`` for one agent with RGB, depth and semantic sensors."""
    sim_cfg = hs.SimulatorConfiguration()
    sim_cfg.scene_id = config.require_scene()
    sim_cfg.scene_dataset_config_file = config.scene_dataset
    sim_cfg.enable_physics = config.enable_physics
    sim_cfg.gpu_device_id = config.gpu_device_id
    agent_cfg = hs.agent.AgentConfiguration(
        height=config.agent_height,
        radius=config.agent_radius,
        sensor_specifications=sensor_specs(hs, config),
        action_space=action_space(hs, config),
    )
    return hs.Configuration(sim_cfg, [agent_cfg])


def ensure_navmesh(hs: Any, sim: Any, config: HabitatConfig) -> None:
    """Compute the navmesh when the scene ships none (e.g. a bare ``.glb``) or when asked.

    Static objects (HSSD furniture) count as obstacles. habitat-sim 0.2.5 moved that switch
    from a ``recompute_navmesh`` argument into ``NavMeshSettings.include_static_objects``.
    """
    if sim.pathfinder.is_loaded and not config.recompute_navmesh:
        return
    settings = hs.NavMeshSettings()
    settings.set_defaults()
    settings.agent_height = config.agent_height
    settings.agent_radius = config.agent_radius
    logger.info("computing the navmesh for %s", config.scene)
    if hasattr(settings, "include_static_objects"):  # 0.3.x keeps it in the settings
        settings.include_static_objects = True
        ok = sim.recompute_navmesh(sim.pathfinder, settings)
    else:  # 0.2.x takes it as an argument
        ok = sim.recompute_navmesh(sim.pathfinder, settings, include_static_objects=True)
    if not ok:
        raise RuntimeError(
            f"could not compute a navmesh for {config.scene!r}: the scene has no "
            "horizontal surface the agent cylinder fits on"
        )


def temporary_amount(agent: Any, action: str, amount: float) -> float:
    """Set ``action``'s actuation amount, returning the previous one (to restore afterwards)."""
    actuation = agent.agent_config.action_space[action].actuation
    previous = float(actuation.amount)
    actuation.amount = float(amount)
    return previous


def act(sim: Any, action: str, amount: float | None) -> tuple[bool, dict[str, Any]]:
    """Run one discrete action with an optional custom amount.

    Returns:
        (collided, observations): habitat-sim's ``step`` renders the sensors and reports the
        collision in its result (``"collided"``); ``previous_step_collided`` is habitat-lab's
        and does not exist on ``habitat_sim.Simulator``.
    """
    agent = sim.get_agent(0)
    previous = None if amount is None else temporary_amount(agent, action, amount)
    try:
        observations = sim.step(action)
    finally:
        if previous is not None:
            temporary_amount(agent, action, previous)
    return bool(observations.pop("collided", False)), observations


def look(sim: Any, action: str, degrees: float) -> None:
    """Tilt the sensors without stepping the world or rendering (``Agent.act``)."""
    agent = sim.get_agent(0)
    previous = temporary_amount(agent, action, degrees)
    try:
        agent.act(action)
    finally:
        temporary_amount(agent, action, previous)


def sensor_pitch(cam_to_world: Any) -> float:
    """Camera pitch (rad, positive up) from the optical z axis of a cam-to-world matrix."""
    return math.asin(max(-1.0, min(1.0, float(cam_to_world[2, 2]))))

"""Standing poses from which the agent can reach and see an object or receptacle (oracle helper)."""

from __future__ import annotations

import math

import numpy as np

from envs.builtin.world import HouseWorld
from envs.navigability import OccupancyGrid


def look_pitch(world: HouseWorld, eid: str, xy: np.ndarray) -> float:
    """Camera pitch (radians, multiple of the look step, within limits) that centres ``eid``."""
    cfg = world.cfg
    center = world.entity_center(eid)
    horiz = float(np.linalg.norm(center[:2] - np.asarray(xy)))
    pitch = math.atan2(float(center[2]) - cfg.camera_height, max(horiz, 1e-6))
    step = math.radians(cfg.look_degrees)
    limit = math.radians(cfg.max_pitch_deg)
    quantised = round(pitch / step) * step
    return float(np.clip(quantised, -limit + 1e-9, limit - 1e-9))


def candidate_viewpoints(
    world: HouseWorld, grid: OccupancyGrid, eid: str, max_count: int = 24
) -> list[tuple[float, float, float]]:
    """Navigable (x, y, yaw) within reach of ``eid``, facing its centre, best first.

    Things inside a container (and containers themselves) are approached from the front, where
    the door is. Poses about 0.7 m from the footprint come first: close enough to see small
    things, far enough to keep them in the field of view.
    """
    center = world.entity_center(eid)
    container = world.container_of(eid) if eid in world.objects else None
    front_of = container if container is not None else world.receptacles.get(eid)
    need_front = front_of is not None and front_of.openable
    reach = world.cfg.reach
    found: list[tuple[float, float, float, float]] = []
    for radius in np.arange(0.3, reach + 0.8, 0.1):
        for angle in np.arange(0.0, 2 * math.pi, math.pi / 16):
            xy = center[:2] + radius * np.array([math.cos(angle), math.sin(angle)])
            dist = world.entity_footprint_distance(eid, xy)
            if dist > reach - 0.1 or not grid.is_navigable(xy) or not grid.in_main_component(xy):
                continue
            if need_front and front_of is not None:
                rel = xy - np.asarray(front_of.center)
                if float(np.dot(rel, front_of.front)) < 0.3:
                    continue
            yaw = math.atan2(center[1] - xy[1], center[0] - xy[0])
            found.append((abs(dist - 0.7), float(xy[0]), float(xy[1]), yaw))
    found.sort()
    return [(x, y, yaw) for _, x, y, yaw in found[:max_count]]

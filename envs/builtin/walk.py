"""A short deterministic scripted walk through several rooms (for demos and smoke tests)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from envs.actions import Action, MoveForward, TurnLeft, TurnRight
from envs.builtin.env import BuiltinHouseEnv
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass
class WalkResult:
    """Frames of the walk and the agent's (x, y, yaw) after each of them (reset frame first)."""

    observations: list[Observation] = field(default_factory=list)
    path: list[tuple[float, float, float]] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)


def _room_tour(env: BuiltinHouseEnv) -> list[np.ndarray]:
    """Navigable goals near the room centres, nearest-first from the start (geodesic)."""
    grid = env.navigability
    goals = []
    for room in env.house.rooms:
        g = grid.snap(room.center)
        if grid.in_main_component(g):
            goals.append(g)
    tour, here = [], env.agent.xy
    while goals:
        dists = [grid.geodesic_distance(here, g) for g in goals]
        k = int(np.argmin(dists))
        here = goals.pop(k)
        tour.append(here)
    return tour


def _actions_to(env: BuiltinHouseEnv, target: np.ndarray) -> Action:
    """The next action towards ``target``: turn to face it, else step forward."""
    delta = target - env.agent.xy
    want = math.atan2(delta[1], delta[0])
    turn = (want - env.agent.yaw + math.pi) % (2 * math.pi) - math.pi
    if abs(turn) > math.radians(2):
        deg = min(abs(math.degrees(turn)), env.config.turn_degrees)
        return TurnLeft(deg) if turn > 0 else TurnRight(deg)
    return MoveForward(min(env.config.forward_step, float(np.linalg.norm(delta))))


def scripted_walk(env: BuiltinHouseEnv, n: int = 80, seed: int | None = None) -> WalkResult:
    """Reset ``env`` (to ``seed`` if given) and walk ``n`` steps along a tour of the rooms.

    Returns the ``n + 1`` observations (reset frame first) and the agent path; the same env
    config and seed give the same walk.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0 steps, got {n}")
    obs, _ = env.reset(seed=seed)
    out = WalkResult([obs], [(*map(float, env.agent.xy), env.agent.yaw)], [obs.room_id or ""])
    waypoints: list[np.ndarray] = []
    for goal in _room_tour(env):
        start = waypoints[-1] if waypoints else env.agent.xy
        leg = env.navigability.shortest_path(start, goal)
        waypoints.extend((leg or [])[1:])
    k = 0
    while len(out.observations) <= n and k < len(waypoints):
        if np.linalg.norm(waypoints[k] - env.agent.xy) < 0.05:
            k += 1
            continue
        obs, _, _, _, info = env.step(_actions_to(env, waypoints[k]))
        if not info["result"].success:  # a waypoint corner clipped the radius: skip it
            logger.debug("walk step failed (%s); skipping waypoint", info["result"].reason)
            k += 1
        out.observations.append(obs)
        out.path.append((*map(float, env.agent.xy), env.agent.yaw))
        if obs.room_id and obs.room_id != out.rooms[-1]:
            out.rooms.append(obs.room_id)
    return out

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
        g = grid.nearest_in_main(room.center, within=(room.x0, room.y0, room.x1, room.y1))
        if g is not None:
            goals.append(g)
    tour, here = [], env.agent.xy
    while goals:
        dists = [grid.geodesic_distance(here, g) for g in goals]
        k = int(np.argmin(dists))
        here = goals.pop(k)
        tour.append(here)
    return tour


def _pose(env: BuiltinHouseEnv) -> tuple[float, float, float]:
    x, y = env.agent.xy
    return float(x), float(y), float(env.agent.yaw)


def _leg(env: BuiltinHouseEnv, goal: np.ndarray, look_around: bool) -> list[Action]:
    """Turn/step actions from the agent's actual pose to ``goal``, then a full turn if asked."""
    x, y = env.agent.xy
    sim = _Kinematic(x, y, env.agent.yaw, env.config.forward_step, env.config.turn_degrees)
    plan: list[Action] = []
    for waypoint in (env.navigability.shortest_path(env.agent.xy, goal) or [])[1:]:
        plan.extend(sim.go_to(waypoint))
    if look_around:
        plan.extend(TurnLeft() for _ in range(int(round(360.0 / env.config.turn_degrees))))
    return plan


@dataclass
class _Kinematic:
    """Dead-reckoning copy of the agent, to turn a path into turn/step actions ahead of time."""

    x: float
    y: float
    yaw: float
    step: float
    turn_deg: float

    def go_to(self, target: np.ndarray) -> list[Action]:
        out: list[Action] = []
        dist = math.hypot(target[0] - self.x, target[1] - self.y)
        if dist < 1e-6:
            return out
        want = math.atan2(target[1] - self.y, target[0] - self.x)
        turn = (want - self.yaw + math.pi) % (2 * math.pi) - math.pi
        while abs(turn) > 1e-9:
            deg = min(abs(math.degrees(turn)), self.turn_deg)
            out.append(TurnLeft(deg) if turn > 0 else TurnRight(deg))
            turn -= math.copysign(math.radians(deg), turn)
        self.yaw = want
        while dist > 1e-6:
            d = min(self.step, dist)
            out.append(MoveForward(d))
            dist -= d
        self.x, self.y = float(target[0]), float(target[1])
        return out


def scripted_walk(
    env: BuiltinHouseEnv, n: int = 80, seed: int | None = None, *, look_around: bool = True
) -> WalkResult:
    """Reset ``env`` (to ``seed`` if given) and walk up to ``n`` steps on a tour of the rooms.

    The tour visits the room centres nearest-first along shortest paths and, with
    ``look_around``, turns a full circle in each room so the frames show its furniture.
    Returns the observations (reset frame first, at most ``n + 1``) and the agent path; the
    same env config and seed give the same walk.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0 steps, got {n}")
    obs, _ = env.reset(seed=seed)
    out = WalkResult([obs], [_pose(env)], [obs.room_id or ""])
    goals, retries = _room_tour(env), 0
    while goals and len(out.observations) <= n:
        for action in _leg(env, goals[0], look_around):
            if len(out.observations) > n:
                break
            obs, _, _, _, info = env.step(action)
            out.observations.append(obs)
            out.path.append(_pose(env))
            if obs.room_id and obs.room_id != out.rooms[-1]:
                out.rooms.append(obs.room_id)
            if not info["result"].success:  # replan from where the agent really is
                logger.debug("walk step %s failed: %s", action, info["result"].reason)
                retries += 1
                break
        else:
            goals.pop(0)
            retries = 0
        if retries > 3:
            logger.warning("scripted walk could not reach %s; skipping it", goals.pop(0))
            retries = 0
    return out

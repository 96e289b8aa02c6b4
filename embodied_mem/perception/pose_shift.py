"""One rule for moving a frame's pose estimate: the noisy backend's drift and the re-localiser's
corrections both turn the camera about world z at the camera and then translate it, and move the
agent pose the policies act on the same way (so memory and the policies share one frame)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from envs.types import Observation


def shift_pose(obs: Observation, dx: float, dy: float, dyaw: float) -> Observation:
    """``obs`` with camera and agent pose yawed by ``dyaw`` (radians, about world z at the
    camera) and then moved by ``(dx, dy)`` metres; depth and everything else unchanged."""
    c, s = math.cos(dyaw), math.sin(dyaw)
    rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    pose = np.array(obs.cam_to_world, dtype=np.float64, copy=True)
    pose[:3, :3] = rz @ pose[:3, :3]
    pose[0, 3] += dx
    pose[1, 3] += dy
    agent = obs.agent
    x, y, z = agent.position
    yaw = agent.yaw + dyaw
    moved = dataclasses.replace(
        agent,
        position=(float(x + dx), float(y + dy), float(z)),
        yaw=math.atan2(math.sin(yaw), math.cos(yaw)),
    )
    return obs.replace(cam_to_world=pose, agent=moved)

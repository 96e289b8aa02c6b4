"""Coordinate frames: habitat-sim (right-handed, y up, -z forward) ↔ project world (z up).

Both frames are right-handed, so the mapping is a proper rotation (+90 degrees about x)::

    world (x, y, z) = habitat (x, -z, y)        habitat (x, y, z) = world (x, z, -y)

The agent looks along its local -z. A habitat yaw ``a`` (rotation about +y, counter-clockwise
seen from above) becomes a rotation about world +z by the same angle, and the unrotated
agent faces habitat -z = world +y, so ``yaw = a + pi/2``.

habitat cameras follow OpenGL (x right, y up, looking along -z); the project's optical
frame is x right, y down, z forward, i.e. the OpenGL frame with y and z negated.
Intrinsics use the pixel-centre convention of :mod:`envs.types` (cx = (W-1)/2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from envs.types import AgentPose, CameraIntrinsics

HABITAT_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
_GL_TO_OPTICAL = np.diag([1.0, -1.0, -1.0])


def habitat_to_world(p: Any) -> np.ndarray:
    """Habitat point(s) (..., 3) → world (..., 3) float64."""
    arr = np.asarray(p, dtype=float)
    if arr.shape[-1] != 3:
        raise ValueError(f"a habitat point needs 3 coordinates, got shape {arr.shape}")
    return arr @ HABITAT_TO_WORLD.T


def world_to_habitat(p: Any) -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    if arr.shape[-1] != 3:
        raise ValueError(f"a world point needs 3 coordinates, got shape {arr.shape}")
    return arr @ HABITAT_TO_WORLD


def quat_xyzw(q: Any) -> np.ndarray:
    """A quaternion as (x, y, z, w) from numpy-quaternion, magnum, or an (x, y, z, w) sequence."""
    if hasattr(q, "scalar") and hasattr(q, "vector"):  # magnum.Quaternion
        v = q.vector
        return np.array([v[0], v[1], v[2], q.scalar], dtype=float)
    if all(hasattr(q, k) for k in ("w", "x", "y", "z")):  # numpy-quaternion
        return np.array([q.x, q.y, q.z, q.w], dtype=float)
    arr = np.asarray(q, dtype=float)
    if arr.shape != (4,):
        raise ValueError(f"quaternion must have 4 coefficients (x, y, z, w), got {arr.shape}")
    return arr


def habitat_rotation(q: Any) -> np.ndarray:
    """(3, 3) rotation matrix of a habitat quaternion."""
    xyzw = quat_xyzw(q)
    if not math.isclose(float(np.linalg.norm(xyzw)), 1.0, abs_tol=1e-3):
        raise ValueError(f"quaternion {xyzw} is not unit length")
    return Rotation.from_quat(xyzw).as_matrix()


def yaw_from_habitat_rotation(q: Any) -> float:
    """Project yaw (rad, CCW from world +x) of an agent with habitat rotation ``q``."""
    forward = HABITAT_TO_WORLD @ habitat_rotation(q) @ np.array([0.0, 0.0, -1.0])
    return math.atan2(forward[1], forward[0])


def habitat_rotation_from_yaw(yaw: float) -> np.ndarray:
    """The (x, y, z, w) habitat agent rotation that faces project ``yaw``."""
    return Rotation.from_rotvec([0.0, yaw - math.pi / 2.0, 0.0]).as_quat()


def agent_pose(position_h: Any, rotation_h: Any, pitch: float = 0.0) -> AgentPose:
    p = habitat_to_world(position_h)
    return AgentPose(
        position=(float(p[0]), float(p[1]), float(p[2])),
        yaw=yaw_from_habitat_rotation(rotation_h),
        pitch=pitch,
    )


def sensor_cam_to_world(position_h: Any, rotation_h: Any) -> np.ndarray:
    """(4, 4) optical → world from a habitat *sensor* state (position, rotation)."""
    m = np.eye(4)
    m[:3, :3] = HABITAT_TO_WORLD @ habitat_rotation(rotation_h) @ _GL_TO_OPTICAL
    m[:3, 3] = habitat_to_world(position_h)
    return m


def camera_from_agent(
    position_h: Any, rotation_h: Any, sensor_height: float, pitch: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Habitat sensor (position, xyzw rotation) for a camera ``sensor_height`` above the agent
    base, tilted by ``pitch`` (rad, positive up) about the agent's x axis."""
    r_agent = Rotation.from_quat(quat_xyzw(rotation_h))
    r_sensor = r_agent * Rotation.from_rotvec([pitch, 0.0, 0.0])
    pos = np.asarray(position_h, dtype=float) + r_agent.apply([0.0, sensor_height, 0.0])
    return pos, r_sensor.as_quat()


def intrinsics_from_hfov(width: int, height: int, hfov_deg: float) -> CameraIntrinsics:
    """habitat-sim's ``hfov`` is horizontal; pixels are square."""
    return CameraIntrinsics.from_fov(width, height, hfov_deg=hfov_deg)


def aabb_to_world(center_h: Any, sizes_h: Any) -> tuple[np.ndarray, np.ndarray]:
    """A habitat axis-aligned box (center, sizes) → world (min, max)."""
    c = habitat_to_world(center_h)
    half = np.abs(habitat_to_world(sizes_h)) / 2.0
    return c - half, c + half

"""Coordinate frames: AI2-THOR/Unity (left-handed, y up) ↔ project world (right-handed, z up).

Unity's world axes are x right, y up, z forward, left-handed. The project world is
right-handed with z up. The mapping swaps Unity's y and z (a reflection, determinant -1,
which is exactly what turns a left-handed frame into a right-handed one)::

    world (x, y, z) = unity (x, z, y)        unity (x, y, z) = world (x, z, y)

Headings: the agent's ``rotation.y`` (degrees) turns clockwise seen from above and 0 faces
Unity +z; project yaw turns counter-clockwise from world +x. With the swap, Unity +z is world
+y, so ``yaw = radians(90 - rotation.y)``. ``cameraHorizon`` (degrees) is positive looking
*down*; project pitch is positive looking up, so ``pitch = -radians(cameraHorizon)``.

Heights: the agent's ``position.y`` is the centre of its body capsule, not the floor. Both
agents stand with their capsule bottom ``AGENT_BASE_HEIGHT`` below the transform (the recorded
FloorPlan10 event has the standing agent at y = 0.9009992 over a floor whose top is y = 0;
LocobotFPSAgentController.cs gives the LoCoBot a 0.9 m capsule centred 0.45 m below it), so
the project's agent pose reports the floor height ``y - AGENT_BASE_HEIGHT``.

Pixel convention (same as :meth:`envs.types.CameraIntrinsics.from_fov`): pixel (u, v) with
integer u = column, v = row is the *centre* of that pixel, so the principal point of a
600x600 image is (299.5, 299.5). In the "pixel corners at integers" convention this is the
same camera as cx = cy = 300.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from envs.types import AgentPose, CameraIntrinsics, optical_rotation

AGENT_BASE_HEIGHT = 0.9009992
"""Unity y of a standing agent's transform above the floor it stands on (see module docstring)."""


def unity_to_world(p: Mapping[str, float] | np.ndarray | tuple[float, float, float]) -> np.ndarray:
    """A Unity point (dict with x/y/z, or (..., 3) array) as a world point (..., 3) float64."""
    if isinstance(p, Mapping):
        arr = np.array([p["x"], p["y"], p["z"]], dtype=float)
    else:
        arr = np.asarray(p, dtype=float)
    if arr.shape[-1] != 3:
        raise ValueError(f"a Unity point needs 3 coordinates, got shape {arr.shape}")
    return arr[..., [0, 2, 1]]


def world_to_unity(p: np.ndarray | tuple[float, float, float]) -> np.ndarray:
    """The inverse of :func:`unity_to_world` (the swap is an involution)."""
    arr = np.asarray(p, dtype=float)
    if arr.shape[-1] != 3:
        raise ValueError(f"a world point needs 3 coordinates, got shape {arr.shape}")
    return arr[..., [0, 2, 1]]


def rotation_y_to_yaw(rotation_y_deg: float) -> float:
    """Unity agent ``rotation.y`` (deg, clockwise from +z) → project yaw (rad, CCW from +x)."""
    return math.remainder(math.radians(90.0 - rotation_y_deg), 2.0 * math.pi)


def yaw_to_rotation_y(yaw: float) -> float:
    """Project yaw (rad) → Unity ``rotation.y`` in degrees, in [0, 360)."""
    return (90.0 - math.degrees(yaw)) % 360.0


def horizon_to_pitch(horizon_deg: float) -> float:
    """``cameraHorizon`` (deg, positive down) → project pitch (rad, positive up)."""
    return -math.radians(horizon_deg)


def pitch_to_horizon(pitch: float) -> float:
    return -math.degrees(pitch)


def cam_to_world(camera_position_world: np.ndarray, yaw: float, pitch: float) -> np.ndarray:
    """(4, 4) optical-frame → world transform of a camera at a world position."""
    m = np.eye(4)
    m[:3, :3] = optical_rotation(yaw, pitch)
    m[:3, 3] = np.asarray(camera_position_world, dtype=float)
    return m


def agent_pose(metadata: Mapping) -> AgentPose:
    """The agent's base pose in the world frame from an event's ``metadata``; its z is the
    floor the agent stands on (not Unity's body-centre y)."""
    agent = metadata["agent"]
    pos = unity_to_world(agent["position"])
    pos[2] -= AGENT_BASE_HEIGHT
    return AgentPose(
        position=(float(pos[0]), float(pos[1]), float(pos[2])),
        yaw=rotation_y_to_yaw(float(agent["rotation"]["y"])),
        pitch=horizon_to_pitch(float(agent["cameraHorizon"])),
    )


def camera_pose(metadata: Mapping) -> np.ndarray:
    """(4, 4) camera-to-world from agent rotation.y, cameraHorizon and ``cameraPosition``."""
    if "cameraPosition" not in metadata:
        raise KeyError(
            "event metadata has no 'cameraPosition'; AI2-THOR >= 2.5 reports it, "
            "upgrade with: pip install 'embodied-mem[ai2thor]'"
        )
    pose = agent_pose(metadata)
    return cam_to_world(unity_to_world(metadata["cameraPosition"]), pose.yaw, pose.pitch)


def intrinsics_from_metadata(metadata: Mapping) -> CameraIntrinsics:
    """Pinhole intrinsics from the *vertical* FOV Unity reports (``fov``) and the screen size."""
    return CameraIntrinsics.from_fov(
        int(metadata["screenWidth"]), int(metadata["screenHeight"]), vfov_deg=float(metadata["fov"])
    )


def unity_aabb_to_world(aabb: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """A Unity ``axisAlignedBoundingBox`` (center/size) → world (min, max) corners."""
    center = unity_to_world(aabb["center"])
    size = np.abs(unity_to_world(aabb["size"]))
    return center - size / 2.0, center + size / 2.0

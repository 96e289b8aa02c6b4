"""habitat_sim.utils.common (fake): the quaternion helpers, with the real coefficient order."""

from __future__ import annotations

from typing import Any

import numpy as np

from habitat_sim._quat import as_rotation, quaternion


def quat_from_coeffs(coeffs: Any) -> quaternion:
    """From (x, y, z, w) coefficients, as habitat_sim.utils.common.quat_from_coeffs."""
    c = np.asarray(coeffs, dtype=float)
    if c.shape != (4,):
        raise ValueError(f"quat_from_coeffs needs 4 coefficients (x, y, z, w), got {c.shape}")
    return quaternion(c[3], c[0], c[1], c[2])


def quat_to_coeffs(q: quaternion) -> np.ndarray:
    """To (x, y, z, w) coefficients."""
    return as_rotation(q).as_quat()


def quat_from_angle_axis(theta: float, axis: Any) -> quaternion:
    from scipy.spatial.transform import Rotation

    a = np.asarray(axis, dtype=float)
    x, y, z, w = Rotation.from_rotvec(theta * a / np.linalg.norm(a)).as_quat()
    return quaternion(w, x, y, z)

"""numpy-quaternion's ``np.quaternion`` as habitat-sim hands it out (w, x, y, z), for the fake."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation


class quaternion:  # noqa: N801 - named like numpy-quaternion's type
    """A unit quaternion with ``w``, ``x``, ``y``, ``z`` attributes (numpy-quaternion's fields)."""

    __slots__ = ("w", "x", "y", "z")

    def __init__(self, w: float = 1.0, x: float = 0.0, y: float = 0.0, z: float = 0.0) -> None:
        self.w, self.x, self.y, self.z = float(w), float(x), float(y), float(z)

    @property
    def components(self) -> np.ndarray:
        return np.array([self.w, self.x, self.y, self.z])

    def __mul__(self, other: quaternion) -> quaternion:
        r = Rotation.from_quat([self.x, self.y, self.z, self.w]) * Rotation.from_quat(
            [other.x, other.y, other.z, other.w]
        )
        x, y, z, w = r.as_quat()
        return quaternion(w, x, y, z)

    def __repr__(self) -> str:
        return f"quaternion({self.w:g}, {self.x:g}, {self.y:g}, {self.z:g})"


def as_rotation(q: Any) -> Rotation:
    """A scipy rotation from this fake's quaternion, a magnum one, or (x, y, z, w) coefficients."""
    if isinstance(q, quaternion):
        return Rotation.from_quat([q.x, q.y, q.z, q.w])
    if hasattr(q, "scalar") and hasattr(q, "vector"):
        v = q.vector
        return Rotation.from_quat([v[0], v[1], v[2], q.scalar])
    arr = np.asarray(q, dtype=float)
    if arr.shape != (4,):
        raise TypeError(f"not a quaternion: {q!r}")
    return Rotation.from_quat(arr)


def from_rotation(r: Rotation) -> quaternion:
    x, y, z, w = r.as_quat()
    return quaternion(w, x, y, z)

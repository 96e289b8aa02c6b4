"""Checks that an observation is usable before anything downstream touches it.

Every fault raises :class:`FrameError` (a ``ValueError``) whose ``reason`` names the faulty
part (``"intrinsics"``, ``"time"``, ...); memory uses it as the key of its per-reason
rejection counters. Messages say what was wrong and what to do.

The checks are cheap: scalars are checked with plain float arithmetic and arrays by shape and
dtype only (depth *values* may be anything: 0 or non-finite means "no reading", DESIGN.md),
except the 4x4 pose, whose 16 numbers are checked in one vectorised pass. This module imports
nothing from :mod:`envs.types` so the types can call it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

WORLD_BOUND_M = 1.0e4
"""Largest plausible world coordinate (metres). Houses span tens of metres; a coordinate
beyond this is corrupt data (and voxel grids overflow their integer indices on it)."""

MIN_FOV_DEG, MAX_FOV_DEG = 0.1, 179.0
"""A pinhole camera's field of view must lie in this range on both axes."""

MAX_ID_CHARS = 128
"""Longest accepted room or object id."""

_EYE3 = np.eye(3)


class FrameError(ValueError):
    """A frame (observation or detections) that must not enter memory.

    Attributes:
        reason: short key of the faulty part, e.g. ``"intrinsics"`` or ``"detection_points"``.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _finite(value: Any) -> bool:
    """True for a real, finite number (bools and strings are not numbers here)."""
    if isinstance(value, bool | str | bytes) or value is None:
        return False
    try:
        return math.isfinite(value)
    except (TypeError, ValueError):
        return False


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_rigid_transform(matrix: Any, name: str = "pose", tol: float = 1e-4) -> None:
    """Raise :class:`FrameError` unless ``matrix`` is a finite 4x4 rigid transform.

    Rigid means an orthonormal rotation with det +1, a last row ``[0, 0, 0, 1]`` and a
    translation within :data:`WORLD_BOUND_M` of the origin. ``reason`` is ``name``.
    """
    try:
        m = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise FrameError(
            f"{name} must be a 4x4 numeric matrix, got {type(matrix).__name__}", name
        ) from None
    if m.shape != (4, 4):
        raise FrameError(f"{name} must be a 4x4 matrix, got shape {m.shape}", name)
    if not np.isfinite(m).all():
        raise FrameError(f"{name} contains NaN or inf; the pose source is corrupt", name)
    r = m[:3, :3]
    # R R^T by broadcasting, not ``@``: a 3x3 product goes to threaded BLAS, slow under load.
    gram = (r[:, None, :] * r[None, :, :]).sum(axis=2)
    det = (
        r[0, 0] * (r[1, 1] * r[2, 2] - r[1, 2] * r[2, 1])
        - r[0, 1] * (r[1, 0] * r[2, 2] - r[1, 2] * r[2, 0])
        + r[0, 2] * (r[1, 0] * r[2, 1] - r[1, 1] * r[2, 0])
    )
    # Same tolerance as np.allclose(gram, I, atol=tol) (rtol 1e-5 on the unit diagonal).
    if (np.abs(gram - _EYE3) > tol + 1e-5 * _EYE3).any() or abs(det - 1.0) > tol:
        raise FrameError(
            f"{name} rotation is not orthonormal with det +1; re-orthonormalise it (e.g. via SVD)",
            name,
        )
    last = m[3]
    if abs(last[0]) > tol or abs(last[1]) > tol or abs(last[2]) > tol or abs(last[3] - 1) > tol:
        raise FrameError(f"{name} last row must be [0, 0, 0, 1], got {last}", name)
    if np.abs(m[:3, 3]).max() > WORLD_BOUND_M:
        raise FrameError(
            f"{name} translation {m[:3, 3].tolist()} is beyond {WORLD_BOUND_M:g} m of the "
            "origin; the pose source is corrupt (world units are metres)",
            name,
        )


def check_intrinsics(k: Any) -> None:
    """Pinhole intrinsics: positive integer size, finite focal lengths giving a field of view
    in [:data:`MIN_FOV_DEG`, :data:`MAX_FOV_DEG`], a finite principal point within one image
    size of the image."""
    w, h = getattr(k, "width", None), getattr(k, "height", None)
    if not (_is_int(w) and _is_int(h) and w > 0 and h > 0):
        raise FrameError(f"intrinsics size must be positive integers, got {w}x{h}", "intrinsics")
    for name, f, size in (("fx", k.fx, w), ("fy", k.fy, h)):
        if not (_finite(f) and f > 0):
            raise FrameError(
                f"intrinsics {name}={f!r} must be a finite positive focal length in pixels; "
                "fix the camera calibration (CameraIntrinsics.from_fov builds valid ones)",
                "intrinsics",
            )
        fov = math.degrees(2.0 * math.atan(size / (2.0 * f)))
        if not MIN_FOV_DEG <= fov <= MAX_FOV_DEG:
            raise FrameError(
                f"intrinsics {name}={f!r} gives a {fov:.3g} deg field of view for {size} px; "
                f"a pinhole camera has {MIN_FOV_DEG}-{MAX_FOV_DEG} deg: fix the calibration",
                "intrinsics",
            )
    for name, c, size in (("cx", k.cx, w), ("cy", k.cy, h)):
        if not (_finite(c) and -size <= c <= 2 * size):
            raise FrameError(
                f"intrinsics {name}={c!r} must be a finite principal point near the image "
                f"(within [-{size}, {2 * size}] px); fix the camera calibration",
                "intrinsics",
            )


def check_agent_pose(pose: Any) -> None:
    """Finite position within :data:`WORLD_BOUND_M`, finite yaw and pitch."""
    pos = getattr(pose, "position", None)
    try:
        ok = len(pos) == 3 and all(_finite(v) and abs(v) <= WORLD_BOUND_M for v in pos)
    except TypeError:
        ok = False
    if not ok:
        raise FrameError(
            f"agent position must be 3 finite metres within {WORLD_BOUND_M:g} m, got {pos!r}; "
            "the agent pose source is corrupt",
            "agent_pose",
        )
    for name in ("yaw", "pitch"):
        v = getattr(pose, name, None)
        if not _finite(v):
            raise FrameError(f"agent {name} must be finite radians, got {v!r}", "agent_pose")


def check_sim_time(t: Any) -> None:
    """Finite, non-negative seconds since the episode start and a non-negative integer day."""
    s, day = getattr(t, "seconds", None), getattr(t, "day", None)
    if not (_finite(s) and s >= 0):
        raise FrameError(
            f"time.seconds must be finite seconds since the episode start (>= 0), got {s!r}",
            "time",
        )
    if not (_is_int(day) and day >= 0):
        raise FrameError(f"time.day must be a non-negative integer, got {day!r}", "time")


def check_text_id(value: Any, name: str) -> None:
    """None or a non-empty id without control characters, at most :data:`MAX_ID_CHARS` long."""
    if value is None:
        return
    if not (
        isinstance(value, str) and value and len(value) <= MAX_ID_CHARS and value.isprintable()
    ):
        raise FrameError(
            f"{name} must be None or a printable id of 1-{MAX_ID_CHARS} characters, got "
            f"{value!r:.80}",
            name,
        )


def _check_image(arr: Any, name: str, shape: tuple[int, ...], dtype: type) -> None:
    if not isinstance(arr, np.ndarray) or arr.shape != shape or arr.dtype != dtype:
        got = f"{arr.shape} {arr.dtype}" if isinstance(arr, np.ndarray) else type(arr).__name__
        raise FrameError(
            f"{name} must be {shape} {np.dtype(dtype).name}"
            f"{' to match the intrinsics' if name == 'depth' else ''}, got {got}",
            name,
        )


def check_observation(obs: Any) -> None:
    """Every field of an :class:`envs.types.Observation`; raises :class:`FrameError`."""
    check_intrinsics(obs.intrinsics)
    shape = (obs.intrinsics.height, obs.intrinsics.width)
    _check_image(obs.depth, "depth", shape, np.float32)
    # A deferred colour pass is checked when it is rendered (reading it here would render it).
    rgb = obs.rgb_if_rendered if hasattr(obs, "rgb_if_rendered") else obs.rgb
    if rgb is not None:
        _check_image(rgb, "rgb", (*shape, 3), np.uint8)
    if obs.instance_ids is not None:
        _check_image(obs.instance_ids, "instance_ids", shape, np.int32)
    check_rigid_transform(obs.cam_to_world, "cam_to_world")
    check_agent_pose(obs.agent)
    check_sim_time(obs.time)
    if not (_is_int(obs.frame_index) and obs.frame_index >= 0):
        raise FrameError(
            f"frame_index must be a non-negative integer, got {obs.frame_index!r}", "frame_index"
        )
    check_text_id(obs.room_id, "room_id")
    check_text_id(obs.held_object, "held_object")

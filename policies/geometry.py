"""Camera geometry the policies share: angles, projection, depth-consistency visibility.

Everything here reads only what a real robot has — the depth frame, intrinsics and camera
pose of an :class:`envs.Observation` — never instance masks or ground truth. Frames follow
DESIGN.md: world z up; the optical frame is x right, y down, z forward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from envs.base import Navigability
from envs.camera import pixel_grid, pixels_to_world, world_to_pixels
from envs.types import Observation


def wrap_angle(angle: float) -> float:
    """``angle`` wrapped to (-pi, pi]."""
    wrapped = math.atan2(math.sin(angle), math.cos(angle))
    return math.pi if wrapped == -math.pi else wrapped


def yaw_to(from_xy: np.ndarray, to_xy: np.ndarray) -> float:
    """Yaw (radians, CCW from +x) of the floor direction from ``from_xy`` to ``to_xy``."""
    d = np.asarray(to_xy, dtype=float)[:2] - np.asarray(from_xy, dtype=float)[:2]
    return math.atan2(float(d[1]), float(d[0]))


def facing_error(obs: Observation, target: np.ndarray) -> float:
    """Absolute angle (radians) between the agent's heading and the floor direction to ``target``."""
    return abs(wrap_angle(yaw_to(obs.agent.xy, target) - obs.agent.yaw))


def camera_position(obs: Observation) -> np.ndarray:
    """(3,) world position of the camera centre."""
    return np.asarray(obs.cam_to_world, dtype=float)[:3, 3].copy()


def on_floor(nav: Navigability, xy: np.ndarray) -> np.ndarray:
    """(2,) ``xy`` itself if navigable, else the nearest navigable point (``nav.snap``)."""
    xy = np.asarray(xy, dtype=float)[:2]
    return xy if nav.is_navigable(xy) else np.asarray(nav.snap(xy), dtype=float)[:2]


def walk_and_reach(
    nav: Navigability,
    agent_xy: np.ndarray,
    target_xy: np.ndarray,
    edge_slack: float = 0.5,
    max_radius: float = 3.0,
) -> float:
    """Metres from ``agent_xy`` to a thing at ``target_xy`` that stands off the floor (on
    furniture): the least walk to the navigable edge around it plus the straight reach from
    there. The edge points are the navigable points (rings around the target) the agent can
    walk to, within ``edge_slack`` of the nearest such one: a pocket of free floor nobody can
    walk into (between a bed and a wall on the agent's own map) is no edge, and made every
    walk ``inf`` when it lay nearest. ``inf`` when no reachable navigable point lies within
    ``max_radius``. TASKS.md's "geodesic distance to an object"; evaluation measures it on
    the simulator's map, the policies on the agent's own one.
    """
    target_xy = np.asarray(target_xy, dtype=float)[:2]
    angles = np.linspace(0.0, 2 * math.pi, 36, endpoint=False)
    radii = np.arange(0.05, max_radius, 0.05)
    ring = target_xy + radii[:, None, None] * np.stack([np.cos(angles), np.sin(angles)], -1)[None]
    pts = ring.reshape(-1, 2)
    pts = pts[navigable_points(nav, pts)]
    if not len(pts):
        return math.inf
    walk = field_at(nav.distances_from(on_floor(nav, agent_xy)), pts)
    reachable = np.isfinite(walk)
    if not reachable.any():
        return math.inf
    reach = np.linalg.norm(pts - target_xy, axis=1)
    edge = reachable & (reach <= reach[reachable].min() + edge_slack)
    return float(np.min(walk[edge] + reach[edge]))


def navigable_points(nav: Navigability, xy: np.ndarray) -> np.ndarray:
    """(N,) bool: ``nav.is_navigable`` of each of the (N, 2) points ``xy``.

    Grids that offer ``cells_of`` (the simulator's :class:`~envs.navigability.OccupancyGrid`,
    the agent's own map) answer with one lookup: the same cells as the per-point test (the
    same float64 operations), without a Python call per point, which made the ring of
    :func:`walk_and_reach` (2,000 points) a measurable part of every task.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    cells_of = getattr(nav, "cells_of", None)
    if cells_of is not None:
        rows, cols, inside = cells_of(xy)
        return inside & nav.navigable[rows, cols]  # type: ignore[attr-defined]
    return np.array([nav.is_navigable(p) for p in xy], dtype=bool)


def field_at(field: object, pts: np.ndarray) -> np.ndarray:
    """(N,) distances of many points from a ``distances_from`` field (one call per point if the
    field does not take arrays)."""
    values = np.asarray(field.at(pts), dtype=float)  # type: ignore[attr-defined]
    if values.shape == (len(pts),):
        return values
    return np.array([float(field.at(p)) for p in pts])  # type: ignore[attr-defined]


def project_point(obs: Observation, point: np.ndarray) -> tuple[float, float, float] | None:
    """Pixel ``(u, v)`` and optical depth ``z`` of a world point, or None if behind the camera."""
    u, v, z = world_to_pixels(
        np.asarray(point, dtype=float)[None, :3], obs.intrinsics, obs.cam_to_world
    )
    if z[0] <= 1e-6:
        return None
    return (float(u[0]), float(v[0]), float(z[0]))


def backproject(obs: Observation, stride: int = 1) -> np.ndarray:
    """(N, 3) world points of every valid depth pixel (every ``stride``-th row and column)."""
    k = obs.intrinsics
    depth = np.asarray(obs.depth, dtype=np.float64)[::stride, ::stride]
    vs, us = pixel_grid(k.height, k.width, stride)
    valid = np.isfinite(depth) & (depth > 0)
    return pixels_to_world(us[valid], vs[valid], depth[valid], k, obs.cam_to_world)


def depth_inside_box(
    obs: Observation, point: np.ndarray, box_min: np.ndarray, box_max: np.ndarray
) -> float:
    """Optical-depth metres between where the viewing ray to ``point`` enters the box
    (``box_min``, ``box_max``) and ``point`` itself; 0 when the ray never enters it before
    the point (or starts inside it).

    A big receptacle's remembered centre lies deep inside its box: the fridge door the camera
    sees stands this much in front of it, and is still the fridge.
    """
    camera = camera_position(obs)
    ray = np.asarray(point, dtype=float)[:3] - camera
    lo = np.asarray(box_min, dtype=float) - camera
    hi = np.asarray(box_max, dtype=float) - camera
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = lo / ray, hi / ray
    parallel = np.abs(ray) < 1e-9
    # A ray parallel to a slab is inside it for every t (if the camera is) or never.
    t_near = np.where(
        parallel, np.where((lo <= 0) & (hi >= 0), -np.inf, np.inf), np.minimum(t1, t2)
    )
    t_enter = float(np.max(t_near))
    if not 0.0 < t_enter < 1.0:
        return 0.0
    proj = project_point(obs, point)
    return 0.0 if proj is None else proj[2] * (1.0 - t_enter)


@dataclass(frozen=True)
class VisibilityCheck:
    """Whether a world point is seen in a frame, judged from depth alone.

    Attributes:
        visible: the point projects inside the image and the depth there is consistent.
        reason: why not, in words (None when visible).
        pixel: (u, v) of the projection, or None when behind the camera.
        expected_depth: optical depth of the point (metres), or None.
        measured_depth: median valid depth in the window around the pixel, or None.
        vertical_offset: how far (radians, + up) the point lies outside the vertical field of
            view; 0 when inside. Tells the caller to look up or down.
    """

    visible: bool
    reason: str | None
    pixel: tuple[float, float] | None = None
    expected_depth: float | None = None
    measured_depth: float | None = None
    vertical_offset: float = 0.0


def check_visibility(
    obs: Observation,
    point: np.ndarray,
    *,
    near_tolerance: float,
    far_tolerance: float,
    window: int = 3,
    max_top: float | None = None,
) -> VisibilityCheck:
    """Judge from depth whether ``point`` is seen: in frame and not occluded.

    The point is an object's (or receptacle's) centre, so the surface seen at its pixel lies
    up to ``near_tolerance`` in front of it; anything nearer occludes it. A reading more than
    ``far_tolerance`` behind it means we look past where it should be (it is not there).

    Args:
        obs: the current frame.
        point: (3,) world point.
        near_tolerance: metres a reading may be in front of the point (about its radius).
        far_tolerance: metres a reading may be behind the point.
        window: half-size in pixels of the square window read around the projection.
        max_top: for things standing on the floor, the highest (world z) their surface can
            reach (twice the centre height). A surface at the target's depth that continues
            above it is taller than the target can be — a wall in front of it — so the target
            counts as occluded. None skips this test (small objects).
    """
    proj = project_point(obs, point)
    if proj is None:
        return VisibilityCheck(False, "target is behind the camera")
    u, v, z = proj
    k = obs.intrinsics
    offset = _vertical_offset(v, k.height, k.fy)
    if not (0 <= u <= k.width - 1) or offset != 0.0:
        return VisibilityCheck(False, "target projects outside the image", (u, v), z, None, offset)
    ui, vi = int(round(u)), int(round(v))
    patch = np.asarray(obs.depth)[
        max(vi - window, 0) : vi + window + 1, max(ui - window, 0) : ui + window + 1
    ]
    valid = patch[np.isfinite(patch) & (patch > 0)]
    if valid.size == 0:
        return VisibilityCheck(False, "no depth reading at the target's pixel", (u, v), z)
    consistent = valid[(valid >= z - near_tolerance) & (valid <= z + far_tolerance)]
    measured = float(np.median(valid))
    if consistent.size > 0:
        seen = float(np.median(consistent))
        if max_top is not None and _surface_rises_above(obs, ui, vi, seen, max_top):
            return VisibilityCheck(
                False,
                f"occluded: a surface taller than {max_top:.2f} m stands at "
                f"the target's depth (a wall in front of it?)",
                (u, v),
                z,
                seen,
            )
        return VisibilityCheck(True, None, (u, v), z, seen)
    if measured < z - near_tolerance:
        reason = f"occluded: depth {measured:.2f} m in front of the target at {z:.2f} m"
    else:
        reason = f"depth {measured:.2f} m lies behind the target at {z:.2f} m (is it still there?)"
    return VisibilityCheck(False, reason, (u, v), z, measured)


def _surface_rises_above(
    obs: Observation, u: int, v: int, depth: float, max_top: float, tolerance: float = 0.12
) -> bool:
    """Whether the surface seen at pixel (u, v) continues straight up above ``max_top``.

    Walks up the pixel column and back-projects it; points at (about) the same horizontal
    distance from the camera as the surface at (u, v) belong to the same vertical face.
    """
    k = obs.intrinsics
    column = np.asarray(obs.depth, dtype=float)[: v + 1, u]
    rows = np.arange(v + 1)
    valid = np.isfinite(column) & (column > 0)
    if not valid.any():
        return False
    d, r = column[valid], rows[valid]
    pts = pixels_to_world(np.full_like(d, u), r, d, k, obs.cam_to_world)
    origin = camera_position(obs)
    horiz = np.linalg.norm(pts[:, :2] - origin[:2], axis=1)
    ref = pixels_to_world(np.array([u]), np.array([v]), np.array([depth]), k, obs.cam_to_world)[0]
    same_face = np.abs(horiz - np.linalg.norm(ref[:2] - origin[:2])) <= tolerance
    return bool(np.any(pts[same_face, 2] > max_top))


def _vertical_offset(v: float, height: int, fy: float, margin_px: float = 2.0) -> float:
    """Angle (+ up) by which pixel row ``v`` lies outside the image rows, else 0."""
    top, bottom = margin_px, height - 1 - margin_px
    if v < top:
        return math.atan2(top - v, fy)
    if v > bottom:
        return -math.atan2(v - bottom, fy)
    return 0.0

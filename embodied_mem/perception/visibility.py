"""Negative evidence: which tracks a frame shows gone from where they were.

For each point of a track that projects inside the image (in front of the camera, within
range), the measured depth says one of three things: a surface *in front* of the point (it is
occluded: no evidence), a surface *at about its depth* (something is there — maybe the thing
itself, not detected or not associated: no evidence either), or a surface *behind* it by more
than ``depth_margin`` (the ray passes through the spot: the spot was visible and empty). A
track is reported when enough of its points are seen through; one that matched no detection
is then missing, and memory decides what absence means (moved, or taken).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from embodied_mem.perception.backproject import project, valid_depth
from embodied_mem.perception.mapper_types import MappedObject
from envs.camera import invert_rigid
from envs.types import Observation


def expected_in_view(
    tracks: Iterable[MappedObject],
    obs: Observation,
    *,
    max_depth: float | None,
    depth_margin: float,
    min_points: int,
    min_fraction: float,
) -> list[str]:
    """Ids of ``tracks`` with enough in-frustum points whose spot ``obs`` shows empty.

    Args:
        tracks: candidate tracks (the caller leaves out those matched this frame).
        obs: the frame; its pose is the one the map was built with.
        max_depth: points farther than this (m) are not expected to be measured.
        depth_margin: a point's spot counts as seen empty when the measured depth is this
            much behind it (occluded when in front; a surface within the margin is no evidence).
        min_points: fewest seen-through points for a track to be reported.
        min_fraction: fraction of the track's points that must be in view and seen through.
    """
    tracks = [t for t in tracks if len(t.points)]
    if tracks:
        tracks = _cull_out_of_view(tracks, obs, max_depth, min_points, min_fraction)
    if not tracks:
        return []
    intr = obs.intrinsics
    # All tracks in one projection: per-track calls would redo the same setup many times.
    pts = np.concatenate([t.points for t in tracks]).astype(np.float64)
    owner = np.repeat(np.arange(len(tracks)), [len(t.points) for t in tracks])
    u, v, z = project(pts, intr, obs.cam_to_world)
    front = z > 1e-6
    if max_depth is not None:
        front &= z <= max_depth
    inside = front & (u >= 0) & (u < intr.width) & (v >= 0) & (v < intr.height)
    seen = np.zeros(len(z), dtype=bool)
    ui, vi = u[inside], v[inside]
    measured = obs.depth[vi, ui]
    seen[inside] = valid_depth(measured) & (measured > z[inside] + depth_margin)
    counts = np.bincount(owner[seen], minlength=len(tracks))
    sizes = np.array([len(t.points) for t in tracks])
    need = np.maximum(min_points, min_fraction * sizes)
    return [t.id for t, c, n in zip(tracks, counts, need, strict=True) if c >= n]


# Slack for rounding in the box test (metres, or pixel-metres for the image sides): far above
# float error, far below anything that would keep a track that is really out of view.
_CULL_SLACK = 1e-3


def _cull_out_of_view(
    tracks: list[MappedObject],
    obs: Observation,
    max_depth: float | None,
    min_points: int,
    min_fraction: float,
) -> list[MappedObject]:
    """Drop tracks whose bounding box lies wholly outside one face of the view frustum.

    No point of such a track can project into the image in range, so its count would be 0;
    skipping it only avoids projecting its points (most of the map is behind or beside the
    camera). Each face is a half-space ``g . p + c >= 0`` in world coordinates; its largest
    value over a box takes, per axis, the box end that the sign of ``g`` favours. Tracks that
    would be expected even with no point seen (``need <= 0``) are always kept.
    """
    intr = obs.intrinsics
    # Faces in the optical frame as (a, b): a . x_cam + b >= 0 for every counted point.
    faces = [
        ((0.0, 0.0, 1.0), -1e-6),  # in front of the camera
        ((intr.fx, 0.0, intr.cx + 0.5), 0.0),  # u rounds to >= 0
        ((-intr.fx, 0.0, intr.width - 0.5 - intr.cx), 0.0),  # u rounds to < width
        ((0.0, intr.fy, intr.cy + 0.5), 0.0),  # v rounds to >= 0
        ((0.0, -intr.fy, intr.height - 0.5 - intr.cy), 0.0),  # v rounds to < height
    ]
    if max_depth is not None:
        faces.append(((0.0, 0.0, -1.0), float(max_depth)))
    a = np.array([f[0] for f in faces])
    b = np.array([f[1] for f in faces])
    world_to_cam = invert_rigid(obs.cam_to_world)
    g = a @ world_to_cam[:3, :3]  # (F, 3) world-frame face normals
    c = a @ world_to_cam[:3, 3] + b
    mins = np.array([t.bbox_min for t in tracks], dtype=np.float64)
    maxs = np.array([t.bbox_max for t in tracks], dtype=np.float64)
    best = np.maximum(mins[:, None, :] * g[None], maxs[:, None, :] * g[None]).sum(axis=2) + c
    sizes = np.array([len(t.points) for t in tracks])
    keep = np.all(best >= -_CULL_SLACK, axis=1) | (
        np.maximum(min_points, min_fraction * sizes) <= 0
    )
    return [t for t, k in zip(tracks, keep, strict=True) if k]

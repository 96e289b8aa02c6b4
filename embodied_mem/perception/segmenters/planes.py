"""RANSAC plane fitting, all hypotheses of a round scored at once (numpy).

Each hypothesis is the plane through three points drawn from ``rng``; all are scored in one
array operation against an even subset of the points (preemptive RANSAC: a plane worth
removing shows on a hundred points), the best few against all of them; the winner is refitted
by least squares to its inliers (kept if that holds at least as many). Seeded with a numpy generator,
the same points always give the same plane (open3d's ``segment_plane`` did not, even with its
global seed reset), and at a few hundred points x a few hundred hypotheses one vectorised
round costs a fraction of open3d's per-point loop.
"""

from __future__ import annotations

import numpy as np

_PRESCORE_POINTS = 100
"""Points every hypothesis is first scored on (an even subset)."""
_FINALISTS = 8
"""Hypotheses with most inliers there that are scored on all points."""


def ransac_plane(
    points: np.ndarray, distance: float, iterations: int, rng: np.random.Generator
) -> tuple[np.ndarray, float] | None:
    """The plane ``normal . p + offset = 0`` (unit normal) with most of (N, 3) ``points``
    within ``distance``; None if fewer than 3 points or every draw was degenerate."""
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 3:
        return None
    idx = rng.integers(0, len(pts), size=(iterations, 3))
    p0 = pts[idx[:, 0]]
    e1, e2 = pts[idx[:, 1]] - p0, pts[idx[:, 2]] - p0
    normals = np.empty_like(e1)  # e1 x e2, spelled out (np.cross's axis juggling costs more)
    normals[:, 0] = e1[:, 1] * e2[:, 2] - e1[:, 2] * e2[:, 1]
    normals[:, 1] = e1[:, 2] * e2[:, 0] - e1[:, 0] * e2[:, 2]
    normals[:, 2] = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    length = np.linalg.norm(normals, axis=1)
    ok = length > 1e-12  # repeated or collinear draws span no plane
    if not ok.any():
        return None
    normals = normals[ok] / length[ok, None]
    offsets = -np.einsum("ij,ij->i", normals, p0[ok])
    # Preemptive scoring: every hypothesis on an even subset, the best few on all points.
    step = max(1, len(pts) // _PRESCORE_POINTS)
    rough = (_distances(pts[::step], normals, offsets) <= distance).sum(axis=0)
    top = np.argsort(-rough, kind="stable")[:_FINALISTS]
    inliers = _distances(pts, normals[top], offsets[top]) <= distance  # (N, finalists)
    best = int(top[int(np.argmax(inliers.sum(axis=0)))])
    normal, offset = normals[best], float(offsets[best])
    support = _distances(pts, normal[None], np.array([offset]))[:, 0] <= distance
    refit = _least_squares(pts[support])
    if refit is not None:
        again = _distances(pts, refit[0][None], np.array([refit[1]]))[:, 0] <= distance
        if int(again.sum()) >= int(support.sum()):
            normal, offset = refit
    return normal, offset


def _distances(pts: np.ndarray, normals: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(N, H) absolute distances of points to planes (column arithmetic, not BLAS: tiny
    products on a loaded machine were slower through multithreaded BLAS)."""
    d = pts[:, 0, None] * normals[None, :, 0]
    d += pts[:, 1, None] * normals[None, :, 1]
    d += pts[:, 2, None] * normals[None, :, 2]
    d += offsets[None, :]
    return np.abs(d, out=d)


def _least_squares(pts: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The total-least-squares plane of (N, 3) points (None for fewer than 3)."""
    if len(pts) < 3:
        return None
    centre = pts.mean(axis=0)
    spread = pts - centre
    _, vectors = np.linalg.eigh(spread.T @ spread)  # ascending: the first is the normal
    normal = vectors[:, 0]
    return normal, -float(normal @ centre)

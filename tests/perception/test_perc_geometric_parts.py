"""The geometric segmenter's parts: RANSAC planes and voxel DBSCAN, and its determinism."""

from __future__ import annotations

import numpy as np
import pytest
from perc_helpers import icl_frames

from embodied_mem.perception.segmenters import make_segmenter
from embodied_mem.perception.segmenters.clustering import voxel_dbscan
from embodied_mem.perception.segmenters.planes import ransac_plane


def _blobs(rng: np.random.Generator) -> np.ndarray:
    """Three dense blobs 1 m apart and a sprinkle of isolated points."""
    centres = np.array([[0.0, 0.0, 2.0], [1.0, 0.0, 2.0], [0.0, 1.0, 3.0]])
    blobs = [c + rng.normal(0.0, 0.03, (300, 3)) for c in centres]
    noise = rng.uniform(-3.0, 3.0, (40, 3)) + [0.0, 0.0, 8.0]
    return np.concatenate([*blobs, noise])


def test_voxel_dbscan_without_voxels_is_open3d_dbscan() -> None:
    o3d = pytest.importorskip("open3d", reason="open3d is the reference here")
    pts = _blobs(np.random.default_rng(0))
    want = np.asarray(
        o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts)).cluster_dbscan(0.05, 10)
    )
    assert np.array_equal(voxel_dbscan(pts, 0.05, 10, voxel_fraction=0.0), want)


def test_voxel_dbscan_finds_the_blobs_and_leaves_the_noise() -> None:
    pts = _blobs(np.random.default_rng(1))
    labels = voxel_dbscan(pts, 0.08, 10)
    assert [len(set(labels[i * 300 : (i + 1) * 300])) for i in range(3)] == [1, 1, 1]
    assert sorted(set(labels[:900])) == [0, 1, 2]  # numbered by their first point
    assert (labels[900:] == -1).all()
    assert len(voxel_dbscan(np.zeros((0, 3)), 0.08, 10)) == 0


def test_ransac_plane_recovers_a_noisy_plane_among_clutter() -> None:
    rng = np.random.default_rng(2)
    xy = rng.uniform(-2.0, 2.0, (400, 2))
    floor = np.column_stack([xy, 0.3 * xy[:, 0] - 0.2 * xy[:, 1] + 1.0 + rng.normal(0, 0.005, 400)])
    clutter = rng.uniform(-2.0, 2.0, (200, 3))
    normal, offset = ransac_plane(
        np.concatenate([floor, clutter]), 0.02, 200, np.random.default_rng(0)
    )
    want = np.array([0.3, -0.2, -1.0]) / np.linalg.norm([0.3, -0.2, -1.0])
    assert abs(abs(float(normal @ want)) - 1.0) < 1e-3
    assert np.abs(floor @ normal + offset).max() < 0.03
    assert ransac_plane(np.zeros((2, 3)), 0.02, 10, np.random.default_rng(0)) is None


def test_geometric_gives_the_same_proposals_for_the_same_frame() -> None:
    (frame,) = icl_frames([0])
    first = make_segmenter("geometric").segment(frame)
    again = make_segmenter("geometric").segment(frame)
    assert len(first) == len(again) >= 4
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.mask, b.mask) and np.array_equal(a.points, b.points)

"""Density clustering (DBSCAN) of a point cloud on its voxel centroids.

DBSCAN cost grows with points x neighbours, and both shrink when nearby points are merged
first: points are binned into voxels of ``voxel_fraction * eps`` (the points of one voxel are
within ``eps`` of each other, so they are neighbours anyway), each voxel's centroid stands for
them with their count as weight, and the voxel labels go back to the points. A voxel is a *core*
when the points of its ``eps`` neighbourhood (its own included) number at least
``min_points``; core voxels within ``eps`` form a cluster; other voxels join the cluster of a
core neighbour (the earliest cluster, as a scan in point order would) or are noise. With
``voxel_fraction = 0`` every point is its own voxel and this is plain DBSCAN (the labels
open3d's ``cluster_dbscan`` gives).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

_NONE = np.iinfo(np.int64).max


def voxel_dbscan(
    points: np.ndarray, eps: float, min_points: int, voxel_fraction: float = 0.35
) -> np.ndarray:
    """(N,) int64 cluster label per point of (N, 3) ``points``; -1 is noise.

    Clusters are numbered in the order of their earliest point.
    """
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64)
    first, inverse, weight = _voxels(points, eps * voxel_fraction)
    centres = np.stack([np.bincount(inverse, points[:, k]) for k in range(3)], axis=1)
    centres /= weight[:, None]
    n = len(centres)
    a, b = cKDTree(centres).query_pairs(eps, output_type="ndarray").T.reshape(2, -1)
    around = (
        weight + np.bincount(a, weight[b], minlength=n) + np.bincount(b, weight[a], minlength=n)
    )
    core = around >= min_points
    labels = _core_clusters(core, a, b, first)
    # Border voxels: the earliest cluster among their core neighbours.
    border = np.full(n, _NONE, dtype=np.int64)
    for x, y in ((a, b), (b, a)):
        reach = core[x] & ~core[y]
        np.minimum.at(border, y[reach], labels[x[reach]])
    joined = ~core & (border != _NONE)
    labels[joined] = border[joined]
    return labels[inverse]


def _voxels(points: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first point of each voxel, voxel of each point, points per voxel), voxels in order of
    their first point. ``size <= 0``: one voxel per point."""
    if size <= 0:
        idx = np.arange(len(points))
        return idx, idx, np.ones(len(points))
    keys = np.floor(points / size).astype(np.int64)
    keys -= keys.min(axis=0)
    dims = keys.max(axis=0) + 1
    flat = (keys[:, 0] * dims[1] + keys[:, 1]) * dims[2] + keys[:, 2]
    _, first, inverse, counts = np.unique(
        flat, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.argsort(first, kind="stable")  # renumber voxels by first point
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.ravel()], counts[order].astype(np.float64)


def _core_clusters(core: np.ndarray, a: np.ndarray, b: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Label per voxel: connected core voxels (pairs ``a``-``b`` within eps) share a label,
    numbered by their earliest point; non-core voxels get -1."""
    n = len(core)
    both = core[a] & core[b]
    src = np.concatenate([a[both], b[both]])
    dst = np.concatenate([b[both], a[both]])
    # Both directions given, so strong components are the connected ones; scipy's undirected
    # path would first build the transpose (a measurable part of a frame).
    order = np.argsort(src, kind="stable")
    indptr = np.searchsorted(src[order], np.arange(n + 1)).astype(np.int32)
    graph = csr_matrix((np.ones(len(src)), dst[order].astype(np.int32), indptr), shape=(n, n))
    _, comp = connected_components(graph, directed=True, connection="strong")
    labels = np.full(n, -1, dtype=np.int64)
    cores = np.flatnonzero(core)
    if not len(cores):
        return labels
    # Voxels are numbered by first point, so a component's smallest core voxel is its earliest.
    start = np.full(comp.max() + 1, n, dtype=np.int64)
    np.minimum.at(start, comp[cores], cores)
    used = np.flatnonzero(start < n)
    rank = np.full(len(start), -1, dtype=np.int64)
    rank[used[np.argsort(start[used])]] = np.arange(len(used))
    labels[cores] = rank[comp[cores]]
    return labels

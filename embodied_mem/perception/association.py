"""Geometric and semantic similarity between detections and tracks (ConceptGraphs-style).

Spatial overlap is the fraction of one cloud's points that have a neighbour in the other
within a radius (scipy cKDTree). It is taken in both directions and the larger kept, so a
partial view of a big object (all its points lie on the track) still matches, and so does a
first small glimpse later covered by a fuller view.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree


def overlap_fraction(
    tree_a: cKDTree,
    points_b: np.ndarray,
    radius: float,
    max_points: int | None = None,
    bounds_b: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """Fraction of ``points_b`` with a point of ``tree_a`` within ``radius``.

    With ``max_points``, the fraction is estimated on an evenly strided sample of at most that
    many points (deterministic; the clouds are voxel-downsampled, so a stride is spatially even).
    ``bounds_b``, (3,) float64 lower and upper corners of a box holding every point of
    ``points_b`` (e.g. its bounding box), only saves work; the answer is the same.
    """
    if len(points_b) == 0 or tree_a.n == 0:
        return 0.0
    sample = _sample(points_b, max_points)
    return _near_count(tree_a, sample, radius, bounds_b) / len(sample)


def overlap_fractions(
    trees: Sequence[cKDTree],
    points: Sequence[np.ndarray],
    radius: float,
    max_points: int | None = None,
    bounds: Sequence[tuple[np.ndarray, np.ndarray] | None] | None = None,
) -> list[float]:
    """``overlap_fraction(trees[k], points[k], radius, max_points, bounds[k])`` for every k.

    The same numbers, with one KD-tree query per distinct tree (by identity) for all the
    points asked of it: a query call costs about as much as ~70 points, and the mapper asks
    each track tree about several detections (and each detection's tree about several
    tracks) per frame. Each point's nearest-neighbour answer does not depend on the others
    queried with it.
    """
    out = [0.0] * len(trees)
    groups: dict[int, list[int]] = {}
    for k, tree in enumerate(trees):
        groups.setdefault(id(tree), []).append(k)
    for ks in groups.values():
        tree = trees[ks[0]]
        parts: list[np.ndarray] = []
        owners: list[int] = []
        sizes: list[int] = []
        for k in ks:
            if len(points[k]) == 0 or tree.n == 0:
                continue
            sample = _sample(points[k], max_points)
            query = _near_candidates(tree, sample, radius, bounds[k] if bounds else None)
            if query is not None and len(query):
                parts.append(query)
                owners.append(k)
                sizes.append(len(sample))
        if not parts:
            continue
        dist, _ = tree.query(np.concatenate(parts), k=1, distance_upper_bound=radius)
        near = np.isfinite(dist)
        segment = np.repeat(np.arange(len(parts)), [len(q) for q in parts])
        counts = np.bincount(segment[near], minlength=len(parts)).tolist()
        for k, count, size in zip(owners, counts, sizes, strict=True):
            out[k] = count / size  # Python ints, as overlap_fraction divides
    return out


def _sample(points: np.ndarray, max_points: int | None) -> np.ndarray:
    """The evenly strided sample of at most ``max_points`` points overlaps are estimated on."""
    if max_points is not None and len(points) > max_points:
        return points[:: -(-len(points) // max_points)]
    return points


def _near_count(
    tree_a: cKDTree,
    points_b: np.ndarray,
    radius: float,
    bounds_b: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    query = _near_candidates(tree_a, points_b, radius, bounds_b)
    if query is None or not len(query):
        return 0
    dist, _ = tree_a.query(query, k=1, distance_upper_bound=radius)
    return int(np.count_nonzero(np.isfinite(dist)))


def _near_candidates(
    tree_a: cKDTree,
    points_b: np.ndarray,
    radius: float,
    bounds_b: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray | None:
    """The points of ``points_b`` that can have a point of ``tree_a`` within ``radius``
    (None: none can); only these need a query."""
    # Only points of b inside a's grown box can be near a; skipping the rest is exact and
    # keeps the cost proportional to the overlap region, not to the whole track.
    lo, hi = tree_a.mins - radius, tree_a.maxes + radius
    if bounds_b is not None:
        # Decided for the whole box when it lies inside the grown box (every point is tested
        # by the tree) or apart from it (none can be near): the per-point test below
        # costs about a quarter of the query it saves, and this is most calls.
        # On Python floats: the same float64 comparisons without numpy's per-call overhead
        # on three numbers (this runs for every detection-track pair of every frame).
        (l0, l1, l2), (h0, h1, h2) = lo.tolist(), hi.tolist()
        (a0, a1, a2), (b0, b1, b2) = (np.asarray(c, dtype=np.float64).tolist() for c in bounds_b)
        if a0 >= l0 and a1 >= l1 and a2 >= l2 and b0 <= h0 and b1 <= h1 and b2 <= h2:
            return points_b
        if b0 < l0 or b1 < l1 or b2 < l2 or a0 > h0 or a1 > h1 or a2 > h2:
            return None
    # Column by column: half the cost of comparing (N, 3) blocks and reducing along rows.
    x, y, z = points_b[:, 0], points_b[:, 1], points_b[:, 2]
    inside = (x >= lo[0]) & (x <= hi[0]) & (y >= lo[1]) & (y <= hi[1]) & (z >= lo[2]) & (z <= hi[2])
    if not inside.any():
        return None
    return points_b[inside]


def mutual_overlap(
    tree_a: cKDTree,
    points_a: np.ndarray,
    tree_b: cKDTree,
    points_b: np.ndarray,
    radius: float,
    max_points: int | None = None,
    bounds: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> float:
    """max(frac of a near b, frac of b near a), in [0, 1]; ``bounds``: boxes holding a's and
    b's points (see :func:`overlap_fraction`)."""
    bounds_a, bounds_b = bounds if bounds is not None else (None, None)
    return max(
        overlap_fraction(tree_b, points_a, radius, max_points, bounds_a),
        overlap_fraction(tree_a, points_b, radius, max_points, bounds_b),
    )


def boxes_touching(
    lo: np.ndarray, hi: np.ndarray, mins: np.ndarray, maxs: np.ndarray, margin: float
) -> np.ndarray:
    """(K,) bool: which of K boxes ``mins``/``maxs`` (K, 3) touch box ``lo``/``hi`` grown by ``margin``."""
    if len(mins) == 0:
        return np.zeros(0, dtype=bool)
    return np.all(mins - margin <= hi, axis=1) & np.all(lo - margin <= maxs, axis=1)


def semantic_similarity(
    cat_a: str, emb_a: np.ndarray | None, cat_b: str, emb_b: np.ndarray | None
) -> float:
    """Cosine similarity mapped to [0, 1] when both embeddings exist, else category equality."""
    if emb_a is not None and emb_b is not None and emb_a.shape == emb_b.shape:
        na, nb = float(np.linalg.norm(emb_a)), float(np.linalg.norm(emb_b))
        if na > 0 and nb > 0:
            cos = float(np.dot(emb_a, emb_b) / (na * nb))
            return (cos + 1.0) / 2.0
    return 1.0 if cat_a == cat_b else 0.0


def assign(scores: np.ndarray, valid: np.ndarray) -> list[tuple[int, int]]:
    """Optimal one-to-one (row, col) matching maximising the summed score over ``valid`` pairs."""
    if scores.size == 0 or not valid.any():
        return []
    # Invalid pairs get a cost that no valid assignment can prefer, then are filtered out.
    cost = np.where(valid, -scores, 1e6)
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if valid[r, c]]

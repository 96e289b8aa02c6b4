"""The mapper's shortcuts give the numbers the plain computations give: the cached seeded
subsample, percentiles, boxes, box-decided overlaps and overlaps reused between merge passes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embodied_mem.perception.association import overlap_fraction, overlap_fractions
from embodied_mem.perception.backproject import percentile_linear
from embodied_mem.perception.mapper import MapperConfig, ObjectMapper, seeded_subsample
from embodied_mem.perception.mapper_types import MappedObject, column_bounds


@pytest.mark.parametrize(("total", "keep"), [(2001, 2000), (2600, 2000), (50, 7)])
def test_seeded_subsample_matches_fresh_draw(total: int, keep: int) -> None:
    fresh = np.sort(np.random.default_rng(total).choice(total, keep, replace=False))
    got = seeded_subsample(total, keep)
    assert np.array_equal(got, fresh)
    assert seeded_subsample(total, keep) is got  # cached
    with pytest.raises(ValueError):
        got[0] = 1  # shared between callers, so read-only


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_percentile_linear_is_numpys_percentile(dtype: type) -> None:
    rng = np.random.default_rng(3)
    for n in [1, 2, 3, 7, 10, 11, 200, 333]:
        for depths in (rng.uniform(0.3, 8.0, n), np.round(rng.uniform(0.3, 3.0, n), 1)):
            x = depths.astype(dtype)
            for q in (0, 10, 50, 90, 100):
                want, got = np.percentile(x, q), percentile_linear(x, q)
                assert got == want and type(got) is type(want), (n, q)


def test_column_bounds_are_the_per_axis_min_and_max() -> None:
    pts = np.random.default_rng(0).normal(size=(500, 3)).astype(np.float32)
    lo, hi = column_bounds(pts)
    assert lo.dtype == hi.dtype == np.float64
    assert np.array_equal(lo, pts.min(axis=0)) and np.array_equal(hi, pts.max(axis=0))


@pytest.mark.parametrize("shift", [0.0, 0.3, 0.6, 3.0])  # inside, partly, just apart, far
def test_overlap_decided_by_boxes_equals_the_point_by_point_count(shift: float) -> None:
    # a: a 4 cm grid, so every point of b inside it has a neighbour within 3.5 cm
    a = np.stack(np.meshgrid(*[np.arange(0.0, 1.0, 0.04)] * 3, indexing="ij"), -1).reshape(-1, 3)
    b = np.random.default_rng(1).uniform(0.2, 0.8, (300, 3)) + [shift, 0.0, 0.0]
    tree = cKDTree(a)
    plain = overlap_fraction(tree, b, 0.05, 150)
    assert overlap_fraction(tree, b, 0.05, 150, column_bounds(b)) == plain
    if shift == 0.0:
        assert plain == 1.0
    if shift == 3.0:
        assert plain == 0.0


def test_batched_overlaps_equal_one_call_per_pair() -> None:
    rng = np.random.default_rng(2)
    grid = np.stack(np.meshgrid(*[np.arange(0.0, 1.0, 0.04)] * 3, indexing="ij"), -1)
    trees = [cKDTree(grid.reshape(-1, 3) + [dx, 0.0, 0.0]) for dx in (0.0, 0.5)]
    # inside, partly inside, apart, empty, a float32 cloud and one over the sample size
    clouds = [
        rng.uniform(0.2, 0.8, (100, 3)),
        rng.uniform(0.2, 0.8, (300, 3)) + [0.6, 0.0, 0.0],
        rng.uniform(0.2, 0.8, (50, 3)) + [5.0, 0.0, 0.0],
        np.zeros((0, 3)),
        rng.uniform(0.0, 1.0, (80, 3)).astype(np.float32),
        rng.uniform(0.1, 1.2, (1000, 3)),
    ]
    pairs = [(t, c) for t in (0, 1) for c in range(len(clouds))]
    ts = [trees[t] for t, _ in pairs]
    cs = [clouds[c] for _, c in pairs]
    bounds = [column_bounds(c) if len(c) else None for c in cs]
    one_by_one = [
        overlap_fraction(t, c, 0.05, 150, b) for t, c, b in zip(ts, cs, bounds, strict=True)
    ]
    assert overlap_fractions(ts, cs, 0.05, 150, bounds) == one_by_one
    assert overlap_fractions(ts, cs, 0.05, 150) == one_by_one
    assert 0.0 < min(one_by_one[:2]) and max(one_by_one) > 0.9  # not all trivial


def _track(tid: str, points: np.ndarray) -> MappedObject:
    obj = MappedObject(
        id=tid,
        category="Book",
        category_votes={"Book": 1.0},
        points=points.astype(np.float32),
        centroid=np.zeros(3),
        bbox_min=np.zeros(3),
        bbox_max=np.zeros(3),
        embedding=None,
        n_observations=3,
        first_seen=0.0,
        last_seen=0.0,
        last_frame=0,
    )
    obj.refresh_geometry()
    return obj


def test_merge_passes_reuse_overlaps_only_while_both_clouds_are_unchanged() -> None:
    grid = np.stack(np.meshgrid(*[np.arange(0.0, 0.2, 0.025)] * 3, indexing="ij"), -1)
    cloud = grid.reshape(-1, 3)
    mapper = ObjectMapper(MapperConfig())
    # Boxes 3 cm apart: they touch within the overlap radius, but few points are near.
    mapper.restore([_track("obj_0000", cloud), _track("obj_0001", cloud + [0.205, 0.0, 0.0])])
    assert mapper.merge_duplicates() == []
    assert mapper.merge_duplicates() == []  # the same clouds: reused, the same answer
    mapper.relocate("obj_0001", cloud + [0.01, 0.0, 0.0])  # now on top of the first
    assert mapper.merge_duplicates() == [("obj_0001", "obj_0000")]

"""The mapper's cached subsample is the same seeded draw as drawing it fresh."""

from __future__ import annotations

import numpy as np
import pytest

from embodied_mem.perception.mapper import seeded_subsample


@pytest.mark.parametrize(("total", "keep"), [(2001, 2000), (2600, 2000), (50, 7)])
def test_seeded_subsample_matches_fresh_draw(total: int, keep: int) -> None:
    fresh = np.sort(np.random.default_rng(total).choice(total, keep, replace=False))
    got = seeded_subsample(total, keep)
    assert np.array_equal(got, fresh)
    assert seeded_subsample(total, keep) is got  # cached
    with pytest.raises(ValueError):
        got[0] = 1  # shared between callers, so read-only

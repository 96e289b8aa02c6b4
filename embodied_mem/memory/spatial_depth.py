"""The depth the free-space map folds in: every ``stride``-th pixel, median-filtered under noise.

:func:`median3_strided` is ``scipy.ndimage.median_filter(depth, size=3, mode="nearest")``
taken at just the pixels the map uses: the map reads every second row and column, so the
full filter spent three quarters of its work on pixels it threw away, and a rank filter sorts
each window where nineteen compare-exchanges find the median of nine.
"""

from __future__ import annotations

import numpy as np

# Devillard's median-of-9 network (after Paeth, Graphics Gems): after these compare-exchanges
# the fifth smallest value is in slot 4.
_MEDIAN9 = (
    (1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3),
    (5, 8), (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2),
)  # fmt: skip


def median3_strided(depth: np.ndarray, stride: int) -> np.ndarray:
    """``median_filter(depth, size=3, mode="nearest")[::stride, ::stride]``, the same values.

    Args:
        depth: (H, W) float depth.
        stride: keep every ``stride``-th row and column (>= 1).

    Returns:
        (ceil(H / stride), ceil(W / stride)) array of ``depth``'s dtype.
    """
    if np.isnan(depth).any():
        # NaN has no place in a sorted order: leave its handling to scipy's filter.
        from scipy import ndimage  # on use: a slow import the CLI's config loading skips

        return ndimage.median_filter(depth, size=3, mode="nearest")[::stride, ::stride]
    h, w = depth.shape
    padded = np.pad(depth, 1, mode="edge")  # mode="nearest": edge pixels repeat
    p = [padded[i : i + h : stride, j : j + w : stride].copy() for i in range(3) for j in range(3)]
    for a, b in _MEDIAN9:
        low = np.minimum(p[a], p[b])
        np.maximum(p[a], p[b], out=p[b])
        p[a] = low
    return p[4]

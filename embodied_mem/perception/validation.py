"""Checks of one frame's detections before the mapper or memory changes anything.

:func:`check_detections` raises :class:`~envs.validation.FrameError` (reason
``detection_<part>``) for anything the mapper cannot fold in safely — a malformed mask, a
NaN/inf/huge or wrongly shaped point cloud, a non-finite or zero embedding or one whose size
differs from the map's, a score outside [0, 1], an empty label — and returns the detections
with their labels sanitised (:mod:`embodied_mem.perception.labels`). Array checks are one
vectorised pass per array.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from embodied_mem.perception.labels import clean_attributes, clean_label
from embodied_mem.perception.types import Detection
from envs.validation import WORLD_BOUND_M, FrameError


def _fail(i: int, det: Any, part: str, problem: str) -> FrameError:
    label = getattr(det, "category", "?")
    return FrameError(f"detection {i} ({label!r:.40}): {problem}", f"detection_{part}")


def _check_points(i: int, det: Detection) -> None:
    p = det.points
    if not isinstance(p, np.ndarray) or p.ndim != 2 or p.shape[1] != 3:
        shape = p.shape if isinstance(p, np.ndarray) else type(p).__name__
        raise _fail(i, det, "points", f"points must be an (N, 3) array of metres, got {shape}")
    if len(p) == 0:
        return
    if p.dtype.kind not in "iuf":
        raise _fail(i, det, "points", f"points must be real numbers, got dtype {p.dtype}")
    # NaN propagates through max(), so this one pass rejects NaN, inf and huge values alike.
    worst = float(np.abs(p).max())
    if not worst <= WORLD_BOUND_M:
        raise _fail(
            i,
            det,
            "points",
            f"points contain NaN/inf or coordinates beyond {WORLD_BOUND_M:g} m (max |x| = "
            f"{worst:g}); drop the bad points or leave points empty to back-project the mask",
        )


def _check_embedding(i: int, det: Detection, dim: int | None) -> int | None:
    """Returns the embedding size (None without an embedding)."""
    e = det.embedding
    if e is None:
        return None
    try:
        arr = np.asarray(e)
    except (TypeError, ValueError):
        arr = None
    if (
        arr is None
        or arr.ndim != 1
        or arr.size == 0
        or arr.dtype.kind not in "iuf"  # signed, unsigned, float
    ):
        got = f"{arr.shape} {arr.dtype}" if arr is not None else type(e).__name__
        raise _fail(i, det, "embedding", f"embedding must be a 1-D real vector, got {got}")
    arr = arr.astype(np.float64, copy=False)
    norm = float(np.sqrt(np.dot(arr, arr)))  # NaN/inf anywhere make the norm non-finite
    if not np.isfinite(norm) or norm == 0.0:
        raise _fail(
            i,
            det,
            "embedding",
            "embedding contains NaN/inf or is all zeros; the embedder failed on this label — "
            "leave embedding None to fall back to category matching",
        )
    if dim is not None and arr.size != dim:
        raise _fail(
            i,
            det,
            "embedding",
            f"embedding has {arr.size} dimensions but the map's embeddings have {dim}; use "
            "one embedder for the whole run",
        )
    return arr.size


def _check_label(i: int, det: Detection) -> Detection:
    """``det`` with clean category and attributes (the same object when already clean)."""
    if not isinstance(det.category, str):
        raise _fail(i, det, "category", f"category must be a string, got {det.category!r:.40}")
    category = clean_label(det.category)
    if not category:
        raise _fail(i, det, "category", "category is empty (or only control characters); label it")
    attrs = det.attributes
    if not isinstance(attrs, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in attrs.items()
    ):
        raise _fail(i, det, "attributes", "attributes must be a dict of str -> str")
    clean = clean_attributes(attrs)
    if "" in clean:
        raise _fail(i, det, "attributes", "an attribute name is empty after sanitising")
    if category == det.category and clean == attrs:
        return det
    return dataclasses.replace(det, category=category, attributes=clean)


def check_detections(
    detections: Sequence[Detection], depth_shape: tuple[int, ...], embedding_dim: int | None
) -> list[Detection]:
    """Validate one frame's detections against its ``(H, W)`` depth shape.

    Args:
        detections: the frame's detections.
        depth_shape: the frame's depth shape; masks must match it.
        embedding_dim: the size the map's embeddings already have (None: not fixed yet; the
            frame's own embeddings must then agree with each other).

    Returns:
        The detections, those with unclean labels replaced by sanitised copies.

    Raises:
        FrameError: the first faulty detection, with reason ``detection_<part>``.
    """
    if isinstance(detections, str | bytes) or not isinstance(detections, Sequence):
        raise FrameError(
            f"detections must be a list of Detection, got {type(detections).__name__}",
            "detections",
        )
    out: list[Detection] = []
    dim = embedding_dim
    for i, det in enumerate(detections):
        if not isinstance(det, Detection):
            raise FrameError(
                f"detection {i} must be a Detection, got {type(det).__name__}", "detections"
            )
        m = det.mask
        if not isinstance(m, np.ndarray) or m.shape != depth_shape or m.dtype != np.bool_:
            got = f"{m.shape} {m.dtype}" if isinstance(m, np.ndarray) else type(m).__name__
            raise _fail(i, det, "mask", f"mask must be {depth_shape} bool, got {got}")
        s = det.score
        if (
            isinstance(s, bool)
            or not isinstance(s, int | float | np.integer | np.floating)
            or not 0 <= s <= 1
        ):
            raise _fail(i, det, "score", f"score must be a number in [0, 1], got {s!r}")
        _check_points(i, det)
        dim = _check_embedding(i, det, dim) or dim
        out.append(_check_label(i, det))
    return out

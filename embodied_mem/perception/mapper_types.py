"""Records the object mapper produces: tracks (:class:`MappedObject`) and per-frame changes
(:class:`MapperUpdate`). Import them from ``embodied_mem.perception.mapper``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def column_bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(3,) float64 per-axis minimum and maximum of (N, 3) ``points``, N >= 1.

    The values of ``points.min(axis=0)`` and ``points.max(axis=0)`` (a minimum is exact in
    any order), reduced over a transposed copy: numpy reduces the short axis of an (N, 3)
    array row by row, ten to twenty times slower than along contiguous columns, and boxes are
    taken of every track and detection in every frame.
    """
    cols = np.ascontiguousarray(np.asarray(points).T)
    return cols.min(axis=1).astype(np.float64), cols.max(axis=1).astype(np.float64)


@dataclass
class MappedObject:
    """One object track in the map (memory id, never an env id)."""

    id: str
    category: str
    """Majority of ``category_votes``."""
    category_votes: dict[str, float]
    """Summed detection scores per label."""
    points: np.ndarray
    """(N, 3) float32 world points, voxel-downsampled, at most ``max_points_per_object``."""
    centroid: np.ndarray
    bbox_min: np.ndarray
    bbox_max: np.ndarray
    embedding: np.ndarray | None
    """Running mean of detection embeddings, L2-normalised; None if none had one."""
    n_observations: int
    first_seen: float
    last_seen: float
    last_frame: int
    attributes: dict[str, str] = field(default_factory=dict)
    oracle_votes: dict[str, int] = field(default_factory=dict)
    """Env ids seen via oracle/noisy segmenters; evaluation only."""
    first_frame: int = 0
    furniture: frozenset[str] = frozenset()
    """Categories (casefolded) the track may no longer take: once the agent has picked the
    thing up, the receptacle kinds (what was in hand is a movable thing). Without it a watch
    seen once, on a side table, became a "SideTable" by the side table's votes and was merged
    into it, taking its pick and place with it. Its kind may still change among movable ones
    (a cup first seen as a plate)."""

    def vote(self) -> None:
        """``category``: the most voted label it may take (see :attr:`furniture`)."""
        votes = self.category_votes
        allowed = [c for c in votes if c.casefold() not in self.furniture]
        self.category = max(allowed or list(votes), key=votes.__getitem__)

    def refresh_geometry(self) -> None:
        """Recompute centroid and box from ``points``."""
        if len(self.points):
            self.centroid = self.points.mean(axis=0).astype(np.float64)
            self.bbox_min, self.bbox_max = column_bounds(self.points)

    @property
    def oracle_id(self) -> str | None:
        """Most voted env id (evaluation only)."""
        return (
            max(self.oracle_votes, key=self.oracle_votes.__getitem__) if self.oracle_votes else None
        )


@dataclass
class MapperUpdate:
    """What changed in one :meth:`ObjectMapper.update`."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)
    """(absorbed_id, kept_id)."""
    removed: list[str] = field(default_factory=list)
    """Dropped (seen too few times) or gone."""
    visible: dict[str, int] = field(default_factory=dict)
    """Memory id → mask pixels in this frame."""
    missing: list[str] = field(default_factory=list)
    """Expected in view (in frustum, unoccluded by depth) but not detected."""
    skipped_detections: int = 0
    """Detections skipped: mask too small or too few valid depth points."""
    invalid_depth_pixels: int = 0
    """Masked pixels dropped for 0/NaN/inf/negative depth."""

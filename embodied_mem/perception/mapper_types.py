"""Records the object mapper produces: tracks (:class:`MappedObject`) and per-frame changes
(:class:`MapperUpdate`). Import them from ``embodied_mem.perception.mapper``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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

    def refresh_geometry(self) -> None:
        """Recompute centroid and box from ``points``."""
        if len(self.points):
            self.centroid = self.points.mean(axis=0).astype(np.float64)
            self.bbox_min = self.points.min(axis=0).astype(np.float64)
            self.bbox_max = self.points.max(axis=0).astype(np.float64)

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

"""Thresholds of the object mapper (association, merging, dropping, negative evidence)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class MapperConfig:
    """Config of :class:`embodied_mem.perception.mapper.ObjectMapper`."""

    voxel_size: float = 0.025
    """Voxel edge (m) for downsampling detection and track clouds."""
    max_points_per_object: int = 2000
    """Cap on a track's stored points (memory stores a small cloud per node)."""
    capped_growth: float = 0.05
    """A track at ``max_points_per_object`` holds a seeded random sample of its surface, so a
    view of it always finds "new" points in the sample's gaps, and folding them in draws the
    sample anew (and rebuilds its KD-tree): 919 of 943 updates of capped tracks did so in one
    episode's experience (memory-oracle, seed 0, full-0001). At the cap, a view whose new
    points all lie within the track's box (grown by a voxel) is folded in only when they are at
    least this share of the cap; new points beyond the box (surface the track has not reached
    yet) always are. 0 folds in any view (as before). Measured against 0: memory-oracle +3 and
    0 tasks of ~610 on two seeds of the full suite and the same 182 of 184 in the large
    setting; memory-noisy -6 and -8 (within the 1-3 % its score moves by whenever its frames
    change); evaluation ~4 % cheaper."""
    max_backproject_pixels: int = 4000
    """Large masks are strided so that about this many pixels are back-projected (speed)."""
    depth_median_window: int = 5
    """Odd window (pixels): each back-projected mask pixel takes the median depth of the
    mask's valid pixels around it, which removes most per-pixel sensor noise without mixing
    in surfaces across the mask's edge; 1 uses the raw readings."""
    max_depth: float | None = 8.0
    """Depth readings beyond this (m) are ignored; None = no limit."""
    min_mask_pixels: int = 25
    """Detections with fewer mask pixels are skipped and counted."""
    min_points: int = 5
    """Detections with fewer cleaned points are skipped and counted."""
    outlier_neighbors: int = 10
    """Neighbours for statistical outlier removal; 0 disables it."""
    outlier_interval: int = 10
    """Every this many frames, tracks changed since the last pass are cleaned of outliers."""
    outlier_min_growth: float = 0.1
    """A track is cleaned once the points added since its last cleaning reach this fraction."""
    detection_outliers: bool = False
    """Also clean every detection's cloud before association (slower; for noisy sensors)."""
    outlier_std_ratio: float = 2.0
    """Std-dev multiplier for statistical outlier removal."""
    overlap_radius: float = 0.05
    """Two points overlap when closer than this (m)."""
    overlap_sample_points: int = 150
    """Overlap fractions are estimated on at most this many evenly strided points per cloud."""
    w_spatial: float = 1.0
    """Weight of spatial overlap in the association score."""
    w_semantic: float = 0.5
    """Weight of semantic similarity in the association score."""
    min_overlap: float = 0.2
    """A detection never joins a track it overlaps less than this."""
    match_threshold: float = 0.75
    """Minimum association score to join a track (else a new track is created)."""
    size_ratio: float = 4.0
    """Overlap alone cannot tell a thing from what it lies on or in: a tissue box's points all
    lie on the table's track, a key chain's all on the sofa's detection. So a detection joins a
    track of another category only when neither cloud has more than this many times the other's
    points (a label error is a same-size thing), and joins a settled track (see
    ``settled_observations``) only with at most this many times its points (a kettle seen 30
    times does not become the cabinet around it). 0 disables both checks."""
    settled_observations: int = 5
    """A track seen this many times has a known size (see ``size_ratio``)."""
    merge_interval: int = 10
    """Run duplicate merging every this many frames; 0 disables it."""
    merge_overlap: float = 0.5
    """Mutual overlap needed to merge two tracks."""
    merge_similarity: float = 0.75
    """Semantic similarity needed to merge two tracks."""
    min_observations: int = 2
    """Tracks seen fewer times than this ..."""
    drop_after_frames: int = 20
    """... this many frames after creation are dropped."""
    missing_min_points: int = 10
    """Fewest in-view points seen through (their spot empty) for a track to count as missing."""
    missing_min_fraction: float = 0.3
    """Fraction of a track's points that must be in view and seen through to count it missing."""
    missing_depth_margin: float = 0.1
    """A track point's spot is seen empty when the measured depth is this much (m) behind it;
    a surface in front occludes it, one within the margin may be the thing itself."""

    def __post_init__(self) -> None:
        positive = {"voxel_size": self.voxel_size, "overlap_radius": self.overlap_radius}
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"MapperConfig.{name} must be > 0, got {value}")
        if self.max_depth is not None and not self.max_depth > 0:
            raise ValueError(f"MapperConfig.max_depth must be > 0 or None, got {self.max_depth}")
        counts = {
            "max_points_per_object": self.max_points_per_object,
            "max_backproject_pixels": self.max_backproject_pixels,
            "overlap_sample_points": self.overlap_sample_points,
            "min_points": self.min_points,
            "min_observations": self.min_observations,
        }
        for name, value in counts.items():
            if value < 1:
                raise ValueError(f"MapperConfig.{name} must be >= 1, got {value}")
        nonneg = {
            "min_mask_pixels": self.min_mask_pixels,
            "outlier_neighbors": self.outlier_neighbors,
            "merge_interval": self.merge_interval,
            "outlier_interval": self.outlier_interval,
            "drop_after_frames": self.drop_after_frames,
            "missing_min_points": self.missing_min_points,
            "w_spatial": self.w_spatial,
            "w_semantic": self.w_semantic,
            "missing_depth_margin": self.missing_depth_margin,
            "size_ratio": self.size_ratio,
            "settled_observations": self.settled_observations,
        }
        for name, value in nonneg.items():
            if value < 0:
                raise ValueError(f"MapperConfig.{name} must be >= 0, got {value}")
        unit = {
            "min_overlap": self.min_overlap,
            "merge_overlap": self.merge_overlap,
            "merge_similarity": self.merge_similarity,
            "missing_min_fraction": self.missing_min_fraction,
            "outlier_min_growth": self.outlier_min_growth,
            "capped_growth": self.capped_growth,
        }
        for name, value in unit.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"MapperConfig.{name} must be in [0, 1], got {value}")
        if self.depth_median_window < 1 or self.depth_median_window % 2 == 0:
            raise ValueError(
                "MapperConfig.depth_median_window must be an odd number >= 1, "
                f"got {self.depth_median_window}"
            )
        if self.outlier_std_ratio <= 0:
            raise ValueError(
                f"MapperConfig.outlier_std_ratio must be > 0, got {self.outlier_std_ratio}"
            )

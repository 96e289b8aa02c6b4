"""Which frames the episodic log keeps as keyframes, and their optional JPEG thumbnails.

A frame is kept every ``keyframe_every`` frames, and also whenever the set of visible objects
changes by more than ``visible_change`` (Jaccard distance), so a long stare at the same shelf
costs one keyframe while every new view is kept.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass
class EpisodicConfig:
    """Keyframe selection and thumbnails."""

    keyframe_every: int = 10
    """Keep every k-th frame (0 = only on visible-set changes)."""
    visible_change: float = 0.5
    """Keep a frame when the Jaccard distance of its visible set to the last keyframe's exceeds this (>1 disables)."""
    min_coverage: float = 0.0005
    """Objects covering less than this fraction of the image are not recorded as visible."""
    thumbnails: bool = False
    """Store a small JPEG thumbnail of the RGB frame with each keyframe (runs whose planner
    looks at frames, ``hf`` and ``frames``, turn this on)."""
    thumbnail_width: int = 64
    """Thumbnail width in pixels (height keeps the aspect ratio)."""
    thumbnail_quality: int = 60
    """JPEG quality 1..95."""

    def __post_init__(self) -> None:
        if self.keyframe_every < 0:
            raise ValueError(f"keyframe_every must be >= 0, got {self.keyframe_every}")
        if self.visible_change < 0:
            raise ValueError(f"visible_change must be >= 0, got {self.visible_change}")
        if not 0.0 <= self.min_coverage < 1.0:
            raise ValueError(f"min_coverage must be in [0, 1), got {self.min_coverage}")
        if self.thumbnail_width < 8:
            raise ValueError(f"thumbnail_width must be >= 8, got {self.thumbnail_width}")
        if not 1 <= self.thumbnail_quality <= 95:
            raise ValueError(f"thumbnail_quality must be in 1..95, got {self.thumbnail_quality}")


def encode_thumbnail(rgb: np.ndarray, width: int, quality: int) -> bytes:
    """Downscale an (H, W, 3) uint8 image to ``width`` pixels wide and encode it as JPEG."""
    from PIL import Image  # pillow is a core dependency; imported here to keep import time low

    img = Image.fromarray(np.ascontiguousarray(rgb))
    height = max(1, round(img.height * width / img.width))
    buf = io.BytesIO()
    img.resize((width, height), Image.Resampling.BILINEAR).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def jaccard_distance(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    union = sa | sb
    return 0.0 if not union else 1.0 - len(sa & sb) / len(union)

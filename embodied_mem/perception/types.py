"""What segmenters produce and what the object mapper consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Detection:
    """One instance proposal in one frame.

    Attributes:
        mask: (H, W) bool pixels of the instance.
        category: label (AI2-THOR type names for oracle/noisy; "object" for class-agnostic).
        score: confidence in [0, 1].
        points: (N, 3) float64 world points back-projected from the masked depth (filled by
            the back-projection stage; empty before it).
        embedding: optional feature vector (text or image embedding), L2-normalised.
        oracle_id: the env's object id. Only the ``oracle``/``noisy`` segmenters set it and
            only evaluation or oracle-labelled code may read it.
        attributes: optional attributes (color, material, shape) the segmenter can tell.
    """

    mask: np.ndarray
    category: str
    score: float = 1.0
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    embedding: np.ndarray | None = None
    oracle_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def pixel_count(self) -> int:
        return int(np.count_nonzero(self.mask))

"""Segmenter backends behind one interface, registered by name with lazy imports.

``make_segmenter("oracle", categories=gt_categories)`` builds a backend; heavy modules
(open3d, transformers) are imported only when their backend is built.
"""

from __future__ import annotations

from typing import Any

from embodied_mem.perception.segmenters.base import (
    ObservationCorruptor,
    PoseEstimator,
    Segmenter,
)
from envs.registry import Registry

SEGMENTERS: Registry[Segmenter] = Registry("segmenter")
#: Backends that read the simulator's masks (ground truth): only they may be given it.
ORACLE_SEGMENTERS: tuple[str, ...] = ("oracle", "noisy")
SEGMENTERS.register(
    "oracle",
    "embodied_mem.perception.segmenters.oracle:OracleSegmenter",
    description="ORACLE: ground-truth instance masks and categories from the simulator (evaluation/upper bound)",
)
SEGMENTERS.register(
    "noisy",
    "embodied_mem.perception.segmenters.noisy:NoisySegmenter",
    description="ORACLE degraded on purpose: misses, merges, splits, label confusion, depth noise, pose drift",
)
SEGMENTERS.register(
    "geometric",
    "embodied_mem.perception.segmenters.geometric:GeometricSegmenter",
    description="weight-free class-agnostic proposals from depth (RANSAC plane removal + DBSCAN)",
)
SEGMENTERS.register(
    "open_vocab",
    "embodied_mem.perception.segmenters.open_vocab:OpenVocabSegmenter",
    extra="hf",
    description="zero-shot OWL-ViT/OWLv2 detector (transformers) from local weights; box masks refined by depth",
)


def make_segmenter(name: str, *args: Any, **kwargs: Any) -> Segmenter:
    """Build the segmenter registered as ``name`` (arguments go to its constructor)."""
    return SEGMENTERS.build(name, *args, **kwargs)


__all__ = [
    "ORACLE_SEGMENTERS",
    "SEGMENTERS",
    "ObservationCorruptor",
    "PoseEstimator",
    "Segmenter",
    "make_segmenter",
]

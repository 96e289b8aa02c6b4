"""ORACLE segmenter: ground-truth instance masks and categories from the simulator.

This reads ``Observation.instance_ids`` / ``instance_names`` and a caller-supplied category
lookup built from ground truth (env object id → category). It is an upper bound for
evaluation and sets ``Detection.oracle_id``; it must never be presented as real perception.

Documented skips (counted in :attr:`OracleSegmenter.last_stats`, never silent):
instance ids absent from ``instance_names`` (e.g. unlabelled walls), env ids absent from the
category lookup, masks below ``min_mask_pixels``, and the object the agent holds (it moves
with the camera; memory records it as held instead).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from embodied_mem.perception.segmenters.base import GroundTruthBacked
from embodied_mem.perception.types import Detection
from envs.ground_truth import GroundTruth
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass
class OracleSegmenterConfig:
    """Config of the ORACLE segmenter."""

    min_mask_pixels: int = 4
    """Masks smaller than this are skipped (and counted). Below the mapper's own minimum on
    purpose: a thing seen only as a few pixels is not mapped, but when the agent picks it up
    memory makes an object of that small detection (:func:`embodied_mem.memory.relink.
    adopt_detection_at`); with 20 here an apple seen as 11-12 px behind a kettle never reached
    memory, and its pick was pinned on the kettle."""
    skip_held: bool = True
    """Skip the object the agent holds (it would smear along the camera path)."""
    strict: bool = False
    """Raise ``KeyError`` on an env id missing from the category lookup instead of skipping it."""
    ignore_categories: list[str] = field(default_factory=list)
    """Categories never reported (e.g. ``Floor``, ``Wall`` when structure is not wanted)."""

    def __post_init__(self) -> None:
        if self.min_mask_pixels < 0:
            raise ValueError(
                f"OracleSegmenterConfig.min_mask_pixels must be >= 0, got {self.min_mask_pixels}"
            )


@dataclass
class OracleStats:
    """What the last ``segment`` call skipped."""

    unnamed_ids: int = 0
    unknown_objects: int = 0
    small_masks: int = 0
    held: int = 0


class OracleSegmenter(GroundTruthBacked):
    """ORACLE: ground-truth masks + categories (evaluation upper bound)."""

    label = "oracle"

    def __init__(
        self,
        categories: Mapping[str, str] | None = None,
        config: OracleSegmenterConfig | None = None,
        attributes: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Args:
        categories: env object id → category, from the env's ground truth.
        config: thresholds; defaults when None.
        attributes: optional env object id → attributes (color, material, ...) from ground truth.
        """
        self.categories: dict[str, str] = dict(categories or {})
        self.attributes: dict[str, dict[str, str]] = {
            k: dict(v) for k, v in (attributes or {}).items()
        }
        self.config = config or OracleSegmenterConfig()
        self.last_stats = OracleStats()

    def set_ground_truth(self, gt: GroundTruth) -> None:
        """Replace categories and attributes with those of ``gt`` (e.g. after ``env.reset``)."""
        self.categories = {oid: rec.category for oid, rec in gt.objects.items()}
        self.attributes = {oid: dict(rec.attributes) for oid, rec in gt.objects.items()}

    def segment(self, obs: Observation) -> list[Detection]:
        """One detection per labelled instance id in ``obs.instance_ids`` (ORACLE)."""
        if obs.instance_ids is None:
            raise ValueError(
                "the ORACLE segmenter needs obs.instance_ids; this env/frame has no "
                "instance masks — use the 'geometric' or 'open_vocab' segmenter"
            )
        ids = obs.instance_ids
        if ids.shape != obs.depth.shape or ids.dtype != np.int32:
            raise ValueError(
                f"instance_ids must be {obs.depth.shape} int32, got {ids.shape} {ids.dtype}"
            )
        stats = OracleStats()
        cfg = self.config
        uniq, counts = np.unique(ids, return_counts=True)
        dets: list[Detection] = []
        for iid, count in zip(uniq.tolist(), counts.tolist(), strict=True):
            if iid == 0:
                continue
            env_id = obs.instance_names.get(iid)
            if env_id is None:
                stats.unnamed_ids += 1
                continue
            if cfg.skip_held and env_id == obs.held_object:
                stats.held += 1
                continue
            category = self.categories.get(env_id)
            if category is None:
                if cfg.strict:
                    raise KeyError(
                        f"ORACLE segmenter: env object {env_id!r} has no category in the "
                        "ground-truth lookup; pass categories={id: category} from env.ground_truth()"
                    )
                stats.unknown_objects += 1
                continue
            if category in cfg.ignore_categories:
                continue
            if count < cfg.min_mask_pixels:
                stats.small_masks += 1
                continue
            dets.append(
                Detection(
                    mask=ids == iid,
                    category=category,
                    score=1.0,
                    oracle_id=env_id,
                    attributes=dict(self.attributes.get(env_id, {})),
                )
            )
        self.last_stats = stats
        if stats.unnamed_ids or stats.unknown_objects:
            logger.debug("ORACLE segmenter frame %d: skipped %s", obs.frame_index, stats)
        return dets

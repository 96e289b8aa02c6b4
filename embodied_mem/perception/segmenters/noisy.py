"""ORACLE degraded on purpose, so memory can be evaluated under realistic perception errors.

Every error source is a knob in :class:`NoisySegmenterConfig`; with all of them at zero the
output equals the ORACLE's. Randomness comes from one ``numpy`` generator seeded by
``config.seed`` (``reset(seed)`` restarts it), so a run is reproducible per seed given the same
sequence of calls (the pipeline calls ``corrupt`` then ``segment`` once per frame).

Sensor errors (depth noise, pose drift) are applied by :meth:`NoisySegmenter.corrupt`, which
returns the frame the mapper must use (:meth:`NoisySegmenter.localize` gives the policies the
same drifted pose for any frame); label/mask errors by :meth:`NoisySegmenter.segment`.
Detections still carry ``oracle_id`` (evaluation only): a merged mask keeps the larger part's id.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from embodied_mem.perception.backproject import valid_depth
from embodied_mem.perception.pose_shift import shift_pose
from embodied_mem.perception.segmenters.base import GroundTruthBacked
from embodied_mem.perception.segmenters.oracle import OracleSegmenter, OracleSegmenterConfig
from embodied_mem.perception.types import Detection
from envs.ground_truth import GroundTruth
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass
class NoisySegmenterConfig:
    """Error model of the noisy (degraded ORACLE) segmenter."""

    seed: int = 0
    """Seed of the error generator."""
    miss_prob: float = 0.1
    """Probability that a mask is dropped."""
    merge_prob: float = 0.05
    """Probability that a mask is merged with an adjacent (touching) mask."""
    split_prob: float = 0.05
    """Probability that a mask is split in two along its longer axis."""
    confusion_prob: float = 0.05
    """Probability that a label is replaced by another from ``confusion_vocabulary``."""
    confusion_vocabulary: list[str] = field(default_factory=list)
    """Labels to confuse with; empty = the categories of the ground-truth lookup."""
    depth_noise_std: float = 0.01
    """Gaussian depth noise std as a fraction of depth (0.01 = 1 cm at 1 m)."""
    pose_drift_trans_std: float = 0.002
    """Per-frame random-walk step std (m) of the camera position drift (x, y); per frame of
    the env, counting frames this segmenter was not given (by ``frame_index``)."""
    pose_drift_yaw_std: float = 0.001
    """Per-frame random-walk step std (rad) of the camera yaw drift about world z (per frame
    of the env, as above)."""
    min_mask_pixels: int = 20
    """Masks smaller than this (after splitting) are dropped."""

    def __post_init__(self) -> None:
        for name in ("miss_prob", "merge_prob", "split_prob", "confusion_prob"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"NoisySegmenterConfig.{name} must be a probability in [0, 1], got {value}"
                )
        for name in ("depth_noise_std", "pose_drift_trans_std", "pose_drift_yaw_std"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(
                    f"NoisySegmenterConfig.{name} must be finite and >= 0, got {value}"
                )
        if self.min_mask_pixels < 0:
            raise ValueError(
                f"NoisySegmenterConfig.min_mask_pixels must be >= 0, got {self.min_mask_pixels}"
            )


class NoisySegmenter(GroundTruthBacked):
    """ORACLE masks with deliberate misses, merges, splits, label confusions and sensor errors."""

    label = "noisy-oracle"

    def __init__(
        self,
        categories: Mapping[str, str] | None = None,
        config: NoisySegmenterConfig | None = None,
    ) -> None:
        self.config = config or NoisySegmenterConfig()
        self._oracle = OracleSegmenter(categories, OracleSegmenterConfig(min_mask_pixels=0))
        self.reset(self.config.seed)

    def reset(self, seed: int | None = None) -> None:
        """Restart the error generator and the pose drift (new episode)."""
        self._rng = np.random.default_rng(self.config.seed if seed is None else seed)
        self.drift_translation = np.zeros(3)
        self.drift_yaw = 0.0
        self._last_frame: int | None = None

    def set_ground_truth(self, gt: GroundTruth) -> None:
        self._oracle.set_ground_truth(gt)

    # ---- sensor errors ----------------------------------------------------------------

    def corrupt(self, obs: Observation) -> Observation:
        """A copy of ``obs`` with proportional depth noise and the accumulated pose drift."""
        cfg = self.config
        depth = obs.depth
        if cfg.depth_noise_std > 0:
            noise = self._rng.standard_normal(depth.shape, dtype=np.float32)
            ok = valid_depth(depth)
            # Invalid readings stay invalid; noise never turns them into fake surfaces.
            depth = np.where(ok, depth * (1.0 + cfg.depth_noise_std * noise), depth).astype(
                np.float32
            )
            depth[ok & (depth <= 0)] = 0.0
        # The drift walks per frame of the env, whether or not this one saw each: the sum
        # of k steps is one step of sqrt(k) times the std (frames a walk's stride skips).
        k = 1 if self._last_frame is None else max(obs.frame_index - self._last_frame, 1)
        self._last_frame = obs.frame_index
        scale = float(np.sqrt(k))
        self.drift_translation[:2] += self._rng.normal(0.0, scale * cfg.pose_drift_trans_std, 2)
        self.drift_yaw += float(self._rng.normal(0.0, scale * cfg.pose_drift_yaw_std))
        return self.localize(obs.replace(depth=depth))

    def localize(self, obs: Observation) -> Observation:
        """``obs`` with the agent's own pose estimate: camera and agent pose drifted by the
        drift accumulated so far (no new drift step, no depth noise).

        The drift is the agent's localisation error, so it moves the agent pose as well as the
        camera: memory, its free-space map and the policies that walk on them all share one
        (drifted) frame of reference (issue 14: policies that walked on the true pose missed
        targets memory placed in the drifted frame).
        """
        return shift_pose(
            obs, float(self.drift_translation[0]), float(self.drift_translation[1]), self.drift_yaw
        )

    # ---- mask and label errors --------------------------------------------------------

    def segment(self, obs: Observation) -> list[Detection]:
        """ORACLE detections with the configured mask and label errors (deterministic per seed)."""
        cfg = self.config
        dets = [d for d in self._oracle.segment(obs) if self._rng.random() >= cfg.miss_prob]
        dets = self._merge(dets)
        dets = [part for d in dets for part in self._maybe_split(d)]
        vocab = cfg.confusion_vocabulary or sorted(set(self._oracle.categories.values()))
        for d in dets:
            if self._rng.random() < cfg.confusion_prob:
                others = [c for c in vocab if c != d.category]
                if others:
                    d.category = str(others[int(self._rng.integers(len(others)))])
                    d.score = 0.5
        return [d for d in dets if d.pixel_count >= max(cfg.min_mask_pixels, 1)]

    def _merge(self, dets: list[Detection]) -> list[Detection]:
        from scipy import ndimage  # on use: a slow import the CLI's config loading skips

        out: list[Detection] = []
        absorbed: set[int] = set()
        for i, d in enumerate(dets):
            if i in absorbed:
                continue
            if self._rng.random() < self.config.merge_prob:
                grown = ndimage.binary_dilation(d.mask, iterations=2)
                for j in range(i + 1, len(dets)):
                    if j not in absorbed and np.any(grown & dets[j].mask):
                        d = _union(d, dets[j])
                        absorbed.add(j)
                        break
            out.append(d)
        return out

    def _maybe_split(self, det: Detection) -> list[Detection]:
        if det.pixel_count < 2 or self._rng.random() >= self.config.split_prob:
            return [det]
        v, u = np.nonzero(det.mask)
        axis, coord = (u, "u") if np.ptp(u) >= np.ptp(v) else (v, "v")
        cut = np.median(axis)
        first = axis <= cut
        parts = []
        for sel in (first, ~first):
            if sel.any():
                mask = np.zeros_like(det.mask)
                mask[v[sel], u[sel]] = True
                parts.append(
                    dataclasses.replace(
                        det, mask=mask, score=det.score * 0.8, attributes=dict(det.attributes)
                    )
                )
        logger.debug("noisy: split %s along %s", det.oracle_id, coord)
        return parts


def _union(a: Detection, b: Detection) -> Detection:
    """Merged mask labelled (and oracle-tagged) by the larger part."""
    big = a if a.pixel_count >= b.pixel_count else b
    return dataclasses.replace(
        big,
        mask=a.mask | b.mask,
        score=min(a.score, b.score) * 0.8,
        attributes=dict(big.attributes),
    )

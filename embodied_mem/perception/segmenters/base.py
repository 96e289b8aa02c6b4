"""The segmenter interface every backend implements."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, runtime_checkable

from embodied_mem.perception.types import Detection
from envs.ground_truth import GroundTruth
from envs.types import Observation


@runtime_checkable
class Segmenter(Protocol):
    """Turns one observation into instance proposals (masks + labels; points filled later)."""

    def segment(self, obs: Observation) -> list[Detection]:
        """Detections of ``obs``; masks are (H, W) bool matching ``obs.depth``."""
        ...


@runtime_checkable
class ObservationCorruptor(Protocol):
    """A segmenter that also degrades the frame the mapper sees (depth noise, pose drift).

    The perception pipeline calls ``corrupt`` first, then segments, back-projects and
    associates with the corrupted frame, so every downstream stage sees the same errors.
    """

    def corrupt(self, obs: Observation) -> Observation:
        """A copy of ``obs`` with the configured sensor errors applied."""
        ...


@runtime_checkable
class PoseEstimator(Protocol):
    """A segmenter whose frames carry the agent's own (e.g. drifting) pose estimate.

    ``localize`` gives the pose it would hand the mapper for ``obs`` now, without advancing
    any error model, so the policies can act in the same frame of reference as memory.
    """

    def localize(self, obs: Observation) -> Observation:
        """A copy of ``obs`` whose camera and agent pose are the agent's own estimate."""
        ...


_Backed = TypeVar("_Backed", bound="GroundTruthBacked")


class GroundTruthBacked:
    """Base of the ORACLE segmenters: they read categories and attributes from ground truth.

    Subclasses take ``config=`` in their constructor and implement ``set_ground_truth``.
    """

    @classmethod
    def from_ground_truth(cls: type[_Backed], gt: GroundTruth, config: Any = None) -> _Backed:
        """ORACLE: the segmenter with lookups from an env's ground truth (``env.ground_truth()``)."""
        seg = cls(config=config)  # type: ignore[call-arg]
        seg.set_ground_truth(gt)
        return seg

    def set_ground_truth(self, gt: GroundTruth) -> None:
        """Replace the ground-truth lookups (e.g. after ``env.reset``)."""
        raise NotImplementedError

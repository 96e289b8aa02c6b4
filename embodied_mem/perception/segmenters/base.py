"""The segmenter interface every backend implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from embodied_mem.perception.types import Detection
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

"""One call per frame: (corrupt) → segment → embed labels → back-project + associate.

``PerceptionPipeline.step(obs)`` is what the agent loop / memory ingest calls. When the
segmenter is an :class:`~embodied_mem.perception.segmenters.ObservationCorruptor` (the
``noisy`` backend) the corrupted frame — noisy depth, drifted pose — is used for every later
stage, so the map really carries the simulated sensor errors; ``last_observation`` is that
frame (memory should record poses from it too, to stay consistent with the map).

Rooms are not produced here: memory assigns rooms from the env's room/region annotations
(``Observation.room_id``; Habitat regions, AI2-THOR rooms, the built-in footprints).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from embodied_mem.perception.mapper import MapperConfig, MapperUpdate, ObjectMapper
from embodied_mem.perception.segmenters import ObservationCorruptor, Segmenter
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass
class StageTimes:
    """Seconds spent per stage in the last ``step``."""

    segment: float = 0.0
    embed: float = 0.0
    map: float = 0.0

    @property
    def total(self) -> float:
        return self.segment + self.embed + self.map


@dataclass
class PerceptionStats:
    """Running totals over all frames, for logs and benchmarks."""

    frames: int = 0
    detections: int = 0
    skipped_detections: int = 0
    invalid_depth_pixels: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"segment": 0.0, "embed": 0.0, "map": 0.0})


class PerceptionPipeline:
    """Segmenter + optional label embedder + :class:`ObjectMapper`.

    Args:
        segmenter: any :class:`Segmenter` (see ``make_segmenter``).
        mapper: the object mapper; a default one when None.
        label_embedder: optional object with ``embed(list[str]) -> (N, D)`` (e.g. the ``text``
            embedder); when given, each detection without an embedding gets its label's.
    """

    def __init__(
        self,
        segmenter: Segmenter,
        mapper: ObjectMapper | None = None,
        label_embedder: Any | None = None,
        mapper_config: MapperConfig | None = None,
    ) -> None:
        if not isinstance(segmenter, Segmenter):
            raise TypeError(f"segmenter must have segment(obs) -> list[Detection], got {type(segmenter).__name__}")
        self.segmenter = segmenter
        self.mapper = mapper or ObjectMapper(mapper_config)
        self.label_embedder = label_embedder
        self.stats = PerceptionStats()
        self.last_times = StageTimes()
        self.last_observation: Observation | None = None

    def step(self, obs: Observation) -> MapperUpdate:
        """Ingest one frame and return what changed in the map."""
        obs.validate()
        times = StageTimes()
        t0 = time.perf_counter()
        if isinstance(self.segmenter, ObservationCorruptor):
            obs = self.segmenter.corrupt(obs)
        detections = self.segmenter.segment(obs)
        t1 = time.perf_counter()
        if self.label_embedder is not None:
            todo = [d for d in detections if d.embedding is None]
            if todo:
                vecs = self.label_embedder.embed([d.category for d in todo])
                for det, vec in zip(todo, vecs, strict=True):
                    det.embedding = vec
        t2 = time.perf_counter()
        update = self.mapper.update(detections, obs)
        t3 = time.perf_counter()
        times.segment, times.embed, times.map = t1 - t0, t2 - t1, t3 - t2
        self._account(times, len(detections), update)
        self.last_observation = obs
        return update

    def _account(self, times: StageTimes, n_detections: int, update: MapperUpdate) -> None:
        self.last_times = times
        s = self.stats
        s.frames += 1
        s.detections += n_detections
        s.skipped_detections += update.skipped_detections
        s.invalid_depth_pixels += update.invalid_depth_pixels
        for key in s.seconds:
            s.seconds[key] += getattr(times, key)

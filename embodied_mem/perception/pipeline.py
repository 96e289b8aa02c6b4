"""One call per frame: (corrupt) → segment → embed labels → back-project + associate.

:class:`Perceiver` is the agent loop's ``perceiver`` (``detect(obs) -> (obs_used,
detections)``; memory then runs the mapper in ``AgentMemory.ingest``).
:class:`PerceptionPipeline` adds the mapper for users and benchmarks without memory. When the
segmenter is an :class:`~embodied_mem.perception.segmenters.ObservationCorruptor` (the
``noisy`` backend) the corrupted frame — noisy depth, drifted pose — is used for every later
stage, so the map really carries the simulated sensor errors; ``last_observation`` is that
frame (memory should record poses from it too, to stay consistent with the map).

Rooms are not produced here: memory assigns rooms from the env's room/region annotations
(``Observation.room_id``; Habitat regions, AI2-THOR rooms, the built-in footprints).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from embodied_mem.perception.labels import clean_attributes, clean_label
from embodied_mem.perception.mapper import MapperConfig, MapperUpdate, ObjectMapper
from embodied_mem.perception.relocalize import PoseCorrector, RelocalizeConfig
from embodied_mem.perception.segmenters import (
    ORACLE_SEGMENTERS,
    SEGMENTERS,
    ObservationCorruptor,
    PoseEstimator,
    Segmenter,
)
from embodied_mem.perception.types import Detection
from envs.ground_truth import GroundTruth
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass
class StageTimes:
    """Seconds spent per stage in the last ``step``."""

    corrupt: float = 0.0
    """Simulated sensor errors (``noisy`` only); not part of a real robot's ingest cost."""
    segment: float = 0.0
    embed: float = 0.0
    map: float = 0.0

    @property
    def total(self) -> float:
        return self.corrupt + self.segment + self.embed + self.map


@dataclass
class PerceptionStats:
    """Running totals over all frames, for logs and benchmarks."""

    frames: int = 0
    detections: int = 0
    skipped_detections: int = 0
    invalid_depth_pixels: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: {"corrupt": 0.0, "segment": 0.0, "embed": 0.0, "map": 0.0}
    )


class Perceiver:
    """Segmenter + optional label embedder: ``detect(obs) -> (obs_used, detections)``.

    Args:
        segmenter: any :class:`Segmenter` (see ``make_segmenter`` / :func:`build_perceiver`).
        label_embedder: optional object with ``embed(list[str]) -> (N, D)`` (e.g. the ``text``
            embedder); when given, each detection without an embedding gets its label's.
        relocalize: how a drifting pose estimate (a :class:`PoseEstimator` segmenter, i.e.
            ``noisy``) is re-localised against the agent's own map once :meth:`inform_map`
            hands it over (:mod:`embodied_mem.perception.relocalize`); None: the defaults.
            Segmenters that take the env's pose are never corrected.
    """

    def __init__(
        self,
        segmenter: Segmenter,
        label_embedder: Any | None = None,
        relocalize: RelocalizeConfig | None = None,
    ) -> None:
        if not isinstance(segmenter, Segmenter):
            raise TypeError(
                f"segmenter must have segment(obs) -> list[Detection], got {type(segmenter).__name__}"
            )
        self._segmenter = segmenter
        # Its roles, decided once (the segmenter is fixed, see :attr:`segmenter`): isinstance
        # with a runtime Protocol inspects the class's attributes on every call, and
        # detect/localize run for every frame.
        self._corruptor = segmenter if isinstance(segmenter, ObservationCorruptor) else None
        self._pose_estimator = segmenter if isinstance(segmenter, PoseEstimator) else None
        self.label_embedder = label_embedder
        self.last_times = StageTimes()
        relocalize = relocalize or RelocalizeConfig()
        self.corrector: PoseCorrector | None = (
            PoseCorrector(relocalize)
            if relocalize.enabled and self._pose_estimator is not None and _drifts(segmenter)
            else None
        )
        """Re-localises the drifting pose estimate on the agent's own map (None: no drift)."""

    @property
    def segmenter(self) -> Segmenter:
        """The segmenter, fixed at construction: its roles (corrupting frames, estimating
        the pose) and the re-localisation built for it follow from it."""
        return self._segmenter

    def inform_map(self, free_space: Any) -> None:
        """Tell ``free_space`` (memory's own free-space map) what it must know of this sensor:
        its relative depth noise, a data-sheet value (the ``noisy`` backend's
        ``depth_noise_std``), so the map filters depth and counts hits accordingly. A drifting
        pose estimate is re-localised against this map from now on (:attr:`corrector`)."""
        noise = float(getattr(getattr(self.segmenter, "config", None), "depth_noise_std", 0.0))
        if noise > 0 and hasattr(free_space, "expect_depth_noise"):
            free_space.expect_depth_noise(noise)
        if self.corrector is not None and hasattr(free_space, "occupied"):
            self.corrector.attach(free_space)

    def detect(self, obs: Observation) -> tuple[Observation, list[Detection]]:
        """The frame downstream stages must use (corrupted for ``noisy``) and its detections.

        Labels come back sanitised (:func:`~embodied_mem.perception.labels.clean_label`: no
        control characters, bounded length). One left empty makes the frame bad when the
        mapper checks it (memory then applies ``on_bad_frame``).

        Raises:
            FrameError: ``obs`` is malformed (before any segmenting).
        """
        obs.validate()
        tc = time.perf_counter()
        if self._corruptor is not None:
            obs = self._corruptor.corrupt(obs)
        if self.corrector is not None:
            obs = self.corrector.correct(obs)
        t0 = time.perf_counter()
        detections = clean_detection_labels(self.segmenter.segment(obs))
        t1 = time.perf_counter()
        if self.label_embedder is not None:
            todo = [d for d in detections if d.embedding is None]
            if todo:
                vecs = self.label_embedder.embed([d.category for d in todo])
                for det, vec in zip(todo, vecs, strict=True):
                    det.embedding = vec
        self.last_times = StageTimes(
            corrupt=t0 - tc, segment=t1 - t0, embed=time.perf_counter() - t1
        )
        return obs, detections

    def localize(self, obs: Observation) -> Observation:
        """``obs`` with the agent's own pose estimate, the pose :meth:`detect` hands memory
        (drifted for ``noisy``; the env's pose otherwise). The policies act on it, so their
        plans, the map and the targets share memory's frame of reference. A drifting estimate
        carries the correction of the last re-localisation (:attr:`corrector`)."""
        if self._pose_estimator is not None:
            obs = self._pose_estimator.localize(obs)
            if self.corrector is not None:
                obs = self.corrector.apply(obs)
        return obs


def _drifts(segmenter: Segmenter) -> bool:
    """Whether the pose estimate drifts, by its data sheet (the ``noisy`` backend's
    ``pose_drift_*_std``); an estimator that does not say is assumed to drift."""
    cfg = getattr(segmenter, "config", None)
    stds = [getattr(cfg, n, None) for n in ("pose_drift_trans_std", "pose_drift_yaw_std")]
    known = [float(v) for v in stds if v is not None]
    return not known or any(v > 0 for v in known)


def clean_detection_labels(detections: list[Detection]) -> list[Detection]:
    """``detections`` with sanitised categories and attributes (copies where they changed).

    Labels that are not text are left for the mapper's check to reject with the frame.
    """
    out = []
    for det in detections:
        category, attributes = det.category, det.attributes
        if isinstance(category, str):
            category = clean_label(category)
        if isinstance(attributes, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
        ):
            attributes = clean_attributes(attributes)
        if category != det.category or attributes != det.attributes:
            det = dataclasses.replace(det, category=category, attributes=attributes)
        out.append(det)
    return out


def build_perceiver(
    name: str,
    *,
    ground_truth: GroundTruth | None = None,
    config: Any | None = None,
    label_embedder: Any | None = None,
    relocalize: RelocalizeConfig | None = None,
) -> Perceiver:
    """A :class:`Perceiver` around the segmenter registered as ``name``.

    ``oracle`` and ``noisy`` are ORACLE backends and need the env's ``ground_truth`` (its
    categories and attributes); the others must not get it.

    Raises:
        ValueError: ground truth missing for an ORACLE backend, or given to another one.
    """
    oracle_backed = name in ORACLE_SEGMENTERS
    if oracle_backed and ground_truth is None:
        raise ValueError(
            f"the {name!r} segmenter is ORACLE-based: pass ground_truth=env.ground_truth()"
        )
    if not oracle_backed and ground_truth is not None:
        raise ValueError(
            f"the {name!r} segmenter must not see ground truth (only oracle/noisy may)"
        )
    factory = SEGMENTERS.resolve(name)
    if oracle_backed:
        segmenter = factory.from_ground_truth(ground_truth, config)  # type: ignore[attr-defined]
    else:
        segmenter = factory(config) if config is not None else factory()
    return Perceiver(segmenter, label_embedder, relocalize)


class PerceptionPipeline:
    """:class:`Perceiver` + :class:`ObjectMapper` for use without the memory stack.

    Args:
        segmenter: any :class:`Segmenter`.
        mapper: the object mapper; one built from ``mapper_config`` when None.
        label_embedder: see :class:`Perceiver`.
        mapper_config: config of the mapper built when ``mapper`` is None.
    """

    def __init__(
        self,
        segmenter: Segmenter,
        mapper: ObjectMapper | None = None,
        label_embedder: Any | None = None,
        mapper_config: MapperConfig | None = None,
    ) -> None:
        self.perceiver = Perceiver(segmenter, label_embedder)
        self.mapper = mapper or ObjectMapper(mapper_config)
        self.stats = PerceptionStats()
        self.last_times = StageTimes()
        self.last_observation: Observation | None = None

    @property
    def segmenter(self) -> Segmenter:
        return self.perceiver.segmenter

    def step(self, obs: Observation) -> MapperUpdate:
        """Ingest one frame and return what changed in the map."""
        used, detections = self.perceiver.detect(obs)
        t0 = time.perf_counter()
        update = self.mapper.update(detections, used)
        times = dataclasses.replace(self.perceiver.last_times, map=time.perf_counter() - t0)
        self._account(times, len(detections), update)
        self.last_observation = used
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

"""Replay a recorded run through perception and memory without any simulator.

``replay(run_dir)`` rebuilds the memory from the recorded frames and interactions; with the
recorded config it reproduces the recorded memory exactly (same ids, bit-equal geometry, same
events), and with ``memory_overrides`` (``["mapper.match_threshold=0.8", ...]``) the same
experience is tried under a different memory config.

Exactness needs deterministic perception. ``oracle``, ``noisy`` (seeded error generator) and
``geometric`` (RANSAC from a generator seeded per frame) are.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from embodied_mem.config import ConfigError
from embodied_mem.memory import AgentMemory, MemoryConfig
from embodied_mem.perception.pipeline import build_perceiver
from embodied_mem.perception.relocalize import RelocalizeConfig
from embodied_mem.perception.segmenters import ORACLE_SEGMENTERS, SEGMENTERS
from embodied_mem.perception.types import Detection
from embodied_mem.replay.format import RunFormatError
from embodied_mem.replay.run import RecordedFrame, RecordedRun, load_run, read_snapshot
from embodied_mem.replay.state import diff_states, memory_state
from envs.ground_truth import GroundTruth, ObjectRecord
from envs.types import Observation

logger = logging.getLogger(__name__)

Perceive = Callable[[Observation], tuple[Observation, list[Detection]]]
#: Segmenters that read ORACLE ground truth (env id -> category) and must be given it.


def _config_class(name: str) -> type | None:
    """The dataclass type of the segmenter's ``config`` constructor argument, if it has one."""
    cls = SEGMENTERS.resolve(name)
    try:
        hint = typing.get_type_hints(cls.__init__).get("config")  # type: ignore[misc]
    except (NameError, TypeError):
        return None
    for arg in (*typing.get_args(hint), hint):
        if isinstance(arg, type) and is_dataclass(arg):
            return arg
    return None


def _oracle_lookup(oracle: Mapping[str, Any]) -> GroundTruth:
    """The recorded ORACLE lookup as a :class:`GroundTruth` for ``build_perceiver``.

    ORACLE segmenters read only each object's category and attributes from ground truth
    (``set_ground_truth``); the run records just those, so the geometry here is a placeholder
    at the origin that nothing reads.
    """
    attrs = oracle.get("attributes") or {}
    objects = {
        oid: ObjectRecord(
            oid,
            cat,
            None,
            (0.0, 0.0, 0.0),
            (0.0, 0.0, 0.0),
            (0.0, 0.0, 0.0),
            attributes=dict(attrs.get(oid, {})),
        )
        for oid, cat in (oracle.get("categories") or {}).items()
    }
    return GroundTruth(objects, {})


def build_perceive(
    perception: Mapping[str, Any],
    oracle: Mapping[str, Any] | None = None,
    *,
    label_embedder: Any = None,
) -> Perceive:
    """The agent's perceiver (``obs -> (obs_used, detections)``) from a recorded perception config.

    Args:
        perception: ``{"segmenter": name, "config": {...}, "relocalize": {...}}`` (config
            fields of that segmenter; the re-localisation settings, none in older runs).
        oracle: ORACLE ground truth ``{"categories": {...}, "attributes": {...}}`` for the
            oracle/noisy segmenters.
        label_embedder: the label embedder the live run used, if any.

    It is :func:`embodied_mem.perception.pipeline.build_perceiver`'s ``detect``, i.e. the same
    code the live agent ran: noisy segmenters corrupt the frame and memory ingests that frame.
    """
    name = str(perception.get("segmenter", "oracle"))
    config = None
    cfg_cls = _config_class(name)
    if perception.get("config"):
        if cfg_cls is None:
            raise ConfigError(
                f"segmenter {name!r} takes no config, but the run recorded {perception['config']}"
            )
        try:
            config = OmegaConf.to_object(
                OmegaConf.merge(OmegaConf.structured(cfg_cls), dict(perception["config"]))
            )
        except OmegaConfBaseException as exc:
            raise ConfigError(
                f"recorded perception config does not fit {cfg_cls.__name__}: {exc}"
            ) from exc
    gt = None
    if name in ORACLE_SEGMENTERS:
        if oracle is None:
            raise ConfigError(
                f"the {name!r} segmenter needs the recorded ORACLE ground truth "
                "(oracle_ground_truth.json), which this run does not have"
            )
        gt = _oracle_lookup(oracle)
    return build_perceiver(
        name,
        ground_truth=gt,
        config=config,
        label_embedder=label_embedder,
        relocalize=_relocalize_config(perception.get("relocalize")),
    ).detect


def _relocalize_config(recorded: Mapping[str, Any] | None) -> RelocalizeConfig:
    """The recorded re-localisation settings; a run recorded before there were any had none."""
    if recorded is None:
        return RelocalizeConfig(enabled=False)
    try:
        return OmegaConf.to_object(  # type: ignore[return-value]
            OmegaConf.merge(OmegaConf.structured(RelocalizeConfig), dict(recorded))
        )
    except (OmegaConfBaseException, ValueError) as exc:
        raise ConfigError(f"recorded relocalize config does not fit: {exc}") from exc


def memory_config(
    recorded: Mapping[str, Any] | None, overrides: Sequence[str] = ()
) -> MemoryConfig:
    """The recorded :class:`MemoryConfig` with ``key.sub=value`` overrides on top.

    Overrides may be given relative to the memory config (``mapper.match_threshold=0.9``) or
    with the CLI prefix (``memory.mapper.match_threshold=0.9``).
    """
    bad = [o for o in overrides if "=" not in o]
    if bad:
        raise ConfigError(f"memory overrides must look like key.sub=value, got {bad}")
    dotlist = [o.removeprefix("memory.") for o in overrides]
    try:
        cfg = OmegaConf.structured(MemoryConfig)
        if recorded:
            cfg = OmegaConf.merge(cfg, dict(recorded))
        if dotlist:
            cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(dotlist))
        return OmegaConf.to_object(cfg)  # type: ignore[return-value]
    except (OmegaConfBaseException, ValueError, TypeError) as exc:
        raise ConfigError(f"invalid memory config for replay: {exc}") from exc


def replay(
    run_dir: str | Path | RecordedRun,
    memory_overrides: Sequence[str] = (),
    *,
    perceive: Perceive | None = None,
    embedder: Any = None,
    label_embedder: Any = None,
    path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    before_frame: Callable[[int, AgentMemory], None] | None = None,
) -> AgentMemory:
    """Rebuild the memory of a recorded run (see module docstring).

    Args:
        run_dir: the run directory (or an opened :class:`RecordedRun`).
        memory_overrides: ``key.sub=value`` changes to the recorded memory config.
        perceive: perception to use; by default built from the recorded perception config.
        embedder: text embedder for the memory (as the live run used, if any).
        label_embedder: label embedder of the perceiver (as the live run used, if any).
        path: SQLite file to persist the replayed memory into (must not exist yet).
        progress: called with the number of frames done after each frame.
        before_frame: called with ``(frames_done, memory)`` before each frame is ingested — the
            moment the recorder took its periodic snapshots (used by :func:`verify_replay`).
    """
    run = run_dir if isinstance(run_dir, RecordedRun) else load_run(run_dir)
    config = memory_config(run.config.get("memory"), memory_overrides)
    if perceive is None:
        perceive = build_perceive(
            run.config.get("perception") or {}, run.oracle, label_embedder=label_embedder
        )
    memory = AgentMemory(run.rooms, config, embedder=embedder, path=path)
    # As the live agent did: the sensor tells memory's map what to allow for (depth noise).
    inform = getattr(getattr(perceive, "__self__", None), "inform_map", None)
    if inform is not None:
        inform(memory.free_space)
    try:
        frames = _feed(run, memory, perceive, progress, before_frame)
    except BaseException:
        if memory.store is not None:  # release the file (and its lock) without committing
            memory.store.close()
            memory.store = None
        raise
    logger.info(
        "replayed %d frames and %d interactions from %s", frames, len(run.interactions), run.path
    )
    return memory


def _feed(
    run: RecordedRun,
    memory: AgentMemory,
    perceive: Perceive,
    progress: Callable[[int], None] | None,
    before_frame: Callable[[int, AgentMemory], None] | None,
) -> int:
    """Ingest the run's frames and interactions in recorded order; the number of frames."""
    frames = 0
    for item in run.items():
        if isinstance(item, RecordedFrame):
            if before_frame is not None:
                before_frame(frames, memory)
            used, detections = perceive(item.obs)
            memory.ingest(used, detections)
            frames += 1
            if progress is not None:
                progress(frames)
        else:
            memory.record_interaction(
                item.kind,
                item.time,
                item.frame_index,
                item.point,
                pose=item.pose,
                room_id=item.room_id,
            )
    return frames


def verify_replay(
    run_dir: str | Path | RecordedRun, memory: AgentMemory | None = None
) -> list[str]:
    """Differences between the run's recorded memory snapshots and a replay (empty = exact).

    Without ``memory`` the run is replayed and *every* snapshot (the periodic ones and the
    final one) is compared at the moment it was taken; with ``memory`` only the final one.

    Raises:
        RunFormatError: the run has no memory snapshot to compare with.
    """
    run = run_dir if isinstance(run_dir, RecordedRun) else load_run(run_dir)
    snaps = run.snapshots_by_frames()
    if not snaps:
        raise RunFormatError(
            f"{run.path} has no memory snapshot; record with RunRecorder(memory=...)"
        )
    last = max(snaps)
    diffs: list[str] = []

    def check(frames: int, mem: AgentMemory) -> None:
        if frames in snaps and frames != last:
            expected = read_snapshot(snaps[frames])
            diffs.extend(
                f"after {frames} frames: {d}"
                for d in diff_states(expected, memory_state(mem, frames))
            )

    if memory is None:
        memory = replay(run, before_frame=check)
    expected = read_snapshot(snaps[last])
    diffs.extend(f"final: {d}" for d in diff_states(expected, memory_state(memory, last)))
    return diffs

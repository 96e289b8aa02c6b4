"""Reading a recorded run directory: header, config, rooms, frames and interactions in order."""

from __future__ import annotations

import heapq
import json
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from embodied_mem.replay import format as fmt
from envs.ground_truth import RoomRecord
from envs.types import AgentPose, Observation, SimTime

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedFrame:
    """One recorded observation (bit-exact) and its running sequence number."""

    seq: int
    obs: Observation


@dataclass(frozen=True)
class RecordedInteraction:
    """One of the agent's own interactions, with the clock and pose of the frame it happened in."""

    seq: int
    kind: str
    point: tuple[float, float, float]
    time: SimTime
    frame_index: int
    pose: AgentPose
    room_id: str | None


RunItem = RecordedFrame | RecordedInteraction


@dataclass
class RecordedRun:
    """A run directory opened for reading (see :mod:`embodied_mem.replay.format`)."""

    path: Path
    header: dict[str, Any]
    config: dict[str, Any]
    rooms: list[RoomRecord]
    oracle: dict[str, Any] | None
    """ORACLE ground truth (categories/attributes) or None when the run did not need it."""
    chunks: list[Path] = field(default_factory=list)
    interactions: list[RecordedInteraction] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.header.get("status") == "complete"

    def frames(self) -> Iterator[RecordedFrame]:
        """Every recorded frame in order, one chunk in memory at a time."""
        for chunk in self.chunks:
            yield from _read_chunk(chunk)

    def frame_metas(self) -> Iterator[dict[str, Any]]:
        """Per-frame metadata (time, pose, room, ...) without decompressing any image."""
        for chunk in self.chunks:
            try:
                with np.load(chunk, allow_pickle=False) as data:
                    yield from json.loads(str(data["meta"]))
            except _CHUNK_ERRORS as exc:
                raise _unreadable_chunk(chunk, exc) from exc

    def items(self) -> Iterator[RunItem]:
        """Frames and interactions interleaved exactly as they were recorded."""
        return heapq.merge(self.frames(), self.interactions, key=lambda it: it.seq)

    def tasks(self) -> list[dict[str, Any]]:
        """Recorded task traces (``{"seq", "after_frames", "trace"}``) in order."""
        return fmt.read_jsonl(self.path / fmt.TASKS)

    def actions(self) -> list[dict[str, Any]]:
        return fmt.read_jsonl(self.path / fmt.ACTIONS)

    def snapshots(self) -> list[Path]:
        """Memory snapshot files, ordered by the number of frames they follow."""
        return sorted((self.path / fmt.SNAPSHOTS_DIR).glob("mem_*.json"))

    def snapshots_by_frames(self) -> dict[int, Path]:
        """Memory snapshot files keyed by the number of frames recorded before each was taken."""
        return {int(read_snapshot(p)["frames"]): p for p in self.snapshots()}

    def final_snapshot(self) -> dict[str, Any] | None:
        """The last memory snapshot, or None when the run has none.

        Raises:
            RunFormatError: it is truncated or not a memory snapshot.
        """
        snaps = self.snapshots()
        return read_snapshot(snaps[-1]) if snaps else None


def load_run(run_dir: str | Path) -> RecordedRun:
    """Open a run directory for reading.

    Raises:
        RunFormatError: missing directory or files, a newer format, or corrupt content.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise fmt.RunFormatError(
            f"no run directory at {path}; record one with RunRecorder "
            "(or `embodied-mem record-demo DIR`)"
        )
    header = fmt.read_json(path / fmt.HEADER, "run header")
    if not isinstance(header, dict) or header.get("format") != fmt.FORMAT:
        raise fmt.RunFormatError(f"{path / fmt.HEADER} is not an embodied_mem run header")
    if int(header.get("version", 0)) > fmt.FORMAT_VERSION:
        raise fmt.RunFormatError(
            f"run format version {header.get('version')} is newer than this reader "
            f"({fmt.FORMAT_VERSION}); upgrade embodied_mem"
        )
    if header.get("status") != "complete":
        logger.warning(
            "run %s was not closed cleanly (status %r); replaying the %s frames that were flushed",
            path,
            header.get("status"),
            header.get("frames"),
        )
    oracle = (
        fmt.read_json(path / fmt.ORACLE_GT, "oracle ground truth")
        if (path / fmt.ORACLE_GT).exists()
        else None
    )
    run = RecordedRun(
        path,
        header,
        _read_config(path),
        fmt.rooms_from_json(fmt.read_json(path / fmt.ROOMS, "rooms")),
        oracle,
        sorted((path / fmt.FRAMES_DIR).glob("chunk_*.npz")),
    )
    if not run.chunks:
        raise fmt.RunFormatError(
            f"{path / fmt.FRAMES_DIR} holds no frame chunks; the run recorded no frames"
        )
    run.interactions = [_interaction(r, path) for r in fmt.read_jsonl(path / fmt.INTERACTIONS)]
    verify_frames(run)
    return run


_SNAPSHOT_KEYS = ("frames", "scene_graph", "events", "keyframes")


def read_snapshot(path: Path) -> dict[str, Any]:
    """A recorded memory snapshot, checked to be whole.

    Raises:
        RunFormatError: unreadable, truncated, or missing a part of the memory state.
    """
    state = fmt.read_json(path, "memory snapshot")
    missing = [k for k in _SNAPSHOT_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise fmt.RunFormatError(
            f"memory snapshot {path} lacks {missing}; the file is corrupt. Restore it from a "
            "copy of the run, or record the run again."
        )
    return state


def _read_config(path: Path) -> dict[str, Any]:
    cfg_path = path / fmt.CONFIG
    if not cfg_path.is_file():
        raise fmt.RunFormatError(
            f"config missing: {cfg_path} does not exist; the run directory is incomplete"
        )
    try:
        data = OmegaConf.to_container(OmegaConf.load(cfg_path), resolve=True)
    except (OmegaConfBaseException, ValueError, yaml.YAMLError) as exc:
        raise fmt.RunFormatError(
            f"{cfg_path} is not valid YAML ({' '.join(str(exc).split())}); the file is corrupt. "
            "Restore it from a copy of the run, or record the run again."
        ) from exc
    if not isinstance(data, dict):
        raise fmt.RunFormatError(f"{cfg_path} must hold a mapping, got {type(data).__name__}")
    return data  # type: ignore[return-value]


def verify_frames(run: RecordedRun) -> None:
    """Check before any replay that every recorded frame is there: chunks numbered from 0
    without a gap, as many as the header counts, and frames plus interactions carrying every
    running ``seq`` number up to the last frame (a lost chunk would leave a hole).

    Raises:
        RunFormatError: a chunk missing or unreadable, or frames lost (naming the file).
    """
    frames_dir = run.path / fmt.FRAMES_DIR
    names = [c.name for c in run.chunks]
    expected = [fmt.chunk_name(i) for i in range(len(names))]
    if names != expected:
        gap = next(e for e, n in zip(expected, names, strict=True) if e != n)
        raise _lost(frames_dir / gap, f"the chunks go {names[0]} … {names[-1]}")
    counted = int(run.header.get("chunks", 0))
    if len(names) < counted or (run.complete and len(names) > counted):
        raise _lost(
            frames_dir / fmt.chunk_name(min(len(names), counted)),
            f"the header counts {counted} chunks, {len(names)} are there",
        )
    try:
        seqs = [int(m["seq"]) for m in run.frame_metas()]
    except (KeyError, TypeError, ValueError) as exc:
        raise fmt.RunFormatError(
            f"{frames_dir}: a frame record has no valid seq number ({exc}); the recording is "
            "damaged. Restore it from a copy, or record it again."
        ) from exc
    recorded = int(run.header.get("frames", 0))
    if len(seqs) < recorded or (run.complete and len(seqs) != recorded):
        raise fmt.RunFormatError(
            f"{frames_dir} holds {len(seqs)} frames but {run.path / fmt.HEADER} recorded "
            f"{recorded}; the recording is damaged. Restore it from a copy, or record it again."
        )
    last = max(seqs)
    present = set(seqs) | {i.seq for i in run.interactions if i.seq <= last}
    if len(present) != last + 1:
        hole = min(set(range(last + 1)) - present)
        raise fmt.RunFormatError(
            f"{run.path}: frame {hole} of the recorded sequence is missing from every chunk in "
            f"{frames_dir}; the recording is damaged. Restore it from a copy, or record it again."
        )


_CHUNK_ERRORS = (OSError, KeyError, ValueError, zipfile.BadZipFile, json.JSONDecodeError)


def _unreadable_chunk(chunk: Path, exc: BaseException) -> fmt.RunFormatError:
    return fmt.RunFormatError(
        f"frame chunk {chunk} is unreadable ({type(exc).__name__}: {exc}); the file is corrupt "
        "or truncated. Restore it from a copy of the run, or record the run again."
    )


def _lost(chunk: Path, evidence: str) -> fmt.RunFormatError:
    return fmt.RunFormatError(
        f"frame chunk {chunk} is missing ({evidence}); replaying would silently skip its "
        "frames. Restore the file from a copy of the run, or record the run again."
    )


def _interaction(rec: dict[str, Any], path: Path) -> RecordedInteraction:
    try:
        meta = rec["frame"]
        x, y, z = (float(v) for v in rec["point"])
        return RecordedInteraction(
            int(rec["seq"]),
            str(rec["kind"]),
            (x, y, z),
            fmt.sim_time(meta),
            int(meta["frame_index"]),
            fmt.agent_pose(meta),
            meta.get("room_id"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise fmt.RunFormatError(
            f"{path / fmt.INTERACTIONS}: malformed record {rec!r:.200} ({exc})"
        ) from exc


def _read_chunk(chunk: Path) -> Iterator[RecordedFrame]:
    try:
        with np.load(chunk, allow_pickle=False) as data:
            metas = json.loads(str(data["meta"]))
            depth, poses = data["depth"], data["cam_to_world"]
            rgb = data["rgb"] if "rgb" in data.files else None
            ids = data["instance_ids"] if "instance_ids" in data.files else None
    except _CHUNK_ERRORS as exc:
        raise _unreadable_chunk(chunk, exc) from exc
    if not (len(metas) == len(depth) == len(poses)):
        raise fmt.RunFormatError(
            f"frame chunk {chunk}: {len(metas)} metadata records for {len(depth)} frames; the "
            "file is corrupt. Restore it from a copy of the run, or record the run again."
        )
    for i, meta in enumerate(metas):
        obs = fmt.observation_from(
            meta,
            depth[i],
            poses[i],
            None if rgb is None else rgb[i],
            None if ids is None else ids[i],
        )
        yield RecordedFrame(int(meta["seq"]), obs)

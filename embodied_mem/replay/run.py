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
            except (OSError, KeyError, ValueError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
                raise fmt.RunFormatError(
                    f"frame chunk {chunk} is unreadable ({type(exc).__name__}: {exc})"
                ) from exc

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
        return {int(fmt.read_json(p, "memory snapshot")["frames"]): p for p in self.snapshots()}

    def final_snapshot(self) -> dict[str, Any] | None:
        snaps = self.snapshots()
        return fmt.read_json(snaps[-1], "memory snapshot") if snaps else None


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
    return run


def _read_config(path: Path) -> dict[str, Any]:
    cfg_path = path / fmt.CONFIG
    if not cfg_path.is_file():
        raise fmt.RunFormatError(
            f"config missing: {cfg_path} does not exist; the run directory is incomplete"
        )
    try:
        data = OmegaConf.to_container(OmegaConf.load(cfg_path), resolve=True)
    except (OmegaConfBaseException, ValueError) as exc:
        raise fmt.RunFormatError(f"{cfg_path} is not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise fmt.RunFormatError(f"{cfg_path} must hold a mapping, got {type(data).__name__}")
    return data  # type: ignore[return-value]


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
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise fmt.RunFormatError(
            f"frame chunk {chunk} is unreadable ({type(exc).__name__}: {exc}); "
            "the file is corrupt or truncated"
        ) from exc
    if not (len(metas) == len(depth) == len(poses)):
        raise fmt.RunFormatError(
            f"frame chunk {chunk}: {len(metas)} metadata records for {len(depth)} frames"
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

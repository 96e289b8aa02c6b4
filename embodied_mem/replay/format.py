"""On-disk layout of a run directory and loss-free (de)serialisation of its pieces.

A run directory holds::

    run.json                  header: format, version, chunk size, status, frame count
    config.yaml               the resolved config (memory, perception, env, ...)
    rooms.json                the env's room annotations (memory is built on them)
    oracle_ground_truth.json  ORACLE ground truth (env id -> category/attributes) for the
                              oracle/noisy segmenters; evaluation/oracle use only
    frames/chunk_XXXXXX.npz   N frames each: depth float32, instance ids int32, RGB uint8,
                              cam_to_world float64 and a JSON "meta" array (one dict a frame)
    interactions.jsonl        the agent's own pick/place/open/close with its frame's metadata
    actions.jsonl             env actions and their results (when the driver reports them)
    tasks.jsonl               one TaskTrace a line (planner text, subgoals, outcomes)
    snapshots/mem_XXXXXX.json memory state after XXXXXX frames (scene graph JSON + events + STM)

Every chunk and snapshot is written atomically (temp file + ``os.replace``), so a crash loses
at most the frames of the unfinished chunk. Frames and interactions carry one shared running
``seq`` number, which is how replay restores their exact interleaving.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from envs.ground_truth import RoomRecord
from envs.types import AgentPose, CameraIntrinsics, Observation, SimTime

FORMAT = "embodied_mem.run"
#: Bump when the layout changes; readers refuse newer versions instead of misreading them.
FORMAT_VERSION = 1

HEADER = "run.json"
CONFIG = "config.yaml"
ROOMS = "rooms.json"
ORACLE_GT = "oracle_ground_truth.json"
FRAMES_DIR = "frames"
INTERACTIONS = "interactions.jsonl"
ACTIONS = "actions.jsonl"
TASKS = "tasks.jsonl"
SNAPSHOTS_DIR = "snapshots"


class RunFormatError(ValueError):
    """A run directory is missing, incomplete or corrupt; the message says which file and why."""


def chunk_name(index: int) -> str:
    return f"chunk_{index:06d}.npz"


def snapshot_name(frames: int) -> str:
    return f"mem_{frames:06d}.json"


# ---------------------------------------------------------------------------- atomic writes
def atomic_write(path: Path, write: Any) -> Path:
    """Call ``write(fileobj)`` on a temp file next to ``path``, fsync, then ``os.replace`` it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextmanager
def staged_outputs(out: Path, *, claim: str | None = None) -> Iterator[Path]:
    """Yield an empty staging directory next to ``out``; when the block succeeds, move every
    file written there into ``out`` (created), else delete them all. A failed command thus
    leaves nothing half-written behind, and a re-run is not refused because of its debris.

    ``claim`` names a file that must not exist in ``out`` yet: it is moved first and without
    replacing anything (hard link), so two commands racing for one ``out`` cannot both win.

    Raises:
        FileExistsError: ``out/claim`` appeared meanwhile (nothing of this run is moved).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield stage
        out.mkdir(parents=True, exist_ok=True)
        files = sorted(stage.iterdir(), key=lambda f: f.name != claim)
        for f in files:
            if f.name == claim:
                try:
                    os.link(f, out / f.name)
                except FileExistsError:
                    raise FileExistsError(
                        f"{out / f.name} appeared while this command ran; pass a new --out"
                    ) from None
            else:
                os.replace(f, out / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def atomic_write_json(path: Path, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, allow_nan=False))


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON file or raise :class:`RunFormatError` naming it."""
    if not path.is_file():
        raise RunFormatError(
            f"{what} missing: {path} does not exist; the run directory is incomplete"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunFormatError(
            f"{what} at {path} is not valid JSON ({exc}); the file is corrupt. Restore it from "
            "a copy of the run, or record the run again."
        ) from exc


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file; a truncated last line (crash while appending) is dropped."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if i == len(lines) - 1:
                break  # the writer died mid-line; everything before it is intact
            raise RunFormatError(
                f"{path} line {i + 1} is not valid JSON ({exc}); the file is corrupt"
            ) from exc
    return out


# ---------------------------------------------------------------------------- observations
def frame_meta(obs: Observation, seq: int) -> dict[str, Any]:
    """Everything of ``obs`` except its pixel arrays, as JSON (floats round-trip exactly)."""
    k = obs.intrinsics
    return {
        "seq": seq,
        "frame_index": int(obs.frame_index),
        "time": {
            "seconds": float(obs.time.seconds),
            "day": int(obs.time.day),
            "time_of_day": obs.time.time_of_day,
        },
        "agent": {
            "position": [float(v) for v in obs.agent.position],
            "yaw": float(obs.agent.yaw),
            "pitch": float(obs.agent.pitch),
        },
        "intrinsics": {
            "fx": float(k.fx),
            "fy": float(k.fy),
            "cx": float(k.cx),
            "cy": float(k.cy),
            "width": int(k.width),
            "height": int(k.height),
        },
        "room_id": obs.room_id,
        "held_object": obs.held_object,
        "instance_names": {str(i): name for i, name in obs.instance_names.items()},
    }


def sim_time(meta: Mapping[str, Any]) -> SimTime:
    t = meta["time"]
    return SimTime(float(t["seconds"]), int(t["day"]), str(t["time_of_day"]))


def agent_pose(meta: Mapping[str, Any]) -> AgentPose:
    a = meta["agent"]
    return AgentPose(tuple(float(v) for v in a["position"]), float(a["yaw"]), float(a["pitch"]))  # type: ignore[arg-type]


def observation_from(
    meta: Mapping[str, Any],
    depth: np.ndarray,
    cam_to_world: np.ndarray,
    rgb: np.ndarray | None,
    instance_ids: np.ndarray | None,
) -> Observation:
    """Rebuild the recorded :class:`Observation` bit-exactly from its metadata and arrays."""
    return Observation(
        depth=depth,
        intrinsics=CameraIntrinsics(**meta["intrinsics"]),
        cam_to_world=cam_to_world,
        agent=agent_pose(meta),
        time=sim_time(meta),
        rgb=rgb,
        instance_ids=instance_ids,
        instance_names={int(i): n for i, n in meta["instance_names"].items()},
        held_object=meta["held_object"],
        frame_index=int(meta["frame_index"]),
        room_id=meta["room_id"],
    )


# ---------------------------------------------------------------------------- rooms
def rooms_to_json(rooms: list[RoomRecord]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "room_type": r.room_type,
            "name": r.name,
            "footprint": [[float(x), float(y)] for x, y in r.footprint],
        }
        for r in rooms
    ]


def rooms_from_json(data: Any) -> list[RoomRecord]:
    if not isinstance(data, list):
        raise RunFormatError(f"{ROOMS} must hold a JSON list of rooms, got {type(data).__name__}")
    try:
        return [
            RoomRecord(
                d["id"],
                d["room_type"],
                d["name"],
                [(float(x), float(y)) for x, y in d["footprint"]],
            )
            for d in data
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise RunFormatError(
            f"{ROOMS} has a malformed room record ({exc}); the file is corrupt"
        ) from exc

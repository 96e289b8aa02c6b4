"""``RunRecorder``: write everything needed to rebuild and explain a run into a run directory.

The agent loop calls ``on_frame(obs)`` for every frame it perceives (before ingesting it),
``on_interaction(kind, obs, point)`` for its own interactions and ``on_task(trace)`` after each
instruction; scripts may also report ``on_action(action, result, obs)``. See
:mod:`embodied_mem.replay.format` for the layout. Observations are stored loss-free (depth
float32, instance ids int32, RGB uint8 in compressed npz chunks) because replay must
reproduce the memory bit for bit.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import is_dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from omegaconf import OmegaConf

from embodied_mem.agent.trace import jsonable
from embodied_mem.replay import format as fmt
from embodied_mem.replay.state import memory_state
from envs.ground_truth import GroundTruth, RoomRecord
from envs.types import Observation

logger = logging.getLogger(__name__)

ORACLE_NOTE = (
    "ORACLE ground truth from the simulator (env object id -> category/attributes). "
    "Only the oracle/noisy segmenters and evaluation may read it."
)


class RunRecorder:
    """Records one run into ``run_dir`` (created; must not already hold a run).

    Args:
        run_dir: output directory.
        config: the resolved config: a dict (values may be config dataclasses) or one config
            dataclass. ``config["memory"]`` (a MemoryConfig or its fields) and
            ``config["perception"] = {"segmenter": name, "config": {...}}`` are what replay
            needs; anything else (env, planner) is saved for the record.
        categories: ORACLE env object id -> category (for the oracle/noisy segmenters), or None.
        rooms: the env's room annotations the memory was built with.
        attributes: ORACLE env object id -> attributes, or None.
        memory: the live memory; when given, its state is snapshotted every ``snapshot_every``
            frames and at :meth:`close`.
        chunk_size: frames per npz chunk (a crash loses at most this many frames).
        snapshot_every: frames between memory snapshots (0 = only at close).
        ground_truth: ORACLE ground truth to take ``categories``/``attributes`` from when
            those are None (only their category/attribute lookup is recorded).
    """

    def __init__(
        self,
        run_dir: str | Path,
        *,
        config: Mapping[str, Any] | Any,
        categories: Mapping[str, str] | None,
        rooms: Iterable[RoomRecord],
        attributes: Mapping[str, Mapping[str, str]] | None = None,
        memory: Any = None,
        chunk_size: int = 16,
        snapshot_every: int = 20,
        ground_truth: GroundTruth | None = None,
    ) -> None:
        if chunk_size < 1 or snapshot_every < 0:
            raise ValueError(
                f"chunk_size must be >= 1 and snapshot_every >= 0, got {chunk_size}, {snapshot_every}"
            )
        if ground_truth is not None:
            categories = (
                categories
                if categories is not None
                else {k: o.category for k, o in ground_truth.objects.items()}
            )
            attributes = (
                attributes
                if attributes is not None
                else {k: dict(o.attributes) for k, o in ground_truth.objects.items()}
            )
        self.run_dir = Path(run_dir)
        if (self.run_dir / fmt.HEADER).exists():
            raise FileExistsError(
                f"{self.run_dir} already holds a recorded run; choose a new --out directory"
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.chunk_size, self.snapshot_every, self.memory = chunk_size, snapshot_every, memory
        self.frames = 0
        self._seq = 0
        self._chunks = 0
        self._buffer: list[tuple[dict[str, Any], Observation]] = []
        self._closed = False
        self._files: dict[str, IO[str]] = {}
        self._write_static(config, categories, attributes, list(rooms))
        self._write_header("recording")

    # ------------------------------------------------------------------ static files
    def _write_static(
        self,
        config: Any,
        categories: Mapping[str, str] | None,
        attributes: Mapping[str, Mapping[str, str]] | None,
        rooms: list[RoomRecord],
    ) -> None:
        try:
            text = OmegaConf.to_yaml(OmegaConf.create(_plain(config)))
        except Exception as exc:  # omegaconf raises several unrelated types for odd values
            raise ValueError(
                f"config must be a dict of config dataclasses or JSON-like values ({exc})"
            ) from exc
        fmt.atomic_write_text(self.run_dir / fmt.CONFIG, text)
        fmt.atomic_write_json(self.run_dir / fmt.ROOMS, fmt.rooms_to_json(rooms))
        if categories is not None or attributes is not None:
            fmt.atomic_write_json(
                self.run_dir / fmt.ORACLE_GT,
                {
                    "label": "oracle",
                    "note": ORACLE_NOTE,
                    "categories": dict(categories or {}),
                    "attributes": {k: dict(v) for k, v in (attributes or {}).items()},
                },
            )

    def _write_header(self, status: str) -> None:
        fmt.atomic_write_json(
            self.run_dir / fmt.HEADER,
            {
                "format": fmt.FORMAT,
                "version": fmt.FORMAT_VERSION,
                "status": status,
                "frames": self.frames,
                "chunks": self._chunks,
                "chunk_size": self.chunk_size,
                "snapshot_every": self.snapshot_every,
                "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )

    # ------------------------------------------------------------------ agent hooks
    def on_frame(self, obs: Observation) -> None:
        """Record one perceived frame (call before the memory ingests it)."""
        self._check_open()
        obs.validate()
        if (
            self.memory is not None
            and self.snapshot_every
            and self.frames
            and self.frames % self.snapshot_every == 0
        ):
            self.snapshot(self.memory)
        if self._buffer and not _same_layout(self._buffer[0][1], obs):
            self._flush()
        self._buffer.append((fmt.frame_meta(obs, self._next_seq()), obs))
        self.frames += 1
        if len(self._buffer) >= self.chunk_size:
            self._flush()

    def on_interaction(self, kind: str, obs: Observation, point: Iterable[float]) -> None:
        """Record the agent's own pick/place/open/close at world ``point`` during ``obs``."""
        self._check_open()
        p = [float(v) for v in point]
        if len(p) != 3 or not all(np.isfinite(p)):
            raise ValueError(f"interaction point must be a finite (x, y, z), got {p}")
        meta = fmt.frame_meta(obs, self._next_seq())
        meta.pop("instance_names")
        self._append(
            fmt.INTERACTIONS, {"seq": meta["seq"], "kind": str(kind), "point": p, "frame": meta}
        )

    def on_task(self, trace: Any) -> None:
        """Record a :class:`~embodied_mem.agent.trace.TaskTrace` (planner text, subgoals, outcomes)."""
        self._check_open()
        data = trace.to_dict() if hasattr(trace, "to_dict") else jsonable(trace)
        self._append(fmt.TASKS, {"seq": self._seq, "after_frames": self.frames, "trace": data})

    def on_action(self, action: Any, result: Any, obs: Observation | None = None) -> None:
        """Record one env action and its :class:`~envs.actions.ActionResult` (optional hook)."""
        self._check_open()
        rec = {
            "seq": self._seq,
            "after_frames": self.frames,
            "action": jsonable(action),
            "success": bool(getattr(result, "success", True)),
            "reason": getattr(result, "reason", None),
        }
        if obs is not None:
            rec["frame_index"], rec["time"] = int(obs.frame_index), float(obs.time.seconds)
        self._append(fmt.ACTIONS, rec)

    # ------------------------------------------------------------------ memory state
    def snapshot(self, memory: Any) -> Path:
        """Write the memory's state after the frames recorded so far; returns the file."""
        self._check_open()
        path = self.run_dir / fmt.SNAPSHOTS_DIR / fmt.snapshot_name(self.frames)
        return fmt.atomic_write_json(path, memory_state(memory, self.frames))

    def close(self) -> None:
        """Flush the last chunk, snapshot the memory (if attached) and mark the run complete."""
        if self._closed:
            return
        self._flush()
        if self.memory is not None:
            self.snapshot(self.memory)
        for fh in self._files.values():
            fh.close()
        self._closed = True
        self._write_header("complete")
        logger.info(
            "run recorded to %s: %d frames in %d chunks", self.run_dir, self.frames, self._chunks
        )

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"recorder for {self.run_dir} is closed; create a new RunRecorder")

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq - 1

    def _append(self, name: str, record: dict[str, Any]) -> None:
        fh = self._files.get(name)
        if fh is None:
            fh = self._files[name] = open(self.run_dir / name, "a", encoding="utf-8")  # noqa: SIM115 - kept open
        fh.write(json.dumps(record, allow_nan=False) + "\n")
        fh.flush()  # a crash then loses at most the line being written (readers drop it)

    def _flush(self) -> None:
        if not self._buffer:
            return
        metas = [m for m, _ in self._buffer]
        obs = [o for _, o in self._buffer]
        arrays: dict[str, np.ndarray] = {
            "depth": np.stack([o.depth for o in obs]),
            "cam_to_world": np.stack([np.asarray(o.cam_to_world, dtype=np.float64) for o in obs]),
            "meta": np.array(json.dumps(metas, allow_nan=False)),
        }
        if obs[0].rgb is not None:
            arrays["rgb"] = np.stack([o.rgb for o in obs])  # type: ignore[misc]
        if obs[0].instance_ids is not None:
            arrays["instance_ids"] = np.stack([o.instance_ids for o in obs])  # type: ignore[misc]
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]  # numpy stubs mistype **kwds
        fmt.atomic_write(
            self.run_dir / fmt.FRAMES_DIR / fmt.chunk_name(self._chunks),
            lambda fh: fh.write(buf.getvalue()),
        )
        self._chunks += 1
        self._buffer.clear()
        self._write_header("recording")


def _plain(value: Any) -> Any:
    """Config dataclasses (whole or per key) → plain dicts with exactly their fields, so replay
    can merge them back onto the schema; anything else through :func:`jsonable`."""
    if is_dataclass(value) and not isinstance(value, type):
        return OmegaConf.to_container(OmegaConf.structured(value))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return jsonable(value)


def _same_layout(a: Observation, b: Observation) -> bool:
    """Frames can share a chunk when their arrays stack (same size, same optional layers)."""
    return (
        a.depth.shape == b.depth.shape
        and (a.rgb is None) == (b.rgb is None)
        and (a.instance_ids is None) == (b.instance_ids is None)
    )

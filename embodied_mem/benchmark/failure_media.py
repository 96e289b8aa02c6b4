"""Pictures and data for the report, captured while an episode runs (small and cheap).

Written under the run directory's ``media/<episode>/``:

- ``episode.json``: the house, days, the experience's interactions and the agent's pose at every
  experience frame (for the episode's top-down: every step, teleports visible as jumps);
- ``memory_d<day>.json.gz``: the first memory baseline's memory state at the end of each
  experience day (the top-down draws what memory held then, not a later memory's history);
- ``<baseline>/<task>/`` for every failed task of an agent baseline: ``attempt.json`` (the
  instruction, plan, truth, failure label, what the plan chose, the path), up to
  ``keyframes_per_task`` memory keyframes of what the plan chose (``keyframe_<frame>.jpg``), the
  frame where the agent stopped (``stop.jpg``) and a top-down sketch of the attempt
  (``attempt.png``).

What it costs: one small JPEG per memory keyframe of every memory baseline (keyframes are a
fraction of the frames; ``bench/failure_media.py`` measures it against the episode itself), one
JPEG and one ~200 px OpenCV sketch per failed task, a pose per experience frame and one memory
state per day. Keyframe thumbnails are taken by watching the frames the agent perceives, so the
agent's memory and its config are untouched.
"""

from __future__ import annotations

import gzip
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.benchmark.attempt_sketch import (
    FrameCamera,
    Sketch,
    draw_sketch,
    encode_png,
    mark_frame,
)
from embodied_mem.benchmark.run_dir import ATTEMPT_JSON, EPISODE_JSON, MEDIA_DIR  # noqa: F401
from embodied_mem.memory.episodic import encode_thumbnail
from embodied_mem.replay.state import memory_state

logger = logging.getLogger(__name__)


@dataclass
class MediaConfig:
    """What the benchmark captures for the report while it runs."""

    thumbnail_width: int = 160
    """Width in pixels of keyframe and stop-frame JPEGs (height keeps the aspect ratio)."""
    thumbnail_quality: int = 70
    """JPEG quality 1..95."""
    sketch_size: int = 200
    """Longer side in pixels of a failed attempt's top-down sketch."""
    keyframes_per_task: int = 2
    """Memory keyframes kept per failed task: the best view of what the plan chose, and its
    last sighting before the task (when that is another frame)."""

    def __post_init__(self) -> None:
        if self.thumbnail_width < 16 or self.sketch_size < 64:
            raise ValueError(
                f"thumbnail_width must be >= 16 and sketch_size >= 64, got "
                f"{self.thumbnail_width}, {self.sketch_size}"
            )
        if not 1 <= self.thumbnail_quality <= 95 or self.keyframes_per_task < 0:
            raise ValueError(
                f"thumbnail_quality must be 1..95 and keyframes_per_task >= 0, got "
                f"{self.thumbnail_quality}, {self.keyframes_per_task}"
            )


def thumbnail(rgb: np.ndarray, config: MediaConfig) -> bytes:
    """JPEG of a frame, ``thumbnail_width`` wide at most (small frames are not blown up)."""
    width = min(config.thumbnail_width, int(rgb.shape[1]))
    return encode_thumbnail(rgb, width, config.thumbnail_quality)


class _Thumbnail:
    """A keyframe's JPEG thumbnail, made from its colour on the first call, then kept."""

    def __init__(self, colour: Callable[[], np.ndarray | None], config: MediaConfig) -> None:
        self._colour: Callable[[], np.ndarray | None] | None = colour
        self._config = config
        self._jpeg: bytes | None = None

    def __call__(self) -> bytes:
        if self._jpeg is None:
            assert self._colour is not None
            rgb = self._colour()
            assert rgb is not None, "a keyframe thumbnail of a frame without colour"
            self._jpeg, self._colour = thumbnail(rgb, self._config), None
        return self._jpeg


class KeyframeThumbnails:
    """Watches the frames an agent perceives and keeps a thumbnail of each that its memory kept
    as a keyframe. A run observer for :class:`~embodied_mem.agent.loop.MemoryAgent`; it passes
    every call on to ``inner`` (e.g. the run recorder) when given.

    ``on_frame`` arrives before the memory ingests the frame, so a frame is checked when the
    next one arrives (or on :meth:`settle`); only the last frame is held, never copied. A
    keyframe's thumbnail is made when first asked for (:meth:`jpeg`): only failed tasks' pages
    show any, and rendering the colour of every keyframe was 5 % of an episode's CPU (issue
    16); ask before the env resets (the episode's failed tasks do). Watchers given the same
    ``shared`` dict share the thumbnail of a frame they all see (the experience).
    """

    def __init__(
        self,
        memory: Any,
        config: MediaConfig,
        inner: Any = None,
        shared: dict[str, Any] | None = None,
    ) -> None:
        self.memory, self.config, self.inner = memory, config, inner
        self.thumbs: dict[int, _Thumbnail] = {}
        """Frame index -> the keyframe's thumbnail, made on first use (:meth:`jpeg`)."""
        self.cameras: dict[int, FrameCamera] = {}
        """Frame index -> where the keyframe was taken from (to mark things in it later)."""
        self._pending: Any = None
        self._shared = shared if shared is not None else {}

    def settle(self) -> None:
        obs, self._pending = self._pending, None
        # has_rgb, not rgb: the colour of a frame that is no keyframe is never rendered.
        if obs is None or not obs.has_rgb or obs.frame_index in self.thumbs:
            return
        keyframes = self.memory.episodic.keyframes
        if keyframes and keyframes[-1].frame_index == obs.frame_index:
            if self._shared.get("obs") is not obs:  # the same object, not an equal frame index
                thumb = _Thumbnail(obs.rgb_later(), self.config)
                if obs.rgb_if_rendered is not None:
                    thumb()  # stored colour: a small JPEG rather than the image kept
                self._shared.update(obs=obs, jpeg=thumb)
            self.thumbs[obs.frame_index] = self._shared["jpeg"]
            self.cameras[obs.frame_index] = FrameCamera.of(obs)

    def jpeg(self, frame_index: int) -> bytes:
        """The thumbnail of keyframe ``frame_index`` (rendered and encoded now if not yet)."""
        return self.thumbs[frame_index]()

    def on_frame(self, obs: Any) -> None:
        self.settle()
        self._pending = obs
        if self.inner is not None:
            self.inner.on_frame(obs)

    def on_interaction(self, kind: str, obs: Any, point: Any) -> None:
        if self.inner is not None:
            self.inner.on_interaction(kind, obs, point)

    def on_task(self, trace: Any) -> None:
        self.settle()
        if self.inner is not None:
            self.inner.on_task(trace)


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def _xy(p: Any) -> list[float]:
    return [round(float(p[0]), 3), round(float(p[1]), 3)]


def _centroid(footprint: Any) -> list[float]:
    return _xy(np.asarray(footprint, dtype=float).mean(axis=0))


def house_text(spec: Any) -> str:
    """``builtin house 1097657231`` or the simulator's scene name."""
    opts = spec.env_options or {}
    scene = opts.get("scene") or opts.get("scene_id")
    return f"{spec.env} {scene}" if scene else f"{spec.env} house {spec.house_seed}"


class EpisodeMedia:
    """Collects one episode's media and writes it under ``media_dir/<episode>``.

    Args:
        media_dir: the run's ``media`` directory.
        spec: the :class:`~embodied_mem.benchmark.episode.EpisodeSpec`.
        rooms: the room annotations every agent is given (footprints for the sketches).
    """

    def __init__(self, media_dir: Path, spec: Any, rooms: Any, config: MediaConfig) -> None:
        self.dir = Path(media_dir) / spec.episode_id
        if self.dir.exists():  # a cut-off earlier attempt at this episode: start clean
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.spec, self.config = spec, config
        self.rooms = {r.id: r for r in rooms}
        self.path: list[list[float]] = []
        self._day: int | None = None
        self._watched: tuple[str, Any] | None = None
        self._day_memory: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ phase 1
    def watch_memory(self, baseline: str, memory: Any) -> None:
        """The memory (of ``baseline``) whose state is saved at the end of every experience day."""
        self._watched = (baseline, memory)

    def on_experience_frame(self, obs: Any) -> None:
        """Every experience frame, before the agents see it: its pose, and a day-end snapshot."""
        day = int(obs.time.day)
        if self._day is not None and day != self._day:
            self._snapshot_day(self._day)
        self._day = day
        a = obs.agent
        self.path.append(
            [int(obs.frame_index), day, round(float(obs.time.seconds), 2)]
            + _xy(a.position)
            + [round(float(a.yaw), 3), obs.time.time_of_day]
        )

    def end_experience(self, record: Any) -> None:
        """After phase 1: the last day's snapshot and the episode's summary file."""
        if self._day is not None:
            self._snapshot_day(self._day)
        _write_json(
            self.dir / EPISODE_JSON,
            {
                "episode_id": self.spec.episode_id,
                "house": house_text(self.spec),
                "days": self.spec.days,
                "frames": int(record.num_frames),
                "interactions": [_interaction(i) for i in record.interactions],
                "rooms": {
                    rid: {"name": r.name, "footprint": [_xy(p) for p in r.footprint]}
                    for rid, r in self.rooms.items()
                },
                "memory_of": self._watched[0] if self._watched else None,
                "day_memory": self._day_memory,
                "path_columns": ["frame", "day", "seconds", "x", "y", "yaw", "time_of_day"],
                "path": self.path,
            },
        )

    def _snapshot_day(self, day: int) -> None:
        if self._watched is None or not self.path:
            return
        name = f"memory_d{day}.json.gz"
        state = memory_state(self._watched[1], len(self.path))
        with gzip.open(self.dir / name, "wt", encoding="utf-8") as fh:
            json.dump(state, fh, separators=(",", ":"))
        # the state after the day's last frame: the time of that frame
        self._day_memory.append({"day": day, "file": name, "time": self.path[-1][2]})

    # ------------------------------------------------------------------ phase 2
    def failed_task(self, attempt: FailedAttempt) -> None:
        """Write the pictures and data of one failed task of an agent baseline."""
        out = self.dir / attempt.baseline / attempt.task.task_id.replace("/", "_")
        out.mkdir(parents=True, exist_ok=True)
        keyframes = self._keyframes(attempt, out)
        stop = attempt.final_obs
        if stop.has_rgb:
            jpeg = thumbnail(stop.rgb, self.config)
            marked = mark_frame(
                jpeg, FrameCamera.of(stop), attempt.chosen_boxes(), attempt.truth_points()
            )
            (out / "stop.jpg").write_bytes(marked)
        truth = attempt.truth()
        chosen = [c for c in attempt.chosen_points(self.rooms) if c.get("xy") is not None]
        sketch = Sketch(
            rooms=[[tuple(p) for p in r.footprint] for r in self.rooms.values()],
            path=[tuple(p) for p in attempt.path],
            stop_yaw=float(stop.agent.yaw),
            chosen=[tuple(c["xy"]) for c in chosen],
            truth=[tuple(t["xy"]) for t in truth if t.get("xy") is not None],
            free_space=_free_space_layers(attempt.memory),
        )
        (out / "attempt.png").write_bytes(encode_png(draw_sketch(sketch, self.config.sketch_size)))
        _write_json(
            out / ATTEMPT_JSON,
            {
                "task_id": attempt.task.task_id,
                "baseline": attempt.baseline,
                "instruction": attempt.task.text,
                "failure_mode": attempt.result.failure_mode,
                "detail": attempt.result.detail,
                "plan": [
                    {"message": s.plan_message, "mode": s.failure_mode, "outcomes": s.outcomes}
                    for s in attempt.trace.steps
                ],
                "answer": attempt.trace.answer,
                "chosen": chosen,
                "truth": truth,
                "answers": list(attempt.task.answers),
                "keyframes": keyframes,
                "stop": {
                    "frame": int(stop.frame_index),
                    "day": int(stop.time.day),
                    "time_of_day": stop.time.time_of_day,
                    "xy": _xy(stop.agent.position),
                    "steps": int(attempt.trace.actions),
                },
                "path": [_xy(p) for p in attempt.path],
            },
        )

    def _keyframes(self, attempt: FailedAttempt, out: Path) -> list[dict[str, Any]]:
        """The memory keyframes of what the plan chose (seen before the task started)."""
        memory, thumbs = attempt.memory, attempt.thumbnails
        if memory is None or thumbs is None or not self.config.keyframes_per_task:
            return []
        thumbs.settle()
        picked: list[tuple[Any, str]] = []
        for mid in [c["memory_id"] for c in attempt.trace.chosen][:2]:
            seen = [
                k
                for k in memory.episodic.keyframes_with(mid)
                if k.time <= attempt.start_time and k.frame_index in thumbs.thumbs
            ]
            # views of it where memory placed it when the plan chose it (not before it moved)
            there = [k for k in seen if attempt.moved_since(mid, k.time) is False] or seen
            if not there:
                continue
            best = max(there, key=lambda k: (k.visible.get(mid, 0.0), k.time))
            picked += [(best, mid)] + ([(there[-1], mid)] if there[-1] is not best else [])
        rows = []
        for kf, mid in picked[: self.config.keyframes_per_task]:
            name = f"keyframe_{kf.frame_index}.jpg"
            boxes = attempt.chosen_boxes([mid], at=kf.time)  # where memory had it then
            camera = thumbs.cameras[kf.frame_index]
            plain = thumbs.jpeg(kf.frame_index)
            marked = mark_frame(plain, camera, boxes)
            (out / name).write_bytes(marked)
            rows.append(
                {
                    "file": name,
                    "frame": kf.frame_index,
                    "day": kf.day,
                    "time_of_day": kf.time_of_day,
                    "memory_id": mid,
                    "coverage": round(float(kf.visible.get(mid, 0.0)), 4),
                    "moved_since": attempt.moved_since(mid, kf.time),
                    # False: memory's box of it then falls outside the frame that showed it
                    "boxed": marked != plain,
                }
            )
        return rows


@dataclass
class FailedAttempt:
    """One failed task of one agent baseline, as the runner has it right after scoring."""

    baseline: str
    task: Any
    trace: Any
    result: Any
    final_obs: Any
    start_time: float
    path: list[tuple[float, float]]
    gt_before: Any
    """Ground truth when the task started (evaluation only: the card's "truth")."""
    memory: Any = None
    thumbnails: KeyframeThumbnails | None = None

    def truth(self) -> list[dict[str, Any]]:
        """Valid targets (ground truth, evaluation only) with a label and a floor point."""
        gt = self.gt_before
        ids = [v for g in self.task.goals for v in g.valid]
        for p in self.task.placements:
            ids += list(p.objects) + list(p.receptacles)
        out = []
        for eid in dict.fromkeys(ids):
            if eid in gt.objects:
                o = gt.objects[eid]
                out.append({"id": eid, "label": f"{o.category} {eid}", "xy": _xy(o.position)})
            elif eid in gt.rooms:
                r = gt.rooms[eid]
                out.append({"id": eid, "label": f"room {r.name}", "xy": _centroid(r.footprint)})
        return out[:8]

    def truth_points(self) -> list[np.ndarray]:
        """3-D centres of the valid target objects (ground truth, evaluation only)."""
        gt = self.gt_before
        ids = [t["id"] for t in self.truth()]
        return [np.asarray(gt.objects[i].position, dtype=float) for i in ids if i in gt.objects]

    def _node(self, mid: str, at: float | None = None) -> Any:
        """Memory's node ``mid`` now, or as believed at time ``at`` (None if absent). One
        node at a time: these cards ask about one or two nodes at each of many keyframe
        times, and materialising the whole graph for each was most of a card's cost."""
        graph = getattr(getattr(self.memory, "long_term", None), "graph", None)
        if graph is None or mid not in graph:
            return None
        return graph.get(mid) if at is None else graph.node_at(mid, at)

    def chosen_boxes(
        self, ids: list[str] | None = None, at: float | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Memory's boxes of what the plan chose: as memory holds them now, or at time ``at``."""
        wanted = ids if ids is not None else [c["memory_id"] for c in self.trace.chosen]
        boxes = []
        for mid in wanted:
            node = self._node(mid, at)
            if node is not None and node.layer.value != "room":
                boxes.append((np.asarray(node.bbox_min), np.asarray(node.bbox_max)))
        return boxes

    def moved_since(self, mid: str, t: float, tolerance_m: float = 0.5) -> bool | None:
        """Whether memory's position of ``mid`` at ``t`` differs from the one the plan chose
        (None when either is unknown)."""
        then = self._node(mid, t)
        chosen = next((c for c in self.trace.chosen if c.get("memory_id") == mid), {})
        if then is None or chosen.get("position") is None:
            return None
        gap = np.asarray(then.centroid[:2]) - np.asarray(chosen["position"][:2])
        return bool(np.linalg.norm(gap) > tolerance_m)

    def chosen_points(self, rooms: dict[str, Any]) -> list[dict[str, Any]]:
        """What the plan chose (memory ids; objects as memory placed them, rooms by centroid)."""
        out = []
        for c in self.trace.chosen:
            mid = c.get("memory_id")
            if c.get("position") is not None:
                out.append(
                    {
                        "memory_id": mid,
                        "label": f"{c.get('category')} {mid}",
                        "xy": _xy(c["position"]),
                    }
                )
            elif mid in rooms:
                r = rooms[mid]
                out.append(
                    {"memory_id": mid, "label": f"room {r.name}", "xy": _centroid(r.footprint)}
                )
            else:
                out.append({"memory_id": mid, "label": str(mid), "xy": None})
        return out


def _interaction(rec: Any) -> dict[str, Any]:
    return {
        "day": rec.day,
        "category": rec.category,
        "object_id": rec.object_id,
        "from": rec.start_receptacle_category,
        "to": rec.goal_receptacle_category,
        "pick": rec.start_time,
        "place": rec.end_time,
        "pick_frame": rec.start_frame,
        "place_frame": rec.end_frame,
    }


def _free_space_layers(
    memory: Any,
) -> tuple[np.ndarray, np.ndarray, tuple[float, float], float] | None:
    """The agent's own free-space map as (seen, occupied, corner, resolution), if it has one."""
    fmap = getattr(memory, "free_space", None)
    if fmap is None or not fmap.shape[0]:
        return None
    rs, cs = fmap.extent()
    res = float(fmap.config.resolution)
    corner = fmap.origin + np.array([cs.start, rs.start]) * res
    return (
        (fmap.seen | fmap.visited)[rs, cs],
        fmap.occupied[rs, cs],
        (float(corner[0]), float(corner[1])),
        res,
    )

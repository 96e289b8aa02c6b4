"""What the visualisations draw: a :class:`MemoryView` (scene graph with timelines, the
agent's path, its interactions, the short-term buffer), loaded from a live memory, a saved
SQLite memory, a memory snapshot JSON or a recorded run directory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from embodied_mem.replay.state import memory_state
from envs.timeutil import parse_hhmm
from scene_graph import SceneGraph, from_dict

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PathPoint:
    """One agent pose on its path (from episodic keyframes and events)."""

    time: float
    x: float
    y: float
    yaw: float
    day: int
    time_of_day: str


@dataclass(frozen=True)
class InteractionMark:
    """One of the agent's own interactions, for drawing."""

    kind: str
    time: float
    day: int
    time_of_day: str
    point: tuple[float, float, float] | None
    object_id: str | None
    category: str | None


@dataclass(frozen=True)
class MemorySnapshot:
    """The memory's state as it was at ``time`` (read from disk when first needed)."""

    time: float
    frames: int
    read: Callable[[], dict[str, Any]]
    """Returns the state (:func:`embodied_mem.replay.memory_state` format); cached."""


@dataclass
class MemoryView:
    """Everything the top-down, HTML and rerun views draw from one memory."""

    graph: SceneGraph
    path: list[PathPoint] = field(default_factory=list)
    interactions: list[InteractionMark] = field(default_factory=list)
    short_term: list[dict[str, Any]] = field(default_factory=list)
    title: str = "memory"
    snapshots: list[MemorySnapshot] = field(default_factory=list)
    """What the memory held over time (recordings, benchmark media), by time; empty for a bare
    memory file, whose views then show the final memory's history (``graph.at(t)``)."""
    path_is_dense: bool = False
    """True when ``path`` holds every step (a recording); False for keyframe poses only."""

    def memory_at(self, t: float) -> tuple[SceneGraph, dict[str, Any] | None]:
        """The world instance memory held at ``t`` and its free-space map state (or None).

        With snapshots: the last snapshot at or before ``t`` (what memory believed then; before
        the first, that one's history at ``t``); without, the final memory's history at ``t``
        (later corrections included).
        """
        if not self.snapshots:
            return self.graph.at(t), getattr(self, "free_space", None)
        # before the first snapshot: that snapshot's own history (the closest belief there is)
        snap = next((s for s in reversed(self.snapshots) if s.time <= t), None)
        if snap is None:
            first = self.snapshots[0]
            return _graph_of(first).at(t), first.read().get("free_space")
        return _graph_of(snap), snap.read().get("free_space")

    def days(self) -> list[int]:
        """Days the path or the interactions touch, in order."""
        return sorted({p.day for p in self.path} | {m.day for m in self.interactions})

    def time_range(self) -> tuple[float, float]:
        """(first, last) time the memory knows anything about (0, 0 when empty)."""
        times = [p.time for p in self.path] + [i.time for i in self.interactions]
        span = self.graph.time_range
        if span is not None:
            times += list(span)
        return (min(times), max(times)) if times else (0.0, 0.0)

    def stamp_at(self, t: float) -> PathPoint | None:
        """The last path point at or before ``t`` (its day/clock label the view at ``t``)."""
        return next((p for p in reversed(self.path) if p.time <= t), None)

    def resolve_time(self, spec: str | float | None, day: int | None = None) -> float:
        """Seconds for ``spec``: None = the end, a number = seconds, ``"HH:MM"`` = the last
        moment at or before that clock time on ``day`` (default: the last recorded day).

        Raises:
            ValueError: an unparsable spec or a clock time before anything on that day.
        """
        if spec is None:
            return self.time_range()[1]
        text = str(spec).strip()
        if ":" not in text:
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"time must be seconds or HH:MM, got {spec!r}") from None
        try:
            target = parse_hhmm(text)
        except ValueError:
            raise ValueError(f"time must be seconds or HH:MM, got {spec!r}") from None
        stamps = [(p.day, p.time_of_day, p.time) for p in self.path]
        stamps += [(i.day, i.time_of_day, i.time) for i in self.interactions]
        if not stamps:
            raise ValueError(
                "this memory has no clock times (no keyframes or events); pass --time in seconds"
            )
        day = max(s[0] for s in stamps) if day is None else day
        before = [t for d, hm, t in stamps if d == day and parse_hhmm(hm) <= target]
        if not before:
            first = min((hm for d, hm, _ in stamps if d == day), default=None)
            raise ValueError(
                f"nothing recorded on day {day} at or before {text}; the day starts at {first}"
            )
        return max(before)


@lru_cache(maxsize=64)  # a slider revisits steps; a long session must not keep them all
def _graph_of(snap: MemorySnapshot) -> SceneGraph:
    return from_dict(snap.read()["scene_graph"])


def lazy_state(read: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """``read`` called once; later calls return the same state."""
    return cache(read)


def view_from_state(state: dict[str, Any], title: str = "memory") -> MemoryView:
    """A view from a memory state dict (:func:`embodied_mem.replay.memory_state` / a snapshot)."""
    graph = from_dict(state["scene_graph"])
    path = [
        PathPoint(
            k["time"],
            k["pose"]["position"][0],
            k["pose"]["position"][1],
            k["pose"]["yaw"],
            k["day"],
            k["time_of_day"],
        )
        for k in state.get("keyframes", [])
    ]
    marks = []
    for ev in state.get("events", []):
        if ev["kind"] not in ("pick", "place", "open", "close"):
            continue
        oid = ev.get("object_id")
        cat = graph.get(oid).category if oid is not None and oid in graph else None
        point = tuple(ev["point"]) if ev.get("point") is not None else None
        marks.append(
            InteractionMark(
                ev["kind"], ev["start_time"], ev["day"], ev["time_of_day"], point, oid, cat
            )
        )  # type: ignore[arg-type]
        pose = ev.get("pose")
        if pose is not None:
            path.append(
                PathPoint(
                    ev["start_time"],
                    pose["position"][0],
                    pose["position"][1],
                    pose["yaw"],
                    ev["day"],
                    ev["time_of_day"],
                )
            )
    path.sort(key=lambda p: p.time)
    return MemoryView(graph, path, marks, list(state.get("short_term", [])), title)


def view_from_memory(memory: Any, title: str = "memory") -> MemoryView:
    """A view of a live :class:`~embodied_mem.memory.AgentMemory`."""
    return view_from_state(memory_state(memory, 0), title)


def load_view(source: str | Path) -> MemoryView:
    """A view from a SQLite memory file, a memory snapshot ``.json`` or a run directory.

    A run directory shows its final memory snapshot (or, without one, a replay).

    A memory file is opened read-only and left byte-identical, whatever it turns out to be.

    Raises:
        FileNotFoundError: nothing at ``source``.
        RunFormatError: a run directory or snapshot that is incomplete or corrupt.
        MemoryStoreError: a file that is not a readable embodied-mem memory.
    """
    from embodied_mem.replay import format as fmt
    from embodied_mem.replay.run import load_run

    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"no memory, snapshot or run directory at {path}")
    if path.is_dir():
        return _run_view(path, load_run(path))
    if path.suffix == ".json":
        state = fmt.read_json(path, "memory snapshot")
        if not isinstance(state, dict) or "scene_graph" not in state:
            raise fmt.RunFormatError(f"{path} is not a memory snapshot (no 'scene_graph' key)")
        return view_from_state(state, title=path.stem)
    from embodied_mem.memory import AgentMemory

    memory = AgentMemory.open(path, read_only=True)  # never writes, also while a writer runs
    return view_from_memory(memory, title=path.stem)


def _run_view(path: Path, run: Any) -> MemoryView:
    """A recorded run: its final snapshot (or a replay), every frame's pose, its snapshots."""
    state = run.final_snapshot()
    if state is None:
        from embodied_mem.replay.replay import replay

        logger.info("%s has no memory snapshot; replaying it", path)
        state = memory_state(replay(run), int(run.header.get("frames", 0)))
    view = view_from_state(state, title=_run_title(path, run))
    # the run has every ingested frame's pose: a finer path than the memory's keyframes
    metas = list(run.frame_metas())
    view.path = [
        PathPoint(
            m["time"]["seconds"],
            m["agent"]["position"][0],
            m["agent"]["position"][1],
            m["agent"]["yaw"],
            m["time"]["day"],
            m["time"]["time_of_day"],
        )
        for m in metas
    ]
    view.path_is_dense = True
    view.snapshots = _run_snapshots(run, metas)
    return view


def _run_title(path: Path, run: Any) -> str:
    """``episode demo-0001 · memory-oracle (builtin house 2132340197)`` for a benchmark
    recording (``recordings/<episode>/<baseline>``), else the directory's name."""
    episode = run.config.get("episode") or {}
    if path.parent.parent.name == "recordings" or episode:
        name = episode.get("id") or path.parent.name
        house = f" ({episode['house']})" if episode.get("house") else ""
        return f"episode {name} · {path.name}{house}"
    return path.name


def _run_snapshots(run: Any, metas: list[dict[str, Any]]) -> list[MemorySnapshot]:
    """The run's memory snapshots, each at the time of the last frame recorded before it."""
    from embodied_mem.replay.run import read_snapshot

    out = []
    for frames, file in sorted(run.snapshots_by_frames().items()):
        if not metas or frames < 1:
            continue
        t = float(metas[min(frames, len(metas)) - 1]["time"]["seconds"])
        out.append(MemorySnapshot(t, frames, lazy_state(lambda f=file: read_snapshot(f))))
    return out

"""Rerun ``.rrd`` recordings of a run and its memory (rerun-sdk, ``viz`` extra), or a live
viewer (``viz --spawn`` / ``--serve``, :mod:`.rerun_blueprint`).

Every recorded frame is logged (its back-projected points at ``point_stride``); the memory every
``memory_every`` frames and at every interaction, as it was then (the run's snapshots). The
recording carries a blueprint, so the viewer opens on camera, 3D memory, top-down and timeline.
A memory-only recording (no run) says it is static, in its ``about`` note and its properties.

Timelines: ``frame`` (sequence) and ``sim_time`` (seconds). Entities:

- ``world/camera`` pinhole + pose; ``.../rgb``, ``.../depth``, ``.../instances`` the frame's images
- ``world/frame_points`` the frame's back-projected depth (every ``point_stride``-th pixel)
- ``world/rooms/<room name>`` room footprints; ``.../<Category>_<id>`` receptacle boxes and,
  below them, object boxes + points (e.g. ``world/rooms/kitchen/CounterTop_obj_0003/
  Apple_obj_0005``) — the path follows the memory hierarchy at that time (an object moved to
  another receptacle changes path; its old path is cleared)
- ``topdown/...`` the same memory in 2D, north up: rooms, receptacles, objects, today's path,
  the agent, interactions, the agent's own map
- ``world/agent/path`` the agent's path so far, ``world/interactions`` interaction points
- ``graph`` the scene graph as ``GraphNodes``/``GraphEdges`` (rooms → receptacles → objects)
- ``memory/short_term`` the short-term buffer (from the run's memory snapshots)
- ``planner`` task instructions, plans, subgoals and outcomes; ``events`` interactions as text
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.perception.backproject import backproject
from embodied_mem.replay.format import read_json
from embodied_mem.replay.run import RecordedFrame, RecordedRun
from embodied_mem.viz.rerun_blueprint import blueprint
from embodied_mem.viz.rerun_memory import log_memory, log_topdown
from embodied_mem.viz.source import MemoryView

try:
    import rerun as rr
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the rerun export needs rerun-sdk; install it with `pip install 'embodied-mem[viz]'`"
    ) from exc

logger = logging.getLogger(__name__)


def _set_time(rec: rr.RecordingStream, t: float, frame: int | None) -> None:
    rr.set_time("sim_time", duration=float(t), recording=rec)
    if frame is not None:
        rr.set_time("frame", sequence=int(frame), recording=rec)


def _log_frame(
    rec: rr.RecordingStream,
    item: RecordedFrame,
    point_stride: int,
    labels: dict[str, str] | None = None,
) -> None:
    obs = item.obs
    k = obs.intrinsics
    rr.log(
        "world/camera",
        rr.Transform3D(translation=obs.cam_to_world[:3, 3], mat3x3=obs.cam_to_world[:3, :3]),
        rr.Pinhole(
            image_from_camera=k.matrix(),
            resolution=[k.width, k.height],
            camera_xyz=rr.ViewCoordinates.RDF,
        ),
        recording=rec,
    )
    if obs.rgb is not None:
        rr.log("world/camera/rgb", rr.Image(obs.rgb), recording=rec)
    rr.log("world/camera/depth", rr.DepthImage(obs.depth, meter=1.0), recording=rec)
    if obs.instance_ids is not None:
        if labels is not None and obs.instance_names:
            # simulator instance ids -> "Category env_id": ORACLE labels, shown as such
            rr.log(
                "world/camera/instances",
                rr.AnnotationContext(
                    [
                        (int(i), f"ORACLE {labels.get(n, '?')} {n}")
                        for i, n in sorted(obs.instance_names.items())
                    ]
                ),
                recording=rec,
            )
        rr.log("world/camera/instances", rr.SegmentationImage(obs.instance_ids), recording=rec)
    pts = backproject(obs.depth, k, obs.cam_to_world, stride=point_stride, max_depth=10.0)
    colors = None
    if obs.rgb is not None:
        rows, cols = np.mgrid[0 : k.height : point_stride, 0 : k.width : point_stride]
        valid = (
            np.isfinite(obs.depth[rows, cols])
            & (obs.depth[rows, cols] > 0)
            & (obs.depth[rows, cols] <= 10.0)
        )
        colors = obs.rgb[rows, cols][valid]
        if len(colors) != len(pts):  # backproject's own validity rule differs: skip colours
            colors = None
    rr.log("world/frame_points", rr.Points3D(pts, radii=0.01, colors=colors), recording=rec)


def _log_tasks(
    rec: rr.RecordingStream, tasks: list[dict[str, Any]], time_of: Callable[[int], float]
) -> None:
    for task in tasks:
        trace = task.get("trace", {})
        _set_time(rec, time_of(int(task.get("after_frames", 0))), int(task.get("after_frames", 0)))
        rr.log(
            "planner",
            rr.TextLog(f"instruction: {trace.get('instruction')}", level="INFO"),
            recording=rec,
        )
        for step in trace.get("steps", []):
            rr.log(
                "planner",
                rr.TextLog(f"plan {step.get('step_index')}: {step.get('plan_message')}"),
                recording=rec,
            )
            for sg in step.get("subgoals", []):
                rr.log("planner/subgoals", rr.TextLog(f"{sg.get('type')}: {sg}"), recording=rec)
            for out in step.get("outcomes", []):
                level = "INFO" if out.get("success") else "WARN"
                rr.log("planner/outcomes", rr.TextLog(f"{out}", level=level), recording=rec)
        if trace.get("answer"):
            rr.log("planner", rr.TextLog(f"answer: {trace['answer']}"), recording=rec)


def _stm_text(entries: list[dict[str, Any]]) -> str:
    rows = ["| object | category | change | time | frame | position |", "|---|---|---|---|---|---|"]
    for e in sorted(entries, key=lambda e: -e.get("time", 0.0)):
        pos = ", ".join(f"{v:.2f}" for v in e.get("position", []))
        rows.append(
            f"| {e.get('object_id')} | {e.get('category')} | {e.get('kind')} {e.get('detail', '')} | "
            f"{e.get('time', 0):.0f}s | {e.get('frame_index')} | {pos} |"
        )
    return "\n".join(rows)


def _log_progress(
    rec: rr.RecordingStream, view: MemoryView, t: float, frame: int | None, paths: dict[str, str]
) -> dict[str, str]:
    """Memory as it was at ``t`` (3D hierarchy, graph, top-down), today's path, interactions."""
    from embodied_mem.viz.topdown import path_segments

    _set_time(rec, t, frame)
    world, _ = view.memory_at(t)
    paths = log_memory(rec, world, paths)
    log_topdown(rec, view, world, t)
    stamp = view.stamp_at(t)
    today = [p for p in view.path if p.time <= t and stamp is not None and p.day == stamp.day]
    # walked stretches only: a teleport is a gap, never a line through a wall
    pieces = [p for p in path_segments(today)[0] if len(p) > 1] if view.path_is_dense else []
    rr.log(
        "world/agent/path",
        rr.LineStrips3D(
            [np.c_[p, np.full(len(p), 0.05)] for p in pieces], colors=[(147, 52, 230)], radii=0.02
        ),
        recording=rec,
    )
    marks = [m for m in view.interactions if m.time <= t and m.point is not None]
    if marks:
        rr.log(
            "world/interactions",
            rr.Points3D(
                np.array([m.point for m in marks], dtype=float),
                radii=0.06,
                labels=[f"{m.kind} {m.category or '?'} {m.time_of_day}" for m in marks],
                colors=[(217, 48, 37) if m.kind == "pick" else (24, 128, 56) for m in marks],
            ),
            recording=rec,
        )
    return paths


def _check(memory_every: int, point_stride: int) -> None:
    if memory_every < 1 or point_stride < 1:
        raise ValueError(
            f"memory_every and point_stride must be >= 1, got {memory_every}, {point_stride}"
        )


def record(
    rec: rr.RecordingStream,
    view: MemoryView,
    run: RecordedRun | None = None,
    *,
    memory_every: int = 5,
    point_stride: int = 4,
    times: Sequence[float] | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Log a run (every frame, the memory over time) or, without ``run``, the memory alone at
    ``times`` (default: its snapshot times, else evenly spaced plus every interaction)."""
    _check(memory_every, point_stride)
    rec.send_recording_name(view.title)
    rr.log("world", rr.ViewCoordinates.RIGHT_HAND_Z_UP, static=True, recording=rec)
    if run is not None:
        rec.send_property(
            "source", rr.AnyValues(kind="recorded run", frames=run.header.get("frames", 0))
        )
        _export_run(rec, view, run, memory_every, point_stride, progress)
        return
    from embodied_mem.viz.html import default_times

    _log_static_note(rec, view)
    paths: dict[str, str] = {}
    for t in times or default_times(view):
        paths = _log_progress(rec, view, t, None, paths)


def _log_static_note(rec: rr.RecordingStream, view: MemoryView) -> None:
    """A memory-only recording says what it is: no frames, and whose history the timeline shows."""
    steps = (
        "the memory's recorded snapshots"
        if view.snapshots
        else "the final memory's history (graph.at(t)); it keeps no snapshots, so beliefs it "
        "later corrected are not shown as they were"
    )
    rec.send_property("source", rr.AnyValues(kind="static memory", camera_frames=0))
    rr.log(
        "about",
        rr.TextDocument(
            f"# Static recording of {view.title}\n\nMade from a memory, not from a recorded "
            "run: there are **no camera frames**. The `sim_time` timeline steps through "
            f"{steps}.\n\nRecord a run (`embodied-mem record-demo`, `embodied-mem eval --record "
            "1`) and point `viz` at its directory for every frame.",
            media_type="text/markdown",
        ),
        static=True,
        recording=rec,
    )


def export_rrd(
    out: str | Path, view: MemoryView, run: RecordedRun | None = None, **kwargs: Any
) -> Path:
    """Write an ``.rrd`` (see :func:`record` for what it holds and the keyword arguments); it
    opens on the layout of :func:`.rerun_blueprint.blueprint`."""
    _check(kwargs.get("memory_every", 5), kwargs.get("point_stride", 4))
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    rec = rr.RecordingStream("embodied_mem", recording_id=view.title)
    rec.save(target, default_blueprint=blueprint(with_camera=run is not None))
    record(rec, view, run, **kwargs)
    rec.flush()
    rec.disconnect()
    logger.info("rerun recording written to %s (%d bytes)", target, target.stat().st_size)
    return target


def stream_live(
    view: MemoryView,
    run: RecordedRun | None = None,
    *,
    mode: str = "spawn",
    grpc_port: int = 9876,
    web_port: int = 9090,
    **kwargs: Any,
) -> rr.RecordingStream:
    """Stream to a live viewer: ``mode="spawn"`` starts the native viewer (needs a display),
    ``"serve"`` serves gRPC plus the web viewer (open the logged URL; keep the process alive).

    Returns:
        The recording stream (its server lives as long as it does, for ``serve``).
    """
    from embodied_mem.viz import rerun_blueprint as live

    if mode not in ("spawn", "serve"):
        raise ValueError(f"mode must be 'spawn' or 'serve', got {mode!r}")
    layout = blueprint(with_camera=run is not None)
    rec = rr.RecordingStream("embodied_mem", recording_id=view.title)
    if mode == "spawn":
        live.spawn_viewer(rec, layout)
    else:
        url = live.serve(rec, layout, grpc_port, web_port)
        logger.info("rerun web viewer: %s", url)
        rec.viewer_url = url  # type: ignore[attr-defined]
    record(rec, view, run, **kwargs)
    rec.flush()
    return rec


def _export_run(
    rec: rr.RecordingStream,
    view: MemoryView,
    run: RecordedRun,
    memory_every: int,
    point_stride: int,
    progress: Callable[[int], None] | None,
) -> None:
    snaps = run.snapshots_by_frames()
    labels = dict(run.oracle.get("categories", {})) if run.oracle else None
    times: list[float] = []
    paths: dict[str, str] = {}
    for item in run.items():
        if isinstance(item, RecordedFrame):
            obs = item.obs
            _set_time(rec, obs.time.seconds, obs.frame_index)
            _log_frame(rec, item, point_stride, labels)
            times.append(obs.time.seconds)
            if len(times) % memory_every == 0 or len(times) == 1:
                paths = _log_progress(rec, view, obs.time.seconds, obs.frame_index, paths)
            if len(times) in snaps:
                entries = read_json(snaps[len(times)], "memory snapshot").get("short_term", [])
                rr.log(
                    "memory/short_term",
                    rr.TextDocument(_stm_text(entries), media_type="text/markdown"),
                    recording=rec,
                )
            if progress is not None:
                progress(len(times))
        else:
            _set_time(rec, item.time.seconds, item.frame_index)
            rr.log(
                "events",
                rr.TextLog(
                    f"{item.kind} at {np.round(item.point, 2).tolist()} "
                    f"(day {item.time.day} {item.time.time_of_day})"
                ),
                recording=rec,
            )
            paths = _log_progress(rec, view, item.time.seconds, item.frame_index, paths)
    if times:
        paths = _log_progress(rec, view, times[-1], None, paths)

    def time_of(frames: int) -> float:
        return times[min(max(frames - 1, 0), len(times) - 1)] if times else 0.0

    _log_tasks(rec, run.tasks(), time_of)

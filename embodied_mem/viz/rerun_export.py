"""Rerun ``.rrd`` recordings of a run and its memory (rerun-sdk, ``viz`` extra).

Timelines: ``frame`` (sequence) and ``sim_time`` (seconds). Entities:

- ``world/camera`` pinhole + pose; ``.../rgb``, ``.../depth``, ``.../instances`` the frame's images
- ``world/frame_points`` the frame's back-projected depth (every ``point_stride``-th pixel)
- ``world/rooms/<room>`` room footprints; ``world/rooms/<room>/<receptacle>`` boxes with labels;
  ``world/rooms/<room>/<receptacle>/<object>`` object boxes + points — the entity path follows
  the memory hierarchy at that time (an object moved to another receptacle changes path; its old
  path is cleared)
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
from embodied_mem.viz.source import MemoryView
from scene_graph import Layer, SceneGraph

try:
    import rerun as rr
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the rerun export needs rerun-sdk; install it with `pip install 'embodied-mem[viz]'`"
    ) from exc

logger = logging.getLogger(__name__)

_LAYER_RGB = {
    Layer.ROOM: (90, 90, 200),
    Layer.RECEPTACLE: (230, 160, 40),
    Layer.OBJECT: (60, 200, 90),
}


def _set_time(rec: rr.RecordingStream, t: float, frame: int | None) -> None:
    rr.set_time("sim_time", duration=float(t), recording=rec)
    if frame is not None:
        rr.set_time("frame", sequence=int(frame), recording=rec)


def _hier_paths(world: SceneGraph) -> dict[str, str]:
    """Entity path of every node: ``world/rooms/<room>[/<receptacle>][/<object>]``."""
    esc = rr.escape_entity_path_part
    paths: dict[str, str] = {}

    def path_of(nid: str, depth: int = 0) -> str:
        if nid in paths:
            return paths[nid]
        node = world.get(nid)
        parent = world.parent_of(nid)
        if node.layer is Layer.ROOM:
            p = f"world/rooms/{esc(nid)}"
        elif parent is not None and depth < 8:
            p = f"{path_of(parent[0], depth + 1)}/{esc(nid)}"
        else:
            room = world.room_of(nid)
            p = f"world/rooms/{esc(room)}/{esc(nid)}" if room else f"world/unassigned/{esc(nid)}"
        paths[nid] = p
        return p

    for n in world.nodes():
        path_of(n.id)
    return paths


def log_memory(
    rec: rr.RecordingStream, world: SceneGraph, previous: dict[str, str]
) -> dict[str, str]:
    """Log one world instance along the hierarchy; clear entities whose path changed or vanished."""
    paths = _hier_paths(world)
    for nid, old in previous.items():
        if paths.get(nid) != old:
            rr.log(old, rr.Clear(recursive=False), recording=rec)
    for node in world.nodes():
        path = paths[node.id]
        if node.layer is Layer.ROOM:
            fp = np.asarray(node.attributes.get("footprint") or [], dtype=float)
            if len(fp) >= 3:
                ring = np.c_[np.vstack([fp, fp[:1]]), np.zeros(len(fp) + 1)]
                rr.log(
                    path,
                    rr.LineStrips3D(
                        [ring],
                        labels=[node.attributes.get("name") or node.category],
                        colors=[_LAYER_RGB[Layer.ROOM]],
                    ),
                    recording=rec,
                )
            continue
        if node.layer not in _LAYER_RGB:
            continue
        rr.log(
            path,
            rr.Boxes3D(
                mins=[node.bbox_min],
                sizes=[node.bbox_max - node.bbox_min],
                labels=[f"{node.category} ({node.id})"],
                colors=[_LAYER_RGB[node.layer]],
            ),
            recording=rec,
        )
        if node.layer is Layer.OBJECT and len(node.points):
            rr.log(
                path,
                rr.Points3D(node.points, radii=0.01, colors=[_LAYER_RGB[Layer.OBJECT]]),
                recording=rec,
            )
    _log_graph_view(rec, world)
    return paths


def _log_graph_view(rec: rr.RecordingStream, world: SceneGraph) -> None:
    nodes = [n for n in world.nodes() if n.layer in _LAYER_RGB]
    edges = []
    for n in nodes:
        parent = world.parent_of(n.id)
        up = parent[0] if parent else (world.room_of(n.id) if n.layer is not Layer.ROOM else None)
        if up is not None and up in world:
            edges.append((up, n.id))
    rr.log(
        "graph",
        rr.GraphNodes(
            [n.id for n in nodes],
            labels=[n.category for n in nodes],
            colors=[_LAYER_RGB[n.layer] for n in nodes],
            positions=[(float(n.centroid[0]), -float(n.centroid[1])) for n in nodes],
        ),
        rr.GraphEdges(edges, graph_type="directed"),
        recording=rec,
    )


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
    rec: rr.RecordingStream,
    view: MemoryView,
    t: float,
    frame: int | None,
    paths: dict[str, str],
    path_xy: list[tuple[float, float]],
) -> dict[str, str]:
    """Memory world instance, agent path and interactions as believed at ``t``."""
    _set_time(rec, t, frame)
    paths = log_memory(rec, view.graph.at(t), paths)
    if len(path_xy) >= 2:
        strip = np.c_[np.asarray(path_xy), np.full(len(path_xy), 0.05)]
        rr.log(
            "world/agent/path",
            rr.LineStrips3D([strip], colors=[(147, 52, 230)], radii=0.02),
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


def export_rrd(
    out: str | Path,
    view: MemoryView,
    run: RecordedRun | None = None,
    *,
    memory_every: int = 5,
    point_stride: int = 4,
    times: Sequence[float] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write an ``.rrd`` of a run (frames + memory over time) or, without ``run``, of the memory
    alone at ``times`` (default: evenly spaced plus every interaction).

    Args:
        out: the ``.rrd`` file to write.
        view: the memory to show (e.g. :func:`embodied_mem.viz.load_view` of the run).
        run: the recorded run whose frames to show, or None.
        memory_every: log the memory every this many frames (and at every interaction).
        point_stride: back-project every n-th pixel of each frame for ``world/frame_points``.
        progress: called with the number of frames done.
    """
    if memory_every < 1 or point_stride < 1:
        raise ValueError(
            f"memory_every and point_stride must be >= 1, got {memory_every}, {point_stride}"
        )
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    rec = rr.RecordingStream("embodied_mem", recording_id=view.title)
    rec.save(target)
    rr.log("world", rr.ViewCoordinates.RIGHT_HAND_Z_UP, static=True, recording=rec)
    if run is not None:
        _export_run(rec, view, run, memory_every, point_stride, progress)
    else:
        from embodied_mem.viz.html import default_times

        paths: dict[str, str] = {}
        for t in times or default_times(view):
            xy = [(p.x, p.y) for p in view.path if p.time <= t]
            paths = _log_progress(rec, view, t, None, paths, xy)
    rec.flush()
    rec.disconnect()
    logger.info("rerun recording written to %s (%d bytes)", target, target.stat().st_size)
    return target


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
    xy: list[tuple[float, float]] = []
    for item in run.items():
        if isinstance(item, RecordedFrame):
            obs = item.obs
            _set_time(rec, obs.time.seconds, obs.frame_index)
            _log_frame(rec, item, point_stride, labels)
            times.append(obs.time.seconds)
            xy.append((obs.agent.position[0], obs.agent.position[1]))
            if len(times) % memory_every == 0 or len(times) == 1:
                paths = _log_progress(rec, view, obs.time.seconds, obs.frame_index, paths, xy)
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
            paths = _log_progress(rec, view, item.time.seconds, item.frame_index, paths, xy)
    if times:
        paths = _log_progress(rec, view, times[-1], None, paths, xy)

    def time_of(frames: int) -> float:
        return times[min(max(frames - 1, 0), len(times) - 1)] if times else 0.0

    _log_tasks(rec, run.tasks(), time_of)

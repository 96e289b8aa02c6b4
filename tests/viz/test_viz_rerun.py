"""Rerun export of a real recorded run: the .rrd is written and holds the expected entities."""

from __future__ import annotations

import numpy as np
import pytest

from embodied_mem.agent.trace import StepTrace, TaskTrace
from embodied_mem.replay import RunRecorder, load_run
from embodied_mem.viz import load_view

rr = pytest.importorskip("rerun", reason="rerun-sdk (viz extra) is not installed")
from embodied_mem.viz.rerun_export import export_rrd  # noqa: E402


def _entities(path) -> set[str]:
    chunks = rr.chunk.RrdReader(str(path)).stream().to_chunks()
    return {c.entity_path.lstrip("/") for c in chunks if not c.is_empty}


def test_run_recording_has_frames_hierarchy_graph_and_memory(demo_run, tmp_path):
    run_dir, live = demo_run
    out = export_rrd(tmp_path / "run.rrd", load_view(run_dir), load_run(run_dir), memory_every=5)
    assert out.stat().st_size > 100_000
    ents = _entities(out)
    for e in (
        "world/camera",
        "world/camera/rgb",
        "world/camera/depth",
        "world/camera/instances",
        "world/frame_points",
        "world/agent/path",
        "world/interactions",
        "graph",
        "memory/short_term",
        "events",
    ):
        assert e in ents, e
    graph = live.long_term.graph
    # an object on a receptacle lives under world/rooms/<room>/<receptacle>/<object>
    on = [n for n in graph.objects() if graph.parent_of(n.id)]
    assert on, "the demo memory should hold objects on receptacles"
    nid = on[0].id
    rid = graph.parent_of(nid)[0]
    assert any(e.startswith("world/rooms/") and e.endswith(f"/{rid}/{nid}") for e in ents), nid
    assert sum(e.startswith("world/rooms/") for e in ents) >= len(graph.rooms())
    if load_run(run_dir).tasks():  # the demo's instruction: its plan and subgoals are logged
        assert {"planner", "planner/subgoals", "planner/outcomes"} <= ents


def test_planner_traces_become_text_logs(tmp_path, demo_run):
    run_dir, _ = demo_run
    view = load_view(run_dir)
    rooms = load_run(run_dir).rooms
    frame = next(load_run(run_dir).frames()).obs
    trace = TaskTrace(
        "Navigate to a Mug.",
        steps=[
            StepTrace(
                0,
                "memory has Mug obj_0003",
                None,
                [{"type": "NavigateToObject", "object_id": "obj_0003"}],
                outcomes=[{"subgoal": "NavigateToObject", "success": True}],
            )
        ],
    )
    with RunRecorder(tmp_path / "run", config={}, categories=None, rooms=rooms) as rec:
        rec.on_frame(frame)
        rec.on_task(trace)
    out = export_rrd(tmp_path / "t.rrd", view, load_run(tmp_path / "run"))
    ents = _entities(out)
    assert {"planner", "planner/subgoals", "planner/outcomes"} <= ents


def test_memory_only_recording_over_time(demo_run, tmp_path):
    view = load_view(demo_run[0])
    times = list(np.linspace(*view.time_range(), 4))
    out = export_rrd(tmp_path / "mem.rrd", view, times=times)
    ents = _entities(out)
    assert "graph" in ents and "world/camera/rgb" not in ents
    assert any(e.count("/") >= 3 and e.startswith("world/rooms/") for e in ents)
    with pytest.raises(ValueError, match="memory_every"):
        export_rrd(tmp_path / "bad.rrd", view, memory_every=0)

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


def _rows(path, entity: str) -> int:
    chunks = rr.chunk.RrdReader(str(path)).stream().to_chunks()
    return sum(c.num_rows for c in chunks if c.entity_path.lstrip("/") == entity)


def _views(path) -> list[tuple[str, str, str]]:
    """(kind, name, origin) of every view in the recording's default blueprint."""
    reader = rr.chunk.RrdReader(str(path))
    (store,) = reader.blueprints()
    out = []
    for chunk in reader.store(store=store).stream().to_chunks():
        if chunk.entity_path.startswith("/view/") and not chunk.entity_path.endswith("Contents"):
            batch = chunk.to_record_batch()
            cols = [
                batch.column(f"ViewBlueprint:{c}").to_pylist()[0][0]
                for c in ("class_identifier", "display_name", "space_origin")
            ]
            out.append(tuple(cols))
    return sorted(out)


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
    node = on[0]
    parent = graph.get(graph.parent_of(node.id)[0])
    # category names in the path: world/rooms/<room name>/<Category>_<id>/<Category>_<id>
    tail = f"/{parent.category}_{parent.id}/{node.category}_{node.id}"
    assert any(e.startswith("world/rooms/") and e.endswith(tail) for e in ents), tail
    room_names = {r.attributes.get("name") for r in graph.rooms()}
    assert {e.split("/")[2] for e in ents if e.startswith("world/rooms/")} <= {
        n.replace(" ", "_") for n in room_names
    }
    frames = load_run(run_dir).header["frames"]
    assert _rows(out, "world/camera/rgb") == _rows(out, "world/camera/depth") == frames  # every one
    for e in ("topdown/rooms", "topdown/objects", "topdown/path", "topdown/agent"):
        assert e in ents, e
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


def test_recordings_open_on_a_useful_layout(demo_run, tmp_path):
    run_dir, live = demo_run
    out = export_rrd(tmp_path / "run.rrd", load_view(run_dir), load_run(run_dir))
    views = _views(out)
    kinds = [v[0] for v in views]
    assert ("2D", "camera RGB", "world/camera") in views
    assert ("3D", "3D memory", "world") in views
    assert ("2D", "top-down (north up)", "topdown") in views
    assert "Graph" in kinds and "TextLog" in kinds


def test_a_static_recording_says_it_is_static(demo_run, tmp_path):
    from embodied_mem.viz import view_from_memory

    out = export_rrd(tmp_path / "mem.rrd", view_from_memory(demo_run[1], title="bare"))
    ents = _entities(out)
    assert "about" in ents and not any(e.startswith("world/camera") for e in ents)
    chunks = rr.chunk.RrdReader(str(out)).stream().to_chunks()
    about = next(c for c in chunks if c.entity_path == "/about").to_record_batch()
    text = about.column("TextDocument:text").to_pylist()[0][0]
    assert "no camera frames" in text and "final memory's history" in text
    views = _views(out)
    assert all(v[2] != "world/camera" for v in views) and ("3D", "3D memory", "world") in views


def test_serve_streams_to_a_web_viewer(demo_run):
    import socket
    import urllib.request

    from embodied_mem.viz.rerun_export import stream_live

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    grpc, web = free_port(), free_port()
    rec = stream_live(load_view(demo_run[0]), mode="serve", grpc_port=grpc, web_port=web)
    try:
        assert rec.viewer_url.startswith(f"http://localhost:{web}/?url=rerun+http://")
        page = urllib.request.urlopen(f"http://127.0.0.1:{web}/", timeout=10).read()
        assert b"rerun" in page.lower()  # the web viewer is served
        socket.create_connection(("127.0.0.1", grpc), timeout=5).close()  # and the data
    finally:
        rec.disconnect()

"""Rerun converter: logs boxes, points and edges of the graph and of its history."""

from __future__ import annotations

import numpy as np
import pytest
from sg_helpers import kitchen_scene

rr = pytest.importorskip("rerun", reason="rerun-sdk (the `viz` extra) is not installed")


def test_log_graph_and_history_into_memory_recording() -> None:
    from scene_graph.rerun_convert import log_graph, log_history

    g = kitchen_scene()
    g.update_node("apple", points=np.zeros((10, 3), np.float32) + g["apple"].centroid)
    g.pick("apple", 5.0)
    rec = rr.RecordingStream("sg_test")
    mem = rec.memory_recording()
    counts = log_graph(g, rec, time=6.0)
    assert counts["scene_graph/rooms"] == 2 and counts["scene_graph/receptacles"] == 3
    assert counts["scene_graph/object_points"] == 10
    assert "scene_graph/edges/on" not in counts  # the apple is held at 6 s
    assert counts["scene_graph/edges/in_room"] == 4
    assert log_history(g, rec, [2.0, 6.0]) == 2
    rec.flush()
    assert mem.num_msgs() > 0 and len(mem.drain_as_bytes()) > 1000

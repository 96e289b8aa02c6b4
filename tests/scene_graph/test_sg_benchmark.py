"""bench/bench_scene_graph.py's synthetic multi-day memory: indexes agree with scans, at(end) == now."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from scene_graph import Layer, from_json, to_json

_SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "bench_scene_graph.py"
_spec = importlib.util.spec_from_file_location("bench_scene_graph", _SCRIPT)
assert _spec is not None and _spec.loader is not None
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
CATEGORIES, build_memory = _bench.CATEGORIES, _bench.build_memory


def test_multi_day_memory_indexes_agree_with_linear_scan() -> None:
    g = build_memory(2, objects=40, receptacles=12, rooms=4, moves_per_day=5)
    for cat in CATEGORIES:
        for room in [n.id for n in g.rooms()]:
            fast = [n.id for n in g.nodes(Layer.OBJECT, category=cat, room_id=room)]
            slow = [
                n.id
                for n in g.nodes()
                if n.layer is Layer.OBJECT and n.category == cat and g.room_of(n.id) == room
            ]
            assert fast == slow
    end = g.time_range[1]  # type: ignore[index]
    now = g.at(end)
    for node in g.nodes():
        assert now.parent_of(node.id) == g.parent_of(node.id)
        assert (now[node.id].centroid == node.centroid).all()
    assert len(g.interactions()) == 20
    assert from_json(to_json(g)).equals(g)


def test_compaction_shrinks_a_static_memory() -> None:
    g = build_memory(3, objects=30, receptacles=10, rooms=3, moves_per_day=2)
    n_before = sum(len(n.timeline) for n in g)
    dropped = g.compact(tolerance=0.05)
    assert dropped > n_before // 2  # centimetre jitter is not history
    assert len(to_json(g)) > 0 and g.time_range is not None

"""World instances at(t) and diffs between times."""

from __future__ import annotations

import numpy as np
from sg_helpers import box_node, kitchen_scene

from scene_graph import EdgeType, NodeState, Relation


def _day():
    g = kitchen_scene()
    g.add_node(
        box_node("mug", "object", "Mug", [6.5, 1.2, 0.9], [6.6, 1.3, 1.0], first_seen=50.0),
        room_id="living",
        parent_id="counter",
    )
    g.pick("apple", 10.0)
    g.open_node("fridge", 12.0)
    g.place("apple", "fridge", 15.0, relation="inside", centroid=[2.9, 2.9, 1.0])
    g.close_node("fridge", 16.0)
    return g


def test_at_materialises_positions_parents_states() -> None:
    g = _day()
    before = g.at(5.0)
    assert "mug" not in before  # first seen at 50 s
    assert before.parent_of("apple") == ("table", Relation.ON)
    assert before["fridge"].state is NodeState.CLOSED
    np.testing.assert_allclose(before["apple"].centroid, [1.0, 1.0, 0.85])
    held = g.at(11.0)
    assert held.parent_of("apple") is None and held["apple"].state is NodeState.HELD
    assert [e.kind for e in held.interactions()] == [EdgeType.PICKED]
    during = g.at(13.0)
    assert during["fridge"].state is NodeState.OPEN
    after = g.at(60.0)
    assert after.parent_of("apple") == ("fridge", Relation.INSIDE)
    assert [n.id for n in after.children_of("counter")] == ["mug"]
    # box and points move rigidly with the centroid
    np.testing.assert_allclose(after["apple"].bbox_min, [2.85, 2.85, 0.95])
    np.testing.assert_allclose(before["apple"].bbox_min, [0.95, 0.95, 0.8])


def test_at_is_independent_of_the_source_graph() -> None:
    g = _day()
    past = g.at(11.0)
    past.record("apple", 11.5, centroid=[0, 0, 0])
    assert g["apple"].timeline.times == [1.0, 10.0, 15.0]
    assert past["apple"].timeline.times == [1.0, 10.0, 11.5]
    assert g.at(11.0)["apple"].timeline.times == [1.0, 10.0]
    assert past["apple"].last_seen == 11.5 and g.at(11.0)["apple"].last_seen == 10.0


def test_node_at_is_the_node_of_the_materialised_graph() -> None:
    g = _day()
    g.mark_vanished("mug", 70.0)
    for t in (0.5, 5.0, 11.0, 13.0, 15.0, 60.0, 80.0):
        world = g.at(t)
        for node_id in [n.id for n in g] + ["nothing"]:
            got = g.node_at(node_id, t)
            if node_id not in world:
                assert got is None
                continue
            want = world[node_id]
            assert got is not None and got.state is want.state
            for name in ("centroid", "bbox_min", "bbox_max", "points"):
                assert np.array_equal(getattr(got, name), getattr(want, name))
            assert got.timeline.times == want.timeline.times
            assert (got.last_seen, got.num_observations) == (want.last_seen, want.num_observations)


def test_diff_lists_moves_state_changes_and_appearances() -> None:
    g = _day()
    d = g.diff(5.0, 60.0)
    assert d.appeared == ["mug"] and d.vanished == []
    assert [m.node_id for m in d.moved] == ["apple"]
    move = d.moved[0]
    assert (move.from_parent, move.to_parent, move.to_relation) == (
        "table",
        "fridge",
        Relation.INSIDE,
    )
    assert move.distance > 2.5 and move.parent_changed
    assert d.state_changed == []  # fridge closed again at 16 s
    assert [s.node_id for s in g.diff(5.0, 13.0).state_changed] == ["fridge", "apple"]
    assert "moved: apple" in d.summary()
    assert [e.kind for e in d.interactions] == [
        EdgeType.PICKED,
        EdgeType.OPENED,
        EdgeType.PLACED,
        EdgeType.CLOSED,
    ]
    assert "picked: apple at t=10.0s (table)" in d.summary()
    assert [e.kind for e in g.diff(10.0, 14.0).interactions] == [EdgeType.OPENED]


def test_diff_threshold_and_vanish() -> None:
    g = kitchen_scene()
    g.record("apple", 5.0, centroid=[1.1, 1.0, 0.85])  # 10 cm nudge on the same table
    assert g.diff(2.0, 6.0, move_threshold=0.3).is_empty
    assert [m.node_id for m in g.diff(2.0, 6.0, move_threshold=0.05).moved] == ["apple"]
    g.mark_vanished("apple", 8.0)
    d = g.diff(6.0, 9.0)
    assert d.vanished == ["apple"] and "apple" not in g.at(9.0)
    assert g.diff(9.0, 6.0).appeared == ["apple"]

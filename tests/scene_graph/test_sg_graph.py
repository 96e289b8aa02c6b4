"""SceneGraph editing, indexes, invariants and error messages."""

from __future__ import annotations

import numpy as np
import pytest
from sg_helpers import box_node, kitchen_scene

from scene_graph import (
    EdgeType,
    EventKind,
    InsideEdge,
    Layer,
    NearEdge,
    Node,
    NodeState,
    OnEdge,
    Relation,
    SceneGraph,
    SceneGraphError,
    UnknownNodeError,
)


def test_queries_by_layer_category_room_are_indexed() -> None:
    g = kitchen_scene()
    assert [n.id for n in g.rooms()] == ["kitchen", "living"]
    assert [n.id for n in g.receptacles(room_id="kitchen")] == ["table", "fridge"]
    assert [n.id for n in g.objects(category="apple")] == ["apple"]  # case-insensitive
    assert g.nodes(layer="object", room_id="living") == []
    assert g.categories(Layer.RECEPTACLE) == ["CounterTop", "DiningTable", "Fridge"]


def test_object_is_on_one_receptacle_and_moves_with_pick_place() -> None:
    g = kitchen_scene()
    assert g.parent_of("apple") == ("table", Relation.ON)
    assert [n.id for n in g.children_of("table")] == ["apple"]
    pick = g.pick("apple", 10.0)
    assert pick.receptacle_id == "table" and pick.kind is EdgeType.PICKED
    assert g.parent_of("apple") is None and g["apple"].state is NodeState.HELD
    assert g.children_of("table") == []
    g.open_node("fridge", 12.0)
    assert g["fridge"].state is NodeState.OPEN
    g.place("apple", "fridge", 15.0, relation="inside", centroid=[2.9, 2.9, 1.0])
    assert g.parent_of("apple") == ("fridge", Relation.INSIDE)
    assert g["apple"].state is None  # placing ends holding
    assert g.room_of("apple") == "kitchen"
    np.testing.assert_array_equal(g["apple"].centroid, [2.9, 2.9, 1.0])
    inside = g.edges("inside")
    assert inside == [InsideEdge("apple", "fridge", since=15.0)]
    assert [e.kind for e in g.interactions(node_id="apple")] == [EdgeType.PICKED, EdgeType.PLACED]
    assert [e.target for e in g.interactions(t0=11, t1=13)] == ["fridge"]


def test_set_parent_replaces_previous_parent() -> None:
    g = kitchen_scene()
    g.set_parent("apple", "counter", time=5.0)
    assert g.parent_of("apple") == ("counter", Relation.ON)
    assert g.children_of("table") == [] and len(g.edges("on")) == 1
    assert g.edges("on")[0] == OnEdge("apple", "counter", since=5.0)


def test_out_of_order_record_is_inserted_in_time_order() -> None:
    g = kitchen_scene()
    g.record("apple", 20.0, centroid=[1, 1, 0.85])
    g.record("apple", 10.0, centroid=[1.2, 1, 0.85])
    assert g["apple"].timeline.times == [1.0, 10.0, 20.0]
    np.testing.assert_array_equal(g["apple"].centroid, [1, 1, 0.85])  # latest wins
    np.testing.assert_array_equal(g.entry_at("apple", 15.0).centroid, [1.2, 1, 0.85])
    assert g["apple"].last_seen == 20.0


def test_support_cycles_are_rejected_even_out_of_order() -> None:
    g = kitchen_scene()
    g.add_node(box_node("plate", "object", "Plate", [1, 1, 0.8], [1.2, 1.2, 0.82]))
    g.set_parent("apple", "plate", time=5.0)
    with pytest.raises(SceneGraphError, match="cycle"):
        g.set_parent("plate", "apple", time=6.0)
    # the cycle would only exist from t=5 on, where the apple is on the plate
    with pytest.raises(SceneGraphError, match="cycle"):
        g.set_parent("plate", "apple", time=2.0)
    g.set_parent("apple", "table", time=8.0)
    g.set_parent("plate", "apple", time=9.0)  # fine once the apple left the plate
    assert g.parent_of("plate") == ("apple", Relation.ON)


def test_bad_inputs_give_clear_errors() -> None:
    g = kitchen_scene()
    with pytest.raises(UnknownNodeError, match="no node 'ghost'"):
        g.record("ghost", 1.0)
    with pytest.raises(SceneGraphError, match="already exists"):
        g.add_node(box_node("apple", "object", "Apple", [0, 0, 0], [1, 1, 1]))
    with pytest.raises(SceneGraphError, match="room node"):
        g.set_parent("apple", "kitchen")
    with pytest.raises(SceneGraphError, match="itself"):
        g.set_parent("table", "table")
    with pytest.raises(SceneGraphError, match="not a room"):
        g.set_room("apple", "table")
    with pytest.raises(SceneGraphError, match="held node"):
        g.record("apple", 3.0, state="held", parent_id="table")
    with pytest.raises(SceneGraphError, match="only objects and receptacles"):
        g.open_node("kitchen", 3.0)
    with pytest.raises(SceneGraphError, match="held node"):
        g.record("apple", 3.0, kind="picked", parent_id="table")
    with pytest.raises(ValueError, match="finite"):
        g.record("apple", float("nan"))
    with pytest.raises(ValueError, match="shape"):
        Node("x", "object", "Mug", [0, 0])
    with pytest.raises(ValueError, match="bbox_min"):
        Node("x", "object", "Mug", [0, 0, 0], bbox_min=[1, 0, 0], bbox_max=[0, 1, 1])
    with pytest.raises(ValueError, match="layer must be one of"):
        Node("x", "furniture", "Mug", [0, 0, 0])
    with pytest.raises(SceneGraphError, match="use record"):
        g.update_node("apple", centroid=[0, 0, 0])
    with pytest.raises(SceneGraphError, match="derived from timelines"):
        g.add_edge(OnEdge("apple", "table"))


def test_update_node_reindexes_category_in_place() -> None:
    g = kitchen_scene()
    node = g["apple"]
    g.update_node("apple", category="Orange", attributes={"color": "orange"})
    assert node.category == "Orange" and g.objects(category="apple") == []
    assert g.objects(category="orange") == [node]
    g.update_node("apple", layer="receptacle")  # perception may re-classify a bowl-like thing
    assert g.objects() == [] and g.receptacles()[-1] is node
    with pytest.raises(SceneGraphError, match="re-classified"):
        g.update_node("kitchen", layer="object")
    with pytest.raises(SceneGraphError, match="cannot have state"):
        g.add_node(Node("hall", "room", "hall", [0, 0, 0], state="open"))


def test_observe_records_only_changes() -> None:
    g = kitchen_scene()
    assert g.observe("apple", 2.0, centroid=[1.0, 1.0, 0.851], move_threshold=0.05) is None
    assert g["apple"].num_observations == 2 and g["apple"].last_seen == 2.0
    entry = g.observe("apple", 3.0, centroid=[1.5, 1.0, 0.85], move_threshold=0.05)
    assert entry is not None and entry.parent_id == "table"
    assert len(g["apple"].timeline) == 2


def test_remove_node_detaches_children_and_edges() -> None:
    g = kitchen_scene()
    g.add_edge(NearEdge("apple", "fridge", distance=1.2))
    g.pick("apple", 4.0)
    g.place("apple", "table", 5.0)
    g.remove_node("table")
    assert g.parent_of("apple") is None and "table" not in g
    assert all(e.receptacle_id is None for e in g.interactions())
    g.remove_node("apple")
    assert g.near("fridge") == [] and g.interactions() == []


def test_observing_a_child_after_its_parent_was_removed_detaches_it() -> None:
    """A merged-away receptacle must not break later observations of what rested on it."""
    g = kitchen_scene()
    g.pick("apple", 4.0)
    g.place("apple", "table", 5.0)
    g.remove_node("table")
    g.observe("apple", 6.0, centroid=np.array([1.0, 1.0, 0.85]), move_threshold=0.3)
    assert g.parent_of("apple") is None
    assert g.at(6.0).parent_of("apple") is None


def test_vanished_nodes_leave_queries_but_stay_in_history() -> None:
    g = kitchen_scene()
    g.mark_vanished("apple", 30.0)
    assert g.objects() == [] and g.is_vanished("apple")
    assert g.parent_of("apple") is None
    g.observe("apple", 40.0, centroid=[1, 1, 0.85])
    assert [n.id for n in g.objects()] == ["apple"]
    assert [e.kind for e in g["apple"].timeline][-2:] == [EventKind.VANISHED, EventKind.OBSERVED]


def test_empty_graph_behaves() -> None:
    g = SceneGraph()
    assert len(g) == 0 and g.nodes() == [] and g.edges() == [] and g.time_range is None
    assert len(g.at(10.0)) == 0


def test_within_and_interactions_by_receptacle() -> None:
    g = kitchen_scene()
    hits = g.within([1.0, 1.0, 0.8], 0.5)
    assert [n.id for n, _ in hits] == ["apple", "table"]
    assert hits[0][1] == pytest.approx(0.05)
    assert [n.id for n, _ in g.within([1.0, 1.0, 0.8], 10.0, layer="room")] == ["kitchen", "living"]
    g.pick("apple", 3.0)
    g.place("apple", "counter", 4.0)
    assert [e.kind for e in g.interactions(receptacle_id="table")] == [EdgeType.PICKED]
    assert [e.kind for e in g.interactions(receptacle_id="counter")] == [EdgeType.PLACED]
    assert g.room_of("apple") == "living"  # placing takes the receptacle's room

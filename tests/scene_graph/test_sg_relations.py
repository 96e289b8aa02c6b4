"""Geometric relations and room assignment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sg_helpers import box_node, kitchen_scene

from scene_graph import (
    Relation,
    RelationConfig,
    assign_rooms,
    box_distance,
    infer_relation,
    infer_relations,
    is_inside,
    is_near,
    is_on,
    near_edges,
)

TABLE = box_node("table", "receptacle", "DiningTable", [0, 0, 0], [1, 1, 0.75])
CABINET = box_node("cab", "receptacle", "Cabinet", [2, 0, 0], [2.6, 0.5, 0.9])


def test_on_needs_xy_overlap_and_small_z_gap() -> None:
    cup = box_node("cup", "object", "Cup", [0.4, 0.4, 0.76], [0.5, 0.5, 0.86])
    assert is_on(cup, TABLE)
    floating = box_node("f", "object", "Cup", [0.4, 0.4, 0.95], [0.5, 0.5, 1.05])
    assert not is_on(floating, TABLE)
    overhang = box_node("o", "object", "Cup", [0.96, 0.4, 0.75], [1.06, 0.5, 0.85])  # 40% over
    assert not is_on(overhang, TABLE)
    assert is_on(overhang, TABLE, RelationConfig(on_min_xy_overlap=0.3))
    beside = box_node("b", "object", "Cup", [1.2, 0.4, 0.75], [1.3, 0.5, 0.85])
    assert not is_on(beside, TABLE)


def test_inside_uses_points_when_available() -> None:
    rng = np.random.default_rng(0)
    pts = rng.uniform([2.2, 0.1, 0.3], [2.3, 0.2, 0.4], size=(50, 3)).astype(np.float32)
    can = box_node("can", "object", "Can", pts.min(0), pts.max(0), points=pts)
    assert is_inside(can, CABINET) and not is_on(can, CABINET)
    half_out = box_node("h", "object", "Can", [2.5, 0.1, 0.3], [2.7, 0.2, 0.4])
    assert not is_inside(half_out, CABINET)


def test_inside_fractions_test_only_containers_near_the_points() -> None:
    # Far containers are skipped, not tested point by point: the fractions are still exactly
    # the share of points inside each grown box, near or far.
    from scene_graph.relations import _inside_fractions

    cfg = RelationConfig()
    rng = np.random.default_rng(5)
    partly, none = 0, 0
    for _ in range(200):
        pts = rng.normal(size=(int(rng.integers(5, 60)), 3)) * rng.uniform(0.05, 1.0)
        obj = box_node("o", "object", "Cup", pts.min(0), pts.max(0), points=pts)
        rmin = rng.normal(size=(int(rng.integers(1, 12)), 3))
        rmax = rmin + rng.uniform(0.0, 1.5, size=rmin.shape)
        lo, hi = rmin - cfg.inside_margin, rmax + cfg.inside_margin
        p = np.asarray(obj.points, dtype=np.float64)
        plain = np.all((p[None] >= lo[:, None]) & (p[None] <= hi[:, None]), axis=-1).mean(1)
        np.testing.assert_array_equal(_inside_fractions(obj, rmin, rmax, cfg), plain)
        partly += int(np.count_nonzero((plain > 0) & (plain < 1)))
        none += int(np.count_nonzero(plain == 0))
    assert partly > 50 and none > 500  # both kinds of container were met


def test_infer_relation_prefers_most_specific_receptacle() -> None:
    plate = box_node("plate", "object", "Plate", [0.3, 0.3, 0.75], [0.7, 0.7, 0.77])
    apple = box_node("apple", "object", "Apple", [0.45, 0.45, 0.77], [0.55, 0.55, 0.87])
    res = infer_relation(apple, [TABLE, plate, CABINET])
    assert res is not None and (res.receptacle_id, res.relation) == ("plate", Relation.ON)
    assert 0.0 < res.score <= 1.0
    rel = infer_relations([apple, plate], [TABLE, CABINET, plate])
    assert rel["plate"].receptacle_id == "table"  # type: ignore[union-attr]
    far = box_node("far", "object", "Apple", [5, 5, 0], [5.1, 5.1, 0.1])
    assert infer_relation(far, [TABLE, CABINET]) is None


def test_near_edges_match_brute_force() -> None:
    rng = np.random.default_rng(3)
    nodes = []
    for i in range(40):
        lo = rng.uniform(0, 6, 3)
        nodes.append(box_node(f"n{i}", "object", "Thing", lo, lo + rng.uniform(0.05, 0.6, 3)))
    got = {e.key for e in near_edges(nodes, 0.5)}
    want = {
        tuple(sorted((a.id, b.id)))
        for i, a in enumerate(nodes)
        for b in nodes[i + 1 :]
        if box_distance(a, b) <= 0.5
    }
    assert got == want and len(want) > 0
    assert is_near(nodes[0], nodes[0], 0.0)


def test_assign_rooms_from_node_footprints_and_mapping() -> None:
    g = kitchen_scene()
    rooms = assign_rooms(g.nodes(), g.rooms())
    assert rooms == {
        "table": "kitchen",
        "counter": "living",
        "fridge": "kitchen",
        "apple": "kitchen",
    }
    # overlapping footprints: the smaller room (a pantry inside the kitchen) wins
    mapping = {
        "kitchen": [[0, 0], [5, 0], [5, 5], [0, 5]],
        "pantry": [[2, 2], [4, 2], [4, 4], [2, 4]],
    }
    assert assign_rooms([g["fridge"], g["table"]], mapping) == {
        "fridge": "pantry",
        "table": "kitchen",
    }
    outside = box_node("out", "object", "Ball", [20, 20, 0], [20.1, 20.1, 0.1])
    assert assign_rooms([outside], mapping) == {"out": None}


def test_bad_relation_inputs() -> None:
    with pytest.raises(ValueError, match="footprint must be"):
        assign_rooms([TABLE], {"k": [[0, 0], [1, 1]]})
    with pytest.raises(ValueError, match="no attributes"):
        assign_rooms([TABLE], [box_node("r", "room", "kitchen", [0, 0, 0], [1, 1, 0])])
    with pytest.raises(ValueError, match="on_min_xy_overlap"):
        RelationConfig(on_min_xy_overlap=0.0)


box_strategy = st.tuples(
    st.tuples(*[st.integers(-32, 32).map(lambda v: v / 16)] * 3),
    st.tuples(*[st.integers(1, 16).map(lambda v: v / 16)] * 3),
)


@settings(max_examples=80, deadline=None)
@given(
    box_strategy,
    st.lists(box_strategy, min_size=1, max_size=6),
    st.tuples(*[st.integers(-100, 100).map(lambda v: v * 0.25)] * 3),
)
def test_infer_relation_is_consistent_and_translation_invariant(obj_box, rec_boxes, shift) -> None:
    def build(offset):
        off = np.asarray(offset)
        lo, size = np.asarray(obj_box[0]) + off, np.asarray(obj_box[1])
        obj = box_node("obj", "object", "Thing", lo, lo + size)
        recs = [
            box_node(
                f"r{i}",
                "receptacle",
                "Table",
                np.asarray(b[0]) + off,
                np.asarray(b[0]) + off + np.asarray(b[1]),
            )
            for i, b in enumerate(rec_boxes)
        ]
        return obj, recs

    obj, recs = build((0.0, 0.0, 0.0))
    res = infer_relation(obj, recs)
    if res is not None:
        rec = next(r for r in recs if r.id == res.receptacle_id)
        check = is_inside if res.relation is Relation.INSIDE else is_on
        assert check(obj, rec)
    else:
        assert not any(is_on(obj, r) or is_inside(obj, r) for r in recs)
    # dyadic coordinates and shifts add exactly in binary floating point: same answer
    moved = infer_relation(*build(shift))
    assert (moved is None) == (res is None)
    if res is not None and moved is not None:
        assert (moved.receptacle_id, moved.relation) == (res.receptacle_id, res.relation)

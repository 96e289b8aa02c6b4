"""Property-based tests (hypothesis): invariants of timelines, relations and world instances."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sg_helpers import box_node

from scene_graph import (
    EdgeType,
    Node,
    NodeState,
    SceneGraph,
    SceneGraphError,
    from_json,
    to_json,
)

OBJECTS = ["o0", "o1", "o2", "o3"]
RECEPTACLES = ["r0", "r1", "r2"]
ROOMS = ["k", "b"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

coord = st.floats(-5, 5, allow_nan=False, width=32).map(float)
centroids = st.tuples(coord, coord, coord).map(np.array)
times = st.integers(0, 40).map(lambda i: i * 0.5)
op = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(OBJECTS), centroids),
    st.tuples(
        st.just("parent"),
        st.sampled_from(OBJECTS + RECEPTACLES),
        st.sampled_from(OBJECTS + RECEPTACLES),
        st.sampled_from(["on", "inside"]),
    ),
    st.tuples(st.just("clear"), st.sampled_from(OBJECTS)),
    st.tuples(st.just("pick"), st.sampled_from(OBJECTS)),
    st.tuples(st.just("place"), st.sampled_from(OBJECTS), st.sampled_from(RECEPTACLES)),
    st.tuples(st.just("open"), st.sampled_from(RECEPTACLES), st.booleans()),
    st.tuples(st.just("room"), st.sampled_from(OBJECTS + RECEPTACLES), st.sampled_from(ROOMS)),
    st.tuples(st.just("vanish"), st.sampled_from(OBJECTS)),
    st.tuples(st.just("observe"), st.sampled_from(OBJECTS), centroids),
)


def _base_graph() -> SceneGraph:
    g = SceneGraph()
    for r in ROOMS:
        g.add_node(Node(r, "room", "room", [0, 0, 0]))
    for i, r in enumerate(RECEPTACLES):
        g.add_node(box_node(r, "receptacle", "Table", [i, 0, 0], [i + 0.8, 0.8, 0.7]))
    for o in OBJECTS:
        g.add_node(box_node(o, "object", "Cup", [0, 0, 0.7], [0.1, 0.1, 0.8]))
    return g


def _apply(g: SceneGraph, edit: tuple, t: float) -> bool:
    """Apply one edit; return False when the graph rightly refused it (support cycle)."""
    name, node, *rest = edit
    try:
        if name == "move":
            g.record(node, t, kind="moved", centroid=rest[0])
        elif name == "parent":
            g.set_parent(node, rest[0], rest[1], time=t)
        elif name == "clear":
            g.clear_parent(node, time=t)
        elif name == "pick":
            g.pick(node, t)
        elif name == "place":
            g.place(node, rest[0], t)
        elif name == "open":
            (g.open_node if rest[0] else g.close_node)(node, t)
        elif name == "room":
            g.set_room(node, rest[0], time=t)
        elif name == "vanish":
            g.mark_vanished(node, t)
        else:
            g.observe(node, t, centroid=rest[0], move_threshold=0.5)
    except SceneGraphError as exc:
        assert "cycle" in str(exc) or "itself" in str(exc), exc
        return False
    return True


def _world(g: SceneGraph) -> dict[str, tuple]:
    """Everything at(t) promises about each present node, in comparable form."""
    return {
        n.id: (g.parent_of(n.id), n.state, g._room_of.get(n.id), tuple(n.centroid.tolist()))
        for n in g.nodes()
    }


def _check_invariants(g: SceneGraph) -> None:
    for node in g.nodes(include_vanished=True):
        ts = node.timeline.times
        assert ts == sorted(ts), f"timeline of {node.id} out of order"
        assert node.first_seen <= ts[0]
        for entry in node.timeline:
            assert (entry.parent_id is None) == (entry.relation is None)
            assert not (entry.state is NodeState.HELD and entry.parent_id is not None)
    support = g.edges("on") + g.edges("inside")
    sources = [e.source for e in support]
    assert len(sources) == len(set(sources)), "a node rests on two receptacles at once"
    for child in sources:  # no support cycles
        seen, cur = set(), child
        while (p := g.parent_of(cur)) is not None:
            assert p[0] not in seen and p[0] != child, f"support cycle through {child}"
            seen.add(p[0])
            cur = p[0]
    for parent in RECEPTACLES + OBJECTS:
        if parent in g:
            for c in g.children_of(parent):
                assert g.parent_of(c.id)[0] == parent  # type: ignore[index]


@SETTINGS
@given(st.lists(st.tuples(op, st.integers(0, 3)), min_size=1, max_size=30))
def test_at_replays_every_prefix_of_an_edit_script(script) -> None:
    g = _base_graph()
    t, checkpoints = 0.0, []
    for edit, dt in script:
        t += dt * 0.5
        _apply(g, edit, t)
        _check_invariants(g)
        checkpoints.append((t, _world(g)))
    for i, (t_i, world) in enumerate(checkpoints):
        if i + 1 < len(checkpoints) and checkpoints[i + 1][0] == t_i:
            continue  # a later edit at the same time legitimately overrides this prefix
        past = g.at(t_i)
        _check_invariants(past)
        assert _world(past) == world, f"at({t_i}) disagrees with the live graph after edit {i}"


@SETTINGS
@given(st.lists(st.tuples(op, times), min_size=1, max_size=30))
def test_out_of_order_edits_keep_invariants(script) -> None:
    g = _base_graph()
    for edit, t in script:
        _apply(g, edit, t)
        _check_invariants(g)
    for t in sorted({t for _, t in script}):
        _check_invariants(g.at(t))


snapshots = st.tuples(
    times,
    centroids,
    st.one_of(st.none(), st.sampled_from(RECEPTACLES)),
    st.sampled_from(["on", "inside"]),
    st.sampled_from([None, "held", "open"]),
    st.one_of(st.none(), st.sampled_from(ROOMS)),
)


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(OBJECTS), snapshots), max_size=25, unique_by=lambda x: x[1][0]
    ),
    st.randoms(use_true_random=False),
)
def test_insertion_order_does_not_change_history(edits, rnd) -> None:
    def build(order):
        g = _base_graph()
        for obj, (t, c, parent, rel, state, room) in order:
            if state == "held":
                parent = None
            g.record(obj, t, centroid=c, parent_id=parent, relation=rel, state=state, room_id=room)
        return g

    shuffled = list(edits)
    rnd.shuffle(shuffled)
    a, b = build(edits), build(shuffled)
    for t in [0.0, 5.0, 10.0, 20.0, 40.0]:
        assert _world(a.at(t)) == _world(b.at(t))
    assert _world(a) == _world(b)


@SETTINGS
@given(
    st.lists(st.tuples(op, st.integers(0, 3)), max_size=20),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=3, max_size=30),
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(
            st.integers(), st.text(max_size=5), st.floats(allow_nan=False, allow_infinity=False)
        ),
        max_size=3,
    ),
)
def test_json_round_trip_is_identity(script, values, attrs) -> None:
    g = _base_graph()
    g.metadata["episode"] = "e1"
    t = 0.0
    for edit, dt in script:
        t += dt * 0.5
        _apply(g, edit, t)
    pts = np.asarray(values[: len(values) // 3 * 3], dtype=np.float32).reshape(-1, 3)
    emb = np.asarray(values, dtype=np.float32)
    g.update_node("o0", points=pts, embedding=emb, attributes=attrs)
    back = from_json(to_json(g))
    assert back.equals(g)
    assert back["o0"].points.dtype == np.float32 and back["o0"].embedding.dtype == np.float32
    assert to_json(back) == to_json(g)
    assert {e.kind for e in back.interactions()} <= {
        EdgeType.PICKED,
        EdgeType.PLACED,
        EdgeType.OPENED,
        EdgeType.CLOSED,
    }
    assert _world(back) == _world(g)
    past = g.at(t / 2)
    assert from_json(to_json(past)).equals(past)


@SETTINGS
@given(
    st.lists(st.tuples(op, st.integers(0, 3)), min_size=1, max_size=30),
    st.sampled_from([0.0, 0.5, 3.0]),
)
def test_compaction_preserves_world_instances(script, tolerance) -> None:
    g = _base_graph()
    t, stamps = 0.0, set()
    for edit, dt in script:
        t += dt * 0.5
        _apply(g, edit, t)
        stamps |= {t, t + 0.25}  # at each edit and between edits
    before = {ti: g.at(ti) for ti in sorted(stamps)}
    current = _world(g)
    dropped = g.compact(tolerance=tolerance)
    assert dropped >= 0 and _world(g) == current
    _check_invariants(g)
    for ti, past in before.items():
        now = g.at(ti)
        assert set(now._nodes) == set(past._nodes)
        for n in now.nodes():
            p = past[n.id]
            assert now.parent_of(n.id) == past.parent_of(n.id) and n.state is p.state
            assert now._room_of.get(n.id) == past._room_of.get(n.id)
            assert np.linalg.norm(n.centroid - p.centroid) <= tolerance + 1e-9

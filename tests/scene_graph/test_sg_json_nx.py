"""JSON persistence (schema, corruption, atomic save) and the networkx converter."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sg_helpers import kitchen_scene

from scene_graph import (
    AGENT_ID,
    SCHEMA_VERSION,
    NearEdge,
    SceneGraphError,
    SceneGraphFormatError,
    from_json,
    load,
    save,
    to_json,
    to_networkx,
)


def _graph():
    g = kitchen_scene()
    rng = np.random.default_rng(7)
    g.update_node(
        "apple",
        points=rng.normal(size=(64, 3)).astype(np.float32),
        embedding=rng.normal(size=384).astype(np.float32),
        attributes={"color": "red"},
    )
    g.add_edge(NearEdge("table", "fridge", distance=1.0))
    g.pick("apple", 10.0)
    g.place("apple", "counter", 20.0, centroid=[7, 1.3, 0.95])
    return g


def test_save_load_round_trip_exact(tmp_path) -> None:
    g = _graph()
    path = save(g, tmp_path / "mem" / "graph.json")
    back = load(path)
    assert back.equals(g)
    np.testing.assert_array_equal(back["apple"].points, g["apple"].points)
    assert back.parent_of("apple") == g.parent_of("apple")
    assert back.at(15.0).parent_of("apple") is None
    assert [p.name for p in path.parent.iterdir()] == ["graph.json"]  # no temp file left


def test_newer_schema_is_refused_with_advice(tmp_path) -> None:
    data = json.loads(to_json(_graph()))
    data["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(SceneGraphFormatError, match="newer than this reader.*upgrade"):
        from_json(json.dumps(data))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["nodes"][5]["timeline"].update(time=[3.0, 1.0]), "apple"),
        (lambda d: d["nodes"][0].pop("layer"), "node #0"),
        (lambda d: d["nodes"][5]["points"].update(b64="@@@"), "corrupt"),
        (lambda d: d["nodes"][5]["points"].update(shape=[65, 3]), "shape"),
        (lambda d: d["nodes"].append(d["nodes"][0]), "duplicate"),
        (lambda d: d["nodes"][2].update(layer="furniture"), "layer must be one of"),
        (lambda d: d.update(format="other"), "not a scene graph"),
    ],
)
def test_corrupt_content_is_reported_with_location(mutate, message) -> None:
    data = json.loads(to_json(_graph()))
    mutate(data)
    with pytest.raises(SceneGraphFormatError, match=message):
        from_json(json.dumps(data))


def test_truncated_file_and_bad_attributes(tmp_path) -> None:
    path = save(_graph(), tmp_path / "g.json")
    path.write_text(path.read_text()[:-100])
    with pytest.raises(SceneGraphFormatError, match=r"g\.json.*cannot be parsed"):
        load(path)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.json")
    g = _graph()
    g.update_node("apple", attributes={"weight": float("nan")})
    with pytest.raises(SceneGraphError, match="not JSON-serialisable"):
        to_json(g)


def test_failed_save_keeps_previous_file(tmp_path) -> None:
    path = save(_graph(), tmp_path / "g.json")
    before = path.read_bytes()
    g = _graph()
    g.metadata["bad"] = object()
    with pytest.raises(SceneGraphError):
        save(g, path)
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def test_to_networkx_has_typed_edges_and_node_attributes() -> None:
    nxg = to_networkx(_graph())
    assert nxg.nodes["apple"]["layer"] == "object" and nxg.nodes["apple"]["num_points"] == 64
    assert nxg.has_edge("apple", "counter", key="on")
    assert nxg.edges["apple", "counter", "on"]["since"] == 20.0
    assert nxg.has_edge("table", "kitchen", key="in_room")
    assert nxg.has_edge("table", "fridge", key="near") and nxg.has_edge(
        "fridge", "table", key="near"
    )
    kinds = sorted(d["type"] for _, _, d in nxg.out_edges(AGENT_ID, data=True))
    assert kinds == ["picked", "placed"]
    assert AGENT_ID not in to_networkx(_graph(), include_interactions=False)

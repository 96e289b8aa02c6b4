"""Small procedural scenes shared by the scene_graph tests."""

from __future__ import annotations

import numpy as np

from scene_graph import Layer, Node, SceneGraph


def box_node(node_id: str, layer: str, category: str, lo, hi, **kw) -> Node:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return Node(node_id, layer, category, (lo + hi) / 2, bbox_min=lo, bbox_max=hi, **kw)


def kitchen_scene() -> SceneGraph:
    """Kitchen + living room, a table, a counter, a closed fridge and an apple on the table."""
    g = SceneGraph(metadata={"scene": "unit"})
    g.add_node(
        Node(
            "kitchen",
            Layer.ROOM,
            "kitchen",
            [2.5, 2.5, 0],
            attributes={"footprint": [[0, 0], [5, 0], [5, 5], [0, 5]]},
        )
    )
    g.add_node(
        Node(
            "living",
            Layer.ROOM,
            "living_room",
            [7.5, 2.5, 0],
            attributes={"footprint": [[5, 0], [10, 0], [10, 5], [5, 5]]},
        )
    )
    g.add_node(
        box_node("table", "receptacle", "DiningTable", [0.5, 0.5, 0], [1.5, 1.5, 0.8]),
        room_id="kitchen",
    )
    g.add_node(
        box_node("counter", "receptacle", "CounterTop", [6, 1, 0], [8, 1.6, 0.9]), room_id="living"
    )
    g.add_node(
        box_node("fridge", "receptacle", "Fridge", [2.5, 2.5, 0], [3.3, 3.3, 1.8], state="closed"),
        room_id="kitchen",
    )
    g.add_node(
        box_node("apple", "object", "Apple", [0.95, 0.95, 0.8], [1.05, 1.05, 0.9], first_seen=1.0),
        room_id="kitchen",
        parent_id="table",
    )
    return g

"""3D scene graph with explicit layers, typed nodes/edges and per-node timelines.

This package imports nothing of the project. Layout (Spark-DSG style):

- :mod:`scene_graph.layers` — ``Layer``, ``NodeState``, ``Relation``, ``EventKind``
- :mod:`scene_graph.nodes` — ``Node``
- :mod:`scene_graph.timeline` — ``TimelineEntry``, ``Timeline``
- :mod:`scene_graph.edges` — ``InRoomEdge``, ``OnEdge``, ``InsideEdge``, ``NearEdge``,
  ``InteractionEdge``
- :mod:`scene_graph.graph` — ``SceneGraph`` (record, observe, pick/place, at, diff); its storage
  and structured queries live in :mod:`scene_graph.store` and :mod:`scene_graph.edge_store`
- :mod:`scene_graph.instances` — world instances ``at(t)`` and ``diff(t0, t1)``
- :mod:`scene_graph.compaction` — dropping redundant sightings (``SceneGraph.compact``)
- :mod:`scene_graph.relations` — on/inside/near from geometry, room assignment
- :mod:`scene_graph.json_io` — schema-versioned JSON (``to_json``/``from_json``/``save``/``load``)
- :mod:`scene_graph.nx_convert` — ``to_networkx``
- :mod:`scene_graph.rerun_convert` — ``log_graph``/``log_history`` (needs the ``viz`` extra;
  not imported here so the package stays light)
"""

from __future__ import annotations

from scene_graph.edges import (
    AGENT_ID,
    Edge,
    EdgeType,
    InRoomEdge,
    InsideEdge,
    InteractionEdge,
    NearEdge,
    OnEdge,
)
from scene_graph.errors import SceneGraphError, SceneGraphFormatError, UnknownNodeError
from scene_graph.graph import KEEP, SceneGraph
from scene_graph.instances import GraphDiff, NodeMove, RoomChange, StateChange, diff_times, world_at
from scene_graph.json_io import SCHEMA_VERSION, from_dict, from_json, load, save, to_dict, to_json
from scene_graph.layers import PLACE, EventKind, Layer, NodeState, Relation
from scene_graph.nodes import Node
from scene_graph.nx_convert import to_networkx
from scene_graph.relations import (
    RelationConfig,
    RelationResult,
    assign_rooms,
    box_distance,
    infer_relation,
    infer_relations,
    is_inside,
    is_near,
    is_on,
    near_edges,
)
from scene_graph.timeline import Timeline, TimelineEntry

__all__ = [
    "AGENT_ID",
    "KEEP",
    "PLACE",
    "SCHEMA_VERSION",
    "Edge",
    "EdgeType",
    "EventKind",
    "GraphDiff",
    "InRoomEdge",
    "InsideEdge",
    "InteractionEdge",
    "Layer",
    "NearEdge",
    "Node",
    "NodeMove",
    "NodeState",
    "OnEdge",
    "Relation",
    "RelationConfig",
    "RelationResult",
    "RoomChange",
    "SceneGraph",
    "SceneGraphError",
    "SceneGraphFormatError",
    "StateChange",
    "Timeline",
    "TimelineEntry",
    "UnknownNodeError",
    "assign_rooms",
    "box_distance",
    "diff_times",
    "from_dict",
    "from_json",
    "infer_relation",
    "infer_relations",
    "is_inside",
    "is_near",
    "is_on",
    "load",
    "near_edges",
    "save",
    "to_dict",
    "to_json",
    "to_networkx",
    "world_at",
]

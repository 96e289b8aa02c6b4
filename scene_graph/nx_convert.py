"""Conversion to networkx (analysis, plotting, graph algorithms)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from scene_graph.edges import AGENT_ID, InteractionEdge, NearEdge, OnEdge
from scene_graph.layers import Relation

if TYPE_CHECKING:
    from scene_graph.graph import SceneGraph


def to_networkx(
    graph: SceneGraph, *, include_interactions: bool = True, include_vanished: bool = False
) -> nx.MultiDiGraph:
    """Current graph as a ``MultiDiGraph``; edge keys are the edge type values
    (``"<kind>@<time>"`` for interaction edges, so repeated interactions stay distinct).

    Node attributes: ``layer``, ``category``, ``centroid``/``bbox_min``/``bbox_max`` (tuples),
    ``state``, ``confidence``, ``first_seen``, ``last_seen``, ``num_observations``,
    ``num_points``, ``timeline_length`` and the node's own attributes under ``attributes``.
    Interaction edges start at a node named :data:`AGENT_ID` (layer ``"agent"``), which is
    added only when there are interactions. NEAR edges are added in both directions.
    """
    g = nx.MultiDiGraph(**graph.metadata)
    for node in graph.nodes(include_vanished=include_vanished):
        g.add_node(
            node.id,
            layer=node.layer.value,
            category=node.category,
            centroid=tuple(node.centroid.tolist()),
            bbox_min=tuple(node.bbox_min.tolist()),
            bbox_max=tuple(node.bbox_max.tolist()),
            state=node.state.value if node.state else None,
            confidence=node.confidence,
            first_seen=node.first_seen,
            last_seen=node.last_seen,
            num_observations=node.num_observations,
            num_points=len(node.points),
            timeline_length=len(node.timeline),
            attributes=dict(node.attributes),
        )
    for edge in graph.edges():
        if isinstance(edge, InteractionEdge):
            if not include_interactions or edge.target not in g:
                continue
            if AGENT_ID not in g:
                g.add_node(AGENT_ID, layer="agent", category="agent")
            g.add_edge(
                AGENT_ID,
                edge.target,
                key=f"{edge.kind.value}@{edge.time}",
                type=edge.kind.value,
                time=edge.time,
                receptacle_id=edge.receptacle_id,
            )
            continue
        if edge.source not in g or edge.target not in g:
            continue
        attrs: dict[str, object] = {"type": edge.type.value}
        if isinstance(edge, NearEdge):
            g.add_edge(
                edge.target,
                edge.source,
                key=edge.type.value,
                type=edge.type.value,
                distance=edge.distance,
            )
            attrs["distance"] = edge.distance
        elif isinstance(edge, OnEdge) or getattr(edge, "since", None) is not None:
            attrs["since"] = edge.since  # type: ignore[attr-defined]
            attrs["relation"] = (Relation.ON if isinstance(edge, OnEdge) else Relation.INSIDE).value
        g.add_edge(edge.source, edge.target, key=edge.type.value, **attrs)
    return g

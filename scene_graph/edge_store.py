"""Edge storage and edge queries of the scene graph (mixed into ``GraphStore``).

NEAR edges and agent interactions are stored here; ON/INSIDE/IN_ROOM edges are produced on
demand from the current-relation indexes that ``GraphStore`` keeps in sync with timelines.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from scene_graph.edges import (
    AGENT_ID,
    INTERACTION_TYPES,
    Edge,
    EdgeType,
    InRoomEdge,
    InsideEdge,
    InteractionEdge,
    NearEdge,
    OnEdge,
)
from scene_graph.errors import SceneGraphError
from scene_graph.layers import Relation
from scene_graph.nodes import Node
from scene_graph.timeline import check_time


class EdgeMixin:
    """Typed edges over the node store; needs the attributes declared below."""

    _nodes: dict[str, Node]
    _vanished: set[str]
    _room_of: dict[str, str]
    _parent: dict[str, tuple[str, Relation]]
    _near: dict[tuple[str, str], NearEdge]
    _near_of: dict[str, dict[tuple[str, str], None]]
    _interactions: list[InteractionEdge]
    _interaction_times: list[float]

    if TYPE_CHECKING:

        def get(self, node_id: str) -> Node: ...  # provided by GraphStore

    def interactions(
        self,
        *,
        kind: EdgeType | str | None = None,
        node_id: str | None = None,
        receptacle_id: str | None = None,
        t0: float | None = None,
        t1: float | None = None,
    ) -> list[InteractionEdge]:
        """Interaction edges with ``t0 <= time <= t1`` in time order (bisect on time).

        ``node_id`` filters the node acted on; ``receptacle_id`` the receptacle picked from or
        placed on.
        """
        lo = 0 if t0 is None else bisect.bisect_left(self._interaction_times, check_time(t0))
        hi = (
            len(self._interactions)
            if t1 is None
            else bisect.bisect_right(self._interaction_times, check_time(t1))
        )
        k = None if kind is None else EdgeType(kind)
        return [
            e
            for e in self._interactions[lo:hi]
            if (k is None or e.kind is k)
            and (node_id is None or e.target == node_id)
            and (receptacle_id is None or e.receptacle_id == receptacle_id)
        ]

    # ------------------------------------------------------------------ edges
    def add_edge(self, edge: Edge) -> Edge:
        """Add a NEAR or interaction edge. ON/INSIDE/IN_ROOM come from timelines instead."""
        if isinstance(edge, NearEdge):
            self.get(edge.source)
            self.get(edge.target)
            self._near[edge.key] = edge
            for n in edge.key:
                self._near_of.setdefault(n, {})[edge.key] = None
            return edge
        if isinstance(edge, InteractionEdge):
            self.get(edge.target)
            return self._add_interaction(edge.target, edge.kind, edge.time, edge.receptacle_id)
        raise SceneGraphError(
            f"{type(edge).__name__} edges are derived from timelines; use set_parent()/set_room()"
        )

    def edges(self, type: EdgeType | str | None = None, node_id: str | None = None) -> list[Edge]:
        """Current edges, optionally of one type and/or touching ``node_id``."""
        want = None if type is None else EdgeType(type)
        out: list[Edge] = []
        if want in (None, EdgeType.IN_ROOM):
            out += [InRoomEdge(n, r) for n, r in self._room_of.items() if self._live(n, r)]
        if want in (None, EdgeType.ON, EdgeType.INSIDE):
            for child, (parent, rel) in self._parent.items():
                if not self._live(child, parent):
                    continue
                cls = OnEdge if rel is Relation.ON else InsideEdge
                if want in (None, cls.type):
                    since = _run_start(self._nodes[child], parent, rel)
                    out.append(cls(child, parent, since=since))
        if want in (None, EdgeType.NEAR):
            out += [e for e in self._near.values() if self._live(e.source, e.target)]
        if want is None or want in INTERACTION_TYPES:
            out += self.interactions(kind=want)
        if node_id is not None:
            out = [
                e
                for e in out
                if node_id in (e.source, e.target) or getattr(e, "receptacle_id", None) == node_id
            ]
        return out

    def near(self, node_id: str) -> list[NearEdge]:
        self.get(node_id)
        edges = [self._near[k] for k in self._near_of.get(node_id, {})]
        return [e for e in edges if self._live(e.source, e.target)]

    def _live(self, *node_ids: str) -> bool:
        """All ids are nodes that are not marked vanished (vanished nodes are absent)."""
        return all(i in self._nodes and i not in self._vanished for i in node_ids)

    def _add_interaction(
        self, node_id: str, kind: EdgeType, time: float, receptacle_id: str | None
    ) -> InteractionEdge:
        edge = InteractionEdge(AGENT_ID, node_id, kind=kind, time=time, receptacle_id=receptacle_id)
        idx = bisect.bisect_right(self._interaction_times, edge.time)
        self._interaction_times.insert(idx, edge.time)
        self._interactions.insert(idx, edge)
        return edge


def _run_start(node: Node, parent: str, relation: Relation) -> float:
    """Time since which ``node`` has been on/in ``parent`` without interruption."""
    since = node.timeline[-1].time
    for entry in reversed(node.timeline):
        if entry.parent_id != parent or entry.relation is not relation:
            break
        since = entry.time
    return since

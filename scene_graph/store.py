"""Storage and indexes of the scene graph: nodes by id/layer/category/room, current relations.

:class:`GraphStore` holds everything and answers structured queries in O(result); the
temporal editing API (``record``, ``pick``, ``at`` ...) is added by
:class:`scene_graph.graph.SceneGraph`, which is the class to use.

Timelines may mention ids that are not (or no longer) in the graph, e.g. after
:meth:`GraphStore.remove_node` or in a world instance where the receptacle was first seen
later; such references are history and produce no edges.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable
from typing import Any

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
from scene_graph.errors import SceneGraphError, UnknownNodeError
from scene_graph.layers import EventKind, Layer, Relation, parse_enum
from scene_graph.nodes import Node
from scene_graph.timeline import TimelineEntry, check_time

logger = logging.getLogger(__name__)

_CHILD_LAYERS = frozenset({Layer.OBJECT, Layer.RECEPTACLE})
_PARENT_LAYERS = frozenset({Layer.OBJECT, Layer.RECEPTACLE})
_INTERACTIONS = frozenset({EdgeType.PICKED, EdgeType.PLACED, EdgeType.OPENED, EdgeType.CLOSED})


class GraphStore:
    """Nodes, typed edges and the indexes behind structured queries (base of SceneGraph)."""

    def __init__(self, metadata: dict[str, Any] | None = None) -> None:
        self.metadata: dict[str, Any] = dict(metadata or {})
        """JSON-serialisable free-form data (episode id, scene name, ...)."""
        self._nodes: dict[str, Node] = {}
        # Ordered "sets" (dict keys) keep query results in insertion order: deterministic.
        self._by_layer: dict[Layer, dict[str, None]] = {layer: {} for layer in Layer}
        self._by_category: dict[str, dict[str, None]] = {}
        self._by_room: dict[str, dict[str, None]] = {}
        self._room_of: dict[str, str] = {}
        self._parent: dict[str, tuple[str, Relation]] = {}
        self._children: dict[str, dict[str, None]] = {}
        self._vanished: set[str] = set()
        self._parent_refs: dict[str, int] = {}
        self._near: dict[tuple[str, str], NearEdge] = {}
        self._near_of: dict[str, dict[tuple[str, str], None]] = {}
        self._interactions: list[InteractionEdge] = []
        self._interaction_times: list[float] = []
        self._all_times: list[float] = []

    # ------------------------------------------------------------------ nodes
    def add_node(
        self,
        node: Node,
        *,
        room_id: str | None = None,
        parent_id: str | None = None,
        relation: Relation | str = Relation.ON,
    ) -> Node:
        """Add ``node``; if its timeline is empty, write the first entry at ``first_seen``.

        Raises:
            SceneGraphError: the id exists, or ``room_id``/``parent_id`` are invalid.
        """
        if not isinstance(node, Node):
            raise SceneGraphError(f"add_node expects a scene_graph.Node; got {type(node).__name__}")
        if node.id in self._nodes:
            raise SceneGraphError(
                f"node {node.id!r} already exists; use record/observe/update_node"
            )
        if node.id == AGENT_ID:
            raise SceneGraphError(f"{AGENT_ID!r} is reserved for the agent; choose another id")
        if len(node.timeline) == 0:
            rel = None if parent_id is None else parse_enum(Relation, relation, "relation")
            self._check_refs(node, parent_id, room_id)
            node.timeline.insert(
                TimelineEntry(
                    node.first_seen,
                    EventKind.OBSERVED,
                    node.centroid,
                    parent_id,
                    rel,  # type: ignore[arg-type]
                    node.state,
                    room_id,
                )
            )
        elif room_id is not None or parent_id is not None:
            raise SceneGraphError("pass room_id/parent_id only for nodes with an empty timeline")
        self._insert_raw(node)
        self._sync_current(node.id)
        return node

    def update_node(self, node_id: str, **changes: Any) -> Node:
        """Change non-temporal fields (category, layer, attributes, bbox, points, embedding, ...).

        Position, state, parent and room are temporal: use :meth:`record` for them.
        """
        temporal = {"centroid", "state", "timeline", "id", "first_seen"} & changes.keys()
        if temporal:
            raise SceneGraphError(
                f"update_node cannot change {sorted(temporal)}; use record()/observe() so the "
                "timeline stays consistent"
            )
        old = self.get(node_id)
        fields = {f: getattr(old, f) for f in old.__dataclass_fields__}
        unknown = changes.keys() - fields.keys()
        if unknown:
            raise SceneGraphError(f"update_node: unknown field(s) {sorted(unknown)} of Node")
        fields.update(changes)
        new = Node(**fields)  # re-validates every field
        if new.layer is not old.layer and self._children.get(node_id):
            raise SceneGraphError(f"cannot change the layer of {node_id!r}: it has children")
        self._unindex(old)
        for name in changes:  # mutate in place so callers holding the Node see the change
            setattr(old, name, getattr(new, name))
        self._index(old)
        return old

    def remove_node(self, node_id: str) -> Node:
        """Forget a node: drop it, its indexes, NEAR edges and interactions that target it.

        Children lose their current parent edge; history entries that mention the node stay.
        """
        node = self.get(node_id)
        self._unindex(node)
        del self._nodes[node_id]
        self._vanished.discard(node_id)
        self._set_current_parent(node_id, None)
        self._set_current_room(node_id, None)
        for child in list(self._children.pop(node_id, {})):
            self._parent.pop(child, None)
        for member in list(self._by_room.pop(node_id, {})):
            self._room_of.pop(member, None)
        for key in list(self._near_of.pop(node_id, {})):
            other = key[0] if key[1] == node_id else key[1]
            self._near_of.get(other, {}).pop(key, None)
            self._near.pop(key, None)
        kept = [e for e in self._interactions if e.target != node_id]
        kept = [
            InteractionEdge(e.source, e.target, kind=e.kind, time=e.time, receptacle_id=None)
            if e.receptacle_id == node_id
            else e
            for e in kept
        ]
        self._interactions = kept
        self._interaction_times = [e.time for e in kept]
        return node

    def get(self, node_id: str) -> Node:
        """The node with ``node_id`` or :class:`UnknownNodeError`."""
        try:
            return self._nodes[node_id]
        except KeyError:
            raise UnknownNodeError(f"no node {node_id!r} in the scene graph") from None

    __getitem__ = get

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._nodes.values())

    # ---------------------------------------------------------------- queries
    def nodes(
        self,
        layer: Layer | str | None = None,
        category: str | None = None,
        room_id: str | None = None,
        *,
        include_vanished: bool = False,
    ) -> list[Node]:
        """Nodes matching every given filter, in insertion order; cost O(smallest index).

        ``category`` matches case-insensitively. ``room_id`` uses the current room.
        """
        sets: list[dict[str, None]] = []
        if layer is not None:
            sets.append(self._by_layer[parse_enum(Layer, layer, "layer")])  # type: ignore[index]
        if category is not None:
            sets.append(self._by_category.get(category.casefold(), {}))
        if room_id is not None:
            sets.append(self._by_room.get(room_id, {}))
        if not sets:
            ids: Iterable[str] = self._nodes
        else:
            sets.sort(key=len)
            ids = (i for i in sets[0] if all(i in s for s in sets[1:]))
        return [self._nodes[i] for i in ids if include_vanished or i not in self._vanished]

    def rooms(self) -> list[Node]:
        return self.nodes(Layer.ROOM)

    def receptacles(self, room_id: str | None = None) -> list[Node]:
        return self.nodes(Layer.RECEPTACLE, room_id=room_id)

    def objects(self, category: str | None = None, room_id: str | None = None) -> list[Node]:
        return self.nodes(Layer.OBJECT, category=category, room_id=room_id)

    def viewpoints(self) -> list[Node]:
        return self.nodes(Layer.VIEWPOINT)

    def categories(self, layer: Layer | str | None = None) -> list[str]:
        """Distinct categories (as first spelled) of the non-vanished nodes."""
        seen: dict[str, str] = {}
        for node in self.nodes(layer):
            seen.setdefault(node.category.casefold(), node.category)
        return sorted(seen.values())

    def is_vanished(self, node_id: str) -> bool:
        self.get(node_id)
        return node_id in self._vanished

    def parent_of(self, node_id: str) -> tuple[str, Relation] | None:
        """Current ``(receptacle_id, relation)`` of a node, or ``None``."""
        self.get(node_id)
        return self._parent.get(node_id)

    def children_of(self, node_id: str, relation: Relation | str | None = None) -> list[Node]:
        """Nodes currently on/inside ``node_id`` (optionally only one relation)."""
        self.get(node_id)
        rel = None if relation is None else parse_enum(Relation, relation, "relation")
        return [
            self._nodes[c]
            for c in self._children.get(node_id, {})
            if rel is None or self._parent[c][1] is rel
        ]

    def room_of(self, node_id: str) -> str | None:
        """Current room of a node; a child without a room inherits its parent's."""
        self.get(node_id)
        seen: set[str] = set()
        cur: str | None = node_id
        while cur is not None and cur not in seen:
            seen.add(cur)
            if cur in self._room_of:
                return self._room_of[cur]
            parent = self._parent.get(cur)
            cur = parent[0] if parent else None
        return None

    def entry_at(self, node_id: str, time: float) -> TimelineEntry | None:
        """The node's timeline entry in effect at ``time`` (bisect), or ``None``."""
        return self.get(node_id).timeline.at(check_time(time))

    @property
    def time_range(self) -> tuple[float, float] | None:
        """(earliest, latest) time of any timeline entry or interaction, or ``None`` if empty."""
        times = self._all_times
        if not times and not self._interaction_times:
            return None
        lo = min(times[:1] + self._interaction_times[:1])
        hi = max(times[-1:] + self._interaction_times[-1:])
        return lo, hi

    def interactions(
        self,
        *,
        kind: EdgeType | str | None = None,
        node_id: str | None = None,
        t0: float | None = None,
        t1: float | None = None,
    ) -> list[InteractionEdge]:
        """Interaction edges with ``t0 <= time <= t1`` in time order (bisect on time)."""
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
            if (k is None or e.kind is k) and (node_id is None or e.target == node_id)
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
            out += [InRoomEdge(n, r) for n, r in self._room_of.items()]
        if want in (None, EdgeType.ON, EdgeType.INSIDE):
            for child, (parent, rel) in self._parent.items():
                cls = OnEdge if rel is Relation.ON else InsideEdge
                if want in (None, cls.type):
                    since = _run_start(self._nodes[child], parent, rel)
                    out.append(cls(child, parent, since=since))
        if want in (None, EdgeType.NEAR):
            out += list(self._near.values())
        if want is None or want in {
            EdgeType.PICKED,
            EdgeType.PLACED,
            EdgeType.OPENED,
            EdgeType.CLOSED,
        }:
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
        return [self._near[k] for k in self._near_of.get(node_id, {})]

    def __repr__(self) -> str:
        counts = ", ".join(f"{layer.value}s={len(ids)}" for layer, ids in self._by_layer.items())
        return f"{type(self).__name__}({counts}, interactions={len(self._interactions)})"

    def _check_refs(self, node: Node, parent_id: str | None, room_id: str | None) -> None:
        if parent_id is not None:
            parent = self.get(parent_id)
            if node.layer not in _CHILD_LAYERS:
                raise SceneGraphError(
                    f"{node.layer.value} node {node.id!r} cannot be on/inside anything"
                )
            if parent.layer not in _PARENT_LAYERS:
                raise SceneGraphError(
                    f"{node.id!r} cannot be on/inside {parent.layer.value} node {parent_id!r}; "
                    "use set_room for rooms"
                )
            if parent_id == node.id:
                raise SceneGraphError(f"node {node.id!r} cannot be on/inside itself")
        if room_id is not None:
            room = self.get(room_id)
            if room.layer is not Layer.ROOM:
                raise SceneGraphError(f"room_id {room_id!r} is a {room.layer.value}, not a room")
            if node.layer is Layer.ROOM:
                raise SceneGraphError(f"room {node.id!r} cannot itself be in a room")

    def _sync_current(self, node_id: str) -> None:
        """Mirror the latest timeline entry into the current-relation indexes."""
        node = self._nodes[node_id]
        latest = node.timeline.latest
        if latest is None:
            return
        if latest.kind is EventKind.VANISHED:
            self._vanished.add(node_id)
        else:
            self._vanished.discard(node_id)
        self._set_current_room(node_id, latest.room_id if latest.room_id in self._nodes else None)
        parent = latest.parent_id if latest.parent_id in self._nodes else None
        value = None if parent is None else (parent, latest.relation)
        self._set_current_parent(node_id, value)  # type: ignore[arg-type]

    def _set_current_parent(self, node_id: str, value: tuple[str, Relation] | None) -> None:
        old = self._parent.pop(node_id, None)
        if old is not None:
            self._children.get(old[0], {}).pop(node_id, None)
        if value is not None:
            self._parent[node_id] = value
            self._children.setdefault(value[0], {})[node_id] = None

    def _set_current_room(self, node_id: str, room_id: str | None) -> None:
        old = self._room_of.pop(node_id, None)
        if old is not None:
            self._by_room.get(old, {}).pop(node_id, None)
        if room_id is not None:
            self._room_of[node_id] = room_id
            self._by_room.setdefault(room_id, {})[node_id] = None

    def _insert_raw(self, node: Node) -> None:
        """Store and index a node without touching relations (bulk loading uses this)."""
        self._nodes[node.id] = node
        self._index(node)
        for entry in node.timeline:
            bisect.insort(self._all_times, entry.time)
            if entry.parent_id is not None:
                self._parent_refs[entry.parent_id] = self._parent_refs.get(entry.parent_id, 0) + 1

    def _index(self, node: Node) -> None:
        self._by_layer[node.layer][node.id] = None
        self._by_category.setdefault(node.category.casefold(), {})[node.id] = None

    def _unindex(self, node: Node) -> None:
        self._by_layer[node.layer].pop(node.id, None)
        self._by_category.get(node.category.casefold(), {}).pop(node.id, None)

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

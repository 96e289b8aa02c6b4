"""Storage and indexes of the scene graph: nodes by id/layer/category/room, current relations.

:class:`GraphStore` holds everything and answers structured queries in O(result); the
temporal editing API (``record``, ``pick``, ``at`` ...) is added by
:class:`scene_graph.graph.SceneGraph`, which is the class to use.

Timelines may mention ids that are not (or no longer) in the graph, e.g. after
:meth:`GraphStore.remove_node` or in a world instance where the receptacle was first seen
later; such references are history and produce no edges.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from scene_graph.edge_store import EdgeMixin
from scene_graph.edges import (
    AGENT_ID,
    InteractionEdge,
    NearEdge,
)
from scene_graph.errors import SceneGraphError, UnknownNodeError
from scene_graph.layers import EventKind, Layer, Relation, parse_enum
from scene_graph.nodes import Node
from scene_graph.timeline import TimelineEntry, as_vec3, check_time

logger = logging.getLogger(__name__)

_CHILD_LAYERS = frozenset({Layer.OBJECT, Layer.RECEPTACLE})
_PARENT_LAYERS = frozenset({Layer.OBJECT, Layer.RECEPTACLE})


class GraphStore(EdgeMixin):
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
        self._near: dict[tuple[str, str], NearEdge] = {}
        self._near_of: dict[str, dict[tuple[str, str], None]] = {}
        self._interactions: list[InteractionEdge] = []
        self._interaction_times: list[float] = []
        # (sorted times of all timeline entries, {id: entries naming it as parent}); only
        # cycle checks and time_range need it, so bulk loads drop it and it is rebuilt lazily.
        self._time_cache: tuple[list[float], dict[str, int]] | None = ([], {})

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
        if node.state is not None and node.layer in (Layer.ROOM, Layer.VIEWPOINT):
            raise SceneGraphError(f"{node.layer.value} {node.id!r} cannot have state {node.state}")
        if len(node.timeline) == 0:
            rel = None if parent_id is None else parse_enum(Relation, relation, "relation")
            self._check_refs(node, parent_id, room_id)
            try:
                first = TimelineEntry(
                    node.first_seen,
                    EventKind.OBSERVED,
                    node.centroid,
                    parent_id,
                    rel,
                    node.state,
                    room_id,
                )
            except ValueError as exc:
                raise SceneGraphError(f"node {node.id!r}: {exc}") from None
            node.timeline.insert(first)
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
        if new.layer is not old.layer and not {new.layer, old.layer} <= _CHILD_LAYERS:
            raise SceneGraphError(
                f"cannot change {node_id!r} from {old.layer.value} to {new.layer.value}: only "
                "objects and receptacles may be re-classified into each other"
            )
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

    def __iter__(self) -> Iterator[Node]:
        """All nodes, vanished ones included (``nodes()`` leaves those out)."""
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
        """Current ``(receptacle_id, relation)`` of a node, or ``None``.

        A parent marked vanished counts as absent, exactly as in world instances.
        """
        self.get(node_id)
        found = self._parent.get(node_id)
        return found if found is not None and found[0] not in self._vanished else None

    def children_of(self, node_id: str, relation: Relation | str | None = None) -> list[Node]:
        """Nodes currently on/inside ``node_id`` (optionally only one relation)."""
        self.get(node_id)
        rel = None if relation is None else parse_enum(Relation, relation, "relation")
        if node_id in self._vanished:
            return []
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
            parent = self.parent_of(cur)
            cur = parent[0] if parent else None
        return None

    def entry_at(self, node_id: str, time: float) -> TimelineEntry | None:
        """The node's timeline entry in effect at ``time`` (bisect), or ``None``."""
        return self.get(node_id).timeline.at(check_time(time))

    @property
    def time_range(self) -> tuple[float, float] | None:
        """(earliest, latest) time of any timeline entry or interaction, or ``None`` if empty."""
        times = self._time_index()[0]
        if not times and not self._interaction_times:
            return None
        lo = min(times[:1] + self._interaction_times[:1])
        hi = max(times[-1:] + self._interaction_times[-1:])
        return lo, hi

    def within(
        self, point: Any, radius: float, layer: Layer | str | None = None
    ) -> list[tuple[Node, float]]:
        """Non-vanished nodes whose centroid is within ``radius`` metres of ``point`` (3,),
        nearest first, as ``(node, distance)``; one vectorised pass over the layer."""
        p = as_vec3(point, "point")
        if not radius >= 0.0:
            raise ValueError(f"radius must be >= 0 metres; got {radius}")
        nodes = self.nodes(layer)
        if not nodes:
            return []
        dist = np.linalg.norm(np.array([n.centroid for n in nodes]) - p, axis=1)
        order = np.argsort(dist, kind="stable")
        return [(nodes[i], float(dist[i])) for i in order if dist[i] <= radius]

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
        """Store and index a node without touching relations; bulk loaders then call
        :meth:`_finish_bulk` once."""
        self._nodes[node.id] = node
        self._index(node)
        self._time_cache = None

    def _time_index(self) -> tuple[list[float], dict[str, int]]:
        """The lazily rebuilt (all entry times, parent reference counts) cache."""
        if self._time_cache is None:
            times: list[float] = []
            refs: dict[str, int] = {}
            for node in self._nodes.values():
                times.extend(node.timeline.times)
                for entry in node.timeline:
                    if entry.parent_id is not None:
                        refs[entry.parent_id] = refs.get(entry.parent_id, 0) + 1
            times.sort()
            self._time_cache = (times, refs)
        return self._time_cache

    def _finish_bulk(self) -> None:
        """Mirror every node's latest entry into the current-relation indexes."""
        for node_id in list(self._nodes):
            self._sync_current(node_id)

    def _index(self, node: Node) -> None:
        self._by_layer[node.layer][node.id] = None
        self._by_category.setdefault(node.category.casefold(), {})[node.id] = None

    def _unindex(self, node: Node) -> None:
        self._by_layer[node.layer].pop(node.id, None)
        self._by_category.get(node.category.casefold(), {}).pop(node.id, None)

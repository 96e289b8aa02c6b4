"""The scene graph: typed nodes in layers with per-node timelines and world instances.

Structural relations (room membership, on/inside) are part of each node's timeline, so the
graph can be materialised at any past time (:meth:`SceneGraph.at`) and an object is on/inside
at most one receptacle at any time by construction. The current relations are mirrored in the
indexes of :class:`~scene_graph.store.GraphStore` so structured queries cost O(result).
"""

from __future__ import annotations

import bisect
import math
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from scene_graph.edges import EdgeType, InteractionEdge
from scene_graph.errors import SceneGraphError
from scene_graph.layers import EventKind, Layer, NodeState, Relation, parse_enum
from scene_graph.nodes import Node
from scene_graph.store import GraphStore
from scene_graph.timeline import TimelineEntry, as_vec3, check_time

if TYPE_CHECKING:
    from scene_graph.instances import GraphDiff


class _Keep(Enum):
    KEEP = "keep"


#: Sentinel for :meth:`SceneGraph.record` arguments: "same as the entry in effect before".
KEEP = _Keep.KEEP

_STATE_FOR_KIND: dict[EventKind, NodeState | None] = {
    EventKind.OPENED: NodeState.OPEN,
    EventKind.CLOSED: NodeState.CLOSED,
    EventKind.PICKED: NodeState.HELD,
    EventKind.PLACED: None,
}
_STATELESS_LAYERS = frozenset({Layer.ROOM, Layer.VIEWPOINT})


class SceneGraph(GraphStore):
    """A layered 3D scene graph with per-node timelines (see module docstring).

    Storage and structured queries (``add_node``, ``nodes``, ``children_of``, ``edges``, ...)
    come from :class:`~scene_graph.store.GraphStore`; this class adds the temporal API.
    """

    # --------------------------------------------------------------- timeline
    def record(
        self,
        node_id: str,
        time: float,
        *,
        kind: EventKind | str = EventKind.OBSERVED,
        centroid: np.ndarray | None = None,
        parent_id: str | None | _Keep = KEEP,
        relation: Relation | str | _Keep = KEEP,
        state: NodeState | str | None | _Keep = KEEP,
        room_id: str | None | _Keep = KEEP,
    ) -> TimelineEntry:
        """Insert a timeline entry at ``time`` (in time order; out-of-order is fine).

        Unspecified fields (``KEEP``) come from the entry in effect just before ``time``.
        Conventions: setting ``state=HELD`` clears the parent; setting a parent on a held node
        clears ``HELD``; unless ``state`` is given, ``kind`` OPENED/CLOSED/PICKED/PLACED
        implies open/closed/held/no state. A new parent without ``relation`` is ``ON``.

        Raises:
            UnknownNodeError: ``node_id``, ``parent_id`` or ``room_id`` is not in the graph.
            SceneGraphError: wrong layers, self-parenting, or a support cycle at some time.
        """
        node = self.get(node_id)
        t = check_time(time)
        kind_ = parse_enum(EventKind, kind, "kind")
        prev = node.timeline.at(t)
        if prev is None and len(node.timeline):
            prev = node.timeline[0]
        entry = self._resolve_entry(
            node, t, kind_, prev, centroid, parent_id, relation, state, room_id
        )
        self._check_refs(node, entry.parent_id, entry.room_id)
        if entry.state is not None and node.layer in _STATELESS_LAYERS:
            raise SceneGraphError(
                f"{node.layer.value} {node_id!r} cannot be {entry.state.value}: only objects and "
                "receptacles are opened, closed or held"
            )
        if entry.parent_id is not None:
            self._check_no_cycle(node, entry.parent_id, t)
        self._commit(node, entry)
        return entry

    def observe(
        self,
        node_id: str,
        time: float,
        *,
        centroid: np.ndarray | None = None,
        move_threshold: float = 0.0,
        confidence: float | None = None,
        state: NodeState | str | None | _Keep = KEEP,
        room_id: str | None | _Keep = KEEP,
        **fields: Any,
    ) -> TimelineEntry | None:
        """Fuse one observation: bump count/last_seen, update fields, and record only changes.

        A timeline entry is written when the centroid moved more than ``move_threshold``
        metres or the state/room changed, so static objects do not grow their timeline on
        every frame. Extra ``fields`` (bbox_min, bbox_max, points, embedding, attributes) are
        applied with :meth:`update_node`. Returns the new entry or ``None``.
        """
        node = self.get(node_id)
        t = check_time(time)
        if confidence is not None:
            fields["confidence"] = confidence
        prev = node.timeline.at(t)
        entry: TimelineEntry | None = None
        if node_id in self._vanished or prev is None:
            entry = self.record(node_id, t, centroid=centroid, state=state, room_id=room_id)
        else:
            moved = (
                centroid is not None
                and float(np.linalg.norm(as_vec3(centroid, "centroid") - prev.centroid))
                > move_threshold
            )
            new_state = prev.state if state is KEEP else state
            new_room = prev.room_id if room_id is KEEP else room_id
            if moved or new_state != prev.state or new_room != prev.room_id:
                entry = self.record(
                    node_id, t, centroid=centroid if moved else None, state=state, room_id=room_id
                )
        if fields:  # after record(): its rigid shift of box/points must not hit the new shape
            self.update_node(node_id, **fields)
        node.num_observations += 1
        node.last_seen = max(node.last_seen, t)
        node.first_seen = min(node.first_seen, t)
        return entry

    def set_parent(
        self,
        child_id: str,
        parent_id: str,
        relation: Relation | str = Relation.ON,
        *,
        time: float | None = None,
        kind: EventKind | str = EventKind.OBSERVED,
    ) -> TimelineEntry:
        """Put ``child_id`` on/inside ``parent_id`` from ``time`` (default: its latest time).

        Replaces any previous parent, so a node is never on/in two receptacles at once.
        """
        return self.record(
            child_id,
            self._default_time(child_id, time),
            kind=kind,
            parent_id=parent_id,
            relation=relation,
        )

    def clear_parent(
        self,
        child_id: str,
        *,
        time: float | None = None,
        kind: EventKind | str = EventKind.OBSERVED,
    ) -> TimelineEntry:
        """Record that ``child_id`` rests on nothing known from ``time``."""
        return self.record(child_id, self._default_time(child_id, time), kind=kind, parent_id=None)

    def set_room(
        self, node_id: str, room_id: str | None, *, time: float | None = None
    ) -> TimelineEntry:
        """Record that ``node_id`` is in ``room_id`` from ``time`` (default: its latest time)."""
        return self.record(node_id, self._default_time(node_id, time), room_id=room_id)

    def mark_vanished(self, node_id: str, time: float) -> TimelineEntry:
        """Record that the node was not found: absent from world instances from ``time``."""
        return self.record(node_id, time, kind=EventKind.VANISHED, parent_id=None)

    # ----------------------------------------------------------- interactions
    def pick(
        self, node_id: str, time: float, *, centroid: np.ndarray | None = None
    ) -> InteractionEdge:
        """The agent picked ``node_id`` up: state HELD, parent cleared, PICKED edge."""
        before = self.entry_at(node_id, time)
        self.record(node_id, time, kind=EventKind.PICKED, centroid=centroid, state=NodeState.HELD)
        source = before.parent_id if before is not None else None
        return self._add_interaction(node_id, EdgeType.PICKED, time, source)

    def place(
        self,
        node_id: str,
        receptacle_id: str,
        time: float,
        *,
        relation: Relation | str = Relation.ON,
        centroid: np.ndarray | None = None,
        room_id: str | None | _Keep = KEEP,
    ) -> InteractionEdge:
        """The agent placed ``node_id`` on/into ``receptacle_id`` (room defaults to its room)."""
        if room_id is KEEP and receptacle_id in self._nodes:
            rec_entry = self.entry_at(receptacle_id, time)
            if rec_entry is not None and rec_entry.room_id is not None:
                room_id = rec_entry.room_id
        self.record(
            node_id,
            time,
            kind=EventKind.PLACED,
            centroid=centroid,
            parent_id=receptacle_id,
            relation=relation,
            state=None,
            room_id=room_id,
        )
        return self._add_interaction(node_id, EdgeType.PLACED, time, receptacle_id)

    def open_node(self, node_id: str, time: float) -> InteractionEdge:
        """The agent opened ``node_id`` (a container): state OPEN, OPENED edge."""
        self.record(node_id, time, kind=EventKind.OPENED)
        return self._add_interaction(node_id, EdgeType.OPENED, time, None)

    def close_node(self, node_id: str, time: float) -> InteractionEdge:
        """The agent closed ``node_id``: state CLOSED, CLOSED edge."""
        self.record(node_id, time, kind=EventKind.CLOSED)
        return self._add_interaction(node_id, EdgeType.CLOSED, time, None)

    # -------------------------------------------------------- world instances
    def at(self, time: float) -> SceneGraph:
        """The graph as believed at ``time`` (see :func:`scene_graph.instances.world_at`)."""
        from scene_graph.instances import world_at

        return world_at(self, time)

    def node_at(self, node_id: str, time: float) -> Node | None:
        """Node ``node_id`` as believed at ``time``, None if absent then (the node of
        :meth:`at`'s graph, without building the rest of it)."""
        from scene_graph.instances import node_at

        return node_at(self, node_id, time)

    def diff(self, t0: float, t1: float, *, move_threshold: float = 0.3) -> GraphDiff:
        """What moved / changed state / appeared / vanished between ``t0`` and ``t1``."""
        from scene_graph.instances import diff_times

        return diff_times(self, t0, t1, move_threshold=move_threshold)

    def compact(self, *, tolerance: float = 0.05, before: float | None = None) -> int:
        """Drop redundant sightings from timelines (see :mod:`scene_graph.compaction`)."""
        from scene_graph.compaction import compact

        return compact(self, tolerance=tolerance, before=before)

    def copy(self) -> SceneGraph:
        """A deep copy (nodes, timelines, edges, metadata)."""
        from scene_graph.json_io import from_dict, to_dict

        return from_dict(to_dict(self))

    def equals(self, other: SceneGraph) -> bool:
        """Exact equality of nodes (incl. arrays, timelines), edges and metadata."""
        if self.metadata != other.metadata or list(self._nodes) != list(other._nodes):
            return False
        if not all(a.same_as(other._nodes[i]) for i, a in self._nodes.items()):
            return False
        return self._near == other._near and self._interactions == other._interactions

    def _resolve_entry(
        self,
        node: Node,
        t: float,
        kind: EventKind,
        prev: TimelineEntry | None,
        centroid: Any,
        parent_id: Any,
        relation: Any,
        state: Any,
        room_id: Any,
    ) -> TimelineEntry:
        """Fill KEEP fields from ``prev`` and apply the held/parent/open conventions."""
        pos = (
            (prev.centroid if prev is not None else node.centroid) if centroid is None else centroid
        )
        prev_parent = prev.parent_id if prev is not None else None
        prev_rel = prev.relation if prev is not None else None
        inherited_state = state is KEEP and kind not in _STATE_FOR_KIND
        if state is KEEP:
            before = prev.state if prev is not None else node.state
            state = _STATE_FOR_KIND[kind] if kind in _STATE_FOR_KIND else before
        state = None if state is None else parse_enum(NodeState, state, "state")
        if parent_id is KEEP:
            parent_id = None if state is NodeState.HELD else prev_parent
            if parent_id is not None and parent_id not in self:
                parent_id = None  # the parent was removed since (e.g. merged away): no longer on it
            if relation is KEEP:
                relation = prev_rel if parent_id == prev_parent else None
        elif parent_id is not None and state is NodeState.HELD and inherited_state:
            state = None  # placing something ends holding it
        if parent_id is None:
            relation = None
        elif relation is KEEP or relation is None:
            relation = prev_rel if (parent_id == prev_parent and prev_rel) else Relation.ON
        if room_id is KEEP:
            room_id = prev.room_id if prev is not None else None
            if room_id is not None and room_id not in self:
                room_id = None
        try:
            return TimelineEntry(t, kind, pos, parent_id, relation, state, room_id)
        except ValueError as exc:
            raise SceneGraphError(f"node {node.id!r} at t={t}: {exc}") from None

    def _check_no_cycle(self, node: Node, parent_id: str, t: float) -> None:
        """Reject a parent that would make ``node`` (indirectly) support itself at some time."""
        all_times, parent_refs = self._time_index()
        if node.id not in parent_refs:
            return  # nothing was ever on/in this node, so no chain can lead back to it
        until = node.timeline.next_time_after(node.timeline.index_at(t))
        lo = bisect.bisect_right(all_times, t)
        hi = bisect.bisect_left(all_times, until)
        times = [t] + sorted(set(all_times[lo:hi]))
        for tau in times:
            cur: str | None = parent_id
            for _ in range(len(self._nodes) + 1):
                if cur is None or cur not in self._nodes:
                    break
                if cur == node.id:
                    raise SceneGraphError(
                        f"putting {node.id!r} on/in {parent_id!r} at t={t} makes a support cycle "
                        f"at t={tau}; {parent_id!r} rests (indirectly) on {node.id!r} then"
                    )
                entry = self._nodes[cur].timeline.at(tau)
                cur = entry.parent_id if entry is not None else None

    def _commit(self, node: Node, entry: TimelineEntry) -> None:
        idx = node.timeline.insert(entry)
        if self._time_cache is not None:  # keep the cache current instead of rebuilding it
            all_times, parent_refs = self._time_cache
            bisect.insort(all_times, entry.time)
            if entry.parent_id is not None:
                parent_refs[entry.parent_id] = parent_refs.get(entry.parent_id, 0) + 1
        node.first_seen = min(node.first_seen, entry.time)
        if entry.kind is not EventKind.VANISHED:
            node.last_seen = max(node.last_seen, entry.time)
        if idx == len(node.timeline) - 1:
            delta = entry.centroid - node.centroid
            if np.any(delta):  # the stored shape follows the believed position rigidly
                node.bbox_min = node.bbox_min + delta
                node.bbox_max = node.bbox_max + delta
                if len(node.points):
                    node.points = node.points + delta.astype(np.float32)
            node.centroid = entry.centroid.copy()
            node.state = entry.state
        self._sync_current(node.id)

    def _default_time(self, node_id: str, time: float | None) -> float:
        if time is not None:
            return check_time(time)
        node = self.get(node_id)
        latest = node.timeline.latest
        return max(node.last_seen, latest.time if latest else -math.inf)

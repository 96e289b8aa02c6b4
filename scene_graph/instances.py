"""World instances (Mind Palace): the graph as believed at time t, and diffs between times.

A node belongs to the instance at ``t`` when it was first seen at or before ``t`` and its
timeline entry in effect at ``t`` is not ``VANISHED``. Its position, parent, room and state come
from that entry (one ``bisect`` per node); box and points are translated rigidly with the
centroid, which is what a memory that stores one shape per object can know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from scene_graph.edges import InteractionEdge
from scene_graph.layers import EventKind, Layer, NodeState, Relation
from scene_graph.timeline import TimelineEntry, check_time

if TYPE_CHECKING:
    from scene_graph.graph import SceneGraph
    from scene_graph.nodes import Node


@dataclass(frozen=True, eq=False)
class NodeMove:
    """A node whose position moved beyond the threshold or whose parent changed."""

    node_id: str
    category: str
    layer: Layer
    from_position: np.ndarray
    """(3,) float64 position at ``t0``."""
    to_position: np.ndarray
    """(3,) float64 position at ``t1``."""
    distance: float
    """Euclidean distance in metres."""
    from_parent: str | None
    from_relation: Relation | None
    to_parent: str | None
    to_relation: Relation | None

    @property
    def parent_changed(self) -> bool:
        return (self.from_parent, self.from_relation) != (self.to_parent, self.to_relation)


@dataclass(frozen=True)
class StateChange:
    """A node whose open/closed/held state differs between the two times."""

    node_id: str
    category: str
    before: NodeState | None
    after: NodeState | None


@dataclass(frozen=True)
class RoomChange:
    """A node whose room differs between the two times."""

    node_id: str
    category: str
    from_room: str | None
    to_room: str | None


@dataclass
class GraphDiff:
    """What changed in the believed world between ``t0`` and ``t1``."""

    t0: float
    t1: float
    appeared: list[str] = field(default_factory=list)
    """Ids present at ``t1`` but not at ``t0`` (first seen in between, or re-found)."""
    vanished: list[str] = field(default_factory=list)
    """Ids present at ``t0`` but not at ``t1`` (marked vanished in between)."""
    moved: list[NodeMove] = field(default_factory=list)
    state_changed: list[StateChange] = field(default_factory=list)
    room_changed: list[RoomChange] = field(default_factory=list)
    interactions: list[InteractionEdge] = field(default_factory=list)
    """Agent interactions with ``min(t0, t1) < time <= max(t0, t1)``, in time order."""

    @property
    def is_empty(self) -> bool:
        return not (
            self.interactions
            or self.appeared
            or self.vanished
            or self.moved
            or self.state_changed
            or self.room_changed
        )

    def summary(self) -> str:
        """One line per change, for logs and LLM prompts."""
        lines = [f"changes between t={self.t0:.1f}s and t={self.t1:.1f}s:"]
        lines += [f"  appeared: {i}" for i in self.appeared]
        lines += [f"  vanished: {i}" for i in self.vanished]
        for m in self.moved:
            where = (
                (
                    f" from {m.from_relation.value if m.from_relation else 'nowhere'} "
                    f"{m.from_parent or ''} to {m.to_relation.value if m.to_relation else 'nowhere'}"
                    f" {m.to_parent or ''}"
                )
                if m.parent_changed
                else ""
            )
            lines.append(f"  moved: {m.node_id} ({m.category}) {m.distance:.2f} m{where}")
        for s in self.state_changed:
            before = s.before.value if s.before else "none"
            after = s.after.value if s.after else "none"
            lines.append(f"  state: {s.node_id} ({s.category}) {before} -> {after}")
        lines += [
            f"  {e.kind.value}: {e.target} at t={e.time:.1f}s"
            + (f" ({e.receptacle_id})" if e.receptacle_id else "")
            for e in self.interactions
        ]
        lines += [
            f"  room: {r.node_id} ({r.category}) {r.from_room} -> {r.to_room}"
            for r in self.room_changed
        ]
        return "\n".join(lines)


def entry_if_present(node: Node, t: float) -> TimelineEntry | None:
    """The node's entry at ``t`` if the node exists in the world instance at ``t``."""
    if node.first_seen > t:
        return None
    entry = node.timeline.at(t)
    if entry is None or entry.kind is EventKind.VANISHED:
        return None
    return entry


def world_at(graph: SceneGraph, time: float) -> SceneGraph:
    """Materialise ``graph`` as believed at ``time`` (a new, independent graph).

    ``last_seen`` becomes the time of the latest timeline entry at or before ``time`` and
    ``num_observations`` is capped by the number of those entries (a lower bound when
    ``observe`` skipped unchanged frames). Interactions up to ``time`` are kept (even for nodes
    absent at ``time``); NEAR edges are kept when both ends are present.
    """
    from scene_graph.graph import SceneGraph

    t = check_time(time)
    out = SceneGraph(metadata=graph.metadata)
    for node in graph.nodes(include_vanished=True):
        copy = _instance(node, t)
        if copy is not None:
            out._insert_raw(copy)
    out._finish_bulk()
    for edge in graph.edges("near"):
        if edge.source in out and edge.target in out:
            out.add_edge(edge)
    # events are history: kept even if the node is gone; edges are frozen, so share them
    out._interactions = graph.interactions(t1=t)
    out._interaction_times = [e.time for e in out._interactions]
    return out


def node_at(graph: SceneGraph, node_id: str, time: float) -> Node | None:
    """The node ``node_id`` as :func:`world_at` materialises it at ``time`` (None if absent
    then or unknown), without materialising every other node: callers asking about one or
    two nodes at many times (the failure cards' keyframes) paid for the whole graph each time."""
    if node_id not in graph:
        return None
    return _instance(graph.get(node_id), check_time(time))


def _instance(node: Node, t: float) -> Node | None:
    """A copy of ``node`` as believed at ``t`` (see :func:`world_at`), or None if absent."""
    entry = entry_if_present(node, t)
    if entry is None:
        return None
    copy = node.translated_copy(entry.centroid - node.centroid)
    copy.centroid = entry.centroid.copy()  # exact, no round-off from the translation
    copy.state = entry.state
    copy.timeline = node.timeline.truncated(t)
    copy.last_seen = max(copy.first_seen, entry.time)
    copy.num_observations = min(node.num_observations, len(copy.timeline))
    return copy


def diff_times(
    graph: SceneGraph, t0: float, t1: float, *, move_threshold: float = 0.3
) -> GraphDiff:
    """Compare the world instances at ``t0`` and ``t1`` without materialising them.

    A node "moved" when its position changed by more than ``move_threshold`` metres or its
    parent/relation changed. Results are in node insertion order.
    """
    a, b = check_time(t0, "t0"), check_time(t1, "t1")
    if not move_threshold >= 0.0:
        raise ValueError(f"move_threshold must be >= 0 metres; got {move_threshold}")
    diff = GraphDiff(a, b)
    lo, hi = min(a, b), max(a, b)
    diff.interactions = [e for e in graph.interactions(t0=lo, t1=hi) if e.time > lo]
    for node in graph.nodes(include_vanished=True):
        e0, e1 = entry_if_present(node, a), entry_if_present(node, b)
        if e0 is None and e1 is None:
            continue
        if e0 is None:
            diff.appeared.append(node.id)
            continue
        if e1 is None:
            diff.vanished.append(node.id)
            continue
        dist = float(np.linalg.norm(e1.centroid - e0.centroid))
        if dist > move_threshold or (e0.parent_id, e0.relation) != (e1.parent_id, e1.relation):
            diff.moved.append(
                NodeMove(
                    node.id,
                    node.category,
                    node.layer,
                    e0.centroid.copy(),
                    e1.centroid.copy(),
                    dist,
                    e0.parent_id,
                    e0.relation,
                    e1.parent_id,
                    e1.relation,
                )
            )
        if e0.state is not e1.state:
            diff.state_changed.append(StateChange(node.id, node.category, e0.state, e1.state))
        r0, r1 = _effective_room(graph, e0, a), _effective_room(graph, e1, b)
        if r0 != r1:
            diff.room_changed.append(RoomChange(node.id, node.category, r0, r1))
    return diff


def _effective_room(graph: SceneGraph, entry: TimelineEntry, t: float) -> str | None:
    """The entry's room, else the room of what it rests on at ``t`` (up the support chain)."""
    seen: set[str] = set()
    while entry.room_id is None and entry.parent_id is not None and entry.parent_id in graph:
        if entry.parent_id in seen:
            break
        seen.add(entry.parent_id)
        parent_entry = graph[entry.parent_id].timeline.at(t)
        if parent_entry is None:
            break
        entry = parent_entry
    return entry.room_id

"""Writing the long-term record: the mapper's tracks folded in, and the agent's own actions.

Per :class:`~embodied_mem.perception.mapper.MapperUpdate`: merges become aliases, dropped
tracks are forgotten (unless the agent handled them), created/updated tracks are upserted as
nodes (layer by category, room by footprint, on/inside by geometry, a timeline entry only
when something changed), and tracks the mapper expected but did not see lose confidence.

One direction: the mapper's :class:`~embodied_mem.perception.mapper.MapperUpdate` (and its
tracks, read only) flows into the graph here; nothing here writes a mapper track.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from embodied_mem.memory.long_term.config import Point3
from embodied_mem.memory.long_term.record import LongTermRecord, pick_source
from embodied_mem.memory.short_term import STMEntry
from embodied_mem.perception.mapper import MappedObject, MapperUpdate, seeded_subsample
from scene_graph import KEEP, EventKind, Layer, Node, NodeState, Relation, infer_relation

logger = logging.getLogger(__name__)

TOP_BAND = 0.05
"""Metres below a container's top within which a place point counts as "on its top"."""


class LongTermMemory(LongTermRecord):
    """The long-term scene-graph memory: :class:`LongTermRecord` plus the ways it changes.

    Args:
        rooms: the env's room annotations (see :mod:`embodied_mem.memory.long_term`).
        config: settings; defaults if None.
        graph: an existing graph (reopened memory); a new one if None.
    """

    # ------------------------------------------------------------------ writing (perception)
    def apply_mapper_update(
        self, update: MapperUpdate, objects: dict[str, MappedObject], time: float
    ) -> list[str]:
        """Fold one :class:`MapperUpdate` into the graph; returns ids whose relation changed.

        Merges become aliases (absorbed -> kept) and remove the absorbed node; removed tracks
        are forgotten unless the agent interacted with them; missing tracks lose confidence
        and vanish below ``vanish_confidence``. See :func:`fold_mapper_update`.
        """
        return fold_mapper_update(self, update, objects, time)

    # ------------------------------------------------------------------ writing (interactions)
    def apply_pick(self, object_id: str, time: float, point: Point3 | None = None) -> str | None:
        """The agent picked ``object_id``: held from ``time``; returns the receptacle it came from.

        A pick at a ``point`` inside a container memory has open came from inside it, whatever
        memory had the thing resting on (seed 3131 full-0005, memory-noisy: the kettle in the
        opened fridge was remembered on a "desk" made of mislabelled views, and "the receptacle
        you picked the kettle up from" found nothing); else the remembered support."""
        before = self.graph.entry_at(object_id, time)
        source = None if point is None else pick_source(self, point, exclude=[object_id])
        if source is None and before is not None:
            source = before.parent_id
        if source is None:
            rel = self.relation_of(self.graph.get(object_id))
            source = rel[0] if rel else None
        centroid = None if point is None else np.asarray(point, dtype=float)
        self.graph.pick(object_id, time, centroid=centroid)
        self.held = object_id
        self.interacted.add(object_id)
        self._touch(object_id)
        return source

    def resting_point(self, receptacle_id: str | None, point: Point3) -> np.ndarray:
        """Where a thing put at ``point`` onto/into ``receptacle_id`` rests, as far as memory
        can tell.

        Into a container the agent opened, a point on the container's top says only "inside":
        a place no frame showed falls back to the top of the container as the frame showed it,
        which for a fridge is 1.5 m up while the watch lies on a shelf inside, too far for the
        thing to be found there later. The middle of the container is the better guess.
        """
        p = np.asarray(point, dtype=float)
        if receptacle_id is None or not self.is_container(receptacle_id):
            return p
        st = self.state(receptacle_id)
        if st is None or st.state != NodeState.OPEN.value:
            return p  # never opened: the thing went on top of it
        lo, hi = np.asarray(st.bbox_min, dtype=float), np.asarray(st.bbox_max, dtype=float)
        if p[2] < hi[2] - TOP_BAND:
            return p  # a point inside: where the thing was seen
        return (lo + hi) / 2

    def apply_place(
        self, object_id: str, receptacle_id: str | None, time: float, centroid: Point3
    ) -> Relation | None:
        """The agent placed ``object_id`` at ``centroid`` onto/into ``receptacle_id`` at ``time``."""
        c = np.asarray(centroid, dtype=float)
        room = self.room_at(float(c[0]), float(c[1]))
        if receptacle_id is None:
            self.graph.record(
                object_id,
                time,
                kind=EventKind.PLACED,
                centroid=c,
                parent_id=None,
                state=None,
                room_id=room,
            )
            rel = None
        else:
            rel = self._placed_relation(object_id, receptacle_id, c)
            self.graph.place(
                object_id,
                receptacle_id,
                time,
                relation=rel,
                centroid=c,
                room_id=room if room is not None else KEEP,
            )
        if self.held == object_id:
            self.held = None
        self.interacted.add(object_id)
        self._touch(object_id)
        return rel

    def _placed_relation(
        self, object_id: str, receptacle_id: str, centroid: np.ndarray
    ) -> Relation:
        """On or inside, from geometry at the new place; containers default to inside."""
        node = self.graph.get(object_id)
        moved = node.translated_copy(centroid - node.centroid)
        res = infer_relation(moved, [self.graph.get(receptacle_id)], self._rel_cfg)
        if res is not None:
            return res.relation
        return Relation.INSIDE if self.is_container(receptacle_id) else Relation.ON

    def apply_open(self, receptacle_id: str, time: float, *, opened: bool) -> None:
        (self.graph.open_node if opened else self.graph.close_node)(receptacle_id, time)
        self.interacted.add(receptacle_id)
        self._touch(receptacle_id)

    def apply_short_term(self, entry: STMEntry) -> bool:
        """Consolidate a short-term entry: record its position/state in the node timeline if new."""
        mid = self.resolve(entry.object_id)
        if mid not in self.graph:
            return False
        prev = self.graph.entry_at(mid, entry.time)
        pos = np.asarray(entry.position, dtype=float)
        state = None if entry.state in (None, "") else NodeState(entry.state)
        if (
            prev is not None
            and prev.state == state
            and float(np.linalg.norm(prev.centroid - pos)) <= self.config.move_threshold
        ):
            return True  # already reflected (interactions are applied to timelines directly)
        kind = EventKind.MOVED if entry.kind == "moved" else EventKind.OBSERVED
        held_now = state is NodeState.HELD
        if held_now:
            self.graph.record(mid, entry.time, kind=kind, centroid=pos, state=state, parent_id=None)
        else:
            self.graph.record(mid, entry.time, kind=kind, centroid=pos, state=state)
        self._touch(mid)
        return True


def fold_mapper_update(
    lt: LongTermRecord, update: MapperUpdate, objects: dict[str, MappedObject], time: float
) -> list[str]:
    """See :meth:`LongTermMemory.apply_mapper_update` (the mapper → graph direction)."""
    for absorbed, kept in update.merged:
        lt.aliases[absorbed] = kept
        if absorbed in lt.interacted:
            lt.interacted.add(kept)  # its events now point at ``kept`` (episodic remap)
        in_hand = lt.held == absorbed
        lt.forget(absorbed)
        if in_hand:
            # What the agent holds is the thing that absorbed its duplicate: dropping the hold
            # pinned the place on whatever lay nearest it (a cell phone picked as one track and
            # merged into another was "placed" as a third).
            lt.held = kept
    for rid in update.removed:
        if rid in lt.interacted:
            # The agent handled it: it exists whatever the mapper's confirmation rule says.
            logger.debug("mapper dropped %s but the agent interacted with it; kept", rid)
            continue
        lt.forget(rid)
    changed: list[str] = []
    # Receptacles first so objects created in the same frame can rest on them.
    todo = [i for i in (*update.created, *update.updated) if i in objects]
    todo.sort(key=lambda i: lt.layer_for(objects[i].category) is not Layer.RECEPTACLE)
    for mid in todo:
        if upsert(lt, objects[mid], time):
            changed.append(mid)
    for mid in update.missing:
        missing(lt, mid, time)
    return changed


def cap_points(lt: LongTermRecord, pts: np.ndarray) -> np.ndarray:
    """At most ``max_points`` points, subsampled with a size-seeded rng (deterministic)."""
    n = lt.config.max_points
    if len(pts) > n:
        pts = pts[seeded_subsample(len(pts), n)]  # the same draw, cached by size
    return np.asarray(pts, dtype=np.float32)


def upsert(lt: LongTermRecord, obj: MappedObject, time: float) -> bool:
    """Create or update the node of one track; True if its support relation changed."""
    g = lt.graph
    c = np.asarray(obj.centroid, dtype=float)
    room = lt.room_at(float(c[0]), float(c[1]))
    fields: dict[str, Any] = dict(
        bbox_min=np.asarray(obj.bbox_min, dtype=float),
        bbox_max=np.asarray(obj.bbox_max, dtype=float),
        points=cap_points(lt, obj.points),
        embedding=obj.embedding,
        attributes=dict(obj.attributes),
    )
    if obj.id not in g or obj.id in lt.removed:
        lt.removed.discard(obj.id)
        node = Node(
            id=obj.id,
            layer=lt.layer_for(obj.category),
            category=obj.category,
            centroid=c,
            confidence=1.0,
            first_seen=min(obj.first_seen, time),
            last_seen=time,
            num_observations=obj.n_observations,
            **fields,
        )
        g.add_node(node, room_id=room)
    else:
        node = g.get(obj.id)
        if node.category != obj.category:
            layer = lt.layer_for(obj.category)
            if layer is not node.layer and g.children_of(obj.id):
                layer = node.layer  # keep children attached; relabelling furniture is rare
            g.update_node(obj.id, category=obj.category, layer=layer)
        if node.state is NodeState.HELD:
            # The held object travels with the agent: keep geometry, not the timeline.
            g.update_node(obj.id, **fields)
            lt.touch(obj.id)
            return False
        g.observe(
            obj.id,
            time,
            centroid=c,
            move_threshold=lt.config.move_threshold,
            room_id=room,
            confidence=1.0,
            **fields,
        )
        node.num_observations = max(node.num_observations, obj.n_observations)
    lt.touch(obj.id)
    if lt.embed_fn is not None and not lt.has_label_embedding(obj.id):
        lt.set_label_embedding(obj.id, lt.embed_fn(lt.label_text(obj.id)))
    return update_relation(lt, node, time)


def update_relation(lt: LongTermRecord, node: Node, time: float) -> bool:
    """Re-infer what an object rests on/in; write a timeline entry if it changed."""
    if node.layer is not Layer.OBJECT or node.state is NodeState.HELD:
        return False
    rel = lt.relation_of(node)
    if rel == lt.graph.parent_of(node.id):
        return False
    if rel is None:
        lt.graph.clear_parent(node.id, time=time)
    else:
        lt.graph.set_parent(node.id, rel[0], rel[1], time=time)
    return True


def missing(lt: LongTermRecord, memory_id: str, time: float) -> None:
    """Negative evidence: decay confidence; below the threshold the node vanishes."""
    g = lt.graph
    if memory_id not in g or memory_id == lt.held:
        return
    if shut_away(lt, memory_id):
        return
    node = g.get(memory_id)
    conf = node.confidence * lt.config.missing_decay
    g.update_node(memory_id, confidence=conf)
    if conf < lt.config.vanish_confidence and not g.is_vanished(memory_id):
        g.mark_vanished(memory_id, time)
        logger.debug("%s not seen where expected; marked vanished at t=%.1f", memory_id, time)
    lt.touch(memory_id)


def shut_away(lt: LongTermRecord, memory_id: str) -> bool:
    """Whether memory believes ``memory_id`` is inside a container it saw closed.

    Nothing inside a shut cabinet can be seen, so a view of where it should be says nothing
    about it. Depth normally shows the door in front (occluded, no evidence), but a small pose
    error or noisy depth near the door's edge made the spot look empty through the door, and
    the vase the agent put away vanished from memory.
    """
    parent = lt.graph.parent_of(memory_id)
    if parent is None or parent[1] is not Relation.INSIDE or not lt.is_container(parent[0]):
        return False
    return parent[0] in lt.graph and lt.graph.get(parent[0]).state is NodeState.CLOSED

"""Folding the object mapper's output into the long-term scene graph (one frame at a time).

Per :class:`~embodied_mem.perception.mapper.MapperUpdate`: merges become aliases, dropped
tracks are forgotten (unless the agent handled them), created/updated tracks are upserted as
nodes (layer by category, room by footprint, on/inside by geometry, a timeline entry only
when something changed), and tracks the mapper expected but did not see lose confidence.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from embodied_mem.perception.mapper import MappedObject, MapperUpdate, seeded_subsample
from scene_graph import Layer, Node, NodeState

if TYPE_CHECKING:
    from embodied_mem.memory.long_term import LongTermMemory

logger = logging.getLogger(__name__)


def apply_mapper_update(
    lt: LongTermMemory, update: MapperUpdate, objects: dict[str, MappedObject], time: float
) -> list[str]:
    """See :meth:`LongTermMemory.apply_mapper_update`."""
    for absorbed, kept in update.merged:
        lt.aliases[absorbed] = kept
        if absorbed in lt.interacted:
            lt.interacted.add(kept)  # its events now point at ``kept`` (episodic remap)
        lt.forget(absorbed)
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


def cap_points(lt: LongTermMemory, pts: np.ndarray) -> np.ndarray:
    """At most ``max_points`` points, subsampled with a size-seeded rng (deterministic)."""
    n = lt.config.max_points
    if len(pts) > n:
        pts = pts[seeded_subsample(len(pts), n)]  # the same draw, cached by size
    return np.asarray(pts, dtype=np.float32)


def upsert(lt: LongTermMemory, obj: MappedObject, time: float) -> bool:
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


def update_relation(lt: LongTermMemory, node: Node, time: float) -> bool:
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


def missing(lt: LongTermMemory, memory_id: str, time: float) -> None:
    """Negative evidence: decay confidence; below the threshold the node vanishes."""
    g = lt.graph
    if memory_id not in g or memory_id == lt.held:
        return
    node = g.get(memory_id)
    conf = node.confidence * lt.config.missing_decay
    g.update_node(memory_id, confidence=conf)
    if conf < lt.config.vanish_confidence and not g.is_vanished(memory_id):
        g.mark_vanished(memory_id, time)
        logger.debug("%s not seen where expected; marked vanished at t=%.1f", memory_id, time)
    lt.touch(memory_id)

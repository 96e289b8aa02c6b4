"""Long-term memory: the persistent 3D scene graph (KARMA's long-term memory, Mind Palace's
memory over time) built from the object mapper's tracks and the agent's own interactions.

- **Layers by category.** The mapper treats furniture and objects alike; here a node goes to
  the RECEPTACLE layer when its category is in ``LongTermConfig.receptacle_categories``
  (CounterTop, DiningTable, Shelf, Fridge, ...) and to the OBJECT layer otherwise.
- **Rooms are annotations**, not perception: the env's room records
  (:class:`envs.ground_truth.RoomRecord` — Habitat regions, AI2-THOR rooms, the built-in
  footprints) are given at construction, become ROOM nodes, and nodes are assigned to the room
  whose floor footprint contains their centroid.
- **Relations** (on/inside) come from geometry (:func:`scene_graph.infer_relation`) whenever an
  object's observation changes; a change of support is written into the node's timeline.
- **The agent's own interactions** are applied to timelines: picked → state held (parent
  cleared); placed → relocated onto/into the receptacle at time t; opened/closed → state.

Every change to a node marks it dirty so :class:`~embodied_mem.memory.memory.AgentMemory` can
persist only what changed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from embodied_mem.memory import long_term_lookup as ltl
from embodied_mem.memory import long_term_update as ltu
from embodied_mem.memory.results import ObjectState
from embodied_mem.memory.short_term import STMEntry

if TYPE_CHECKING:
    from embodied_mem.perception.mapper import MappedObject, MapperUpdate
from envs.ground_truth import RoomRecord
from scene_graph import (
    KEEP,
    EventKind,
    Layer,
    Node,
    NodeState,
    Relation,
    RelationConfig,
    SceneGraph,
    infer_relation,
)

logger = logging.getLogger(__name__)

Point3 = Sequence[float] | np.ndarray
"""A world point (x, y, z) in metres, as a sequence or a (3,) array."""

RECEPTACLE_CATEGORIES: tuple[str, ...] = (
    "CounterTop",
    "DiningTable",
    "CoffeeTable",
    "SideTable",
    "Shelf",
    "ShelvingUnit",
    "Desk",
    "Bed",
    "Sofa",
    "ArmChair",
    "Chair",
    "Dresser",
    "Sink",
    "SinkBasin",
    "Cabinet",
    "Drawer",
    "Fridge",
    "Microwave",
    "Stove",
    "StoveBurner",
    "Toilet",
    "Bathtub",
    "BathtubBasin",
    "TVStand",
    "Ottoman",
    "GarbageCan",
    "LaundryHamper",
    "Safe",
    "Box",
    "Table",
    "Nightstand",
    "Bookshelf",
)
CONTAINER_CATEGORIES: tuple[str, ...] = (
    "Cabinet",
    "Drawer",
    "Fridge",
    "Microwave",
    "Safe",
    "Box",
    "Dresser",
)


@dataclass
class LongTermConfig:
    """Long-term scene graph settings."""

    receptacle_categories: list[str] = field(default_factory=lambda: list(RECEPTACLE_CATEGORIES))
    """Categories layered as receptacles/furniture; everything else is an object."""
    container_categories: list[str] = field(default_factory=lambda: list(CONTAINER_CATEGORIES))
    """Receptacles things are put *inside* (opened/closed)."""
    max_points: int = 128
    """Points kept per node (seeded subsample of the mapper's cloud): memory stays small on disk."""
    move_threshold: float = 0.3
    """A node's timeline gets a "moved" entry when its centroid shifts more than this (m)."""
    missing_decay: float = 0.9
    """Confidence multiplier each time the mapper reports a node missing from an expected view."""
    vanish_confidence: float = 0.05
    """Below this confidence the node is marked vanished (absent from queries until seen again)."""
    interaction_radius: float = 1.0
    """An interaction point resolves to the nearest memory node within this distance (m)."""
    on_z_tolerance: float = 0.08
    """Relation test: |object bottom - receptacle top| allowed for "on" (m)."""

    def __post_init__(self) -> None:
        if self.max_points < 1:
            raise ValueError(f"LongTermConfig.max_points must be >= 1, got {self.max_points}")
        if self.move_threshold < 0 or self.interaction_radius <= 0 or self.on_z_tolerance < 0:
            raise ValueError(
                "LongTermConfig: move_threshold/on_z_tolerance must be >= 0 and "
                f"interaction_radius > 0, got {self.move_threshold}, "
                f"{self.on_z_tolerance}, {self.interaction_radius}"
            )
        if not 0 < self.missing_decay <= 1 or not 0 <= self.vanish_confidence < 1:
            raise ValueError(
                "LongTermConfig: missing_decay must be in (0, 1] and vanish_confidence in [0, 1)"
            )


class LongTermMemory:
    """The scene graph plus the bookkeeping memory needs (aliases, dirty set, label embeddings).

    Args:
        rooms: the env's room annotations (see module docstring).
        config: settings; defaults if None.
        graph: an existing graph (reopened memory); a new one if None.
    """

    def __init__(
        self,
        rooms: Iterable[RoomRecord] = (),
        config: LongTermConfig | None = None,
        graph: SceneGraph | None = None,
    ) -> None:
        self.config = config or LongTermConfig()
        self.graph = graph if graph is not None else SceneGraph()
        self.rooms: dict[str, RoomRecord] = {}
        self._room_areas: dict[str, tuple[object, float]] = {}
        self.aliases: dict[str, str] = {}
        self.dirty: set[str] = set()
        self.removed: set[str] = set()
        self.held: str | None = None
        self.interacted: set[str] = set()
        """Nodes the agent picked/placed/opened/closed (never forgotten on a mapper drop)."""
        self.version = 0
        """Bumped on every node change, so readers can cache derived results."""
        self._receptacle_cats = {c.casefold() for c in self.config.receptacle_categories}
        self._container_cats = {c.casefold() for c in self.config.container_categories}
        self._rel_cfg = RelationConfig(on_z_tolerance=self.config.on_z_tolerance)
        self._label_emb: dict[str, np.ndarray] = {}
        self._emb_cache: dict[str | None, tuple[list[str], np.ndarray | None]] = {}
        self.embed_fn: Callable[[str], np.ndarray] | None = None
        """Text embedder for label embeddings (set by AgentMemory); None = lexical text search."""
        for room in rooms:
            self.add_room(room)

    # ------------------------------------------------------------------ structure
    def add_room(self, room: RoomRecord) -> None:
        """Add one room annotation as a ROOM node (idempotent for the same id)."""
        if not isinstance(room, RoomRecord):
            raise TypeError(
                f"rooms must be envs.ground_truth.RoomRecord, got {type(room).__name__}"
            )
        if len(room.footprint) < 3:
            raise ValueError(f"room {room.id!r}: footprint needs at least 3 (x, y) vertices")
        self.rooms[room.id] = room
        if room.id in self.graph:
            return
        xy = np.asarray(room.footprint, dtype=float).mean(axis=0)
        node = Node(
            id=room.id,
            layer=Layer.ROOM,
            category=room.room_type,
            centroid=np.array([xy[0], xy[1], 0.0]),
            attributes={
                "name": room.name,
                "footprint": [list(map(float, p)) for p in room.footprint],
            },
            first_seen=0.0,
        )
        self.graph.add_node(node)
        self.dirty.add(room.id)

    def layer_for(self, category: str) -> Layer:
        return Layer.RECEPTACLE if category.casefold() in self._receptacle_cats else Layer.OBJECT

    def is_container(self, memory_id: str) -> bool:
        return self.graph.get(memory_id).category.casefold() in self._container_cats

    def room_at(self, x: float, y: float) -> str | None:
        """Smallest annotated room whose footprint contains (x, y)."""
        best: tuple[float, str] | None = None
        for rid, room in self.rooms.items():
            if room.contains_xy(x, y):
                area = self._room_area(room)
                if best is None or area < best[0]:
                    best = (area, rid)
        return None if best is None else best[1]

    def _room_area(self, room: RoomRecord) -> float:
        """Shoelace area of a footprint, cached per footprint (``room_at`` runs per upsert)."""
        cached = self._room_areas.get(room.id)
        if cached is None or cached[0] is not room.footprint:
            pts = np.asarray(room.footprint, dtype=float)
            area = 0.5 * abs(
                float(
                    np.dot(pts[:, 0], np.roll(pts[:, 1], -1))
                    - np.dot(pts[:, 1], np.roll(pts[:, 0], -1))
                )
            )
            cached = self._room_areas[room.id] = (room.footprint, area)
        return cached[1]

    def room_anchor(self, room_id: str) -> tuple[float, float]:
        """A floor point inside the room: the footprint centroid if inside, else the nearest vertex mean."""
        room = self.rooms[room_id]
        pts = np.asarray(room.footprint, dtype=float)
        c = pts.mean(axis=0)
        if room.contains_xy(float(c[0]), float(c[1])):
            return float(c[0]), float(c[1])
        # Concave footprint: nudge from a vertex towards the centroid until inside.
        for frac in (0.1, 0.2, 0.3):
            for p in pts:
                q = p + frac * (c - p)
                if room.contains_xy(float(q[0]), float(q[1])):
                    return float(q[0]), float(q[1])
        return float(c[0]), float(c[1])

    # ------------------------------------------------------------------ id aliases
    def resolve(self, memory_id: str) -> str:
        """Follow merge aliases (absorbed id -> kept id)."""
        seen = 0
        while memory_id in self.aliases and seen < 64:
            memory_id = self.aliases[memory_id]
            seen += 1
        return memory_id

    def _touch(self, node_id: str) -> None:
        self.version += 1
        self.dirty.add(node_id)
        self._emb_cache.clear()

    # ------------------------------------------------------------------ reading
    def ids(
        self,
        *,
        layer: str | Layer | None = None,
        category: str | None = None,
        room: str | None = None,
    ) -> list[str]:
        """Ids of non-vanished object/receptacle nodes (rooms excluded) matching the filters."""
        if layer is None:
            return [
                n.id
                for lyr in (Layer.RECEPTACLE, Layer.OBJECT)
                for n in self.graph.nodes(lyr, category, room)
            ]
        return [n.id for n in self.graph.nodes(layer, category, room)]

    def category_of(self, memory_id: str) -> str | None:
        """Category of a node (aliases followed), or None if it is not in the graph."""
        mid = self.resolve(memory_id)
        return self.graph.get(mid).category if mid in self.graph else None

    def state(self, memory_id: str, at_time: float | None = None) -> ObjectState | None:
        """The node as believed now (or at ``at_time``); None if unknown/vanished/not yet seen."""
        if memory_id not in self.graph:
            return None
        node = self.graph.get(memory_id)
        if at_time is None:
            entry = node.timeline.latest
        else:
            entry = node.timeline.at(at_time)
        if entry is None or entry.kind is EventKind.VANISHED:
            return None
        pos = entry.centroid
        delta = pos - node.centroid
        lo, hi = node.bbox_min + delta, node.bbox_max + delta  # type: ignore[operator]
        room = entry.room_id
        if room is None and entry.parent_id is not None:
            parent = self.graph._nodes.get(entry.parent_id)  # noqa: SLF001 - read-only fast path
            pe = (
                None
                if parent is None
                else parent.timeline.at(entry.time if at_time is None else at_time)
            )
            room = None if pe is None else pe.room_id
        return ObjectState(
            node.id,
            node.layer.value,
            node.category,
            (float(pos[0]), float(pos[1]), float(pos[2])),
            (float(lo[0]), float(lo[1]), float(lo[2])),
            (float(hi[0]), float(hi[1]), float(hi[2])),
            room,
            entry.parent_id,
            None if entry.relation is None else entry.relation.value,
            None if entry.state is None else entry.state.value,
            dict(node.attributes),
            node.confidence,
            node.first_seen,
            float(node.last_seen or node.first_seen),
            node.num_observations,
        )

    def embedding_matrix(self, layer: str | None) -> tuple[list[str], np.ndarray | None]:
        """(ids, (N, D) L2-normalised label-text embeddings) for text queries; cached per change."""
        if layer in self._emb_cache:
            return self._emb_cache[layer]
        ids = [i for i in self.ids(layer=layer) if i in self._label_emb]
        mat = np.stack([self._label_emb[i] for i in ids]) if ids else None
        self._emb_cache[layer] = (ids, mat)
        return ids, mat

    def has_label_embedding(self, memory_id: str) -> bool:
        return memory_id in self._label_emb

    def set_label_embedding(self, memory_id: str, vector: np.ndarray) -> None:
        v = np.asarray(vector, dtype=np.float32).ravel()
        self._label_emb[memory_id] = v / max(float(np.linalg.norm(v)), 1e-12)
        self._emb_cache.clear()

    def label_text(self, memory_id: str) -> str:
        """What a node's label embedding encodes: attribute values then the category words."""
        node = self.graph.get(memory_id)
        words = [
            str(v) for k, v in sorted(node.attributes.items()) if isinstance(v, str) and k != "name"
        ]
        return " ".join([*words, split_camel(node.category)])

    def nearest(
        self,
        point: Point3,
        layer: Layer | None = None,
        max_distance: float | None = None,
        exclude: Iterable[str] = (),
    ) -> str | None:
        """Id of the node whose box is nearest to ``point`` (3,), within ``max_distance``."""
        p = ltl.as_point(point)
        limit = self.config.interaction_radius if max_distance is None else max_distance
        skip = set(exclude)
        best: tuple[float, str] | None = None
        layers = [layer] if layer is not None else [Layer.OBJECT, Layer.RECEPTACLE]
        for lyr in layers:
            for n in self.graph.nodes(lyr):
                if n.id in skip:
                    continue
                d = ltl.box_gap(n, p)
                if d <= limit and (best is None or (d, n.id) < best):
                    best = (d, n.id)
        return None if best is None else best[1]

    def receptacle_at(self, point: Point3, exclude: Iterable[str] = ()) -> str | None:
        """The receptacle something was put on/into at ``point`` (:func:`long_term_lookup.place_target`)."""
        return ltl.place_target(self, point, exclude)

    def container_at(self, point: Point3) -> str | None:
        """The receptacle opened/closed at ``point`` (:func:`long_term_lookup.container_target`)."""
        return ltl.container_target(self, point)

    def relation_of(self, node: Node) -> tuple[str, Relation] | None:
        res = infer_relation(node, self.graph.nodes(Layer.RECEPTACLE), self._rel_cfg)
        return None if res is None else (res.receptacle_id, res.relation)

    # ------------------------------------------------------------------ writing (perception)
    def apply_mapper_update(
        self, update: MapperUpdate, objects: dict[str, MappedObject], time: float
    ) -> list[str]:
        """Fold one :class:`MapperUpdate` into the graph; returns ids whose relation changed.

        Merges become aliases (absorbed -> kept) and remove the absorbed node; removed tracks
        are forgotten unless the agent interacted with them; missing tracks lose confidence
        and vanish below ``vanish_confidence``. See :mod:`embodied_mem.memory.long_term_update`.
        """
        return ltu.apply_mapper_update(self, update, objects, time)

    def forget(self, memory_id: str) -> None:
        """Drop a node (the mapper merged or dropped it); persisted as a removal."""
        if memory_id in self.graph:
            self.graph.remove_node(memory_id)
        self._label_emb.pop(memory_id, None)
        self.dirty.discard(memory_id)
        self.removed.add(memory_id)
        self._emb_cache.clear()
        self.version += 1
        if self.held == memory_id:
            self.held = None

    def touch(self, node_id: str) -> None:
        """Mark a node changed (persist it in the next batch; invalidate cached reads)."""
        self._touch(node_id)

    # ------------------------------------------------------------------ writing (interactions)
    def apply_pick(self, object_id: str, time: float, point: Point3 | None = None) -> str | None:
        """The agent picked ``object_id``: held from ``time``; returns the receptacle it came from."""
        before = self.graph.entry_at(object_id, time)
        source = before.parent_id if before is not None else None
        if source is None:
            rel = self.relation_of(self.graph.get(object_id))
            source = rel[0] if rel else None
        centroid = None if point is None else np.asarray(point, dtype=float)
        self.graph.pick(object_id, time, centroid=centroid)
        self.held = object_id
        self.interacted.add(object_id)
        self._touch(object_id)
        return source

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


def split_camel(text: str) -> str:
    """``"DiningTable"`` -> ``"dining table"`` (lower case, words split at case changes)."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()

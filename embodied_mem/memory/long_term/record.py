"""The long-term record: the scene graph, its rooms and id aliases, and the reads over it.

:class:`LongTermRecord` holds the state and answers questions about it (node states now or at
a past time, rooms, nearest nodes, text-embedding matrices). The last functions resolve the
point where the agent acted to the receptacle it acted on. The agent knows where its hand
was, not which memory node that is; perception noise makes boxes overlap (a microwave
standing on a counter), so the rules use what the agent did:

- **place**: an *open* container the point touches, or lies within half the interaction
  radius of, wins (the agent opened it to put something in); otherwise the nearest support
  surface *below* the point whose footprint holds it; otherwise the nearest receptacle.
- **open/close**: among receptacles the point touches, containers (openable categories) win,
  then one whose remembered state the action changes (a close shuts the container the agent
  opened, not a closed neighbour), then one seen more than once (a mislabelled glimpse of
  the open door is a one-off track that must not take the action), then the smallest;
  otherwise the nearest container, then the nearest receptacle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np

from embodied_mem.memory.long_term.config import LongTermConfig, Point3, split_camel
from embodied_mem.memory.results import ObjectState
from envs.ground_truth import RoomRecord
from scene_graph import (
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


class LongTermRecord:
    """The scene graph plus the bookkeeping memory needs (aliases, dirty set, label embeddings):
    the record of every object, and how to read it. :class:`LongTermMemory` adds the writers.

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

    @property
    def receptacle_kinds(self) -> frozenset[str]:
        """The receptacle categories, casefolded (what a thing in hand can never be)."""
        return frozenset(self._receptacle_cats)

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
        category: str | None = None,
    ) -> str | None:
        """Id of the node whose box is nearest to ``point`` (3,), within ``max_distance``
        (and of ``category`` if given)."""
        p = as_point(point)
        limit = self.config.interaction_radius if max_distance is None else max_distance
        skip = set(exclude)
        best: tuple[float, float, str] | None = None
        layers = [layer] if layer is not None else [Layer.OBJECT, Layer.RECEPTACLE]
        for lyr in layers:
            for n in self.graph.nodes(lyr, category):
                if n.id in skip:
                    continue
                d = box_gap(n, p)
                if d > limit:
                    continue
                # Noisy clouds give overlapping boxes: of two that both hold the point, the
                # one whose centre is nearer is the better guess (not the older id).
                key = (d, float(np.linalg.norm(n.centroid - p)), n.id)
                if best is None or key < best:
                    best = key
        return None if best is None else best[2]

    def receptacle_at(self, point: Point3, exclude: Iterable[str] = ()) -> str | None:
        """The receptacle something was put on/into at ``point`` (:func:`place_target`)."""
        return place_target(self, point, exclude)

    def container_at(self, point: Point3, *, opening: bool | None = None) -> str | None:
        """The receptacle opened (``opening`` True) or closed (False) at ``point``
        (:func:`container_target`)."""
        return container_target(self, point, opening=opening)

    def relation_of(self, node: Node) -> tuple[str, Relation] | None:
        res = infer_relation(node, self.graph.nodes(Layer.RECEPTACLE), self._rel_cfg)
        return None if res is None else (res.receptacle_id, res.relation)

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


def box_gap(n: Node, p: np.ndarray) -> float:
    """Distance in metres from point ``p`` (3,) to the node's box (0 inside it)."""
    return float(np.linalg.norm(np.maximum(0.0, np.maximum(n.bbox_min - p, p - n.bbox_max))))  # type: ignore[operator]


def _candidates(
    lt: LongTermRecord, p: np.ndarray, exclude: Iterable[str]
) -> list[tuple[Node, float]]:
    skip = set(exclude)
    out = []
    for n in lt.graph.nodes(Layer.RECEPTACLE):
        if n.id not in skip:
            g = box_gap(n, p)
            if g <= lt.config.interaction_radius:
                out.append((n, g))
    return out


def as_point(point: Point3) -> np.ndarray:
    """``point`` as a finite (3,) float array, or ValueError naming the bad value."""
    p = np.asarray(point, dtype=float)
    if p.shape != (3,) or not np.all(np.isfinite(p)):
        raise ValueError(f"point must be a finite (x, y, z), got {point!r}")
    return p


def open_container_near(cands: list[tuple[Node, float]], within: float) -> str | None:
    """Of ``cands`` ((receptacle, distance from the point to its box), see
    :func:`_candidates`), the open one nearest the point within ``within`` metres (the
    smaller on a tie), or None. Only containers are ever open."""
    near = [(g, n.volume, n.id) for n, g in cands if n.state is NodeState.OPEN and g <= within]
    return min(near)[2] if near else None


def pick_source(lt: LongTermRecord, point: Point3, exclude: Iterable[str] = ()) -> str | None:
    """The container memory has open whose box holds ``point`` (within ``on_z_tolerance``):
    a pick there reached into it, whatever memory had the thing resting on; else None."""
    return open_container_near(_candidates(lt, as_point(point), exclude), lt.config.on_z_tolerance)


def place_target(lt: LongTermRecord, point: Point3, exclude: Iterable[str] = ()) -> str | None:
    """The receptacle something was just put on/into at ``point`` (see module docstring)."""
    p = as_point(point)
    tol = lt.config.on_z_tolerance
    cands = _candidates(lt, p, exclude)
    if not cands:
        return None
    # An open container near the point: the agent opened it to put something in, and a place
    # no frame showed lands on whatever the camera faced (0.45 m off a drawer, over the sink
    # beside it: seed 6161 full-0004, memory-noisy).
    opened = open_container_near(cands, max(tol, lt.config.interaction_radius / 2))
    if opened is not None:
        return opened
    below = []
    for n, _ in cands:
        lo, hi = n.bbox_min, n.bbox_max
        over = bool(np.all(p[:2] >= lo[:2] - tol) and np.all(p[:2] <= hi[:2] + tol))  # type: ignore[index]
        if over and hi[2] <= p[2] + tol:  # type: ignore[index]
            below.append((p[2] - float(hi[2]), n.volume, n.id))  # type: ignore[index]
    if below:
        return min(below)[2]
    return min((g, n.volume, n.id) for n, g in cands)[2]


def container_target(
    lt: LongTermRecord, point: Point3, *, opening: bool | None = None
) -> str | None:
    """The receptacle opened (``opening`` True) or closed (False) at ``point`` (see module
    docstring); ``opening`` None ignores remembered states."""
    p = as_point(point)
    tol = lt.config.on_z_tolerance
    cands = _candidates(lt, p, ())
    if not cands:
        return None
    touching = [
        (
            not lt.is_container(n.id),
            opening is not None and (n.state is NodeState.OPEN) is opening,
            n.num_observations < 2,
            n.volume,
            n.id,
        )
        for n, g in cands
        if g <= tol
    ]
    if touching:
        return min(touching)[-1]
    containers = [(g, n.id) for n, g in cands if lt.is_container(n.id)]
    if containers:
        return min(containers)[1]
    return min((g, n.id) for n, g in cands)[1]

"""Turning an :class:`AgentMemory` into store batches and back.

Nodes are written when dirty, keyframes/events when pending; small state (rooms, current day,
held object, short-term buffer, counters) goes to ``meta`` with every batch. Mapper tracks are
rebuilt from the nodes on reopen so association continues across days.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embodied_mem.memory.codec import NodeRow, node_to_row
from embodied_mem.memory.episodic import EventKind
from embodied_mem.memory.short_term import STMEntry
from embodied_mem.memory.spatial import free_space_from_state
from embodied_mem.memory.store import Batch, MemoryStore, MemoryStoreError, Snapshot
from embodied_mem.perception.mapper import MappedObject
from envs.ground_truth import RoomRecord
from scene_graph import AGENT_ID, EdgeType, InteractionEdge, Layer

if TYPE_CHECKING:
    from embodied_mem.memory.memory import AgentMemory

logger = logging.getLogger(__name__)

_EDGE_OF = {
    EventKind.PICK: EdgeType.PICKED,
    EventKind.PLACE: EdgeType.PLACED,
    EventKind.OPEN: EdgeType.OPENED,
    EventKind.CLOSE: EdgeType.CLOSED,
}


def _meta(mem: AgentMemory) -> dict[str, Any]:
    stm = mem.short_term
    return {
        "rooms": [dataclasses.asdict(r) for r in mem.long_term.rooms.values()],
        "day": mem.day,
        "held": mem.long_term.held,
        "interacted": sorted(mem.long_term.interacted),
        "stm_entries": [dataclasses.asdict(e) for e in stm.entries.values()],
        "stm_stats": dataclasses.asdict(stm.stats),
        "counters": {
            "rejected_frames": mem.rejected_frames,
            "rejected_by_reason": dict(sorted(mem.rejected_by_reason.items())),
            "unresolved_interactions": mem.unresolved_interactions,
        },
        # Evaluation only (matching memory objects to env ids); never read by retrieval.
        "oracle_votes": {
            k: o.oracle_votes for k, o in mem.mapper.objects.items() if o.oracle_votes
        },
    }


def _node_rows(mem: AgentMemory, ids: list[str]) -> dict[str, NodeRow]:
    g = mem.long_term.graph
    return {i: node_to_row(g.get(i)) for i in ids if i in g}


def _day_spans(mem: AgentMemory) -> dict[int, tuple[float, float, int, int]]:
    log = mem.episodic
    return {d: s for d in log.days() if (s := log.day_span(d)) is not None}


def pending_batch(mem: AgentMemory) -> Batch:
    lt, log = mem.long_term, mem.episodic
    meta = _meta(mem)
    if mem.free_space.dirty:  # the map is rewritten whole, only when it changed
        meta["free_space"] = mem.free_space.state()
    return Batch(
        nodes=_node_rows(mem, sorted(lt.dirty)),
        removed=sorted(lt.removed),
        keyframes=list(log.pending_keyframes),
        events=list(log.pending_events),
        days=_day_spans(mem),
        aliases=dict(lt.aliases),
        meta=meta,
    )


def full_batch(mem: AgentMemory) -> Batch:
    lt, log = mem.long_term, mem.episodic
    meta = _meta(mem)
    # The resolved config travels with the memory so a reopen keeps the same thresholds.
    meta["config"] = dataclasses.asdict(mem.config)
    meta["free_space"] = mem.free_space.state()
    return Batch(
        nodes=_node_rows(mem, [n.id for n in lt.graph]),
        removed=[],
        keyframes=list(log.keyframes),
        events=list(log.events),
        days=_day_spans(mem),
        aliases=dict(lt.aliases),
        meta=meta,
    )


def open_memory(
    cls: type[AgentMemory], path: Path, *, config: Any, embedder: Any, read_only: bool
) -> AgentMemory:
    """:meth:`AgentMemory.open` (see there): a writer keeps the store (and its lock); a
    read-only memory is loaded into RAM and its read-only connection closed at once."""
    store = MemoryStore(path, read_only=read_only, create=False)
    try:
        snap = store.load()
        mem = cls((), config if config is not None else stored_config(snap), embedder=embedder)
        load_into(mem, snap)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        store.close()
        if isinstance(exc, MemoryStoreError):
            raise
        raise MemoryStoreError(
            f"{store.path}: its records do not fit together ({type(exc).__name__}: {exc}); "
            "the file is corrupt. Restore a backup or move it away and start a new memory."
        ) from exc
    except BaseException:
        store.close()
        raise
    mem.source = store.path
    if read_only:
        store.close()  # everything is in RAM; keep no connection to a file never written
        mem.read_only = True
    else:
        mem.store = store
    return mem


def read_only_error(mem: AgentMemory) -> MemoryStoreError:
    return MemoryStoreError(
        f"{mem.source} was opened read-only; nothing is written to it. Open it with "
        "AgentMemory.open(path) (one writer at a time) to change it, or save() a copy to a "
        "new path"
    )


def save_copy(mem: AgentMemory, path: str | Path) -> None:
    """:meth:`AgentMemory.save` to a file other than the attached one: a full copy, attached
    when the memory had no store (a read-only memory stays read-only)."""
    if mem.read_only and mem.source is not None and Path(path).resolve() == mem.source.resolve():
        raise read_only_error(mem)
    store = MemoryStore(path)
    if store.holds_memory():
        store.close()
        raise ValueError(
            f"{path} already holds a memory; choose a new path or AgentMemory.open() it"
        )
    store.commit_batch(full_batch(mem))
    if mem.store is None and not mem.read_only:
        mem.store, mem.source = store, store.path
        mem.long_term.dirty.clear()
        mem.long_term.removed.clear()
        mem.episodic.clear_pending()
        mem.free_space.dirty = False
    else:
        store.close()


def stored_config(snap: Snapshot) -> Any:
    """The :class:`MemoryConfig` saved with a memory, or None (older file / not saved)."""
    raw = snap.meta.get("config")
    if raw is None:
        return None
    from omegaconf import OmegaConf

    from embodied_mem.memory.memory import MemoryConfig

    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(MemoryConfig), raw))
    except Exception as exc:  # noqa: BLE001 - an unreadable stored config falls back to defaults
        logger.warning("stored memory config not usable (%s); using defaults", exc)
        return None


def load_into(mem: AgentMemory, snap: Snapshot) -> None:
    """Restore ``snap`` into a freshly constructed memory."""
    lt = mem.long_term
    meta = snap.meta
    for r in meta.get("rooms", []):
        lt.rooms[r["id"]] = RoomRecord(
            r["id"], r["room_type"], r["name"], [tuple(p) for p in r["footprint"]]
        )
    nodes = snap.nodes
    # Rooms, then receptacles, then objects: a node's latest parent/room exists when it is added.
    order = {Layer.ROOM: 0, Layer.RECEPTACLE: 1, Layer.VIEWPOINT: 1, Layer.OBJECT: 2}
    for node in sorted(nodes, key=lambda n: order[n.layer]):
        lt.graph.add_node(node)
    lt.aliases.update(snap.aliases)
    lt.held = meta.get("held")
    lt.interacted.update(meta.get("interacted", []))
    mem.episodic.load(snap.keyframes, snap.events, snap.days)
    if "free_space" in meta:  # older memories have none: the map starts empty
        mem.free_space = free_space_from_state(meta["free_space"])
    for ev in snap.events:
        if ev.kind in _EDGE_OF and ev.object_id is not None and ev.object_id in lt.graph:
            rec = ev.source_id if ev.kind is EventKind.PICK else ev.target_id
            lt.graph.add_edge(
                InteractionEdge(
                    AGENT_ID,
                    ev.object_id,
                    kind=_EDGE_OF[ev.kind],
                    time=ev.start_time,
                    receptacle_id=rec,
                )
            )
    if lt.embed_fn is not None:
        for i in lt.ids():
            lt.set_label_embedding(i, lt.embed_fn(lt.label_text(i)))
    _restore_mapper(mem, meta.get("oracle_votes", {}))
    _restore_short_term(mem, meta)
    mem.day = meta.get("day")
    counters = meta.get("counters", {})
    mem.rejected_frames = int(counters.get("rejected_frames", 0))
    mem.rejected_by_reason = {
        str(k): int(v) for k, v in counters.get("rejected_by_reason", {}).items()
    }
    mem.unresolved_interactions = int(counters.get("unresolved_interactions", 0))
    resumed = mem.episodic.last_frame_time()
    if resumed is not None:  # frames older than the last logged one are rejected after a reopen
        mem._last_frame = (resumed, mem.episodic.current_room, None)  # noqa: SLF001 - same package
    lt.dirty.clear()
    mem.episodic.clear_pending()
    mem.free_space.dirty = False


def _restore_mapper(mem: AgentMemory, oracle_votes: dict[str, dict[str, int]]) -> None:
    lt = mem.long_term
    tracks = []
    for layer in (Layer.RECEPTACLE, Layer.OBJECT):
        for n in lt.graph.nodes(layer, include_vanished=True):
            tracks.append(
                MappedObject(
                    id=n.id,
                    category=n.category,
                    category_votes={n.category: float(n.num_observations)},
                    points=n.points.copy(),
                    centroid=n.centroid.copy(),
                    bbox_min=n.bbox_min.copy(),  # type: ignore[union-attr]
                    bbox_max=n.bbox_max.copy(),
                    embedding=None if n.embedding is None else n.embedding.copy(),  # type: ignore[union-attr]
                    n_observations=n.num_observations,
                    first_seen=n.first_seen,
                    last_seen=float(n.last_seen or n.first_seen),
                    last_frame=0,
                    attributes={k: v for k, v in n.attributes.items() if isinstance(v, str)},
                    oracle_votes=dict(oracle_votes.get(n.id, {})),
                )
            )
    # restore() also continues the id counter, so a reopened memory never reuses an id.
    mem.mapper.restore(tracks, confirmed=False)
    lt = mem.long_term
    for mid in sorted(lt.interacted):  # what was in hand does not become furniture
        if (
            mid in mem.mapper.objects
            and lt.layer_for(mem.mapper.objects[mid].category) is Layer.OBJECT
        ):
            mem.mapper.agent_handled(mid, lt.receptacle_kinds)


def _restore_short_term(mem: AgentMemory, meta: dict[str, Any]) -> None:
    stm = mem.short_term
    for d in sorted(meta.get("stm_entries", []), key=lambda d: d["time"]):
        for key in ("position", "previous_position"):
            if d.get(key) is not None:
                d[key] = tuple(d[key])
        entry = STMEntry(**d)
        stm._write(entry)  # noqa: SLF001 - same package; replays eviction bookkeeping
        stm.observe(
            entry.object_id,
            entry.category,
            np.asarray(entry.position),
            entry.time,
            entry.frame_index,
            entry.state,
        )
    stats = meta.get("stm_stats")
    if stats:
        for k, v in stats.items():
            setattr(stm.stats, k, v)

"""Memories: long-term scene graph, short-term object-state buffer, episodic log, SQLite
persistence, and the retrieval API planners use: the :class:`MemoryQueryAPI` protocol
(:mod:`embodied_mem.memory.query_api`), implemented by :class:`MemoryQuery`.

Typical use::

    mem = AgentMemory(env_rooms, MemoryConfig(), embedder=text_embedder, path="run/memory.db")
    for obs in frames:
        mem.ingest(obs, segmenter.segment(obs))
    mem.record_interaction("pick", obs.time, obs.frame_index, point_xyz)
    q = mem.query()            # today = day after the last experienced day
    q.nth_interaction(1, kind="pick")          # first object picked yesterday
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from embodied_mem.lazy import lazy_exports

if TYPE_CHECKING:
    from embodied_mem.memory.config import MemoryConfig
    from embodied_mem.memory.episodic import EpisodicLog
    from embodied_mem.memory.episodic_records import Event, EventKind, Keyframe
    from embodied_mem.memory.keyframing import EpisodicConfig
    from embodied_mem.memory.long_term import (
        CONTAINER_CATEGORIES,
        RECEPTACLE_CATEGORIES,
        LongTermConfig,
        LongTermMemory,
    )
    from embodied_mem.memory.memory import AgentMemory, IngestResult, MemoryStats
    from embodied_mem.memory.query_api import (
        DistanceFn,
        EventQueries,
        MemoryQueryAPI,
        ObjectQueries,
        RoomQueries,
        TimeQueries,
    )
    from embodied_mem.memory.results import (
        Evidence,
        InteractionHit,
        ObjectHit,
        ObjectState,
        Rearrangement,
        RoomHit,
        RoomVisit,
    )
    from embodied_mem.memory.retrieval import MemoryQuery, RetrievalConfig
    from embodied_mem.memory.short_term import ShortTermConfig, ShortTermMemory, STMEntry
    from embodied_mem.memory.stm_policies import STM_POLICIES, make_policy
    from embodied_mem.memory.store import (
        SCHEMA_VERSION,
        MemoryInUseError,
        MemoryStore,
        MemoryStoreError,
    )

# Imported on first use, so importing one submodule does not load its siblings.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".episodic": ("EpisodicLog",),
        ".episodic_records": ("Event", "EventKind", "Keyframe"),
        ".keyframing": ("EpisodicConfig",),
        ".long_term": (
            "CONTAINER_CATEGORIES",
            "RECEPTACLE_CATEGORIES",
            "LongTermConfig",
            "LongTermMemory",
        ),
        ".config": ("MemoryConfig",),
        ".memory": ("AgentMemory", "IngestResult", "MemoryStats"),
        ".query_api": (
            "DistanceFn",
            "EventQueries",
            "MemoryQueryAPI",
            "ObjectQueries",
            "RoomQueries",
            "TimeQueries",
        ),
        ".results": (
            "Evidence",
            "InteractionHit",
            "ObjectHit",
            "ObjectState",
            "Rearrangement",
            "RoomHit",
            "RoomVisit",
        ),
        ".retrieval": ("MemoryQuery", "RetrievalConfig"),
        ".short_term": ("ShortTermConfig", "ShortTermMemory", "STMEntry"),
        ".stm_policies": ("STM_POLICIES", "make_policy"),
        ".store": ("SCHEMA_VERSION", "MemoryInUseError", "MemoryStore", "MemoryStoreError"),
    },
)

__all__ = [
    "CONTAINER_CATEGORIES",
    "RECEPTACLE_CATEGORIES",
    "SCHEMA_VERSION",
    "STM_POLICIES",
    "AgentMemory",
    "DistanceFn",
    "EpisodicConfig",
    "EpisodicLog",
    "Event",
    "EventQueries",
    "EventKind",
    "Evidence",
    "IngestResult",
    "InteractionHit",
    "Keyframe",
    "LongTermConfig",
    "LongTermMemory",
    "MemoryConfig",
    "MemoryInUseError",
    "MemoryQuery",
    "MemoryQueryAPI",
    "MemoryStats",
    "MemoryStore",
    "MemoryStoreError",
    "ObjectHit",
    "ObjectQueries",
    "ObjectState",
    "Rearrangement",
    "RetrievalConfig",
    "RoomHit",
    "RoomQueries",
    "RoomVisit",
    "STMEntry",
    "TimeQueries",
    "ShortTermConfig",
    "ShortTermMemory",
    "make_policy",
]

"""KARMA's short-term memory: a bounded buffer of recent object-state changes.

An entry is written when an object moves more than ``move_threshold`` from where it was last
recorded, changes state (open/closed/held), or is interacted with by the agent. The buffer
holds at most ``capacity`` objects (one entry per object, updated in place); when full, the
replacement policy (:mod:`embodied_mem.memory.stm_policies`: fifo, lru, lfu, arc) picks the
victim. Lookups count hits and misses so the hit rate of each policy can be compared on the
same workload. :meth:`ShortTermMemory.consolidate` writes entries into long-term memory (node
timelines), as KARMA moves short-term knowledge into its long-term scene graph.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from embodied_mem.memory.stm_policies import STM_POLICIES, make_policy

logger = logging.getLogger(__name__)


@dataclass
class ShortTermConfig:
    """Short-term buffer settings."""

    capacity: int = 32
    """Most objects held at once."""
    policy: str = "arc"
    """Replacement policy name: fifo, lru, lfu or arc (adaptive)."""
    move_threshold: float = 0.3
    """An object must move farther than this (m) from its last recorded position to be recorded."""

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"ShortTermConfig.capacity must be >= 1, got {self.capacity}")
        if self.move_threshold < 0:
            raise ValueError(
                f"ShortTermConfig.move_threshold must be >= 0, got {self.move_threshold}"
            )
        try:
            STM_POLICIES.describe(self.policy)
        except KeyError as exc:  # a config error: ValueError, so config loading reports the key
            raise ValueError(f"ShortTermConfig.policy: {exc.args[0]}") from None


@dataclass(frozen=True)
class STMEntry:
    """The latest recorded change of one object.

    Attributes:
        object_id: memory id.
        kind: "moved", "state" or "interaction" (the last change that wrote the entry).
        time / frame_index: when.
        position: (x, y, z) believed position after the change.
        previous_position: where it was last recorded before, or None.
        state / previous_state: open/closed/held or None.
        detail: interaction kind ("pick", "place", ...) or empty.
        receptacle_id: receptacle involved (placed on / picked from), if any.
        updates: how many changes this entry has absorbed.
        consolidated: already written into long-term memory.
    """

    object_id: str
    category: str
    kind: str
    time: float
    frame_index: int
    position: tuple[float, float, float]
    previous_position: tuple[float, float, float] | None = None
    state: str | None = None
    previous_state: str | None = None
    detail: str = ""
    receptacle_id: str | None = None
    updates: int = 1
    consolidated: bool = False


class LongTermSink(Protocol):
    """What consolidation needs from long-term memory."""

    def apply_short_term(self, entry: STMEntry) -> bool:
        """Record ``entry`` in the node's timeline; False if the node is unknown."""


@dataclass
class STMStats:
    hits: int = 0
    misses: int = 0
    inserts: int = 0
    evictions: int = 0
    updates: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass
class _Anchor:
    """Where/in what state an object was last recorded: the reference for the next change."""

    position: np.ndarray
    state: str | None
    category: str = ""


class ShortTermMemory:
    """Bounded buffer of recent object changes with a pluggable replacement policy."""

    def __init__(self, config: ShortTermConfig | None = None) -> None:
        self.config = config or ShortTermConfig()
        self.policy = make_policy(self.config.policy, self.config.capacity)
        self.entries: dict[str, STMEntry] = {}
        self.stats = STMStats()
        self._anchors: dict[str, _Anchor] = {}
        self.evicted: list[STMEntry] = []
        """Entries evicted since the last :meth:`consolidate` (consolidated then, not lost)."""

    # ------------------------------------------------------------------ writing
    def observe(
        self,
        object_id: str,
        category: str,
        position: np.ndarray | tuple[float, ...],
        time: float,
        frame_index: int,
        state: str | None = None,
    ) -> STMEntry | None:
        """Check one observation of an object against its last recorded position/state.

        The first sighting only sets the reference. Returns the entry written, or None.
        """
        pos = _as_position(object_id, position)
        anchor = self._anchors.get(object_id)
        if anchor is None:
            self._anchors[object_id] = _Anchor(pos.copy(), state, category)
            return None
        moved = float(np.linalg.norm(pos - anchor.position)) > self.config.move_threshold
        changed = state != anchor.state
        if not (moved or changed):
            return None
        entry = STMEntry(
            object_id,
            category,
            "moved" if moved else "state",
            float(time),
            int(frame_index),
            _tup(pos),
            _tup(anchor.position),
            state,
            anchor.state,
        )
        anchor.position, anchor.state = pos.copy(), state
        return self._write(entry)

    def record_interaction(
        self,
        object_id: str,
        category: str,
        detail: str,
        position: np.ndarray | tuple[float, ...],
        time: float,
        frame_index: int,
        *,
        state: str | None = None,
        receptacle_id: str | None = None,
    ) -> STMEntry:
        """The agent picked/placed/opened/closed ``object_id``; always written."""
        pos = _as_position(object_id, position)
        anchor = self._anchors.get(object_id)
        prev = None if anchor is None else _tup(anchor.position)
        prev_state = None if anchor is None else anchor.state
        entry = STMEntry(
            object_id,
            category,
            "interaction",
            float(time),
            int(frame_index),
            _tup(pos),
            prev,
            state,
            prev_state,
            detail,
            receptacle_id,
        )
        self._anchors[object_id] = _Anchor(pos.copy(), state, category)
        return self._write(entry)

    def _write(self, entry: STMEntry) -> STMEntry:
        key = entry.object_id
        old = self.entries.get(key)
        if old is not None:
            entry = replace(
                entry,
                updates=old.updates + 1,
                previous_position=entry.previous_position or old.previous_position,
            )
            self.entries[key] = entry
            self.policy.on_access(key)
            self.stats.updates += 1
            return entry
        if len(self.entries) >= self.config.capacity:
            victim = self.policy.victim(key)
            self.evicted.append(self.entries.pop(victim))
            self.policy.on_evict(victim)
            self.stats.evictions += 1
        self.entries[key] = entry
        self.policy.on_insert(key)
        self.stats.inserts += 1
        return entry

    def forget(self, object_id: str) -> None:
        """Drop an object (e.g. the mapper merged it away); not counted as an eviction."""
        if self.entries.pop(object_id, None) is not None:
            self.policy.on_evict(object_id)
        self._anchors.pop(object_id, None)

    def rename(self, old: str, new: str) -> None:
        """The mapper merged ``old`` into ``new``: keep the more recent knowledge under ``new``."""
        entry = self.entries.get(old)
        self.forget(old)
        if entry is not None and (new not in self.entries or self.entries[new].time < entry.time):
            self._write(replace(entry, object_id=new))

    # ------------------------------------------------------------------ reading
    def lookup(self, object_id: str) -> STMEntry | None:
        """The entry of ``object_id`` (a hit, refreshing it for the policy) or None (a miss)."""
        entry = self.entries.get(object_id)
        if entry is None:
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        self.policy.on_access(object_id)
        return entry

    def find(self, category: str) -> list[STMEntry]:
        """Entries of a category, newest first; each found entry counts as a hit, none as a miss."""
        found = [e for e in self.entries.values() if e.category.lower() == category.lower()]
        if not found:
            self.stats.misses += 1
        for e in found:
            self.stats.hits += 1
            self.policy.on_access(e.object_id)
        return sorted(found, key=lambda e: (-e.time, e.object_id))

    def recent(self, limit: int = 10) -> list[STMEntry]:
        """Newest entries first (no hit/miss accounting: this is a summary, not a lookup)."""
        return sorted(self.entries.values(), key=lambda e: (-e.time, e.object_id))[:limit]

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self.entries

    # ------------------------------------------------------------------ consolidation
    def consolidate(self, long_term: LongTermSink) -> int:
        """Write evicted and unconsolidated resident entries into long-term memory.

        Returns:
            How many entries were written (unknown nodes are skipped and logged).
        """
        written = 0
        pending = [e for e in self.evicted if not e.consolidated]
        pending += [e for e in self.entries.values() if not e.consolidated]
        for entry in sorted(pending, key=lambda e: (e.time, e.object_id)):
            if long_term.apply_short_term(entry):
                written += 1
            else:
                logger.debug(
                    "consolidate: long-term memory has no node %r; skipped", entry.object_id
                )
        for key, entry in list(self.entries.items()):
            self.entries[key] = replace(entry, consolidated=True)
        self.evicted.clear()
        return written


def _as_position(object_id: str, position: np.ndarray | tuple[float, ...]) -> np.ndarray:
    pos = np.asarray(position, dtype=float)
    if pos.shape != (3,) or not np.all(np.isfinite(pos)):
        raise ValueError(f"position of {object_id!r} must be a finite (3,) point, got {position!r}")
    return pos


def _tup(p: np.ndarray) -> tuple[float, float, float]:
    return (float(p[0]), float(p[1]), float(p[2]))

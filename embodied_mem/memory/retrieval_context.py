"""What the retrieval functions read: the memories, the thresholds and a per-query cache.

:mod:`retrieval_events`, :mod:`retrieval_objects` and :mod:`retrieval_rooms` are plain
functions of a :class:`QuerySources`; :class:`~embodied_mem.memory.retrieval.MemoryQuery`
builds one (in ``retrieval_base``) and composes them. Nothing here refers back to
``MemoryQuery``, so the modules import in one direction: context ← events ← objects, rooms ←
base ← interactions ← retrieval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from envs.timeutil import DayPeriods

if TYPE_CHECKING:
    from embodied_mem.memory.episodic import EpisodicLog
    from embodied_mem.memory.long_term import LongTermMemory
    from embodied_mem.memory.short_term import ShortTermMemory


@dataclass
class RetrievalConfig:
    """Thresholds of retrieval."""

    near_radius: float = 1.5
    """Default radius (m) of a ``near=`` spatial query."""
    at_tolerance_minutes: int = 10
    """``interaction_at`` accepts an interaction this many minutes from the asked time."""
    duration_tolerance: float = 0.3
    """``rearrangements_lasting(N)`` accepts durations within this fraction of N."""
    min_text_score: float = 0.2
    """Text matches scoring below this cosine similarity are dropped."""
    periods: DayPeriods = field(default_factory=DayPeriods)
    """Morning/afternoon/evening boundaries; the benchmark's task generator gets the same
    object from the episode runner, so questions and answers agree on what "morning" is."""

    def __post_init__(self) -> None:
        if self.near_radius <= 0:
            raise ValueError(f"near_radius must be > 0, got {self.near_radius}")
        if self.at_tolerance_minutes < 0:
            raise ValueError(f"at_tolerance_minutes must be >= 0, got {self.at_tolerance_minutes}")
        if not 0 <= self.duration_tolerance <= 1:
            raise ValueError(f"duration_tolerance must be in [0, 1], got {self.duration_tolerance}")


class QueryableMemory(Protocol):
    """What a query object reads of :class:`~embodied_mem.memory.AgentMemory` (typed here so
    retrieval does not import the memory that builds it)."""

    long_term: LongTermMemory
    episodic: EpisodicLog
    short_term: ShortTermMemory

    def embed_text(self, text: str) -> np.ndarray | None: ...


@dataclass
class QuerySources:
    """The read side of one query object.

    Attributes:
        lt: the long-term scene-graph memory (objects, receptacles, rooms, timelines).
        log: the episodic log (keyframes and events by day).
        config: retrieval thresholds.
        embed_text: text → unit embedding, or None when the memory has no embedder.
        cache: results that stay valid while ``(log.version, lt.version)`` does.
    """

    lt: LongTermMemory
    log: EpisodicLog
    config: RetrievalConfig
    embed_text: Callable[[str], np.ndarray | None]
    cache: dict[str, tuple[object, list]] = field(default_factory=dict)

    def category_of(self, memory_id: str | None) -> str | None:
        return None if memory_id is None else self.lt.category_of(memory_id)

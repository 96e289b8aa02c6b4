"""What every :class:`~embodied_mem.memory.retrieval.MemoryQuery` method reads: the memory's
parts, the retrieval thresholds and which day is "today".

``MemoryQuery`` is assembled from this base, the interaction queries
(:mod:`embodied_mem.memory.retrieval_interactions`) and its own object, room and time queries,
so each module holds one group of :class:`~embodied_mem.memory.query_api.MemoryQueryAPI`.
"""

from __future__ import annotations

from collections import Counter

from embodied_mem.memory import retrieval_objects as robj
from embodied_mem.memory.episodic_records import Event
from embodied_mem.memory.results import Evidence, ObjectHit, ObjectState
from embodied_mem.memory.retrieval_context import QueryableMemory, QuerySources, RetrievalConfig


class QueryBase:
    """The memory, its long-term graph (``lt``) and episodic log (``log``), the thresholds, and
    the day index of "today" (default: the day after the last logged day)."""

    def __init__(
        self,
        memory: QueryableMemory,
        *,
        today: int | None = None,
        config: RetrievalConfig | None = None,
    ) -> None:
        self.memory = memory
        self.lt = memory.long_term
        self.log = memory.episodic
        self.config = config or RetrievalConfig()
        self._src = QuerySources(self.lt, self.log, self.config, memory.embed_text)
        days = self.log.days()
        self.today = today if today is not None else (days[-1] + 1 if days else 0)

    # ------------------------------------------------------------------ days
    @property
    def yesterday(self) -> int:
        return self.today - 1

    def day_ago(self, n: int) -> int:
        """Absolute day index of "``n`` days ago" (n >= 1)."""
        if n < 1:
            raise ValueError(f"days ago must be >= 1, got {n}")
        return self.today - n

    def days(self) -> list[int]:
        """Days the memory has frames for, ascending."""
        return self.log.days()

    # ------------------------------------------------------------------ identity
    def resolve(self, memory_id: str) -> str:
        """The id memory keeps for ``memory_id`` now (perception may have merged it into another)."""
        return self.lt.resolve(memory_id)

    def held_object(self) -> str | None:
        """Memory id of the object the agent holds now, or None (hands free)."""
        held = self.lt.held
        return self.lt.resolve(held) if held else None

    # ------------------------------------------------------------------ helpers
    def _last_days(self, n: int | None) -> list[int] | None:
        return None if n is None else list(range(self.today - n, self.today))

    def _ranked(self, counts: Counter[str], limit: int | None) -> list[ObjectHit]:
        return robj.ranked(self._src, counts, limit)

    def _object_evidence(self, st: ObjectState, events: list[Event] | None = None) -> Evidence:
        return robj.object_evidence(self._src, st, events)

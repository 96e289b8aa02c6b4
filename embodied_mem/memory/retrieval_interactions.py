"""Interaction queries of :class:`~embodied_mem.memory.retrieval.MemoryQuery`: what the agent
picked, placed and opened, when, in which order, and how long each rearrangement took
(:class:`~embodied_mem.memory.query_api.EventQueries`; the work is done in
:mod:`embodied_mem.memory.retrieval_events`).
"""

from __future__ import annotations

from collections.abc import Iterable

from embodied_mem.memory import retrieval_events as rev
from embodied_mem.memory.query_api import TimeRange
from embodied_mem.memory.results import InteractionHit, Rearrangement
from embodied_mem.memory.retrieval_base import QueryBase
from embodied_mem.memory.short_term import STMEntry


class InteractionQueries(QueryBase):
    """The :class:`~embodied_mem.memory.query_api.EventQueries` group of ``MemoryQuery``."""

    def interactions(
        self,
        *,
        kind: str | Iterable[str] | None = None,
        day: int | Iterable[int] | None = None,
        between: TimeRange | None = None,
        period: str | None = None,
        category: str | None = None,
        object_id: str | None = None,
        receptacle_id: str | None = None,
        receptacle_category: str | None = None,
        room: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> list[InteractionHit]:
        """See :meth:`MemoryQueryAPI.interactions <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return rev.interactions(
            self._src,
            kind=kind,
            day=day,
            between=between,
            period=period,
            category=category,
            object_id=object_id,
            receptacle_id=receptacle_id,
            receptacle_category=receptacle_category,
            room=room,
            attributes=attributes,
        )

    def interaction_at(
        self, time_of_day: str, *, day: int | None = None, kind: str | Iterable[str] | None = None
    ) -> InteractionHit | None:
        """See :meth:`MemoryQueryAPI.interaction_at <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return rev.interaction_at(
            self._src, time_of_day, day=self.yesterday if day is None else day, kind=kind
        )

    def nth_interaction(
        self, n: int, *, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None:
        """The ``n``-th (1-based; -1 = last) interaction of ``kind`` on ``day`` (default yesterday)."""
        hits = self.interactions(kind=kind, day=self.yesterday if day is None else day)
        if n == 0:
            raise ValueError("ordinals are 1-based (1 = first, -1 = last); got 0")
        idx = n - 1 if n > 0 else n
        return hits[idx] if -len(hits) <= idx < len(hits) else None

    def adjacent_interaction(
        self, category: str, *, offset: int = 1, kind: str = "pick", day: int | None = None
    ) -> InteractionHit | None:
        """The ``kind`` interaction ``offset`` places after (+) / before (-) the one with ``category``."""
        hits = self.interactions(kind=kind, day=self.yesterday if day is None else day)
        for i, h in enumerate(hits):
            if (h.object_category or "").lower() == category.lower():
                j = i + offset
                return hits[j] if 0 <= j < len(hits) else None
        return None

    def rearrangements(self, *, day: int | Iterable[int] | None = None) -> list[Rearrangement]:
        """Pick→place pairs in time order (``day`` None = every day)."""
        return rev.rearrangements(self._src, day)

    def _completed_rearrangements(self, day: int | None) -> list[Rearrangement]:
        """Pick→place pairs of ``day`` (default yesterday) that have a place (so a duration)."""
        return [
            r
            for r in self.rearrangements(day=self.yesterday if day is None else day)
            if r.duration is not None
        ]

    def longest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None:
        done = self._completed_rearrangements(day)
        return max(done, key=lambda r: (r.duration, -r.pick.start_time)) if done else None

    def shortest_rearrangement(self, *, day: int | None = None) -> Rearrangement | None:
        done = self._completed_rearrangements(day)
        return min(done, key=lambda r: (r.duration, r.pick.start_time)) if done else None

    def rearrangements_lasting(
        self, seconds: float, *, day: int | None = None
    ) -> list[Rearrangement]:
        """Rearrangements whose duration is within ``duration_tolerance`` of ``seconds``, closest first."""
        tol = self.config.duration_tolerance * seconds
        done = [
            r
            for r in self._completed_rearrangements(day)
            if abs((r.duration or 0.0) - seconds) <= tol
        ]
        return sorted(done, key=lambda r: abs((r.duration or 0.0) - seconds))

    def count_moved(self, *, day: int | None = None) -> int:
        """Distinct objects moved (picked and placed) on ``day`` (T62)."""
        return len(
            {
                r.object_id
                for r in self.rearrangements(day=self.yesterday if day is None else day)
                if r.place is not None
            }
        )

    def recent_changes(self, limit: int = 10) -> list[STMEntry]:
        """Most recent short-term entries (moves/state changes/interactions), newest first."""
        return self.memory.short_term.recent(limit)

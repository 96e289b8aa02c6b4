"""The memory query API over an :class:`~embodied_mem.memory.AgentMemory` (no ground truth).

:class:`MemoryQuery` implements :class:`~embodied_mem.memory.query_api.MemoryQueryAPI` (where
each method is documented) from the long-term scene graph, the episodic log and the
short-term buffer. Days are absolute day indices as the env reported them; ``today``
defaults to the day after the last experienced day, so ``q.yesterday`` is the last experience
day and ``q.day_ago(n)`` is ``today - n``. The class is assembled from
:mod:`~embodied_mem.memory.retrieval_base` (the memory, thresholds, days, identity) and
:mod:`~embodied_mem.memory.retrieval_interactions` (what the agent did); object, room and time
queries are here. The work is done by plain functions of a
:class:`~embodied_mem.memory.retrieval_context.QuerySources` in ``retrieval_events``,
``retrieval_objects`` and ``retrieval_rooms``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from embodied_mem.memory import retrieval_events as rev
from embodied_mem.memory import retrieval_objects as robj
from embodied_mem.memory import retrieval_rooms as rrooms
from embodied_mem.memory.describe import describe_memory, time_formatter
from embodied_mem.memory.episodic_records import EventKind, Keyframe
from embodied_mem.memory.query_api import DistanceFn, TimeRange
from embodied_mem.memory.results import Evidence, ObjectHit, RoomHit, RoomVisit
from embodied_mem.memory.retrieval_context import RetrievalConfig
from embodied_mem.memory.retrieval_interactions import InteractionQueries
from envs.timeutil import format_hhmm

logger = logging.getLogger(__name__)


class MemoryQuery(InteractionQueries):
    """Structured, text, spatial, temporal and relational queries over an :class:`AgentMemory`.

    Implements :class:`~embodied_mem.memory.query_api.MemoryQueryAPI`, the one interface
    planners use; the attributes ``memory``/``lt``/``log`` are the memory's internals, for
    retrieval code and tests, not for planners.

    Args:
        memory: the agent's memory (:class:`~embodied_mem.memory.AgentMemory`: long-term graph,
            episodic log, short-term buffer, text embedder).
        today: the day index of "today"; default: the day after the last logged day.
        config: thresholds; defaults if None.
    """

    # ------------------------------------------------------------------ objects
    def get(self, memory_id: str, *, at_time: float | None = None) -> ObjectHit:
        """See :meth:`MemoryQueryAPI.get <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        st = self.lt.state(self.lt.resolve(memory_id), at_time)
        if st is None:
            raise KeyError(f"memory object {memory_id!r} is unknown or not yet seen at t={at_time}")
        return ObjectHit(st, 1.0, self._object_evidence(st))

    def objects(
        self,
        *,
        category: str | None = None,
        text: str | None = None,
        attributes: dict[str, str] | None = None,
        room: str | None = None,
        near: Sequence[float] | None = None,
        radius: float | None = None,
        on: str | None = None,
        inside: str | None = None,
        layer: str | None = "object",
        interacted: bool | None = None,
        interaction_kind: str | Iterable[str] | None = None,
        day: int | Iterable[int] | None = None,
        seen_between: tuple[float, float] | None = None,
        at_time: float | None = None,
        limit: int | None = None,
    ) -> list[ObjectHit]:
        """See :meth:`MemoryQueryAPI.objects <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return robj.find_objects(
            self._src,
            category=category,
            text=text,
            attributes=attributes,
            room=room,
            near=near,
            radius=radius,
            on=on,
            inside=inside,
            layer=layer,
            interacted=interacted,
            interaction_kind=interaction_kind,
            day=day,
            seen_between=seen_between,
            at_time=at_time,
            limit=limit,
        )

    def receptacles(
        self,
        *,
        category: str | None = None,
        used: bool | None = None,
        used_kind: str | Iterable[str] | None = None,
        opened: bool | None = None,
        day: int | Iterable[int] | None = None,
        **filters: object,
    ) -> list[ObjectHit]:
        """See :meth:`MemoryQueryAPI.receptacles <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        if opened is not None:
            used, used_kind = opened, "open"
        hits = self.objects(category=category, layer="receptacle", **filters)  # type: ignore[arg-type]
        if used is None:
            return hits
        usage = rev.receptacle_usage(self._src, used_kind, day)
        return [h for h in hits if (h.memory_id in usage) == used]

    def search_text(self, text: str, *, k: int = 5, layer: str | None = None) -> list[ObjectHit]:
        """Top-``k`` memory nodes by text similarity (embedding cosine)."""
        return self.objects(text=text, layer=layer, limit=k)

    # ------------------------------------------------------------------ receptacles
    def receptacle_for(
        self,
        *,
        category: str | None = None,
        object_id: str | None = None,
        kind: str = "place",
        day: int | None = None,
        which: int = -1,
    ) -> ObjectHit | None:
        """See :meth:`MemoryQueryAPI.receptacle_for <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        return rev.receptacle_for(
            self._src,
            category=category,
            object_id=object_id,
            kind=kind,
            day=self.yesterday if day is None else day,
            which=which,
        )

    def receptacles_used(
        self, *, kind: str | Iterable[str] = "place", day: int | Iterable[int] | None = None
    ) -> list[ObjectHit]:
        """Receptacles used by ``kind`` interactions, in order of first use (T28, T29, T46)."""
        return rev.receptacles_used(self._src, kind, self.yesterday if day is None else day)

    def unused_receptacles(
        self, *, category: str | None = None, day: int | None = None
    ) -> list[ObjectHit]:
        """Receptacles (of ``category``) not picked from / placed on / opened on ``day`` (T30)."""
        return self.receptacles(
            category=category, used=False, day=self.yesterday if day is None else day
        )

    def original_receptacle(self, object_id: str, *, day: int | None = None) -> ObjectHit | None:
        """The receptacle ``object_id`` rested on before its first pick of ``day`` (T34, T58)."""
        return self.receptacle_for(object_id=object_id, kind="pick", day=day, which=1)

    def is_on(self, object_id: str, receptacle_id: str) -> tuple[bool, Evidence]:
        """Whether memory believes ``object_id`` is on/in ``receptacle_id`` now (T61)."""
        st = self.get(object_id).obj
        return st.parent_id == self.lt.resolve(receptacle_id), self._object_evidence(st)

    # ------------------------------------------------------------------ distance
    @staticmethod
    def rank_by_distance(
        hits: Iterable[ObjectHit], distance_fn: DistanceFn, *, farthest: bool = False
    ) -> list[tuple[ObjectHit, float]]:
        """See :meth:`MemoryQueryAPI.rank_by_distance <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        scored = [(h, float(distance_fn(np.asarray(h.position[:2], dtype=float)))) for h in hits]
        finite = [s for s in scored if np.isfinite(s[1])]
        rest = [s for s in scored if not np.isfinite(s[1])]
        finite.sort(key=lambda s: (-s[1] if farthest else s[1], s[0].memory_id))
        return finite + rest

    # ------------------------------------------------------------------ rooms
    def rooms(self) -> list[RoomHit]:
        return rrooms.all_rooms(self._src)

    def room_visits(self, *, day: int | None = None) -> list[RoomVisit]:
        return rrooms.room_visits(self._src, self.yesterday if day is None else day)

    def start_room(self, *, day: int | None = None) -> RoomHit | None:
        return rrooms.start_room(self._src, self.yesterday if day is None else day)

    def end_room(self, *, day: int | None = None) -> RoomHit | None:
        return rrooms.end_room(self._src, self.yesterday if day is None else day)

    def time_in_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        """Rooms with ``score`` = seconds spent in them on ``day``, most time first (T38, T39, T63)."""
        return rrooms.time_in_rooms(self._src, self.yesterday if day is None else day)

    def visited_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        """Rooms in the order first entered on ``day`` (T49)."""
        return rrooms.visited_rooms(self._src, self.yesterday if day is None else day)

    def unvisited_rooms(self, *, day: int | None = None) -> list[RoomHit]:
        return rrooms.unvisited_rooms(self._src, self.yesterday if day is None else day)

    def room_at(self, time_of_day: str, *, day: int | None = None) -> RoomHit | None:
        return rrooms.room_at(self._src, time_of_day, self.yesterday if day is None else day)

    def room_containing(self, x: float, y: float) -> str | None:
        """Id of the smallest remembered room whose footprint contains floor point (x, y), or None."""
        return self.lt.room_at(x, y)

    def room_of_interaction(
        self, category: str, *, kind: str = "pick", day: int | None = None
    ) -> RoomHit | None:
        """Room where the agent picked (or placed) the ``category`` (T40, T41)."""
        return rrooms.room_of_interaction(
            self._src, category, kind, self.yesterday if day is None else day
        )

    # ------------------------------------------------------------------ several days
    def state_at(self, memory_id: str, time: float) -> ObjectHit:
        """The object as believed at sim time ``time`` (world instance of that time)."""
        return self.get(memory_id, at_time=time)

    def seconds_at(self, time_of_day: str, *, day: int) -> float | None:
        """Sim seconds of ``HH:MM`` on ``day`` from that day's logged clock; None if no frames."""
        return rrooms.seconds_at(self._src, time_of_day, day)

    def where_was(
        self, category: str, *, day: int, time_of_day: str | None = None, period: str | None = None
    ) -> list[ObjectHit]:
        """See :meth:`MemoryQueryAPI.where_was <embodied_mem.memory.query_api.MemoryQueryAPI>`."""
        if period is not None:
            if time_of_day is not None:
                raise ValueError("give time_of_day= or period=, not both")
            time_of_day = format_hhmm(self.config.periods.range_of(period)[0])
        if time_of_day is None:
            span = self.log.day_span(day)
            t = span[1] if span else None
        else:
            t = self.seconds_at(time_of_day, day=day)
        if t is None:
            return []
        return self.objects(category=category, at_time=t)

    def most_moved(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]:
        """Objects by number of rearrangements over the last ``n`` days (score = count) (T53)."""
        days = self._last_days(last_n_days)
        counts = Counter(r.object_id for r in self.rearrangements(day=days))
        return self._ranked(counts, limit)

    def most_used_receptacles(
        self, *, last_n_days: int | None = None, limit: int | None = None
    ) -> list[ObjectHit]:
        """Receptacles by number of picks from / places on / opens over the last ``n`` days (T54)."""
        days = self._last_days(last_n_days)
        counts: Counter[str] = Counter()
        for h in self.interactions(day=days):
            for rid in rev.receptacles_of_event(h.event):
                counts[rid] += 1
        return self._ranked(counts, limit)

    # ------------------------------------------------------------------ keyframes / short-term
    def keyframes_showing(
        self, memory_id: str, *, day: int | None = None, limit: int = 5
    ) -> list[Keyframe]:
        """Keyframes where ``memory_id`` was visible, largest coverage first."""
        mid = self.lt.resolve(memory_id)
        kfs = [k for k in self.log.keyframes_with(mid) if day is None or k.day == day]

        def coverage(k: Keyframe) -> float:  # keyframes keep pre-merge ids: resolve them
            return sum(v for i, v in k.visible.items() if i == mid or self.lt.resolve(i) == mid)

        kfs.sort(key=lambda k: (-coverage(k), k.frame_index))
        return kfs[:limit]

    def keyframe_at(self, time_of_day: str, *, day: int | None = None) -> Keyframe | None:
        t = self.seconds_at(time_of_day, day=self.yesterday if day is None else day)
        return None if t is None else self.log.keyframe_near(t)

    def describe(self, *, budget_tokens: int = 400, day: int | None = None) -> str:
        """Compact text summary of memory for an LLM prompt, within ``budget_tokens`` (≈4 chars/token)."""
        return describe_memory(
            self, budget_tokens=budget_tokens, day=day, when=time_formatter(self._src)
        )


__all__ = ["DistanceFn", "EventKind", "MemoryQuery", "RetrievalConfig", "TimeRange"]

"""Node timelines: time-ordered belief snapshots (where, on/in what, in what state, which room).

Each :class:`TimelineEntry` is a full snapshot of the node's believed situation from its
``time`` until the next entry, so the belief at any time is a single ``bisect`` away.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from scene_graph.layers import EventKind, NodeState, Relation, parse_enum


def as_vec3(value: object, what: str) -> np.ndarray:
    """Return ``value`` as a finite (3,) float64 array or raise ``ValueError`` naming ``what``."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (3,):
        raise ValueError(f"{what} must have shape (3,) (x, y, z metres); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be finite; got {arr.tolist()}")
    return arr


def check_time(time: float, what: str = "time") -> float:
    """Return ``time`` as a float, rejecting NaN/inf/non-numbers with a clear message."""
    try:
        t = float(time)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number of seconds; got {time!r}") from None
    if not math.isfinite(t):
        raise ValueError(f"{what} must be finite seconds; got {time!r}")
    return t


@dataclass(frozen=True, eq=False)
class TimelineEntry:
    """The believed situation of a node from ``time`` until its next timeline entry.

    Attributes:
        time: simulation seconds.
        kind: why the entry was written (observed, moved, picked, placed, ...).
        centroid: (3,) float64 world position in metres.
        parent_id: receptacle (or supporting object) the node is on/inside, or ``None``.
        relation: ``Relation.ON``/``Relation.INSIDE``; ``None`` exactly when ``parent_id`` is.
        state: open/closed/held or ``None``.
        room_id: room the node is in, or ``None`` if unknown.
    """

    time: float
    kind: EventKind
    centroid: np.ndarray
    parent_id: str | None = None
    relation: Relation | None = None
    state: NodeState | None = None
    room_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", check_time(self.time, "TimelineEntry.time"))
        object.__setattr__(self, "kind", parse_enum(EventKind, self.kind, "TimelineEntry.kind"))
        centroid = as_vec3(self.centroid, "TimelineEntry.centroid").copy()
        centroid.flags.writeable = False  # entries are history; nobody may edit them in place
        object.__setattr__(self, "centroid", centroid)
        if self.relation is not None:
            object.__setattr__(self, "relation", parse_enum(Relation, self.relation, "relation"))
        if self.state is not None:
            object.__setattr__(self, "state", parse_enum(NodeState, self.state, "state"))
        if (self.parent_id is None) != (self.relation is None):
            raise ValueError(
                "TimelineEntry needs parent_id and relation together (both set or both None); "
                f"got parent_id={self.parent_id!r}, relation={self.relation!r}"
            )
        if self.state is NodeState.HELD and self.parent_id is not None:
            raise ValueError(
                f"a held node cannot also be {self.relation.value} {self.parent_id!r}; "  # type: ignore[union-attr]
                "clear the parent when picking it up"
            )

    def same_as(self, other: TimelineEntry) -> bool:
        """Exact equality (numpy-aware)."""
        return (
            self.time == other.time
            and self.kind is other.kind
            and np.array_equal(self.centroid, other.centroid)
            and self.parent_id == other.parent_id
            and self.relation is other.relation
            and self.state is other.state
            and self.room_id == other.room_id
        )


class Timeline:
    """Entries ordered by time; entries with equal times keep insertion order (last one wins)."""

    __slots__ = ("_entries", "_times")

    def __init__(self, entries: list[TimelineEntry] | None = None) -> None:
        self._entries: list[TimelineEntry] = []
        self._times: list[float] = []
        for entry in entries or []:
            self.insert(entry)

    def insert(self, entry: TimelineEntry) -> int:
        """Insert in time order (after entries with the same time); return its index."""
        idx = bisect.bisect_right(self._times, entry.time)
        self._times.insert(idx, entry.time)
        self._entries.insert(idx, entry)
        return idx

    def index_at(self, time: float) -> int:
        """Index of the entry in effect at ``time`` (last with ``entry.time <= time``), or -1."""
        return bisect.bisect_right(self._times, time) - 1

    def at(self, time: float) -> TimelineEntry | None:
        """The entry in effect at ``time``, or ``None`` if the timeline starts later."""
        idx = self.index_at(time)
        return self._entries[idx] if idx >= 0 else None

    def next_time_after(self, index: int) -> float:
        """Time of the first entry after ``index`` with a strictly larger time, or +inf."""
        if index < 0:
            return self._times[0] if self._times else math.inf
        j = bisect.bisect_right(self._times, self._times[index])
        return self._times[j] if j < len(self._times) else math.inf

    def between(self, t0: float, t1: float) -> list[TimelineEntry]:
        """Entries with ``t0 <= time <= t1``."""
        lo = bisect.bisect_left(self._times, t0)
        hi = bisect.bisect_right(self._times, t1)
        return self._entries[lo:hi]

    def truncated(self, time: float) -> Timeline:
        """A new timeline holding the entries with ``entry.time <= time``."""
        out = Timeline()
        n = self.index_at(time) + 1
        out._entries = self._entries[:n]
        out._times = self._times[:n]
        return out

    def replace(self, index: int, entry: TimelineEntry) -> None:
        """Swap the entry at ``index`` for one with the same time (used when forgetting nodes)."""
        if entry.time != self._times[index]:
            raise ValueError("Timeline.replace must keep the entry's time")
        self._entries[index] = entry

    @property
    def latest(self) -> TimelineEntry | None:
        return self._entries[-1] if self._entries else None

    @property
    def times(self) -> list[float]:
        """Entry times (a copy; ascending)."""
        return list(self._times)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[TimelineEntry]:
        return iter(self._entries)

    def __getitem__(self, index: int) -> TimelineEntry:
        return self._entries[index]

    def __repr__(self) -> str:
        span = f"{self._times[0]:.1f}..{self._times[-1]:.1f}s" if self._times else "empty"
        return f"Timeline({len(self)} entries, {span})"

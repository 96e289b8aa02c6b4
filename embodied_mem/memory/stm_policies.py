"""Replacement policies of the short-term object-state buffer, registered by name.

A policy only tracks keys (object memory ids) and picks the victim when the buffer is full;
the buffer owns the entries. Time is a logical clock (one tick per insert/access) so that
eviction order is deterministic and independent of wall-clock speed.

- ``fifo``: evict the entry inserted first; accesses do not matter.
- ``lru``: evict the entry touched (inserted, updated or looked up) least recently.
- ``lfu``: evict the entry touched least often; ties go to the least recent.
- ``arc``: Adaptive Replacement Cache (Megiddo & Modha, 2003), the adaptive policy. Why ARC:
  an agent's working set mixes two patterns — objects it just moved once and will look up
  again soon (recency), and a few objects it keeps moving day after day (frequency, cf. T53).
  LRU forgets the frequent ones during a burst of one-off changes; LFU keeps stale one-time
  heavy hitters forever. ARC keeps a recency list T1 and a frequency list T2 plus "ghost"
  lists of recently evicted keys (B1, B2); a miss that hits a ghost list shifts the target
  split ``p`` towards the list that would have kept it, so the balance adapts to the workload
  without a tuning knob.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol

from envs.registry import Registry


class ReplacementPolicy(Protocol):
    """Key bookkeeping for a bounded buffer."""

    name: str

    def on_insert(self, key: str) -> None:
        """A new key entered the buffer."""

    def on_access(self, key: str) -> None:
        """A resident key was looked up or updated."""

    def victim(self, incoming: str | None = None) -> str:
        """The resident key to evict to make room for ``incoming`` (then :meth:`on_evict` is called)."""

    def on_evict(self, key: str) -> None:
        """``key`` left the buffer (evicted or removed)."""


class FifoPolicy:
    name = "fifo"

    def __init__(self, capacity: int) -> None:
        self._order: OrderedDict[str, None] = OrderedDict()

    def on_insert(self, key: str) -> None:
        self._order[key] = None

    def on_access(self, key: str) -> None:
        pass  # insertion order only

    def victim(self, incoming: str | None = None) -> str:
        return next(iter(self._order))

    def on_evict(self, key: str) -> None:
        self._order.pop(key, None)


class LruPolicy:
    name = "lru"

    def __init__(self, capacity: int) -> None:
        self._order: OrderedDict[str, None] = OrderedDict()

    def on_insert(self, key: str) -> None:
        self._order[key] = None
        self._order.move_to_end(key)

    def on_access(self, key: str) -> None:
        self._order.move_to_end(key)

    def victim(self, incoming: str | None = None) -> str:
        return next(iter(self._order))

    def on_evict(self, key: str) -> None:
        self._order.pop(key, None)


class LfuPolicy:
    name = "lfu"

    def __init__(self, capacity: int) -> None:
        self._count: dict[str, int] = {}
        self._last: dict[str, int] = {}
        self._tick = 0

    def _touch(self, key: str) -> None:
        self._tick += 1
        self._count[key] = self._count.get(key, 0) + 1
        self._last[key] = self._tick

    def on_insert(self, key: str) -> None:
        self._touch(key)

    def on_access(self, key: str) -> None:
        self._touch(key)

    def victim(self, incoming: str | None = None) -> str:
        # O(n) scan: buffers hold tens of entries, a heap would cost more in bookkeeping.
        return min(self._count, key=lambda k: (self._count[k], self._last[k]))

    def on_evict(self, key: str) -> None:
        self._count.pop(key, None)
        self._last.pop(key, None)


class ArcPolicy:
    """Adaptive Replacement Cache; see the module docstring for why it is the adaptive choice."""

    name = "arc"

    def __init__(self, capacity: int) -> None:
        self.c = capacity
        self.p = 0.0
        """Target size of the recency list T1 (adapted on ghost hits)."""
        self.t1: OrderedDict[str, None] = OrderedDict()
        self.t2: OrderedDict[str, None] = OrderedDict()
        self.b1: OrderedDict[str, None] = OrderedDict()
        self.b2: OrderedDict[str, None] = OrderedDict()
        self._adapted: str | None = None

    def _adapt(self, key: str) -> None:
        if key == self._adapted:
            return
        if key in self.b1:  # T1 was too small to keep it: grow the recency target
            self.p = min(float(self.c), self.p + max(1.0, len(self.b2) / max(1, len(self.b1))))
        elif key in self.b2:  # T2 was too small: shrink the recency target
            self.p = max(0.0, self.p - max(1.0, len(self.b1) / max(1, len(self.b2))))
        self._adapted = key

    def victim(self, incoming: str | None = None) -> str:
        if incoming is not None:
            self._adapt(incoming)
        in_b2 = incoming is not None and incoming in self.b2
        if self.t1 and (
            len(self.t1) > self.p or (in_b2 and len(self.t1) == int(self.p)) or not self.t2
        ):
            return next(iter(self.t1))
        return next(iter(self.t2))

    def on_insert(self, key: str) -> None:
        self._adapt(key)
        self._adapted = None
        if key in self.b1:
            del self.b1[key]
            self.t2[key] = None
        elif key in self.b2:
            del self.b2[key]
            self.t2[key] = None
        else:
            self.t1[key] = None
        self._trim_ghosts()

    def on_access(self, key: str) -> None:
        if key in self.t1:
            del self.t1[key]
            self.t2[key] = None
        elif key in self.t2:
            self.t2.move_to_end(key)

    def on_evict(self, key: str) -> None:
        if key in self.t1:
            del self.t1[key]
            self.b1[key] = None
        elif key in self.t2:
            del self.t2[key]
            self.b2[key] = None
        self._trim_ghosts()

    def _trim_ghosts(self) -> None:
        # ARC's directory bounds: |T1| + |B1| <= c and the whole directory <= 2c.
        while self.b1 and len(self.t1) + len(self.b1) > self.c:
            self.b1.popitem(last=False)
        while self.b2 and len(self.t1) + len(self.t2) + len(self.b1) + len(self.b2) > 2 * self.c:
            self.b2.popitem(last=False)


STM_POLICIES: Registry[Any] = Registry("short-term replacement policy")
STM_POLICIES.register(
    "fifo", "embodied_mem.memory.stm_policies:FifoPolicy", description="first in, first out"
)
STM_POLICIES.register(
    "lru", "embodied_mem.memory.stm_policies:LruPolicy", description="least recently used"
)
STM_POLICIES.register(
    "lfu",
    "embodied_mem.memory.stm_policies:LfuPolicy",
    description="least frequently used (ties: least recent)",
)
STM_POLICIES.register(
    "arc",
    "embodied_mem.memory.stm_policies:ArcPolicy",
    description="adaptive replacement cache (recency/frequency balance self-tunes)",
)


def make_policy(name: str, capacity: int) -> ReplacementPolicy:
    """Build the policy registered as ``name`` (KeyError with a "did you mean" hint if unknown)."""
    return STM_POLICIES.build(name, capacity)

"""Short-term buffer: recording rules, eviction order per policy, hit/miss, consolidation."""

from __future__ import annotations

import numpy as np
import pytest

from embodied_mem.memory.short_term import ShortTermConfig, ShortTermMemory, STMEntry
from embodied_mem.memory.stm_policies import STM_POLICIES


def _stm(policy: str, capacity: int = 3) -> ShortTermMemory:
    return ShortTermMemory(ShortTermConfig(capacity=capacity, policy=policy))


def _touch(stm: ShortTermMemory, key: str, t: float) -> None:
    stm.record_interaction(key, "Mug", "pick", (t, 0.0, 0.0), t, int(t))


def test_move_threshold_and_state_change() -> None:
    stm = ShortTermMemory(ShortTermConfig(move_threshold=0.3))
    assert stm.observe("a", "Mug", (0, 0, 0), 0.0, 0) is None  # first sighting: reference only
    assert stm.observe("a", "Mug", (0.2, 0, 0), 1.0, 1) is None  # below threshold
    e = stm.observe("a", "Mug", (0.5, 0, 0), 2.0, 2)
    assert e is not None and e.kind == "moved" and e.previous_position == (0.0, 0.0, 0.0)
    assert stm.observe("a", "Mug", (0.6, 0, 0), 3.0, 3) is None  # relative to the new reference
    e = stm.observe("a", "Mug", (0.6, 0, 0), 4.0, 4, state="open")
    assert e is not None and e.kind == "state" and e.previous_state is None and e.updates == 2


def test_bad_position_is_a_clear_error() -> None:
    stm = ShortTermMemory()
    with pytest.raises(ValueError, match="finite"):
        stm.observe("a", "Mug", (np.nan, 0, 0), 0.0, 0)


def test_unknown_policy_suggests_name() -> None:
    with pytest.raises(ValueError, match="did you mean 'lru'"):
        ShortTermConfig(policy="lruu")
    with pytest.raises(KeyError, match="did you mean 'arc'"):
        STM_POLICIES.build("arcc", 4)
    assert set(STM_POLICIES.names()) == {"fifo", "lru", "lfu", "arc"}


def test_fifo_evicts_oldest_insert_regardless_of_access() -> None:
    stm = _stm("fifo")
    for i, k in enumerate("abc"):
        _touch(stm, k, i)
    stm.lookup("a")
    _touch(stm, "d", 4)
    assert set(stm.entries) == {"b", "c", "d"}


def test_lru_evicts_least_recent() -> None:
    stm = _stm("lru")
    for i, k in enumerate("abc"):
        _touch(stm, k, i)
    stm.lookup("a")
    _touch(stm, "d", 4)
    assert set(stm.entries) == {"a", "c", "d"}


def test_lfu_evicts_least_frequent_ties_by_recency() -> None:
    stm = _stm("lfu")
    for i, k in enumerate("abc"):
        _touch(stm, k, i)
    stm.lookup("a")
    stm.lookup("a")
    stm.lookup("c")
    _touch(stm, "d", 4)
    assert set(stm.entries) == {"a", "c", "d"}  # b used once
    _touch(stm, "e", 5)
    assert set(stm.entries) == {"a", "c", "e"}  # d (1 use) older than nothing else with 1 use


def test_arc_keeps_frequent_items_through_a_scan() -> None:
    # A hot set looked up repeatedly, then a long scan of one-off keys: LRU loses the hot set,
    # ARC keeps it in T2.
    def run(policy: str) -> float:
        stm = _stm(policy, capacity=4)
        t = 0.0
        for rnd in range(6):
            for k in ("h1", "h2", "h1", "h2"):
                if stm.lookup(k) is None:
                    _touch(stm, k, t)
                t += 1
            for j in range(3):
                key = f"scan{rnd}_{j}"
                if stm.lookup(key) is None:
                    _touch(stm, key, t)
                t += 1
        return stm.stats.hit_rate

    assert run("arc") > run("lru")
    assert run("arc") > run("fifo")


def test_hit_miss_counting() -> None:
    stm = _stm("lru")
    _touch(stm, "a", 0)
    assert stm.lookup("a") is not None
    assert stm.lookup("zzz") is None
    assert stm.find("Mug") and not stm.find("Sofa")
    assert (stm.stats.hits, stm.stats.misses) == (2, 2)
    assert stm.stats.hit_rate == pytest.approx(0.5)


class _Sink:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.got: list[STMEntry] = []

    def apply_short_term(self, entry: STMEntry) -> bool:
        if entry.object_id not in self.known:
            return False
        self.got.append(entry)
        return True


def test_consolidate_writes_resident_and_evicted_once() -> None:
    stm = _stm("fifo", capacity=2)
    for i, k in enumerate("abc"):
        _touch(stm, k, i)
    sink = _Sink({"a", "b", "c"})
    assert stm.consolidate(sink) == 3  # "a" was evicted but is still written
    assert [e.object_id for e in sink.got] == ["a", "b", "c"]
    assert stm.consolidate(sink) == 0  # nothing new
    _touch(stm, "c", 9)
    assert stm.consolidate(sink) == 1

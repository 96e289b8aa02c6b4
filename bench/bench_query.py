"""Query latency of MemoryQuery for memories of 1, 7 and 30 simulated days.

Memories are built through the public API (``AgentMemory.ingest`` / ``record_interaction``)
from the seeded synthetic house (:mod:`embodied_mem.memory.synthetic`): 5 rooms, 20
receptacles, 40 objects, K = 2..11 rearrangements a day. The workload is the structured query
mix the planner issues for the TASKS.md families (category, interacted-yesterday, ordinal,
at-HH:MM, placed-on, rooms, most-moved, where-was, attributes, unused receptacles, count).

Reference (same run, same data): a linear scan that answers the same questions by walking
flat lists of every node, timeline entry, event and keyframe. The JSON reports p50/p95 of
both and their ratio, and whether the p95 target (< 2 ms at 30 days) holds.

Run: ``.venv/bin/python bench/bench_query.py [--days 1 7 30] [--reps 300] [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embodied_mem.memory import AgentMemory, MemoryQuery  # noqa: E402
from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, random_plan, run_day  # noqa: E402
from envs.timeutil import format_hhmm, parse_hhmm  # noqa: E402

TARGET_P95_MS = 2.0


class LinearScan:
    """The reference: the same questions answered by scanning flat lists (no indexes)."""

    def __init__(self, mem: AgentMemory) -> None:
        g = mem.long_term.graph
        self.nodes = [
            {
                "id": n.id,
                "layer": n.layer.value,
                "category": n.category.lower(),
                "attributes": dict(n.attributes),
                "timeline": [
                    (e.time, e.kind.value, e.centroid, e.parent_id, e.room_id) for e in n.timeline
                ],
            }
            for n in g
            if n.layer.value in ("object", "receptacle")
        ]
        self.events = [
            {
                "kind": e.kind.value,
                "day": e.day,
                "t": e.start_time,
                "m": e.minutes_of_day,
                "obj": e.object_id,
                "src": e.source_id,
                "tgt": e.target_id,
                "room": e.room_id,
            }
            for e in mem.episodic.events
        ]
        self.keyframes = [(k.day, k.minutes_of_day, k.time) for k in mem.episodic.keyframes]

    def _cat(self, mid: str | None) -> str | None:
        for n in self.nodes:
            if n["id"] == mid:
                return n["category"]
        return None

    def category(self, c: str) -> list[str]:
        return [
            n["id"]
            for n in self.nodes
            if n["category"] == c.lower() and n["timeline"][-1][1] != "vanished"
        ]

    def picked(self, c: str, day: int) -> list[str]:
        ids = {e["obj"] for e in self.events if e["day"] == day and e["kind"] == "pick"}
        return [n["id"] for n in self.nodes if n["category"] == c.lower() and n["id"] in ids]

    def nth_pick(self, n: int, day: int) -> str | None:
        picks = sorted(
            (e for e in self.events if e["day"] == day and e["kind"] == "pick"),
            key=lambda e: e["t"],
        )
        return picks[n - 1]["obj"] if 0 < n <= len(picks) else None

    def at(self, hhmm: str, day: int) -> str | None:
        m = parse_hhmm(hhmm)
        evs = [
            e
            for e in self.events
            if e["day"] == day and e["kind"] in ("pick", "place", "open", "close")
        ]
        best = min(evs, key=lambda e: abs(e["m"] - m), default=None)
        return None if best is None or abs(best["m"] - m) > 10 else best["obj"]

    def placed_on(self, c: str, day: int) -> str | None:
        last = None
        for e in self.events:
            if e["day"] == day and e["kind"] == "place" and self._cat(e["obj"]) == c.lower():
                last = e["tgt"]
        return last

    def room_times(self, day: int) -> dict[str, float]:
        out: Counter[str] = Counter()
        enter: dict[str, float] = {}
        for e in self.events:
            if e["day"] == day and e["kind"] == "room_enter":
                enter[e["room"]] = e["t"]
            elif e["day"] == day and e["kind"] == "room_exit" and e["room"] in enter:
                out[e["room"]] += e["t"] - enter.pop(e["room"])
        return dict(out)

    def room_at(self, hhmm: str, day: int) -> str | None:
        m = parse_hhmm(hhmm)
        kf = [k for k in self.keyframes if k[0] == day and k[1] <= m]
        t = kf[-1][2] if kf else None
        if t is None:
            return None
        room = None
        for e in self.events:
            if e["day"] == day and e["kind"] == "room_enter" and e["t"] <= t:
                room = e["room"]
        return room

    def most_moved(self, days: set[int]) -> str | None:
        c = Counter(e["obj"] for e in self.events if e["day"] in days and e["kind"] == "pick")
        return c.most_common(1)[0][0] if c else None

    def where_was(self, c: str, day: int, hhmm: str) -> list[tuple[str, str | None]]:
        m = parse_hhmm(hhmm)
        kf = [k for k in self.keyframes if k[0] == day and k[1] <= m]
        t = kf[-1][2] if kf else float("inf")
        out = []
        for n in self.nodes:
            if n["category"] == c.lower():
                entries = [e for e in n["timeline"] if e[0] <= t]
                if entries:
                    out.append((n["id"], entries[-1][3]))
        return out

    def attr_interacted(self, color: str, day: int) -> list[str]:
        ids = {e["obj"] for e in self.events if e["day"] == day and e["kind"] in ("pick", "place")}
        return [
            n["id"] for n in self.nodes if n["attributes"].get("color") == color and n["id"] in ids
        ]

    def unused(self, c: str, day: int) -> list[str]:
        used = {r for e in self.events if e["day"] == day for r in (e["src"], e["tgt"]) if r}
        return [
            n["id"]
            for n in self.nodes
            if n["layer"] == "receptacle" and n["category"] == c.lower() and n["id"] not in used
        ]

    def count_moved(self, day: int) -> int:
        return len({e["obj"] for e in self.events if e["day"] == day and e["kind"] == "place"})


def workload(
    q: MemoryQuery, ref: LinearScan, house: SyntheticHouse, rng: np.random.Generator
) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(family, indexed call, linear-scan call) with parameters drawn from ``rng``."""
    y = q.yesterday
    obj_cats = sorted({t.category for t in house.objects()})
    rec_cats = sorted({t.category for t in house.receptacles()})
    c = obj_cats[int(rng.integers(len(obj_cats)))]
    rc = rec_cats[int(rng.integers(len(rec_cats)))]
    hhmm = format_hhmm(int(rng.integers(360, 540)))
    n = int(rng.integers(1, 4))
    nd = int(rng.integers(1, max(2, len(q.days()) + 1)))
    color = ["red", "blue", "green", "white", "black", "yellow"][int(rng.integers(6))]
    days_set = set(range(q.today - nd, q.today))
    return [
        ("category", lambda: q.objects(category=c), lambda: ref.category(c)),
        (
            "interacted",
            lambda: q.objects(category=c, interacted=True, interaction_kind="pick", day=y),
            lambda: ref.picked(c, y),
        ),
        ("ordinal", lambda: q.nth_interaction(n), lambda: ref.nth_pick(n, y)),
        ("at_time", lambda: q.interaction_at(hhmm), lambda: ref.at(hhmm, y)),
        ("placed_on", lambda: q.receptacle_for(category=c), lambda: ref.placed_on(c, y)),
        ("room_time", lambda: q.time_in_rooms(), lambda: ref.room_times(y)),
        ("room_at", lambda: q.room_at(hhmm), lambda: ref.room_at(hhmm, y)),
        (
            "most_moved",
            lambda: q.most_moved(last_n_days=nd, limit=1),
            lambda: ref.most_moved(days_set),
        ),
        (
            "where_was",
            lambda: q.where_was(c, day=q.today - nd, time_of_day=hhmm),
            lambda: ref.where_was(c, q.today - nd, hhmm),
        ),
        (
            "attributes",
            lambda: q.objects(attributes={"color": color}, interacted=True, day=y),
            lambda: ref.attr_interacted(color, y),
        ),
        (
            "unused_receptacles",
            lambda: q.unused_receptacles(category=rc),
            lambda: ref.unused(rc, y),
        ),
        ("count_moved", lambda: q.count_moved(), lambda: ref.count_moved(y)),
    ]


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def measure(mem: AgentMemory, house: SyntheticHouse, reps: int, seed: int) -> dict[str, object]:
    q = mem.query()
    ref = LinearScan(mem)
    rng = np.random.default_rng(seed)
    ours: list[float] = []
    lin: list[float] = []
    fam: dict[str, list[float]] = {}
    for w in workload(q, ref, house, rng):  # warm-up (caches, first imports)
        w[1](), w[2]()
    for _ in range(reps):
        for name, fast, slow in workload(q, ref, house, rng):
            a, b = _timed(fast), _timed(slow)
            ours.append(a)
            lin.append(b)
            fam.setdefault(name, []).append(a)
    p = lambda xs, k: float(np.percentile(xs, k))  # noqa: E731
    return {
        "p50_ms": round(p(ours, 50), 4),
        "p95_ms": round(p(ours, 95), 4),
        "ref_linear_p50_ms": round(p(lin, 50), 4),
        "ref_linear_p95_ms": round(p(lin, 95), 4),
        "ratio_p95_vs_linear": round(p(ours, 95) / max(p(lin, 95), 1e-9), 3),
        "per_family_p95_ms": {k: round(p(v, 95), 4) for k, v in sorted(fam.items())},
        "queries": len(ours),
    }


def stm_hit_rates(mem: AgentMemory, capacity: int = 8) -> dict[str, float]:
    """Replay the memory's interaction history through each short-term policy.

    Each morning the planner looks up the objects it will handle that day (a hit = the buffer
    still holds them from earlier days); then the day's interactions are written. Same
    workload for every policy, so hit rates compare directly.
    """
    from embodied_mem.memory import STM_POLICIES, ShortTermConfig, ShortTermMemory

    out: dict[str, float] = {}
    days = mem.episodic.days()
    for name in STM_POLICIES.names():
        stm = ShortTermMemory(ShortTermConfig(capacity=capacity, policy=name))
        for day in days:
            evs = [e for e in mem.episodic.events_on(day) if e.is_interaction and e.object_id]
            for e in evs:
                if e.kind.value == "pick":
                    stm.lookup(e.object_id)
            for e in evs:
                stm.record_interaction(
                    e.object_id, "", e.kind.value, e.point or (0, 0, 0), e.start_time, e.start_frame
                )
        out[name] = round(stm.stats.hit_rate, 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, nargs="+", default=[1, 7, 30])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    house = SyntheticHouse(
        SynthConfig(seed=args.seed, rooms=5, receptacles_per_room=4, objects_per_receptacle=2)
    )
    mem = AgentMemory(house.rooms)
    rng = np.random.default_rng(args.seed)
    results = []
    built = 0
    t_build = time.perf_counter()
    for target in sorted(args.days):
        while built < target:
            if built:
                mem.start_day(built)
            run_day(mem, house, built, random_plan(house, rng, int(rng.integers(2, 12))))
            built += 1
        s = mem.stats()
        row = {
            "days": target,
            "objects": s.objects,
            "receptacles": s.receptacles,
            "events": s.events,
            "keyframes": s.keyframes,
            "timeline_entries": sum(len(n.timeline) for n in mem.long_term.graph),
        }
        row.update(measure(mem, house, args.reps, args.seed + target))
        row["stm_hit_rate_capacity_8"] = stm_hit_rates(mem)
        results.append(row)
    top = results[-1]
    print(
        json.dumps(
            {
                "bench": "query_latency",
                "seed": args.seed,
                "reps_per_query": args.reps,
                "build_seconds": round(time.perf_counter() - t_build, 1),
                "reference": "linear scan of the same nodes/timelines/events/keyframes",
                "target": f"p95 < {TARGET_P95_MS} ms at {top['days']} days",
                "target_met": bool(top["p95_ms"] < TARGET_P95_MS),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

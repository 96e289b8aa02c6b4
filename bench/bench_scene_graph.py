"""Query-latency benchmark of a scene graph holding many simulated days.

Run ``.venv/bin/python bench/bench_scene_graph.py --days 1 7 30``. Prints JSON: p50/p95 of structured
queries through the indexes next to the same query done by a linear scan over all nodes in
the same run (the ratio is what stays meaningful on a noisy machine), plus ``at(t)``,
``diff`` and serialisation costs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scene_graph.graph import SceneGraph  # noqa: E402
from scene_graph.json_io import from_json, to_json  # noqa: E402
from scene_graph.layers import Layer  # noqa: E402
from scene_graph.nodes import Node  # noqa: E402

logger = logging.getLogger(__name__)

CATEGORIES = ["Apple", "Mug", "Book", "Plate", "Bowl", "Pen", "Phone", "Vase", "Cup", "Box"]


def build_memory(
    days: int,
    *,
    rooms: int = 8,
    receptacles: int = 48,
    objects: int = 160,
    moves_per_day: int = 10,
    seed: int = 0,
) -> SceneGraph:
    """A house observed for ``days`` days of 16 h: every object re-observed 4x a day with
    centimetre noise (one entry each, like a memory that logs every sighting) and
    ``moves_per_day`` pick-and-place interactions per day."""
    rng = np.random.default_rng(seed)
    g = SceneGraph(metadata={"benchmark_days": days})
    for r in range(rooms):
        g.add_node(Node(f"room{r}", Layer.ROOM, "room", np.array([r * 5 + 2.5, 2.5, 0])))
    rec_ids = []
    for i in range(receptacles):
        r = i % rooms
        lo = np.array([r * 5 + rng.uniform(0, 4), rng.uniform(0, 4), 0.0])
        node = Node(
            f"rec{i}",
            Layer.RECEPTACLE,
            "Table",
            lo + [0.4, 0.4, 0.4],
            bbox_min=lo,
            bbox_max=lo + [0.8, 0.8, 0.8],
        )
        g.add_node(node, room_id=f"room{r}")
        rec_ids.append(node.id)
    for i in range(objects):
        rec = g[rec_ids[int(rng.integers(receptacles))]]
        top = rec.bbox_max.copy()
        top[:2] -= 0.4
        pts = rng.normal(top, 0.03, size=(64, 3)).astype(np.float32)
        g.add_node(
            Node(
                f"obj{i}",
                Layer.OBJECT,
                CATEGORIES[i % len(CATEGORIES)],
                top,
                bbox_min=top - 0.05,
                bbox_max=top + 0.05,
                points=pts,
                embedding=rng.normal(size=384).astype(np.float32),
            ),
            room_id=g.room_of(rec.id),
            parent_id=rec.id,
        )
    for day in range(days):
        t0 = day * 86400.0 + 6 * 3600
        for k in range(4):
            for i in range(objects):
                oid = f"obj{i}"
                noisy = g[oid].centroid + rng.normal(0, 0.01, 3)
                g.record(oid, t0 + k * 4 * 3600 + i, centroid=noisy)
        for m in range(moves_per_day):
            oid, dest_id = (
                f"obj{int(rng.integers(objects))}",
                rec_ids[int(rng.integers(receptacles))],
            )
            t = t0 + 3600 * (m + 1)
            g.pick(oid, t)
            dest = g[dest_id].bbox_max - [0.4, 0.4, 0.0]
            g.place(oid, dest_id, t + 30, centroid=dest)
    return g


def _percentiles(fn: Callable[[int], Any], n: int) -> dict[str, float]:
    samples = np.empty(n)
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples[i] = time.perf_counter() - start
    return {
        "p50_ms": float(np.percentile(samples, 50) * 1e3),
        "p95_ms": float(np.percentile(samples, 95) * 1e3),
    }


def run(days: int, repeats: int = 300) -> dict[str, Any]:
    start = time.perf_counter()
    g = build_memory(days)
    build_s = time.perf_counter() - start
    rooms = [n.id for n in g.rooms()]
    entries = sum(len(n.timeline) for n in g.nodes())

    def indexed(i: int) -> list[Node]:
        return g.nodes(Layer.OBJECT, category=CATEGORIES[i % 10], room_id=rooms[i % len(rooms)])

    def scan(i: int) -> list[Node]:
        cat, room = CATEGORIES[i % 10].casefold(), rooms[i % len(rooms)]
        return [
            n
            for n in g.nodes()
            if n.layer is Layer.OBJECT and n.category.casefold() == cat and g.room_of(n.id) == room
        ]

    if not all([n.id for n in indexed(i)] == [n.id for n in scan(i)] for i in range(20)):
        # timing a query that returns the wrong nodes would be meaningless
        raise RuntimeError("indexed query disagrees with the linear scan; the indexes are stale")
    t_end = g.time_range[1]  # type: ignore[index]
    structured = _percentiles(indexed, repeats)
    reference = _percentiles(scan, repeats)
    text = to_json(g)
    start = time.perf_counter()
    from_json(text)
    load_s = time.perf_counter() - start
    return {
        "days": days,
        "nodes": len(g),
        "timeline_entries": entries,
        "interactions": len(g.interactions()),
        "build_s": round(build_s, 3),
        "structured_query": structured,
        "linear_scan_reference": reference,
        "speedup_p95": reference["p95_ms"] / max(structured["p95_ms"], 1e-9),
        "children_of": _percentiles(lambda i: g.children_of(f"rec{i % 48}"), repeats),
        "entry_at": _percentiles(
            lambda i: g.entry_at(f"obj{i % 160}", (i / repeats) * t_end), repeats
        ),
        "interactions_window": _percentiles(
            lambda i: g.interactions(t0=(i / repeats) * t_end, t1=(i / repeats) * t_end + 86400),
            repeats,
        ),
        "at_t": _percentiles(lambda i: g.at((i / 20) * t_end), 20),
        "diff_one_day": _percentiles(lambda i: g.diff(i * 86400.0, (i + 1) * 86400.0), 20),
        "json_bytes": len(text),
        "json_load_s": round(load_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[1, 7, 30])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps([run(d, args.repeats) for d in args.days], indent=1))


if __name__ == "__main__":
    main()

"""Room layout from a seed: binary space partition, room types, doorways and walls."""

from __future__ import annotations

import logging
from collections import Counter

import networkx as nx
import numpy as np

from envs.builtin.house import DOOR_WIDTH, WALL_THICKNESS, Box2, Doorway, Room

logger = logging.getLogger(__name__)

MIN_ROOM_SIDE = 2.8
# Coordinates snap to this so grid cell centres never fall exactly on a wall line.
SNAP = 0.1


def _snap(v: float) -> float:
    return round(v / SNAP) * SNAP


def partition(n_rooms: int, rng: np.random.Generator) -> list[tuple[float, float, float, float]]:
    """Cut a house rectangle into ``n_rooms`` axis-aligned rectangles (x0, y0, x1, y1)."""
    area = n_rooms * float(rng.uniform(13.0, 18.0))
    aspect = float(rng.uniform(1.0, 1.6))
    width = _snap(max(np.sqrt(area * aspect), MIN_ROOM_SIDE))
    height = _snap(max(area / width, MIN_ROOM_SIDE))
    rects = [(0.0, 0.0, width, height)]
    while len(rects) < n_rooms:
        order = sorted(
            range(len(rects)),
            key=lambda i: -(rects[i][2] - rects[i][0]) * (rects[i][3] - rects[i][1]),
        )
        for i in order:
            x0, y0, x1, y1 = rects[i]
            vertical = (x1 - x0) >= (y1 - y0)  # cut across the longer side
            lo, hi = (x0, x1) if vertical else (y0, y1)
            if hi - lo < 2 * MIN_ROOM_SIDE:
                continue
            cut = _snap(
                float(
                    rng.uniform(
                        max(lo + MIN_ROOM_SIDE, lo + 0.35 * (hi - lo)),
                        min(hi - MIN_ROOM_SIDE, lo + 0.65 * (hi - lo)),
                    )
                )
            )
            a, b = (
                ((x0, y0, cut, y1), (cut, y0, x1, y1))
                if vertical
                else ((x0, y0, x1, cut), (x0, cut, x1, y1))
            )
            rects[i : i + 1] = [a, b]
            break
        else:  # no rectangle can be cut further: grow the house instead of looping forever
            return partition(n_rooms, np.random.default_rng(rng.integers(2**32)))
    return rects


def shared_wall(
    a: Room, b: Room, min_len: float = DOOR_WIDTH + 0.6
) -> tuple[bool, float, float, float] | None:
    """(vertical, line, lo, hi) of the wall a and b share, if it is long enough for a door."""
    eps = 1e-6
    for line_a, line_b, vertical in (
        (a.x1, b.x0, True),
        (a.x0, b.x1, True),
        (a.y1, b.y0, False),
        (a.y0, b.y1, False),
    ):
        if abs(line_a - line_b) < eps:
            lo = max(a.y0, b.y0) if vertical else max(a.x0, b.x0)
            hi = min(a.y1, b.y1) if vertical else min(a.x1, b.x1)
            if hi - lo >= min_len:
                return vertical, line_a, lo, hi
    return None


def assign_types(graph: nx.Graph, rng: np.random.Generator) -> dict[int, str]:
    """Room types: a hallway (best-connected room) in bigger houses, then the essentials."""
    n = graph.number_of_nodes()
    order = [int(i) for i in rng.permutation(n)]
    types: dict[int, str] = {}
    if n >= 5:
        hub = max(order, key=lambda i: graph.degree[i])
        types[hub] = "hallway"
    rest = [i for i in order if i not in types]
    essentials = ["kitchen", "living_room", "bedroom"]
    extras = ["bathroom", "bedroom", "office", "dining_room", "bathroom", "office"]
    for k, i in enumerate(rest):
        types[i] = essentials[k] if k < len(essentials) else extras[int(rng.integers(len(extras)))]
    return types


def make_rooms(
    rects: list[tuple[float, float, float, float]], rng: np.random.Generator
) -> tuple[list[Room], nx.Graph]:
    rooms = [Room(f"room_{i}", "", "", *r) for i, r in enumerate(rects)]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(rooms)))
    for i in range(len(rooms)):
        for j in range(i + 1, len(rooms)):
            wall = shared_wall(rooms[i], rooms[j])
            if wall is not None:
                graph.add_edge(i, j, wall=wall, weight=float(rng.random()))
    types = assign_types(graph, rng)
    seen: Counter[str] = Counter()
    total = Counter(types.values())
    for i, room in enumerate(rooms):
        room.room_type = types[i]
        seen[room.room_type] += 1
        label = room.room_type.replace("_", " ")
        room.name = f"{label} {seen[room.room_type]}" if total[room.room_type] > 1 else label
    return rooms, graph


def make_doorways(rooms: list[Room], graph: nx.Graph, rng: np.random.Generator) -> list[Doorway]:
    """Doors along a random spanning tree, plus one loop-closing door in bigger houses."""
    if not nx.is_connected(graph):
        raise RuntimeError("room partition is not connected; this is a bug in partition()")
    edges = list(nx.minimum_spanning_edges(graph, data=False))
    spare = sorted(
        set(map(tuple, map(sorted, graph.edges()))) - set(map(tuple, map(sorted, edges)))
    )
    if len(rooms) >= 4 and spare:
        edges.append(spare[int(rng.integers(len(spare)))])
    doors = []
    for i, j in sorted(tuple(sorted(e)) for e in edges):
        vertical, line, lo, hi = graph.edges[i, j]["wall"]
        pos = _snap(float(rng.uniform(lo + 0.3 + DOOR_WIDTH / 2, hi - 0.3 - DOOR_WIDTH / 2)))
        center = (line, pos) if vertical else (pos, line)
        doors.append(Doorway(rooms[i].id, rooms[j].id, center, vertical))
    return doors


def make_walls(rooms: list[Room], doors: list[Doorway]) -> list[Box2]:
    """Wall boxes along every room side, with gaps at doorways (shared sides appear twice)."""
    t = WALL_THICKNESS / 2
    walls: list[Box2] = []
    for room in rooms:
        sides = [
            (True, room.x0, room.y0, room.y1),
            (True, room.x1, room.y0, room.y1),
            (False, room.y0, room.x0, room.x1),
            (False, room.y1, room.x0, room.x1),
        ]
        for vertical, line, lo, hi in sides:
            gaps = sorted(
                (d.center[1] if vertical else d.center[0])
                for d in doors
                if d.vertical == vertical
                and abs((d.center[0] if vertical else d.center[1]) - line) < 1e-6
                and lo < (d.center[1] if vertical else d.center[0]) < hi
            )
            start = lo - t
            for g in [*gaps, None]:
                end = hi + t if g is None else g - DOOR_WIDTH / 2
                if end - start > 1e-6:
                    mid, half = (start + end) / 2, (end - start) / 2
                    walls.append(Box2(line, mid, t, half) if vertical else Box2(mid, line, half, t))
                if g is not None:
                    start = g + DOOR_WIDTH / 2
    return walls

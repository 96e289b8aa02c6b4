"""Logging a memory into rerun: the 3D hierarchy, the scene-graph view and a 2D top-down.

Entity paths name things the way a person does: ``world/rooms/kitchen/CounterTop_obj_0003/
Apple_obj_0005`` (room name, then category and memory id). The top-down lives under ``topdown``
in a 2D space whose y axis is the world's -y, so north is up like in the PNG top-down.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import rerun as rr

from embodied_mem.viz.source import MemoryView
from scene_graph import Layer, SceneGraph

LAYER_RGB = {
    Layer.ROOM: (90, 90, 200),
    Layer.RECEPTACLE: (230, 160, 40),
    Layer.OBJECT: (60, 200, 90),
}
DAY_RGB = ((147, 52, 230), (232, 113, 10), (18, 158, 175), (197, 34, 31), (24, 128, 56))
_KIND_RGB = {"pick": (217, 48, 37), "place": (24, 128, 56), "open": (26, 115, 232)}


def _part(text: str) -> str:
    """An entity path part readable as is (letters, digits, ``_`` and ``-``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(text)).strip("_") or "unnamed"


def entity_names(world: SceneGraph) -> dict[str, str]:
    """Path part of every node: room names (made unique), ``<Category>_<id>`` below them."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for room in sorted(world.rooms(), key=lambda n: n.id):
        name = _part(room.attributes.get("name") or room.category)
        if name in taken:
            name = f"{name}_{_part(room.id)}"
        taken.add(name)
        names[room.id] = name
    for node in world.nodes():
        if node.layer is not Layer.ROOM:
            names[node.id] = f"{_part(node.category)}_{_part(node.id)}"
    return names


def hierarchy_paths(world: SceneGraph) -> dict[str, str]:
    """Entity path of every node: ``world/rooms/<room>[/<receptacle>][/<object>]``."""
    names = entity_names(world)
    paths: dict[str, str] = {}

    def path_of(nid: str, depth: int = 0) -> str:
        if nid in paths:
            return paths[nid]
        node = world.get(nid)
        parent = world.parent_of(nid)
        if node.layer is Layer.ROOM:
            p = f"world/rooms/{names[nid]}"
        elif parent is not None and depth < 8:
            p = f"{path_of(parent[0], depth + 1)}/{names[nid]}"
        else:
            room = world.room_of(nid)
            p = (
                f"world/rooms/{names[room]}/{names[nid]}"
                if room
                else f"world/unassigned/{names[nid]}"
            )
        paths[nid] = p
        return p

    for n in world.nodes():
        path_of(n.id)
    return paths


def log_memory(
    rec: rr.RecordingStream, world: SceneGraph, previous: dict[str, str]
) -> dict[str, str]:
    """Log one world instance along the hierarchy; clear entities whose path changed or vanished."""
    paths = hierarchy_paths(world)
    for nid, old in previous.items():
        if paths.get(nid) != old:
            rr.log(old, rr.Clear(recursive=False), recording=rec)
    for node in world.nodes():
        path = paths[node.id]
        if node.layer is Layer.ROOM:
            fp = np.asarray(node.attributes.get("footprint") or [], dtype=float)
            if len(fp) >= 3:
                ring = np.c_[np.vstack([fp, fp[:1]]), np.zeros(len(fp) + 1)]
                label = node.attributes.get("name") or node.category
                rr.log(
                    path,
                    rr.LineStrips3D([ring], labels=[label], colors=[LAYER_RGB[Layer.ROOM]]),
                    recording=rec,
                )
            continue
        if node.layer not in LAYER_RGB:
            continue
        rr.log(
            path,
            rr.Boxes3D(
                mins=[node.bbox_min],
                sizes=[node.bbox_max - node.bbox_min],
                labels=[f"{node.category} ({node.id})"],
                colors=[LAYER_RGB[node.layer]],
            ),
            recording=rec,
        )
        if node.layer is Layer.OBJECT and len(node.points):
            rr.log(
                path,
                rr.Points3D(node.points, radii=0.01, colors=[LAYER_RGB[Layer.OBJECT]]),
                recording=rec,
            )
    log_graph_view(rec, world)
    return paths


def log_graph_view(rec: rr.RecordingStream, world: SceneGraph) -> None:
    nodes = [n for n in world.nodes() if n.layer in LAYER_RGB]
    edges = []
    for n in nodes:
        parent = world.parent_of(n.id)
        up = parent[0] if parent else (world.room_of(n.id) if n.layer is not Layer.ROOM else None)
        if up is not None and up in world:
            edges.append((up, n.id))
    rr.log(
        "graph",
        rr.GraphNodes(
            [n.id for n in nodes],
            labels=[n.category for n in nodes],
            colors=[LAYER_RGB[n.layer] for n in nodes],
            positions=[(float(n.centroid[0]), -float(n.centroid[1])) for n in nodes],
        ),
        rr.GraphEdges(edges, graph_type="directed"),
        recording=rec,
    )


def _flip(xy: Any) -> np.ndarray:
    """World (x, y) → top-down 2D (x, -y): north up on screen."""
    arr = np.asarray(xy, dtype=float).reshape(-1, 2)
    return np.c_[arr[:, 0], -arr[:, 1]]


def log_topdown(rec: rr.RecordingStream, view: MemoryView, world: SceneGraph, t: float) -> None:
    """The 2D top-down at ``t``: rooms, receptacles, objects, today's path, the agent, the
    interactions so far and the agent's own free-space map when the memory has one."""
    _log_topdown_memory(rec, world)
    _log_topdown_agent(rec, view, t)
    _, free_space = view.memory_at(t)
    log_own_map(rec, free_space)


def _log_topdown_memory(rec: rr.RecordingStream, world: SceneGraph) -> None:
    rooms = [r for r in world.rooms() if len(r.attributes.get("footprint") or []) >= 3]
    rings = [np.asarray(r.attributes["footprint"], dtype=float) for r in rooms]
    rr.log(
        "topdown/rooms",
        rr.LineStrips2D(
            [_flip(np.vstack([fp, fp[:1]])) for fp in rings],
            labels=[r.attributes.get("name") or r.category for r in rooms],
            colors=[(95, 99, 104)],
        ),
        recording=rec,
    )
    recs = list(world.receptacles())
    rr.log(
        "topdown/receptacles",
        rr.Boxes2D(
            mins=[(n.bbox_min[0], -n.bbox_max[1]) for n in recs],
            sizes=[(n.bbox_max[0] - n.bbox_min[0], n.bbox_max[1] - n.bbox_min[1]) for n in recs],
            labels=[n.category for n in recs],
            colors=[LAYER_RGB[Layer.RECEPTACLE]],
        ),
        recording=rec,
    )
    objs = [n for n in world.objects() if n.state is None or n.state.value != "held"]
    rr.log(
        "topdown/objects",
        rr.Points2D(
            _flip([n.centroid[:2] for n in objs]),
            labels=[n.category for n in objs],
            radii=0.08,
            colors=[LAYER_RGB[Layer.OBJECT]],
        ),
        recording=rec,
    )


def _log_topdown_agent(rec: rr.RecordingStream, view: MemoryView, t: float) -> None:
    """Today's walked stretches (teleports are gaps), the agent's pose, interactions so far."""
    from embodied_mem.viz.topdown import path_segments

    stamp = view.stamp_at(t)
    today = [p for p in view.path if p.time <= t and stamp is not None and p.day == stamp.day]
    pieces = path_segments(today)[0] if view.path_is_dense else []
    color = DAY_RGB[stamp.day % len(DAY_RGB)] if stamp else DAY_RGB[0]
    rr.log(
        "topdown/path",
        rr.LineStrips2D([_flip(p) for p in pieces if len(p) > 1], colors=[color], radii=0.03),
        recording=rec,
    )
    if stamp is not None:
        heading = 0.5 * np.array([np.cos(stamp.yaw), -np.sin(stamp.yaw)])
        rr.log(
            "topdown/agent",
            rr.Arrows2D(
                origins=_flip([(stamp.x, stamp.y)]),
                vectors=[heading],
                colors=[(217, 48, 37)],
                radii=0.05,
            ),
            recording=rec,
        )
    marks = [m for m in view.interactions if m.time <= t and m.point is not None]
    rr.log(
        "topdown/interactions",
        rr.Points2D(
            _flip([m.point[:2] for m in marks]),
            labels=[f"{m.kind} {m.category or '?'} d{m.day} {m.time_of_day}" for m in marks],
            colors=[_KIND_RGB.get(m.kind, (95, 99, 104)) for m in marks],
            radii=0.12,
        ),
        recording=rec,
    )


def log_own_map(rec: rr.RecordingStream, state: dict[str, Any] | None) -> None:
    """The agent's free-space map as an image placed in the top-down (seen floor light,
    obstacles dark, unknown transparent)."""
    if not state or not state.get("shape") or not state["shape"][0]:
        return
    from embodied_mem.memory.spatial import free_space_from_state

    fmap = free_space_from_state(state)
    rs, cs = fmap.extent()
    image = np.zeros((*fmap.shape, 4), dtype=np.uint8)
    image[fmap.seen | fmap.visited] = (235, 235, 235, 200)
    image[fmap.occupied] = (70, 70, 80, 230)
    res = float(fmap.config.resolution)
    x0, y0 = fmap.origin + np.array([cs.start, rs.start]) * res
    top = y0 + (rs.stop - rs.start) * res
    # image row 0 = the map's highest y = the top-down's smallest -y
    rr.log("topdown/own_map", rr.Transform3D(translation=[x0, -top, 0], scale=res), recording=rec)
    rr.log("topdown/own_map", rr.Image(image[rs, cs][::-1].copy(), draw_order=-10), recording=rec)

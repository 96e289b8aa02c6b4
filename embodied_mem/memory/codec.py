"""Compact, exact encodings of memory records for the SQLite store.

Arrays are stored as raw little-endian bytes (base64 inside JSON) so they round-trip exactly;
timelines are lists of small JSON rows. Kept separate from :mod:`scene_graph.json_io` because
the store writes one node per row (only nodes that changed in a batch), not whole graphs.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from envs.types import AgentPose
from scene_graph import Node, Timeline, TimelineEntry

from embodied_mem.memory.episodic import Event, EventKind, Keyframe


def _arr(a: np.ndarray | None, dtype: str) -> dict[str, Any] | None:
    if a is None:
        return None
    arr = np.ascontiguousarray(a, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"d": dtype, "s": list(arr.shape), "b": base64.b64encode(arr.tobytes()).decode("ascii")}


def _unarr(d: dict[str, Any] | None) -> np.ndarray | None:
    if d is None:
        return None
    dt = np.dtype(d["d"]).newbyteorder("<")
    return np.frombuffer(base64.b64decode(d["b"]), dtype=dt).reshape(d["s"]).astype(d["d"])


def _entry_row(e: TimelineEntry) -> list[Any]:
    return [e.time, e.kind.value, [float(v) for v in e.centroid], e.parent_id,
            None if e.relation is None else e.relation.value,
            None if e.state is None else e.state.value, e.room_id]


def node_to_json(node: Node) -> str:
    """One node (fields, small cloud, embedding, timeline) as a JSON string."""
    return json.dumps({
        "id": node.id, "layer": node.layer.value, "category": node.category,
        "centroid": [float(v) for v in node.centroid],
        "bbox_min": [float(v) for v in node.bbox_min], "bbox_max": [float(v) for v in node.bbox_max],  # type: ignore[union-attr]
        "points": _arr(node.points, "float32"), "embedding": _arr(node.embedding, "float32"),
        "attributes": node.attributes, "confidence": node.confidence, "first_seen": node.first_seen,
        "last_seen": node.last_seen, "n": node.num_observations,
        "state": None if node.state is None else node.state.value,
        "timeline": [_entry_row(e) for e in node.timeline],
    }, separators=(",", ":"))


def node_from_json(text: str) -> Node:
    d = json.loads(text)
    tl = Timeline([TimelineEntry(r[0], r[1], np.asarray(r[2]), r[3], r[4], r[5], r[6]) for r in d["timeline"]])
    return Node(id=d["id"], layer=d["layer"], category=d["category"], centroid=np.asarray(d["centroid"]),
                bbox_min=np.asarray(d["bbox_min"]), bbox_max=np.asarray(d["bbox_max"]),
                points=_unarr(d["points"]), embedding=_unarr(d["embedding"]),
                attributes=d["attributes"], confidence=d["confidence"], first_seen=d["first_seen"],
                last_seen=d["last_seen"], num_observations=d["n"], state=d["state"], timeline=tl)


def pose_to_list(p: AgentPose | None) -> list[float] | None:
    return None if p is None else [*map(float, p.position), float(p.yaw), float(p.pitch)]


def pose_from_list(v: list[float] | None) -> AgentPose | None:
    return None if v is None else AgentPose((v[0], v[1], v[2]), v[3], v[4])


def keyframe_row(k: Keyframe) -> tuple[Any, ...]:
    return (k.frame_index, k.day, k.time, k.time_of_day, json.dumps(pose_to_list(k.pose)), k.room_id,
            json.dumps(k.visible, separators=(",", ":")), k.thumbnail)


def keyframe_from_row(r: tuple[Any, ...]) -> Keyframe:
    pose = pose_from_list(json.loads(r[4]))
    assert pose is not None
    return Keyframe(int(r[0]), float(r[2]), int(r[1]), str(r[3]), pose, r[5], json.loads(r[6]), r[7])


EVENT_COLUMNS = ("event_id", "kind", "day", "start_time", "end_time", "start_frame", "end_frame",
                 "time_of_day", "object_id", "source_id", "target_id", "room_id", "point", "pose")


def event_row(e: Event) -> tuple[Any, ...]:
    return (e.event_id, e.kind.value, e.day, e.start_time, e.end_time, e.start_frame, e.end_frame,
            e.time_of_day, e.object_id, e.source_id, e.target_id, e.room_id,
            None if e.point is None else json.dumps(list(e.point)), json.dumps(pose_to_list(e.pose)))


def event_from_row(r: tuple[Any, ...]) -> Event:
    point = None if r[12] is None else tuple(json.loads(r[12]))
    return Event(int(r[0]), EventKind(r[1]), float(r[3]), float(r[4]), int(r[5]), int(r[6]), int(r[2]),
                 str(r[7]), r[8], r[9], r[10], r[11], point, pose_from_list(json.loads(r[13])))  # type: ignore[arg-type]

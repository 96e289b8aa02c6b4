"""Compact, exact encodings of memory records for the SQLite store.

Arrays are stored as raw little-endian float32 bytes so they round-trip exactly; the other
node fields and the timeline are zlib-compressed JSON. Kept separate from :mod:`scene_graph.json_io` because
the store writes one node per row (only nodes that changed in a batch), not whole graphs.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import numpy as np

from embodied_mem.memory.episodic import Event, EventKind, Keyframe
from envs.types import AgentPose
from scene_graph import Node, Timeline, TimelineEntry


def _entry_row(e: TimelineEntry) -> list[Any]:
    return [
        e.time,
        e.kind.value,
        [float(v) for v in e.centroid],
        e.parent_id,
        None if e.relation is None else e.relation.value,
        None if e.state is None else e.state.value,
        e.room_id,
    ]


NodeRow = tuple[str, str, bytes, bytes, bytes | None]
"""(layer, category, zlib-compressed JSON of the scalar fields and timeline, float32 points
bytes, float32 embedding bytes or None) — arrays as raw little-endian bytes, not base64."""


def _f32(a: np.ndarray | None) -> bytes | None:
    return None if a is None else np.ascontiguousarray(a, dtype="<f4").tobytes()


def node_to_row(node: Node) -> NodeRow:
    """One node as a store row; arrays round-trip exactly, the rest is compressed JSON."""
    doc = {
        "id": node.id,
        "layer": node.layer.value,
        "category": node.category,
        "centroid": [float(v) for v in node.centroid],
        "bbox_min": [float(v) for v in node.bbox_min],
        "bbox_max": [float(v) for v in node.bbox_max],  # type: ignore[union-attr]
        "attributes": node.attributes,
        "confidence": node.confidence,
        "first_seen": node.first_seen,
        "last_seen": node.last_seen,
        "n": node.num_observations,
        "state": None if node.state is None else node.state.value,
        "timeline": [_entry_row(e) for e in node.timeline],
    }
    data = zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 6)
    return node.layer.value, node.category, data, _f32(node.points) or b"", _f32(node.embedding)


def node_from_row(data: bytes, points: bytes, embedding: bytes | None) -> Node:
    d = json.loads(zlib.decompress(data))
    tl = Timeline(
        [TimelineEntry(r[0], r[1], np.asarray(r[2]), r[3], r[4], r[5], r[6]) for r in d["timeline"]]
    )
    pts = np.frombuffer(points, dtype="<f4").reshape(-1, 3).astype(np.float32)
    emb = None if embedding is None else np.frombuffer(embedding, dtype="<f4").astype(np.float32)
    return Node(
        id=d["id"],
        layer=d["layer"],
        category=d["category"],
        centroid=np.asarray(d["centroid"]),
        bbox_min=np.asarray(d["bbox_min"]),
        bbox_max=np.asarray(d["bbox_max"]),
        points=pts,
        embedding=emb,
        attributes=d["attributes"],
        confidence=d["confidence"],
        first_seen=d["first_seen"],
        last_seen=d["last_seen"],
        num_observations=d["n"],
        state=d["state"],
        timeline=tl,
    )


def pose_to_list(p: AgentPose | None) -> list[float] | None:
    return None if p is None else [*map(float, p.position), float(p.yaw), float(p.pitch)]


def pose_from_list(v: list[float] | None) -> AgentPose | None:
    return None if v is None else AgentPose((v[0], v[1], v[2]), v[3], v[4])


def keyframe_row(k: Keyframe) -> tuple[Any, ...]:
    return (
        k.frame_index,
        k.day,
        k.time,
        k.time_of_day,
        json.dumps(pose_to_list(k.pose)),
        k.room_id,
        json.dumps(k.visible, separators=(",", ":")),
        k.thumbnail,
    )


def keyframe_from_row(r: tuple[Any, ...]) -> Keyframe:
    pose = pose_from_list(json.loads(r[4]))
    if pose is None:  # every keyframe is written with a pose; a missing one means corruption
        raise ValueError(
            f"keyframe row for frame {r[0]} has no agent pose; the memory file is corrupt"
        )
    return Keyframe(
        int(r[0]), float(r[2]), int(r[1]), str(r[3]), pose, r[5], json.loads(r[6]), r[7]
    )


EVENT_COLUMNS = (
    "event_id",
    "kind",
    "day",
    "start_time",
    "end_time",
    "start_frame",
    "end_frame",
    "time_of_day",
    "object_id",
    "source_id",
    "target_id",
    "room_id",
    "point",
    "pose",
)


def event_row(e: Event) -> tuple[Any, ...]:
    return (
        e.event_id,
        e.kind.value,
        e.day,
        e.start_time,
        e.end_time,
        e.start_frame,
        e.end_frame,
        e.time_of_day,
        e.object_id,
        e.source_id,
        e.target_id,
        e.room_id,
        None if e.point is None else json.dumps(list(e.point)),
        json.dumps(pose_to_list(e.pose)),
    )


def event_from_row(r: tuple[Any, ...]) -> Event:
    point = None if r[12] is None else tuple(json.loads(r[12]))
    return Event(
        int(r[0]),
        EventKind(r[1]),
        float(r[3]),
        float(r[4]),
        int(r[5]),
        int(r[6]),
        int(r[2]),
        str(r[7]),
        r[8],
        r[9],
        r[10],
        r[11],
        point,
        pose_from_list(json.loads(r[13])),
    )  # type: ignore[arg-type]

"""The memory's state as plain JSON (scene graph + events + short-term buffer + keyframes),
and an exact comparison of two such states.

Snapshots use the scene graph's own serialiser (:func:`scene_graph.to_dict`), whose arrays
are base64 of their bytes, so "equal JSON" means "bit-equal centroids, boxes and points".
"""

from __future__ import annotations

from typing import Any

from embodied_mem.agent.trace import jsonable
from scene_graph import to_dict

STATE_FORMAT = "embodied_mem.memory_state"


def _event(ev: Any) -> dict[str, Any]:
    out = jsonable(ev)
    out.pop("type", None)
    return out


def _keyframe(kf: Any) -> dict[str, Any]:
    # thumbnails are derived JPEG bytes; the frame index already identifies the picture
    return {
        "frame_index": kf.frame_index,
        "time": kf.time,
        "day": kf.day,
        "time_of_day": kf.time_of_day,
        "pose": {"position": list(kf.pose.position), "yaw": kf.pose.yaw, "pitch": kf.pose.pitch},
        "room_id": kf.room_id,
        "visible": dict(kf.visible),
    }


def memory_state(memory: Any, frames: int) -> dict[str, Any]:
    """JSON-ready state of an :class:`~embodied_mem.memory.AgentMemory` after ``frames`` frames."""
    lt = memory.long_term
    return {
        "format": STATE_FORMAT,
        "frames": int(frames),
        "day": memory.day,
        "scene_graph": to_dict(lt.graph),
        "aliases": dict(sorted(lt.aliases.items())),
        "held": lt.held,
        "events": [_event(e) for e in memory.episodic.events],
        "keyframes": [_keyframe(k) for k in memory.episodic.keyframes],
        "short_term": [_event(e) for e in memory.short_term.entries.values()],
        "free_space": memory.free_space.state(),
        "stats": {
            "rejected_frames": memory.rejected_frames,
            "rejected_by_reason": dict(sorted(memory.rejected_by_reason.items())),
            "unresolved_interactions": memory.unresolved_interactions,
        },
    }


def diff_states(expected: dict[str, Any], actual: dict[str, Any], limit: int = 20) -> list[str]:
    """Human-readable differences between two memory states (empty = identical).

    Nodes are compared one by one (so the report names the first differing node and field);
    everything else key by key.
    """
    out: list[str] = []
    sa, sb = expected.get("scene_graph", {}), actual.get("scene_graph", {})
    na = {n["id"]: n for n in sa.get("nodes", [])}
    nb = {n["id"]: n for n in sb.get("nodes", [])}
    if list(na) != list(nb):
        if set(na) == set(nb):
            out.append("same node ids in a different order")
        else:
            out.append(
                f"node ids differ: only expected {sorted(set(na) - set(nb))[:10]}, "
                f"only actual {sorted(set(nb) - set(na))[:10]}"
            )
    for nid in (n for n in na if n in nb):  # expected's order: a set would vary per process
        fields = [k for k in na[nid] if na[nid][k] != nb[nid].get(k)]
        if fields:
            out.append(f"node {nid}: fields differ: {fields}")
    for key in ("near", "interactions", "metadata"):
        if sa.get(key) != sb.get(key):
            out.append(f"scene graph {key} differ")
    for key in sorted(set(expected) | set(actual)):
        if key in ("scene_graph", "format"):
            continue
        if expected.get(key) != actual.get(key):
            out.append(f"{key} differ" + _first_diff(expected.get(key), actual.get(key)))
    return out[:limit]


def _first_diff(a: Any, b: Any) -> str:
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f" (length {len(a)} vs {len(b)})"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if isinstance(x, dict) and isinstance(y, dict) and x != y:
                keys = [k for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]
                return (
                    f" (first at #{i}: "
                    + ", ".join(f"{k}: {x.get(k)!r:.80} vs {y.get(k)!r:.80}" for k in keys)
                    + ")"
                )
            if x != y:
                return f" (first at #{i}: {x!r:.200} vs {y!r:.200})"
    return f" ({a!r:.200} vs {b!r:.200})"

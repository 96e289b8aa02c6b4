"""Evaluation only: match memory objects to ground truth by category and geometry.

Memory ids are the memory's own; to score high-level success ("did the planner pick a valid
target before moving?") and to tell "never remembered" from "remembered but missed", the
evaluator matches a memory node to the ground-truth object of the same category whose box is
nearest its centroid (within ``max_distance``). Room ids are env annotations on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from envs.ground_truth import GroundTruth, ObjectRecord


def _box_distance(rec: ObjectRecord, point: np.ndarray) -> float:
    lo, hi = np.asarray(rec.bbox_min), np.asarray(rec.bbox_max)
    return float(np.linalg.norm(np.maximum(0.0, np.maximum(lo - point, point - hi))))


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def match_memory_id(query: Any, memory_id: str, gt: GroundTruth, max_distance: float = 0.5) -> str | None:
    """The env id of the ground-truth object ``memory_id`` stands for, or the room id itself."""
    if memory_id in gt.rooms:
        return memory_id
    try:
        hit = query.get(memory_id)
    except KeyError:
        return None
    point = np.asarray(hit.position, dtype=float)
    best, best_d = None, max_distance
    for rec in gt.objects.values():
        if _norm(rec.category) != _norm(hit.category):
            continue
        d = _box_distance(rec, point)
        if d <= best_d:
            best, best_d = rec.id, d
    return best


def match_targets(query: Any, memory_ids: Iterable[str], gt: GroundTruth) -> list[str]:
    """Env ids (or room ids) for the planner's chosen memory ids; unmatched ones become ``"?"``."""
    return [match_memory_id(query, m, gt) or "?" for m in memory_ids]


def remembered(query: Any, env_ids: Iterable[str], gt: GroundTruth, max_distance: float = 0.5) -> bool:
    """Whether memory holds any of ``env_ids`` (same category, centroid near its box), or the room."""
    if query is None:
        return False
    wanted = [gt.objects[e] for e in env_ids if e in gt.objects]
    if any(e in gt.rooms for e in env_ids):
        return True
    for rec in wanted:
        for hit in query.objects(layer=None):
            if _norm(hit.category) == _norm(rec.category) and \
                    _box_distance(rec, np.asarray(hit.position, dtype=float)) <= max_distance:
                return True
    return False

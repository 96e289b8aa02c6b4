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

from embodied_mem.planner.rule_targets import same_category
from envs.ground_truth import GroundTruth, ObjectRecord


def _box_distance(rec: ObjectRecord, point: np.ndarray) -> float:
    lo, hi = np.asarray(rec.bbox_min), np.asarray(rec.bbox_max)
    return float(np.linalg.norm(np.maximum(0.0, np.maximum(lo - point, point - hi))))


def match_chosen(chosen: dict[str, Any], gt: GroundTruth, max_distance: float = 0.5) -> str | None:
    """The env id of a target as the planner saw it when it chose it (category + position)."""
    if chosen["memory_id"] in gt.rooms:
        return chosen["memory_id"]
    if "position" not in chosen:
        return None
    point = np.asarray(chosen["position"], dtype=float)
    best, best_d = None, max_distance
    for rec in gt.objects.values():
        if same_category(rec.category, chosen["category"]):
            d = _box_distance(rec, point)
            if d <= best_d:
                best, best_d = rec.id, d
    return best


def match_targets(chosen: Iterable[dict[str, Any]], gt: GroundTruth) -> list[str]:
    """Env ids (or room ids) for the planner's chosen targets; unmatched ones become ``"?"``.

    ``gt`` must be the world when the task started, so targets the task then moved still match.
    """
    return [match_chosen(c, gt) or "?" for c in chosen]


def remembered(
    query: Any, env_ids: Iterable[str], gt: GroundTruth, max_distance: float = 0.5
) -> bool:
    """Whether memory holds any of ``env_ids`` (same category, centroid near its box), or the room."""
    if query is None:
        return False
    wanted = [gt.objects[e] for e in env_ids if e in gt.objects]
    if any(e in gt.rooms for e in env_ids):
        return True
    for rec in wanted:
        for hit in query.objects(layer=None):
            if (
                same_category(hit.category, rec.category)
                and _box_distance(rec, np.asarray(hit.position, dtype=float)) <= max_distance
            ):
                return True
    return False

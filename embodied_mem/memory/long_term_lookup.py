"""Resolving the point where the agent acted to the receptacle it acted on.

The agent knows where its hand was, not which memory node that is. Perception noise makes
boxes overlap (a microwave standing on a counter), so the rules use what the agent did:

- **place**: an *open* container the point touches wins (the agent opened it to put
  something in); otherwise the nearest support surface *below* the point whose footprint
  holds it; otherwise the nearest receptacle.
- **open/close**: among receptacles the point touches, containers (openable categories) win,
  then the smallest; otherwise the nearest container, then the nearest receptacle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from scene_graph import Layer, Node, NodeState

if TYPE_CHECKING:
    from embodied_mem.memory.long_term import LongTermMemory, Point3


def box_gap(n: Node, p: np.ndarray) -> float:
    """Distance in metres from point ``p`` (3,) to the node's box (0 inside it)."""
    return float(np.linalg.norm(np.maximum(0.0, np.maximum(n.bbox_min - p, p - n.bbox_max))))  # type: ignore[operator]


def _candidates(
    lt: LongTermMemory, p: np.ndarray, exclude: Iterable[str]
) -> list[tuple[Node, float]]:
    skip = set(exclude)
    out = []
    for n in lt.graph.nodes(Layer.RECEPTACLE):
        if n.id not in skip:
            g = box_gap(n, p)
            if g <= lt.config.interaction_radius:
                out.append((n, g))
    return out


def as_point(point: Point3) -> np.ndarray:
    """``point`` as a finite (3,) float array, or ValueError naming the bad value."""
    p = np.asarray(point, dtype=float)
    if p.shape != (3,) or not np.all(np.isfinite(p)):
        raise ValueError(f"point must be a finite (x, y, z), got {point!r}")
    return p


def place_target(lt: LongTermMemory, point: Point3, exclude: Iterable[str] = ()) -> str | None:
    """The receptacle something was just put on/into at ``point`` (see module docstring)."""
    p = as_point(point)
    tol = lt.config.on_z_tolerance
    cands = _candidates(lt, p, exclude)
    if not cands:
        return None
    open_touching = [
        (g, n.volume, n.id) for n, g in cands if n.state is NodeState.OPEN and g <= tol
    ]
    if open_touching:
        return min(open_touching)[2]
    below = []
    for n, _ in cands:
        lo, hi = n.bbox_min, n.bbox_max
        over = bool(np.all(p[:2] >= lo[:2] - tol) and np.all(p[:2] <= hi[:2] + tol))  # type: ignore[index]
        if over and hi[2] <= p[2] + tol:  # type: ignore[index]
            below.append((p[2] - float(hi[2]), n.volume, n.id))  # type: ignore[index]
    if below:
        return min(below)[2]
    return min((g, n.volume, n.id) for n, g in cands)[2]


def container_target(lt: LongTermMemory, point: Point3) -> str | None:
    """The receptacle opened/closed at ``point`` (see module docstring)."""
    p = as_point(point)
    tol = lt.config.on_z_tolerance
    cands = _candidates(lt, p, ())
    if not cands:
        return None
    touching = [(not lt.is_container(n.id), n.volume, n.id) for n, g in cands if g <= tol]
    if touching:
        return min(touching)[2]
    containers = [(g, n.id) for n, g in cands if lt.is_container(n.id)]
    if containers:
        return min(containers)[1]
    return min((g, n.id) for n, g in cands)[1]

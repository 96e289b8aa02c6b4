"""Conversion to rerun (3D viewer): boxes per layer, object points, support/room edges.

Needs the ``viz`` extra (``pip install 'embodied-mem[viz]'``); importing this module without
rerun raises one clear ``ImportError`` naming the extra.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from scene_graph.layers import Layer

if TYPE_CHECKING:
    from scene_graph.graph import SceneGraph

try:
    import rerun as rr
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "scene_graph.rerun_convert needs rerun-sdk; install it with "
        "`pip install 'embodied-mem[viz]'`"
    ) from exc

logger = logging.getLogger(__name__)

#: RGB per layer, chosen to be distinguishable on rerun's dark background.
LAYER_COLORS = {
    Layer.ROOM: (90, 90, 200),
    Layer.RECEPTACLE: (230, 160, 40),
    Layer.OBJECT: (60, 200, 90),
    Layer.VIEWPOINT: (200, 200, 200),
}
TIMELINE = "sim_time"


def log_graph(
    graph: SceneGraph,
    recording: rr.RecordingStream,
    *,
    time: float | None = None,
    root: str = "scene_graph",
) -> dict[str, int]:
    """Log the graph's current state (set ``time`` to place it on the ``sim_time`` timeline).

    Returns how many items were logged per entity path (useful for tests and logs).
    """
    if time is not None:
        rr.set_time(TIMELINE, duration=float(time), recording=recording)
    counts: dict[str, int] = {}
    for layer in Layer:
        nodes = graph.nodes(layer)
        path = f"{root}/{layer.value}s"
        if not nodes:
            rr.log(path, rr.Clear(recursive=True), recording=recording)
            continue
        mins = np.array([n.bbox_min for n in nodes])
        sizes = np.array([n.extent for n in nodes])
        rr.log(
            path,
            rr.Boxes3D(
                mins=mins,
                sizes=sizes,
                labels=[n.category for n in nodes],
                colors=[LAYER_COLORS[layer]] * len(nodes),
            ),
            recording=recording,
        )
        counts[path] = len(nodes)
    points = [n.points for n in graph.objects() if len(n.points)]
    if points:
        cloud = np.concatenate(points)
        rr.log(f"{root}/object_points", rr.Points3D(cloud, radii=0.005), recording=recording)
        counts[f"{root}/object_points"] = len(cloud)
    counts.update(_log_edges(graph, recording, root))
    return counts


def _log_edges(graph: SceneGraph, recording: rr.RecordingStream, root: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in ("on", "inside", "in_room"):
        strips = [[graph[e.source].centroid, graph[e.target].centroid] for e in graph.edges(kind)]
        path = f"{root}/edges/{kind}"
        if strips:
            rr.log(path, rr.LineStrips3D(np.array(strips), radii=0.004), recording=recording)
            counts[path] = len(strips)
        else:
            rr.log(path, rr.Clear(recursive=False), recording=recording)
    return counts


def log_history(
    graph: SceneGraph, recording: rr.RecordingStream, times: Iterable[float], **kwargs: Any
) -> int:
    """Log the world instance ``graph.at(t)`` at each time: replay how the memory grew."""
    n = 0
    for t in times:
        log_graph(graph.at(t), recording, time=t, **kwargs)
        n += 1
    logger.debug("logged %d world instances to rerun", n)
    return n

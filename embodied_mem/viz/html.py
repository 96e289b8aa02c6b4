"""Self-contained interactive HTML of the 3D scene graph with a time slider (plotly, ``viz`` extra).

Nodes sit at their believed 3D positions, with each layer lifted to its own height so the
hierarchy reads at a glance (Hydra-style layered view): objects and receptacles where they
are, rooms above the house. Edges: object → receptacle (on/inside), receptacle/object → room.
Each slider step is the world instance ``graph.at(t)``; plotly.js is inlined so the file
opens offline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.viz.source import MemoryView
from scene_graph import Layer, SceneGraph

logger = logging.getLogger(__name__)

ROOM_LIFT = 3.5
"""Height (m) of the room layer above the floor in the layered view."""
_COLORS = {Layer.ROOM: "#3f51b5", Layer.RECEPTACLE: "#e69138", Layer.OBJECT: "#34a853"}


def _go():
    try:
        import plotly.graph_objects as go
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the HTML view needs plotly; install it with `pip install 'embodied-mem[viz]'`"
        ) from exc
    return go


def default_times(view: MemoryView, count: int = 12) -> list[float]:
    """``count`` evenly spaced times over the memory's span, plus every interaction time."""
    t0, t1 = view.time_range()
    times = set(np.linspace(t0, t1, max(2, count)).tolist()) | {m.time for m in view.interactions}
    return sorted(times)


def _pos(node: Any) -> np.ndarray:
    p = np.asarray(node.centroid, dtype=float).copy()
    if node.layer is Layer.ROOM:
        p[2] = ROOM_LIFT
    return p


def _node_trace(go: Any, world: SceneGraph, layer: Layer) -> Any:
    nodes = sorted(world.nodes(layer), key=lambda n: n.id)
    xyz = np.array([_pos(n) for n in nodes]).reshape(-1, 3)
    text = [
        n.attributes.get("name") or n.category if layer is Layer.ROOM else n.category for n in nodes
    ]
    hover = [
        f"{n.id} ({n.category})<br>state: {n.state.value if n.state else '-'}<br>"
        f"seen {n.num_observations}x, last {n.last_seen:.0f}s"
        for n in nodes
    ]
    size = {Layer.ROOM: 12, Layer.RECEPTACLE: 7, Layer.OBJECT: 5}[layer]
    return go.Scatter3d(
        x=xyz[:, 0],
        y=xyz[:, 1],
        z=xyz[:, 2],
        mode="markers+text",
        name=f"{layer.value}s",
        text=text,
        hovertext=hover,
        hoverinfo="text",
        textfont={"size": 9},
        marker={"size": size, "color": _COLORS[layer], "line": {"width": 1, "color": "#202124"}},
    )


def _edge_trace(go: Any, world: SceneGraph, kind: str) -> Any:
    xs: list[float | None] = []
    ys: list[float | None] = []
    zs: list[float | None] = []
    for node in world.nodes():
        if node.layer is Layer.ROOM:
            continue
        if kind == "support":
            parent = world.parent_of(node.id)
            target = world.get(parent[0]) if parent else None
        else:
            # objects hang off their receptacle; only unsupported ones link to the room directly
            loose = node.layer is Layer.RECEPTACLE or world.parent_of(node.id) is None
            rid = world.room_of(node.id) if loose else None
            target = world.get(rid) if rid is not None and rid in world else None
        if target is None:
            continue
        a, b = _pos(node), _pos(target)
        xs += [a[0], b[0], None]
        ys += [a[1], b[1], None]
        zs += [a[2], b[2], None]
    color = "#e69138" if kind == "support" else "#9fa8da"
    return go.Scatter3d(
        x=xs,
        y=ys,
        z=zs,
        mode="lines",
        name="on/inside" if kind == "support" else "in room",
        hoverinfo="skip",
        line={"color": color, "width": 3 if kind == "support" else 1.5},
    )


def _points_trace(go: Any, world: SceneGraph, max_points: int) -> Any:
    clouds = [n.points for n in world.objects() if len(n.points)]
    pts = np.concatenate(clouds) if clouds else np.zeros((0, 3), dtype=np.float32)
    if len(pts) > max_points:  # an even stride keeps the file small and deterministic
        pts = pts[:: int(np.ceil(len(pts) / max_points))]
    return go.Scatter3d(
        x=pts[:, 0],
        y=pts[:, 1],
        z=pts[:, 2],
        mode="markers",
        name="object points",
        hoverinfo="skip",
        marker={"size": 1.5, "color": "#34a853", "opacity": 0.5},
    )


def _path_trace(go: Any, view: MemoryView, t: float) -> Any:
    path = [p for p in view.path if p.time <= t]
    return go.Scatter3d(
        x=[p.x for p in path],
        y=[p.y for p in path],
        z=[0.05] * len(path),
        mode="lines",
        name="agent path",
        hoverinfo="skip",
        line={"color": "#9334e6", "width": 4},
    )


def _room_outlines(go: Any, graph: SceneGraph) -> Any:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for room in graph.rooms():
        fp = room.attributes.get("footprint") or []
        if len(fp) >= 3:
            xs += [p[0] for p in fp] + [fp[0][0], None]
            ys += [p[1] for p in fp] + [fp[0][1], None]
    return go.Scatter3d(
        x=xs,
        y=ys,
        z=[0.0 if x is not None else None for x in xs],
        mode="lines",
        name="room footprints",
        hoverinfo="skip",
        line={"color": "#5f6368", "width": 2},
    )


def _frame_traces(go: Any, view: MemoryView, t: float, points: bool, max_points: int) -> list[Any]:
    world = view.graph.at(t)
    traces = [
        _node_trace(go, world, layer) for layer in (Layer.ROOM, Layer.RECEPTACLE, Layer.OBJECT)
    ]
    traces += [
        _edge_trace(go, world, "support"),
        _edge_trace(go, world, "room"),
        _path_trace(go, view, t),
    ]
    if points:
        traces.append(_points_trace(go, world, max_points))
    return traces


def build_figure(
    view: MemoryView,
    times: Sequence[float] | None = None,
    *,
    points: bool = True,
    max_points: int = 4000,
    active: float | None = None,
) -> Any:
    """A plotly figure with one animation frame (slider step) per time; the page opens at
    ``active`` (added to the times if missing; default: the last time)."""
    go = _go()
    base = set(times) if times else set(default_times(view))
    ts = sorted(base | ({float(active)} if active is not None else set()))
    start = ts.index(float(active)) if active is not None else len(ts) - 1
    outline = _room_outlines(go, view.graph)
    frames = [
        go.Frame(
            data=_frame_traces(go, view, t, points, max_points),
            name=f"{t:.1f}",
            traces=list(range(1, 8 if points else 7)),
        )
        for t in ts
    ]
    fig = go.Figure(data=[outline, *frames[start].data], frames=frames)
    steps = [
        {
            "method": "animate",
            "label": _label(view, t),
            "args": [
                [f"{t:.1f}"],
                {
                    "mode": "immediate",
                    "frame": {"duration": 0, "redraw": True},
                    "transition": {"duration": 0},
                },
            ],
        }
        for t in ts
    ]
    fig.update_layout(
        title=f"{view.title}: scene graph memory over time",
        height=700,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        scene={
            "aspectmode": "data",
            "xaxis_title": "x (m)",
            "yaxis_title": "y (m)",
            "zaxis_title": "z (m)",
        },
        sliders=[
            {
                "active": start,
                "steps": steps,
                "currentvalue": {"prefix": "memory at "},
                "pad": {"t": 10},
            }
        ],
        legend={"itemsizing": "constant"},
    )
    return fig


def _label(view: MemoryView, t: float) -> str:
    stamp = view.stamp_at(t)
    return f"{t:.0f}s ({stamp.time_of_day})" if stamp else f"{t:.0f}s"


def save_html(
    view: MemoryView, filename: str | Path, times: Sequence[float] | None = None, **kwargs: Any
) -> Path:
    """Write the interactive view as one self-contained HTML file (plotly.js inlined)."""
    out = Path(filename)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = build_figure(view, times, **kwargs)
    fig.write_html(out, include_plotlyjs=True, full_html=True, auto_play=False)
    logger.info("HTML view written to %s (%d time steps)", out, len(fig.frames))
    return out

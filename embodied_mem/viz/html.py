"""Self-contained interactive HTML of the 3D scene graph over time (plotly, ``viz`` extra).

Nodes sit at their believed 3D positions, with each layer lifted to its own height so the
hierarchy reads at a glance (Hydra-style layered view): objects and receptacles where they
are, rooms above the house. Edges: object → receptacle (on/inside), receptacle/object → room.

Each slider step shows the memory *as it was* at that time: a recorded snapshot when the source
has them (recordings, benchmark media; the steps are then snapshot times), otherwise the final
memory's history ``graph.at(t)`` (a bare memory file), which the page says in its title. Steps
are labelled with the day and clock (``d1 08:30``); a play button runs through them; the plot
fills the browser window; plotly.js is inlined so the file opens offline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.viz.source import MemoryView
from envs.extras import require_extra
from scene_graph import Layer, SceneGraph

logger = logging.getLogger(__name__)

ROOM_LIFT = 3.5
"""Height (m) of the room layer above the floor in the layered view."""
MAX_STEPS = 60
"""Most slider steps (snapshots are thinned evenly beyond it, keeping those after interactions)."""
POINT_BUDGET = 60_000
"""Object points over all steps together (each step gets its share, at most ``max_points``)."""
_COLORS = {Layer.ROOM: "#3f51b5", Layer.RECEPTACLE: "#e69138", Layer.OBJECT: "#34a853"}
_PAGE_CSS = "<style>html,body{margin:0;height:100%;overflow:hidden}</style>"


def _go() -> Any:
    return require_extra("plotly.graph_objects", "viz", hint="the HTML view is drawn with plotly")


def default_times(view: MemoryView, count: int = 12) -> list[float]:
    """The slider's times: the snapshot times when the view has snapshots (thinned to
    ``MAX_STEPS``, keeping the first snapshot after each interaction), else ``count`` evenly
    spaced times plus every interaction time."""
    if view.snapshots:
        times = [s.time for s in view.snapshots]
        if len(times) <= MAX_STEPS:
            return times
        keep = {times[int(i)] for i in np.linspace(0, len(times) - 1, MAX_STEPS // 2)}
        for m in view.interactions:
            after = next((t for t in times if t >= m.time), None)
            if after is not None:
                keep.add(after)
        return sorted(keep)
    t0, t1 = view.time_range()
    times = set(np.linspace(t0, t1, max(2, count)).tolist()) | {m.time for m in view.interactions}
    return sorted(times)


def step_label(view: MemoryView, t: float) -> str:
    """``d1 08:30`` (the day and clock of the last pose at or before ``t``), else seconds."""
    stamp = view.stamp_at(t)
    return f"d{stamp.day} {stamp.time_of_day}" if stamp else f"{t:.0f}s"


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
    # objects label above their dot, receptacles below theirs: the two layers' labels part
    where = {
        Layer.ROOM: "top center",
        Layer.RECEPTACLE: "bottom center",
        Layer.OBJECT: "top center",
    }
    return go.Scatter3d(
        x=xyz[:, 0],
        y=xyz[:, 1],
        z=xyz[:, 2],
        mode="markers+text",
        name=f"{layer.value}s",
        text=text,
        textposition=where[layer],
        hovertext=hover,
        hoverinfo="text",
        textfont={"size": 11 if layer is Layer.ROOM else 8, "color": _COLORS[layer]},
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


def _path_traces(go: Any, view: MemoryView, t: float) -> list[Any]:
    """Today's path up to ``t`` (gaps at teleports) and the agent's pose at ``t``."""
    from embodied_mem.viz.topdown import path_segments

    stamp = view.stamp_at(t)
    today = [p for p in view.path if p.time <= t and stamp is not None and p.day == stamp.day]
    xs: list[float | None] = []
    ys: list[float | None] = []
    if view.path_is_dense:
        for piece in path_segments(today)[0]:
            xs += [*piece[:, 0].tolist(), None]
            ys += [*piece[:, 1].tolist(), None]
    else:
        xs, ys = [p.x for p in today], [p.y for p in today]
    path = go.Scatter3d(
        x=xs,
        y=ys,
        z=[None if x is None else 0.05 for x in xs],
        mode="lines" if view.path_is_dense else "markers",
        name="path today" if view.path_is_dense else "keyframe poses today",
        hoverinfo="skip",
        line={"color": "#9334e6", "width": 4},
        marker={"size": 2, "color": "#9334e6"},
    )
    ax, ay = ([stamp.x], [stamp.y]) if stamp else ([], [])
    tip = (
        ([stamp.x + 0.5 * np.cos(stamp.yaw)], [stamp.y + 0.5 * np.sin(stamp.yaw)])
        if stamp
        else ([], [])
    )
    agent = go.Scatter3d(
        x=ax + tip[0],
        y=ay + tip[1],
        z=[0.1] * (len(ax) + len(tip[0])),
        mode="lines+markers",
        name="agent (line: heading)",
        hoverinfo="skip",
        line={"color": "#d93025", "width": 6},
        marker={"size": [7, 0][: len(ax) + len(tip[0])], "color": "#d93025"},
    )
    return [path, agent]


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
    world, _ = view.memory_at(t)
    traces = [
        _node_trace(go, world, layer) for layer in (Layer.ROOM, Layer.RECEPTACLE, Layer.OBJECT)
    ]
    traces += [_edge_trace(go, world, "support"), _edge_trace(go, world, "room")]
    traces += _path_traces(go, view, t)
    if points:
        traces.append(_points_trace(go, world, max_points))
    return traces


def _slider_steps(view: MemoryView, ts: list[float]) -> list[dict[str, Any]]:
    go_to = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}
    return [
        {
            "method": "animate",
            "label": step_label(view, t),
            "args": [[f"{t:.1f}"], {**go_to, "transition": {"duration": 0}}],
        }
        for t in ts
    ]


def _controls(view: MemoryView, ts: list[float], start: int) -> dict[str, Any]:
    """Slider (one step per time, labelled ``d1 08:30``) and play/pause buttons."""
    no_fade = {"transition": {"duration": 0}}
    play = {"frame": {"duration": 700, "redraw": True}, "fromcurrent": True, **no_fade}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", **no_fade}
    return {
        "sliders": [
            {
                "active": start,
                "steps": _slider_steps(view, ts),
                "currentvalue": {"prefix": "memory at ", "font": {"size": 14}},
                "x": 0.12,
                "len": 0.86,
                "pad": {"t": 10, "b": 10},
            }
        ],
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.01,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 40},
                "showactive": False,
                "buttons": [
                    {"label": "▶ play", "method": "animate", "args": [None, play]},
                    {"label": "❚❚ pause", "method": "animate", "args": [[None], pause]},
                ],
            }
        ],
    }


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
    share = min(max_points, max(300, POINT_BUDGET // max(1, len(ts))))
    frames = [go.Frame(data=_frame_traces(go, view, t, points, share), name=f"{t:.1f}") for t in ts]
    for frame in frames:
        frame.traces = list(range(1, 1 + len(frame.data)))
    fig = go.Figure(data=[_room_outlines(go, view.graph), *frames[start].data], frames=frames)
    source = (
        "each step: the memory as it was then (recorded snapshots)"
        if view.snapshots
        else "each step: the final memory's history at that time (a memory file keeps no "
        "snapshots; record a run to see what it believed then)"
    )
    fig.update_layout(
        title={
            "text": f"{view.title}: scene graph memory over time<br><sup>{source}</sup>",
            "x": 0.01,
        },
        autosize=True,
        margin={"l": 0, "r": 0, "t": 60, "b": 0},
        scene={
            "aspectmode": "data",
            "xaxis_title": "x (m)",
            "yaxis_title": "y (m)",
            "zaxis_title": "z (m)",
        },
        legend={"itemsizing": "constant", "x": 0.01, "y": 0.92},
        **_controls(view, ts, start),
    )
    return fig


def save_html(
    view: MemoryView, filename: str | Path, times: Sequence[float] | None = None, **kwargs: Any
) -> Path:
    """Write the interactive view as one self-contained HTML file filling the browser window."""
    out = Path(filename)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = build_figure(view, times, **kwargs)
    page = fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        auto_play=False,
        default_width="100%",
        default_height="100vh",
        div_id="memory-graph",
        config={"responsive": True, "displaylogo": False},
    )
    out.write_text(page.replace("<head>", "<head>" + _PAGE_CSS, 1), encoding="utf-8")
    logger.info("HTML view written to %s (%d time steps)", out, len(fig.frames))
    return out

"""Top-down PNG of a memory (matplotlib, ``viz`` extra): one panel per day.

Each panel shows what the memory held at the end of that day (at ``time`` for the last one):
room footprints, the agent's own free-space map and places graph when the memory has one,
receptacle boxes, objects, and that day's path and interactions with their clock times. The
path is every step when the source has them (a recording, a benchmark episode): consecutive
steps never cross a wall, and a teleport (a step longer than any walk step) is drawn as a
dotted jump. A bare memory file keeps only keyframe poses; those are drawn as dots, because a
straight line between them could cut through a wall. Labels are moved apart with adjustText.

Everything drawn is the memory's belief, not ground truth: from its snapshot at that time when
the source has snapshots (recordings, benchmark media), else the final memory's history
(``graph.at(t)``), which the title then says.
"""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.viz.source import MemoryView, PathPoint
from envs.extras import require_extra
from scene_graph import Layer

logger = logging.getLogger(__name__)

_ROOM_COLORS = ("#e8f0fe", "#fdf1dc", "#e6f4ea", "#fce8e6", "#f3e8fd", "#e0f7fa", "#fff8e1")
DAY_COLORS = ("#9334e6", "#e8710a", "#129eaf", "#c5221f", "#188038", "#5f6368")
_KIND_STYLE = {
    "pick": ("^", "#d93025"),
    "place": ("v", "#188038"),
    "open": ("s", "#1a73e8"),
    "close": ("s", "#5f6368"),
}
LEGEND_ROW_INCHES = 0.25
_LEGEND_ENTRIES = 6 + len(_KIND_STYLE) + 2
"""At most: path, jump, day start/end, object, receptacle, the four kinds, the own map's two."""
_LEGEND_COLS_PER_PANEL = 3
_TITLE_CHARS_PER_INCH = 9.5
"""Bold 11 pt characters per inch of figure width, with a margin (the title is wrapped
to this, so a one-panel figure never cuts it off)."""
MIN_JUMP_M = 0.75
"""A step at least this long (and 3x the median step) is a teleport, drawn as a jump."""


@dataclass
class DayPanel:
    """One day of the picture: its path, its interactions and the memory at its end."""

    day: int
    end: float
    path: list[PathPoint]
    marks: list[Any]


def _figure(size: tuple[float, float]) -> Any:
    require_extra("matplotlib", "viz", hint="the top-down view is drawn with matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)  # its own Agg canvas: no pyplot state, never a window
    return fig


def day_panels(view: MemoryView, t: float) -> list[DayPanel]:
    """Days up to ``t``, each with its path, interactions and the time its memory is shown at."""
    path = [p for p in view.path if p.time <= t]
    marks = [m for m in view.interactions if m.time <= t]
    days = sorted({p.day for p in path} | {m.day for m in marks}) or [0]
    panels = []
    for d in days:
        mine = [p for p in path if p.day == d]
        times = [p.time for p in mine] + [m.time for m in marks if m.day == d]
        end = t if d == days[-1] else max(times, default=t)
        panels.append(DayPanel(d, end, mine, [m for m in marks if m.day == d]))
    return panels


def render_topdown(
    view: MemoryView,
    time: float | None = None,
    *,
    labels: bool = True,
    panel_inches: tuple[float, float] = (8.0, 6.6),
) -> Any:  # -> matplotlib Figure
    """A matplotlib figure of the memory up to ``time`` seconds (None = the end)."""
    t = view.time_range()[1] if time is None else float(time)
    panels = day_panels(view, t)
    cols = min(2, len(panels))
    rows = int(np.ceil(len(panels) / cols))
    legend_rows = int(np.ceil(_LEGEND_ENTRIES / (_LEGEND_COLS_PER_PANEL * cols)))
    bottom = LEGEND_ROW_INCHES * legend_rows + 0.2  # the legend sits under the panels
    width = panel_inches[0] * cols
    title_lines = 2 if cols == 1 else 1  # a one-panel title is wrapped to fit the figure
    top = 0.25 + 0.2 * title_lines
    fig = _figure((width, panel_inches[1] * rows + bottom + top - 0.45))
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(len(panels))]
    bounds = _bounds(view)
    own_map = [
        _draw_panel(ax, view, panel, bounds, labels) for ax, panel in zip(axes, panels, strict=True)
    ]
    source = (
        "memory as it was (snapshots)"
        if view.snapshots
        else "the final memory's history (no snapshots in this source)"
    )
    stamp = view.stamp_at(t)
    when = f"d{stamp.day} {stamp.time_of_day}" if stamp else f"t={t:.0f}s"
    title = f"{view.title} — up to {when}; {source}"
    chars = int(width * _TITLE_CHARS_PER_INCH)
    fig.suptitle(textwrap.fill(title, chars), fontsize=11, weight="bold")
    _legend(fig, view, any(own_map), ncols=_LEGEND_COLS_PER_PANEL * cols)
    height = fig.get_figheight()
    fig.tight_layout(rect=(0, bottom / height, 1, 1 - top / height))
    return fig


def save_topdown(
    view: MemoryView,
    filename: str | Path,
    time: float | None = None,
    *,
    dpi: int = 100,
    **kwargs: Any,
) -> Path:
    """Write :func:`render_topdown` to a PNG and return its path."""
    out = Path(filename)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = render_topdown(view, time, **kwargs)
    fig.savefig(out, dpi=dpi, metadata={"Software": None})
    logger.info("top-down map written to %s", out)
    return out


def _bounds(view: MemoryView) -> tuple[float, float, float, float] | None:
    """The house's extent from room footprints and the path (every panel shares it)."""
    pts = [p for r in view.graph.rooms() for p in (r.attributes.get("footprint") or [])]
    pts += [(p.x, p.y) for p in view.path]
    if not pts:
        return None
    arr = np.asarray(pts, dtype=float)
    (x0, y0), (x1, y1) = arr.min(axis=0) - 0.3, arr.max(axis=0) + 0.3
    return float(x0), float(x1), float(y0), float(y1)


def _draw_panel(ax: Any, view: MemoryView, panel: DayPanel, bounds: Any, labels: bool) -> bool:
    """Draw one day; True when the agent's own map was drawn."""
    world, free_space = view.memory_at(panel.end)
    _draw_rooms(ax, world)
    _draw_free_space(ax, free_space)
    texts = _draw_receptacles(ax, world, labels)
    texts += _draw_objects(ax, world, labels)
    color = DAY_COLORS[panel.day % len(DAY_COLORS)]
    steps = _draw_path(ax, panel.path, view.path_is_dense, color)
    texts += _draw_interactions(ax, panel.marks, labels)
    if bounds is not None:
        ax.set_xlim(bounds[0], bounds[1])
        ax.set_ylim(bounds[2], bounds[3])
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.grid(True, alpha=0.15)
    span = ""
    if panel.path:
        span = f" {panel.path[0].time_of_day}–{panel.path[-1].time_of_day}"
    ax.set_title(
        f"day {panel.day}{span}: {steps}, {len(panel.marks)} pick/place/open/close\n"
        f"memory: {len(world.objects())} objects, {len(world.receptacles())} receptacles",
        fontsize=9,
        color=color,
        weight="bold",
    )
    if labels and texts:
        _spread_labels(ax, texts)
    return bool(free_space and free_space.get("shape") and free_space["shape"][0])


LABEL_ITERATIONS = 50
"""Rounds of adjustText's label spreading per panel. A crowded panel (40 labels) never gets
every overlap out: its leftover overlap only wavers from round 50 to 400, so the layouts look
alike. Every episode's top-down is drawn in its worker, so this is paid per episode: a two-day
full-suite top-down took 3.6 s of CPU at 100 rounds and 2.5 s at 50, out of about a minute for
the whole episode. (A limit in seconds, as before, cost 2 s of every panel of every episode
and gave another picture on a busier machine.)"""


def _spread_labels(ax: Any, texts: list[Any]) -> None:
    """Move labels off each other (adjustText), with a thin leader to their point; the same
    layout on any machine (a number of rounds, not a time limit)."""
    from adjustText import adjust_text

    adjust_text(
        texts,
        ax=ax,
        expand=(1.15, 1.3),
        arrowprops={"arrowstyle": "-", "color": "#80868b", "lw": 0.5},
        ensure_inside_axes=True,
        max_move=(12, 12),
        iter_lim=LABEL_ITERATIONS,
    )


def _draw_rooms(ax: Any, world: Any) -> None:
    from matplotlib.patches import Polygon

    for i, room in enumerate(sorted(world.rooms(), key=lambda n: n.id)):
        fp = room.attributes.get("footprint")
        if not fp:
            continue
        pts = np.asarray(fp, dtype=float)
        ax.add_patch(
            Polygon(
                pts,
                closed=True,
                facecolor=_ROOM_COLORS[i % len(_ROOM_COLORS)],
                edgecolor="#3c4043",
                linewidth=1.2,
                zorder=0,
            )
        )
        ax.text(
            pts[:, 0].min() + 0.1,
            pts[:, 1].max() - 0.1,
            room.attributes.get("name") or room.category,
            fontsize=8,
            va="top",
            weight="bold",
            color="#3c4043",
            zorder=1,
        )


def _draw_free_space(ax: Any, state: dict[str, Any] | None) -> None:
    """The map the agent built itself (seen floor light, obstacles dark) and its places graph."""
    if not state or not state.get("shape") or not state["shape"][0]:
        return
    from embodied_mem.memory.places import build_places
    from embodied_mem.memory.spatial import free_space_from_state

    fmap = free_space_from_state(state)
    rs, cs = fmap.extent()
    rgba = np.zeros((*fmap.shape, 4))
    rgba[fmap.seen | fmap.visited] = (1.0, 1.0, 1.0, 0.55)
    rgba[fmap.occupied] = (0.25, 0.25, 0.28, 0.85)
    res = fmap.config.resolution
    x0, y0 = fmap.origin + np.array([cs.start, rs.start]) * res
    extent = (x0, x0 + (cs.stop - cs.start) * res, y0, y0 + (rs.stop - rs.start) * res)
    ax.imshow(rgba[rs, cs], origin="lower", extent=extent, interpolation="nearest", zorder=1)
    places = build_places(fmap)
    for a, b in places.edges:
        pa, pb = places.nodes[a]["xy"], places.nodes[b]["xy"]
        ax.plot([pa[0], pb[0]], [pa[1], pb[1]], "-", color="#80868b", lw=0.5, zorder=1.5)
    if places.number_of_nodes():
        xy = np.array([places.nodes[n]["xy"] for n in places])
        ax.scatter(xy[:, 0], xy[:, 1], s=5, c="#80868b", zorder=1.6, label="places")


def _draw_receptacles(ax: Any, world: Any, labels: bool) -> list[Any]:
    from matplotlib.patches import Rectangle

    texts = []
    for node in world.receptacles():
        lo, hi = node.bbox_min, node.bbox_max
        opened = node.state is not None and node.state.value == "open"
        ax.add_patch(
            Rectangle(
                (lo[0], lo[1]),
                hi[0] - lo[0],
                hi[1] - lo[1],
                facecolor="#c8a27a",
                alpha=0.6,
                edgecolor="#1a73e8" if opened else "#6d4c41",
                linewidth=1.0,
                zorder=2,
            )
        )
        if labels:
            texts.append(
                ax.text(
                    *node.centroid[:2],
                    node.category,
                    fontsize=6,
                    ha="center",
                    va="center",
                    color="#4e342e",
                    zorder=3,
                )
            )
    return texts


def _draw_objects(ax: Any, world: Any, labels: bool) -> list[Any]:
    objs = [n for n in world.nodes(Layer.OBJECT) if n.state is None or n.state.value != "held"]
    if not objs:
        return []
    xy = np.array([n.centroid[:2] for n in objs])
    ax.scatter(xy[:, 0], xy[:, 1], s=26, c="#f9ab00", edgecolors="black", linewidths=0.6, zorder=5)
    if not labels:
        return []
    return [
        ax.text(p[0], p[1], n.category, fontsize=7, zorder=6, color="#202124")
        for n, p in zip(objs, xy, strict=True)
    ]


def path_segments(path: list[PathPoint]) -> tuple[list[np.ndarray], list[tuple[Any, Any]]]:
    """The walked stretches (each an (N, 2) array) and the jumps (teleports) between them."""
    if not path:
        return [], []
    xy = np.array([(p.x, p.y) for p in path], dtype=float)
    steps = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    moving = steps[steps > 1e-6]
    limit = max(MIN_JUMP_M, 3.0 * float(np.median(moving))) if len(moving) else MIN_JUMP_M
    cuts = np.nonzero(steps > limit)[0] + 1
    pieces = np.split(xy, cuts)
    jumps = [(xy[c - 1], xy[c]) for c in cuts]
    return pieces, jumps


def _draw_path(ax: Any, path: list[PathPoint], dense: bool, color: str) -> str:
    """Draw one day's path; returns how it is described in the panel title."""
    if not path:
        return "no poses"
    if not dense:  # keyframe poses only: dots, no straight lines through walls
        xy = np.array([(p.x, p.y) for p in path])
        ax.scatter(xy[:, 0], xy[:, 1], s=9, color=color, alpha=0.8, zorder=4)
        _ends(ax, path, color)
        return f"{len(path)} keyframe poses"
    pieces, jumps = path_segments(path)
    for piece in pieces:
        ax.plot(piece[:, 0], piece[:, 1], "-", color=color, lw=1.4, alpha=0.85, zorder=4)
    for a, b in jumps:
        ax.annotate(
            "",
            xy=tuple(b),
            xytext=tuple(a),
            arrowprops={"arrowstyle": "->", "ls": ":", "color": "#5f6368", "lw": 0.8, "alpha": 0.6},
            zorder=4,
        )
    _ends(ax, path, color)
    return f"{len(path)} steps, {len(jumps)} teleport{'s' if len(jumps) != 1 else ''}"


def _ends(ax: Any, path: list[PathPoint], color: str) -> None:
    first, last = path[0], path[-1]
    ax.plot(first.x, first.y, "o", color="#188038", ms=7, mec="white", zorder=7)
    ax.plot(last.x, last.y, "o", color=color, ms=7, mec="white", zorder=7)
    ax.annotate(
        "",
        xy=(last.x + 0.45 * np.cos(last.yaw), last.y + 0.45 * np.sin(last.yaw)),
        xytext=(last.x, last.y),
        arrowprops={"arrowstyle": "->", "color": color, "lw": 2},
        zorder=7,
    )


def _draw_interactions(ax: Any, marks: list[Any], labels: bool) -> list[Any]:
    texts = []
    for kind, (marker, color) in _KIND_STYLE.items():
        sel = [m for m in marks if m.kind == kind and m.point is not None]
        if not sel:
            continue
        xy = np.array([m.point[:2] for m in sel])
        ax.scatter(xy[:, 0], xy[:, 1], marker=marker, s=80, c=color, edgecolors="white", zorder=8)
        if labels:
            texts += [
                ax.text(
                    p[0],
                    p[1],
                    f"{kind} {m.category or '?'} {m.time_of_day}",
                    fontsize=7,
                    color=color,
                    weight="bold",
                    zorder=9,
                )
                for m, p in zip(sel, xy, strict=True)
            ]
    return texts


def _legend(fig: Any, view: MemoryView, own_map: bool, ncols: int) -> None:
    """One legend for the figure, under the panels, ``ncols`` entries a row."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Line2D([], [], color=DAY_COLORS[0], lw=1.5, label="path (colour = day)")
        if view.path_is_dense
        else Line2D([], [], ls="", marker=".", color=DAY_COLORS[0], label="keyframe poses"),
        Line2D([], [], ls=":", color="#5f6368", label="teleport (jump)"),
        Line2D([], [], ls="", marker="o", color="#188038", label="day start"),
        Line2D([], [], ls="", marker="o", color=DAY_COLORS[0], label="day end (arrow: heading)"),
        Line2D([], [], ls="", marker="o", mfc="#f9ab00", mec="black", label="object"),
        Patch(facecolor="#c8a27a", edgecolor="#6d4c41", label="receptacle (blue edge: open)"),
    ]
    handles += [
        Line2D([], [], ls="", marker=m, color=c, label=k) for k, (m, c) in _KIND_STYLE.items()
    ]
    if own_map:
        handles += [
            Patch(facecolor="white", edgecolor="#bbb", label="own map: seen floor"),
            Patch(facecolor="#404048", label="own map: obstacle"),
        ]
    fig.legend(
        handles=handles,
        loc="lower center",
        ncols=ncols,
        fontsize=8,
        frameon=False,
        borderaxespad=0.2,
    )

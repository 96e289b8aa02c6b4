"""Top-down PNG of a memory at time t (matplotlib, ``viz`` extra): room footprints, receptacle
boxes, objects with labels, the agent's path up to t and its interactions with clock times.

Everything drawn is the memory's belief at t (the world instance ``graph.at(t)``), not ground
truth, so the picture shows what the agent would answer from.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from embodied_mem.viz.source import MemoryView
from scene_graph import Layer

logger = logging.getLogger(__name__)

_ROOM_COLORS = (
    "#e8f0fe",
    "#fdf1dc",
    "#e6f4ea",
    "#fce8e6",
    "#f3e8fd",
    "#e0f7fa",
    "#fff8e1",
    "#efebe9",
)
_KIND_STYLE = {
    "pick": ("^", "#d93025"),
    "place": ("v", "#188038"),
    "open": ("s", "#1a73e8"),
    "close": ("s", "#5f6368"),
}


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg")  # headless: never try to open a window
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the top-down view needs matplotlib; install it with `pip install 'embodied-mem[viz]'`"
        ) from exc
    return plt


def render_topdown(
    view: MemoryView,
    time: float | None = None,
    *,
    labels: bool = True,
    size_inches: tuple[float, float] = (9.0, 7.0),
):  # -> matplotlib Figure
    """A matplotlib figure of the memory at ``time`` seconds (None = the end)."""
    plt = _plt()
    t = view.time_range()[1] if time is None else float(time)
    world = view.graph.at(t)
    fig, ax = plt.subplots(figsize=size_inches)
    _draw_rooms(ax, world)
    _draw_receptacles(ax, world, labels)
    _draw_objects(ax, world, labels)
    _draw_path(ax, [p for p in view.path if p.time <= t])
    _draw_interactions(ax, [m for m in view.interactions if m.time <= t])
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    clock = _clock_at(view, t)
    ax.set_title(
        f"{view.title} — memory at t={t:.0f}s{clock}: "
        f"{len(world.objects())} objects, {len(world.receptacles())} receptacles"
    )
    ax.grid(True, alpha=0.2)
    fig.tight_layout()
    return fig


def save_topdown(
    view: MemoryView,
    filename: str | Path,
    time: float | None = None,
    *,
    dpi: int = 100,
    **kwargs: object,
) -> Path:
    """Write :func:`render_topdown` to a PNG and return its path."""
    plt = _plt()
    out = Path(filename)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = render_topdown(view, time, **kwargs)  # type: ignore[arg-type]
    try:
        fig.savefig(out, dpi=dpi)
    finally:
        plt.close(fig)
    logger.info("top-down map written to %s", out)
    return out


def _clock_at(view: MemoryView, t: float) -> str:
    stamp = view.stamp_at(t)
    return f" (day {stamp.day} {stamp.time_of_day})" if stamp else ""


def _draw_rooms(ax, world) -> None:  # noqa: ANN001 - matplotlib Axes
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
                linewidth=1.5,
                zorder=0,
            )
        )
        name = room.attributes.get("name") or room.category
        ax.text(
            pts[:, 0].min() + 0.1,
            pts[:, 1].max() - 0.1,
            name,
            fontsize=9,
            va="top",
            weight="bold",
            color="#3c4043",
            zorder=1,
        )
        ax.update_datalim(pts)
    ax.autoscale_view()


def _draw_receptacles(ax, world, labels: bool) -> None:  # noqa: ANN001
    from matplotlib.patches import Rectangle

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
            ax.text(
                node.centroid[0],
                node.centroid[1],
                node.category,
                fontsize=6,
                ha="center",
                va="center",
                color="#4e342e",
                zorder=3,
            )


def _draw_objects(ax, world, labels: bool) -> None:  # noqa: ANN001
    objs = [n for n in world.nodes(Layer.OBJECT) if n.state is None or n.state.value != "held"]
    if not objs:
        return
    xy = np.array([n.centroid[:2] for n in objs])
    ax.scatter(xy[:, 0], xy[:, 1], s=28, c="#f9ab00", edgecolors="black", linewidths=0.6, zorder=5)
    if labels:
        placed: list[np.ndarray] = []
        for n, p in zip(objs, xy, strict=True):
            ax.annotate(
                n.category,
                tuple(p),
                xytext=(3, 3 + 8 * _crowd(placed, p)),
                textcoords="offset points",
                fontsize=7,
                zorder=6,
            )


def _draw_path(ax, path) -> None:  # noqa: ANN001
    if not path:
        return
    xy = np.array([(p.x, p.y) for p in path])
    ax.plot(
        xy[:, 0],
        xy[:, 1],
        "-",
        color="#9334e6",
        linewidth=1.5,
        alpha=0.8,
        zorder=4,
        label="agent path",
    )
    ax.plot(*xy[0], "o", color="#188038", markersize=7, zorder=7, label="start")
    last = path[-1]
    ax.annotate(
        "",
        xy=(last.x + 0.4 * np.cos(last.yaw), last.y + 0.4 * np.sin(last.yaw)),
        xytext=(last.x, last.y),
        arrowprops={"arrowstyle": "->", "color": "#9334e6", "lw": 2},
        zorder=7,
    )


def _crowd(placed: list[np.ndarray], p: np.ndarray) -> int:
    """How many labels already sit on roughly the same text line near ``p`` (then records ``p``).

    Objects on one table and repeated interactions at one spot crowd together; their labels
    are stacked by this count instead of overprinting each other.
    """
    n = sum(abs(float(p[0] - q[0])) < 1.0 and abs(float(p[1] - q[1])) < 0.25 for q in placed)
    placed.append(p)
    return n


def _draw_interactions(ax, marks) -> None:  # noqa: ANN001
    placed: list[np.ndarray] = []
    for kind in _KIND_STYLE:
        sel = [m for m in marks if m.kind == kind and m.point is not None]
        if not sel:
            continue
        marker, color = _KIND_STYLE[kind]
        xy = np.array([m.point[:2] for m in sel])  # type: ignore[index]
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            marker=marker,
            s=90,
            c=color,
            edgecolors="white",
            zorder=8,
            label=kind,
        )
        for m, p in zip(sel, xy, strict=True):
            what = f" {m.category}" if m.category else ""
            ax.annotate(
                f"{kind}{what} {m.time_of_day}",
                tuple(p),
                xytext=(6, -10 - 9 * _crowd(placed, p)),
                textcoords="offset points",
                fontsize=7,
                color=color,
                weight="bold",
                zorder=9,
            )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=7, framealpha=0.8)

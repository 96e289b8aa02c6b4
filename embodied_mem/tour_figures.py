"""Labelled pictures of a house tour (matplotlib, ``viz`` extra): the contact sheet and the map.

- contact sheet: one row per saved frame (its frame number, clock time and room on the left),
  columns headed "RGB", "depth (m)" and "instance ids (ORACLE)", and a depth colour bar in
  metres under the depth column (black = no reading);
- map: the house drawn to scale (axes in metres) with a legend for every kind of mark, a 1 m
  scale bar, room names and the walked path with its start and end.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from envs.builtin import catalog
from envs.builtin.house import House
from envs.builtin.topdown import render_topdown
from envs.extras import require_extra
from envs.types import Observation

DEPTH_MAX_M = 8.0
"""Top of the depth colour scale (metres); farther readings saturate."""
_PX_PER_M = 60.0
_MAP_MARGIN_M = 0.4  # the margin envs.builtin.topdown draws around the house


def _figure(size: tuple[float, float], dpi: int = 100) -> Any:
    """A matplotlib Figure with its own Agg canvas (no pyplot state, no display)."""
    require_extra(
        "matplotlib", "viz", hint="the tour's labelled pictures are drawn with matplotlib"
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path: Path) -> Path:
    """Write a figure as PNG (no Software/date metadata: the same tour gives the same bytes)."""
    fig.savefig(path, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.08)
    return path


def contact_sheet_figure(
    observations: Sequence[Observation],
    palette_of: Any,
    title: str,
    room_names: dict[str, str] | None = None,
) -> Any:
    """A figure: frames as rows; RGB, depth and instance columns with headers; a depth colour
    bar in metres.

    Args:
        palette_of: ``(H, W) int ids -> (H, W, 3) uint8`` colouring of instance ids.
        room_names: room id -> name for the row labels (ids shown otherwise).
    """
    names = room_names or {}
    cols = ["RGB"] * any(o.rgb is not None for o in observations) + ["depth (m)"]
    cols += ["instance ids (ORACLE)"] * any(o.instance_ids is not None for o in observations)
    h, w = observations[0].depth.shape
    cell_w, label_w, bar_h = 2.6, 1.1, 0.55
    cell_h = cell_w * h / w
    fig = _figure((label_w + cell_w * len(cols), 0.5 + cell_h * len(observations) + bar_h))
    grid = fig.add_gridspec(
        len(observations) + 1,
        len(cols),
        height_ratios=[cell_h] * len(observations) + [bar_h * 0.35],
        left=label_w / fig.get_figwidth(),
        right=0.99,
        top=1 - 0.45 / fig.get_figheight(),
        bottom=0.45 / fig.get_figheight(),
        hspace=0.05,
        wspace=0.03,
    )
    depth_image = None
    for r, obs in enumerate(observations):
        for c, name in enumerate(cols):
            ax = fig.add_subplot(grid[r, c])
            image = _sheet_cell(ax, obs, name, palette_of)
            depth_image = image if name.startswith("depth") else depth_image
            if r == 0:
                ax.set_title(name, fontsize=10, weight="bold")
            if c == 0:
                room = names.get(obs.room_id, obs.room_id) if obs.room_id else "no room"
                ax.set_ylabel(
                    f"frame {obs.frame_index}\nd{obs.time.day} {obs.time.time_of_day}\n{room}",
                    fontsize=8,
                    rotation=0,
                    ha="right",
                    va="center",
                )
    if depth_image is not None:
        bar = fig.colorbar(
            depth_image,
            cax=fig.add_subplot(grid[-1, cols.index("depth (m)")]),
            orientation="horizontal",
        )
        bar.set_label(f"depth (m); black = no reading, ≥ {DEPTH_MAX_M:g} m saturates", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=11, y=1 - 0.08 / fig.get_figheight(), va="top")
    return fig


def _sheet_cell(ax: Any, obs: Observation, column: str, palette_of: Any) -> Any:
    """Draw one frame's ``column`` panel; returns the image artist."""
    from matplotlib import colormaps

    ax.set_xticks([])
    ax.set_yticks([])
    if column == "RGB":
        return ax.imshow(obs.rgb)
    if column.startswith("depth"):
        valid = np.isfinite(obs.depth) & (obs.depth > 0)
        depth = np.ma.masked_array(obs.depth, mask=~valid)
        cmap = colormaps["turbo"].with_extremes(bad="black")
        return ax.imshow(depth, cmap=cmap, vmin=0.0, vmax=DEPTH_MAX_M)
    return ax.imshow(palette_of(obs.instance_ids))


def tour_map_figure(house: House, walk_path: Sequence[Sequence[float]], title: str) -> Any:
    """A figure: the house to scale with axes in metres, a legend, a 1 m scale bar and the
    walked path."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    image = render_topdown(house, None, px_per_m=_PX_PER_M, labels=False)
    x0, _, _, y1 = house.bounds
    left, top = x0 - _MAP_MARGIN_M, y1 + _MAP_MARGIN_M
    extent = (left, left + image.shape[1] / _PX_PER_M, top - image.shape[0] / _PX_PER_M, top)
    width_m, height_m = extent[1] - extent[0], extent[3] - extent[2]
    fig = _figure((min(11.0, 1.1 * width_m + 3.5), min(9.0, 0.9 * height_m + 1.4)))
    ax = fig.add_subplot()
    ax.imshow(image, extent=extent, interpolation="nearest")
    for room in house.rooms:
        ax.text(
            room.x0 + 0.15,
            room.y1 - 0.15,
            room.name,
            fontsize=8,
            va="top",
            weight="bold",
            color="#202124",
            bbox={"facecolor": "white", "alpha": 0.6, "lw": 0, "pad": 1},
        )
    xy = np.asarray([(p[0], p[1]) for p in walk_path], dtype=float).reshape(-1, 2)
    if len(xy):
        ax.plot(xy[:, 0], xy[:, 1], "-", color="#d7191c", lw=2, zorder=3)
        ax.plot(*xy[0], "o", color="#1a9641", ms=8, zorder=4)
        ax.plot(*xy[-1], "o", color="#2c7bb6", ms=8, zorder=4)
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.add_artist(
        AnchoredSizeBar(
            ax.transData,
            1.0,
            "1 m",
            "lower left",
            pad=0.4,
            sep=3,
            frameon=True,
            size_vertical=0.05,
            fontproperties={"size": 8},
        )
    )
    _map_legend(ax)
    ax.set_title(title, fontsize=10)
    return fig


def _map_legend(ax: Any) -> None:
    """A legend entry for every kind of mark on the tour map, outside the map on the right."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    floor = tuple(np.asarray(catalog.ROOM_FLOOR_RGB["living_room"]))
    handles = [
        Patch(facecolor=floor, edgecolor="none", label="room floor (colour = room type)"),
        Patch(facecolor="#3c3c3c", label="wall"),
        Patch(facecolor="#a07850", edgecolor="black", label="furniture (receptacle)"),
        Patch(facecolor="#a07850", edgecolor="#c82828", label="openable furniture"),
        Line2D([], [], ls="", marker=".", color="#1e1e1e", label="furniture front"),
        Line2D([], [], ls="", marker="o", mfc="#e0c040", mec="black", label="object (its colour)"),
        Line2D([], [], color="#d7191c", lw=2, label="walked path"),
        Line2D([], [], ls="", marker="o", color="#1a9641", label="start"),
        Line2D([], [], ls="", marker="o", color="#2c7bb6", label="end"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )

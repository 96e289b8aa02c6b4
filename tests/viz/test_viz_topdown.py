"""The top-down: every step of the path and no drawn segment through a wall, teleports as
jumps, one panel per day, labels moved apart, the episode in the title."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the top-down needs the viz extra")

from embodied_mem.viz import load_view, view_from_memory  # noqa: E402
from embodied_mem.viz.source import PathPoint  # noqa: E402
from embodied_mem.viz.topdown import (  # noqa: E402
    DAY_COLORS,
    path_segments,
    render_topdown,
    save_topdown,
)


def _path_lines(ax, color: str) -> list[np.ndarray]:
    """The walked stretches drawn in ``color`` (matplotlib Line2D data)."""
    return [
        np.c_[line.get_xdata(), line.get_ydata()]
        for line in ax.get_lines()
        if line.get_color() == color and len(line.get_xdata()) > 1
    ]


def test_path_segments_cut_at_teleports():
    walk = [PathPoint(float(i), 0.25 * i, 0.0, 0.0, 0, "08:00") for i in range(8)]
    jump = [PathPoint(10.0 + i, 5.0 + 0.25 * i, 3.0, 0.0, 0, "09:00") for i in range(4)]
    pieces, jumps = path_segments(walk + jump)
    assert [len(p) for p in pieces] == [8, 4] and len(jumps) == 1
    assert np.allclose(jumps[0][0], (1.75, 0.0)) and np.allclose(jumps[0][1], (5.0, 3.0))


def test_every_step_one_panel_per_day_and_no_segment_through_a_wall(demo_run):
    from envs.builtin import BuiltinEnvConfig, BuiltinHouseEnv

    view = load_view(demo_run[0])
    fig = render_topdown(view)
    days = view.days()
    assert len(fig.axes) == len(days)
    assert view.title in fig._suptitle.get_text() and "snapshots" in fig._suptitle.get_text()
    with BuiltinHouseEnv(BuiltinEnvConfig(width=160, height=120)) as env:
        env.reset(seed=0)  # the demo run's house
        walls = env.house.walls
    for ax, day in zip(fig.axes, days, strict=True):
        assert ax.get_title().startswith(f"day {day}")
        drawn = _path_lines(ax, DAY_COLORS[day % len(DAY_COLORS)])
        steps = [p for p in view.path if p.day == day]
        assert sum(len(line) for line in drawn) == len(steps)  # every recorded step is drawn
        for line in drawn:
            for a, b in zip(line[:-1], line[1:], strict=True):
                for s in np.linspace(0, 1, 9):
                    x, y = a + s * (b - a)
                    # a wall is 0.1 m thick: a sample well inside one means the line crossed it
                    assert not any(
                        abs(x - w.cx) < w.hx - 0.02 and abs(y - w.cy) < w.hy - 0.02 for w in walls
                    ), f"segment {a} -> {b} crosses a wall"


def test_titles_and_legend_fit_in_the_picture_with_one_panel_or_two(demo_run):
    """A one-panel top-down (the report's episode cards) had its title and legend cut off at
    both sides: every title, panel title and legend entry must lie inside the figure."""
    view = load_view(demo_run[0])
    first_day_end = max(p.time for p in view.path if p.day == view.days()[0])
    figures = [render_topdown(view, first_day_end), render_topdown(view)]
    assert len(figures[0].axes) == 1
    for fig in figures:
        fig.canvas.draw()  # lays the legend out
        renderer = fig.canvas.get_renderer()
        frame = fig.bbox
        texts = [fig._suptitle, *(ax.title for ax in fig.axes)]
        texts += [t for legend in fig.legends for t in legend.get_texts()]
        for text in texts:
            box = text.get_window_extent(renderer)
            inside = box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
            assert inside and box.y1 <= frame.y1, (
                f"{text.get_text()!r} is cut off: {box} in {frame}"
            )
        for legend in fig.legends:
            below = legend.get_window_extent(renderer).y1
            assert all(below <= ax.get_tightbbox(renderer).y0 + 1 for ax in fig.axes)


def test_labels_are_moved_apart(demo_run):
    fig = render_topdown(load_view(demo_run[0]))
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().strip()]
        overlaps = sum(
            a.overlaps(b) and _area(a, b) > 0.3 * min(a.width * a.height, b.width * b.height)
            for i, a in enumerate(boxes)
            for b in boxes[i + 1 :]
        )
        assert overlaps <= max(1, len(boxes) // 10), f"{overlaps} of {len(boxes)} labels overlap"


def test_the_same_memory_gives_the_same_picture(demo_run, tmp_path):
    """Labels are spread for a number of rounds, not seconds: no machine load changes it."""
    view = load_view(demo_run[0])
    first, second = save_topdown(view, tmp_path / "a.png"), save_topdown(view, tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()


def _area(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0.0, w) * max(0.0, h)


def test_a_memory_file_draws_keyframe_poses_as_dots_and_says_whose_history(demo_run):
    view = view_from_memory(demo_run[1], title="bare memory")
    assert not view.path_is_dense and not view.snapshots
    fig = render_topdown(view)
    assert "final memory's history" in fig._suptitle.get_text()
    for ax in fig.axes:
        assert "keyframe poses" in ax.get_title()
        assert not any(len(line.get_xdata()) > 2 for line in ax.get_lines())  # no straight lines

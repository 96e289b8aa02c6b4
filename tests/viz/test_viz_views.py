"""Top-down PNG and HTML view of a real recorded run's memory."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from embodied_mem.replay import load_run
from embodied_mem.viz import load_view, view_from_memory
from embodied_mem.viz.html import build_figure, default_times, save_html
from embodied_mem.viz.topdown import save_topdown


def test_view_of_a_run_matches_the_live_memory(demo_run):
    run_dir, live = demo_run
    view = load_view(run_dir)
    assert sorted(n.id for n in view.graph.nodes()) == sorted(
        n.id for n in live.long_term.graph.nodes()
    )
    assert [m.kind for m in view.interactions] == ["pick", "place", "pick", "place"]
    assert all(m.category for m in view.interactions)  # resolved to memory objects
    assert len(view.path) == load_run(run_dir).header["frames"]  # every recorded pose
    assert view.path == sorted(view.path, key=lambda p: p.time)
    assert view_from_memory(live).graph.equals(view.graph)


def test_resolve_time_accepts_seconds_and_clock(demo_run):
    view = load_view(demo_run[0])
    first = view.interactions[0]
    assert view.resolve_time(first.time_of_day) >= first.time  # last moment at or before HH:MM
    assert view.resolve_time("12.5") == 12.5
    assert view.resolve_time(None) == view.time_range()[1]
    with pytest.raises(ValueError, match="seconds or HH:MM"):
        view.resolve_time("noon")
    with pytest.raises(ValueError, match="nothing recorded"):
        view.resolve_time("05:00")


def test_topdown_png_is_a_real_picture_and_changes_over_time(demo_run, tmp_path):
    view = load_view(demo_run[0])
    end = save_topdown(view, tmp_path / "end.png")
    start = save_topdown(view, tmp_path / "start.png", time=view.time_range()[0])
    a = np.asarray(Image.open(end).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(start).convert("RGB"), dtype=float)
    assert a.shape[0] > 300 and a.shape[1] > 400 and a.std() > 20  # drawn, not blank
    assert end.stat().st_size < 300_000
    assert np.abs(a - b).mean() > 0.5  # objects, path and interactions appear over time


def test_html_view_is_self_contained_with_one_slider_step_per_time(demo_run, tmp_path):
    view = load_view(demo_run[0])
    times = default_times(view, count=5)
    assert times == [s.time for s in view.snapshots]  # a recording: the steps are its snapshots
    assert all(any(t >= m.time for t in times) for m in view.interactions)
    fig = build_figure(view, times)
    assert len(fig.frames) == len(times) == len(fig.layout.sliders[0].steps)
    n_objects_first = len(fig.frames[0].data[2].x)
    n_objects_last = len(fig.frames[-1].data[2].x)
    assert n_objects_first < n_objects_last  # the memory grows along the slider
    mid = (times[0] + times[-1]) / 2 + 0.25
    opened = build_figure(view, times, active=mid)
    assert len(opened.frames) == len(times) + 1 and opened.layout.sliders[0].active == sorted(
        [*times, mid]
    ).index(mid)
    html = save_html(view, tmp_path / "view.html", times).read_text()
    assert "plotly" in html and not re.search(r"<script[^>]+src=\"https?://", html)  # works offline
    assert "AlarmClock" in html or view.interactions[0].category in html
    assert "100vh" in html  # the plot fills the window


def test_html_steps_show_the_memory_as_it_was_with_day_labels_and_play(demo_run):
    from scene_graph import from_dict

    view = load_view(demo_run[0])
    fig = build_figure(view)
    labels = [s.label for s in fig.layout.sliders[0].steps]
    assert all(re.fullmatch(r"d\d+ \d\d:\d\d", label) for label in labels), labels
    assert labels[0].startswith("d0 ")
    buttons = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("play" in b for b in buttons) and any("pause" in b for b in buttons)
    assert "snapshots" in fig.layout.title.text
    for snap, frame in zip(view.snapshots, fig.frames, strict=True):
        believed = from_dict(snap.read()["scene_graph"])
        # each step draws that snapshot's objects, not the final memory's history at that time
        assert sorted(frame.data[2].hovertext) == sorted(
            f"{n.id} ({n.category})<br>state: {n.state.value if n.state else '-'}<br>"
            f"seen {n.num_observations}x, last {n.last_seen:.0f}s"
            for n in believed.objects()
        )


def test_html_of_a_bare_memory_says_it_shows_the_final_memorys_history(demo_run):
    view = view_from_memory(demo_run[1])
    assert not view.snapshots
    fig = build_figure(view, default_times(view, count=4))
    assert "final memory's history" in fig.layout.title.text
    times = default_times(view, count=4)
    assert set(m.time for m in view.interactions) <= set(times)
    assert len(fig.frames) == len(times)


def test_views_load_from_a_saved_memory_and_a_snapshot(demo_run, tmp_path):
    from embodied_mem.replay import replay

    run_dir, live = demo_run
    memory = replay(run_dir, path=tmp_path / "memory.db")
    memory.close()
    from_db = load_view(tmp_path / "memory.db")
    # (the SQLite round trip is the memory package's; here only what the pictures draw is checked)
    cats = {(n.id, n.category) for n in view_from_memory(live).graph.nodes()}
    assert {(n.id, n.category) for n in from_db.graph.nodes()} == cats
    assert [m.kind for m in from_db.interactions] == ["pick", "place", "pick", "place"]
    snap = load_run(run_dir).snapshots()[-1]
    assert load_view(snap).graph.equals(view_from_memory(live).graph)  # snapshots are exact
    with pytest.raises(FileNotFoundError, match="no memory, snapshot or run directory"):
        load_view(tmp_path / "missing.db")

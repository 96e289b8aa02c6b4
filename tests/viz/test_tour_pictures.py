"""The tour's pictures are labelled: column headers, frame numbers, a depth colour bar in metres,
a map with legend, axes in metres and a scale bar."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("matplotlib", reason="the tour pictures need the viz extra")


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    from embodied_mem.tour import run_tour

    out = tmp_path_factory.mktemp("tour")
    run_tour(out, seed=2, steps=24, n_saved=3, overrides=["width=96", "height=72"])
    return out


def test_contact_sheet_has_headers_frame_numbers_and_a_depth_bar_in_metres(tour):
    from embodied_mem.tour import colorize_instances
    from embodied_mem.tour_figures import DEPTH_MAX_M, contact_sheet_figure
    from envs.builtin.config import BuiltinEnvConfig
    from envs.builtin.env import BuiltinHouseEnv
    from envs.builtin.walk import scripted_walk

    with BuiltinHouseEnv(BuiltinEnvConfig(width=96, height=72)) as env:
        frames = scripted_walk(env, 6, seed=2).observations[::3]
    fig = contact_sheet_figure(frames, colorize_instances, "t", {})
    titles = [a.get_title() for a in fig.axes if a.get_title()]
    assert titles == ["RGB", "depth (m)", "instance ids (ORACLE)"]
    rows = [a.get_ylabel() for a in fig.axes if a.get_ylabel()]
    assert [r.splitlines()[0] for r in rows] == [f"frame {o.frame_index}" for o in frames]
    assert all(
        f"d{o.time.day} {o.time.time_of_day}" in r for o, r in zip(frames, rows, strict=True)
    )
    bar = next(a for a in fig.axes if "depth (m)" in a.get_xlabel())
    assert bar.get_xlim() == (0.0, DEPTH_MAX_M)
    sheet = np.asarray(Image.open(tour / "contact_sheet.png").convert("RGB"), dtype=float)
    assert sheet.shape[0] > 400 and sheet.std() > 20


def test_tour_map_has_legend_axes_in_metres_and_a_scale_bar(tour):
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    from embodied_mem.tour_figures import tour_map_figure
    from envs.builtin.config import BuiltinEnvConfig
    from envs.builtin.env import BuiltinHouseEnv

    with BuiltinHouseEnv(BuiltinEnvConfig(width=96, height=72)) as env:
        env.reset(seed=2)
        house = env.house
    ax = tour_map_figure(house, [(1.0, 1.0, 0.0), (1.5, 1.0, 0.0)], "t").axes[0]
    assert ax.get_xlabel() == "x (m)" and ax.get_ylabel() == "y (m)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for entry in ("wall", "furniture (receptacle)", "openable furniture", "walked path", "start"):
        assert entry in legend
    assert any(isinstance(a, AnchoredSizeBar) for a in ax.artists)
    x0, _, x1, _ = house.bounds
    assert ax.get_xlim()[0] < x0 and ax.get_xlim()[1] > x1  # axes are world metres
    assert {r.name for r in house.rooms} <= {t.get_text() for t in ax.texts}
    assert (tour / "topdown.png").stat().st_size > 20_000

"""Open the HTML view in headless Chromium: it renders (not blank) without console errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from embodied_mem.viz import load_view
from embodied_mem.viz.browser import BrowserUnavailable, find_chromium, screenshot_html
from embodied_mem.viz.html import default_times, save_html


@pytest.mark.slow
def test_html_view_renders_in_headless_chromium(demo_run, tmp_path):
    pytest.importorskip("playwright.sync_api", reason="python playwright is not installed")
    try:
        find_chromium()
    except BrowserUnavailable as exc:
        pytest.skip(str(exc))
    view = load_view(demo_run[0])
    html = save_html(view, tmp_path / "view.html", default_times(view, count=4))
    errors = screenshot_html(html, tmp_path / "shot.png")
    assert errors == []
    img = np.asarray(Image.open(tmp_path / "shot.png").convert("RGB"), dtype=float)
    assert img.std() > 10, "the page rendered blank"
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50  # plot, labels, slider — not a flat page


def test_missing_browser_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("embodied_mem.viz.browser.Path.exists", lambda self: False)
    with pytest.raises(BrowserUnavailable, match="apt-get install chromium"):
        find_chromium(tmp_path / "nope")

"""The report and the 3D page in headless Chromium: they draw (screenshots are not blank), show
what they should (episode cards, failure cards with loaded pictures, day-aware slider, play
button, a plot filling the window) and the console stays free of errors."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from embodied_mem.viz import load_view
from embodied_mem.viz.browser import BrowserUnavailable, chromium_page, find_chromium
from embodied_mem.viz.html import default_times, save_html


def _need_browser() -> None:
    pytest.importorskip("playwright.sync_api", reason="python playwright is not installed")
    try:
        find_chromium()
    except BrowserUnavailable as exc:
        pytest.skip(str(exc))


def _drawn(png: bytes) -> np.ndarray:
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    assert img.std() > 10, "blank screenshot"
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50  # pictures and text, not a flat box
    return img


def test_report_in_headless_chromium_shows_episodes_and_failure_cards(failing_eval_run):
    _need_browser()
    from embodied_mem.benchmark.report import write_report

    html = write_report(failing_eval_run)
    rows = [json.loads(x) for x in (failing_eval_run / "results.jsonl").read_text().splitlines()]
    failed = [r for r in rows if "baseline" in r and not r["success"]]
    with chromium_page(html, width=1300, height=900) as (page, errors):
        episodes = page.locator("#episodes .episode-card")
        assert episodes.count() == 1 and episodes.first.is_visible()
        _drawn(page.locator("#episodes").screenshot())
        assert page.locator(".failure-card").count() == len(failed)
        agent_card = page.locator(".failure-card", has_text="memory keyframe d").first
        agent_card.scroll_into_view_if_needed()
        loaded = agent_card.evaluate(
            "c => Array.from(c.querySelectorAll('img')).map(i => i.complete && i.naturalWidth)"
        )
        assert len(loaded) >= 3 and all(loaded), loaded  # keyframe, stop frame, sketch
        _drawn(agent_card.screenshot())
        bar_texts = page.locator("#plot-0 text.bartext").all_text_contents()
        assert any(re.fullmatch(r"\d+/\d+", t) for t in bar_texts), bar_texts  # counts on bars
        assert errors == []


@pytest.mark.slow
def test_3d_page_in_headless_chromium_at_a_mid_day_step(demo_run, tmp_path):
    _need_browser()
    view = load_view(demo_run[0])
    times = default_times(view)
    mid = times[(len(times) - 1) // 2]  # a step with a later one to play on to
    html = save_html(view, tmp_path / "view.html", active=mid)
    with chromium_page(html, width=1200, height=800, settle_ms=2500) as (page, errors):
        current = page.locator(
            ".slider-group text.slider-label", has_text="memory at"
        ).text_content()
        assert re.fullmatch(r"memory at d\d+ \d\d:\d\d", current.strip()), current
        box = page.locator("#memory-graph").bounding_box()
        assert box["height"] > 0.95 * 800 and box["width"] > 0.95 * 1200  # the full window
        play = page.locator(".updatemenu-button", has_text="play")
        assert play.count() == 1
        shot = _drawn(page.screenshot())
        assert shot.shape[:2] == (800, 1200)
        play.first.click()
        page.wait_for_timeout(2500)
        after = page.locator(".slider-group text.slider-label", has_text="memory at").text_content()
        assert after != current  # playing moves through the steps
        assert errors == []


def test_missing_browser_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("embodied_mem.viz.browser.Path.exists", lambda self: False)
    with pytest.raises(BrowserUnavailable, match="apt-get install chromium"):
        find_chromium(tmp_path / "nope")

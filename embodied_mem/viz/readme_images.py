"""Regenerate the README pictures from real runs::

    MUJOCO_GL=egl python -m embodied_mem.viz.readme_images [--out docs/images] [--seed 0]

Runs a house tour (``house_frames.png``: the labelled contact sheet at 320x240;
``house_topdown.png``: the map to scale) and a two-episode, two-day benchmark suite with its
first episode recorded, then writes ``memory_topdown.png`` (the episode's top-down: every step,
one panel per day), ``memory_html.png`` (the 3D page in headless Chromium at a step in the middle
of the second day), ``report_episodes.png`` and ``report_failure_card.png`` (the report's episode
section and a failure card with its pictures, in headless Chromium).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from PIL import Image

from embodied_mem.viz.browser import chromium_page, screenshot_html

logger = logging.getLogger(__name__)
MAX_BYTES = 300_000
SUITE = [
    "benchmark.name=readme",
    "benchmark.episodes=2",
    "benchmark.days=2",
    "benchmark.min_interactions=3",
    "benchmark.max_interactions=3",
    "benchmark.templates=[T02,T08,T19,T26,T36,T44,T51,T59]",
    "baselines=[memory-oracle,memory-noisy,no-memory,frames-96]",
    "planner.rule.explore_steps=150",
]


def _shrink(png: Path) -> None:
    """Palette-quantise a PNG that is over the README budget (pictures stay readable)."""
    if png.stat().st_size <= MAX_BYTES:
        return
    img = Image.open(png).convert("RGB").quantize(colors=192, method=Image.Quantize.MEDIANCUT)
    img.save(png, optimize=True)
    logger.info("%s quantised to %d bytes", png, png.stat().st_size)


def tour_images(out: Path, seed: int, work: Path) -> list[Path]:
    """``house_frames.png`` and ``house_topdown.png`` from a tour of house ``seed``."""
    from embodied_mem.tour import run_tour

    tour = run_tour(
        work / "tour", seed=seed, steps=90, n_saved=3, overrides=["width=320", "height=240"]
    )
    pictures = [out / "house_frames.png", out / "house_topdown.png"]
    for src, dst in zip(("contact_sheet.png", "topdown.png"), pictures, strict=True):
        dst.write_bytes((tour / src).read_bytes())
    return pictures


def benchmark_images(out: Path, seed: int, work: Path) -> list[Path]:
    """The episode top-down, the 3D page and the report's sections from a two-day suite."""
    from embodied_mem.benchmark.eval_runner import run_suite
    from embodied_mem.benchmark.report import write_report
    from embodied_mem.config import load_config
    from embodied_mem.run_config import RunConfig
    from embodied_mem.viz.html import default_times, save_html
    from embodied_mem.viz.source import load_view

    cfg = load_config(RunConfig, "suites/multiday", [*SUITE, f"benchmark.seed={seed}"])
    run = work / "run"
    run_suite(cfg, run, record_episodes=1)
    report = write_report(run)
    episode = next((run / "media").iterdir())
    topdown = out / "memory_topdown.png"
    topdown.write_bytes((episode / "topdown.png").read_bytes())
    view = load_view(next((run / "recordings" / episode.name).iterdir()))
    second_day = [t for t in default_times(view) if (s := view.stamp_at(t)) and s.day == 1]
    html = save_html(view, work / "view.html", active=second_day[len(second_day) // 2])
    shots = [out / "memory_html.png", out / "report_episodes.png", out / "report_failure_card.png"]
    errors = screenshot_html(html, shots[0], width=1400, height=850, settle_ms=2500)
    with chromium_page(report, width=1400, height=900) as (page, page_errors):
        page.locator("#episodes").screenshot(path=str(shots[1]))
        card = page.locator(".failure-card", has_text="memory keyframe d").first
        if not card.count():
            card = page.locator(".failure-card").first
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(shots[2]))
        errors += page_errors
    if errors:
        raise RuntimeError(f"the pages logged errors in Chromium: {errors}")
    return [topdown, *shots]


def make_images(out: Path, seed: int = 0) -> list[Path]:
    """Write every README picture into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pictures = tour_images(out, seed, Path(tmp)) + benchmark_images(out, seed, Path(tmp))
    for png in pictures:
        _shrink(png)
    return pictures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in make_images(args.out, args.seed):
        logger.info("wrote %s (%d bytes)", path, path.stat().st_size)


if __name__ == "__main__":
    main()

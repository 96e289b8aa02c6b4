"""The report a researcher looks at: episode cards, failure cards with their pictures, counts on
bars, bootstrap intervals, charts without data left out — still one self-contained file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("plotly", reason="plotly (extra embodied-mem[viz]) draws the report")
pytest.importorskip("matplotlib", reason="matplotlib (extra embodied-mem[viz]) draws the PNG")

from embodied_mem.benchmark.report import load_run, render_html, write_report  # noqa: E402
from embodied_mem.benchmark.report_stats import (  # noqa: E402
    MIN_EPISODES_FOR_CLUSTERS,
    bootstrap_rate,
)


@pytest.fixture(scope="module")
def report(failing_eval_run: Path) -> tuple[Path, str]:
    path = write_report(failing_eval_run)
    return failing_eval_run, path.read_text()


def _rows(run: Path) -> list[dict]:
    lines = (run / "results.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "baseline" in r]


def _cards(page: str) -> list[str]:
    return re.findall(r"<article class=failure-card.*?</article>", page, flags=re.S)


def test_episode_section_has_house_days_success_and_pictures(report):
    run, page = report
    section = re.search(r"<section id=episodes>.*?</section>", page, flags=re.S).group(0)
    cards = re.findall(
        r"<div class=episode-card.*?(?=<div class=episode-card|</section>)", section, flags=re.S
    )
    assert len(cards) == 1
    card = cards[0]
    info = json.loads((run / "media" / "failing-0000" / "episode.json").read_text())
    assert info["house"] in card and f"{info['days']} day(s)" in card
    assert f"{len(info['interactions'])} rearrangements" in card
    for baseline in ("memory-oracle", "no-memory", "frames-96"):
        mine = [r for r in _rows(run) if r["baseline"] == baseline]
        wins = sum(r["success"] for r in mine)
        assert f"{baseline} {wins}/{len(mine)}" in card
    assert "src='data:image/jpeg;base64," in card  # the top-down, embedded
    assert "href='media/failing-0000/topdown.png'" in card
    assert (run / "media" / "failing-0000" / "topdown.png").stat().st_size > 20_000


def test_a_card_for_every_failed_task_with_its_pictures(report):
    run, page = report
    failed = [r for r in _rows(run) if not r["success"]]
    cards = _cards(page)
    assert len(cards) == len(failed)
    for row in failed:
        card = next(c for c in cards if f"<b>{row['task_id']}</b>" in c and row["baseline"] in c)
        assert row["failure_mode"] in card  # the label as the row carries it
        assert "“" + row["instruction"] + "”" in card
        for part in ("<dt>plan</dt>", "<dt>chose</dt>", "<dt>truth</dt>", "<dt>label</dt>"):
            assert part in card
        if row["baseline"].startswith("frames-"):
            continue
        assert "where it stopped" in card and "data:image/jpeg;base64," in card
        assert "the attempt:" in card and "data:image/png;base64," in card
    with_keyframe = [c for c in cards if "memory keyframe d" in c]
    assert with_keyframe, "a failure whose plan chose a remembered object shows the keyframe"
    assert all(c.count("data:image/jpeg") >= 2 for c in with_keyframe)  # keyframe + stop


def test_charts_carry_counts_and_intervals_and_empty_ones_are_left_out(report):
    run, page = report
    assert page.count("Plotly.newPlot") >= 2 and "plotly.js v" in page  # plotly.js inlined
    assert not re.search(r"<script[^>]+src=\"https?://", page)  # one self-contained file
    assert not re.search(r"<img[^>]+src='(?!data:)", page)  # every picture embedded
    # the rule planner sends no prompt: the token chart is left out, and the page says so
    assert "Prompt tokens per task" not in page and "Left out (no data)" in page
    assert "bootstrap interval" in page and "resampling tasks" in page  # 1 episode: tasks
    rows = _rows(run)
    oracle_nav = [
        r for r in rows if r["baseline"] == "memory-oracle" and r["family"] == "object_recall"
    ]
    count = f"{sum(r['success'] for r in oracle_nav)}\\u002f{len(oracle_nav)}"  # plotly escapes /
    assert f'"{count}"' in page  # the bar's text in the plotly data


def test_png_has_counts_and_visible_zero_bars(failing_eval_run):
    from embodied_mem.benchmark.report_charts import success_png_figure

    run = load_run(failing_eval_run)
    ax = success_png_figure(run).axes[0]
    texts = [t.get_text() for t in ax.texts]
    zeros = [r for r in run.rows if r["baseline"] == "no-memory" and r["family"] == "object_recall"]
    assert f"0/{len(zeros)}" in texts
    stubs = [p for p in ax.patches if 0 < p.get_height() < 0.02]
    assert stubs, "a zero bar is drawn as a visible stub"


def test_report_is_deterministic_except_generated_line(failing_eval_run):
    run = load_run(failing_eval_run)
    assert render_html(run, "A") == render_html(run, "A")


def test_bootstrap_intervals():
    rows = [{"episode_id": f"e{i % 3}", "success": i % 2 == 0} for i in range(12)]
    rate = bootstrap_rate(rows, "b/f")
    assert rate.count == "6/12" and rate.unit == "tasks"
    assert rate.low < 0.5 < rate.high and 0.1 < rate.low and rate.high < 0.9
    assert rate == bootstrap_rate(rows, "b/f")  # deterministic per cell
    all_ok = bootstrap_rate([{"episode_id": "e", "success": True}] * 5, "x")
    assert (all_ok.low, all_ok.high) == (1.0, 1.0)
    many = [
        {"episode_id": f"e{i}", "success": i % 3 == 0} for i in range(3 * MIN_EPISODES_FOR_CLUSTERS)
    ]
    clustered = bootstrap_rate(many, "c")
    assert clustered.unit == "episodes" and clustered.low <= clustered.rate <= clustered.high
    assert np.isnan(bootstrap_rate([], "none").low)

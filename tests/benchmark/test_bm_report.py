"""Benchmark report: HTML page, README markdown table and PNG from a small synthetic run directory."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest

from embodied_mem.benchmark.eval_runner import summarize_rows
from embodied_mem.benchmark.report import (
    REPORT_HTML,
    RESULTS_MD,
    SUCCESS_PNG,
    ReportError,
    command_line,
    load_run,
    markdown_table,
    render_html,
    write_report,
)
from envs.extras import MissingExtraError

pytest.importorskip(
    "plotly", reason="plotly (extra embodied-mem[viz]) is needed for the HTML report"
)
pytest.importorskip(
    "matplotlib", reason="matplotlib (extra embodied-mem[viz]) is needed for the PNG"
)

BASELINES = ["memory-oracle", "no-memory", "frames-96"]
# (template, family) per task of each episode; two episodes.
TASKS = [("T01", "object_recall"), ("T02", "object_recall"), ("T36", "rooms"), ("T59", "questions")]
# Successes by baseline, per episode, in TASKS order (hand-chosen so the rates are easy to check).
SUCCESS = {
    "memory-oracle": [[1, 1, 1, 0], [1, 1, 0, 1]],
    "no-memory": [[1, 0, 0, 0], [0, 0, 1, 0]],
    "frames-96": [[1, 1, 1, 1], [1, 0, 1, 1]],
}
# Overrides the report must recover from config.yaml (a string needing quotes, a list, a bool).
OVERRIDES = [
    "baselines=[memory-oracle,no-memory,frames-96]",
    "benchmark.env_options.day_start=07:30",
    "scoring.compute_spl=false",
]


SUITE_ARGS = ["benchmark.episodes=2", "benchmark.seed=3"]


def _config_yaml(preset: str | None, overrides: list[str]) -> str:
    from embodied_mem.config import load_config
    from embodied_mem.run_config import RunConfig, run_yaml

    return run_yaml(load_config(RunConfig, preset, overrides))


def _row(baseline: str, ep: int, i: int) -> dict:
    template, family = TASKS[i]
    ok = bool(SUCCESS[baseline][ep][i])
    frames = baseline.startswith("frames")
    return {
        "baseline": baseline,
        "task_id": f"ep{ep}/{template}",
        "episode_id": f"ep{ep}",
        "template_id": template,
        "family": family,
        "success": ok,
        "high_level_success": None if frames else ok,
        "spl": None if frames else (0.5 if ok else 0.0),
        "steps": 0 if frames else 40 + i,
        "path_length": 3.0,
        "optimal_length": 2.0,
        "planner_calls": 0 if frames else 2,
        "prompt_tokens": 0 if frames else 100 * (i + 1),
        "memory_size": 7,
        "wall_time_s": 0.1,
        "failure_mode": None
        if ok
        else ("no_memory_match" if baseline == "no-memory" else "wrong_target"),
        "detail": "" if ok else "<b>looked in the wrong room</b>",
        "instruction": f"Navigate to <script>{template}</script>.",
        "planner_message": "",
        "episode_wall_time_s": 5.0,
        "episode_cpu_time_s": 4.0,
    }


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    rows = [_row(b, ep, i) for ep in range(2) for b in BASELINES for i in range(len(TASKS))]
    lines = []
    for ep in range(2):
        lines += [json.dumps(r) for r in rows if r["episode_id"] == f"ep{ep}"]
        lines.append(json.dumps({"episode_done": f"ep{ep}", "error": None}))
    lines.append(
        json.dumps({"episode_done": "ep9", "error": "RuntimeError: house seed 9 has no kitchen"})
    )
    # An episode cut off mid-way (no marker): its rows must not be reported.
    lines.append(
        json.dumps({**_row("no-memory", 0, 1), "episode_id": "ep5", "task_id": "ep5/CUTOFF"})
    )
    (tmp_path / "results.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "summary.json").write_text(
        json.dumps(summarize_rows(rows), indent=2, sort_keys=True)
    )
    (tmp_path / "config.yaml").write_text(_config_yaml("suites/small", [*SUITE_ARGS, *OVERRIDES]))
    return tmp_path


def _md_row(md: str, first: str) -> list[str]:
    for line in md.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first:
            return cells[1:]
    raise AssertionError(f"no row {first!r} in\n{md}")


def test_markdown_table_has_hand_checked_rates(run_dir: Path) -> None:
    write_report(run_dir)
    md = (run_dir / RESULTS_MD).read_text(encoding="utf-8")
    header = _md_row(md, "family")
    assert header == ["memory-oracle [ORACLE]", "no-memory [ORACLE]", "frames-96 [ORACLE bound]"]
    assert _md_row(md, "object_recall") == ["1.00 (4)", "0.25 (4)", "0.75 (4)"]
    assert _md_row(md, "rooms") == ["0.50 (2)", "0.50 (2)", "1.00 (2)"]
    assert _md_row(md, "questions") == ["0.50 (2)", "0.00 (2)", "1.00 (2)"]
    assert _md_row(md, "**overall**") == ["**0.75 (8)**", "**0.25 (8)**", "**0.88 (8)**"]
    # Families appear in TASKS.md order, only those with tasks.
    assert [ln.split("|")[1].strip() for ln in md.splitlines()[2:5]] == [
        "object_recall",
        "rooms",
        "questions",
    ]
    assert "embodied-mem eval --suite suites/small --episodes 2 --seed 3" in md
    assert "2 episodes" in md and "1 episode(s) failed" in md
    assert "- `ep9`: RuntimeError: house seed 9 has no kitchen" in md
    # no-memory's exploration cap is stated next to the budget every agent has (issue 14).
    assert "no-memory explores capped at 300 steps per task" in md
    assert "budget of 1000 actions per task" in md
    assert "no-memory explores capped at 300 steps" in (run_dir / REPORT_HTML).read_text()


def test_html_is_self_contained_and_complete(run_dir: Path) -> None:
    path = write_report(run_dir)
    page = path.read_text(encoding="utf-8")
    assert path.name == "report.html"
    assert "suite &#x27;small&#x27;" in page and "2 episodes" in page
    assert "wall time per episode (all baselines): 5.0 s (4.0 s of CPU)" in page
    for name in (
        *BASELINES,
        "object_recall",
        "rooms",
        "questions",
        "wrong_target",
        "no_memory_match",
    ):
        assert name in page, name
    assert "[ORACLE bound]" in page and "ORACLE upper bound" in page
    # plotly.js is inlined exactly once and nothing is loaded from elsewhere.
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert page.count("plotly.js v") >= 1 and len(page) > 1_000_000
    assert page.count('id="plot-') == 4
    # Per-template table, failures (escaped, cut-off episode left out), errors, config.
    assert "Navigate to the {category} you picked up yesterday." in page
    assert "&lt;script&gt;T01&lt;/script&gt;" in page and "<script>T01</script>" not in page
    assert "ep5/CUTOFF" not in page
    assert "house seed 9 has no kitchen" in page
    assert "<details><summary>resolved config.yaml</summary><pre>benchmark:" in page


def test_report_is_deterministic_except_generated_line(run_dir: Path) -> None:
    run = load_run(run_dir)
    assert render_html(run, "A").replace(">generated A<", "") == render_html(
        load_run(run_dir), "B"
    ).replace(">generated B<", "")
    write_report(run_dir)
    png1 = (run_dir / SUCCESS_PNG).read_bytes()
    write_report(run_dir)
    assert (run_dir / SUCCESS_PNG).read_bytes() == png1
    assert png1[:8] == b"\x89PNG\r\n\x1a\n" and len(png1) < 200_000


def test_chart_is_drawn_again_only_when_its_numbers_change(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resume with nothing new keeps the PNG (and skips matplotlib); new results redraw it."""
    from embodied_mem.benchmark import report_charts

    write_report(run_dir)
    drawn = (run_dir / SUCCESS_PNG).read_bytes()

    def not_again(run: object) -> None:
        raise AssertionError("the chart was drawn again for unchanged results")

    monkeypatch.setattr(report_charts, "success_png_figure", not_again)
    write_report(run_dir)
    assert (run_dir / SUCCESS_PNG).read_bytes() == drawn
    monkeypatch.undo()
    results = run_dir / "results.jsonl"
    flipped = results.read_text().replace('"success": false', '"success": true', 1)
    results.write_text(flipped)
    write_report(run_dir)
    assert (run_dir / SUCCESS_PNG).read_bytes() != drawn


def test_missing_summary_says_run_eval_first(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="run `embodied-mem eval"):
        write_report(tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps({"baselines": {}, "timing": {}}))
    with pytest.raises(ReportError, match="no baseline results"):
        write_report(tmp_path)


@pytest.mark.parametrize("module", ["plotly.graph_objects", "matplotlib"])
def test_missing_plot_library_names_the_viz_extra(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    # A None entry in sys.modules makes the import fail as if the package were absent.
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingExtraError, match=rf"'{module}' is required.*embodied-mem\[viz\]"):
        write_report(run_dir)
    assert not any((run_dir / name).exists() for name in ("report.html", RESULTS_MD, SUCCESS_PNG))


def test_markdown_without_config_still_reports(run_dir: Path) -> None:
    (run_dir / "config.yaml").unlink()
    md = markdown_table(load_run(run_dir))
    assert _md_row(md, "family") == [
        "memory-oracle [ORACLE]",
        "no-memory [ORACLE]",
        "frames-96 [ORACLE bound]",
    ]
    assert _md_row(md, "**overall**") == ["**0.75 (8)**", "**0.25 (8)**", "**0.88 (8)**"]
    assert "--suite" not in md  # the suite preset is unknown without config.yaml


def test_command_rebuilds_the_saved_config(run_dir: Path) -> None:
    """Running the reported command's arguments through the config loader gives config.yaml back."""
    command = command_line(load_run(run_dir))
    assert command is not None
    args = shlex.split(command)
    assert args[:2] == ["embodied-mem", "eval"]
    opts = {args[i]: args[i + 1] for i in range(2, len(args) - 1) if args[i].startswith("--")}
    overrides = [a for a in args[2:] if "=" in a]
    assert opts["--suite"] == "suites/small" and opts["--out"] == str(run_dir)
    assert {o.split("=")[0] for o in overrides} == {o.split("=")[0] for o in OVERRIDES}
    rebuilt = _config_yaml(
        opts["--suite"],
        [
            f"benchmark.episodes={opts['--episodes']}",
            f"benchmark.seed={opts['--seed']}",
            *overrides,
        ],
    )
    assert rebuilt == (run_dir / "config.yaml").read_text()


def test_unfinished_run_says_how_many_episodes_finished(run_dir: Path) -> None:
    (run_dir / "config.yaml").write_text(_config_yaml("suites/small", ["benchmark.episodes=3"]))
    md = markdown_table(load_run(run_dir))
    assert "2 of 3 episodes of suite `small`" in md


def test_broken_inputs_give_clear_errors(run_dir: Path) -> None:
    (run_dir / "config.yaml").write_text("benchmark: [unclosed\n")
    with pytest.raises(ReportError, match="config.yaml is not a valid config"):
        write_report(run_dir)
    (run_dir / "summary.json").write_text("{not json")
    with pytest.raises(ReportError, match="not valid JSON"):
        write_report(run_dir)
    (run_dir / "summary.json").write_text(
        json.dumps({"baselines": {"no-memory": {"per_family": {}}}})
    )
    with pytest.raises(ReportError, match=r"\['no-memory'\] lack an 'overall' section"):
        write_report(run_dir)

"""Benchmark reports: one self-contained HTML page, a markdown table and a PNG for the README.

``write_report(out_dir)`` reads what ``embodied-mem eval`` left in ``out_dir`` (``summary.json``,
``results.jsonl``, ``config.yaml``) and writes:

- ``report.html``: overall table, plotly charts with counts on every bar and bootstrap intervals
  (plotly.js embedded once, so the page works offline; charts without data are left out and
  named), one card per episode (:mod:`.report_episodes`), one card per failed task with its
  pictures (:mod:`.report_failures`), the per-template table and the resolved config;
- ``results.md``: families × baselines success table for the README, plus the command;
- ``success_by_family.png``: a small static chart of the same numbers (matplotlib, Agg).

Pictures come from what the run captured (``media/``, :mod:`.failure_media`) and are embedded as
data URIs, so ``report.html`` stays one self-contained file; an episode's top-down is drawn once
and kept next to its data.

The content is a pure function of the run directory except one explicit "generated" line, so
re-writing the report of an unchanged run only changes that line. Baselines that rely on ground
truth are labelled ORACLE everywhere, and the frames baselines as ORACLE *upper bounds*.
"""

from __future__ import annotations

import html
import importlib.util
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from embodied_mem.benchmark.report_charts import plotly_figures, write_success_png
from embodied_mem.benchmark.report_data import (
    REPORT_HTML,
    RESULTS_MD,
    SUCCESS_PNG,
    ReportError,
    RunData,
    baseline_description,
    baseline_label,
    budget_note,
    command_line,
    episodes_text,
    fmt_cell,
    fmt_num,
    fmt_rate,
    load_run,
    map_note,
    markdown_table,
    skipped_lines,
)
from embodied_mem.benchmark.report_episodes import CSS as EPISODES_CSS
from embodied_mem.benchmark.report_episodes import episodes_html, failed_episodes
from embodied_mem.benchmark.report_failures import CSS as FAILURES_CSS
from embodied_mem.benchmark.report_failures import failures_html
from embodied_mem.benchmark.task import FAMILY_OF, PHRASINGS
from envs.extras import require_extra

logger = logging.getLogger(__name__)

__all__ = [
    "REPORT_HTML",
    "RESULTS_MD",
    "SUCCESS_PNG",
    "ReportError",
    "RunData",
    "baseline_description",
    "baseline_label",
    "command_line",
    "load_run",
    "markdown_table",
    "render_html",
    "write_report",
    "write_success_png",
]


# --------------------------------------------------------------------------- html
_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;
color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}.oracle{color:#a40}.note{color:#555;font-size:.9em}
pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.85em}details{margin:.5em 0}
summary{cursor:pointer}nav a{margin-right:1em}.muted{color:#80868b}"""

_OVERALL_COLUMNS = (
    ("tasks", "tasks", lambda v: fmt_num(v, 0)),
    ("success", "success", fmt_rate),
    ("success_macro_family", "success (family mean)", fmt_rate),
    ("spl", "SPL", fmt_rate),
    ("high_level_success", "high-level success", fmt_rate),
    ("steps", "steps", fmt_num),
    ("planner_calls", "planner calls", fmt_num),
    ("prompt_tokens", "prompt tokens", lambda v: fmt_num(v, 0)),
    ("memory_size", "memory size (objects; frames-K: frames)", fmt_num),
)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """An HTML table of already-escaped cells; the first ``left`` columns are left-aligned."""

    def cells(tag: str, values: list[str]) -> str:
        return "".join(
            f"<{tag}{' class=l' if i < left else ''}>{v}</{tag}>" for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return f"<table><tr>{cells('th', header)}</tr>{body}</table>"


def _overall_html(run: RunData) -> str:
    timing = run.summary.get("timing", {})
    header = ["baseline"] + [title for _, title, _ in _OVERALL_COLUMNS] + ["wall time / task (s)"]
    rows = []
    for b in run.baselines:
        o = run.summary["baselines"][b]["overall"]
        wall = timing.get(b, {}).get("task_wall_time_s_mean")
        rows.append(
            [_esc(baseline_label(b))]
            + [fmt(o.get(k)) for k, _, fmt in _OVERALL_COLUMNS]
            + [fmt_num(wall, 2)]
        )
    legend = "".join(
        f"<li><b>{_esc(b)}</b>: {_esc(baseline_description(b))}</li>" for b in run.baselines
    )
    return _table(header, rows) + f"<ul class=note>{legend}</ul>"


def _template_html(run: RunData) -> str:
    aggs = run.summary["baselines"]
    templates = sorted({t for b in run.baselines for t in aggs[b].get("per_template", {})})
    header = ["template", "family", "phrasing"] + [_esc(baseline_label(b)) for b in run.baselines]
    rows = [
        [_esc(t), _esc(FAMILY_OF.get(t, "?")), _esc(PHRASINGS.get(t, ""))]
        + [fmt_cell(aggs[b].get("per_template", {}).get(t)) for b in run.baselines]
        for t in templates
    ]
    return _table(header, rows, left=3)


def _episode_errors_html(run: RunData) -> str:
    """Episodes that failed (not counted) and templates some episodes could not fill."""
    blocks = []
    errors = failed_episodes(run)
    if errors:
        rows = [[_esc(e), _esc(err)] for e, err in sorted(errors.items())]
        blocks.append(
            f"<details open><summary class=oracle>{len(errors)} episode(s) failed and are not "
            "counted (re-running the same command runs them again)</summary>"
            + _table(["episode", "error"], rows, left=2)
            + "</details>"
        )
    skipped = skipped_lines(run)
    if skipped:
        items = "".join(f"<li>{_esc(line)}</li>" for line in skipped)
        blocks.append(
            f"<details><summary>{len(skipped)} template/reason pair(s) not filled in some "
            f"episodes (never faked)</summary><ul>{items}</ul></details>"
        )
    return "".join(blocks)


def _plots_html(run: RunData) -> str:
    parts = []
    figures, left_out = plotly_figures(run)
    for i, (caption, fig) in enumerate(figures):
        # plotly.js inline once (first figure), fixed div ids: offline and byte-stable.
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=(i == 0),
            div_id=f"plot-{i}",
            config={"displaylogo": False, "responsive": True},
        )
        parts.append(f"<figure>{div}<figcaption class=note>{_esc(caption)}</figcaption></figure>")
    if left_out:
        items = "".join(f"<li>{_esc(why)}</li>" for why in left_out)
        parts.append(f"<p class=note>Left out (no data):</p><ul class=note>{items}</ul>")
    return "".join(parts)


def render_html(run: RunData, generated: str) -> str:
    """The whole report page (self-contained; ``generated`` is its only non-deterministic line)."""
    title = f"embodied-mem benchmark — suite '{run.suite_name}'"
    config = (
        f"<pre>{_esc(run.config_text)}</pre>"
        if run.config_text
        else "<p class=note>config.yaml was not found in the run directory.</p>"
    )
    sections = [
        f"<h1>{_esc(title)}</h1>",
        f"<p>{_esc(episodes_text(run))} · {len(run.baselines)} baselines · {len(run.families)} task families · "
        f"planner: {_esc(run.config.get('planner', {}).get('name', '?'))} · wall time per episode "
        f"(all baselines): {fmt_num(run.summary.get('timing', {}).get('episode_wall_time_s_mean'))} s "
        f"({fmt_num(run.summary.get('timing', {}).get('episode_cpu_time_s_mean'))} s of CPU) · "
        f"command: <code>{_esc(command_line(run) or 'unknown (config.yaml missing)')}</code></p>",
        "<p class='note oracle'>ORACLE = perception from simulator ground truth. The frames-K rows are "
        "ORACLE upper bounds computed without any model, not scores of a VLM. Every memory agent is "
        "given the house's room layout.</p>",
        f"<p class=note>{_esc(budget_note(run))}</p>" if budget_note(run) else "",
        f"<p class='note oracle'>{_esc(map_note(run))}</p>" if map_note(run) else "",
        "<nav class=note><a href='#overall'>overall</a><a href='#plots'>plots</a>"
        "<a href='#episodes'>episodes</a><a href='#failed'>failed tasks</a>"
        "<a href='#templates'>per template</a><a href='#config'>configuration</a></nav>",
        "<h2 id=overall>Overall</h2>",
        _overall_html(run),
        "<h2 id=plots>Plots</h2>",
        _plots_html(run),
        "<h2>Episodes</h2><p class=note>Each card: the house, days and rearrangements of the "
        "experience, every baseline's successes/tasks in the episode, and the top-down of the "
        "experience (every step; one panel per day; the memory of the first memory baseline as it "
        "was at each day's end). Click a picture for full size.</p>",
        episodes_html(run),
        "<h2 id=failed>Failed tasks</h2><p class=note>One card per failed task: the instruction, "
        "the plan, what it chose, the truth and the failure label as scored; the memory keyframes "
        "of what the plan chose, the frame where the agent stopped and a sketch of the attempt, "
        "as captured during the run.</p>",
        _episode_errors_html(run),
        failures_html(run),
        "<h2 id=templates>Per template</h2><p class=note>success rate (number of tasks)</p>",
        _template_html(run),
        f"<h2 id=config>Configuration</h2><details><summary>resolved config.yaml</summary>{config}</details>",
        f"<p class=note>generated {_esc(generated)}</p>",
    ]
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_esc(title)}</title>"
        f"<style>{_CSS}\n{EPISODES_CSS}\n{FAILURES_CSS}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


def write_report(out_dir: Path) -> Path:
    """Write ``report.html``, ``results.md`` and ``success_by_family.png`` into ``out_dir``.

    Returns:
        The path of ``report.html``.

    Raises:
        ReportError: ``out_dir`` holds no usable ``summary.json`` (run ``embodied-mem eval`` first).
        envs.extras.MissingExtraError: plotly or matplotlib missing (``embodied-mem[viz]``).
    """
    run = load_run(Path(out_dir))
    # Both libraries up front, so a missing one leaves no half-written report behind.
    _require_installed("plotly.graph_objects", hint="the HTML report draws its charts with plotly")
    _require_installed("matplotlib", hint="the README chart is drawn with matplotlib")
    generated = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by embodied_mem.benchmark.report"
    page = render_html(run, generated)
    (run.out_dir / RESULTS_MD).write_text(markdown_table(run), encoding="utf-8")
    write_success_png(run, run.out_dir / SUCCESS_PNG)
    path = run.out_dir / REPORT_HTML
    path.write_text(page, encoding="utf-8")
    logger.info(
        "report written: %s (%d baselines, %d episodes)", path, len(run.baselines), run.episodes
    )
    return path


def _require_installed(module: str, hint: str) -> None:
    """:func:`~envs.extras.require_extra` without importing ``module`` when it is there: an
    unchanged chart is not drawn again, and importing matplotlib alone costs a fifth of a
    second."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        require_extra(module, "viz", hint=hint)  # raises, naming the extra

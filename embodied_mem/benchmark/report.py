"""Benchmark reports: one self-contained HTML page, a markdown table and a PNG for the README.

``write_report(out_dir)`` reads what ``embodied-mem eval`` left in ``out_dir`` (``summary.json``,
``results.jsonl``, ``config.yaml``) and writes:

- ``report.html``: overall and per-template tables, plotly charts (plotly.js embedded once, so the
  page works offline), failed tasks and the resolved config in collapsible blocks;
- ``results.md``: families × baselines success table for the README, plus the command;
- ``success_by_family.png``: a small static chart of the same numbers (matplotlib, Agg).

The content is a pure function of the run directory except one explicit "generated" line, so
re-writing the report of an unchanged run only changes that line. Baselines that rely on ground
truth are labelled ORACLE everywhere, and the frames baselines as ORACLE *upper bounds*.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from embodied_mem.benchmark.report_data import (
    REPORT_HTML,
    RESULTS_MD,
    SUCCESS_PNG,
    ReportError,
    RunData,
    baseline_description,
    baseline_label,
    command_line,
    episodes_text,
    fmt_cell,
    fmt_num,
    fmt_rate,
    load_run,
    markdown_table,
    skipped_lines,
)
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

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_FIG_HEIGHT = 380
_MAX_FAILED_ROWS = 300  # per baseline; keeps the page light on long suites


def _family_series(run: RunData, key: str) -> dict[str, list[float | None]]:
    aggs = run.summary["baselines"]
    return {
        b: [aggs[b].get("per_family", {}).get(f, {}).get(key) for f in run.families]
        for b in run.baselines
    }


def _plotly_figures(run: RunData) -> list[tuple[str, Any]]:
    """(caption, figure) pairs: success and SPL per family, failure modes, prompt tokens."""
    go = require_extra(
        "plotly.graph_objects", "viz", hint="the HTML report draws its charts with plotly"
    )
    layout = {
        "height": _FIG_HEIGHT,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 90},
        "template": "plotly_white",
        "legend": {"orientation": "h", "y": -0.3},
    }
    figures: list[tuple[str, Any]] = []
    for key, title, caption in (
        ("success", "Success per family", "Task success rate per family (FindingDory thresholds)."),
        (
            "spl",
            "SPL per family",
            "Success weighted by path length, over navigation tasks only; the frames bounds have none.",
        ),
    ):
        fig = go.Figure(
            layout={
                **layout,
                "title": title,
                "barmode": "group",
                "yaxis": {"range": [0, 1.05], "title": key},
            }
        )
        for i, (b, values) in enumerate(_family_series(run, key).items()):
            tasks = [
                run.summary["baselines"][b]["per_family"].get(f, {}).get("tasks", 0)
                for f in run.families
            ]
            marker = {
                "color": _PALETTE[i % len(_PALETTE)],
                "pattern": {"shape": "/" if _is_bound(b) else ""},
            }
            fig.add_bar(
                name=baseline_label(b),
                x=run.families,
                y=values,
                customdata=tasks,
                marker=marker,
                hovertemplate="%{x}: %{y:.2f} (%{customdata} tasks)<extra>" + b + "</extra>",
            )
        figures.append((caption, fig))
    figures.append(
        ("Failed tasks per baseline, stacked by failure mode.", _failure_figure(run, go, layout))
    )
    tokens = [
        run.summary["baselines"][b]["overall"].get("prompt_tokens") or 0.0 for b in run.baselines
    ]
    fig = go.Figure(
        layout={
            **layout,
            "title": "Prompt tokens per task (mean)",
            "yaxis": {"title": "tokens", "range": [0, max(1.0, 1.1 * max(tokens, default=0))]},
        }
    )
    fig.add_bar(
        x=[baseline_label(b) for b in run.baselines],
        y=tokens,
        showlegend=False,
        marker={"color": [_PALETTE[i % len(_PALETTE)] for i in range(len(tokens))]},
    )
    caption = "Mean planner prompt tokens per task (the frames bounds send no prompt)."
    if not any(tokens):
        caption += (
            " All are 0 in this run: the planner sent no prompts (e.g. the offline rule planner)."
        )
    figures.append((caption, fig))
    return figures


def _failure_figure(run: RunData, go: Any, layout: dict[str, Any]) -> Any:
    aggs = run.summary["baselines"]
    modes = sorted({m for b in run.baselines for m in aggs[b]["overall"].get("failure_modes", {})})
    fig = go.Figure(
        layout={
            **layout,
            "title": "Failure modes",
            "barmode": "stack",
            "yaxis": {"title": "failed tasks"},
        }
    )
    labels = [baseline_label(b) for b in run.baselines]
    for mode in modes:
        fig.add_bar(
            name=mode,
            x=labels,
            y=[aggs[b]["overall"]["failure_modes"].get(mode, 0) for b in run.baselines],
        )
    return fig


def _is_bound(baseline: str) -> bool:
    """Frames baselines are bounds computed from ground truth, not an agent's score: hatched bars."""
    return baseline.startswith("frames-")


def write_success_png(run: RunData, path: Path) -> Path:
    """Grouped bars of success per family per baseline, small enough for the README."""
    require_extra("matplotlib", "viz", hint="the README chart is drawn with matplotlib")
    # Figure + its own Agg canvas: no pyplot global state, no display needed.
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fams, series = run.families, _family_series(run, "success")
    fig = Figure(figsize=(9, 3.8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    x = np.arange(len(fams))
    for i, (b, values) in enumerate(series.items()):
        ax.bar(
            x + (i - (len(series) - 1) / 2) * width,
            [np.nan if v is None else v for v in values],
            width,
            label=baseline_label(b),
            hatch="//" if _is_bound(b) else None,
            color=_PALETTE[i % len(_PALETTE)],
            edgecolor="white",
            linewidth=0.5,
        )
    ax.set_xticks(x, [f.replace("_", "\n") for f in fams], fontsize=7)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("success rate")
    ax.set_title(f"Success per family — suite '{run.suite_name}', {episodes_text(run)}", fontsize=9)
    ax.legend(
        fontsize=7,
        ncols=min(3, max(1, len(series))),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        frameon=False,
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    # No Software/date metadata, so the same run gives the same bytes.
    fig.savefig(
        path, format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.1
    )
    return path


# --------------------------------------------------------------------------- html
_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}.oracle{color:#a40}.note{color:#555;font-size:.9em}
pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.85em}details{margin:.5em 0}"""

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


def _failures_html(run: RunData) -> str:
    blocks = []
    for b in run.baselines:
        failed = sorted(
            (r for r in run.rows if r.get("baseline") == b and not r.get("success")),
            key=lambda r: (str(r.get("episode_id")), str(r.get("task_id"))),
        )
        if not failed:
            continue
        rows = [
            [
                _esc(r.get("task_id")),
                _esc(r.get("instruction", "")),
                _esc(r.get("failure_mode") or "–"),
                _esc(r.get("detail") or r.get("planner_message") or ""),
            ]
            for r in failed[:_MAX_FAILED_ROWS]
        ]
        more = f" (first {_MAX_FAILED_ROWS} shown)" if len(failed) > _MAX_FAILED_ROWS else ""
        blocks.append(
            f"<details><summary>{_esc(baseline_label(b))}: {len(failed)} failed tasks{more}</summary>"
            + _table(["task", "instruction", "failure mode", "detail"], rows, left=4)
            + "</details>"
        )
    if run.episode_errors:
        rows = [[_esc(e), _esc(err)] for e, err in sorted(run.episode_errors.items())]
        blocks.append(
            f"<details open><summary class=oracle>{len(run.episode_errors)} episode(s) failed and "
            "are not counted (re-running the same command runs them again)</summary>"
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
    return "".join(blocks) or "<p class=note>No failed tasks.</p>"


def _plots_html(run: RunData) -> str:
    parts = []
    for i, (caption, fig) in enumerate(_plotly_figures(run)):
        # plotly.js inline once (first figure), fixed div ids: offline and byte-stable.
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=(i == 0),
            div_id=f"plot-{i}",
            config={"displaylogo": False, "responsive": True},
        )
        parts.append(f"<figure>{div}<figcaption class=note>{_esc(caption)}</figcaption></figure>")
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
        f"(all baselines): {fmt_num(run.summary.get('timing', {}).get('episode_wall_time_s_mean'))} s · "
        f"command: <code>{_esc(command_line(run) or 'unknown (config.yaml missing)')}</code></p>",
        "<p class='note oracle'>ORACLE = perception from simulator ground truth. The frames-K rows are "
        "ORACLE upper bounds computed without any model, not scores of a VLM. Every memory agent is "
        "given the house's room layout.</p>",
        "<h2>Overall</h2>",
        _overall_html(run),
        "<h2>Plots</h2>",
        _plots_html(run),
        "<h2>Per template</h2><p class=note>success rate (number of tasks)</p>",
        _template_html(run),
        "<h2>Failed tasks</h2>",
        _failures_html(run),
        f"<h2>Configuration</h2><details><summary>resolved config.yaml</summary>{config}</details>",
        f"<p class=note>generated {_esc(generated)}</p>",
    ]
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_esc(title)}</title>"
        f"<style>{_CSS}</style></head><body>" + "\n".join(sections) + "</body></html>\n"
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
    require_extra(
        "plotly.graph_objects", "viz", hint="the HTML report draws its charts with plotly"
    )
    require_extra("matplotlib", "viz", hint="the README chart is drawn with matplotlib")
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

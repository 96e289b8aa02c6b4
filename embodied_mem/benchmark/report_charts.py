"""The report's charts: plotly figures for ``report.html`` and the README's matplotlib PNG.

Every bar carries its count (``successes/tasks``, or the number it stands for), success bars
carry bootstrap whiskers (:mod:`.report_stats`), a zero bar still shows (its count sits on the
axis; the PNG draws a stub), and a chart with nothing to show is left out with a sentence saying
why. Frames-K baselines are ORACLE bounds, not agents: their bars are hatched.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import astuple
from pathlib import Path
from typing import Any

from embodied_mem.benchmark.plotly_json import FigureJSON
from embodied_mem.benchmark.report_data import RunData, baseline_label, episodes_text
from embodied_mem.benchmark.report_stats import Rate, family_rates, interval_note
from envs.extras import require_extra

# matplotlib's tab10, so a baseline has the same colour in the PNG and in every HTML chart.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_FIG_HEIGHT = 400
_INSIDE_FROM = 0.15  # bars at least this tall carry their count inside, lower ones above


def is_bound(baseline: str) -> bool:
    """Frames baselines are bounds computed from ground truth, not an agent's score: hatched."""
    return baseline.startswith("frames-")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "height": _FIG_HEIGHT,
        "margin": {"l": 55, "r": 20, "t": 50, "b": 90},
        "template": "plotly_white",
        "legend": {"orientation": "h", "y": -0.25},
        "title": {"text": title},  # plotly.js 3 reads no plain-string titles
        **extra,
    }


def _success_figure(run: RunData, rates: dict[str, dict[str, Rate]]) -> FigureJSON:
    fig = FigureJSON(
        layout=_layout(
            "Success per family",
            barmode="group",
            yaxis={"range": [0, 1.12], "title": {"text": "success rate"}},
            uniformtext={"minsize": 7, "mode": "show"},
        )
    )
    for i, b in enumerate(run.baselines):
        cells = [rates[b][f] for f in run.families]
        y = [c.rate for c in cells]
        fig.add_bar(
            name=baseline_label(b),
            x=run.families,
            y=y,
            text=[c.count if c.tasks else "" for c in cells],
            textposition=["inside" if (v or 0) >= _INSIDE_FROM else "outside" for v in y],
            insidetextanchor="start",
            textangle=-90,
            textfont={"size": 9},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [max(0.0, c.high - c.rate) if c.tasks else 0 for c in cells],
                "arrayminus": [max(0.0, c.rate - c.low) if c.tasks else 0 for c in cells],
                "thickness": 1,
                "width": 2,
                "color": "#444",
            },
            customdata=[[c.count, c.low, c.high] for c in cells],
            hovertemplate="%{x}: %{y:.2f} = %{customdata[0]} (95% CI %{customdata[1]:.2f}"
            "–%{customdata[2]:.2f})<extra>" + b + "</extra>",
            marker={"color": colour(i), "pattern": {"shape": "/" if is_bound(b) else ""}},
        )
    return fig


def _spl_figure(run: RunData) -> FigureJSON | None:
    """Mean SPL per family over tasks that have one (navigation); None when no task has one."""
    fig = FigureJSON(
        layout=_layout(
            "SPL per family", barmode="group", yaxis={"range": [0, 1.12], "title": {"text": "SPL"}}
        )
    )
    drawn = False
    for i, b in enumerate(run.baselines):
        means, counts = [], []
        for f in run.families:
            spl = [
                float(r["spl"])
                for r in run.rows
                if r.get("baseline") == b and r.get("family") == f and r.get("spl") is not None
            ]
            means.append(sum(spl) / len(spl) if spl else None)
            counts.append(f"n={len(spl)}" if spl else "")
        if not any(counts):
            continue
        drawn = True
        fig.add_bar(
            name=baseline_label(b),
            x=run.families,
            y=means,
            text=counts,
            textposition="outside",
            textangle=-90,
            textfont={"size": 9},
            marker={"color": colour(i)},
            hovertemplate="%{x}: SPL %{y:.2f} over %{text} tasks<extra>" + b + "</extra>",
        )
    return fig if drawn else None


def _failure_figure(run: RunData) -> FigureJSON | None:
    aggs = run.summary["baselines"]
    modes = sorted({m for b in run.baselines for m in aggs[b]["overall"].get("failure_modes", {})})
    if not modes:
        return None
    labels = [baseline_label(b) for b in run.baselines]
    fig = FigureJSON(
        layout=_layout("Failure modes", barmode="stack", yaxis={"title": {"text": "failed tasks"}})
    )
    for mode in modes:
        counts = [aggs[b]["overall"]["failure_modes"].get(mode, 0) for b in run.baselines]
        fig.add_bar(
            name=mode,
            x=labels,
            y=counts,
            text=[str(c) if c else "" for c in counts],
            textposition="inside",
            textfont={"size": 10},
        )
    totals = [sum(aggs[b]["overall"]["failure_modes"].values()) for b in run.baselines]
    for label, total in zip(labels, totals, strict=True):
        fig.add_annotation(
            x=label, y=total, text=f"<b>{total}</b>", showarrow=False, yshift=10, font={"size": 11}
        )
    return fig


def _tokens_figure(run: RunData) -> FigureJSON | None:
    tokens = [
        run.summary["baselines"][b]["overall"].get("prompt_tokens") or 0.0 for b in run.baselines
    ]
    if not any(tokens):
        return None
    fig = FigureJSON(
        layout=_layout("Prompt tokens per task (mean)", yaxis={"title": {"text": "tokens"}})
    )
    fig.add_bar(
        x=[baseline_label(b) for b in run.baselines],
        y=tokens,
        text=[f"{t:,.0f}" for t in tokens],
        textposition="outside",
        showlegend=False,
        marker={"color": [colour(i) for i in range(len(tokens))]},
    )
    return fig


def _family_rates(run: RunData) -> dict[str, dict[str, Rate]]:
    """:func:`family_rates` of the run, computed once (bootstrap intervals; three charts)."""
    if "family_rates" not in run.cache:
        run.cache["family_rates"] = family_rates(run.rows, run.baselines, run.families)
    return run.cache["family_rates"]


def plotly_figures(run: RunData) -> tuple[list[tuple[str, Any]], list[str]]:
    """(caption, figure) pairs to draw, and one sentence per chart left out (and why)."""
    require_extra("plotly.io", "viz", hint="the HTML report draws its charts with plotly")
    rates = _family_rates(run)
    drawn: list[tuple[str, Any]] = []
    skipped: list[str] = []
    if run.families:
        drawn.append(
            (
                "Task success rate per family (FindingDory thresholds); each bar shows "
                "successes/tasks. " + interval_note(rates),
                _success_figure(run, rates),
            )
        )
    candidates = (
        (
            _spl_figure(run),
            "Success weighted by path length over the navigation tasks (n per bar); the frames "
            "bounds have none.",
            "SPL: no task in this run has an SPL (no navigation task, or SPL turned off).",
        ),
        (
            _failure_figure(run),
            "Failed tasks per baseline, stacked by failure label (total on top).",
            "Failure modes: no task failed.",
        ),
        (
            _tokens_figure(run),
            "Mean planner prompt tokens per task (the frames bounds send no prompt).",
            "Prompt tokens: every planner in this run sent no prompt (e.g. the offline rule "
            "planner), so that chart is left out.",
        ),
    )
    for fig, caption, why_not in candidates:
        if fig is None:
            skipped.append(why_not)
        else:
            drawn.append((caption, fig))
    return drawn, skipped


def success_png_figure(run: RunData) -> Any:
    """Grouped bars of success per family per baseline with counts, whiskers and zero stubs
    (a matplotlib Figure on its own Agg canvas)."""
    require_extra("matplotlib", "viz", hint="the README chart is drawn with matplotlib")
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fams, baselines = run.families, run.baselines
    rates = _family_rates(run)
    fig = Figure(figsize=(10, 4.4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(baselines))
    x = np.arange(len(fams))
    for i, b in enumerate(baselines):
        xs = x + (i - (len(baselines) - 1) / 2) * width
        cells = [rates[b][f] for f in fams]
        _png_bars(ax, xs, cells, width, colour(i), baseline_label(b), is_bound(b))
    ax.set_xticks(x, [f.replace("_", "\n") for f in fams], fontsize=8)
    ax.set_ylim(0, 1.18)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("success rate")
    ax.set_title(
        f"Success per family — suite '{run.suite_name}', {episodes_text(run)} "
        "(bars: successes/tasks; whiskers: 95% bootstrap interval)",
        fontsize=9,
    )
    ax.legend(
        fontsize=7,
        ncols=min(3, max(1, len(baselines))),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        frameon=False,
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def write_success_png(run: RunData, path: Path) -> Path:
    """:func:`success_png_figure` as a PNG (no Software/date metadata: same run, same bytes).

    Drawn only when what it shows changed: the PNG carries a digest of everything it is drawn
    from (the numbers, the labels, the code of this module), so the report of a run whose
    results did not change (a resume with nothing left to run) keeps it and does not import
    matplotlib, most of a report's CPU.
    """
    digest = _png_digest(run)
    if path.is_file() and png_text(path).get(_DIGEST_KEY) == digest:
        return path
    fig = success_png_figure(run)
    fig.savefig(
        path,
        format="png",
        metadata={"Software": None, _DIGEST_KEY: digest},
        bbox_inches="tight",
        pad_inches=0.1,
    )
    return path


_DIGEST_KEY = "embodied-mem-digest"


def _png_digest(run: RunData) -> str:
    rates = _family_rates(run)
    drawn = {
        "title": [run.suite_name, episodes_text(run)],
        "bars": [
            [baseline_label(b), is_bound(b), f, *astuple(rates[b][f])]
            for b in run.baselines
            for f in run.families
        ],
    }
    digest = hashlib.sha256(json.dumps(drawn, sort_keys=True).encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def png_text(path: Path) -> dict[str, str]:
    """The ``tEXt`` entries of a PNG written by matplotlib (read without an image library)."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return {}
    out, at = {}, 8
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8]
        if kind == b"IDAT":  # text chunks come before the image data
            break
        if kind == b"tEXt":
            key, _, value = data[at + 8 : at + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        at += 12 + length
    return out


def _png_bars(
    ax: Any, xs: Any, cells: list[Rate], width: float, color: str, label: str, hatched: bool
) -> None:
    """One baseline's bars: value, whisker, count label; a visible stub for a zero bar."""
    heights = [c.rate if c.tasks else 0.0 for c in cells]
    ax.bar(
        xs,
        heights,
        width,
        label=label,
        hatch="//" if hatched else None,
        color=color,
        edgecolor="white",
        linewidth=0.5,
    )
    for x, c, h in zip(xs, cells, heights, strict=True):
        if not c.tasks:
            continue
        if h == 0:  # a zero bar must not look like a missing one
            ax.bar(x, 0.012, width, color=color, edgecolor=color, linewidth=0.8)
        ax.plot([x, x], [c.low, c.high], color="#333", lw=0.8, zorder=3)
        inside = h >= _INSIDE_FROM
        ax.text(
            x,
            0.02 if inside else max(c.high, h) + 0.02,
            c.count,
            rotation=90,
            ha="center",
            va="bottom",
            fontsize=7,
            color="white" if inside else "#222",
            zorder=4,
        )

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
import json
import logging
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from embodied_mem.benchmark.task import FAMILIES, FAMILY_OF, PHRASINGS
from envs.extras import require_extra

logger = logging.getLogger(__name__)

REPORT_HTML, RESULTS_MD, SUCCESS_PNG = "report.html", "results.md", "success_by_family.png"
_MAX_FAILED_ROWS = 300  # per baseline; keeps the page light on long suites
_FIG_HEIGHT = 380
# matplotlib's tab10, so a baseline has the same colour in the PNG and in every HTML chart.
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "none", "True", "False", "Null", "None"}


class ReportError(ValueError):
    """The run directory cannot be reported on; the message says what is missing and what to do."""


@dataclass
class RunData:
    """Everything the report shows, read from one ``embodied-mem eval`` output directory."""

    out_dir: Path
    summary: dict[str, Any]
    """``summary.json`` as written by :func:`embodied_mem.benchmark.eval_runner.summarize_rows`."""
    rows: list[dict[str, Any]] = field(default_factory=list)
    """Result rows (one per baseline × task) of finished episodes."""
    episode_errors: dict[str, str] = field(default_factory=dict)
    """Episode id -> error of episodes that raised (they contribute no rows)."""
    config_text: str = ""
    """The resolved ``config.yaml`` (empty when the file is missing)."""
    config: dict[str, Any] = field(default_factory=dict)
    """``config_text`` parsed (empty when missing)."""

    @property
    def baselines(self) -> list[str]:
        """Baseline names in the configured order (then any others in the canonical order)."""
        present = list(self.summary["baselines"])
        configured = [b for b in self.config.get("baselines", []) if b in present]
        return configured + sorted((b for b in present if b not in configured), key=_baseline_rank)

    @property
    def families(self) -> list[str]:
        """Families with at least one task in any baseline, in TASKS.md order."""
        seen = {f for agg in self.summary["baselines"].values() for f in agg.get("per_family", {})}
        return [f for f in FAMILIES if f in seen]

    @property
    def suite_name(self) -> str:
        return str(self.config.get("benchmark", {}).get("name") or self.out_dir.name)

    @property
    def episodes(self) -> int:
        """Episodes that produced results (the summary's count)."""
        timing = self.summary.get("timing", {})
        if timing.get("episodes") is not None:
            return int(timing["episodes"])
        return max((int(a["overall"].get("episodes", 0)) for a in self.summary["baselines"].values()), default=0)


# --------------------------------------------------------------------------- labels
_CANONICAL = ("memory-oracle", "memory-noisy", "memory-geometric", "no-memory")


def _baseline_rank(name: str) -> tuple[int, int, str]:
    """Memory baselines, then no-memory, then frames-K by K, then anything else by name."""
    if name in _CANONICAL:
        return (0, _CANONICAL.index(name), name)
    k = name.split("-", 1)[1] if name.startswith("frames-") else ""
    return (1, int(k), name) if k.isdigit() else (2, 0, name)


def baseline_label(name: str) -> str:
    """Short label for tables and legends; marks everything that uses ground truth."""
    if name == "memory-oracle":
        return "memory-oracle [ORACLE]"
    if name == "memory-noisy":
        return "memory-noisy [degraded ORACLE]"
    if name == "no-memory":
        return "no-memory [ORACLE]"
    if name.startswith("frames-"):
        return f"{name} [ORACLE bound]"
    return name


def baseline_description(name: str) -> str:
    """One honest sentence on what a baseline is (shown in the report's legend)."""
    if name == "memory-oracle":
        return "this project's memory built from ORACLE perception (ground-truth segmentation and labels)."
    if name == "memory-noisy":
        return ("this project's memory built from ORACLE perception degraded on purpose "
                "(depth noise, pose drift, label and mask errors) — still ground-truth based.")
    if name == "memory-geometric":
        return "this project's memory built from depth-only geometric proposals (no ground truth)."
    if name == "no-memory":
        return ("the same planner and policies with memory emptied before phase 2 (it must explore); "
                "what it sees while exploring is perceived by the ORACLE.")
    if name.startswith("frames-"):
        k = name.split("-", 1)[1]
        return (f"ORACLE upper bound of a {k}-frame VLM baseline, no model: a task counts as solved "
                f"iff a frame showing a valid target survives uniform subsampling to {k} frames.")
    return "baseline not described by this report version."


# --------------------------------------------------------------------------- loading
def load_run(out_dir: Path) -> RunData:
    """Read a run directory; ``summary.json`` is required, the other files are optional.

    Raises:
        ReportError: no directory, no ``summary.json``, or a summary without baselines.
    """
    out_dir = Path(out_dir)
    summary_path = out_dir / "summary.json"
    if not summary_path.is_file():
        raise ReportError(f"{summary_path} not found: run `embodied-mem eval --out {out_dir}` first "
                          "(it writes summary.json, then the report)")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportError(f"{summary_path} is not valid JSON ({exc}); re-run `embodied-mem eval` "
                          "with the same --out to rewrite it") from exc
    if not isinstance(summary, dict) or not summary.get("baselines"):
        raise ReportError(f"{summary_path} has no baseline results (did every episode fail? see "
                          f"{out_dir / 'results.jsonl'}); re-run `embodied-mem eval --out {out_dir}`")
    broken = sorted(b for b, agg in summary["baselines"].items()
                    if not isinstance(agg, dict) or "tasks" not in agg.get("overall", {}))
    if broken:
        raise ReportError(f"{summary_path}: baselines {broken} lack an 'overall' section with 'tasks'; it was "
                          "not written by this version of `embodied-mem eval` - re-run it with a new --out")
    run = RunData(out_dir=out_dir, summary=summary)
    _load_results(run, out_dir / "results.jsonl")
    _load_config(run, out_dir / "config.yaml")
    return run


def _load_config(run: RunData, path: Path) -> None:
    if not path.is_file():
        logger.warning("%s missing; the report will not show the resolved config", path)
        return
    import yaml
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    run.config_text = path.read_text(encoding="utf-8")
    try:
        config = OmegaConf.to_container(OmegaConf.create(run.config_text), resolve=True)
    except (OmegaConfBaseException, yaml.YAMLError) as exc:
        raise ReportError(f"{path} is not a valid config ({exc}); restore it or delete it to report without it") from exc
    if not isinstance(config, dict):
        raise ReportError(f"{path} holds {type(config).__name__}, not a mapping; restore or delete it")
    run.config = config  # type: ignore[assignment]


def _load_results(run: RunData, path: Path) -> None:
    """Rows of finished episodes and the errors of episodes that raised."""
    if not path.is_file():
        logger.warning("%s missing; the report will not list failed tasks", path)
        return
    rows, done = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue  # a cut-off last line; the runner drops it on resume as well
        if item is None:
            continue
        if "episode_done" in item:
            done.add(item["episode_done"])
            if item.get("error"):
                run.episode_errors[str(item["episode_done"])] = str(item["error"])
        else:
            rows.append(item)
    run.rows = [r for r in rows if r.get("episode_id") in done]


# --------------------------------------------------------------------------- formatting
def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _cell(section: dict[str, Any] | None) -> str:
    """``0.67 (12)``: success rate and number of tasks."""
    if not section or not section.get("tasks"):
        return "–"
    return f"{_rate(section.get('success'))} ({section['tasks']})"


def _episodes_text(run: RunData) -> str:
    """``"4 episodes"``, or ``"3 of 4 episodes"`` while a run is unfinished or episodes raised."""
    planned = run.config.get("benchmark", {}).get("episodes")
    noun = "episode" if (planned or run.episodes) == 1 else "episodes"
    if planned is not None and int(planned) != run.episodes:
        return f"{run.episodes} of {planned} {noun}"
    return f"{run.episodes} {noun}"


def command_line(run: RunData) -> str | None:
    """The ``embodied-mem eval`` command that reproduces this run (``None`` without config.yaml).

    The suite preset comes from the suite name; every value of the saved config that differs from
    that preset becomes a ``key.sub=value`` override, so the command rebuilds the same config.
    """
    if not run.config:
        return None
    from embodied_mem.config import PRESET_DIR

    bench = run.config.get("benchmark", {})
    name = str(bench.get("name", ""))
    preset = next((p for p in (f"suites/{name}", name) if name and (PRESET_DIR / f"{p}.yaml").is_file()), None)
    parts = ["embodied-mem", "eval"] + (["--suite", preset] if preset else [])
    for key in ("episodes", "seed"):
        if bench.get(key) is not None:
            parts += [f"--{key}", str(bench[key])]
    parts += ["--out", str(run.out_dir)]
    return shlex.join(parts + _overrides(run.config, preset))


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(tree, dict):
        return {prefix: tree}
    out: dict[str, Any] = {}
    for key, value in tree.items():
        out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _yaml_value(value: Any) -> str:
    """A dotlist value OmegaConf parses back to ``value`` (plain where YAML allows, else JSON)."""
    def plain(v: Any) -> bool:
        return isinstance(v, str) and bool(re.fullmatch(r"[A-Za-z_][\w./-]*", v)) and v not in _YAML_WORDS
    if plain(value):
        return str(value)
    if isinstance(value, list) and value and all(plain(v) for v in value):
        return "[" + ",".join(value) + "]"
    # JSON is valid YAML flow syntax, which is what OmegaConf parses in a dotlist value.
    return json.dumps(value, separators=(",", ":"))


def _overrides(config: dict[str, Any], preset: str | None) -> list[str]:
    """Dotlist overrides that turn ``preset`` (or the defaults) into ``config``."""
    from omegaconf import OmegaConf

    from embodied_mem.config import ConfigError, load_config, to_yaml
    from embodied_mem.run_config import RunConfig

    try:
        base = _flatten(OmegaConf.to_container(OmegaConf.create(to_yaml(load_config(RunConfig, preset)))))
    except ConfigError as exc:  # the preset changed since the run; the command is then approximate
        logger.warning("cannot compare config.yaml with preset %s (%s); command lists no overrides", preset, exc)
        return []
    out = []
    for key, value in _flatten(config).items():
        if key in ("benchmark.episodes", "benchmark.seed") or (key in base and base[key] == value):
            continue
        out.append(f"{key}={_yaml_value(value)}")
    return out


def markdown_table(run: RunData) -> str:
    """``results.md``: rows = families + overall, columns = baselines, cells = success (n tasks)."""
    baselines = run.baselines
    header = "| family | " + " | ".join(baseline_label(b) for b in baselines) + " |"
    lines = [header, "|" + "---|" * (len(baselines) + 1)]
    aggs = run.summary["baselines"]
    for fam in run.families:
        cells = [_cell(aggs[b].get("per_family", {}).get(fam)) for b in baselines]
        lines.append(f"| {fam} | " + " | ".join(cells) + " |")
    overall = [f"**{_cell(aggs[b]['overall'])}**" for b in baselines]
    lines.append("| **overall** | " + " | ".join(overall) + " |")
    command = command_line(run)
    note = (f"\nSuccess rate (number of tasks). {_episodes_text(run)} of suite `{run.suite_name}`; "
            + (f"command: `{command}`." if command else "command unknown (config.yaml missing)."))
    if run.episode_errors:
        note += f" {len(run.episode_errors)} episode(s) raised and are not counted."
    note += ("\nORACLE = perception from ground truth; frames-K rows are ORACLE upper bounds "
             "(no model), not a VLM's score.")
    return "\n".join(lines) + "\n" + note + "\n"


# --------------------------------------------------------------------------- plots
def _family_series(run: RunData, key: str) -> dict[str, list[float | None]]:
    aggs = run.summary["baselines"]
    return {b: [aggs[b].get("per_family", {}).get(f, {}).get(key) for f in run.families]
            for b in run.baselines}


def _plotly_figures(run: RunData) -> list[tuple[str, Any]]:
    """(caption, figure) pairs: success and SPL per family, failure modes, prompt tokens."""
    go = require_extra("plotly.graph_objects", "viz", hint="the HTML report draws its charts with plotly")
    layout = {"height": _FIG_HEIGHT, "margin": {"l": 50, "r": 20, "t": 50, "b": 90},
              "template": "plotly_white", "legend": {"orientation": "h", "y": -0.3}}
    figures: list[tuple[str, Any]] = []
    for key, title, caption in (
        ("success", "Success per family", "Task success rate per family (FindingDory thresholds)."),
        ("spl", "SPL per family", "Success weighted by path length, over navigation tasks only; the frames bounds have none."),
    ):
        fig = go.Figure(layout={**layout, "title": title, "barmode": "group",
                                "yaxis": {"range": [0, 1.05], "title": key}})
        for i, (b, values) in enumerate(_family_series(run, key).items()):
            tasks = [run.summary["baselines"][b]["per_family"].get(f, {}).get("tasks", 0) for f in run.families]
            marker = {"color": _PALETTE[i % len(_PALETTE)], "pattern": {"shape": "/" if _is_bound(b) else ""}}
            fig.add_bar(name=baseline_label(b), x=run.families, y=values, customdata=tasks, marker=marker,
                        hovertemplate="%{x}: %{y:.2f} (%{customdata} tasks)<extra>" + b + "</extra>")
        figures.append((caption, fig))
    figures.append(("Failed tasks per baseline, stacked by failure mode.", _failure_figure(run, go, layout)))
    tokens = [run.summary["baselines"][b]["overall"].get("prompt_tokens") or 0.0 for b in run.baselines]
    fig = go.Figure(layout={**layout, "title": "Prompt tokens per task (mean)",
                            "yaxis": {"title": "tokens", "range": [0, max(1.0, 1.1 * max(tokens, default=0))]}})
    fig.add_bar(x=[baseline_label(b) for b in run.baselines], y=tokens, showlegend=False,
                marker={"color": [_PALETTE[i % len(_PALETTE)] for i in range(len(tokens))]})
    caption = "Mean planner prompt tokens per task (the frames bounds send no prompt)."
    if not any(tokens):
        caption += " All are 0 in this run: the planner sent no prompts (e.g. the offline rule planner)."
    figures.append((caption, fig))
    return figures


def _failure_figure(run: RunData, go: Any, layout: dict[str, Any]) -> Any:
    aggs = run.summary["baselines"]
    modes = sorted({m for b in run.baselines for m in aggs[b]["overall"].get("failure_modes", {})})
    fig = go.Figure(layout={**layout, "title": "Failure modes", "barmode": "stack",
                            "yaxis": {"title": "failed tasks"}})
    labels = [baseline_label(b) for b in run.baselines]
    for mode in modes:
        fig.add_bar(name=mode, x=labels, y=[aggs[b]["overall"]["failure_modes"].get(mode, 0) for b in run.baselines])
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
        ax.bar(x + (i - (len(series) - 1) / 2) * width, [np.nan if v is None else v for v in values],
               width, label=baseline_label(b), hatch="//" if _is_bound(b) else None, color=_PALETTE[i % len(_PALETTE)],
               edgecolor="white", linewidth=0.5)
    ax.set_xticks(x, [f.replace("_", "\n") for f in fams], fontsize=7)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("success rate")
    ax.set_title(f"Success per family — suite '{run.suite_name}', {_episodes_text(run)}", fontsize=9)
    ax.legend(fontsize=7, ncols=min(3, max(1, len(series))), loc="upper center",
              bbox_to_anchor=(0.5, -0.16), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    # No Software/date metadata, so the same run gives the same bytes.
    fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.1)
    return path


# --------------------------------------------------------------------------- html
_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}.oracle{color:#a40}.note{color:#555;font-size:.9em}
pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.85em}details{margin:.5em 0}"""

_OVERALL_COLUMNS = (
    ("tasks", "tasks", lambda v: _num(v, 0)), ("success", "success", _rate),
    ("success_macro_family", "success (family mean)", _rate), ("spl", "SPL", _rate),
    ("high_level_success", "high-level success", _rate), ("steps", "steps", _num),
    ("planner_calls", "planner calls", _num), ("prompt_tokens", "prompt tokens", lambda v: _num(v, 0)),
    ("memory_size", "memory size (objects; frames-K: frames)", _num),
)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """An HTML table of already-escaped cells; the first ``left`` columns are left-aligned."""
    def cells(tag: str, values: list[str]) -> str:
        return "".join(f"<{tag}{' class=l' if i < left else ''}>{v}</{tag}>" for i, v in enumerate(values))
    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return f"<table><tr>{cells('th', header)}</tr>{body}</table>"


def _overall_html(run: RunData) -> str:
    timing = run.summary.get("timing", {})
    header = ["baseline"] + [title for _, title, _ in _OVERALL_COLUMNS] + ["wall time / task (s)"]
    rows = []
    for b in run.baselines:
        o = run.summary["baselines"][b]["overall"]
        wall = timing.get(b, {}).get("task_wall_time_s_mean")
        rows.append([_esc(baseline_label(b))] + [fmt(o.get(k)) for k, _, fmt in _OVERALL_COLUMNS] + [_num(wall, 2)])
    legend = "".join(f"<li><b>{_esc(b)}</b>: {_esc(baseline_description(b))}</li>" for b in run.baselines)
    return _table(header, rows) + f"<ul class=note>{legend}</ul>"


def _template_html(run: RunData) -> str:
    aggs = run.summary["baselines"]
    templates = sorted({t for b in run.baselines for t in aggs[b].get("per_template", {})})
    header = ["template", "family", "phrasing"] + [_esc(baseline_label(b)) for b in run.baselines]
    rows = [[_esc(t), _esc(FAMILY_OF.get(t, "?")), _esc(PHRASINGS.get(t, ""))]
            + [_cell(aggs[b].get("per_template", {}).get(t)) for b in run.baselines] for t in templates]
    return _table(header, rows, left=3)


def _failures_html(run: RunData) -> str:
    blocks = []
    for b in run.baselines:
        failed = sorted((r for r in run.rows if r.get("baseline") == b and not r.get("success")),
                        key=lambda r: (str(r.get("episode_id")), str(r.get("task_id"))))
        if not failed:
            continue
        rows = [[_esc(r.get("task_id")), _esc(r.get("instruction", "")), _esc(r.get("failure_mode") or "–"),
                 _esc(r.get("detail") or r.get("planner_message") or "")] for r in failed[:_MAX_FAILED_ROWS]]
        more = f" (first {_MAX_FAILED_ROWS} shown)" if len(failed) > _MAX_FAILED_ROWS else ""
        blocks.append(f"<details><summary>{_esc(baseline_label(b))}: {len(failed)} failed tasks{more}</summary>"
                      + _table(["task", "instruction", "failure mode", "detail"], rows, left=4) + "</details>")
    if run.episode_errors:
        rows = [[_esc(e), _esc(err)] for e, err in sorted(run.episode_errors.items())]
        blocks.append(f"<details open><summary class=oracle>{len(run.episode_errors)} episode(s) raised and "
                      "are not counted</summary>" + _table(["episode", "error"], rows, left=2) + "</details>")
    return "".join(blocks) or "<p class=note>No failed tasks.</p>"


def _plots_html(run: RunData) -> str:
    parts = []
    for i, (caption, fig) in enumerate(_plotly_figures(run)):
        # plotly.js inline once (first figure), fixed div ids: offline and byte-stable.
        div = fig.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"plot-{i}",
                          config={"displaylogo": False, "responsive": True})
        parts.append(f"<figure>{div}<figcaption class=note>{_esc(caption)}</figcaption></figure>")
    return "".join(parts)


def render_html(run: RunData, generated: str) -> str:
    """The whole report page (self-contained; ``generated`` is its only non-deterministic line)."""
    title = f"embodied-mem benchmark — suite '{run.suite_name}'"
    config = (f"<pre>{_esc(run.config_text)}</pre>" if run.config_text
              else "<p class=note>config.yaml was not found in the run directory.</p>")
    sections = [
        f"<h1>{_esc(title)}</h1>",
        f"<p>{_esc(_episodes_text(run))} · {len(run.baselines)} baselines · {len(run.families)} task families · "
        f"planner: {_esc(run.config.get('planner', {}).get('name', '?'))} · wall time per episode "
        f"(all baselines): {_num(run.summary.get('timing', {}).get('episode_wall_time_s_mean'))} s · "
        f"command: <code>{_esc(command_line(run) or 'unknown (config.yaml missing)')}</code></p>",
        "<p class='note oracle'>ORACLE = perception from simulator ground truth. The frames-K rows are "
        "ORACLE upper bounds computed without any model, not scores of a VLM. Every memory agent is "
        "given the house's room layout.</p>",
        "<h2>Overall</h2>", _overall_html(run),
        "<h2>Plots</h2>", _plots_html(run),
        "<h2>Per template</h2><p class=note>success rate (number of tasks)</p>", _template_html(run),
        "<h2>Failed tasks</h2>", _failures_html(run),
        f"<h2>Configuration</h2><details><summary>resolved config.yaml</summary>{config}</details>",
        f"<p class=note>generated {_esc(generated)}</p>",
    ]
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_esc(title)}</title>"
            f"<style>{_CSS}</style></head><body>" + "\n".join(sections) + "</body></html>\n")


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
    require_extra("plotly.graph_objects", "viz", hint="the HTML report draws its charts with plotly")
    require_extra("matplotlib", "viz", hint="the README chart is drawn with matplotlib")
    generated = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by embodied_mem.benchmark.report"
    page = render_html(run, generated)
    (run.out_dir / RESULTS_MD).write_text(markdown_table(run), encoding="utf-8")
    write_success_png(run, run.out_dir / SUCCESS_PNG)
    path = run.out_dir / REPORT_HTML
    path.write_text(page, encoding="utf-8")
    logger.info("report written: %s (%d baselines, %d episodes)", path, len(run.baselines), run.episodes)
    return path

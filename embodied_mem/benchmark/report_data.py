"""Reading an eval run directory for the reports: results, labels, tables and the command line.

See :mod:`embodied_mem.benchmark.report` for what the report contains.
"""

from __future__ import annotations

import json
import logging
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embodied_mem.benchmark.task import FAMILIES

logger = logging.getLogger(__name__)

REPORT_HTML, RESULTS_MD, SUCCESS_PNG = "report.html", "results.md", "success_by_family.png"
# matplotlib's tab10, so a baseline has the same colour in the PNG and in every HTML chart.
_YAML_WORDS = {
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "none",
    "True",
    "False",
    "Null",
    "None",
}


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
    launch: dict[str, Any] = field(default_factory=dict)
    """How the run was launched (``launch.json``: option -> value; empty when missing)."""
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Values derived from the above, computed once (e.g. the command line)."""

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
        return max(
            (int(a["overall"].get("episodes", 0)) for a in self.summary["baselines"].values()),
            default=0,
        )


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


def budget_note(run: RunData) -> str:
    """What no-memory may spend exploring, next to the budget every agent has (its success is
    only meaningful with its cap stated); empty when the run has no no-memory rows."""
    if "no-memory" not in run.summary.get("baselines", {}):
        return ""
    planner = run.config.get("planner", {})
    rule = planner.get("rule", {}) if planner.get("name", "rule") == "rule" else {}
    task_budget = run.config.get("agent", {}).get("task_budget")
    steps, rounds = rule.get("explore_steps"), rule.get("max_explorations")
    if steps is None or task_budget is None:
        return ""
    capped = "capped at" if steps * max(rounds or 1, 1) < task_budget else "up to"
    return (
        f"no-memory explores {capped} {steps} steps per task ({rounds} exploration round(s)); "
        f"every agent has a budget of {task_budget} actions per task."
    )


def map_note(run: RunData) -> str:
    """Which map the agents navigated on: their own, or the simulator's (ORACLE) — said for
    every run whose rows record it (``navigation_map`` in summary.json)."""
    maps = run.summary.get("navigation_map") or {}
    oracle = sorted(b for b, m in maps.items() if m == "oracle")
    if oracle:
        return (
            f"ORACLE map: {', '.join(oracle)} navigated, explored and measured distances on the "
            "simulator's complete free-space map (navigation.map=oracle), not one it built."
        )
    if maps:
        return (
            "Agents navigate, explore and measure distances on the free-space map they build "
            "from their own depth frames (navigation.map=own)."
        )
    return ""


def baseline_description(name: str) -> str:
    """One honest sentence on what a baseline is (shown in the report's legend)."""
    if name == "memory-oracle":
        return "this project's memory built from ORACLE perception (ground-truth segmentation and labels)."
    if name == "memory-noisy":
        return (
            "this project's memory built from ORACLE perception degraded on purpose "
            "(depth noise, pose drift, label and mask errors) — still ground-truth based."
        )
    if name == "memory-geometric":
        return "this project's memory built from depth-only geometric proposals (no ground truth)."
    if name == "no-memory":
        return (
            "the same planner and policies with memory emptied before phase 2 (it must explore); "
            "what it sees while exploring is perceived by the ORACLE."
        )
    if name.startswith("frames-"):
        k = name.split("-", 1)[1]
        return (
            f"ORACLE upper bound of a {k}-frame VLM baseline, no model: a task counts as solved "
            f"iff a frame showing a valid target survives uniform subsampling to {k} frames."
        )
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
        raise ReportError(
            f"{summary_path} not found: run `embodied-mem eval --out {out_dir}` first "
            "(it writes summary.json, then the report)"
        )
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{summary_path} is not valid JSON ({exc}); re-run `embodied-mem eval` "
            "with the same --out to rewrite it"
        ) from exc
    if not isinstance(summary, dict) or not summary.get("baselines"):
        raise ReportError(
            f"{summary_path} has no baseline results (did every episode fail? see "
            f"{out_dir / 'results.jsonl'}); re-run `embodied-mem eval --out {out_dir}`"
        )
    broken = sorted(
        b
        for b, agg in summary["baselines"].items()
        if not isinstance(agg, dict) or "tasks" not in agg.get("overall", {})
    )
    if broken:
        raise ReportError(
            f"{summary_path}: baselines {broken} lack an 'overall' section with 'tasks'; it was "
            "not written by this version of `embodied-mem eval` - re-run it with a new --out"
        )
    run = RunData(out_dir=out_dir, summary=summary)
    _load_results(run, out_dir / "results.jsonl")
    _load_config(run, out_dir / "config.yaml")
    from embodied_mem.benchmark.run_dir import read_launch

    run.launch = read_launch(out_dir)
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
        raise ReportError(
            f"{path} is not a valid config ({exc}); restore it or delete it to report without it"
        ) from exc
    if not isinstance(config, dict):
        raise ReportError(
            f"{path} holds {type(config).__name__}, not a mapping; restore or delete it"
        )
    run.config = config  # type: ignore[assignment]


def _load_results(run: RunData, path: Path) -> None:
    """Rows of finished episodes and the errors of episodes that raised."""
    from embodied_mem.benchmark.run_dir import read_results

    if not path.is_file():
        logger.warning("%s missing; the report will not list failed tasks", path)
        return
    results = read_results(path)
    run.rows = results.rows
    run.episode_errors = dict(results.failed)


# --------------------------------------------------------------------------- formatting
def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def fmt_num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def fmt_cell(section: dict[str, Any] | None) -> str:
    """``0.67 (12)``: success rate and number of tasks."""
    if not section or not section.get("tasks"):
        return "–"
    return f"{fmt_rate(section.get('success'))} ({section['tasks']})"


def episodes_text(run: RunData) -> str:
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
    The options the run was launched with (``launch.json``: workers, backend, cluster address)
    follow ``--out``. Built once per :class:`RunData` (the HTML and the markdown both show it).
    """
    if "command" not in run.cache:
        run.cache["command"] = _command_line(run)
    return run.cache["command"]


def _command_line(run: RunData) -> str | None:
    if not run.config:
        return None
    from embodied_mem.config import PRESET_DIR

    bench = run.config.get("benchmark", {})
    name = str(bench.get("name", ""))
    preset = next(
        (p for p in (f"suites/{name}", name) if name and (PRESET_DIR / f"{p}.yaml").is_file()), None
    )
    parts = ["embodied-mem", "eval"] + (["--suite", preset] if preset else [])
    for key in ("episodes", "seed"):
        if bench.get(key) is not None:
            parts += [f"--{key}", str(bench[key])]
    parts += ["--out", str(run.out_dir)]
    for option, value in run.launch.items():  # how it ran: --workers, --backend, --address...
        parts += [f"--{option}", str(value)]
    return shlex.join(parts + _overrides(run.config, preset))


def _yaml_value(value: Any) -> str:
    """A dotlist value OmegaConf parses back to ``value`` (plain where YAML allows, else JSON)."""

    def plain(v: Any) -> bool:
        return (
            isinstance(v, str)
            and bool(re.fullmatch(r"[A-Za-z_][\w./-]*", v))
            and v not in _YAML_WORDS
        )

    if plain(value):
        return str(value)
    if isinstance(value, list) and value and all(plain(v) for v in value):
        return "[" + ",".join(value) + "]"
    # JSON is valid YAML flow syntax, which is what OmegaConf parses in a dotlist value.
    return json.dumps(value, separators=(",", ":"))


def _overrides(config: dict[str, Any], preset: str | None) -> list[str]:
    """Dotlist overrides that turn ``preset`` (or the defaults) into ``config``."""
    from embodied_mem.config import ConfigError, config_tree, flatten, load_config
    from embodied_mem.run_config import RunConfig

    try:
        base = flatten(config_tree(load_config(RunConfig, preset)))
    except ConfigError as exc:  # the preset changed since the run; the command is then approximate
        logger.warning(
            "cannot compare config.yaml with preset %s (%s); command lists no overrides",
            preset,
            exc,
        )
        return []
    out = []
    for key, value in flatten(config).items():
        if key in ("benchmark.episodes", "benchmark.seed") or (key in base and base[key] == value):
            continue
        out.append(f"{key}={_yaml_value(value)}")
    return out


def skipped_lines(run: RunData) -> list[str]:
    """``T51: 3 episode(s): <reason>`` for every template and reason in the summary."""
    skipped = run.summary.get("skipped_templates") or {}
    return [
        f"{template}: {n} episode(s): {reason}"
        for template, reasons in skipped.items()
        for reason, n in reasons.items()
    ]


def markdown_table(run: RunData) -> str:
    """``results.md``: rows = families + overall, columns = baselines, cells = success (n tasks)."""
    baselines = run.baselines
    header = "| family | " + " | ".join(baseline_label(b) for b in baselines) + " |"
    lines = [header, "|" + "---|" * (len(baselines) + 1)]
    aggs = run.summary["baselines"]
    for fam in run.families:
        cells = [fmt_cell(aggs[b].get("per_family", {}).get(fam)) for b in baselines]
        lines.append(f"| {fam} | " + " | ".join(cells) + " |")
    overall = [f"**{fmt_cell(aggs[b]['overall'])}**" for b in baselines]
    lines.append("| **overall** | " + " | ".join(overall) + " |")
    command = command_line(run)
    note = (
        f"\nSuccess rate (number of tasks). {episodes_text(run)} of suite `{run.suite_name}`; "
        + (f"command: `{command}`." if command else "command unknown (config.yaml missing).")
    )
    if run.episode_errors:
        note += f" {len(run.episode_errors)} episode(s) failed and are not counted:\n" + "".join(
            f"\n- `{ep}`: {err}" for ep, err in sorted(run.episode_errors.items())
        )
        note += "\n\nRe-running the same command runs the failed episodes again.\n"
    skipped = skipped_lines(run)
    if skipped:
        note += "\nTemplates some episodes could not fill (never faked):\n" + "".join(
            f"\n- {line}" for line in skipped
        )
        note += "\n"
    note += (
        "\nORACLE = perception from ground truth; frames-K rows are ORACLE upper bounds "
        "(no model), not a VLM's score."
    )
    if budget_note(run):
        note += f"\n{budget_note(run)}"
    if map_note(run):
        note += f"\n{map_note(run)}"
    return "\n".join(lines) + "\n" + note + "\n"


# --------------------------------------------------------------------------- plots

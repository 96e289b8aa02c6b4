"""`embodied-mem eval` and `embodied-mem demo`: the benchmark from the command line."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

logger = logging.getLogger(__name__)
console = Console()

DEFAULT_WORKERS = 2
"""Parallel episodes of both `demo` and `eval` unless --workers says otherwise."""

Workers = Annotated[
    int, typer.Option(min=1, help="parallel episodes (processes; they exit with the runner)")
]
Restart = Annotated[
    bool,
    typer.Option(
        help="move an earlier run's files in --out aside (to previous-runs/<n>/) instead of "
        "refusing a directory that holds results of another config"
    ),
]
Overrides = Annotated[
    list[str] | None,
    typer.Argument(help="config overrides key.sub=value (list them: embodied-mem config)"),
]


def _load(preset: str | None, overrides: list[str]):  # noqa: ANN202 - RunConfig, imported lazily
    from embodied_mem.config import load_config
    from embodied_mem.run_config import RunConfig

    return load_config(RunConfig, preset, overrides)


class _Bars:
    """Progress: one bar for the episodes, one per running episode for its tasks."""

    def __init__(self, episodes: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.fields[label]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            # The bars redraw in the driver while workers run episodes: at rich's default
            # 10 Hz that is ~0.5 % of a core for the whole run, on the run's critical path.
            refresh_per_second=2,
        )
        self.episodes = self.progress.add_task("", total=episodes, label="episodes")
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bars:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def on_task(self, episode_id: str, done: int, total: int) -> None:
        if episode_id not in self.tasks:
            self.tasks[episode_id] = self.progress.add_task(
                episode_id, total=total, label="  tasks"
            )
        self.progress.update(self.tasks[episode_id], completed=done, total=total)

    def on_episode(self, episode_id: str, finished: int, total: int) -> None:
        self.progress.update(self.episodes, completed=finished, total=total, description=episode_id)
        if episode_id in self.tasks:
            self.progress.remove_task(self.tasks.pop(episode_id))


def run_eval(
    preset: str | None,
    overrides: list[str],
    out: Path,
    workers: int,
    backend: str,
    record: int = 0,
    restart: bool = False,
    address: str | None = None,
) -> tuple[Path | None, dict]:
    """Run the suite with progress bars (episodes, and tasks inside each running episode),
    then write the report; returns the report's path (None if no episode finished) and the
    summary."""
    from embodied_mem.benchmark.eval_runner import run_suite
    from embodied_mem.benchmark.preflight import preflight
    from embodied_mem.benchmark.report import write_report
    from embodied_mem.benchmark.run_lock import driving

    config = _load(preset, overrides)
    preflight(config)  # run_suite checks again; here so a doomed config shows no progress bar
    started = time.perf_counter()
    with driving(out):  # one driver per directory, through the report
        with _Bars(config.benchmark.episodes) as bars:
            summary = run_suite(
                config,
                out,
                workers=workers,
                backend=backend,
                on_episode=bars.on_episode,
                on_task=bars.on_task,
                record_episodes=record,
                restart=restart,
                address=address,
            )
        logger.info("suite finished in %.0f s", time.perf_counter() - started)
        if not summary["baselines"]:
            return None, summary
        report = write_report(out)
    _print_overall(summary)
    return report, summary


def _finish(report: Path | None, summary: dict, out: Path, command: str) -> None:
    """Print where the report is; exit 1 listing the failed episodes if any failed."""
    if report is not None:
        console.print(f"[bold green]report:[/] {report}")
    for template, reasons in (summary.get("skipped_templates") or {}).items():
        for reason, n in reasons.items():
            console.print(
                f"[yellow]skipped[/] {template} in {n} episode(s): {reason}", highlight=False
            )
    failed = summary.get("failed_episodes") or {}
    if not failed:
        return
    console.print(f"[bold red]{len(failed)} episode(s) failed[/] (not counted in the summary):")
    for episode_id, error in failed.items():
        console.print(f"  {episode_id}: {error}", markup=False, highlight=False)
    again = (
        "`make demo` or the same `embodied-mem demo`" if command == "demo" else "the same command"
    )
    console.print(
        f"Fix the cause and re-run {again}: finished episodes are kept, failed ones run again "
        f"(earlier errors stay in {out / 'attempts.jsonl'})."
    )
    raise typer.Exit(code=1)


def _print_overall(summary: dict) -> None:
    from rich.table import Table

    table = Table(title="success by baseline")
    for col in ("baseline", "tasks", "success", "SPL", "high-level"):
        table.add_column(col)
    maps = summary.get("navigation_map", {})
    for name, agg in summary["baselines"].items():
        o = agg["overall"]
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        label = f"{name} [ORACLE map]" if maps.get(name) == "oracle" else name
        table.add_row(
            label, str(o["tasks"]), fmt(o["success"]), fmt(o["spl"]), fmt(o["high_level_success"])
        )
    console.print(table)


def _memory_pictures(out: Path) -> list[Path]:
    """Top-down PNG and interactive HTML of the recorded episode's memory (extra ``viz``)."""
    from embodied_mem.viz.html import save_html
    from embodied_mem.viz.source import load_view
    from embodied_mem.viz.topdown import save_topdown

    runs = sorted((out / "recordings").glob("*/*"))
    if not runs:
        return []
    view = load_view(runs[0])
    png, html = out / "memory_topdown.png", out / "memory_graph.html"
    save_topdown(view, png, None)
    save_html(view, html)
    return [png, html]


def _env_overrides(env: str | None) -> list[str]:
    # the preset's env.builtin settings stay with the builtin env; env.<sim>.* apply
    if env is None or env == "builtin":
        return []
    return [f"benchmark.env={env}", f"env.name={env}"]


def register(app: typer.Typer) -> None:
    _register_eval(app)
    _register_demo(app)


def _register_eval(app: typer.Typer) -> None:
    from embodied_mem.cli import clear_errors

    @app.command("eval")
    @clear_errors
    def eval_command(
        suite: Annotated[
            str, typer.Option(help="suite preset in configs/suites (or a .yaml path)")
        ] = "suites/small",
        episodes: Annotated[
            int | None, typer.Option(min=1, help="number of episodes (overrides the preset)")
        ] = None,
        seed: Annotated[int | None, typer.Option(help="suite seed (overrides the preset)")] = None,
        workers: Workers = DEFAULT_WORKERS,
        backend: Annotated[str, typer.Option(help="local (processes) or ray")] = "local",
        address: Annotated[
            str | None,
            typer.Option(
                help="Ray cluster to join (with --backend ray; default: RAY_ADDRESS, else a "
                "local Ray of --workers CPUs); --out must be on storage every node mounts",
            ),
        ] = None,
        out: Annotated[
            Path, typer.Option(help="output directory (re-run to resume and retry failures)")
        ] = Path("runs/eval"),
        record: Annotated[
            int, typer.Option(min=0, help="record the first N episodes for replay/viz")
        ] = 0,
        restart: Restart = False,
        env: Annotated[
            str | None, typer.Option(help="simulator: builtin | ai2thor | habitat")
        ] = None,
        overrides: Overrides = None,
    ) -> None:
        """Run a FindingDory-style suite for every baseline; resumable; writes summary.json and
        report.html. Exits 1 if an episode failed (re-run to retry it), 2 on a usage error."""
        extra = list(overrides or [])
        if episodes is not None:
            extra.append(f"benchmark.episodes={episodes}")
        if seed is not None:
            extra.append(f"benchmark.seed={seed}")
        extra += _env_overrides(env)
        report, summary = run_eval(suite, extra, out, workers, backend, record, restart, address)
        _finish(report, summary, out, "eval")


def _register_demo(app: typer.Typer) -> None:
    from embodied_mem.cli import clear_errors

    @app.command()
    @clear_errors
    def demo(
        out: Annotated[Path, typer.Option(help="output directory")] = Path("runs/demo"),
        env: Annotated[str, typer.Option(help="builtin | ai2thor | habitat")] = "builtin",
        workers: Workers = DEFAULT_WORKERS,
        restart: Restart = False,
        overrides: Overrides = None,
    ) -> None:
        """The main job on the built-in simulator: a small memory benchmark with a report.
        Exits 1 if an episode failed (re-run to retry it), 2 on a usage error."""
        extra = list(overrides or []) + _env_overrides(env)
        if env == "builtin":
            from embodied_mem.tour import run_tour

            run_tour(out / "tour", seed=0, steps=60)
        report, summary = run_eval("demo", extra, out, workers, "local", 1, restart)
        if report is not None:
            pictures = _memory_pictures(out)
            console.print(
                f"[bold green]demo finished.[/] summary: {out / 'summary.json'}\n"
                f"tour pictures: {out / 'tour'}\n"
                f"memory pictures: {', '.join(str(p) for p in pictures)}"
            )
        _finish(report, summary, out, "demo")

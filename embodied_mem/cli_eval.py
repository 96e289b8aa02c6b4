"""`embodied-mem eval` and `embodied-mem demo`: the benchmark from the command line."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

logger = logging.getLogger(__name__)
console = Console()


def _load(preset: str | None, overrides: list[str]):  # noqa: ANN202 - RunConfig, imported lazily
    from embodied_mem.config import load_config
    from embodied_mem.run_config import RunConfig

    return load_config(RunConfig, preset, overrides)


def run_eval(
    preset: str | None, overrides: list[str], out: Path, workers: int, backend: str, record: int = 0
) -> Path:
    """Run the suite with a progress bar, then write the report; returns the report's path."""
    from embodied_mem.benchmark.eval_runner import run_suite
    from embodied_mem.benchmark.report import write_report

    config = _load(preset, overrides)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]episodes"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
    ) as progress:
        bar = progress.add_task("", total=config.benchmark.episodes)

        def advance(episode_id: str, finished: int, total: int) -> None:
            progress.update(bar, completed=finished, total=total, description=episode_id)

        summary = run_suite(
            config,
            out,
            workers=workers,
            backend=backend,
            on_episode=advance,
            record_episodes=record,
        )
    report = write_report(out)
    logger.info("suite finished in %.0f s", time.perf_counter() - started)
    _print_overall(summary)
    return report


def _print_overall(summary: dict) -> None:
    from rich.table import Table

    table = Table(title="success by baseline")
    for col in ("baseline", "tasks", "success", "SPL", "high-level"):
        table.add_column(col)
    for name, agg in summary["baselines"].items():
        o = agg["overall"]
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        table.add_row(
            name, str(o["tasks"]), fmt(o["success"]), fmt(o["spl"]), fmt(o["high_level_success"])
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


def register(app: typer.Typer) -> None:
    from embodied_mem.cli import clear_errors

    @app.command("eval")
    @clear_errors
    def eval_command(
        suite: Annotated[
            str, typer.Option(help="suite preset in configs/suites (or a .yaml path)")
        ] = "suites/small",
        episodes: Annotated[
            int | None, typer.Option(help="number of episodes (overrides the preset)")
        ] = None,
        seed: Annotated[int | None, typer.Option(help="suite seed (overrides the preset)")] = None,
        workers: Annotated[int, typer.Option(help="parallel episodes")] = 1,
        backend: Annotated[str, typer.Option(help="local (processes) or ray")] = "local",
        out: Annotated[Path, typer.Option(help="output directory (re-run to resume)")] = Path(
            "runs/eval"
        ),
        record: Annotated[int, typer.Option(help="record the first N episodes for replay/viz")] = 0,
        env: Annotated[
            str | None, typer.Option(help="simulator: builtin | ai2thor | habitat")
        ] = None,
        overrides: Annotated[
            list[str] | None, typer.Argument(help="config overrides key.sub=value")
        ] = None,
    ) -> None:
        """Run a FindingDory-style suite for every baseline; resumable; writes summary.json and report.html."""
        extra = list(overrides or [])
        if episodes is not None:
            extra.append(f"benchmark.episodes={episodes}")
        if seed is not None:
            extra.append(f"benchmark.seed={seed}")
        if env is not None and env != "builtin":
            extra += [f"benchmark.env={env}", f"env.name={env}"]
        report = run_eval(suite, extra, out, workers, backend, record)
        console.print(f"[bold green]report:[/] {report}")

    @app.command()
    @clear_errors
    def demo(
        out: Annotated[Path, typer.Option(help="output directory")] = Path("runs/demo"),
        env: Annotated[str, typer.Option(help="builtin | ai2thor | habitat")] = "builtin",
        workers: Annotated[int, typer.Option(help="parallel episodes")] = 2,
        overrides: Annotated[
            list[str] | None, typer.Argument(help="config overrides key.sub=value")
        ] = None,
    ) -> None:
        """The main job on the built-in simulator: a small memory benchmark with a report."""
        extra = list(overrides or [])
        if env != "builtin":
            # the preset's env.builtin settings stay with the builtin env; env.<sim>.* apply
            extra += [f"benchmark.env={env}", f"env.name={env}"]
        else:
            from embodied_mem.tour import run_tour

            run_tour(out / "tour", seed=0, steps=60)
        report = run_eval("demo", extra, out, workers, "local", record=1)
        pictures = _memory_pictures(out)
        console.print(
            f"[bold green]demo finished.[/] report: {report}\n"
            f"summary: {out / 'summary.json'}\ntour pictures: {out / 'tour'}\n"
            f"memory pictures: {', '.join(str(p) for p in pictures)}"
        )

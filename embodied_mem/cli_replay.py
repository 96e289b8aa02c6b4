"""CLI commands ``replay``, ``viz`` and ``record-demo`` (registered by :mod:`embodied_mem.cli`)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

logger = logging.getLogger(__name__)
console = Console()
FORMATS = ("png", "html", "rrd")


@contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar; yields ``update(done)``."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def replay_cmd(
    run: Annotated[Path, typer.Argument(help="recorded run directory")],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(help="memory config overrides, e.g. memory.mapper.match_threshold=0.9"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="output directory (default RUN/replay)")] = None,
) -> None:
    """Rebuild a run's memory from its recorded frames (no simulator), optionally under a new config."""
    from embodied_mem.config import ConfigError
    from embodied_mem.replay import RunFormatError, load_run, memory_config
    from embodied_mem.replay import format as fmt

    overrides = overrides or []
    from embodied_mem.cli_viz_args import benchmark_run_hint

    hint = benchmark_run_hint(run)
    if hint is not None:
        raise _fail(hint)
    try:  # everything checkable is checked before anything is written
        recorded = load_run(run)  # also verifies that no frame chunk is missing
        config = memory_config(recorded.config.get("memory"), overrides)
        expected = recorded.final_snapshot()
    except (RunFormatError, ConfigError) as exc:
        raise _fail(str(exc)) from exc
    out = out or run / "replay"
    if (out / "memory.db").exists():
        raise _fail(f"{out / 'memory.db'} already exists; pass a new --out directory")
    try:
        with fmt.staged_outputs(out, claim="memory.db") as stage:
            stats, state = _replay_into(stage, recorded, config, overrides)
            diffs = _report_file(stage, expected, state, overrides)
    except (ValueError, FileExistsError) as exc:  # a corrupt chunk, a frame memory refuses, ...
        raise _fail(f"{exc}\n(replay failed; nothing was written to {out})") from exc
    console.print(
        f"[bold green]replayed[/] {run} → {out}: {stats.objects} objects, "
        f"{stats.receptacles} receptacles, {stats.events} events, {stats.keyframes} keyframes"
    )
    if diffs is None:
        console.print("[yellow]the run has no recorded memory snapshot to compare with[/]")
    else:
        _say_diffs(diffs)


def _replay_into(
    stage: Path, recorded: Any, config: Any, overrides: list[str]
) -> tuple[Any, dict[str, Any]]:
    """Replay into ``stage``: config.yaml, memory.db, memory_state.json."""
    from embodied_mem.config import to_yaml
    from embodied_mem.replay import memory_state, replay

    (stage / "config.yaml").write_text(to_yaml(config))
    with _progress("replaying frames", recorded.header.get("frames")) as update:
        memory = replay(recorded, overrides, path=stage / "memory.db", progress=update)
    with memory:
        state = memory_state(memory, int(recorded.header.get("frames", 0)))
        (stage / "memory_state.json").write_text(json.dumps(state))
        stats = memory.stats()
    return stats, state


def _report_file(
    stage: Path, expected: dict[str, Any] | None, state: dict[str, Any], overrides: list[str]
) -> list[str] | None:
    """Write diff.json (when the run has a snapshot to compare with); the differences."""
    from embodied_mem.replay import diff_states

    if expected is None:
        return None
    diffs = diff_states(expected, state)
    (stage / "diff.json").write_text(
        json.dumps({"overrides": overrides, "identical": not diffs, "differences": diffs}, indent=2)
    )
    return diffs


def _say_diffs(diffs: list[str]) -> None:
    """Say whether the replay matches the recorded memory."""
    if not diffs:
        console.print(
            "[green]identical to the recorded memory[/] (same ids, bit-equal geometry, same events)"
        )
    else:
        console.print(
            f"[yellow]differs from the recorded memory[/] ({len(diffs)} differences, see diff.json):"
        )
        for line in diffs[:8]:
            console.print(f"  • {line}")


def viz_cmd(
    source: Annotated[
        Path, typer.Argument(help="memory .db, memory snapshot .json or run directory")
    ],
    time: Annotated[
        str | None,
        typer.Option(
            "--time",
            help="'d1 14:30' (day and clock), 14:30 (the last day, or --day), or seconds "
            "from the start; default: the end. Moved times are reported.",
        ),
    ] = None,
    day: Annotated[
        int | None, typer.Option("--day", min=0, help="day index for an HH:MM --time")
    ] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("viz"),
    format: Annotated[
        str, typer.Option("--format", help="comma list of png,html,rrd")
    ] = "png,html",  # noqa: A002
    spawn: Annotated[
        bool, typer.Option("--spawn", help="also stream to a native rerun viewer (needs a display)")
    ] = False,
    serve: Annotated[
        bool,
        typer.Option("--serve", help="also serve it live: gRPC + rerun web viewer, until Ctrl-C"),
    ] = False,
    grpc_port: Annotated[int, typer.Option(help="gRPC port for --serve")] = 9876,
    web_port: Annotated[int, typer.Option(help="web viewer port for --serve")] = 9090,
) -> None:
    """Render a memory: top-down PNG at a time, interactive HTML over time, rerun .rrd; or
    watch it live in rerun (--spawn, --serve)."""
    from embodied_mem.replay import RunFormatError
    from embodied_mem.replay import format as fmt
    from embodied_mem.viz import load_view

    wanted = [f.strip() for f in format.split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise _fail(f"unknown --format {bad or format!r}; choose from {', '.join(FORMATS)}")
    from embodied_mem.cli_viz_args import benchmark_run_hint, parse_time, resolve

    hint = benchmark_run_hint(source)
    if hint is not None:
        raise _fail(hint)
    try:
        spec = parse_time(time, day)
        view = load_view(source)
        t = resolve(view, spec)
    except (FileNotFoundError, RunFormatError, ValueError) as exc:  # MemoryStoreError too
        raise _fail(str(exc)) from exc
    if spawn and serve:
        raise _fail("--spawn and --serve are alternatives; pick one")
    with fmt.staged_outputs(out) as stage:  # a failed export leaves no half-written file
        names = _render(view, source, t, wanted, stage)
    for name in names:
        console.print(f"[bold green]wrote[/] {out / name}")
    if spawn or serve:
        _live(view, source, "spawn" if spawn else "serve", grpc_port, web_port)


def _live(view: Any, source: Path, mode: str, grpc_port: int, web_port: int) -> None:
    """Stream the memory (and the run's frames) to a live rerun viewer."""
    from embodied_mem.replay import load_run
    from embodied_mem.viz.rerun_blueprint import wait_forever
    from embodied_mem.viz.rerun_export import stream_live

    run = load_run(source) if source.is_dir() else None
    try:
        rec = stream_live(view, run, mode=mode, grpc_port=grpc_port, web_port=web_port)
    except (RuntimeError, OSError) as exc:
        hint = " (the native viewer needs a display; try --serve)" if mode == "spawn" else ""
        raise _fail(f"could not start the rerun viewer: {exc}{hint}") from exc
    if mode == "serve":
        console.print(f"[bold green]serving[/] {rec.viewer_url} (Ctrl-C to stop)")
        wait_forever(rec.viewer_url)
    else:
        console.print("[bold green]streamed[/] to the rerun viewer")


def _render(view: Any, source: Path, t: float, wanted: list[str], stage: Path) -> list[str]:
    """Write the wanted formats into ``stage``; their file names."""
    from embodied_mem.replay import load_run

    written = []
    stem = re.sub(r"[^\w.-]+", "_", view.title).strip("_") or "memory"
    if "png" in wanted:
        from embodied_mem.viz.topdown import save_topdown

        written.append(save_topdown(view, stage / f"{stem}_topdown.png", t))
    if "html" in wanted:
        from embodied_mem.viz.html import save_html

        written.append(save_html(view, stage / f"{stem}.html", active=t))
    if "rrd" in wanted:
        from embodied_mem.viz.rerun_export import export_rrd

        run = load_run(source) if source.is_dir() else None
        total = run.header.get("frames") if run is not None else None
        with _progress("writing rerun recording", total) as update:
            written.append(export_rrd(stage / f"{stem}.rrd", view, run, progress=update))
    return [p.name for p in written]


def record_demo_cmd(
    out: Annotated[Path, typer.Argument(help="run directory to create")],
    seed: Annotated[int, typer.Option(help="house seed")] = 0,
    steps: Annotated[int, typer.Option(help="walk steps before the interactions")] = 30,
    interactions: Annotated[int, typer.Option(help="pick-and-place pairs")] = 2,
    size: Annotated[str, typer.Option(help="image size WxH")] = "160x120",
    segmenter: Annotated[
        str, typer.Option(help="oracle, noisy (ORACLE degraded) or geometric (no ground truth)")
    ] = "oracle",
    task: Annotated[
        bool, typer.Option(help="finish with one instruction through the agent loop")
    ] = True,
) -> None:
    """Record a short built-in-house run (walk + pick-and-place) to try replay and viz on."""
    from embodied_mem.replay.demo import DemoConfig, record_demo_run

    try:
        w, h = (int(v) for v in size.lower().split("x"))
        cfg = DemoConfig(
            seed=seed,
            walk_steps=steps,
            interactions=interactions,
            width=w,
            height=h,
            segmenter=segmenter,
            task=task,
        )
    except ValueError as exc:
        raise _fail(f"bad demo settings: {exc} (--size looks like 160x120)") from exc
    try:
        memory = record_demo_run(out, cfg)
    except FileExistsError as exc:
        raise _fail(str(exc)) from exc
    s = memory.stats()
    console.print(
        f"[bold green]recorded[/] {out}: {s.objects} objects, {s.receptacles} receptacles, {s.events} events"
    )


def register(app: typer.Typer) -> None:
    """Add the replay/visualisation commands to the ``embodied-mem`` app."""
    app.command("replay")(replay_cmd)
    app.command("viz")(viz_cmd)
    app.command("record-demo")(record_demo_cmd)

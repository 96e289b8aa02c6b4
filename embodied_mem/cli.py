"""The `embodied-mem` command line (typer)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="embodied_mem: memory for embodied agents (scene graph + short-term buffer).",
)
console = Console()


USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, ImportError)
"""What a user can fix (bad config/override/preset, missing files or extras): a message, not a traceback.
ConfigError, ReportError, EpisodeFormatError subclass ValueError; MissingExtraError is an ImportError."""


def clear_errors(fn: Callable[..., None]) -> Callable[..., None]:
    """Run a command; a user error prints ``error: <what, and what to do>`` and exits with code 2."""

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> None:
        try:
            fn(*args, **kwargs)
        except USER_ERRORS as exc:
            console.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(code=2) from exc

    return wrapper


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
        force=True,
    )


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="debug logging")] = False,
) -> None:
    _setup_logging(verbose)


@app.command()
def doctor() -> None:
    """Report which simulators, render backends, models and extras are usable here, with fixes."""
    from embodied_mem.doctor import run_checks

    table = Table(title="embodied-mem doctor")
    for col in ("group", "component", "status", "detail", "fix"):
        table.add_column(col)
    for c in run_checks():
        table.add_row(
            c.group, c.name, "[green]ok[/]" if c.ok else "[red]missing[/]", c.detail, c.fix
        )
    console.print(table)


@app.command()
@clear_errors
def tour(
    out: Annotated[Path, typer.Option(help="output directory")] = Path("runs/tour"),
    seed: Annotated[int, typer.Option(help="house seed")] = 0,
    steps: Annotated[int, typer.Option(help="walk length in steps")] = 120,
    overrides: Annotated[
        list[str] | None, typer.Argument(help="env config overrides key=value")
    ] = None,
) -> None:
    """Walk through a built-in house; save RGB/depth/mask PNGs and a top-down map."""
    from embodied_mem.tour import run_tour

    result = run_tour(out, seed=seed, steps=steps, overrides=overrides or [])
    console.print(f"[bold green]tour written[/] to {result}")


def _register_optional_commands() -> None:
    """Commands whose modules may be absent in a partial install register only when importable."""
    import importlib

    for module in ("embodied_mem.cli_eval", "embodied_mem.cli_replay"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(app)


_register_optional_commands()

if __name__ == "__main__":
    app()

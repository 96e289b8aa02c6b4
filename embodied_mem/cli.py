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
from rich.markup import escape
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
            # escaped: messages name extras like 'embodied-mem[ai2thor]', which rich reads as markup
            console.print(f"[bold red]error:[/] {escape(str(exc))}")
            raise typer.Exit(code=2) from exc

    return wrapper


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
        force=True,
    )
    if not verbose:
        # Libraries' own INFO chatter (PyOpenGL: "No OpenGL_accelerate module loaded") is not
        # about the run; keep it for --verbose.
        for name in ("OpenGL", "matplotlib", "PIL"):
            logging.getLogger(name).setLevel(logging.WARNING)


def _print_version(value: bool) -> None:
    if value:
        from embodied_mem import __version__

        typer.echo(f"embodied-mem {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="debug logging")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    _setup_logging(verbose)


@app.command()
def doctor() -> None:
    """Report which simulators, render backends, models and extras are usable here, with fixes."""
    from embodied_mem.doctor import run_checks

    checks = run_checks()
    table = Table(title="embodied-mem doctor")
    for col in ("group", "component", "status", "detail"):
        table.add_column(col, overflow="fold")  # wrap, never cut with "…"
    for c in checks:
        status = "[green]ok[/]" if c.ok else f"[red]missing[/] (fix {_fix_number(checks, c)})"
        table.add_row(c.group, c.name, status, c.detail)
    console.print(table)
    fixes = [c for c in checks if not c.ok and c.fix]
    if fixes:
        console.print("[bold]fixes[/] (in full; long lines are not wrapped, so they copy whole):")
    for n, c in enumerate(fixes, 1):
        console.print(f"  {n}. {c.name}: {c.fix}", soft_wrap=True, markup=False, highlight=False)


def _fix_number(checks: list, check: object) -> int:
    return [c for c in checks if not c.ok and c.fix].index(check) + 1


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

    for module in (
        "embodied_mem.cli_eval",
        "embodied_mem.cli_replay",
        "embodied_mem.cli_config",
        "embodied_mem.cli_language",
        "embodied_mem.cli_failures",
    ):
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

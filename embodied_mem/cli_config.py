"""`embodied-mem config`: the resolved config of a run, each field with its docstring and default."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def render_config(suite: str | None, overrides: list[str], everything: bool = False) -> str:
    """The config `eval --suite SUITE OVERRIDES` would run (and save), documented."""
    from omegaconf import OmegaConf

    from embodied_mem.benchmark.preflight import preflight
    from embodied_mem.config import describe_yaml, load_config
    from embodied_mem.run_config import RunConfig, dict_schemas, used_config

    cfg = load_config(RunConfig, suite, overrides)
    tree = OmegaConf.to_container(OmegaConf.structured(cfg)) if everything else used_config(cfg)
    header = (
        f"# embodied-mem config{f' --suite {suite}' if suite else ''}"
        f"{''.join(' ' + o for o in overrides)}\n"
        "# Each key: its docstring and [default]; override any with key.sub=value.\n"
    )
    if not everything:
        header += (
            "# Only the sections this run reads (as its config.yaml); --all shows every one.\n"
        )
    text = header + describe_yaml(tree, RunConfig, dict_schemas(cfg))  # type: ignore[arg-type]
    preflight(cfg)  # the same checks as eval: a config that would fail every episode is an error
    return text


def register(app: typer.Typer) -> None:
    from embodied_mem.cli import clear_errors

    @app.command("config")
    @clear_errors
    def config_command(
        suite: Annotated[
            str | None,
            typer.Option(help="preset: demo, suites/small, ... or a .yaml path (default: none)"),
        ] = None,
        everything: Annotated[
            bool, typer.Option("--all", help="also the sections this run would not read")
        ] = False,
        overrides: Annotated[
            list[str] | None, typer.Argument(help="config overrides key.sub=value")
        ] = None,
    ) -> None:
        """Print the resolved config with each field's docstring and default; fails on a bad
        key or value like `eval` does."""
        text = render_config(suite, list(overrides or []), everything)
        typer.echo(text, nl=False)

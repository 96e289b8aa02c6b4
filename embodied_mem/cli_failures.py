"""`embodied-mem failures RUN`: why tasks failed, tabulated from a run's results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def register(app: typer.Typer) -> None:
    from embodied_mem.cli import clear_errors

    @app.command()
    @clear_errors
    def failures(
        run: Annotated[Path, typer.Argument(help="run directory of `embodied-mem eval`")],
        baseline: Annotated[
            list[str] | None, typer.Option(help="only these baselines (repeatable)")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON instead")] = False,
    ) -> None:
        """Failure causes per baseline (from each task's trace), with example task ids."""
        from embodied_mem.benchmark.failures import read_rows, tabulate

        data = tabulate(read_rows(run), baseline).to_dict()
        if as_json:
            console.print_json(json.dumps(data))
            return
        for name, d in data.items():
            table = Table(
                title=f"{name}: {d['successes']}/{d['tasks']} succeeded"
                f" ({d['excluded']} excluded; {d['success_with_high_level_false']} succeeded"
                " with high-level success false)"
            )
            for col in ("cause", "tasks", "examples"):
                table.add_column(col)
            for cause, c in d["causes"].items():
                table.add_row(cause, str(c["count"]), ", ".join(c["examples"]))
            console.print(table)

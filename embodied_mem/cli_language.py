"""CLI commands ``parse`` and ``ask`` (registered by :mod:`embodied_mem.cli`).

``parse`` shows how an instruction is understood (template, slots, confidence, nearest
intents); ``ask`` answers a question from a saved memory, opened read-only, with evidence.
Both print JSON.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer


def _quiet_model_loading() -> None:
    """Keep library INFO lines (model loading) off stdout, which carries the JSON."""
    for name in ("sentence_transformers", "transformers", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _echo(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _open_read_only(path: Path) -> Any:
    from embodied_mem.memory import AgentMemory

    if not path.exists():
        raise FileNotFoundError(f"no memory file at {path}; pass the .db a run saved")
    return AgentMemory.open(path, read_only=True)


def parse_cmd(
    instruction: Annotated[str, typer.Argument(help="the instruction, in quotes")],
    memory: Annotated[
        Path | None,
        typer.Option(help="saved memory (.db) whose words (categories, rooms) to use as well"),
    ] = None,
) -> None:
    """Show how an instruction is understood: template, slots, confidence, nearest intents."""
    from embodied_mem.language import InstructionParser, default_vocabulary

    _quiet_model_loading()
    vocab = default_vocabulary()
    if memory is not None:
        mem = _open_read_only(memory)
        try:
            vocab = vocab.with_memory(mem.query())
        finally:
            mem.close()
    _echo(InstructionParser(vocab).parse(instruction).to_json())


def ask_cmd(
    memory: Annotated[Path, typer.Argument(help="saved memory (.db), opened read-only")],
    question: Annotated[str, typer.Argument(help="a question or instruction, in quotes")],
    today: Annotated[
        int | None,
        typer.Option(
            help="day index of 'today' (default: the day after the last logged day; a "
            "benchmark run logs its task day too, so pass --today 1 to ask about day 0 "
            "as 'yesterday')"
        ),
    ] = None,
) -> None:
    """Answer from a saved memory (no simulator), with the evidence: ids, times, frames."""
    from embodied_mem.planner.ask import ask

    _quiet_model_loading()
    mem = _open_read_only(memory)
    try:
        answered = ask(mem.query(today=today), question)
    finally:
        mem.close()
    _echo(answered.to_json())
    if answered.parse.get("status") != "ok":
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    from embodied_mem.cli import clear_errors

    app.command("parse")(clear_errors(parse_cmd))
    app.command("ask")(clear_errors(ask_cmd))

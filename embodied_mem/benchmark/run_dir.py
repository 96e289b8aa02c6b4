"""The files of a benchmark run directory, and the rules that make re-running it safe.

``results.jsonl`` holds one JSON line per (baseline, task) and, after each episode, an end
marker ``{"episode_done": id, "error": null | "...", "skipped": {template: reason}}``; an
episode's rows come right before its marker. The file is only ever appended to, so a re-run
of a directory with thousands of finished episodes writes nothing of theirs again. A re-run

- keeps episodes that finished (their rows and marker);
- runs again episodes that failed: their error goes to ``attempts.jsonl``, the history of
  failed attempts (episode, attempt number, error), and a retry note
  ``{"episode_retry": id}`` is appended; the latest line about an episode decides its state
  (a failure marker, a retry note, or the marker of its finished re-run);
- cuts off what follows the last marker or retry note: the rows of an episode interrupted
  while they were written, and a torn last line (the only bytes it ever removes).

While an episode runs, each finished task's row is also appended (durably) to
``partial/<episode>.jsonl``: when a long episode fails or is cut off, the tasks it finished
survive there (summaries list them under ``"partial_episodes"``, apart from the rates). The
file goes once the episode's rows reach ``results.jsonl``; a re-run of the episode starts it
afresh (episodes are re-run whole, so that results stay deterministic).

A directory only ever holds results of one config: a run whose config differs from the saved
``config.yaml`` is refused with the keys that differ, unless ``restart`` moves the old results
aside into ``previous-runs/<n>/``. Results without a ``config.yaml`` are refused the same way
(there is no telling which config made them).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

logger = logging.getLogger(__name__)

RESULTS, SUMMARY, CONFIG = "results.jsonl", "summary.json", "config.yaml"
ATTEMPTS = "attempts.jsonl"
PREVIOUS = "previous-runs"
PARTIAL = "partial"
LAUNCH = "launch.json"
MEDIA_DIR = "media"
"""The report's pictures and data, captured while episodes run (:mod:`.failure_media`)."""
EPISODE_JSON, ATTEMPT_JSON = "episode.json", "attempt.json"
"""How the latest run of the directory was launched (workers, backend, cluster address, record):
settings that change where and how fast episodes run, never their results, so they are kept
apart from ``config.yaml`` (a resumed run may use other ones). The report's command shows them."""
RUN_FILES = (
    RESULTS,
    LAUNCH,
    PARTIAL,
    SUMMARY,
    CONFIG,
    ATTEMPTS,
    "suite.json",
    "report.html",
    "results.md",
    "recordings",
    "memory_topdown.png",
    "memory_graph.html",
)
"""Everything a run's results live in (moved aside together by ``restart``; `demo`'s house
tour does not depend on the config and stays)."""


def save_launch(out: Path, options: dict[str, Any]) -> None:
    """Write :data:`LAUNCH` (``options``: command-line option name -> value)."""
    (out / LAUNCH).write_text(json.dumps(options, indent=1) + "\n", encoding="utf-8")


def read_launch(out: Path) -> dict[str, Any]:
    """:data:`LAUNCH` of ``out`` ({} when absent or unreadable: the report then omits it)."""
    try:
        options = json.loads((Path(out) / LAUNCH).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return options if isinstance(options, dict) else {}


class RunDirConflict(ValueError):
    """The directory holds results of another config (or of an unknown one)."""


@dataclass
class ResultsFile:
    """What ``results.jsonl`` says: rows of finished episodes, and failed episodes' errors."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Episode id -> end marker, for episodes that finished without error."""
    failed: dict[str, str] = field(default_factory=dict)
    """Episode id -> error, for episodes whose latest attempt raised (and not retried since)."""
    settled_bytes: int = 0
    """Bytes up to the end of the last marker or retry note; what follows is an episode cut
    off while its rows were written (or a torn line), never part of the results."""


def read_results(path: Path) -> ResultsFile:
    """Parse ``results.jsonl``: an episode's rows are those right before its end marker; rows
    followed by no marker of theirs (a cut-off write) are dropped."""
    out = ResultsFile()
    if not path.exists():
        return out
    rows: dict[str, list[dict[str, Any]]] = {}
    block: list[dict[str, Any]] = []  # rows since the last marker or retry note
    offset = 0
    with path.open("rb") as fh:  # line by line: a large suite's file is large
        for n, line in enumerate(fh, 1):
            offset += len(line)
            try:
                item = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                logger.warning("%s:%d is a partial line (interrupted write); dropping it", path, n)
                continue
            if item is None:
                continue
            if "episode_done" not in item and "episode_retry" not in item:
                block.append(item)
                continue
            _settle(out, rows, block, item)
            block = []
            out.settled_bytes = offset
    out.rows = [r for rs in rows.values() for r in rs]
    return out


def _settle(
    out: ResultsFile,
    rows: dict[str, list[dict[str, Any]]],
    block: list[dict[str, Any]],
    item: dict[str, Any],
) -> None:
    """Apply one end marker or retry note (the latest line about an episode decides)."""
    episode = str(item.get("episode_done", item.get("episode_retry")))
    if "episode_retry" in item:  # the failure is in attempts.jsonl; it runs again
        out.failed.pop(episode, None)
    elif item.get("error"):
        out.failed[episode] = str(item["error"])
    else:
        out.finished[episode] = item
        out.failed.pop(episode, None)
        rows[episode] = [r for r in block if r.get("episode_id") == episode]


def append_episode(
    path: Path,
    episode_id: str,
    rows: list[dict[str, Any]],
    error: str | None,
    skipped: dict[str, str] | None = None,
) -> None:
    """Append an episode's rows and its end marker (with the templates it skipped and why),
    durably (fsync)."""
    marker = {"episode_done": episode_id, "error": error, "skipped": dict(skipped or {})}
    with path.open("a", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
        fh.write(json.dumps(marker) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def partial_file(out: Path, episode_id: str) -> Path:
    """Where an episode's finished tasks are written one by one while it runs."""
    return out / PARTIAL / f"{episode_id}.jsonl"


class RowWriter:
    """Appends one row per finished task to a partial file, durably (fsync per row).

    Created at the start of an episode's run: an older file of the same episode (a cut-off
    attempt) is replaced, since the episode runs again from its start.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    def __call__(self, row: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def read_partial(out: Path, finished: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows of episodes that did not finish (by episode id), from ``partial/``; a torn last
    line is dropped; files of finished episodes are removed."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((out / PARTIAL).glob("*.jsonl")):
        if path.stem in finished:
            path.unlink()
            continue
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                logger.warning("%s: a partial line (interrupted write); dropping it", path)
        found[path.stem] = rows
    return found


def prepare_resume(out: Path) -> ResultsFile:
    """Before a (re-)run: record failed attempts in the history and note in the results that
    those episodes run again; cut off a cut-off episode's rows. Appends only: the bytes of
    finished episodes are never written again.

    Returns what is kept (the episodes not to run again); ``failed`` lists those that will.
    """
    path = out / RESULTS
    results = read_results(path)
    if path.exists() and path.stat().st_size > results.settled_bytes:
        logger.info(
            "%s: dropping the last %d bytes (an episode cut off while its rows were written)",
            path,
            path.stat().st_size - results.settled_bytes,
        )
        with path.open("r+b") as fh:
            fh.truncate(results.settled_bytes)
    if results.failed:
        history = read_attempts(out)
        with (out / ATTEMPTS).open("a", encoding="utf-8") as fh:
            for episode_id, error in sorted(results.failed.items()):
                attempt = 1 + sum(1 for h in history if h["episode_id"] == episode_id)
                record = {"episode_id": episode_id, "attempt": attempt, "error": error}
                fh.write(json.dumps(record) + "\n")
            _sync(fh)
        with path.open("a", encoding="utf-8") as fh:  # after the history: never lose an error
            for episode_id in sorted(results.failed):
                fh.write(json.dumps({"episode_retry": episode_id}) + "\n")
            _sync(fh)
        logger.info(
            "running %d failed episode(s) again: %s (errors kept in %s)",
            len(results.failed),
            ", ".join(sorted(results.failed)),
            out / ATTEMPTS,
        )
    return results


def _sync(fh: Any) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def read_attempts(out: Path) -> list[dict[str, Any]]:
    """The history of failed attempts (``attempts.jsonl``), oldest first."""
    path = out / ATTEMPTS
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def claim(out: Path, config_yaml: str, *, restart: bool = False) -> None:
    """Make ``out`` a directory of this config's run, or refuse with what differs.

    Raises:
        RunDirConflict: ``out`` holds results of a different (or unknown) config and
            ``restart`` is false; the message lists the differing keys and both ways out.
    """
    out.mkdir(parents=True, exist_ok=True)
    saved = out / CONFIG
    present = [name for name in RUN_FILES if (out / name).exists()]
    has_results = (out / RESULTS).exists() or (out / SUMMARY).exists()
    if saved.exists() and saved.read_text(encoding="utf-8") == config_yaml:
        return
    if not saved.exists() and not has_results:
        return
    if restart:
        moved = move_aside(out, present)
        logger.info("--restart: moved the previous run's files to %s", moved)
        return
    if saved.exists():
        diff = config_diff(saved.read_text(encoding="utf-8"), config_yaml)
        what = "a run with a different config; differing keys (saved -> now):\n  " + "\n  ".join(
            diff
        )
    else:
        what = f"results without their {CONFIG} (no telling which config made them)"
    raise RunDirConflict(
        f"{out} holds {what}\nResults of two configs never mix: re-run with --restart to move "
        f"the old files to {out / PREVIOUS}/<n>/ (make demo DEMO_ARGS=--restart for the demo), "
        "or choose a new --out."
    )


def move_aside(out: Path, names: list[str]) -> Path:
    """Move the run files ``names`` of ``out`` into a new ``out/previous-runs/<n>/``."""
    base = out / PREVIOUS
    n = 1 + max((int(p.name) for p in base.glob("*") if p.name.isdigit()), default=0)
    dest = base / str(n)
    dest.mkdir(parents=True)
    for name in names:
        shutil.move(str(out / name), str(dest / name))
    return dest


def config_diff(old_yaml: str, new_yaml: str, limit: int = 20) -> list[str]:
    """``key: old -> new`` for every leaf that differs between two config YAMLs."""
    old = _flatten(OmegaConf.to_container(OmegaConf.create(old_yaml)))
    new = _flatten(OmegaConf.to_container(OmegaConf.create(new_yaml)))
    lines = [
        f"{key}: {old.get(key, '<absent>')!r} -> {new.get(key, '<absent>')!r}"
        for key in sorted(set(old) | set(new))
        if old.get(key, "<absent>") != new.get(key, "<absent>")
    ]
    return lines[:limit] + ([f"... and {len(lines) - limit} more"] if len(lines) > limit else [])


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict) and node:
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): node}

"""Argument handling of `embodied-mem viz` / `replay`: which time, which directory."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_DAY_CLOCK = re.compile(r"^d(?:ay)?\s*(\d+)\s+(\d{1,2}:\d{2})$", re.IGNORECASE)


@dataclass(frozen=True)
class TimeSpec:
    """What the user asked for: the end (nothing), seconds, or a clock time on a day."""

    text: str | None
    day: int | None = None


def parse_time(time: str | None, day: int | None) -> TimeSpec:
    """``--time`` / ``--day`` as one spec: ``--time "d1 14:30"`` = ``--day 1 --time 14:30``.

    Raises:
        ValueError: a day given twice (differently), a day with seconds or without a time.
    """
    text = time.strip() if time is not None else None
    if text is not None and (m := _DAY_CLOCK.match(text)):
        if day is not None and day != int(m.group(1)):
            raise ValueError(f"--time {time!r} names day {m.group(1)} but --day is {day}")
        return TimeSpec(m.group(2), int(m.group(1)))
    if day is not None and (text is None or ":" not in text):
        raise ValueError(
            "--day needs a clock time: --day 1 --time 14:30 (or --time 'd1 14:30'); "
            "--time in seconds counts from the start of the run"
        )
    return TimeSpec(text, day)


def resolve(view: Any, spec: TimeSpec) -> float:
    """Seconds the view shows for ``spec``; a warning says when the time was moved (clamped to
    the recorded span, or to the last record before a clock time).

    Raises:
        ValueError: an unparsable time, or a day the memory does not have (its days listed).
    """
    days = sorted({p.day for p in view.path} | {i.day for i in view.interactions})
    if spec.day is not None and days and spec.day not in days:
        raise ValueError(f"no day {spec.day} in this memory; it has day(s) {days}")
    t = view.resolve_time(spec.text, spec.day)
    start, end = view.time_range()
    clamped = min(max(t, start), end)
    if clamped != t:
        logger.warning(
            "--time %s is outside the recorded span %.0f-%.0f s; showing %.0f s",
            spec.text,
            start,
            end,
            clamped,
        )
    elif spec.text is not None and ":" in spec.text:
        stamp = view.stamp_at(t)
        if stamp is not None and stamp.time_of_day != spec.text.zfill(5):
            logger.warning(
                "nothing recorded exactly at %s; showing day %s %s (the last record before it)",
                spec.text,
                stamp.day,
                stamp.time_of_day,
            )
    return clamped


def benchmark_run_hint(path: Path) -> str | None:
    """If ``path`` is a benchmark run directory (``eval``/``demo`` output), which recordings in
    it `viz` and `replay` take instead; None for anything else."""
    if not path.is_dir() or not (path / "results.jsonl").exists():
        return None
    recordings = sorted(p for p in (path / "recordings").glob("*/*") if p.is_dir())
    if not recordings:
        return (
            f"{path} is a benchmark run directory without recordings; re-run it with "
            "--record 1 (demo records one episode) to get one"
        )
    listed = ", ".join(str(p) for p in recordings[:6]) + (" ..." if len(recordings) > 6 else "")
    return (
        f"{path} is a benchmark run directory; viz and replay take one of its recorded "
        f"episodes, {path}/recordings/<episode>/<baseline>: {listed}"
    )

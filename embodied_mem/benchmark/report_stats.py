"""Success counts and bootstrap confidence intervals for the report (numpy, deterministic).

Tasks of one episode share a house and a memory, so they are not independent: with enough
episodes (``MIN_EPISODES_FOR_CLUSTERS``) the bootstrap resamples whole episodes (a cluster
bootstrap); with fewer it resamples tasks, and the interval then ignores the spread between
houses (the report says which was used). The percentile interval of ``RESAMPLES`` resamples is
reported; every (baseline, family) cell has its own seed, derived from its names, so a cell's
interval does not change when other cells are added.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95
MIN_EPISODES_FOR_CLUSTERS = 5


@dataclass(frozen=True)
class Rate:
    """``successes`` of ``tasks`` with a bootstrap interval [``low``, ``high``]."""

    successes: int
    tasks: int
    low: float
    high: float
    unit: str
    """"episodes" (cluster bootstrap) or "tasks"."""

    @property
    def rate(self) -> float | None:
        return self.successes / self.tasks if self.tasks else None

    @property
    def count(self) -> str:
        """``3/5``."""
        return f"{self.successes}/{self.tasks}"


def bootstrap_rate(rows: Iterable[dict[str, Any]], key: str = "") -> Rate:
    """Success rate of ``rows`` (result rows) with its bootstrap interval.

    Args:
        rows: result rows (``episode_id``, ``success``).
        key: names the cell (e.g. ``"memory-oracle/temporal"``); seeds its resampling.
    """
    by_episode: dict[str, list[int]] = {}
    for r in rows:
        by_episode.setdefault(str(r.get("episode_id")), []).append(int(bool(r.get("success"))))
    wins = np.array([sum(v) for v in by_episode.values()], dtype=float)
    sizes = np.array([len(v) for v in by_episode.values()], dtype=float)
    total, k = int(sizes.sum()), int(wins.sum())
    if total == 0:
        return Rate(0, 0, float("nan"), float("nan"), "tasks")
    rng = np.random.default_rng(zlib.crc32(key.encode("utf-8")))
    if len(by_episode) >= MIN_EPISODES_FOR_CLUSTERS:
        pick = rng.integers(0, len(wins), size=(RESAMPLES, len(wins)))
        rates = wins[pick].sum(axis=1) / sizes[pick].sum(axis=1)
        unit = "episodes"
    else:
        flat = np.concatenate([np.asarray(v, dtype=float) for v in by_episode.values()])
        rates = flat[rng.integers(0, total, size=(RESAMPLES, total))].mean(axis=1)
        unit = "tasks"
    tail = (1.0 - LEVEL) / 2 * 100
    low, high = np.percentile(rates, [tail, 100 - tail])
    return Rate(k, total, float(low), float(high), unit)


def family_rates(
    rows: list[dict[str, Any]], baselines: list[str], families: list[str]
) -> dict[str, dict[str, Rate]]:
    """baseline -> family -> :class:`Rate` (families without tasks have ``tasks == 0``)."""
    out: dict[str, dict[str, Rate]] = {}
    for b in baselines:
        mine = [r for r in rows if r.get("baseline") == b]
        out[b] = {
            f: bootstrap_rate((r for r in mine if r.get("family") == f), f"{b}/{f}")
            for f in families
        }
    return out


def interval_note(rates: dict[str, dict[str, Rate]]) -> str:
    """One sentence on how the intervals were computed (for captions)."""
    units = {r.unit for per in rates.values() for r in per.values() if r.tasks}
    how = (
        "resampling whole episodes"
        if units == {"episodes"}
        else "resampling tasks (fewer than "
        f"{MIN_EPISODES_FOR_CLUSTERS} episodes: the interval ignores the spread between houses)"
    )
    return (
        f"Whiskers: {LEVEL:.0%} bootstrap interval ({RESAMPLES} resamples, {how}); "
        "a zero-width interval means every resample gave the same rate."
    )

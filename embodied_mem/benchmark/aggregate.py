"""Per-family and overall summaries of task results (what ``summary.json`` holds)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from embodied_mem.benchmark.task import FAMILIES
from embodied_mem.benchmark.task_attempt import TaskResult

_MEANS = ("steps", "path_length", "planner_calls", "prompt_tokens", "memory_size", "wall_time_s")


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def summarize(results: list[TaskResult]) -> dict[str, Any]:
    """Counts, rates and means of one group of results (``None`` where nothing applies).

    Excluded tasks (not run: their goal already held) are counted apart and in no rate.
    """
    excluded = [r for r in results if r.excluded]
    results = [r for r in results if not r.excluded]
    hl = [r.high_level_success for r in results if r.high_level_success is not None]
    spl = [r.spl for r in results if r.spl is not None]
    out: dict[str, Any] = {
        "tasks": len(results),
        "success": _mean([float(r.success) for r in results]),
        "high_level_success": _mean([float(x) for x in hl]),
        "spl": _mean([float(x) for x in spl]),
        "failure_modes": dict(
            sorted(Counter(r.failure_mode for r in results if r.failure_mode).items())
        ),
        "excluded": len(excluded),
    }
    for key in _MEANS:
        out[key] = _mean([float(getattr(r, key)) for r in results])
    return out


def aggregate(results: Iterable[TaskResult]) -> dict[str, Any]:
    """Overall (micro over tasks, and macro over families), per family and per template.

    Families appear in TASKS.md order; families without tasks are left out.
    """
    results = list(results)
    per_family = {
        f: summarize([r for r in results if r.family == f])
        for f in FAMILIES
        if any(r.family == f for r in results)
    }
    per_template = {
        t: summarize([r for r in results if r.template_id == t])
        for t in sorted({r.template_id for r in results})
    }
    overall = summarize(results)
    rates = [s["success"] for s in per_family.values() if s["success"] is not None]
    overall["success_macro_family"] = _mean(rates)
    overall["episodes"] = len({r.episode_id for r in results})
    return {"overall": overall, "per_family": per_family, "per_template": per_template}

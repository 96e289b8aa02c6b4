"""Why tasks failed: failure causes tabulated from a run directory's ``results.jsonl``.

``failure_mode`` says which stage failed (planner, memory, choice, navigation, manipulation,
answer). The *cause* refines it with what the trace says happened — the reason a policy gave
up, the planner's message — into a short, fixed vocabulary (:data:`CAUSES`), so that runs can
be compared and the stack's own faults told apart from the benchmark's. Used by
``embodied-mem failures RUN``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Patterns on a policy's failure reason (or the scorer's detail), first match wins.
_REASONS: tuple[tuple[str, str], ...] = (
    (r"is a receptacle|cannot be picked up", "pick aimed at a receptacle"),
    (r"is an object, not a receptacle", "place aimed at an object"),
    (r"reported success but", "action reported success, world unchanged"),
    (r"no viewpoint of the target could be reached|no navigable standing point", "no viewpoint"),
    (r"not visible from any viewpoint", "target not visible from any viewpoint"),
    (r"magic grasp found no target|nothing at the target's pixel", "nothing at the target point"),
    (r"budget|exhausted", "step budget"),
    (r"came back to", "went back and forth"),
    (r"blocked|unreachable|no path|no way", "path blocked"),
    (r"closed|open it", "container closed"),
    (r"not holding|already holding", "hands"),
    (r"no free spot", "no room on the receptacle"),
)

CAUSES: tuple[str, ...] = (
    "planner or endpoint",
    "never remembered",
    "nothing chosen",
    "wrong choice",
    "wrong answer",
    "no answer",
    "arrived, target not in view",
    "arrived at a wrong target",
    "stopped too far",
    "multi-goal incomplete or out of order",
    "container left open",
    "frames do not hold the answer",
    "objects not in place, no action failed",
    *sorted({c for _, c in _REASONS}),
    "other",
)


def cause_of(row: dict[str, Any]) -> str | None:
    """The cause of one failed row (None for a success or an excluded task)."""
    mode = row.get("failure_mode")
    if row.get("success") or row.get("excluded") or mode is None:
        return None
    trace = row.get("trace") or {}
    reason = trace.get("failure_reason") or ""
    fixed = {
        "target_never_remembered": "never remembered",
        "nothing_chosen": "nothing chosen",
        "wrong_target": "wrong choice",
        "wrong_answer": "wrong answer",
        "no_answer": "no answer",
        "not_facing_target": "arrived, target not in view",
        "target_not_visible": "arrived, target not in view",
        "stopped_too_early": "stopped too far",
        "wrong_order": "multi-goal incomplete or out of order",
        "incomplete": "multi-goal incomplete or out of order",
        "container_left_open": "container left open",
        "target_not_in_frames": "frames do not hold the answer",
    }
    if mode in fixed:
        if mode == "wrong_target" and row.get("high_level_success") is not False:
            return "arrived at a wrong target"
        return fixed[mode]
    if mode in ("navigation_failed", "navigation_timeout", "manipulation_failed"):
        return _match_reason(reason or row.get("detail", ""))
    if mode == "predicate_not_met":
        return _match_reason(reason) if reason else "objects not in place, no action failed"
    if mode in (
        "bad_planner_output",
        "endpoint_timeout",
        "endpoint_error",
        "budget_exceeded",
        "missing_model",
        "planner_crash",
    ):
        return "planner or endpoint"
    return "other"


def _match_reason(text: str) -> str:
    for pattern, cause in _REASONS:
        if re.search(pattern, text, flags=re.IGNORECASE):
            return cause
    return "other"


@dataclass
class FailureTable:
    """Per baseline: tasks, successes, causes (with example task ids) and consistency checks."""

    tasks: Counter[str] = field(default_factory=Counter)
    successes: Counter[str] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)
    causes: dict[str, Counter[str]] = field(default_factory=dict)
    modes: dict[str, Counter[str]] = field(default_factory=dict)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    success_without_high_level: Counter[str] = field(default_factory=Counter)
    """Tasks that succeeded although the planner's first choice was judged invalid."""

    def add(self, row: dict[str, Any]) -> None:
        b = row["baseline"]
        if row.get("excluded"):
            self.excluded[b] += 1
            return
        self.tasks[b] += 1
        if row.get("success"):
            self.successes[b] += 1
            if row.get("high_level_success") is False:
                self.success_without_high_level[b] += 1
            return
        cause = cause_of(row) or "other"
        self.causes.setdefault(b, Counter())[cause] += 1
        self.modes.setdefault(b, Counter())[row.get("failure_mode") or "?"] += 1
        self.examples.setdefault((b, cause), []).append(row["task_id"])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for b in sorted(self.tasks | self.excluded):
            out[b] = {
                "tasks": self.tasks[b],
                "successes": self.successes[b],
                "excluded": self.excluded[b],
                "success_with_high_level_false": self.success_without_high_level[b],
                "failure_modes": dict(sorted(self.modes.get(b, Counter()).items())),
                "causes": {
                    c: {"count": n, "examples": self.examples[(b, c)][:5]}
                    for c, n in self.causes.get(b, Counter()).most_common()
                },
            }
        return out


def read_rows(run: Path) -> list[dict[str, Any]]:
    """Task rows of a run directory (or a ``results.jsonl`` path); end markers skipped."""
    path = run / "results.jsonl" if run.is_dir() else run
    if not path.exists():
        raise FileNotFoundError(
            f"no results at {path}; give a run directory of `embodied-mem eval`"
        )
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line of an interrupted run
        if isinstance(item, dict) and "task_id" in item and "baseline" in item:
            rows.append(item)
    return rows


def tabulate(
    rows: Iterable[dict[str, Any]], baselines: Iterable[str] | None = None
) -> FailureTable:
    """The failure table of ``rows`` (only ``baselines`` if given; frames-K bounds are rows
    like any other)."""
    wanted = set(baselines) if baselines else None
    table = FailureTable()
    for row in rows:
        if wanted is None or row["baseline"] in wanted:
            table.add(row)
    return table

"""The task suite of TASKS.md: fill every template the episode supports from ground truth.

``generate_tasks`` returns one :class:`TaskInstance` per supported template (T01-T63, grouped
in :data:`FAMILIES`), and the reason for every template it skipped (a multi-day template on a
one-day episode is skipped, never faked). Each template draws from its own seeded rng, so the
instance of one template does not depend on which other templates are enabled.

Manipulation tasks change the world, so they come last in the returned order; an instance
whose goal already holds is skipped (the runner checks again before each task runs).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from embodied_mem.benchmark.episode import ExperienceRecord
from embodied_mem.benchmark.fill_actions import FILLERS as _ACTIONS
from embodied_mem.benchmark.fill_multi import FILLERS as _MULTI
from embodied_mem.benchmark.fill_single import FILLERS as _SINGLE
from embodied_mem.benchmark.scoring import goal_met
from embodied_mem.benchmark.task import (
    ALL_TEMPLATES,
    FAMILIES,
    FAMILY_OF,
    PHRASINGS,
    Goal,
    Placement,
    TaskInstance,
    humanize,
    normalize_answer,
)
from embodied_mem.benchmark.template_context import Ctx, Filled, TemplateConfig, Unsupported
from envs.base import Navigability
from envs.ground_truth import GroundTruth

logger = logging.getLogger(__name__)

FILLERS: dict[str, Callable[[Ctx], Filled]] = {**_SINGLE, **_MULTI, **_ACTIONS}
assert set(FILLERS) == set(ALL_TEMPLATES), "every template of TASKS.md needs a filler"

__all__ = [
    "ALL_TEMPLATES",
    "FAMILIES",
    "FAMILY_OF",
    "PHRASINGS",
    "GeneratedTasks",
    "Goal",
    "Placement",
    "TaskInstance",
    "TemplateConfig",
    "generate_tasks",
    "humanize",
    "normalize_answer",
    "task_order",
]


@dataclass
class GeneratedTasks:
    """The filled suite of one episode and why each missing template was skipped."""

    tasks: list[TaskInstance]
    skipped: dict[str, str] = field(default_factory=dict)

    def by_family(self) -> dict[str, list[TaskInstance]]:
        out: dict[str, list[TaskInstance]] = {f: [] for f in FAMILIES}
        for t in self.tasks:
            out[t.family].append(t)
        return out


def task_order(template_ids: Iterable[str]) -> list[str]:
    """Template ids in evaluation order: TASKS.md order, manipulation (world-changing) last."""
    ids = sorted(set(template_ids))
    manip = set(FAMILIES["manipulation"])
    return [t for t in ids if t not in manip] + [t for t in ids if t in manip]


def _start_pose(
    nav: Navigability | None, rng: np.random.Generator
) -> tuple[float, float, float] | None:
    if nav is None:
        return None
    xy = np.asarray(nav.sample_navigable(rng), dtype=float)
    return (float(xy[0]), float(xy[1]), float(rng.uniform(-math.pi, math.pi)))


def generate_tasks(
    record: ExperienceRecord,
    gt: GroundTruth,
    *,
    seed: int,
    nav: Navigability | None = None,
    templates: Iterable[str] | None = None,
    config: TemplateConfig | None = None,
) -> GeneratedTasks:
    """Fill the enabled templates for one episode.

    Args:
        record: ground truth of the experience phase.
        gt: the world at the start of phase 2 (after any overnight moves).
        seed: episode seed; template ``Tnn`` samples from ``default_rng([seed, nn])``.
        nav: the env's navigability; needed for start poses and the distance templates
            (without it those are skipped and tasks have no start pose).
        templates: template ids to fill (None or empty = all T01..T63).
        config: tie thresholds (defaults: :class:`TemplateConfig`).

    Raises:
        ValueError: an unknown template id (with the valid range).
    """
    config = config or TemplateConfig()
    wanted = list(templates or ALL_TEMPLATES)
    unknown = sorted(set(wanted) - set(PHRASINGS))
    if unknown:
        raise ValueError(f"unknown template id(s) {unknown}; use T01..T63 as in TASKS.md")
    result = GeneratedTasks(tasks=[])
    for tid in task_order(wanted):
        rng = np.random.default_rng([seed, int(tid[1:])])
        start = _start_pose(nav, rng)
        ctx = Ctx(record, gt, nav, None if start is None else np.array(start[:2]), rng, config)
        try:
            filled = FILLERS[tid](ctx)
        except Unsupported as exc:
            result.skipped[tid] = str(exc)
            logger.debug("%s skipped for %s: %s", tid, record.episode_id, exc)
            continue
        task = _instance(record.episode_id, tid, filled, start)
        if task.kind == "manipulate" and goal_met(task, gt):
            result.skipped[tid] = "its goal already holds at the start of the tasks"
            continue
        result.tasks.append(task)
    logger.info(
        "episode %s: %d tasks, %d templates skipped",
        record.episode_id,
        len(result.tasks),
        len(result.skipped),
    )
    return result


def fill_phrasing(phrasing: str, slots: dict[str, object]) -> str:
    """``phrasing`` with its slots filled, and "a" before a slot turned into "an" when the
    filled word starts with a vowel ("Navigate to an Apple.", "an orange object")."""

    def article(match: re.Match[str]) -> str:
        word = str(slots.get(match.group(2), ""))
        a = "an" if word[:1].lower() in ("a", "e", "i", "o", "u") else "a"
        return f"{a if match.group(1) == 'a' else a.capitalize()} {{{match.group(2)}}}"

    return re.sub(r"\b([Aa]) \{(\w+)\}", article, phrasing).format(**slots)


def _instance(
    episode_id: str, tid: str, f: Filled, start: tuple[float, float, float] | None
) -> TaskInstance:
    return TaskInstance(
        task_id=f"{episode_id}/{tid}",
        episode_id=episode_id,
        template_id=tid,
        text=fill_phrasing(PHRASINGS[tid], f.slots),
        kind=f.kind,
        goals=list(f.goals),
        ordered=f.ordered,
        placements=list(f.placements),
        answers=list(f.answers),
        slots=dict(f.slots),
        start_pose=start,
        source=_jsonable(f.source),
    )


def _jsonable(d: dict[str, object]) -> dict[str, object]:
    """Source notes as plain JSON types (numpy ints and tuples become ints and lists)."""
    import json

    return json.loads(json.dumps(d, default=lambda x: x.item() if hasattr(x, "item") else str(x)))

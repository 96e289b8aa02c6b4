"""Run episodes: phase 1 (oracle experience watched by the agent), phase 2 (tasks), scoring.

Results are appended as one JSON line per task, so an interrupted run resumes where it
stopped: finished tasks are not attempted again, except world-changing (manipulation) ones,
which are replayed silently so later tasks see the same world as in an uninterrupted run.

The agent under test implements :class:`BenchmarkAgent`. It sees every phase-1 frame through
``on_observation`` and then gets one :class:`TaskPrompt` at a time — the instruction text,
never the valid targets.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from embodied_mem.benchmark.aggregate import aggregate
from embodied_mem.benchmark.episode import EpisodeSpec
from embodied_mem.benchmark.experience import ExperienceConfig, make_episode_env, run_experience
from embodied_mem.benchmark.oracle_solver import OracleSolver
from embodied_mem.benchmark.recorder import InteractionEvent
from embodied_mem.benchmark.scoring import ScoringConfig, TaskAttempt, TaskResult, score_task
from embodied_mem.benchmark.task import TaskInstance
from embodied_mem.benchmark.templates import generate_tasks
from envs.actions import Teleport
from envs.base import Env
from envs.types import Observation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskPrompt:
    """What the agent is told about a task (no ground truth)."""

    task_id: str
    text: str
    kind: str
    """navigate / multi / manipulate / question: what kind of ending is expected."""


class BenchmarkAgent(Protocol):
    """The agent under test."""

    name: str

    def on_observation(self, obs: Observation, event: InteractionEvent | None) -> None:
        """Phase 1: every frame the oracle produced, with the agent's own interaction events."""

    def attempt(self, env: Env, obs: Observation, prompt: TaskPrompt) -> TaskAttempt:
        """Phase 2: act in ``env`` from ``obs`` and report checkpoints/answer and measures."""


class OracleAgent:
    """Ground-truth upper bound: looks the task up (evaluation privilege) and solves it."""

    name = "oracle"

    def __init__(self) -> None:
        self.tasks: dict[str, TaskInstance] = {}
        self._solver: OracleSolver | None = None

    def on_observation(self, obs: Observation, event: InteractionEvent | None) -> None:
        """The oracle needs no memory."""

    def bind(self, tasks: list[TaskInstance]) -> None:
        self.tasks = {t.task_id: t for t in tasks}

    def attempt(self, env: Env, obs: Observation, prompt: TaskPrompt) -> TaskAttempt:
        if self._solver is None or self._solver.env.env is not env:
            self._solver = OracleSolver(env, teleport_to_start=False)
        return self._solver.attempt(self.tasks[prompt.task_id])


AgentFactory = Callable[[], BenchmarkAgent]


def _drop_partial_line(path: Path) -> None:
    """A run killed mid-write leaves a last line without newline: cut it so appends stay valid."""
    if not path.exists():
        return
    text = path.read_text()
    if text and not text.endswith("\n"):
        logger.warning("%s: dropping a partial last line left by an interrupted run", path)
        path.write_text(text[: text.rfind("\n") + 1])


def _done(path: Path) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    out = {}
    for n, line in enumerate(path.read_text().splitlines()):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            # A run killed mid-write leaves a partial last line; it is redone.
            logger.warning("%s:%d: ignoring an unreadable (partial) line", path, n + 1)
            continue
        out[str(row["task_id"])] = row
    return out


def run_episode(spec: EpisodeSpec, agent: BenchmarkAgent, results_path: str | Path, *,
                scoring: ScoringConfig | None = None, experience: ExperienceConfig | None = None,
                max_tasks: int | None = None) -> list[TaskResult]:
    """Run one episode for ``agent``, appending new task results to ``results_path`` (JSONL).

    ``max_tasks`` stops after that many *new* results (used to test resuming).
    Returns the results written by this call.
    """
    path = Path(results_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _drop_partial_line(path)
    done = _done(path)
    with make_episode_env(spec) as env:
        record = run_experience(env, spec, agent.on_observation, experience)
        gt = env.ground_truth()
        tasks = generate_tasks(record, gt, seed=spec.seed, nav=env.navigability,
                               templates=spec.templates or None).tasks
        if isinstance(agent, OracleAgent):
            agent.bind(tasks)
        written: list[TaskResult] = []
        obs = env.observe()
        for task in tasks:
            finished = task.task_id in done
            if finished and task.kind != "manipulate":
                continue
            if max_tasks is not None and len(written) >= max_tasks and not finished:
                break
            if task.start_pose is not None:
                obs = env.step(Teleport(*task.start_pose))[0]
            attempt = agent.attempt(env, obs, TaskPrompt(task.task_id, task.text, task.kind))
            obs = env.observe()
            if finished:
                continue  # replayed only to restore the world for the tasks after it
            result = score_task(task, attempt, env.ground_truth(), env.navigability, scoring)
            with path.open("a") as fh:
                fh.write(json.dumps(result.to_dict(), sort_keys=True) + "\n")
            written.append(result)
    return written


def _episode_job(args: tuple[EpisodeSpec, AgentFactory, str]) -> int:
    spec, factory, path = args
    return len(run_episode(spec, factory(), Path(path) / f"{spec.episode_id}.jsonl"))


def run_suite(specs: list[EpisodeSpec], factory: AgentFactory, out_dir: str | Path, *,
              workers: int = 1) -> dict[str, object]:
    """Run every episode (in ``workers`` local processes), then write ``summary.json``.

    One results file per episode keeps parallel writers apart; the summary reads them all.
    ``factory`` must be picklable (a module-level class or function) when ``workers > 1``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(s, factory, str(out / "episodes")) for s in specs]
    if workers > 1:
        # spawn, not fork: a forked child inherits the parent's GL context and deadlocks in it.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_episode_job, jobs))
    else:
        for job in jobs:
            _episode_job(job)
    return write_summary(out)


def load_results(out_dir: str | Path) -> list[TaskResult]:
    rows: list[TaskResult] = []
    for f in sorted((Path(out_dir) / "episodes").glob("*.jsonl")):
        rows.extend(TaskResult(**r) for r in _done(f).values())  # type: ignore[arg-type]
    return sorted(rows, key=lambda r: r.task_id)


def write_summary(out_dir: str | Path) -> dict[str, object]:
    """Aggregate every results file under ``out_dir`` into ``summary.json`` (and return it)."""
    summary = aggregate(load_results(out_dir))
    (Path(out_dir) / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    return summary

"""`embodied-mem eval`: run a suite of episodes for every baseline, resumable, in parallel.

Results go to ``results.jsonl`` in the output directory (see :mod:`.run_dir` for its format
and for what a re-run keeps, retries and refuses). Before the first episode the config is
checked for problems that would fail every episode (:mod:`.preflight`). Episodes run in local
processes (default), which die with the runner, or on Ray (``backend="ray"``, extra ``ray``);
rows are sorted before summarising, so every backend and worker count gives the same
``summary.json`` (wall times live apart, under ``"timing"``). Episodes that raised are listed
in the summary under ``"failed_episodes"`` with their error.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import fields
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.benchmark.aggregate import aggregate
from embodied_mem.benchmark.episode import EpisodeSpec
from embodied_mem.benchmark.preflight import preflight
from embodied_mem.benchmark.run_dir import (
    CONFIG,
    MEDIA_DIR,
    RESULTS,
    SUMMARY,
    ResultsFile,
    RowWriter,
    append_episode,
    claim,
    partial_file,
    prepare_resume,
    read_partial,
    save_launch,
)
from embodied_mem.benchmark.run_lock import one_driver
from embodied_mem.benchmark.schedule import longest_first
from embodied_mem.benchmark.suite import make_specs, save_suite
from embodied_mem.benchmark.task_attempt import TaskResult
from embodied_mem.run_config import run_yaml

logger = logging.getLogger(__name__)


TaskProgress = Callable[[str, int, int], None]
"""``(episode_id, tasks_done, tasks_total)`` after each task of an episode."""

_progress_queue: Any = None  # in a pool worker: where run_episode_job reports task progress


def run_episode_job(
    config_yaml: str,
    spec: dict[str, Any],
    record_dir: str | None = None,
    on_task: TaskProgress | None = None,
    media_dir: str | None = None,
    run_dir: str | None = None,
) -> dict[str, Any]:
    """One episode in a worker process (top-level so process pools and Ray can pickle it).

    Returns ``{"episode_id", "rows", "error", "skipped"}`` (``skipped``: template id -> why the
    episode could not fill it); an episode that raises is reported with its error (and no
    rows) instead of stopping the whole suite. With ``run_dir`` each finished task's row is
    also written at once to the episode's partial file there (:func:`.run_dir.partial_file`).
    """
    from embodied_mem.benchmark.episode_runner import EpisodeRunner, standard_baselines
    from embodied_mem.config import config_from_yaml
    from embodied_mem.run_config import RunConfig

    os.environ.setdefault("MUJOCO_GL", "egl")
    cfg = config_from_yaml(RunConfig, config_yaml)
    episode = EpisodeSpec.from_dict(spec)
    if on_task is None and _progress_queue is not None:
        on_task = _progress_queue.report
    runner = EpisodeRunner(
        cfg,
        standard_baselines(list(cfg.baselines)),
        record_dir=Path(record_dir) if record_dir else None,
        on_task=(lambda done, total: on_task(episode.episode_id, done, total)) if on_task else None,
        media_dir=Path(media_dir) if media_dir else None,
        on_row=RowWriter(partial_file(Path(run_dir), episode.episode_id)) if run_dir else None,
    )
    try:
        rows = runner.run(episode)
    except Exception as exc:  # noqa: BLE001 - one broken episode must not sink a long suite
        logger.exception("episode %s failed", episode.episode_id)
        return {
            "episode_id": episode.episode_id,
            "rows": [],
            "error": f"{type(exc).__name__}: {exc}",
            "skipped": {},
        }
    if media_dir:
        _draw_topdown(Path(media_dir) / episode.episode_id)
    return {
        "episode_id": episode.episode_id,
        "rows": rows,
        "error": None,
        "skipped": runner.skipped,
    }


def _draw_topdown(folder: Path) -> None:
    """Draw the report's top-down of a finished episode here, in the worker (in parallel),
    rather than in the report afterwards (serial). The report draws what is missing."""
    try:
        from embodied_mem.benchmark.report_episodes import draw_topdown

        draw_topdown(folder)
    except Exception:  # noqa: BLE001 - a picture must not fail a finished episode
        logger.warning("top-down of %s not drawn; the report will try again", folder, exc_info=True)


class _ProgressQueue:
    """Task progress from pool workers to the runner (a pipe; puts never block the episode)."""

    def __init__(self, ctx: Any) -> None:
        self._queue = ctx.SimpleQueue()

    def report(self, episode_id: str, done: int, total: int) -> None:
        self._queue.put((episode_id, done, total))

    def drain(self, on_task: TaskProgress | None) -> None:
        while not self._queue.empty():
            item = self._queue.get()
            if on_task is not None:
                on_task(*item)


def _worker_init(parent_pid: int, progress: _ProgressQueue) -> None:
    """Pool worker start-up: die with the runner, and report task progress to it."""
    global _progress_queue
    _progress_queue = progress
    die_with_parent(parent_pid)


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``).

    Without it, pool workers of a runner killed with SIGKILL keep running their episode and
    then wait for work for ever (and keep multiprocessing's resource tracker alive too).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) != 0:
        logger.warning("prctl(PR_SET_PDEATHSIG) failed (errno %d)", ctypes.get_errno())
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _jobs_local(
    config_yaml: str,
    specs: list[EpisodeSpec],
    workers: int,
    record: dict[str, str],
    on_task: TaskProgress | None = None,
    media_dir: str | None = None,
    run_dir: str | None = None,
) -> Iterable[dict[str, Any]]:
    if workers <= 1:
        for spec in specs:
            yield run_episode_job(
                config_yaml,
                spec.to_dict(),
                record.get(spec.episode_id),
                on_task,
                media_dir,
                run_dir,
            )
        return
    # spawn, not fork: MuJoCo's GL context and torch threads do not survive a fork.
    ctx = get_context("spawn")
    progress = _ProgressQueue(ctx)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_worker_init,
        initargs=(os.getpid(), progress),
    ) as pool:
        pending = {
            pool.submit(
                run_episode_job,
                config_yaml,
                s.to_dict(),
                record.get(s.episode_id),
                media_dir=media_dir,
                run_dir=run_dir,
            )
            for s in specs
        }
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            progress.drain(on_task)
            for fut in finished:
                yield fut.result()


RAY_ENV = {"RAY_worker_niceness": "0"}
"""Ray starts its workers at nice 15: next to anything else on a machine (a shared box, the
driver's own node) episodes then starve. Episodes are the work here, so they run at normal
priority. Applied to a local Ray this runner starts and to every task's worker
(``runtime_env``); a cluster started apart should set it too (docs/cluster.md)."""


class _RayProgress:
    """Task progress from Ray workers to the driver through a queue actor (no CPU reserved;
    puts are fire-and-forget, so an episode never waits for the driver)."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def __call__(self, episode_id: str, done: int, total: int) -> None:
        self.queue.actor.put_nowait.remote((episode_id, done, total))

    def drain(self, on_task: TaskProgress) -> None:
        size = self.queue.qsize()
        for item in self.queue.get_nowait_batch(size) if size else []:
            on_task(*item)


def ray_address(address: str | None) -> str | None:
    """The cluster to join: ``address``, else ``RAY_ADDRESS``; None starts a local Ray."""
    return address or os.environ.get("RAY_ADDRESS") or None


def _init_ray(ray: Any, workers: int, address: str | None) -> None:
    env_vars = {"MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl"), **RAY_ENV}
    common = {
        "include_dashboard": False,
        # worker output (warnings, errors, tracebacks) is printed by the driver, above the bars
        "log_to_driver": True,
        "runtime_env": {"env_vars": env_vars},
    }
    if address is not None:  # an existing cluster: its nodes say how many CPUs there are
        ray.init(address=address, **common)
        return
    saved = {k: os.environ.get(k) for k in RAY_ENV}
    os.environ.update(RAY_ENV)  # read by the raylet this starts (and handed to its workers)
    try:
        ray.init(num_cpus=max(1, workers), **common)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _jobs_ray(
    config_yaml: str,
    specs: list[EpisodeSpec],
    workers: int,
    record: dict[str, str],
    on_task: TaskProgress | None = None,
    media_dir: str | None = None,
    run_dir: str | None = None,
    address: str | None = None,
) -> Iterable[dict[str, Any]]:
    """Episodes as Ray tasks (one CPU each), on a local Ray of ``workers`` CPUs or on the
    cluster at ``address``; per-task progress comes back through a queue actor.

    Paths (``run_dir``, ``media_dir``, ``record``) must be absolute and, on a cluster, on
    storage every node mounts at the same place: workers write partial results and media
    there.
    """
    from envs.extras import require_extra

    ray = require_extra("ray", "ray")
    started_here = not ray.is_initialized()
    if started_here:
        _init_ray(ray, workers, address)
    progress = None
    try:
        if on_task is not None:
            from ray.util.queue import Queue

            progress = _RayProgress(Queue(actor_options={"num_cpus": 0}))
        remote = ray.remote(num_cpus=1)(run_episode_job)
        pending = [
            remote.remote(
                config_yaml, s.to_dict(), record.get(s.episode_id), progress, media_dir, run_dir
            )
            for s in specs
        ]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
            if progress is not None and on_task is not None:
                progress.drain(on_task)
            for ref in ready:
                yield ray.get(ref)
    finally:
        if progress is not None:
            progress.queue.shutdown()
        if started_here:
            ray.shutdown()


def summarize_rows(
    rows: list[dict[str, Any]],
    failed: dict[str, str] | None = None,
    skipped: dict[str, dict[str, str]] | None = None,
    partial: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """``summary.json``: per baseline, overall and per family (deterministic), the episodes
    that failed (id -> error; their tasks are not counted), the tasks that episodes which
    did not finish did finish (per episode and baseline: tasks and successes, apart from the
    rates), the templates episodes could not fill (template -> reason -> number of
    episodes), plus timing."""
    names = {f.name for f in fields(TaskResult)}
    out: dict[str, Any] = {
        "baselines": {},
        "failed_episodes": dict(sorted((failed or {}).items())),
        "partial_episodes": _count_partial(partial or {}),
        "skipped_templates": _count_skipped(skipped or {}),
        "timing": {},
    }
    for baseline in sorted({r["baseline"] for r in rows}):
        mine = sorted((r for r in rows if r["baseline"] == baseline), key=lambda r: r["task_id"])
        results = [TaskResult(**{k: v for k, v in r.items() if k in names}) for r in mine]
        agg = aggregate(results)
        for section in (agg["overall"], *agg["per_family"].values(), *agg["per_template"].values()):
            section.pop("wall_time_s", None)
        out["baselines"][baseline] = agg
        out["timing"][baseline] = {
            "task_wall_time_s_mean": float(np.mean([r["wall_time_s"] for r in mine]))
        }
    # Which map each agent planned on: "own", or "oracle" = the simulator's map (ORACLE).
    maps = {r["baseline"]: r["navigation_map"] for r in rows if r.get("navigation_map")}
    if maps:
        out["navigation_map"] = dict(sorted(maps.items()))
    episodes = {r["episode_id"]: r.get("episode_wall_time_s", 0.0) for r in rows}
    out["timing"]["episode_wall_time_s_mean"] = (
        float(np.mean(list(episodes.values()))) if episodes else None
    )
    cpu = {r["episode_id"]: r["episode_cpu_time_s"] for r in rows if "episode_cpu_time_s" in r}
    out["timing"]["episode_cpu_time_s_mean"] = float(np.mean(list(cpu.values()))) if cpu else None
    out["timing"]["episodes"] = len(episodes)
    return out


def _count_partial(partial: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for episode, rows in sorted(partial.items()):
        per: dict[str, Any] = {}
        for r in rows:
            b = per.setdefault(r["baseline"], {"tasks": 0, "successes": 0})
            b["tasks"] += 1
            b["successes"] += int(bool(r.get("success")))
        out[episode] = per
    return out


def _count_skipped(skipped: dict[str, dict[str, str]]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for per_episode in skipped.values():
        for template, reason in per_episode.items():
            by_reason = counts.setdefault(template, {})
            by_reason[reason] = by_reason.get(reason, 0) + 1
    return {t: dict(sorted(counts[t].items())) for t in sorted(counts)}


@one_driver
def run_suite(
    config: Any,
    out: Path,
    *,
    workers: int = 1,
    backend: str = "local",
    on_episode: Callable[[str, int, int], None] | None = None,
    on_task: TaskProgress | None = None,
    record_episodes: int = 0,
    restart: bool = False,
    address: str | None = None,
) -> dict[str, Any]:
    """Run (or resume) ``config.benchmark`` into ``out``; returns the summary.

    Args:
        config: a :class:`embodied_mem.run_config.RunConfig`.
        out: output directory (config.yaml, suite.json, results.jsonl, summary.json).
        workers: parallel episodes.
        backend: "local" (processes) or "ray".
        on_episode: progress callback ``(episode_id, finished, total)``.
        on_task: progress callback ``(episode_id, tasks_done, tasks_total)`` within an episode
            (local backend).
        record_episodes: record the first N episodes' memory agent into ``out/recordings``
            (for ``embodied-mem replay`` / ``viz``).
        restart: move an earlier run's files in ``out`` aside (``previous-runs/<n>``) instead
            of refusing a directory that holds results of another config.
        address: the Ray cluster to join (backend "ray"; default ``RAY_ADDRESS``, else a local
            Ray of ``workers`` CPUs). On a cluster ``out`` must be on storage every node
            mounts at the same path (workers write there); any node can then resume the run.

    Raises:
        ConfigError: a config problem that would fail every episode (nothing is written).
        RunDirConflict: ``out`` holds results of another config and ``restart`` is false.
        RunDirBusy: another process is running ``out`` (:mod:`.run_lock`).
    """
    if backend not in ("local", "ray"):
        raise ValueError(f"backend must be 'local' or 'ray', got {backend!r}")
    if address is not None and backend != "ray":
        raise ValueError(f"--address {address} joins a Ray cluster: add --backend ray")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    preflight(config)
    specs = make_specs(config.benchmark, config.env)
    config_yaml = run_yaml(config)
    claim(out, config_yaml, restart=restart)
    (out / CONFIG).write_text(config_yaml)
    if backend == "ray":
        address = ray_address(address)
    launch: dict[str, Any] = {"workers": workers, "backend": backend}
    if address is not None:
        launch["address"] = address
    if record_episodes:
        launch["record"] = record_episodes
    save_launch(out, launch)
    save_suite(out / "suite.json", specs, name=config.benchmark.name)
    kept = prepare_resume(out)
    todo = [s for s in specs if s.episode_id not in kept.finished]
    if backend == "ray" or workers > 1:
        todo = longest_first(todo)  # workers finish together (see .schedule)
    if kept.finished:
        logger.info(
            "resuming: %d of %d episodes already finished, %d to run",
            len(kept.finished),
            len(specs),
            len(todo),
        )
    where = out.resolve()  # workers (Ray's run in their own directories) write here
    job_args = (
        config_yaml,
        todo,
        workers,
        {s.episode_id: str(where / "recordings") for s in specs[:record_episodes]},
        on_task,
        # the report's pictures, captured while episodes run (failure_media; ~2% of CPU)
        str(where / MEDIA_DIR),
        str(where),
    )
    jobs = _jobs_ray(*job_args, address=address) if backend == "ray" else _jobs_local(*job_args)
    summary = _collect(jobs, out, kept, len(specs), on_episode)
    (out / SUMMARY).write_text(json.dumps(summary, indent=2, sort_keys=True))
    return summary


def _collect(
    jobs: Iterable[dict[str, Any]],
    out: Path,
    kept: ResultsFile,
    total: int,
    on_episode: Callable[[str, int, int], None] | None,
) -> dict[str, Any]:
    """Append each finished job to ``results.jsonl`` as it comes; the summary of all episodes."""
    rows, failed = list(kept.rows), {}
    skipped = {ep: marker.get("skipped", {}) for ep, marker in kept.finished.items()}
    finished = len(kept.finished)
    for job in jobs:
        append_episode(out / RESULTS, job["episode_id"], job["rows"], job["error"], job["skipped"])
        if not job["error"]:  # its rows are in the results now; a failed one keeps its file
            partial_file(out, job["episode_id"]).unlink(missing_ok=True)
        rows += job["rows"]
        skipped[job["episode_id"]] = job["skipped"]
        finished += 1
        if job["error"]:
            failed[job["episode_id"]] = job["error"]
            logger.error("episode %s failed: %s", job["episode_id"], job["error"])
        if on_episode is not None:
            on_episode(job["episode_id"], finished, total)
    done = {r["episode_id"] for r in rows} | set(kept.finished)
    return summarize_rows(rows, failed, skipped, read_partial(out, done))

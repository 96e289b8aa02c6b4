"""`embodied-mem eval`: run a suite of episodes for every baseline, resumable, in parallel.

Results are appended as JSON lines (one per baseline × task) to ``results.jsonl``; after each
episode a marker line ``{"episode_done": id}`` is written and flushed. A re-run with the same
output directory skips finished episodes and drops the lines of an episode that was cut off, so
an interrupted run resumes to the same summary. Episodes run in local processes (default) or on
Ray (``backend="ray"``, extra ``ray``); rows are sorted before summarising, so every backend and
worker count gives the same ``summary.json`` (wall times live apart, under ``"timing"``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import fields
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from embodied_mem.benchmark.aggregate import aggregate
from embodied_mem.benchmark.env_setup import check_simulator
from embodied_mem.benchmark.episode import EpisodeSpec
from embodied_mem.benchmark.scoring import TaskResult
from embodied_mem.benchmark.suite import make_specs, save_suite
from embodied_mem.config import save_config, to_yaml

logger = logging.getLogger(__name__)

RESULTS, SUMMARY = "results.jsonl", "summary.json"


def run_episode_job(
    config_yaml: str, spec: dict[str, Any], record_dir: str | None = None
) -> dict[str, Any]:
    """One episode in a worker process (top-level so process pools and Ray can pickle it).

    Returns ``{"episode_id", "rows", "error"}``; an episode that raises is reported with its
    error (and no rows) instead of stopping the whole suite.
    """
    from embodied_mem.benchmark.episode_runner import EpisodeRunner, standard_baselines
    from embodied_mem.config import config_from_yaml
    from embodied_mem.run_config import RunConfig

    os.environ.setdefault("MUJOCO_GL", "egl")
    cfg = config_from_yaml(RunConfig, config_yaml)
    runner = EpisodeRunner(
        cfg,
        standard_baselines(list(cfg.baselines)),
        record_dir=Path(record_dir) if record_dir else None,
    )
    episode = EpisodeSpec.from_dict(spec)
    try:
        return {"episode_id": episode.episode_id, "rows": runner.run(episode), "error": None}
    except Exception as exc:  # noqa: BLE001 - one broken episode must not sink a long suite
        logger.exception("episode %s failed", episode.episode_id)
        return {
            "episode_id": episode.episode_id,
            "rows": [],
            "error": f"{type(exc).__name__}: {exc}",
        }


def _read_results(path: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Rows of finished episodes and their end markers by episode id (cut-off episodes dropped)."""
    if not path.exists():
        return [], {}
    rows, done = [], {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            logger.warning("%s:%d is a partial line (interrupted write); dropping it", path, n)
            continue
        if "episode_done" in item:
            done[item["episode_done"]] = item
        else:
            rows.append(item)
    return [r for r in rows if r["episode_id"] in done], done


def _rewrite(path: Path, rows: list[dict[str, Any]], done: dict[str, dict[str, Any]]) -> None:
    """Keep only finished episodes (rows, then their end marker) in the results file (atomic)."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as fh:
        by_episode: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_episode.setdefault(r["episode_id"], []).append(r)
        for ep in sorted(done):
            for r in by_episode.get(ep, []):
                fh.write(json.dumps(r) + "\n")
            fh.write(json.dumps(done[ep]) + "\n")
    os.replace(tmp, path)


def _append(path: Path, job: dict[str, Any]) -> None:
    with path.open("a") as fh:
        for r in job["rows"]:
            fh.write(json.dumps(r) + "\n")
        fh.write(json.dumps({"episode_done": job["episode_id"], "error": job["error"]}) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _jobs_local(
    config_yaml: str, specs: list[EpisodeSpec], workers: int, record: dict[str, str]
) -> Iterable[dict[str, Any]]:
    if workers <= 1:
        for spec in specs:
            yield run_episode_job(config_yaml, spec.to_dict(), record.get(spec.episode_id))
        return
    # spawn, not fork: MuJoCo's GL context and torch threads do not survive a fork.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(run_episode_job, config_yaml, s.to_dict(), record.get(s.episode_id))
            for s in specs
        ]
        for fut in as_completed(futures):
            yield fut.result()


def _jobs_ray(
    config_yaml: str, specs: list[EpisodeSpec], workers: int, record: dict[str, str]
) -> Iterable[dict[str, Any]]:
    from envs.extras import require_extra

    ray = require_extra("ray", "ray")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            num_cpus=max(1, workers),
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {"MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl")}},
        )
    try:
        remote = ray.remote(num_cpus=1)(run_episode_job)
        pending = [remote.remote(config_yaml, s.to_dict(), record.get(s.episode_id)) for s in specs]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield ray.get(ready[0])
    finally:
        if started_here:
            ray.shutdown()


def summarize_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``summary.json``: per baseline, overall and per family (deterministic), plus timing."""
    names = {f.name for f in fields(TaskResult)}
    out: dict[str, Any] = {"baselines": {}, "timing": {}}
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
    episodes = {r["episode_id"]: r.get("episode_wall_time_s", 0.0) for r in rows}
    out["timing"]["episode_wall_time_s_mean"] = (
        float(np.mean(list(episodes.values()))) if episodes else None
    )
    out["timing"]["episodes"] = len(episodes)
    return out


def run_suite(
    config: Any,
    out: Path,
    *,
    workers: int = 1,
    backend: str = "local",
    on_episode: Callable[[str, int, int], None] | None = None,
    record_episodes: int = 0,
) -> dict[str, Any]:
    """Run (or resume) ``config.benchmark`` into ``out``; returns the summary.

    Args:
        config: a :class:`embodied_mem.run_config.RunConfig`.
        out: output directory (config.yaml, suite.json, results.jsonl, summary.json).
        workers: parallel episodes.
        backend: "local" (processes) or "ray".
        on_episode: progress callback ``(episode_id, finished, total)``.
        record_episodes: record the first N episodes' memory agent into ``out/recordings``
            (for ``embodied-mem replay`` / ``viz``).
    """
    if backend not in ("local", "ray"):
        raise ValueError(f"backend must be 'local' or 'ray', got {backend!r}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    out.mkdir(parents=True, exist_ok=True)
    config_yaml = to_yaml(config)
    saved = out / "config.yaml"
    if saved.exists() and saved.read_text() != config_yaml:
        raise ValueError(
            f"{out} holds a run with a different config; use a new --out or delete {saved}"
        )
    save_config(config, saved)
    check_simulator(config.env.name, config.env.selected())
    specs = make_specs(config.benchmark, config.env)
    save_suite(out / "suite.json", specs, name=config.benchmark.name)
    results = out / RESULTS
    rows, done = _read_results(results)
    _rewrite(results, rows, done)
    todo = [s for s in specs if s.episode_id not in done]
    if done:
        logger.info("resuming: %d of %d episodes already finished", len(done), len(specs))
    jobs = _jobs_ray if backend == "ray" else _jobs_local
    record = {
        s.episode_id: str(out / "recordings")
        for s in specs[:record_episodes]
        if s.episode_id not in done
    }
    finished = len(done)
    for job in jobs(config_yaml, todo, workers, record):
        _append(results, job)
        rows += job["rows"]
        finished += 1
        if job["error"]:
            logger.error("episode %s failed: %s", job["episode_id"], job["error"])
        if on_episode is not None:
            on_episode(job["episode_id"], finished, len(specs))
    summary = summarize_rows(rows)
    (out / SUMMARY).write_text(json.dumps(summary, indent=2, sort_keys=True))
    return summary

"""The suite runner: resume after an interruption, retry of failed episodes, one config per
directory, and Ray vs local give the same summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embodied_mem.benchmark import episode_runner
from embodied_mem.benchmark.eval_runner import run_suite
from embodied_mem.benchmark.failure_media import MEDIA_DIR
from embodied_mem.benchmark.report_data import command_line, load_run
from embodied_mem.benchmark.report_episodes import TOPDOWN_PNG
from embodied_mem.benchmark.run_dir import (
    ATTEMPTS,
    LAUNCH,
    PREVIOUS,
    RESULTS,
    RunDirConflict,
    read_results,
)
from embodied_mem.config import load_config
from embodied_mem.run_config import RunConfig

TINY = [
    "benchmark.name=tiny",
    "benchmark.episodes=2",
    "benchmark.seed=3",
    "benchmark.min_interactions=2",
    "benchmark.max_interactions=2",
    "benchmark.templates=[T01,T11,T26,T36,T44,T51,T60]",  # T51 needs 2 days: skipped
    "baselines=[memory-oracle,no-memory,frames-96]",
]


def _config(extra: list[str] | None = None) -> RunConfig:
    cfg = load_config(RunConfig, overrides=TINY + (extra or []))
    cfg.benchmark.env_options.update({"width": 96, "height": 72})
    return cfg


def _without_timing(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "timing"}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("eval_full")
    return out, run_suite(_config(), out)


def test_suite_scores_every_baseline_and_family(uninterrupted: tuple[Path, dict]) -> None:
    out, summary = uninterrupted
    assert set(summary["baselines"]) == {"memory-oracle", "no-memory", "frames-96"}
    memory = summary["baselines"]["memory-oracle"]["overall"]
    assert memory["episodes"] == 2 and memory["tasks"] >= 8
    # Memory is what makes these tasks solvable: the memory agent must beat the empty memory.
    assert memory["success"] > summary["baselines"]["no-memory"]["overall"]["success"]
    assert (out / "config.yaml").exists() and (out / "suite.json").exists()
    # Skipped templates are listed with the reason (one-day episodes cannot fill T51).
    (reason, episodes), *more = summary["skipped_templates"]["T51"].items()
    assert episodes == 2 and not more and "2 experience days" in reason
    assert summary["failed_episodes"] == {}
    # Each episode's CPU, next to its wall time (a loaded machine stretches only the latter).
    timing = summary["timing"]
    assert 0 < timing["episode_cpu_time_s_mean"] and 0 < timing["episode_wall_time_s_mean"]


def test_resume_after_interruption_gives_the_same_summary(
    uninterrupted: tuple[Path, dict], tmp_path: Path
) -> None:
    out, summary = uninterrupted
    lines = (out / RESULTS).read_text().splitlines()
    first_done = next(i for i, line in enumerate(lines) if "episode_done" in line)
    # Keep episode 1, half of episode 2 and a torn last line, as a killed process would leave it.
    cut = (
        lines[: first_done + 1]
        + lines[first_done + 1 : first_done + 3]
        + ['{"baseline": "memory-or']
    )
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    (resumed / "config.yaml").write_text((out / "config.yaml").read_text())
    (resumed / RESULTS).write_text("\n".join(cut) + "\n")
    again = run_suite(_config(), resumed)
    assert _without_timing(again) == _without_timing(summary)
    # Appended to, never rewritten: the finished episode's bytes are where they were.
    finished = "\n".join(lines[: first_done + 1]) + "\n"
    assert (resumed / RESULTS).read_text().startswith(finished)
    done = [
        json.loads(x) for x in (resumed / RESULTS).read_text().splitlines() if "episode_done" in x
    ]
    assert len(done) == 2


def _copy_run(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for name in ("config.yaml", RESULTS):
        (dst / name).write_text((src / name).read_text())
    return dst


def _markers(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / RESULTS).read_text().splitlines() if "episode_done" in x]


def test_a_one_off_failure_is_retried_on_rerun_to_the_clean_summary(
    uninterrupted: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, clean = uninterrupted
    real_run = episode_runner.EpisodeRunner.run

    def flaky(self, spec):  # the second episode raises once, as a transient fault would
        if spec.episode_id == "tiny-0001":
            raise RuntimeError("transient fault")
        return real_run(self, spec)

    # Episode 1 finished before; episode 2 runs now and fails.
    lines = (out / RESULTS).read_text().splitlines()
    first_done = next(i for i, line in enumerate(lines) if "episode_done" in line)
    run = _copy_run(out, tmp_path / "flaky")
    (run / RESULTS).write_text("\n".join(lines[: first_done + 1]) + "\n")
    monkeypatch.setattr(episode_runner.EpisodeRunner, "run", flaky)
    failed = run_suite(_config(), run)
    assert failed["failed_episodes"] == {"tiny-0001": "RuntimeError: transient fault"}
    assert failed["baselines"]["memory-oracle"]["overall"]["episodes"] == 1
    assert _markers(run)[-1]["episode_done"] == "tiny-0001"
    assert _markers(run)[-1]["error"] == "RuntimeError: transient fault"

    monkeypatch.setattr(episode_runner.EpisodeRunner, "run", real_run)
    before = (run / RESULTS).read_bytes()
    again = run_suite(_config(), run)
    assert _without_timing(again) == _without_timing(clean)
    assert (run / RESULTS).read_bytes().startswith(before)  # appended, never rewritten
    # The failure stays in the file, superseded by the retry note and the finished re-run.
    assert [m["error"] for m in _markers(run)] == [None, "RuntimeError: transient fault", None]
    latest = read_results(run / RESULTS)
    assert sorted(latest.finished) == ["tiny-0000", "tiny-0001"] and latest.failed == {}
    history = [json.loads(x) for x in (run / ATTEMPTS).read_text().splitlines()]
    assert history == [
        {"episode_id": "tiny-0001", "attempt": 1, "error": "RuntimeError: transient fault"}
    ]


def _without_timings(rows: list[dict]) -> list[dict]:
    return sorted(
        (
            {k: v for k, v in r.items() if "wall_time" not in k and "cpu_time" not in k}
            for r in rows
        ),
        key=lambda r: (r["baseline"], r["task_id"]),
    )


def test_all_episodes_fail_then_the_fix_lets_the_rerun_complete(
    uninterrupted: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = uninterrupted
    real_env = episode_runner.make_episode_env

    def missing_library(spec):  # what a fresh machine without libusb-1.0-0 did
        raise ImportError("libusb-1.0.so.0: cannot open shared object file")

    # One episode (the first of the clean run: same seeds), to keep the suite fast.
    one = ["benchmark.episodes=1"]
    monkeypatch.setattr(episode_runner, "make_episode_env", missing_library)
    run = tmp_path / "broken"
    failed = run_suite(_config(one), run)
    assert failed["baselines"] == {} and list(failed["failed_episodes"]) == ["tiny-0000"]
    again = run_suite(_config(one), run)  # not fixed yet: fails again, both errors kept
    assert list(again["failed_episodes"]) == ["tiny-0000"]
    monkeypatch.setattr(episode_runner, "make_episode_env", real_env)  # the fix
    fixed = run_suite(_config(one), run)
    assert fixed["failed_episodes"] == {} and fixed["baselines"]
    rows = read_results(run / RESULTS).rows
    clean = [r for r in read_results(out / RESULTS).rows if r["episode_id"] == "tiny-0000"]
    assert _without_timings(rows) == _without_timings(clean)
    attempts = [json.loads(x) for x in (run / ATTEMPTS).read_text().splitlines()]
    assert [(a["episode_id"], a["attempt"]) for a in attempts] == [
        ("tiny-0000", 1),
        ("tiny-0000", 2),
    ]
    assert all("libusb" in a["error"] for a in attempts)


def test_a_different_config_is_refused_with_the_keys_that_differ(
    uninterrupted: tuple[Path, dict], tmp_path: Path
) -> None:
    out, _ = uninterrupted
    run = _copy_run(out, tmp_path / "run")
    before = (run / RESULTS).read_text()
    with pytest.raises(RunDirConflict, match=r"benchmark\.seed: 3 -> 4") as err:
        run_suite(_config(["benchmark.seed=4"]), run)
    assert "--restart" in str(err.value) and "new --out" in str(err.value)
    assert (run / RESULTS).read_text() == before  # nothing changed
    # Deleting config.yaml does not smuggle old rows under a new config either.
    (run / "config.yaml").unlink()
    with pytest.raises(RunDirConflict, match="without their config.yaml"):
        run_suite(_config(["benchmark.seed=4"]), run)
    assert (run / RESULTS).read_text() == before


def test_restart_moves_old_results_aside_and_keeps_no_old_rows(
    uninterrupted: tuple[Path, dict], tmp_path: Path
) -> None:
    out, _ = uninterrupted
    run = _copy_run(out, tmp_path / "run")
    old_results = (run / RESULTS).read_text()
    # A cheap new config: one episode, the frames-K bound only (no agent runs).
    summary = run_suite(
        _config(["benchmark.seed=4", "benchmark.episodes=1", "baselines=[frames-96]"]),
        run,
        restart=True,
    )
    assert (run / PREVIOUS / "1" / RESULTS).read_text() == old_results
    assert (run / PREVIOUS / "1" / "config.yaml").exists()
    rows = [json.loads(x) for x in (run / RESULTS).read_text().splitlines()]
    assert {r.get("episode_id", r.get("episode_done")) for r in rows} == {"tiny-0000"}
    assert {r["baseline"] for r in rows if "baseline" in r} == {"frames-96"}
    assert list(summary["baselines"]) == ["frames-96"]
    assert "seed: 4" in (run / "config.yaml").read_text()


@pytest.mark.slow
def test_ray_and_local_backends_give_identical_summaries(
    uninterrupted: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same summary on Ray; task progress reaches the driver; the report's command names the
    backend it ran on."""
    pytest.importorskip("ray", reason="Ray backend needs the 'ray' extra")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    _, summary = uninterrupted
    progress: list[tuple[str, int, int]] = []
    ray_summary = run_suite(
        _config(), tmp_path / "ray", workers=2, backend="ray", on_task=lambda *a: progress.append(a)
    )
    assert _without_timing(ray_summary) == _without_timing(summary)
    assert {e for e, _, _ in progress} == {"tiny-0000", "tiny-0001"}
    assert all(0 < done <= total for _, done, total in progress)
    assert (tmp_path / "ray" / LAUNCH).exists()
    assert "--backend ray" in command_line(load_run(tmp_path / "ray"))


def test_launch_options_are_kept_apart_from_the_config(uninterrupted: tuple[Path, dict]) -> None:
    """How a run was launched is in launch.json (not config.yaml, which a resume with other
    options must still accept) and in the report's command, after --out."""
    out, _ = uninterrupted
    assert json.loads((out / LAUNCH).read_text()) == {"workers": 1, "backend": "local"}
    assert "workers" not in (out / "config.yaml").read_text()
    command = command_line(load_run(out))
    assert command is not None and command.split(" --out ")[1].split()[1:5] == [
        "--workers",
        "1",
        "--backend",
        "local",
    ]


def test_address_needs_the_ray_backend(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--backend ray"):
        run_suite(_config(), tmp_path, backend="local", address="10.0.0.1:6379")
    assert not (tmp_path / "config.yaml").exists()


def test_finished_episodes_have_their_top_down_drawn(uninterrupted: tuple[Path, dict]) -> None:
    """The worker that ran an episode draws the report's top-down (in parallel), not the
    serial report afterwards."""
    out, _ = uninterrupted
    for episode in ("tiny-0000", "tiny-0001"):
        png = out / MEDIA_DIR / episode / TOPDOWN_PNG
        assert png.is_file() and png.stat().st_size > 1000


def test_a_failing_episode_keeps_the_tasks_it_finished(
    uninterrupted: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results are written per task: an episode that fails late (the large setting's houses
    that crashed or ran out of time) keeps what it finished, apart from the rates; the re-run
    starts it afresh and ends with the clean summary and no partial file."""
    from embodied_mem.agent.loop import MemoryAgent
    from embodied_mem.benchmark.run_dir import partial_file

    out, clean = uninterrupted
    lines = (out / RESULTS).read_text().splitlines()
    first_done = next(i for i, line in enumerate(lines) if "episode_done" in line)
    run = _copy_run(out, tmp_path / "late")
    (run / RESULTS).write_text("\n".join(lines[: first_done + 1]) + "\n")
    real_task = MemoryAgent.run_task
    calls = {"n": 0}

    def breaks_on_the_fourth_task(self, instruction, obs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("simulator died")
        return real_task(self, instruction, obs)

    monkeypatch.setattr(MemoryAgent, "run_task", breaks_on_the_fourth_task)
    failed = run_suite(_config(), run)
    kept = [json.loads(x) for x in partial_file(run, "tiny-0001").read_text().splitlines()]
    assert len(kept) == 3 and {r["episode_id"] for r in kept} == {"tiny-0001"}
    assert failed["partial_episodes"]["tiny-0001"]["memory-oracle"]["tasks"] == 3
    assert failed["baselines"]["memory-oracle"]["overall"]["episodes"] == 1  # not in the rates
    monkeypatch.setattr(MemoryAgent, "run_task", real_task)
    again = run_suite(_config(), run)
    assert not partial_file(run, "tiny-0001").exists() and again["partial_episodes"] == {}
    assert _without_timing(again) == _without_timing(clean)

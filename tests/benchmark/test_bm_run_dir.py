"""Run-directory rules without running episodes: retry bookkeeping, one config per directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from embodied_mem.benchmark.run_dir import (
    ATTEMPTS,
    PREVIOUS,
    RESULTS,
    RunDirConflict,
    append_episode,
    claim,
    prepare_resume,
    read_results,
)

CONFIG_A = "benchmark:\n  seed: 0\n  name: a\nbaselines: [no-memory]\n"
CONFIG_B = "benchmark:\n  seed: 1\n  name: a\nbaselines: [no-memory, frames-96]\n"


def _row(episode: str, task: str) -> dict:
    return {"baseline": "no-memory", "episode_id": episode, "task_id": f"{episode}/{task}"}


def test_failed_episodes_leave_results_for_the_history_and_count_attempts(tmp_path: Path) -> None:
    results = tmp_path / RESULTS
    append_episode(results, "e0", [_row("e0", "T01")], None, {"T51": "needs 2 experience days"})
    append_episode(results, "e1", [], "RuntimeError: boom", {})
    with results.open("a") as fh:  # e2 was cut off mid-episode, its last line torn
        fh.write(json.dumps(_row("e2", "T01")) + "\n" + '{"baseline": "no-')
    kept = prepare_resume(tmp_path)
    assert list(kept.finished) == ["e0"] and kept.failed == {"e1": "RuntimeError: boom"}
    assert [r["episode_id"] for r in read_results(results).rows] == ["e0"]
    assert read_results(results).finished["e0"]["skipped"] == {"T51": "needs 2 experience days"}
    append_episode(results, "e1", [], "RuntimeError: boom again", {})
    prepare_resume(tmp_path)
    history = [json.loads(x) for x in (tmp_path / ATTEMPTS).read_text().splitlines()]
    assert [(h["episode_id"], h["attempt"], h["error"]) for h in history] == [
        ("e1", 1, "RuntimeError: boom"),
        ("e1", 2, "RuntimeError: boom again"),
    ]
    assert "e1" not in read_results(results).failed  # moved to the history, to run again


def test_one_config_per_directory(tmp_path: Path) -> None:
    claim(tmp_path, CONFIG_A)  # empty directory: fine
    (tmp_path / "config.yaml").write_text(CONFIG_A)
    append_episode(tmp_path / RESULTS, "e0", [_row("e0", "T01")], None)
    claim(tmp_path, CONFIG_A)  # same config: resume
    with pytest.raises(RunDirConflict) as err:
        claim(tmp_path, CONFIG_B)
    message = str(err.value)
    assert "benchmark.seed: 0 -> 1" in message and "baselines: ['no-memory'] ->" in message
    assert "--restart" in message and "new --out" in message
    assert "benchmark.name" not in message  # only the keys that differ


def test_restart_moves_results_aside_and_keeps_the_tour(tmp_path: Path) -> None:
    (tmp_path / "tour").mkdir()
    (tmp_path / "tour" / "rgb_000.png").write_bytes(b"png")
    for n in (1, 2):
        (tmp_path / "config.yaml").write_text(CONFIG_A)
        (tmp_path / RESULTS).write_text(f"run {n}\n")
        (tmp_path / "recordings" / "e0").mkdir(parents=True)
        claim(tmp_path, CONFIG_B, restart=True)
        moved = tmp_path / PREVIOUS / str(n)
        assert (moved / RESULTS).read_text() == f"run {n}\n" and (moved / "recordings").is_dir()
        assert not (tmp_path / RESULTS).exists() and not (tmp_path / "config.yaml").exists()
    assert (tmp_path / "tour" / "rgb_000.png").exists()  # demo made it before the run starts


def test_results_without_a_config_are_refused(tmp_path: Path) -> None:
    append_episode(tmp_path / RESULTS, "e0", [_row("e0", "T01")], None)
    with pytest.raises(RunDirConflict, match="without their config.yaml"):
        claim(tmp_path, CONFIG_A)


def test_resume_only_appends_and_keeps_every_byte_of_what_finished(tmp_path: Path) -> None:
    """At 10,000 episodes a resume must not rewrite the results: it appends (a retry note per
    failed episode) and cuts off only what follows the last marker (a cut-off write)."""
    results = tmp_path / RESULTS
    append_episode(results, "e0", [_row("e0", "T01"), _row("e0", "T02")], None)
    append_episode(results, "e1", [], "RuntimeError: boom")
    settled = results.read_bytes()
    with results.open("a") as fh:  # e2 cut off while its rows were written
        fh.write(json.dumps(_row("e2", "T01")) + "\n" + '{"baseline": "no-')
    kept = prepare_resume(tmp_path)
    assert list(kept.finished) == ["e0"] and list(kept.failed) == ["e1"]
    after = results.read_bytes()
    assert after.startswith(settled)
    assert [json.loads(x) for x in after[len(settled) :].splitlines()] == [{"episode_retry": "e1"}]
    # e1 and e2 run again and finish: appended; the rows of e2's cut-off write are not counted.
    append_episode(results, "e1", [_row("e1", "T01")], None)
    append_episode(results, "e2", [_row("e2", "T01")], None)
    grown = results.read_bytes()
    final = prepare_resume(tmp_path)
    assert results.read_bytes() == grown
    assert sorted(final.finished) == ["e0", "e1", "e2"] and final.failed == {}
    assert sorted(r["task_id"] for r in final.rows) == ["e0/T01", "e0/T02", "e1/T01", "e2/T01"]


def _hold(out: Path) -> subprocess.Popen:
    """Another process driving ``out`` until its stdin closes."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path\n"
            "from embodied_mem.benchmark.run_lock import driving\n"
            "with driving(Path(sys.argv[1])):\n"
            "    print('held', flush=True)\n"
            "    sys.stdin.read()\n",
            str(out),
        ],
        cwd=Path(__file__).resolve().parents[2],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_driver_of_a_directory_is_refused_with_the_owner(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from embodied_mem.benchmark.eval_runner import run_suite
    from embodied_mem.benchmark.run_lock import RunDirBusy, driving
    from embodied_mem.cli import app
    from embodied_mem.run_config import RunConfig

    out = tmp_path / "run"
    holder = _hold(out)
    try:
        with pytest.raises(RunDirBusy, match=rf"pid {holder.pid}\).*re-run this command"):
            run_suite(RunConfig(), out)
        result = CliRunner().invoke(app, ["eval", "--suite", "demo", "--out", str(out)])
        assert result.exit_code == 2
        text = " ".join(result.output.split())
        assert f"in use by another `embodied-mem eval` (pid {holder.pid})" in text
        assert f"kill {holder.pid}" in text and "another --out" in text
    finally:
        holder.communicate("")  # its process ends: the kernel drops the lock
    with driving(out):  # free again, and re-entrant within one process
        with driving(out):
            pass

"""`eval` / `demo` / `viz` from the command line: exit codes, failed episodes, bad arguments,
config problems caught before the first episode, and where `viz` points a benchmark run."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from embodied_mem.benchmark import episode_runner
from embodied_mem.cli import app
from embodied_mem.cli_eval import DEFAULT_WORKERS
from embodied_mem.cli_viz_args import TimeSpec, parse_time, resolve
from embodied_mem.viz.source import MemoryView, PathPoint
from scene_graph import SceneGraph

TINY = [
    "--suite",
    "suites/small",
    "--episodes",
    "2",
    "--workers",
    "1",
    "benchmark.name=cli",
    "benchmark.templates=[T01]",
]


def _eval(out: Path, *extra: str):
    return CliRunner().invoke(app, ["eval", *TINY, "--out", str(out), *extra])


def _text(result) -> str:
    return " ".join(result.output.split())


def test_failed_episodes_exit_1_and_are_listed_with_their_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing_library(spec):
        raise ImportError("libusb-1.0.so.0: cannot open shared object file")

    monkeypatch.setattr(episode_runner, "make_episode_env", missing_library)
    result = _eval(tmp_path / "run")
    assert result.exit_code == 1, result.output
    text = _text(result)
    assert "2 episode(s) failed" in text and "cli-0000: ImportError: libusb-1.0.so.0" in text
    assert "re-run the same command" in text
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert sorted(summary["failed_episodes"]) == ["cli-0000", "cli-0001"]


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("planner.name=llm", "planner.llm.base_url"),
        ("benchmark.env_options.width=-5", "width must be a positive number"),
        ("baselines=[memory-oracel]", "unknown baseline 'memory-oracel'"),
    ],
)
def test_configs_that_doom_every_episode_stop_before_the_first(
    tmp_path: Path, override: str, says: str
) -> None:
    result = _eval(tmp_path / "run", override)
    assert result.exit_code == 2 and says in _text(result), result.output
    assert not (tmp_path / "run").exists()  # nothing was started or written


@pytest.mark.parametrize("bad", [["--record", "-1"], ["--workers", "0"], ["--episodes", "0"]])
def test_out_of_range_numbers_are_refused(tmp_path: Path, bad: list[str]) -> None:
    result = CliRunner().invoke(app, ["eval", "--out", str(tmp_path / "run"), *bad])
    assert result.exit_code == 2 and "Invalid value" in result.output
    assert not (tmp_path / "run").exists()


def test_demo_and_eval_share_one_default_worker_count() -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    defaults = {
        name: next(p.default for p in commands[name].params if p.name == "workers")
        for name in ("demo", "eval")
    }
    assert defaults == {"demo": DEFAULT_WORKERS, "eval": DEFAULT_WORKERS}


def test_viz_of_a_benchmark_run_points_to_its_recordings(tmp_path: Path) -> None:
    run = tmp_path / "demo"
    (run / "recordings" / "demo-0000" / "memory-oracle").mkdir(parents=True)
    (run / "results.jsonl").write_text("")
    for command in ("viz", "replay"):
        result = CliRunner().invoke(app, [command, str(run), "--out", str(tmp_path / "o")])
        assert result.exit_code == 2
        assert f"{run}/recordings/demo-0000/memory-oracle" in _text(result).replace(" ", "")


def test_time_takes_a_day_and_clock() -> None:
    assert parse_time("d1 14:30", None) == TimeSpec("14:30", 1)
    assert parse_time("day 2 09:05", None) == TimeSpec("09:05", 2)
    assert parse_time("14:30", 1) == TimeSpec("14:30", 1)
    assert parse_time("120", None) == TimeSpec("120", None)
    with pytest.raises(ValueError, match="names day 1 but --day is 2"):
        parse_time("d1 14:30", 2)
    with pytest.raises(ValueError, match="--day needs a clock time"):
        parse_time("120", 1)


def _view() -> MemoryView:
    points = [(0, 0, "06:00"), (600, 0, "06:10"), (57_600, 1, "06:00"), (58_200, 1, "06:10")]
    path = [PathPoint(float(t), 0.0, 0.0, 0.0, day, hm) for t, day, hm in points]
    return MemoryView(graph=SceneGraph(), path=path)


def test_resolve_reports_every_moved_time(caplog: pytest.LogCaptureFixture) -> None:
    view = _view()
    with caplog.at_level(logging.WARNING):
        assert resolve(view, TimeSpec("06:10", 0)) == 600.0
        assert not caplog.records
        assert resolve(view, TimeSpec("06:05", 1)) == 57_600.0  # last record before it
        assert "nothing recorded exactly at 06:05; showing day 1 06:00" in caplog.text
        caplog.clear()
        assert resolve(view, TimeSpec("999999", None)) == 58_200.0  # clamped to the end
        assert "outside the recorded span" in caplog.text
    with pytest.raises(ValueError, match=r"no day 5 in this memory; it has day\(s\) \[0, 1\]"):
        resolve(view, TimeSpec("06:00", 5))

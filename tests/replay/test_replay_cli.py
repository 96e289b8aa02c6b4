"""`embodied-mem replay` and `embodied-mem viz` on a real recorded run."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from embodied_mem.cli import app

runner = CliRunner()


def test_replay_cli_same_config_is_identical_and_override_differs(demo_run, tmp_path):
    run_dir, _ = demo_run
    same = runner.invoke(app, ["replay", str(run_dir), "--out", str(tmp_path / "same")])
    assert same.exit_code == 0, same.output
    assert "identical" in same.output
    report = json.loads((tmp_path / "same" / "diff.json").read_text())
    assert report["identical"] is True
    assert (tmp_path / "same" / "memory.db").stat().st_size > 0
    assert "voxel_size" in (tmp_path / "same" / "config.yaml").read_text()
    other = runner.invoke(
        app, ["replay", str(run_dir), "memory.mapper.voxel_size=0.08", "--out", str(tmp_path / "o")]
    )
    assert other.exit_code == 0, other.output
    report = json.loads((tmp_path / "o" / "diff.json").read_text())
    assert report["identical"] is False and report["differences"]
    assert report["overrides"] == ["memory.mapper.voxel_size=0.08"]


def test_replay_cli_errors_are_clear(tmp_path, demo_run):
    missing = runner.invoke(app, ["replay", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no run directory" in missing.output
    (tmp_path / "broken").mkdir()
    broken = runner.invoke(app, ["replay", str(tmp_path / "broken")])
    assert broken.exit_code == 2 and "run header missing" in broken.output
    bad = runner.invoke(
        app, ["replay", str(demo_run[0]), "memory.nope=1", "--out", str(tmp_path / "b")]
    )
    assert bad.exit_code == 2 and "nope" in bad.output
    # an oracle run without its recorded ORACLE lookup fails during replay, not with a traceback
    no_oracle = tmp_path / "no_oracle"
    shutil.copytree(demo_run[0], no_oracle)
    (no_oracle / "oracle_ground_truth.json").unlink()
    lost = runner.invoke(app, ["replay", str(no_oracle), "--out", str(tmp_path / "lost")])
    assert lost.exit_code == 2 and "oracle_ground_truth.json" in lost.output, lost.output


def test_viz_cli_writes_the_requested_formats(demo_run, tmp_path):
    run_dir, live = demo_run
    first = live.episodic.events[0].time_of_day
    res = runner.invoke(
        app, ["viz", str(run_dir), "--time", first, "--out", str(tmp_path), "--format", "png,rrd"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "run_topdown.png").stat().st_size > 10_000
    assert (tmp_path / "run.rrd").stat().st_size > 100_000
    assert not (tmp_path / "run.html").exists()
    bad = runner.invoke(app, ["viz", str(run_dir), "--format", "gif"])
    assert bad.exit_code == 2 and "gif" in bad.output
    late = runner.invoke(app, ["viz", str(run_dir), "--time", "25:00", "--out", str(tmp_path)])
    assert late.exit_code == 2 and "HH:MM" in late.output

from __future__ import annotations

from typer.testing import CliRunner

from embodied_mem.cli import app
from embodied_mem.doctor import run_checks


def test_doctor_covers_every_group_and_gives_a_fix_for_each_missing_piece() -> None:
    checks = run_checks()
    groups = {c.group for c in checks}
    assert {"simulator", "render", "model", "extra"} <= groups
    names = {c.name for c in checks}
    assert {"builtin (MuJoCo)", "ai2thor", "habitat", "MUJOCO_GL=egl", "MUJOCO_GL=osmesa"} <= names
    assert all(c.fix for c in checks if not c.ok), [c for c in checks if not c.ok and not c.fix]
    builtin = next(c for c in checks if c.name == "builtin (MuJoCo)")
    assert builtin.ok  # the built-in simulator is the default everywhere


def test_cli_help_lists_the_main_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("doctor", "tour"):
        assert command in result.output


def test_bad_preset_or_override_is_a_clear_error_not_a_traceback(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["eval", "--suite", "no-such-suite", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no preset 'no-such-suite'" in result.output and "known presets" in result.output
    result = runner.invoke(
        app, ["eval", "--suite", "suites/small", "--out", str(tmp_path), "benchmark.nokey=1"]
    )
    assert result.exit_code == 2 and "nokey" in result.output
    assert not (tmp_path / "results.jsonl").exists()  # nothing was started or written

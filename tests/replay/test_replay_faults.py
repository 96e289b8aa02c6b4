"""Damaged recordings: `replay` and `viz` refuse them with the file's name and what to do (exit
2, no traceback), before writing anything; the run directory stays byte-identical and a failed
replay leaves no output behind."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from embodied_mem.cli import app

runner = CliRunner()


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _copy(demo_run, tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(demo_run[0], run, ignore=shutil.ignore_patterns("replay"))
    return run


def _chunks(run: Path) -> list[Path]:
    return sorted((run / "frames").glob("chunk_*.npz"))


def _bad_yaml(run: Path) -> str:
    (run / "config.yaml").write_text("memory: [unclosed\n  mapper: {\n")
    return "config.yaml"


def _truncated_final_snapshot(run: Path) -> str:
    snap = sorted((run / "snapshots").glob("mem_*.json"))[-1]
    snap.write_bytes(snap.read_bytes()[: snap.stat().st_size // 2])
    return snap.name


def _snapshot_without_graph(run: Path) -> str:
    snap = sorted((run / "snapshots").glob("mem_*.json"))[-1]
    state = json.loads(snap.read_text())
    del state["scene_graph"]
    snap.write_text(json.dumps(state))
    return snap.name


def _drop_chunk(which: int) -> Callable[[Path], str]:
    def damage(run: Path) -> str:
        chunk = _chunks(run)[which]
        chunk.unlink()
        return chunk.name

    return damage


def _truncated_chunk(run: Path) -> str:
    chunk = _chunks(run)[1]
    chunk.write_bytes(chunk.read_bytes()[:1000])
    return chunk.name


DAMAGE = {
    "bad_yaml_config": _bad_yaml,
    "truncated_final_snapshot": _truncated_final_snapshot,
    "snapshot_without_scene_graph": _snapshot_without_graph,
    "missing_first_chunk": _drop_chunk(0),
    "missing_middle_chunk": _drop_chunk(1),
    "missing_last_chunk": _drop_chunk(-1),
    "truncated_chunk": _truncated_chunk,
}


def _clear_error(res, names: str) -> None:
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    flat = " ".join(res.output.split())
    assert "error:" in flat and names in "".join(flat.split()), res.output  # rich wraps names
    assert any(w in flat for w in ("Restore", "record the run again", "restore")), res.output


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_run_is_refused_before_anything_is_written(demo_run, tmp_path, damage) -> None:
    run = _copy(demo_run, tmp_path)
    culprit = DAMAGE[damage](run)
    before = _hashes(run)
    res = runner.invoke(app, ["replay", str(run), "--out", str(tmp_path / "out")])
    _clear_error(res, culprit)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "run"] == []  # no staging debris
    shown = runner.invoke(app, ["viz", str(run), "--out", str(tmp_path / "viz")])
    _clear_error(shown, culprit)
    assert not (tmp_path / "viz").exists()
    assert _hashes(run) == before


def _shorten_depth(run: Path) -> str:
    """A chunk whose metadata is intact but whose depth stack lost a frame: found mid-replay."""
    chunk = _chunks(run)[2]
    with np.load(chunk) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["depth"] = arrays["depth"][:-1]
    with chunk.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    return chunk.name


def test_failed_replay_leaves_no_output_so_the_rerun_is_not_refused(demo_run, tmp_path) -> None:
    run = _copy(demo_run, tmp_path)
    intact = _chunks(run)[2].read_bytes()
    culprit = _shorten_depth(run)
    out = tmp_path / "out"
    for _ in range(2):  # the second attempt fails for the same reason, not "already exists"
        res = runner.invoke(app, ["replay", str(run), "--out", str(out)])
        _clear_error(res, culprit)
        assert "nothing was written" in " ".join(res.output.split())
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    _chunks(run)[2].write_bytes(intact)
    res = runner.invoke(app, ["replay", str(run), "--out", str(out)])
    assert res.exit_code == 0 and "identical" in res.output, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "config.yaml",
        "diff.json",
        "memory.db",
        "memory_state.json",
    ]

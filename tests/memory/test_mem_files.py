"""Corrupt and foreign files given as a memory: refused with the file's name and what to do,
and left byte-identical (sha256 before/after), whichever way they are opened."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from embodied_mem.memory import AgentMemory, MemoryStore, MemoryStoreError
from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse, run_day

HOUSE = SyntheticHouse(SynthConfig(seed=1, rooms=2))
ROOT = Path(__file__).resolve().parents[2]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign_sqlite(path: Path) -> None:
    """Another application's database (rollback journal, as most are)."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    db.execute("INSERT INTO contacts VALUES ('Ada', '555-0100')")
    db.commit()
    db.close()


def _memory(path: Path) -> None:
    mem = AgentMemory(HOUSE.rooms, path=path)
    run_day(mem, HOUSE, 0, [])
    mem.close()


def _corrupt_node_blob(path: Path) -> None:
    _memory(path)
    db = sqlite3.connect(path)
    db.execute("UPDATE nodes SET data = X'00FF00FF' WHERE rowid = (SELECT MAX(rowid) FROM nodes)")
    db.commit()
    db.close()


def _truncated_memory(path: Path) -> None:
    _memory(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


OPENERS: dict[str, Callable[[Path], object]] = {
    "open": AgentMemory.open,
    "open_read_only": lambda p: AgentMemory.open(p, read_only=True),
    "create": lambda p: AgentMemory(HOUSE.rooms, path=p),
    "store": MemoryStore,
}

BAD_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "foreign_sqlite": (_foreign_sqlite, "not an embodied-mem memory"),
    "one_byte": (lambda p: p.write_bytes(b"x"), "not an SQLite file"),
    "text_file": (lambda p: p.write_text("name,phone\nAda,555\n" * 40), "not an SQLite file"),
    "corrupt_node_blob": (_corrupt_node_blob, "cannot be decoded"),
    "truncated_memory": (_truncated_memory, "corrupt"),
}


# A memory with one damaged row is still a memory: creating over it is refused as "already
# holds a memory" (test_creating_over_a_damaged_memory_is_refused_untouched), not opened.
CASES = [
    (bad, opener)
    for bad in sorted(BAD_FILES)
    for opener in sorted(OPENERS)
    if not (bad == "corrupt_node_blob" and opener in ("create", "store"))
]


@pytest.mark.parametrize(("bad", "opener"), CASES)
def test_bad_file_is_refused_byte_identical(tmp_path: Path, bad: str, opener: str) -> None:
    make, expected = BAD_FILES[bad]
    path = tmp_path / "thing.db"
    make(path)
    before = _sha(path)
    with pytest.raises(MemoryStoreError) as err:
        OPENERS[opener](path)
    msg = str(err.value)
    assert str(path) in msg and expected in msg, msg
    assert any(w in msg for w in ("Pass", "Restore", "Move it away")), msg  # what to do
    assert _sha(path) == before
    left = sorted(p.name for p in tmp_path.iterdir())
    if bad == "corrupt_node_blob" and opener == "open_read_only":
        # it is a memory (identity holds), so it was read the way every WAL reader reads:
        # SQLite may leave its empty -wal and the -shm index next to it; the .db is untouched
        assert (tmp_path / "thing.db-wal").stat().st_size == 0
        left = [n for n in left if n not in ("thing.db-wal", "thing.db-shm")]
    assert left == ["thing.db"], f"side files left next to a refused file: {left}"


def test_creating_over_a_damaged_memory_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    _corrupt_node_blob(path)
    before = _sha(path)
    with pytest.raises(ValueError, match="already holds a memory"):
        AgentMemory(HOUSE.rooms, path=path)
    assert _sha(path) == before


def test_empty_file_is_refused_to_open_but_may_be_created(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    for read_only in (False, True):
        with pytest.raises(MemoryStoreError, match=r"empty \(0 bytes\), not a memory") as err:
            AgentMemory.open(path, read_only=read_only)
        assert str(path) in str(err.value) and "AgentMemory(rooms, path=" in str(err.value)
        assert path.stat().st_size == 0
    with AgentMemory(HOUSE.rooms, path=path) as mem:  # the path the user asked to create
        run_day(mem, HOUSE, 0, [])
    with AgentMemory.open(path, read_only=True) as again:
        assert again.episodic.keyframes


def test_missing_file_open_says_how_to_create(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"AgentMemory\(rooms, path=\.\.\.\)"):
        AgentMemory.open(tmp_path / "nope.db", read_only=True)
    assert not list(tmp_path.iterdir())


VIZ_CASES = {**{k: v[0] for k, v in BAD_FILES.items()}, "empty": lambda p: p.touch()}


@pytest.mark.parametrize("bad", sorted(VIZ_CASES))
def test_viz_refuses_an_unreadable_db_and_leaves_it_byte_identical(
    tmp_path: Path, bad: str
) -> None:
    from typer.testing import CliRunner

    from embodied_mem.cli import app

    path = tmp_path / "thing.db"
    VIZ_CASES[bad](path)
    before = _sha(path)
    res = CliRunner().invoke(app, ["viz", str(path), "--out", str(tmp_path / "viz")])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    assert "error:" in res.output and "thing.db" in "".join(res.output.split()), res.output
    assert _sha(path) == before
    assert not (tmp_path / "viz").exists()


def test_viz_process_on_a_foreign_database(tmp_path: Path) -> None:
    """The real command in its own process: exit 2, a message, no traceback, same bytes."""
    path = tmp_path / "contacts.db"
    _foreign_sqlite(path)
    before = _sha(path)
    proc = subprocess.run(
        [sys.executable, "-m", "embodied_mem.cli", "viz", str(path), "--out", str(tmp_path / "v")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out and "not an embodied-mem memory" in out, out
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.db"]

"""One writer per memory file, across real processes; read-only opens never write.

Each test drives real OS processes (tests/memory/_mem_proc.py) over a line protocol, so the
lock is exercised exactly as two `embodied-mem` runs on one file would exercise it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from embodied_mem.memory import AgentMemory, MemoryStoreError
from embodied_mem.memory.synthetic import SynthConfig, SyntheticHouse

ROOT = Path(__file__).resolve().parents[2]
PROC = Path(__file__).with_name("_mem_proc.py")


class Proc:
    """One driven memory process."""

    def __init__(self) -> None:
        self.p = subprocess.Popen(
            [sys.executable, str(PROC)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.pid = self.p.pid

    def send(self, line: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def answer(self) -> tuple[bool, Any]:
        assert self.p.stdout is not None
        line = self.p.stdout.readline()
        assert line, f"process {self.pid} died (exit {self.p.poll()})"
        kind, _, rest = line.strip().partition(" ")
        return (True, json.loads(rest)) if kind == "ok" else (False, rest)

    def do(self, line: str) -> tuple[bool, Any]:
        self.send(line)
        return self.answer()

    def ok(self, line: str) -> dict[str, Any]:
        good, out = self.do(line)
        assert good, f"{line!r} failed in pid {self.pid}: {out}"
        return out

    def stop(self) -> None:
        if self.p.poll() is None:
            assert self.p.stdin is not None
            self.p.stdin.close()
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


@pytest.fixture
def procs():
    started: list[Proc] = []

    def start() -> Proc:
        started.append(Proc())
        return started[-1]

    yield start
    for p in started:
        p.stop()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stored(path: Path) -> dict[str, Any]:
    """Committed content read with plain sqlite in read-only mode (not through the store)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            "events": db.execute("SELECT COUNT(*) FROM events").fetchone()[0],
            "keyframes": db.execute("SELECT COUNT(*) FROM keyframes").fetchone()[0],
            "day_span": list(db.execute("SELECT t0, t1, f0, f1 FROM days WHERE day=0").fetchone()),
        }
    finally:
        db.close()


def test_second_writer_is_refused_with_the_owner_pid(tmp_path: Path, procs) -> None:
    path = tmp_path / "mem.db"
    writer = procs()
    writer.ok(f"create {path}")
    writer.ok("frames 12")
    other = procs()
    for how in ("open", "create"):
        good, msg = other.do(f"{how} {path}")
        assert not good, f"a second process could {how} a live memory"
        assert msg.startswith("MemoryInUseError") and f"in use by pid {writer.pid}" in msg, msg
        assert "read_only=True" in msg  # says what to do
    final = writer.ok("frames 35")  # the owner keeps writing, untouched by the refused one
    writer.ok("close")
    assert final["events"] >= 12
    assert _stored(path) == {k: final[k] for k in ("events", "keyframes", "day_span")}
    assert not (tmp_path / "mem.db-lock").exists()  # removed on close


def test_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    house = SyntheticHouse(SynthConfig(seed=1, rooms=2))
    first = AgentMemory(house.rooms, path=tmp_path / "m.db")
    try:
        with pytest.raises(MemoryStoreError, match=rf"pid {os.getpid()} \(this process"):
            AgentMemory.open(tmp_path / "m.db")
    finally:
        first.close()
    AgentMemory.open(tmp_path / "m.db").close()  # free again once closed


def test_racing_creators_exactly_one_wins(tmp_path: Path, procs) -> None:
    racers = [procs() for _ in range(7)]
    for r in racers:  # start barrier: every process has imported everything
        r.ok("ping")
    for round_ in range(3):
        path = tmp_path / f"race{round_}.db"
        for r in racers:
            r.send(f"create {path}")
        results = [r.answer() for r in racers]
        winners = [r for r, (good, _) in zip(racers, results, strict=True) if good]
        refusals = [msg for good, msg in results if not good]
        assert len(winners) == 1, f"round {round_}: {len(winners)} processes created one memory"
        assert all("in use by pid" in m or "already holds a memory" in m for m in refusals), (
            refusals
        )
        final = winners[0].ok("frames 8")
        winners[0].ok("close")
        assert _stored(path) == {k: final[k] for k in ("events", "keyframes", "day_span")}


def test_reader_sees_committed_data_and_never_rolls_back_the_writer(tmp_path: Path, procs) -> None:
    path = tmp_path / "live.db"
    writer = procs()
    writer.ok(f"create {path}")
    first = writer.ok("frames 10")
    reader = AgentMemory.open(path, read_only=True)  # while the writer is live
    assert len(reader.episodic.events) == first["events"]
    assert list(reader.episodic.day_span(0)) == first["day_span"]
    later = writer.ok("frames 10")  # the writer commits while the reader is open
    reader.close()
    other = procs()
    assert other.ok(f"open-ro {path}")["events"] == later["events"]  # a reader in another process
    # the reader's close wrote nothing: the writer's newest metadata and day spans stand
    assert _stored(path) == {k: later[k] for k in ("events", "keyframes", "day_span")}
    writer.ok("close")
    assert _stored(path)["events"] == later["events"]


def test_read_only_open_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    house = SyntheticHouse(SynthConfig(seed=1, rooms=2))
    path = tmp_path / "m.db"
    from embodied_mem.memory.synthetic import run_day

    mem = AgentMemory(house.rooms, path=path)
    run_day(mem, house, 0, [])
    mem.close()
    before = _sha(path)
    reader = AgentMemory.open(path, read_only=True)
    assert reader.read_only and reader.store is None and reader.episodic.keyframes
    with pytest.raises(MemoryStoreError, match="read-only"):
        reader.commit()
    with pytest.raises(MemoryStoreError, match="read-only"):
        reader.save(path)
    reader.close()
    assert _sha(path) == before
    assert not (tmp_path / "m.db-lock").exists()
    # another process writes it afterwards without trouble
    AgentMemory.open(path).close()


def test_sigkilled_writer_leaves_no_stale_lock(tmp_path: Path, procs) -> None:
    path = tmp_path / "killed.db"
    writer = procs()
    writer.ok(f"create {path}")
    done = writer.ok("frames 10")
    os.kill(writer.pid, signal.SIGKILL)
    writer.p.wait()
    assert (tmp_path / "killed.db-lock").read_text().strip() == str(writer.pid)
    with AgentMemory.open(path) as again:  # the kernel dropped the dead owner's lock
        assert len(again.episodic.events) == done["events"]


def test_a_momentary_probe_is_not_mistaken_for_an_owner(tmp_path: Path) -> None:
    """holder_pid() (used in error messages) takes a shared lock for microseconds; a writer
    acquiring at that moment waits it out instead of reporting the memory in use."""
    import fcntl
    import threading

    from embodied_mem.memory.writer_lock import LockHeld, WriterLock, holder_pid, lock_path

    db = tmp_path / "m.db"
    lock_path(db).write_text("")
    fd = os.open(lock_path(db), os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    threading.Timer(0.05, lambda: fcntl.flock(fd, fcntl.LOCK_UN)).start()
    lock = WriterLock(db)  # a probe's shared lock released within the patience window
    try:
        assert holder_pid(db) == os.getpid()
        with pytest.raises(LockHeld) as held:  # a real owner is reported with its pid
            WriterLock(db, patience=0.05)
        assert held.value.pid == os.getpid()
    finally:
        lock.release()
        os.close(fd)
    assert holder_pid(db) is None and not lock_path(db).exists()

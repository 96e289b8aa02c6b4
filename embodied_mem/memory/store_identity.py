"""Which files a memory store will touch, checked before it touches them.

Every check here is read-only: the first 16 bytes of the file, then (SQLite's read-only URI
mode) its table list and schema version. A store runs them before taking the writer lock and
again under it, so another application's database, a non-SQLite file, an empty file given to
be opened or a memory from a newer version is refused byte-identical, with the file's name and
what to do.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from embodied_mem.memory.writer_lock import holder_pid, lock_path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, layer TEXT NOT NULL, category TEXT NOT NULL,
                                  data BLOB NOT NULL, points BLOB NOT NULL, embedding BLOB);
CREATE TABLE IF NOT EXISTS keyframes (frame_index INTEGER NOT NULL, day INTEGER NOT NULL,
    time REAL NOT NULL, time_of_day TEXT NOT NULL, pose TEXT NOT NULL, room_id TEXT,
    visible TEXT NOT NULL, thumbnail BLOB, PRIMARY KEY (day, frame_index));
CREATE TABLE IF NOT EXISTS events (event_id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
    day INTEGER NOT NULL, start_time REAL NOT NULL, end_time REAL NOT NULL,
    start_frame INTEGER NOT NULL, end_frame INTEGER NOT NULL, time_of_day TEXT NOT NULL,
    object_id TEXT, source_id TEXT, target_id TEXT, room_id TEXT, point TEXT, pose TEXT);
CREATE TABLE IF NOT EXISTS days (day INTEGER PRIMARY KEY, t0 REAL, t1 REAL, f0 INTEGER, f1 INTEGER);
CREATE TABLE IF NOT EXISTS aliases (old TEXT PRIMARY KEY, new TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_day ON events (day, start_time);
"""

TABLES = {"schema_version", "meta", "nodes", "keyframes", "events", "days", "aliases"}
SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


class MemoryStoreError(ValueError):
    """The memory file cannot be used (corrupt, not a memory, written by a newer version, in
    use); the message names the file and what to do."""


class MemoryInUseError(MemoryStoreError):
    """Another process (or another open store of this one) holds the single-writer lock."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = "another process" if pid is None or pid < 0 else f"pid {pid}"
        if pid == os.getpid():
            who += " (this process: close the other AgentMemory on it first)"
        super().__init__(
            f"{path} is in use by {who}, which holds its single-writer lock "
            f"({lock_path(path).name}). Wait for that process to finish, or open the memory "
            "read-only with AgentMemory.open(path, read_only=True)."
        )
        self.path, self.pid = path, pid


def require_existing(path: Path, *, lock_held: bool = False) -> None:
    """Refuse a missing or empty path given to be opened (not created). ``lock_held``: the
    caller holds the writer lock, so nobody else can be creating the file."""
    if not path.exists():
        raise FileNotFoundError(
            f"no memory at {path}; create one with AgentMemory(rooms, path=...)"
        )
    if not has_content(path):
        raise MemoryStoreError(_describe_empty(path, lock_held))


def _describe_empty(path: Path, lock_held: bool) -> str:
    writer = None if lock_held else holder_pid(path)
    if writer is not None:
        return (
            f"{path} is being created by pid {writer} and holds nothing yet; "
            "try again once that process has written its first batch"
        )
    return (
        f"{path} is empty (0 bytes), not a memory. Pass the path of a saved memory, "
        "or create a new one there with AgentMemory(rooms, path=...)"
    )


def connect_read_only(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    """An SQLite connection that cannot write ``path`` (read-only URI mode).

    On a WAL-mode database SQLite may create the empty ``-wal``/``-shm`` side files a reader
    needs to see a live writer's commits (it never writes the database file itself).
    ``immutable`` reads the database file alone and creates nothing: only safe when no
    ``-wal`` exists, i.e. every commit is already in the main file.
    """
    query = "immutable=1" if immutable else "mode=ro"
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        raise unreadable(path, exc) from exc


def check_identity(path: Path) -> None:
    """Check, without writing anything, that ``path`` is a memory this version reads: the
    SQLite header, then the schema table and its version.

    Without a ``-wal`` next to the file (no writer live, none crashed) the check reads the
    main file as immutable, so refusing a foreign or damaged file leaves no side file behind.
    Should a writer start meanwhile, its first commits go to a new WAL, not the main file.
    """
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise MemoryStoreError(
            f"{path} is not an SQLite file (it starts with {head!r}): it is corrupt or "
            "another kind of file, not an embodied-mem memory. Pass the path of a saved "
            "memory (.db), or a new path to start one; the file was left untouched."
        )
    wal = path.with_name(path.name + "-wal")
    db = connect_read_only(path, immutable=not wal.exists())
    try:
        _check_schema(path, db)
    except sqlite3.DatabaseError as exc:
        raise unreadable(path, exc) from exc
    finally:
        db.close()


def unreadable(path: Path, exc: BaseException) -> MemoryStoreError:
    return MemoryStoreError(
        f"{path} is not a readable embodied-mem memory ({exc}); it may be corrupt or "
        "another kind of file. Move it away and let the agent start a new memory, or restore "
        "a backup."
    )


def _check_schema(path: Path, db: sqlite3.Connection) -> None:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "schema_version" not in tables:
        writer = holder_pid(path)
        hint = (
            f" (pid {writer} is creating it right now; try again in a moment)"
            if writer is not None and not tables
            else " Pass the path of an embodied-mem memory, or a new path to start one; the "
            "file was left untouched."
        )
        raise MemoryStoreError(
            f"{path} is an SQLite file but not an embodied-mem memory (no schema_version "
            f"table; tables: {sorted(tables) or 'none'}).{hint}"
        )
    row = db.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        raise MemoryStoreError(
            f"{path}: schema_version table is empty; the file is corrupt. Restore a "
            "backup or move it away and start a new memory."
        )
    if row[0] > SCHEMA_VERSION:
        raise MemoryStoreError(
            f"{path} has memory schema version {row[0]}, newer than this embodied-mem "
            f"supports ({SCHEMA_VERSION}). Upgrade embodied-mem to read it."
        )
    missing = TABLES - tables
    if missing:
        raise MemoryStoreError(
            f"{path}: tables {sorted(missing)} are missing; the file is corrupt. Restore "
            "a backup or move it away and start a new memory."
        )

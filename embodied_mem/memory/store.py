"""SQLite persistence of the agent's memory (stdlib ``sqlite3``, WAL journal).

Each :meth:`MemoryStore.commit_batch` is one transaction: nodes changed since the last batch
(upserted), nodes removed, new keyframes and events (events are upserted because a mapper
merge can rewrite their ids), day spans, id aliases and small metadata. A process killed
mid-write loses at most the batch in flight: SQLite's WAL makes the transaction atomic, and
the file reopens with every earlier batch. ``synchronous=NORMAL`` (default) is durable against
process crashes; use ``FULL`` to also survive power loss at the cost of an fsync per batch.

The schema version lives in table ``schema_version`` and is checked on open: a newer version
or a file that is not an embodied-mem memory gives :class:`MemoryStoreError` with what to do.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embodied_mem.memory.codec import (
    EVENT_COLUMNS,
    NodeRow,
    event_from_row,
    event_row,
    keyframe_from_row,
    keyframe_row,
)
from embodied_mem.memory.episodic import Event, Keyframe

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
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

_TABLES = {"schema_version", "meta", "nodes", "keyframes", "events", "days", "aliases"}


class MemoryStoreError(RuntimeError):
    """The memory file cannot be used (corrupt, not a memory, or written by a newer version)."""


@dataclass
class Batch:
    """Everything one commit writes (see module docstring)."""

    nodes: dict[str, NodeRow] = field(default_factory=dict)
    """id -> row from :func:`codec.node_to_row`."""
    removed: list[str] = field(default_factory=list)
    keyframes: list[Keyframe] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    days: dict[int, tuple[float, float, int, int]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    """JSON-serialisable values stored under their keys."""

    def __bool__(self) -> bool:
        return bool(
            self.nodes
            or self.removed
            or self.keyframes
            or self.events
            or self.days
            or self.aliases
            or self.meta
        )


@dataclass
class Snapshot:
    """Everything :meth:`MemoryStore.load` read back."""

    nodes: list[tuple[bytes, bytes, bytes | None]]
    """(data, points, embedding) per node, for :func:`codec.node_from_row`."""
    keyframes: list[Keyframe]
    events: list[Event]
    days: dict[int, tuple[float, float, int, int]]
    aliases: dict[str, str]
    meta: dict[str, Any]


class MemoryStore:
    """One SQLite memory file.

    Args:
        path: database file; created (with parents) if missing.
        synchronous: SQLite ``synchronous`` pragma, "NORMAL" or "FULL".
    Raises:
        MemoryStoreError: see module docstring.
    """

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', got {synchronous!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        existed = self.path.exists() and self.path.stat().st_size > 0
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None)
            # Rows are small (compressed nodes ~1 KB, events ~100 B): 1 KiB pages waste far less
            # than the 4 KiB default across the seven tables. Only takes effect on a new file.
            self._db.execute("PRAGMA page_size=1024")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._check_or_create(existed)
        except sqlite3.DatabaseError as exc:
            raise MemoryStoreError(
                f"{self.path} is not a readable embodied-mem memory ({exc}); it may be corrupt or "
                "another kind of file. Move it away and let the agent start a new memory, or restore "
                "a backup."
            ) from exc

    def _check_or_create(self, existed: bool) -> None:
        tables = {
            r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if existed and "schema_version" not in tables:
            raise MemoryStoreError(
                f"{self.path} is an SQLite file but not an embodied-mem memory (no schema_version "
                f"table; tables: {sorted(tables) or 'none'}). Pass a new path for the memory."
            )
        if "schema_version" in tables:
            row = self._db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                raise MemoryStoreError(
                    f"{self.path}: schema_version table is empty; the file is corrupt"
                )
            if row[0] > SCHEMA_VERSION:
                raise MemoryStoreError(
                    f"{self.path} has memory schema version {row[0]}, newer than this embodied-mem "
                    f"supports ({SCHEMA_VERSION}). Upgrade embodied-mem to read it."
                )
            missing = _TABLES - tables
            if missing:
                raise MemoryStoreError(
                    f"{self.path}: tables {sorted(missing)} are missing; the file is corrupt"
                )
            return
        self._db.executescript(
            "BEGIN;" + _SCHEMA + f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION}); COMMIT;"
        )

    # ------------------------------------------------------------------ writing
    def commit_batch(self, batch: Batch) -> None:
        """Write ``batch`` in one transaction (all or nothing)."""
        if not batch:
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?, ?)",
                [(k, *v) for k, v in batch.nodes.items()],
            )
            db.executemany("DELETE FROM nodes WHERE id = ?", [(k,) for k in batch.removed])
            db.executemany(
                "INSERT OR REPLACE INTO keyframes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [keyframe_row(k) for k in batch.keyframes],
            )
            marks = ", ".join("?" * len(EVENT_COLUMNS))
            db.executemany(
                f"INSERT OR REPLACE INTO events VALUES ({marks})",
                [event_row(e) for e in batch.events],
            )
            db.executemany(
                "INSERT OR REPLACE INTO days VALUES (?, ?, ?, ?, ?)",
                [(d, *span) for d, span in batch.days.items()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO aliases VALUES (?, ?)", list(batch.aliases.items())
            )
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in batch.meta.items()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ reading
    def load(self) -> Snapshot:
        """Read everything back.

        Raises:
            MemoryStoreError: a row cannot be decoded (the file was corrupted or hand-edited).
        """
        try:
            return self._load()
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
        ) as exc:  # JSONDecodeError is a ValueError
            raise MemoryStoreError(
                f"{self.path}: a stored record cannot be decoded ({type(exc).__name__}: {exc}); the file "
                "is corrupt. Restore a backup or move it away and start a new memory."
            ) from exc

    def _load(self) -> Snapshot:
        db = self._db
        nodes = [
            (r[0], r[1], r[2])
            for r in db.execute("SELECT data, points, embedding FROM nodes ORDER BY rowid")
        ]
        kfs = [
            keyframe_from_row(r)
            for r in db.execute(
                "SELECT frame_index, day, time, time_of_day, pose, room_id, visible, thumbnail "
                "FROM keyframes ORDER BY time, frame_index"
            )
        ]
        evs = [
            event_from_row(r)
            for r in db.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY event_id")
        ]
        days = {
            int(r[0]): (float(r[1]), float(r[2]), int(r[3]), int(r[4]))
            for r in db.execute("SELECT day, t0, t1, f0, f1 FROM days")
        }
        aliases = dict(db.execute("SELECT old, new FROM aliases").fetchall())
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        return Snapshot(nodes, kfs, evs, days, aliases, meta)

    def holds_memory(self) -> bool:
        """True when the file already has nodes or keyframes (so writing a new memory would mix two)."""
        counts = self.counts()
        return bool(counts["nodes"] or counts["keyframes"])

    def counts(self) -> dict[str, int]:
        return {
            t: int(self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
            for t in ("nodes", "keyframes", "events", "days")
        }

    def size_bytes(self) -> int:
        """Bytes on disk after a checkpoint (database file; WAL folded in)."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return self.path.stat().st_size

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.DatabaseError:  # a checkpoint is an optimisation; closing must not fail
                pass
            self._db.close()
            self._db = None  # type: ignore[assignment]

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

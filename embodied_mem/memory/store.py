"""SQLite persistence of the agent's memory (stdlib ``sqlite3``, WAL journal).

Each :meth:`MemoryStore.commit_batch` is one transaction: nodes changed since the last batch
(upserted), nodes removed, new keyframes and events (events are upserted because a mapper
merge can rewrite their ids), day spans, id aliases and small metadata. A process killed
mid-write loses at most the batch in flight: SQLite's WAL makes the transaction atomic, and
the file reopens with every earlier batch. ``synchronous=NORMAL`` (default) is durable against
process crashes; use ``FULL`` to also survive power loss at the cost of an fsync per batch.

The schema version lives in table ``schema_version`` and is checked on open, read-only and
before anything is written: a file that is not SQLite, an SQLite file of another application,
an empty file given to be opened, or a newer version gives :class:`MemoryStoreError` naming
the file and what to do, and the file is left byte-identical. One writer at a time: a second
one gets :class:`MemoryInUseError` with the owner's pid (see :class:`MemoryStore`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import zlib
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
    node_from_row,
)
from embodied_mem.memory.episodic import Event, Keyframe
from embodied_mem.memory.store_identity import (
    SCHEMA,
    SCHEMA_VERSION,
    MemoryInUseError,
    MemoryStoreError,
    check_identity,
    connect_read_only,
    has_content,
    require_existing,
    unreadable,
)
from embodied_mem.memory.writer_lock import LockHeld, WriterLock, holder_pid
from scene_graph import Node

logger = logging.getLogger(__name__)


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

    nodes: list[Node]
    keyframes: list[Keyframe]
    events: list[Event]
    days: dict[int, tuple[float, float, int, int]]
    aliases: dict[str, str]
    meta: dict[str, Any]


class MemoryStore:
    """One SQLite memory file, opened for writing (the default) or read-only.

    A writer holds the file's single-writer lock (:mod:`embodied_mem.memory.writer_lock`)
    from before its first read until :meth:`close`, so the "is there a memory already" check
    and the creation that follows cannot interleave with another process. Before anything is
    written, the file's identity is checked on a read-only connection: an SQLite header and
    this project's schema table; anything else is refused untouched.

    A read-only store opens SQLite's read-only URI mode (``mode=ro``): no lock, no WAL
    switch, no checkpoint, no write of any kind to the database file. It sees every batch a
    live writer has committed (it reads the writer's WAL through the shared ``-shm`` index,
    which SQLite creates next to the file when missing, as for any WAL reader).

    Args:
        path: database file.
        synchronous: SQLite ``synchronous`` pragma, "NORMAL" or "FULL" (writers).
        read_only: open without the lock and without ever writing.
        create: a writer may start a new memory when ``path`` is missing or empty (0 bytes);
            with False those are refused (``FileNotFoundError`` / :class:`MemoryStoreError`).
    Raises:
        MemoryInUseError: another writer holds the file.
        MemoryStoreError: not a memory, corrupt, or from a newer version (module docstring).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "NORMAL",
        read_only: bool = False,
        create: bool = True,
    ) -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', got {synchronous!r}")
        self.path = Path(path)
        self.read_only = read_only
        self._db: sqlite3.Connection | None = None
        self._lock: WriterLock | None = None
        if read_only:
            require_existing(self.path)
            check_identity(self.path)
            self._db = connect_read_only(self.path)
            return
        if not create:
            require_existing(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if has_content(self.path) and holder_pid(self.path) is None:
            check_identity(self.path)  # refuse a foreign file before creating the lock file
        try:
            self._lock = WriterLock(self.path)
        except LockHeld as exc:
            raise MemoryInUseError(self.path, exc.pid) from None
        except OSError as exc:  # e.g. a read-only directory
            raise MemoryStoreError(
                f"cannot take the writer lock of {self.path} ({exc}); open it with "
                "AgentMemory.open(path, read_only=True), or copy it somewhere writable"
            ) from exc
        try:
            self._open_writer(synchronous, create)
        except BaseException:
            self.close()
            raise

    def _open_writer(self, synchronous: str, create: bool) -> None:
        """Under the lock: check identity read-only, then connect for writing."""
        new = not has_content(self.path)
        if new and not create:
            require_existing(self.path, lock_held=True)
        if not new:
            check_identity(self.path)
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None)
            if new:
                # Rows are small (compressed nodes ~1 KB, events ~100 B): 1 KiB pages waste far
                # less than the 4 KiB default across the seven tables (new files only).
                self._db.execute("PRAGMA page_size=1024")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            if new:
                self._db.executescript(
                    "BEGIN;"
                    + SCHEMA
                    + f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION}); COMMIT;"
                )
        except sqlite3.DatabaseError as exc:
            raise unreadable(self.path, exc) from exc

    # ------------------------------------------------------------------ writing
    def commit_batch(self, batch: Batch) -> None:
        """Write ``batch`` in one transaction (all or nothing)."""
        if not batch:
            return
        db = self._writable()
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

    def _writable(self) -> sqlite3.Connection:
        if self.read_only:
            raise MemoryStoreError(
                f"{self.path} was opened read-only; open it with AgentMemory.open(path) (one "
                "writer at a time) to change it"
            )
        if self._db is None:
            raise MemoryStoreError(f"{self.path}: the store is closed")
        return self._db

    # ------------------------------------------------------------------ reading
    def load(self) -> Snapshot:
        """Read everything back, as one consistent snapshot (a single read transaction, so a
        batch a live writer commits meanwhile is either wholly in it or not at all).

        Raises:
            MemoryStoreError: a row cannot be decoded (the file was corrupted or hand-edited).
        """
        db = self._db
        if db is None:
            raise MemoryStoreError(f"{self.path}: the store is closed")
        try:
            db.execute("BEGIN")
            try:
                return self._load(db)
            finally:
                db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise unreadable(self.path, exc) from exc
        except (ValueError, TypeError, KeyError, IndexError, zlib.error) as exc:
            # JSONDecodeError is a ValueError; zlib.error comes from a damaged node blob
            raise MemoryStoreError(
                f"{self.path}: a stored record cannot be decoded ({type(exc).__name__}: {exc}); "
                "the file is corrupt. Restore a backup or move it away and start a new memory."
            ) from exc

    def _load(self, db: sqlite3.Connection) -> Snapshot:
        nodes = [
            node_from_row(r[0], r[1], r[2])
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
        db = self._db
        assert db is not None, "store is closed"
        return {
            t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
            for t in ("nodes", "keyframes", "events", "days")
        }

    def size_bytes(self) -> int:
        """Bytes on disk: the database file after a checkpoint (WAL folded in) for a writer;
        database plus WAL for a read-only store, which must not checkpoint."""
        if self.read_only:
            return bytes_with_wal(self.path)
        self._writable().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return self.path.stat().st_size

    def close(self) -> None:
        """Close the connection (a writer checkpoints first) and release the writer lock."""
        if self._db is not None:
            if not self.read_only:
                try:
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.DatabaseError:  # a checkpoint is an optimisation; must not fail
                    pass
            self._db.close()
            self._db = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bytes_with_wal(path: Path) -> int:
    """Bytes a memory file takes without checkpointing it: the database plus its WAL."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

"""The single-writer lock of a memory file.

One process at a time may write a memory: :class:`~embodied_mem.memory.store.MemoryStore`
takes this lock before it reads or writes anything and holds it until it is closed. The lock is
``flock`` on a side file ``<memory>-lock`` next to the database (like SQLite's own ``-wal`` and
``-shm``), which holds the owner's pid so a refused process can say who has the memory.

Why ``flock`` on a side file and not a lock on the database itself: SQLite takes POSIX
(``fcntl``) byte-range locks on the database, and POSIX locks belong to the process — closing
any descriptor of that file drops all of them. ``flock`` locks belong to one open file, so they
conflict between two writers of the same process too, and the kernel drops them when the
process dies: a SIGKILLed writer leaves the side file behind but never a stale lock.

The side file is removed on release while the lock is still held; an acquirer checks, after
locking, that the path still names the file it locked (else it lost a race with that removal
and retries), so two processes can never both believe they hold the lock.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path


class LockHeld(Exception):
    """Somebody else holds the lock; ``pid`` is theirs when they wrote it, ``note`` what they
    wrote after it (e.g. their host name)."""

    def __init__(self, pid: int | None, note: str = "") -> None:
        super().__init__(f"held by pid {pid}")
        self.pid = pid
        self.note = note


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-lock")


def _read_pid(fd: int) -> int | None:
    try:
        words = os.pread(fd, 32, 0).decode("ascii", "replace").split()
        return int(words[0]) if words else None
    except (OSError, ValueError):
        return None


def _read_note(fd: int) -> str:
    try:
        return os.pread(fd, 512, 0).decode("utf-8", "replace").partition("\n")[2].strip()
    except OSError:
        return ""


def holder_pid(db_path: Path) -> int | None:
    """The pid writing ``db_path`` right now, or None when nobody holds its lock.

    Read-only: opens an existing side file for reading only and never creates one.
    """
    try:
        fd = os.open(lock_path(db_path), os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_pid(fd) or -1  # held, but the owner has not written its pid yet
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _try_exclusive(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            os.close(fd)
            raise
        return False
    return True


class WriterLock:
    """Exclusive, non-blocking lock for writing ``db_path`` (see module docstring).

    Args:
        lock_file: the side file (default :func:`lock_path` of ``db_path``).
        note: written on the line after the pid, for whoever is refused (e.g. the host name).

    Raises:
        LockHeld: somebody else holds it (with their pid and note when known).
    """

    def __init__(
        self,
        db_path: Path,
        *,
        patience: float = 0.25,
        lock_file: Path | None = None,
        note: str = "",
    ) -> None:
        self.db_path = db_path
        self.path = lock_file or lock_path(db_path)
        self._fd: int | None = None
        # holder_pid() takes a shared lock for a few microseconds: retrying for ``patience``
        # seconds tells such a probe apart from a real owner, who holds the lock for its lifetime.
        deadline = time.monotonic() + patience
        while self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_exclusive(fd):
                pid, their_note = _read_pid(fd), _read_note(fd)
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise LockHeld(pid, their_note)
                time.sleep(0.02)
                continue
            if not self._still_named(fd):
                os.close(fd)  # the previous owner removed this file as we locked it; retry
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n{note}".encode(), 0)
            self._fd = fd

    def _still_named(self, fd: int) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        own = os.fstat(fd)
        return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Remove the side file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

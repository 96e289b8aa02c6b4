"""One driver per run directory: an eval holds ``<out>/eval.lock`` while it runs and reports.

Two drivers on one directory would run the same episodes twice, interleave their lines in
``results.jsonl`` and overwrite each other's summary and report. A second ``embodied-mem eval
--out`` of a directory in use is refused with the owner's pid and host, and what to do.

The lock is :class:`~embodied_mem.memory.writer_lock.WriterLock` (``flock`` on a side file that
holds the owner's pid and host): the kernel drops it when the owner dies, so a killed run never
leaves its directory locked, and the next run resumes it. On storage shared by a cluster the
lock holds across nodes where the file system supports ``flock`` (NFSv4, Lustre, CephFS).
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from embodied_mem.memory.writer_lock import LockHeld, WriterLock

LOCK = "eval.lock"

F = TypeVar("F", bound=Callable[..., Any])

_held: dict[Path, WriterLock] = {}
"""Directories this process drives: the CLI holds the lock across the run and the report, and
the runner inside it takes it again."""


class RunDirBusy(ValueError):
    """Another driver is running the directory; the message names it and what to do."""


@contextmanager
def driving(out: Path) -> Iterator[None]:
    """Hold ``out``'s driver lock for the block (again in the same process: a no-op).

    Raises:
        RunDirBusy: another process holds it.
    """
    key = Path(out).resolve()
    if key in _held:
        yield
        return
    created = not key.exists()
    key.mkdir(parents=True, exist_ok=True)
    try:
        lock = WriterLock(key / LOCK, lock_file=key / LOCK, note=socket.gethostname())
    except LockHeld as exc:
        if created:
            _remove_if_empty(key)
        raise RunDirBusy(_busy_message(out, exc)) from None
    _held[key] = lock
    try:
        yield
    finally:
        del _held[key]
        lock.release()
        if created:  # a run refused before it wrote anything leaves no empty directory
            _remove_if_empty(key)


def one_driver(fn: F) -> F:
    """Run ``fn(config, out, ...)`` holding ``out``'s driver lock (:func:`driving`)."""

    @functools.wraps(fn)
    def wrapper(config: Any, out: Path, *args: Any, **kwargs: Any) -> Any:
        with driving(out):
            return fn(config, out, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _busy_message(out: Path, exc: LockHeld) -> str:
    pid = exc.pid if exc.pid and exc.pid > 0 else None
    who = f"pid {pid}" if pid else "a process that has not written its pid yet"
    if exc.note and exc.note != socket.gethostname():
        who += f" on host {exc.note}"
    stop = ""
    if pid:
        stop = f"or stop it (kill {pid}{f' on {exc.note}' if exc.note else ''}), "
    return (
        f"{out} is in use by another `embodied-mem eval` ({who}); two runs of one directory "
        f"would run the same episodes twice and mix their results. Wait for it to finish, {stop}"
        "then re-run this command: it resumes where that run stopped. To run both at once, "
        "give this one another --out."
    )


def _remove_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass

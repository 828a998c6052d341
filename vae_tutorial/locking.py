"""Inter-process locks around whatever writes shared state on disk (a synthetic set, a cache, a run).

Two notebooks open at once, or two terminals, must never interleave their writes: ``waiting_for``
makes the second process wait (saying so) until the first has finished, then it finds the finished
result; ``exclusive`` makes it refuse at once, naming the process that holds the lock. The locks are
``filelock``'s operating-system locks, so a killed process never leaves one behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path

from filelock import FileLock, Timeout

from .settings import short_path


class Busy(RuntimeError):
    """Another process holds the lock and this one does not wait."""


@contextlib.contextmanager
def waiting_for(lock_path: Path, what: str):
    """Hold the lock at ``lock_path`` while the block runs; if another process holds it, print that
    we wait for it (``what``: what it is doing, e.g. "drawing the synthetic faces in data/x"), then wait."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Waiting for another process that is {what} …", file=sys.stderr, flush=True)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def exclusive(lock_path: Path, what: str):
    """Hold the lock at ``lock_path`` while the block runs, or raise ``Busy`` naming the process
    that holds it (its pid, host and start time are kept beside the lock while it runs)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock, owner = FileLock(lock_path), lock_path.with_suffix(".owner")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise Busy(f"{what} is in use by another process ({_describe(owner)}). Wait for it to finish, or stop "
                   f"it; or choose another folder.") from None
    try:
        owner.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}))
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def _describe(owner: Path) -> str:
    try:
        info = json.loads(owner.read_text())
    except (OSError, ValueError):
        return f"its lock is {short_path(owner.with_suffix('.lock'))}"
    started = time.strftime("%H:%M:%S", time.localtime(info["started"]))
    return f"pid {info['pid']} on {info['host']}, since {started}"

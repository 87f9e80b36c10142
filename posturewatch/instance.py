"""One monitor per user: an OS file lock on ``paths.lock_path()``.

The lock is released by the OS when the process ends, even on a crash, so a
stale file never blocks a new start. The holder's pid is written inside.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from posturewatch.checks import Check, Status
from posturewatch.paths import make_private_dir, private_file


class AlreadyRunning(Exception):
    """Another PostureWatch monitor holds the lock; ``pid`` is its process id."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        super().__init__(f"PostureWatch is already running (pid {pid or 'unknown'}).")


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").strip() or 0) or None
    except (OSError, ValueError):
        return None


class InstanceLock:
    """Hold it for the life of the monitor: ``with InstanceLock(path): ...``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``AlreadyRunning``."""
        make_private_dir(self.path.parent)
        private_file(self.path)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open on purpose
        if not _try_lock(handle):
            handle.close()
            raise AlreadyRunning(_read_pid(self.path))
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def running_pid(path: Path) -> int | None:
    """The pid of the running monitor, or None when nobody holds the lock."""
    if not path.exists():
        return None
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115
    except OSError:
        return None
    try:
        if _try_lock(handle):
            return None
        return _read_pid(path) or -1
    finally:
        handle.close()


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check() -> Check:
    """Whether a monitor runs now (the single-instance lock)."""
    from posturewatch import paths

    pid = running_pid(paths.lock_path())
    if pid is None:
        return Check("monitor", Status.INFO, "PostureWatch is not running now")
    return Check("monitor", Status.INFO, f"PostureWatch is running (pid {pid})")

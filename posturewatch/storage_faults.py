"""Storage faults in words, and a store that waits for its database.

:func:`explain` turns a failure to create, open or write one of PostureWatch's
files into one sentence naming the path, what is wrong (a file where a folder
should be, a read-only file system, a full disk, another owner, a missing
write permission, with owner and mode) and the command that fixes it.

:class:`WaitingStore` stands in for the database when it cannot be opened at
start-up: the monitor keeps running, minute summaries and events wait in
memory (as they do while the database is locked), and every
``retry_s`` seconds it tries to open the database again; once it opens, the
held rows are written and every call goes to the real store.
"""

from __future__ import annotations

import errno
import logging
import os
import shlex
import shutil
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from posturewatch.i18n import N_, _

log = logging.getLogger(__name__)


def _who(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _me() -> tuple[str, str]:
    """(a name for messages, the name for a chown command) of this user."""
    if not hasattr(os, "getuid"):
        return "you", "%USERNAME%"
    uid = os.getuid()
    try:
        import pwd

        name = pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        name = str(uid)
    return f"{name} (uid {uid})", name


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):
        return False


def _is_full(error: BaseException | None) -> bool:
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
            return True
        return "disk is full" in str(error).lower()
    return False


def _q(path: Path) -> str:
    return shlex.quote(str(path))


def explain(path: Path, error: BaseException | None = None, what: str = "the database") -> str:
    """One sentence: why ``what`` at ``path`` cannot be created or written, and the fix.

    Looks at the file system as it is now (the error only breaks ties):
    a file in place of a folder on the way to ``path``, a read-only file
    system, a full disk, a file or folder owned by someone else or without
    write permission (named with owner and mode). Falls back to the error's
    own words. Never raises.
    """
    try:
        return _explain(Path(path), error, what)
    except Exception as exc:  # noqa: BLE001 - a message must not become a new crash
        log.debug("explain(%s) failed: %s", path, exc)
        return _("Cannot write {what} {path}: {error}.").format(
            what=_what(what), path=path, error=error or _("unknown error"))


# The things callers name, in words (marked here, translated in the sentence).
WHAT = (N_("the database"), N_("the folder"), N_("the lock file"), N_("the report"),
        N_("the log file"))


def _what(what: str) -> str:
    return _(what) if what in WHAT else what


def _explain(path: Path, error: BaseException | None, key: str) -> str:
    me, my_name = _me()
    what = _what(key)
    for folder in reversed(path.parents):
        if folder.exists() and not folder.is_dir():
            return _("Cannot create {what} {path}: {folder} is a file where PostureWatch "
                     "needs a folder. Fix: move it aside ({command}), or set "
                     "POSTUREWATCH_HOME to another folder.").format(
                what=what, path=path, folder=folder,
                command=f"mv {_q(folder)} {_q(folder)}.old")
    if path.exists() and path.is_dir() and key != "the folder":
        return _("Cannot open {what} {path}: it is a folder, not a file. Fix: move it aside "
                 "({command}).").format(what=what, path=path,
                                        command=f"mv {_q(path)} {_q(path)}.old")
    existing = next((p for p in (path, *path.parents) if p.exists()), path)
    if _read_only_fs(existing):
        return _("Cannot write {what} {path}: {existing} is on a read-only file system. "
                 "Fix: remount it read-write, or set POSTUREWATCH_HOME to a writable "
                 "folder.").format(what=what, path=path, existing=existing)
    if _is_full(error):
        free = shutil.disk_usage(existing).free // (1024 * 1024)
        return _("Cannot write {what} {path}: the disk holding it is full ({free} MB free). "
                 "Fix: free some space; PostureWatch keeps new rows in memory "
                 "meanwhile.").format(what=what, path=path, free=free)
    candidates = [path, *(Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal"))]
    candidates.append(existing if existing != path else path.parent)
    for item in candidates:
        if not item.exists():
            continue
        folder = item.is_dir()
        needed = os.W_OK | os.X_OK if folder else os.R_OK | os.W_OK
        if os.access(item, needed):
            continue
        info = item.stat()
        thing = (_("the folder {path}") if folder else _("the file {path}")).format(path=item)
        mode = _("mode {bits}").format(bits=f"{info.st_mode & 0o7777:04o}")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            recursive = "-R " if folder else ""
            return _("Cannot write {what} {path}: {thing} is owned by {owner} ({mode}) and "
                     "you are {me}. Fix: {command} (a command once run with sudo may have "
                     "left it so).").format(
                what=what, path=path, thing=thing, owner=_who(info.st_uid), mode=mode, me=me,
                command=f"sudo chown {recursive}{my_name} {_q(item)}")
        bits = "u+rwx" if folder else "u+rw"
        return _("Cannot write {what} {path}: {thing} has no write permission for you "
                 "({mode}). Fix: {command}").format(what=what, path=path, thing=thing,
                                                   mode=mode, command=f"chmod {bits} {_q(item)}")
    reason = getattr(error, "strerror", None) or str(error) if error else _("unknown error")
    return _("Cannot open {what} {path}: {reason}. Fix: check that its folder exists and "
             "is writable, or set POSTUREWATCH_HOME to a writable folder.").format(
        what=what, path=path, reason=reason)


# ---------------------------------------------------------------------------
# A store that waits for its database
# ---------------------------------------------------------------------------

RETRY_S = 60.0


class WaitingStore:
    """The monitor's store while the database cannot be opened (see the module
    docstring). ``opener(path)`` opens the real store (``store.Store``);
    ``monotonic`` paces the retries (seconds). Same interface as the parts
    of ``Store`` the monitor uses (``store_protocol.MonitorStore``); called
    from the sampling thread.
    """

    def __init__(self, path: Path, opener: Callable[[Path], Any], problem: str, *,
                 retry_s: float = RETRY_S, max_pending: int = 100_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.readonly = False
        self.recovery = None
        self.problem = problem
        self._opener = opener
        self._retry_s = retry_s
        self._monotonic = monotonic
        self._next_try = monotonic() + retry_s
        self._held: deque[Any] = deque(maxlen=max_pending)
        self._meta: dict[str, str] = {}
        self._store: Any = None
        self._closed = False

    @property
    def store(self) -> Any:
        """The real store once it opened, else None."""
        return self._store

    def _ready(self) -> Any:
        """The real store, opening it when a retry is due; None while it cannot."""
        if self._store is not None or self._closed:
            return self._store
        now = self._monotonic()
        if now < self._next_try:
            return None
        self._next_try = now + self._retry_s
        try:
            store = self._opener(self.path)
        except (OSError, sqlite3.Error, ValueError) as error:
            message = explain(self.path, error)
            if message != self.problem:
                log.error("%s", message)
                self.problem = message
            return None
        held = list(self._held)
        self._held.clear()
        for key, value in self._meta.items():
            store.set_meta(key, value)
        store.write_many(held)
        self._store = store
        log.info("database %s opened; wrote %d row(s) held in memory", self.path, len(held))
        return store

    def write(self, item: Any) -> bool:
        return self.write_many([item])

    def write_many(self, items: Iterable[Any]) -> bool:
        store = self._ready()
        if store is not None:
            return bool(store.write_many(items))
        self._held.extend(items)
        return False

    def flush(self) -> int:
        store = self._ready()
        return int(store.flush()) if store is not None else 0

    @property
    def pending(self) -> int:
        return self._store.pending if self._store is not None else len(self._held)

    def apply_retention(self, now: datetime, days: int) -> int:
        store = self._ready()
        return int(store.apply_retention(now, days)) if store is not None else 0

    def check_integrity(self) -> str | None:
        store = self._ready()
        return store.check_integrity() if store is not None else None

    def newest_time(self) -> datetime | None:
        store = self._ready()
        return store.newest_time() if store is not None else None

    def get_meta(self, key: str) -> str | None:
        store = self._ready()
        return store.get_meta(key) if store is not None else self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        store = self._ready()
        if store is not None:
            store.set_meta(key, value)
        else:
            self._meta[key] = value

    def close(self) -> None:
        """Close the real store; rows still held (it never opened) are lost, logged."""
        if self._closed:
            return
        self._next_try = 0.0
        self._ready()
        self._closed = True
        if self._store is not None:
            self._store.close()
        elif self._held:
            log.error("closing with %d row(s) that could not be written: %s",
                      len(self._held), self.problem)
            self._held.clear()

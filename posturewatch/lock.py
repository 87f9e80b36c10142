"""Is the screen locked? One small seam per OS.

- **Linux**: logind (the system bus). The session's ``LockedHint`` property,
  set by the screen locker, and the session's ``Lock`` / ``Unlock`` signals
  (what ``loginctl lock-session`` and the desktop send), followed as they
  come; the hint is read again every :data:`RESYNC_S` in case a signal was
  missed. The session is ``$XDG_SESSION_ID``, else the one this process runs
  in, else the user's display session.
- **Windows**: the session's lock flag from ``WTSQuerySessionInformationW``
  (``WTSSessionInfoEx``), asked each tick; the same facts the session-change
  notifications carry, without a hidden window and its message loop.
- **macOS**: ``CGSSessionScreenIsLocked`` in the Quartz session dictionary.

Each answers ``locked()`` with True, False or None (cannot tell).
``desktop_state.FakeDesktop`` is the seam for tests: it fakes every signal at once.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any, Protocol

from posturewatch.dbus_link import DBusLink

log = logging.getLogger(__name__)

LOGIND = "org.freedesktop.login1"
MANAGER_PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
SESSION = "org.freedesktop.login1.Session"
USER = "org.freedesktop.login1.User"
RESYNC_S = 30.0
"""Real seconds between two reads of ``LockedHint`` besides the signals."""
FIND_RETRY_S = 60.0


class ScreenLock(Protocol):
    name: str

    def locked(self) -> bool | None:
        """True while the screen is locked; None when this cannot tell."""
        ...

    def close(self) -> None: ...


class LogindSession:
    """This user's logind session over D-Bus: its lock state (followed by
    signals) and its idle hint. Call from one thread (the sampling thread);
    the signal handler runs on the D-Bus thread and only stores values."""

    name = "logind"

    def __init__(self, link: DBusLink | None = None, session_id: str | None = None,
                 pid: int | None = None, uid: int | None = None) -> None:
        self.link = link or DBusLink("system")
        self.session_id = os.environ.get("XDG_SESSION_ID") if session_id is None else session_id
        self.pid = os.getpid() if pid is None else pid
        self.uid = (os.getuid() if hasattr(os, "getuid") else 0) if uid is None else uid
        self.path: str | None = None
        self._locked: bool | None = None
        self._hint: bool | None = None  # LockedHint as last read
        self._stale = False
        self._next_find = 0.0
        self._next_sync = 0.0
        self._guard = threading.Lock()

    # -- finding the session --------------------------------------------------
    def find(self) -> str | None:
        """The session's object path (found once, then kept), or None."""
        if self.path is not None:
            return self.path
        if time.monotonic() < self._next_find:
            return None
        self._next_find = time.monotonic() + FIND_RETRY_S
        path = self._find_path()
        if path is None:
            return None
        rules = (
            f"type='signal',sender='{LOGIND}',path='{path}',interface='{SESSION}'",
            f"type='signal',sender='{LOGIND}',path='{path}',"
            "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'",
        )
        for rule in rules:
            self.link.subscribe(rule, self._on_signal)
        self.path = path
        self._sync()
        log.info("following screen locks of logind session %s", path)
        return path

    def _find_path(self) -> str | None:
        call = self.link.call
        if self.session_id:
            got = call(LOGIND, MANAGER_PATH, MANAGER, "GetSession", "s", (self.session_id,))
            if got:
                return str(got[0])
        got = call(LOGIND, MANAGER_PATH, MANAGER, "GetSessionByPID", "u", (self.pid,))
        if got:
            return str(got[0])
        got = call(LOGIND, MANAGER_PATH, MANAGER, "GetUser", "u", (self.uid,))
        if got:
            display = self.link.get(LOGIND, str(got[0]), USER, "Display")
            if display and len(display) == 2 and str(display[1]) not in ("", "/"):
                return str(display[1])
        return None

    # -- lock state -------------------------------------------------------------
    def _on_signal(self, message: Any) -> None:
        """On the D-Bus thread: Lock / Unlock, or LockedHint changing."""
        if message.path != self.path:
            return
        if message.interface == SESSION and message.member in ("Lock", "Unlock"):
            with self._guard:
                self._locked = message.member == "Lock"
            return
        if message.member == "PropertiesChanged" and message.body and message.body[0] == SESSION:
            changed = message.body[1] if len(message.body) > 1 else {}
            invalidated = message.body[2] if len(message.body) > 2 else []
            with self._guard:
                if "LockedHint" in changed:
                    value = bool(getattr(changed["LockedHint"], "value", changed["LockedHint"]))
                    self._locked = self._hint = value
                elif "LockedHint" in invalidated:
                    self._stale = True  # read on the sampling thread, never here

    def _sync(self) -> None:
        """Read LockedHint; a change since the last read wins over the signals."""
        self._next_sync = time.monotonic() + RESYNC_S
        if self.path is None:
            return
        value = self.link.get(LOGIND, self.path, SESSION, "LockedHint")
        if value is None:
            return
        hint = bool(value)
        with self._guard:
            if hint != self._hint or self._locked is None or self._stale:
                self._locked = hint
            self._hint = hint
            self._stale = False

    def locked(self) -> bool | None:
        if self.find() is None:
            return None
        if self._stale or time.monotonic() >= self._next_sync:
            self._sync()
        with self._guard:
            return self._locked

    # -- idle -------------------------------------------------------------------
    def idle_s(self, now_epoch_s: float | None = None) -> float | None:
        """Seconds idle by logind's ``IdleHint`` / ``IdleSinceHint``: 0 while
        not idle, None when the desktop never sets the hint (it is then 0)."""
        if self.find() is None:
            return None
        idle = self.link.get(LOGIND, self.path, SESSION, "IdleHint")  # type: ignore[arg-type]
        since = self.link.get(LOGIND, self.path, SESSION, "IdleSinceHint")  # type: ignore[arg-type]
        if idle is None or not since:
            return None
        if not idle:
            return 0.0
        now = time.time() if now_epoch_s is None else now_epoch_s
        return max(0.0, now - int(since) / 1e6)

    def close(self) -> None:
        self.link.close()


class WindowsLock:
    """The session's lock flag (``WTSSessionInfoEx``), asked each time."""

    name = "windows session"

    def locked(self) -> bool | None:
        if sys.platform != "win32":
            return None
        import ctypes
        from ctypes import wintypes

        wtsapi = ctypes.WinDLL("wtsapi32")
        buffer = ctypes.c_void_p()
        size = wintypes.DWORD()
        current_session = wintypes.DWORD(0xFFFFFFFF)  # WTS_CURRENT_SESSION
        session_info_ex = 25  # WTSSessionInfoEx
        if not wtsapi.WTSQuerySessionInformationW(None, current_session, session_info_ex,
                                                  ctypes.byref(buffer), ctypes.byref(size)):
            return None
        try:
            # WTSINFOEXW: DWORD Level; then WTSINFOEX_LEVEL1_W: ULONG SessionId,
            # WTS_CONNECTSTATE_CLASS SessionState, LONG SessionFlags, ...
            fields = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_long * 4)).contents
            flags = fields[3]
        finally:
            wtsapi.WTSFreeMemory(buffer)
        # WTS_SESSIONSTATE_LOCK = 0, _UNLOCK = 1, _UNKNOWN = -1 (Windows 7 swaps
        # the first two; it is out of support).
        return {0: True, 1: False}.get(flags)

    def close(self) -> None:
        pass


class MacLock:
    """``CGSSessionScreenIsLocked`` from Quartz (pyobjc, which pystray brings)."""

    name = "quartz"

    def locked(self) -> bool | None:
        try:
            import Quartz  # type: ignore[import-not-found]
        except ImportError:
            return None
        info = Quartz.CGSessionCopyCurrentDictionary()
        if info is None:
            return None
        return bool(info.get("CGSSessionScreenIsLocked", False))

    def close(self) -> None:
        pass

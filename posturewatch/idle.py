"""Seconds since the last keyboard or mouse input, from the desktop.

Only that number is read, never which key or where the mouse went. Sources,
each answering ``idle_s()`` with seconds or None (cannot tell):

- **X11**: the MIT-SCREEN-SAVER extension (``x11.X11.idle_s``).
- **GNOME on Wayland**: Mutter's ``org.gnome.Mutter.IdleMonitor``
  ``GetIdletime`` on the session bus (milliseconds).
- **logind**: the session's ``IdleHint`` / ``IdleSinceHint`` (coarse: the
  desktop sets the hint after its own idle delay, often 5 minutes).
- **Windows**: ``GetLastInputInfo`` against ``GetTickCount``.
- **macOS**: ``CGEventSourceSecondsSinceLastEventType`` for any input event
  (the same counter as IOKit's ``HIDIdleTime``).

``FakeIdle`` is the seam for tests.
"""

from __future__ import annotations

import sys
from typing import Protocol

from posturewatch.dbus_link import DBusLink
from posturewatch.lock import LogindSession
from posturewatch.x11 import X11


class InputIdle(Protocol):
    name: str

    def idle_s(self) -> float | None:
        """Seconds since the last keyboard or mouse input; None when unknown."""
        ...


class FakeIdle:
    name = "fake"

    def __init__(self, idle_s: float | None = 0.0) -> None:
        self.value = idle_s

    def idle_s(self) -> float | None:
        return self.value


class X11Idle:
    name = "x11"

    def __init__(self, x11: X11) -> None:
        self.x11 = x11

    def idle_s(self) -> float | None:
        return self.x11.idle_s()


class MutterIdle:
    """GNOME Shell's idle monitor (Wayland and X11 sessions alike)."""

    name = "mutter"

    def __init__(self, link: DBusLink) -> None:
        self.link = link

    def idle_s(self) -> float | None:
        got = self.link.call("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core",
                             "org.gnome.Mutter.IdleMonitor", "GetIdletime")
        if not got:
            return None
        return float(got[0]) / 1000.0


class LogindIdle:
    name = "logind"

    def __init__(self, session: LogindSession) -> None:
        self.session = session

    def idle_s(self) -> float | None:
        return self.session.idle_s()


class WindowsIdle:
    name = "windows"

    def idle_s(self) -> float | None:
        if sys.platform != "win32":
            return None
        import ctypes
        from ctypes import wintypes

        class LastInputInfo(ctypes.Structure):
            _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

        info = LastInputInfo()
        info.cbSize = ctypes.sizeof(info)
        user32 = ctypes.WinDLL("user32")
        kernel32 = ctypes.WinDLL("kernel32")
        if not user32.GetLastInputInfo(ctypes.byref(info)):
            return None
        kernel32.GetTickCount.restype = wintypes.DWORD
        elapsed_ms = (kernel32.GetTickCount() - info.dwTime) & 0xFFFFFFFF  # wraps at 49 days
        return elapsed_ms / 1000.0


class MacIdle:
    name = "quartz"

    def idle_s(self) -> float | None:
        try:
            import Quartz  # type: ignore[import-not-found]
        except ImportError:
            return None
        any_input = 0xFFFFFFFF  # kCGAnyInputEventType
        return float(Quartz.CGEventSourceSecondsSinceLastEventType(
            Quartz.kCGEventSourceStateCombinedSessionState, any_input))

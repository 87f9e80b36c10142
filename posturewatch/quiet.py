"""Quiet times: is the OS do-not-disturb on, is a full-screen window in front?

Nudges wait while either holds (``session.Tracker`` decides, with the
``quiet_when_dnd`` and ``quiet_when_fullscreen`` settings); these only read
the facts. Each source answers True, False or None (cannot tell here):

Do not disturb
- the freedesktop notification server's ``Inhibited`` property (KDE Plasma
  and the servers that follow the newer spec), else dunst's ``paused``
  (``dunstctl set-paused``), on the session bus;
- GNOME's ``org.gnome.desktop.notifications show-banners`` (false is GNOME's
  do-not-disturb), read with ``gsettings`` at most every :data:`GSETTINGS_EVERY_S`;
- Windows: ``SHQueryUserNotificationState`` says "quiet time", or focus
  assist is on (its WNF state, as the Windows shell reads it);
- macOS: the Focus assertions file, where the OS lets a program read it.

Full screen
- X11: ``_NET_WM_STATE_FULLSCREEN`` on the active window (``x11.py``);
- Windows: ``SHQueryUserNotificationState`` says a full-screen app, a
  Direct3D game or presentation mode;
- macOS: the frontmost normal window covers its whole display (Quartz).
- Wayland has no general way to ask: unknown there.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from posturewatch.dbus_link import DBusLink
from posturewatch.x11 import X11

log = logging.getLogger(__name__)

GSETTINGS_EVERY_S = 30.0
DISCOVER_EVERY_S = 60.0


class Flag(Protocol):
    name: str

    def value(self) -> bool | None: ...


class FakeFlag:
    name = "fake"

    def __init__(self, on: bool | None = False) -> None:
        self.on = on

    def value(self) -> bool | None:
        return self.on


class NotificationServerDnd:
    """The notification server's own do-not-disturb (``Inhibited``, or dunst's ``paused``)."""

    DEST = "org.freedesktop.Notifications"
    PATH = "/org/freedesktop/Notifications"
    PROPERTIES = (("org.freedesktop.Notifications", "Inhibited", "notification server"),
                  ("org.dunstproject.cmd0", "paused", "dunst"))

    def __init__(self, link: DBusLink) -> None:
        self.link = link
        self.name = "notification server"
        self._which: tuple[str, str, str] | None = None
        self._next_discover = 0.0

    def value(self) -> bool | None:
        if self._which is not None:
            got = self.link.get(self.DEST, self.PATH, self._which[0], self._which[1])
            if got is not None:
                return bool(got)
            self._which = None  # the server went away or changed
        if time.monotonic() < self._next_discover:
            return None
        self._next_discover = time.monotonic() + DISCOVER_EVERY_S
        for which in self.PROPERTIES:
            got = self.link.get(self.DEST, self.PATH, which[0], which[1])
            if got is not None:
                self._which, self.name = which, which[2]
                return bool(got)
        return None


class GnomeBannersDnd:
    """GNOME's do-not-disturb: ``show-banners`` false, read with ``gsettings``."""

    name = "gnome"

    def __init__(self, env: Mapping[str, str] | None = None,
                 gsettings: str | None = None) -> None:
        self.env = dict(os.environ if env is None else env)
        self.gsettings = gsettings or shutil.which("gsettings")
        self._value: bool | None = None
        self._next_read = 0.0

    def value(self) -> bool | None:
        if self.gsettings is None:
            return None
        if time.monotonic() < self._next_read:
            return self._value
        self._next_read = time.monotonic() + GSETTINGS_EVERY_S
        try:
            done = subprocess.run(
                [self.gsettings, "get", "org.gnome.desktop.notifications", "show-banners"],
                env=self.env, capture_output=True, text=True, timeout=2, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            log.debug("gsettings failed: %s", exc)
            self._value = None
            return None
        answer = done.stdout.strip()
        self._value = {"true": False, "false": True}.get(answer) if done.returncode == 0 else None
        return self._value


class X11Fullscreen:
    name = "x11"

    def __init__(self, x11: X11) -> None:
        self.x11 = x11

    def value(self) -> bool | None:
        return self.x11.fullscreen()


# -- Windows -----------------------------------------------------------------------
QUNS_NOT_PRESENT, QUNS_BUSY, QUNS_RUNNING_D3D_FULL_SCREEN = 1, 2, 3
QUNS_PRESENTATION_MODE, QUNS_ACCEPTS_NOTIFICATIONS, QUNS_QUIET_TIME, QUNS_APP = 4, 5, 6, 7
WNF_SHEL_QUIETHOURS_ACTIVE_PROFILE_CHANGED = 0x0D83063EA3BF1C75


def windows_notification_state() -> int | None:
    """``SHQueryUserNotificationState`` (a QUNS_* value), or None."""
    if sys.platform != "win32":
        return None
    import ctypes

    state = ctypes.c_int()
    if ctypes.WinDLL("shell32").SHQueryUserNotificationState(ctypes.byref(state)) != 0:
        return None
    return state.value


def windows_focus_assist() -> bool | None:
    """Focus assist (Windows 10) / do not disturb (11) from its WNF state: 0 off,
    1 priority only, 2 alarms only. Undocumented; None when it cannot be read."""
    if sys.platform != "win32":
        return None
    import ctypes

    name = ctypes.c_uint64(WNF_SHEL_QUIETHOURS_ACTIVE_PROFILE_CHANGED)
    stamp = ctypes.c_ulong()
    value = ctypes.c_ulong()
    size = ctypes.c_ulong(ctypes.sizeof(value))
    try:
        status = ctypes.WinDLL("ntdll").ZwQueryWnfStateData(
            ctypes.byref(name), None, None, ctypes.byref(stamp), ctypes.byref(value),
            ctypes.byref(size))
    except (OSError, AttributeError):
        return None
    if status != 0:
        return None
    return value.value != 0


class WindowsDnd:
    name = "windows"

    def value(self) -> bool | None:
        state = windows_notification_state()
        assist = windows_focus_assist()
        if state is None and assist is None:
            return None
        return state == QUNS_QUIET_TIME or bool(assist)


class WindowsFullscreen:
    name = "windows"

    def value(self) -> bool | None:
        state = windows_notification_state()
        if state is None:
            return None
        return state in (QUNS_BUSY, QUNS_RUNNING_D3D_FULL_SCREEN, QUNS_PRESENTATION_MODE, QUNS_APP)


# -- macOS ---------------------------------------------------------------------------
class MacFocus:
    """macOS Focus from ``~/Library/DoNotDisturb/DB/Assertions.json``: any
    active assertion means a Focus is on. Newer macOS versions keep programs
    out of that folder; then this cannot tell."""

    name = "macos focus"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path.home() / "Library" / "DoNotDisturb" / "DB" / "Assertions.json"

    def value(self) -> bool | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        try:
            records = data["data"][0].get("storeAssertionRecords") or []
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return bool(records)


class MacFullscreen:
    """The frontmost normal window (layer 0) covers the whole main display."""

    name = "quartz"

    def value(self) -> bool | None:
        try:
            import Quartz  # type: ignore[import-not-found]
        except ImportError:
            return None
        options = (Quartz.kCGWindowListOptionOnScreenOnly
                   | Quartz.kCGWindowListExcludeDesktopElements)
        windows = Quartz.CGWindowListCopyWindowInfo(options, Quartz.kCGNullWindowID) or []
        screen = Quartz.CGDisplayBounds(Quartz.CGMainDisplayID())
        for window in windows:
            if window.get("kCGWindowLayer", 1) != 0:
                continue
            bounds = window.get("kCGWindowBounds") or {}
            return (bounds.get("Width", 0) >= screen.size.width
                    and bounds.get("Height", 0) >= screen.size.height)
        return False

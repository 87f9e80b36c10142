"""What the desktop says at one tick: screen locked, input idle, do-not-disturb,
full screen. The sampling loop reads it before it decides to open the camera.

:class:`SystemDesktop` combines the per-OS sources of ``lock.py``, ``idle.py``
and ``quiet.py``; :func:`open_desktop` picks them for this OS and session and
for the user's settings (no input source when ``input_presence`` is off, none
for a quiet time that is switched off). :class:`FakeDesktop` is the seam for
tests, :class:`NoDesktop` the stand-in where nothing can be asked.

A source that fails is logged once and reads as "cannot tell"; nothing here
raises into the loop. ``time_scale`` multiplies the idle seconds: a simulated
clock that runs N times faster than real time (``POSTUREWATCH_FAKE_CLOCK``)
sees real idle seconds as N times as many simulated ones, so the two agree.
Called from the sampling thread only.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from posturewatch.checks import Check, Status
from posturewatch.config import Settings
from posturewatch.idle import InputIdle
from posturewatch.lock import ScreenLock
from posturewatch.quiet import Flag

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DesktopState:
    """One reading. ``input_idle_s`` None: no input signal; the flags are
    False when they cannot be told."""

    locked: bool = False
    input_idle_s: float | None = None
    dnd: bool = False
    fullscreen: bool = False


class DesktopProbe(Protocol):
    def read(self) -> DesktopState:
        """The desktop now (sampling thread)."""
        ...

    def signals(self) -> dict[str, str | None]:
        """Which source answered each question last: keys "lock", "input",
        "dnd", "fullscreen"; None where nothing could tell."""
        ...

    def close(self) -> None: ...


NO_SIGNALS: dict[str, str | None] = {"lock": None, "input": None, "dnd": None, "fullscreen": None}


class NoDesktop:
    """Nothing to ask: never locked, no input signal, never quiet."""

    def read(self) -> DesktopState:
        return DesktopState()

    def signals(self) -> dict[str, str | None]:
        return dict(NO_SIGNALS)

    def close(self) -> None:
        pass


class FakeDesktop:
    """Set the attributes by hand; ``reads`` counts the readings."""

    def __init__(self, locked: bool = False, input_idle_s: float | None = None,
                 dnd: bool = False, fullscreen: bool = False) -> None:
        self.locked = locked
        self.input_idle_s = input_idle_s
        self.dnd = dnd
        self.fullscreen = fullscreen
        self.reads = 0

    def read(self) -> DesktopState:
        self.reads += 1
        return DesktopState(self.locked, self.input_idle_s, self.dnd, self.fullscreen)

    def signals(self) -> dict[str, str | None]:
        return {"lock": "fake", "input": None if self.input_idle_s is None else "fake",
                "dnd": "fake", "fullscreen": "fake"}

    def close(self) -> None:
        pass


class SystemDesktop:
    """The OS's answers, from the first source of each kind that can tell.

    ``idle`` sources are tried in order until one answers; every ``dnd``
    source is asked and any "on" wins (GNOME and the notification server
    each have their own switch)."""

    def __init__(self, lock: ScreenLock | None = None, idle: Sequence[InputIdle] = (),
                 dnd: Sequence[Flag] = (), fullscreen: Flag | None = None,
                 time_scale: float = 1.0) -> None:
        self.lock = lock
        self.idle = list(idle)
        self.dnd = list(dnd)
        self.fullscreen = fullscreen
        self.time_scale = time_scale
        self._signals = dict(NO_SIGNALS)
        self._failed: set[str] = set()

    def _ask(self, what: str, name: str, fn: object) -> object:
        try:
            return fn()  # type: ignore[operator]
        except Exception:
            key = f"{what}:{name}"
            if key not in self._failed:
                self._failed.add(key)
                log.exception("could not read %s from %s; taken as unknown", what, name)
            return None

    def read(self) -> DesktopState:
        locked = None
        if self.lock is not None:
            locked = self._ask("the screen lock", self.lock.name, self.lock.locked)
        self._signals["lock"] = self.lock.name if locked is not None and self.lock else None

        idle: float | None = None
        self._signals["input"] = None
        for source in self.idle:
            value = self._ask("input idle time", source.name, source.idle_s)
            if value is not None:
                idle = float(value) * self.time_scale  # type: ignore[arg-type]
                self._signals["input"] = source.name
                break

        dnd = False
        answered = []
        for source in self.dnd:
            value = self._ask("do-not-disturb", source.name, source.value)
            if value is not None:
                answered.append(source.name)
                dnd = dnd or bool(value)
        self._signals["dnd"] = ", ".join(answered) or None

        fullscreen = None
        if self.fullscreen is not None:
            fullscreen = self._ask("full screen", self.fullscreen.name, self.fullscreen.value)
        self._signals["fullscreen"] = (self.fullscreen.name
                                       if fullscreen is not None and self.fullscreen else None)
        return DesktopState(bool(locked), idle, dnd, bool(fullscreen))

    def signals(self) -> dict[str, str | None]:
        return dict(self._signals)

    def close(self) -> None:
        for part in (self.lock, *self.idle, *self.dnd, self.fullscreen):
            for target in (part, getattr(part, "x11", None), getattr(part, "link", None),
                           getattr(part, "session", None)):
                close = getattr(target, "close", None)
                if close is not None:
                    try:
                        close()
                    except Exception:  # noqa: BLE001 - closing anyway
                        pass


def open_desktop(settings: Settings, time_scale: float = 1.0,
                 environ: Mapping[str, str] | None = None,
                 platform: str = sys.platform) -> SystemDesktop:
    """The sources for this OS and session, as the settings want them."""
    env = os.environ if environ is None else environ
    if platform == "win32":
        from posturewatch.idle import WindowsIdle
        from posturewatch.lock import WindowsLock
        from posturewatch.quiet import WindowsDnd, WindowsFullscreen

        return SystemDesktop(
            WindowsLock(),
            [WindowsIdle()] if settings.input_presence else [],
            [WindowsDnd()] if settings.quiet_when_dnd else [],
            WindowsFullscreen() if settings.quiet_when_fullscreen else None,
            time_scale)
    if platform == "darwin":
        from posturewatch.idle import MacIdle
        from posturewatch.lock import MacLock
        from posturewatch.quiet import MacFocus, MacFullscreen

        return SystemDesktop(
            MacLock(),
            [MacIdle()] if settings.input_presence else [],
            [MacFocus()] if settings.quiet_when_dnd else [],
            MacFullscreen() if settings.quiet_when_fullscreen else None,
            time_scale)
    return _open_linux(settings, time_scale, env)


def _open_linux(settings: Settings, time_scale: float, env: Mapping[str, str]) -> SystemDesktop:
    from posturewatch import dbus_link
    from posturewatch.idle import LogindIdle, MutterIdle, X11Idle
    from posturewatch.lock import LogindSession
    from posturewatch.quiet import GnomeBannersDnd, NotificationServerDnd, X11Fullscreen
    from posturewatch.x11 import X11

    has_dbus = dbus_link.available()
    session_bus = dbus_link.DBusLink("session") if has_dbus else None
    logind = LogindSession(dbus_link.DBusLink("system"), env.get("XDG_SESSION_ID")) \
        if has_dbus else None
    wayland = env.get("XDG_SESSION_TYPE") == "wayland" or bool(env.get("WAYLAND_DISPLAY"))
    x11 = X11(env.get("DISPLAY", "")) if env.get("DISPLAY") else None

    idle: list[InputIdle] = []
    if settings.input_presence:
        if x11 is not None and not wayland:
            idle.append(X11Idle(x11))
        if session_bus is not None:
            idle.append(MutterIdle(session_bus))
        if logind is not None:
            idle.append(LogindIdle(logind))
    dnd: list[Flag] = []
    if settings.quiet_when_dnd:
        if session_bus is not None:
            dnd.append(NotificationServerDnd(session_bus))
        if "GNOME" in env.get("XDG_CURRENT_DESKTOP", "").upper():
            dnd.append(GnomeBannersDnd(env))
    fullscreen = X11Fullscreen(x11) if settings.quiet_when_fullscreen and x11 else None
    return SystemDesktop(logind, idle, dnd, fullscreen, time_scale)


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check() -> Check:
    """Which desktop signals PostureWatch can read here (screen lock, keyboard
    and mouse idle time, do-not-disturb, full screen)."""
    from posturewatch import paths
    from posturewatch.config import load
    from posturewatch.policy_guard import policy_path

    settings = load(paths.user_config_path(), policy_path(), {}).settings
    probe = open_desktop(settings)
    try:
        state = probe.read()
        found = probe.signals()
    finally:
        probe.close()
    names = {"lock": "screen lock", "input": "keyboard/mouse", "dnd": "do-not-disturb",
             "fullscreen": "full screen"}
    detail = ", ".join(f"{names[k]}: {v or 'cannot tell'}" for k, v in found.items())
    if found["input"] is None:
        why = ("switched off (input_presence = false)" if not settings.input_presence
               else "this desktop tells no keyboard or mouse activity")
        return Check("desktop", Status.INFO, detail,
                     f"Keyboard and mouse activity is not used: {why}; without a camera "
                     "picture, sitting time cannot be tracked.")
    idle = f" (last input {state.input_idle_s:.0f} s ago)" if state.input_idle_s is not None \
        else ""
    return Check("desktop", Status.INFO, detail + idle)

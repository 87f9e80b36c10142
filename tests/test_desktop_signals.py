# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""The desktop's signals read for real: a private D-Bus with a stand-in logind
and Mutter idle monitor (``standin_services.py``), dunst, gsettings, and an
X server (Xvfb) driven with xdotool. See ``tests/desktop.py`` for the session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from desktop import Desktop, bare_desktop, desktop, stop_process, wait_for, xserver  # noqa: F401

from posturewatch.config import Settings
from posturewatch.dbus_link import DBusLink
from posturewatch.desktop_state import SystemDesktop, open_desktop
from posturewatch.idle import FakeIdle, MutterIdle, X11Idle
from posturewatch.lock import LogindSession
from posturewatch.quiet import FakeFlag, GnomeBannersDnd, NotificationServerDnd, X11Fullscreen
from posturewatch.x11 import X11

pytestmark = pytest.mark.desktop
HERE = Path(__file__).resolve().parent
SESSION = "c7"


@pytest.fixture
def standin(bare_desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """logind and Mutter's idle monitor stood in for on the private bus, which
    serves as this test's session and system bus. Yields the bus address."""
    address = bare_desktop.env["DBUS_SESSION_BUS_ADDRESS"]
    proc = subprocess.Popen([sys.executable, str(HERE / "standin_services.py"), address, SESSION],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            raise AssertionError(f"the stand-in services did not start: {line}")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
        yield address
    finally:
        stop_process(proc)


def send(desktop: Desktop, path: str, method: str, *args: str) -> None:
    """A method call as ``loginctl`` or a screen locker makes it."""
    desktop.run("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.login1",
                path, method, *args)


MANAGER = "/org/freedesktop/login1"
SESSION_PATH = f"/org/freedesktop/login1/session/{SESSION}"


def test_logind_lock_follows_lock_unlock_and_the_locked_hint(bare_desktop: Desktop,
                                                             standin: str) -> None:
    session = LogindSession(DBusLink("system"), session_id=SESSION)
    try:
        assert session.locked() is False
        assert session.path == SESSION_PATH
        # `loginctl lock-session c7` -> Manager.LockSession -> the session's Lock signal.
        send(bare_desktop, MANAGER, "org.freedesktop.login1.Manager.LockSession",
             f"string:{SESSION}")
        wait_for(lambda: session.locked() is True, 10, "the Lock signal")
        send(bare_desktop, MANAGER, "org.freedesktop.login1.Manager.UnlockSession",
             f"string:{SESSION}")
        wait_for(lambda: session.locked() is False, 10, "the Unlock signal")
        # A screen locker sets LockedHint (PropertiesChanged).
        send(bare_desktop, SESSION_PATH, "org.freedesktop.login1.Session.SetLockedHint",
             "boolean:true")
        wait_for(lambda: session.locked() is True, 10, "LockedHint true")
        send(bare_desktop, SESSION_PATH, "org.freedesktop.login1.Session.SetLockedHint",
             "boolean:false")
        wait_for(lambda: session.locked() is False, 10, "LockedHint false")
        # The idle hint: unknown until the desktop sets it, then 0 or the seconds idle.
        assert session.idle_s() is None
        send(bare_desktop, SESSION_PATH, "org.freedesktop.login1.Session.SetIdleHint",
             "boolean:true")
        idle = session.idle_s()
        assert idle is not None and 0 <= idle < 10
        send(bare_desktop, SESSION_PATH, "org.freedesktop.login1.Session.SetIdleHint",
             "boolean:false")
        assert session.idle_s() == 0.0
    finally:
        session.close()


def test_an_unknown_session_or_no_bus_cannot_tell(bare_desktop: Desktop, standin: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    stranger = LogindSession(DBusLink("system"), session_id="nope")
    assert stranger.locked() is None  # GetSessionByPID fails too: "cannot tell"
    stranger.close()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    nobus = LogindSession(DBusLink("system", timeout_s=0.5), session_id=SESSION)
    assert nobus.locked() is None


def test_mutter_idle_monitor(bare_desktop: Desktop, standin: str) -> None:
    link = DBusLink("session")
    mutter = MutterIdle(link)
    assert mutter.idle_s() == 0.0
    bare_desktop.run("dbus-send", "--session", "--print-reply",
                     "--dest=org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core",
                     "org.gnome.Mutter.IdleMonitor.SetIdletime", "uint64:90500")
    assert mutter.idle_s() == 90.5
    link.close()


def test_x11_idle_time_follows_xdotool(bare_desktop: Desktop) -> None:
    x11 = X11(bare_desktop.display)
    source = X11Idle(x11)
    bare_desktop.run("xdotool", "mousemove", "10", "10")
    first = source.idle_s()
    assert first is not None and first < 5
    wait_for(lambda: (source.idle_s() or 0.0) > first + 0.3, 10, "idle time to grow")
    bare_desktop.run("xdotool", "mousemove", "50", "60")
    again = source.idle_s()
    assert again is not None and again < first + 0.3
    x11.close()


def test_x11_full_screen_from_the_window_managers_hints(bare_desktop: Desktop) -> None:
    """We play the window manager: make a window, call it active, then full screen."""
    from Xlib import Xatom
    from Xlib import display as xdisplay

    wm = xdisplay.Display(bare_desktop.display)
    root = wm.screen().root
    window = root.create_window(0, 0, 200, 100, 0, wm.screen().root_depth)
    window.map()
    active = wm.intern_atom("_NET_ACTIVE_WINDOW")
    state = wm.intern_atom("_NET_WM_STATE")
    full = wm.intern_atom("_NET_WM_STATE_FULLSCREEN")
    above = wm.intern_atom("_NET_WM_STATE_ABOVE")
    wm.sync()
    probe = X11Fullscreen(X11(bare_desktop.display))
    try:
        assert probe.value() is None  # no window manager hint: cannot tell
        root.change_property(active, Xatom.WINDOW, 32, [window.id])
        window.change_property(state, Xatom.ATOM, 32, [above])
        wm.sync()
        assert probe.value() is False
        window.change_property(state, Xatom.ATOM, 32, [above, full])
        wm.sync()
        assert probe.value() is True
        # The active window closes before we look at it: False, and no crash.
        root.change_property(active, Xatom.WINDOW, 32, [window.id + 999])
        wm.sync()
        assert probe.value() is False
        root.delete_property(active)
        wm.sync()
        assert probe.value() is None
    finally:
        window.destroy()
        wm.close()
        probe.x11.close()


def test_dunst_paused_is_do_not_disturb(desktop: Desktop,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.env["DBUS_SESSION_BUS_ADDRESS"])
    link = DBusLink("session")
    dnd = NotificationServerDnd(link)
    try:
        assert dnd.value() is False and dnd.name == "dunst"
        desktop.run("dunstctl", "set-paused", "true")
        assert dnd.value() is True
        desktop.run("dunstctl", "set-paused", "false")
        assert dnd.value() is False
    finally:
        link.close()


def test_gnome_show_banners_off_is_do_not_disturb(tmp_path: Path) -> None:
    if shutil.which("gsettings") is None:
        pytest.skip("needs gsettings (apt install libglib2.0-bin)")
    env = {"GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    probe = subprocess.run(["gsettings", "get", "org.gnome.desktop.notifications",
                            "show-banners"], env=env, capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip("needs GNOME's schemas (apt install gsettings-desktop-schemas)")
    assert GnomeBannersDnd(env).value() is False
    subprocess.run(["gsettings", "set", "org.gnome.desktop.notifications", "show-banners",
                    "false"], env=env, check=True)
    assert GnomeBannersDnd(env).value() is True


def test_open_desktop_on_this_session(desktop: Desktop, monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    """A fresh install's defaults on an X11 session with dunst and a logind."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "standin_services.py"),
         desktop.env["DBUS_SESSION_BUS_ADDRESS"], SESSION],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for name in ("DBUS_SESSION_BUS_ADDRESS", "DBUS_SYSTEM_BUS_ADDRESS"):
            monkeypatch.setenv(name, desktop.env["DBUS_SESSION_BUS_ADDRESS"])
        env = dict(desktop.env, XDG_SESSION_ID=SESSION, XDG_SESSION_TYPE="x11")
        probe = open_desktop(Settings(), environ=env, platform="linux")
        desktop.run("xdotool", "mousemove", "20", "20")
        state = probe.read()
        assert state.locked is False and state.dnd is False and state.fullscreen is False
        assert state.input_idle_s is not None and state.input_idle_s < 5
        assert probe.signals() == {"lock": "logind", "input": "x11", "dnd": "dunst",
                                   "fullscreen": None}
        desktop.run("dunstctl", "set-paused", "true")
        assert probe.read().dnd is True
        desktop.run("dunstctl", "set-paused", "false")
        probe.close()
        # Each switched off: nothing is asked.
        off = open_desktop(Settings(input_presence=False, quiet_when_dnd=False,
                                    quiet_when_fullscreen=False), environ=env, platform="linux")
        assert off.read().input_idle_s is None
        assert off.signals() == {"lock": "logind", "input": None, "dnd": None,
                                 "fullscreen": None}
        off.close()
    finally:
        stop_process(proc)


def test_time_scale_and_failing_sources() -> None:
    class Broken:
        name = "broken"

        def idle_s(self) -> float | None:
            raise OSError("gone")

    probe = SystemDesktop(idle=[Broken(), FakeIdle(2.0)], dnd=[FakeFlag(None), FakeFlag(True)],
                          fullscreen=FakeFlag(False), time_scale=30)
    state = probe.read()
    assert state.input_idle_s == 60.0 and state.dnd is True and state.fullscreen is False
    assert probe.signals()["input"] == "fake"


def test_doctor_names_the_signals_it_can_read(desktop: Desktop,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from posturewatch.desktop_state import doctor_check as check_desktop

    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.setenv(name, desktop.env[name])
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    desktop.run("xdotool", "mousemove", "30", "30")
    check = check_desktop()
    assert "keyboard/mouse: x11" in check.detail and "do-not-disturb: dunst" in check.detail
    assert "last input" in check.detail and check.fix == ""

# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""The real program in the tray of a real (virtual) desktop.

Each test starts ``posturewatch run`` as a subprocess on a private X server
with dunst and trayer (see ``tests/desktop.py``), on a video of the
astronaut sitting upright, with a fast simulated clock
(``POSTUREWATCH_FAKE_CLOCK``: 30 s samples, 600 times faster than real time),
clicks the tray menu with xdotool and checks the effect in the program's
SQLite file, the notifications on the bus and the process's exit. Nothing
sleeps for the program's time: the tests poll for what they wait for.

Screenshots of the tray, the open menu and the Settings submenu go to
``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from desktop import (  # noqa: F401 - fixtures
    Desktop,
    Window,
    bare_desktop,
    desktop,
    menu_rows,
    sni_desktop,
    wait_for,
    xserver,
)

from posturewatch import messages, tray
from posturewatch.app import (
    Calibrate,
    Done,
    LogBreak,
    LogWater,
    Monitor,
    Pause,
    Snooze,
)
from posturewatch.camera import Grab
from posturewatch.clock import SimulatedClock
from posturewatch.config import KEYS, Settings, load
from posturewatch.icons import IconState, draw_icon
from posturewatch.model import CameraState, NudgeKind, Presence, State, Verdict
from posturewatch.notify import RecordingNotifier, native_available


def desktop_test(fn):  # type: ignore[no-untyped-def]
    """A test that runs the real program on the private desktop (and the model)."""
    return pytest.mark.desktop(pytest.mark.model(fn))


SPEED = 600  # simulated seconds per real second while waiting
INTERVAL_S = 30  # simulated seconds between samples

USER_CONFIG = """\
sit_limit_min = 5
break_repeat_min = 1
nudge_cooldown_min = 1
hydration_interval_min = 240
break_min_s = 120
"""
POLICY = """\
[enforced]
posture_sensitivity = 1.0
"""

# Notification buttons need desktop-notifier; with plyer alone (no buttons)
# Snooze and Done move into the tray menu.
HAS_BUTTONS = native_available()[0]

# The top-level menu's text rows, top to bottom.
MENU_ROWS = [
    "status",
    tray.PAUSE_LABEL,
    tray.RESUME_LABEL,
    tray.BREAK_LABEL,
    tray.WATER_LABEL,
    *([] if HAS_BUTTONS else [tray.SNOOZE_MENU_LABEL, tray.DONE_MENU_LABEL]),
    tray.CALIBRATE_MENU_LABEL,
    tray.REPORT_LABEL,
    tray.OTHER_WEEKS_LABEL,
    tray.SETTINGS_LABEL,
    tray.ABOUT_LABEL,
    tray.QUIT_LABEL,
]
PAUSE_ROWS = [tray.PAUSE_30_LABEL, tray.PAUSE_60_LABEL, tray.PAUSE_TOMORROW_LABEL]


@pytest.fixture(scope="module")
def upright_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """900 frames (320 x 240 MJPG) of the astronaut: enough for a minute of ticks."""
    import cv2
    from skimage import data

    path = tmp_path_factory.mktemp("video") / "upright.avi"
    person = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (240, 240))
    frame = np.full((240, 320, 3), 128, np.uint8)
    frame[:, 40:280] = person
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (320, 240))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write MJPG .avi files here")
    from conftest import sensor_noise

    for i in range(900):  # each frame with its own sensor noise: the same frame is "frozen"
        writer.write(sensor_noise(frame, i))
    writer.release()
    return path


@dataclass
class App:
    """A running ``posturewatch run`` and where its files are."""

    proc: subprocess.Popen[str]
    home: Path
    started: float
    log_path: Path

    @property
    def db(self) -> Path:
        return self.home / "data" / "posturewatch.db"

    def events(self, kind: str | None = None) -> list[dict[str, object]]:
        if not self.db.exists():
            return []
        uri = f"{self.db.resolve().as_uri()}?mode=ro"
        try:
            with sqlite3.connect(uri, uri=True, timeout=5) as conn:
                rows = conn.execute("SELECT at, kind, detail FROM events ORDER BY id").fetchall()
        except sqlite3.OperationalError:
            return []  # not migrated yet
        out = [{"at": at, "kind": k, "detail": json.loads(d)} for at, k, d in rows]
        return [e for e in out if kind is None or e["kind"] == kind]

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log(self) -> str:
        """The program's own log file (INFO and up)."""
        path = self.home / "log" / "posturewatch.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def start_app(desktop: Desktop, tmp_path: Path, video: Path, *extra: str,
              env: dict[str, str] | None = None, config: str = USER_CONFIG,
              program: list[str] | None = None) -> App:
    """``posturewatch run`` on ``video`` (``program``: how to start it; this
    interpreter's ``-m posturewatch`` by default)."""
    home = tmp_path / "pw-home"
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(config, encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    opener_log = tmp_path / "opened.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    # A stand-in for the desktop's file opener: records what it was asked to open.
    fake_open = bin_dir / "xdg-open"
    fake_open.write_text(f'#!/bin/sh\necho "$1" >> "{opener_log}"\n', encoding="utf-8")
    fake_open.chmod(0o755)
    full_env = dict(desktop.env if env is None else env)
    full_env.update(
        POSTUREWATCH_HOME=str(home),
        POSTUREWATCH_TEST_MODE="1",  # so the two below count
        POSTUREWATCH_POLICY=str(policy),
        POSTUREWATCH_FAKE_CLOCK=f"{SPEED}@2026-03-02T09:00:00+00:00",
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    log_path = tmp_path / "app-output.txt"
    handle = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    started = time.monotonic()
    proc = subprocess.Popen(
        [*(program or [sys.executable, "-m", "posturewatch"]), "run", "--source", str(video),
         "--interval-s", str(INTERVAL_S), *extra],
        env=full_env, stdout=handle, stderr=subprocess.STDOUT, text=True,
    )
    handle.close()
    return App(proc, home, started, log_path)


@pytest.fixture
def running(desktop: Desktop, tmp_path: Path, upright_video: Path) -> Iterator[App]:
    app = start_app(desktop, tmp_path, upright_video)
    try:
        yield app
    finally:
        if app.proc.poll() is None:
            app.proc.kill()
            app.proc.wait(10)


# -- clicking ------------------------------------------------------------------------
def visible_popups(desktop: Desktop) -> list[Window]:
    """Mapped pop-up windows of the program (menus), largest first."""
    out = desktop.run("xdotool", "search", "--onlyvisible", "--name", "^PostureWatch$",
                      check=False)
    found = []
    for wid in out.split():
        geometry = desktop.run("xdotool", "getwindowgeometry", "--shell", wid, check=False)
        values = dict(line.split("=", 1) for line in geometry.split() if "=" in line)
        if not values:
            continue
        window = Window(int(wid), "PostureWatch", int(values["X"]), int(values["Y"]),
                        int(values["WIDTH"]), int(values["HEIGHT"]))
        if window.height > 40 and window.width > 60:
            found.append(window)
    return sorted(found, key=lambda w: -w.width * w.height)


def open_menu(desktop: Desktop, name: str | None = None) -> tuple[Window, list[int]]:
    """Right-click the tray icon; return the menu window and the centre y of each row."""
    icon = wait_for(desktop.tray_icon, 30, "the tray icon")
    x, y = icon.center
    desktop.run("xdotool", "mousemove", str(x), str(y), "click", "3")
    menu = wait_for(lambda: visible_popups(desktop), 10, "the tray menu")[0]
    return menu, rows_of(desktop, menu, name or "menu-latest")


def rows_of(desktop: Desktop, window: Window, name: str) -> list[int]:
    def rows() -> list[tuple[int, int]]:
        shot = desktop.screenshot(name)
        return menu_rows(shot, (window.x, window.y, window.width, window.height))

    found = wait_for(lambda: (r := rows()) and len(r) >= 3 and r, 10, "the menu to be drawn")
    return [(top + bottom) // 2 for top, bottom in found]


def click(desktop: Desktop, x: int, y: int) -> None:
    desktop.run("xdotool", "mousemove", str(x), str(y), "click", "1")


def open_full_menu(desktop: Desktop, name: str | None = None) -> tuple[Window, list[int]]:
    """The menu once it has every row of MENU_ROWS ("Other weeks" appears once
    the program has listed the weeks, just after the icon)."""
    deadline = time.monotonic() + 20
    while True:
        menu, rows = open_menu(desktop, name)
        if len(rows) == len(MENU_ROWS) or time.monotonic() > deadline:
            break
        desktop.run("xdotool", "key", "Escape")
        wait_for(lambda: not visible_popups(desktop), 10, "the menu to close")
    assert len(rows) == len(MENU_ROWS), f"menu rows {rows} do not match {MENU_ROWS}"
    return menu, rows


def click_menu_item(desktop: Desktop, label: str) -> None:
    menu, rows = open_full_menu(desktop)
    click(desktop, menu.x + menu.width // 2, rows[MENU_ROWS.index(label)])
    wait_for(lambda: not visible_popups(desktop), 10, "the menu to close")


def click_submenu_item(desktop: Desktop, parent: str, index: int, name: str) -> None:
    menu, rows = open_full_menu(desktop)
    x = menu.x + menu.width // 2
    desktop.run("xdotool", "mousemove", str(x), str(rows[MENU_ROWS.index(parent)]))
    sub = wait_for(lambda: len(p := visible_popups(desktop)) >= 2 and
                   [w for w in p if w.wid != menu.wid], 10, f"the {parent} submenu")[0]
    sub_rows = rows_of(desktop, sub, name)
    # Move into the submenu along its own rows, then click.
    sx = sub.x + sub.width // 2
    desktop.run("xdotool", "mousemove", str(sx), str(sub_rows[index]))
    click(desktop, sx, sub_rows[index])
    wait_for(lambda: not visible_popups(desktop), 10, "the menus to close")


def break_bodies() -> list[re.Pattern[str]]:
    """Every wording of a break nudge, as a regular expression over the minutes."""
    patterns = []
    texts = messages.NUDGE_TEXTS[NudgeKind.BREAK]
    for body in texts.bodies + texts.repeat_bodies:
        text = re.escape(body).replace(r"\{sat\}", r"(\d+ minutes?)")
        text = text.replace(r"\{Sat\}", r"(\d+ minutes?)")
        patterns.append(re.compile(text + r" Try this for your (back|neck|shoulders): .*$"))
    return patterns


# -- the tests -----------------------------------------------------------------------
@desktop_test
def test_icon_appears_and_break_nudge_has_buttons(desktop: Desktop, running: App) -> None:
    wait_for(desktop.tray_icon, 30, "the tray icon in trayer")
    shown_after = time.monotonic() - running.started
    # The icon's window carries its title (the tooltip text).
    wait_for(lambda: desktop.tray_icon("PostureWatch: "), 10, "the icon's title")
    nudge = wait_for(
        lambda: [n for n in desktop.notifications() if n.title == "Time to stand up"],
        30, "a break nudge on the bus")[0]
    assert nudge.app_name == "PostureWatch"
    assert any(p.match(nudge.body) for p in break_bodies()), nudge.body
    minutes = int(re.search(r"(\d+) minute", nudge.body).group(1))  # type: ignore[union-attr]
    assert minutes >= 5  # sit_limit_min
    if HAS_BUTTONS:
        assert nudge.actions == (messages.SNOOZE_LABEL, messages.DONE_LABEL)
    else:
        assert nudge.actions == ()
    # The first run has no baseline: it offered calibration (with a button).
    offer = [n for n in desktop.notifications() if n.title == messages.CALIBRATION_OFFER.title]
    assert offer and offer[0].body == messages.CALIBRATION_OFFER.body
    assert offer[0].actions == ((messages.CALIBRATE_LABEL,) if HAS_BUTTONS else ())
    # Every nudge shown is stored.
    shown = wait_for(lambda: running.events("nudge_shown"), 10, "a nudge_shown event")
    assert shown[0]["detail"]["kind"] == "break"
    assert shown[0]["detail"]["delivered"] is True
    desktop.screenshot("tray")
    print(f"icon shown {shown_after:.2f} s after start")
    # No PYSTRAY_BACKEND: on X11 without a StatusNotifierItem host it chose XEmbed, and said why.
    assert "tray backend gtk (an X11 session without a StatusNotifierItem host" in running.log()

    # "Snooze 10 min" on the notification, pressed in dunst's own menu.
    if not HAS_BUTTONS:
        pytest.skip("notification buttons need desktop-notifier (the rest passed)")
    # At 600 times real speed the break nudge is re-sent (replacing the one on
    # screen, with new button keys) every 0.1 s: a press that reaches the program
    # after its notification was replaced is dropped. Press again then, as a user
    # whose click did nothing would (at real speed the repeat is 15 minutes away).
    for _press in range(3):
        desktop.press_notification_button(messages.SNOOZE_LABEL)
        try:
            acted = wait_for(lambda: running.events("nudge_acted"), 8, "a nudge_acted event")
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("three presses of Snooze on the notification did nothing")
    assert acted[0]["detail"] == {"action": "snooze", "kind": "break", "minutes": 10.0}


@desktop_test
def test_menu_water_pause_settings_quit(desktop: Desktop, running: App, tmp_path: Path) -> None:
    wait_for(lambda: running.events("nudge_shown"), 30, "the first nudge")

    # The open menu, for the record (and the row layout check).
    menu, rows = open_full_menu(desktop, "tray-menu")
    desktop.run("xdotool", "key", "Escape")
    wait_for(lambda: not visible_popups(desktop), 10, "the menu to close")

    # "I drank water" writes an event.
    click_menu_item(desktop, tray.WATER_LABEL)
    water = wait_for(lambda: running.events("water_logged"), 20, "a water_logged event")
    assert water[0]["detail"] == {"source": "user"}

    # Settings opens the settings window (its own process); Escape closes it.
    # (test_settings_desktop.py changes a setting in it.)
    click_menu_item(desktop, tray.SETTINGS_LABEL)
    window = wait_for(lambda: desktop.windows("PostureWatch settings"), 60,
                      "the settings window")[0]
    desktop.run("xdotool", "windowfocus", "--sync", str(window.wid), "key", "Escape")
    wait_for(lambda: not desktop.windows("PostureWatch settings"), 10,
             "the settings window to close")
    config = running.home / "config" / "config.toml"
    assert config.read_text(encoding="utf-8") == USER_CONFIG  # nothing saved: file untouched

    # Pause for 30 minutes: no nudge until it ends by itself.
    before = len(running.events("nudge_shown"))
    assert before >= 1
    click_submenu_item(desktop, tray.PAUSE_LABEL, 0, "tray-pause-menu")
    pause = wait_for(lambda: running.events("pause"), 20, "a pause event")[0]
    resume = wait_for(lambda: running.events("resume"), 60, "the pause to end")[0]
    assert resume["detail"] == {"auto": True}
    during = [e for e in running.events("nudge_shown") if pause["at"] < e["at"] < resume["at"]]
    assert during == []
    # ... and nudges come back after it (the 30-minute pause counted as a break,
    # so the next one comes after another sit_limit_min of sitting).
    wait_for(lambda: [e for e in running.events("nudge_shown") if e["at"] > resume["at"]],
             60, "a nudge after the pause")

    # Quit: the process exits 0 within a second and the database is closed cleanly.
    menu, rows = open_full_menu(desktop)
    clicked = time.monotonic()
    click(desktop, menu.x + menu.width // 2, rows[MENU_ROWS.index(tray.QUIT_LABEL)])
    code = running.proc.wait(10)
    quit_s = time.monotonic() - clicked
    assert code == 0, running.output()
    assert quit_s < 1.0, f"Quit took {quit_s:.2f} s"
    assert not Path(f"{running.db}-wal").exists() or Path(f"{running.db}-wal").stat().st_size == 0
    with sqlite3.connect(running.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM events")}
    assert {"nudge_shown", "water_logged", "pause", "resume"} <= kinds
    print(f"Quit exited in {quit_s:.2f} s")


@desktop_test
def test_calibrate_from_the_tray(desktop: Desktop, running: App) -> None:
    wait_for(desktop.tray_icon, 30, "the tray icon")
    click_menu_item(desktop, tray.CALIBRATE_MENU_LABEL)
    event = wait_for(lambda: running.events("calibration"), 30, "a calibration event")[0]
    titles = [n.title for n in desktop.notifications()]
    assert "Calibrating posture" in titles

    def titled(title: str) -> list:
        # the event is stored as the result is told; the bus may deliver a moment later
        return [n for n in desktop.notifications() if n.title == title]

    if event["detail"]["ok"]:
        wait_for(lambda: titled("Posture calibrated"), 10, "the 'Posture calibrated' notification")
        assert (running.home / "data" / "baseline.json").exists()
    else:
        failed = wait_for(lambda: titled("Calibration did not work"), 10, "the refusal")
        assert failed[0].body == event["detail"]["reason"]
    # The menu no longer says "(not done yet)" once calibrated; SIGTERM quits cleanly.
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(10) == 0, running.output()


@desktop_test
def test_second_instance_exits_with_a_message(desktop: Desktop, running: App,
                                              tmp_path: Path, upright_video: Path) -> None:
    wait_for(desktop.tray_icon, 30, "the first instance's icon")
    env = dict(desktop.env, POSTUREWATCH_HOME=str(running.home))
    second = subprocess.run(
        [sys.executable, "-m", "posturewatch", "run", "--source", str(upright_video)],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert second.returncode == 1
    assert f"PostureWatch is already running (pid {running.proc.pid})" in second.stderr
    assert running.proc.poll() is None  # the first one carries on


@desktop_test
def test_no_display_carries_on_headless(desktop: Desktop, tmp_path: Path,
                                        upright_video: Path) -> None:
    env = {k: v for k, v in desktop.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    app = start_app(desktop, tmp_path, upright_video, env=env)
    try:
        wait_for(lambda: "carrying on headless" in app.output(), 60, "the no-tray message")
        assert "no tray (no display: neither DISPLAY nor WAYLAND_DISPLAY is set)" in app.output()
        # It monitors all the same: a nudge is stored, and shown on the bus.
        wait_for(lambda: app.events("nudge_shown"), 60, "a nudge while headless")
        wait_for(lambda: [n for n in desktop.notifications() if n.title == "Time to stand up"],
                 10, "the headless nudge on the bus")
    finally:
        app.proc.send_signal(signal.SIGTERM)
        code = app.proc.wait(20)
    assert code == 0, app.output()


@desktop_test
def test_no_usable_tray_backend_goes_headless_and_says_what_to_install(
        desktop: Desktop, tmp_path: Path, upright_video: Path) -> None:
    # A GNOME Wayland session whose compositor cannot be reached (no X display,
    # no StatusNotifierItem host): no backend can show an icon.
    env = {k: v for k, v in desktop.env.items() if k != "DISPLAY"}
    env.update(WAYLAND_DISPLAY="wayland-posturewatch-none", XDG_SESSION_TYPE="wayland",
               XDG_CURRENT_DESKTOP="GNOME")
    app = start_app(desktop, tmp_path, upright_video, env=env)
    try:
        wait_for(lambda: "carrying on headless" in app.output(), 60, "the no-tray message")
        said = app.output()
        assert ("posturewatch: no tray (no usable tray backend on GNOME on Wayland "
                "(XDG_SESSION_TYPE wayland) (appindicator: ImportError: this platform is not "
                "supported: Gtk could not be initialised; gtk: XEmbed needs an X display (DISPLAY "
                "is not set); xorg: XEmbed needs an X display (DISPLAY is not set))") in said
        assert "GNOME shows tray icons only with its AppIndicator extension: Debian/Ubuntu: " \
               "`sudo apt install gnome-shell-extension-appindicator`" in said
        assert "no tray backend (on GNOME on Wayland" in app.log()
        # It monitors all the same: the break nudge reaches the notification server.
        wait_for(lambda: [n for n in desktop.notifications() if n.title == "Time to stand up"],
                 60, "the headless nudge on the bus")
    finally:
        app.proc.send_signal(signal.SIGTERM)
        code = app.proc.wait(20)
    assert code == 0, app.output()


def inked(image: Path, box: tuple[int, int, int, int], background: int = 0xd8) -> int:
    """How many pixels inside ``box`` (x, y, w, h) differ clearly from the grey background."""
    from PIL import Image

    x, y, w, h = box
    with Image.open(image) as shot:
        pixels = np.asarray(shot.convert("RGB").crop((x, y, x + w, y + h)), dtype=np.int16)
    return int((np.abs(pixels - background).max(axis=2) > 40).sum())


def sni_menu(desktop: Desktop, bar: Window) -> list[Window]:
    """The StatusNotifierItem tray's open menu (drawn by the tray from our DBusMenu)."""
    out = desktop.run("xdotool", "search", "--onlyvisible", "--class", "gtk-sni-tray-standalone",
                      check=False)
    found = []
    for wid in out.split():
        geometry = desktop.run("xdotool", "getwindowgeometry", "--shell", wid, check=False)
        values = dict(line.split("=", 1) for line in geometry.split() if "=" in line)
        if values and int(values["Y"]) >= bar.y + bar.height and int(values["HEIGHT"]) > 40:
            found.append(Window(int(wid), "menu", int(values["X"]), int(values["Y"]),
                                int(values["WIDTH"]), int(values["HEIGHT"])))
    return found


def open_sni_menu(desktop: Desktop, bar: Window, x: int, y: int) -> Window:
    """Right-click the item; the tray fetches our menu over D-Bus first, so a click
    made while it is still busy may show nothing: click again, as a user would."""
    for _attempt in range(3):
        desktop.run("xdotool", "mousemove", str(x), str(y), "click", "3")
        try:
            return wait_for(lambda: sni_menu(desktop, bar), 10, "the menu from the tray")[0]
        except AssertionError:
            continue
    raise AssertionError("three right clicks opened no menu from the StatusNotifierItem tray")


@desktop_test
def test_statusnotifieritem_tray_shows_the_appindicator_icon_and_menu(
        sni_desktop: Desktop, tmp_path: Path, upright_video: Path) -> None:
    desktop = sni_desktop
    bar = wait_for(desktop.sni_bar, 10, "the StatusNotifierItem tray's bar")
    slot = (bar.x + bar.width - bar.height, bar.y, bar.height, bar.height)  # items sit at the end
    assert inked(desktop.screenshot("sni-empty"), slot) == 0
    app = start_app(desktop, tmp_path, upright_video)
    try:
        # No PYSTRAY_BACKEND: the watcher on the bus made it choose AppIndicator ...
        wait_for(lambda: "tray backend appindicator" in app.log(), 60, "the backend choice")
        assert ("tray backend appindicator (org.kde.StatusNotifierWatcher is on the session bus"
                in app.log())
        # ... whose item registered with the watcher (its bus name is our process) ...
        def ours() -> list[str]:
            return [name for name in desktop.sni_items() if f"uint32 {app.proc.pid}" in desktop.run(
                "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID",
                f"string:{name.split('/')[0]}", check=False)]

        wait_for(ours, 30, "our StatusNotifierItem registered with the watcher")
        # ... and the tray draws it.
        wait_for(lambda: inked(desktop.screenshot("sni-tray"), slot) > 50, 20,
                 "the icon drawn in the StatusNotifierItem tray")
        wait_for(lambda: [n for n in desktop.notifications() if n.title == "Time to stand up"],
                 60, "a break nudge on the bus")
        # A right click opens our menu, drawn by the tray; "I drank water" logs water.
        x, y = slot[0] + slot[2] // 2, slot[1] + slot[3] // 2

        def choose(label: str, happened: Callable[[], object]) -> None:
            # The fast clock changes the status line several times a second, and the
            # tray rebuilds the menu from each new layout: a click can land on a menu
            # being replaced. Click again then, as a user would.
            for _attempt in range(3):
                if not sni_menu(desktop, bar):
                    open_sni_menu(desktop, bar, x, y)
                menu = sni_menu(desktop, bar)[0]
                rows = rows_of(desktop, menu, "sni-menu")
                assert len(rows) == len(MENU_ROWS), f"menu rows {rows} do not match {MENU_ROWS}"
                click(desktop, menu.x + menu.width // 2, rows[MENU_ROWS.index(label)])
                try:
                    wait_for(happened, 8, f"the effect of {label!r}")
                    return
                except AssertionError:
                    continue
            raise AssertionError(f"three clicks on {label!r} in the tray's menu did nothing")

        choose(tray.WATER_LABEL, lambda: app.events("water_logged"))
        assert app.events("water_logged")[0]["detail"] == {"source": "user"}
        # Quit from that menu ends the program cleanly.
        choose(tray.QUIT_LABEL, lambda: app.proc.poll() is not None)
        assert app.proc.wait(20) == 0, app.output()
    finally:
        if app.proc.poll() is None:
            app.proc.kill()
            app.proc.wait(10)


@desktop_test
def test_a_watcher_without_a_tray_leaves_the_icon_to_trayer(
        desktop: Desktop, tmp_path: Path, upright_video: Path) -> None:
    # A StatusNotifierWatcher with no tray registered (a stray daemon) beside an
    # XEmbed panel: AppIndicator would register with the watcher and show nowhere.
    desktop.procs["status-notifier-watcher"] = subprocess.Popen(
        ["status-notifier-watcher"], env=desktop.env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    wait_for(lambda: desktop.bus_has("org.kde.StatusNotifierWatcher"), 10, "the watcher")
    app = start_app(desktop, tmp_path, upright_video)
    try:
        wait_for(desktop.tray_icon, 30, "the icon in trayer")
        assert ("tray backend gtk (org.kde.StatusNotifierWatcher is on the session bus but no "
                "tray is registered with it: XEmbed first") in app.log()
    finally:
        app.proc.send_signal(signal.SIGTERM)
        code = app.proc.wait(20)
    assert code == 0, app.output()


@desktop_test
def test_no_tray_host_keeps_monitoring_until_one_starts(
        bare_desktop: Desktop, tmp_path: Path, upright_video: Path) -> None:
    app = start_app(bare_desktop, tmp_path, upright_video)
    try:
        wait_for(lambda: "no system tray found" in app.output(), 60, "the no-tray-host notice")
        assert app.proc.poll() is None
        # No notification server either: nudges are still stored, marked undelivered.
        shown = wait_for(lambda: app.events("nudge_shown"), 60, "a nudge without a server")
        assert shown[0]["detail"]["delivered"] is False
        assert app.output().count(" are not working") == 1, app.output()
        # A tray that starts later gets the icon.
        bare_desktop.start_tray()
        wait_for(bare_desktop.tray_icon, 30, "the icon in the late tray")
    finally:
        app.proc.send_signal(signal.SIGTERM)
        code = app.proc.wait(20)
    assert code == 0, app.output()


# -- the tray logic on a fake pystray backend (no display needed) -------------------------
class FakeMenu:
    SEPARATOR = object()

    def __init__(self, *items: object) -> None:
        self.items = items


class FakeItem:
    def __init__(self, text: object, action: object = None, checked: object = None,
                 radio: bool = False, default: bool = False, visible: object = True,
                 enabled: object = True) -> None:
        self.text, self.action, self.default = text, action, default
        self._visible, self._enabled = visible, enabled

    def _value(self, value: object) -> object:
        return value(self) if callable(value) else value

    @property
    def label(self) -> str:
        return str(self._value(self.text))

    @property
    def visible(self) -> bool:
        return bool(self._value(self._visible))

    @property
    def enabled(self) -> bool:
        return bool(self._value(self._enabled))

    @property
    def submenu(self) -> FakeMenu | None:
        return self.action if isinstance(self.action, FakeMenu) else None

    def click(self) -> None:
        assert callable(self.action) and self.enabled, self.label
        self.action(None, self)


class FakeIcon:
    HAS_MENU = True

    def __init__(self, name: str, icon: object, title: str, menu: FakeMenu) -> None:
        self.name, self.menu, self.visible = name, menu, False
        self.icons = [icon]
        self.titles = [title]
        self.menu_updates = 0
        self.stopped = threading.Event()

    @property
    def icon(self) -> object:
        return self.icons[-1]

    @icon.setter
    def icon(self, value: object) -> None:
        self.icons.append(value)

    @property
    def title(self) -> str:
        return self.titles[-1]

    @title.setter
    def title(self, value: str) -> None:
        self.titles.append(value)

    def update_menu(self) -> None:
        self.menu_updates += 1

    def run(self, setup: Callable[[FakeIcon], None]) -> None:
        setup(self)
        assert self.stopped.wait(30), "the icon was never stopped"

    def stop(self) -> None:
        self.stopped.set()


FakeIcon.__module__ = "pystray._fake"
FAKE_PYSTRAY = types.SimpleNamespace(Icon=FakeIcon, Menu=FakeMenu, MenuItem=FakeItem)


def visible_items(menu: FakeMenu) -> list[FakeItem]:
    return [i for i in menu.items if isinstance(i, FakeItem) and i.visible]


def item(menu: FakeMenu, label: str) -> FakeItem:
    return next(i for i in visible_items(menu) if i.label.startswith(label))


class EndedSource:
    """A frame source that has no frames: the loop ends at its first tick."""

    def grab(self) -> Grab:
        return Grab(None, CameraState.ENDED, "end")

    def close(self) -> None:
        pass


@pytest.fixture
def tray_app(tmp_path: Path) -> Iterator[tuple[tray.TrayApp, Monitor, RecordingNotifier]]:
    from posturewatch.store import Store

    policy = tmp_path / "policy.toml"
    policy.write_text("[enforced]\nsit_limit_min = 45\n", encoding="utf-8")
    resolved = load(tmp_path / "config.toml", policy, {})
    notifier = RecordingNotifier()
    with Store(tmp_path / "pw.db") as store:
        monitor = Monitor(resolved.settings, EndedSource(), None, store,  # type: ignore[arg-type]
                          notifier, SimulatedClock(NOW), tz=UTC)
        opened: list[Path] = []
        app = tray.TrayApp(monitor, resolved, FAKE_PYSTRAY, opener=lambda p: opened.append(p)
                           or True)
        app.opened = opened  # type: ignore[attr-defined]
        yield app, monitor, notifier


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_menu_layout_and_locked_settings(tray_app: tuple[tray.TrayApp, Monitor,
                                                         RecordingNotifier]) -> None:
    app, _monitor, _notifier = tray_app
    menu = app.icon.menu
    labels = [i.label for i in visible_items(menu)]
    assert labels == [
        "Starting\u2026", "Pause", "Resume", "I took a break", "I drank water",
        "Snooze reminder 10 min", "Reminder done", "Calibrate posture (not done yet)",
        "Open weekly report", "Other weeks", "Settings\u2026", "About PostureWatch", "Quit",
    ]
    assert visible_items(menu)[0].default
    assert not item(menu, "Resume").enabled
    assert not item(menu, "Snooze reminder").enabled  # no nudge yet
    pause = item(menu, "Pause").submenu
    assert pause is not None
    assert [i.label for i in visible_items(pause)] == MENU_ROWS_PAUSE
    assert item(menu, "Settings").submenu is None  # a window now; it shows the locks
    assert not item(menu, "Other weeks").enabled  # no state yet: no weeks worked out


MENU_ROWS_PAUSE = PAUSE_ROWS


def test_menu_clicks_become_commands(tray_app: tuple[tray.TrayApp, Monitor,
                                                     RecordingNotifier]) -> None:
    app, monitor, _notifier = tray_app
    menu = app.icon.menu
    item(menu, "I drank water").click()
    item(menu, "I took a break").click()
    pause = item(menu, "Pause").submenu
    assert pause is not None
    item(pause, "For 30 minutes").click()
    item(pause, "For 1 hour").click()
    item(menu, "Calibrate posture").click()
    got = [monitor.commands.get_nowait() for _ in range(5)]
    assert got == [LogWater(), LogBreak(), Pause(minutes=30), Pause(minutes=60), Calibrate()]
    item(menu, "Quit").click()
    assert monitor.stop.is_set() and app.icon.stopped.is_set()


def test_pause_until_tomorrow_uses_the_loops_time(tray_app: tuple[tray.TrayApp, Monitor,
                                                                  RecordingNotifier]) -> None:
    app, monitor, _notifier = tray_app
    pause = item(app.icon.menu, "Pause").submenu
    assert pause is not None
    item(pause, "Until tomorrow").click()
    monitor.drain_commands(NOW)
    state = monitor.tracker.state(NOW)
    assert state.paused_until == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # work_hours 00:00-24:00
    app.on_state(state)
    assert visible_items(app.icon.menu)[0].label == "Paused until tomorrow 00:00"
    assert item(app.icon.menu, "Resume").enabled
    assert app.icon.titles[-1] == "PostureWatch: Paused until tomorrow 00:00"


def test_tomorrow_start_follows_work_hours() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    monitor = types.SimpleNamespace(settings=Settings(work_hours="08:30-17:00"), tz=berlin)
    # 23:30 local on Saturday 28 March 2026; the clocks go forward that night.
    now = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
    start = tray.tomorrow_start(now, monitor)  # type: ignore[arg-type]
    assert start.astimezone(berlin) == datetime(2026, 3, 29, 8, 30, tzinfo=berlin)
    assert start == datetime(2026, 3, 29, 6, 30, tzinfo=UTC)
    # Friday evening with a Monday-to-Friday week: until Monday's start.
    office = types.SimpleNamespace(settings=Settings(work_hours="08:30-17:00", work_days=(
        "mon", "tue", "wed", "thu", "fri")), tz=berlin)
    friday = datetime(2026, 3, 27, 18, 0, tzinfo=UTC)
    start = tray.tomorrow_start(friday, office)  # type: ignore[arg-type]
    assert start.astimezone(berlin) == datetime(2026, 3, 30, 8, 30, tzinfo=berlin)


def test_icon_and_tooltip_follow_the_state(tray_app: tuple[tray.TrayApp, Monitor,
                                                           RecordingNotifier]) -> None:
    app, _monitor, _notifier = tray_app
    upright = State(at=NOW, presence=Presence.PRESENT, verdict=Verdict.UPRIGHT, sitting_s=60.0,
                    slouched_s=0.0, camera=CameraState.OK, paused_until=None, break_due=False,
                    next_nudge_kind=None, next_nudge_at=None)
    app.on_state(upright)
    app.on_state(replace(upright, sitting_s=61.0))  # same minute: nothing to redraw
    assert len(app.icon.icons) == 2
    assert app.icon.titles[-1] == "PostureWatch: Upright (not calibrated), sitting for 1 minute"
    updates = app.icon.menu_updates
    app.on_state(replace(upright, sitting_s=120.0))
    assert len(app.icon.icons) == 2 and app.icon.menu_updates == updates + 1
    app.on_state(replace(upright, verdict=Verdict.SLOUCHED, sitting_s=120.0))
    assert len(app.icon.icons) == 3
    assert np.asarray(app.icon.icon).tobytes() == np.asarray(
        draw_icon(IconState.SLOUCHING, tray.ICON_SIZE)).tobytes()


def test_reminders_in_the_menu_without_buttons(tray_app: tuple[tray.TrayApp, Monitor,
                                                               RecordingNotifier]) -> None:
    app, monitor, _notifier = tray_app
    app.on_message(messages.Message("Drink some water", "Now."), "water")
    item(app.icon.menu, "Snooze reminder").click()
    item(app.icon.menu, "Reminder done").click()
    assert monitor.commands.get_nowait() == Snooze(10.0)
    assert monitor.commands.get_nowait() == Done(NudgeKind.WATER)
    assert not item(app.icon.menu, "Reminder done").enabled


class NoWindows:
    """Windows that cannot open (a Python without Tk); remembers the asks."""

    problem = "the settings window needs Tk, which this Python lacks"

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []

    def open(self, name: str, *args: str) -> bool:
        self.asked.append((name, *args))
        return False

    def close_all(self) -> None:
        pass


def test_without_tk_settings_opens_a_commented_template(
        tray_app: tuple[tray.TrayApp, Monitor, RecordingNotifier], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTUREWATCH_HOME", str(tmp_path / "home"))
    app, monitor, notifier = tray_app
    app.windows = NoWindows()  # type: ignore[assignment]
    item(app.icon.menu, "Settings").click()
    path = tmp_path / "home" / "config" / "config.toml"
    assert app.windows.asked == [("settings", "--config", str(path))]  # type: ignore[attr-defined]
    assert app.opened == [path]  # type: ignore[attr-defined]
    text = path.read_text(encoding="utf-8")
    assert all(f"# {key} = " in text for key in KEYS)
    resolved = load(path, None, {})
    assert not resolved.problems and resolved.settings == Settings()
    monitor.drain_commands(NOW)
    assert notifier.shown[-1][0] == "Settings"
    assert notifier.shown[-1][1] == (f"The settings window needs Tk, which this Python lacks. "
                                     f"Edit this file in a text editor: {path}")


def test_run_ends_with_the_source_and_offers_calibration(
        tray_app: tuple[tray.TrayApp, Monitor, RecordingNotifier]) -> None:
    app, monitor, notifier = tray_app
    assert app.run() == 0
    assert app.icon.visible and app.icon.stopped.is_set()
    assert notifier.shown[0] == (messages.CALIBRATION_OFFER.title,
                                 messages.CALIBRATION_OFFER.body)
    assert app.worker is not None and not app.worker.is_alive()
    assert app.shown_after_s is not None


def test_about_and_details_notifications(tray_app: tuple[tray.TrayApp, Monitor,
                                                         RecordingNotifier]) -> None:
    app, monitor, notifier = tray_app
    item(app.icon.menu, "About PostureWatch").click()
    visible_items(app.icon.menu)[0].click()  # the status line
    monitor.drain_commands(NOW)
    titles = [title for title, _body in notifier.shown]
    assert titles[0].startswith("PostureWatch 0.") and titles[1] == "PostureWatch"
    assert "no picture is ever stored or sent" in notifier.shown[0][1]


def test_open_weekly_report(tray_app: tuple[tray.TrayApp, Monitor, RecordingNotifier],
                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTUREWATCH_HOME", str(tmp_path / "home"))
    app, monitor, notifier = tray_app
    item(app.icon.menu, "Open weekly report").click()
    monitor.drain_commands(NOW)  # Monday, the report day: last week
    reports = tmp_path / "home" / "data" / "reports"
    opened = app.opened  # type: ignore[attr-defined]
    assert notifier.shown == []
    assert opened == [reports / "posturewatch-2026-W09.html"]
    page = opened[0].read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert '<a rel="next" class="next" href="posturewatch-2026-W10.html">' in page
    assert (reports / "posturewatch-2026-W10.html").exists()  # the link leads somewhere
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    item(app.icon.menu, "Open weekly report").click()
    monitor.drain_commands(tuesday)  # any other day: this week so far
    assert opened[-1] == reports / "posturewatch-2026-W10.html"


def test_no_display_means_no_tray() -> None:
    assert tray.display_problem({}, "linux") == (
        "no display: neither DISPLAY nor WAYLAND_DISPLAY is set")
    assert tray.display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert tray.display_problem({"DISPLAY": ":0"}, "linux") is None
    assert tray.display_problem({}, "win32") is None


class BrokenIcon(FakeIcon):
    """A backend that fails before showing anything (e.g. no session bus)."""

    def run(self, setup: Callable[[FakeIcon], None]) -> None:
        raise RuntimeError("cannot reach the session bus")


class MessyIcon(FakeIcon):
    """A backend whose cleanup fails after a normal run (pystray GTK without a
    notification server)."""

    def run(self, setup: Callable[[FakeIcon], None]) -> None:
        super().run(setup)
        raise RuntimeError("ServiceUnknown: org.freedesktop.Notifications")


@pytest.mark.parametrize("icon_class", [BrokenIcon, MessyIcon])
def test_backend_failures(tmp_path: Path, icon_class: type[FakeIcon]) -> None:
    from posturewatch.store import Store

    backend = types.SimpleNamespace(Icon=icon_class, Menu=FakeMenu, MenuItem=FakeItem)
    icon_class.__module__ = "pystray._fake"
    with Store(tmp_path / "pw.db") as store:
        monitor = Monitor(Settings(), EndedSource(), None, store,  # type: ignore[arg-type]
                          RecordingNotifier(), SimulatedClock(NOW), tz=UTC)
        app = tray.TrayApp(monitor, load(None, None, {}), backend)
        if icon_class is BrokenIcon:
            with pytest.raises(tray.TrayUnavailable, match="did not start"):
                app.run()
            # The monitor carries on headless, without a dead tray listening.
            assert monitor.listeners == monitor.tick_listeners == []
            assert monitor.message_listeners == []
        else:
            assert app.run() == 0
            assert app.worker is not None and not app.worker.is_alive()


# -- the README's Linux install, as a user follows it --------------------------------------
README = Path(__file__).resolve().parents[1] / "README.md"
DISTRO_PYTHON = Path("/usr/bin/python3")


def readme_linux_install() -> str:
    """The README's install-and-run line (system site packages, so the
    distribution's PyGObject is seen)."""
    lines = [line for line in README.read_text(encoding="utf-8").splitlines()
             if line.startswith("python3 -m venv --system-site-packages .venv")]
    assert len(lines) == 1, "the README has no (or more than one) install-and-run line"
    return lines[0]


@desktop_test
def test_readme_linux_install_gives_a_working_tray(desktop: Desktop, tmp_path: Path,
                                                  upright_video: Path) -> None:
    """The README's command, in a copy of the checkout: the icon shows in the tray
    (no PYSTRAY_BACKEND), a click opens the menu, and the break nudge goes out."""
    probe = subprocess.run([str(DISTRO_PYTHON), "-c", "import gi"], capture_output=True,
                           check=False) if DISTRO_PYTHON.exists() else None
    if probe is None or probe.returncode != 0:
        pytest.skip("needs the distribution's python3 with python3-gi (apt install python3-gi "
                    "python3-venv)")
    line = readme_linux_install()
    install, _run = line.split(" && .venv/bin/posturewatch run")
    checkout = tmp_path / "checkout"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=README.parent, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((README.parent / name).read_bytes())
    started = time.monotonic()
    # On a fresh Debian or Ubuntu desktop `python3` is the distribution's own;
    # on a build machine it may be another (pyenv's): put the distribution's first.
    shims = tmp_path / "fresh-path"
    shims.mkdir()
    (shims / "python3").symlink_to(DISTRO_PYTHON)
    env = dict(os.environ, PATH=f"{shims}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(install, shell=True, cwd=checkout, capture_output=True, text=True,
                          timeout=900, check=False, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    print(f"README install took {time.monotonic() - started:.0f} s")
    app = start_app(desktop, tmp_path, upright_video,
                    program=[str(checkout / ".venv" / "bin" / "posturewatch")])
    try:
        wait_for(desktop.tray_icon, 60, "the tray icon in trayer")
        assert "tray backend gtk" in app.log()
        wait_for(lambda: [n for n in desktop.notifications() if n.title == "Time to stand up"],
                 60, "a break nudge on the bus")
        click_menu_item(desktop, tray.WATER_LABEL)
        wait_for(lambda: app.events("water_logged"), 20, "a water_logged event")
        app.proc.send_signal(signal.SIGTERM)
        assert app.proc.wait(20) == 0, app.output()
    finally:
        if app.proc.poll() is None:
            app.proc.kill()
            app.proc.wait(10)

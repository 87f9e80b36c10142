"""A real, private X desktop for tray and notification tests.

What it starts, each on its own and each stopped by its process id:

- ``Xvfb -noreset`` on a free display (Xvfb picks it: ``-displayfd``);
- a private ``dbus-daemon`` session bus from a minimal config with no
  service activation (so nothing starts behind the test's back, and "no
  notification server" really means none);
- ``dunst`` as the notification server, its ``dmenu`` pointed at a script that
  picks a button (``dunstctl context`` then presses it, as a user would);
- ``trayer`` as the tray host (XEmbed system tray), or instead a
  StatusNotifierItem tray: ``status-notifier-watcher`` (the
  ``org.kde.StatusNotifierWatcher`` service KDE, XFCE and GNOME's AppIndicator
  extension provide) and ``gtk-sni-tray-standalone`` (a panel showing the
  items registered with it, their menus over DBusMenu);
- ``dbus-monitor`` capturing every ``Notify`` call, parsed into
  :class:`Notification` values.

Fixtures (``from desktop import desktop, xserver``: pytest puts the tests
folder on ``sys.path``): ``xserver`` (one per module), ``desktop`` (bus, dunst,
trayer, capture: per test), ``sni_desktop`` (bus, dunst, the StatusNotifierItem
tray, no trayer), ``bare_desktop`` (display and bus only). A missing
binary skips the test and names the Debian package to install. Nothing here
sleeps to wait for the program's time: :func:`wait_for` polls a condition
with a real-time deadline.

It also works without pytest (``Desktop.start(...)``), for measurements.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "test-artifacts"

T = TypeVar("T")

PACKAGES = {
    "Xvfb": "xvfb",
    "dbus-daemon": "dbus",
    "dbus-monitor": "dbus",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "trayer": "trayer",
    "xdotool": "xdotool",
    "xwininfo": "x11-utils",
    "import": "imagemagick",
    "status-notifier-watcher": "haskell-status-notifier-item-utils",
    "gtk-sni-tray-standalone": "haskell-gtk-sni-tray-utils",
}

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# dunst hands the actions of the notification to "dmenu" on stdin, one per
# line ("#Snooze 10 min (Time to stand up) [3,<id>]"), and invokes the line
# printed back. This one prints the first line naming the label in CHOOSE.
DMENU_SCRIPT = """#!/bin/sh
input=$(cat)
printf '%s\\n' "$input" >> "{log}"
printf '%s\\n' "$input" | grep -F -m1 -- "$(cat "{choose}")"
"""


SNI_WATCHER = "org.kde.StatusNotifierWatcher"


class DesktopError(RuntimeError):
    """A desktop part did not come up."""


def missing_binaries(names: list[str]) -> list[str]:
    """The names of ``names`` not on PATH, each with its Debian package."""
    return [f"{n} (apt install {PACKAGES.get(n, n)})" for n in names if shutil.which(n) is None]


def skip_unless(names: list[str]) -> None:
    """Skip the calling test when one of the binaries is missing."""
    missing = missing_binaries(names)
    if missing:
        pytest.skip("desktop test needs " + ", ".join(missing))


def wait_for(condition: Callable[[], T], timeout_s: float, what: str,
             poll_s: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy; raise after
    ``timeout_s`` real seconds, naming ``what`` did not happen."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(poll_s)


def stop_process(proc: subprocess.Popen[bytes] | subprocess.Popen[str] | None,
                 timeout_s: float = 3.0) -> None:
    """Terminate one process we started (by its pid), then kill it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout_s)


# -- X server ------------------------------------------------------------------
@dataclass
class XServer:
    display: str
    proc: subprocess.Popen[bytes]

    @classmethod
    def start(cls, size: str = "800x600x24") -> XServer:
        read_fd, write_fd = os.pipe()
        proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", size, "-noreset",
             "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        try:
            number = _read_line(read_fd, 10.0)
        finally:
            os.close(read_fd)
        if not number:
            stop_process(proc)
            raise DesktopError("Xvfb did not report a display number")
        return cls(f":{number}", proc)

    def stop(self) -> None:
        stop_process(self.proc)

    def screenshot(self, name: str) -> Path:
        """Save this server's whole screen as ``test-artifacts/NAME.png``."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        subprocess.run(["import", "-display", self.display, "-window", "root", str(path)],
                       check=True, timeout=20)
        return path


def _read_line(fd: int, timeout_s: float) -> str:
    import select

    data = b""
    deadline = time.monotonic() + timeout_s
    while not data.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 64)
            if not chunk:
                break
            data += chunk
    return data.decode().strip()


# -- notifications captured from the bus ------------------------------------------
@dataclass(frozen=True)
class Notification:
    """One ``Notify`` call seen on the bus."""

    app_name: str
    title: str
    body: str
    actions: tuple[str, ...]  # the button labels (keys and the default action dropped)
    replaces_id: int = 0  # the notification this one replaces (0: a new one)
    icon: str = ""  # the app_icon argument (a file URI or an icon name)


_STRING = re.compile(r'^\s*string "(.*)"\s*$')


def parse_notify_calls(text: str) -> list[Notification]:
    """Parse ``dbus-monitor`` output into the Notify calls it shows.

    A Notify call's arguments are: app_name, replaces_id, app_icon, summary,
    body, actions (an array of key, label, key, label ...), hints, timeout.
    (A string with a line break in it would span lines: PostureWatch's bodies
    have none.)
    """
    out: list[Notification] = []
    for block in re.split(r"\n(?=\S)", text):
        lines = block.splitlines()
        if not lines or "member=Notify" not in lines[0]:
            continue
        strings: list[str] = []
        actions: list[str] = []
        numbers: list[int] = []
        depth = 0
        arrays = 0
        for line in lines[1:]:
            stripped = line.strip()
            if depth == 0 and stripped.startswith("uint32 "):
                numbers.append(int(stripped.split()[1]))
                continue
            if stripped.startswith("array ["):
                depth += 1
                if depth == 1:
                    arrays += 1
                continue
            if stripped == "]":
                depth -= 1
                continue
            match = _STRING.match(line)
            if match is None:
                continue
            value = match.group(1).replace('\\"', '"')
            if depth == 0:
                strings.append(value)
            elif depth == 1 and arrays == 1:
                actions.append(value)
        if len(strings) < 4:
            continue
        # strings: app_name, app_icon, summary, body; actions: key/label pairs.
        # The "default" action (clicking the body) has no button.
        pairs = zip(actions[0::2], actions[1::2], strict=False)
        labels = tuple(label for key, label in pairs if key != "default")
        out.append(Notification(strings[0], strings[2], strings[3], labels,
                                replaces_id=numbers[0] if numbers else 0, icon=strings[1]))
    return out


# -- the session: bus, notification server, tray host -------------------------------
@dataclass
class Desktop:
    """A private session on one X display. ``env`` is what a program under
    test needs (DISPLAY, the bus, private XDG folders and HOME)."""

    display: str
    root: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    artifacts: Path = ARTIFACTS

    @classmethod
    def start(cls, display: str, root: Path, notifications: bool = True,
              tray: bool = True, sni_tray: bool = False) -> Desktop:
        root.mkdir(parents=True, exist_ok=True)
        home = root / "home"
        runtime = root / "runtime"
        for folder in (home, runtime):
            folder.mkdir(exist_ok=True)
        runtime.chmod(0o700)
        env = {
            k: v for k, v in os.environ.items()
            if not k.startswith(("DBUS_", "XDG_", "WAYLAND", "PYSTRAY", "POSTUREWATCH"))
        }
        env.update(
            DISPLAY=display,
            HOME=str(home),
            XDG_RUNTIME_DIR=str(runtime),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            NO_AT_BRIDGE="1",
            GDK_BACKEND="x11",
        )
        desktop = cls(display, root, env)
        try:
            desktop._start_bus()
            if notifications:
                desktop.start_notifications()
            if tray:
                desktop.start_tray()
            if sni_tray:
                desktop.start_sni_tray()
        except BaseException:
            desktop.stop()
            raise
        return desktop

    # -- parts -------------------------------------------------------------
    def _start_bus(self) -> None:
        socket = self.root / "bus"
        config = self.root / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=socket), encoding="utf-8")
        proc = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile",
             "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.procs["dbus-daemon"] = proc
        assert proc.stdout is not None
        address = _read_line(proc.stdout.fileno(), 10.0)
        if not address:
            raise DesktopError("dbus-daemon did not print its address")
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address
        self._start_monitor()

    def _start_monitor(self) -> None:
        self.capture = self.root / "notify-calls.txt"
        handle = open(self.capture, "wb")  # noqa: SIM115 - closed with the process
        self.procs["dbus-monitor"] = subprocess.Popen(
            ["dbus-monitor", "--session",
             "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
            env=self.env, stdout=handle, stderr=subprocess.DEVNULL,
        )
        handle.close()
        # dbus-monitor prints its own NameAcquired signal once it listens.
        wait_for(lambda: self.capture.stat().st_size > 0, 10, "dbus-monitor to listen")

    def start_notifications(self) -> None:
        """Start dunst and wait until it owns org.freedesktop.Notifications."""
        self.dmenu_log = self.root / "dmenu-input.txt"
        self.dmenu_choice = self.root / "dmenu-choice.txt"
        self.dmenu_choice.write_text("Snooze", encoding="utf-8")
        dmenu = self.root / "dmenu.sh"
        dmenu.write_text(DMENU_SCRIPT.format(log=self.dmenu_log, choose=self.dmenu_choice),
                         encoding="utf-8")
        dmenu.chmod(0o755)
        config = self.root / "dunstrc"
        config.write_text(
            "[global]\n"
            f"    dmenu = {dmenu}\n"
            "    font = DejaVu Sans 9\n"
            "    width = 360\n"
            "    origin = top-left\n"
            "    offset = 10x40\n"
            "[urgency_normal]\n"
            "    timeout = 30\n",
            encoding="utf-8",
        )
        self.procs["dunst"] = subprocess.Popen(
            ["dunst", "-config", str(config)], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self.bus_has("org.freedesktop.Notifications"), 10,
                 "dunst to own org.freedesktop.Notifications")

    def start_tray(self) -> None:
        """Start trayer (top right, 200 x 32 px) and wait for its panel window."""
        self.procs["trayer"] = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel",
             "--width", "200", "--height", "32", "--transparent", "false",
             "--tint", "0xd8d8d8", "--SetDockType", "true"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self.windows("panel"), 10, "the trayer panel")

    def start_sni_tray(self) -> None:
        """Start a StatusNotifierWatcher and a StatusNotifierItem tray (a 32 px bar
        along the top, items at its right end); wait until the host is registered."""
        self.procs["status-notifier-watcher"] = subprocess.Popen(
            ["status-notifier-watcher"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self.bus_has(SNI_WATCHER), 10, f"{SNI_WATCHER} on the bus")
        self.procs["gtk-sni-tray-standalone"] = subprocess.Popen(
            ["gtk-sni-tray-standalone", "--top", "--end", "--size", "32", "--color", "#d8d8d8"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: "boolean true" in self.sni_property("IsStatusNotifierHostRegistered"),
                 20, "the StatusNotifierItem tray to register as a host")

    def sni_property(self, name: str) -> str:
        """A property of the StatusNotifierWatcher, as dbus-send prints it."""
        return self.run("dbus-send", "--session", "--print-reply", f"--dest={SNI_WATCHER}",
                        "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties.Get",
                        f"string:{SNI_WATCHER}", f"string:{name}", check=False)

    def sni_items(self) -> list[str]:
        """The items registered with the watcher (bus name and object path)."""
        return re.findall(r'string "([^"]+)"', self.sni_property("RegisteredStatusNotifierItems"))

    def sni_bar(self) -> Window | None:
        """The StatusNotifierItem tray's bar window."""
        bars = [w for w in self.windows("gtk-sni-tray-standalone") if w.height >= 20]
        return min(bars, key=lambda w: w.y) if bars else None

    def stop(self) -> None:
        for name in reversed(list(self.procs)):
            stop_process(self.procs.pop(name))

    # -- looking at the desktop ------------------------------------------------
    def run(self, *args: str, check: bool = True, timeout: float = 10.0) -> str:
        """Run a helper (xdotool, dunstctl ...) on this desktop; its stdout."""
        result = subprocess.run(list(args), env=self.env, capture_output=True, text=True,
                                timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise DesktopError(f"{' '.join(args)} failed ({result.returncode}): "
                               f"{result.stderr.strip()}")
        return result.stdout

    def bus_has(self, name: str) -> bool:
        out = self.run("dbus-send", "--session", "--print-reply",
                       "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                       "org.freedesktop.DBus.NameHasOwner", f"string:{name}", check=False)
        return "boolean true" in out

    def windows(self, name_prefix: str) -> list[Window]:
        """Mapped windows whose name starts with ``name_prefix`` (xwininfo -tree)."""
        out = self.run("xwininfo", "-root", "-tree", check=False)
        found = []
        for match in re.finditer(
            r'^\s*(0x[0-9a-f]+) "(.*)": \(.*\)\s+(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)',
            out, re.M,
        ):
            wid, name, w, h, x, y = match.groups()
            if name.startswith(name_prefix) and int(w) > 1 and int(x) >= 0 and int(y) >= 0:
                found.append(Window(int(wid, 16), name, int(x), int(y), int(w), int(h)))
        return found

    def tray_icon(self, name_prefix: str = "PostureWatch") -> Window | None:
        """The icon embedded in trayer's panel (its window is named after the
        icon's title), or None."""
        panels = self.windows("panel")
        if not panels:
            return None
        panel = panels[0]
        for window in self.windows(name_prefix):
            if (panel.x <= window.x < panel.x + panel.width
                    and panel.y <= window.y < panel.y + panel.height):
                return window
        return None

    def notifications(self) -> list[Notification]:
        return parse_notify_calls(self.capture.read_text(encoding="utf-8", errors="replace"))

    def screenshot(self, name: str) -> Path:
        """Save the whole screen as ``test-artifacts/NAME.png``."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{name}.png"
        self.run("import", "-window", "root", str(path), timeout=20)
        return path

    def press_notification_button(self, label: str) -> None:
        """Open dunst's context menu; our dmenu script picks ``label``."""
        self.dmenu_choice.write_text(label, encoding="utf-8")
        self.run("dunstctl", "context")


@dataclass(frozen=True)
class Window:
    wid: int
    name: str
    x: int
    y: int
    width: int
    height: int

    @property
    def center(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2


# -- menus: find the rows of an open GTK menu in a screenshot ----------------------------
def menu_rows(image_path: Path, box: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """The text rows (top, bottom) of a menu drawn inside ``box`` (x, y, w, h).

    A row is a run of pixel lines holding dark text pixels; separators are one
    or two light grey lines and are dropped. Screen coordinates.
    """
    from PIL import Image

    x, y, w, h = box
    with Image.open(image_path) as image:
        gray = image.convert("L").crop((x, y, x + w, y + h))
    width, height = gray.size
    pixels = gray.load()
    inked = []
    for row in range(height):
        dark = sum(1 for col in range(8, width - 8) if pixels[col, row] < 150)
        inked.append(dark > 0)
    rows, start = [], None
    for row, ink in enumerate(inked + [False]):
        if ink and start is None:
            start = row
        elif not ink and start is not None:
            if row - start >= 5:  # text, not a separator line
                rows.append((y + start, y + row - 1))
            start = None
    return rows


# -- one X server for Tk windows inside the test process -----------------------------------
_TK_SERVER: XServer | None = None


def tk_xserver() -> XServer:
    """A 1024x768 X server shared by every in-process Tk test, stopped when
    the test process exits. Tk keeps its display connections open for the
    life of the process and polls them all; if one X server died while the
    process went on, Xlib's I/O error handler would end the whole test run."""
    global _TK_SERVER
    if _TK_SERVER is None:
        import atexit

        _TK_SERVER = XServer.start("1024x768x24")
        atexit.register(_TK_SERVER.stop)
    return _TK_SERVER


@pytest.fixture
def screen() -> XServer:
    """The shared X server for Tk windows (``tk_xserver``), or a skip saying what is missing."""
    skip_unless(["Xvfb", "import"])
    pytest.importorskip("tkinter")
    return tk_xserver()


class FakeAutostart:
    """Start at login, remembered in memory (the settings and welcome windows' seam)."""

    def __init__(self) -> None:
        self.on = False

    def enabled(self) -> bool:
        return self.on

    def set(self, on: bool) -> None:
        self.on = on


# -- pytest fixtures ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def xserver() -> Iterator[XServer]:
    skip_unless(["Xvfb", "xwininfo"])
    server = XServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def desktop(xserver: XServer, tmp_path: Path) -> Iterator[Desktop]:
    """Bus, dunst, trayer and the Notify capture on the module's X server."""
    skip_unless(["dbus-daemon", "dbus-monitor", "dbus-send", "dunst", "dunstctl", "trayer",
                 "xdotool", "import"])
    session = Desktop.start(xserver.display, tmp_path / "desktop")
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture
def sni_desktop(xserver: XServer, tmp_path: Path) -> Iterator[Desktop]:
    """Bus, dunst and a StatusNotifierItem tray (watcher and host); no XEmbed tray."""
    skip_unless(["dbus-daemon", "dbus-monitor", "dbus-send", "dunst", "dunstctl",
                 "status-notifier-watcher", "gtk-sni-tray-standalone", "xdotool", "import"])
    session = Desktop.start(xserver.display, tmp_path / "desktop", tray=False, sni_tray=True)
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture
def bare_desktop(xserver: XServer, tmp_path: Path) -> Iterator[Desktop]:
    """A display and a bus, but no notification server and no tray host."""
    skip_unless(["dbus-daemon", "dbus-monitor", "dbus-send"])
    session = Desktop.start(xserver.display, tmp_path / "desktop", notifications=False,
                            tray=False)
    try:
        yield session
    finally:
        session.stop()

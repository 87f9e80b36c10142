# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""The real program in the tray of a private X desktop (Xvfb, dunst, trayer, a
private D-Bus), on a paced clock: presence from keyboard and mouse when the
camera is unavailable, the camera shut while the screen is locked, nudges held
in do-not-disturb. Input comes from xdotool, as from a user's hands; screen
locks from a stand-in logind (``standin_services.py``) on the private bus."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import sensor_noise
from desktop import Desktop, desktop, stop_process, wait_for, xserver  # noqa: F401

pytestmark = [pytest.mark.desktop, pytest.mark.model]
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
INTERVAL_S = 30
CONFIG = """\
sit_limit_min = 5
break_min_s = 120
nudge_cooldown_min = 1
hydration_interval_min = 240
posture_nudges = false
"""
NO_CAMERA = "63"  # a camera index that is not there


@dataclass
class App:
    proc: subprocess.Popen[str]
    home: Path
    log: Path
    env: dict[str, str]

    @property
    def db(self) -> Path:
        return self.home / "data" / "posturewatch.db"

    def status(self) -> dict[str, object]:
        try:
            return json.loads((self.home / "state" / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "posturewatch", *args], env=self.env,
                              capture_output=True, text=True, timeout=60, cwd=REPO)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def query(self, sql: str) -> list[tuple]:
        uri = f"{self.db.resolve().as_uri()}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchall()


def start(desktop: Desktop, tmp_path: Path, source: str, speed: float,
          extra_env: dict[str, str] | None = None) -> App:
    home = tmp_path / "pw-home"
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(CONFIG, encoding="utf-8")
    env = dict(desktop.env)
    env.update(POSTUREWATCH_HOME=str(home), POSTUREWATCH_TEST_MODE="1",
               POSTUREWATCH_POLICY=str(tmp_path / "no-policy.toml"),
               POSTUREWATCH_FAKE_CLOCK=f"{speed}@2026-03-02T09:00:00+00:00")
    env.update(extra_env or {})
    log = tmp_path / "app-output.txt"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "posturewatch", "run", "--source", source,
             "--interval-s", str(INTERVAL_S)],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    return App(proc, home, log, env)


@pytest.fixture
def apps() -> Iterator[list[App]]:
    started: list[App] = []
    yield started
    for app in started:
        if app.proc.poll() is None:
            app.proc.terminate()
            try:
                app.proc.wait(20)
            except subprocess.TimeoutExpired:
                app.proc.kill()
                app.proc.wait(10)


class Hands:
    """Someone at the keyboard: moves the mouse a little every 0.1 s (real time)."""

    def __init__(self, desktop: Desktop) -> None:
        self.desktop = desktop
        self.stop = threading.Event()
        self.moves = 0
        self.thread = threading.Thread(target=self._work, daemon=True)

    def _work(self) -> None:
        while not self.stop.is_set():
            x = 100 + (self.moves % 2) * 40
            self.desktop.run("xdotool", "mousemove", str(x), "300", check=False)
            self.moves += 1
            self.stop.wait(0.1)

    def __enter__(self) -> Hands:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


def titles(desktop: Desktop, title: str) -> list[str]:
    return [n.body for n in desktop.notifications() if n.title == title]


def test_typing_without_a_camera_is_sitting_and_the_break_nudge_comes(
    desktop: Desktop, tmp_path: Path, apps: list[App]
) -> None:
    with Hands(desktop):
        app = start(desktop, tmp_path, NO_CAMERA, speed=30)
        apps.append(app)
        [body] = wait_for(lambda: titles(desktop, "Time to stand up"), 90,
                          "the break nudge at the sitting limit")
        minutes = int(re.search(r"(\d+) minute", body).group(1))  # type: ignore[union-attr]
        assert 5 <= minutes <= 6
        # The tooltip and `status` say that keyboard and mouse are counting.
        icon = wait_for(lambda: desktop.tray_icon("PostureWatch: Break due: sitting for"), 20,
                        "the tooltip to say a break is due")
        assert icon.name.endswith("from keyboard and mouse (camera not found)"), icon.name
        text = app.cli("status")
        assert "Sitting is counted from keyboard and mouse activity" in text, text
        assert "Camera: not found" in text
    # Told once that the camera cannot be seen, and that input keeps counting.
    [camera] = titles(desktop, "PostureWatch cannot see the camera")
    assert "counts your sitting time from keyboard and mouse activity" in camera
    app.proc.terminate()
    assert app.proc.wait(30) == 0, app.log.read_text()
    [(detail,)] = app.query("SELECT detail FROM events WHERE kind = 'nudge_shown'")[:1]
    assert json.loads(detail)["kind"] == "break"
    assert 300 <= json.loads(detail)["sitting_s"] < 360
    camera_s, input_s, present_s = app.query(
        "SELECT sum(camera_s), sum(input_s), sum(present_s) FROM minutes")[0]
    assert camera_s == 0 and input_s == present_s and present_s >= 300
    assert app.query("SELECT sum(samples) FROM minutes")[0][0] > 0  # the camera was tried


def test_idle_input_and_no_camera_status_says_why_nothing_counts(
    desktop: Desktop, tmp_path: Path, apps: list[App]
) -> None:
    app = start(desktop, tmp_path, NO_CAMERA, speed=30)
    apps.append(app)
    wait_for(lambda: app.status().get("presence_source") == "input"
             and app.status().get("presence") == "away", 90,
             "idle input to count as away")
    text = app.cli("status")
    assert re.search(r"Nothing counts as sitting now: the camera is not found, and there was "
                     r"no keyboard or mouse input for \d+ minutes?\.", text), text
    icon = wait_for(lambda: desktop.tray_icon("PostureWatch: Away: no keyboard or mouse"), 20,
                    "the tooltip to say why")
    assert icon.name == "PostureWatch: Away: no keyboard or mouse input (camera not found)"
    assert titles(desktop, "Time to stand up") == []


@pytest.fixture
def video(tmp_path: Path, astronaut_frame: np.ndarray) -> Path:
    path = tmp_path / "upright.avi"
    small = cv2.resize(astronaut_frame, (320, 240))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (320, 240))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write MJPG .avi files here")
    for i in range(600):
        writer.write(sensor_noise(small, i))
    writer.release()
    return path


def test_a_locked_screen_shuts_the_camera_until_unlocked(
    desktop: Desktop, tmp_path: Path, apps: list[App], video: Path
) -> None:
    address = desktop.env["DBUS_SESSION_BUS_ADDRESS"]
    standin = subprocess.Popen([sys.executable, str(HERE / "standin_services.py"), address, "c7"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert standin.stdout is not None and standin.stdout.readline().strip() == "ready"
        # The private bus plays the system bus too: logind lives there.
        app = start(desktop, tmp_path, str(video), speed=20,
                    extra_env={"DBUS_SYSTEM_BUS_ADDRESS": address, "XDG_SESSION_ID": "c7"})
        apps.append(app)
        wait_for(lambda: int(app.status().get("camera_grabs") or 0) >= 3, 90, "three samples")
        assert app.status()["signals"]["lock"] == "logind"  # type: ignore[index]

        def logind(method: str) -> None:
            desktop.run("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.login1",
                        "/org/freedesktop/login1", f"org.freedesktop.login1.Manager.{method}",
                        "string:c7")

        logind("LockSession")  # as `loginctl lock-session` does
        locked = wait_for(lambda: (s := app.status()).get("screen_locked") and s, 30,
                          "the monitor to see the lock")
        assert locked["camera"] == "off" and locked["presence"] == "away"
        wait_for(lambda: desktop.tray_icon("PostureWatch: Screen locked: camera off"), 20,
                 "the tooltip to say the camera is off")
        grabs = locked["camera_grabs"]
        at = locked["at"]
        # Ten simulated minutes locked (30 s real at 20x): not one frame asked for.
        wait_for(lambda: elapsed_min(str(at), str(app.status().get("at"))) >= 10, 90,
                 "ten locked minutes")
        assert app.status()["camera_grabs"] == grabs
        logind("UnlockSession")
        back = wait_for(lambda: (s := app.status()).get("camera") == "ok" and s, 30,
                        "the camera back after unlocking")
        assert back["camera_grabs"] > grabs and not back["screen_locked"]
        app.proc.terminate()
        assert app.proc.wait(30) == 0, app.log.read_text()
        locked_s, breaks = app.query(
            "SELECT sum(locked_s), (SELECT count(*) FROM events WHERE kind = 'break_taken') "
            "FROM minutes")[0]
        assert locked_s >= 600 and breaks == 1  # locked ten minutes: a break
    finally:
        stop_process(standin)


def elapsed_min(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


def test_do_not_disturb_holds_the_break_nudge_until_it_is_off(
    desktop: Desktop, tmp_path: Path, apps: list[App], video: Path
) -> None:
    desktop.run("dunstctl", "set-paused", "true")
    app = start(desktop, tmp_path, str(video), speed=30)
    apps.append(app)
    held = wait_for(lambda: (s := app.status()).get("break_due") and s, 90,
                    "the sitting limit to pass")
    assert held["quiet"] == "do not disturb" and held["signals"]["dnd"] == "dunst"  # type: ignore[index]
    wait_for(lambda: elapsed_min(str(held["at"]), str(app.status().get("at"))) >= 3, 60,
             "three more minutes in do-not-disturb")
    assert titles(desktop, "Time to stand up") == []
    assert app.query("SELECT count(*) FROM events WHERE kind = 'nudge_shown'") == [(0,)]
    desktop.run("dunstctl", "set-paused", "false")
    wait_for(lambda: titles(desktop, "Time to stand up"), 60, "the held nudge")

# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""The real ``posturewatch run`` in the tray of a private X desktop (see
``test_tray_desktop.py`` for the set-up): the settings window opened from the
tray changes the running monitor without a restart and keeps the user's
comments, a locked key cannot be changed there, and ignored break reminders
stop at the cap, each replacing the last on the notification server.

Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import numpy as np
import pytest
from desktop import Desktop, desktop, wait_for, xserver  # noqa: F401 - fixtures
from test_tray_desktop import App, click_menu_item, desktop_test, start_app

from posturewatch import tray

SETTINGS_TITLE = "PostureWatch settings"
CONFIG = """\
# My PostureWatch settings: keep this line.
sit_limit_min = 5  # short, for the test
break_repeat_min = 1
nudge_cooldown_min = 1
hydration_interval_min = 240
break_min_s = 120
# the end
"""


def video(path: Path, frames: int) -> Path:
    """``frames`` frames (320 x 240 MJPG) of the astronaut sitting upright."""
    import cv2
    from skimage import data

    person = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (240, 240))
    frame = np.full((240, 320, 3), 128, np.uint8)
    frame[:, 40:280] = person
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (320, 240))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write MJPG .avi files here")
    from conftest import sensor_noise

    for i in range(frames):  # each frame with its own sensor noise: the same frame is "frozen"
        writer.write(sensor_noise(frame, i))
    writer.release()
    return path


def status(app: App) -> dict[str, object]:
    path = app.home / "state" / "status.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def log_text(app: App) -> str:
    path = app.home / "log" / "posturewatch.log"
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def keys(desktop: Desktop, window: int, *names: str) -> None:
    desktop.run("xdotool", "windowfocus", "--sync", str(window), "key", "--delay", "20", *names)


@desktop_test
def test_settings_window_from_the_tray_changes_the_running_monitor(
        desktop: Desktop, tmp_path: Path) -> None:
    pytest.importorskip("tkinter", reason="the settings window needs Tk (apt install python3-tk)")
    app = start_app(desktop, tmp_path, video(tmp_path / "long.avi", 900), config=CONFIG)
    config = app.home / "config" / "config.toml"
    try:
        # Five simulated minutes of sitting: the 5-minute limit says a break is due.
        wait_for(lambda: status(app).get("break_due") is True, 60, "a break to be due")

        click_menu_item(desktop, tray.SETTINGS_LABEL)
        window = wait_for(lambda: desktop.windows(SETTINGS_TITLE), 60, "the settings window")[0]
        desktop.screenshot("settings-from-tray")
        # The sitting limit has the focus, its text selected: type over it, Return saves.
        desktop.run("xdotool", "windowfocus", "--sync", str(window.wid), "type", "--delay",
                    "30", "240")
        keys(desktop, window.wid, "Return")
        wait_for(lambda: "sit_limit_min = 240.0" in config.read_text(encoding="utf-8"), 20,
                 "the new limit in config.toml")
        assert config.read_text(encoding="utf-8") == CONFIG.replace(
            "sit_limit_min = 5  #", "sit_limit_min = 240.0  #")
        desktop.screenshot("settings-saved")

        # The running monitor uses it without a restart: no break is due any more.
        wait_for(lambda: status(app).get("break_due") is False, 30,
                 "the monitor to use the new limit")
        assert "settings applied without a restart: {'sit_limit_min': 240.0}" in log_text(app)
        assert app.proc.poll() is None

        # The locked key (posture_sensitivity, enforced by the policy) cannot be
        # reached: Tab through every control pressing the keys that move a slider.
        saved = config.read_text(encoding="utf-8")
        for _ in range(30):
            keys(desktop, window.wid, "Tab", "Right", "Right", "End")
        keys(desktop, window.wid, "Return")
        desktop.screenshot("settings-locked-untouched")
        assert config.read_text(encoding="utf-8") == saved
        assert "posture_sensitivity" not in saved
        keys(desktop, window.wid, "Escape")
        wait_for(lambda: not desktop.windows(SETTINGS_TITLE), 10, "the window to close")
    finally:
        app.proc.send_signal(signal.SIGTERM)
        code = app.proc.wait(20)
    assert code == 0, app.output()


@desktop_test
def test_ignored_break_reminders_stop_at_the_cap_each_replacing_the_last(
        desktop: Desktop, tmp_path: Path) -> None:
    # 40 samples 30 s apart: 20 minutes of unbroken sitting with the default cap
    # (3). Without the cap, a 5-minute limit repeated every minute would give 16.
    app = start_app(desktop, tmp_path, video(tmp_path / "short.avi", 40), config=CONFIG)
    code = app.proc.wait(60)  # the video ends, the program stops by itself
    assert code == 0, app.output()
    shown = [e for e in app.events("nudge_shown") if e["detail"]["kind"] == "break"]
    assert [e["detail"]["repeat"] for e in shown] == [0, 1, 2]
    breaks = wait_for(lambda: (found := [n for n in desktop.notifications()
                                         if n.title == "Time to stand up"])
                      and len(found) == 3 and found, 10, "three break notifications")
    first, *repeats = breaks
    assert first.replaces_id == 0
    assert repeats[0].replaces_id != 0 and {n.replaces_id for n in repeats} == {
        repeats[0].replaces_id}
    assert all(n.icon.endswith("/icons/note-break.png") for n in breaks), breaks[0].icon
    # dunst holds one break notification: the last, under the first one's id.
    desktop.run("dunstctl", "close-all")
    history = json.loads(desktop.run("dunstctl", "history"))["data"][0]
    kept = [n for n in history if n["summary"]["data"] == "Time to stand up"]
    assert [n["id"]["data"] for n in kept] == [repeats[0].replaces_id]
    assert kept[0]["body"]["data"] == breaks[-1].body
    offer = [n for n in desktop.notifications() if n.title == "Calibrate PostureWatch"]
    assert offer and offer[0].icon.endswith("/icons/note-info.png")

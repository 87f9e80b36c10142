# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""``posturewatch doctor`` as a user runs it: a real subprocess, on no desktop,
on a bare display, and on a full private desktop (dunst + trayer)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desktop import Desktop, bare_desktop, desktop, sni_desktop, xserver  # noqa: F401

from posturewatch.doctor import Check, Status, format_checks, guarded
from posturewatch.notify import native_available


def base_env(tmp_path: Path, desktop_env: dict[str, str] | None = None) -> dict[str, str]:
    if desktop_env is not None:
        env = dict(desktop_env)
    else:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
               and not k.startswith("XDG_")}
        env["HOME"] = str(tmp_path / "home")
    env.update(POSTUREWATCH_HOME=str(tmp_path / "pw"),
               POSTUREWATCH_POLICY=str(tmp_path / "no-policy.toml"))
    return env


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posturewatch", "doctor", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def line(output: str, name: str) -> str:
    """The report line of check ``name`` and its fix line, if any."""
    lines = output.splitlines()
    for i, text in enumerate(lines):
        parts = text.split()
        if len(parts) > 2 and " ".join(parts[1:]).startswith(name + " "):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            return text + ("\n" + following if "fix:" in following else "")
    raise AssertionError(f"no {name!r} line in:\n{output}")


@pytest.mark.model
def test_doctor_without_a_desktop(tmp_path: Path, astronaut_video: Callable[..., Path]) -> None:
    video = astronaut_video(n_astronaut=2, n_blank=0)
    result = doctor(base_env(tmp_path), "--source", str(video))
    out = result.stdout
    assert result.returncode == 1, out + result.stderr  # notifications cannot work
    assert line(out, "camera").split()[0] == "ok"
    assert "gives 640x480 frames" in line(out, "camera")
    assert line(out, "pose model").startswith("  ok")
    assert "no database yet" in line(out, "database")
    notifications = line(out, "notifications")
    assert notifications.split()[0] == "FAIL"
    assert "fix: There is no D-Bus session bus" in notifications
    tray = line(out, "tray")
    assert tray.split()[0] == "warn" and "no display" in tray and "headless" in tray
    assert "does not start at login" in line(out, "autostart")
    assert out.rstrip().endswith("1 problem: 1 problem to fix.")
    # A doctor changes nothing: no database, no config file was created.
    assert not (tmp_path / "pw" / "data").exists()
    assert not (tmp_path / "pw" / "config").exists()


def test_doctor_names_a_missing_camera(tmp_path: Path) -> None:
    result = doctor(base_env(tmp_path), "--source", "9")
    camera = line(result.stdout, "camera")
    assert camera.split()[0] == "FAIL"
    assert "no frame from camera 9" in camera
    assert "fix: No frame from camera 9." in camera
    assert result.returncode == 1


def test_doctor_reads_an_existing_database(tmp_path: Path) -> None:
    from posturewatch.model import Event, EventKind
    from posturewatch.store import Store

    db = tmp_path / "pw" / "data" / "posturewatch.db"
    with Store(db) as store:
        store.write(Event(EventKind.WATER_LOGGED, datetime(2026, 3, 2, 9, tzinfo=UTC), {}))
        version = store.schema_version
    before = db.stat().st_mtime_ns
    result = doctor(base_env(tmp_path), "--source", "9")
    database = line(result.stdout, "database")
    assert database.split()[0] == "ok"
    assert f"{db} (schema {version}," in database
    assert db.stat().st_mtime_ns == before


@pytest.mark.desktop
def test_doctor_on_a_full_desktop(desktop: Desktop, tmp_path: Path,
                                  astronaut_video: Callable[..., Path]) -> None:
    video = astronaut_video(n_astronaut=1, n_blank=0)
    result = doctor(base_env(tmp_path, desktop.env), "--source", str(video), "--notify")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    notifications = line(out, "notifications")
    assert "a test notification was sent" in notifications
    if native_available()[0]:
        assert notifications.split()[0] == "ok" and "with buttons" in notifications
    else:  # plyer alone cannot tell whether it worked, nor show buttons
        assert notifications.split()[0] == "warn"
        assert "install desktop-notifier" in notifications.lower()
    tray = line(out, "tray")
    assert tray.split()[0] == "ok"
    assert ("an unnamed desktop (XDG_CURRENT_DESKTOP unset) on X11 (XDG_SESSION_TYPE unset): "
            "pystray gtk backend; a system tray is running") in tray
    sent = [n for n in desktop.notifications() if n.title == "PostureWatch doctor"]
    assert sent and sent[0].body == "Notifications work."
    assert ("everything PostureWatch needs works" if native_available()[0]
            else "PostureWatch can run; see the warnings") in out


@pytest.mark.desktop
def test_doctor_on_a_bare_display(bare_desktop: Desktop, tmp_path: Path) -> None:
    result = doctor(base_env(tmp_path, bare_desktop.env), "--source", "9")
    tray = line(result.stdout, "tray")
    assert tray.split()[0] == "warn"
    assert "no system tray on this X display" in tray
    notifications = line(result.stdout, "notifications")
    assert notifications.split()[0] == "FAIL"
    assert "no notification server answers" in notifications
    assert "fix: Start a notification server" in notifications


def test_a_crashing_check_is_a_failed_check() -> None:
    def broken() -> Check:
        raise RuntimeError("boom")

    check = guarded("thing", broken)
    assert check.status is Status.FAIL
    assert "RuntimeError: boom" in check.detail


def test_format_checks_summary_and_fixes() -> None:
    text = format_checks([
        Check("camera", Status.OK, "camera 0 gives 640x480 frames", "never shown"),
        Check("tray", Status.WARN, "no tray", "add a tray"),
        Check("log", Status.INFO, "the log is in /x"),
    ])
    assert text.splitlines()[1] == "  ok    camera  camera 0 gives 640x480 frames"
    assert "never shown" not in text
    assert "          fix: add a tray" in text
    assert text.endswith("1 ok, 1 warning, 0 problems: PostureWatch can run; see the warnings.")


@pytest.mark.desktop
def test_doctor_with_a_statusnotifieritem_tray(sni_desktop: Desktop, tmp_path: Path) -> None:
    env = base_env(tmp_path, sni_desktop.env)
    env.update(XDG_CURRENT_DESKTOP="XFCE", XDG_SESSION_TYPE="x11")
    tray = line(doctor(env, "--source", "9").stdout, "tray")
    assert tray.split()[0] == "ok"
    assert ("XFCE on X11 (XDG_SESSION_TYPE x11): pystray appindicator backend; a "
            "StatusNotifierItem tray is running (org.kde.StatusNotifierWatcher is on the "
            "session bus with a tray registered)") in tray


@pytest.mark.desktop
def test_doctor_says_what_to_install_when_no_icon_can_show(bare_desktop: Desktop,
                                                          tmp_path: Path) -> None:
    # GNOME on X11 without the AppIndicator extension: no tray of either kind.
    env = base_env(tmp_path, bare_desktop.env)
    env.update(XDG_CURRENT_DESKTOP="GNOME", XDG_SESSION_TYPE="x11")
    tray = line(doctor(env, "--source", "9").stdout, "tray")
    assert tray.split()[0] == "warn"
    assert "GNOME on X11 (XDG_SESSION_TYPE x11): pystray gtk backend; no system tray" in tray
    assert ("fix: GNOME shows tray icons only with its AppIndicator extension: Debian/Ubuntu: "
            "`sudo apt install gnome-shell-extension-appindicator`") in tray
    # GNOME on Wayland that GTK cannot reach: no backend at all.
    env = {k: v for k, v in env.items() if k != "DISPLAY"}
    env.update(XDG_SESSION_TYPE="wayland", WAYLAND_DISPLAY="wayland-posturewatch-none")
    tray = line(doctor(env, "--source", "9").stdout, "tray")
    assert tray.split()[0] == "FAIL"
    assert tray.split("  tray")[1].strip().startswith(
        "no usable tray backend on GNOME on Wayland (XDG_SESSION_TYPE wayland)")
    assert "gtk: XEmbed needs an X display (DISPLAY is not set)" in tray
    assert "gnome-extensions enable appindicatorsupport@rgcjonas.gmail.com" in tray

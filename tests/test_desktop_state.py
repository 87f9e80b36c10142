"""The desktop seam in the loop (fakes at the seam, the real loop, store and
tracker), and the other operating systems' sources off their home ground."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from conftest import empty_scene, sensor_noise

from posturewatch.app import Monitor, Pause
from posturewatch.camera import Grab
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.desktop_state import DesktopState, FakeDesktop, open_desktop
from posturewatch.model import CameraState, Presence, PresenceSource
from posturewatch.notify import RecordingNotifier
from posturewatch.store import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class KeptOpenCamera:
    """A camera in keep-open mode: counts grabs and releases."""

    def __init__(self) -> None:
        self.grabs = 0
        self.releases = 0
        self.open = False

    def grab(self) -> Grab:
        self.grabs += 1
        self.open = True
        return Grab(sensor_noise(empty_scene(120, 160), self.grabs), CameraState.OK)

    def release(self) -> None:
        self.releases += 1
        self.open = False

    def close(self) -> None:
        self.release()


class Nobody:
    def estimate(self, frame: np.ndarray) -> None:
        return None


def monitor_with(tmp_path: Path, desk: FakeDesktop, camera: KeptOpenCamera,
                 **settings: object) -> Monitor:
    return Monitor(Settings(**settings), camera, Nobody(), Store(tmp_path / "pw.db"),  # type: ignore[arg-type]
                   RecordingNotifier(), SimulatedClock(T0), desktop=desk)


def ticks(monitor: Monitor, n: int) -> None:
    for _ in range(n):
        monitor.tick()
        monitor.clock.advance(5)  # type: ignore[attr-defined]


def test_locked_or_paused_the_kept_camera_is_let_go_at_once(tmp_path: Path) -> None:
    desk, camera = FakeDesktop(input_idle_s=300.0), KeptOpenCamera()
    monitor = monitor_with(tmp_path, desk, camera, camera_keep_open=True)
    ticks(monitor, 3)
    assert (camera.grabs, camera.open) == (3, True)
    desk.locked = True
    ticks(monitor, 12)
    assert (camera.grabs, camera.open) == (3, False)
    state = monitor.tracker.state(monitor.clock.now())
    assert state.screen_locked and state.presence is Presence.AWAY
    assert state.presence_source is PresenceSource.LOCK
    desk.locked = False
    ticks(monitor, 2)
    assert camera.grabs == 5
    monitor.commands.put(Pause(minutes=5))
    ticks(monitor, 12)
    assert (camera.grabs, camera.open) == (5, False)
    assert desk.reads == 29  # the desktop is read every tick, the camera is not
    monitor.store.close()


def test_input_presence_off_ignores_the_keyboard(tmp_path: Path) -> None:
    desk, camera = FakeDesktop(input_idle_s=1.0), KeptOpenCamera()
    on = monitor_with(tmp_path / "on", desk, camera)
    ticks(on, 3)
    assert on.tracker.state(on.clock.now()).presence_source is PresenceSource.INPUT
    on.store.close()
    off = monitor_with(tmp_path / "off", desk, KeptOpenCamera(), input_presence=False)
    ticks(off, 3)
    state = off.tracker.state(off.clock.now())
    assert state.presence is Presence.AWAY and state.presence_source is PresenceSource.CAMERA
    assert state.input_idle_s is None
    off.store.close()
    with sqlite3.connect(tmp_path / "off" / "pw.db") as conn:
        assert conn.execute("SELECT count(*) FROM minutes").fetchone() == (0,)  # none complete


def test_other_systems_sources_cannot_tell_here() -> None:
    """Windows and macOS sources run where they belong; elsewhere they say
    "cannot tell" instead of failing (their real test is on those systems)."""
    for platform in ("win32", "darwin"):
        probe = open_desktop(Settings(), platform=platform)
        assert probe.read() == DesktopState()
        assert probe.signals() == {"lock": None, "input": None, "dnd": None, "fullscreen": None}
        probe.close()


def test_a_desktop_that_raises_is_cannot_tell(tmp_path: Path) -> None:
    class Broken(FakeDesktop):
        def read(self) -> DesktopState:
            raise RuntimeError("the bus fell over")

    monitor = monitor_with(tmp_path, Broken(), KeptOpenCamera())
    ticks(monitor, 2)
    assert monitor.camera_grabs == 2  # monitoring goes on with the camera
    monitor.store.close()


class ScriptedCamera:
    """Gives the states of ``script`` in turn (a frame for OK), then repeats the last."""

    def __init__(self, *script: CameraState) -> None:
        self.script = list(script)
        self.n = 0

    def grab(self) -> Grab:
        state = self.script[min(self.n, len(self.script) - 1)]
        self.n += 1
        if state is CameraState.OK:
            return Grab(sensor_noise(empty_scene(120, 160), self.n), state)
        return Grab(None, state, "")

    def close(self) -> None:
        pass


def test_a_busy_camera_is_told_about_only_when_it_never_worked(tmp_path: Path) -> None:
    blocked = Monitor(Settings(), ScriptedCamera(CameraState.BUSY), Nobody(),
                      Store(tmp_path / "a.db"), RecordingNotifier(), SimulatedClock(T0),
                      desktop=FakeDesktop(input_idle_s=1.0))
    ticks(blocked, 20)
    [(title, body)] = blocked.notifier.shown  # type: ignore[attr-defined]
    assert title == "PostureWatch cannot use the camera"
    assert "privacy settings" in body and "keyboard and mouse" in body
    blocked.store.close()
    in_a_call = Monitor(Settings(), ScriptedCamera(CameraState.OK, CameraState.BUSY), Nobody(),
                        Store(tmp_path / "b.db"), RecordingNotifier(), SimulatedClock(T0),
                        desktop=FakeDesktop(input_idle_s=1.0))
    ticks(in_a_call, 20)
    assert in_a_call.notifier.shown == []  # type: ignore[attr-defined]
    state = in_a_call.tracker.state(in_a_call.clock.now())
    assert state.camera is CameraState.BUSY and state.presence is Presence.PRESENT
    in_a_call.store.close()

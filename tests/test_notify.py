# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""Notifications: the real backends against a real notification server (dunst
on a private bus), their failures, the buttons, and the texts."""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desktop import Desktop, bare_desktop, desktop, wait_for, xserver  # noqa: F401

from posturewatch import messages
from posturewatch.app import Done, Monitor, Snooze
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.messages import nudge_message, status_line, tooltip
from posturewatch.model import CameraState, Nudge, NudgeKind, Presence, State, Verdict
from posturewatch.notify import (
    Button,
    NativeNotifier,
    PlyerNotifier,
    RecordingNotifier,
    make_notifier,
    native_available,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
needs_native = pytest.mark.skipif(not native_available()[0],
                                  reason="desktop-notifier is not installed")


# -- the recording notifier -----------------------------------------------------------
def test_recording_notifier_keeps_and_presses() -> None:
    pressed: list[str] = []
    notifier = RecordingNotifier(supports_buttons=True)
    assert notifier.show("T", "B", (Button("Done", lambda: pressed.append("done")),))
    assert notifier.shown == [("T", "B")]
    notifier.press("Done")
    assert pressed == ["done"]
    with pytest.raises(LookupError):
        notifier.press("Snooze 10 min")
    off = RecordingNotifier(working=False)
    assert off.show("T", "B") is False and off.shown == []


# -- the Monitor hook: buttons become commands --------------------------------------------
class NoFrames:
    def grab(self) -> object:  # never called in these tests
        raise AssertionError("no frames here")

    def close(self) -> None:
        pass


class NoPose:
    def estimate(self, frame: object) -> None:
        return None


@pytest.fixture
def store(tmp_path: Path) -> Iterator[object]:
    from posturewatch.store import Store

    with Store(tmp_path / "pw.db") as db:
        yield db


def monitor_with(notifier: RecordingNotifier, store: object) -> Monitor:
    return Monitor(Settings(), NoFrames(), NoPose(), store, notifier,  # type: ignore[arg-type]
                   SimulatedClock(NOW))


def test_nudge_buttons_put_commands_and_store_the_action(store: object) -> None:
    notifier = RecordingNotifier(supports_buttons=True)
    monitor = monitor_with(notifier, store)
    monitor.show_nudge(Nudge(NudgeKind.WATER, NOW, 3600.0))
    shown = notifier.log[-1]
    assert shown.title == "Drink some water"
    assert [b.label for b in shown.buttons] == ["Snooze 10 min", "Done"]

    notifier.press("Snooze 10 min")
    notifier.press("Done")
    assert monitor.commands.get_nowait() == Snooze(10.0)
    assert monitor.commands.get_nowait() == Done(NudgeKind.WATER)

    monitor.commands.put(Done(NudgeKind.WATER))
    later = NOW + timedelta(seconds=5)
    monitor.drain_commands(later)
    events = store.events(NOW, later + timedelta(seconds=1))  # type: ignore[attr-defined]
    kinds = [(e["kind"], e["detail"]) for e in events]
    assert ("nudge_shown", {"kind": "water", "sitting_s": 3600.0, "repeat": 0,
                            "delivered": True}) in kinds
    assert ("nudge_acted", {"action": "done", "kind": "water"}) in kinds
    assert ("water_logged", {"source": "nudge"}) in kinds


def test_no_buttons_without_support(store: object) -> None:
    notifier = RecordingNotifier(supports_buttons=False)
    monitor = monitor_with(notifier, store)
    monitor.show_nudge(Nudge(NudgeKind.BREAK, NOW, 1900.0))
    assert notifier.log[-1].buttons == ()


# -- the fallback, for real: on Linux without dbus-python it runs notify-send ---------------
plyer_notify_send = pytest.mark.skipif(
    not sys.platform.startswith("linux") or importlib.util.find_spec("dbus") is not None,
    reason="plyer uses notify-send only on Linux without dbus-python",
)


@plyer_notify_send
def test_plyer_failure_is_logged_once_then_recovery(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    record = tmp_path / "notify-send.args"
    fake = tmp_path / "bin" / "notify-send"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n', encoding="utf-8")
    fake.chmod(0o755)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    notifier = PlyerNotifier()
    with caplog.at_level(logging.INFO, logger="posturewatch.notify"):
        monkeypatch.setenv("PATH", str(fake.parent))
        assert notifier.show("Time to stand up", "Walk.") is True
        assert record.read_text(encoding="utf-8").splitlines()[-2:] == [
            "Time to stand up", "Walk."]

        # notify-send goes away: every show fails, the log says so once.
        monkeypatch.setenv("PATH", str(empty))
        assert [notifier.show("Time to stand up", "Walk.") for _ in range(3)] == [False] * 3
        warnings = [r for r in caplog.records if "are not working" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
        assert notifier.failing

        # It comes back: it works, and we say so once.
        monkeypatch.setenv("PATH", str(fake.parent))
        assert notifier.show("Drink some water", "Now.") is True
    assert record.read_text(encoding="utf-8").splitlines()[-2:] == ["Drink some water", "Now."]
    assert sum("work again" in r.getMessage() for r in caplog.records) == 1
    assert not notifier.failing


# -- desktop-notifier against dunst on a private bus -----------------------------------------
def use_bus(monkeypatch: pytest.MonkeyPatch, session: Desktop) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.env["DBUS_SESSION_BUS_ADDRESS"])
    monkeypatch.setenv("DISPLAY", session.env["DISPLAY"])


@needs_native
@pytest.mark.desktop
def test_native_notification_with_buttons_through_dunst(
        desktop: Desktop, monkeypatch: pytest.MonkeyPatch) -> None:
    use_bus(monkeypatch, desktop)
    pressed = threading.Event()
    notifier = NativeNotifier()
    try:
        assert notifier.supports_buttons is True
        message = nudge_message(NudgeKind.BREAK, 32 * 60, 0, 0)
        buttons = (Button(messages.SNOOZE_LABEL, pressed.set),
                   Button(messages.DONE_LABEL, lambda: None))
        assert notifier.show(message.title, message.body, buttons) is True
        sent = wait_for(desktop.notifications, 10, "the Notify call")[-1]
        assert (sent.app_name, sent.title, sent.body) == (
            "PostureWatch", "Time to stand up", message.body)
        assert message.body.startswith(
            "You have been sitting for 32 minutes. Stand up and walk for two minutes. Try ")
        assert sent.actions == ("Snooze 10 min", "Done")
        desktop.press_notification_button(messages.SNOOZE_LABEL)
        assert pressed.wait(10), "the Snooze button press did not reach us"
        assert "#Snooze 10 min" in desktop.dmenu_log.read_text(encoding="utf-8")
    finally:
        notifier.close()


@needs_native
@pytest.mark.desktop
def test_native_without_a_server_fails_quietly_then_recovers(
        bare_desktop: Desktop, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    use_bus(monkeypatch, bare_desktop)
    notifier = NativeNotifier(timeout_s=5)
    try:
        with caplog.at_level(logging.INFO, logger="posturewatch.notify"):
            assert notifier.supports_buttons is False
            assert [notifier.show("Drink some water", "Now.") for _ in range(3)] == [False] * 3
            assert sum("are not working" in r.getMessage() for r in caplog.records) == 1
            assert not [r for r in caplog.records if r.name.startswith("desktop_notifier")
                        and r.levelno >= logging.WARNING]
            bare_desktop.start_notifications()
            assert notifier.show("Drink some water", "Now.") is True
            assert notifier.supports_buttons is True
        assert sum("work again" in r.getMessage() for r in caplog.records) == 1
        titles = [n.title for n in bare_desktop.notifications()]
        assert titles.count("Drink some water") >= 1
    finally:
        notifier.close()


@needs_native
def test_native_without_a_bus_never_raises(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    notifier = NativeNotifier(timeout_s=5)
    try:
        assert notifier.show("Sit up straight", "Roll your shoulders back.") is False
        assert notifier.failing and notifier.supports_buttons is False
    finally:
        notifier.close()


@needs_native
def test_make_notifier_prefers_desktop_notifier() -> None:
    notifier = make_notifier()
    try:
        assert isinstance(notifier, NativeNotifier)
    finally:
        notifier.close()  # type: ignore[attr-defined]


# -- the texts -----------------------------------------------------------------------------
def test_break_nudges_name_the_minutes_and_vary() -> None:
    bodies = {nudge_message(NudgeKind.BREAK, 32 * 60 + 40, 0, v).body for v in range(4)}
    assert len(bodies) == 4
    for body in bodies:
        assert re.search(r"\b32 minutes\b", body), body
        assert len(body) < 240
    first = nudge_message(NudgeKind.BREAK, 32 * 60, 0, 0)
    assert first.title == "Time to stand up"
    assert first.body == ("You have been sitting for 32 minutes. Stand up and walk for two "
                          "minutes. Try this for your back: stand tall, lace your fingers and "
                          "reach up high for three slow breaths.")
    repeat = nudge_message(NudgeKind.BREAK, 75 * 60, 1, 0)
    assert repeat.body.startswith("Still sitting: 1 hour 15 minutes now.")


def test_every_break_nudge_offers_a_stretch_and_they_take_turns() -> None:
    from posturewatch.stretches import AREAS, STRETCHES, stretch_line

    bodies = [nudge_message(NudgeKind.BREAK, 1800, 0, 0, stretch_turn=t).body
              for t in range(len(STRETCHES))]
    assert [b.split(". ", 2)[2] for b in bodies] == [stretch_line(s) for s in STRETCHES]
    # Back, neck and shoulders in turn; each area has more than one stretch.
    areas = [s.area for s in STRETCHES]
    assert all(areas[i] != areas[i + 1] for i in range(len(areas) - 1))
    assert {a: areas.count(a) for a in AREAS} == {"back": 3, "neck": 3, "shoulders": 3}
    assert all(len(stretch_line(s)) <= 110 for s in STRETCHES)
    # Water and posture nudges carry none.
    assert "Try this" not in nudge_message(NudgeKind.WATER, 0, 0, 0).body


def test_water_and_posture_nudges_vary() -> None:
    water = {nudge_message(NudgeKind.WATER, 0, 0, v) for v in range(3)}
    posture = {nudge_message(NudgeKind.POSTURE, 0, 0, v) for v in range(3)}
    assert {m.title for m in water} == {"Drink some water"}
    assert {m.title for m in posture} == {"Sit up straight"}
    assert len(water) == 3 and len(posture) == 3


def state(**changes: object) -> State:
    base = State(at=NOW, presence=Presence.PRESENT, verdict=Verdict.UPRIGHT, sitting_s=12 * 60.0,
                 slouched_s=0.0, camera=CameraState.OK, paused_until=None, break_due=False,
                 next_nudge_kind=None, next_nudge_at=None)
    return replace(base, **changes)


def test_status_lines() -> None:
    tz = UTC
    assert status_line(None, tz) == "Starting\u2026"
    assert status_line(state(), tz) == "Upright, sitting for 12 minutes"
    assert status_line(state(), tz, calibrated=False) == (
        "Upright (not calibrated), sitting for 12 minutes")
    assert status_line(state(verdict=Verdict.SLOUCHED), tz) == "Slouching, sitting for 12 minutes"
    assert status_line(state(verdict=Verdict.UNKNOWN), tz) == "Monitoring, sitting for 12 minutes"
    assert status_line(state(break_due=True, sitting_s=31 * 60.0), tz) == (
        "Break due: sitting for 31 minutes")
    assert status_line(state(presence=Presence.AWAY), tz) == "Away from the desk"
    assert status_line(state(camera=CameraState.BUSY), tz) == (
        "Camera busy (in use by another app?)")
    assert status_line(state(camera=CameraState.MISSING), tz) == "Camera not found"
    assert status_line(state(paused_until=NOW + timedelta(minutes=30)), tz) == (
        "Paused until 09:30")
    assert status_line(state(paused_until=NOW + timedelta(days=1)), tz) == (
        "Paused until tomorrow 09:00")
    assert status_line(state(paused_until=datetime(9999, 12, 31, tzinfo=UTC)), tz) == (
        "Paused until you resume")


def test_tooltip_mentions_working_hours() -> None:
    assert tooltip(state(), UTC) == "PostureWatch: Upright, sitting for 12 minutes"
    assert tooltip(state(in_working_hours=False), UTC).endswith(
        "(outside working hours: no reminders)")

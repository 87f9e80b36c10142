# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""Notifications that do not wear thin: an icon per kind, and a new one of a
kind replaces the last one of that kind, checked against a real notification
server (dunst on a private bus) through both backends."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from desktop import Desktop, desktop, wait_for, xserver  # noqa: F401

from posturewatch.app import Monitor
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.icons import NoteIcon, draw_note_icon, write_note_icons
from posturewatch.model import Nudge, NudgeKind
from posturewatch.notify import (
    KIND_ICONS,
    NativeNotifier,
    PlyerNotifier,
    RecordingNotifier,
    native_available,
)
from posturewatch.store_protocol import MemoryStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_every_kind_has_its_own_icon_and_no_warning_wears_the_tick() -> None:
    assert set(KIND_ICONS.values()) <= {i.value for i in NoteIcon}
    pictures = {i: np.asarray(draw_note_icon(i, 32)) for i in NoteIcon}
    for a in NoteIcon:
        for b in NoteIcon:
            if a < b:
                assert np.abs(pictures[a].astype(int) - pictures[b]).mean() > 8, (a, b)
    for kind in ("posture", "settings", "camera", "break", "water"):
        assert KIND_ICONS[kind] != NoteIcon.UPRIGHT


def test_icons_are_written_once_and_kept(tmp_path: Path) -> None:
    written = write_note_icons(tmp_path / "icons")
    assert set(written) == {i.value for i in NoteIcon}
    stamps = {k: p.stat().st_mtime_ns for k, p in written.items()}
    assert write_note_icons(tmp_path / "icons") == written
    assert {k: p.stat().st_mtime_ns for k, p in written.items()} == stamps


def test_the_monitor_sends_each_nudge_as_its_kind_and_stretches_take_turns() -> None:
    notifier = RecordingNotifier()
    sink = MemoryStore()
    monitor = Monitor(Settings(), None, None, sink, notifier,  # type: ignore[arg-type]
                      SimulatedClock(NOW))
    for kind in (NudgeKind.BREAK, NudgeKind.WATER, NudgeKind.BREAK, NudgeKind.POSTURE):
        monitor.show_nudge(Nudge(kind, NOW, 1800.0))
    monitor.tell("PostureWatch", "About.")
    assert [(s.kind, s.icon, s.replaced) for s in notifier.log] == [
        ("break", "break", None), ("water", "water", None), ("break", "break", 0),
        ("posture", "posture", None), ("info", "info", None)]
    assert sink.meta == {"stretch_turn": "2"}
    # A restart carries on with the next stretch.
    again = Monitor(Settings(), None, None, sink, RecordingNotifier(),  # type: ignore[arg-type]
                    SimulatedClock(NOW))
    again.show_nudge(Nudge(NudgeKind.BREAK, NOW, 1800.0))
    assert sink.meta == {"stretch_turn": "3"}
    bodies = [s.body for s in notifier.log if s.kind == "break"] + [again.notifier.log[0].body]
    assert len({b.split(" Try this for your ")[1] for b in bodies}) == 3


def test_every_notifier_keeps_the_whole_contract() -> None:
    """The recording, plyer and desktop-notifier backends take the same
    ``show`` arguments as the protocol, and say whether they show buttons and
    how they close: the monitor calls them without asking first."""
    import inspect

    from posturewatch.notify import NativeNotifier, Notifier, PlyerNotifier

    wanted = inspect.signature(Notifier.show)
    for backend in (RecordingNotifier, PlyerNotifier, NativeNotifier):
        assert inspect.signature(backend.show) == wanted, backend.__name__
        assert callable(backend.close) and hasattr(backend, "supports_buttons"), backend
    assert RecordingNotifier().supports_buttons is False


# -- against dunst ------------------------------------------------------------------------
def use_bus(monkeypatch: pytest.MonkeyPatch, session: Desktop) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.env["DBUS_SESSION_BUS_ADDRESS"])
    monkeypatch.setenv("DISPLAY", session.env["DISPLAY"])


def on_screen(session: Desktop) -> dict[str, list[int]]:
    """What dunst shows, as title -> ids (closing all moves them to the history)."""
    session.run("dunstctl", "close-all")
    history = json.loads(session.run("dunstctl", "history"))["data"][0]
    out: dict[str, list[int]] = {}
    for note in history:
        out.setdefault(note["summary"]["data"], []).append(note["id"]["data"])
    return out


def check_replacing(session: Desktop, folder: Path) -> None:
    calls = wait_for(lambda: len(c := session.notifications()) >= 4 and c, 10, "four Notify calls")
    assert [(c.title, c.replaces_id == 0) for c in calls] == [
        ("Time to stand up", True), ("Still sitting", False), ("Drink some water", True),
        ("Stand up now", False)]
    assert calls[1].replaces_id == calls[3].replaces_id
    assert calls[0].icon.endswith(str(folder / "note-break.png"))
    assert calls[2].icon.endswith(str(folder / "note-water.png"))
    shown = on_screen(session)
    assert shown == {"Stand up now": [calls[1].replaces_id], "Drink some water": shown[
        "Drink some water"]}
    assert len(shown["Drink some water"]) == 1


@pytest.mark.desktop
@pytest.mark.skipif(not native_available()[0], reason="desktop-notifier is not installed")
def test_desktop_notifier_replaces_by_kind_with_replaces_id(
        desktop: Desktop, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_bus(monkeypatch, desktop)
    folder = tmp_path / "icons"
    notifier = NativeNotifier(icons=write_note_icons(folder))
    try:
        assert notifier.show("Time to stand up", "30 min.", kind="break") is True
        assert notifier.show("Still sitting", "45 min.", kind="break") is True
        assert notifier.show("Drink some water", "Now.", kind="water") is True
        assert notifier.show("Stand up now", "75 min.", kind="break") is True
        check_replacing(desktop, folder)
    finally:
        notifier.close()


@pytest.mark.desktop
@pytest.mark.skipif(not sys.platform.startswith("linux")
                    or importlib.util.find_spec("dbus") is not None,
                    reason="the plyer fallback runs notify-send only on Linux without dbus-python")
def test_the_notify_send_fallback_replaces_by_kind_too(
        desktop: Desktop, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from desktop import skip_unless

    skip_unless(["notify-send"])
    use_bus(monkeypatch, desktop)
    folder = tmp_path / "icons"
    notifier = PlyerNotifier(icons=write_note_icons(folder))
    assert notifier.show("Time to stand up", "30 min.", kind="break") is True
    assert notifier.show("Still sitting", "45 min.", kind="break") is True
    assert notifier.show("Drink some water", "Now.", kind="water") is True
    assert notifier.show("Stand up now", "75 min.", kind="break") is True
    check_replacing(desktop, folder)

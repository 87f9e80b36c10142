# ruff: noqa: F811 - pytest fixtures imported from other test modules are used as parameters
"""The pseudo-locale finds English that never went through gettext.

Under ``en_XA`` every string of the template shows as ``⟦Ŧéšŧ⟧``; a string
that was not wrapped, or wrapped but not extracted into the template, stays
English. Each test renders what a person sees (the tray menu and tooltip,
every notification text, the report as text and as a page, CLI messages, the
settings window and the welcome pages) and fails on any English word left
outside the brackets, naming it.

Left as they are on purpose (not words to translate): the app's name,
setting names, commands, file paths, week labels and units in numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from posturewatch import i18n
from posturewatch.config import KEYS

OPEN, CLOSE = i18n.PSEUDO_OPEN, i18n.PSEUDO_CLOSE
ALLOWED = {"PostureWatch", "posturewatch", "MB", "KiB", "UTC", "HH", "MM", "DST", "pid", "JSON",
           "CSV", "HTML", "mm", "csv", "json", "Europe", "Berlin", "sudo", "chmod",
           "chown"} | set(KEYS)
_BRACKETED = re.compile(re.escape(OPEN) + r"[^" + OPEN + CLOSE + r"]*" + re.escape(CLOSE))
_TECHNICAL = re.compile(r"`[^`]*`|\S*[/\\]\S*|\b\w+_\w+\b|\b\d{4}-W\d{2}\b|--[\w-]+|"
                        r"\b[\w-]+\.(?:toml|json|csv|html|db|log|task)\b"
                        r"|\bposturewatch(?: [a-z]+)+")


def english_left(text: str) -> list[str]:
    """Words of English outside the pseudo brackets (nested ones too)."""
    previous = None
    while previous != text:
        previous, text = text, _BRACKETED.sub(" ", text)
    text = _TECHNICAL.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED]


def assert_translated(texts: Iterable[str], where: str) -> None:
    problems = [(t, english_left(t)) for t in texts]
    problems = [(t, words) for t, words in problems if words]
    assert not problems, f"{where}: English left in\n" + "\n".join(
        f"  {words} in {t!r}" for t, words in problems[:20])


@pytest.fixture(autouse=True)
def pseudo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LANGUAGE", i18n.PSEUDO)
    assert i18n.use("auto") == i18n.PSEUDO
    yield
    i18n.use("en")


def test_the_checker_sees_english_and_lets_pseudo_and_tokens_pass() -> None:
    assert english_left(i18n.pseudo("Time to stand up")) == []
    assert english_left(f"{i18n.pseudo('Paused until {t}')} 14:00".replace("{t}", "x")) == []
    assert english_left("Time to stand up") == ["Time", "to", "stand", "up"]
    # What fills a placeholder is outside the brackets, so it is checked too.
    assert english_left(i18n.pseudo("a {x} b").format(x="Tuesday")) == ["Tuesday"]
    assert english_left("`posturewatch config check` /etc/posturewatch/x.toml") == []


# -- the report --------------------------------------------------------------------------
class VisibleText(HTMLParser):
    """What a reader sees or hears: text outside <style>, and titles and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def test_the_report_as_text_and_page(tmp_path: Path) -> None:
    from test_report_render import BERLIN, NOW, make_db, two_weeks

    from posturewatch.report.files import render_report

    db = make_db(tmp_path / "pw.db", two_weeks())
    for now in (NOW, NOW - timedelta(days=2)):  # a finished week and one in progress
        text = render_report(db, fmt="text", tz=BERLIN, now=now)
        assert OPEN in text
        lines = [line for line in text.splitlines() if line.strip(" -=")]
        # The table's and the bar chart's rows hold numbers and bars only.
        assert_translated([re.sub(r"[#%]+", " ", line) for line in lines], "text report")
        parser = VisibleText()
        parser.feed(render_report(db, fmt="html", tz=BERLIN, now=now))
        assert_translated(parser.texts, "HTML report")
    empty = render_report(tmp_path / "none.db", fmt="html", tz=BERLIN, now=NOW)
    parser = VisibleText()
    parser.feed(empty)
    assert_translated(parser.texts, "HTML report without a database")


# -- notifications, the status line, the tray ------------------------------------------------
def test_every_notification_text() -> None:
    from posturewatch import messages
    from posturewatch.calibration import CAMERA_REASONS, make_baseline
    from posturewatch.config import Problem
    from posturewatch.config_watch import problem_message
    from posturewatch.model import CameraState, NudgeKind

    texts: list[str] = []
    for kind in NudgeKind:
        for repeat in (0, 1):
            for variant in range(12):
                m = messages.nudge_message(kind, 61 * 60 + 5, repeat, variant)
                texts += [m.title, m.body]
    for state in CameraState:
        for tracking in (False, True):
            m = messages.camera_problem_message(state, "", tracking)
            texts += [m.title, m.body]
    for m in (messages.CALIBRATION_OFFER, messages.CALIBRATION_GET_READY,
              messages.CALIBRATING, messages.CALIBRATED, messages.NO_CAMERA):
        texts += [i18n.gettext(m.title), i18n.gettext(m.body)]
    texts += [i18n.gettext(t) for t in (messages.CALIBRATION_FAILED_TITLE,
                                        messages.SNOOZE_LABEL, messages.DONE_LABEL,
                                        messages.CALIBRATE_LABEL)]
    texts += [i18n.gettext(r) for r in CAMERA_REASONS.values()]
    refused = make_baseline([], datetime(2026, 3, 2, tzinfo=UTC))
    texts.append(refused.reason)  # type: ignore[union-attr]
    path = Path("/home/me/.config/posturewatch/config.toml")
    for problems in ([Problem(path, 3, "sit_limit_min", "must be a number")],
                     [Problem(path, 3, "a", "b"), Problem(path, 4, "c", "d")]):
        texts += list(problem_message(tuple(problems)))
    assert_translated([t.replace("must be a number", "") for t in texts], "notifications")


def _states() -> list[object]:
    from dataclasses import replace

    from posturewatch.model import CameraState, NudgeKind, Presence, PresenceSource, State, Verdict

    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    base = State(at=at, presence=Presence.PRESENT, verdict=Verdict.UPRIGHT, sitting_s=1900.0,
                 slouched_s=0.0, camera=CameraState.OK, paused_until=None, break_due=False,
                 next_nudge_kind=NudgeKind.BREAK, next_nudge_at=at + timedelta(minutes=5))
    out: list[object] = [None, base]
    out += [replace(base, verdict=verdict) for verdict in Verdict]
    out += [replace(base, camera=camera, presence_source=source, presence=presence)
            for camera in CameraState for source in PresenceSource for presence in Presence]
    out += [replace(base, break_due=True), replace(base, in_working_hours=False),
            replace(base, quiet="do not disturb"),
            replace(base, screen_locked=True, camera=CameraState.OFF)]
    out += [replace(base, paused_until=at + delta)
            for delta in (timedelta(hours=1), timedelta(days=1), timedelta(days=3))]
    out.append(replace(base, paused_until=datetime(9999, 12, 31, tzinfo=UTC)))
    return out


def test_status_line_and_tooltip_in_every_state() -> None:
    from posturewatch import messages

    texts = []
    for state in _states():
        for calibrated in (True, False):
            texts.append(messages.status_line(state, UTC, calibrated))  # type: ignore[arg-type]
            texts.append(messages.tooltip(state, UTC, calibrated))  # type: ignore[arg-type]
    assert_translated(texts, "status line and tooltip")


def test_the_tray_menu_and_its_notifications(tmp_path: Path) -> None:
    from test_tray_desktop import FAKE_PYSTRAY, NOW, EndedSource, FakeMenu, visible_items

    from posturewatch import tray
    from posturewatch.app import Monitor
    from posturewatch.clock import SimulatedClock
    from posturewatch.config import load
    from posturewatch.notify import RecordingNotifier
    from posturewatch.store import Store

    resolved = load(tmp_path / "config.toml", tmp_path / "policy.toml", {})
    notifier = RecordingNotifier()
    with Store(tmp_path / "pw.db") as store:
        monitor = Monitor(resolved.settings, EndedSource(), None, store,  # type: ignore[arg-type]
                          notifier, SimulatedClock(NOW), tz=UTC)
        app = tray.TrayApp(monitor, resolved, FAKE_PYSTRAY, opener=lambda p: False)
        labels: list[str] = []

        def walk(menu: FakeMenu) -> None:
            for entry in visible_items(menu):
                labels.append(entry.label)
                if entry.submenu is not None:
                    walk(entry.submenu)

        walk(app.icon.menu)
        assert len(labels) >= 12
        assert_translated(labels + [app.icon.title], "tray menu")
        app._tell_details(monitor, NOW)
        app._about(monitor, NOW)
        app._on_open_settings(reason="no Tk here")
        while not monitor.commands.empty():
            command = monitor.commands.get()
            command.fn(monitor, NOW)  # type: ignore[attr-defined]
    texts = [t for title, body in notifier.shown for t in (title, body)]
    assert len(texts) >= 6
    assert_translated([t.replace("No Tk here", "") for t in texts], "tray notifications")


# -- the command line --------------------------------------------------------------------------
def test_cli_messages(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from posturewatch.cli import cli

    runner = CliRunner()
    outputs = []
    for args in (["status"], ["pause"], ["resume"], ["water"], ["break"],
                 ["report", "--format", "text", "--db", str(tmp_path / "none.db")],
                 ["report", "--week", "2026-W99"],
                 ["config", "check", str(tmp_path / "missing.toml")],
                 ["autostart", "status"]):
        result = runner.invoke(cli, args)
        outputs.append(result.output)
    bad = tmp_path / "bad.toml"
    bad.write_text("sit_limit_min = 'x'\n", encoding="utf-8")
    outputs.append(runner.invoke(cli, ["config", "check", str(bad)]).output)
    lines = [line for out in outputs for line in out.splitlines() if line.strip()]
    assert lines
    # click's own words ("Usage", "Error:") come from click's catalogue, not ours.
    lines = [re.sub(r"^(Error|Usage|Try)\b:?", "", line) for line in lines]
    assert_translated(lines, "command line")


# -- the windows ----------------------------------------------------------------------------------
def _widget_texts(widget: object) -> list[str]:
    import tkinter as tk

    out = []
    for child in widget.winfo_children():  # type: ignore[attr-defined]
        try:
            text = child.cget("text")
        except tk.TclError:
            text = ""
        if isinstance(text, str) and text.strip():
            out.append(text)
        out += _widget_texts(child)
    return out


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from desktop import tk_xserver

    server = tk_xserver()
    monkeypatch.setenv("DISPLAY", server.display)
    yield


def test_the_settings_window_and_the_welcome(screen: None, tmp_path: Path) -> None:
    import tkinter as tk

    from test_onboarding import FakeAutostart

    from posturewatch.onboarding_window import WelcomeWindow
    from posturewatch.settings_window import SettingsWindow

    user = tmp_path / "config.toml"
    user.write_text("sit_limit_min = 1000\n", encoding="utf-8")  # a problem to show
    policy = tmp_path / "policy.toml"
    policy.write_text("[enforced]\ncamera_index = 0\n", encoding="utf-8")  # a lock to show
    root = tk.Tk()
    try:
        win = SettingsWindow(root, user, policy, FakeAutostart(), opener=lambda p: None)
        root.update()
        texts = _widget_texts(root) + [root.title(), win.banner.get()]
        assert len(texts) > 20
        assert_translated(texts, "settings window")
    finally:
        root.destroy()
    root = tk.Tk()
    try:
        window = WelcomeWindow(root, str(tmp_path / "no-video.avi"), FakeAutostart())
        texts = [root.title()]
        for page in range(5):
            window.show(page)
            root.update()
            texts += _widget_texts(root)
        if window.feed is not None:
            window.feed.stop()
        assert_translated([t.replace(str(tmp_path), "") for t in texts], "welcome")
    finally:
        root.destroy()

"""Every nudge kind walks through every consumer of ``nudge_kinds.KINDS``: the
tracker, the texts, the monitor and its notifier, the tray, the icons and the
report (summary, CSV, JSON). Then a throwaway kind ("rest your eyes") is added
to a copy of the package with exactly the edits the table's docstring names,
and the same walk runs over it; a kind left half-done fails at import.

Real parts: a real SQLite store, the real report read path; a recording
notifier and a fake pystray backend at the seams (no display needed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posturewatch import report
from posturewatch.app import Done, Monitor
from posturewatch.clock import SimulatedClock
from posturewatch.config import KEYS, Settings, load
from posturewatch.icons import NoteIcon, draw_note_icon
from posturewatch.messages import DONE_LABEL, NUDGE_TEXTS, nudge_message
from posturewatch.model import (
    Event,
    EventKind,
    MinuteSummary,
    Nudge,
    NudgeKind,
    Record,
    Sample,
    Verdict,
)
from posturewatch.notify import KIND_ICONS, RecordingNotifier
from posturewatch.nudge_kinds import BY_PRIORITY, KINDS, Due
from posturewatch.report.files import build_summary, render
from posturewatch.report.records import CSV_FIELDS
from posturewatch.session import Tracker
from posturewatch.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
STEP = timedelta(seconds=5)
SLOUCHED = Sample(present=True, verdict=Verdict.SLOUCHED, confidence=1.0)
REPO = Path(__file__).resolve().parents[1]


def only(kind: NudgeKind, **extra: object) -> Settings:
    """Default settings with every other kind switched off."""
    switches = {spec.enabled_setting: spec.kind is kind for spec in KINDS.values()}
    return replace(Settings(), **switches, **extra)  # type: ignore[arg-type]


def first_nudge(tracker: Tracker, start: datetime) -> tuple[Nudge, datetime]:
    """Feed a person who sits slouched until a nudge comes (at most 8 hours)."""
    now = start
    for _ in range(8 * 720):
        nudges = [a for a in tracker.step(now, SLOUCHED) if isinstance(a, Nudge)]
        if nudges:
            return nudges[0], now
        now += STEP
    raise AssertionError("no nudge in 8 hours of slouched sitting")


def walk_tracker(kind: NudgeKind) -> Nudge:
    spec = KINDS[kind]
    tracker = Tracker(only(kind), UTC)
    tracker.step(NOW, SLOUCHED)
    tracker.step(NOW + STEP, SLOUCHED)
    assert tracker.state(NOW + STEP).next_nudge_kind is kind
    nudge, at = first_nudge(tracker, NOW + 2 * STEP)
    assert nudge.kind is kind and nudge.repeat == 0
    # Switched off, it never comes.
    off = Tracker(replace(only(kind), **{spec.enabled_setting: False}), UTC)  # type: ignore[arg-type]
    for i in range(int((at - NOW) / STEP) + 10):
        assert not [a for a in off.step(NOW + i * STEP, SLOUCHED) if isinstance(a, Nudge)]
    # "Done" answers it, and records its answer event when it has one.
    done = tracker.done(at + STEP, kind)
    events = [a.item for a in done if isinstance(a, Record) and isinstance(a.item, Event)]
    assert events[0].kind is EventKind.NUDGE_ACTED and events[0].detail["kind"] == kind.value
    assert [e.kind for e in events[1:]] == ([spec.answer] if spec.answer else [])
    # The next one is the second of a bout, with the back-off, or after the answer.
    again, _ = first_nudge(tracker, at + 2 * STEP)
    assert again.kind is kind
    return nudge


def walk_texts(kind: NudgeKind, nudge: Nudge) -> None:
    texts = NUDGE_TEXTS[kind]
    others = {NUDGE_TEXTS[k].title for k in KINDS if k is not kind}
    assert texts.title not in others
    bodies = set()
    for variant in range(len(texts.bodies)):
        message = nudge_message(kind, 1800.0, 0, variant)
        assert message.title == texts.title
        assert ("Try this for your " in message.body) == KINDS[kind].stretch
        bodies.add(message.body)
    assert len(bodies) == len(texts.bodies)  # the wordings take turns
    repeat = nudge_message(kind, 3600.0, 1, 0).body
    first = (texts.repeat_bodies or texts.bodies)[0].format(sat="1 hour", Sat="1 hour")
    assert repeat.startswith(first)


def walk_monitor_and_tray(kind: NudgeKind, nudge: Nudge, db: Path) -> None:
    from test_tray_desktop import FAKE_PYSTRAY, EndedSource, item

    from posturewatch import tray

    spec, texts = KINDS[kind], NUDGE_TEXTS[kind]
    settings = only(kind)
    notifier = RecordingNotifier(supports_buttons=True)
    with Store(db) as store:
        monitor = Monitor(settings, EndedSource(), None, store,  # type: ignore[arg-type]
                          notifier, SimulatedClock(nudge.at), tz=UTC)
        app = tray.TrayApp(monitor, load(None, None, {}), FAKE_PYSTRAY)
        monitor.message_listeners.append(app.on_message)
        monitor.show_nudge(nudge)
        shown = notifier.log[-1]
        assert (shown.kind, shown.icon, shown.title) == (kind.value, spec.icon, texts.title)
        assert KIND_ICONS[kind.value] == spec.icon
        # The notification's "Done" button answers this kind.
        notifier.press(DONE_LABEL)
        assert monitor.commands.get_nowait() == Done(kind)
        # Without buttons the tray menu carries "Reminder done" for it.
        monitor.notifier = RecordingNotifier()
        item(app.icon.menu, "Reminder done").click()
        assert monitor.commands.get_nowait() == Done(kind)
        monitor.dispatch(nudge.at + STEP, monitor.handle(Done(kind), nudge.at + STEP))
        # The details notification names the next reminder in the kind's words.
        later = nudge.at + timedelta(hours=1)
        monitor.tracker.step(later, SLOUCHED)
        monitor.tracker.step(later + STEP, SLOUCHED)
        item(app.icon.menu, "").click()  # the status line, the menu's first item
        monitor.drain_commands(later + STEP)
        sentence = texts.next_reminder.split("{time}")[0]
        assert sentence in monitor.notifier.log[-1].body
        stored = store.events(NOW - timedelta(days=1), NOW + timedelta(days=1))
    kinds = [(e["kind"], e["detail"].get("kind")) for e in stored]
    assert ("nudge_shown", kind.value) in kinds and ("nudge_acted", kind.value) in kinds


def followed_by_evidence(kind: NudgeKind, at: datetime) -> list[Event | MinuteSummary]:
    """What the kind's follow-up rule counts as following a nudge shown ``at``."""
    rule = KINDS[kind].follow
    items: list[Event | MinuteSummary] = []
    for event in rule.events:
        items.append(Event(event, at + timedelta(minutes=1),
                           {rule.flag: True} if rule.flag else {}))
    if rule.upright_after:
        base = at.replace(second=0, microsecond=0)
        items += [MinuteSummary(base + timedelta(minutes=i), 60, 60, 0, 0, 0, 12)
                  for i in range(1, 6)]
    return items


def walk_report(kind: NudgeKind, db: Path) -> None:
    """Two nudges: one answered "done" (in the database already), one
    followed by the kind's own evidence (when its rule has any)."""
    spec, texts = KINDS[kind], NUDGE_TEXTS[kind]
    second = NOW + timedelta(hours=3)
    evidence = followed_by_evidence(kind, second)
    with Store(db) as store:
        store.write(Event(EventKind.NUDGE_SHOWN, second, {"kind": kind.value}))
        for thing in evidence:
            store.write(thing)
    summary = build_summary(db, "2026-W10", tz=UTC, now=NOW + timedelta(days=1))
    expected = 2 if evidence else 1
    assert summary.totals.nudges[kind.value] == report.NudgeCount(2, expected, 0)
    rows = render(summary, "csv").splitlines()
    header = rows[0].split(",")
    week = dict(zip(header, next(r for r in rows if r.startswith("week,")).split(","),
                    strict=True))
    assert (week[spec.columns[0]], week[spec.columns[1]]) == ("2", str(expected))
    assert texts.followed in render(summary, "json")
    html = render(summary, "html")
    assert f"{kind.value} {expected}/2" in html


def test_the_table_covers_every_kind_and_orders_the_report() -> None:
    assert set(KINDS) == set(NudgeKind) == set(NUDGE_TEXTS)
    assert report.NUDGE_KINDS == tuple(k.value for k in KINDS)
    header = CSV_FIELDS
    columns = [c for spec in KINDS.values() for c in spec.columns]
    assert [f for f in header if f in columns] == columns
    assert sorted(KINDS[k].priority for k in BY_PRIORITY) == [KINDS[k].priority for k in
                                                               BY_PRIORITY]
    for spec in KINDS.values():
        assert spec.enabled_setting in KEYS and KEYS[spec.enabled_setting].kind == "bool"
        assert (spec.due is Due.INTERVAL) == (spec.interval_setting in KEYS)


@pytest.mark.parametrize("kind", list(KINDS), ids=lambda k: k.value)
def test_every_kind_walks_through_every_consumer(kind: NudgeKind, tmp_path: Path) -> None:
    nudge = walk_tracker(kind)
    walk_texts(kind, nudge)
    draw_note_icon(NoteIcon(KINDS[kind].icon), 32)
    db = tmp_path / "pw.db"
    walk_monitor_and_tray(kind, nudge, db)
    walk_report(kind, db)


# -- a throwaway kind, added to a copy of the package --------------------------------------
POSTURE_ROW = ('                 follow=FollowRule(5, upright_after=True),'
               ' icon="posture"),\n')
POSTURE_TEXTS = ('        followed=N_("posture: marked done, or mostly upright in the 5 minutes '
                 'after"),\n    ),\n')
EYES_EDITS = {
    "model.py": ('    POSTURE = "posture"\n',
                 '    POSTURE = "posture"\n    EYES = "eyes"\n'),
    "config.py": [
        ("    posture_nudges: bool = True\n",
         "    posture_nudges: bool = True\n    eye_nudges: bool = True\n"
         "    eye_rest_interval_min: float = 20.0\n"),
        ('        _spec("posture_nudges", "bool", "Show nudges to sit up straight."),\n',
         '        _spec("posture_nudges", "bool", "Show nudges to sit up straight."),\n'
         '        _spec("eye_nudges", "bool", "Remind me to rest my eyes."),\n'
         '        _spec("eye_rest_interval_min", "float", "Minutes between two eye rests.",'
         ' "min", 5, 240),\n'),
    ],
    "nudge_kinds.py": (POSTURE_ROW,
                       POSTURE_ROW +
                       '        KindSpec(NudgeKind.EYES, priority=3, enabled_setting="eye_nudges",'
                       ' due=Due.INTERVAL,\n'
                       '                 interval_setting="eye_rest_interval_min",'
                       ' follow=FollowRule(5), icon="info"),\n'),
    "messages.py": (POSTURE_TEXTS,
                    POSTURE_TEXTS +
                    '    NudgeKind.EYES: NudgeTexts(\n'
                    '        N_("Rest your eyes"),\n'
                    '        (N_("Look at something 6 metres away for 20 seconds."),),\n'
                    '        next_reminder=N_("Next reminder (rest your eyes) in about {time}."),\n'
                    '        followed=N_("eyes: marked done within 5 min"),\n'
                    '    ),\n'),
}


def copy_with(tmp_path: Path, files: tuple[str, ...]) -> Path:
    """A copy of the package with the eye-rest edits to ``files`` applied."""
    root = tmp_path / "copy"
    shutil.copytree(REPO / "posturewatch", root / "posturewatch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in files:
        edits = EYES_EDITS[name]
        path = root / "posturewatch" / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits if isinstance(edits, list) else [edits]:
            assert text.count(old) == 1, f"{name}: the edit's anchor moved: {old!r}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return root


def run_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(REPO / "tests")])}
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_a_new_kind_is_a_table_entry_its_texts_and_its_settings(tmp_path: Path) -> None:
    root = copy_with(tmp_path, tuple(EYES_EDITS))
    where = run_in(root, "-c", "import posturewatch; print(posturewatch.__file__)")
    assert where.stdout.strip().startswith(str(root)), where.stderr
    done = run_in(root, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=",
                  "-v", f"{Path(__file__)}::test_every_kind_walks_through_every_consumer",
                  f"{Path(__file__)}::test_the_table_covers_every_kind_and_orders_the_report")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    passed = re.findall(r"test_every_kind_walks_through_every_consumer\[(\w+)\] PASSED",
                        done.stdout)
    assert sorted(passed) == sorted([k.value for k in KINDS] + ["eyes"])


@pytest.mark.parametrize(("left_out", "complaint"), [
    ("nudge_kinds.py", "nudge_kinds.KINDS has no entry for eyes"),
    ("messages.py", "messages.NUDGE_TEXTS: missing ['eyes']"),
    ("config.py", "enabled_setting 'eye_nudges' is not a true/false setting"),
])
def test_a_half_done_kind_fails_at_import(tmp_path: Path, left_out: str,
                                          complaint: str) -> None:
    root = copy_with(tmp_path, tuple(name for name in EYES_EDITS if name != left_out))
    done = run_in(root, "-c", "import posturewatch.messages")
    assert done.returncode != 0 and complaint in done.stderr, done.stderr[-2000:]

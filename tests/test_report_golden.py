"""The weekly report renders the same output for the same database, byte for byte.

A deterministic database (two office weeks in Berlin with every kind of row the
report reads: bouts, short absences, a bout across midnight, present-but-not-
seated and unknown seconds, break/water/posture nudges followed, snoozed and
ignored, water, a failed calibration retry, a daylight-saving weekend) is
written here through the real store. Each case renders it and compares with
files under ``tests/golden/report/`` that were made by the code before the
report became a package (report.py and report_render.py, in the commit that
added this file), so a refactoring that changes a single number, word or chart
coordinate fails here.

The HTML is compared in two parts: everything after ``</style>`` byte for byte,
and the style sheet as the browser resolves it (``var(--name)`` replaced by its
value, line breaks dropped), so the colours may move into one table without
the page changing.

To write the golden files again after an intended change of output:
``python tests/test_report_golden.py --write`` (and say why in the commit).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

if __name__ == "__main__":  # run as a script to write the golden files
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posturewatch.config import Settings
from posturewatch.model import Event, EventKind, MinuteSummary
from posturewatch.report.files import render_report
from posturewatch.store import Store

GOLDEN = Path(__file__).resolve().parent / "golden" / "report"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # Friday 16:30 in Berlin, week 47
SETTINGS = Settings(sit_limit_min=30.0, break_min_s=120.0)

# name -> (render keyword arguments, formats)
CASES: dict[str, tuple[dict[str, object], tuple[str, ...]]] = {
    "w47-partial": ({}, ("html", "text", "json", "csv")),
    "w46-last": ({"last": True}, ("html", "text", "json", "csv")),
    "w43-dst": ({"week": "2026-W43"}, ("html", "json")),
    "w30-empty": ({"week": "2026-W30"}, ("text", "json")),
}

# Per weekday: local start (hour, minute) and (minutes sitting, minutes away) in turn.
PLANS = {
    0: ((8, 0), ((50, 5), (35, 1), (70, 45), (40, 4), (95, 10), (25, 3))),
    1: ((8, 30), ((25, 3), (95, 50), (30, 5), (45, 8), (80, 3))),
    2: ((7, 45), ((40, 4), (40, 1), (55, 40), (20, 2), (60, 6), (60, 3))),
    3: ((9, 0), ((130, 45), (60, 10), (45, 5), (50, 3))),
    4: ((8, 15), ((30, 3), (45, 3), (30, 40), (30, 3), (50, 3), (30, 3), (60, 3))),
    5: ((10, 0), ((40, 5),)),
}


def slouched(local: datetime, day_number: int, i: int) -> float:
    """A repeatable slouch pattern: worse in the afternoon and late in a bout."""
    base = {14: 14.0, 15: 30.0, 16: 21.0}.get(local.hour, 9.0 if local.hour > 16 else 4.0)
    return min(60.0, base + (i * 7 + day_number * 13) % 11 + (i // 20) * 2.5)


def office_day(day: date, number: int, tz: ZoneInfo) -> tuple[list, list]:
    """Minute summaries and events for one planned day (store objects)."""
    minutes: list[MinuteSummary] = []
    events: list[Event] = []
    (hour, minute), plan = PLANS[day.weekday()]
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)
    next_water = moment + timedelta(minutes=55)
    for bout, (sit, away) in enumerate(plan):
        last_nudge = None
        for i in range(sit):
            at = moment + timedelta(minutes=i)
            sl = slouched(at.astimezone(tz), number, i)
            present = 60.0 if (i + number) % 17 else 50.0  # some minutes half seen
            unknown = 60.0 - present
            seated = present if (i + bout) % 23 else present - 8.0  # present, not seated
            minutes.append(MinuteSummary(at, present, seated, min(sl, seated), 0.0, unknown,
                                         12, 1.1, 0.9, 0.4, round(sl / 60, 3)))
            if i and i % 30 == 0:
                events.append(Event(EventKind.NUDGE_SHOWN, at + timedelta(seconds=5),
                                    {"kind": "break", "sitting_s": i * 60, "repeat": i // 30 - 1}))
                last_nudge = at
            if sl >= 18 and (i + number) % 4 == 0:
                nudge = at + timedelta(seconds=20)
                events.append(Event(EventKind.NUDGE_SHOWN, nudge,
                                    {"kind": "posture", "sitting_s": i * 60, "repeat": 0}))
                answer = (i + bout) % 3
                if answer == 1:
                    events.append(Event(EventKind.NUDGE_ACTED, nudge + timedelta(seconds=40),
                                        {"kind": "posture", "action": "done"}))
                elif answer == 2:
                    events.append(Event(EventKind.NUDGE_ACTED, nudge + timedelta(seconds=30),
                                        {"kind": "posture", "action": "snooze"}))
            if at >= next_water:
                events.append(Event(EventKind.NUDGE_SHOWN, at + timedelta(seconds=10),
                                    {"kind": "water", "sitting_s": i * 60, "repeat": 0}))
                if (number + bout) % 3:
                    events.append(Event(EventKind.WATER_LOGGED, at + timedelta(minutes=4),
                                        {"source": "nudge"}))
                next_water = at + timedelta(minutes=65)
        moment += timedelta(minutes=sit)
        for i in range(away):
            minutes.append(MinuteSummary(moment + timedelta(minutes=i), 0.0, 0.0, 0.0, 60.0,
                                         0.0, 12))
        if away >= 2:
            detail: dict[str, object] = {"sat_s": sit * 60, "away_s": 120, "source": "detected"}
            if last_nudge is not None and moment - last_nudge <= timedelta(minutes=15):
                detail["followed_nudge"] = True
            events.append(Event(EventKind.BREAK_TAKEN, moment + timedelta(minutes=2), detail))
        moment += timedelta(minutes=away)
    return minutes, events


def late_bout(start: datetime, length: int) -> list[MinuteSummary]:
    """A bout of ``length`` minutes from a local ``start`` (across midnight here)."""
    first = start.astimezone(UTC)
    return [MinuteSummary(first + timedelta(minutes=i), 60.0, 60.0, 20.0, 0.0, 0.0, 12)
            for i in range(length)]


def make_db(path: Path) -> Path:
    """The golden database, written by the real store."""
    minutes: list[MinuteSummary] = []
    events = [
        Event(EventKind.CALIBRATION, datetime(2026, 10, 1, 7, tzinfo=UTC), {"ok": True}),
        Event(EventKind.CALIBRATION, datetime(2026, 11, 17, 7, 59, tzinfo=UTC),
              {"ok": False, "reason": "nobody in view"}),
    ]
    days = [date(2026, 11, 9) + timedelta(days=i) for i in range(6)]
    days += [date(2026, 11, 16) + timedelta(days=i) for i in range(5)]
    days += [date(2026, 10, 19) + timedelta(days=i) for i in range(3)]  # DST week 43
    for number, day in enumerate(days):
        day_minutes, day_events = office_day(day, number, BERLIN)
        minutes += day_minutes
        events += day_events
    minutes += late_bout(datetime(2026, 11, 14, 23, 20, tzinfo=BERLIN), 55)
    minutes += late_bout(datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN), 120)  # clocks go back
    with Store(path) as store:
        assert store.write_many([*minutes, *events])
    return path


def render_case(db: Path, name: str, fmt: str) -> str:
    kwargs, _formats = CASES[name]
    return render_report(db, fmt=fmt, tz=BERLIN, now=NOW, settings=SETTINGS,
                         **kwargs)  # type: ignore[arg-type]


SUFFIX = {"html": "html", "text": "txt", "json": "json", "csv": "csv"}
PARAMS = [(name, fmt) for name, (_kw, formats) in CASES.items() for fmt in formats]


def golden_path(name: str, fmt: str) -> Path:
    return GOLDEN / f"{name}.{SUFFIX[fmt]}"


def resolved_css(html: str) -> str:
    """The page's style sheet as the browser applies it: custom properties
    replaced by their values, line breaks dropped."""
    css = html.split("<style>", 1)[1].split("</style>", 1)[0].replace("\n", "")
    root = re.search(r":root\{([^}]*)\}", css)
    assert root, "no :root block"
    values = dict(re.findall(r"--([\w-]+):([^;]+)", root.group(1)))
    rules = css[: root.start()] + css[root.end() :]
    for _ in range(3):  # values may refer to other values
        rules = re.sub(r"var\(--([\w-]+)\)", lambda m: values[m.group(1)], rules)
    assert "var(" not in rules
    return rules


@pytest.fixture(scope="module")
def golden_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_db(tmp_path_factory.mktemp("golden") / "posturewatch.db")


@pytest.mark.parametrize(("name", "fmt"), PARAMS)
def test_report_matches_the_golden_output(golden_db: Path, name: str, fmt: str) -> None:
    out = render_case(golden_db, name, fmt)
    want = golden_path(name, fmt).read_text(encoding="utf-8")
    if fmt == "html":
        assert resolved_css(out) == resolved_css(want)
        assert out.split("</style>", 1)[1] == want.split("</style>", 1)[1]
    else:
        assert out == want


def test_the_golden_database_exercises_the_report() -> None:
    """The golden files hold the cases they are meant to: not an empty week by
    accident (that would make the comparison above nearly worthless)."""
    week = json.loads(golden_path("w47-partial", "json").read_text(encoding="utf-8"))
    totals = week["totals"]
    assert week["partial"] and totals["desk_days"] == 5 and totals["seated_min"] > 1200
    for kind in ("break", "water", "posture"):
        assert 0 < totals[f"{kind}_nudges_followed"] < totals[f"{kind}_nudges_shown"], kind
    assert totals["nudges_snoozed"] > 0 and totals["water_logged"] > 0
    assert totals["unknown_min"] > 0 and totals["present_min"] > totals["seated_min"]
    assert {t["key"] for t in week["tips"]} >= {"long_bouts", "slouch_hour"}
    assert week["change"]["slouched_share"]["delta"] is not None
    last = json.loads(golden_path("w46-last", "json").read_text(encoding="utf-8"))
    assert not last["partial"] and last["days"][5]["seated_min"] > 0
    assert last["days"][6]["seated_min"] > 0  # the bout across Saturday midnight
    dst = json.loads(golden_path("w43-dst", "json").read_text(encoding="utf-8"))
    assert dst["days"][6]["hours_in_day"] == 25 and dst["days"][6]["seated_min"] == 120
    html = golden_path("w47-partial", "html").read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and "hatch-long" in html


def write_golden(folder: Path) -> None:
    import tempfile

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = make_db(Path(tmp) / "posturewatch.db")
        for name, fmt in PARAMS:
            path = golden_path(name, fmt)
            path.write_text(render_case(db, name, fmt), encoding="utf-8", newline="")
            print(f"wrote {path}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_report_golden.py --write")
    write_golden(GOLDEN)

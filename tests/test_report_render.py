"""The report rendered from real SQLite files in every format.

The database is built here with the store's schema (``minutes`` and ``events``,
see posturewatch/store.py) using plain sqlite3, so these tests do not depend
on the store's code; older layouts are built the same way.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from posturewatch.clock import _SystemLocalZone, local_zone
from posturewatch.report.files import FORMATS, render_report, report_filename
from posturewatch.report.records import CSV_FIELDS

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # Friday 16:30 in Berlin, week 47
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

SCHEMA = """
CREATE TABLE minutes (
    minute TEXT PRIMARY KEY NOT NULL,
    present_s REAL NOT NULL, seated_s REAL NOT NULL, slouched_s REAL NOT NULL,
    away_s REAL NOT NULL, unknown_s REAL NOT NULL, samples INTEGER NOT NULL,
    neck_height REAL, nose_height REAL, head_size REAL, score REAL) WITHOUT ROWID;
CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}');
CREATE INDEX events_at ON events (at);
"""

# Per weekday: local start (hour, minute), then (minutes sitting, minutes away)
# through the day. Every day sits 275 minutes; Monday is worked out by hand in
# test_hand_checked_day_reaches_every_format.
DAY_PLANS = {
    0: ((8, 0), ((50, 5), (35, 3), (70, 45), (40, 4), (55, 10), (25, 0))),
    1: ((8, 30), ((25, 3), (95, 50), (30, 5), (45, 8), (80, 0))),
    2: ((7, 45), ((40, 4), (40, 4), (55, 40), (20, 2), (60, 6), (60, 0))),
    3: ((9, 0), ((120, 45), (60, 10), (45, 5), (50, 0))),
    4: ((8, 15), ((30, 3), (45, 3), (30, 40), (30, 3), (50, 3), (30, 3), (60, 0))),
}
SEATED_PER_DAY = 275


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def slouched_seconds(local: datetime, extra: float) -> float:
    """Slouched seconds of a seated minute: 10 before 14:00 local, more in the
    afternoon (most from 15:00 to 16:00), plus ``extra``."""
    afternoon = {14: 15.0, 15: 28.0, 16: 20.0}.get(local.hour, 12.0 if local.hour > 16 else 0.0)
    return 10.0 + afternoon + extra


def office_rows(day: date, tz: ZoneInfo, extra_slouch: float) -> tuple[list, list]:
    """A deterministic working day: minute rows and events, store format."""
    minutes, events = [], []
    (hour, minute), plan = DAY_PLANS[day.weekday()]
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)
    for number, (sit, away) in enumerate(plan):
        for i in range(sit):
            at = moment + timedelta(minutes=i)
            slouched = slouched_seconds(at.astimezone(tz), extra_slouch)
            minutes.append((stamp(at), 60.0, 60.0, slouched, 0.0, 0.0, 12, 1.1, 0.9, 0.4, 0.3))
            if i and i % 30 == 0:
                detail = {"kind": "break", "sitting_s": i * 60, "repeat": i // 30 - 1}
                events.append((instant(at), "nudge_shown", json.dumps(detail)))
        last_nudge = moment + timedelta(minutes=(sit - 1) // 30 * 30) if sit > 30 else None
        moment += timedelta(minutes=sit)
        for i in range(away):
            at = moment + timedelta(minutes=i)
            minutes.append((stamp(at), 0.0, 0.0, 0.0, 60.0, 0.0, 12, None, None, None, None))
        if away >= 2:
            # Like the tracker: recorded when the absence reaches 2 minutes,
            # followed_nudge only when they left within 15 min of the last nudge.
            detail = {"sat_s": sit * 60, "away_s": 120, "source": "detected"}
            if last_nudge is not None and moment - last_nudge <= timedelta(minutes=15):
                detail["followed_nudge"] = True
            events.append(
                (instant(moment + timedelta(minutes=2)), "break_taken", json.dumps(detail))
            )
        if number in (1, 3):
            events.append((instant(moment), "water_logged", "{}"))
        moment += timedelta(minutes=away)
    return minutes, events


def make_db(
    path: Path,
    days: list[date],
    tz: ZoneInfo = BERLIN,
    wal: bool = False,
    slouch_before: date = date(2026, 11, 16),
) -> Path:
    """A store-schema database with office days; days before ``slouch_before``
    slouch 6 s more per minute (last week was worse)."""
    connection = sqlite3.connect(path)
    if wal:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(SCHEMA)
    connection.execute(
        "INSERT INTO events (at, kind, detail) VALUES (?, 'calibration', ?)",
        ("2026-10-01T07:00:00.000Z", json.dumps({"ok": True, "reason": "first run"})),
    )
    for day in days:
        minutes, events = office_rows(day, tz, 6.0 if day < slouch_before else 0.0)
        connection.executemany("INSERT INTO minutes VALUES (?,?,?,?,?,?,?,?,?,?,?)", minutes)
        connection.executemany("INSERT INTO events (at, kind, detail) VALUES (?,?,?)", events)
    connection.commit()
    connection.close()
    return path


def two_weeks() -> list[date]:
    """Mon-Fri of week 46 and Mon-Fri of week 47 (2026)."""
    days = [date(2026, 11, 9) + timedelta(days=i) for i in range(5)]
    return days + [date(2026, 11, 16) + timedelta(days=i) for i in range(5)]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "posturewatch.db", two_weeks())


def render(path: Path, fmt: str, **kwargs: object) -> str:
    return render_report(path, fmt=fmt, tz=BERLIN, now=NOW, **kwargs)


class TableReader(HTMLParser):
    """Collects the report table: {row key: {field: data-value}} plus cell text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.text: dict[str, dict[str, str]] = {}
        self._row: str | None = None
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-row"):
            self._row = a.get("data-date") or a["data-row"]
            self.rows[self._row] = {}
            self.text[self._row] = {}
        elif tag == "td" and self._row and a.get("data-field"):
            self._field = a["data-field"]
            self.rows[self._row][self._field] = a.get("data-value") or ""
            self.text[self._row][self._field] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._field = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row and self._field:
            self.text[self._row][self._field] += data


def read_html_table(html: str) -> TableReader:
    reader = TableReader()
    reader.feed(html)
    return reader


def visible_minutes(text: str) -> int:
    """'7 h 05 min' -> 425, '45 min' -> 45, '2 h' -> 120."""
    match = re.fullmatch(r"(?:(\d+) h)?\s*(?:(\d+) min)?", text.strip())
    assert match, text
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


# ---------------------------------------------------------------- every format


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_the_week(db: Path, fmt: str) -> None:
    out = render(db, fmt)
    assert out.endswith("\n")
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and out.count("<svg") == 4
        assert "Week 47" in out and "In progress" in out
    elif fmt == "text":
        assert "week 2026-W47" in out and "Fri 20" in out
    elif fmt == "json":
        data = json.loads(out)
        assert data["week"] == "2026-W47" and len(data["days"]) == 7
    else:
        assert len(list(csv.DictReader(io.StringIO(out)))) == 9


def test_hand_checked_day_reaches_every_format(db: Path) -> None:
    # Each office day: 275 minutes seated (50+35+70+40+55+25), 67 away. Sitting
    # from 08:00 local: 08:00-08:50, 08:55-09:30, 09:33-10:43, lunch to 11:28,
    # 11:28-12:08, 12:12-13:07, 13:17-13:42. All before 14:00, so 10 s of every
    # minute slouched: 2750 s, share 10/60. Breaks: 5 (every away >= 2 min).
    # Nudges: 30 min into the 50, 35, 70 (twice), 40 and 55 minute bouts = 6.
    # Left within 15 min of the last nudge: 35 (5 min), 70 (10 min after the
    # 60-min nudge; the 30-min one is cut off by it), 40 (10 min); not 50
    # (20 min) nor 55 (25 min): 3 of 6 followed. Water: 2.
    data = json.loads(render(db, "json"))
    monday = data["days"][0]
    assert monday["date"] == "2026-11-16"
    assert monday["seated_min"] == 275 and monday["present_min"] == 275
    assert monday["away_min"] == 67
    assert monday["slouched_min"] == pytest.approx(2750 / 60, abs=0.05)
    assert monday["slouched_share"] == pytest.approx(1 / 6, abs=0.001)
    assert monday["longest_sitting_min"] == 70 and monday["sitting_bouts"] == 6
    assert monday["breaks"] == 5 and monday["water_logged"] == 2
    assert (monday["break_nudges_shown"], monday["break_nudges_followed"]) == (6, 3)
    assert monday["calibration"] == "calibrated"
    assert data["totals"]["seated_min"] == 5 * SEATED_PER_DAY and data["totals"]["desk_days"] == 5
    # Friday 16:30 now: last week's comparison stops at last Friday 16:30, after
    # the day's sitting, so both weeks are five full office days: no change.
    assert data["previous"]["seated_min"] == 5 * 275
    assert data["change"]["seated_min"]["delta"] == 0
    # Last week slouched 6 s more in every seated minute: 6/60 = 10 points more.
    assert data["change"]["slouched_share"]["delta"] == pytest.approx(-0.1, abs=0.001)
    assert [d["seated_min"] for d in data["days"][5:]] == [0, 0]
    html = render(db, "html")
    table = read_html_table(html)
    assert visible_minutes(table.text["2026-11-16"]["seated_min"]) == 275
    assert table.text["2026-11-16"]["slouched_share"] == "17%"


def test_json_csv_and_html_carry_the_same_numbers(db: Path) -> None:
    data = json.loads(render(db, "json"))
    rows = list(csv.DictReader(io.StringIO(render(db, "csv"))))
    table = read_html_table(render(db, "html"))
    assert [r["row"] for r in rows] == ["day"] * 7 + ["week", "previous_week"]
    assert list(rows[0]) == list(CSV_FIELDS)

    def same(json_value: object, text: str) -> bool:
        if json_value is None:
            return text == ""
        if isinstance(json_value, str):
            return json_value == text
        return float(text) == pytest.approx(float(json_value))

    checked = 0
    for record, row in zip(data["days"], rows[:7], strict=True):
        html_row = table.rows[record["date"]]
        for key, value in record.items():
            assert same(value, row[key]), (record["date"], key, value, row[key])
            if key in html_row:
                assert same(value, html_row[key]), (record["date"], key)
                checked += 1
        if "nudges" in html_row:
            nudges = json.loads(html_row["nudges"])
            assert nudges == {k: record[k] for k in nudges}
            assert len(nudges) == 7
        if record["seated_min"]:
            text = table.text[record["date"]]
            assert abs(visible_minutes(text["seated_min"]) - record["seated_min"]) <= 1
    for label, html_key, totals in (
        ("week", "week", data["totals"]),
        ("previous_week", "previous_week", data["previous"]),
    ):
        row = next(r for r in rows if r["row"] == label)
        for key, value in totals.items():
            assert same(value, row[key]), (label, key)
            if key in table.rows[html_key]:
                assert same(value, table.rows[html_key][key]), (label, key)
                checked += 1
    assert checked >= 5 * 7 + 2 * 7  # days with data and both totals rows


def test_html_is_self_contained(db: Path) -> None:
    html = render(db, "html")
    lowered = html.lower()
    for forbidden in ("<script", "<link", "<img", "@import", "src=", "href=", "<iframe"):
        assert forbidden not in lowered, forbidden
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert set(re.findall(r"url\(([^)]*)\)", html)) <= {"#hatch-sl", "#hatch-long", "#hatch-hr"}
    assert "@media print" in html and "size:A4" in html
    assert "healthcare" in html or "doctor" in html


def test_text_is_plain_ascii_for_any_terminal(db: Path) -> None:
    text = render(db, "text")
    text.encode("ascii")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Mon 16" in text and "4:35" in text  # 275 minutes on Monday


# ---------------------------------------------------------------- awkward inputs


def test_an_empty_week_renders_in_every_format(db: Path) -> None:
    for fmt in FORMATS:
        out = render(db, fmt, week="2026-W30")
        assert out
    assert "No data for this week" in render(db, "html", week="2026-W30")
    assert "No data for this week" in render(db, "text", week="2026-W30")
    data = json.loads(render(db, "json", week="2026-W30"))
    assert data["totals"]["seated_min"] == 0 and data["tips"] == []
    assert data["change"]["seated_min"]["delta"] is None


def older_databases(tmp: Path) -> dict[str, Path]:
    """Databases as older or stranger versions may have left them."""
    made = {}
    path = made["no metric columns, no events"] = tmp / "v0.db"
    with sqlite3.connect(path) as c:
        c.execute(
            "CREATE TABLE minutes (minute TEXT PRIMARY KEY, present_s REAL, "
            "seated_s REAL, slouched_s REAL, away_s REAL, unknown_s REAL, samples INT)"
        )
        c.executemany(
            "INSERT INTO minutes VALUES (?, 60, 60, 15, 0, 0, 12)",
            [(stamp(datetime(2026, 11, 16, 8, i, tzinfo=UTC)),) for i in range(45)],
        )
    path = made["present only"] = tmp / "present.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE minutes (minute TEXT, present_s REAL)")
        c.execute("INSERT INTO minutes VALUES ('2026-11-17 09:00:00', 60)")
    path = made["events without detail"] = tmp / "nodetail.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT, kind TEXT)")
        c.execute("INSERT INTO events (at, kind) VALUES ('2026-11-16T09:00:00Z', 'water_logged')")
    path = made["no tables"] = tmp / "empty.db"
    sqlite3.connect(path).close()
    made["no file"] = tmp / "missing" / "posturewatch.db"
    return made


@pytest.mark.parametrize("fmt", FORMATS)
def test_older_and_missing_databases_render(tmp_path: Path, fmt: str) -> None:
    for name, path in older_databases(tmp_path).items():
        out = render(path, fmt)
        assert out, name
        if fmt == "json":
            data = json.loads(out)
            if name == "no metric columns, no events":
                assert data["days"][0]["seated_min"] == 45
                assert data["days"][0]["slouched_share"] == 0.25
                assert any("no events table" in n for n in data["notes"])
            if name == "present only":
                assert data["days"][1]["seated_min"] == 1  # seated falls back to present
                assert any("older version" in n for n in data["notes"])
            if name == "events without detail":
                assert data["days"][0]["water_logged"] == 1
            if name == "no file":
                assert any("No database yet" in n for n in data["notes"])
    assert not (tmp_path / "missing").exists()  # reading never creates files


def test_reading_leaves_the_database_untouched(db: Path) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    render(db, "html")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["posturewatch.db"]


def test_renders_while_the_monitor_holds_a_write_transaction(tmp_path: Path) -> None:
    path = make_db(tmp_path / "live.db", two_weeks(), wal=True)
    writer = sqlite3.connect(path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO minutes VALUES ('2026-11-20T16:00:00Z', 60, 60, 0, 0, 0, 12, "
        "NULL, NULL, NULL, NULL)"
    )
    try:
        data = json.loads(render(path, "json"))
        assert data["days"][4]["seated_min"] == 275  # the uncommitted minute is not seen
    finally:
        writer.rollback()
        writer.close()


def test_path_with_spaces_and_url_characters(tmp_path: Path) -> None:
    folder = tmp_path / "my data #1 ?x=%20"
    folder.mkdir()
    path = make_db(folder / "pw db.sqlite", two_weeks()[5:6])
    assert json.loads(render(path, "json"))["days"][0]["seated_min"] == 275


def test_week_selection(db: Path) -> None:
    assert json.loads(render(db, "json"))["week"] == "2026-W47"
    last = json.loads(render(db, "json", last=True))
    assert last["week"] == "2026-W46" and last["partial"] is False
    assert last["totals"]["seated_min"] == 5 * 275
    assert json.loads(render(db, "json", week="2026w46"))["week"] == "2026-W46"
    with pytest.raises(ValueError, match="not both"):
        render(db, "json", week="2026-W46", last=True)
    with pytest.raises(ValueError, match="ISO week"):
        render(db, "json", week="46")
    with pytest.raises(ValueError, match="format"):
        render(db, "pdf")
    assert report_filename("2026-W47", "text") == "posturewatch-2026-W47.txt"


def test_new_york_database_across_the_dst_change(tmp_path: Path) -> None:
    ny = ZoneInfo("America/New_York")
    days = [date(2026, 10, 26) + timedelta(days=i) for i in range(5)]
    path = make_db(tmp_path / "ny.db", days, tz=ny)
    data = json.loads(render_report(path, week="2026-W44", fmt="json", tz=ny, now=NOW))
    assert [d["hours_in_day"] for d in data["days"]] == [24] * 6 + [25]
    assert [d["seated_min"] for d in data["days"][:5]] == [275] * 5
    assert data["start"] == "2026-10-26T04:00:00Z" and data["end"] == "2026-11-02T05:00:00Z"
    html = render_report(path, week="2026-W44", fmt="html", tz=ny, now=NOW)
    assert "(25 h)" in html and "· 25 h" in html


# ---------------------------------------------------------------- time zones


def test_local_zone_reads_tz_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert getattr(local_zone(), "key", None) == "America/New_York"
    monkeypatch.setenv("TZ", "No/Such_Zone")
    zone = local_zone()
    assert datetime(2026, 7, 1, tzinfo=zone).utcoffset() is not None


def test_system_zone_fallback_matches_the_tz_database(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        system, ny = _SystemLocalZone(), ZoneInfo("America/New_York")
        start = datetime(2026, 10, 31, 20, tzinfo=UTC)
        for half_hours in range(0, 30):
            moment = start + timedelta(minutes=30 * half_hours)
            a, b = moment.astimezone(system), moment.astimezone(ny)
            assert a.replace(tzinfo=None) == b.replace(tzinfo=None), moment
            assert a.utcoffset() == b.utcoffset() or a.fold != b.fold, moment
    finally:
        monkeypatch.undo()
        time.tzset()


# ---------------------------------------------------------------- the page itself


def chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_screenshot_and_a4_print(db: Path, tmp_path: Path) -> None:
    from PIL import Image  # Pillow is a project dependency (pystray draws with it)

    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "report-week.html"
    page.write_text(render(db, "html"), encoding="utf-8")
    shot = ARTIFACTS / "report-week.png"
    shot.unlink(missing_ok=True)
    result = chromium([f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()], tmp_path)
    assert shot.exists(), result.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1280, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []

    def count(target: tuple[int, int, int], tolerance: int) -> int:
        return sum(
            n for n, rgb in colours if sum(map(abs, map(int.__sub__, rgb, target))) < tolerance
        )

    # The upright bars (Okabe-Ito blue, #0072B2) and the long-bout hatching
    # (#a33b00) are drawn: the SVG rendered, not an empty or broken page.
    blue, rust = count((0, 114, 178), 30), count((163, 59, 0), 40)
    assert blue > 5000 and rust > 200, (blue, rust)

    pdf = ARTIFACTS / "report-week.pdf"
    pdf.unlink(missing_ok=True)
    chromium([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()], tmp_path)
    assert pdf.exists()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
    assert 1 <= pages <= 3, pages
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert box and abs(float(box.group(1)) - 595.9) < 2 and abs(float(box.group(2)) - 842) < 2


# ---------------------------------------------------------------- tracker -> store -> report


def test_tracker_records_through_the_store_add_up_in_the_report(tmp_path: Path) -> None:
    """The real tracker on a fake clock (5 s ticks), its records written by the
    real store, then the report: every second and every break must arrive."""
    from posturewatch.config import Settings
    from posturewatch.model import Event, EventKind, Nudge, Record, Sample, Verdict
    from posturewatch.session import Tracker
    from posturewatch.store import Store

    tracker = Tracker(Settings(), BERLIN)
    store = Store(tmp_path / "posturewatch.db")
    sat = Sample(present=True, verdict=Verdict.UPRIGHT, confidence=0.9)
    slumped = Sample(present=True, verdict=Verdict.SLOUCHED, confidence=0.9, score=1.4)
    gone = Sample(present=False, verdict=Verdict.UNKNOWN)
    # Monday 16 Nov from 08:00 CET: 45 min sitting (the last 15 slouched),
    # 5 min away (a break), 40 min sitting with a 1-min absence inside (no
    # break), 3 min away (a break), 10 min sitting. Saturday 23:40 to Sunday
    # 00:20: 40 min sitting across midnight.
    plan = [
        (
            datetime(2026, 11, 16, 8, 0, tzinfo=BERLIN),
            [
                (sat, 30),
                (slumped, 15),
                (gone, 5),
                (sat, 20),
                (gone, 1),
                (sat, 20),
                (gone, 3),
                (sat, 10),
            ],
        ),
        (datetime(2026, 11, 21, 23, 40, tzinfo=BERLIN), [(sat, 40), (gone, 3)]),
    ]
    breaks = []
    for start, steps in plan:
        now = start.astimezone(UTC)
        for sample, minutes in steps:
            for _ in range(minutes * 12):
                for action in tracker.step(now, sample):
                    if isinstance(action, Record):
                        store.write(action.item)
                        if getattr(action.item, "kind", None) is EventKind.BREAK_TAKEN:
                            breaks.append(action.item)
                    elif isinstance(action, Nudge):  # what app.py records once shown
                        detail = {
                            "kind": action.kind.value,
                            "sitting_s": action.sitting_s,
                            "repeat": action.repeat,
                            "delivered": True,
                        }
                        store.write(Event(EventKind.NUDGE_SHOWN, action.at, detail))
                now += timedelta(seconds=5)
        store.write(Event(EventKind.WATER_LOGGED, now, {"source": "user"}))
    for action in tracker.flush(now):
        if isinstance(action, Record):
            store.write(action.item)
    store.close()

    data = json.loads(render(tmp_path / "posturewatch.db", "json"))
    mon, sat_day, sun = data["days"][0], data["days"][5], data["days"][6]
    # Sitting: 45 + 20 + 20 + 10 = 95 min on Monday, 15 of them slouched. The
    # very first tick only starts the clock (5 s less), as the tracker documents.
    assert mon["seated_min"] == pytest.approx(95, abs=0.1)
    assert mon["slouched_min"] == pytest.approx(15, abs=0.1)
    assert mon["away_min"] == pytest.approx(9, abs=0.1)
    # Breaks: the 5- and 3-minute absences, and leaving for the day after the
    # last 10 minutes (the tracker ends that bout when the gap passes 2 min).
    assert mon["breaks"] == 3 == sum(1 for b in breaks if b.at.day == 16)
    # Bouts: 45 min, then 20 + 1 (short absence) + 20 = 41, then 10.
    assert mon["sitting_bouts"] == 3 and mon["longest_sitting_min"] == pytest.approx(45, abs=0.2)
    bouts = [b["minutes"] for b in data["sitting_bouts"] if b["date"] == "2026-11-16"]
    assert bouts == pytest.approx([45, 41, 10], abs=0.2)
    # Break nudges at 30 min of sitting in the first two bouts; the person left
    # 15 and 10 min later, inside the tracker's 15-min window: both followed.
    assert (mon["break_nudges_shown"], mon["break_nudges_followed"]) == (2, 2)
    assert mon["water_logged"] == 1
    # Across midnight: 20 min on Saturday, 20 on Sunday; the 40-min bout is Saturday's.
    assert sat_day["seated_min"] == pytest.approx(20, abs=0.1)
    assert sun["seated_min"] == pytest.approx(20, abs=0.15)  # 00:19:55 was the last seated tick
    assert sat_day["longest_sitting_min"] == pytest.approx(40, abs=0.2)
    assert sun["sitting_bouts"] == 0
    total_s = tracker.totals().seated.total_seconds()
    assert data["totals"]["seated_min"] == pytest.approx(total_s / 60, abs=0.1)

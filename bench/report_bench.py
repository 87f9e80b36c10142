"""Time the weekly report on a database holding a year of minute summaries.

Builds a realistic SQLite file (the store's schema: ``minutes`` and ``events``)
with one year of office weeks in a local zone, then renders each format a few
times and prints the best time and the HTML size. Standard library only.

    /work/venv/bin/python bench/report_bench.py [--db PATH] [--zone Europe/Berlin]
        [--days 365] [--all-minutes] [--repeat 5]

``--all-minutes`` writes a row for every minute of the year (525,600 rows,
away outside desk hours) instead of desk hours only: the worst case.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posturewatch.report_render import render_report  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS minutes (
    minute TEXT PRIMARY KEY, present_s REAL, seated_s REAL, slouched_s REAL,
    away_s REAL, unknown_s REAL, samples INTEGER, neck_height REAL,
    nose_height REAL, head_size REAL, score REAL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
"""


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def office_day(day: date, zone: ZoneInfo, rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """Minute rows and events for one working day: bouts, breaks, lunch, nudges."""
    minutes: list[tuple] = []
    events: list[tuple] = []
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=zone) + timedelta(
        minutes=rng.randint(0, 75)
    )
    finish = datetime(day.year, day.month, day.day, 16, 30, tzinfo=zone) + timedelta(
        minutes=rng.randint(0, 120)
    )
    moment = start.astimezone(UTC).replace(second=0)
    finish = finish.astimezone(UTC)
    lunch_done = False
    events.append((iso(moment), "sitting_started", "{}"))
    next_water = moment + timedelta(minutes=60)
    while moment < finish:
        bout = rng.choice((15, 25, 35, 45, 55, 70, 90))
        last_nudge = None
        for i in range(bout):
            local_hour = (moment + timedelta(minutes=i)).astimezone(zone).hour
            slouch_p = 0.08 + 0.05 * max(0, local_hour - 11) + 0.002 * i
            slouched = min(60.0, max(0.0, rng.gauss(60 * slouch_p, 8)))
            score = round(0.4 + slouch_p, 3)
            at = moment + timedelta(minutes=i)
            minutes.append(
                (
                    iso(at),
                    60.0,
                    60.0,
                    round(slouched, 1),
                    0.0,
                    0.0,
                    12,
                    1.1 - slouch_p,
                    0.9,
                    0.45,
                    score,
                )
            )
            if i == 30 or (i > 30 and (i - 30) % 15 == 0):
                events.append(
                    (
                        iso(at),
                        "nudge_shown",
                        json.dumps(
                            {"kind": "break", "sitting_s": i * 60, "repeat": (i - 30) // 15}
                        ),
                    )
                )
                last_nudge = at
            if slouched > 30 and rng.random() < 0.2:
                events.append(
                    (
                        iso(at + timedelta(seconds=30)),
                        "nudge_shown",
                        json.dumps({"kind": "posture", "sitting_s": i * 60, "repeat": 0}),
                    )
                )
            if at >= next_water:
                events.append(
                    (
                        iso(at),
                        "nudge_shown",
                        json.dumps({"kind": "water", "sitting_s": i * 60, "repeat": 0}),
                    )
                )
                if rng.random() < 0.6:
                    events.append(
                        (iso(at + timedelta(minutes=rng.randint(1, 10))), "water_logged", "{}")
                    )
                next_water = at + timedelta(minutes=60)
        moment += timedelta(minutes=bout)
        local = moment.astimezone(zone)
        away = rng.choice((2, 3, 5, 8, 12))
        if not lunch_done and local.hour >= 12:
            away, lunch_done = rng.randint(30, 50), True
        for i in range(away):
            minutes.append(
                (
                    iso(moment + timedelta(minutes=i)),
                    0.0,
                    0.0,
                    0.0,
                    60.0,
                    0.0,
                    12,
                    None,
                    None,
                    None,
                    None,
                )
            )
        # Like the tracker: the break is recorded when the absence reaches 2
        # minutes, with followed_nudge only when they left within 15 min of a nudge.
        detail: dict[str, object] = {"sat_s": bout * 60, "away_s": 120, "source": "detected"}
        if last_nudge is not None and moment - last_nudge <= timedelta(minutes=15):
            detail["followed_nudge"] = True
        events.append((iso(moment + timedelta(minutes=2)), "break_taken", json.dumps(detail)))
        moment += timedelta(minutes=away)
    return minutes, events


def build(db: Path, zone: ZoneInfo, end: date, days: int, all_minutes: bool, seed: int) -> int:
    """Fill ``db`` with ``days`` days up to ``end``; returns the number of minute rows."""
    rng = random.Random(seed)
    connection = sqlite3.connect(db)
    connection.executescript(SCHEMA)
    connection.execute("PRAGMA journal_mode=WAL")
    first = end - timedelta(days=days - 1)
    connection.execute(
        "INSERT INTO events (at, kind, detail) VALUES (?, ?, ?)",
        (
            iso(datetime(first.year, first.month, first.day, 8, tzinfo=zone)),
            "calibration",
            json.dumps({"ok": True, "reason": "first run"}),
        ),
    )
    total = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        minutes, events = ([], [])
        if day.weekday() < 5 and rng.random() > 0.05:
            minutes, events = office_day(day, zone, rng)
        if all_minutes:
            have = {m[0] for m in minutes}
            begin = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
            stop = (
                datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)
            ).astimezone(UTC)
            moment = begin
            while moment < stop:
                key = iso(moment)
                if key not in have:
                    minutes.append((key, 0.0, 0.0, 0.0, 60.0, 0.0, 12, None, None, None, None))
                moment += timedelta(minutes=1)
        connection.executemany(
            "INSERT OR REPLACE INTO minutes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", minutes
        )
        connection.executemany("INSERT INTO events (at, kind, detail) VALUES (?, ?, ?)", events)
        total += len(minutes)
    connection.commit()
    connection.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--zone", default="Europe/Berlin")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--all-minutes", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", default="2026-11-20T15:30:00+00:00")
    args = parser.parse_args()
    zone = ZoneInfo(args.zone)
    now = datetime.fromisoformat(args.now)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "posturewatch.db"
        if not db.exists():
            began = time.perf_counter()
            rows = build(
                db, zone, now.astimezone(zone).date(), args.days, args.all_minutes, args.seed
            )
            print(
                f"built {db.name}: {rows} minute rows in {time.perf_counter() - began:.1f} s,"
                f" {db.stat().st_size / 1e6:.1f} MB"
            )
        for fmt in ("html", "text", "json", "csv"):
            for label, kwargs in (("current week", {}), ("last week", {"last": True})):
                best = float("inf")
                for _ in range(args.repeat):
                    began = time.perf_counter()
                    out = render_report(db, fmt=fmt, tz=zone, now=now, **kwargs)
                    best = min(best, time.perf_counter() - began)
                size = len(out.encode("utf-8"))
                print(
                    f"{fmt:>4} {label:<12} best of {args.repeat}: {best * 1000:6.1f} ms, "
                    f"{size / 1024:6.1f} KiB"
                )


if __name__ == "__main__":
    main()

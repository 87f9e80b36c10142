"""Time the weekly report on a database holding a year of minute summaries.

Builds a realistic database through the store (``posturewatch.store.Store``,
the schema and writes the monitor uses) with one year of office weeks in a
local zone, then renders each format a few times (reading through the store,
as ``posturewatch report`` does) and prints the best time and the HTML size.

    /work/venv/bin/python bench/report_bench.py [--db PATH] [--zone Europe/Berlin]
        [--days 365] [--all-minutes] [--repeat 5]

``--all-minutes`` writes a row for every minute of the year (525,600 rows,
away outside desk hours) instead of desk hours only: the worst case.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posturewatch.model import Event, EventKind, MinuteSummary  # noqa: E402
from posturewatch.report.files import render_report  # noqa: E402
from posturewatch.store import Store  # noqa: E402


def away_minute(at: datetime) -> MinuteSummary:
    return MinuteSummary(at, 0.0, 0.0, 0.0, 60.0, 0.0, 12)


def office_day(
    day: date, zone: ZoneInfo, rng: random.Random
) -> tuple[list[MinuteSummary], list[Event]]:
    """Minute summaries and events for one working day: bouts, breaks, lunch, nudges."""
    minutes: list[MinuteSummary] = []
    events: list[Event] = []
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=zone) + timedelta(
        minutes=rng.randint(0, 75)
    )
    finish = datetime(day.year, day.month, day.day, 16, 30, tzinfo=zone) + timedelta(
        minutes=rng.randint(0, 120)
    )
    moment = start.astimezone(UTC).replace(second=0)
    finish = finish.astimezone(UTC)
    lunch_done = False
    events.append(Event(EventKind.SITTING_STARTED, moment))
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
            minutes.append(MinuteSummary(at, 60.0, 60.0, round(slouched, 1), 0.0, 0.0, 12,
                                         1.1 - slouch_p, 0.9, 0.45, score))
            if i == 30 or (i > 30 and (i - 30) % 15 == 0):
                detail = {"kind": "break", "sitting_s": i * 60, "repeat": (i - 30) // 15}
                events.append(Event(EventKind.NUDGE_SHOWN, at, detail))
                last_nudge = at
            if slouched > 30 and rng.random() < 0.2:
                detail = {"kind": "posture", "sitting_s": i * 60, "repeat": 0}
                events.append(Event(EventKind.NUDGE_SHOWN, at + timedelta(seconds=30), detail))
            if at >= next_water:
                detail = {"kind": "water", "sitting_s": i * 60, "repeat": 0}
                events.append(Event(EventKind.NUDGE_SHOWN, at, detail))
                if rng.random() < 0.6:
                    drink = at + timedelta(minutes=rng.randint(1, 10))
                    events.append(Event(EventKind.WATER_LOGGED, drink))
                next_water = at + timedelta(minutes=60)
        moment += timedelta(minutes=bout)
        local = moment.astimezone(zone)
        away = rng.choice((2, 3, 5, 8, 12))
        if not lunch_done and local.hour >= 12:
            away, lunch_done = rng.randint(30, 50), True
        minutes += [away_minute(moment + timedelta(minutes=i)) for i in range(away)]
        # Like the tracker: the break is recorded when the absence reaches 2
        # minutes, with followed_nudge only when they left within 15 min of a nudge.
        taken: dict[str, object] = {"sat_s": bout * 60, "away_s": 120, "source": "detected"}
        if last_nudge is not None and moment - last_nudge <= timedelta(minutes=15):
            taken["followed_nudge"] = True
        events.append(Event(EventKind.BREAK_TAKEN, moment + timedelta(minutes=2), taken))
        moment += timedelta(minutes=away)
    return minutes, events


def whole_day(day: date, zone: ZoneInfo, have: set[datetime]) -> list[MinuteSummary]:
    """An away minute for every minute of the local day not in ``have``."""
    moment = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    stop = (datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)).astimezone(UTC)
    out = []
    while moment < stop:
        if moment not in have:
            out.append(away_minute(moment))
        moment += timedelta(minutes=1)
    return out


def build(db: Path, zone: ZoneInfo, end: date, days: int, all_minutes: bool, seed: int) -> int:
    """Fill ``db`` with ``days`` days up to ``end`` through the store; returns the
    number of minute rows."""
    rng = random.Random(seed)
    first = end - timedelta(days=days - 1)
    total = 0
    with Store(db) as store:
        calibrated = datetime(first.year, first.month, first.day, 8, tzinfo=zone)
        store.write(Event(EventKind.CALIBRATION, calibrated, {"ok": True, "reason": "first run"}))
        for offset in range(days):
            day = first + timedelta(days=offset)
            minutes: list[MinuteSummary] = []
            events: list[Event] = []
            if day.weekday() < 5 and rng.random() > 0.05:
                minutes, events = office_day(day, zone, rng)
            if all_minutes:
                minutes += whole_day(day, zone, {m.minute for m in minutes})
            if not store.write_many([*minutes, *events]):
                raise SystemExit(f"the store could not write {db}")
            total += len(minutes)
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

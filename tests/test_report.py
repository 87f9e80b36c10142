"""summarize() on hand-built rows; every expected number is worked out by hand
in the comments next to it (UTC in the rows, local time in the comments)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from posturewatch.report import (
    Rows,
    format_duration,
    format_share,
    parse_week,
    shift_week,
    summarize,
    week_bounds,
    week_of,
    week_to_announce,
)
from posturewatch.report.tips import HEALTH_NOTE, choose_tips

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def minute(
    at: datetime | str,
    seated: float = 60.0,
    slouched: float = 0.0,
    away: float = 0.0,
    present: float | None = None,
    unknown: float = 0.0,
) -> dict:
    at = utc(at) if isinstance(at, str) else at
    return {
        "minute": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "present_s": seated if present is None else present,
        "seated_s": seated,
        "slouched_s": slouched,
        "away_s": away,
        "unknown_s": unknown,
        "samples": 12,
    }


def run(start: str, count: int, **values: float) -> list[dict]:
    """``count`` consecutive minutes from ``start`` (UTC), all with ``values``."""
    first = utc(start)
    return [minute(first + timedelta(minutes=i), **values) for i in range(count)]


def event(at: str, event_kind: str, **detail: object) -> dict:
    return {"at": at, "kind": event_kind, "detail": json.dumps(detail)}


# ---------------------------------------------------------------- weeks


def test_week_bounds_follow_local_midnights_across_dst() -> None:
    # Berlin 2026-W13: Mon 23 Mar 00:00 CET (UTC+1) to Mon 30 Mar 00:00 CEST (UTC+2).
    start, end = week_bounds("2026-W13", BERLIN)
    assert (start, end) == (utc("2026-03-22T23:00:00"), utc("2026-03-29T22:00:00"))
    assert end - start == timedelta(hours=167)
    # New York 2026-W44 (DST ends Sun 1 Nov): Mon 26 Oct 00:00 EDT (UTC-4) to
    # Mon 2 Nov 00:00 EST (UTC-5): 169 hours. The week after is a plain 168.
    start, end = week_bounds("2026-W44", NEW_YORK)
    assert (start, end) == (utc("2026-10-26T04:00:00"), utc("2026-11-02T05:00:00"))
    assert end - start == timedelta(hours=169)
    start, end = week_bounds("2026-W45", NEW_YORK)
    assert end - start == timedelta(hours=168)


def test_week_labels_parse_shift_and_reject_nonsense() -> None:
    assert parse_week("2026-W47") == (2026, 47)
    assert parse_week("2026w7") == (2026, 7)
    assert shift_week("2027-W01", -1) == "2026-W53"  # 2026 starts on a Thursday: 53 weeks
    assert shift_week("2026-W53", 1) == "2027-W01"
    for bad in ("2025-W53", "2026-W00", "2026-47", "next week", ""):
        with pytest.raises(ValueError):
            parse_week(bad)
    # Sunday 23:30 in New York is already Monday in UTC: the local week counts.
    assert week_of(utc("2026-11-09T04:30:00"), NEW_YORK) == "2026-W45"
    assert week_of(utc("2026-11-09T04:30:00"), UTC) == "2026-W46"


def test_week_to_announce_once_from_the_configured_day() -> None:
    monday_morning = utc("2026-11-23T07:05:00")  # Mon 23 Nov 08:05 in Berlin
    assert week_to_announce(monday_morning, BERLIN, "mon", None) == "2026-W47"
    assert week_to_announce(monday_morning, BERLIN, "mon", "2026-W47") is None
    # Sunday 22:30 UTC is Sunday 23:30 Berlin: still week 47, nothing finished yet
    # beyond week 46, which was already announced.
    assert week_to_announce(utc("2026-11-22T22:30:00"), BERLIN, "mon", "2026-W46") is None
    # Friday as the report day: nothing on Thursday, the week before on Friday.
    assert week_to_announce(utc("2026-11-26T12:00:00"), BERLIN, "fri", "2026-W46") is None
    assert week_to_announce(utc("2026-11-27T12:00:00"), BERLIN, "fri", "2026-W46") == "2026-W47"
    with pytest.raises(ValueError):
        week_to_announce(monday_morning, BERLIN, "monday", None)


# ---------------------------------------------------------------- Berlin DST week


def berlin_rows() -> Rows:
    minutes = (
        # Previous week (2026-W12). Mon 16 Mar 09:00-10:59 CET: 120 min, 30 s of
        # each slouched -> seated 7200, slouched 3600, longest 7200.
        run("2026-03-16T08:00:00", 120, slouched=30)
        # Sun 22 Mar 23:50 CET, one minute, the last of W12 -> a 60 s bout.
        + [minute("2026-03-22T22:50:00")]
        # W13 Monday 23 Mar. 09:00-09:59 CET: 60 min seated, the last 20 with
        # 30 s slouched (600 s).
        + run("2026-03-23T08:00:00", 40)
        + run("2026-03-23T08:40:00", 20, slouched=30)
        # 10:00-10:09 CET away (10 rows, 600 s), then 10:10-10:39 seated.
        + run("2026-03-23T09:00:00", 10, seated=0, away=60)
        + run("2026-03-23T09:10:00", 30)
        # Sat 28 Mar 23:30 CET to Sun 00:29 CET: 60 min across midnight.
        + run("2026-03-28T22:30:00", 60)
        # Sun 29 Mar, DST day: 01:15-01:59 CET (45 min) then, clocks jumping
        # from 02:00 to 03:00, 03:00-03:29 CEST (30 min): 75 real minutes.
        + run("2026-03-29T00:15:00", 75)
        # Sun 23:59 CEST is the last minute of W13; the next one is W14.
        + [minute("2026-03-29T21:59:00"), minute("2026-03-29T22:00:00")]
    )
    events = [
        # Monday: a break nudge at 09:30 followed by a break at 10:00 (30 min).
        event("2026-03-23T08:30:00.000Z", "nudge_shown", kind="break", sitting_s=1800, repeat=0),
        event(
            "2026-03-23T09:00:00.000Z",
            "break_taken",
            sat_s=3600,
            away_s=600,
            source="detected",
            followed_nudge=True,
        ),
        # A second break nudge at 10:35, snoozed, and no break within 30 min.
        event("2026-03-23T09:35:00.000Z", "nudge_shown", kind="break", sitting_s=1500, repeat=0),
        event("2026-03-23T09:36:00.000Z", "nudge_acted", kind="break", action="snooze"),
        # Water nudge 09:10, drink at 09:20 (10 min: followed); nudge 10:20,
        # drink at 10:40 (20 min: too late to count, still a drink).
        event("2026-03-23T08:10:00.000Z", "nudge_shown", kind="water", sitting_s=600, repeat=0),
        event("2026-03-23T08:20:00.000Z", "water_logged"),
        event("2026-03-23T09:20:00.000Z", "nudge_shown", kind="water", sitting_s=600, repeat=0),
        event("2026-03-23T09:40:00.000Z", "water_logged"),
        # Posture nudge 09:45: the next five minutes (09:46-09:50) are half
        # slouched (150 of 300 s), not under half: not followed. Nudge 10:12:
        # 10:13-10:17 all upright: followed.
        event("2026-03-23T08:45:20.000Z", "nudge_shown", kind="posture", sitting_s=0, repeat=0),
        event("2026-03-23T09:12:00.000Z", "nudge_shown", kind="posture", sitting_s=0, repeat=0),
        # Calibrated on Tuesday; a failed retry on Thursday keeps it calibrated.
        event("2026-03-24T07:00:00.000Z", "calibration", ok=True, reason="user"),
        event("2026-03-26T07:00:00.000Z", "calibration", ok=False, reason="nobody in frame"),
    ]
    return Rows(minutes=minutes, events=events)


def test_berlin_week_with_daylight_saving_start() -> None:
    week = summarize(berlin_rows(), BERLIN, "2026-W13")
    assert week.week == "2026-W13" and week.previous_week == "2026-W12"
    assert [d.date for d in week.days] == [date(2026, 3, 23) + timedelta(days=i) for i in range(7)]
    assert [d.hours for d in week.days] == [24, 24, 24, 24, 24, 24, 23]

    mon, sat, sun = week.days[0], week.days[5], week.days[6]
    # Monday: 60 + 30 seated minutes, 10 away.
    assert (mon.present_s, mon.seated_s, mon.slouched_s, mon.away_s) == (5400, 5400, 600, 600)
    assert mon.slouched_share == pytest.approx(600 / 5400)
    assert [b.duration_s for b in mon.bouts] == [3600, 1800]
    assert mon.longest_bout_s == 3600
    assert mon.breaks == 1
    assert mon.nudges["break"].shown == 2 and mon.nudges["break"].followed == 1
    assert mon.nudges["break"].snoozed == 1
    assert (mon.nudges["water"].shown, mon.nudges["water"].followed) == (2, 1)
    assert (mon.nudges["posture"].shown, mon.nudges["posture"].followed) == (2, 1)
    assert mon.water == 2
    assert [d.calibration for d in week.days] == ["none"] + ["calibrated"] * 6

    # Saturday keeps the whole 60-min bout that crossed midnight, and half its seats.
    assert sat.seated_s == 1800 and sat.longest_bout_s == 3600
    # Sunday: 30 min (after midnight) + 75 (across the DST jump) + 1 (23:59).
    assert sun.seated_s == (30 + 75 + 1) * 60
    # The 01:15 CET - 03:30 CEST bout lasted 75 real minutes, not 2 h 15 by the clock.
    assert [b.duration_s for b in sun.bouts] == [4500, 120]
    assert sun.longest_bout_s == 4500
    # 23:59 and the next week's 00:00 are one 2-minute bout; the timeline clips it.
    assert sun.segments[-1][:2] == (utc("2026-03-29T21:59:00"), utc("2026-03-29T22:00:00"))
    assert sun.segments[0][:2] == (utc("2026-03-28T23:00:00"), utc("2026-03-28T23:30:00"))

    # The local hours of the DST day: 01 has 45 min, 02 does not exist, 03 has 30.
    hours = {h.hour: h.seated_s for h in week.by_hour}
    assert (hours[1], hours[2], hours[3]) == (2700, 0, 1800)
    assert hours[9] == 3600 and hours[10] == 1800 and hours[23] == 1800 + 60
    assert week.worst_hour is not None and week.worst_hour.hour == 9  # 600/3600

    t = week.totals
    assert t.seated_s == 5400 + 1800 + 6360 == 13560
    assert t.slouched_s == 600 and t.longest_bout_s == 4500
    assert t.desk_days == 3 and t.breaks == 1 and t.water == 2
    assert (t.nudges_shown, t.nudges_followed) == (6, 3)

    # The week before: 120 minutes on Monday plus Sunday 23:50's single minute.
    p = week.previous
    assert (p.seated_s, p.slouched_s, p.longest_bout_s) == (7260, 3600, 7200)
    assert week.changes["seated_s"].delta == 13560 - 7260
    assert week.changes["slouched_share"].delta == pytest.approx(600 / 13560 - 3600 / 7260)
    assert week.changes["longest_bout_s"].delta == 4500 - 7200
    assert week.changes["water"].previous == 0 and week.changes["water"].delta == 2


def test_new_york_week_with_daylight_saving_end() -> None:
    minutes = (
        # W43, Sun 25 Oct 23:50 EDT: previous week.
        [minute("2026-10-26T03:50:00")]
        # W44 Mon 26 Oct 00:00 EDT: the first minute of the week.
        + [minute("2026-10-26T04:00:00")]
        # Sun 1 Nov: 01:00 EDT to 01:59 EST, 120 real minutes through the
        # repeated hour; the first 60 with 20 s slouched each (1200 s).
        + run("2026-11-01T05:00:00", 60, slouched=20)
        + run("2026-11-01T06:00:00", 60)
        # Sun 23:59 EST closes the 25-hour day; Mon 00:00 EST is W45.
        + [minute("2026-11-02T04:59:00")]
        + run("2026-11-02T05:10:00", 5)
    )
    week = summarize(Rows(minutes=minutes, events=[]), NEW_YORK, "2026-W44")
    assert [d.hours for d in week.days] == [24, 24, 24, 24, 24, 24, 25]
    mon, sun = week.days[0], week.days[6]
    assert mon.seated_s == 60 and mon.longest_bout_s == 60
    assert sun.seated_s == 121 * 60
    assert sun.slouched_s == 1200 and sun.slouched_share == pytest.approx(1200 / 7260)
    assert sun.longest_bout_s == 7200  # two real hours, one hour on the clock
    hours = {h.hour: h.seated_s for h in week.by_hour}
    assert hours[1] == 7200 and hours[2] == 0 and hours[23] == 60
    assert week.totals.seated_s == 122 * 60
    assert week.previous.seated_s == 60
    assert week.changes["seated_s"].delta == 121 * 60


# ---------------------------------------------------------------- bouts and breaks


def test_short_absences_do_not_break_a_bout_but_two_minutes_do() -> None:
    # 09:00 full, 09:01 20 s seated, 09:02 missing, 09:03 20 s, 09:04 full:
    # the gap between 09:01 and 09:03 is 40 + 60 + 40 = 140 s >= 120: two bouts.
    apart = [
        minute("2026-11-16T09:00:00"),
        minute("2026-11-16T09:01:00", seated=20),
        minute("2026-11-16T09:03:00", seated=20),
        minute("2026-11-16T09:04:00"),
    ]
    week = summarize(Rows(apart, None), UTC, "2026-W47")
    assert [b.duration_s for b in week.days[0].bouts] == [60 + 20, 20 + 60]
    # With 40 s seated at each side the gap is 20 + 60 + 20 = 100 s: one bout
    # from 09:00 to 09:05.
    close = [
        minute("2026-11-16T09:00:00"),
        minute("2026-11-16T09:01:00", seated=40),
        minute("2026-11-16T09:03:00", seated=40),
        minute("2026-11-16T09:04:00"),
    ]
    week = summarize(Rows(close, None), UTC, "2026-W47")
    assert [b.duration_s for b in week.days[0].bouts] == [300]
    assert week.days[0].bouts[0].seated_s == 200
    # A bout that starts mid-minute starts when the seated seconds begin.
    late = [minute("2026-11-16T09:00:00", seated=15), minute("2026-11-16T09:01:00")]
    bout = summarize(Rows(late, None), UTC, "2026-W47").days[0].bouts[0]
    assert bout.start == utc("2026-11-16T09:00:45") and bout.duration_s == 75


def test_no_events_table_counts_breaks_from_the_minutes() -> None:
    minutes = (
        run("2026-11-16T09:00:00", 30)
        + run("2026-11-16T09:40:00", 30)
        + run("2026-11-16T11:00:00", 10)
        + run("2026-11-17T09:00:00", 10)
    )
    week = summarize(Rows(minutes=minutes, events=None), UTC, "2026-W47")
    assert [d.breaks for d in week.days[:2]] == [2, 0]  # three bouts on Monday
    assert week.events_known is False
    assert any("no events table" in note for note in week.notes)
    assert all(d.calibration == "none" for d in week.days)
    # With an (empty) events table, breaks are the tracker's own: none recorded.
    assert summarize(Rows(minutes, []), UTC, "2026-W47").days[0].breaks == 0


def test_follow_windows_stop_at_the_next_nudge_and_accept_done() -> None:
    events = [
        event("2026-11-16T09:00:00Z", "nudge_shown", kind="break"),
        event("2026-11-16T09:15:00Z", "nudge_shown", kind="break", repeat=1),
        # 09:20: after the second nudge, so it follows that one only.
        event("2026-11-16T09:20:00Z", "break_taken", followed_nudge=True),
        # A break the tracker did not mark as following the nudge does not count.
        event("2026-11-16T10:00:00Z", "nudge_shown", kind="break"),
        event("2026-11-16T10:10:00Z", "break_taken", sat_s=600, away_s=120),
        event("2026-11-16T11:00:00Z", "nudge_shown", kind="water"),
        event("2026-11-16T11:01:00Z", "nudge_acted", kind="water", action="done"),
        event("2026-11-16T12:00:00Z", "nudge_shown", kind="posture"),
        event("2026-11-16T12:02:00Z", "nudge_acted", kind="posture", action="done"),
        # Unreadable rows are skipped, not fatal.
        {"at": "yesterday", "kind": "water_logged", "detail": "{}"},
        {"at": "2026-11-16T12:30:00Z", "kind": "water_logged", "detail": "{not json"},
    ]
    day = summarize(Rows([], events), UTC, "2026-W47").days[0]
    assert (day.nudges["break"].shown, day.nudges["break"].followed) == (3, 1)
    assert (day.nudges["water"].shown, day.nudges["water"].followed) == (1, 1)
    assert (day.nudges["posture"].shown, day.nudges["posture"].followed) == (1, 1)
    assert day.breaks == 2 and day.water == 1


# ---------------------------------------------------------------- partial and empty weeks


def test_partial_week_compares_with_the_same_days_last_week() -> None:
    minutes = (
        run("2026-11-09T12:00:00", 60)  # last Monday 13:00 CET: before the cut
        + run("2026-11-11T14:00:00", 60)  # last Wednesday 15:00: after the cut
        + run("2026-11-16T08:00:00", 90)  # this Monday
    )
    now = utc("2026-11-18T13:00:00")  # Wednesday 14:00 in Berlin
    week = summarize(Rows(minutes, []), BERLIN, now=now)
    assert week.week == "2026-W47" and week.partial
    assert [d.future for d in week.days] == [False] * 3 + [True] * 4
    assert week.previous.seated_s == 3600  # cut at last Wednesday 14:00
    assert sum(d.seated_s for d in week.previous_days) == 7200  # the trend line sees all
    assert week.changes["seated_s"].delta == 5400 - 3600


def test_empty_week_and_week_from_rows() -> None:
    empty = summarize(Rows(), BERLIN, "2026-W47")
    assert not empty.has_data and empty.totals.seated_s == 0
    assert empty.changes["seated_s"].previous is None and empty.changes["seated_s"].delta is None
    assert all(d.slouched_share is None for d in empty.days)
    assert choose_tips(empty) == []
    # Without a week or now, the newest row picks the week.
    rows = Rows([minute("2026-11-22T22:30:00")], [])  # Sun 23:30 CET -> W47
    assert summarize(rows, BERLIN).week == "2026-W47"
    with pytest.raises(ValueError):
        summarize(Rows(), BERLIN)


def test_older_minute_rows_without_columns_still_summarize() -> None:
    rows = Rows(
        minutes=[
            {"minute": "2026-11-16 09:00:00", "present_s": 60},
            {"minute": "2026-11-16T09:01:00+00:00", "present_s": 45},
            {"minute": "not a time", "present_s": 60},
            {"minute": "2026-11-16T09:02:00Z", "present_s": -5},
        ],
        events=None,
    )
    day = summarize(rows, UTC, "2026-W47").days[0]
    # seated falls back to present; the negative and unreadable rows count as 0 / skip
    assert (day.present_s, day.seated_s, day.slouched_s) == (105, 105, 0)
    assert day.slouched_share == 0


# ---------------------------------------------------------------- tips


def test_tips_follow_the_numbers() -> None:
    # Monday: 100 minutes without a break, slouching in the 15:00 hour only,
    # one drink, no breaks: long bout, few breaks, slouch hour, little water.
    minutes = run("2026-11-16T08:00:00", 100) + run("2026-11-16T14:00:00", 60, slouched=40)
    events = [event("2026-11-16T10:00:00Z", "water_logged")]
    week = summarize(Rows(minutes, events), BERLIN, "2026-W47")
    tips = {t.key: t for t in choose_tips(week)}
    assert set(tips) == {"long_bouts", "few_breaks", "slouch_hour", "little_water"}
    assert "1 h 40 min" in tips["long_bouts"].text and "Monday" in tips["long_bouts"].text
    assert "15:00 and 16:00" in tips["slouch_hour"].text  # 14:00 UTC = 15:00 CET
    assert "1 drink over 1 day" in tips["little_water"].text
    # A tidy week: 25-minute bouts with breaks and plenty of water.
    tidy = []
    drinks = []
    for i in range(8):
        tidy += run(f"2026-11-16T{8 + i:02d}:00:00", 25)
        drinks.append(event(f"2026-11-16T{8 + i:02d}:30:00Z", "water_logged"))
        drinks.append(event(f"2026-11-16T{8 + i:02d}:33:00Z", "break_taken"))
    week = summarize(Rows(tidy, drinks), BERLIN, "2026-W47")
    assert [t.key for t in choose_tips(week)] == ["steady_week"]
    assert "healthcare" in HEALTH_NOTE or "doctor" in HEALTH_NOTE


def test_formatting_helpers() -> None:
    assert format_duration(0) == "0 min"
    assert format_duration(89) == "1 min"
    assert format_duration(3600) == "1 h"
    assert format_duration(3900) == "1 h 05 min"
    assert format_share(None) == "–" and format_share(0.237) == "24%"


def test_importing_the_report_pulls_in_no_adapters() -> None:
    code = (
        "import sys, posturewatch.report\n"
        "from posturewatch.report import charts, html, records, summary, text, tips\n"
        "bad = {'cv2', 'mediapipe', 'pystray', 'plyer', 'sqlite_utils', 'numpy', 'PIL'}\n"
        "print(sorted(bad & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

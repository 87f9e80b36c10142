"""The weekly report's numbers: ``summarize(rows, tz)`` turns stored rows into a week.

Pure: standard library only, no I/O, no clock (the caller passes ``now`` when it
matters). Reading the database lives in ``report_render.load_rows``; drawing the
page, text, JSON and CSV in ``report_render``; the advice in ``tips``.

Time base. Stored timestamps are UTC. A week is ISO Monday 00:00 to the next
Monday 00:00 in the user's local zone ``tz``; a day is local midnight to local
midnight, so a day on which daylight-saving time starts has 23 hours and the
day it ends has 25. Every duration here is real elapsed seconds, never wall-clock
arithmetic.

Definitions (the page and the JSON say the same thing in fewer words):

- *time at the desk*: the sum of ``present_s`` of the day's minutes.
- *time seated*: the sum of ``seated_s`` (``present_s`` when an older database
  has no ``seated_s`` column). *Upright* is seated minus slouched.
- *share slouched*: ``slouched_s / seated_s`` (``None`` with no seated time).
- *sitting bout*: derived from the minute rows, so it works without events and
  matches the timeline. A minute with seated time belongs to a bout; a bout
  ends when the time without seated seconds before the next seated minute is
  at least ``break_min_s`` (default 120 s, the tracker's break). Inside a
  minute we do not know where the seated seconds fell, so the gap between two
  seated minutes a and b is taken as ``(60 - a.seated) + (whole minutes
  between) * 60 + (60 - b.seated)``, and a bout runs from the first minute's
  start plus its unseated seconds to the last minute's start plus its seated
  seconds. A bout's length is elapsed time, short absences included, like the
  tracker's sitting timer. A bout belongs to the day it started on (its full
  length counts for that day's *longest unbroken sitting*, even past
  midnight); the timeline clips it to each day it touches.
- *breaks taken*: ``break_taken`` events in the day (the tracker's own count,
  user-declared breaks included). With no ``events`` table (an older
  database), the gaps between two bouts of the same day instead.
- *nudges shown*: ``nudge_shown`` events by ``detail.kind``. A nudge is
  *followed* when, after it and before the next nudge of the same kind:
  break: within 30 min a ``break_taken`` with ``followed_nudge: true`` (the
  tracker sets it when the person left within 15 min of the nudge; the event
  comes ``break_min_s`` after they left), or a ``nudge_acted`` with action
  ``done``/``followed``; water: within
  15 min a ``water_logged`` or such a ``nudge_acted``; posture: such a
  ``nudge_acted`` within 5 min, or the 5 whole minutes after the nudge's
  minute hold at least 60 s seated of which under half slouched. *Snoozed*
  counts ``nudge_acted`` with action ``snooze`` in the same window.
- *water logged*: ``water_logged`` events (a count of drinks).
- *calibration*: from the ``calibration`` events up to the day's end:
  ``"calibrated"`` once any succeeded (a failed retry keeps the old baseline),
  ``"failed"`` when every attempt failed, ``"none"`` when there was none (the
  monitor then uses population defaults). The reader passes the latest
  calibration event before the rows' span, so an old success still counts.
- *change against the week before*: this week's totals minus last week's. For
  the current, unfinished week (``now`` inside it), last week is cut at the
  same weekday and local time, so a Wednesday compares with last Monday to
  Wednesday at that hour.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

NUDGE_KINDS = ("break", "water", "posture")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

BREAK_FOLLOW_WINDOW = timedelta(minutes=30)
WATER_FOLLOW_WINDOW = timedelta(minutes=15)
POSTURE_FOLLOW_WINDOW = timedelta(minutes=5)
POSTURE_FOLLOW_MIN_SEATED_S = 60.0
POSTURE_FOLLOW_MAX_SHARE = 0.5
FOLLOW_ACTIONS = frozenset({"done", "followed"})

_WEEK_RE = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")
_MINUTE = timedelta(minutes=1)


# ---------------------------------------------------------------- input rows


@dataclass(frozen=True)
class Rows:
    """What ``summarize`` reads: rows as they come out of the database.

    ``minutes``: mappings with the ``minutes`` table's columns; ``minute`` is an
    ISO 8601 UTC string ("2026-11-16T09:05:00Z") or an aware datetime. Missing
    numeric columns count as 0 (``seated_s`` falls back to ``present_s``).
    ``events``: mappings with ``at`` (like ``minute``), ``kind`` and ``detail``
    (a JSON string or a mapping); ``None`` means the database has no events
    table, which changes how breaks are counted. ``notes``: remarks from the
    reader (an older schema, a missing file) that the report shows as is.
    Rows may cover any span; supply the week and the week before it, plus
    the latest calibration event before that, for a complete report.
    """

    minutes: Sequence[Mapping[str, Any]] = ()
    events: Sequence[Mapping[str, Any]] | None = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Minute:
    start: datetime  # UTC
    present_s: float
    seated_s: float
    slouched_s: float
    away_s: float
    unknown_s: float


@dataclass(frozen=True)
class _Event:
    at: datetime  # UTC
    kind: str
    detail: Mapping[str, Any]


# ---------------------------------------------------------------- output data


@dataclass(frozen=True)
class Bout:
    """One unbroken sitting bout, UTC instants; ``seated_s`` excludes short absences."""

    start: datetime
    end: datetime
    seated_s: float

    @property
    def duration_s(self) -> float:
        """Elapsed seconds from start to end."""
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class NudgeCount:
    shown: int = 0
    followed: int = 0
    snoozed: int = 0


class _SeatedSplit:
    """Upright time and the share slouched, for anything with ``seated_s`` and
    ``slouched_s`` (a day or a span of days)."""

    seated_s: float
    slouched_s: float

    @property
    def upright_s(self) -> float:
        return max(0.0, self.seated_s - self.slouched_s)

    @property
    def slouched_share(self) -> float | None:
        return self.slouched_s / self.seated_s if self.seated_s > 0 else None


@dataclass(frozen=True)
class DaySummary(_SeatedSplit):
    """One local calendar day. Durations in seconds; ``start``/``end`` are UTC."""

    date: date
    start: datetime
    end: datetime
    present_s: float
    seated_s: float
    slouched_s: float
    away_s: float
    unknown_s: float
    longest_bout_s: float
    bouts: tuple[Bout, ...]  # bouts that started this day (full length)
    # bout pieces inside this day: (start, end, the whole bout's duration_s)
    segments: tuple[tuple[datetime, datetime, float], ...]
    breaks: int
    nudges: Mapping[str, NudgeCount]
    water: int
    calibration: str
    future: bool = False  # entirely after ``now``: no data can exist yet

    @property
    def hours(self) -> float:
        """Length of the day in hours: 24, or 23/25 on a daylight-saving change."""
        return (self.end - self.start).total_seconds() / 3600

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


    @property
    def has_data(self) -> bool:
        return self.present_s + self.seated_s + self.away_s + self.unknown_s > 0


@dataclass(frozen=True)
class Totals(_SeatedSplit):
    """Sums over a span of days. Durations in seconds."""

    present_s: float = 0.0
    seated_s: float = 0.0
    slouched_s: float = 0.0
    away_s: float = 0.0
    unknown_s: float = 0.0
    longest_bout_s: float = 0.0
    bouts: int = 0
    breaks: int = 0
    nudges: Mapping[str, NudgeCount] = field(
        default_factory=lambda: {k: NudgeCount() for k in NUDGE_KINDS}
    )
    water: int = 0
    desk_days: int = 0  # days with any time at the desk


    @property
    def seated_per_desk_day_s(self) -> float | None:
        return self.seated_s / self.desk_days if self.desk_days else None

    @property
    def nudges_shown(self) -> int:
        return sum(n.shown for n in self.nudges.values())

    @property
    def nudges_followed(self) -> int:
        return sum(n.followed for n in self.nudges.values())


@dataclass(frozen=True)
class Change:
    """This week against the week before; ``delta`` is None when either is unknown."""

    current: float | None
    previous: float | None

    @property
    def delta(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


@dataclass(frozen=True)
class HourSlouch:
    """Seated and slouched seconds in one local hour of the day (0-23) over the week."""

    hour: int
    seated_s: float
    slouched_s: float

    @property
    def share(self) -> float | None:
        return self.slouched_s / self.seated_s if self.seated_s > 0 else None


@dataclass(frozen=True)
class WeekSummary:
    week: str  # ISO week, "2026-W47"
    tz: tzinfo  # the user's zone the week was cut in
    tz_name: str
    start: datetime  # UTC, local Monday 00:00
    end: datetime  # UTC, local Monday 00:00 a week later
    days: tuple[DaySummary, ...]  # Monday..Sunday
    totals: Totals
    previous: Totals  # the week before (cut at the same point when this one is partial)
    previous_week: str
    previous_days: tuple[DaySummary, ...]  # the week before, whole, for trend lines
    changes: Mapping[str, Change]
    by_hour: tuple[HourSlouch, ...]  # 24 entries, local hours 0..23
    partial: bool  # ``now`` falls inside the week
    now: datetime | None
    notes: tuple[str, ...]
    break_min_s: float
    sit_limit_min: float
    events_known: bool = True  # False: the database has no events table

    @property
    def first_day(self) -> date:
        return self.days[0].date

    @property
    def last_day(self) -> date:
        return self.days[-1].date

    @property
    def has_data(self) -> bool:
        return any(d.has_data for d in self.days)

    @property
    def worst_hour(self) -> HourSlouch | None:
        """The local hour with the highest share slouched among hours with at
        least 30 minutes seated over the week; None when no hour qualifies."""
        candidates = [h for h in self.by_hour if h.seated_s >= 1800 and h.share is not None]
        if not candidates:
            return None
        return max(candidates, key=lambda h: (h.share, h.seated_s))


# ---------------------------------------------------------------- weeks


def parse_week(text: str) -> tuple[int, int]:
    """'2026-W47' (or '2026W47', '2026-w7') -> (2026, 47). ValueError if invalid."""
    match = _WEEK_RE.match(text)
    if not match:
        raise ValueError(f"not an ISO week: {text!r} (expected like 2026-W47)")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {week}") from None
    return year, week


def week_label(day: date) -> str:
    """The ISO week containing a local date, as '2026-W47'."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_of(moment: datetime, tz: tzinfo) -> str:
    """The ISO week containing an aware instant, in zone ``tz``."""
    return week_label(moment.astimezone(tz).date())


def shift_week(week: str, weeks: int) -> str:
    """'2026-W01' shifted by -1 -> '2025-W53' (whatever the calendar says)."""
    year, number = parse_week(week)
    monday = date.fromisocalendar(year, number, 1) + timedelta(weeks=weeks)
    return week_label(monday)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant at which local ``day`` begins in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def week_bounds(week: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """UTC start and end of an ISO week in zone ``tz`` (end exclusive).

    The span is 168 hours, or 167/169 when it contains a daylight-saving change.
    """
    year, number = parse_week(week)
    monday = date.fromisocalendar(year, number, 1)
    return local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)


def rows_span(week: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC span of rows ``summarize`` wants for ``week``: the week before it
    through the end of the week, with one extra day on each side so bouts that
    cross a week boundary are whole."""
    start, end = week_bounds(shift_week(week, -1), tz)[0], week_bounds(week, tz)[1]
    return start - timedelta(days=1), end + timedelta(days=1)


def week_to_announce(
    now: datetime, tz: tzinfo, weekday: str, last_announced: str | None
) -> str | None:
    """The finished week whose report is ready to announce, or None.

    From the first call on local ``weekday`` ("mon".."sun") of a week, return the
    week before it, once: the caller stores the returned label and passes it back
    as ``last_announced``. Called by the monitor at each sample; pure.
    """
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    if weekday not in names:
        raise ValueError(f"weekday must be one of {names}, not {weekday!r}")
    local = now.astimezone(tz).date()
    if local.weekday() < names.index(weekday):
        return None
    due = shift_week(week_label(local), -1)
    return None if due == last_announced else due


# ---------------------------------------------------------------- parsing rows


def parse_utc(value: Any) -> datetime | None:
    """An ISO 8601 string or datetime -> aware UTC datetime; naive means UTC.
    None for anything unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _number(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None  # drop NaN, negatives


def _read_minutes(rows: Iterable[Mapping[str, Any]]) -> list[_Minute]:
    seen: dict[datetime, _Minute] = {}
    for row in rows:
        start = parse_utc(row.get("minute"))
        if start is None:
            continue
        start = start.replace(second=0, microsecond=0)
        present = _number(row, "present_s") or 0.0
        seated = _number(row, "seated_s")
        seated = present if seated is None else seated
        seated = min(seated, 60.0)
        slouched = min(_number(row, "slouched_s") or 0.0, seated)
        seen[start] = _Minute(
            start=start,
            present_s=min(present, 60.0),
            seated_s=seated,
            slouched_s=slouched,
            away_s=min(_number(row, "away_s") or 0.0, 60.0),
            unknown_s=min(_number(row, "unknown_s") or 0.0, 60.0),
        )
    return sorted(seen.values(), key=lambda m: m.start)


def _read_events(rows: Iterable[Mapping[str, Any]]) -> list[_Event]:
    events = []
    for row in rows:
        at = parse_utc(row.get("at"))
        kind = row.get("kind")
        if at is None or not isinstance(kind, str):
            continue
        detail = row.get("detail")
        if isinstance(detail, str | bytes):
            try:
                detail = json.loads(detail)
            except ValueError:
                detail = {}
        if not isinstance(detail, Mapping):
            detail = {}
        events.append(_Event(at=at, kind=_plain(kind), detail=detail))
    events.sort(key=lambda e: e.at)
    return events


def _plain(value: Any) -> str:
    """'break', 'NudgeKind.BREAK', 'BREAK' -> 'break'."""
    return str(value).rsplit(".", 1)[-1].strip().lower()


# ---------------------------------------------------------------- bouts


def _sitting_bouts(minutes: Sequence[_Minute], break_min_s: float) -> list[Bout]:
    """Bouts of sitting from minute rows sorted by time (see the module docstring)."""
    bouts: list[Bout] = []
    first: _Minute | None = None
    last: _Minute | None = None
    seated_sum = 0.0

    def close() -> None:
        assert first is not None and last is not None
        if first is last:
            start, end = first.start, first.start + timedelta(seconds=first.seated_s)
        else:
            start = first.start + timedelta(seconds=60 - first.seated_s)
            end = last.start + timedelta(seconds=last.seated_s)
        bouts.append(Bout(start=start, end=end, seated_s=seated_sum))

    for minute in minutes:
        if minute.seated_s <= 0:
            continue
        if last is not None:
            between = (minute.start - last.start).total_seconds() - 60
            gap = (60 - last.seated_s) + between + (60 - minute.seated_s)
            if gap >= break_min_s:
                close()
                first, seated_sum = None, 0.0
        if first is None:
            first = minute
        last = minute
        seated_sum += minute.seated_s
    if first is not None:
        close()
    return bouts


# ---------------------------------------------------------------- nudges


def _followed(
    nudge: _Event,
    until: datetime,
    events: Sequence[_Event],
    times: Sequence[datetime],
    minute_index: Mapping[datetime, _Minute],
) -> tuple[bool, bool]:
    """(followed, snoozed) for one nudge_shown event; ``until`` is the next
    nudge of the same kind (or far away)."""
    kind = _plain(nudge.detail.get("kind", ""))
    window = {"break": BREAK_FOLLOW_WINDOW, "water": WATER_FOLLOW_WINDOW}.get(
        kind, POSTURE_FOLLOW_WINDOW
    )
    stop = min(nudge.at + window, until)
    followed = snoozed = False
    for event in events[bisect_right(times, nudge.at) :]:
        if event.at > stop:
            break
        if event.kind == "nudge_acted" and _plain(event.detail.get("kind", kind)) == kind:
            action = _plain(event.detail.get("action", ""))
            if action in FOLLOW_ACTIONS:
                followed = True
            elif action == "snooze":
                snoozed = True
        elif kind == "break" and event.kind == "break_taken":
            if event.detail.get("followed_nudge") is True:
                followed = True
        elif kind == "water" and event.kind == "water_logged":
            followed = True
    if kind == "posture" and not followed and minute_index:
        base = nudge.at.replace(second=0, microsecond=0)
        after = [minute_index.get(base + _MINUTE * i) for i in range(1, 6)]
        seated = sum(m.seated_s for m in after if m is not None)
        slouched = sum(m.slouched_s for m in after if m is not None)
        if seated >= POSTURE_FOLLOW_MIN_SEATED_S and slouched / seated < POSTURE_FOLLOW_MAX_SHARE:
            followed = True
    return followed, snoozed


def _nudge_outcomes(
    events: Sequence[_Event], minute_index: Mapping[datetime, _Minute]
) -> list[tuple[_Event, str, bool, bool]]:
    """Every nudge_shown with its kind and (followed, snoozed)."""
    shown = [e for e in events if e.kind == "nudge_shown"]
    times = [e.at for e in events]
    far = datetime.max.replace(tzinfo=UTC)
    outcomes = []
    for i, nudge in enumerate(shown):
        kind = _plain(nudge.detail.get("kind", ""))
        nxt = next((n.at for n in shown[i + 1 :] if _plain(n.detail.get("kind", "")) == kind), far)
        followed, snoozed = _followed(nudge, nxt, events, times, minute_index)
        outcomes.append((nudge, kind, followed, snoozed))
    return outcomes


# ---------------------------------------------------------------- summarize


def _calibration_state(events: Sequence[_Event], until: datetime) -> str:
    state = "none"
    for event in events:
        if event.at >= until:
            break
        if event.kind == "calibration":
            if event.detail.get("ok", True) is not False:
                return "calibrated"
            state = "failed"
    return state


def _summarize_days(
    week: str,
    tz: tzinfo,
    minutes: Sequence[_Minute],
    events: Sequence[_Event] | None,
    bouts: Sequence[Bout],
    outcomes: Sequence[tuple[_Event, str, bool, bool]],
    now: datetime | None,
) -> tuple[DaySummary, ...]:
    year, number = parse_week(week)
    monday = date.fromisocalendar(year, number, 1)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
        mins = [m for m in minutes if start <= m.start < end]
        day_bouts = tuple(b for b in bouts if start <= b.start < end)
        segments = tuple(
            (max(b.start, start), min(b.end, end), b.duration_s)
            for b in bouts
            if b.start < end and b.end > start
        )
        if events is None:
            breaks = max(0, len(day_bouts) - 1)
        else:
            breaks = sum(1 for e in events if e.kind == "break_taken" and start <= e.at < end)
        counts = {}
        for kind in NUDGE_KINDS:
            mine = [o for o in outcomes if o[1] == kind and start <= o[0].at < end]
            counts[kind] = NudgeCount(
                shown=len(mine),
                followed=sum(1 for o in mine if o[2]),
                snoozed=sum(1 for o in mine if o[3]),
            )
        evs = events or ()
        days.append(
            DaySummary(
                date=day,
                start=start,
                end=end,
                present_s=sum(m.present_s for m in mins),
                seated_s=sum(m.seated_s for m in mins),
                slouched_s=sum(m.slouched_s for m in mins),
                away_s=sum(m.away_s for m in mins),
                unknown_s=sum(m.unknown_s for m in mins),
                longest_bout_s=max((b.duration_s for b in day_bouts), default=0.0),
                bouts=day_bouts,
                segments=segments,
                breaks=breaks,
                nudges=counts,
                water=sum(1 for e in evs if e.kind == "water_logged" and start <= e.at < end),
                calibration=_calibration_state(evs, end),
                future=now is not None and start > now,
            )
        )
    return tuple(days)


def _totals(days: Iterable[DaySummary]) -> Totals:
    days = list(days)
    return Totals(
        present_s=sum(d.present_s for d in days),
        seated_s=sum(d.seated_s for d in days),
        slouched_s=sum(d.slouched_s for d in days),
        away_s=sum(d.away_s for d in days),
        unknown_s=sum(d.unknown_s for d in days),
        longest_bout_s=max((d.longest_bout_s for d in days), default=0.0),
        bouts=sum(len(d.bouts) for d in days),
        breaks=sum(d.breaks for d in days),
        nudges={
            k: NudgeCount(
                shown=sum(d.nudges[k].shown for d in days),
                followed=sum(d.nudges[k].followed for d in days),
                snoozed=sum(d.nudges[k].snoozed for d in days),
            )
            for k in NUDGE_KINDS
        },
        water=sum(d.water for d in days),
        desk_days=sum(1 for d in days if d.present_s > 0),
    )


def _cut_day(
    day: DaySummary,
    cut: datetime,
    minutes: Sequence[_Minute],
    events: Sequence[_Event] | None,
    outcomes: Sequence[tuple[_Event, str, bool, bool]],
) -> DaySummary:
    """``day`` restricted to instants before ``cut`` (for comparing a partial week)."""
    if cut >= day.end:
        return day
    mins = [m for m in minutes if day.start <= m.start < cut]
    bouts = tuple(b for b in day.bouts if b.start < cut)
    counts = {}
    for kind in NUDGE_KINDS:
        mine = [o for o in outcomes if o[1] == kind and day.start <= o[0].at < cut]
        counts[kind] = NudgeCount(len(mine), sum(o[2] for o in mine), sum(o[3] for o in mine))
    evs = events or ()
    if events is None:
        breaks = max(0, len(bouts) - 1)
    else:
        breaks = sum(1 for e in evs if e.kind == "break_taken" and day.start <= e.at < cut)
    return DaySummary(
        date=day.date,
        start=day.start,
        end=day.end,
        present_s=sum(m.present_s for m in mins),
        seated_s=sum(m.seated_s for m in mins),
        slouched_s=sum(m.slouched_s for m in mins),
        away_s=sum(m.away_s for m in mins),
        unknown_s=sum(m.unknown_s for m in mins),
        longest_bout_s=max((min(b.end, cut) - b.start).total_seconds() for b in bouts)
        if bouts
        else 0.0,
        bouts=bouts,
        segments=(),
        breaks=breaks,
        nudges=counts,
        water=sum(1 for e in evs if e.kind == "water_logged" and day.start <= e.at < cut),
        calibration=day.calibration,
    )


CHANGE_METRICS = (
    "seated_s",
    "present_s",
    "slouched_share",
    "longest_bout_s",
    "breaks",
    "water",
    "nudges_followed",
)


def _changes(current: Totals, previous: Totals) -> dict[str, Change]:
    changes = {}
    prev_empty = previous.present_s + previous.seated_s == 0
    for name in CHANGE_METRICS:
        cur = getattr(current, name)
        prev = None if prev_empty else getattr(previous, name)
        changes[name] = Change(
            current=None if cur is None else float(cur),
            previous=None if prev is None else float(prev),
        )
    return changes


def summarize(
    rows: Rows,
    tz: tzinfo,
    week: str | None = None,
    *,
    now: datetime | None = None,
    break_min_s: float = 120.0,
    sit_limit_min: float = 30.0,
) -> WeekSummary:
    """Turn stored rows into one week's report numbers. Pure.

    ``tz``: the user's local zone (a ``zoneinfo.ZoneInfo`` for correct DST).
    ``week``: ISO week like "2026-W47"; None means the week containing ``now``,
    or, without ``now``, the week of the newest minute row (ValueError when
    there is neither). ``now`` (aware): marks days after it as future and makes
    the comparison with last week fair for an unfinished week. ``break_min_s``:
    the away time that ends a sitting bout (``Settings.break_min_s``).
    ``sit_limit_min`` (``Settings.sit_limit_min``) only travels along for the
    tips and the timeline's colours.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    minutes = _read_minutes(rows.minutes)
    events = None if rows.events is None else _read_events(rows.events)
    if week is None:
        if now is not None:
            week = week_of(now, tz)
        elif minutes:
            week = week_of(minutes[-1].start, tz)
        else:
            raise ValueError("no week given, no 'now' and no rows to pick one from")
    else:
        week = week_label(date.fromisocalendar(*parse_week(week), 1))
    start, end = week_bounds(week, tz)
    prev_week = shift_week(week, -1)

    bouts = _sitting_bouts(minutes, break_min_s)
    index = {m.start: m for m in minutes}
    outcomes = _nudge_outcomes(events or (), index)

    days = _summarize_days(week, tz, minutes, events, bouts, outcomes, now)
    prev_days = _summarize_days(prev_week, tz, minutes, events, bouts, outcomes, None)
    partial = now is not None and start <= now < end
    if partial:
        assert now is not None
        wall = now.astimezone(tz).replace(tzinfo=None) - timedelta(days=7)
        cut = wall.replace(tzinfo=tz).astimezone(UTC)
        compare = [_cut_day(d, cut, minutes, events, outcomes) for d in prev_days if d.start < cut]
    else:
        compare = list(prev_days)
    totals, previous = _totals(days), _totals(compare)

    by_hour_seated = [0.0] * 24
    by_hour_slouched = [0.0] * 24
    for minute in minutes:
        if start <= minute.start < end:
            hour = minute.start.astimezone(tz).hour
            by_hour_seated[hour] += minute.seated_s
            by_hour_slouched[hour] += minute.slouched_s

    notes = list(rows.notes)
    if events is None:
        notes.append(
            "This database has no events table: breaks are counted from the "
            "minute rows, and nudges, water and calibration are unknown."
        )
    return WeekSummary(
        week=week,
        tz=tz,
        tz_name=str(getattr(tz, "key", None) or tz),
        start=start,
        end=end,
        days=days,
        totals=totals,
        previous=previous,
        previous_week=prev_week,
        previous_days=prev_days,
        changes=_changes(totals, previous),
        by_hour=tuple(HourSlouch(h, by_hour_seated[h], by_hour_slouched[h]) for h in range(24)),
        partial=partial,
        now=now,
        notes=tuple(notes),
        break_min_s=break_min_s,
        sit_limit_min=sit_limit_min,
        events_known=events is not None,
    )


def format_duration(seconds: float) -> str:
    """Seconds -> '45 min', '1 h 05 min', '3 h' (rounded to the nearest minute)."""
    minutes = int(round(max(0.0, seconds) / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" if not minutes else f"{hours} h {minutes:02d} min"


def format_share(share: float | None) -> str:
    """0.237 -> '24%'; None -> '–'."""
    return "–" if share is None else f"{round(share * 100):d}%"

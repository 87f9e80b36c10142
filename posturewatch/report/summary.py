"""The weekly report's numbers: ``summarize(rows, tz)`` turns stored rows into a week.

Pure: standard library only, no I/O, no clock (the caller passes ``now`` when it
matters). Reading the database lives in ``report.files``; the rows' checking in
``report.rows``; which nudges were followed in ``report.nudges``.

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
- *nudges shown, followed, snoozed*: see ``report.nudges``.
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from posturewatch.calendar_words import weekday_name
from posturewatch.i18n import N_, _
from posturewatch.report.nudges import (
    NUDGE_KINDS,
    NudgeCount,
    Outcome,
    count_nudges,
    nudge_outcomes,
)
from posturewatch.report.rows import EventRow, Minute, Rows, read_events, read_minutes
from posturewatch.report.weeks import (
    local_midnight,
    shift_week,
    week_bounds,
    week_monday,
    week_of,
)

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
        """The day's name in the reader's language ('Monday')."""
        return weekday_name(self.date)

    @property
    def has_data(self) -> bool:
        return self.present_s + self.seated_s + self.away_s + self.unknown_s > 0


@dataclass(frozen=True)
class PeriodTotals(_SeatedSplit):
    """Sums over a span of days (a week, or last week up to the same point).
    Durations in seconds. Not ``session.Totals``, the tracker's exact account."""

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
    totals: PeriodTotals
    previous: PeriodTotals  # the week before (cut at the same point when this one is partial)
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


# ---------------------------------------------------------------- bouts


def sitting_bouts(minutes: Sequence[Minute], break_min_s: float) -> list[Bout]:
    """Bouts of sitting from minute rows sorted by time (see the module docstring)."""
    bouts: list[Bout] = []
    run: list[Minute] = []  # the seated minutes of the bout being built

    def close() -> None:
        first, last = run[0], run[-1]
        if first is last:
            start, end = first.start, first.start + timedelta(seconds=first.seated_s)
        else:
            start = first.start + timedelta(seconds=60 - first.seated_s)
            end = last.start + timedelta(seconds=last.seated_s)
        bouts.append(Bout(start=start, end=end, seated_s=sum(m.seated_s for m in run)))

    for minute in minutes:
        if minute.seated_s <= 0:
            continue
        if run:
            last = run[-1]
            between = (minute.start - last.start).total_seconds() - 60
            gap = (60 - last.seated_s) + between + (60 - minute.seated_s)
            if gap >= break_min_s:
                close()
                run = []
        run.append(minute)
    if run:
        close()
    return bouts


# ---------------------------------------------------------------- days


@dataclass(frozen=True)
class _Facts:
    """Everything read from the rows, shared by every day of both weeks."""

    minutes: Sequence[Minute]
    events: Sequence[EventRow] | None  # None: no events table
    bouts: Sequence[Bout]
    outcomes: Sequence[Outcome]


def _calibration_state(events: Sequence[EventRow], until: datetime) -> str:
    state = "none"
    for event in events:
        if event.at >= until:
            break
        if event.kind == "calibration":
            if event.detail.get("ok", True) is not False:
                return "calibrated"
            state = "failed"
    return state


def _count_events(events: Sequence[EventRow], kind: str, start: datetime, end: datetime) -> int:
    return sum(1 for e in events if e.kind == kind and start <= e.at < end)


def _day(
    day: date, start: datetime, end: datetime, facts: _Facts, now: datetime | None
) -> DaySummary:
    """One local day from ``start`` to ``end`` (UTC)."""
    mins = [m for m in facts.minutes if start <= m.start < end]
    day_bouts = tuple(b for b in facts.bouts if start <= b.start < end)
    segments = tuple(
        (max(b.start, start), min(b.end, end), b.duration_s)
        for b in facts.bouts
        if b.start < end and b.end > start
    )
    evs = facts.events or ()
    if facts.events is None:
        breaks = max(0, len(day_bouts) - 1)
    else:
        breaks = _count_events(evs, "break_taken", start, end)
    return DaySummary(
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
        nudges=count_nudges(facts.outcomes, start, end),
        water=_count_events(evs, "water_logged", start, end),
        calibration=_calibration_state(evs, end),
        future=now is not None and start > now,
    )


def _week_days(
    week: str, tz: tzinfo, facts: _Facts, now: datetime | None
) -> tuple[DaySummary, ...]:
    monday = week_monday(week)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
        days.append(_day(day, start, end, facts, now))
    return tuple(days)


def _cut_day(day: DaySummary, cut: datetime, facts: _Facts) -> DaySummary:
    """``day`` restricted to instants before ``cut`` (for comparing a partial week)."""
    if cut >= day.end:
        return day
    mins = [m for m in facts.minutes if day.start <= m.start < cut]
    bouts = tuple(b for b in day.bouts if b.start < cut)
    evs = facts.events or ()
    if facts.events is None:
        breaks = max(0, len(bouts) - 1)
    else:
        breaks = _count_events(evs, "break_taken", day.start, cut)
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
        nudges=count_nudges(facts.outcomes, day.start, cut),
        water=_count_events(evs, "water_logged", day.start, cut),
        calibration=day.calibration,
    )


# ---------------------------------------------------------------- the week


def period_totals(days: Iterable[DaySummary]) -> PeriodTotals:
    """Sums over ``days`` (the longest bout is the longest of any day)."""
    days = list(days)
    return PeriodTotals(
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


CHANGE_METRICS = (
    "seated_s",
    "present_s",
    "slouched_share",
    "longest_bout_s",
    "breaks",
    "water",
    "nudges_followed",
)


def _changes(current: PeriodTotals, previous: PeriodTotals) -> dict[str, Change]:
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


def _pick_week(week: str | None, now: datetime | None, minutes: Sequence[Minute],
               tz: tzinfo) -> str:
    if week is not None:
        return shift_week(week, 0)
    if now is not None:
        return week_of(now, tz)
    if minutes:
        return week_of(minutes[-1].start, tz)
    raise ValueError("no week given, no 'now' and no rows to pick one from")


def _comparison(
    prev_days: Sequence[DaySummary], now: datetime, tz: tzinfo, facts: _Facts
) -> list[DaySummary]:
    """Last week up to the same weekday and local time as ``now``."""
    wall = now.astimezone(tz).replace(tzinfo=None) - timedelta(days=7)
    cut = wall.replace(tzinfo=tz).astimezone(UTC)
    return [_cut_day(d, cut, facts) for d in prev_days if d.start < cut]


def _by_hour(minutes: Sequence[Minute], start: datetime, end: datetime,
             tz: tzinfo) -> tuple[HourSlouch, ...]:
    seated = [0.0] * 24
    slouched = [0.0] * 24
    for minute in minutes:
        if start <= minute.start < end:
            hour = minute.start.astimezone(tz).hour
            seated[hour] += minute.seated_s
            slouched[hour] += minute.slouched_s
    return tuple(HourSlouch(h, seated[h], slouched[h]) for h in range(24))


_NO_EVENTS_NOTE = N_(
    "This database has no events table: breaks are counted from the "
    "minute rows, and nudges, water and calibration are unknown."
)


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
    minutes = read_minutes(rows.minutes)
    events = None if rows.events is None else read_events(rows.events)
    week = _pick_week(week, now, minutes, tz)
    start, end = week_bounds(week, tz)
    prev_week = shift_week(week, -1)
    index = {m.start: m for m in minutes}
    facts = _Facts(minutes, events, sitting_bouts(minutes, break_min_s),
                   nudge_outcomes(events or (), index))
    days = _week_days(week, tz, facts, now)
    prev_days = _week_days(prev_week, tz, facts, None)
    partial = now is not None and start <= now < end
    compare = (
        _comparison(prev_days, now, tz, facts) if now is not None and partial else list(prev_days)
    )
    totals, previous = period_totals(days), period_totals(compare)
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
        by_hour=_by_hour(minutes, start, end, tz),
        partial=partial,
        now=now,
        notes=(*rows.notes, _(_NO_EVENTS_NOTE)) if events is None else tuple(rows.notes),
        break_min_s=break_min_s,
        sit_limit_min=sit_limit_min,
        events_known=events is not None,
    )

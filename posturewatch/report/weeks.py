"""ISO weeks in the user's local zone: labels, bounds, which week to report
and which one to announce. Pure: standard library only, no clock.

A week is ISO Monday 00:00 to the next Monday 00:00 local time; its label is
"2026-W47". Bounds are UTC instants, so a week holding a daylight-saving
change lasts 167 or 169 hours.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from posturewatch.i18n import _

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK_RE = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")


def parse_week(text: str) -> tuple[int, int]:
    """'2026-W47' (or '2026W47', '2026-w7') -> (2026, 47). ValueError if invalid."""
    match = _WEEK_RE.match(text)
    if not match:
        raise ValueError(_("not an ISO week: {text} (expected like 2026-W47)").format(
            text=repr(text)))
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(_("{year} has no ISO week {week}").format(year=year, week=week)) from None
    return year, week


def week_label(day: date) -> str:
    """The ISO week containing a local date, as '2026-W47'."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_of(moment: datetime, tz: tzinfo) -> str:
    """The ISO week containing an aware instant, in zone ``tz``."""
    return week_label(moment.astimezone(tz).date())


def shift_week(week: str, weeks: int) -> str:
    """'2026-W01' shifted by -1 -> '2025-W53' (whatever the calendar says);
    by 0 it normalises a label ('2026w7' -> '2026-W07')."""
    year, number = parse_week(week)
    monday = date.fromisocalendar(year, number, 1) + timedelta(weeks=weeks)
    return week_label(monday)


def week_monday(week: str) -> date:
    """The local date of the week's Monday."""
    return date.fromisocalendar(*parse_week(week), 1)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant at which local ``day`` begins in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def week_bounds(week: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """UTC start and end of an ISO week in zone ``tz`` (end exclusive).

    The span is 168 hours, or 167/169 when it contains a daylight-saving change.
    """
    monday = week_monday(week)
    return local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)


def rows_span(week: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC span of rows ``summarize`` wants for ``week``: the week before it
    through the end of the week, with one extra day on each side so bouts that
    cross a week boundary are whole."""
    start, end = week_bounds(shift_week(week, -1), tz)[0], week_bounds(week, tz)[1]
    return start - timedelta(days=1), end + timedelta(days=1)


def choose_week(week: str | None, last: bool, tz: tzinfo, now: datetime) -> str:
    """The ISO week a report covers: ``week`` as given (normalised), the one
    before ``now``'s when ``last``, else the week containing ``now``.
    ValueError for both at once or a bad label."""
    if week and last:
        raise ValueError(_("give either a week or --last, not both"))
    current = week_of(now, tz)
    if last:
        return shift_week(current, -1)
    return shift_week(week, 0) if week else current


def week_to_announce(
    now: datetime, tz: tzinfo, weekday: str, last_announced: str | None
) -> str | None:
    """The finished week whose report is ready to announce, or None.

    From the first call on local ``weekday`` ("mon".."sun") of a week, return the
    week before it, once: the caller stores the returned label and passes it back
    as ``last_announced``. Called by the monitor at each sample; pure.
    """
    if weekday not in _DAY_KEYS:
        raise ValueError(f"weekday must be one of {_DAY_KEYS}, not {weekday!r}")
    local = now.astimezone(tz).date()
    if local.weekday() < _DAY_KEYS.index(weekday):
        return None
    due = shift_week(week_label(local), -1)
    return None if due == last_announced else due

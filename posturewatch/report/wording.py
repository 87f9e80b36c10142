"""How the report's numbers and dates read, the same in every format: '1 h 05 min',
'24%', '16–22 November 2026', 'Friday 16:30'. Pure: standard library only."""

from __future__ import annotations

from html import escape as _escape

from posturewatch.report.summary import WeekSummary
from posturewatch.report.weeks import WEEKDAY_NAMES


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


def format_short(seconds: float) -> str:
    """Compact duration for chart labels: '45m', '6h 05m', '3h'."""
    minutes = int(round(max(0.0, seconds) / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h" if not minutes else f"{hours}h {minutes:02d}m"


def format_number(x: float) -> str:
    """At most one decimal, no trailing zeros: 12.0 -> '12', 3.25 -> '3.2' (SVG coordinates)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def escape(value: object) -> str:
    """Any value as HTML text or attribute value."""
    return _escape(str(value), quote=True)


def period_label(summary: WeekSummary) -> str:
    """The week's dates: '16–22 November 2026', '30 Nov – 6 Dec 2026'."""
    first, last = summary.first_day, summary.last_day
    if first.month == last.month:
        return f"{first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def through_label(summary: WeekSummary) -> str | None:
    """'Wednesday 14:05' when the week is in progress, else None."""
    if not summary.partial or summary.now is None:
        return None
    local = summary.now.astimezone(summary.tz)
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%H:%M}"

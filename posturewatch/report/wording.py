"""How the report's numbers and dates read, the same in every format: '1 h 05 min',
'24%', '16–22 November 2026', 'Friday 16:30'. Pure: standard library only."""

from __future__ import annotations

from html import escape as _escape

from posturewatch.calendar_words import month_name, weekday_name
from posturewatch.i18n import _
from posturewatch.report.summary import WeekSummary


def format_duration(seconds: float) -> str:
    """Seconds -> '45 min', '1 h 05 min', '3 h' (rounded to the nearest minute)."""
    minutes = int(round(max(0.0, seconds) / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("{minutes} min").format(minutes=minutes)
    if not minutes:
        return _("{hours} h").format(hours=hours)
    return _("{hours} h {minutes} min").format(hours=hours, minutes=f"{minutes:02d}")


def format_share(share: float | None) -> str:
    """0.237 -> '24%'; None -> '–'."""
    return "–" if share is None else f"{round(share * 100):d}%"


def format_short(seconds: float) -> str:
    """Compact duration for chart labels: '45m', '6h 05m', '3h'."""
    minutes = int(round(max(0.0, seconds) / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("{minutes}m").format(minutes=minutes)
    if not minutes:
        return _("{hours}h").format(hours=hours)
    return _("{hours}h {minutes}m").format(hours=hours, minutes=f"{minutes:02d}")


def format_number(x: float) -> str:
    """At most one decimal, no trailing zeros: 12.0 -> '12', 3.25 -> '3.2' (SVG coordinates)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def escape(value: object) -> str:
    """Any value as HTML text or attribute value."""
    return _escape(str(value), quote=True)


def period_label(summary: WeekSummary) -> str:
    """The week's dates: '16–22 November 2026', '30 Nov – 6 Dec 2026'."""
    first, last = summary.first_day, summary.last_day
    names = {"d1": first.day, "d2": last.day, "m1": month_name(first, short=True),
             "m2": month_name(last, short=True), "y1": first.year, "y2": last.year,
             "month": month_name(last)}
    if first.month == last.month:
        # Translators: a week within one month: 16–22 November 2026.
        return _("{d1}–{d2} {month} {y2}").format(**names)
    if first.year == last.year:
        # Translators: a week across two months: 30 Nov – 6 Dec 2026.
        return _("{d1} {m1} – {d2} {m2} {y2}").format(**names)
    # Translators: a week across two years: 29 Dec 2025 – 4 Jan 2026.
    return _("{d1} {m1} {y1} – {d2} {m2} {y2}").format(**names)


def through_label(summary: WeekSummary) -> str | None:
    """'Wednesday 14:05' when the week is in progress, else None."""
    if not summary.partial or summary.now is None:
        return None
    local = summary.now.astimezone(summary.tz)
    return f"{weekday_name(local)} {local:%H:%M}"

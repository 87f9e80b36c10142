"""Weekly reports as a browsable history: which week the tray opens, which
other weeks it lists, and the HTML pages (each linking to the week before and
after) in the reports folder.

- On ``weekly_report_day`` (the day the "report is ready" notice comes) the
  tray opens *last* week's page; on other days this week's so far.
- The history is the weeks from the first one with data (at most
  ``HISTORY_WEEKS`` back) to this week. Opening any week writes its page and
  makes sure every page of the history exists, so a "previous" or "next"
  link never leads nowhere: a missing page, or one written before its week
  was over, is written again (about 75 ms a week on a year-long database,
  ``bench/report_bench.py``); this week's page is rewritten every time.

Called on the sampling thread (a tray command) with the loop's ``now``.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from posturewatch.atomic_files import write_atomic
from posturewatch.calendar_words import month_name
from posturewatch.config import WEEKDAYS, Settings
from posturewatch.i18n import N_, _
from posturewatch.report import parse_week, shift_week, week_bounds, week_of
from posturewatch.report.files import build_summary, report_filename
from posturewatch.report.html import WeekLinks, render_html

HISTORY_WEEKS = 12
"""Weeks (this one included) kept browsable from the tray and by the links."""

# User-facing texts (kept together here so they can be translated).
THIS_WEEK = N_("This week so far")
WEEK_ITEM = N_("Week {n} \u00b7 {period}")


def default_week(now: datetime, tz: tzinfo, report_day: str) -> str:
    """The week the tray's report item opens: last week on ``report_day``
    (a ``config.WEEKDAYS`` name, local time), else the current week."""
    current = week_of(now, tz)
    if now.astimezone(tz).weekday() == WEEKDAYS.index(report_day):
        return shift_week(current, -1)
    return current


def first_week(db_path: Path, tz: tzinfo) -> str | None:
    """The week of the oldest minute summary in the database, or None (no
    file, no table, no rows, or the database cannot be read)."""
    import sqlite3

    from posturewatch.store import Store

    if not Path(db_path).exists():
        return None
    try:
        with Store.open_readonly(db_path) as store:
            first = store.oldest_minute()
    except (OSError, ValueError, sqlite3.Error):
        return None
    return week_of(first, tz) if first is not None else None


def history(now: datetime, tz: tzinfo, db_path: Path) -> list[str]:
    """This week and the earlier weeks with pages, newest first."""
    current = week_of(now, tz)
    weeks = [shift_week(current, -i) for i in range(HISTORY_WEEKS)]
    first = first_week(db_path, tz)
    if first is None:
        return weeks[:1]
    return [w for w in weeks if parse_week(w) >= parse_week(first)] or weeks[:1]


def other_weeks(now: datetime, tz: tzinfo, report_day: str, db_path: Path) -> list[str]:
    """The weeks the tray lists besides the one it opens, newest first."""
    opened = default_week(now, tz, report_day)
    return [w for w in history(now, tz, db_path) if w != opened]


def week_title(week: str, now: datetime, tz: tzinfo) -> str:
    """A menu label: "This week so far" or "Week 9 · 23 Feb – 1 Mar"."""
    if week == week_of(now, tz):
        return _(THIS_WEEK)
    start, end = week_bounds(week, tz)
    first: date = start.astimezone(tz).date()
    last: date = (end.astimezone(tz) - timedelta(hours=1)).date()
    if first.month == last.month:
        period = f"{first.day}\u2013{last.day} {month_name(last, short=True)}"
    else:
        period = (f"{first.day} {month_name(first, short=True)} \u2013 {last.day} "
                  f"{month_name(last, short=True)}")
    return _(WEEK_ITEM).format(n=int(week.split("-W")[1]), period=period)


def _stale(path: Path, week: str, now: datetime, tz: tzinfo) -> bool:
    """Missing, or written before the week was over (or it is this week)."""
    try:
        written = os.stat(path).st_mtime
    except OSError:
        return True
    return written < week_bounds(week, tz)[1].timestamp() or week == week_of(now, tz)


def write_week_pages(db_path: Path, week: str, settings: Settings | None, now: datetime,
                     tz: tzinfo, folder: Path) -> Path:
    """Write ``week``'s HTML page into ``folder`` and every page of the history
    that is missing or stale, each linking to its neighbours; returns the
    path of ``week``'s page. Raises ValueError for a bad week label."""
    parse_week(week)
    weeks = sorted(set(history(now, tz, db_path)) | {week}, key=parse_week)
    current = week_of(now, tz)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / report_filename(week, "html")
    for label in weeks:
        path = folder / report_filename(label, "html")
        if label != week and not _stale(path, label, now, tz):
            continue
        previous, following = shift_week(label, -1), shift_week(label, 1)

        def there(other: str) -> bool:
            return other in weeks or (folder / report_filename(other, "html")).exists()

        links = WeekLinks(
            previous=(report_filename(previous, "html"), previous) if there(previous) else None,
            next=(report_filename(following, "html"), following)
            if parse_week(following) <= parse_week(current) and there(following) else None,
        )
        summary = build_summary(db_path, label, False, tz, now, settings)
        write_atomic(path, render_html(summary, links))
    return target

"""The weekly report: from stored minute rows and events to HTML, text, JSON and CSV.

One module per role; all pure (standard library only) except ``files``:

- ``weeks``: ISO week labels and local-time bounds; which week to report or announce.
- ``rows``: what ``summarize`` reads (``Rows``) and how rows are checked.
- ``nudges``: which nudges were followed or snoozed.
- ``summary``: ``summarize(rows, tz)`` -> ``WeekSummary`` (the numbers; definitions there).
- ``tips``: a few plain tips chosen from the numbers.
- ``wording``: how durations, shares and dates read in every format.
- ``records``: the numbers as flat records (one name and unit for each), JSON and CSV.
- ``text``: the terminal report.
- ``palette``: the colours, once, for the CSS and the charts.
- ``charts``: the four SVG charts.
- ``html``: the self-contained page (``report.css`` is its style sheet).
- ``files``: read the database through the store, render a format, write or open the file.

This package imports only the pure part; import ``posturewatch.report.files``
for the database and files.
"""

from posturewatch.report.nudges import NUDGE_KINDS, NudgeCount
from posturewatch.report.rows import Rows, parse_utc
from posturewatch.report.summary import (
    Bout,
    Change,
    DaySummary,
    HourSlouch,
    PeriodTotals,
    WeekSummary,
    summarize,
)
from posturewatch.report.weeks import (
    WEEKDAY_NAMES,
    choose_week,
    local_midnight,
    parse_week,
    rows_span,
    shift_week,
    week_bounds,
    week_label,
    week_of,
    week_to_announce,
)
from posturewatch.report.wording import format_duration, format_share

__all__ = [
    "NUDGE_KINDS",
    "WEEKDAY_NAMES",
    "Bout",
    "Change",
    "DaySummary",
    "HourSlouch",
    "NudgeCount",
    "PeriodTotals",
    "Rows",
    "WeekSummary",
    "choose_week",
    "format_duration",
    "format_share",
    "local_midnight",
    "parse_utc",
    "parse_week",
    "rows_span",
    "shift_week",
    "summarize",
    "week_bounds",
    "week_label",
    "week_of",
    "week_to_announce",
]

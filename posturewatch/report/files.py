"""The report from the monitor's database to a file: read a week's rows through
the store (read-only), summarize, render in a format, write or open the result.

``render_report`` is what ``posturewatch report`` and the tray's "Open weekly
report" call; reading works while the monitor writes and on databases from
older versions (missing columns count as zero, a missing table as no rows, a
missing file as an empty report with a note). Called from whichever thread
renders (the CLI's, or the tray's sampling thread); nothing here keeps state.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from posturewatch import paths
from posturewatch.clock import local_zone
from posturewatch.config import Settings
from posturewatch.i18n import _
from posturewatch.report.html import render_html
from posturewatch.report.records import render_csv, render_json
from posturewatch.report.rows import Rows
from posturewatch.report.summary import WeekSummary, summarize
from posturewatch.report.text import render_text
from posturewatch.report.weeks import choose_week, rows_span

log = logging.getLogger(__name__)

RENDERERS: dict[str, Callable[[WeekSummary], str]] = {
    "html": render_html,
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
}
FORMATS = tuple(RENDERERS)
SUFFIXES = {"html": ".html", "text": ".txt", "json": ".json", "csv": ".csv"}
READ_TIMEOUT_MS = 5000  # how long a read waits out the monitor's write lock


def render(summary: WeekSummary, fmt: str) -> str:
    """Render a summary in one of ``FORMATS``; ValueError for another."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](summary)


def report_filename(week: str, fmt: str) -> str:
    """A file name for a report: 'posturewatch-2026-W47.html'."""
    return f"posturewatch-{week}{SUFFIXES[fmt]}"


def _older_notes(columns: tuple[str, ...], needed: tuple[str, ...]) -> list[str]:
    if "minute" not in columns:
        return [_("This database has no minute summaries table.")]
    missing = [c for c in needed if c not in columns]
    if not missing:
        return []
    return [
        _("This database is from an older version (no {columns} in its minute summaries); "
          "those count as zero.").format(columns=", ".join(missing))
    ]


def load_rows(db_path: Path, start: datetime, end: datetime) -> Rows:
    """Read minute rows and events from ``start`` to ``end`` (UTC) read-only,
    through the store.

    The bounds are widened to whole UTC dates, with a day to spare before, and
    ``summarize`` filters exactly, so rows an older version wrote as "…+00:00"
    or with a space instead of "T" are read too. Earlier calibration events (a
    handful) come along for the calibration state. A missing file, table or
    column becomes a note, never an error.
    """
    # The store pulls in sqlite-utils: imported here, so that `posturewatch
    # --help` (which loads the report command) stays quick.
    from posturewatch.store import SECONDS_COLUMNS, Store

    db_path = Path(db_path)
    if not db_path.exists():
        note = _("No database yet at {path}.").format(path=db_path)
        return Rows(minutes=(), events=(), notes=(note,))
    low = datetime.combine(start.astimezone(UTC).date() - timedelta(days=1), datetime.min.time(),
                           tzinfo=UTC)
    high = datetime.combine(end.astimezone(UTC).date() + timedelta(days=1), datetime.min.time(),
                            tzinfo=UTC)
    with Store.open_readonly(db_path, busy_timeout_ms=READ_TIMEOUT_MS) as store:
        notes = _older_notes(store.columns("minutes"), ("minute", *SECONDS_COLUMNS))
        minutes = store.minutes(low, high)
        events = None
        if {"at", "kind"} <= set(store.columns("events")):
            since = datetime(1970, 1, 1, tzinfo=UTC)
            events = store.events(since, low, kinds=["calibration"]) + store.events(low, high)
    return Rows(minutes=minutes, events=events, notes=tuple(notes))


def build_summary(
    db_path: Path,
    week: str | None = None,
    last: bool = False,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> WeekSummary:
    """Read the database and summarize one week (see ``render_report``)."""
    tz = tz or local_zone()
    now = now or datetime.now(UTC)
    settings = settings or Settings()
    label = choose_week(week, last, tz, now)
    start, end = rows_span(label, tz)
    return summarize(
        load_rows(Path(db_path), start, end),
        tz,
        label,
        now=now,
        break_min_s=settings.break_min_s,
        sit_limit_min=settings.sit_limit_min,
    )


def render_report(
    db_path: Path,
    week: str | None = None,
    last: bool = False,
    fmt: str = "html",
    tz: tzinfo | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """The weekly report as a string in ``fmt`` ("html", "text", "json", "csv").

    ``db_path``: the monitor's SQLite file (read-only; a missing file gives an
    empty report with a note). ``week``: "2026-W47"; ``last``: the week before
    the current one; neither: the current week so far. ``tz``: the user's zone
    (default ``local_zone()``); ``now``: aware instant (default the clock).
    ``settings`` supplies ``break_min_s`` and ``sit_limit_min``. Raises
    ValueError for an unknown format, a bad week label, or week with last.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return render(build_summary(db_path, week, last, tz, now, settings), fmt)


def reports_dir() -> Path:
    """Where rendered reports go when no ``--output`` is given."""
    return paths.data_dir() / "reports"


def write_report(
    db_path: Path,
    week: str | None,
    last: bool,
    fmt: str,
    output: Path | None,
    settings: Settings | None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> tuple[Path, str]:
    """Render and write a report; returns (path, text). Without ``output`` the
    file goes to ``reports_dir()`` named for its week. Raises ValueError on bad
    input (see ``render_report``)."""
    tz = tz or local_zone()
    now = now or datetime.now(UTC)
    label = choose_week(week, last, tz, now)
    text = render_report(db_path, label, False, fmt, tz=tz, now=now, settings=settings)
    target = output or reports_dir() / report_filename(label, fmt)
    if output is None:
        paths.make_private_dir(target.parent)  # our folder: private (0700)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="" if fmt == "csv" else None)
    return target, text


def open_in_browser(path: Path) -> bool:
    """Open a rendered page with the desktop's browser; False when none answers."""
    try:
        return bool(webbrowser.open(path.resolve().as_uri()))
    except webbrowser.Error as exc:
        log.warning("cannot open a browser for %s: %s", path, exc)
        return False

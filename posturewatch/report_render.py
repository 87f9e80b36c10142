"""The weekly report on paper: read the database, then HTML, text, JSON or CSV.

Standard library only. ``render_report`` is what ``posturewatch report`` and the
tray's "Open weekly report" call; it reads the SQLite file directly, read-only,
so it works while the monitor writes and on databases from older schemas
(missing columns count as zero, a missing table as no rows). The HTML page is
self-contained: inline CSS and hand-written SVG charts, no scripts, no network,
no external files. JSON, CSV and the HTML table's ``data-value`` attributes all
come from ``day_record``/``totals_record``, so they carry the same numbers.
Called from whichever thread renders; nothing here keeps state.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import textwrap
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posturewatch.config import Settings
from posturewatch.report import (
    NUDGE_KINDS,
    WEEKDAY_NAMES,
    DaySummary,
    Rows,
    Totals,
    WeekSummary,
    format_duration,
    format_share,
    rows_span,
    shift_week,
    summarize,
    week_of,
)
from posturewatch.tips import HEALTH_NOTE, Tip, choose_tips, slouch_hour

FORMATS = ("html", "text", "json", "csv")
SUFFIXES = {"html": ".html", "text": ".txt", "json": ".json", "csv": ".csv"}
JSON_FORMAT = "posturewatch-weekly-report"
JSON_VERSION = 1

MINUTE_COLUMNS = ("minute", "present_s", "seated_s", "slouched_s", "away_s", "unknown_s")

# ---------------------------------------------------------------- local zone


class _SystemLocalZone(tzinfo):
    """The OS's local zone through ``time.localtime``: correct across DST where
    no IANA name is available (Windows without the tzdata package)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=-_time.timezone)
        stamp = _time.mktime((*dt.timetuple()[:8], -1))
        return timedelta(seconds=_time.localtime(stamp).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return _time.tzname[0] if dt is None else _time.strftime("%Z", dt.timetuple())

    def fromutc(self, dt: datetime) -> datetime:
        stamp = (dt.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
        local = _time.localtime(stamp)
        return dt + timedelta(seconds=local.tm_gmtoff)

    def __repr__(self) -> str:
        return "local time"

    __str__ = __repr__


def local_zone() -> tzinfo:
    """The user's local time zone, DST-aware: $TZ if it names an IANA zone,
    else /etc/localtime (Linux, macOS), else the OS clock's rules."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    link = Path("/etc/localtime")
    try:
        target = str(link.resolve())
        if "zoneinfo/" in target:
            try:
                return ZoneInfo(target.split("zoneinfo/", 1)[1])
            except (ZoneInfoNotFoundError, ValueError):
                pass
        with link.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="local time")
    except OSError:
        return _SystemLocalZone()


def zone_name(tz: tzinfo) -> str:
    """A readable name for a zone: the IANA key when there is one."""
    key = getattr(tz, "key", None)
    return str(key) if key else str(tz)


# ---------------------------------------------------------------- reading


def _connect_read_only(db_path: Path) -> sqlite3.Connection:
    uri = db_path.resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=5)
    connection.row_factory = sqlite3.Row
    return connection


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row["name"] for row in connection.execute(f"PRAGMA table_info({table})")]


def load_rows(db_path: Path, start: datetime, end: datetime) -> Rows:
    """Read minute rows and events from ``start`` to ``end`` (UTC) read-only.

    The bounds are widened to whole UTC dates and ``summarize`` filters exactly,
    so timestamps written as "…Z", "+00:00" or with a space all match. Earlier
    calibration events (a handful) come along for the calibration state. A
    missing file, table or column becomes a note, never an error.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        return Rows(minutes=(), events=(), notes=(f"No database yet at {db_path}.",))
    low = start.astimezone(UTC).date().isoformat()
    high = (end.astimezone(UTC).date() + timedelta(days=1)).isoformat()
    notes: list[str] = []
    with _connect_read_only(db_path) as connection:
        minutes: list[dict[str, Any]] = []
        have = _columns(connection, "minutes")
        if "minute" not in have:
            notes.append("This database has no minute summaries table.")
        else:
            wanted = [c for c in MINUTE_COLUMNS if c in have]
            missing = [c for c in MINUTE_COLUMNS if c not in have]
            if missing:
                notes.append(
                    "This database is from an older version (no "
                    + ", ".join(missing)
                    + " in its minute summaries); those count as zero."
                )
            query = (
                f"SELECT {', '.join(wanted)} FROM minutes "
                "WHERE minute >= ? AND minute < ? ORDER BY minute"
            )
            minutes = [dict(row) for row in connection.execute(query, (low, high))]
        have = _columns(connection, "events")
        events: list[dict[str, Any]] | None
        if not {"at", "kind"} <= set(have):
            events = None
        else:
            detail = "detail" if "detail" in have else "NULL AS detail"
            query = f"SELECT at, kind, {detail} FROM events WHERE at >= ? AND at < ? ORDER BY at"
            events = [dict(row) for row in connection.execute(query, (low, high))]
            earlier = connection.execute(
                f"SELECT at, kind, {detail} FROM events WHERE kind = 'calibration' AND at < ? "
                "ORDER BY at",
                (low,),
            )
            events[:0] = [dict(row) for row in earlier]
    connection.close()
    return Rows(minutes=minutes, events=events, notes=tuple(notes))


def choose_week(week: str | None, last: bool, tz: tzinfo, now: datetime) -> str:
    """The ISO week to report: ``week`` as given, the one before ``now``'s when
    ``last``, else the week containing ``now``. ValueError for both or a bad label."""
    if week and last:
        raise ValueError("give either a week or --last, not both")
    current = week_of(now, tz)
    if last:
        return shift_week(current, -1)
    return shift_week(week, 0) if week else current


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
    rows = load_rows(Path(db_path), start, end)
    return summarize(
        rows,
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
    summary = build_summary(db_path, week, last, tz, now, settings)
    return render(summary, fmt)


def render(summary: WeekSummary, fmt: str) -> str:
    """Render a summary in one of ``FORMATS``."""
    renderers = {"html": render_html, "text": render_text, "json": render_json, "csv": render_csv}
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderers[fmt](summary)


def report_filename(week: str, fmt: str) -> str:
    """A file name for a report: 'posturewatch-2026-W47.html'."""
    return f"posturewatch-{week}{SUFFIXES[fmt]}"


# ---------------------------------------------------------------- records


def _min(seconds: float) -> float:
    return round(seconds / 60, 1)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _nudge_fields(nudges: Mapping[str, Any]) -> dict[str, int]:
    fields: dict[str, int] = {}
    for kind in NUDGE_KINDS:
        fields[f"{kind}_nudges_shown"] = nudges[kind].shown
        fields[f"{kind}_nudges_followed"] = nudges[kind].followed
    fields["nudges_snoozed"] = sum(nudges[k].snoozed for k in NUDGE_KINDS)
    return fields


def day_record(day: DaySummary) -> dict[str, Any]:
    """One day as flat JSON/CSV values: durations in minutes (0.1), shares 0..1."""
    return {
        "date": day.date.isoformat(),
        "weekday": day.weekday,
        "hours_in_day": round(day.hours, 2),
        "present_min": _min(day.present_s),
        "seated_min": _min(day.seated_s),
        "upright_min": _min(day.upright_s),
        "slouched_min": _min(day.slouched_s),
        "slouched_share": _share(day.slouched_share),
        "longest_sitting_min": _min(day.longest_bout_s),
        "sitting_bouts": len(day.bouts),
        "breaks": day.breaks,
        **_nudge_fields(day.nudges),
        "water_logged": day.water,
        "calibration": day.calibration,
        "away_min": _min(day.away_s),
        "unknown_min": _min(day.unknown_s),
    }


def totals_record(totals: Totals) -> dict[str, Any]:
    """Week totals, same units and names as ``day_record``."""
    return {
        "present_min": _min(totals.present_s),
        "seated_min": _min(totals.seated_s),
        "upright_min": _min(totals.upright_s),
        "slouched_min": _min(totals.slouched_s),
        "slouched_share": _share(totals.slouched_share),
        "longest_sitting_min": _min(totals.longest_bout_s),
        "sitting_bouts": totals.bouts,
        "breaks": totals.breaks,
        **_nudge_fields(totals.nudges),
        "water_logged": totals.water,
        "desk_days": totals.desk_days,
        "away_min": _min(totals.away_s),
        "unknown_min": _min(totals.unknown_s),
    }


# change metric -> (record key, converter to the record's unit)
_CHANGE_KEYS = {
    "seated_s": ("seated_min", _min),
    "present_s": ("present_min", _min),
    "slouched_share": ("slouched_share", _share),
    "longest_bout_s": ("longest_sitting_min", _min),
    "breaks": ("breaks", lambda v: int(v)),
    "water": ("water_logged", lambda v: int(v)),
    "nudges_followed": ("nudges_followed", lambda v: int(v)),
}


def change_record(summary: WeekSummary) -> dict[str, dict[str, Any]]:
    """This week against the last, in record units: {key: {current, previous, delta}}."""
    out = {}
    for metric, change in summary.changes.items():
        key, convert = _CHANGE_KEYS[metric]
        cur = None if change.current is None else convert(change.current)
        prev = None if change.previous is None else convert(change.previous)
        delta = None if cur is None or prev is None else round(cur - prev, 3)
        out[key] = {"current": cur, "previous": prev, "delta": delta}
    return out


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


DEFINITIONS = {
    "present": "time a person was in front of the camera",
    "seated": "time at the desk counted as sitting",
    "slouched_share": "slouched seconds divided by seated seconds",
    "sitting_bout": "sitting without an absence of {break_min} or more; short absences "
    "count as part of the bout; a bout belongs to the day it started",
    "break": "a break recorded by the monitor (away {break_min} or more, or declared)",
    "followed": "break nudge: a break within 30 min; water: water logged within 15 min; "
    "posture: marked done, or mostly upright in the 5 minutes after",
    "times": "local time in the report's time zone; a DST day has 23 or 25 hours",
}


def _definitions(summary: WeekSummary) -> dict[str, str]:
    brk = format_duration(summary.break_min_s)
    return {k: v.format(break_min=brk) for k, v in DEFINITIONS.items()}


def report_data(summary: WeekSummary) -> dict[str, Any]:
    """Everything the JSON carries, as plain data."""
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "week": summary.week,
        "previous_week": summary.previous_week,
        "time_zone": summary.tz_name,
        "first_day": summary.first_day.isoformat(),
        "last_day": summary.last_day.isoformat(),
        "start": _iso(summary.start),
        "end": _iso(summary.end),
        "partial": summary.partial,
        "generated_at": None if summary.now is None else _iso(summary.now),
        "days": [day_record(d) for d in summary.days],
        "totals": totals_record(summary.totals),
        "previous": totals_record(summary.previous),
        "change": change_record(summary),
        "sitting_bouts": [
            {
                "date": d.date.isoformat(),
                "start": _iso(b.start),
                "end": _iso(b.end),
                "minutes": _min(b.duration_s),
                "seated_min": _min(b.seated_s),
            }
            for d in summary.days
            for b in d.bouts
        ],
        "slouch_by_hour": [
            {
                "hour": h.hour,
                "seated_min": _min(h.seated_s),
                "slouched_min": _min(h.slouched_s),
                "slouched_share": _share(h.share),
            }
            for h in summary.by_hour
            if h.seated_s > 0
        ],
        "tips": [{"key": t.key, "title": t.title, "text": t.text} for t in choose_tips(summary)],
        "health_note": HEALTH_NOTE,
        "notes": list(summary.notes),
        "definitions": _definitions(summary),
    }


def render_json(summary: WeekSummary) -> str:
    """The report as JSON (UTF-8 text, 2-space indent, trailing newline)."""
    return json.dumps(report_data(summary), indent=2, ensure_ascii=False) + "\n"


CSV_FIELDS = (
    "row",
    "date",
    "weekday",
    "hours_in_day",
    "present_min",
    "seated_min",
    "upright_min",
    "slouched_min",
    "slouched_share",
    "longest_sitting_min",
    "sitting_bouts",
    "breaks",
    "break_nudges_shown",
    "break_nudges_followed",
    "water_nudges_shown",
    "water_nudges_followed",
    "posture_nudges_shown",
    "posture_nudges_followed",
    "nudges_snoozed",
    "water_logged",
    "calibration",
    "desk_days",
    "away_min",
    "unknown_min",
)


def render_csv(summary: WeekSummary) -> str:
    """One row per day, then the week's totals ("week") and last week's ("previous_week").

    Same names and units as the JSON; an empty cell means unknown.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for day in summary.days:
        writer.writerow({"row": "day", **day_record(day)})
    for label, totals, week in (
        ("week", summary.totals, summary.week),
        ("previous_week", summary.previous, summary.previous_week),
    ):
        writer.writerow({"row": label, "date": week, **totals_record(totals)})
    return out.getvalue()


# ---------------------------------------------------------------- text


def _hm(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}:{minutes % 60:02d}"


def _signed_duration(seconds: float) -> str:
    if round(seconds / 60) == 0:
        return "same"
    return ("+" if seconds > 0 else "-") + format_duration(abs(seconds))


def _change_phrases(summary: WeekSummary) -> list[tuple[str, str, str, str]]:
    """(label, this week, last week, change) for the comparison, readable."""
    c = summary.changes
    rows = []

    def dur(metric: str, label: str) -> None:
        ch = c[metric]
        rows.append(
            (
                label,
                format_duration(ch.current or 0),
                "–" if ch.previous is None else format_duration(ch.previous),
                "–" if ch.delta is None else _signed_duration(ch.delta),
            )
        )

    def count(metric: str, label: str) -> None:
        ch = c[metric]
        rows.append(
            (
                label,
                f"{int(ch.current or 0)}",
                "–" if ch.previous is None else f"{int(ch.previous)}",
                "–" if ch.delta is None else f"{int(ch.delta):+d}" if int(ch.delta) else "same",
            )
        )

    dur("seated_s", "Time seated")
    dur("longest_bout_s", "Longest sitting")
    count("breaks", "Breaks")
    ch = c["slouched_share"]
    rows.append(
        (
            "Share slouched",
            format_share(ch.current),
            format_share(ch.previous),
            "–"
            if ch.delta is None
            else f"{round(ch.delta * 100):+d} points"
            if round(ch.delta * 100)
            else "same",
        )
    )
    count("water", "Water logged")
    count("nudges_followed", "Nudges followed")
    return rows


def _period(summary: WeekSummary) -> str:
    first, last = summary.first_day, summary.last_day
    if first.month == last.month:
        return f"{first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def _through(summary: WeekSummary) -> str | None:
    """'Wednesday 14:05' when the week is in progress, else None."""
    if not summary.partial or summary.now is None:
        return None
    local = summary.now.astimezone(summary.tz)
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%H:%M}"


def render_text(summary: WeekSummary) -> str:
    """The report for a terminal: ASCII only, at most 80 columns."""
    lines = [
        f"PostureWatch weekly report - week {summary.week}, {_period(summary)}",
        f"Times in {summary.tz_name}.",
    ]
    through = _through(summary)
    if through:
        lines.append(f"Week in progress: up to {through}.")
    lines.append("")
    if not summary.has_data:
        lines += ["No data for this week. PostureWatch records while the monitor runs.", ""]
    header = (
        f"{'Day':<10} {'Desk':>6} {'Seated':>6} {'Longest':>7} {'Breaks':>6} "
        f"{'Slouch':>6} {'Water':>5} {'Nudges':>7}"
    )
    lines += [header + "   (h:mm)", "-" * len(header)]

    def row(label: str, rec: Mapping[str, Any], nudges: str) -> str:
        share = rec["slouched_share"]
        return (
            f"{label:<10} {_hm(rec['present_min'] * 60):>6} {_hm(rec['seated_min'] * 60):>6} "
            f"{_hm(rec['longest_sitting_min'] * 60):>7} {rec['breaks']:>6} "
            f"{format_share(share).replace('–', '-'):>6} {rec['water_logged']:>5} {nudges:>7}"
        )

    for day in summary.days:
        label = f"{day.date:%a %d}"
        if day.future:
            lines.append(f"{label:<10} {'':>6} (later this week)")
            continue
        followed = sum(day.nudges[k].followed for k in NUDGE_KINDS)
        shown = sum(day.nudges[k].shown for k in NUDGE_KINDS)
        lines.append(row(label, day_record(day), f"{followed}/{shown}"))
    lines.append("-" * len(header))
    t = summary.totals
    lines.append(row("Week", totals_record(t), f"{t.nudges_followed}/{t.nudges_shown}"))
    p = summary.previous
    lines.append(row("Last week", totals_record(p), f"{p.nudges_followed}/{p.nudges_shown}"))
    lines.append("")

    scale = max([d.seated_s for d in summary.days] + [1.0])
    width = 50
    lines.append("Seated time by day  (# upright, % slouched)")
    for day in summary.days:
        up = int(round(day.upright_s / scale * width))
        sl = int(round(day.slouched_s / scale * width))
        bar = "#" * up + "%" * sl
        total = _hm(day.seated_s) if day.has_data else ""
        lines.append(f"  {day.date:%a}  {bar:<{width}} {total}".rstrip())
    lines.append("")

    lines.append(
        f"Against last week ({summary.previous_week}"
        + (", same days so far)" if summary.partial else ")")
    )
    for label, cur, prev, delta in _change_phrases(summary):
        lines.append(f"  {label:<17} {cur:>12}   last week {prev:>12}   {delta}")
    lines.append("")

    tips = choose_tips(summary)
    if tips:
        lines.append("Tips")
        for tip in tips:
            lines += textwrap.wrap(
                f"{tip.title}. {tip.text}", 78, initial_indent="- ", subsequent_indent="  "
            )
        lines.append("")
    lines += textwrap.wrap(HEALTH_NOTE, 78)
    for note in summary.notes:
        lines += [""] + textwrap.wrap("Note: " + note, 78)
    text = "\n".join(lines) + "\n"
    return text.replace("–", "-").replace("±", "+-").encode("ascii", "replace").decode("ascii")


# ---------------------------------------------------------------- HTML

CSS = """
nav.weeks{display:flex;justify-content:space-between;margin:0 0 14px}
nav.weeks a{color:var(--up);text-decoration:none;font-weight:600}
nav.weeks a.next{margin-left:auto}
:root{--ink:#1b2230;--muted:#5a6376;--line:#dde2ea;--bg:#f3f5f9;--card:#fff;
--up:#0072B2;--slouch:#E69F00;--slouch-dk:#8a5c00;--trend:#C5400A;--prev:#8a93a3;
--short:#a6dccb;--short-dk:#00795a;--mid:#f5cd74;--mid-dk:#8a5c00;--long:#f2a77c;--long-dk:#a33b00;
--better:#00704f;--better-bg:#e2f3eb;--worse:#9c3a00;--worse-bg:#fbe9dd}
*{box-sizing:border-box}
html{color-scheme:light}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,
sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 32px 36px}
.top{display:flex;justify-content:space-between;align-items:flex-end;gap:24px;flex-wrap:wrap}
.eyebrow{font-size:12.5px;letter-spacing:.09em;text-transform:uppercase;color:var(--muted);
font-weight:650;margin:0}
h1{font-size:30px;line-height:1.2;margin:4px 0 4px;letter-spacing:-.01em}
.sub{color:var(--muted);margin:0;font-size:14px}
.badge{display:inline-block;font-size:12.5px;font-weight:650;padding:3px 10px;border-radius:999px;
background:#e6eefb;color:#12417a;margin-left:6px;vertical-align:2px}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:14px;margin:20px 0 22px}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:16px 18px;
box-shadow:0 1px 2px rgba(20,30,50,.04)}
.kpi .label{font-size:13px;color:var(--muted);font-weight:650;margin:0}
.kpi .value{font-size:30px;font-weight:700;line-height:1.15;margin:6px 0 2px;
font-variant-numeric:tabular-nums;letter-spacing:-.01em}
.kpi .value small{font-size:16px;font-weight:600;color:var(--muted)}
.kpi .detail{font-size:13px;color:var(--muted);margin:0}
.chip{display:inline-block;margin-top:10px;font-size:12.5px;font-weight:650;padding:2px 9px;
border-radius:999px;background:#eef1f6;color:var(--muted)}
.chip.better{background:var(--better-bg);color:var(--better)}
.chip.worse{background:var(--worse-bg);color:var(--worse)}
section{margin:0 0 18px}
h2{font-size:17px;margin:0 0 2px}
.hint{font-size:13px;color:var(--muted);margin:0 0 8px}
.grid2{display:grid;grid-template-columns:3fr 2fr;gap:14px;margin-bottom:18px}
.grid2 section{margin:0}
svg{display:block;width:100%;height:auto;overflow:visible}
svg text{font-family:inherit;fill:var(--ink);font-size:12px}
svg .axis{fill:var(--muted);font-size:11.5px}
svg .grid{stroke:#e6e9ef;stroke-width:1}
svg .base{stroke:#aab2c0;stroke-width:1}
svg .empty{fill:var(--muted);font-style:italic;font-size:13px}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:12.5px;color:var(--muted);margin:8px 0 0;
padding:0;list-style:none}
.sw{display:inline-block;width:14px;height:12px;border-radius:3px;vertical-align:-1px;margin-right:6px;
border:1px solid rgba(0,0,0,.25)}
.sw.up{background:var(--up)}
.sw.sl{background:repeating-linear-gradient(45deg,var(--slouch) 0 3px,var(--slouch-dk) 3px 5px)}
.sw.short{background:var(--short);border-color:var(--short-dk)}
.sw.mid{background:var(--mid);border-color:var(--mid-dk)}
.sw.long{background:repeating-linear-gradient(45deg,var(--long) 0 3px,var(--long-dk) 3px 4.5px);
border-color:var(--long-dk)}
.sw.line,.sw.dash{height:0;border:0;border-radius:0;width:20px;vertical-align:3px}
.sw.line{border-top:3px solid var(--trend)}
.sw.dash{border-top:2px dashed var(--prev)}
table{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
th,td{padding:7px 9px;text-align:right;border-bottom:1px solid var(--line);white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{font-size:12px;color:var(--muted);font-weight:650;vertical-align:bottom;white-space:normal}
tbody tr:last-child td{border-bottom:2px solid #b9c1cf}
tr.total td{font-weight:700}
tr.prev td{color:var(--muted)}
tr.future td{color:#9aa2b1}
td.cal{font-size:13px}
.tips{display:grid;grid-template-columns:repeat(2,1fr);gap:14px}
.tip{border-left:4px solid var(--up)}
.tip h3{font-size:15px;margin:0 0 4px}
.tip p{margin:0;font-size:14px}
.health{font-size:13.5px;color:#2d3545;background:#fff;border:1px solid var(--line);
border-radius:12px;padding:10px 14px;margin:14px 0 0}
.note{font-size:13px;background:#fff8e6;border:1px solid #f0d9a0;border-radius:10px;
padding:8px 12px;margin:12px 0 0}
.emptystate{font-size:15px;background:#fff;border:1px dashed #b9c1cf;border-radius:14px;
padding:18px 20px;margin:18px 0}
footer{font-size:12.5px;color:var(--muted);margin-top:24px;border-top:1px solid var(--line);
padding-top:12px}
footer dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0 0}
footer dt{font-weight:650}
footer dd{margin:0}
@media (max-width:860px){.cards{grid-template-columns:repeat(2,1fr)}
.grid2,.tips{grid-template-columns:1fr} main{padding:18px}}
@media print{@page{size:A4;margin:11mm}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:10pt} main{max-width:none;padding:0}
h1{font-size:20pt} .card{box-shadow:none;break-inside:avoid;padding:10px 12px}
.cards{grid-template-columns:repeat(3,1fr);gap:8px;margin:10px 0 12px}
.kpi .value{font-size:18pt} .grid2{grid-template-columns:3fr 2fr;gap:8px}
section,.grid2,table,.tip{break-inside:avoid} th,td{padding:4px 6px}
.tips{grid-template-columns:repeat(2,1fr);gap:8px}}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _short(seconds: float) -> str:
    """Compact duration for chart labels: '45m', '6h 05m', '3h'."""
    minutes = int(round(max(0.0, seconds) / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h" if not minutes else f"{hours}h {minutes:02d}m"


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _day_key(day: DaySummary) -> tuple[str, str]:
    return f"{day.date:%a}", f"{day.date.day}"


def _svg_open(width: int, height: int, label: str, desc: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{_e(label)}</title><desc>{_e(desc)}</desc>'
    )


def _hatch(pattern_id: str, fill: str, stroke: str, gap: float = 6, width: float = 2) -> str:
    return (
        f'<pattern id="{pattern_id}" width="{gap}" height="{gap}" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="{gap}" height="{gap}" fill="{fill}"/>'
        f'<line x1="0" y1="0" x2="0" y2="{gap}" stroke="{stroke}" stroke-width="{width}"/>'
        "</pattern>"
    )


def _hour_step(max_s: float) -> tuple[float, float]:
    """(axis maximum, tick step) in seconds for a duration axis."""
    hours = max(max_s / 3600, 1.0)
    step = 1 if hours <= 6 else 2 if hours <= 12 else 4
    top = step * -(-hours // step)
    if top - hours < 0.04 * top:  # leave room for the value label
        top += step
    return top * 3600, step * 3600


def bar_chart_svg(summary: WeekSummary) -> str:
    """Seated time per day, upright (solid blue) below slouched (hatched orange)."""
    width, height = 640, 290
    left, right, top, bottom = 46, 10, 18, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    days = summary.days
    ymax, step = _hour_step(max([d.seated_s for d in days] + [0.0]))
    slot = plot_w / 7
    bar_w = min(46.0, slot * 0.56)

    def y(seconds: float) -> float:
        return top + plot_h - seconds / ymax * plot_h

    desc = "; ".join(
        f"{d.weekday}: {format_duration(d.seated_s)} seated, "
        f"{format_duration(d.slouched_s)} of it slouched"
        for d in days
        if not d.future
    )
    parts = [
        _svg_open(width, height, "Seated time by day, upright and slouched", desc),
        "<defs>" + _hatch("hatch-sl", "#E69F00", "#8a5c00") + "</defs>",
    ]
    tick = 0.0
    while tick <= ymax + 1:
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_f(y(tick))}" '
            f'y2="{_f(y(tick))}"/><text class="axis" x="{left - 8}" y="{_f(y(tick) + 4)}" '
            f'text-anchor="end">{int(tick // 3600)} h</text>'
        )
        tick += step
    for i, day in enumerate(days):
        cx = left + slot * (i + 0.5)
        x = cx - bar_w / 2
        name, num = _day_key(day)
        weight = ' font-weight="650"' if day.has_data else ""
        parts.append(
            f'<text x="{_f(cx)}" y="{height - bottom + 18}" text-anchor="middle"{weight}>'
            f"{name}</text>"
            f'<text class="axis" x="{_f(cx)}" y="{height - bottom + 33}" '
            f'text-anchor="middle">{num}</text>'
        )
        if day.future:
            parts.append(
                f'<text class="axis" x="{_f(cx)}" y="{_f(y(0) - 8)}" text-anchor="middle">'
                "later</text>"
            )
            continue
        if day.seated_s <= 0:
            continue
        y_up = y(day.upright_s)
        parts.append(
            f'<rect x="{_f(x)}" y="{_f(y_up)}" width="{_f(bar_w)}" '
            f'height="{_f(y(0) - y_up)}" fill="#0072B2"/>'
        )
        if day.slouched_s > 0:
            y_all = y(day.seated_s)
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(y_all)}" width="{_f(bar_w)}" '
                f'height="{_f(y_up - y_all)}" fill="url(#hatch-sl)" stroke="#8a5c00" '
                'stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{_f(cx)}" y="{_f(y(day.seated_s) - 6)}" text-anchor="middle" '
            f'font-weight="650">{_short(day.seated_s)}</text>'
        )
    parts.append(
        f'<line class="base" x1="{left}" x2="{width - right}" y1="{_f(y(0))}" y2="{_f(y(0))}"/>'
    )
    if not summary.has_data:
        parts.append(
            f'<text class="empty" x="{left + plot_w / 2}" y="{top + plot_h / 2}" '
            'text-anchor="middle">No sitting recorded this week</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(summary: WeekSummary) -> str:
    """Share of seated time slouched per day: this week solid, last week dashed."""
    width, height = 400, 290
    left, right, top, bottom = 42, 12, 18, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / 7
    shares = [d.slouched_share for d in summary.days]
    before = [d.slouched_share for d in summary.previous_days]
    peak = max([s for s in shares + before if s is not None] + [0.0])
    ymax = max(0.4, -(-peak * 10 // 1) / 10 + (0.1 if peak * 10 % 1 > 0.8 else 0))
    step = 0.1 if ymax <= 0.6 else 0.2

    def y(share: float) -> float:
        return top + plot_h - share / ymax * plot_h

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    desc = "; ".join(
        f"{d.weekday}: {format_share(d.slouched_share)}" for d in summary.days if not d.future
    )
    parts = [_svg_open(width, height, "Share of seated time slouched, by day", desc)]
    tick = 0.0
    while tick <= ymax + 1e-9:
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_f(y(tick))}" '
            f'y2="{_f(y(tick))}"/><text class="axis" x="{left - 7}" y="{_f(y(tick) + 4)}" '
            f'text-anchor="end">{round(tick * 100)}%</text>'
        )
        tick += step
    parts.append(
        f'<line class="base" x1="{left}" x2="{width - right}" y1="{_f(y(0))}" y2="{_f(y(0))}"/>'
    )
    for i, day in enumerate(summary.days):
        name, num = _day_key(day)
        parts.append(
            f'<text x="{_f(x(i))}" y="{height - bottom + 18}" text-anchor="middle">{name}</text>'
            f'<text class="axis" x="{_f(x(i))}" y="{height - bottom + 33}" '
            f'text-anchor="middle">{num}</text>'
        )

    def polylines(values: list[float | None], attrs: str) -> list[str]:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, share in enumerate(values):
            if share is None:
                runs.append([])
            else:
                runs[-1].append((x(i), y(share)))
        return [
            f'<polyline fill="none" {attrs} points="'
            + " ".join(f"{_f(px)},{_f(py)}" for px, py in run)
            + '"/>'
            for run in runs
            if len(run) > 1
        ]

    parts += polylines(before, 'stroke="#8a93a3" stroke-width="2" stroke-dasharray="5 4"')
    for i, share in enumerate(before):
        if share is not None:
            parts.append(
                f'<circle cx="{_f(x(i))}" cy="{_f(y(share))}" r="3" fill="#fff" '
                'stroke="#8a93a3" stroke-width="1.5"/>'
            )
    parts += polylines(shares, 'stroke="#C5400A" stroke-width="3" stroke-linejoin="round"')
    for i, share in enumerate(shares):
        if share is None:
            continue
        parts.append(
            f'<circle cx="{_f(x(i))}" cy="{_f(y(share))}" r="4.5" fill="#C5400A" '
            'stroke="#fff" stroke-width="1.5"/>'
            f'<text x="{_f(x(i))}" y="{_f(y(share) - 10)}" text-anchor="middle" '
            f'font-weight="650">{format_share(share)}</text>'
        )
    if all(s is None for s in shares):
        parts.append(
            f'<text class="empty" x="{left + plot_w / 2}" y="{top + plot_h / 2}" '
            'text-anchor="middle">No seated time this week</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _wall_hours(moment: datetime, day: DaySummary, tz: tzinfo) -> float:
    """Position of an instant on ``day``'s local clock face, in hours (0..24)."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    midnight = datetime.combine(day.date, datetime.min.time())
    return min(24.0, max(0.0, (local - midnight).total_seconds() / 3600))


def _hour_range(summary: WeekSummary) -> tuple[int, int]:
    first, last = 8, 18
    for day in summary.days:
        for start, end, _ in day.segments:
            first = min(first, int(_wall_hours(start, day, summary.tz)))
            last = max(last, int(-(-_wall_hours(end, day, summary.tz) // 1)))
    for hour in summary.by_hour:
        if hour.seated_s > 0:
            first, last = min(first, hour.hour), max(last, hour.hour + 1)
    return max(0, first), min(24, last)


def timeline_svg(summary: WeekSummary) -> str:
    """Each day's sitting bouts on a local-time axis, coloured and hatched by length."""
    width, row_h = 1000, 34
    left, right, top = 92, 14, 26
    first, last = _hour_range(summary)
    plot_w = width - left - right
    height = top + row_h * 7 + 8
    limit = summary.sit_limit_min * 60

    def x(hours: float) -> float:
        return left + (min(max(hours, first), last) - first) / (last - first) * plot_w

    desc = "; ".join(
        f"{d.weekday}: {len(d.bouts)} sitting bouts, longest {format_duration(d.longest_bout_s)}"
        for d in summary.days
        if not d.future
    )
    parts = [
        _svg_open(width, height, "Sitting bouts through each day, local time", desc),
        "<defs>" + _hatch("hatch-long", "#f2a77c", "#a33b00", 6, 1.6) + "</defs>",
    ]
    every = 1 if last - first <= 14 else 2
    for hour in range(first, last + 1):
        if hour % every:
            continue
        parts.append(
            f'<line class="grid" x1="{_f(x(hour))}" x2="{_f(x(hour))}" y1="{top - 4}" '
            f'y2="{height - 6}"/><text class="axis" x="{_f(x(hour))}" y="{top - 10}" '
            f'text-anchor="middle">{hour:02d}:00</text>'
        )
    for i, day in enumerate(summary.days):
        y0 = top + i * row_h
        mid = y0 + row_h / 2
        extra = f" · {_f(day.hours)} h" if abs(day.hours - 24) > 0.01 else ""
        style = ' class="axis"' if day.future or not day.has_data else ' font-weight="650"'
        parts.append(
            f'<text x="0" y="{_f(mid + 4)}"{style}>{day.date:%a %d}'
            f'<tspan class="axis" font-weight="400">{extra}</tspan></text>'
        )
        if i:
            parts.append(
                f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y0}" y2="{y0}"/>'
            )
        if day.future:
            parts.append(
                f'<text class="empty" x="{left + 8}" y="{_f(mid + 4)}">later this week</text>'
            )
            continue
        if not day.segments:
            if not day.has_data:
                parts.append(f'<text class="empty" x="{left + 8}" y="{_f(mid + 4)}">no data</text>')
            continue
        for start, end, whole in day.segments:
            xs, xe = x(_wall_hours(start, day, summary.tz)), x(_wall_hours(end, day, summary.tz))
            w = max(xe - xs, 2.0)
            if whole >= 2 * limit:
                fill, stroke = "url(#hatch-long)", "#a33b00"
            elif whole >= limit:
                fill, stroke = "#f5cd74", "#8a5c00"
            else:
                fill, stroke = "#a6dccb", "#00795a"
            tip = (
                f"{start.astimezone(summary.tz):%H:%M}–{end.astimezone(summary.tz):%H:%M}, "
                f"{format_duration(whole)}"
            )
            parts.append(
                f'<rect x="{_f(xs)}" y="{_f(mid - 9)}" width="{_f(w)}" height="18" rx="4" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="1"><title>{_e(tip)}</title></rect>'
            )
            label = _short(whole)
            if whole >= limit and w >= 9 + 7 * len(label):
                parts.append(
                    f'<text x="{_f(xs + w / 2)}" y="{_f(mid + 4)}" text-anchor="middle" '
                    f'font-size="11.5" font-weight="700" style="paint-order:stroke" '
                    f'stroke="#fff" stroke-width="3">{label}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def hours_svg(summary: WeekSummary) -> str:
    """Share slouched by local hour of the day over the week."""
    first, last = _hour_range(summary)
    width, height = 1000, 170
    left, right, top, bottom = 92, 14, 22, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / (last - first)
    worst = slouch_hour(summary)
    shares = [h.share or 0.0 for h in summary.by_hour if h.seated_s >= 600]
    ymax = max(0.4, -(-max(shares + [0.0]) * 10 // 1) / 10)

    def y(share: float) -> float:
        return top + plot_h - share / ymax * plot_h

    desc = "; ".join(
        f"{h.hour:02d}:00 {format_share(h.share)} of {format_duration(h.seated_s)}"
        for h in summary.by_hour
        if h.seated_s > 0
    )
    parts = [
        _svg_open(width, height, "Share slouched by hour of the day", desc),
        "<defs>" + _hatch("hatch-hr", "#E69F00", "#8a5c00") + "</defs>",
        f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_f(y(ymax / 2))}" '
        f'y2="{_f(y(ymax / 2))}"/><text class="axis" x="{left - 8}" y="{_f(y(ymax / 2) + 4)}" '
        f'text-anchor="end">{round(ymax * 50)}%</text>'
        f'<text class="axis" x="{left - 8}" y="{_f(y(0) + 4)}" text-anchor="end">0%</text>',
    ]
    for hour in summary.by_hour[first:last]:
        cx = left + slot * (hour.hour - first + 0.5)
        bw = slot * 0.62
        parts.append(
            f'<text class="axis" x="{_f(cx)}" y="{height - 8}" text-anchor="middle">'
            f"{hour.hour:02d}</text>"
        )
        if hour.seated_s <= 0 or hour.share is None:
            continue
        enough = hour.seated_s >= 600
        is_worst = worst is not None and hour.hour == worst.hour
        fill = "url(#hatch-hr)" if is_worst else "#E69F00" if enough else "#f3dcaa"
        h = max(y(0) - y(min(hour.share, ymax)), 1.0)
        parts.append(
            f'<rect x="{_f(cx - bw / 2)}" y="{_f(y(0) - h)}" width="{_f(bw)}" height="{_f(h)}" '
            f'fill="{fill}" stroke="#8a5c00" stroke-width="{1 if is_worst else 0}"/>'
        )
        if enough:
            bold = ' font-weight="700"' if is_worst else ""
            parts.append(
                f'<text x="{_f(cx)}" y="{_f(y(0) - h - 5)}" text-anchor="middle" font-size="11"'
                f"{bold}>{format_share(hour.share)}</text>"
            )
    parts.append(
        f'<line class="base" x1="{left}" x2="{width - right}" y1="{_f(y(0))}" y2="{_f(y(0))}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


# direction in which a change is good: +1 more is better, -1 less is better, 0 neutral
_GOOD_DIRECTION = {
    "seated_s": 0,
    "present_s": 0,
    "longest_bout_s": -1,
    "breaks": 1,
    "slouched_share": -1,
    "water": 1,
    "nudges_followed": 1,
}


def _chip(summary: WeekSummary, metric: str) -> str:
    change = summary.changes[metric]
    than = "the same days last week" if summary.partial else "last week"
    if change.previous is None or change.delta is None:
        return '<span class="chip">No data for last week</span>'
    delta = change.delta
    if metric == "slouched_share":
        points = round(delta * 100)
        amount, zero = f"{abs(points)} point{'s' if abs(points) != 1 else ''}", points == 0
    elif metric.endswith("_s"):
        amount, zero = format_duration(abs(delta)), round(abs(delta) / 60) == 0
    else:
        amount, zero = f"{abs(int(delta))}", int(delta) == 0
    if zero:
        return f'<span class="chip">= same as {than}</span>'
    more = delta > 0
    word = "more" if metric != "slouched_share" else "higher"
    word = word if more else ("less" if metric != "slouched_share" else "lower")
    arrow = "▲" if more else "▼"
    direction = _GOOD_DIRECTION[metric]
    verdict = ""
    css = "chip"
    if direction:
        good = (direction > 0) == more
        css += " better" if good else " worse"
        verdict = " · better" if good else " · worse"
    return f'<span class="{css}">{arrow} {amount} {word} than {than}{verdict}</span>'


def _kpis(summary: WeekSummary) -> str:
    t = summary.totals
    cards = []

    def card(label: str, value: str, detail: str, metric: str | None) -> None:
        chip = _chip(summary, metric) if metric else ""
        cards.append(
            f'<div class="card kpi"><p class="label">{label}</p><p class="value">{value}</p>'
            f'<p class="detail">{detail}</p>{chip}</div>'
        )

    days = f"{t.desk_days} day{'s' if t.desk_days != 1 else ''}"
    if not t.desk_days:
        detail = "no time at the desk recorded"
    elif abs(t.present_s - t.seated_s) >= 60:
        detail = f"of {_e(format_duration(t.present_s))} at the desk over {days}"
    else:
        detail = f"{_e(format_duration(t.seated_s / t.desk_days))} a day over {days} at the desk"
    card("Time seated", _e(format_duration(t.seated_s)), detail, "seated_s")
    longest = max(
        (b for d in summary.days for b in d.bouts), key=lambda b: b.duration_s, default=None
    )
    if longest is None:
        detail = "no sitting recorded"
    else:
        local = longest.start.astimezone(summary.tz)
        detail = f"{WEEKDAY_NAMES[local.weekday()]}, from {local:%H:%M}"
    card(
        "Longest sitting without a break",
        _e(format_duration(t.longest_bout_s)),
        detail,
        "longest_bout_s",
    )
    every = (
        f"about one every {_e(format_duration(t.seated_s / t.breaks))} seated"
        if t.breaks
        else "none recorded"
    )
    card("Breaks taken", f"{t.breaks}", every, "breaks")
    card(
        "Slouched",
        _e(format_share(t.slouched_share)),
        f"of seated time ({_e(format_duration(t.slouched_s))} in all)",
        "slouched_share",
    )
    if summary.events_known:
        per_day = (
            f"{t.water / t.desk_days:.1f} a day at the desk" if t.desk_days else "no desk days"
        )
        card("Water logged", f"{t.water} <small>drinks</small>", per_day, "water")
        kinds = " · ".join(f"{k} {t.nudges[k].followed}/{t.nudges[k].shown}" for k in NUDGE_KINDS)
        card(
            "Nudges followed",
            f"{t.nudges_followed} <small>of {t.nudges_shown}</small>",
            kinds,
            "nudges_followed",
        )
    return '<div class="cards">' + "".join(cards) + "</div>"


def _cell(field: str, value: Any, text: str) -> str:
    shown = "" if value is None else value
    return f'<td data-field="{field}" data-value="{_e(shown)}">{_e(text)}</td>'


_CALIBRATION_TEXT = {"calibrated": "✓ calibrated", "failed": "✗ failed", "none": "– not yet"}


def _table(summary: WeekSummary) -> str:
    head = (
        "<thead><tr><th>Day</th><th>At the desk</th><th>Seated</th><th>Slouched</th>"
        "<th>Share slouched</th><th>Longest sitting</th><th>Breaks</th><th>Water</th>"
        "<th>Nudges followed</th><th>Calibration</th></tr></thead>"
    )

    def cells(rec: Mapping[str, Any]) -> str:
        nudge_fields = {
            k: rec[k]
            for k in rec
            if k.endswith("_nudges_shown")
            or k.endswith("_nudges_followed")
            or k == "nudges_snoozed"
        }
        shown = sum(rec[f"{k}_nudges_shown"] for k in NUDGE_KINDS)
        followed = sum(rec[f"{k}_nudges_followed"] for k in NUDGE_KINDS)
        return (
            _cell("present_min", rec["present_min"], format_duration(rec["present_min"] * 60))
            + _cell("seated_min", rec["seated_min"], format_duration(rec["seated_min"] * 60))
            + _cell("slouched_min", rec["slouched_min"], format_duration(rec["slouched_min"] * 60))
            + _cell("slouched_share", rec["slouched_share"], format_share(rec["slouched_share"]))
            + _cell(
                "longest_sitting_min",
                rec["longest_sitting_min"],
                format_duration(rec["longest_sitting_min"] * 60),
            )
            + _cell("breaks", rec["breaks"], str(rec["breaks"]))
            + _cell("water_logged", rec["water_logged"], str(rec["water_logged"]))
            + f'<td data-field="nudges" data-value="{_e(json.dumps(nudge_fields))}">'
            + (f"{followed} of {shown}" if shown else "–")
            + "</td>"
        )

    body = []
    for day in summary.days:
        rec = day_record(day)
        name = f"{day.date:%a %d %b}"
        if abs(day.hours - 24) > 0.01:
            name += f" ({_f(day.hours)} h)"
        if day.future:
            body.append(
                f'<tr class="future" data-row="day" data-date="{rec["date"]}"><td>{name}</td>'
                '<td colspan="9" style="text-align:left">later this week</td></tr>'
            )
            continue
        body.append(
            f'<tr data-row="day" data-date="{rec["date"]}"><td>{name}</td>{cells(rec)}'
            f'<td class="cal" data-field="calibration" data-value="{rec["calibration"]}">'
            f"{_CALIBRATION_TEXT.get(rec['calibration'], rec['calibration'])}</td></tr>"
        )
    week = totals_record(summary.totals)
    prev = totals_record(summary.previous)
    prev_label = "Same days last week" if summary.partial else "Last week"
    foot = (
        f'<tr class="total" data-row="week"><td>This week</td>{cells(week)}<td></td></tr>'
        f'<tr class="prev" data-row="previous_week"><td>{prev_label}</td>{cells(prev)}'
        "<td></td></tr>"
    )
    return f"<table>{head}<tbody>{''.join(body)}{foot}</tbody></table>"


def _tips_html(tips: list[Tip]) -> str:
    return (
        '<div class="tips">'
        + "".join(
            f'<div class="card tip"><h3>{_e(t.title)}</h3><p>{_e(t.text)}</p></div>' for t in tips
        )
        + "</div>"
    )


@dataclass(frozen=True)
class WeekLinks:
    """Links from a week's page to its neighbours' pages (relative file names;
    None: no such page). ``report_history`` writes the pages they point to."""

    previous: tuple[str, str] | None = None  # (href, week label)
    next: tuple[str, str] | None = None


def _week_nav(links: WeekLinks | None) -> str:
    if links is None:
        return ""
    parts = []
    for rel, link, text in (("prev", links.previous, "\u2190 Week {n}"),
                            ("next", links.next, "Week {n} \u2192")):
        if link is None:
            continue
        href, week = link
        label = text.format(n=week.split("-W")[1].lstrip("0"))
        parts.append(f'<a rel="{rel}" class="{rel}" href="{_e(href)}">{_e(label)}</a>')
    return f'<nav class="weeks" aria-label="Other weeks">{"".join(parts)}</nav>' if parts else ""


def render_html(summary: WeekSummary, links: WeekLinks | None = None) -> str:
    """A self-contained HTML page (inline CSS and SVG; no scripts, no network),
    with links to the previous and next week's pages when ``links`` says where."""
    number = summary.week.split("-W")[1].lstrip("0")
    prev_number = summary.previous_week.split("-W")[1].lstrip("0")
    through = _through(summary)
    badge = f'<span class="badge">In progress · up to {_e(through)}</span>' if through else ""
    compare = f"Compared with week {prev_number}"
    if summary.partial:
        compare += ", same days so far"
    limit = format_duration(summary.sit_limit_min * 60)
    twice = format_duration(2 * summary.sit_limit_min * 60)
    tips = choose_tips(summary)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>PostureWatch · week {_e(summary.week)}</title>"
        f"<style>{CSS}</style></head><body><main>",
        '<header class="top"><div><p class="eyebrow">PostureWatch · your week at the desk</p>'
        f"<h1>Week {_e(number)} · {_e(_period(summary))}{badge}</h1>"
        f'<p class="sub">Times in {_e(summary.tz_name)}. {compare}.</p></div></header>',
        _week_nav(links),
    ]
    for note in summary.notes:
        parts.append(f'<p class="note">{_e(note)}</p>')
    if not summary.has_data:
        parts.append(
            '<div class="emptystate"><strong>No data for this week.</strong> PostureWatch '
            "records while the monitor runs; start it from the tray or with "
            "<code>posturewatch run</code>, and this page fills in as you work.</div>"
        )
    parts.append(_kpis(summary))
    parts.append(
        '<div class="grid2"><section class="card"><h2>Seated time by day</h2>'
        '<p class="hint">Each bar is the time you sat that day; the hatched top is the part '
        "spent slouched.</p>"
        + bar_chart_svg(summary)
        + '<ul class="legend"><li><span class="sw up"></span>Upright</li>'
        '<li><span class="sw sl"></span>Slouched</li></ul></section>'
        '<section class="card"><h2>Share slouched</h2>'
        '<p class="hint">Per day, as a share of seated time. Lower is better.</p>'
        + trend_svg(summary)
        + '<ul class="legend"><li><span class="sw line"></span>This week</li>'
        f'<li><span class="sw dash"></span>Week {_e(prev_number)}'
        "</li></ul></section></div>"
    )
    parts.append(
        '<section class="card"><h2>Sitting bouts</h2>'
        f'<p class="hint">Each block is one stretch of sitting; a break of '
        f"{_e(format_duration(summary.break_min_s))} or more ends it. Labels show stretches "
        f"of {_e(limit)} or longer.</p>"
        + timeline_svg(summary)
        + f'<ul class="legend"><li><span class="sw short"></span>Under {_e(limit)}</li>'
        f'<li><span class="sw mid"></span>{_e(limit)} to {_e(twice)}</li>'
        f'<li><span class="sw long"></span>{_e(twice)} or more</li></ul></section>'
    )
    if any(h.seated_s > 0 for h in summary.by_hour):
        parts.append(
            '<section class="card"><h2>When in the day you slouch</h2>'
            '<p class="hint">Share of seated time slouched in each hour over the week. '
            "Pale bars: under 10 minutes seated in that hour"
            + ("; the hatched bar is the hour to watch." if slouch_hour(summary) else ".")
            + "</p>"
            + hours_svg(summary)
            + "</section>"
        )
    parts.append(
        '<section class="card"><h2>Day by day</h2>'
        '<p class="hint">The numbers behind the charts. Export them with '
        "<code>posturewatch report --format csv</code> or <code>--format json</code>.</p>"
        + _table(summary)
        + "</section>"
    )
    parts.append("<section><h2>Tips for next week</h2>")
    if tips:
        parts.append('<p class="hint">Chosen from this week\'s numbers.</p>' + _tips_html(tips))
    parts.append(f'<p class="health">{_e(HEALTH_NOTE)}</p></section>')
    definitions = "".join(
        f"<dt>{_e(k.replace('_', ' ').capitalize())}</dt><dd>{_e(v)}</dd>"
        for k, v in _definitions(summary).items()
    )
    made = "" if summary.now is None else f" on {summary.now.astimezone(summary.tz):%d %b %Y %H:%M}"
    parts.append(
        f"<footer>Made by PostureWatch{_e(made)} from numbers stored on this computer. "
        "No camera images are ever kept."
        f"<dl>{definitions}</dl></footer></main></body></html>"
    )
    return "".join(parts) + "\n"

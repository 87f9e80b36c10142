"""The report as flat records, and the JSON and CSV made from them. Pure.

``day_record`` and ``totals_record`` are the one place where the numbers get
their names and units (durations in minutes with one decimal, shares 0..1):
the JSON, the CSV and the HTML table's ``data-value`` attributes all come from
them, so every format carries the same numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from posturewatch.i18n import N_, _
from posturewatch.messages import NUDGE_TEXTS
from posturewatch.nudge_kinds import KINDS
from posturewatch.report.nudges import NUDGE_KINDS, NudgeCount
from posturewatch.report.summary import DaySummary, PeriodTotals, WeekSummary
from posturewatch.report.tips import HEALTH_NOTE, choose_tips
from posturewatch.report.wording import format_duration

JSON_FORMAT = "posturewatch-weekly-report"
JSON_VERSION = 1


def _min(seconds: float) -> float:
    return round(seconds / 60, 1)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _nudge_fields(nudges: Mapping[str, NudgeCount]) -> dict[str, int]:
    fields: dict[str, int] = {}
    for kind, spec in KINDS.items():
        shown, followed = spec.columns
        fields[shown] = nudges[kind].shown
        fields[followed] = nudges[kind].followed
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


def totals_record(totals: PeriodTotals) -> dict[str, Any]:
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
_CHANGE_KEYS: dict[str, tuple[str, Callable[[float], float | None]]] = {
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


# key: (the term as the page shows it, its definition); marked here, translated when used.
DEFINITIONS = {
    "present": (N_("Present"), N_("time a person was in front of the camera")),
    "seated": (N_("Seated"), N_("time at the desk counted as sitting")),
    "slouched_share": (N_("Slouched share"), N_("slouched seconds divided by seated seconds")),
    "sitting_bout": (N_("Sitting bout"), N_(
        "sitting without an absence of {break_min} or more; short absences "
        "count as part of the bout; a bout belongs to the day it started")),
    "break": (N_("Break"), N_(
        "a break recorded by the monitor (away {break_min} or more, or declared)")),
    "followed": (N_("Followed"), ""),  # each kind's own words: messages.NUDGE_TEXTS
    "times": (N_("Times"), N_(
        "local time in the report's time zone; a DST day has 23 or 25 hours")),
}


def definitions(summary: WeekSummary, readable: bool = False) -> dict[str, str]:
    """``DEFINITIONS`` with this report's break length filled in, keyed by
    their stable names (JSON) or, ``readable``, by the term as the page shows it."""
    brk = format_duration(summary.break_min_s)
    followed = "; ".join(_(NUDGE_TEXTS[kind].followed) for kind in KINDS)
    return {(_(term) if readable else key):
            (followed if key == "followed" else _(text).format(break_min=brk))
            for key, (term, text) in DEFINITIONS.items()}


def _bouts(summary: WeekSummary) -> list[dict[str, Any]]:
    return [
        {
            "date": d.date.isoformat(),
            "start": _iso(b.start),
            "end": _iso(b.end),
            "minutes": _min(b.duration_s),
            "seated_min": _min(b.seated_s),
        }
        for d in summary.days
        for b in d.bouts
    ]


def _hours(summary: WeekSummary) -> list[dict[str, Any]]:
    return [
        {
            "hour": h.hour,
            "seated_min": _min(h.seated_s),
            "slouched_min": _min(h.slouched_s),
            "slouched_share": _share(h.share),
        }
        for h in summary.by_hour
        if h.seated_s > 0
    ]


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
        "sitting_bouts": _bouts(summary),
        "slouch_by_hour": _hours(summary),
        "tips": [{"key": t.key, "title": t.title, "text": t.text} for t in choose_tips(summary)],
        "health_note": _(HEALTH_NOTE),
        "notes": list(summary.notes),
        "definitions": definitions(summary),
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
    *(column for spec in KINDS.values() for column in spec.columns),
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

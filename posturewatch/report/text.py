"""The report for a terminal: at most 80 columns; plain ASCII in English (no
typographic dashes anywhere), a translation's own letters in other languages. Pure."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from posturewatch.calendar_words import weekday_name
from posturewatch.i18n import _
from posturewatch.report.nudges import NUDGE_KINDS
from posturewatch.report.records import day_record, totals_record
from posturewatch.report.summary import Change, WeekSummary
from posturewatch.report.tips import HEALTH_NOTE, choose_tips
from posturewatch.report.wording import (
    format_duration,
    format_share,
    period_label,
    through_label,
)

BAR_WIDTH = 50
WRAP = 78


def _hm(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}:{minutes % 60:02d}"


def _signed_duration(seconds: float) -> str:
    if round(seconds / 60) == 0:
        return _("same")
    return ("+" if seconds > 0 else "-") + format_duration(abs(seconds))


def _duration_change(label: str, ch: Change) -> tuple[str, str, str, str]:
    return (
        label,
        format_duration(ch.current or 0),
        "–" if ch.previous is None else format_duration(ch.previous),
        "–" if ch.delta is None else _signed_duration(ch.delta),
    )


def _count_change(label: str, ch: Change) -> tuple[str, str, str, str]:
    return (
        label,
        f"{int(ch.current or 0)}",
        "–" if ch.previous is None else f"{int(ch.previous)}",
        "–" if ch.delta is None else f"{int(ch.delta):+d}" if int(ch.delta) else _("same"),
    )


def _share_change(label: str, ch: Change) -> tuple[str, str, str, str]:
    if ch.delta is None:
        delta = "–"
    else:
        points = round(ch.delta * 100)
        delta = _("{points} points").format(points=f"{points:+d}") if points else _("same")
    return label, format_share(ch.current), format_share(ch.previous), delta


def _change_phrases(summary: WeekSummary) -> list[tuple[str, str, str, str]]:
    """(label, this week, last week, change) for the comparison, readable."""
    c = summary.changes
    return [
        _duration_change(_("Time seated"), c["seated_s"]),
        _duration_change(_("Longest sitting"), c["longest_bout_s"]),
        _count_change(_("Breaks"), c["breaks"]),
        _share_change(_("Share slouched"), c["slouched_share"]),
        _count_change(_("Water logged"), c["water"]),
        _count_change(_("Nudges followed"), c["nudges_followed"]),
    ]


def _row(label: str, rec: Mapping[str, Any], nudges: str) -> str:
    share = rec["slouched_share"]
    return (
        f"{label:<10} {_hm(rec['present_min'] * 60):>6} {_hm(rec['seated_min'] * 60):>6} "
        f"{_hm(rec['longest_sitting_min'] * 60):>7} {rec['breaks']:>6} "
        f"{format_share(share).replace('–', '-'):>6} {rec['water_logged']:>5} {nudges:>7}"
    )


def _table(summary: WeekSummary) -> list[str]:
    # Translators: the terminal table's column heads; keep each within its width
    # (Day 10, Desk 6, Seated 6, Longest 7, Breaks 6, Slouch 6, Water 5, Nudges 7).
    header = (
        f"{_('Day'):<10} {_('Desk'):>6} {_('Seated'):>6} {_('Longest'):>7} {_('Breaks'):>6} "
        f"{_('Slouch'):>6} {_('Water'):>5} {_('Nudges'):>7}"
    )
    lines = [header + "   (h:mm)", "-" * len(header)]
    for day in summary.days:
        label = f"{weekday_name(day.date, short=True)} {day.date:%d}"
        if day.future:
            lines.append(f"{label:<10} {'':>6} ({_('later this week')})")
            continue
        followed = sum(day.nudges[k].followed for k in NUDGE_KINDS)
        shown = sum(day.nudges[k].shown for k in NUDGE_KINDS)
        lines.append(_row(label, day_record(day), f"{followed}/{shown}"))
    lines.append("-" * len(header))
    t, p = summary.totals, summary.previous
    lines.append(_row(_("Week"), totals_record(t), f"{t.nudges_followed}/{t.nudges_shown}"))
    lines.append(_row(_("Last week"), totals_record(p),
                      f"{p.nudges_followed}/{p.nudges_shown}"))
    return lines + [""]


def _bars(summary: WeekSummary) -> list[str]:
    scale = max([d.seated_s for d in summary.days] + [1.0])
    lines = [_("Seated time by day  (# upright, % slouched)")]
    for day in summary.days:
        up = int(round(day.upright_s / scale * BAR_WIDTH))
        sl = int(round(day.slouched_s / scale * BAR_WIDTH))
        bar = "#" * up + "%" * sl
        total = _hm(day.seated_s) if day.has_data else ""
        name = weekday_name(day.date, short=True)
        lines.append(f"  {name:<3}  {bar:<{BAR_WIDTH}} {total}".rstrip())
    return lines + [""]


def _comparison(summary: WeekSummary) -> list[str]:
    lines = [
        (_("Against last week ({week}, same days so far)") if summary.partial
         else _("Against last week ({week})")).format(week=summary.previous_week)
    ]
    last_week = _("last week")
    for label, cur, prev, delta in _change_phrases(summary):
        lines.append(f"  {label:<17} {cur:>12}   {last_week} {prev:>12}   {delta}")
    return lines + [""]


def _advice(summary: WeekSummary) -> list[str]:
    lines = []
    tips = choose_tips(summary)
    if tips:
        lines.append(_("Tips"))
        for tip in tips:
            lines += textwrap.wrap(
                f"{tip.title}. {tip.text}", WRAP, initial_indent="- ", subsequent_indent="  "
            )
        lines.append("")
    lines += textwrap.wrap(_(HEALTH_NOTE), WRAP)
    for note in summary.notes:
        lines += [""] + textwrap.wrap(_("Note: {note}").format(note=note), WRAP)
    return lines


def render_text(summary: WeekSummary) -> str:
    """The report for a terminal: at most 80 columns; no typographic dashes,
    and in English plain ASCII (a translation keeps its own letters)."""
    lines = [
        _("PostureWatch weekly report - week {week}, {period}").format(
            week=summary.week, period=period_label(summary)),
        _("Times in {zone}.").format(zone=summary.tz_name),
    ]
    through = through_label(summary)
    if through:
        lines.append(_("Week in progress: up to {time}.").format(time=through))
    lines.append("")
    if not summary.has_data:
        lines += [_("No data for this week. PostureWatch records while the monitor runs."), ""]
    lines += _table(summary) + _bars(summary) + _comparison(summary) + _advice(summary)
    text = "\n".join(lines) + "\n"
    return text.replace("–", "-").replace("±", "+-").replace("·", "-").replace("’", "'")

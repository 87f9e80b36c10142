"""The report for a terminal: ASCII only, at most 80 columns. Pure."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

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
        return "same"
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
        "–" if ch.delta is None else f"{int(ch.delta):+d}" if int(ch.delta) else "same",
    )


def _share_change(label: str, ch: Change) -> tuple[str, str, str, str]:
    if ch.delta is None:
        delta = "–"
    else:
        points = round(ch.delta * 100)
        delta = f"{points:+d} points" if points else "same"
    return label, format_share(ch.current), format_share(ch.previous), delta


def _change_phrases(summary: WeekSummary) -> list[tuple[str, str, str, str]]:
    """(label, this week, last week, change) for the comparison, readable."""
    c = summary.changes
    return [
        _duration_change("Time seated", c["seated_s"]),
        _duration_change("Longest sitting", c["longest_bout_s"]),
        _count_change("Breaks", c["breaks"]),
        _share_change("Share slouched", c["slouched_share"]),
        _count_change("Water logged", c["water"]),
        _count_change("Nudges followed", c["nudges_followed"]),
    ]


def _row(label: str, rec: Mapping[str, Any], nudges: str) -> str:
    share = rec["slouched_share"]
    return (
        f"{label:<10} {_hm(rec['present_min'] * 60):>6} {_hm(rec['seated_min'] * 60):>6} "
        f"{_hm(rec['longest_sitting_min'] * 60):>7} {rec['breaks']:>6} "
        f"{format_share(share).replace('–', '-'):>6} {rec['water_logged']:>5} {nudges:>7}"
    )


def _table(summary: WeekSummary) -> list[str]:
    header = (
        f"{'Day':<10} {'Desk':>6} {'Seated':>6} {'Longest':>7} {'Breaks':>6} "
        f"{'Slouch':>6} {'Water':>5} {'Nudges':>7}"
    )
    lines = [header + "   (h:mm)", "-" * len(header)]
    for day in summary.days:
        label = f"{day.date:%a %d}"
        if day.future:
            lines.append(f"{label:<10} {'':>6} (later this week)")
            continue
        followed = sum(day.nudges[k].followed for k in NUDGE_KINDS)
        shown = sum(day.nudges[k].shown for k in NUDGE_KINDS)
        lines.append(_row(label, day_record(day), f"{followed}/{shown}"))
    lines.append("-" * len(header))
    t, p = summary.totals, summary.previous
    lines.append(_row("Week", totals_record(t), f"{t.nudges_followed}/{t.nudges_shown}"))
    lines.append(_row("Last week", totals_record(p), f"{p.nudges_followed}/{p.nudges_shown}"))
    return lines + [""]


def _bars(summary: WeekSummary) -> list[str]:
    scale = max([d.seated_s for d in summary.days] + [1.0])
    lines = ["Seated time by day  (# upright, % slouched)"]
    for day in summary.days:
        up = int(round(day.upright_s / scale * BAR_WIDTH))
        sl = int(round(day.slouched_s / scale * BAR_WIDTH))
        bar = "#" * up + "%" * sl
        total = _hm(day.seated_s) if day.has_data else ""
        lines.append(f"  {day.date:%a}  {bar:<{BAR_WIDTH}} {total}".rstrip())
    return lines + [""]


def _comparison(summary: WeekSummary) -> list[str]:
    lines = [
        f"Against last week ({summary.previous_week}"
        + (", same days so far)" if summary.partial else ")")
    ]
    for label, cur, prev, delta in _change_phrases(summary):
        lines.append(f"  {label:<17} {cur:>12}   last week {prev:>12}   {delta}")
    return lines + [""]


def _advice(summary: WeekSummary) -> list[str]:
    lines = []
    tips = choose_tips(summary)
    if tips:
        lines.append("Tips")
        for tip in tips:
            lines += textwrap.wrap(
                f"{tip.title}. {tip.text}", WRAP, initial_indent="- ", subsequent_indent="  "
            )
        lines.append("")
    lines += textwrap.wrap(HEALTH_NOTE, WRAP)
    for note in summary.notes:
        lines += [""] + textwrap.wrap("Note: " + note, WRAP)
    return lines


def render_text(summary: WeekSummary) -> str:
    """The report for a terminal: ASCII only, at most 80 columns."""
    lines = [
        f"PostureWatch weekly report - week {summary.week}, {period_label(summary)}",
        f"Times in {summary.tz_name}.",
    ]
    through = through_label(summary)
    if through:
        lines.append(f"Week in progress: up to {through}.")
    lines.append("")
    if not summary.has_data:
        lines += ["No data for this week. PostureWatch records while the monitor runs.", ""]
    lines += _table(summary) + _bars(summary) + _comparison(summary) + _advice(summary)
    text = "\n".join(lines) + "\n"
    return text.replace("–", "-").replace("±", "+-").encode("ascii", "replace").decode("ascii")

"""The report as one self-contained HTML page: inline CSS (``report.css`` with the
colours of ``palette``) and inline SVG charts; no script, no network, no
external file. Pure (it reads ``report.css`` from the package).

The page, top to bottom: header, notes, the week's key numbers as cards with
the change against last week, the four charts, the day-by-day table (whose
``data-value`` attributes carry the same numbers as the JSON), tips, and the
definitions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from posturewatch.report.charts import bar_chart_svg, hours_svg, timeline_svg, trend_svg
from posturewatch.report.nudges import NUDGE_KINDS
from posturewatch.report.palette import css_variables
from posturewatch.report.records import day_record, definitions, totals_record
from posturewatch.report.summary import DaySummary, WeekSummary
from posturewatch.report.tips import HEALTH_NOTE, Tip, choose_tips, slouch_hour
from posturewatch.report.weeks import WEEKDAY_NAMES
from posturewatch.report.wording import escape as _e
from posturewatch.report.wording import (
    format_duration,
    format_number,
    format_share,
    period_label,
    through_label,
)


@cache
def page_css() -> str:
    """The page's style sheet: the colour variables, then ``report.css`` without
    its comments."""
    sheet = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    return css_variables() + re.sub(r"/\*.*?\*/\s*", "", sheet, flags=re.S)


# ---------------------------------------------------------------- key numbers

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


def _amount(metric: str, delta: float) -> tuple[str, bool]:
    """How big a change reads, and whether it rounds to nothing."""
    if metric == "slouched_share":
        points = round(delta * 100)
        return f"{abs(points)} point{'s' if abs(points) != 1 else ''}", points == 0
    if metric.endswith("_s"):
        return format_duration(abs(delta)), round(abs(delta) / 60) == 0
    return f"{abs(int(delta))}", int(delta) == 0


def _chip(summary: WeekSummary, metric: str) -> str:
    """The change against last week under a card: arrow, amount, better or worse."""
    change = summary.changes[metric]
    than = "the same days last week" if summary.partial else "last week"
    if change.previous is None or change.delta is None:
        return '<span class="chip">No data for last week</span>'
    amount, zero = _amount(metric, change.delta)
    if zero:
        return f'<span class="chip">= same as {than}</span>'
    more = change.delta > 0
    share = metric == "slouched_share"
    word = ("higher" if share else "more") if more else ("lower" if share else "less")
    arrow = "▲" if more else "▼"
    direction = _GOOD_DIRECTION[metric]
    verdict = ""
    css = "chip"
    if direction:
        good = (direction > 0) == more
        css += " better" if good else " worse"
        verdict = " · better" if good else " · worse"
    return f'<span class="{css}">{arrow} {amount} {word} than {than}{verdict}</span>'


def _card(summary: WeekSummary, label: str, value: str, detail: str, metric: str | None) -> str:
    chip = _chip(summary, metric) if metric else ""
    return (
        f'<div class="card kpi"><p class="label">{label}</p><p class="value">{value}</p>'
        f'<p class="detail">{detail}</p>{chip}</div>'
    )


def _seated_card(summary: WeekSummary) -> str:
    t = summary.totals
    days = f"{t.desk_days} day{'s' if t.desk_days != 1 else ''}"
    if not t.desk_days:
        detail = "no time at the desk recorded"
    elif abs(t.present_s - t.seated_s) >= 60:
        detail = f"of {_e(format_duration(t.present_s))} at the desk over {days}"
    else:
        detail = f"{_e(format_duration(t.seated_s / t.desk_days))} a day over {days} at the desk"
    return _card(summary, "Time seated", _e(format_duration(t.seated_s)), detail, "seated_s")


def _longest_card(summary: WeekSummary) -> str:
    longest = max(
        (b for d in summary.days for b in d.bouts), key=lambda b: b.duration_s, default=None
    )
    if longest is None:
        detail = "no sitting recorded"
    else:
        local = longest.start.astimezone(summary.tz)
        detail = f"{WEEKDAY_NAMES[local.weekday()]}, from {local:%H:%M}"
    value = _e(format_duration(summary.totals.longest_bout_s))
    return _card(summary, "Longest sitting without a break", value, detail, "longest_bout_s")


def _kpis(summary: WeekSummary) -> str:
    t = summary.totals
    every = (
        f"about one every {_e(format_duration(t.seated_s / t.breaks))} seated"
        if t.breaks
        else "none recorded"
    )
    cards = [
        _seated_card(summary),
        _longest_card(summary),
        _card(summary, "Breaks taken", f"{t.breaks}", every, "breaks"),
        _card(
            summary,
            "Slouched",
            _e(format_share(t.slouched_share)),
            f"of seated time ({_e(format_duration(t.slouched_s))} in all)",
            "slouched_share",
        ),
    ]
    if summary.events_known:
        per_day = (
            f"{t.water / t.desk_days:.1f} a day at the desk" if t.desk_days else "no desk days"
        )
        water = f"{t.water} <small>drinks</small>"
        cards.append(_card(summary, "Water logged", water, per_day, "water"))
        kinds = " · ".join(f"{k} {t.nudges[k].followed}/{t.nudges[k].shown}" for k in NUDGE_KINDS)
        followed = f"{t.nudges_followed} <small>of {t.nudges_shown}</small>"
        cards.append(_card(summary, "Nudges followed", followed, kinds, "nudges_followed"))
    return '<div class="cards">' + "".join(cards) + "</div>"


# ---------------------------------------------------------------- day by day

_TABLE_HEAD = (
    "<thead><tr><th>Day</th><th>At the desk</th><th>Seated</th><th>Slouched</th>"
    "<th>Share slouched</th><th>Longest sitting</th><th>Breaks</th><th>Water</th>"
    "<th>Nudges followed</th><th>Calibration</th></tr></thead>"
)
_CALIBRATION_TEXT = {"calibrated": "✓ calibrated", "failed": "✗ failed", "none": "– not yet"}


def _cell(field: str, value: Any, text: str) -> str:
    shown = "" if value is None else value
    return f'<td data-field="{field}" data-value="{_e(shown)}">{_e(text)}</td>'


def _minutes_cell(field: str, rec: Mapping[str, Any]) -> str:
    return _cell(field, rec[field], format_duration(rec[field] * 60))


def _cells(rec: Mapping[str, Any]) -> str:
    """A record's cells, from "At the desk" to "Nudges followed"."""
    nudge_fields = {
        k: rec[k]
        for k in rec
        if k.endswith("_nudges_shown") or k.endswith("_nudges_followed") or k == "nudges_snoozed"
    }
    shown = sum(rec[f"{k}_nudges_shown"] for k in NUDGE_KINDS)
    followed = sum(rec[f"{k}_nudges_followed"] for k in NUDGE_KINDS)
    return (
        _minutes_cell("present_min", rec)
        + _minutes_cell("seated_min", rec)
        + _minutes_cell("slouched_min", rec)
        + _cell("slouched_share", rec["slouched_share"], format_share(rec["slouched_share"]))
        + _minutes_cell("longest_sitting_min", rec)
        + _cell("breaks", rec["breaks"], str(rec["breaks"]))
        + _cell("water_logged", rec["water_logged"], str(rec["water_logged"]))
        + f'<td data-field="nudges" data-value="{_e(json.dumps(nudge_fields))}">'
        + (f"{followed} of {shown}" if shown else "–")
        + "</td>"
    )


def _day_row(day: DaySummary) -> str:
    rec = day_record(day)
    name = f"{day.date:%a %d %b}"
    if abs(day.hours - 24) > 0.01:
        name += f" ({format_number(day.hours)} h)"
    if day.future:
        return (
            f'<tr class="future" data-row="day" data-date="{rec["date"]}"><td>{name}</td>'
            '<td colspan="9" style="text-align:left">later this week</td></tr>'
        )
    return (
        f'<tr data-row="day" data-date="{rec["date"]}"><td>{name}</td>{_cells(rec)}'
        f'<td class="cal" data-field="calibration" data-value="{rec["calibration"]}">'
        f"{_CALIBRATION_TEXT.get(rec['calibration'], rec['calibration'])}</td></tr>"
    )


def _table(summary: WeekSummary) -> str:
    body = "".join(_day_row(day) for day in summary.days)
    week = totals_record(summary.totals)
    prev = totals_record(summary.previous)
    prev_label = "Same days last week" if summary.partial else "Last week"
    foot = (
        f'<tr class="total" data-row="week"><td>This week</td>{_cells(week)}<td></td></tr>'
        f'<tr class="prev" data-row="previous_week"><td>{prev_label}</td>{_cells(prev)}'
        "<td></td></tr>"
    )
    return f"<table>{_TABLE_HEAD}<tbody>{body}{foot}</tbody></table>"


# ---------------------------------------------------------------- sections


def _head(summary: WeekSummary) -> str:
    number = summary.week.split("-W")[1].lstrip("0")
    prev_number = summary.previous_week.split("-W")[1].lstrip("0")
    through = through_label(summary)
    badge = f'<span class="badge">In progress · up to {_e(through)}</span>' if through else ""
    compare = f"Compared with week {prev_number}"
    if summary.partial:
        compare += ", same days so far"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>PostureWatch · week {_e(summary.week)}</title>"
        f"<style>{page_css()}</style></head><body><main>"
        '<header class="top"><div><p class="eyebrow">PostureWatch · your week at the desk</p>'
        f"<h1>Week {_e(number)} · {_e(period_label(summary))}{badge}</h1>"
        f'<p class="sub">Times in {_e(summary.tz_name)}. {compare}.</p></div></header>'
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


def _notes(summary: WeekSummary) -> str:
    parts = [f'<p class="note">{_e(note)}</p>' for note in summary.notes]
    if not summary.has_data:
        parts.append(
            '<div class="emptystate"><strong>No data for this week.</strong> PostureWatch '
            "records while the monitor runs; start it from the tray or with "
            "<code>posturewatch run</code>, and this page fills in as you work.</div>"
        )
    return "".join(parts)


def _day_charts(summary: WeekSummary) -> str:
    prev_number = summary.previous_week.split("-W")[1].lstrip("0")
    return (
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


def _bouts_chart(summary: WeekSummary) -> str:
    limit = format_duration(summary.sit_limit_min * 60)
    twice = format_duration(2 * summary.sit_limit_min * 60)
    return (
        '<section class="card"><h2>Sitting bouts</h2>'
        f'<p class="hint">Each block is one stretch of sitting; a break of '
        f"{_e(format_duration(summary.break_min_s))} or more ends it. Labels show stretches "
        f"of {_e(limit)} or longer.</p>"
        + timeline_svg(summary)
        + f'<ul class="legend"><li><span class="sw short"></span>Under {_e(limit)}</li>'
        f'<li><span class="sw mid"></span>{_e(limit)} to {_e(twice)}</li>'
        f'<li><span class="sw long"></span>{_e(twice)} or more</li></ul></section>'
    )


def _hours_chart(summary: WeekSummary) -> str:
    if not any(h.seated_s > 0 for h in summary.by_hour):
        return ""
    return (
        '<section class="card"><h2>When in the day you slouch</h2>'
        '<p class="hint">Share of seated time slouched in each hour over the week. '
        "Pale bars: under 10 minutes seated in that hour"
        + ("; the hatched bar is the hour to watch." if slouch_hour(summary) else ".")
        + "</p>"
        + hours_svg(summary)
        + "</section>"
    )


def _table_section(summary: WeekSummary) -> str:
    return (
        '<section class="card"><h2>Day by day</h2>'
        '<p class="hint">The numbers behind the charts. Export them with '
        "<code>posturewatch report --format csv</code> or <code>--format json</code>.</p>"
        + _table(summary)
        + "</section>"
    )


def _tips_section(tips: list[Tip]) -> str:
    parts = ["<section><h2>Tips for next week</h2>"]
    if tips:
        cards = "".join(
            f'<div class="card tip"><h3>{_e(t.title)}</h3><p>{_e(t.text)}</p></div>' for t in tips
        )
        parts.append(
            '<p class="hint">Chosen from this week\'s numbers.</p>'
            f'<div class="tips">{cards}</div>'
        )
    parts.append(f'<p class="health">{_e(HEALTH_NOTE)}</p></section>')
    return "".join(parts)


def _footer(summary: WeekSummary) -> str:
    terms = "".join(
        f"<dt>{_e(k.replace('_', ' ').capitalize())}</dt><dd>{_e(v)}</dd>"
        for k, v in definitions(summary).items()
    )
    made = "" if summary.now is None else f" on {summary.now.astimezone(summary.tz):%d %b %Y %H:%M}"
    return (
        f"<footer>Made by PostureWatch{_e(made)} from numbers stored on this computer. "
        "No camera images are ever kept."
        f"<dl>{terms}</dl></footer></main></body></html>"
    )


def render_html(summary: WeekSummary, links: WeekLinks | None = None) -> str:
    """A self-contained HTML page (inline CSS and SVG; no scripts, no network),
    with links to the previous and next week's pages when ``links`` says where."""
    parts = [
        _head(summary),
        _week_nav(links),
        _notes(summary),
        _kpis(summary),
        _day_charts(summary),
        _bouts_chart(summary),
        _hours_chart(summary),
        _table_section(summary),
        _tips_section(choose_tips(summary)),
        _footer(summary),
    ]
    return "".join(parts) + "\n"

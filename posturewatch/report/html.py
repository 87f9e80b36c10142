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
from html import escape as html_escape
from importlib import resources
from typing import Any

from posturewatch.calendar_words import month_name, weekday_name
from posturewatch.i18n import _, current, ngettext
from posturewatch.nudge_kinds import KINDS
from posturewatch.report.charts import bar_chart_svg, hours_svg, timeline_svg, trend_svg
from posturewatch.report.nudges import NUDGE_KINDS
from posturewatch.report.palette import css_variables
from posturewatch.report.records import day_record, definitions, totals_record
from posturewatch.report.summary import DaySummary, WeekSummary
from posturewatch.report.tips import HEALTH_NOTE, Tip, choose_tips, slouch_hour
from posturewatch.report.wording import escape as _e
from posturewatch.report.wording import (
    format_duration,
    format_number,
    format_share,
    period_label,
    through_label,
)


def _text(value: str) -> str:
    """Text between tags (quotes stay as they are)."""
    return html_escape(value, quote=False)


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
        n = abs(points)
        return ngettext("{n} point", "{n} points", n).format(n=n), points == 0
    if metric.endswith("_s"):
        return format_duration(abs(delta)), round(abs(delta) / 60) == 0
    return f"{abs(int(delta))}", int(delta) == 0


def _chip(summary: WeekSummary, metric: str) -> str:
    """The change against last week under a card: arrow, amount, better or worse."""
    change = summary.changes[metric]
    if change.previous is None or change.delta is None:
        return f'<span class="chip">{_e(_("No data for last week"))}</span>'
    amount, zero = _amount(metric, change.delta)
    if zero:
        same = _("= same as the same days last week") if summary.partial else _(
            "= same as last week")
        return f'<span class="chip">{_e(same)}</span>'
    more = change.delta > 0
    share = metric == "slouched_share"
    if summary.partial:
        text = ((_("{amount} higher than the same days last week") if share else
                 _("{amount} more than the same days last week")) if more else
                (_("{amount} lower than the same days last week") if share else
                 _("{amount} less than the same days last week")))
    else:
        text = ((_("{amount} higher than last week") if share else
                 _("{amount} more than last week")) if more else
                (_("{amount} lower than last week") if share else
                 _("{amount} less than last week")))
    arrow = "▲" if more else "▼"
    direction = _GOOD_DIRECTION[metric]
    verdict = ""
    css = "chip"
    if direction:
        good = (direction > 0) == more
        css += " better" if good else " worse"
        verdict = " · " + (_("better") if good else _("worse"))
    return f'<span class="{css}">{arrow} {_e(text.format(amount=amount))}{_e(verdict)}</span>'


def _card(summary: WeekSummary, label: str, value: str, detail: str, metric: str | None) -> str:
    chip = _chip(summary, metric) if metric else ""
    return (
        f'<div class="card kpi"><p class="label">{label}</p><p class="value">{value}</p>'
        f'<p class="detail">{detail}</p>{chip}</div>'
    )


def _seated_card(summary: WeekSummary) -> str:
    t = summary.totals
    n = t.desk_days
    if not n:
        detail = _("no time at the desk recorded")
    elif abs(t.present_s - t.seated_s) >= 60:
        detail = ngettext("of {time} at the desk over {n} day",
                          "of {time} at the desk over {n} days", n).format(
            time=format_duration(t.present_s), n=n)
    else:
        detail = ngettext("{time} a day over {n} day at the desk",
                          "{time} a day over {n} days at the desk", n).format(
            time=format_duration(t.seated_s / n), n=n)
    return _card(summary, _e(_("Time seated")), _e(format_duration(t.seated_s)), _e(detail),
                 "seated_s")


def _longest_card(summary: WeekSummary) -> str:
    longest = max(
        (b for d in summary.days for b in d.bouts), key=lambda b: b.duration_s, default=None
    )
    if longest is None:
        detail = _("no sitting recorded")
    else:
        local = longest.start.astimezone(summary.tz)
        detail = _("{weekday}, from {time}").format(weekday=weekday_name(local),
                                                     time=f"{local:%H:%M}")
    value = _e(format_duration(summary.totals.longest_bout_s))
    return _card(summary, _e(_("Longest sitting without a break")), value, _e(detail),
                 "longest_bout_s")


def _kpis(summary: WeekSummary) -> str:
    t = summary.totals
    every = (
        _("about one every {time} seated").format(time=format_duration(t.seated_s / t.breaks))
        if t.breaks
        else _("none recorded")
    )
    cards = [
        _seated_card(summary),
        _longest_card(summary),
        _card(summary, _e(_("Breaks taken")), f"{t.breaks}", _e(every), "breaks"),
        _card(
            summary,
            _e(_("Slouched")),
            _e(format_share(t.slouched_share)),
            _e(_("of seated time ({time} in all)").format(time=format_duration(t.slouched_s))),
            "slouched_share",
        ),
    ]
    if summary.events_known:
        per_day = (
            _("{count} a day at the desk").format(count=f"{t.water / t.desk_days:.1f}")
            if t.desk_days else _("no desk days")
        )
        water = f"{t.water} <small>{_e(ngettext('drink', 'drinks', t.water))}</small>"
        cards.append(_card(summary, _e(_("Water logged")), water, _e(per_day), "water"))
        kinds = " · ".join(f"{nudge_kind_word(k)} {t.nudges[k].followed}/{t.nudges[k].shown}"
                           for k in NUDGE_KINDS)
        followed = f"{t.nudges_followed} <small>{_e(_('of {n}').format(n=t.nudges_shown))}</small>"
        cards.append(_card(summary, _e(_("Nudges followed")), followed, _e(kinds),
                           "nudges_followed"))
    return '<div class="cards">' + "".join(cards) + "</div>"


# ---------------------------------------------------------------- day by day

def _table_head() -> str:
    heads = (_("Day"), _("At the desk"), _("Seated"), _("Slouched"), _("Share slouched"),
             _("Longest sitting"), _("Breaks"), _("Water"), _("Nudges followed"),
             _("Calibration"))
    return "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead>"


def _calibration_text(value: str) -> str:
    words = {"calibrated": "✓ " + _("calibrated"), "failed": "✗ " + _("failed"),
             "none": "– " + _("not yet")}
    return _e(words.get(value, value))


def nudge_kind_word(kind: str) -> str:
    """'break', 'water', 'posture' in the reader's language."""
    words = {"break": _("break"), "water": _("water"), "posture": _("posture")}
    return words.get(kind, kind)


def _cell(field: str, value: Any, text: str) -> str:
    shown = "" if value is None else value
    return f'<td data-field="{field}" data-value="{_e(shown)}">{_e(text)}</td>'


def _minutes_cell(field: str, rec: Mapping[str, Any]) -> str:
    return _cell(field, rec[field], format_duration(rec[field] * 60))


def _cells(rec: Mapping[str, Any]) -> str:
    """A record's cells, from "At the desk" to "Nudges followed"."""
    columns = [c for spec in KINDS.values() for c in spec.columns]
    nudge_fields = {k: rec[k] for k in rec if k in columns or k == "nudges_snoozed"}
    shown = sum(rec[spec.columns[0]] for spec in KINDS.values())
    followed = sum(rec[spec.columns[1]] for spec in KINDS.values())
    return (
        _minutes_cell("present_min", rec)
        + _minutes_cell("seated_min", rec)
        + _minutes_cell("slouched_min", rec)
        + _cell("slouched_share", rec["slouched_share"], format_share(rec["slouched_share"]))
        + _minutes_cell("longest_sitting_min", rec)
        + _cell("breaks", rec["breaks"], str(rec["breaks"]))
        + _cell("water_logged", rec["water_logged"], str(rec["water_logged"]))
        + f'<td data-field="nudges" data-value="{_e(json.dumps(nudge_fields))}">'
        + (_e(_("{followed} of {shown}").format(followed=followed, shown=shown))
           if shown else "–")
        + "</td>"
    )


def _day_row(day: DaySummary) -> str:
    rec = day_record(day)
    name = _e(f"{weekday_name(day.date, short=True)} {day.date:%d} "
              f"{month_name(day.date, short=True)}")
    if abs(day.hours - 24) > 0.01:
        name += f" ({format_number(day.hours)} h)"
    if day.future:
        return (
            f'<tr class="future" data-row="day" data-date="{rec["date"]}"><td>{name}</td>'
            f'<td colspan="9" style="text-align:left">{_e(_("later this week"))}</td></tr>'
        )
    return (
        f'<tr data-row="day" data-date="{rec["date"]}"><td>{name}</td>{_cells(rec)}'
        f'<td class="cal" data-field="calibration" data-value="{rec["calibration"]}">'
        f"{_calibration_text(rec['calibration'])}</td></tr>"
    )


def _table(summary: WeekSummary) -> str:
    body = "".join(_day_row(day) for day in summary.days)
    week = totals_record(summary.totals)
    prev = totals_record(summary.previous)
    prev_label = _("Same days last week") if summary.partial else _("Last week")
    foot = (
        f'<tr class="total" data-row="week"><td>{_e(_("This week"))}</td>{_cells(week)}'
        "<td></td></tr>"
        f'<tr class="prev" data-row="previous_week"><td>{_e(prev_label)}</td>{_cells(prev)}'
        "<td></td></tr>"
    )
    return f"<table>{_table_head()}<tbody>{body}{foot}</tbody></table>"


# ---------------------------------------------------------------- sections


def _head(summary: WeekSummary) -> str:
    number = summary.week.split("-W")[1].lstrip("0")
    prev_number = summary.previous_week.split("-W")[1].lstrip("0")
    through = through_label(summary)
    badge = (f'<span class="badge">{_e(_("In progress · up to {time}").format(time=through))}'
             "</span>" if through else "")
    compare = (_("Compared with week {n}, same days so far") if summary.partial
               else _("Compared with week {n}")).format(n=prev_number)
    lang = current().split("_")[0]
    return (
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(_('PostureWatch · week {week}').format(week=summary.week))}</title>"
        f"<style>{page_css()}</style></head><body><main>"
        '<header class="top"><div><p class="eyebrow">'
        f"{_e(_('PostureWatch · your week at the desk'))}</p>"
        f"<h1>{_e(_('Week {n}').format(n=number))} · {_e(period_label(summary))}{badge}</h1>"
        f'<p class="sub">{_e(_("Times in {zone}.").format(zone=summary.tz_name))} '
        f"{_e(compare)}.</p></div></header>"
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
    for rel, link, arrow in (("prev", links.previous, "\u2190 {}"),
                             ("next", links.next, "{} \u2192")):
        if link is None:
            continue
        href, week = link
        label = arrow.format(_("Week {n}").format(n=week.split("-W")[1].lstrip("0")))
        parts.append(f'<a rel="{rel}" class="{rel}" href="{_e(href)}">{_e(label)}</a>')
    if not parts:
        return ""
    return f'<nav class="weeks" aria-label="{_e(_("Other weeks"))}">{"".join(parts)}</nav>'


def _notes(summary: WeekSummary) -> str:
    parts = [f'<p class="note">{_e(note)}</p>' for note in summary.notes]
    if not summary.has_data:
        parts.append(
            f'<div class="emptystate"><strong>{_e(_("No data for this week."))}</strong> '
            + _e(_("PostureWatch records while the monitor runs; start it from the tray or "
                   "with {command}, and this page fills in as you work.")).format(
                command="<code>posturewatch run</code>")
            + "</div>"
        )
    return "".join(parts)


def _day_charts(summary: WeekSummary) -> str:
    prev_number = summary.previous_week.split("-W")[1].lstrip("0")
    return (
        f'<div class="grid2"><section class="card"><h2>{_e(_("Seated time by day"))}</h2>'
        '<p class="hint">'
        + _e(_("Each bar is the time you sat that day; the hatched top is the part spent "
               "slouched."))
        + "</p>"
        + bar_chart_svg(summary)
        + f'<ul class="legend"><li><span class="sw up"></span>{_e(_("Upright"))}</li>'
        f'<li><span class="sw sl"></span>{_e(_("Slouched"))}</li></ul></section>'
        f'<section class="card"><h2>{_e(_("Share slouched"))}</h2>'
        f'<p class="hint">{_e(_("Per day, as a share of seated time. Lower is better."))}</p>'
        + trend_svg(summary)
        + f'<ul class="legend"><li><span class="sw line"></span>{_e(_("This week"))}</li>'
        f'<li><span class="sw dash"></span>{_e(_("Week {n}").format(n=prev_number))}'
        "</li></ul></section></div>"
    )


def _bouts_chart(summary: WeekSummary) -> str:
    limit = format_duration(summary.sit_limit_min * 60)
    twice = format_duration(2 * summary.sit_limit_min * 60)
    hint = _("Each block is one stretch of sitting; a break of {time} or more ends it. "
             "Labels show stretches of {limit} or longer.").format(
        time=format_duration(summary.break_min_s), limit=limit)
    return (
        f'<section class="card"><h2>{_e(_("Sitting bouts"))}</h2>'
        f'<p class="hint">{_e(hint)}</p>'
        + timeline_svg(summary)
        + '<ul class="legend"><li><span class="sw short"></span>'
        f'{_e(_("Under {time}").format(time=limit))}</li>'
        f'<li><span class="sw mid"></span>{_e(_("{low} to {high}").format(low=limit, high=twice))}'
        "</li>"
        f'<li><span class="sw long"></span>{_e(_("{time} or more").format(time=twice))}</li>'
        "</ul></section>"
    )


def _hours_chart(summary: WeekSummary) -> str:
    if not any(h.seated_s > 0 for h in summary.by_hour):
        return ""
    hint = (_("Share of seated time slouched in each hour over the week. Pale bars: under "
              "10 minutes seated in that hour; the hatched bar is the hour to watch.")
            if slouch_hour(summary) else
            _("Share of seated time slouched in each hour over the week. Pale bars: under "
              "10 minutes seated in that hour."))
    return (
        f'<section class="card"><h2>{_e(_("When in the day you slouch"))}</h2>'
        f'<p class="hint">{_e(hint)}'
        + "</p>"
        + hours_svg(summary)
        + "</section>"
    )


def _table_section(summary: WeekSummary) -> str:
    hint = _e(_("The numbers behind the charts. Export them with {csv} or {json}.")).format(
        csv="<code>posturewatch report --format csv</code>", json="<code>--format json</code>")
    return (
        f'<section class="card"><h2>{_e(_("Day by day"))}</h2>'
        f'<p class="hint">{hint}</p>'
        + _table(summary)
        + "</section>"
    )


def _tips_section(tips: list[Tip]) -> str:
    parts = [f"<section><h2>{_e(_('Tips for next week'))}</h2>"]
    if tips:
        cards = "".join(
            f'<div class="card tip"><h3>{_e(t.title)}</h3><p>{_e(t.text)}</p></div>'
            for t in tips
        )
        parts.append(
            '<p class="hint">' + _text(_("Chosen from this week's numbers.")) + "</p>"
            f'<div class="tips">{cards}</div>'
        )
    parts.append(f'<p class="health">{_e(_(HEALTH_NOTE))}</p></section>')
    return "".join(parts)


def _footer(summary: WeekSummary) -> str:
    terms = "".join(
        f"<dt>{_e(term)}</dt><dd>{_e(v)}</dd>"
        for term, v in definitions(summary, readable=True).items()
    )
    if summary.now is None:
        made = _("Made by PostureWatch from numbers stored on this computer.")
    else:
        local = summary.now.astimezone(summary.tz)
        when = f"{local:%d} {month_name(local, short=True)} {local:%Y %H:%M}"
        made = _("Made by PostureWatch on {date} from numbers stored on this computer.").format(
            date=when)
    return (
        f"<footer>{_e(made)} {_e(_('No camera images are ever kept.'))}"
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

"""The report's four charts as inline SVG: seated time by day, share slouched by
day, sitting bouts through each day, share slouched by hour. Pure.

Hand-written SVG: no library, no script, works offline and prints. Every chart
carries a ``<title>`` and a ``<desc>`` with its numbers for screen readers.
Colours come from ``palette.COLOURS`` (the CSS classes ``axis``, ``grid``,
``base`` and ``empty`` are styled by report.css). To add a chart: a function
``WeekSummary -> str`` here, and a section for it in ``html.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from posturewatch.calendar_words import weekday_name
from posturewatch.i18n import _, ngettext
from posturewatch.report.palette import COLOURS as C
from posturewatch.report.summary import DaySummary, WeekSummary
from posturewatch.report.tips import slouch_hour
from posturewatch.report.wording import escape as _e
from posturewatch.report.wording import format_duration, format_share, format_short
from posturewatch.report.wording import format_number as _f


@dataclass(frozen=True)
class _Frame:
    """A chart's size and margins, in SVG user units."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def y(self, value: float, ymax: float) -> float:
        """The y coordinate of ``value`` on an axis from 0 to ``ymax``."""
        return self.top + self.plot_h - value / ymax * self.plot_h

    def hline(self, css: str, y: float) -> str:
        """A horizontal line across the plot."""
        return (
            f'<line class="{css}" x1="{self.left}" x2="{self.width - self.right}" '
            f'y1="{_f(y)}" y2="{_f(y)}"/>'
        )

    def empty(self, text: str) -> str:
        """A note in the middle of an empty plot."""
        return (
            f'<text class="empty" x="{self.left + self.plot_w / 2}" '
            f'y="{self.top + self.plot_h / 2}" text-anchor="middle">{_e(text)}</text>'
        )


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


def _day_labels(day: DaySummary, cx: float, frame: _Frame, bold: bool = False) -> str:
    """The weekday name and the day of the month under a chart's slot."""
    weight = ' font-weight="650"' if bold else ""
    below = frame.height - frame.bottom
    return (
        f'<text x="{_f(cx)}" y="{below + 18}" text-anchor="middle"{weight}>'
        f"{_e(weekday_name(day.date, short=True))}</text>"
        f'<text class="axis" x="{_f(cx)}" y="{below + 33}" '
        f'text-anchor="middle">{day.date.day}</text>'
    )


# ---------------------------------------------------------------- seated time by day

_BARS = _Frame(640, 290, 46, 10, 18, 46)


def _hour_step(max_s: float) -> tuple[float, float]:
    """(axis maximum, tick step) in seconds for a duration axis."""
    hours = max(max_s / 3600, 1.0)
    step = 1 if hours <= 6 else 2 if hours <= 12 else 4
    top = step * -(-hours // step)
    if top - hours < 0.04 * top:  # leave room for the value label
        top += step
    return top * 3600, step * 3600


def _bar(day: DaySummary, cx: float, bar_w: float, y: Callable[[float], float]) -> str:
    """One day's bar: upright below, slouched (hatched) on top, the total above."""
    x = cx - bar_w / 2
    y_up = y(day.upright_s)
    parts = [
        f'<rect x="{_f(x)}" y="{_f(y_up)}" width="{_f(bar_w)}" '
        f'height="{_f(y(0) - y_up)}" fill="{C["up"]}"/>'
    ]
    if day.slouched_s > 0:
        y_all = y(day.seated_s)
        parts.append(
            f'<rect x="{_f(x)}" y="{_f(y_all)}" width="{_f(bar_w)}" '
            f'height="{_f(y_up - y_all)}" fill="url(#hatch-sl)" stroke="{C["slouch-dk"]}" '
            'stroke-width="1"/>'
        )
    parts.append(
        f'<text x="{_f(cx)}" y="{_f(y(day.seated_s) - 6)}" text-anchor="middle" '
        f'font-weight="650">{format_short(day.seated_s)}</text>'
    )
    return "".join(parts)


def bar_chart_svg(summary: WeekSummary) -> str:
    """Seated time per day, upright (solid blue) below slouched (hatched orange)."""
    frame, days = _BARS, summary.days
    ymax, step = _hour_step(max([d.seated_s for d in days] + [0.0]))
    slot = frame.plot_w / 7
    bar_w = min(46.0, slot * 0.56)

    def y(seconds: float) -> float:
        return frame.y(seconds, ymax)

    desc = "; ".join(
        _("{weekday}: {seated} seated, {slouched} of it slouched").format(
            weekday=d.weekday, seated=format_duration(d.seated_s),
            slouched=format_duration(d.slouched_s))
        for d in days
        if not d.future
    )
    parts = [
        _svg_open(frame.width, frame.height, _("Seated time by day, upright and slouched"),
                  desc),
        "<defs>" + _hatch("hatch-sl", C["slouch"], C["slouch-dk"]) + "</defs>",
    ]
    tick = 0.0
    while tick <= ymax + 1:
        parts.append(
            frame.hline("grid", y(tick)) + f'<text class="axis" x="{frame.left - 8}" '
            f'y="{_f(y(tick) + 4)}" text-anchor="end">'
            + _e(_("{hours} h").format(hours=int(tick // 3600))) + "</text>"
        )
        tick += step
    for i, day in enumerate(days):
        cx = frame.left + slot * (i + 0.5)
        parts.append(_day_labels(day, cx, frame, bold=day.has_data))
        if day.future:
            parts.append(
                f'<text class="axis" x="{_f(cx)}" y="{_f(y(0) - 8)}" text-anchor="middle">'
                f"{_e(_('later'))}</text>"
            )
        elif day.seated_s > 0:
            parts.append(_bar(day, cx, bar_w, y))
    parts.append(frame.hline("base", y(0)))
    if not summary.has_data:
        parts.append(frame.empty(_("No sitting recorded this week")))
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- share slouched by day

_TREND = _Frame(400, 290, 42, 12, 18, 46)


def _share_axis(summary: WeekSummary) -> tuple[float, float]:
    """(axis maximum, tick step) for the share slouched of both weeks."""
    shares = [d.slouched_share for d in (*summary.days, *summary.previous_days)]
    peak = max([s for s in shares if s is not None] + [0.0])
    ymax = max(0.4, -(-peak * 10 // 1) / 10 + (0.1 if peak * 10 % 1 > 0.8 else 0))
    return ymax, 0.1 if ymax <= 0.6 else 0.2


def _polylines(points: Sequence[tuple[float, float] | None], attrs: str) -> list[str]:
    """Lines through consecutive points; a None breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [
        f'<polyline fill="none" {attrs} points="'
        + " ".join(f"{_f(px)},{_f(py)}" for px, py in run)
        + '"/>'
        for run in runs
        if len(run) > 1
    ]


def _trend_lines(
    summary: WeekSummary, x: Callable[[int], float], y: Callable[[float], float]
) -> list[str]:
    """Last week dashed with hollow dots, this week solid with labelled dots."""
    def points(days: Sequence[DaySummary]) -> list[tuple[float, float] | None]:
        return [
            None if d.slouched_share is None else (x(i), y(d.slouched_share))
            for i, d in enumerate(days)
        ]

    before, now = points(summary.previous_days), points(summary.days)
    parts = _polylines(before, f'stroke="{C["prev"]}" stroke-width="2" stroke-dasharray="5 4"')
    for point in before:
        if point is not None:
            parts.append(
                f'<circle cx="{_f(point[0])}" cy="{_f(point[1])}" r="3" fill="{C["white"]}" '
                f'stroke="{C["prev"]}" stroke-width="1.5"/>'
            )
    parts += _polylines(now, f'stroke="{C["trend"]}" stroke-width="3" stroke-linejoin="round"')
    for point, day in zip(now, summary.days, strict=True):
        if point is None:
            continue
        parts.append(
            f'<circle cx="{_f(point[0])}" cy="{_f(point[1])}" r="4.5" fill="{C["trend"]}" '
            f'stroke="{C["white"]}" stroke-width="1.5"/>'
            f'<text x="{_f(point[0])}" y="{_f(point[1] - 10)}" text-anchor="middle" '
            f'font-weight="650">{format_share(day.slouched_share)}</text>'
        )
    return parts


def trend_svg(summary: WeekSummary) -> str:
    """Share of seated time slouched per day: this week solid, last week dashed."""
    frame = _TREND
    slot = frame.plot_w / 7
    ymax, step = _share_axis(summary)

    def y(share: float) -> float:
        return frame.y(share, ymax)

    def x(i: int) -> float:
        return frame.left + slot * (i + 0.5)

    desc = "; ".join(
        f"{d.weekday}: {format_share(d.slouched_share)}" for d in summary.days if not d.future
    )
    parts = [_svg_open(frame.width, frame.height, _("Share of seated time slouched, by day"),
                       desc)]
    tick = 0.0
    while tick <= ymax + 1e-9:
        parts.append(
            frame.hline("grid", y(tick)) + f'<text class="axis" x="{frame.left - 7}" '
            f'y="{_f(y(tick) + 4)}" text-anchor="end">{round(tick * 100)}%</text>'
        )
        tick += step
    parts.append(frame.hline("base", y(0)))
    parts += [_day_labels(day, x(i), frame) for i, day in enumerate(summary.days)]
    parts += _trend_lines(summary, x, y)
    if all(d.slouched_share is None for d in summary.days):
        parts.append(frame.empty(_("No seated time this week")))
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- sitting bouts


def _wall_hours(moment: datetime, day: DaySummary, tz: tzinfo) -> float:
    """Position of an instant on ``day``'s local clock face, in hours (0..24)."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    midnight = datetime.combine(day.date, datetime.min.time())
    return min(24.0, max(0.0, (local - midnight).total_seconds() / 3600))


def _hour_range(summary: WeekSummary) -> tuple[int, int]:
    """The local hours the bout and hour charts show: 08-18 or wider to hold the data."""
    first, last = 8, 18
    for day in summary.days:
        for start, end, _whole in day.segments:
            first = min(first, int(_wall_hours(start, day, summary.tz)))
            last = max(last, int(-(-_wall_hours(end, day, summary.tz) // 1)))
    for hour in summary.by_hour:
        if hour.seated_s > 0:
            first, last = min(first, hour.hour), max(last, hour.hour + 1)
    return max(0, first), min(24, last)


_TIMELINE_WIDTH, _ROW_H, _TIMELINE_LEFT, _TIMELINE_RIGHT, _TIMELINE_TOP = 1000, 34, 92, 14, 26


def _bout_block(
    summary: WeekSummary, day: DaySummary, segment: tuple[datetime, datetime, float],
    x: Callable[[float], float], mid: float,
) -> str:
    """One bout (or the piece of it inside ``day``), coloured by its whole length."""
    start, end, whole = segment
    limit = summary.sit_limit_min * 60
    xs, xe = x(_wall_hours(start, day, summary.tz)), x(_wall_hours(end, day, summary.tz))
    w = max(xe - xs, 2.0)
    if whole >= 2 * limit:
        fill, stroke = "url(#hatch-long)", C["long-dk"]
    elif whole >= limit:
        fill, stroke = C["mid"], C["mid-dk"]
    else:
        fill, stroke = C["short"], C["short-dk"]
    tip = (
        f"{start.astimezone(summary.tz):%H:%M}–{end.astimezone(summary.tz):%H:%M}, "
        f"{format_duration(whole)}"
    )
    block = (
        f'<rect x="{_f(xs)}" y="{_f(mid - 9)}" width="{_f(w)}" height="18" rx="4" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1"><title>{_e(tip)}</title></rect>'
    )
    label = format_short(whole)
    if whole >= limit and w >= 9 + 7 * len(label):
        block += (
            f'<text x="{_f(xs + w / 2)}" y="{_f(mid + 4)}" text-anchor="middle" '
            f'font-size="11.5" font-weight="700" style="paint-order:stroke" '
            f'stroke="{C["white"]}" stroke-width="3">{label}</text>'
        )
    return block


def _timeline_row(
    summary: WeekSummary, i: int, day: DaySummary, x: Callable[[float], float]
) -> list[str]:
    """One day's row: its name, then its bouts, or why there are none."""
    y0 = _TIMELINE_TOP + i * _ROW_H
    mid = y0 + _ROW_H / 2
    left, right = _TIMELINE_LEFT, _TIMELINE_WIDTH - _TIMELINE_RIGHT
    extra = (" · " + _("{hours} h").format(hours=_f(day.hours))
             if abs(day.hours - 24) > 0.01 else "")
    style = ' class="axis"' if day.future or not day.has_data else ' font-weight="650"'
    parts = [
        f'<text x="0" y="{_f(mid + 4)}"{style}>{_e(weekday_name(day.date, short=True))} '
        f'{day.date:%d}<tspan class="axis" font-weight="400">{_e(extra)}</tspan></text>'
    ]
    if i:
        parts.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y0}" y2="{y0}"/>')
    if day.future:
        parts.append(f'<text class="empty" x="{left + 8}" y="{_f(mid + 4)}">'
                     f"{_e(_('later this week'))}</text>")
    elif not day.segments and not day.has_data:
        parts.append(f'<text class="empty" x="{left + 8}" y="{_f(mid + 4)}">'
                     f"{_e(_('no data'))}</text>")
    else:
        parts += [_bout_block(summary, day, segment, x, mid) for segment in day.segments]
    return parts


def timeline_svg(summary: WeekSummary) -> str:
    """Each day's sitting bouts on a local-time axis, coloured and hatched by length."""
    width, top, left = _TIMELINE_WIDTH, _TIMELINE_TOP, _TIMELINE_LEFT
    first, last = _hour_range(summary)
    plot_w = width - left - _TIMELINE_RIGHT
    height = top + _ROW_H * 7 + 8

    def x(hours: float) -> float:
        return left + (min(max(hours, first), last) - first) / (last - first) * plot_w

    desc = "; ".join(
        ngettext("{weekday}: {n} sitting bout, longest {longest}",
                 "{weekday}: {n} sitting bouts, longest {longest}", len(d.bouts)).format(
            weekday=d.weekday, n=len(d.bouts), longest=format_duration(d.longest_bout_s))
        for d in summary.days
        if not d.future
    )
    parts = [
        _svg_open(width, height, _("Sitting bouts through each day, local time"), desc),
        "<defs>" + _hatch("hatch-long", C["long"], C["long-dk"], 6, 1.6) + "</defs>",
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
        parts += _timeline_row(summary, i, day, x)
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- share slouched by hour

_HOURS = _Frame(1000, 170, 92, 14, 22, 28)
_HOUR_ENOUGH_S = 600  # an hour with less seated time is drawn pale, without a label


def hours_svg(summary: WeekSummary) -> str:
    """Share slouched by local hour of the day over the week."""
    frame = _HOURS
    first, last = _hour_range(summary)
    slot = frame.plot_w / (last - first)
    shares = [h.share or 0.0 for h in summary.by_hour if h.seated_s >= _HOUR_ENOUGH_S]
    ymax = max(0.4, -(-max(shares + [0.0]) * 10 // 1) / 10)

    def y(share: float) -> float:
        return frame.y(share, ymax)

    desc = "; ".join(
        _("{hour} {share} of {seated}").format(hour=f"{h.hour:02d}:00",
                                               share=format_share(h.share),
                                               seated=format_duration(h.seated_s))
        for h in summary.by_hour
        if h.seated_s > 0
    )
    parts = [
        _svg_open(frame.width, frame.height, _("Share slouched by hour of the day"), desc),
        "<defs>" + _hatch("hatch-hr", C["slouch"], C["slouch-dk"]) + "</defs>",
        frame.hline("grid", y(ymax / 2)) + f'<text class="axis" x="{frame.left - 8}" '
        f'y="{_f(y(ymax / 2) + 4)}" text-anchor="end">{round(ymax * 50)}%</text>'
        f'<text class="axis" x="{frame.left - 8}" y="{_f(y(0) + 4)}" text-anchor="end">0%</text>',
    ]
    worst = slouch_hour(summary)
    for hour in summary.by_hour[first:last]:
        cx = frame.left + slot * (hour.hour - first + 0.5)
        parts.append(
            f'<text class="axis" x="{_f(cx)}" y="{frame.height - 8}" text-anchor="middle">'
            f"{hour.hour:02d}</text>"
        )
        if hour.seated_s > 0 and hour.share is not None:
            is_worst = worst is not None and hour.hour == worst.hour
            parts.append(_hour_bar(hour.share, hour.seated_s, cx, slot * 0.62, is_worst, y, ymax))
    parts.append(frame.hline("base", y(0)))
    parts.append("</svg>")
    return "".join(parts)


def _hour_bar(
    share: float, seated_s: float, cx: float, bw: float, is_worst: bool,
    y: Callable[[float], float], ymax: float,
) -> str:
    """One hour's bar: hatched for the hour to watch, pale with little seated time."""
    enough = seated_s >= _HOUR_ENOUGH_S
    fill = "url(#hatch-hr)" if is_worst else C["slouch"] if enough else C["slouch-pale"]
    h = max(y(0) - y(min(share, ymax)), 1.0)
    bar = (
        f'<rect x="{_f(cx - bw / 2)}" y="{_f(y(0) - h)}" width="{_f(bw)}" height="{_f(h)}" '
        f'fill="{fill}" stroke="{C["slouch-dk"]}" stroke-width="{1 if is_worst else 0}"/>'
    )
    if enough:
        bold = ' font-weight="700"' if is_worst else ""
        bar += (
            f'<text x="{_f(cx)}" y="{_f(y(0) - h - 5)}" text-anchor="middle" font-size="11"'
            f"{bold}>{format_share(share)}</text>"
        )
    return bar

"""A few plain tips chosen from a week's numbers. Pure: standard library only.

General wellness advice for desk workers, in the spirit of common
physiotherapy and occupational-health guidance (move often, short breaks,
drink through the day, screen at eye level). Not medical advice; the report
always adds ``HEALTH_NOTE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.calendar_words import weekday_name
from posturewatch.i18n import N_, _, ngettext
from posturewatch.report.summary import HourSlouch, WeekSummary
from posturewatch.report.wording import format_duration, format_share

HEALTH_NOTE = N_(
    "These are general wellness suggestions, not medical advice. If pain in your back, "
    "neck, shoulders or wrists persists or keeps coming back, talk to a doctor or "
    "physiotherapist."
)

MAX_TIPS = 4
LONG_BOUT_FACTOR = 2.0  # a bout this many times the sitting limit is "long"
WATER_PER_DESK_DAY = 4  # fewer logged drinks per day at the desk earns a tip
SLOUCH_HOUR_MIN_SHARE = 0.25
SLOUCH_HOUR_MARGIN = 0.10  # the worst hour must stand out from the week by this much
HIGH_SLOUCH_SHARE = 0.30
IGNORED_NUDGES_MIN = 5
IGNORED_NUDGES_SHARE = 0.30


@dataclass(frozen=True)
class Tip:
    key: str  # stable identifier: long_bouts, few_breaks, little_water, slouch_hour, ...
    title: str
    text: str


def slouch_hour(summary: WeekSummary) -> HourSlouch | None:
    """The local hour worth a tip: the week's worst (at least 30 min seated in
    it) when its share slouched is at least 25% and 10 points above the week's."""
    hour = summary.worst_hour
    week_share = summary.totals.slouched_share or 0.0
    if (
        hour is not None
        and hour.share is not None
        and hour.share >= SLOUCH_HOUR_MIN_SHARE
        and hour.share >= week_share + SLOUCH_HOUR_MARGIN
    ):
        return hour
    return None


def _long_bouts(summary: WeekSummary) -> Tip | None:
    limit_s = summary.sit_limit_min * 60
    long_bouts = [
        b for d in summary.days for b in d.bouts if b.duration_s >= LONG_BOUT_FACTOR * limit_s
    ]
    if not long_bouts:
        return None
    worst = max(long_bouts, key=lambda b: b.duration_s)
    day = next(d for d in summary.days if worst in d.bouts)
    long = format_duration(LONG_BOUT_FACTOR * limit_s)
    if len(long_bouts) > 1:
        text = _("Your longest stretch without a break was {longest} on {weekday}, and {n} "
                 "stretches lasted {long} or more.")
    else:
        text = _("Your longest stretch without a break was {longest} on {weekday}, and it "
                 "was the only one of {long} or more.")
    text = text.format(longest=format_duration(worst.duration_s),
                       weekday=weekday_name(day.date), n=len(long_bouts), long=long)
    return Tip(
        "long_bouts",
        _("Break up long sitting"),
        text + " " + _("Try to stand up at least every {limit}: a two-minute walk, a trip "
                       "for water or a phone call taken standing all count.").format(
            limit=format_duration(limit_s)),
    )


def _few_breaks(summary: WeekSummary) -> Tip | None:
    totals = summary.totals
    seated_h = totals.seated_s / 3600
    if seated_h < 2 or totals.breaks >= seated_h * 60 / (
        LONG_BOUT_FACTOR * summary.sit_limit_min
    ):
        return None
    every = format_duration(totals.seated_s / totals.breaks) if totals.breaks else None
    seated = format_duration(totals.seated_s)
    taken = (
        ngettext("You took {n} break in {seated} of sitting, about one every {every}.",
                 "You took {n} breaks in {seated} of sitting, about one every {every}.",
                 totals.breaks).format(n=totals.breaks, seated=seated, every=every)
        if every
        else _("No breaks were recorded in {seated} of sitting.").format(seated=seated)
    )
    return Tip(
        "few_breaks",
        _("More, shorter breaks"),
        taken + " " + _("Short breaks often do more than one long one: get up, walk a few "
                        "steps, stretch your arms overhead, and let your eyes rest on "
                        "something far away."),
    )


def _slouching(summary: WeekSummary) -> Tip | None:
    hour = slouch_hour(summary)
    week_share = summary.totals.slouched_share or 0.0
    if hour is not None and hour.share is not None:
        return Tip(
            "slouch_hour",
            _("Watch the {hour} hour").format(hour=f"{hour.hour:02d}:00"),
            _("You slouched most between {start} and {end} ({share} of seated time, against "
              "{week_share} over the week). That is a good time for a short walk, a stretch, "
              "or a glass of water.").format(
                start=f"{hour.hour:02d}:00", end=f"{(hour.hour + 1) % 24:02d}:00",
                share=format_share(hour.share), week_share=format_share(week_share)),
        )
    if week_share >= HIGH_SLOUCH_SHARE:
        return Tip(
            "high_slouch",
            _("Bring the screen to you"),
            _("You slouched for {share} of your seated time. Set the top of the screen at or "
              "a little below eye level, about an arm's length away, and sit back in the "
              "chair with your feet flat.").format(share=format_share(week_share)),
        )
    return None


def _little_water(summary: WeekSummary) -> Tip | None:
    totals = summary.totals
    if not (
        summary.events_known
        and totals.desk_days
        and totals.water < WATER_PER_DESK_DAY * totals.desk_days
    ):
        return None
    per_day = totals.water / totals.desk_days
    drinks = ngettext("You logged {n} drink", "You logged {n} drinks", totals.water).format(
        n=totals.water)
    days = ngettext("over {n} day at the desk (about {per_day} a day).",
                    "over {n} days at the desk (about {per_day} a day).",
                    totals.desk_days).format(n=totals.desk_days, per_day=f"{per_day:.1f}")
    return Tip(
        "little_water",
        _("Keep water within reach"),
        f"{drinks} {days} "
        + _("Keep a glass or bottle on the desk and refill it whenever you stand up; sipping "
            "through the day is easier than catching up."),
    )


def _ignored_nudges(summary: WeekSummary) -> Tip | None:
    shown, followed = summary.totals.nudges_shown, summary.totals.nudges_followed
    if shown < IGNORED_NUDGES_MIN or followed >= IGNORED_NUDGES_SHARE * shown:
        return None
    return Tip(
        "ignored_nudges",
        _("Make nudges fit your day"),
        ngettext("You followed {followed} of {shown} nudge.",
                 "You followed {followed} of {shown} nudges.", shown).format(
            followed=followed, shown=shown)
        + " " + _("If they arrive at bad moments, set your working hours or a longer sitting "
                  "limit in the settings: a nudge you act on is worth more than three you "
                  "dismiss."),
    )


def steady_week() -> Tip:
    """The tip for a week with nothing to improve."""
    return Tip(
        "steady_week",
        _("A steady week"),
        _("Your sitting stretches stayed short and your posture held up. Keep the "
          "habit: stand up, move and drink water regularly."),
    )

# Each rule looks at the week and gives its tip or None; the first MAX_TIPS given are shown.
RULES = (_long_bouts, _few_breaks, _slouching, _little_water, _ignored_nudges)


def choose_tips(summary: WeekSummary) -> list[Tip]:
    """Up to ``MAX_TIPS`` tips for this week, most useful first; empty without data."""
    if summary.totals.present_s <= 0:
        return []
    tips = [tip for rule in RULES if (tip := rule(summary)) is not None]
    return (tips or [steady_week()])[:MAX_TIPS]

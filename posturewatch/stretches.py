"""A small built-in set of stretches offered with a break nudge. Pure: stdlib only.

Each is a short movement for the back, the neck or the shoulders that needs
no equipment and no floor, can be done beside a desk in office clothes, and
takes under a minute. They follow common physiotherapy and occupational-health
advice for desk workers (gentle, slow, within a comfortable range, never into
pain); they are general wellness suggestions, not medical advice.

The order matters: consecutive turns move between back, neck and shoulders,
so someone who takes every break gets a different area each time. The caller
keeps the turn (the monitor stores it, so it carries on after a restart).
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.i18n import N_, _

AREAS = ("back", "neck", "shoulders")


@dataclass(frozen=True)
class Stretch:
    """One movement: the body ``area`` it is for, a short ``name`` and ``how``
    to do it in one sentence."""

    area: str
    name: str
    how: str


# User-facing texts (kept together here so they can be translated).
STRETCHES: tuple[Stretch, ...] = (
    Stretch("back", N_("Reach up"),
            N_("stand tall, lace your fingers and reach up high for three slow breaths.")),
    Stretch("neck", N_("Neck tilt"),
            N_("tilt one ear toward your shoulder for 15 seconds, then the other.")),
    Stretch("shoulders", N_("Shoulder rolls"),
            N_("roll your shoulders up, back and down, slowly, five times.")),
    Stretch("back", N_("Standing back bend"),
            N_("hands on your lower back, lean back gently for two breaths.")),
    Stretch("neck", N_("Chin tuck"),
            N_("look ahead and draw your chin straight back; hold 5 seconds, 5 times.")),
    Stretch("shoulders", N_("Shoulder blade squeeze"),
            N_("squeeze your shoulder blades together for 5 seconds, 5 times.")),
    Stretch("back", N_("Side bend"),
            N_("reach one arm overhead and lean to the other side, 10 seconds each way.")),
    Stretch("neck", N_("Look over your shoulder"),
            N_("turn your head slowly to look over one shoulder, 10 seconds each side.")),
    Stretch("shoulders", N_("Doorway stretch"),
            N_("forearms on a door frame, step through until your chest opens; hold 20 s.")),
)

# One line per area (the area word takes a different article in other languages).
LINES = {
    "back": N_("Try this for your back: {how}"),
    "neck": N_("Try this for your neck: {how}"),
    "shoulders": N_("Try this for your shoulders: {how}"),
}


def stretch_for(turn: int) -> Stretch:
    """The stretch for the ``turn``-th break nudge (any int; it wraps around)."""
    return STRETCHES[turn % len(STRETCHES)]


def stretch_line(stretch: Stretch) -> str:
    """One sentence for a notification body, e.g. "Try this for your neck: tilt ..."."""
    return _(LINES[stretch.area]).format(how=_(stretch.how))

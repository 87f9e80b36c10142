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
    Stretch("back", "Reach up",
            "stand tall, lace your fingers and reach up high for three slow breaths."),
    Stretch("neck", "Neck tilt",
            "tilt one ear toward your shoulder for 15 seconds, then the other."),
    Stretch("shoulders", "Shoulder rolls",
            "roll your shoulders up, back and down, slowly, five times."),
    Stretch("back", "Standing back bend",
            "hands on your lower back, lean back gently for two breaths."),
    Stretch("neck", "Chin tuck",
            "look ahead and draw your chin straight back; hold 5 seconds, 5 times."),
    Stretch("shoulders", "Shoulder blade squeeze",
            "squeeze your shoulder blades together for 5 seconds, 5 times."),
    Stretch("back", "Side bend",
            "reach one arm overhead and lean to the other side, 10 seconds each way."),
    Stretch("neck", "Look over your shoulder",
            "turn your head slowly to look over one shoulder, 10 seconds each side."),
    Stretch("shoulders", "Doorway stretch",
            "forearms on a door frame, step through until your chest opens; hold 20 s."),
)

LINE = "Try this for your {area}: {how}"


def stretch_for(turn: int) -> Stretch:
    """The stretch for the ``turn``-th break nudge (any int; it wraps around)."""
    return STRETCHES[turn % len(STRETCHES)]


def stretch_line(stretch: Stretch) -> str:
    """One sentence for a notification body, e.g. "Try this for your neck: tilt ..."."""
    return LINE.format(area=stretch.area, how=stretch.how)

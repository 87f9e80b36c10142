"""What the nudges say: short, kind, specific, and varied a little so they do
not become wallpaper. Pure: the caller passes the variant index, so tests and
replays are deterministic.

The tips follow common physiotherapy advice for desk workers with back strain:
move often, stretch gently, drink water, and use heat after the first days of
an ache. They are general wellness advice, not medical advice.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.model import NudgeKind


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def format_minutes(seconds: float) -> str:
    """'32 minutes', '1 hour 5 minutes' (rounded down to the minute)."""
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if minutes or not hours:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    return " ".join(parts)


BREAK_BODIES = (
    "You have been sitting for {sat}. Stand up and walk for two minutes.",
    "You have been sitting for {sat}. A two-minute walk now helps your back and your focus.",
    "{Sat} in your chair. Stand up, stretch your arms overhead, and walk to the window.",
    "You have been sitting for {sat}. Fetch a glass of water or take the stairs for two minutes.",
)
BREAK_REPEAT_BODIES = (
    "Still sitting: {sat} now. Whenever you can, stand up and move for two minutes.",
    "{Sat} and counting. A short walk is still the best thing for your back.",
)
WATER_BODIES = (
    "Time for a glass of water.",
    "Have a few sips of water: a steady drink through the day beats a lot at once.",
    "A glass of water now keeps you sharp through the afternoon.",
)
POSTURE_BODIES = (
    "You have been leaning in for a while. Sit back, let your shoulders drop, and lift your head.",
    "Roll your shoulders back and down, and bring the screen to you, not you to the screen.",
    "Sit tall: feet flat, back against the chair, chin level. Then take a slow breath.",
)
STRETCH_TIPS = (
    "Tip: gentle movement is better for a stiff back than rest.",
    "Tip: a warm pack can ease a back that has ached for a few days.",
    "Tip: slowly turn your head left and right five times to loosen your neck.",
)


def nudge_message(kind: NudgeKind, sitting_s: float, repeat: int, variant: int) -> Message:
    """The notification for one nudge. ``variant`` picks the wording (any int)."""
    sat = format_minutes(sitting_s)
    if kind is NudgeKind.BREAK:
        bodies = BREAK_REPEAT_BODIES if repeat else BREAK_BODIES
        body = bodies[variant % len(bodies)].format(sat=sat, Sat=sat[:1].upper() + sat[1:])
        if variant % 3 == 2:
            body += " " + STRETCH_TIPS[variant % len(STRETCH_TIPS)]
        return Message("Time to stand up", body)
    if kind is NudgeKind.WATER:
        return Message("Drink some water", WATER_BODIES[variant % len(WATER_BODIES)])
    return Message("Sit up straight", POSTURE_BODIES[variant % len(POSTURE_BODIES)])

"""What the nudges say: short, kind, specific, and varied a little so they do
not become wallpaper. Pure: the caller passes the variant index, so tests and
replays are deterministic.

The tips follow common physiotherapy advice for desk workers with back strain:
move often, stretch gently, drink water, and use heat after the first days of
an ache. They are general wellness advice, not medical advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from posturewatch.model import CameraState, NudgeKind, Presence, PresenceSource, State, Verdict
from posturewatch.stretches import stretch_for, stretch_line


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


def nudge_message(kind: NudgeKind, sitting_s: float, repeat: int, variant: int,
                  stretch_turn: int | None = None) -> Message:
    """The notification for one nudge. ``variant`` picks the wording (any int).

    A break nudge ends with a line suggesting one stretch
    (:func:`posturewatch.stretches.stretch_for`), ``stretch_turn`` (default:
    ``variant``) choosing which, so stretches take turns."""
    sat = format_minutes(sitting_s)
    if kind is NudgeKind.BREAK:
        bodies = BREAK_REPEAT_BODIES if repeat else BREAK_BODIES
        body = bodies[variant % len(bodies)].format(sat=sat, Sat=sat[:1].upper() + sat[1:])
        turn = variant if stretch_turn is None else stretch_turn
        body += " " + stretch_line(stretch_for(turn))
        return Message("Time to stand up", body)
    if kind is NudgeKind.WATER:
        return Message("Drink some water", WATER_BODIES[variant % len(WATER_BODIES)])
    return Message("Sit up straight", POSTURE_BODIES[variant % len(POSTURE_BODIES)])


# -- notification buttons (where the platform shows them) ---------------------
SNOOZE_LABEL = "Snooze 10 min"
DONE_LABEL = "Done"
SNOOZE_MINUTES = 10.0
CALIBRATE_LABEL = "Calibrate now"

# -- things PostureWatch tells the user that are not nudges --------------------
CALIBRATION_OFFER = Message(
    "Calibrate PostureWatch",
    "Sit upright and comfortable, then choose \u201cCalibrate posture\u201d in the tray menu."
    " PostureWatch then measures against your own posture, not an average one.",
)
CALIBRATION_COUNTDOWN_S = 3
CALIBRATION_GET_READY = Message(
    "Calibration starts in 3 seconds",
    "Sit upright and comfortable, look at your screen, and then hold still for about"
    " 5 seconds.",
)
CALIBRATING = Message(
    "Calibrating posture",
    "Hold still, sitting upright and comfortable, for about 5 seconds.",
)
CALIBRATED = Message(
    "Posture calibrated", "Done. PostureWatch now measures against this posture.")
CALIBRATION_FAILED_TITLE = "Calibration did not work"
NO_CAMERA = Message(
    "PostureWatch cannot see the camera",
    "Check that a webcam is connected and that no other app is using it."
    " PostureWatch keeps trying in the background.",
)


INPUT_TRACKING_NOTE = (
    "Meanwhile PostureWatch counts your sitting time from keyboard and mouse activity, "
    "so break reminders still come; posture needs the camera.")
NO_INPUT_NOTE = "Until then PostureWatch cannot tell whether you are at the desk."


def camera_problem_message(camera: CameraState, hint: str = "",
                           input_tracking: bool = False) -> Message:
    """The one notification about a camera that gives no picture: what is
    wrong, what to try (``hint``: the frame source's own advice, if any) and
    whether sitting is still tracked from keyboard and mouse."""
    note = INPUT_TRACKING_NOTE if input_tracking else NO_INPUT_NOTE
    if camera is CameraState.COVERED:
        return Message(
            "The camera seems covered",
            "Its picture is black. Open the lens cover or privacy shutter, move what is in "
            f"front of it, or turn on a light. {note}")
    if camera is CameraState.NO_PICTURE:
        return Message(
            "The camera sends no picture",
            "It sends a blank or frozen image. Unplug it and plug it in again, close other "
            "camera apps, or choose another camera (camera_index in the settings). " + note)
    if camera is CameraState.BUSY:
        return Message(
            "PostureWatch cannot use the camera",
            (hint or "Another app holds the camera, or access to it is blocked in the "
             "system's privacy settings.") + " PostureWatch keeps trying. " + note)
    return Message(
        NO_CAMERA.title,
        (hint or NO_CAMERA.body) + " PostureWatch keeps trying in the background. " + note)


CAMERA_WORDS = {
    CameraState.MISSING: "camera not found",
    CameraState.BUSY: "camera busy",
    CameraState.COVERED: "camera covered",
    CameraState.NO_PICTURE: "no picture from the camera",
}


def _clock(moment: datetime, now: datetime, tz: tzinfo) -> str:
    """'14:30', or 'tomorrow 08:00', or 'Tue 08:00' (local time)."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    hhmm = local.strftime("%H:%M")
    if local.date() == today:
        return hhmm
    if (local.date() - today).days == 1:
        return f"tomorrow {hhmm}"
    return f"{local.strftime('%a')} {hhmm}"


def status_line(state: State | None, tz: tzinfo, calibrated: bool = True) -> str:
    """One short line for the tray menu and tooltip: what the monitor sees now.

    ``state.at`` is the time base (UTC); times are shown in ``tz``. Pure.
    """
    if state is None:
        return "Starting\u2026"
    sat = format_minutes(state.sitting_s)
    if state.paused_until is not None:
        if state.paused_until.year >= 9999:  # session.PAUSED_INDEFINITELY
            return "Paused until you resume"
        return f"Paused until {_clock(state.paused_until, state.at, tz)}"
    if state.camera is CameraState.OFF:
        if state.screen_locked:
            return "Screen locked: camera off"
        if not state.in_working_hours:
            return "Outside working hours: camera off"
        return "Camera off"
    problem = CAMERA_WORDS.get(state.camera)
    if problem is not None and state.presence_source is PresenceSource.INPUT:
        if state.presence is Presence.AWAY:
            return f"Away: no keyboard or mouse input ({problem})"
        due = "Break due: sitting" if state.break_due else "Sitting"
        return f"{due} for {sat}, from keyboard and mouse ({problem})"
    if state.camera is CameraState.MISSING:
        return "Camera not found"
    if state.camera is CameraState.BUSY:
        return "Camera busy (in use by another app?)"
    if state.camera is CameraState.COVERED:
        return "Camera covered: its picture is black"
    if state.camera is CameraState.NO_PICTURE:
        return "No picture from the camera (blank or frozen)"
    if state.camera is CameraState.ENDED:
        return "Video ended"
    if state.presence is Presence.PRESENT and state.presence_source is PresenceSource.INPUT:
        due = "Break due: sitting" if state.break_due else "Sitting"
        return f"{due} for {sat}, from keyboard and mouse (not in view)"
    if state.presence is Presence.AWAY:
        return "Away from the desk"
    if state.break_due:
        return f"Break due: sitting for {sat}"
    if state.verdict is Verdict.SLOUCHED:
        words = "Slouching"
    elif state.verdict is Verdict.UPRIGHT:
        words = "Upright"
    else:
        words = "Monitoring"
    if not calibrated and state.verdict is not Verdict.UNKNOWN:
        words += " (not calibrated)"
    return f"{words}, sitting for {sat}"


def tooltip(state: State | None, tz: tzinfo, calibrated: bool = True) -> str:
    """The tray icon's tooltip: the app name and the status line in words."""
    text = f"PostureWatch: {status_line(state, tz, calibrated)}"
    if state is None or state.paused_until is not None:
        return text
    if not state.in_working_hours and state.camera is not CameraState.OFF:
        text += " (outside working hours: no reminders)"
    elif state.quiet is not None:
        text += f" ({state.quiet}: reminders wait)"
    return text

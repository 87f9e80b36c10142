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

from posturewatch.calendar_words import weekday_name
from posturewatch.i18n import N_, _, ngettext
from posturewatch.model import CameraState, NudgeKind, Presence, PresenceSource, State, Verdict
from posturewatch.nudge_kinds import KINDS
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
        parts.append(ngettext("{n} hour", "{n} hours", hours).format(n=hours))
    if minutes or not hours:
        parts.append(ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes))
    return " ".join(parts)


@dataclass(frozen=True)
class NudgeTexts:
    """What a nudge kind says (see ``nudge_kinds``), each text marked with
    ``N_`` and translated where it is used. ``bodies`` take turns
    (``{sat}``/``{Sat}``: the sitting time in words); ``repeat_bodies``, when
    given, replace them for a repeat in the same sitting bout.
    ``next_reminder`` is the details notification's sentence about the next
    one (``{time}``: how long until it); ``followed`` defines "followed" for
    this kind in the report."""

    title: str
    bodies: tuple[str, ...]
    next_reminder: str
    followed: str
    repeat_bodies: tuple[str, ...] = ()


NUDGE_TEXTS: dict[NudgeKind, NudgeTexts] = {
    NudgeKind.BREAK: NudgeTexts(
        N_("Time to stand up"),
        (
            N_("You have been sitting for {sat}. Stand up and walk for two minutes."),
            N_("You have been sitting for {sat}. A two-minute walk now helps your back and "
               "your focus."),
            N_("{Sat} in your chair. Stand up, stretch your arms overhead, and walk to the "
               "window."),
            N_("You have been sitting for {sat}. Fetch a glass of water or take the stairs for "
               "two minutes."),
        ),
        next_reminder=N_("Next reminder (stand up) in about {time}."),
        followed=N_("break nudge: a break within 30 min"),
        repeat_bodies=(
            N_("Still sitting: {sat} now. Whenever you can, stand up and move for two minutes."),
            N_("{Sat} and counting. A short walk is still the best thing for your back."),
        ),
    ),
    NudgeKind.WATER: NudgeTexts(
        N_("Drink some water"),
        (
            N_("Time for a glass of water."),
            N_("Have a few sips of water: a steady drink through the day beats a lot at once."),
            N_("A glass of water now keeps you sharp through the afternoon."),
        ),
        next_reminder=N_("Next reminder (drink water) in about {time}."),
        followed=N_("water: water logged within 15 min"),
    ),
    NudgeKind.POSTURE: NudgeTexts(
        N_("Sit up straight"),
        (
            N_("You have been leaning in for a while. Sit back, let your shoulders drop, and "
               "lift your head."),
            N_("Roll your shoulders back and down, and bring the screen to you, not you to the "
               "screen."),
            N_("Sit tall: feet flat, back against the chair, chin level. Then take a slow "
               "breath."),
        ),
        next_reminder=N_("Next reminder (sit up) in about {time}."),
        followed=N_("posture: marked done, or mostly upright in the 5 minutes after"),
    ),
}


def _check_texts() -> None:
    """Every kind of ``nudge_kinds.KINDS`` has its texts, and only those (at import)."""
    missing = [k.value for k in KINDS if k not in NUDGE_TEXTS]
    extra = [k.value for k in NUDGE_TEXTS if k not in KINDS]
    if missing or extra:
        raise ValueError(f"messages.NUDGE_TEXTS: missing {missing}, unknown {extra}")
    for kind, texts in NUDGE_TEXTS.items():
        if not (texts.bodies and texts.title and texts.followed
                and "{time}" in texts.next_reminder):
            raise ValueError(f"messages.NUDGE_TEXTS[{kind.value!r}] lacks a text")


_check_texts()


def nudge_message(kind: NudgeKind, sitting_s: float, repeat: int, variant: int,
                  stretch_turn: int | None = None) -> Message:
    """The notification for one nudge. ``variant`` picks the wording (any int).

    A kind that offers stretches (``KindSpec.stretch``: break) ends with a
    line suggesting one (:func:`posturewatch.stretches.stretch_for`),
    ``stretch_turn`` (default: ``variant``) choosing which, so stretches take
    turns."""
    texts = NUDGE_TEXTS[kind]
    sat = format_minutes(sitting_s)
    bodies = texts.repeat_bodies if repeat and texts.repeat_bodies else texts.bodies
    body = _(bodies[variant % len(bodies)]).format(sat=sat, Sat=sat[:1].upper() + sat[1:])
    if KINDS[kind].stretch:
        turn = variant if stretch_turn is None else stretch_turn
        body += " " + stretch_line(stretch_for(turn))
    return Message(_(texts.title), body)


def next_reminder(state: State, now: datetime) -> str:
    """" Next reminder (stand up) in about 5 minutes." for the details
    notification (the kind's own sentence), or "" when none is coming."""
    if state.next_nudge_kind is None or state.next_nudge_at is None:
        return ""
    wait = format_minutes(max(0.0, (state.next_nudge_at - now).total_seconds()))
    return " " + _(NUDGE_TEXTS[state.next_nudge_kind].next_reminder).format(time=wait)


# -- notification buttons (where the platform shows them) ---------------------
SNOOZE_LABEL = N_("Snooze 10 min")
DONE_LABEL = N_("Done")
SNOOZE_MINUTES = 10.0
CALIBRATE_LABEL = N_("Calibrate now")

# -- things PostureWatch tells the user that are not nudges --------------------
# Marked here, translated where they are shown: ``translated(CALIBRATED)``.
CALIBRATION_OFFER = Message(
    N_("Calibrate PostureWatch"),
    N_("Sit upright and comfortable, then choose \u201cCalibrate posture\u201d in the tray menu."
    " PostureWatch then measures against your own posture, not an average one."),
)
CALIBRATION_COUNTDOWN_S = 3
CALIBRATION_GET_READY = Message(
    N_("Calibration starts in 3 seconds"),
    N_("Sit upright and comfortable, look at your screen, and then hold still for about"
    " 5 seconds."),
)
CALIBRATING = Message(
    N_("Calibrating posture"),
    N_("Hold still, sitting upright and comfortable, for about 5 seconds."),
)
CALIBRATED = Message(
    N_("Posture calibrated"), N_("Done. PostureWatch now measures against this posture."))
CALIBRATION_FAILED_TITLE = N_("Calibration did not work")


def translated(message: Message) -> Message:
    """A message marked with ``N_`` at import time, in the current language."""
    return Message(_(message.title), _(message.body))
NO_CAMERA = Message(
    N_("PostureWatch cannot see the camera"),
    N_("Check that a webcam is connected and that no other app is using it."
    " PostureWatch keeps trying in the background."),
)


INPUT_TRACKING_NOTE = N_(
    "Meanwhile PostureWatch counts your sitting time from keyboard and mouse activity, "
    "so break reminders still come; posture needs the camera.")
NO_INPUT_NOTE = N_("Until then PostureWatch cannot tell whether you are at the desk.")


def camera_problem_message(camera: CameraState, hint: str = "",
                           input_tracking: bool = False) -> Message:
    """The one notification about a camera that gives no picture: what is
    wrong, what to try (``hint``: the frame source's own advice, if any) and
    whether sitting is still tracked from keyboard and mouse."""
    note = _(INPUT_TRACKING_NOTE) if input_tracking else _(NO_INPUT_NOTE)
    if camera is CameraState.COVERED:
        return Message(
            _("The camera seems covered"),
            _("Its picture is black. Open the lens cover or privacy shutter, move what is in "
              "front of it, or turn on a light.") + " " + note)
    if camera is CameraState.NO_PICTURE:
        return Message(
            _("The camera sends no picture"),
            _("It sends a blank or frozen image. Unplug it and plug it in again, close other "
              "camera apps, or choose another camera (camera_index in the settings).")
            + " " + note)
    if camera is CameraState.BUSY:
        return Message(
            _("PostureWatch cannot use the camera"),
            (hint or _("Another app holds the camera, or access to it is blocked in the "
                       "system's privacy settings.")) + " " + _("PostureWatch keeps trying.")
            + " " + note)
    return Message(
        _(NO_CAMERA.title),
        (hint or _(NO_CAMERA.body)) + " " + _("PostureWatch keeps trying in the background.")
        + " " + note)


CAMERA_WORDS = {
    CameraState.MISSING: N_("camera not found"),
    CameraState.BUSY: N_("camera busy"),
    CameraState.COVERED: N_("camera covered"),
    CameraState.NO_PICTURE: N_("no picture from the camera"),
}


def _clock(moment: datetime, now: datetime, tz: tzinfo) -> str:
    """'14:30', or 'tomorrow 08:00', or 'Tue 08:00' (local time)."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    hhmm = local.strftime("%H:%M")
    if local.date() == today:
        return hhmm
    if (local.date() - today).days == 1:
        return _("tomorrow {time}").format(time=hhmm)
    return f"{weekday_name(local, short=True)} {hhmm}"


def status_line(state: State | None, tz: tzinfo, calibrated: bool = True) -> str:
    """One short line for the tray menu and tooltip: what the monitor sees now.

    ``state.at`` is the time base (UTC); times are shown in ``tz``. Pure.
    """
    if state is None:
        return _("Starting\u2026")
    sat = format_minutes(state.sitting_s)
    if state.paused_until is not None:
        if state.paused_until.year >= 9999:  # session.PAUSED_INDEFINITELY
            return _("Paused until you resume")
        return _("Paused until {time}").format(time=_clock(state.paused_until, state.at, tz))
    if state.camera is CameraState.OFF:
        if state.screen_locked:
            return _("Screen locked: camera off")
        if not state.in_working_hours:
            return _("Outside working hours: camera off")
        return _("Camera off")
    words = CAMERA_WORDS.get(state.camera)
    problem = _(words) if words else None
    if problem is not None and state.presence_source is PresenceSource.INPUT:
        if state.presence is Presence.AWAY:
            return _("Away: no keyboard or mouse input ({problem})").format(problem=problem)
        due = (_("Break due: sitting for {time}, from keyboard and mouse ({problem})")
               if state.break_due else
               _("Sitting for {time}, from keyboard and mouse ({problem})"))
        return due.format(time=sat, problem=problem)
    if state.camera is CameraState.MISSING:
        return _("Camera not found")
    if state.camera is CameraState.BUSY:
        return _("Camera busy (in use by another app?)")
    if state.camera is CameraState.COVERED:
        return _("Camera covered: its picture is black")
    if state.camera is CameraState.NO_PICTURE:
        return _("No picture from the camera (blank or frozen)")
    if state.camera is CameraState.ENDED:
        return _("Video ended")
    if state.presence is Presence.PRESENT and state.presence_source is PresenceSource.INPUT:
        due = (_("Break due: sitting for {time}, from keyboard and mouse (not in view)")
               if state.break_due else
               _("Sitting for {time}, from keyboard and mouse (not in view)"))
        return due.format(time=sat)
    if state.presence is Presence.AWAY:
        return _("Away from the desk")
    if state.break_due:
        return _("Break due: sitting for {time}").format(time=sat)
    if not calibrated and state.verdict is not Verdict.UNKNOWN:
        text = (_("Slouching (not calibrated), sitting for {time}")
                if state.verdict is Verdict.SLOUCHED else
                _("Upright (not calibrated), sitting for {time}"))
    elif state.verdict is Verdict.SLOUCHED:
        text = _("Slouching, sitting for {time}")
    elif state.verdict is Verdict.UPRIGHT:
        text = _("Upright, sitting for {time}")
    else:
        text = _("Monitoring, sitting for {time}")
    return text.format(time=sat)


def tooltip(state: State | None, tz: tzinfo, calibrated: bool = True) -> str:
    """The tray icon's tooltip: the app name and the status line in words."""
    text = f"PostureWatch: {status_line(state, tz, calibrated)}"
    if state is None or state.paused_until is not None:
        return text
    if not state.in_working_hours and state.camera is not CameraState.OFF:
        text += " " + _("(outside working hours: no reminders)")
    elif state.quiet is not None:
        text += " " + _("({reason}: reminders wait)").format(reason=quiet_words(state.quiet))
    return text


def quiet_words(reason: str) -> str:
    """Why reminders wait (``State.quiet``), in the user's language."""
    words = {"do not disturb": _("do not disturb"),
             "full-screen window": _("full-screen window")}
    return words.get(reason, reason)

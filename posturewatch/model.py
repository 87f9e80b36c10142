"""Frozen data shared by every module: landmarks, samples, state and actions.

Pure: imports only the standard library. Every timestamp is a timezone-aware
``datetime`` in UTC; durations are float seconds unless a name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Verdict(StrEnum):
    """What one sample says about posture."""

    UPRIGHT = "upright"
    SLOUCHED = "slouched"
    UNKNOWN = "unknown"  # nobody there, or landmarks not visible enough


class CameraState(StrEnum):
    """Whether the last attempt to take a frame worked."""

    OK = "ok"
    MISSING = "missing"  # no such device, unplugged, cannot be opened
    BUSY = "busy"  # opened but gives no frames: another app holds it
    ENDED = "ended"  # a video file or image folder has no more frames
    COVERED = "covered"  # frames come but are black: a lens cover, a hand, a dark room
    NO_PICTURE = "no_picture"  # frames come but show nothing: one flat colour, or frozen
    OFF = "off"  # not opened on purpose: paused, outside working hours, screen locked

    @property
    def gives_no_picture(self) -> bool:
        """The camera was asked for a frame and gave nothing usable (not OFF or ENDED)."""
        return self in (CameraState.MISSING, CameraState.BUSY, CameraState.COVERED,
                        CameraState.NO_PICTURE)


class PresenceSource(StrEnum):
    """What decided presence for a stretch of time."""

    CAMERA = "camera"  # a person seen, or an empty seat seen
    INPUT = "input"  # keyboard and mouse activity (or its absence, with no usable camera)
    LOCK = "lock"  # the screen was locked: away
    NONE = "none"  # nothing could tell (paused, no picture and no input signal, a gap)


class Presence(StrEnum):
    """How the tracker classifies the time between two ticks."""

    PRESENT = "present"
    AWAY = "away"
    UNKNOWN = "unknown"  # no frame (camera busy/missing), suspend gap, paused


@dataclass(frozen=True)
class Point:
    """One landmark in pixels (x right, y down) with MediaPipe's visibility 0..1."""

    x: float
    y: float
    visibility: float


@dataclass(frozen=True)
class Landmarks:
    """The upper-body landmarks PostureWatch uses, in pixel coordinates."""

    nose: Point
    left_eye: Point
    right_eye: Point
    left_ear: Point
    right_ear: Point
    left_shoulder: Point
    right_shoulder: Point
    image_width: int
    image_height: int


@dataclass(frozen=True)
class Metrics:
    """Posture proxies, normalised by shoulder width (see DESIGN section 3).

    neck_height: (shoulder-mid y - ear-mid y) / shoulder width; falls when the
        head drops or juts forward.
    nose_height: (shoulder-mid y - nose y) / shoulder width.
    head_size: ear distance / shoulder width; grows when leaning in.
    shoulder_tilt_deg, head_tilt_deg: sideways lean, degrees.
    shoulder_width_frac: shoulder width / image width (distance to camera).
    """

    neck_height: float
    nose_height: float
    head_size: float
    shoulder_tilt_deg: float
    head_tilt_deg: float
    shoulder_width_frac: float


@dataclass(frozen=True)
class Baseline:
    """A calibrated upright posture: per-metric median and spread (MAD-based)."""

    median: Metrics
    spread: Metrics
    samples: int
    created_at: datetime


@dataclass(frozen=True)
class Sample:
    """One tick's reading, the input of ``Tracker.step``.

    ``present`` is True when a person was found. ``verdict`` is UNKNOWN when
    nobody is there or the landmarks are not visible enough; ``confidence`` is
    0..1 for the verdict. ``camera`` says whether a frame was taken at all
    (``OFF``: on purpose, it was not opened).

    The desktop's own signals come with it, read by the sampling loop at the
    same tick: ``input_idle_s`` is the seconds since the last keyboard or mouse
    input (None: no such signal here, or the user turned it off);
    ``screen_locked``, ``dnd`` (the OS do-not-disturb is on) and ``fullscreen``
    (a full-screen window is in front) are False when unknown.
    """

    present: bool
    verdict: Verdict
    confidence: float = 0.0
    metrics: Metrics | None = None
    camera: CameraState = CameraState.OK
    score: float = 0.0  # slouch score: 0 = upright, >= 1 = slouched
    input_idle_s: float | None = None
    screen_locked: bool = False
    dnd: bool = False
    fullscreen: bool = False


class NudgeKind(StrEnum):
    BREAK = "break"
    WATER = "water"
    POSTURE = "posture"


class EventKind(StrEnum):
    """Everything besides minute summaries that the store keeps."""

    SITTING_STARTED = "sitting_started"
    BREAK_TAKEN = "break_taken"
    NUDGE_SHOWN = "nudge_shown"
    NUDGE_ACTED = "nudge_acted"  # detail["action"]: "done" | "snooze" | "followed"
    WATER_LOGGED = "water_logged"
    CALIBRATION = "calibration"  # detail["ok"], detail["reason"]
    PAUSE = "pause"  # detail["until"] ISO8601 UTC
    RESUME = "resume"
    CAMERA = "camera"  # detail["state"]: CameraState value


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at: datetime
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MinuteSummary:
    """Seconds of one UTC minute by class; present_s = seated_s here (at a desk
    a person in frame is sitting), kept apart so a future standing-desk mode
    can split them. present_s + away_s + unknown_s == seconds accounted.

    ``camera_s``, ``input_s`` and ``locked_s`` say which source decided
    presence (present or away) for how many of those seconds: the camera,
    keyboard and mouse input, or a locked screen. Their sum is at most
    present_s + away_s; the rest of the minute nothing could tell."""

    minute: datetime  # start of the minute, UTC, seconds = 0
    present_s: float
    seated_s: float
    slouched_s: float
    away_s: float
    unknown_s: float
    samples: int
    neck_height: float | None = None  # means over the minute's present samples
    nose_height: float | None = None
    head_size: float | None = None
    score: float | None = None
    camera_s: float = 0.0
    input_s: float = 0.0
    locked_s: float = 0.0

    @property
    def presence_source(self) -> PresenceSource:
        """The source that decided most of this minute (NONE when none did)."""
        best = max((self.camera_s, PresenceSource.CAMERA), (self.input_s, PresenceSource.INPUT),
                   (self.locked_s, PresenceSource.LOCK), key=lambda pair: pair[0])
        return best[1] if best[0] > 0 else PresenceSource.NONE


@dataclass(frozen=True)
class State:
    """What the monitor knows now; the tray and ``status`` show it."""

    at: datetime
    presence: Presence
    verdict: Verdict
    sitting_s: float  # continuous sitting time so far, 0 when away
    slouched_s: float  # how long the current slouch has lasted
    camera: CameraState
    paused_until: datetime | None
    break_due: bool
    next_nudge_kind: NudgeKind | None
    next_nudge_at: datetime | None
    in_working_hours: bool = True
    presence_source: PresenceSource = PresenceSource.NONE
    input_idle_s: float | None = None  # at the last tick; None: no input signal
    screen_locked: bool = False
    quiet: str | None = None  # why nudges wait now: "do not disturb", "full-screen window"


@dataclass(frozen=True)
class Nudge:
    """Show a notification. ``repeat`` counts earlier unanswered nudges of the
    same kind in this sitting bout (0 for the first)."""

    kind: NudgeKind
    at: datetime
    sitting_s: float
    repeat: int = 0


@dataclass(frozen=True)
class Record:
    """Store this item."""

    item: Event | MinuteSummary


@dataclass(frozen=True)
class StateChanged:
    state: State


Action = Nudge | Record | StateChanged

"""The sitting / break / posture / hydration state machine (DESIGN sections 2 and 4).

Pure, in the style of h11: no I/O, no clock, no threads. The sampling loop
(``app.py``) owns the clock and the adapters; it hands each tick to
:meth:`Tracker.step` as ``(now, sample)`` and each tray or CLI command to the
matching method, and routes the returned actions: ``Nudge`` to the notifier,
``Record`` to the store, ``StateChanged`` to the tray. Every method is called
from that one sampling thread; a ``Tracker`` is not thread-safe.

Time base: every ``now`` is a timezone-aware UTC ``datetime``. Internally all
durations are ``timedelta`` (exact integer microseconds), so the accounting
invariant ``seated + away + unknown == last tick - first tick`` holds exactly,
not just to float precision. Durations leave the tracker as float seconds.

How one tick works
==================

1. A pause whose end has come resumes itself (``RESUME`` event, ``at`` = the
   pause end, ``detail["auto"] = True``).
2. A change of camera state is recorded (``CAMERA`` event).
3. Accounting. The interval ``(previous tick, now]`` is attributed to one
   class, given by the *new* sample:

   ========================  ========  ===========================
   segment class             Presence  counts toward
   ========================  ========  ===========================
   SEATED (see below)        PRESENT   sitting, water, slouch run
   AWAY (see below)          AWAY      absence run (break)
   NO_FRAME (nothing tells)  UNKNOWN   nothing (holds everything)
   LOCKED (screen locked)    AWAY      absence run (break)
   OFF (camera not opened)   UNKNOWN   absence run (break)
   GAP (tick came late)      UNKNOWN   absence run (break)
   PAUSED                    UNKNOWN   absence run (break)
   ========================  ========  ===========================

   Who decides between SEATED, AWAY and NO_FRAME (:func:`classify`): the
   camera when it sees the person; else keyboard and mouse input within
   ``INPUT_ACTIVE_S`` (typing says "at the desk" while the camera is busy in a
   video call, missing, covered, or points past an empty chair); else the
   camera when it works (an empty seat); else, with no usable camera at all,
   input idle for ``INPUT_ACTIVE_S`` means away. A busy camera with idle input
   holds (NO_FRAME): someone listening in a call sits still. With no input
   signal and no picture, nothing can tell (NO_FRAME). A locked screen is
   away, whatever else; OFF is a tick where the loop did not open the camera
   on purpose (outside working hours) and tracks nothing.

   A gap longer than ``GAP_FACTOR * sample_interval_s`` (suspend, sleep, a
   hung camera) is wholly GAP whatever the new sample says: we cannot know
   the person sat, and a laptop closed over lunch is what a user calls a
   break. The part of an interval that lies inside a pause is PAUSED. The
   first tick attributes nothing; so does a tick earlier than the last one
   (the wall clock stepped back), until the clock passes the last tick.
4. Complete minutes are emitted as ``Record(MinuteSummary)``.
5. At most one nudge is chosen (see "Nudges").
6. ``StateChanged`` if anything the user can see changed.

Sitting bouts and breaks
========================

A bout starts with the first SEATED segment after a break (or ever):
``SITTING_STARTED`` is recorded with ``at`` = the start of that segment.
Sitting time is the sum of SEATED time in the bout; absences do not count as
sitting, and short ones do not end the bout either: sitting resumes where it
was. The *absence run* is the consecutive AWAY + GAP + PAUSED time since the
person was last seen; NO_FRAME time (camera busy in a video call, unplugged)
neither adds to it nor resets it, because during a video call the person is
most likely still sitting. When the absence run reaches ``break_min_s`` while a
bout is open, the bout ends: ``BREAK_TAKEN`` is recorded at the exact moment
the run crossed the threshold (which may lie before ``now``, e.g. inside a
suspend gap), with ``detail = {sat_s, away_s, source: "detected"}``, plus
``followed_nudge: True`` when the person left within ``FOLLOW_WINDOW`` of a
break nudge. So a pause of at least ``break_min_s`` is a break too: we assume
someone who pauses the monitor for that long has most likely left the desk.

Minute summaries
================

Time is accumulated per UTC minute (an interval crossing a minute boundary is
split) and a minute is emitted at the first tick at or after its end.
``slouched_s`` is the SEATED time whose sample said SLOUCHED; ``camera_s``,
``input_s`` and ``locked_s`` the time whose presence the camera, keyboard and
mouse input, or a locked screen decided; ``samples`` counts the ticks that
tried the camera in the minute (not those where it stayed off), and the metric means are over its
present samples that carry metrics. A minute with no sample and only unknown
time (wholly inside a suspend gap) is not written: a night in suspend would
otherwise write a thousand empty rows. :meth:`Tracker.totals` stays exact.

Nudges
======

Nudges are held (not lost) while paused, outside working hours, while the
camera is busy (a video call), while nobody is present (SEATED is present,
whether the camera or the keyboard said so), and in quiet times: the OS
do-not-disturb is on or a full-screen window is in front (``Sample.dnd``,
``Sample.fullscreen``; each switched by ``quiet_when_dnd`` /
``quiet_when_fullscreen``). A due nudge fires at the first tick where none of
that holds and the cooldown has passed. No two nudges of any
kind are closer than ``nudge_cooldown_min``; one tick emits at most one nudge,
chosen by priority break > posture > water; the others wait for the cooldown.

- Break: when sitting time reaches ``sit_limit_min``; if the person keeps
  sitting, again after ``break_repeat_min`` of further sitting time, then
  after twice that, four times that ... (``Nudge.repeat`` counts up) until a
  break ends the bout. "Done" starts the spacing over.
- Posture: when the slouch run reaches ``slouch_hold_s`` and the current
  sample is still SLOUCHED. The slouch run is SEATED time with a SLOUCHED
  verdict; UPRIGHT resets it; anything else (UNKNOWN verdict, away, gap,
  no frame, paused) pauses it, and resets it once that lasted more than
  ``slouch_hold_s``. A posture nudge restarts the run, and the next one in
  the same bout needs a run twice as long (60 s, 120 s, 240 s ...).
- Water: when SEATED time since the last water nudge or water logged reaches
  ``hydration_interval_min``.

Repeats wear a reminder thin, so each kind shows at most
``nudges_per_bout_max`` nudges in a row in one sitting bout. A new bout (after
a break) starts the count again, and so does an answer: "Done" on a nudge of
that kind, or water logged. A snooze asks for the reminder again: it comes
back when the snooze ends even at the cap (and counts toward it).

The tracker never records ``NUDGE_SHOWN``: ``app.py`` records it after the
notifier has shown the nudge (it knows whether delivery worked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import Enum

from posturewatch.bounded_read import finite_number
from posturewatch.config import WEEKDAYS, Settings, parse_work_hours
from posturewatch.model import (
    Action,
    CameraState,
    Event,
    EventKind,
    MinuteSummary,
    Nudge,
    NudgeKind,
    Presence,
    PresenceSource,
    Record,
    Sample,
    State,
    StateChanged,
    Verdict,
)
from posturewatch.nudge_kinds import BY_PRIORITY, INTERVAL_KINDS, KINDS, Due

PAUSED_INDEFINITELY = datetime(9999, 12, 31, tzinfo=UTC)
"""``State.paused_until`` of a pause without an end. Far enough to mean never,
near enough that ``astimezone`` to any zone does not overflow."""

GAP_FACTOR = 3
"""A tick later than this many sample intervals after the previous one ends a
gap: the whole interval is unknown, never sitting."""

FOLLOW_WINDOW = timedelta(minutes=15)
"""A break whose absence began within this time after a break nudge followed it."""


INPUT_ACTIVE_S = 60.0
"""Keyboard or mouse input this recent says the person is at the desk. A
minute covers reading a page or listening without touching anything; with no
usable camera, input idle this long is away (so a break from input alone is
detected after ``INPUT_ACTIVE_S + break_min_s``: 3 minutes by default)."""

QUIET_DND = "do not disturb"
QUIET_FULLSCREEN = "full-screen window"

_MINUTE = timedelta(minutes=1)
_ZERO = timedelta(0)


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


def _require_utc(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() != _ZERO:
        raise ValueError(f"expected a timezone-aware UTC datetime, got {now!r}")


class _Segment(Enum):
    """The class of a piece of time between two ticks (finer than Presence)."""

    SEATED = "seated"
    AWAY = "away"
    NO_FRAME = "no_frame"
    LOCKED = "locked"
    OFF = "off"
    GAP = "gap"
    PAUSED = "paused"

    @property
    def presence(self) -> Presence:
        if self is _Segment.SEATED:
            return Presence.PRESENT
        if self in (_Segment.AWAY, _Segment.LOCKED):
            return Presence.AWAY
        return Presence.UNKNOWN


# Time in these classes adds to the absence run that makes a break.
_ABSENT = frozenset({_Segment.AWAY, _Segment.LOCKED, _Segment.OFF, _Segment.GAP,
                     _Segment.PAUSED})


def classify(sample: Sample) -> tuple[_Segment, PresenceSource]:
    """The class of the time up to ``sample``'s tick and what decided it
    (pause and gaps aside); see "How one tick works" in the module doc."""
    if sample.screen_locked:
        return _Segment.LOCKED, PresenceSource.LOCK
    if sample.camera is CameraState.OFF:
        return _Segment.OFF, PresenceSource.NONE
    idle = sample.input_idle_s
    typing = idle is not None and idle < INPUT_ACTIVE_S
    if sample.camera is CameraState.OK:
        if sample.present:
            return _Segment.SEATED, PresenceSource.CAMERA
        if typing:
            return _Segment.SEATED, PresenceSource.INPUT
        return _Segment.AWAY, PresenceSource.CAMERA
    if typing:
        return _Segment.SEATED, PresenceSource.INPUT
    if sample.camera is CameraState.BUSY or idle is None:
        return _Segment.NO_FRAME, PresenceSource.NONE
    return _Segment.AWAY, PresenceSource.INPUT


@dataclass(frozen=True)
class Totals:
    """All time accounted since the first tick, by class; exact.

    ``seated + away + unknown == latest tick - first tick``."""

    seated: timedelta
    away: timedelta
    unknown: timedelta

    @property
    def total(self) -> timedelta:
        return self.seated + self.away + self.unknown


class WorkingHours:
    """``work_hours`` ("HH:MM-HH:MM", local) on ``work_days`` ("mon".."sun").

    The span is read by ``config.parse_work_hours``, the one rule for it:
    ``00:00-24:00`` is the whole day, and a span must start before it ends (no
    spans across midnight; a ValueError says so).
    """

    def __init__(self, work_hours: str, work_days: tuple[str, ...]) -> None:
        start_min, end_min = parse_work_hours(work_hours)
        self.start, self.end = timedelta(minutes=start_min), timedelta(minutes=end_min)
        days = {d.strip().lower()[:3] for d in work_days}
        unknown = days - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown work_days {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
        self.days = frozenset(WEEKDAYS.index(d) for d in days)

    @property
    def always(self) -> bool:
        return len(self.days) == 7 and self.start == _ZERO and self.end == timedelta(hours=24)

    def contains(self, now: datetime, tz: tzinfo) -> bool:
        """Whether the UTC instant ``now`` is inside working hours in ``tz``."""
        if self.always:
            return True
        local = now.astimezone(tz)
        clock = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second,
                          microseconds=local.microsecond)
        return local.weekday() in self.days and self.start <= clock < self.end

    def next_start(self, now: datetime, tz: tzinfo) -> datetime | None:
        """The next UTC instant at or after ``now`` inside working hours, or None."""
        if self.contains(now, tz):
            return now
        if not self.days:
            return None
        local_day = now.astimezone(tz).date()
        for offset in range(9):
            day: date = local_day + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            start_local = datetime.combine(day, time(0), tzinfo=tz) + self.start
            # Normalise through UTC so DST transitions give a real instant.
            start = start_local.astimezone(UTC)
            if start >= now:
                return start
        return None


@dataclass
class _Span:
    """A pause: from ``start`` to ``end`` (None while it lasts)."""

    start: datetime
    end: datetime | None = None


class _MinuteAccumulator:
    """One UTC minute's running totals; becomes a MinuteSummary."""

    __slots__ = ("minute", "seated", "slouched", "away", "unknown", "samples",
                 "metric_sums", "metric_count", "by_source")

    def __init__(self, minute: datetime) -> None:
        self.minute = minute
        self.seated = _ZERO
        self.slouched = _ZERO
        self.away = _ZERO
        self.unknown = _ZERO
        self.samples = 0
        self.metric_sums = [0.0, 0.0, 0.0, 0.0]  # neck, nose, head size, score
        self.metric_count = 0
        self.by_source = {s: _ZERO for s in PresenceSource}

    @property
    def worth_writing(self) -> bool:
        # A minute wholly inside a gap (no sample, only unknown time) says
        # nothing; a night in suspend would otherwise write ~1000 empty rows.
        return self.samples > 0 or self.seated > _ZERO or self.away > _ZERO

    def summary(self) -> MinuteSummary:
        n = self.metric_count
        means = [s / n for s in self.metric_sums] if n else [None] * 4
        seated = _seconds(self.seated)
        return MinuteSummary(
            minute=self.minute,
            present_s=seated,
            seated_s=seated,
            slouched_s=_seconds(self.slouched),
            away_s=_seconds(self.away),
            unknown_s=_seconds(self.unknown),
            samples=self.samples,
            neck_height=means[0],
            nose_height=means[1],
            head_size=means[2],
            score=means[3],
            camera_s=_seconds(self.by_source[PresenceSource.CAMERA]),
            input_s=_seconds(self.by_source[PresenceSource.INPUT]),
            locked_s=_seconds(self.by_source[PresenceSource.LOCK]),
        )


def _minute_of(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


class Tracker:
    """Sitting time, breaks, posture and water: decides nudges and records.

    ``settings`` supplies every threshold; ``tz`` is the user's local zone, used
    only for working hours. All methods take ``now`` (aware UTC) and return a
    list of actions for the caller to carry out, in order.
    """

    def __init__(self, settings: Settings, tz: tzinfo = UTC) -> None:
        self._tz = tz
        self._settings = settings
        self._hours = WorkingHours(settings.work_hours, settings.work_days)
        if settings.sample_interval_s <= 0:
            raise ValueError("sample_interval_s must be positive")

        # Clock and accounting.
        self._last: datetime | None = None
        self._totals: dict[Presence, timedelta] = {p: _ZERO for p in Presence}
        self._minutes: dict[datetime, _MinuteAccumulator] = {}

        # The last reading, what it said about presence, and the camera state
        # last recorded.
        self._sample: Sample | None = None
        self._segment = _Segment.NO_FRAME
        self._source = PresenceSource.NONE
        self._camera = CameraState.OK

        # The sitting bout and the absence run that may end it.
        self._bout_start: datetime | None = None
        self._sitting = _ZERO
        self._absence = _ZERO
        self._absence_start: datetime | None = None
        self._absence_counted = False  # this absence run already made (or was) a break

        # Posture: the slouch run and how long it has been interrupted.
        self._slouch = _ZERO
        self._slouch_pause = _ZERO

        # Nudges, per kind (nudge_kinds.KINDS): how many since the kind's
        # count started over (the back-off; Nudge.repeat), the sitting time
        # of the last one (Due.SITTING), and the SEATED time since the last
        # nudge or answer (Due.INTERVAL).
        self._repeat: dict[NudgeKind, int] = {}
        self._nudged_at_sitting: dict[NudgeKind, timedelta] = {}
        self._interval: dict[NudgeKind, timedelta] = {k: _ZERO for k in INTERVAL_KINDS}
        self._last_sitting_nudge_at: datetime | None = None  # for "followed_nudge"
        self._last_nudge: Nudge | None = None
        # How many of each kind this bout has shown; snoozed kinds.
        self._bout_nudges: dict[NudgeKind, int] = {}
        self._snoozed_until: dict[NudgeKind, datetime] = {}

        # Pause: until when (PAUSED_INDEFINITELY for no end), and the paused
        # spans not yet fully accounted, in time order.
        self._paused_until: datetime | None = None
        self._pause_spans: list[_Span] = []

        # What the user last saw, to emit StateChanged only on change.
        self._shown: tuple[object, ...] | None = None

    # -- settings ----------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def update_settings(self, settings: Settings) -> None:
        """Use new settings from the next call on; counters and bouts carry over."""
        hours = WorkingHours(settings.work_hours, settings.work_days)
        if settings.sample_interval_s <= 0:
            raise ValueError("sample_interval_s must be positive")
        self._settings, self._hours = settings, hours

    @property
    def _sit_limit(self) -> timedelta:
        return timedelta(minutes=self._settings.sit_limit_min)

    @property
    def _break_min(self) -> timedelta:
        return timedelta(seconds=self._settings.break_min_s)

    @property
    def _slouch_hold(self) -> timedelta:
        return timedelta(seconds=self._settings.slouch_hold_s)

    @property
    def _cooldown(self) -> timedelta:
        return timedelta(minutes=self._settings.nudge_cooldown_min)

    def _next_at_sitting(self, kind: NudgeKind) -> timedelta:
        """Sitting time at which the next nudge of a ``Due.SITTING`` kind is due."""
        nudged = self._nudged_at_sitting.get(kind)
        if nudged is None:
            return self._sit_limit
        # Back off: the n-th repeat waits 2**(n-1) times break_repeat_min.
        spacing = self._settings.break_repeat_min * 2 ** max(0, self._repeat.get(kind, 0) - 1)
        return nudged + timedelta(minutes=spacing)

    def _at_cap(self, kind: NudgeKind) -> bool:
        """This bout has shown as many unanswered nudges of ``kind`` as it may."""
        return self._bout_nudges.get(kind, 0) >= self._settings.nudges_per_bout_max

    # -- the tick ----------------------------------------------------------
    def step(self, now: datetime, sample: Sample) -> list[Action]:
        """Take one tick's sample at ``now`` (aware UTC); return the actions it causes.

        Called by the sampling loop once per ``sample_interval_s``, also while
        paused or while the camera gives no frame (with a sample saying so):
        ticks that stop coming look like a suspend gap, which ends the bout.
        """
        _require_utc(now)
        out: list[Action] = []
        if self._paused_until is not None and now >= self._paused_until:
            out += self._end_pause(self._paused_until, auto=True)
        if sample.camera != self._camera:
            out.append(Record(Event(EventKind.CAMERA, now, {
                "state": sample.camera.value, "previous": self._camera.value})))
            self._camera = sample.camera

        self._segment, self._source = classify(sample)
        if self._last is None:
            self._last = now  # the first tick attributes nothing
            self._count_sample(now, sample)
        elif now >= self._last:
            for start, end, segment, source in self._segments(self._last, now, sample):
                out += self._attribute(start, end, segment, source, sample)
            self._last = now
            self._count_sample(now, sample)
            out += self._complete_minutes(now)
        # else: the wall clock stepped back (a manual change). Time that was
        # accounted cannot happen twice, and its minutes are written already:
        # account nothing until the clock passes the last tick again.
        self._sample = sample
        self._pause_spans = [s for s in self._pause_spans if s.end is None or s.end > now]

        nudge = self._choose_nudge(now, sample)
        if nudge is not None:
            out.append(nudge)
        out += self._state_changed(now)
        return out

    def _segments(
        self, start: datetime, end: datetime, sample: Sample
    ) -> list[tuple[datetime, datetime, _Segment, PresenceSource]]:
        """Split ``(start, end]`` into classed pieces with what decided each,
        in time order."""
        none = PresenceSource.NONE
        if end == start:
            return []
        if end - start > timedelta(seconds=GAP_FACTOR * self._settings.sample_interval_s):
            return [(start, end, _Segment.GAP, none)]
        base, source = self._segment, self._source
        pieces: list[tuple[datetime, datetime, _Segment, PresenceSource]] = []
        cursor = start
        for span in self._pause_spans:
            lo = max(cursor, span.start)
            hi = end if span.end is None else min(end, span.end)
            if lo >= hi:
                continue
            if lo > cursor:
                pieces.append((cursor, lo, base, source))
            pieces.append((lo, hi, _Segment.PAUSED, none))
            cursor = hi
        if cursor < end:
            pieces.append((cursor, end, base, source))
        return pieces

    def _attribute(
        self, start: datetime, end: datetime, segment: _Segment, source: PresenceSource,
        sample: Sample,
    ) -> list[Action]:
        """Account ``(start, end]`` as ``segment`` (decided by ``source``) and
        advance the bout, slouch and water counters; returns SITTING_STARTED /
        BREAK_TAKEN records."""
        out: list[Action] = []
        length = end - start
        self._totals[segment.presence] += length
        slouched = (segment is _Segment.SEATED and source is PresenceSource.CAMERA
                    and sample.verdict == Verdict.SLOUCHED)
        self._add_to_minutes(start, end, segment.presence, slouched, source)

        if segment is _Segment.SEATED:
            if self._bout_start is None:
                self._bout_start = start
                self._sitting = _ZERO
                for kind in KINDS:
                    if KINDS[kind].due is Due.SLOUCH:
                        self._repeat.pop(kind, None)
                self._bout_nudges.clear()
                out.append(Record(Event(EventKind.SITTING_STARTED, start)))
            self._sitting += length
            for kind in self._interval:
                self._interval[kind] += length
            # Seen again: the absence run (short, or already a break) is over.
            self._absence = _ZERO
            self._absence_start = None
            self._absence_counted = False
            if slouched:
                self._slouch += length
                self._slouch_pause = _ZERO
            elif source is PresenceSource.CAMERA and sample.verdict == Verdict.UPRIGHT:
                self._slouch = self._slouch_pause = _ZERO
            else:
                self._interrupt_slouch(length)
            return out

        self._interrupt_slouch(length)
        if segment not in _ABSENT:
            return out  # NO_FRAME holds the absence run: neither adds nor resets
        if self._absence_start is None:
            self._absence_start = start
        self._absence += length
        if not self._absence_counted and self._absence >= self._break_min:
            self._absence_counted = True
            if self._bout_start is not None:
                crossed_at = end - (self._absence - self._break_min)
                out.append(self._take_break(crossed_at, "detected", self._break_min,
                                            left_at=self._absence_start))
        return out

    def _interrupt_slouch(self, length: timedelta) -> None:
        # Time that is neither SLOUCHED nor UPRIGHT pauses the slouch run; an
        # interruption longer than the hold time means the run is stale.
        if self._slouch == _ZERO:
            return
        self._slouch_pause += length
        if self._slouch_pause > self._slouch_hold:
            self._slouch = self._slouch_pause = _ZERO

    def _take_break(
        self, at: datetime, source: str, away: timedelta, left_at: datetime
    ) -> Record:
        """End the bout; the BREAK_TAKEN record says how long it was."""
        detail: dict[str, object] = {
            "sat_s": _seconds(self._sitting),
            "away_s": _seconds(away),
            "source": source,
        }
        nudged = self._last_sitting_nudge_at
        if nudged is not None and _ZERO <= left_at - nudged <= FOLLOW_WINDOW:
            detail["followed_nudge"] = True
        self._bout_start = None
        self._sitting = _ZERO
        self._last_sitting_nudge_at = None
        for kind in KINDS:
            if KINDS[kind].due is Due.SITTING:
                self._repeat.pop(kind, None)
                self._nudged_at_sitting.pop(kind, None)
                self._snoozed_until.pop(kind, None)
        return Record(Event(EventKind.BREAK_TAKEN, at, detail))

    # -- minute summaries --------------------------------------------------
    def _accumulator(self, minute: datetime) -> _MinuteAccumulator:
        acc = self._minutes.get(minute)
        if acc is None:
            acc = self._minutes[minute] = _MinuteAccumulator(minute)
        return acc

    def _add_to_minutes(
        self, start: datetime, end: datetime, presence: Presence, slouched: bool,
        source: PresenceSource = PresenceSource.NONE,
    ) -> None:
        # Split at UTC minute boundaries; the piece (a, b] belongs to the
        # minute that contains a.
        cursor = start
        while cursor < end:
            minute = _minute_of(cursor)
            piece_end = min(end, minute + _MINUTE)
            piece = piece_end - cursor
            if piece == _MINUTE and presence is Presence.UNKNOWN and minute not in self._minutes:
                cursor = piece_end  # a whole minute inside a gap: never written
                continue
            acc = self._accumulator(minute)
            acc.by_source[source] += piece
            if presence is Presence.PRESENT:
                acc.seated += piece
                if slouched:
                    acc.slouched += piece
            elif presence is Presence.AWAY:
                acc.away += piece
            else:
                acc.unknown += piece
            cursor = piece_end

    def _count_sample(self, now: datetime, sample: Sample) -> None:
        # A sample belongs to the minute it was taken in; metric means are
        # over the minute's present samples that have metrics.
        if sample.camera is CameraState.OFF:
            return  # no frame was taken: the camera was not opened
        acc = self._accumulator(_minute_of(now))
        acc.samples += 1
        m = sample.metrics
        usable = sample.present and sample.camera == CameraState.OK and not self._paused(now)
        if usable and m is not None:
            for i, value in enumerate((m.neck_height, m.nose_height, m.head_size, sample.score)):
                acc.metric_sums[i] += value
            acc.metric_count += 1

    def _complete_minutes(self, now: datetime) -> list[Action]:
        done = sorted(m for m in self._minutes if m + _MINUTE <= now)
        out: list[Action] = []
        for minute in done:
            acc = self._minutes.pop(minute)
            if acc.worth_writing:
                out.append(Record(acc.summary()))
        return out

    def flush(self, now: datetime) -> list[Action]:
        """Emit the pending, partial minute summaries (call when quitting).

        Time after the last tick is not accounted (there is no sample for it).
        A later tick in the same minute would start a new partial summary for
        that minute, so call this once, at the end."""
        _require_utc(now)
        out: list[Action] = []
        for minute in sorted(self._minutes):
            acc = self._minutes.pop(minute)
            if acc.worth_writing:
                out.append(Record(acc.summary()))
        return out

    # -- nudges ------------------------------------------------------------
    def _paused(self, now: datetime) -> bool:
        return self._paused_until is not None and now < self._paused_until

    def _enabled(self, kind: NudgeKind) -> bool:
        return bool(getattr(self._settings, KINDS[kind].enabled_setting))

    def _remaining(self, kind: NudgeKind) -> timedelta | None:
        """Counter time (sitting / slouch / presence) left until ``kind`` is due;
        zero or less when due, None when it cannot come due."""
        spec = KINDS[kind]
        if spec.due is Due.SITTING:
            if self._bout_start is None:
                return self._sit_limit
            return self._next_at_sitting(kind) - self._sitting
        if spec.due is Due.SLOUCH:
            if self._slouch == _ZERO:
                return None
            # Back off: each posture nudge in this bout doubles the run needed.
            return self._slouch_hold * 2 ** self._repeat.get(kind, 0) - self._slouch
        interval = float(getattr(self._settings, spec.interval_setting or ""))
        return timedelta(minutes=interval) - self._interval[kind]

    def camera_wanted(self, now: datetime) -> bool:
        """Whether the loop should open the camera at ``now``: not while paused,
        nor outside working hours (the screen lock is the loop's own check)."""
        _require_utc(now)
        return not self._paused(now) and self._hours.contains(now, self._tz)

    def _quiet(self, sample: Sample | None) -> str | None:
        """Why nudges wait for the desktop now (do-not-disturb, full screen), or None."""
        if sample is None:
            return None
        if sample.dnd and self._settings.quiet_when_dnd:
            return QUIET_DND
        if sample.fullscreen and self._settings.quiet_when_fullscreen:
            return QUIET_FULLSCREEN
        return None

    def _choose_nudge(self, now: datetime, sample: Sample) -> Nudge | None:
        # Held, not lost: a due nudge comes at the first tick where none of
        # this holds. A busy camera is a video call, whoever says "present".
        if (
            self._paused(now)
            or self._segment is not _Segment.SEATED
            or sample.camera is CameraState.BUSY
            or self._quiet(sample) is not None
            or not self._hours.contains(now, self._tz)
        ):
            return None
        last = self._last_nudge
        if last is not None and now - last.at < self._cooldown:
            return None
        for kind in BY_PRIORITY:
            if not self._enabled(kind):
                continue
            # A snoozed kind waits for the snooze to end and then comes again,
            # whatever its own schedule says ("remind me in 10 minutes").
            snoozed = self._snoozed_until.get(kind)
            if snoozed is not None and now < snoozed:
                continue
            if snoozed is None and self._at_cap(kind):
                continue
            due = KINDS[kind].due
            if due is Due.SITTING and self._bout_start is None:
                continue
            if due is Due.SLOUCH and sample.verdict != Verdict.SLOUCHED:
                continue  # a false alarm costs more trust than a missed one
            remaining = self._remaining(kind)
            if snoozed is not None or (remaining is not None and remaining <= _ZERO):
                return self._nudge(kind, now)
        return None

    def _nudge(self, kind: NudgeKind, now: datetime) -> Nudge:
        self._snoozed_until.pop(kind, None)
        self._bout_nudges[kind] = self._bout_nudges.get(kind, 0) + 1
        repeat = self._repeat.get(kind, 0)
        self._repeat[kind] = repeat + 1
        due = KINDS[kind].due
        if due is Due.SITTING:
            self._nudged_at_sitting[kind] = self._sitting
            self._last_sitting_nudge_at = now
        elif due is Due.SLOUCH:
            self._slouch = self._slouch_pause = _ZERO
        else:
            self._interval[kind] = _ZERO
        self._last_nudge = Nudge(kind, now, _seconds(self._sitting), repeat)
        return self._last_nudge

    # -- commands ----------------------------------------------------------
    def pause(self, now: datetime, until: datetime | None) -> list[Action]:
        """Hold all nudges until ``until`` (aware UTC), or until :meth:`resume`
        when ``until`` is None. Paused time counts as unknown (and toward a
        break). Pausing again while paused changes the end."""
        _require_utc(now)
        if until is not None:
            _require_utc(until)
            if until <= now:
                raise ValueError("a pause must end after it starts")
        out: list[Action] = []
        if not self._paused(now):
            if self._paused_until is not None:  # an expired pause not yet ticked over
                out += self._end_pause(self._paused_until, auto=True)
            self._pause_spans.append(_Span(now))
        self._paused_until = until if until is not None else PAUSED_INDEFINITELY
        detail = {"until": until.isoformat() if until is not None else None}
        out.append(Record(Event(EventKind.PAUSE, now, detail)))
        return out + self._state_changed(now)

    def resume(self, now: datetime) -> list[Action]:
        """End a pause now; nothing happens when not paused."""
        _require_utc(now)
        if self._paused_until is None:
            return []
        if not self._paused(now):  # it already ended by itself
            return self._end_pause(self._paused_until, auto=True) + self._state_changed(now)
        return self._end_pause(now, auto=False) + self._state_changed(now)

    def _end_pause(self, at: datetime, auto: bool) -> list[Action]:
        for span in self._pause_spans:
            if span.end is None:
                span.end = at
        self._paused_until = None
        return [Record(Event(EventKind.RESUME, at, {"auto": auto}))]

    def log_water(self, now: datetime) -> list[Action]:
        """The user drank: record it and restart the water countdown."""
        _require_utc(now)
        return [self._answer(EventKind.WATER_LOGGED, now, "user")]

    def _answer(self, event: EventKind, now: datetime, source: str) -> Record:
        """Record ``event`` (water logged), which answers the kinds whose
        ``KindSpec.answer`` it is: their counts start over."""
        for kind, spec in KINDS.items():
            if spec.answer is event:
                self._start_over(kind)
        return Record(Event(event, now, {"source": source}))

    def _start_over(self, kind: NudgeKind) -> None:
        """A nudge of ``kind`` was answered: its count, cap and snooze start over."""
        self._repeat.pop(kind, None)
        self._bout_nudges.pop(kind, None)
        self._snoozed_until.pop(kind, None)
        due = KINDS[kind].due
        if due is Due.SLOUCH:
            self._slouch = self._slouch_pause = _ZERO
        elif due is Due.INTERVAL:
            self._interval[kind] = _ZERO

    def log_break(self, now: datetime) -> list[Action]:
        """The user says they took a break: end the bout now (source "user").

        An absence in progress then no longer makes a second, detected break;
        and when the current absence already made one, this does nothing."""
        _require_utc(now)
        if self._bout_start is None and self._absence_counted:
            return []  # this absence was already recorded as a (detected) break
        left_at = self._absence_start or now
        record = self._take_break(now, "user", self._absence, left_at=left_at)
        self._absence_counted = True
        return [record, *self._state_changed(now)]

    def snooze(self, now: datetime, minutes: float = 10) -> list[Action]:
        """Show the most recent nudge's kind again in ``minutes``, not before.

        The kind's own schedule is suspended until then (cooldown, holds and
        working hours still apply; a break needs an open bout, a posture nudge
        a slouched sample). Nothing happens before any nudge was shown."""
        _require_utc(now)
        last = self._last_nudge
        if last is None:
            return []
        self._snoozed_until[last.kind] = now + timedelta(minutes=minutes)
        detail = {"action": "snooze", "kind": last.kind.value, "minutes": minutes}
        return [Record(Event(EventKind.NUDGE_ACTED, now, detail))]

    def done(self, now: datetime, kind: NudgeKind) -> list[Action]:
        """The user answered a nudge of ``kind`` with "done": its repeat count,
        cap and snooze start over.

        A kind with an answer event (water: ``WATER_LOGGED``, source "nudge")
        records it too: do not call :meth:`log_water` as well. Break: the
        break itself is still detected from the camera (or logged with
        :meth:`log_break`). Posture: the slouch run starts over too; an
        interval kind (water) its seated time."""
        _require_utc(now)
        out: list[Action] = [Record(Event(EventKind.NUDGE_ACTED, now,
                                          {"action": "done", "kind": kind.value}))]
        answer = KINDS[kind].answer
        if answer is not None:
            out.append(self._answer(answer, now, "nudge"))
        self._start_over(kind)
        return out

    # -- carrying a bout over a restart ------------------------------------
    def bout_snapshot(self) -> dict[str, object] | None:
        """The open sitting bout as plain data, to carry over a restart of the
        monitor (``app.py`` keeps it in the status file): ``last_tick`` (ISO
        UTC), ``sitting_s``, ``absence_s`` (away since last seen, as of the
        last tick), ``KIND_s`` for each interval kind (``water_s``: seated
        time since the last water nudge or water logged) and
        ``break_nudged_at_s`` (sitting time of the last break nudge, or None).
        None when no bout is open."""
        if self._bout_start is None or self._last is None:
            return None
        nudged = list(self._nudged_at_sitting.values())
        snapshot: dict[str, object] = {
            "last_tick": self._last.isoformat(),
            "sitting_s": _seconds(self._sitting),
            "absence_s": _seconds(self._absence),
        }
        for kind, seated in self._interval.items():
            snapshot[f"{kind.value}_s"] = _seconds(seated)
        snapshot["break_nudged_at_s"] = _seconds(max(nudged)) if nudged else None
        return snapshot

    def continue_bout(self, now: datetime, snapshot: Mapping[str, object]) -> bool:
        """Before the first :meth:`step`: carry on the bout of a monitor that
        stopped, from its :meth:`bout_snapshot` (read back from a file: every
        value is checked, and a snapshot that does not make sense is ignored).

        The time between ``last_tick`` and ``now`` counts as absence. When that
        absence is shorter than ``break_min_s`` (a quick restart, an update) the
        bout goes on: sitting time (at most a day), the absence run, the
        interval counters and the break-nudge pace carry over, and True is
        returned. Otherwise, or when ``now`` is before ``last_tick`` (the
        clock went back), nothing changes.
        """
        _require_utc(now)
        numbers = {k: finite_number(snapshot.get(k)) for k in ("sitting_s", "absence_s")}
        sitting_s, absence_s = numbers["sitting_s"], numbers["absence_s"]
        try:
            last_tick = datetime.fromisoformat(str(snapshot.get("last_tick"))).astimezone(UTC)
        except (ValueError, OverflowError):
            return False
        if sitting_s is None or absence_s is None:
            return False
        sitting_s = min(sitting_s, 86400.0)
        if self._last is not None or self._bout_start is not None:
            return False
        gap = now - last_tick
        away = timedelta(seconds=max(0.0, absence_s)) + gap
        if gap < _ZERO or away >= self._break_min or sitting_s <= 0:
            return False
        self._sitting = timedelta(seconds=sitting_s)
        self._bout_start = last_tick - self._sitting
        self._absence = away
        self._absence_start = last_tick - timedelta(seconds=max(0.0, absence_s))
        self._absence_counted = False
        for kind in self._interval:
            seated = finite_number(snapshot.get(f"{kind.value}_s"))
            self._interval[kind] = timedelta(seconds=max(0.0, seated or 0.0))
        nudged_s = finite_number(snapshot.get("break_nudged_at_s"))
        if nudged_s is not None and 0 <= nudged_s <= sitting_s:
            for kind, spec in KINDS.items():
                if spec.due is Due.SITTING:
                    self._nudged_at_sitting[kind] = timedelta(seconds=nudged_s)
        return True

    # -- what the user sees --------------------------------------------------
    def totals(self) -> Totals:
        """All time accounted so far, by class (exact)."""
        t = self._totals
        return Totals(t[Presence.PRESENT], t[Presence.AWAY], t[Presence.UNKNOWN])

    def state(self, now: datetime) -> State:
        """What the monitor knows at ``now`` (counters as of the last tick).

        ``sitting_s`` is the open bout's sitting time; it survives short
        absences and is 0 after a break. ``paused_until`` is
        ``PAUSED_INDEFINITELY`` for a pause without an end."""
        _require_utc(now)
        paused = self._paused(now)
        sample = self._sample
        if paused or sample is None:
            presence, source = Presence.UNKNOWN, PresenceSource.NONE
        else:
            presence, source = self._segment.presence, self._source
        verdict = sample.verdict if sample is not None and not paused else Verdict.UNKNOWN
        kind, at = self._next_nudge(now)
        return State(
            at=now,
            presence=presence,
            verdict=verdict,
            sitting_s=_seconds(self._sitting),
            slouched_s=_seconds(self._slouch),
            camera=self._camera,
            paused_until=self._paused_until if paused else None,
            break_due=self._bout_start is not None and self._sitting >= self._sit_limit,
            next_nudge_kind=kind,
            next_nudge_at=at,
            in_working_hours=self._hours.contains(now, self._tz),
            presence_source=source,
            input_idle_s=sample.input_idle_s if sample is not None else None,
            screen_locked=sample is not None and sample.screen_locked,
            quiet=self._quiet(sample),
        )

    def _next_nudge(self, now: datetime) -> tuple[NudgeKind | None, datetime | None]:
        """The next nudge if the person keeps sitting (and slouching, if they are)."""
        if self._paused_until == PAUSED_INDEFINITELY and self._paused(now):
            return None, None
        floor = now
        if self._last_nudge is not None:
            floor = max(floor, self._last_nudge.at + self._cooldown)
        if self._paused(now) and self._paused_until is not None:
            floor = max(floor, self._paused_until)
        best: tuple[datetime, int, NudgeKind] | None = None
        for rank, kind in enumerate(BY_PRIORITY):
            if not self._enabled(kind):
                continue
            snoozed = self._snoozed_until.get(kind)
            if snoozed is None and self._at_cap(kind):
                continue
            remaining = self._remaining(kind)
            if snoozed is not None:
                earliest = max(floor, snoozed)
            elif remaining is not None:
                earliest = max(floor, now + max(remaining, _ZERO))
            else:
                continue
            at = self._hours.next_start(earliest, self._tz)
            if at is None:
                continue
            if best is None or (at, rank) < best[:2]:
                best = (at, rank, kind)
        if best is None:
            return None, None
        return best[2], best[0]

    def _state_changed(self, now: datetime) -> list[Action]:
        state = self.state(now)
        shown = (state.presence, state.verdict, state.break_due, state.paused_until,
                 state.camera, state.in_working_hours, state.presence_source,
                 state.screen_locked, state.quiet)
        if shown == self._shown:
            return []
        self._shown = shown
        return [StateChanged(state)]

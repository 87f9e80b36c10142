"""Wiring: the sampling loop (DESIGN section 2, data flow).

One tick: drain commands, read the desktop (screen lock, input idle, quiet
times), grab a frame (only when the tracker wants the camera and the screen is
not locked: never while paused or outside working hours), check that it shows
a picture, estimate the pose, measure posture, step the tracker, hand each
action to its adapter (Nudge -> notifier, Record -> store, StateChanged ->
listeners and the status file). The frame is dropped at the end of the tick:
it is never stored.

``Monitor.run`` is called from the sampling thread (the main thread with
``--headless``, a worker thread under the tray). Other threads talk to it only
through ``Monitor.commands`` (a ``queue.Queue``) and ``Monitor.stop``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from posturewatch.calibration import (
    CalibrationRefused,
    calibration_event,
    load_baseline,
    save_baseline,
    take_samples,
)
from posturewatch.camera import FrameSource
from posturewatch.clock import Clock
from posturewatch.config import KEYS, Resolved, Settings
from posturewatch.config_watch import ConfigWatch, problem_message
from posturewatch.desktop_state import DesktopProbe, DesktopState, NoDesktop
from posturewatch.i18n import _
from posturewatch.messages import (
    CALIBRATED,
    CALIBRATING,
    CALIBRATION_COUNTDOWN_S,
    CALIBRATION_FAILED_TITLE,
    CALIBRATION_GET_READY,
    DONE_LABEL,
    SNOOZE_LABEL,
    SNOOZE_MINUTES,
    Message,
    camera_problem_message,
    nudge_message,
    translated,
)
from posturewatch.model import (
    Action,
    Baseline,
    CameraState,
    Event,
    EventKind,
    Nudge,
    NudgeKind,
    Record,
    Sample,
    State,
    StateChanged,
    Verdict,
)
from posturewatch.model_files import ModelError
from posturewatch.notify import Button, Notifier
from posturewatch.nudge_kinds import BY_PRIORITY, KINDS
from posturewatch.picture import PictureCheck
from posturewatch.pose import Estimator, LazyEstimator
from posturewatch.recorded_time import RecordedTime
from posturewatch.reference_store import ReferenceKeeper
from posturewatch.session import Tracker
from posturewatch.status import read_bout, status_data, write_status
from posturewatch.store_protocol import MonitorStore

log = logging.getLogger(__name__)

CALIBRATION_FRAMES = 5
CALIBRATION_SPACING_S = 1.0
STATUS_EVERY_S = 60.0


# Commands: what the tray (or any other thread) asks the loop to do.
@dataclass(frozen=True)
class Pause:
    minutes: float | None = None  # None: until resumed
    until: datetime | None = None  # wins over minutes


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class LogWater:
    pass


@dataclass(frozen=True)
class LogBreak:
    pass


@dataclass(frozen=True)
class Snooze:
    minutes: float = 10.0


@dataclass(frozen=True)
class Done:
    kind: NudgeKind | None = None


@dataclass(frozen=True)
class Calibrate:
    pass


@dataclass(frozen=True)
class Custom:
    """Run ``fn(monitor, now)`` on the sampling thread (for tray extras)."""

    fn: Callable[[Monitor, datetime], None]


Command = Pause | Resume | LogWater | LogBreak | Snooze | Done | Calibrate | Custom


@dataclass
class TickResult:
    at: datetime
    sample: Sample | None
    camera: CameraState
    actions: list[Action] = field(default_factory=list)


class Monitor:
    """The sampling loop and its adapters."""

    def __init__(
        self,
        settings: Settings,
        source: FrameSource,
        estimator: Estimator,
        store: MonitorStore,
        notifier: Notifier,
        clock: Clock,
        baseline: Baseline | None = None,
        tz: tzinfo | None = None,
        status_path: Path | None = None,
        baseline_path: Path | None = None,
        desktop: DesktopProbe | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.estimator = estimator
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.baseline = baseline
        self.tz = tz or UTC
        self.status_path = status_path
        self.baseline_path = baseline_path
        self.tracker = Tracker(settings, self.tz)
        # The upright reference that follows the user (reference.py), kept in the store.
        self.references = ReferenceKeeper(store, baseline, settings.posture_sensitivity)
        self.commands: queue.Queue[Command] = queue.Queue()
        self.stop = threading.Event()
        self.state: State | None = None
        self.listeners: list[Callable[[State], None]] = []
        self.message_listeners: list[Callable[[Message, str], None]] = []
        # Called on the sampling thread after every tick with the current State
        # (the tray's tooltip shows the sitting time, which changes every tick).
        self.tick_listeners: list[Callable[[State], None]] = []
        self._variant = 0
        self._status_written: datetime | None = None
        self._last_nudge_kind: NudgeKind | None = None
        self._baseline_mtime: float | None = self._baseline_stamp()
        self._retention_day: date | None = None
        self._tick_failures = 0
        self.fatal: str | None = None  # why monitoring could not start (the model)
        self.closed = False  # set by runner.close_monitor: the adapters are closed
        # Live settings: set by the runner; None leaves the settings as given.
        self.config_watch: ConfigWatch | None = None
        # Called on the sampling thread with the new Resolved after a reload.
        self.settings_listeners: list[Callable[[Resolved], None]] = []
        self._stretch_turn: int | None = None
        # The desktop's signals (lock, input idle, quiet times) and the camera.
        self.desktop: DesktopProbe = desktop or NoDesktop()
        self.picture = PictureCheck()
        self.camera_grabs = 0  # times a frame was asked of the source
        # Polled at each tick for commands from outside (``control.py``'s spool).
        self.command_sources: list[Callable[[], list[Command]]] = []
        self._camera_told: set[CameraState] = set()
        self._camera_worked = False
        self._grab_message = ""
        # The newest time already in the store. When the first tick comes
        # before it, the clock was set back across a restart: minutes and
        # automatic events dated up to it are recorded already (repeats).
        self.recorded = RecordedTime(_newest_stored(store))

    # -- one tick ---------------------------------------------------------
    def sample_once(self) -> tuple[Sample, CameraState]:
        """Grab one frame and turn it into a Sample; the frame goes out of scope here."""
        grab = self.source.grab()
        self.camera_grabs += 1
        if grab.frame is None:
            self._grab_message = grab.message
            return Sample(present=False, verdict=Verdict.UNKNOWN, camera=grab.state), grab.state
        picture = self.picture.check(grab.frame)  # covered, flat or frozen: not "away"
        if picture is CameraState.NO_PICTURE:
            return Sample(present=False, verdict=Verdict.UNKNOWN, camera=picture), picture
        landmarks = self.estimator.estimate(grab.frame)
        if picture is CameraState.COVERED and landmarks is None:  # a person in the dark counts
            return Sample(present=False, verdict=Verdict.UNKNOWN, camera=picture), picture
        return self.references.measure(self.clock.now(), landmarks), grab.state

    def tick(self) -> TickResult:
        """One sampling step at ``clock.now()``. Returns what happened."""
        now = self.clock.now()
        self.reload_config_if_changed()
        self.reload_baseline_if_changed()
        self.apply_retention_daily(now)
        self.announce_weekly_report(now)
        actions = self.drain_commands(now)
        desk = self.read_desktop()
        if desk.locked or not self.tracker.camera_wanted(now):
            self.release_camera()  # paused, outside working hours, locked: not opened
            sample, camera = Sample(False, Verdict.UNKNOWN, camera=CameraState.OFF), CameraState.OFF
        else:
            sample, camera = self.sample_once()
            if camera is CameraState.ENDED:  # (the commands' actions are already dispatched)
                return TickResult(now, None, camera, actions)
        sample = replace(sample, input_idle_s=desk.input_idle_s, screen_locked=desk.locked,
                         dnd=desk.dnd, fullscreen=desk.fullscreen)
        stepped = self.tracker.step(now, sample)
        self.dispatch(now, stepped)
        self.tell_camera_problem(camera)
        self.notify_tick(now)
        return TickResult(now, sample, camera, actions + stepped)

    def read_desktop(self) -> DesktopState:
        """The desktop's signals now; "cannot tell" for what fails, and no
        input signal when the user turned ``input_presence`` off."""
        try:
            desk = self.desktop.read()
        except Exception:
            log.exception("reading the desktop state failed")
            return DesktopState()
        if not self.settings.input_presence and desk.input_idle_s is not None:
            desk = replace(desk, input_idle_s=None)
        return desk

    def release_camera(self) -> None:
        """Close a camera kept open (``camera_keep_open``) at once."""
        release = getattr(self.source, "release", None)
        if release is not None:
            release()

    def tell_camera_problem(self, camera: CameraState) -> None:
        """Say once per run, in a notification, that the camera gives no
        picture and what to try. A busy camera is only told about when it
        never worked in this run (blocked in privacy settings, or held by
        another app from the start): a video call is no news."""
        if camera is CameraState.OK:
            self._camera_worked = True
            return
        if not camera.gives_no_picture or camera in self._camera_told:
            return
        if camera is CameraState.BUSY and self._camera_worked:
            return
        self._camera_told.add(camera)
        input_tracking = self.desktop.signals().get("input") is not None
        message = camera_problem_message(camera, self._grab_message, input_tracking)
        log.info("told the user: %s", message.title)
        self.tell(message.title, message.body)

    def notify_tick(self, now: datetime) -> None:
        """Hand the current State to every tick listener (never raises)."""
        if not self.tick_listeners:
            return
        state = self.tracker.state(now)
        for listener in self.tick_listeners:
            try:
                listener(state)
            except Exception:
                log.exception("tick listener failed")

    def finish(self, now: datetime | None = None) -> list[Action]:
        """Write the partial minute; call once when the loop ends."""
        now = now or self.clock.now()
        actions = self.tracker.flush(now)
        self.dispatch(now, actions)
        self.references.save(now)
        self.write_status(now, running=False)
        return actions

    def load_model(self) -> bool:
        """Load the pose model now, on this (the sampling) thread, so a tray
        icon can show meanwhile. False when it cannot load: the user is told
        why and :attr:`fatal` holds the message."""
        if not isinstance(self.estimator, LazyEstimator) or self.estimator.loaded:
            return True
        began = time.perf_counter()
        try:
            self.estimator.load()
        except ModelError as exc:
            self.fatal = str(exc)
            log.error("cannot load the pose model: %s", exc)
            self.tell(_("PostureWatch cannot start"), self.fatal)
            return False
        log.info("pose model loaded in %.2f s", time.perf_counter() - began)
        return True

    def run(self, max_ticks: int | None = None) -> None:
        """Loop until ``stop`` is set, the source ends or ``max_ticks`` ran.
        Loads the pose model first (:meth:`load_model`); returns at once when
        it cannot."""
        ticks = 0
        if not self.load_model():
            self.finish()
            return
        self.resume_bout(self.clock.now())
        try:
            while not self.stop.is_set():
                result = self.safe_tick()
                ticks += 1
                if result is not None and result.camera is CameraState.ENDED:
                    log.info("the frame source has no more frames; stopping")
                    break
                if max_ticks is not None and ticks >= max_ticks:
                    break
                if self.clock.wait(self.stop, self.settings.sample_interval_s):
                    break
        finally:
            self.finish()

    def resume_bout(self, now: datetime) -> bool:
        """After a restart within ``break_min_s`` (an update, a crash, a quick
        quit and start), carry on the sitting bout the last run wrote to the
        status file, instead of starting again at 0. True when it did."""
        bout = read_bout(self.status_path) if self.status_path is not None else None
        if bout is None:
            return False
        resumed = self.tracker.continue_bout(now.astimezone(UTC), bout)
        if resumed:
            log.info("carrying on the sitting bout of the last run (%s s sitting, stopped "
                     "at %s)", bout.get("sitting_s"), bout.get("last_tick"))
        return resumed

    def safe_tick(self) -> TickResult | None:
        """``tick``, but a surprise (a bad frame, a model error) is logged and
        the loop goes on at the next interval instead of ending monitoring.
        The first failure is logged with its traceback, then every 2**k-th."""
        try:
            result = self.tick()
        except Exception:
            self._tick_failures += 1
            n = self._tick_failures
            if n & (n - 1) == 0:
                log.exception("a sampling tick failed (%d so far); monitoring goes on", n)
            return None
        return result

    def apply_retention_daily(self, now: datetime) -> None:
        """Once per UTC day: check the database's integrity, then delete rows
        older than ``retention_days``."""
        if self._retention_day == now.date():
            return
        self._retention_day = now.date()
        self.store.check_integrity()  # quick_check; a damaged file is set aside and salvaged
        removed = self.store.apply_retention(now, self.settings.retention_days)
        if removed:
            log.info("retention: removed %d rows older than %d days", removed,
                     self.settings.retention_days)

    def announce_weekly_report(self, now: datetime) -> None:
        """Once a week, at the first sample on ``weekly_report_day``, say that
        last week's report is ready. The week announced is kept in the store's
        meta table so a restart does not repeat it; a fresh database records
        the current due week silently (a new user has no last week)."""
        if not self.settings.weekly_report_notify:
            return
        from posturewatch.report import week_to_announce

        last = self.store.get_meta("weekly_report_announced")
        week = week_to_announce(now, self.tz, self.settings.weekly_report_day, last)
        if week is None:
            return
        self.store.set_meta("weekly_report_announced", week)
        if last is None:
            return
        self.tell(
            _("Your weekly report is ready"),
            _("See how week {week} went: sitting bouts, breaks and posture. Open it from the "
              "tray menu, or run `posturewatch report --last --open`.").format(week=week),
            kind="report",
        )

    def reload_config_if_changed(self) -> None:
        """Apply settings changed on disk (settings window, editor, IT policy)
        and tell new problems in them, once (see ``config_watch``)."""
        if self.config_watch is None:
            return
        check = self.config_watch.check()
        if check.problems:
            title, body = problem_message(check.problems)
            for problem in check.problems:
                log.warning("settings: %s", problem)
            self.tell(title, body, kind="settings")
        if check.resolved is not None:
            self.apply_settings(check.resolved)

    def apply_settings(self, resolved: Resolved) -> None:
        """Use ``resolved.settings`` from this tick on; counters and bouts carry over."""
        settings = resolved.settings
        if settings != self.settings:
            try:
                self.tracker.update_settings(settings)
            except ValueError as exc:
                log.warning("new settings not applied: %s", exc)
                return
            changed = {k: getattr(settings, k) for k in KEYS
                       if getattr(settings, k) != getattr(self.settings, k)}
            self.settings = settings
            log.info("settings applied without a restart: %s", changed)
            self._apply_to_adapters(changed)
        for listener in self.settings_listeners:
            try:
                listener(resolved)
            except Exception:
                log.exception("settings listener failed")

    def _apply_to_adapters(self, changed: dict[str, object]) -> None:
        """The settings that live outside the tracker: camera and log level."""
        source = self.source
        for key, attribute in (("camera_index", "index"), ("camera_keep_open", "keep_open"),
                               ("camera_warmup_frames", "warmup_frames")):
            if key in changed and hasattr(source, attribute):
                source.close()  # the next grab opens the camera with the new value
                setattr(source, attribute, changed[key])
        if "log_level" in changed:
            logging.getLogger().setLevel(str(changed["log_level"]).upper())
        if "posture_sensitivity" in changed:
            self.references.set_sensitivity(self.baseline, float(changed["posture_sensitivity"]))

    def reload_baseline_if_changed(self) -> None:
        """Pick up a baseline saved by ``posturewatch calibrate`` in another process."""
        mtime = self._baseline_stamp()
        if mtime is None or mtime == self._baseline_mtime:
            return
        self._baseline_mtime = mtime
        fresh = load_baseline(self.baseline_path) if self.baseline_path else None
        if fresh is not None:
            self.baseline = fresh
            self.references.reseed(fresh)
            log.info("loaded the new baseline from %s", self.baseline_path)

    def _baseline_stamp(self) -> float | None:
        if self.baseline_path is None:
            return None
        try:
            return self.baseline_path.stat().st_mtime
        except OSError:
            return None

    # -- commands ---------------------------------------------------------
    def drain_commands(self, now: datetime) -> list[Action]:
        for source in self.command_sources:
            try:
                for command in source():
                    self.commands.put(command)
            except Exception:  # a broken channel must not stop monitoring
                log.exception("reading commands from outside failed")
        actions: list[Action] = []
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                break
            try:
                actions += self.handle(command, now)
            except Exception:  # a bad command must not stop monitoring
                log.exception("command %r failed", command)
        self.dispatch(now, actions)
        return actions

    def handle(self, command: Command, now: datetime) -> list[Action]:
        """Apply one command on the sampling thread; returns undispatched actions."""
        t = self.tracker
        if isinstance(command, Pause):
            until = command.until
            if until is None and command.minutes is not None:
                until = now + timedelta(minutes=command.minutes)
            return t.pause(now, until)
        if isinstance(command, Resume):
            return t.resume(now)
        if isinstance(command, LogWater):
            return t.log_water(now)
        if isinstance(command, LogBreak):
            return t.log_break(now)
        if isinstance(command, Snooze):
            return t.snooze(now, command.minutes)
        if isinstance(command, Done):
            kind = command.kind or self._last_nudge_kind or BY_PRIORITY[0]
            return t.done(now, kind)
        if isinstance(command, Calibrate):
            self.calibrate()
            return []
        if isinstance(command, Custom):
            command.fn(self, now)
            return []
        raise TypeError(f"unknown command {command!r}")

    # -- adapters ---------------------------------------------------------
    def dispatch(self, now: datetime, actions: list[Action]) -> None:
        self.recorded.tick(now)
        for action in actions:
            try:
                if isinstance(action, Nudge):
                    self.show_nudge(action)
                elif isinstance(action, Record):
                    if not self.recorded.is_repeat(now, action.item):
                        self.store.write(action.item)
                elif isinstance(action, StateChanged):
                    self.set_state(action.state)
            except Exception:  # an adapter failure must never stop monitoring
                log.exception("could not handle %r", action)
        if self._status_due(now):
            self.write_status(now)

    def show_nudge(self, nudge: Nudge) -> None:
        turn = self._next_stretch_turn() if KINDS[nudge.kind].stretch else None
        message = nudge_message(nudge.kind, nudge.sitting_s, nudge.repeat, self._variant, turn)
        self._variant += 1
        self._last_nudge_kind = nudge.kind
        delivered = self.deliver(message.title, message.body, self.nudge_buttons(nudge.kind),
                                 kind=nudge.kind.value)
        for listener in self.message_listeners:
            listener(message, nudge.kind.value)
        self.store.write(
            Event(
                EventKind.NUDGE_SHOWN,
                nudge.at,
                {
                    "kind": nudge.kind.value,
                    "sitting_s": round(nudge.sitting_s, 1),
                    "repeat": nudge.repeat,
                    "delivered": delivered,
                },
            )
        )

    def deliver(self, title: str, body: str, buttons: tuple[Button, ...] = (),
                kind: str | None = None, icon: str | None = None) -> bool:
        """Show one notification with what this notifier supports: buttons, and
        a kind (its icon; it replaces the last one of that kind)."""
        if buttons and not self.notifier.supports_buttons:
            buttons = ()
        return self.notifier.show(title, body, buttons, kind=kind, icon=icon)

    def _next_stretch_turn(self) -> int:
        """Which stretch a break nudge offers; kept in the store's meta table
        so the stretches take turns across restarts too."""
        if self._stretch_turn is None:
            saved = self.store.get_meta("stretch_turn")
            self._stretch_turn = int(saved) if saved and saved.isdigit() else 0
        turn = self._stretch_turn
        self._stretch_turn += 1
        self.store.set_meta("stretch_turn", str(self._stretch_turn))
        return turn

    def nudge_buttons(self, kind: NudgeKind) -> tuple[Button, Button]:
        """"Snooze 10 min" and "Done" for a nudge of ``kind``; a press (on the
        notifier's thread) only puts a command on the queue."""
        return (
            Button(_(SNOOZE_LABEL), lambda: self.commands.put(Snooze(SNOOZE_MINUTES))),
            Button(_(DONE_LABEL), lambda: self.commands.put(Done(kind))),
        )

    def tell(self, title: str, body: str, kind: str = "info", icon: str | None = None) -> None:
        """A notification that is not a nudge (calibration, report ready); it
        replaces the last one of its ``kind`` (see ``notify``)."""
        self.deliver(title, body, kind=kind, icon=icon)
        for listener in self.message_listeners:
            listener(Message(title, body), "info")

    def set_state(self, state: State) -> None:
        self.state = state
        for listener in self.listeners:
            try:
                listener(state)
            except Exception:
                log.exception("state listener failed")
        self.write_status(state.at)

    def _status_due(self, now: datetime) -> bool:
        if self.status_path is None:
            return False
        last = self._status_written
        return last is None or (now - last).total_seconds() >= STATUS_EVERY_S

    def write_status(self, now: datetime, running: bool = True) -> None:
        """Write what ``posturewatch status`` shows (numbers only), atomically."""
        if self.status_path is None:
            return
        self._status_written = now
        data = status_data(self.tracker.state(now), running, {
            "baseline": self.baseline is not None,
            "camera_moved_since_calibration": self.references.camera_moved_since_calibration,
            "camera_grabs": self.camera_grabs,
            "signals": self.desktop.signals(),
            "input_presence": self.settings.input_presence,
            "bout": self.tracker.bout_snapshot(),
        })
        try:
            write_status(self.status_path, data)
        except OSError as exc:
            log.warning("cannot write status file %s: %s", self.status_path, exc)

    # -- calibration ------------------------------------------------------
    def calibrate(self) -> Baseline | CalibrationRefused | None:
        """Count down 3 seconds, sample a few seconds of upright sitting and save
        the baseline (refused when it looks slouched; see ``calibration``).

        Runs on the sampling thread; tells the user before and after (each
        message replaces the one before). None when Quit came in the countdown.
        """
        ready = translated(CALIBRATION_GET_READY)
        self.tell(ready.title, ready.body, kind="calibration", icon="info")
        if self.clock.wait(self.stop, CALIBRATION_COUNTDOWN_S):
            return None
        self.tell(_(CALIBRATING.title), _(CALIBRATING.body), kind="calibration", icon="info")
        result = self.take_calibration(CALIBRATION_FRAMES, CALIBRATION_SPACING_S)
        if isinstance(result, Baseline):
            self.tell(_(CALIBRATED.title), _(CALIBRATED.body), kind="calibration",
                      icon="upright")
        else:
            self.tell(_(CALIBRATION_FAILED_TITLE), result.reason, kind="calibration",
                      icon="problem")
        return result

    def take_calibration(self, frames: int, spacing_s: float) -> Baseline | CalibrationRefused:
        """Sample ``frames`` times ``spacing_s`` apart (``calibration.take_samples``),
        then keep the result: a baseline becomes the reference and is saved to
        ``baseline_path``; either way the store records the calibration."""
        result = take_samples(lambda: self.sample_once()[0], frames, spacing_s, self.clock,
                              self.stop)
        if isinstance(result, Baseline):
            self.baseline = result
            self.references.reseed(result)
            if self.baseline_path is not None:
                save_baseline(self.baseline_path, result)
        self.store.write(calibration_event(result, self.clock.now()))
        return result


def _newest_stored(store: MonitorStore) -> datetime | None:
    try:
        value = store.newest_time()
    except Exception:  # noqa: BLE001 - a guard, not a reason to fail start-up
        log.debug("cannot read the newest stored time", exc_info=True)
        return None
    return value if isinstance(value, datetime) else None

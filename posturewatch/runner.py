"""Start the real monitor: settings, lock, camera, model, store, notifier, loop.

Used by ``posturewatch run`` and ``posturewatch calibrate`` (``cli.py``). Runs
on the main thread; under the tray the loop moves to one worker thread
(``tray.py``). This module owns the adapters: :func:`build_monitor` (and
:func:`build_calibration`) open them, :func:`close_monitor` closes each once,
whatever happened in between. It prints to the terminal but is not click code.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from posturewatch import paths
from posturewatch.app import Monitor
from posturewatch.calibration import load_baseline
from posturewatch.camera import SourceError, WebcamSource, open_source
from posturewatch.clock import Clock, PacedClock, WallClock
from posturewatch.config import Resolved, Settings
from posturewatch.config_watch import ConfigWatch
from posturewatch.instance import AlreadyRunning, InstanceLock
from posturewatch.logs import setup_logging
from posturewatch.model import CameraState, State
from posturewatch.model_files import ModelError, choose
from posturewatch.notify import Notifier, RecordingNotifier, make_notifier
from posturewatch.policy_guard import policy_path
from posturewatch.pose import LazyEstimator, open_estimator

log = logging.getLogger(__name__)


def say(text: str, err: bool = False, nl: bool = True) -> None:
    """One line for the person at the terminal (stderr with ``err``)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + ("\n" if nl else ""))
    stream.flush()


def _print_state(state: State) -> None:
    stamp = state.at.astimezone().strftime("%H:%M:%S")
    sitting = int(state.sitting_s // 60)
    parts = [f"{stamp}", state.presence.value]
    if state.presence.value == "present":
        parts.append(f"sitting {sitting} min")
        parts.append(state.verdict.value)
    if state.camera is not CameraState.OK:
        parts.append(f"camera {state.camera.value}")
    if state.paused_until is not None:
        parts.append("paused")
    if state.break_due:
        parts.append("break due")
    say("  ".join(parts))


FAKE_CLOCK_ENV = "POSTUREWATCH_FAKE_CLOCK"


def clock_from_env() -> Clock:
    """The wall clock, or a fast simulated one for tests and demos.

    ``POSTUREWATCH_FAKE_CLOCK=SPEED[@START]``: simulated time runs SPEED times
    faster than real time, from START (ISO 8601; default now). A hidden knob
    for the desktop tests and for demos: it is not a setting, it counts only
    in test mode (``policy_guard``; else it is ignored with a warning), and a
    bad value is a ValueError so a typo never silently runs the real clock in a
    test.
    """
    from posturewatch.policy_guard import env_override, override_notes

    value = env_override(FAKE_CLOCK_ENV) or ""
    if not value:
        if os.environ.get(FAKE_CLOCK_ENV, "").strip():
            for note in override_notes():
                log.warning("%s", note)
        return WallClock()
    speed_text, _, start_text = value.partition("@")
    try:
        speed = float(speed_text)
        if not math.isfinite(speed):
            raise ValueError("the speed must be a finite number")
        start = datetime.fromisoformat(start_text) if start_text else None
        if start is not None and start.tzinfo is None:
            start = start.astimezone()
        clock = PacedClock(speed, start)
    except ValueError as exc:
        raise ValueError(
            f"{FAKE_CLOCK_ENV}={value!r}: expected SPEED or SPEED@ISO-TIME ({exc})"
        ) from exc
    log.warning("using a simulated clock %g times faster than real time", speed)
    return clock


def lazy_estimator(settings: Settings) -> LazyEstimator:
    """The pose model the settings choose, loaded on first use (on the sampling
    thread: the tray icon shows meanwhile). Raises ``ModelError`` at once when
    the choice cannot work at all (no mediapipe, a missing explicit file)."""
    choice = choose(settings.pose_model)
    if choice.problem:
        raise ModelError(choice.problem)
    log.info("pose model: %s", choice.describe())

    return LazyEstimator(
        lambda: open_estimator(settings.pose_model, settings.pose_model_url, log.info))


def build_monitor(resolved: Resolved, source: str | None, db_path: Path, tz: tzinfo,
                  notifier: Notifier | None = None) -> Monitor:
    """Open everything the loop needs; raises SourceError for an impossible
    source, ModelError for a pose model that cannot load at all and
    ValueError for a bad simulated clock. What was opened before a failure is
    closed again. Close the monitor with :func:`close_monitor`."""
    from posturewatch.control import Spool
    from posturewatch.desktop_state import open_desktop
    from posturewatch.store import open_store

    settings = resolved.settings
    clock = clock_from_env()
    estimator = lazy_estimator(settings)  # nothing loaded yet: nothing to close
    with ExitStack() as opened:  # closes what was opened when a later part fails
        frames = open_source(source, settings.camera_warmup_frames, settings.camera_keep_open,
                             settings.camera_index)
        opened.callback(frames.close)
        store = open_store(db_path)  # a database that cannot be opened: rows wait in memory
        opened.callback(store.close)
        notifier = notifier or make_notifier(icon=_app_icon(), icons=_note_icons())
        opened.callback(notifier.close)
        # A simulated clock N times faster than real time sees real idle
        # seconds as N times as many.
        desktop = open_desktop(settings, time_scale=getattr(clock, "speed", 1.0))
        opened.callback(desktop.close)
        monitor = Monitor(settings, frames, estimator, store, notifier, clock,
                          baseline=load_baseline(paths.baseline_path()), tz=tz,
                          status_path=paths.status_path(),
                          baseline_path=paths.baseline_path(), desktop=desktop)
        opened.pop_all()  # the monitor holds them now: close_monitor closes them
    spool = Spool(paths.control_dir())  # `posturewatch pause|resume|water|break`
    try:
        spool.clear()
    except OSError as exc:
        log.warning("commands from the command line will not work: %s", exc)
    monitor.command_sources.append(spool.take)
    return monitor


def _app_icon() -> Path | None:
    """The icon shown beside notifications (written once to the state folder)."""
    from posturewatch.icons import write_app_icon

    return write_app_icon(paths.state_dir() / "posturewatch.png")


def _note_icons() -> dict[str, Path]:
    """One icon per kind of notification (PNG files in the state folder)."""
    from posturewatch.icons import write_note_icons

    return write_note_icons(paths.state_dir() / "icons")


def run_monitor(resolved: Resolved, source: str | None, headless: bool, db_path: Path,
                tz: tzinfo, config_file: Path | None = None,
                overrides: dict[str, object] | None = None) -> int:
    """``posturewatch run``: returns the process exit code. ``config_file`` and
    ``overrides`` are what ``resolved`` was loaded with; the loop reloads the
    settings from them when the file (or the IT policy) changes."""
    setup_logging(resolved.settings.log_level, paths.log_dir())
    prepare_user_files(resolved)
    lock = InstanceLock(paths.lock_path())
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        say(f"{exc} Use its tray icon, or `posturewatch status`.", err=True)
        return 1
    except OSError as exc:
        from posturewatch.storage_faults import explain

        log.error("%s Carrying on without the single-instance lock.",
                  explain(paths.lock_path(), exc, "the lock file"))
    started = time.monotonic()
    monitor: Monitor | None = None
    try:
        try:
            monitor = build_monitor(resolved, source, db_path, tz)
        except (SourceError, ModelError, ValueError) as exc:
            say(f"posturewatch: {exc}", err=True)
            return 2
        monitor.config_watch = ConfigWatch(config_file or paths.user_config_path(),
                                           policy_path(), overrides or {}, resolved,
                                           paths.last_good_policy_path())
        code = None
        if not headless:
            from posturewatch.tray import TrayUnavailable, run_tray

            try:
                code = run_tray(monitor, resolved, started=started)
            except TrayUnavailable as exc:
                say(f"posturewatch: no tray ({exc}); carrying on headless.", err=True)
        if code is None:
            code = run_headless(monitor)
        if monitor.fatal:
            say(f"posturewatch: {monitor.fatal}", err=True)
            return 2
        return code
    finally:
        if monitor is not None:
            close_monitor(monitor)
        lock.release()


def prepare_user_files(resolved: Resolved) -> None:
    """At start-up: say loudly in the log when the IT policy is damaged or
    unreadable, keep a copy of a good policy beside the database, and make
    the user's folders and files private (0700/0600) where they are not."""
    from posturewatch.policy_guard import override_notes, remember_policy

    for alert in resolved.alerts:
        log.error("%s", alert)
    for note in override_notes():
        log.warning("%s", note)
    remember_policy()
    paths.tighten_user_files()


def close_monitor(monitor: Monitor) -> None:
    """Close what :func:`build_monitor` opened, each part once: the frame
    source, the pose model, the database (writes what is held, checkpoints
    the WAL), the notifier's thread and the desktop's connections. A part
    that fails to close is logged; the others still close. Calling it again
    closes nothing twice."""
    if monitor.closed:
        return
    monitor.closed = True
    parts: tuple[tuple[str, Callable[[], None]], ...] = (
        ("frame source", monitor.source.close), ("pose model", monitor.estimator.close),
        ("database", monitor.store.close), ("notifier", monitor.notifier.close),
        ("desktop", monitor.desktop.close))
    for name, close in parts:
        try:
            close()
        except Exception:
            log.exception("could not close the %s", name)


def run_headless(monitor: Monitor) -> int:
    """The loop on this thread until Ctrl+C (or SIGTERM)."""
    monitor.listeners.append(_print_state)
    if isinstance(monitor.source, WebcamSource):
        first = monitor.source.grab()  # a missing camera is logged (once) by the source
        if first.frame is None:
            say("posturewatch: retrying in the background; Ctrl+C to stop.", err=True)
    if monitor.baseline is None:
        say("Not calibrated yet: using population defaults. "
            "Run `posturewatch calibrate` while sitting upright for a closer fit.")

    def stop(signum: int, _frame: object) -> None:
        monitor.stop.set()  # the loop ends at its next wait, never halfway through a write
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C: now

    before: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            before[signum] = signal.signal(signum, stop)
    say(f"Monitoring every {monitor.settings.sample_interval_s:g} s. Ctrl+C to stop.")
    try:
        monitor.run()
    except KeyboardInterrupt:
        monitor.stop.set()
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    say("Stopped.")
    return 0


def countdown(seconds: int, clock: Clock) -> None:
    """Print "3... 2... 1... hold still." a second apart, before calibration starts."""
    stop = threading.Event()
    for left in range(seconds, 0, -1):
        say(f"{left}... ", nl=False)
        clock.wait(stop, 1.0)
    say("hold still.")


def build_calibration(resolved: Resolved, source: str | None,
                      progress: Callable[[str], None]) -> Monitor:
    """A monitor for ``posturewatch calibrate``: the camera, the pose model
    loaded now (a download's ``progress`` told), the database, the baseline
    file; no notifications and the wall clock. Raises SourceError or
    ModelError (closing what was opened). Close it with :func:`close_monitor`."""
    from posturewatch.store import open_store

    settings = resolved.settings
    camera = open_source(source, settings.camera_warmup_frames, settings.camera_keep_open,
                         settings.camera_index)
    try:
        estimator = open_estimator(settings.pose_model, settings.pose_model_url, progress)
    except BaseException:
        camera.close()
        raise
    store = open_store(paths.database_path())
    return Monitor(settings, camera, estimator, store, RecordingNotifier(), WallClock(),
                   baseline_path=paths.baseline_path())

"""The tray icon and its menu (pystray), and the threads around them.

Threads (DESIGN section 2):

- the **main thread** runs pystray's event loop (GTK on Linux, the Win32
  message loop, AppKit on macOS); menu callbacks run here and only put
  commands on ``Monitor.commands`` or set ``Monitor.stop``;
- one **sampling thread** ("sampling") runs ``Monitor.run``; it is started
  from pystray's ``setup`` callback once the icon exists. State changes and
  every tick reach :meth:`TrayApp.on_state` on this thread, which hands the
  new picture, tooltip and menu to pystray (whose setters are safe to call
  from another thread: the GTK backend schedules them on its main loop);
- the notifier may have a thread of its own (``notify.NativeNotifier``).

Quit (menu, SIGTERM, SIGINT) sets ``Monitor.stop`` and stops the icon: the
sampling loop wakes from its wait at once, writes its partial minute and
ends; ``run_tray`` returns and the runner closes the database.

The tray never reads a clock: "Pause until tomorrow", the weekly report and
the details notification run on the sampling thread as ``Custom`` commands,
with the loop's own ``now``.

Which pystray backend draws the icon (AppIndicator, GTK or Xorg on Linux)
is chosen in :mod:`posturewatch.tray_backend`, by the session; the choice
and why not the others go to the log. Where the tray cannot work (no
display, no usable backend) ``run_tray`` raises :class:`TrayUnavailable`
before starting anything, saying what to install, and the runner carries on
headless. A desktop with a display but no tray host (no panel yet
at login) keeps the icon waiting: GTK shows it as soon as a tray starts, and
monitoring and notifications go on meanwhile; we say so once on stderr.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from posturewatch import __version__, paths
from posturewatch.app import (
    Calibrate,
    Command,
    Custom,
    Done,
    LogBreak,
    LogWater,
    Monitor,
    Pause,
    Resume,
    Snooze,
)
from posturewatch.checks import Check, Status
from posturewatch.config import Resolved
from posturewatch.config_edit import settings_template
from posturewatch.i18n import N_, _
from posturewatch.icons import IconState, draw_icon, icon_state
from posturewatch.launch import Windows, open_path
from posturewatch.messages import (
    CALIBRATE_LABEL,
    CALIBRATION_OFFER,
    SNOOZE_MINUTES,
    Message,
    next_reminder,
    status_line,
    tooltip,
    translated,
)
from posturewatch.model import NudgeKind, State
from posturewatch.notify import Button
from posturewatch.nudge_kinds import KINDS
from posturewatch.report_history import (
    HISTORY_WEEKS,
    default_week,
    other_weeks,
    week_title,
    write_week_pages,
)
from posturewatch.session import WorkingHours
from posturewatch.tray_backend import (
    Choice,
    candidates,
    install_advice,
    no_icon_reason,
    sni_host_registered,
    start_choice,
)

log = logging.getLogger(__name__)

ICON_SIZE = 64
EMBED_CHECK_S = 5.0  # real seconds to wait for a tray host before saying there is none
JOIN_TIMEOUT_S = 2.0

# Menu labels (tests and docs refer to these); marked here, translated in build_menu.
PAUSE_LABEL = N_("Pause")
PAUSE_30_LABEL = N_("For 30 minutes")
PAUSE_60_LABEL = N_("For 1 hour")
PAUSE_TOMORROW_LABEL = N_("Until tomorrow")
RESUME_LABEL = N_("Resume")
CALIBRATE_MENU_LABEL = N_("Calibrate posture")
BREAK_LABEL = N_("I took a break")
WATER_LABEL = N_("I drank water")
SNOOZE_MENU_LABEL = N_("Snooze reminder 10 min")
DONE_MENU_LABEL = N_("Reminder done")
REPORT_LABEL = N_("Open weekly report")
OTHER_WEEKS_LABEL = N_("Other weeks")
SETTINGS_LABEL = N_("Settings\u2026")
ABOUT_LABEL = N_("About PostureWatch")
QUIT_LABEL = N_("Quit")


class TrayUnavailable(Exception):
    """No usable tray here (no display, no pystray backend); the message says why."""


# -- the backend ------------------------------------------------------------
def display_problem(environ: dict[str, str] | os._Environ[str] | None = None,
                    platform: str = sys.platform) -> str | None:
    """Why there can be no tray on this system, or None when there may be one."""
    env = os.environ if environ is None else environ
    if platform.startswith("linux") or "bsd" in platform:
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            return "no display: neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


def load_pystray(choice: Choice | None = None) -> Any:
    """The first usable pystray backend (``Icon``, ``Menu``, ``MenuItem``) in
    the order :mod:`posturewatch.tray_backend` gives, or raise TrayUnavailable.
    ``choice`` (made here when None) records which one and why not the others."""
    problem = display_problem()
    if problem:
        raise TrayUnavailable(problem)
    _name_the_program()
    choice = choice if choice is not None else start_choice()
    for backend in candidates(choice):
        choice.name = backend_name(backend)
        return backend
    raise TrayUnavailable(no_tray_message(choice))


def no_tray_message(choice: Choice) -> str:
    """Why no backend could be used, and what to install."""
    advice = install_advice(choice.session, choice.rejected)
    return no_icon_reason(choice) + (f". {advice}" if advice else "")


def _name_the_program() -> None:
    """Under GTK, name our windows "posturewatch" / "PostureWatch" whatever the
    interpreter's argv[0] (``python -m posturewatch`` would say "__main__.py").
    Must run before GTK initialises, i.e. before pystray is imported."""
    if sys.platform in ("win32", "darwin"):
        return
    try:
        from gi.repository import GLib
    except Exception:  # noqa: BLE001 - no PyGObject: pystray uses another backend
        return
    GLib.set_prgname("posturewatch")
    GLib.set_application_name("PostureWatch")


def backend_name(pystray: Any) -> str:
    """'gtk', 'appindicator', 'xorg', 'win32' or 'darwin'."""
    return pystray.Icon.__module__.rsplit(".", 1)[-1].lstrip("_")


# -- opening files ------------------------------------------------------------
def ensure_user_config(path: Path) -> Path:
    """Create the user's config file from :func:`settings_template` when it is missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(settings_template(), encoding="utf-8")
    return path


def tomorrow_start(now: datetime, monitor: Monitor) -> datetime:
    """When "Pause until tomorrow" ends: the start of the working hours on the
    next working day from tomorrow on (``work_hours`` on ``work_days``, local
    time), as aware UTC; tomorrow's start time when no day is a working day."""
    settings = monitor.settings
    hours = WorkingHours(settings.work_hours, settings.work_days)
    day = now.astimezone(monitor.tz).date() + timedelta(days=1)
    midnight = datetime(day.year, day.month, day.day, tzinfo=monitor.tz)
    start = hours.next_start(midnight.astimezone(UTC), monitor.tz)
    if start is None:
        start = (midnight + hours.start).astimezone(UTC)
    return start.astimezone(now.tzinfo)


# -- the app ------------------------------------------------------------------
class TrayApp:
    """The icon, its menu, and the sampling thread behind them.

    ``opener`` opens a file with the desktop's default app and ``windows``
    starts our own windows as processes (seams for tests).
    """

    def __init__(self, monitor: Monitor, resolved: Resolved, pystray: Any,
                 opener: Callable[[Path], bool] = open_path,
                 started: float | None = None, windows: Windows | None = None) -> None:
        self.monitor = monitor
        self.resolved = resolved
        self.pystray = pystray
        self.opener = opener
        self.started = started if started is not None else time.monotonic()
        self.backend = backend_name(pystray)
        self.choice: Choice | None = None  # set by run_tray: why this backend
        self.exit_code = 0
        self.worker: threading.Thread | None = None
        self.shown_after_s: float | None = None
        self._lock = threading.Lock()
        self._state: State | None = None
        self._icon_shown: IconState | None = None
        self._text = tooltip(None, monitor.tz)
        self._status = status_line(None, monitor.tz)
        self._last_nudge: NudgeKind | None = None
        self._quitting = False
        self.windows = windows or Windows()  # the settings and welcome windows (processes)
        self._weeks: list[tuple[str, str]] = []  # "Other weeks": (week, label), newest first
        self._weeks_day: tuple[object, str] | None = None
        self.icon = pystray.Icon(
            "posturewatch",
            icon=draw_icon(IconState.STARTING, ICON_SIZE),
            title=self._text,
            menu=self.build_menu(),
        )
        self._icon_shown = IconState.STARTING

    # -- the menu ----------------------------------------------------------
    def build_menu(self) -> Any:
        """The menu; texts and enabled states are read again on every update."""
        pystray = self.pystray
        Item, Menu = pystray.MenuItem, pystray.Menu

        def paused(_item: object = None) -> bool:
            state = self._state
            return state is not None and state.paused_until is not None

        return Menu(
            Item(lambda _i: self._status, self._on_status, default=True),
            Menu.SEPARATOR,
            Item(_(PAUSE_LABEL), Menu(
                Item(_(PAUSE_30_LABEL), self._command(Pause(minutes=30))),
                Item(_(PAUSE_60_LABEL), self._command(Pause(minutes=60))),
                Item(_(PAUSE_TOMORROW_LABEL), self._command(Custom(self._pause_until_tomorrow))),
            )),
            Item(_(RESUME_LABEL), self._command(Resume()), enabled=paused),
            Menu.SEPARATOR,
            Item(_(BREAK_LABEL), self._command(LogBreak())),
            Item(_(WATER_LABEL), self._command(LogWater())),
            Item(_(SNOOZE_MENU_LABEL), self._command(Snooze(SNOOZE_MINUTES)),
                 visible=self._menu_reminders, enabled=lambda _i: self._last_nudge is not None),
            Item(_(DONE_MENU_LABEL), self._on_done, visible=self._menu_reminders,
                 enabled=lambda _i: self._last_nudge is not None),
            Item(lambda _i: self._calibrate_text(), self._on_calibrate),
            Menu.SEPARATOR,
            Item(_(REPORT_LABEL), self._command(Custom(self._open_report))),
            Item(_(OTHER_WEEKS_LABEL), Menu(*self._week_items()),
                 enabled=lambda _i: bool(self._weeks)),
            Item(_(SETTINGS_LABEL), self._on_settings),
            Item(_(ABOUT_LABEL), self._command(Custom(self._about))),
            Menu.SEPARATOR,
            Item(_(QUIT_LABEL), self._on_quit),
        )

    def _week_items(self) -> list[Any]:
        """HISTORY_WEEKS slots; each shows one of ``self._weeks`` (set on the
        sampling thread, see :meth:`_refresh_weeks`) or hides."""
        Item = self.pystray.MenuItem

        def slot(i: int) -> Any:
            def text(_item: object) -> str:
                weeks = self._weeks
                return weeks[i][1] if i < len(weeks) else ""

            def visible(_item: object) -> bool:
                return i < len(self._weeks)

            def click(_icon: object = None, _item: object = None) -> None:
                weeks = self._weeks
                if i < len(weeks):
                    week = weeks[i][0]
                    self.monitor.commands.put(Custom(
                        lambda m, now: self._open_report(m, now, week)))

            return Item(text, click, visible=visible)

        return [slot(i) for i in range(HISTORY_WEEKS)]

    def _menu_reminders(self, _item: object = None) -> bool:
        """Snooze and Done live in the menu when notifications cannot carry buttons."""
        return not self.monitor.notifier.supports_buttons

    def _calibrate_text(self) -> str:
        if self.monitor.baseline is None:
            return _("Calibrate posture (not done yet)")
        return _(CALIBRATE_MENU_LABEL)

    def _command(self, command: Command) -> Callable[..., None]:
        def put(_icon: object = None, _item: object = None) -> None:
            log.info("tray: %s", type(command).__name__)
            self.monitor.commands.put(command)

        return put

    def _on_calibrate(self, _icon: object = None, _item: object = None) -> None:
        """With a webcam, the welcome's calibration page (a live skeleton, a
        3-2-1 countdown on screen); otherwise, or without Tk, the loop
        calibrates after a countdown told in notifications."""
        from posturewatch.camera import WebcamSource

        source = self.monitor.source
        if isinstance(source, WebcamSource) and self.windows.open(
                "welcome", "--start-at", "calibrate", "--source", str(source.index)):
            return
        log.info("tray: Calibrate")
        self.monitor.commands.put(Calibrate())

    def _on_done(self, _icon: object = None, _item: object = None) -> None:
        self.monitor.commands.put(Done(self._last_nudge))
        self._last_nudge = None
        self.icon.update_menu()

    def _on_status(self, _icon: object = None, _item: object = None) -> None:
        self.monitor.commands.put(Custom(self._tell_details))

    def _user_config(self) -> Path:
        watch = self.monitor.config_watch
        return Path(watch.user_path) if watch and watch.user_path else paths.user_config_path()

    def _on_settings(self, _icon: object = None, _item: object = None) -> None:
        """Open the settings window (a process of its own); without Tk, the file."""
        path = self._user_config()
        if self.windows.open("settings", "--config", str(path)):
            return
        self._on_open_settings(reason=self.windows.problem)

    def _on_open_settings(self, _icon: object = None, _item: object = None,
                          reason: str | None = None) -> None:
        path = self._user_config()
        try:
            ensure_user_config(path)
        except OSError as exc:
            log.warning("cannot create %s: %s", path, exc)
        opened = self.opener(path)
        if reason or not opened:
            body = _("Edit this file in a text editor: {path}").format(path=path)
            if reason:
                body = f"{reason[:1].upper()}{reason[1:]}. {body}"
            title = _("Settings")
            self.monitor.commands.put(Custom(lambda m, _now: m.tell(title, body)))

    def _on_quit(self, _icon: object = None, _item: object = None) -> None:
        log.info("tray: Quit")
        self.quit()

    def quit(self) -> None:
        """Stop the sampling loop, the icon and our windows (any thread)."""
        self._quitting = True
        self.monitor.stop.set()
        self.windows.close_all()
        self.icon.stop()

    # -- Custom commands: run on the sampling thread with the loop's now ----
    def _pause_until_tomorrow(self, monitor: Monitor, now: datetime) -> None:
        monitor.dispatch(now, monitor.handle(Pause(until=tomorrow_start(now, monitor)), now))

    def _tell_details(self, monitor: Monitor, now: datetime) -> None:
        state = monitor.tracker.state(now)
        body = status_line(state, monitor.tz, monitor.baseline is not None) + "."
        monitor.tell("PostureWatch", body + next_reminder(state, now))

    def _about(self, monitor: Monitor, now: datetime) -> None:
        monitor.tell(
            f"PostureWatch {__version__}",
            _("A quiet posture and sitting-time monitor. It keeps only numbers, on this "
              "computer ({folder}); no picture is ever stored or sent.").format(
                folder=paths.data_dir()),
        )

    def _open_report(self, monitor: Monitor, now: datetime, week: str | None = None) -> None:
        """A week's HTML page (by default last week on the report day, else this
        week so far), with links to the weeks around it, opened in the
        browser (sampling thread)."""
        from posturewatch.report.files import reports_dir

        db_path = monitor.store.path
        monitor.store.flush()
        week = week or default_week(now, monitor.tz, monitor.settings.weekly_report_day)
        target = write_week_pages(db_path, week, monitor.settings, now, monitor.tz,
                                  reports_dir())
        self._refresh_weeks(monitor, now)
        if not self.opener(target):
            monitor.tell(_("Weekly report"), _("Saved as {path}").format(path=target),
                         kind="report")

    def _refresh_weeks(self, monitor: Monitor, now: datetime) -> None:
        """Work out the "Other weeks" list (sampling thread; reads the database)."""
        db_path = monitor.store.path
        day = monitor.settings.weekly_report_day
        weeks = [(w, week_title(w, now, monitor.tz))
                 for w in other_weeks(now, monitor.tz, day, db_path)]
        if weeks != self._weeks:
            self._weeks = weeks
            self.icon.update_menu()

    # -- from the sampling thread --------------------------------------------
    def on_state(self, state: State) -> None:
        """A new State (on change and every tick): refresh icon, tooltip and menu."""
        day = (state.at.astimezone(self.monitor.tz).date(), self.monitor.settings.weekly_report_day)
        if day != self._weeks_day:  # a new day may start a new week or be the report day
            self._weeks_day = day
            self._refresh_weeks(self.monitor, state.at)
        calibrated = self.monitor.baseline is not None
        which = icon_state(state)
        text = tooltip(state, self.monitor.tz, calibrated)
        status = status_line(state, self.monitor.tz, calibrated)
        with self._lock:
            self._state = state
            icon_changed = which is not self._icon_shown
            text_changed = text != self._text or status != self._status
            self._icon_shown, self._text, self._status = which, text, status
        if icon_changed:
            self.icon.icon = draw_icon(which, ICON_SIZE)
        if text_changed or icon_changed:
            self.icon.title = text
            self._set_native_tooltip(text)
            self.icon.update_menu()

    def on_message(self, message: Message, kind: str) -> None:
        """A notification went out; remember the nudge for the menu's Snooze/Done."""
        if kind in KINDS:  # a nudge, not a message about something else
            self._last_nudge = NudgeKind(kind)
            self.icon.update_menu()

    def _set_native_tooltip(self, text: str) -> None:
        """pystray's GTK backend sets only the accessible title; set the hover tooltip too."""
        status_icon = getattr(self.icon, "_status_icon", None)
        if status_icon is None:
            return
        from gi.repository import GLib

        def apply() -> bool:
            status_icon.set_tooltip_text(text)
            return False

        GLib.idle_add(apply)

    # -- life cycle --------------------------------------------------------
    def run(self) -> int:
        """Show the icon and monitor until Quit or the end of the frame source.

        Runs pystray's loop on this (the main) thread; returns the exit code.
        """
        self.monitor.listeners.append(self.on_state)
        self.monitor.tick_listeners.append(self.on_state)
        self.monitor.message_listeners.append(self.on_message)
        if not getattr(self.icon, "HAS_MENU", True):
            log.warning("the %s tray backend shows no menu; install PyGObject for one",
                        self.backend)
        self._install_signals_before()
        try:
            self.icon.run(setup=self._setup)
        except Exception as exc:
            if self.worker is None:  # the backend failed before the icon existed
                self._detach()
                raise TrayUnavailable(f"the {self.backend} tray did not start: {exc}") from exc
            # pystray's GTK backend closes its own notification on the way out
            # and fails when there is no notification server: harmless.
            log.info("tray backend cleanup: %s", exc)
        finally:
            self.monitor.stop.set()
            if self.worker is not None:
                self.worker.join(JOIN_TIMEOUT_S)
                if self.worker.is_alive():
                    log.error("the sampling thread did not stop within %.0f s", JOIN_TIMEOUT_S)
        return self.exit_code

    def _detach(self) -> None:
        """Stop listening to the monitor (it carries on headless without us)."""
        for listeners, fn in ((self.monitor.listeners, self.on_state),
                              (self.monitor.tick_listeners, self.on_state),
                              (self.monitor.message_listeners, self.on_message)):
            if fn in listeners:
                listeners.remove(fn)

    def _setup(self, icon: Any) -> None:
        """pystray calls this on a thread of its own once the icon exists."""
        icon.visible = True
        icon.title = self._text  # pystray applies a title only when it is set
        self.shown_after_s = time.monotonic() - self.started
        log.info("tray icon (%s backend) shown %.2f s after start", self.backend,
                 self.shown_after_s)
        self._install_signals_after()
        self.worker = threading.Thread(target=self._work, name="sampling", daemon=True)
        self.worker.start()
        if self.backend in ("gtk", "appindicator"):
            self._watch_embedding()

    def _work(self) -> None:
        try:
            try:  # the "Other weeks" list before the first tick (the loop's clock)
                self._refresh_weeks(self.monitor, self.monitor.clock.now())
            except Exception:
                log.exception("cannot list the report weeks")
            if self.monitor.baseline is None and not self._welcome():
                self._offer_calibration()
            self.monitor.run()
        except Exception:
            log.exception("the sampling loop failed")
            self.exit_code = 1
        finally:
            if not self._quitting:
                log.info("monitoring ended; closing the tray icon")
            self.icon.stop()

    def _welcome(self) -> bool:
        """First run with a webcam: open the welcome window (what PostureWatch
        does and keeps, camera check, calibration); False when it is not for
        now (done or skipped before, a video source, no Tk)."""
        from posturewatch.onboarding import should_welcome

        if not should_welcome(self.monitor.source):
            return False
        index = getattr(self.monitor.source, "index", self.monitor.settings.camera_index)
        return self.windows.open("welcome", "--source", str(index))

    def _offer_calibration(self) -> None:
        """First run (no baseline): ask for calibration, with a button where possible."""
        message = translated(CALIBRATION_OFFER)
        button = Button(_(CALIBRATE_LABEL), lambda: self.monitor.commands.put(Calibrate()))
        self.monitor.deliver(message.title, message.body, (button,), kind="calibration",
                             icon="info")
        for listener in self.monitor.message_listeners:
            listener(message, "info")

    def _watch_embedding(self) -> None:
        """Say once when no tray host took the icon (GTK shows it when an XEmbed
        tray starts, AppIndicator when a StatusNotifierItem host does)."""
        from gi.repository import GLib

        def check() -> bool:
            if self.shown_in_a_tray() is False:
                message = ("no system tray found on this desktop; monitoring goes on, "
                           "the icon appears when a tray starts, and `posturewatch status` "
                           "tells the state meanwhile")
                if self.choice is not None:
                    advice = install_advice(self.choice.session, self.choice.rejected)
                    if advice:
                        message += f". {advice}"
                log.warning(message)  # the console handler shows it on stderr
            return False

        GLib.timeout_add(int(EMBED_CHECK_S * 1000), check)

    def shown_in_a_tray(self) -> bool | None:
        """Whether a tray host shows the icon now (GTK main loop); None when unknown."""
        status_icon = getattr(self.icon, "_status_icon", None)
        if status_icon is not None:
            return bool(status_icon.is_embedded())
        indicator = getattr(self.icon, "_appindicator", None)
        if indicator is not None:
            try:
                connected = bool(indicator.get_property("connected"))
            except TypeError:  # a libappindicator without the property
                return None
            # Registered with a watcher is not yet shown: a tray (host) must be there too.
            return connected and sni_host_registered() is not False
        return None

    def _install_signals_before(self) -> None:
        """SIGTERM (logout, kill) and SIGINT quit cleanly, closing the database."""
        if self.backend in ("gtk", "appindicator"):
            return  # installed in _setup, after pystray resets SIGINT
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_a: self.quit())

    def _install_signals_after(self) -> None:
        if self.backend not in ("gtk", "appindicator"):
            return
        from gi.repository import GLib

        def on_signal(*_args: object) -> bool:
            log.info("signal received; quitting")
            self.quit()
            return False

        for sig in (signal.SIGTERM, signal.SIGINT):
            GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, on_signal)


def run_tray(monitor: Monitor, resolved: Resolved, started: float | None = None,
             opener: Callable[[Path], bool] = open_path) -> int:
    """``posturewatch run`` with a tray icon; returns the exit code.

    Tries the backends in :mod:`posturewatch.tray_backend`'s order and logs
    which one it took and why not the others. Raises :class:`TrayUnavailable`
    (before starting anything) when none can make an icon here. Call on the
    main thread. ``started`` is the ``time.monotonic()`` of the program start,
    to log how long the icon took.
    """
    problem = display_problem()
    if problem:
        raise TrayUnavailable(problem)
    _name_the_program()
    choice = start_choice()
    for backend in candidates(choice):
        name = backend_name(backend)
        try:
            app = TrayApp(monitor, resolved, backend, opener=opener, started=started)
        except Exception as exc:  # noqa: BLE001 - the backend refused to make an icon
            choice.rejected[name] = f"cannot create a tray icon: {exc}"
            continue
        choice.name = name
        app.choice = choice
        log.info("%s", choice.summary())
        return app.run()
    log.info("%s", choice.summary())
    raise TrayUnavailable(no_tray_message(choice))


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check() -> Check:
    """Which tray backend works on this desktop and session, and what to install
    when no icon can show."""
    from posturewatch.tray_backend import install_advice, no_icon_reason, start_choice

    problem = display_problem()
    if problem:
        from posturewatch.tray_backend import probe_session

        where = probe_session().describe() if sys.platform.startswith("linux") else "here"
        return Check("tray", Status.WARN, f"no tray on {where}: {problem}",
                     "`posturewatch run` carries on without an icon (headless); run it from "
                     "your desktop session to get the icon.")
    choice = start_choice()
    session = choice.session
    try:
        pystray = load_pystray(choice)
    except TrayUnavailable:
        advice = install_advice(session, choice.rejected)
        return Check("tray", Status.FAIL, no_icon_reason(choice), advice or (
            "Install PyGObject and GTK 3 (see the README), or run `posturewatch run "
            "--headless`."))
    backend = choice.name
    rejected = "".join(f"; not {name}: {why}" for name, why in choice.rejected.items())
    detail = f"{session.describe()}: pystray {backend} backend"
    why = f" ({choice.why_order}{rejected})"
    if not getattr(pystray.Icon, "HAS_MENU", True):
        return Check("tray", Status.WARN, f"{detail} (no menu){why}", install_advice(
            session, choice.rejected) or "This backend cannot show the menu: install PyGObject "
            "(see the README) for the GTK or AppIndicator one.")
    if backend == "appindicator":
        if session.sni_watcher is False:
            return Check("tray", Status.WARN,
                         f"{detail}; no StatusNotifierItem host on the session bus{why}",
                         install_advice(session, choice.rejected) or (
                             "Add a StatusNotifierItem tray to your panel; the icon appears as "
                             "soon as one starts, and monitoring goes on meanwhile."))
        if session.sni_host is False:
            return Check("tray", Status.WARN,
                         f"{detail}; a StatusNotifierItem watcher but no tray (host) is "
                         f"registered with it{why}",
                         "Add a StatusNotifierItem tray to your panel; the icon appears as soon "
                         "as one starts, and monitoring goes on meanwhile.")
        if session.sni_host:
            detail += "; a StatusNotifierItem tray is running"
    elif backend in ("gtk", "xorg"):
        if session.xembed_tray is False:
            advice = install_advice(session, choice.rejected)
            return Check("tray", Status.WARN, f"{detail}; no system tray on this X display{why}",
                         (f"{advice} " if advice else "") + "PostureWatch shows its icon as "
                         "soon as a tray appears and keeps monitoring meanwhile.")
        if session.xembed_tray:
            detail += "; a system tray is running"
    return Check("tray", Status.OK, detail + why)

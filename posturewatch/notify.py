"""Desktop notifications behind a small ``Notifier`` protocol.

Two real implementations, chosen by :func:`make_notifier`:

- ``NativeNotifier`` (the ``desktop-notifier`` package): D-Bus on Linux, WinRT
  toasts on Windows, the Notification Center from a macOS app bundle. It can
  put buttons on a notification ("Snooze 10 min", "Done") and tells us when
  one is pressed, and it tells us whether the server accepted a notification.
  Its asyncio loop runs in one daemon thread of its own ("notifications");
  button callbacks run on that thread, so they must only hand work over (the
  app puts a command on the monitor's queue).
- ``PlyerNotifier`` (``plyer``): the fallback when desktop-notifier is not
  installed, or cannot work here (macOS outside an app bundle). No buttons:
  the tray menu carries "Snooze" and "Done" instead. On Linux without
  dbus-python plyer would run ``notify-send`` and ignore its exit status, so
  there we run ``notify-send`` ourselves and check it.

Why desktop-notifier first: plyer has no way to receive a button press (its
D-Bus path sends actions but never listens for ``ActionInvoked``), its
Windows path draws a balloon from a second tray icon of its own, and on Linux
it silently ignores a failing ``notify-send``. desktop-notifier is maintained,
typed, pure Python on Linux (dbus-fast) and gives buttons on all three
desktops. plyer stays as the fallback because it needs nothing compiled.

Whatever the backend, a failure (no notification server, no bus) is logged
once, ``show`` returns False, and monitoring goes on; the next success is
logged too. ``RecordingNotifier`` keeps what it was asked to show, for tests
and replays. ``show`` is called from the sampling thread.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

SEND_TIMEOUT_S = 5.0  # real seconds the sampling thread waits for the server


@dataclass(frozen=True)
class Button:
    """A button on a notification. ``on_press`` runs on the notifier's own thread."""

    label: str
    on_press: Callable[[], None]


class Notifier(Protocol):
    def show(self, title: str, body: str) -> bool:
        """Show one notification; True when the backend accepted it."""
        ...


def supports_buttons(notifier: object) -> bool:
    """True when ``notifier.show(title, body, buttons)`` puts working buttons on screen."""
    return bool(getattr(notifier, "supports_buttons", False))


@dataclass
class Shown:
    """One notification a ``RecordingNotifier`` was asked to show."""

    title: str
    body: str
    buttons: tuple[Button, ...] = ()


@dataclass
class RecordingNotifier:
    """Keeps every notification in ``shown`` as (title, body); shows nothing.

    ``supports_buttons=True`` makes it accept buttons (kept in ``log``), and
    :meth:`press` presses one, as a user would. ``working=False`` makes every
    ``show`` fail, like a desktop without a notification server.
    """

    shown: list[tuple[str, str]] = field(default_factory=list)
    log: list[Shown] = field(default_factory=list)
    supports_buttons: bool = False
    working: bool = True

    def show(self, title: str, body: str, buttons: Sequence[Button] = ()) -> bool:
        if not self.working:
            return False
        self.shown.append((title, body))
        self.log.append(Shown(title, body, tuple(buttons)))
        return True

    def press(self, label: str) -> None:
        """Press the button ``label`` of the latest notification that has one."""
        for item in reversed(self.log):
            for button in item.buttons:
                if button.label == label:
                    button.on_press()
                    return
        raise LookupError(f"no notification shown with a {label!r} button")


class _FailureLog:
    """Log the first failure of an episode and the recovery after it."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.failed = False
        self.reason = ""

    def failure(self, reason: str) -> bool:
        if not self.failed:
            log.warning("%s are not working (%s); monitoring goes on", self.what, reason)
        self.failed = True
        self.reason = reason
        return False

    def success(self) -> bool:
        if self.failed:
            log.info("%s work again", self.what)
        self.failed = False
        self.reason = ""
        return True


class PlyerNotifier:
    """Notifications through plyer (D-Bus or notify-send on Linux, a balloon on
    Windows, pyobjus on macOS). No buttons."""

    supports_buttons = False

    def __init__(self, app_name: str = "PostureWatch", timeout_s: int = 10) -> None:
        self.app_name = app_name
        self.timeout_s = timeout_s
        self._log = _FailureLog("notifications (plyer)")

    @property
    def failing(self) -> bool:
        return self._log.failed

    def show(self, title: str, body: str, buttons: Sequence[Button] = ()) -> bool:
        if _use_notify_send():
            return self._notify_send(title, body)
        try:
            from plyer import notification

            notification.notify(
                title=title, message=body, app_name=self.app_name, timeout=self.timeout_s
            )
        except Exception as exc:  # noqa: BLE001 - any backend failure is the same to us
            return self._log.failure(f"{type(exc).__name__}: {exc}")
        return self._log.success()

    def _notify_send(self, title: str, body: str) -> bool:
        """What plyer does on Linux without dbus-python, but checking the exit
        status (plyer ignores it, so a missing server would go unnoticed)."""
        command = ["notify-send", "-a", self.app_name, "-t", str(self.timeout_s * 1000),
                   "--", title, body]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=SEND_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return self._log.failure(f"notify-send: {exc}")
        if result.returncode != 0:
            reason = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
            return self._log.failure(f"notify-send: {reason[0]}")
        return self._log.success()

    def close(self) -> None:
        pass


def _use_notify_send() -> bool:
    """Linux without dbus-python: plyer would run notify-send (unchecked)."""
    if not sys.platform.startswith("linux"):
        return False
    import importlib.util

    return importlib.util.find_spec("dbus") is None


def native_available() -> tuple[bool, str]:
    """Whether desktop-notifier can show notifications here, and why not."""
    try:
        from desktop_notifier.main import get_backend_class
    except ImportError:
        return False, "the desktop-notifier package is not installed"
    try:
        backend = get_backend_class()
    except Exception as exc:  # noqa: BLE001
        return False, f"desktop-notifier has no backend here ({exc})"
    if backend.__name__ == "DummyNotificationCenter":
        if sys.platform == "darwin":
            return False, "macOS shows notifications only from an app bundle"
        return False, "desktop-notifier has no backend for this system"
    return True, backend.__name__


class NativeNotifier:
    """Notifications with buttons through desktop-notifier (see the module docstring).

    ``icon`` is a PNG shown beside the text where the desktop allows it.
    ``timeout_s``: how long the sampling thread waits for the server to take
    a notification (real seconds). Raises ImportError when the package is
    missing; call :meth:`close` when done (it stops the notifier thread).
    """

    def __init__(self, app_name: str = "PostureWatch", icon: Path | None = None,
                 timeout_s: float = SEND_TIMEOUT_S) -> None:
        from desktop_notifier import DesktopNotifier, Icon

        # desktop-notifier logs a warning with a traceback for every failed
        # notification; we log one line per episode instead.
        logging.getLogger("desktop_notifier").setLevel(logging.ERROR)
        self.app_name = app_name
        self.timeout_s = timeout_s
        self._log = _FailureLog("notifications")
        self._buttons: bool | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="notifications",
                                        daemon=True)
        self._thread.start()
        app_icon = Icon(path=icon) if icon is not None else None

        async def make() -> Any:
            return DesktopNotifier(app_name=app_name, app_icon=app_icon)

        self._notifier = self._call(make(), timeout_s)

    def _call(self, coro: Coroutine[Any, Any, T], timeout_s: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout_s)
        except TimeoutError:
            future.cancel()
            raise

    @property
    def failing(self) -> bool:
        return self._log.failed

    @property
    def supports_buttons(self) -> bool:
        """True when the notification server shows buttons; asks it once (and
        again after a failure). False while there is no server."""
        if self._buttons is None and not self._log.failed:
            caps = self.capabilities()
            if caps is None:
                self._log.failure("no notification server answered on this desktop")
            else:
                self._buttons = "buttons" in caps
        return bool(self._buttons)

    def capabilities(self) -> set[str] | None:
        """What the notification server can do ("buttons", "on_clicked", ...),
        or None when it cannot be reached."""
        try:
            caps = self._call(self._notifier.get_capabilities(), self.timeout_s)
        except Exception as exc:  # noqa: BLE001
            log.debug("cannot read notification capabilities: %s", exc)
            self._drop_connection()
            return None
        return {c.name.lower() for c in caps}

    def show(self, title: str, body: str, buttons: Sequence[Button] = ()) -> bool:
        """Show one notification (with ``buttons`` where supported); never raises."""
        from desktop_notifier import Button as NativeButton

        dispatched = threading.Event()
        native = [NativeButton(title=b.label, on_pressed=_guarded(b)) for b in buttons]
        try:
            self._call(
                self._notifier.send(title, body, buttons=native, on_dispatched=dispatched.set),
                self.timeout_s,
            )
        except Exception as exc:  # noqa: BLE001
            self._buttons = None
            self._drop_connection()
            return self._log.failure(f"{type(exc).__name__}: {exc}")
        if not dispatched.is_set():
            self._buttons = None
            self._drop_connection()
            return self._log.failure("no notification server answered on this desktop")
        return self._log.success()

    def _drop_connection(self) -> None:
        """After a failure, close desktop-notifier's D-Bus connection (it opens
        a new one on the next try), so a desktop without a notification server
        does not collect open sockets."""
        backend = getattr(self._notifier, "_backend", None)
        bus = getattr(backend, "bus", None)
        if bus is None:
            return
        try:
            self._loop.call_soon_threadsafe(bus.disconnect)
        except Exception:  # noqa: BLE001 - best effort
            pass
        backend.bus = None
        backend.interface = None

    def close(self) -> None:
        """Stop the notifier thread (pending button presses are dropped)."""
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=1.0)


def _guarded(button: Button) -> Callable[[], None]:
    def press() -> None:
        try:
            button.on_press()
        except Exception:
            log.exception("notification button %r failed", button.label)

    return press


def make_notifier(app_name: str = "PostureWatch", icon: Path | None = None) -> Notifier:
    """The best notifier this system has: desktop-notifier, else plyer."""
    ok, why = native_available()
    if ok:
        try:
            return NativeNotifier(app_name, icon)
        except Exception as exc:  # noqa: BLE001
            why = f"desktop-notifier failed to start ({exc})"
    log.info("notifications through plyer, without buttons: %s", why)
    return PlyerNotifier(app_name)

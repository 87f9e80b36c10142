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

Kinds (``show(..., kind=, icon=)``): a kind ("break", "water",
"calibration" ...) names what a notification is about. A
new one of a kind *replaces* the previous one of that kind instead of piling
up beside it: the freedesktop ``replaces_id`` on Linux (desktop-notifier 6
always sends 0, so we pass the id of the kind's last notification through its
D-Bus proxy; ``notify-send -r`` in the fallback), the same toast tag on
Windows and the same request identifier on macOS (both replace natively).
``icon`` names a picture from ``icons.NoteIcon`` (default: the kind's own),
so a warning never carries the green "upright" tick.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from posturewatch.checks import Check, Status
from posturewatch.nudge_kinds import KINDS

log = logging.getLogger(__name__)

T = TypeVar("T")

SEND_TIMEOUT_S = 5.0  # real seconds the sampling thread waits for the server


@dataclass(frozen=True)
class Button:
    """A button on a notification. ``on_press`` runs on the notifier's own thread."""

    label: str
    on_press: Callable[[], None]


class Notifier(Protocol):
    """What the monitor needs of a notification backend (the whole contract).

    ``supports_buttons``: whether ``show``'s ``buttons`` appear on screen and
    work; without them the tray menu carries "Snooze" and "Done" (buttons
    passed anyway are dropped). ``show``: one notification, replacing the
    last one of ``kind`` and carrying ``icon`` (default: the kind's, see
    :func:`icon_for`) where the desktop allows; True when the backend
    accepted it; never raises. ``close``: stop what the backend runs (its
    thread); called once, by the owner that made it (``runner``).
    """

    @property
    def supports_buttons(self) -> bool: ...

    def show(self, title: str, body: str, buttons: Sequence[Button] = (),
             kind: str | None = None, icon: str | None = None) -> bool: ...

    def close(self) -> None: ...


# The icon a kind shows when ``icon`` is not given (names of ``icons.NoteIcon``):
# each nudge kind's own (``nudge_kinds.KINDS``), then the other messages'.
KIND_ICONS = {
    **{kind.value: spec.icon for kind, spec in KINDS.items()},
    "info": "info", "calibration": "upright", "settings": "problem", "camera": "problem",
    "report": "report",
}


def icon_for(kind: str | None, icon: str | None) -> str | None:
    """The icon name for a notification of ``kind`` (``icon`` wins when given)."""
    return icon or KIND_ICONS.get(kind or "")


@dataclass
class Shown:
    """One notification a ``RecordingNotifier`` was asked to show. ``replaced``
    is the index in ``log`` of the notification of the same kind it replaced."""

    title: str
    body: str
    buttons: tuple[Button, ...] = ()
    kind: str | None = None
    icon: str | None = None
    replaced: int | None = None


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
    on_screen: dict[str, int] = field(default_factory=dict)  # kind -> index in log

    def show(self, title: str, body: str, buttons: Sequence[Button] = (),
             kind: str | None = None, icon: str | None = None) -> bool:
        if not self.working:
            return False
        self.shown.append((title, body))
        replaced = self.on_screen.get(kind) if kind else None
        self.log.append(Shown(title, body, tuple(buttons), kind, icon_for(kind, icon), replaced))
        if kind:
            self.on_screen[kind] = len(self.log) - 1
        return True

    def press(self, label: str) -> None:
        """Press the button ``label`` of the latest notification that has one."""
        for item in reversed(self.log):
            for button in item.buttons:
                if button.label == label:
                    button.on_press()
                    return
        raise LookupError(f"no notification shown with a {label!r} button")

    def close(self) -> None:
        pass


class _FailureLog:
    """Log the first failure of an episode and the recovery after it. Safe
    across threads: the tray (menu) and the sampling loop (nudges) may both
    find the server gone at the same moment, and that is one episode."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.failed = False
        self.reason = ""
        self._lock = threading.Lock()

    def failure(self, reason: str) -> bool:
        with self._lock:
            first = not self.failed
            self.failed = True
            self.reason = reason
        if first:
            log.warning("%s are not working (%s); monitoring goes on", self.what, reason)
        return False

    def success(self) -> bool:
        with self._lock:
            recovered = self.failed
            self.failed = False
            self.reason = ""
        if recovered:
            log.info("%s work again", self.what)
        return True


class PlyerNotifier:
    """Notifications through plyer (D-Bus or notify-send on Linux, a balloon on
    Windows, pyobjus on macOS). No buttons."""

    supports_buttons = False  # notify-send replaces and shows icons; plyer ignores kinds

    def __init__(self, app_name: str = "PostureWatch", timeout_s: int = 10,
                 icons: Mapping[str, Path] | None = None) -> None:
        self.app_name = app_name
        self.timeout_s = timeout_s
        self.icons = dict(icons or {})
        self._ids: dict[str, int] = {}  # kind -> notify-send's id of its last notification
        self._log = _FailureLog("notifications (plyer)")

    @property
    def failing(self) -> bool:
        return self._log.failed

    def show(self, title: str, body: str, buttons: Sequence[Button] = (),
             kind: str | None = None, icon: str | None = None) -> bool:
        if _use_notify_send():
            return self._notify_send(title, body, kind, icon_for(kind, icon))
        try:
            from plyer import notification

            notification.notify(
                title=title, message=body, app_name=self.app_name, timeout=self.timeout_s
            )
        except Exception as exc:  # noqa: BLE001 - any backend failure is the same to us
            return self._log.failure(f"{type(exc).__name__}: {exc}")
        return self._log.success()

    def _notify_send(self, title: str, body: str, kind: str | None = None,
                     icon: str | None = None) -> bool:
        """What plyer does on Linux without dbus-python, but checking the exit
        status (plyer ignores it, so a missing server would go unnoticed), with
        the kind's icon, and replacing the kind's last notification (``-r``;
        ``-p`` prints the id to replace next time)."""
        command = ["notify-send", "-a", self.app_name, "-t", str(self.timeout_s * 1000), "-p"]
        if icon and icon in self.icons:
            command += ["-i", str(self.icons[icon])]
        if kind and kind in self._ids:
            command += ["-r", str(self._ids[kind])]
        command += ["--", title, body]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=SEND_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return self._log.failure(f"notify-send: {exc}")
        if result.returncode != 0:
            reason = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
            return self._log.failure(f"notify-send: {reason[0]}")
        printed = result.stdout.strip()
        if kind and printed.isdigit():  # an old notify-send without -p prints nothing
            self._ids[kind] = int(printed)
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
                 timeout_s: float = SEND_TIMEOUT_S,
                 icons: Mapping[str, Path] | None = None) -> None:
        from desktop_notifier import DesktopNotifier, Icon

        # desktop-notifier logs a warning with a traceback for every failed
        # notification; we log one line per episode instead.
        logging.getLogger("desktop_notifier").setLevel(logging.ERROR)
        self.app_name = app_name
        self.timeout_s = timeout_s
        self.icons = dict(icons or {})
        self._platform_ids: dict[str, int] = {}  # D-Bus: kind -> id of its last notification
        self._log = _FailureLog("notifications")
        self._buttons: bool | None = None
        self._asking = threading.Lock()
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
        with self._asking:  # one question at a time (the tray and the loop both ask)
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

    def show(self, title: str, body: str, buttons: Sequence[Button] = (),
             kind: str | None = None, icon: str | None = None) -> bool:
        """Show one notification (with ``buttons`` where supported), replacing
        the last one of ``kind``; never raises."""
        from desktop_notifier import Button as NativeButton
        from desktop_notifier import Icon, Notification

        dispatched = threading.Event()
        native = [NativeButton(title=b.label, on_pressed=_guarded(b)) for b in buttons]
        picture = self.icons.get(icon_for(kind, icon) or "")
        extra: dict[str, Any] = {}
        if kind and not self._is_dbus():
            # Windows (toast tag) and macOS (request identifier) replace a
            # notification that has the same identifier.
            extra["identifier"] = f"posturewatch-{kind}"
        note = Notification(title, body, buttons=tuple(native), on_dispatched=dispatched.set,
                            icon=Icon(path=picture) if picture is not None else None, **extra)
        try:
            self._call(self._send(note, kind), self.timeout_s)
        except Exception as exc:  # noqa: BLE001
            self._buttons = None
            self._drop_connection()
            return self._log.failure(f"{type(exc).__name__}: {exc}")
        if not dispatched.is_set():
            self._buttons = None
            self._drop_connection()
            return self._log.failure("no notification server answered on this desktop")
        return self._log.success()

    def _is_dbus(self) -> bool:
        backend = getattr(self._notifier, "_backend", None)
        return type(backend).__name__ == "DBusDesktopNotifier"

    async def _send(self, note: Any, kind: str | None) -> None:
        """Send ``note`` on the notifier's loop; on D-Bus, as a replacement of
        the last notification of ``kind`` (its ``replaces_id``)."""
        backend = getattr(self._notifier, "_backend", None)
        previous = self._platform_ids.get(kind) if kind else None
        interface = getattr(backend, "interface", None)
        if not self._is_dbus() or previous is None or interface is None:
            await self._notifier.send_notification(note)
        else:
            backend.interface = _Replacing(interface, previous)
            try:
                await self._notifier.send_notification(note)
            finally:
                if isinstance(backend.interface, _Replacing):
                    backend.interface = interface
        if kind and self._is_dbus():
            ids = getattr(backend, "_platform_to_interface_notification_identifier", None)
            platform_id = ids.inverse.get(note.identifier) if ids is not None else None
            if isinstance(platform_id, int):
                self._platform_ids[kind] = platform_id

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
        self._platform_ids.clear()  # a new connection (maybe a new server): nothing to replace

    def close(self) -> None:
        """Stop the notifier thread (pending button presses are dropped)."""
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=1.0)


class _Replacing:
    """desktop-notifier's D-Bus proxy, but ``Notify`` replaces ``replaces_id``
    (desktop-notifier 6 always passes 0). Everything else goes to the proxy."""

    def __init__(self, interface: Any, replaces_id: int) -> None:
        self._interface = interface
        self._replaces_id = replaces_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._interface, name)

    async def call_notify(self, app_name: str, _replaces_id: int, *args: Any,
                          **kwargs: Any) -> Any:
        return await self._interface.call_notify(app_name, self._replaces_id, *args, **kwargs)


def _guarded(button: Button) -> Callable[[], None]:
    def press() -> None:
        try:
            button.on_press()
        except Exception:
            log.exception("notification button %r failed", button.label)

    return press


def make_notifier(app_name: str = "PostureWatch", icon: Path | None = None,
                  icons: Mapping[str, Path] | None = None) -> Notifier:
    """The best notifier this system has: desktop-notifier, else plyer.
    ``icons``: icon name -> PNG (``icons.write_note_icons``)."""
    ok, why = native_available()
    if ok:
        try:
            return NativeNotifier(app_name, icon, icons=icons)
        except Exception as exc:  # noqa: BLE001
            why = f"desktop-notifier failed to start ({exc})"
    log.info("notifications through plyer, without buttons: %s", why)
    return PlyerNotifier(app_name, icons=icons)


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check(send: bool = False) -> Check:
    """Whether notifications reach the screen here, with buttons or not (``send``:
    show a test notification too)."""
    linux = sys.platform.startswith("linux")
    if linux and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return Check("notifications", Status.FAIL, "no D-Bus session bus, so no notifications",
                     _notification_fix())
    ok, why = native_available()
    if ok:
        notifier = NativeNotifier()
        try:
            caps = notifier.capabilities()
            if caps is None:
                return Check("notifications", Status.FAIL,
                             "no notification server answers on this desktop session",
                             _notification_fix())
            buttons = "with buttons (Snooze, Done)" if "buttons" in caps else (
                "without buttons (Snooze and Done are in the tray menu)")
            detail = f"desktop-notifier ({why}): the server answers, {buttons}"
            if send and not notifier.show("PostureWatch doctor", "Notifications work."):
                return Check("notifications", Status.FAIL, f"{detail}, but the test "
                             "notification was refused", _notification_fix())
            return Check("notifications", Status.OK, detail + (
                "; a test notification was sent" if send else ""))
        finally:
            notifier.close()
    detail = f"plyer, without buttons ({why})"
    if linux:
        server = linux_notification_server()
        if server is False:
            return Check("notifications", Status.FAIL,
                         "no notification server answers on this desktop session",
                         _notification_fix())
        if server:
            detail += f"; the server is {server}"
    if send:
        if not PlyerNotifier().show("PostureWatch doctor", "Notifications work."):
            return Check("notifications", Status.FAIL, f"{detail}: the test notification "
                         "failed", _notification_fix())
        detail += "; a test notification was sent (check that you saw it)"
    return Check("notifications", Status.WARN, detail,
                 "Install desktop-notifier (pip install desktop-notifier) for notification "
                 "buttons and to know when notifications fail.")


def linux_notification_server() -> str | bool | None:
    """The name of the notification server on the session bus, False when none
    answers, None when that cannot be asked (no PyGObject)."""
    try:
        from gi.repository import Gio, GLib
    except Exception:  # noqa: BLE001
        return None
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync(
            "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications", "GetServerInformation", None,
            GLib.VariantType.new("(ssss)"), Gio.DBusCallFlags.NONE, 3000, None)
    except GLib.Error:
        return False
    name, vendor, version, _spec = reply.unpack()
    return f"{name} {version} ({vendor})"


def _notification_fix() -> str:
    if sys.platform.startswith("linux"):
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return ("There is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): "
                    "start PostureWatch from your desktop session, not over ssh or cron.")
        return ("Start a notification server (your desktop has one; on a bare window "
                "manager install dunst or mako).")
    if sys.platform == "win32":
        return "Turn on notifications in Settings > System > Notifications."
    return "Allow notifications for PostureWatch in System Settings > Notifications."

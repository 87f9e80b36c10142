"""D-Bus for the desktop probes (Linux): dbus-fast on a private asyncio thread.

The probes in ``lock.py``, ``idle.py`` and ``quiet.py`` ask the session bus
(Mutter's idle monitor, the notification server) and the system bus (logind)
small questions once a tick, and logind tells about screen locks with
signals. dbus-fast (already here for desktop-notifier) is asyncio-only, so
one daemon thread runs an event loop for every :class:`DBusLink`; a call from
the sampling thread waits for its answer at most ``timeout_s``.

Nothing here raises into the caller: a bus that is not there, a name nobody
owns, an error reply or a timeout all give ``None``; a bus that cannot be
reached is tried again after :data:`RETRY_S`. The system bus address follows
``DBUS_SYSTEM_BUS_ADDRESS`` when it is set, as every D-Bus client does (the
tests point it at a private bus with a stand-in logind).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)

RETRY_S = 60.0
"""Real seconds before a bus that could not be reached is tried again."""

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _shared_loop() -> asyncio.AbstractEventLoop:
    """The one event loop (on its own daemon thread) all links use."""
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="dbus", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def available() -> bool:
    """Whether dbus-fast can be imported (Linux installs have it)."""
    try:
        import dbus_fast  # noqa: F401
    except ImportError:
        return False
    return True


class DBusLink:
    """One connection to the ``"session"`` or ``"system"`` bus, made on first use.

    Calls may come from any thread; signal handlers run on the D-Bus thread
    and must only store what they learn.
    """

    def __init__(self, bus: str = "session", timeout_s: float = 1.0) -> None:
        if bus not in ("session", "system"):
            raise ValueError(f"bus must be 'session' or 'system', not {bus!r}")
        self.bus = bus
        self.timeout_s = timeout_s
        self._conn: Any = None
        self._next_try = 0.0
        self._told = False
        self._lock = threading.Lock()
        self._subscriptions: list[tuple[str, Callable[[Any], None]]] = []

    # -- connection ----------------------------------------------------------
    def _run(self, coro: Coroutine[Any, Any, T], timeout_s: float | None = None) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, _shared_loop())
        try:
            return future.result(timeout_s or self.timeout_s)
        except BaseException:
            future.cancel()
            raise

    def connect(self) -> bool:
        """Connect if not connected; False when the bus cannot be reached now."""
        with self._lock:
            if self._conn is not None and self._conn.connected:
                return True
            if time.monotonic() < self._next_try:
                return False
            try:
                from dbus_fast import BusType
                from dbus_fast.aio import MessageBus
            except ImportError:
                self._next_try = float("inf")
                return False
            kind = BusType.SYSTEM if self.bus == "system" else BusType.SESSION

            async def make() -> Any:
                return await MessageBus(bus_type=kind).connect()

            try:
                self._conn = self._run(make(), max(self.timeout_s, 2.0))
            except Exception as exc:  # no bus, refused, timed out
                self._conn = None
                self._next_try = time.monotonic() + RETRY_S
                if not self._told:
                    log.info("no D-Bus %s bus (%s); its signals are not used",
                             self.bus, exc or type(exc).__name__)
                    self._told = True
                return False
            for rule, on_message in self._subscriptions:  # again, after a reconnect
                self._add_match(self._conn, rule, on_message)
            return True

    def _add_match(self, conn: Any, rule: str, on_message: Callable[[Any], None]) -> bool:
        from dbus_fast import Message, MessageType

        message = Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                          interface="org.freedesktop.DBus", member="AddMatch", signature="s",
                          body=[rule])
        try:
            reply = self._run(conn.call(message))
        except Exception as exc:
            log.debug("D-Bus AddMatch %r failed: %s", rule, exc)
            return False
        if reply is None or reply.message_type is MessageType.ERROR:
            return False
        conn.add_message_handler(on_message)
        return True

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001 - closing anyway
                pass

    # -- calls ---------------------------------------------------------------
    def call(self, destination: str, path: str, interface: str, member: str,
             signature: str = "", body: Sequence[object] = (),
             auto_start: bool = False) -> list[Any] | None:
        """A method call's reply body, or None (no bus, no such name, an error).

        ``auto_start`` False (the default) never starts a service just to ask it."""
        if not self.connect():
            return None
        from dbus_fast import Message, MessageFlag, MessageType

        message = Message(destination=destination, path=path, interface=interface,
                          member=member, signature=signature, body=list(body),
                          flags=MessageFlag.NONE if auto_start else MessageFlag.NO_AUTOSTART)
        conn = self._conn
        try:
            reply = self._run(conn.call(message))
        except Exception as exc:  # timed out, or the connection dropped
            log.debug("D-Bus %s.%s on %s failed: %s", interface, member, destination, exc)
            if not conn.connected:
                self._conn = None
            return None
        if reply is None or reply.message_type is MessageType.ERROR:
            log.debug("D-Bus %s.%s on %s: %s", interface, member, destination,
                      reply.error_name if reply is not None else "no reply")
            return None
        return list(reply.body)

    def get(self, destination: str, path: str, interface: str, name: str) -> Any:
        """A property's value (the variant unpacked), or None."""
        body = self.call(destination, path, "org.freedesktop.DBus.Properties", "Get", "ss",
                         (interface, name))
        if not body:
            return None
        value = body[0]
        return getattr(value, "value", value)

    def subscribe(self, rule: str, handler: Callable[[Any], None]) -> bool:
        """Ask the bus for the signals matching ``rule`` (a D-Bus match rule) and
        hand every incoming message to ``handler`` (it filters; it runs on the
        D-Bus thread). True when the bus took the rule."""
        if not self.connect():
            return False
        from dbus_fast import MessageType

        def on_message(message: Any) -> None:
            if message.message_type is MessageType.SIGNAL:
                try:
                    handler(message)
                except Exception:
                    log.exception("D-Bus signal handler failed")

        conn = self._conn
        if conn is None or not self._add_match(conn, rule, on_message):
            return False
        self._subscriptions.append((rule, on_message))
        return True

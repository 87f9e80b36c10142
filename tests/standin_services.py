"""Stand-ins for logind and GNOME's idle monitor, on a (private) bus.

    python tests/standin_services.py BUS_ADDRESS [SESSION_ID]

Owns ``org.freedesktop.login1`` and ``org.gnome.Mutter.IdleMonitor`` on the
bus at BUS_ADDRESS and serves the parts PostureWatch reads, with logind's own
names and types:

- ``/org/freedesktop/login1`` ``org.freedesktop.login1.Manager``:
  ``GetSession(s) -> o``, ``GetSessionByPID(u) -> o`` (always "no session",
  as for a process outside any), ``LockSession(s)``, ``UnlockSession(s)``
  (what ``loginctl lock-session`` / ``unlock-session`` call: the session
  emits ``Lock`` / ``Unlock``);
- ``/org/freedesktop/login1/session/<id>`` ``org.freedesktop.login1.Session``:
  properties ``Id``, ``LockedHint``, ``IdleHint``, ``IdleSinceHint``; methods
  ``SetLockedHint(b)`` and ``SetIdleHint(b)`` (what a screen locker and a
  desktop call; they emit ``PropertiesChanged``), signals ``Lock``, ``Unlock``;
- ``/org/gnome/Mutter/IdleMonitor/Core`` ``org.gnome.Mutter.IdleMonitor``:
  ``GetIdletime() -> t`` (milliseconds), plus ``SetIdletime(t)`` to set it.

Prints "ready" on stdout once both names are owned. Test helper only.
"""

import asyncio
import sys
import time

from dbus_fast import DBusError, PropertyAccess
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_property, method, signal


class Session(ServiceInterface):
    def __init__(self, session_id: str) -> None:
        super().__init__("org.freedesktop.login1.Session")
        self._id = session_id
        self._locked = False
        self._idle = False
        self._idle_since = 0

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> "s":  # noqa: F821, N802
        return self._id

    @dbus_property(access=PropertyAccess.READ)
    def LockedHint(self) -> "b":  # noqa: F821, N802
        return self._locked

    @dbus_property(access=PropertyAccess.READ)
    def IdleHint(self) -> "b":  # noqa: F821, N802
        return self._idle

    @dbus_property(access=PropertyAccess.READ)
    def IdleSinceHint(self) -> "t":  # noqa: F821, N802
        return self._idle_since

    @method()
    def SetLockedHint(self, locked: "b") -> None:  # noqa: F821, N802
        self._locked = locked
        self.emit_properties_changed({"LockedHint": locked})

    @method()
    def SetIdleHint(self, idle: "b") -> None:  # noqa: F821, N802
        self._idle = idle
        self._idle_since = int(time.time() * 1e6)
        self.emit_properties_changed({"IdleHint": idle, "IdleSinceHint": self._idle_since})

    @signal()
    def Lock(self) -> None:  # noqa: N802
        pass

    @signal()
    def Unlock(self) -> None:  # noqa: N802
        pass


class Manager(ServiceInterface):
    def __init__(self, session: Session, path: str) -> None:
        super().__init__("org.freedesktop.login1.Manager")
        self._session = session
        self._path = path

    def _check(self, session_id: str) -> None:
        if session_id != self._session._id:
            raise DBusError("org.freedesktop.login1.NoSuchSession",
                            f"No session '{session_id}' known")

    @method()
    def GetSession(self, session_id: "s") -> "o":  # noqa: F821, N802
        self._check(session_id)
        return self._path

    @method()
    def GetSessionByPID(self, pid: "u") -> "o":  # noqa: F821, N802
        raise DBusError("org.freedesktop.login1.NoSessionForPID",
                        f"PID {pid} does not belong to any known session")

    @method()
    def LockSession(self, session_id: "s") -> None:  # noqa: F821, N802
        self._check(session_id)
        self._session.Lock()

    @method()
    def UnlockSession(self, session_id: "s") -> None:  # noqa: F821, N802
        self._check(session_id)
        self._session.Unlock()


class IdleMonitor(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.gnome.Mutter.IdleMonitor")
        self._idle_ms = 0

    @method()
    def GetIdletime(self) -> "t":  # noqa: F821, N802
        return self._idle_ms

    @method()
    def SetIdletime(self, idle_ms: "t") -> None:  # noqa: F821, N802
        self._idle_ms = idle_ms


async def main(address: str, session_id: str) -> None:
    bus = await MessageBus(bus_address=address).connect()
    path = f"/org/freedesktop/login1/session/{session_id}"
    session = Session(session_id)
    bus.export(path, session)
    bus.export("/org/freedesktop/login1", Manager(session, path))
    bus.export("/org/gnome/Mutter/IdleMonitor/Core", IdleMonitor())
    await bus.request_name("org.freedesktop.login1")
    await bus.request_name("org.gnome.Mutter.IdleMonitor")
    print("ready", flush=True)
    await bus.wait_for_disconnect()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "c7"))

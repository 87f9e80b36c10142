"""Which pystray backend shows the icon on this desktop, and why.

pystray picks its Linux backend on import, trying AppIndicator, GTK and Xorg
in turn, but it only catches ``ImportError``: a PyGObject without the
AppIndicator typelib raises ``ValueError`` ("Namespace AyatanaAppIndicator3
not available") and the whole import fails, although GTK would work. And it
does not know the desktop: on Wayland only StatusNotifierItem icons
(AppIndicator) can show, while on an X desktop without a StatusNotifierItem
host AppIndicator itself falls back to an XEmbed icon without a left-click
action. So we choose here and import that backend ourselves:

============================  ===========================================
session                       order tried
============================  ===========================================
``PYSTRAY_BACKEND`` set       that backend only
Wayland                       appindicator; gtk, xorg through XWayland
X11, an SNI host registered   appindicator, gtk, xorg
X11 without one               gtk, appindicator, xorg
no display                    none (headless)
============================  ===========================================

A backend is skipped before its import when what it needs is missing
(PyGObject, a typelib, an X display, python-xlib) and when its import raises
anything; the reasons are kept for the log and for ``posturewatch doctor``,
which also says what to install (:func:`install_advice`).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

log = logging.getLogger(__name__)

LINUX_BACKENDS = ("appindicator", "gtk", "xorg")
KNOWN_BACKENDS = (*LINUX_BACKENDS, "win32", "darwin", "dummy")
SNI_WATCHER = "org.kde.StatusNotifierWatcher"

# What to install, by family (doctor and the no-tray message quote these).
APPINDICATOR_PACKAGES = {
    "Debian/Ubuntu": "sudo apt install gir1.2-ayatanaappindicator3-0.1",
    "Fedora": "sudo dnf install libayatana-appindicator-gtk3",
}
PYGOBJECT_PACKAGES = {
    "Debian/Ubuntu": "sudo apt install python3-gi gir1.2-gtk-3.0",
    "Fedora": "sudo dnf install python3-gobject gtk3",
}
GNOME_EXTENSION = {
    "Debian/Ubuntu": "sudo apt install gnome-shell-extension-appindicator",
    "Fedora": "sudo dnf install gnome-shell-extension-appindicator",
}
GNOME_EXTENSION_UUID = "appindicatorsupport@rgcjonas.gmail.com"


class NoTrayBackend(Exception):
    """No pystray backend can show an icon here; the message says why and what to do."""


# -- the session -----------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    """What the desktop offers a tray icon (read once, at start)."""

    desktop: str = ""  # XDG_CURRENT_DESKTOP ("GNOME", "ubuntu:GNOME", "KDE" ...)
    session_type: str = ""  # XDG_SESSION_TYPE ("x11", "wayland", "tty"), or ""
    display: str = ""  # DISPLAY (X11, or XWayland on a Wayland session)
    wayland_display: str = ""  # WAYLAND_DISPLAY
    sni_watcher: bool | None = None  # org.kde.StatusNotifierWatcher on the bus; None: unknown
    sni_host: bool | None = None  # the watcher says a host (a tray) is registered; None: unknown
    xembed_tray: bool | None = None  # an XEmbed tray owns _NET_SYSTEM_TRAY_S0; None: unknown

    @property
    def wayland(self) -> bool:
        return self.session_type == "wayland" or bool(self.wayland_display)

    @property
    def gnome(self) -> bool:
        return "gnome" in self.desktop.lower().split(":")

    def describe(self) -> str:
        """E.g. 'GNOME on Wayland' or 'an unnamed desktop (XDG_CURRENT_DESKTOP unset) on X11'."""
        desktop = self.desktop or "an unnamed desktop (XDG_CURRENT_DESKTOP unset)"
        if self.wayland:
            kind = "Wayland"
        elif self.display:
            kind = "X11"
        else:
            kind = "no display"
        declared = self.session_type or "unset"
        return f"{desktop} on {kind} (XDG_SESSION_TYPE {declared})"


def probe_session(environ: Mapping[str, str] | None = None) -> Session:
    """Read the environment, and ask the session bus and the X display for tray hosts."""
    env = os.environ if environ is None else environ
    display = env.get("DISPLAY", "")
    watcher = bus_has_name(SNI_WATCHER) if env.get("DBUS_SESSION_BUS_ADDRESS") else False
    return Session(
        desktop=env.get("XDG_CURRENT_DESKTOP", ""),
        session_type=env.get("XDG_SESSION_TYPE", "").lower(),
        display=display,
        wayland_display=env.get("WAYLAND_DISPLAY", ""),
        sni_watcher=watcher,
        sni_host=sni_host_registered() if watcher else (None if watcher is None else False),
        xembed_tray=x11_tray_host() if display else False,
    )


def _session_call(destination: str, path: str, interface: str, method: str,
                  args: tuple[str, tuple[object, ...]], reply: str) -> object:
    """One method call on the session bus through PyGObject: the reply's first
    value, None without PyGObject; a ConnectionError when the bus says no."""
    try:
        from gi.repository import Gio, GLib
    except Exception:  # noqa: BLE001 - no PyGObject
        return None
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        answer = bus.call_sync(destination, path, interface, method, GLib.Variant(*args),
                               GLib.VariantType.new(reply), Gio.DBusCallFlags.NONE, 3000, None)
    except GLib.Error as exc:
        raise ConnectionError(str(exc)) from exc
    return answer.unpack()[0]


def bus_has_name(name: str) -> bool | None:
    """Whether ``name`` has an owner on the session bus; None without PyGObject."""
    try:
        owned = _session_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "NameHasOwner", ("(s)", (name,)), "(b)")
    except ConnectionError:
        return False
    return None if owned is None else bool(owned)


def sni_host_registered() -> bool | None:
    """The watcher's ``IsStatusNotifierHostRegistered``: is a tray showing items?"""
    try:
        registered = _session_call(
            SNI_WATCHER, "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties", "Get",
            ("(ss)", (SNI_WATCHER, "IsStatusNotifierHostRegistered")), "(v)")
    except ConnectionError:
        return None
    return None if registered is None else bool(registered)


def x11_tray_host(screen: int = 0) -> bool | None:
    """Whether an XEmbed system tray owns ``_NET_SYSTEM_TRAY_S<screen>``; None
    when that cannot be asked (no python-xlib, the display refuses us)."""
    try:
        from Xlib import X, display
    except ImportError:
        return None
    try:
        d = display.Display()
    except Exception:  # noqa: BLE001
        return None
    try:
        owner = d.get_selection_owner(d.intern_atom(f"_NET_SYSTEM_TRAY_S{screen}"))
        return owner != X.NONE and getattr(owner, "id", owner) != 0
    finally:
        d.close()


# -- the order ---------------------------------------------------------------------
def preference(session: Session, forced: str | None = None,
               platform: str = sys.platform) -> tuple[list[str], str]:
    """The backends to try, best first, and why in that order (pure)."""
    if forced:
        return [forced], f"PYSTRAY_BACKEND={forced} is set"
    if platform == "darwin":
        return ["darwin"], "macOS"
    if platform == "win32":
        return ["win32"], "Windows"
    if session.wayland:
        return list(LINUX_BACKENDS), ("a Wayland session shows only StatusNotifierItem "
                                      "(AppIndicator) icons")
    if session.sni_watcher and session.sni_host is not False:
        return list(LINUX_BACKENDS), (f"{SNI_WATCHER} is on the session bus"
                                      + (" with a tray registered" if session.sni_host else ""))
    if session.sni_watcher:
        return ["gtk", "appindicator", "xorg"], (
            f"{SNI_WATCHER} is on the session bus but no tray is registered with it: "
            "XEmbed first")
    return ["gtk", "appindicator", "xorg"], (
        "an X11 session without a StatusNotifierItem host: XEmbed first")


def missing_requirement(name: str, session: Session) -> str | None:
    """Why backend ``name`` cannot work here, checked without importing GTK; None if it may."""
    if name in ("gtk", "xorg") and not session.display:
        return "XEmbed needs an X display (DISPLAY is not set)"
    if name in ("appindicator", "gtk"):
        try:
            import gi
        except ImportError:
            return "PyGObject is not installed"
        try:
            gi.require_version("Gtk", "3.0")
        except ValueError:
            return "no GTK 3 typelib (gir1.2-gtk-3.0)"
        if name == "appindicator" and appindicator_namespace() is None:
            return "no AppIndicator typelib (gir1.2-ayatanaappindicator3-0.1)"
    if name == "xorg":
        try:
            import Xlib  # noqa: F401
        except ImportError:
            return "python-xlib is not installed"
    return None


def appindicator_namespace() -> str | None:
    """'AppIndicator3' or 'AyatanaAppIndicator3' (the typelib pystray will load), or None."""
    import gi

    for namespace in ("AppIndicator3", "AyatanaAppIndicator3"):
        try:
            gi.require_version(namespace, "0.1")
        except ValueError:
            continue
        return namespace
    return None


# -- importing one backend ---------------------------------------------------------------
def import_backend(name: str, session: Session | None = None) -> Any:
    """pystray's ``Icon``, ``Menu`` and ``MenuItem`` for backend ``name``.

    The ``pystray`` package chooses a backend when it is first imported; we
    import it with ``PYSTRAY_BACKEND`` set to ``name`` (restored afterwards) so
    that it tries exactly this one, and take ``Icon`` from the backend module
    itself (the package may already be loaded with another). Raises whatever
    the import raises.
    """
    if name == "gtk" and session is not None and session.wayland:
        _gdk_on_xwayland()
    if "pystray" not in sys.modules:
        saved = os.environ.get("PYSTRAY_BACKEND")
        os.environ["PYSTRAY_BACKEND"] = name
        try:
            import pystray  # noqa: F401
        finally:
            if saved is None:
                os.environ.pop("PYSTRAY_BACKEND", None)
            else:
                os.environ["PYSTRAY_BACKEND"] = saved
    import pystray

    module = importlib.import_module(f"pystray._{name}")
    if name in ("gtk", "appindicator"):
        from gi.repository import Gdk

        if Gdk.Display.get_default() is None:  # PyGObject imports GTK even then
            where = (session.wayland_display or session.display) if session else ""
            raise RuntimeError(f"GTK cannot open the display {where!r}".replace(" ''", ""))
    return SimpleNamespace(Icon=module.Icon, Menu=pystray.Menu, MenuItem=pystray.MenuItem,
                           backend=name)


def _gdk_on_xwayland() -> None:
    """GtkStatusIcon (XEmbed) exists only on X: on Wayland, have GDK use XWayland.
    Takes effect only before GTK opens its display."""
    try:
        import gi

        gi.require_version("Gdk", "3.0")
        from gi.repository import Gdk

        Gdk.set_allowed_backends("x11")
    except Exception as exc:  # noqa: BLE001
        log.debug("cannot ask GDK for XWayland: %s", exc)


# -- the choice -----------------------------------------------------------------------
@dataclass
class Choice:
    """The outcome of choosing: the backend in use (once one is), and why not the others."""

    session: Session
    order: list[str]
    why_order: str
    name: str | None = None
    rejected: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the log: the backend, why, and why not each other one."""
        where = self.session.describe()
        if self.name:
            parts = [f"tray backend {self.name} ({self.why_order}; on {where})"]
        else:
            parts = [f"no tray backend (on {where})"]
        for name, why in self.rejected.items():
            parts.append(f"not {name}: {why}")
        untried = [n for n in self.order if n != self.name and n not in self.rejected]
        if untried:
            parts.append("not tried: " + ", ".join(untried))
        return "; ".join(parts)


def candidates(choice: Choice, importer: Callable[[str, Session], Any] = import_backend,
               check: Callable[[str, Session], str | None] = missing_requirement,
               ) -> Iterator[Any]:
    """Yield each usable backend's namespace in ``choice.order``, noting why the
    others were skipped in ``choice.rejected``. The caller sets ``choice.name``
    (or adds a rejection) for the one it takes."""
    session = choice.session
    for name in choice.order:
        if name not in KNOWN_BACKENDS:
            choice.rejected[name] = ("unknown backend (PYSTRAY_BACKEND may be "
                                     + ", ".join(KNOWN_BACKENDS) + ")")
            continue
        problem = check(name, session) if name in LINUX_BACKENDS else None
        if problem:
            choice.rejected[name] = problem
            continue
        try:
            backend = importer(name, session)
        except Exception as exc:  # noqa: BLE001 - ImportError, ValueError (typelib) ...
            choice.rejected[name] = f"{type(exc).__name__}: {exc}"
            continue
        yield backend


def start_choice(environ: Mapping[str, str] | None = None,
                 platform: str = sys.platform) -> Choice:
    """Probe the session and order the backends (nothing imported yet)."""
    env = os.environ if environ is None else environ
    linux = platform.startswith("linux") or "bsd" in platform
    session = probe_session(env) if linux else Session()
    order, why = preference(session, env.get("PYSTRAY_BACKEND") or None, platform)
    return Choice(session, order, why)


def no_icon_reason(choice: Choice) -> str:
    """Why no backend could be used, for the no-tray message."""
    why = "; ".join(f"{name}: {reason}" for name, reason in choice.rejected.items())
    return f"no usable tray backend on {choice.session.describe()} ({why})"


# -- what to install --------------------------------------------------------------------
def install_advice(session: Session, rejected: Mapping[str, str]) -> str:
    """Exactly what to install or do so that an icon can show on this desktop."""
    steps: list[str] = []
    if any("PyGObject" in why for why in rejected.values()):
        steps.append("install PyGObject from your distribution ("
                     + _per_family(PYGOBJECT_PACKAGES) + ") and make the venv with "
                     "`python3 -m venv --system-site-packages` so it sees it (see the README)")
    wants_sni = session.wayland or session.sni_watcher or session.gnome
    if wants_sni and "AppIndicator typelib" in rejected.get("appindicator", ""):
        steps.append("install the AppIndicator typelib (" + _per_family(APPINDICATOR_PACKAGES)
                     + ")")
    if session.gnome and not session.sni_watcher:
        steps.append("GNOME shows tray icons only with its AppIndicator extension: "
                     + _per_family(GNOME_EXTENSION) + " (Ubuntu has it already), then log out "
                     f"and in and run `gnome-extensions enable {GNOME_EXTENSION_UUID}`")
    elif not session.wayland and not session.sni_watcher and session.xembed_tray is False:
        steps.append("add a system tray (notification area) to your panel")
    elif session.wayland and not session.sni_watcher:
        steps.append("use a panel with a StatusNotifierItem tray (KDE Plasma, waybar's tray, "
                     "GNOME with the AppIndicator extension)")
    if not steps:
        return ""
    text = "; ".join(steps)
    return text[0].upper() + text[1:] + "."


def _per_family(commands: Mapping[str, str]) -> str:
    return ", ".join(f"{family}: `{command}`" for family, command in commands.items())

"""``posturewatch doctor``: what works on this computer, and what to fix.

Each check returns a :class:`Check` (a status, what was found, and the fix
when there is one); nothing here changes the user's files: the database is
opened read-only (or its folder only tested for writing), the camera is
opened once and released, and a test notification is sent only with
``--notify``. Checks never raise: a crash inside one is a failed check.

Checks: settings, camera (or ``--source``), pose model, database,
notifications, tray backend (with the tray host on X11), the desktop's
signals (screen lock, keyboard and mouse, do-not-disturb, full screen),
another running monitor, autostart, and where the log is.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from posturewatch import paths
from posturewatch.i18n import _, ngettext

log = logging.getLogger(__name__)


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    INFO = "info"


@dataclass(frozen=True)
class Check:
    """One finding: ``name`` of the part, ``status``, ``detail`` (what was
    found) and ``fix`` (what to do; empty when nothing)."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def guarded(name: str, check: Callable[[], Check]) -> Check:
    """Run one check; an exception becomes a failed check naming it."""
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - a doctor reports, it does not crash
        log.debug("check %s failed", name, exc_info=True)
        return Check(name, Status.FAIL, f"the check itself failed: {type(exc).__name__}: {exc}",
                     "Please report this, with `posturewatch doctor` output.")


# -- the checks -----------------------------------------------------------------------
def check_settings() -> Check:
    from posturewatch.policy_guard import load_settings, override_notes, policy_path

    resolved = load_settings()
    locked = len(resolved.locked)
    where = f"user file {paths.user_config_path()}"
    extra = f"; {locked} locked by your organisation's policy" if locked else ""
    notes = " ".join(override_notes())
    if resolved.alerts:
        return Check("settings", Status.FAIL, " ".join(resolved.alerts) + extra,
                     f"`posturewatch config check {policy_path()}` names each damaged "
                     "line; `posturewatch config show` shows what is enforced meanwhile.")
    if notes:
        extra += f"; {notes}"
    if resolved.problems:
        first = str(resolved.problems[0])
        return Check("settings", Status.WARN,
                     f"{len(resolved.problems)} problem(s) in the settings ({first}){extra}",
                     "`posturewatch config check FILE` names each problem; the bad keys are "
                     "ignored meanwhile.")
    return Check("settings", Status.OK, f"settings load cleanly ({where}){extra}")


def check_camera(source: str | None) -> Check:
    from posturewatch.camera import SourceError, WebcamSource, camera_help, open_source
    from posturewatch.policy_guard import load_settings

    settings = load_settings().settings
    try:
        frames = open_source(source, settings.camera_warmup_frames, False, settings.camera_index)
    except SourceError as exc:
        return Check("camera", Status.FAIL, str(exc), "Give --source an existing file or index.")
    try:
        grab = frames.grab()
    finally:
        frames.close()
    what = (f"camera {frames.index}" if isinstance(frames, WebcamSource)
            else f"source {source}")
    if grab.frame is None:
        index = frames.index if isinstance(frames, WebcamSource) else settings.camera_index
        return Check("camera", Status.FAIL, f"no frame from {what} ({grab.state.value})",
                     grab.message or camera_help(index))
    height, width = grab.frame.shape[:2]
    return Check("camera", Status.OK, f"{what} gives {width}x{height} frames")


def check_model() -> Check:
    """The pose model the settings choose: which, why, and that it loads and runs.
    Never downloads: a missing file is a warning with the command that fetches it."""
    import numpy as np

    from posturewatch.model_files import ModelError, choose
    from posturewatch.policy_guard import load_settings
    from posturewatch.pose import open_estimator

    settings = load_settings().settings
    choice = choose(settings.pose_model)
    if choice.problem:
        return Check("pose model", Status.FAIL, choice.problem,
                     "`posturewatch model status` lists the files it looked for.")
    if choice.download:
        return Check("pose model", Status.WARN, choice.describe(),
                     "It is downloaded when monitoring starts; `posturewatch model fetch` does "
                     "it now, `posturewatch model install FILE` installs a copy you have.")
    started = time.perf_counter()
    try:
        with open_estimator(settings.pose_model, download=False) as estimator:
            loaded = time.perf_counter() - started
            estimator.estimate(np.full((240, 320, 3), 128, np.uint8))
    except ModelError as exc:
        return Check("pose model", Status.FAIL, str(exc),
                     "`posturewatch model fetch` downloads a fresh copy.")
    return Check("pose model", Status.OK,
                 f"{choice.describe()}; loads and runs ({loaded:.1f} s to load)")


def check_database(db_path: Path | None = None) -> Check:
    from posturewatch.store import Store

    path = db_path or paths.database_path()
    if not path.exists():
        folder = path.parent
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is None or not os.access(existing, os.W_OK):
            return Check("database", Status.FAIL, f"cannot create {path}: {existing} is not "
                         "writable", "Make the folder writable, or set POSTUREWATCH_HOME.")
        if folder.exists():
            with tempfile.NamedTemporaryFile(dir=folder):
                pass
        return Check("database", Status.OK, f"no database yet; it will be created at {path}")
    with Store.open_readonly(path) as store:
        version = store.schema_version
        size = store.size_bytes()
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    detail = f"{path} (schema {version}, {size / 1024:.0f} KiB)"
    if not writable:
        return Check("database", Status.FAIL, f"{detail} is read-only",
                     "Give your user write access to the file and its folder.")
    return Check("database", Status.OK, detail)


def check_notifications(send: bool = False) -> Check:
    from posturewatch.notify import NativeNotifier, PlyerNotifier, native_available

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


def check_tray() -> Check:
    """Which tray backend works on this desktop and session, and what to install
    when no icon can show."""
    from posturewatch.tray import TrayUnavailable, display_problem, load_pystray
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


def check_instance() -> Check:
    from posturewatch.instance import running_pid

    pid = running_pid(paths.lock_path())
    if pid is None:
        return Check("monitor", Status.INFO, "PostureWatch is not running now")
    return Check("monitor", Status.INFO, f"PostureWatch is running (pid {pid})")


def check_autostart() -> Check:
    from posturewatch.autostart import for_platform

    target = for_platform()
    if target.enabled():
        return Check("autostart", Status.INFO, f"starts at login ({target.where()})")
    return Check("autostart", Status.INFO, "does not start at login",
                 "`posturewatch autostart enable` starts it at every login.")


def check_desktop() -> Check:
    """Which desktop signals PostureWatch can read here (screen lock, keyboard
    and mouse idle time, do-not-disturb, full screen)."""
    from posturewatch.config import load
    from posturewatch.desktop_state import open_desktop
    from posturewatch.policy_guard import policy_path

    settings = load(paths.user_config_path(), policy_path(), {}).settings
    probe = open_desktop(settings)
    try:
        state = probe.read()
        found = probe.signals()
    finally:
        probe.close()
    names = {"lock": "screen lock", "input": "keyboard/mouse", "dnd": "do-not-disturb",
             "fullscreen": "full screen"}
    detail = ", ".join(f"{names[k]}: {v or 'cannot tell'}" for k, v in found.items())
    if found["input"] is None:
        why = ("switched off (input_presence = false)" if not settings.input_presence
               else "this desktop tells no keyboard or mouse activity")
        return Check("desktop", Status.INFO, detail,
                     f"Keyboard and mouse activity is not used: {why}; without a camera "
                     "picture, sitting time cannot be tracked.")
    idle = f" (last input {state.input_idle_s:.0f} s ago)" if state.input_idle_s is not None \
        else ""
    return Check("desktop", Status.INFO, detail + idle)


def check_log() -> Check:
    return Check("log", Status.INFO, f"the log is in {paths.log_dir()}")


def run_checks(source: str | None = None, send: bool = False,
               skip_model: bool = False) -> list[Check]:
    """Every check, in the order they are printed."""
    checks: list[tuple[str, Callable[[], Check]]] = [
        ("settings", check_settings),
        ("camera", lambda: check_camera(source)),
    ]
    if not skip_model:
        checks.append(("pose model", check_model))
    checks += [
        ("database", check_database),
        ("notifications", lambda: check_notifications(send)),
        ("tray", check_tray),
        ("desktop", check_desktop),
        ("monitor", check_instance),
        ("autostart", check_autostart),
        ("log", check_log),
    ]
    return [guarded(name, fn) for name, fn in checks]


def format_checks(checks: list[Check]) -> str:
    """The report: one line per check, its fix below, and a summary line."""
    width = max(len(c.name) for c in checks)
    lines = ["PostureWatch doctor"]
    for check in checks:
        lines.append(f"  {check.status.value:<4}  {check.name:<{width}}  {check.detail}")
        if check.fix and check.status is not Status.OK:
            lines.append(f"  {'':<4}  {'':<{width}}  " + _("fix: {fix}").format(fix=check.fix))
    fails = sum(c.status is Status.FAIL for c in checks)
    warns = sum(c.status is Status.WARN for c in checks)
    oks = sum(c.status is Status.OK for c in checks)
    if fails:
        verdict = ngettext("{n} problem to fix", "{n} problems to fix", fails).format(n=fails)
    elif warns:
        verdict = _("PostureWatch can run; see the warnings")
    else:
        verdict = _("everything PostureWatch needs works")
    lines.append("")
    counts = ", ".join((ngettext("{n} ok", "{n} ok", oks).format(n=oks),
                        ngettext("{n} warning", "{n} warnings", warns).format(n=warns),
                        ngettext("{n} problem", "{n} problems", fails).format(n=fails)))
    lines.append(f"{counts}: {verdict}.")
    return "\n".join(lines)

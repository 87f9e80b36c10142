"""``posturewatch doctor``: what works on this computer, and what to fix.

Each part answers its own check (``camera.doctor_check`` and the like, see
``checks.py``), returning a :class:`Check` (a status, what was found, and
the fix when there is one); this module runs them and prints them. No check
changes the user's files: the database is
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
from collections.abc import Callable

from posturewatch.checks import Check, Status, guarded
from posturewatch.i18n import _, ngettext

__all__ = ["Check", "Status", "format_checks", "guarded", "run_checks"]

log = logging.getLogger(__name__)


# -- the checks: each part answers its own ----------------------------------------------
def run_checks(source: str | None = None, send: bool = False,
               skip_model: bool = False) -> list[Check]:
    """Every check, in the order they are printed; each module is imported
    when its check runs, so a part that cannot load is a failed check."""
    from posturewatch import autostart, instance, logs, policy_guard

    def camera() -> Check:
        from posturewatch.camera import doctor_check

        return doctor_check(source)

    def pose_model() -> Check:
        from posturewatch.pose import doctor_check

        return doctor_check()

    def database() -> Check:
        from posturewatch.store import doctor_check

        return doctor_check()

    def notifications() -> Check:
        from posturewatch.notify import doctor_check

        return doctor_check(send)

    def tray() -> Check:
        from posturewatch.tray import doctor_check

        return doctor_check()

    def desktop() -> Check:
        from posturewatch.desktop_state import doctor_check

        return doctor_check()

    checks: list[tuple[str, Callable[[], Check]]] = [
        ("settings", policy_guard.doctor_check),
        ("camera", camera),
    ]
    if not skip_model:
        checks.append(("pose model", pose_model))
    checks += [
        ("database", database),
        ("notifications", notifications),
        ("tray", tray),
        ("desktop", desktop),
        ("monitor", instance.doctor_check),
        ("autostart", autostart.doctor_check),
        ("log", logs.doctor_check),
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

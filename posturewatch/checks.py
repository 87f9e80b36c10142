"""What ``posturewatch doctor`` reports: one :class:`Check` per part.

Each adapter answers its own check (``camera.doctor_check``,
``pose.doctor_check``, ``store.doctor_check``, ``notify.doctor_check``,
``tray.doctor_check``, ``desktop_state.doctor_check``, ...); ``doctor.py``
runs them in order, each :func:`guarded`, and prints them. Standard library
only, so every adapter can import it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

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

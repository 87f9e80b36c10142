"""Desktop notifications behind a small ``Notifier`` protocol.

``PlyerNotifier`` talks to the desktop; a failing backend (no notification
server, no D-Bus) is logged once and never stops monitoring.
``RecordingNotifier`` keeps what it was asked to show, for tests and replays.
Called from the sampling thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def show(self, title: str, body: str) -> bool:
        """Show one notification; True when the backend accepted it."""
        ...


@dataclass
class RecordingNotifier:
    """Keeps every notification in ``shown``; shows nothing."""

    shown: list[tuple[str, str]] = field(default_factory=list)

    def show(self, title: str, body: str) -> bool:
        self.shown.append((title, body))
        return True


class PlyerNotifier:
    """Notifications through plyer (D-Bus on Linux, toast on Windows, macOS)."""

    def __init__(self, app_name: str = "PostureWatch", timeout_s: int = 10) -> None:
        self.app_name = app_name
        self.timeout_s = timeout_s
        self._failed = False

    def show(self, title: str, body: str) -> bool:
        try:
            from plyer import notification

            notification.notify(
                title=title, message=body, app_name=self.app_name, timeout=self.timeout_s
            )
        except Exception as exc:  # noqa: BLE001 - any backend failure is the same to us
            if not self._failed:
                log.warning("notifications are not working (%s); monitoring goes on", exc)
            self._failed = True
            return False
        if self._failed:
            log.info("notifications work again")
        self._failed = False
        return True

"""The X server, asked two things: seconds since the last input, and whether
the window in front is full screen.

python-xlib (pure Python; pystray brings it on Linux) speaks the X protocol,
so a window that vanishes between two requests is an exception here, not an
Xlib error handler that ends the process:

- idle time from the MIT-SCREEN-SAVER extension (``XScreenSaverQueryInfo``:
  milliseconds since the last keyboard or mouse event on this display);
- full screen from the window manager's EWMH hints: the root window's
  ``_NET_ACTIVE_WINDOW``, and ``_NET_WM_STATE_FULLSCREEN`` in that window's
  ``_NET_WM_STATE``.

Under Wayland the X server is XWayland, which sees only its own clients'
input: ``desktop_state`` asks Mutter instead there. One connection, opened on
first use and again after :data:`RETRY_S` when it failed; used from the
sampling thread only.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

log = logging.getLogger(__name__)

RETRY_S = 60.0


class X11:
    """A lazily opened connection to ``display`` (default: ``$DISPLAY``)."""

    def __init__(self, display: str | None = None) -> None:
        self.display_name = display if display is not None else os.environ.get("DISPLAY", "")
        self._display: Any = None
        self._next_try = 0.0
        self._has_screensaver = False

    def _open(self) -> Any:
        if self._display is not None:
            return self._display
        if not self.display_name or time.monotonic() < self._next_try:
            return None
        try:
            from Xlib import display as xdisplay

            self._display = xdisplay.Display(self.display_name)
            self._has_screensaver = self._display.has_extension("MIT-SCREEN-SAVER")
        except Exception as exc:  # no python-xlib, no server, no permission
            log.info("cannot open X display %r: %s", self.display_name, exc)
            self._display = None
            self._next_try = time.monotonic() + RETRY_S
        return self._display

    def _drop(self, exc: Exception) -> None:
        log.info("X display %r went away: %s", self.display_name, exc)
        self.close()
        self._next_try = time.monotonic() + RETRY_S

    def usable(self) -> bool:
        """Whether the display can be opened now."""
        return self._open() is not None

    def idle_s(self) -> float | None:
        """Seconds since the last keyboard or mouse input, or None (no
        MIT-SCREEN-SAVER extension, no display)."""
        display = self._open()
        if display is None or not self._has_screensaver:
            return None
        try:
            from Xlib.ext import screensaver

            info = screensaver.query_info(display.screen().root)
        except Exception as exc:
            self._drop(exc)
            return None
        return float(info.idle) / 1000.0

    def fullscreen(self) -> bool | None:
        """Whether the active window is full screen; None when the window
        manager does not say which window is active."""
        display = self._open()
        if display is None:
            return None
        try:
            from Xlib import X
            from Xlib.error import XError

            root = display.screen().root
            active = root.get_full_property(display.intern_atom("_NET_ACTIVE_WINDOW"),
                                            X.AnyPropertyType)
            if active is None or not len(active.value) or not active.value[0]:
                return None
            window = display.create_resource_object("window", int(active.value[0]))
            try:
                state = window.get_full_property(display.intern_atom("_NET_WM_STATE"),
                                                 X.AnyPropertyType)
            except XError:  # the window closed between the two requests
                return False
            if state is None:
                return False
            return display.intern_atom("_NET_WM_STATE_FULLSCREEN") in set(state.value)
        except Exception as exc:
            self._drop(exc)
            return None

    def close(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            try:
                display.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass

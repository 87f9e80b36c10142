"""Opening things from the tray without blocking it: a file in its default
app, and PostureWatch's own windows (settings, welcome) as processes of their
own (``settings_window`` says why).

Called on the tray's thread (a menu click) or the sampling thread; nothing
here waits for the window.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

# User-facing texts (kept together here so they can be translated).
NO_TK = ("the settings window needs Tk, which this Python lacks "
         "(on Debian or Ubuntu: sudo apt install python3-tk)")


def open_path(path: Path) -> bool:
    """Open ``path`` with the desktop's default app; False when that failed."""
    try:
        if sys.platform == "win32":
            os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
            return True
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError as exc:
        log.warning("cannot open %s: %s", path, exc)
        return False
    return True


def tk_problem() -> str | None:
    """Why no Tk window can open here, or None (checked without importing Tk)."""
    if importlib.util.find_spec("_tkinter") is None:
        return NO_TK
    return None


def window_command(name: str, *args: str, executable: str = sys.executable,
                   platform: str = sys.platform) -> list[str]:
    """``python -m posturewatch NAME ARGS`` with this interpreter (``pythonw``
    on Windows, so no console window opens beside the dialog)."""
    exe = Path(executable)
    if platform == "win32" and exe.with_name("pythonw.exe").exists():
        exe = exe.with_name("pythonw.exe")
    return [str(exe), "-m", "posturewatch", name, *args]


class Windows:
    """At most one process per window name; a second click while it is open
    does nothing (the window is already on screen)."""

    def __init__(self) -> None:
        self._running: dict[str, subprocess.Popen[bytes]] = {}
        self.problem: str | None = None  # why the last :meth:`open` failed

    def is_open(self, name: str) -> bool:
        proc = self._running.get(name)
        return proc is not None and proc.poll() is None

    def open(self, name: str, *args: str) -> bool:
        """Start the window ``name`` unless it is open; False when it could not start."""
        self.problem = None
        if self.is_open(name):
            return True
        self.problem = tk_problem()
        if self.problem:
            log.warning("cannot open the %s window: %s", name, self.problem)
            return False
        try:
            self._running[name] = subprocess.Popen(
                window_command(name, *args), stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            self.problem = f"cannot start it ({exc})"
            log.warning("cannot start the %s window: %s", name, exc)
            return False
        log.info("opened the %s window (pid %d)", name, self._running[name].pid)
        return True

    def close_all(self) -> None:
        """Ask every window we started to close (on Quit)."""
        for proc in self._running.values():
            if proc.poll() is None:
                proc.terminate()

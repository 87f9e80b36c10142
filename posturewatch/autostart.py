"""Start PostureWatch at login (``posturewatch autostart enable|disable|status``
in ``cli.py``).

Per user, no administrator rights, one mechanism per OS:

- **Linux** (and other XDG desktops): a desktop entry in
  ``$XDG_CONFIG_HOME/autostart/posturewatch.desktop`` (default
  ``~/.config/autostart``), the freedesktop.org Desktop Application Autostart
  Specification. It asks for a short delay, so the panel's tray is up first.
- **Windows**: a value "PostureWatch" under
  ``HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``,
  starting ``pythonw.exe -m posturewatch run`` (no console window). The
  registry is reached through ``winreg`` on Windows only; elsewhere the code
  runs against any object with the :class:`Registry` methods (tests).
- **macOS**: a LaunchAgent ``~/Library/LaunchAgents/org.posturewatch.monitor.plist``
  with ``RunAtLoad`` in the Aqua (GUI) session; launchd reads it at login.

Enabling writes the command that starts *this* installation (the console
script next to the running interpreter when there is one), so a virtual
environment works without being on PATH. Nothing here runs the program.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from posturewatch.atomic_files import write_atomic
from posturewatch.checks import Check, Status

APP_NAME = "PostureWatch"
DESKTOP_FILE = "posturewatch.desktop"
AGENT_LABEL = "org.posturewatch.monitor"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = APP_NAME
LOGIN_DELAY_S = 10  # XDG: let the panel (tray host) start first


# -- what to start ---------------------------------------------------------------
def launch_command(executable: str = sys.executable, platform: str = sys.platform,
                   which: object = shutil.which) -> list[str]:
    """The command line that starts the tray monitor of this installation.

    Windows: ``pythonw.exe -m posturewatch run`` beside ``executable`` (no
    console window). Elsewhere: the ``posturewatch`` console script beside
    the interpreter, else the one on PATH, else ``python -m posturewatch``.
    """
    exe = Path(executable)
    if platform == "win32":
        windowless = exe.with_name("pythonw.exe")
        return [str(windowless if windowless.exists() else exe), "-m", "posturewatch", "run"]
    beside = exe.parent / "posturewatch"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside), "run"]
    found = which("posturewatch") if callable(which) else None
    if found:
        return [str(found), "run"]
    return [str(exe), "-m", "posturewatch", "run"]


# -- Linux: XDG autostart -----------------------------------------------------------
_EXEC_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def desktop_exec(args: list[str]) -> str:
    """``args`` as a desktop entry ``Exec`` value (quoting per the Desktop Entry
    Specification: quote an argument with reserved characters, escape ``"``,
    `` ` ``, ``$`` and ``\\`` inside quotes, double every ``%``)."""
    parts = []
    for arg in args:
        if arg == "" or any(c in _EXEC_RESERVED for c in arg):
            inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
            arg = f'"{inner}"'
        parts.append(arg.replace("%", "%%"))
    # The desktop-entry string escapes apply on top: a backslash is written twice.
    return " ".join(parts).replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    """The autostart desktop entry that runs ``command`` at login."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Name={APP_NAME}",
        "GenericName=Posture monitor",
        "Comment=Reminds you to sit upright, stand up and drink water",
        f"Exec={desktop_exec(command)}",
        "Terminal=false",
        "Categories=Utility;",
        "StartupNotify=false",
        "X-GNOME-Autostart-enabled=true",
        f"X-GNOME-Autostart-Delay={LOGIN_DELAY_S}",
        "",
    ])


def xdg_config_home(environ: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """``$XDG_CONFIG_HOME`` when it is an absolute path, else ``~/.config``."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_CONFIG_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    return (home or Path.home()) / ".config"


class _LoginFile:
    """An autostart entry that is one file: enabling writes it, disabling
    removes it. Subclasses give ``path`` and ``content(command)``."""

    path: Path

    def content(self, command: list[str]) -> bytes:
        raise NotImplementedError

    def enable(self, command: list[str]) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, self.content(command))
        return str(self.path)

    def disable(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def enabled(self) -> bool:
        return self.path.is_file()

    def where(self) -> str:
        return str(self.path)


@dataclass
class XdgAutostart(_LoginFile):
    """A desktop entry in ``<config_home>/autostart``."""

    config_home: Path

    @property
    def path(self) -> Path:
        return self.config_home / "autostart" / DESKTOP_FILE

    def content(self, command: list[str]) -> bytes:
        return desktop_entry(command).encode("utf-8")


# -- macOS: a LaunchAgent ------------------------------------------------------------
def launch_agent(command: list[str], log_dir: Path) -> bytes:
    """The LaunchAgent property list (XML) that runs ``command`` at login."""
    return plistlib.dumps({
        "Label": AGENT_LABEL,
        "ProgramArguments": command,
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
        "StandardOutPath": str(log_dir / "launchd.out.log"),
        "StandardErrorPath": str(log_dir / "launchd.err.log"),
    })


@dataclass
class LaunchAgent(_LoginFile):
    """``<home>/Library/LaunchAgents/org.posturewatch.monitor.plist``."""

    home: Path
    log_dir: Path

    @property
    def path(self) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"

    def content(self, command: list[str]) -> bytes:
        return launch_agent(command, self.log_dir)


# -- Windows: the Run key ---------------------------------------------------------------
class Registry(Protocol):
    """The three operations on one HKEY_CURRENT_USER key that the Run key needs."""

    def get(self, key: str, name: str) -> str | None: ...

    def set(self, key: str, name: str, value: str) -> None: ...

    def delete(self, key: str, name: str) -> bool: ...


class WinRegistry:
    """:class:`Registry` on HKEY_CURRENT_USER through ``winreg`` (Windows only)."""

    def __init__(self) -> None:
        import winreg  # noqa: F401 - fails early off Windows

    def get(self, key: str, name: str) -> str | None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                value, _kind = winreg.QueryValueEx(handle, name)
        except FileNotFoundError:
            return None
        return str(value)

    def set(self, key: str, name: str, value: str) -> None:
        import winreg

        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
            winreg.SetValueEx(handle, name, 0, winreg.REG_SZ, value)

    def delete(self, key: str, name: str) -> bool:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
                winreg.DeleteValue(handle, name)
        except FileNotFoundError:
            return False
        return True


def run_key_value(command: list[str]) -> str:
    """``command`` as one Windows command line (quoted the way CreateProcess parses it)."""
    return subprocess.list2cmdline(command)


@dataclass
class RunKey:
    """The "PostureWatch" value under HKCU\\...\\CurrentVersion\\Run."""

    registry: Registry

    def enable(self, command: list[str]) -> str:
        self.registry.set(RUN_KEY, RUN_VALUE, run_key_value(command))
        return self.where()

    def disable(self) -> bool:
        return self.registry.delete(RUN_KEY, RUN_VALUE)

    def enabled(self) -> bool:
        return self.registry.get(RUN_KEY, RUN_VALUE) is not None

    def where(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"


# -- choosing ------------------------------------------------------------------------------
Autostart = XdgAutostart | LaunchAgent | RunKey


def for_platform(platform: str = sys.platform, environ: Mapping[str, str] | None = None,
                 home: Path | None = None, registry: Registry | None = None) -> Autostart:
    """The autostart mechanism of ``platform`` for the current user."""
    home = home or Path.home()
    if platform == "win32":
        return RunKey(registry or WinRegistry())
    if platform == "darwin":
        from posturewatch import paths

        return LaunchAgent(home, paths.log_dir())
    return XdgAutostart(xdg_config_home(environ, home))


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check() -> Check:
    """Whether PostureWatch starts at login."""
    target = for_platform()
    if target.enabled():
        return Check("autostart", Status.INFO, f"starts at login ({target.where()})")
    return Check("autostart", Status.INFO, "does not start at login",
                 "`posturewatch autostart enable` starts it at every login.")

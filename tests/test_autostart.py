"""Autostart: the XDG desktop entry for real in a private XDG_CONFIG_HOME,
the macOS LaunchAgent and the Windows Run key at the content level."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posturewatch import autostart
from posturewatch.autostart import (
    AGENT_LABEL,
    RUN_KEY,
    RUN_VALUE,
    LaunchAgent,
    RunKey,
    XdgAutostart,
    desktop_entry,
    desktop_exec,
    for_platform,
    launch_agent,
    launch_command,
    run_key_value,
    xdg_config_home,
)


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
               POSTUREWATCH_HOME=str(tmp_path / "pw"))
    return env


def posturewatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posturewatch", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG autostart is for Linux")
def test_enable_and_disable_write_and_remove_the_desktop_entry(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    entry = tmp_path / "xdg-config" / "autostart" / "posturewatch.desktop"

    enabled = posturewatch(env, "autostart", "enable")
    assert enabled.returncode == 0, enabled.stderr
    assert str(entry) in enabled.stdout
    text = entry.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\n")
    assert "Type=Application\n" in text and "Name=PostureWatch\n" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" run")
    assert not (tmp_path / "home" / ".config").exists()  # XDG_CONFIG_HOME wins

    status = posturewatch(env, "autostart", "status")
    assert "starts when you log in" in status.stdout

    disabled = posturewatch(env, "autostart", "disable")
    assert disabled.returncode == 0
    assert "no longer start" in disabled.stdout
    assert not entry.exists()
    again = posturewatch(env, "autostart", "disable")
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert "does not start at login" in posturewatch(env, "autostart", "status").stdout


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="needs desktop-file-validate (apt install desktop-file-utils)")
def test_desktop_entry_is_valid(tmp_path: Path) -> None:
    path = Path(XdgAutostart(tmp_path).enable(["/usr/bin/posturewatch", "run"]))
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_exec_quoting_survives_glib_parsing(tmp_path: Path) -> None:
    """GLib (what GNOME, XFCE and friends use to launch autostart entries)
    reads back exactly the arguments we wrote."""
    gi = pytest.importorskip("gi")
    gi.require_version("Gio", "2.0")
    from gi.repository import Gio, GLib

    folder = tmp_path / "My Apps"
    folder.mkdir()
    program = folder / "post$ure\\watch"
    program.symlink_to(shutil.which("true") or "/bin/true")
    args = [str(program), "run", "--note=100%", 'say "hi" `now`']
    entry = tmp_path / "posturewatch.desktop"
    entry.write_text(desktop_entry(args), encoding="utf-8")
    info = Gio.DesktopAppInfo.new_from_filename(str(entry))
    ok, argv = GLib.shell_parse_argv(info.get_commandline())
    assert ok
    # "%%" is the field-code escape, expanded when the entry is launched.
    assert [a.replace("%%", "%") for a in argv] == args


def test_desktop_exec_plain_arguments_stay_plain() -> None:
    assert desktop_exec(["/usr/bin/posturewatch", "run"]) == "/usr/bin/posturewatch run"
    assert desktop_exec(["/a b/c"]) == '"/a b/c"'
    assert desktop_exec(["50%"]) == "50%%"


def test_xdg_config_home_falls_back_to_dot_config(tmp_path: Path) -> None:
    assert xdg_config_home({}, tmp_path) == tmp_path / ".config"
    assert xdg_config_home({"XDG_CONFIG_HOME": "relative/dir"}, tmp_path) == tmp_path / ".config"
    assert xdg_config_home({"XDG_CONFIG_HOME": str(tmp_path / "x")}, tmp_path) == tmp_path / "x"


def test_launch_agent_plist(tmp_path: Path) -> None:
    command = ["/Applications/PostureWatch.app/Contents/MacOS/posturewatch", "run"]
    data = plistlib.loads(launch_agent(command, tmp_path / "logs"))
    assert data == {
        "Label": AGENT_LABEL,
        "ProgramArguments": command,
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
        "StandardOutPath": str(tmp_path / "logs" / "launchd.out.log"),
        "StandardErrorPath": str(tmp_path / "logs" / "launchd.err.log"),
    }


def test_launch_agent_enable_disable(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path, tmp_path / "logs")
    where = Path(agent.enable(["/usr/local/bin/posturewatch", "run"]))
    assert where == tmp_path / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"
    assert plistlib.loads(where.read_bytes())["ProgramArguments"][-1] == "run"
    assert agent.enabled()
    assert agent.disable() and not where.exists() and not agent.enabled()
    assert agent.disable() is False


class FakeRegistry:
    """HKEY_CURRENT_USER as a dict: (key, name) -> value."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get(self, key: str, name: str) -> str | None:
        return self.values.get((key, name))

    def set(self, key: str, name: str, value: str) -> None:
        self.values[(key, name)] = value

    def delete(self, key: str, name: str) -> bool:
        return self.values.pop((key, name), None) is not None


def test_run_key_enable_disable() -> None:
    registry = FakeRegistry()
    run = RunKey(registry)
    command = [r"C:\Program Files\PostureWatch\pythonw.exe", "-m", "posturewatch", "run"]
    assert run.enable(command) == rf"HKEY_CURRENT_USER\{RUN_KEY}\{RUN_VALUE}"
    assert registry.values == {
        (r"Software\Microsoft\Windows\CurrentVersion\Run", "PostureWatch"):
            r'"C:\Program Files\PostureWatch\pythonw.exe" -m posturewatch run',
    }
    assert run.enabled()
    assert run.disable() and not run.enabled() and registry.values == {}
    assert run.disable() is False


def test_run_key_value_quotes_like_createprocess() -> None:
    assert run_key_value([r"C:\a b\pythonw.exe", "-m", "posturewatch", "run"]) == (
        r'"C:\a b\pythonw.exe" -m posturewatch run')


def test_for_platform_picks_the_mechanism(tmp_path: Path) -> None:
    xdg = for_platform("linux", {"XDG_CONFIG_HOME": str(tmp_path / "c")}, tmp_path)
    assert isinstance(xdg, XdgAutostart) and xdg.path.parent == tmp_path / "c" / "autostart"
    assert isinstance(for_platform("darwin", {}, tmp_path), LaunchAgent)
    assert isinstance(for_platform("win32", {}, tmp_path, registry=FakeRegistry()), RunKey)


@pytest.mark.skipif(sys.platform == "win32", reason="winreg exists on Windows")
def test_the_real_registry_is_windows_only() -> None:
    with pytest.raises(ImportError):
        autostart.WinRegistry()


def test_launch_command(tmp_path: Path) -> None:
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    python = bindir / "python"
    python.write_text("")
    # No console script anywhere: the interpreter with -m.
    assert launch_command(str(python), "linux", lambda _name: None) == [
        str(python), "-m", "posturewatch", "run"]
    # One on PATH.
    assert launch_command(str(python), "linux", lambda _name: "/usr/bin/posturewatch") == [
        "/usr/bin/posturewatch", "run"]
    # The one beside the interpreter (a virtual environment) wins.
    script = bindir / "posturewatch"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert launch_command(str(python), "linux", lambda _name: "/usr/bin/posturewatch") == [
        str(script), "run"]
    # Windows: pythonw.exe, so no console window opens at login.
    win = tmp_path / "py"
    win.mkdir()
    (win / "pythonw.exe").write_text("")
    assert launch_command(str(win / "python.exe"), "win32") == [
        str(win / "pythonw.exe"), "-m", "posturewatch", "run"]

"""The commands that open a window: ``posturewatch settings`` and
``posturewatch welcome`` (the tray starts them as processes of their own).

Tk is imported only when a window opens, so the rest of the command line
works on a Python without it, and these commands say how to get it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from posturewatch import paths


def _need_tk() -> None:
    from posturewatch.launch import tk_problem

    problem = tk_problem()
    if problem is None and sys.platform.startswith("linux"):
        import os

        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            problem = "no display to open a window on (DISPLAY is not set)"
    if problem:
        from posturewatch.cli import fail

        fail(f"{problem}. `posturewatch config show` and a text editor work without it.")


@click.command("settings")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Edit this user config file instead of the usual one.")
def settings_command(config_file: Path | None) -> None:
    """Open the settings window (changes apply to a running monitor at once)."""
    _need_tk()
    from posturewatch.logs import setup_logging
    from posturewatch.settings_window import run_settings_window

    setup_logging("info", paths.log_dir())
    sys.exit(run_settings_window(config_file or paths.user_config_path(), paths.policy_path()))


@click.command("welcome")
@click.option("--source", default=None,
              help="Camera index (default: from the settings), a video file or an image folder.")
@click.option("--start-at", type=click.Choice(["start", "camera", "calibrate"]), default="start",
              show_default=True, help="Open at this page (the tray uses camera and calibrate).")
def welcome_command(source: str | None, start_at: str) -> None:
    """The first-run tour: what PostureWatch does and keeps, a camera check, calibration."""
    _need_tk()
    from posturewatch.logs import setup_logging
    from posturewatch.onboarding import run_onboarding

    setup_logging("info", paths.log_dir())
    sys.exit(run_onboarding(source, start_at))

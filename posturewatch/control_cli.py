"""``posturewatch pause|resume|water|break``: tell the running monitor, from a
script or a keyboard shortcut, through the spool folder of ``control.py``.

Each command checks the single-instance lock first and says so plainly when
no monitor runs (exit code 1, nothing left behind). Otherwise it spools the
request and waits until the monitor has taken it (a tick: at most about one
``sample_interval_s``), then says what happened.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from posturewatch import paths
from posturewatch.calendar_words import month_name, weekday_name
from posturewatch.control import Spool, parse_duration, parse_until
from posturewatch.i18n import N_, _
from posturewatch.instance import running_pid

POLL_S = 0.05
EXTRA_WAIT_S = 5.0
MAX_WAIT_S = 60.0


def _wait_s() -> float:
    """Real seconds to wait for the monitor's next tick."""
    from posturewatch.cli import resolve

    try:
        interval = resolve().settings.sample_interval_s
    except Exception:  # noqa: BLE001 - a broken config must not stop the command
        interval = 5.0
    return min(interval + EXTRA_WAIT_S, MAX_WAIT_S)


def _status(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def send(request: dict[str, Any], what: str) -> tuple[bool, int]:
    """Spool ``request``; (taken by the monitor in time, its pid). Exits with
    a message when no monitor runs (``what``: the sentence that says so,
    marked with ``N_``) or the folder cannot be written."""
    pid = running_pid(paths.lock_path())
    if pid is None:
        click.echo(_(what) + " " + _("Start it with `posturewatch run` (or from your "
                                     "applications menu)."), err=True)
        sys.exit(1)
    spool = Spool(paths.control_dir())
    try:
        path = spool.send(request)
    except OSError as exc:
        click.echo("posturewatch: " + _("cannot write to {folder}: {error}").format(
            folder=spool.folder, error=exc), err=True)
        sys.exit(2)
    deadline = time.monotonic() + _wait_s()
    while path.exists():
        if time.monotonic() > deadline:
            click.echo(_("Sent to PostureWatch (pid {pid}); it takes it at its next "
                         "sample.").format(pid=pid))
            return False, pid
        time.sleep(POLL_S)  # waiting for another process, not for program time
    return True, pid


def _local(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).astimezone()
    except ValueError:
        return None


@click.command("pause")
@click.option("--for", "for_", metavar="DURATION",
              help="How long: 30m, 1h, 1h30m, 90s (plain numbers are minutes).")
@click.option("--until", metavar="TIME",
              help="Until a local time (14:00: today, or tomorrow once past) or an ISO moment.")
def pause_command(for_: str | None, until: str | None) -> None:
    """Pause the running monitor: no camera, no reminders (until resumed, or --for / --until)."""
    if for_ is not None and until is not None:
        raise click.UsageError(_("give --for or --until, not both"))
    request: dict[str, Any] = {"command": "pause"}
    try:
        if for_ is not None:
            request["minutes"] = parse_duration(for_)
        elif until is not None:
            parse_until(until, datetime.now(UTC), datetime.now().astimezone().tzinfo or UTC)
            request["until"] = until
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for" if for_ else "--until") from exc
    status_path = paths.status_path()
    before = _status(status_path).get("paused_until")
    taken, _pid = send(request, N_("PostureWatch is not running, so there is nothing to pause."))
    if not taken:
        return
    # The monitor writes its status right after it paused; show its own end time.
    deadline = time.monotonic() + 2.0
    paused = None
    while time.monotonic() < deadline:
        paused = _status(status_path).get("paused_until")
        if paused and paused != before:
            break
        time.sleep(POLL_S)
    end = _local(paused)
    if end is None:
        click.echo(_("Paused."))
    elif end.year >= 9999:
        click.echo(_("Paused until you resume (`posturewatch resume`). The camera stays off."))
    else:
        day = f"{weekday_name(end, short=True)} {end:%d} {month_name(end, short=True)}"
        click.echo(_("Paused until {time} ({day}). The camera stays off; monitoring resumes "
                     "by itself.").format(time=f"{end:%H:%M}", day=day))


@click.command("resume")
def resume_command() -> None:
    """Resume a paused monitor now."""
    if send({"command": "resume"},
            N_("PostureWatch is not running, so there is nothing to resume."))[0]:
        click.echo(_("Monitoring again."))


@click.command("water")
def water_command() -> None:
    """Log a glass of water (the water reminder starts over)."""
    if send({"command": "water"},
            N_("PostureWatch is not running, so there is nothing to log water with."))[0]:
        click.echo(_("Water logged."))


@click.command("break")
def break_command() -> None:
    """Log a break you took (the sitting time starts over)."""
    if send({"command": "break"},
            N_("PostureWatch is not running, so there is nothing to log a break with."))[0]:
        click.echo(_("Break logged: your sitting time starts over."))

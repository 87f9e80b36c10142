"""``posturewatch report`` and the tray's "Open weekly report": render a week
from the monitor's database and write, print or open it."""

from __future__ import annotations

import logging
import webbrowser
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import click

from posturewatch import paths
from posturewatch.config import Settings
from posturewatch.report import parse_week, shift_week, week_label
from posturewatch.report_render import FORMATS, local_zone, render_report, report_filename

log = logging.getLogger(__name__)


def reports_dir() -> Path:
    """Where rendered reports go when no ``--output`` is given."""
    return paths.data_dir() / "reports"


def chosen_week(week: str | None, last: bool, now: datetime, tz: tzinfo) -> str:
    """The ISO week label a report covers."""
    if week:
        return week
    current = week_label(now.astimezone(tz).date())
    return shift_week(current, -1) if last else current


def write_report(db_path: Path, week: str | None, last: bool, fmt: str, output: Path | None,
                 settings: Settings | None, now: datetime | None = None,
                 tz: tzinfo | None = None) -> tuple[Path, str]:
    """Render and write a report; returns (path, text). Raises ValueError on bad input."""
    tz = tz or local_zone()
    now = now or datetime.now(UTC)
    text = render_report(db_path, week, last, fmt, tz=tz, now=now, settings=settings)
    label = chosen_week(week, last, now, tz)
    target = output or reports_dir() / report_filename(label, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="" if fmt == "csv" else None)
    return target, text


def open_in_browser(path: Path) -> bool:
    """Open a rendered page with the desktop's browser; False when none answers."""
    try:
        return bool(webbrowser.open(path.resolve().as_uri()))
    except webbrowser.Error as exc:
        log.warning("cannot open a browser for %s: %s", path, exc)
        return False


@click.command("report")
@click.option("--week", default=None, metavar="YYYY-Www", help="An ISO week, e.g. 2026-W47.")
@click.option("--last", is_flag=True, help="Last week (default: this week so far).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="html (default with --output or --open), or text (default otherwise), "
                   "json, csv.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file.")
@click.option("--open", "open_", is_flag=True, help="Open the HTML report in the browser.")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
              help="Database file (default: the monitor's own).")
def report_command(week: str | None, last: bool, fmt: str | None, output: Path | None,
                   open_: bool, db_path: Path | None) -> None:
    """Your week: time at the desk, sitting bouts, breaks, posture, water.

    Without --output, text, JSON and CSV print to the terminal and HTML is
    saved under the data folder (its path is printed).
    """
    from posturewatch.cli import fail, resolve

    if week and last:
        fail("give --week or --last, not both")
    if week:
        try:
            year, number = parse_week(week)
        except ValueError as exc:
            fail(f"--week: {exc}")
        week = f"{year}-W{number:02d}"
    fmt = fmt or ("html" if (output or open_) else "text")
    settings = resolve().settings
    database = db_path or paths.database_path()
    if not database.exists():
        click.echo(f"posturewatch: no database at {database} yet; the report will be empty.",
                   err=True)
    try:
        if output is None and fmt != "html":
            now = datetime.now(UTC)
            click.echo(render_report(database, week, last, fmt, tz=local_zone(), now=now,
                                     settings=settings), nl=False)
            return
        path, _text = write_report(database, week, last, fmt, output, settings)
    except ValueError as exc:
        fail(str(exc))
    click.echo(f"Report written to {path}")
    if open_ and not open_in_browser(path):
        click.echo("No browser answered; open the file above yourself.", err=True)

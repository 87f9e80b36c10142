"""``posturewatch report``: the click command. The work is in
``posturewatch.report.files`` (``write_report`` and ``reports_dir`` are
re-exported here for the tray)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click

from posturewatch import paths
from posturewatch.clock import local_zone
from posturewatch.i18n import _
from posturewatch.report.files import (
    FORMATS,
    open_in_browser,
    render_report,
    reports_dir,
    write_report,
)
from posturewatch.report.weeks import parse_week

__all__ = ["report_command", "reports_dir", "write_report"]


def storage_problem(database: Path, error: OSError | sqlite3.Error) -> str:
    """The sentence for a report that cannot read its database or write its file."""
    from posturewatch.storage_faults import explain

    if isinstance(error, OSError) and error.filename and Path(error.filename) != database:
        return explain(Path(error.filename), error, "the report")
    return explain(database, error, "the database")


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
        fail(_("give --week or --last, not both"))
    if week:
        try:
            year, number = parse_week(week)
        except ValueError as exc:
            fail(f"--week: {exc}")
        week = f"{year}-W{number:02d}"
    fmt = fmt or ("html" if (output or open_) else "text")
    settings = resolve().settings
    database = db_path or paths.database_path()
    try:
        exists = database.exists()
    except OSError as exc:  # a folder on the way this user cannot search
        fail(storage_problem(database, exc))
    if not exists:
        click.echo("posturewatch: " + _("no database at {path} yet; the report will be "
                                        "empty.").format(path=database), err=True)
    try:
        if output is None and fmt != "html":
            now = datetime.now(UTC)
            click.echo(render_report(database, week, last, fmt, tz=local_zone(), now=now,
                                     settings=settings), nl=False)
            return
        path, _text = write_report(database, week, last, fmt, output, settings)
    except ValueError as exc:
        fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        fail(storage_problem(database, exc))
    click.echo(_("Report written to {path}").format(path=path))
    if open_ and not open_in_browser(path):
        click.echo(_("No browser answered; open the file above yourself."), err=True)

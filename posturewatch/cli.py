"""The command line: every ``posturewatch`` command, and the only module that
imports click.

The commands call into the modules that do the work (``runner``, ``report``,
``doctor``, ``autostart``, ``control`` ...), imported inside each command, so
the heavy ones (OpenCV, MediaPipe) load only for the commands that need them,
``config``, ``status`` and ``--help`` answer at once, and no module imports
this one back (no import cycle; ``tests/test_architecture.py`` checks).
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import click

from posturewatch import __version__, paths
from posturewatch.config import Resolved, Settings, check_file, format_show
from posturewatch.i18n import N_, _, ngettext
from posturewatch.report.files import FORMATS as REPORT_FORMATS

if TYPE_CHECKING:
    from posturewatch.pose import LegacyPose, TasksPose


# -- number types ------------------------------------------------------------
# Click's ``FloatRange`` lets ``nan`` through (every comparison with it is
# false) and ``float`` accepts ``inf`` and ``1e308``; here every number must be
# finite and inside its range, and the message says which range.
DAY_S = 86400.0


class FiniteFloat(click.ParamType):
    """A finite number in ``[minimum, maximum]``; with ``positive`` it must be
    above 0 as well (``minimum`` may then be left out)."""

    name = "number"

    def __init__(self, minimum: float | None = None, maximum: float | None = None,
                 unit: str = "", positive: bool = False) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit
        self.positive = positive

    def _range(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.positive and self.minimum is None:
            low = "above 0"
        else:
            low = f"from {self.minimum:g}"
        high = f" up to {self.maximum:g}{unit}" if self.maximum is not None else unit
        return f"a number {low}{high}"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float) and math.isfinite(value):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number; give {self._range()}", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give {self._range()}", param, ctx)
        too_low = (self.minimum is not None and number < self.minimum) or (
            self.positive and number <= 0)
        too_high = self.maximum is not None and number > self.maximum
        if too_low or too_high:
            self.fail(f"{value!r} is out of range; give {self._range()}", param, ctx)
        return number


INTERVAL_S = FiniteFloat(maximum=DAY_S, unit="seconds (a day)", positive=True)
"""``--interval-s``: seconds between samples, above 0 and at most a day."""


def local_tz() -> tzinfo:
    """The user's local time zone, DST-aware (for working hours and reports)."""
    from posturewatch.clock import local_zone

    return local_zone()


def resolve(
    config_file: Path | None = None, overrides: dict[str, object] | None = None
) -> Resolved:
    """Settings from every layer; problems go to stderr, never stop the program."""
    from posturewatch.policy_guard import load_settings

    resolved = load_settings(config_file, overrides)
    for alert in resolved.alerts:
        click.echo(f"posturewatch: WARNING: {alert}", err=True)
    for problem in resolved.problems:
        click.echo(f"posturewatch: warning: {problem}", err=True)
    return resolved


def parse_start(value: str | None) -> datetime:
    """``--start``: ISO 8601; a naive time is local time. Default: today 09:00 local."""
    if value is None:
        today = datetime.now().astimezone()
        return today.replace(hour=9, minute=0, second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time ({exc})") from exc
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        # Later years leave no room for the replay's timeline (datetime ends in 9999).
        raise click.BadParameter(f"{value!r}: give a time in the years {FIRST_YEAR} to "
                                 f"{LAST_YEAR}, e.g. 2026-03-02T09:00")
    return moment if moment.tzinfo else moment.astimezone()


FIRST_YEAR, LAST_YEAR = 1971, 2999


def fail(message: str, code: int = 2) -> None:
    click.echo(f"posturewatch: {message}", err=True)
    sys.exit(code)


def use_language() -> str:
    """Speak the language of the ``language`` setting (``auto``: the OS's;
    see :mod:`posturewatch.i18n`). Settings that cannot be read leave it to
    the OS; the command that reads them says what is wrong."""
    from posturewatch import i18n
    from posturewatch.policy_guard import load_settings

    try:
        setting = load_settings().settings.language
    except Exception:  # noqa: BLE001 - the language must never stop a command
        setting = "auto"
    return i18n.use(setting)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="posturewatch")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """PostureWatch: a quiet, private posture and sitting-time monitor."""
    use_language()
    # Every file and folder this command creates is private (0600/0700).
    old = paths.private_umask()
    if old is not None:
        ctx.call_on_close(lambda: os.umask(old))


MODEL_OPTION = click.option(
    "--model", default=None, metavar="auto|full|lite|FILE.task",
    help="Pose landmark model (default: the pose_model setting).")


def open_pose(settings: Settings) -> LegacyPose | TasksPose:
    """The pose model the settings choose, loaded now (a download's progress
    on stderr); exits with what to do when it cannot load."""
    from posturewatch.model_files import ModelError
    from posturewatch.pose import open_estimator

    try:
        return open_estimator(settings.pose_model, settings.pose_model_url,
                              lambda text: click.echo(text, err=True))
    except ModelError as exc:
        fail(str(exc))
        raise  # not reached: fail exits


# -- run ------------------------------------------------------------------
@cli.command()
@click.option("--headless", is_flag=True, help="No tray icon: monitor in this terminal.")
@click.option("--source", default=None, help="Camera index (0), a video file or an image folder.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Use this user config file instead of the usual one.")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
              help="Database file (default: the monitor's own).")
@click.option("--interval-s", type=INTERVAL_S, default=None,
              help="Seconds between samples (above 0, at most a day).")
@MODEL_OPTION
def run(headless: bool, source: str | None, config_file: Path | None, db_path: Path | None,
        interval_s: float | None, model: str | None) -> None:
    """Start monitoring (in the tray, or --headless in this terminal)."""
    from posturewatch.runner import run_monitor

    overrides: dict[str, object] = {"pose_model": model}
    if interval_s is not None:
        overrides["sample_interval_s"] = interval_s
    resolved = resolve(config_file, overrides)
    code = run_monitor(resolved, source=source, headless=headless,
                       db_path=db_path or paths.database_path(), tz=local_tz(),
                       config_file=config_file, overrides=overrides)
    sys.exit(code)


# -- calibrate ------------------------------------------------------------
@cli.command()
@click.option("--source", default=None, help="Camera index (0), a video file or an image folder.")
@click.option("--frames", type=click.IntRange(3, 30), default=5, show_default=True,
              help="How many samples to take, one a second.")
@MODEL_OPTION
def calibrate(source: str | None, frames: int, model: str | None) -> None:
    """Sit upright: record your upright posture as the baseline."""
    from posturewatch.camera import SourceError
    from posturewatch.logs import setup_logging
    from posturewatch.messages import CALIBRATION_COUNTDOWN_S
    from posturewatch.model import Baseline
    from posturewatch.model_files import ModelError
    from posturewatch.runner import build_calibration, close_monitor, countdown

    resolved = resolve(None, {"pose_model": model})
    setup_logging(resolved.settings.log_level, paths.log_dir())
    try:
        monitor = build_calibration(resolved, source, lambda text: click.echo(text, err=True))
    except (SourceError, ModelError) as exc:
        fail(str(exc))
    try:
        click.echo(f"Sit upright and comfortable, look at your screen, and hold still "
                   f"for {frames} seconds...")
        countdown(CALIBRATION_COUNTDOWN_S, monitor.clock)
        result = monitor.take_calibration(frames, 1.0)
    finally:
        close_monitor(monitor)
    if not isinstance(result, Baseline):
        fail(f"Calibration refused: {result.reason}", 1)
    click.echo(f"Calibrated from {result.samples} samples; saved to {paths.baseline_path()}.")
    click.echo("A running monitor picks it up within a minute.")


# -- status ---------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the raw status as JSON.")
def status(as_json: bool) -> None:
    """What the monitor knows now: sitting time, last verdict, camera, next nudge."""
    from posturewatch.status import describe_status, read_status

    data = read_status(paths.status_path(), paths.lock_path())
    if as_json:
        click.echo(json.dumps(data, indent=1))
    else:
        click.echo(describe_status(data, datetime.now(UTC), local_tz()))


# -- replay ---------------------------------------------------------------
@cli.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--interval-s", type=FiniteFloat(0.1, DAY_S, "seconds (a day)"), default=5.0,
              show_default=True, help="Simulated seconds between consecutive frames.")
@click.option("--start", default=None, help="Simulated start, ISO 8601 (default today 09:00).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="User config file for this replay (the IT policy still applies).")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None,
              help="Keep the minute summaries and events in this database.")
@click.option("--baseline-from", type=click.Path(exists=True, path_type=Path), default=None,
              help="Calibrate from this upright image or folder first.")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one CSV row per frame: verdict, score, metrics, the upright "
                   "reference, why a verdict was unknown.")
@MODEL_OPTION
def replay(source: Path, interval_s: float, start: str | None, config_file: Path | None,
           db_path: Path | None, baseline_from: Path | None, trace: Path | None,
           model: str | None) -> None:
    """Run the whole pipeline over a video or image folder on a simulated clock.

    The last line of output is one JSON object with the totals and nudges.
    """
    from posturewatch.camera import SourceError, open_source
    from posturewatch.replay import replay as run_replay

    resolved = resolve(config_file, {"pose_model": model})
    when = parse_start(start)
    try:
        frames = open_source(str(source))
    except SourceError as exc:
        fail(str(exc))
    with closing(frames), open_pose(resolved.settings) as estimator:
        baseline = baseline_or_fail(baseline_from, estimator, when)
        try:
            result = run_replay(frames, estimator, resolved.settings, when, interval_s,
                                db_path=db_path, baseline=baseline, tz=local_tz(), trace=trace)
        except (OSError, sqlite3.Error) as exc:
            from posturewatch.storage_faults import explain

            fail(explain(db_path, exc) if db_path else str(exc))
    for nudge in result["nudges"]:  # type: ignore[union-attr]
        click.echo(f"  nudge {nudge['kind']:8} at {nudge['at_s'] / 60:7.1f} min")
    click.echo(
        f"{result['frames']} frames, seated {result['seated_s'] / 60:.1f} min, "
        f"slouched {result['slouched_s'] / 60:.1f} min, breaks {result['breaks']}, "
        f"{len(result['nudges'])} nudges, in {result['wall_s']} s"  # type: ignore[arg-type]
    )
    click.echo(json.dumps(result))


def baseline_or_fail(path: Path | None, estimator: object, now: datetime) -> object:
    """A Baseline from ``--baseline-from``, or None; exits with the reason on refusal."""
    if path is None:
        return None
    from posturewatch.evaluate import baseline_from_images
    from posturewatch.model import Baseline

    result = baseline_from_images(path, estimator, now)
    if not isinstance(result, Baseline):
        fail(f"cannot calibrate from {path}: {result.reason}")
    return result


# -- eval -----------------------------------------------------------------
@cli.command("eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--baseline-from", type=click.Path(exists=True, path_type=Path), default=None,
              help="Calibrate from this upright image or folder first.")
@click.option("--sensitivity", type=FiniteFloat(0.5, 2.0), default=None,
              help="Posture sensitivity (default: from the settings).")
@click.option("--stream", is_flag=True,
              help="Judge the images as one session (natural file order, img2 before img10) "
                   "with the upright reference learning as it goes; without it each image "
                   "is judged alone.")
@click.option("--interval-s", type=FiniteFloat(0.1, DAY_S, "seconds (a day)"), default=5.0,
              show_default=True,
              help="With --stream: simulated seconds between consecutive images.")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --stream: write one CSV row per image.")
@MODEL_OPTION
def eval_command(folder: Path, baseline_from: Path | None, sensitivity: float | None,
                 stream: bool, interval_s: float, trace: Path | None,
                 model: str | None) -> None:
    """Score posture detection on FOLDER/upright, FOLDER/slouched [and FOLDER/absent].

    The last line of output is one JSON object with the scores.
    """
    from posturewatch.evaluate import evaluate, evaluate_stream

    if trace is not None and not stream:
        fail("--trace goes with --stream (each image alone has no session to trace)")

    if not (folder / "upright").is_dir() or not (folder / "slouched").is_dir():
        fail(f"{folder} must hold upright/ and slouched/ folders of images")
    settings = resolve(None, {"pose_model": model}).settings
    started = time.perf_counter()
    with open_pose(settings) as estimator:
        baseline = baseline_or_fail(baseline_from, estimator, datetime.now(UTC))
        chosen = sensitivity if sensitivity is not None else settings.posture_sensitivity
        if stream:
            result = evaluate_stream(folder, estimator, baseline, chosen, interval_s, trace)
        else:
            result = evaluate(folder, estimator, baseline, chosen)
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["pose_model"] = settings.pose_model
    for key in ("n", "detection_rate", "balanced_accuracy", "false_alarm_rate", "miss_rate",
                "absent_accuracy"):
        if key in result:
            click.echo(f"  {key:18} {result[key]}")
    click.echo(json.dumps(result))


# -- config ---------------------------------------------------------------
@cli.group()
def config() -> None:
    """Show the settings in force, or check a config or policy file."""


@config.command("show")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Show with this user config file instead of the usual one.")
def config_show(config_file: Path | None) -> None:
    """Print every setting with its value and where it came from."""
    from posturewatch.model_files import choose
    from posturewatch.policy_guard import load_settings, override_notes

    resolved = load_settings(config_file)
    click.echo(format_show(resolved), nl=False)
    notes = override_notes()
    if notes:
        click.echo("\nEnvironment:")
        for note in notes:
            click.echo(f"  {note}")
    choice = choose(resolved.settings.pose_model)
    click.echo(f"\nPose model: {choice.describe()}")
    if choice.problem:
        click.echo(f"  problem: {choice.problem}")


@config.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def config_check(file: Path) -> None:
    """Validate a user config or IT policy file; name file, line and key of each problem."""
    problems = check_file(file)
    if not problems:
        click.echo(_("{file}: OK").format(file=file))
        return
    for problem in problems:
        click.echo(str(problem))
    fail(ngettext("{n} problem in {file}", "{n} problems in {file}", len(problems)).format(
        n=len(problems), file=file), 1)


# -- model ----------------------------------------------------------------
@cli.group()
def model() -> None:
    """The pose model file: which one is used, fetch it, install a copy."""


@model.command("status")
def model_status() -> None:
    """Which pose model and backend the settings choose, and the files found."""
    from posturewatch import model_files as mf

    settings = resolve().settings
    info = mf.mediapipe_info()
    apis = [name for name, ok in (("mp.solutions", info.legacy), ("Tasks", info.tasks)) if ok]
    click.echo(f"mediapipe {info.version or 'not installed'}"
               f" ({', '.join(apis) or 'no pose API'})")
    choice = mf.choose(settings.pose_model, info)
    click.echo(f"pose_model = {settings.pose_model!r}: {choice.describe()}")
    for folder in mf.search_dirs():
        for name in mf.MODELS:
            path = folder / mf.FILE_NAMES[name]
            if path.exists():
                problem = mf.file_problem(path)
                click.echo(f"  {path}: {'ok' if problem is None else problem}")
            else:
                click.echo(f"  {path}: not there")
    if choice.problem:
        fail(choice.problem, 1)


@model.command("fetch")
@click.argument("name", type=click.Choice(["lite", "full", "all"]), required=False)
def model_fetch(name: str | None) -> None:
    """Download a pose model (default: the one the settings want) into your cache."""
    from posturewatch import model_files as mf

    settings = resolve().settings
    if name is None:
        chosen = mf.choose(settings.pose_model)
        name = chosen.model if chosen.model in mf.MODELS else mf.DEFAULT_MODEL
    for one in mf.MODELS if name == "all" else (name,):
        try:
            path = mf.fetch(one, base_url=settings.pose_model_url,
                            progress=mf.progress_printer(lambda t: click.echo(t, err=True), one))
        except mf.ModelError as exc:
            fail(str(exc))
        click.echo(f"{one}: {path}")


@model.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_model", type=click.Choice(["lite", "full"]), default=None,
              help="Which model the file is (default: told from its contents).")
def model_install(file: Path, as_model: str | None) -> None:
    """Check a .task file you copied here and install it into your cache."""
    from posturewatch import model_files as mf

    try:
        path = mf.install(file, as_model)
    except mf.ModelError as exc:
        fail(str(exc))
    click.echo(f"installed {path}")


# -- report ---------------------------------------------------------------
def storage_problem(database: Path, error: OSError | sqlite3.Error) -> str:
    """The sentence for a report that cannot read its database or write its file."""
    from posturewatch.storage_faults import explain

    if isinstance(error, OSError) and error.filename and Path(error.filename) != database:
        return explain(Path(error.filename), error, "the report")
    return explain(database, error, "the database")


@cli.command("report")
@click.option("--week", default=None, metavar="YYYY-Www", help="An ISO week, e.g. 2026-W47.")
@click.option("--last", is_flag=True, help="Last week (default: this week so far).")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default=None,
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
    from posturewatch.report.files import open_in_browser, render_report, write_report
    from posturewatch.report.weeks import parse_week

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
            click.echo(render_report(database, week, last, fmt, tz=local_tz(), now=now,
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


# -- doctor ---------------------------------------------------------------
@cli.command("doctor")
@click.option("--source", default=None,
              help="Check this camera index, video file or image folder instead of the "
                   "configured camera.")
@click.option("--notify", "send", is_flag=True, help="Also send a test notification.")
def doctor_command(source: str | None, send: bool) -> None:
    """Check camera, model, database, notifications and tray; say what to fix.

    Exits 1 when something PostureWatch needs does not work.
    """
    from posturewatch.doctor import Status, format_checks, run_checks

    logging.basicConfig(level=logging.ERROR)
    checks = run_checks(source, send)
    click.echo(format_checks(checks))
    sys.exit(1 if any(c.status is Status.FAIL for c in checks) else 0)


# -- autostart ------------------------------------------------------------
@cli.group("autostart")
def autostart_command() -> None:
    """Start PostureWatch when you log in (or stop doing so)."""


@autostart_command.command("enable")
def autostart_enable() -> None:
    """Start the tray monitor at every login (for this user only)."""
    from posturewatch.autostart import for_platform, launch_command

    target = for_platform()
    command = launch_command()
    where = target.enable(command)
    click.echo(_("PostureWatch will start when you log in ({where}).").format(where=where))
    click.echo(_("It runs: {command}").format(command=" ".join(command)))


@autostart_command.command("disable")
def autostart_disable() -> None:
    """Stop starting PostureWatch at login."""
    from posturewatch.autostart import for_platform

    target = for_platform()
    if target.disable():
        click.echo(_("PostureWatch will no longer start when you log in (removed "
                     "{where}).").format(where=target.where()))
    else:
        click.echo(_("PostureWatch was not set to start at login; nothing to do."))


@autostart_command.command("status")
def autostart_status() -> None:
    """Say whether PostureWatch starts at login."""
    from posturewatch.autostart import for_platform

    target = for_platform()
    if target.enabled():
        click.echo(_("PostureWatch starts when you log in ({where}).").format(
            where=target.where()))
    else:
        click.echo(_("PostureWatch does not start at login. "
                     "`posturewatch autostart enable` turns it on."))


# -- windows: settings, welcome -------------------------------------------
# Tk is imported only when a window opens, so the rest of the command line
# works on a Python without it, and these commands say how to get it. The
# tray starts them as processes of their own.
def need_tk() -> None:
    """Exit saying why when no window can open here (no Tk, no display)."""
    from posturewatch.launch import tk_problem

    problem = tk_problem()
    if problem is None and sys.platform.startswith("linux"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            problem = "no display to open a window on (DISPLAY is not set)"
    if problem:
        fail(f"{problem}. `posturewatch config show` and a text editor work without it.")


@cli.command("settings")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Edit this user config file instead of the usual one.")
def settings_command(config_file: Path | None) -> None:
    """Open the settings window (changes apply to a running monitor at once)."""
    need_tk()
    from posturewatch.logs import setup_logging
    from posturewatch.settings_window import run_settings_window

    setup_logging("info", paths.log_dir())
    from posturewatch.policy_guard import policy_path

    sys.exit(run_settings_window(config_file or paths.user_config_path(), policy_path()))


@cli.command("welcome")
@click.option("--source", default=None,
              help="Camera index (default: from the settings), a video file or an image folder.")
@click.option("--start-at", type=click.Choice(["start", "camera", "calibrate"]), default="start",
              show_default=True, help="Open at this page (the tray uses camera and calibrate).")
def welcome_command(source: str | None, start_at: str) -> None:
    """The first-run tour: what PostureWatch does and keeps, a camera check, calibration."""
    need_tk()
    from posturewatch.logs import setup_logging
    from posturewatch.onboarding import START_PAGES
    from posturewatch.onboarding_window import run_window

    setup_logging("info", paths.log_dir())
    sys.exit(run_window(source, START_PAGES[start_at]))


# -- pause, resume, water, break: tell the running monitor -------------------
# Through the spool folder of ``control.py``. Each command checks the
# single-instance lock first and says so plainly when no monitor runs (exit
# code 1, nothing left behind). Otherwise it spools the request and waits
# until the monitor has taken it (a tick: at most about one
# ``sample_interval_s``), then says what happened.
POLL_S = 0.05
EXTRA_WAIT_S = 5.0
MAX_WAIT_S = 60.0


def _wait_s() -> float:
    """Real seconds to wait for the monitor's next tick."""
    try:
        interval = resolve().settings.sample_interval_s
    except Exception:  # noqa: BLE001 - a broken config must not stop the command
        interval = 5.0
    return min(interval + EXTRA_WAIT_S, MAX_WAIT_S)


def _status_file(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def send(request: dict[str, object], what: str) -> tuple[bool, int]:
    """Spool ``request``; (taken by the monitor in time, its pid). Exits with
    a message when no monitor runs (``what``: the sentence that says so,
    marked with ``N_``) or the folder cannot be written."""
    from posturewatch.control import Spool
    from posturewatch.instance import running_pid

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


@cli.command("pause")
@click.option("--for", "for_", metavar="DURATION",
              help="How long: 30m, 1h, 1h30m, 90s (plain numbers are minutes).")
@click.option("--until", metavar="TIME",
              help="Until a local time (14:00: today, or tomorrow once past) or an ISO moment.")
def pause_command(for_: str | None, until: str | None) -> None:
    """Pause the running monitor: no camera, no reminders (until resumed, or --for / --until)."""
    from posturewatch.control import parse_duration, parse_until

    if for_ is not None and until is not None:
        raise click.UsageError(_("give --for or --until, not both"))
    request: dict[str, object] = {"command": "pause"}
    try:
        if for_ is not None:
            request["minutes"] = parse_duration(for_)
        elif until is not None:
            parse_until(until, datetime.now(UTC), local_tz())
            request["until"] = until
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for" if for_ else "--until") from exc
    status_path = paths.status_path()
    before = _status_file(status_path).get("paused_until")
    taken, _pid = send(request, N_("PostureWatch is not running, so there is nothing to pause."))
    if not taken:
        return
    # The monitor writes its status right after it paused; show its own end time.
    deadline = time.monotonic() + 2.0
    paused = None
    while time.monotonic() < deadline:
        paused = _status_file(status_path).get("paused_until")
        if paused and paused != before:
            break
        time.sleep(POLL_S)
    end = _local(paused)
    if end is None:
        click.echo(_("Paused."))
    elif end.year >= 9999:
        click.echo(_("Paused until you resume (`posturewatch resume`). The camera stays off."))
    else:
        from posturewatch.calendar_words import month_name, weekday_name

        day = f"{weekday_name(end, short=True)} {end:%d} {month_name(end, short=True)}"
        click.echo(_("Paused until {time} ({day}). The camera stays off; monitoring resumes "
                     "by itself.").format(time=f"{end:%H:%M}", day=day))


@cli.command("resume")
def resume_command() -> None:
    """Resume a paused monitor now."""
    if send({"command": "resume"},
            N_("PostureWatch is not running, so there is nothing to resume."))[0]:
        click.echo(_("Monitoring again."))


@cli.command("water")
def water_command() -> None:
    """Log a glass of water (the water reminder starts over)."""
    if send({"command": "water"},
            N_("PostureWatch is not running, so there is nothing to log water with."))[0]:
        click.echo(_("Water logged."))


@cli.command("break")
def break_command() -> None:
    """Log a break you took (the sitting time starts over)."""
    if send({"command": "break"},
            N_("PostureWatch is not running, so there is nothing to log a break with."))[0]:
        click.echo(_("Break logged: your sitting time starts over."))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="posturewatch")

"""The command line: ``posturewatch run|calibrate|status|replay|eval|config|report``.

Heavy imports (OpenCV, MediaPipe) happen inside the commands that need them,
so ``config``, ``status`` and ``--help`` answer at once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import click

from posturewatch import __version__, paths
from posturewatch.cli_types import DAY_S, INTERVAL_S, FiniteFloat
from posturewatch.config import Resolved, Settings, check_file, format_show
from posturewatch.i18n import _, ngettext

if TYPE_CHECKING:
    from posturewatch.pose import LegacyPose, TasksPose


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
    from posturewatch.runner import calibrate_cli

    sys.exit(calibrate_cli(resolve(None, {"pose_model": model}), source, frames))


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
    with open_pose(resolved.settings) as estimator:
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


# -- commands defined beside their adapters ---------------------------------
def _register_optional_commands() -> None:
    """Commands that live in their own modules (tray-era: autostart, doctor; report)."""
    import importlib

    for module, name in (
        ("posturewatch.autostart", "autostart_command"),
        ("posturewatch.doctor", "doctor_command"),
        ("posturewatch.report_cli", "report_command"),
        ("posturewatch.desktop_cli", "settings_command"),
        ("posturewatch.desktop_cli", "welcome_command"),
        ("posturewatch.control_cli", "pause_command"),
        ("posturewatch.control_cli", "resume_command"),
        ("posturewatch.control_cli", "water_command"),
        ("posturewatch.control_cli", "break_command"),
    ):
        try:
            command = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        cli.add_command(command)


_register_optional_commands()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="posturewatch")

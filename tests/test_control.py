"""``posturewatch pause|resume|water|break`` reach the running monitor through
the spool folder: parsing, the spool itself, the loop applying what it reads,
and the real program paused from the command line on a paced clock."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import empty_scene, sensor_noise

from posturewatch import paths
from posturewatch.app import LogBreak, LogWater, Monitor, Pause, Resume
from posturewatch.camera import Grab
from posturewatch.cli import cli
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.control import Spool, parse_duration, parse_until, to_command
from posturewatch.desktop_state import FakeDesktop
from posturewatch.model import CameraState, Landmarks
from posturewatch.notify import RecordingNotifier
from posturewatch.store import Store

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


# -- parsing -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "minutes"), [
    ("30m", 30), ("30min", 30), ("1h", 60), ("1h30m", 90), ("90s", 1.5), ("2.5h", 150),
    ("45", 45), (" 1h 5m ", 65), ("7.5", 7.5),
])
def test_durations(text: str, minutes: float) -> None:
    assert parse_duration(text) == pytest.approx(minutes)


@pytest.mark.parametrize("text", ["", "soon", "30x", "-5", "0", "0m", "8d", "200h", "h"])
def test_bad_durations_say_what_works(text: str) -> None:
    with pytest.raises(ValueError, match="duration|at most 7 days"):
        parse_duration(text)


def test_until_a_clock_time_is_the_next_one_in_local_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # UTC+1 in March
    assert parse_until("14:00", T0, berlin) == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert parse_until("9:30", T0, berlin) == datetime(2026, 3, 3, 8, 30, tzinfo=UTC)  # passed
    assert parse_until("2026-03-02T18:15", T0, berlin) == datetime(2026, 3, 2, 17, 15, tzinfo=UTC)
    assert parse_until("2026-03-02T18:15Z", T0, berlin) == datetime(2026, 3, 2, 18, 15, tzinfo=UTC)
    with pytest.raises(ValueError, match="already passed"):
        parse_until("2026-03-01T10:00", T0, berlin)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_until("after lunch", T0, berlin)
    with pytest.raises(ValueError, match="not a clock time"):
        parse_until("25:00", T0, berlin)


def test_requests_become_loop_commands() -> None:
    assert to_command({"command": "resume"}) == Resume()
    assert to_command({"command": "water"}) == LogWater()
    assert to_command({"command": "break"}) == LogBreak()
    assert to_command({"command": "pause"}) == Pause()
    assert to_command({"command": "pause", "minutes": 30}) == Pause(minutes=30.0)
    for bad in ({"command": "reboot"}, ["pause"], {"command": "pause", "minutes": -1},
                {"command": "pause", "minutes": True}, {"command": "pause", "until": 14}):
        with pytest.raises(ValueError):
            to_command(bad)


# -- the spool ---------------------------------------------------------------------------------
def test_spool_is_private_ordered_and_read_once(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    spool = Spool(tmp_path / "run" / "commands")
    assert spool.take() == []  # no folder yet: nothing, no error
    spool.send({"command": "water"})
    spool.send({"command": "pause", "minutes": 5})
    (spool.folder / "0-bad.json").write_text("{not json", encoding="utf-8")
    (spool.folder / "1-huge.json").write_text(json.dumps({"command": "water", "x": "y" * 5000}))
    (spool.folder / "2-alien.json").write_text(json.dumps({"command": "format c:"}))
    if sys.platform != "win32":
        assert stat.S_IMODE(spool.folder.stat().st_mode) == 0o700
    assert spool.take() == [LogWater(), Pause(minutes=5.0)]
    assert list(spool.folder.iterdir()) == []  # read means gone, the bad ones too
    dropped = [r.getMessage() for r in caplog.records if "dropping" in r.getMessage()]
    assert len(dropped) == 3
    with pytest.raises(ValueError):
        spool.send({"command": "nonsense"})  # refused before it is spooled
    spool.send({"command": "resume"})
    assert spool.clear() == 1 and spool.take() == []


def test_the_loop_applies_spooled_commands_with_its_own_clock(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "commands")
    monitor = Monitor(Settings(), FramesOfNobody(), NobodyEstimator(), Store(tmp_path / "pw.db"),
                      RecordingNotifier(), SimulatedClock(T0), tz=ZoneInfo("Europe/Berlin"),
                      desktop=FakeDesktop())
    monitor.command_sources.append(spool.take)
    spool.send({"command": "pause", "until": "14:00"})
    monitor.tick()
    assert monitor.tracker.state(T0).paused_until == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert monitor.camera_grabs == 0
    spool.send({"command": "resume"})
    spool.send({"command": "water"})
    monitor.clock.advance(5)  # type: ignore[attr-defined]
    monitor.tick()
    monitor.store.close()
    assert monitor.tracker.state(monitor.clock.now()).paused_until is None
    assert monitor.camera_grabs == 1
    with sqlite3.connect(tmp_path / "pw.db") as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds[:3] == ["pause", "camera", "resume"] and "water_logged" in kinds


class FramesOfNobody:
    """A frame source of an empty scene (these tests are about commands)."""

    def __init__(self) -> None:
        self.n = 0

    def grab(self) -> Grab:
        self.n += 1
        return Grab(sensor_noise(empty_scene(), self.n), CameraState.OK)

    def close(self) -> None:
        pass


class NobodyEstimator:
    def estimate(self, frame: object) -> Landmarks | None:
        return None


# -- the command line --------------------------------------------------------------------------
def test_commands_say_clearly_when_nothing_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    for args, what in ((["pause", "--for", "30m"], "pause"), (["resume"], "resume"),
                       (["water"], "log water with"), (["break"], "log a break with")):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert f"PostureWatch is not running, so there is nothing to {what}." in result.output
        assert "posturewatch run" in result.output
    assert not paths.control_dir().exists() or list(paths.control_dir().iterdir()) == []


def test_pause_options_are_checked_before_anything_is_sent() -> None:
    runner = CliRunner()
    both = runner.invoke(cli, ["pause", "--for", "5m", "--until", "14:00"])
    assert both.exit_code == 2 and "not both" in both.output
    bad = runner.invoke(cli, ["pause", "--for", "soon"])
    assert bad.exit_code == 2 and "use e.g. 30m, 1h" in bad.output
    late = runner.invoke(cli, ["pause", "--until", "lunch"])
    assert late.exit_code == 2 and "HH:MM" in late.output


# -- the real program, paused from the command line ---------------------------------------------
SPEED = 600  # simulated seconds per real second
INTERVAL_S = 30
FRAMES = 240  # two hours of video at one frame every 30 s


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POSTUREWATCH", "DISPLAY", "WAYLAND", "DBUS_"))}
    env.update(POSTUREWATCH_HOME=str(home), POSTUREWATCH_TEST_MODE="1",
               POSTUREWATCH_POLICY=str(home / "no-policy.toml"))
    return env


def posturewatch(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posturewatch", *args], capture_output=True,
                          text=True, env=cli_env(home), timeout=120, cwd=REPO)


def read_status(home: Path) -> dict[str, object]:
    try:
        return json.loads((home / "state" / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def wait_for(condition, timeout_s: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling another process, not waiting for program time


@pytest.fixture
def upright_video(tmp_path: Path, astronaut_frame: np.ndarray) -> Path:
    path = tmp_path / "upright.avi"
    small = cv2.resize(astronaut_frame, (320, 240))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (320, 240))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write MJPG .avi files here")
    for i in range(FRAMES):
        writer.write(sensor_noise(small, i))
    writer.release()
    return path


@pytest.mark.model
def test_paused_from_the_command_line_the_camera_stays_shut_and_monitoring_resumes(
    tmp_path: Path, upright_video: Path
) -> None:
    home = tmp_path / "home"
    env = cli_env(home) | {"POSTUREWATCH_FAKE_CLOCK": f"{SPEED}@2026-03-02T09:00:00+00:00"}
    log = tmp_path / "run.txt"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "posturewatch", "run", "--headless", "--source",
             str(upright_video), "--interval-s", str(INTERVAL_S)],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    try:
        wait_for(lambda: int(read_status(home).get("camera_grabs") or 0) >= 10, 120,
                 "the monitor to take 10 samples")
        paused = posturewatch(home, "pause", "--for", "30m")
        assert paused.returncode == 0, paused.stderr
        assert "Paused until" in paused.stdout and "resumes by itself" in paused.stdout
        status = read_status(home)
        assert status["camera"] == "off"
        grabs_paused = status["camera_grabs"]
        until = datetime.fromisoformat(str(status["paused_until"]))
        # It resumes by itself, on the loop's clock, and takes frames again.
        resumed = wait_for(lambda: (s := read_status(home)) and s.get("paused_until") is None
                           and s.get("camera") == "ok" and s, 60, "the pause to end by itself")
        assert datetime.fromisoformat(str(resumed["at"])) >= until
        # Through the whole pause not one frame was asked for.
        assert resumed["camera_grabs"] == grabs_paused + 1  # the first tick after the pause
        assert proc.wait(120) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    with sqlite3.connect(home / "data" / "posturewatch.db") as conn:
        [(paused_at, detail)] = conn.execute(
            "SELECT at, detail FROM events WHERE kind = 'pause'").fetchall()
        [(resumed_at, resume)] = conn.execute(
            "SELECT at, detail FROM events WHERE kind = 'resume'").fetchall()
        start = datetime.fromisoformat(paused_at)
        end = datetime.fromisoformat(resumed_at)
        inside = conn.execute(
            "SELECT count(*), coalesce(sum(samples), 0) FROM minutes WHERE minute >= ? "
            "AND minute < ?", (minute_after(start), minute_of(end))).fetchone()
        total_samples = conn.execute("SELECT sum(samples) FROM minutes").fetchone()[0]
        last = conn.execute("SELECT max(minute) FROM minutes").fetchone()[0]
    assert json.loads(resume) == {"auto": True}
    assert end - start == timedelta(minutes=30)
    assert inside[1] == 0  # the stored minutes of the pause: zero samples
    # Every frame of the video became one sample, none was skipped or read in
    # the pause: the run lasted the video's two hours plus the pause.
    assert total_samples == FRAMES
    run_end = datetime.fromisoformat(last.replace("Z", "+00:00"))
    assert run_end >= datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(
        seconds=(FRAMES - 2) * INTERVAL_S, minutes=30)


def minute_after(moment: datetime) -> str:
    floor = moment.replace(second=0, microsecond=0)
    if floor < moment:
        floor += timedelta(minutes=1)
    return floor.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def minute_of(moment: datetime) -> str:
    return moment.replace(second=0, microsecond=0).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.model
def test_resume_water_and_break_reach_the_running_monitor(
    tmp_path: Path, upright_video: Path
) -> None:
    home = tmp_path / "home"
    env = cli_env(home) | {"POSTUREWATCH_FAKE_CLOCK": "20@2026-03-02T09:00:00+00:00"}
    with open(tmp_path / "run.txt", "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "posturewatch", "run", "--headless", "--source",
             str(upright_video), "--interval-s", str(INTERVAL_S)],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    try:
        wait_for(lambda: read_status(home).get("camera") == "ok", 120, "the first sample")
        for args, said in ((["water"], "Water logged."),
                           (["break"], "Break logged: your sitting time starts over.")):
            done = posturewatch(home, *args)
            assert (done.returncode, done.stdout.strip()) == (0, said), done.stderr
        done = posturewatch(home, "pause")
        assert done.returncode == 0, done.stderr
        assert "Paused until you resume" in done.stdout
        assert read_status(home)["camera"] == "off"
        done = posturewatch(home, "resume")
        assert (done.returncode, done.stdout.strip()) == (0, "Monitoring again."), done.stderr
        wait_for(lambda: read_status(home).get("camera") == "ok", 30, "the camera back")
    finally:
        proc.terminate()
        proc.wait(30)
    with sqlite3.connect(home / "data" / "posturewatch.db") as conn:
        rows = conn.execute("SELECT kind, detail FROM events ORDER BY id").fetchall()
    kinds = [k for k, _d in rows]
    assert kinds.index("water_logged") < kinds.index("break_taken") < kinds.index("pause") \
        < kinds.index("resume")
    assert json.loads(next(d for k, d in rows if k == "water_logged")) == {"source": "user"}
    assert json.loads(next(d for k, d in rows if k == "break_taken"))["source"] == "user"
    assert json.loads(next(d for k, d in rows if k == "pause")) == {"until": None}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_RUNTIME_DIR is Linux's")
def test_without_a_runtime_folder_commands_wait_in_the_private_state_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cron job or an ssh login has no XDG_RUNTIME_DIR: platformdirs would
    warn and fall back to a folder in the shared /tmp."""
    import warnings

    monkeypatch.delenv("POSTUREWATCH_HOME", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folder = paths.control_dir()
    assert folder == paths.state_dir() / "commands"
    assert folder.is_relative_to(tmp_path)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o755)
    os.chmod(tmp_path / "run", 0o755)  # others may look in: not a runtime folder to trust
    assert paths.control_dir() == paths.state_dir() / "commands"
    os.chmod(tmp_path / "run", 0o700)
    assert paths.control_dir() == tmp_path / "run" / "posturewatch" / "commands"

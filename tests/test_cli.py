"""The command line as a user (and other checks) call it: real subprocesses,
real files, the output contracts of ``replay`` and ``eval``."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

REPO = Path(__file__).resolve().parents[1]


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["POSTUREWATCH_HOME"] = str(tmp_path / "home")
    env["POSTUREWATCH_POLICY"] = str(tmp_path / "no-policy.toml")
    env.pop("DISPLAY", None)
    return env


def posturewatch(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "posturewatch", *args],
        capture_output=True, text=True, env=cli_env(tmp_path), timeout=timeout, cwd=REPO,
    )


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.model
def test_replay_contract_and_a_break_nudge_at_the_sitting_limit(
    tmp_path: Path, astronaut_video
) -> None:
    # 40 minutes present (a frame a minute), then 30 minutes away.
    video = astronaut_video(n_astronaut=40, n_blank=30)
    db = tmp_path / "replay.db"
    done = posturewatch(tmp_path, "replay", str(video), "--interval-s", "60",
                        "--start", "2026-11-16T09:00:00+00:00", "--db", str(db))
    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    for key in ("frames", "present_s", "seated_s", "longest_sitting_s", "breaks",
                "slouched_s", "nudges"):
        assert key in result
    assert result["frames"] == 70
    assert result["present_s"] == pytest.approx(40 * 60)
    assert result["longest_sitting_s"] == pytest.approx(40 * 60)
    assert result["breaks"] == 1
    breaks = [n["at_s"] for n in result["nudges"] if n["kind"] == "break"]
    assert breaks and breaks[0] == pytest.approx(30 * 60)
    assert all(set(n) == {"kind", "at_s"} for n in result["nudges"])
    with sqlite3.connect(db) as conn:
        seated = conn.execute("select sum(seated_s) from minutes").fetchone()[0]
        shown = conn.execute("select count(*) from events where kind='nudge_shown'").fetchone()[0]
    assert seated == pytest.approx(result["seated_s"])
    assert shown == len(result["nudges"])


@pytest.mark.model
def test_replay_of_an_image_folder(tmp_path: Path, astronaut_frame, blank_bgr) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:02}.png"), astronaut_frame)
    cv2.imwrite(str(folder / "09.png"), blank_bgr)
    done = posturewatch(tmp_path, "replay", str(folder), "--interval-s", "5")
    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert result["frames"] == 4
    assert result["present_s"] == pytest.approx(15)
    assert result["nudges"] == []


@pytest.mark.model
def test_eval_contract(tmp_path: Path, astronaut_frame, blank_bgr) -> None:
    for sub, frame, n in (("upright", astronaut_frame, 2), ("slouched", astronaut_frame, 1),
                          ("absent", blank_bgr, 2)):
        (tmp_path / "set" / sub).mkdir(parents=True)
        for i in range(n):
            cv2.imwrite(str(tmp_path / "set" / sub / f"{i}.png"), frame)
    done = posturewatch(tmp_path, "eval", str(tmp_path / "set"))
    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert result["n"] == 5
    assert result["detection_rate"] == 1.0
    assert result["absent_accuracy"] == 1.0
    for key in ("balanced_accuracy", "false_alarm_rate", "miss_rate"):
        assert 0.0 <= result[key] <= 1.0


def test_eval_refuses_a_folder_without_the_classes(tmp_path: Path) -> None:
    done = posturewatch(tmp_path, "eval", str(tmp_path))
    assert done.returncode == 2
    assert "upright/ and slouched/" in done.stderr


def test_config_check_names_file_line_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('[defaults]\nsit_limit_min = 45\n\n[enforced]\nsit_limt_min = 3\n')
    done = posturewatch(tmp_path, "config", "check", str(bad))
    assert done.returncode == 1
    assert f"{bad}:5: sit_limt_min:" in done.stdout
    assert "sit_limit_min" in done.stdout  # the suggestion
    good = posturewatch(tmp_path, "config", "check", str(REPO / "config/example-policy.toml"))
    assert good.returncode == 0 and "OK" in good.stdout


def test_config_show_gives_every_value_its_origin(tmp_path: Path) -> None:
    (tmp_path / "home" / "config").mkdir(parents=True)
    (tmp_path / "home" / "config" / "config.toml").write_text("sit_limit_min = 40\n")
    done = posturewatch(tmp_path, "config", "show")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("sit_limit_min"))
    assert "40" in line and "user config" in line
    assert "built-in default" in done.stdout


def test_status_when_nothing_runs(tmp_path: Path) -> None:
    done = posturewatch(tmp_path, "status")
    assert done.returncode == 0
    assert "not running" in done.stdout


def test_run_with_a_path_that_is_not_there_says_what_to_use(tmp_path: Path) -> None:
    done = posturewatch(tmp_path, "run", "--headless", "--source", str(tmp_path / "nope.mp4"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "--source 0" in done.stderr


@pytest.mark.model
def test_run_without_a_camera_advises_and_keeps_going(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "posturewatch", "run", "--headless", "--source", "63"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path),
        cwd=REPO,
    )
    try:
        status_file = tmp_path / "home" / "state" / "status.json"
        deadline = time.monotonic() + 120
        while not status_file.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)  # waiting for a real process to start, not for program time
        assert proc.poll() is None, proc.communicate()
        status = posturewatch(tmp_path, "status")
        assert "running" in status.stdout and "not running" not in status.stdout
        second = posturewatch(tmp_path, "run", "--headless", "--source", "63")
        assert second.returncode == 1 and "already running" in second.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "No frame from camera 63" in err and "--source" in err


def test_every_command_is_in_the_readme() -> None:
    from posturewatch.cli import cli

    readme = (REPO / "README.md").read_text()
    for name in cli.commands:
        assert f"posturewatch {name}" in readme, f"README does not mention `posturewatch {name}`"


@pytest.mark.model
def test_replay_trace_writes_one_row_per_frame(tmp_path: Path, astronaut_frame, blank_bgr) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:02}.png"), astronaut_frame)
    cv2.imwrite(str(folder / "09.png"), blank_bgr)
    trace = tmp_path / "trace.csv"
    done = posturewatch(tmp_path, "replay", str(folder), "--trace", str(trace))
    assert done.returncode == 0, done.stderr
    assert last_json(done.stdout)["frames"] == 4
    import csv

    rows = list(csv.DictReader(trace.open()))
    assert [r["at_s"] for r in rows] == ["0.0", "5.0", "10.0", "15.0"]
    assert {"verdict", "score", "confidence", "nose_height", "neck_height", "nose_reference",
            "neck_reference", "unknown_reason"} <= set(rows[0])
    assert rows[0]["present"] == "1" and rows[0]["nose_reference"] != ""
    assert rows[3]["present"] == "0" and rows[3]["unknown_reason"] == "nobody in view"


@pytest.mark.model
def test_eval_stream_on_posture_dev_keeps_the_contract(tmp_path: Path, shared_data: Path) -> None:
    done = posturewatch(tmp_path, "eval", str(shared_data / "posture-dev"), "--stream")
    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert result["stream"] is True and result["n"] == 52
    for key in ("balanced_accuracy", "false_alarm_rate", "miss_rate", "confusion", "errors"):
        assert key in result


def test_eval_trace_needs_stream(tmp_path: Path) -> None:
    for label in ("upright", "slouched"):
        (tmp_path / "set" / label).mkdir(parents=True)
    done = posturewatch(tmp_path, "eval", str(tmp_path / "set"), "--trace", "t.csv")
    assert done.returncode == 2 and "--stream" in done.stderr

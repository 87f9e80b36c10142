"""Every number on the command line is checked, with a message: no traceback,
no hang (``replay --interval-s 1e9`` used to spin for minutes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from posturewatch.cli import cli


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.output


@pytest.mark.parametrize("value", ["1e12", "nan", "inf", "-inf", "1e9", "0", "-5", "86401",
                                   "five"])
def test_replay_interval_must_be_finite_positive_and_at_most_a_day(
        value: str, astronaut_video: Callable[..., Path]) -> None:
    video = astronaut_video(n_astronaut=1, n_blank=0)
    code, output = invoke("replay", str(video), "--interval-s", value)
    assert code == 2
    assert "--interval-s" in output and "up to 86400 seconds (a day)" in output


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "1e300"])
def test_run_interval_is_checked_before_anything_starts(value: str) -> None:
    code, output = invoke("run", "--headless", "--interval-s", value)
    assert code == 2
    assert "give a number above 0 up to 86400 seconds (a day)" in output


@pytest.mark.parametrize("start", ["9999-12-31T00:00", "0001-01-01T00:00", "3000-01-01"])
def test_replay_start_must_leave_room_for_the_timeline(
        start: str, astronaut_video: Callable[..., Path]) -> None:
    video = astronaut_video(n_astronaut=1, n_blank=0)
    code, output = invoke("replay", str(video), "--start", start)
    assert code == 2
    assert "give a time in the years 1971 to 2999" in output


@pytest.mark.parametrize("source", ["99999999999999999999999", "1024"])
def test_a_camera_index_out_of_range_is_a_message(source: str) -> None:
    code, output = invoke("run", "--headless", "--source", source)
    assert code == 2
    assert "cameras are numbered 0 to 1023" in output


def test_eval_sensitivity_refuses_nan(tmp_path: Path) -> None:
    for name in ("upright", "slouched"):
        (tmp_path / name).mkdir()
    code, output = invoke("eval", str(tmp_path), "--sensitivity", "nan")
    assert code == 2 and "not a finite number" in output

"""Files from outside are read within limits: size, nesting depth, types.

Real files on disk: a hostile or broken status file, baseline or model
metadata file is a message (or "no status yet"), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from posturewatch import paths
from posturewatch.bounded_read import (
    BoundedReadError,
    check_nesting,
    read_json,
    read_json_object,
)
from posturewatch.calibration import load_baseline
from posturewatch.cli import cli

AT = '"at": "2026-03-02T09:00:00+00:00"'
MALFORMED_STATUS = {
    "a list": b"[]",
    "a string": b'"x"',
    "a number for a time": b'{"at": 5}',
    "text for seconds": f'{{{AT}, "presence": "present", "sitting_s": "abc"}}'.encode(),
    "a list for seconds": f'{{{AT}, "presence": "present", "sitting_s": [1]}}'.encode(),
    "infinite seconds": f'{{{AT}, "presence": "present", "sitting_s": 1e999}}'.encode(),
    "NaN seconds": f'{{{AT}, "presence": "present", "sitting_s": NaN}}'.encode(),
    "the year 9999 west of UTC": b'{"at": "9999-12-31T23:59:59-12:00"}',
    "the year 1 east of UTC": f'{{{AT}, "paused_until": "0001-01-01T00:00:00+14:00"}}'.encode(),
    "5,000 levels deep": b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "a 5,000-digit number": f'{{{AT}, "presence": "present", "sitting_s": {"9" * 5000}}}'
                            .encode(),
    "bytes that are not UTF-8": b'{"at": "\xff\xfe"}',
    "a number for a time of day": f'{{{AT}, "next_nudge_kind": "break", "next_nudge_at": 7}}'
                                  .encode(),
    "megabytes of spaces": b" " * (2 * 1024 * 1024) + b"{}",
}


@pytest.mark.parametrize("content", MALFORMED_STATUS.values(), ids=MALFORMED_STATUS.keys())
def test_status_survives_any_status_file(content: bytes) -> None:
    path = paths.status_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    for args in (["status"], ["status", "--json"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert result.exception is None


def test_status_keeps_good_fields_and_drops_bad_ones() -> None:
    path = paths.status_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{{AT}, "presence": "present", "sitting_s": "abc", "verdict": "upright",'
                    ' "break_due": "yes", "future_field": 3}')
    result = CliRunner().invoke(cli, ["status", "--json"])
    data = json.loads(result.output)
    assert data["presence"] == "present" and data["verdict"] == "upright"
    assert "sitting_s" not in data and "break_due" not in data
    assert data["future_field"] == 3


@pytest.mark.model
def test_a_deeply_nested_baseline_is_ignored_with_a_message(
        tmp_path: Path, astronaut_video: Callable[..., Path]) -> None:
    home = tmp_path / "home"
    baseline = home / "data" / "baseline.json"
    baseline.parent.mkdir(parents=True)
    baseline.write_text('{"version": ' + "[" * 1000 + "]" * 1000 + "}")
    env = dict(os.environ, POSTUREWATCH_HOME=str(home))
    done = subprocess.run([sys.executable, "-m", "posturewatch", "run", "--headless",
                           "--source", str(astronaut_video(n_astronaut=1, n_blank=1))],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ignoring unreadable baseline" in done.stderr
    assert "more than 32 levels deep" in done.stderr
    assert load_baseline(baseline) is None


# --- the reader itself (also for model metadata files) -----------------------


def test_read_json_refuses_size_depth_and_non_numbers(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"name": "pose", "inputs": [[1, 2], [3, 4]]}')
    assert read_json_object(path) == {"name": "pose", "inputs": [[1, 2], [3, 4]]}
    path.write_text('{"a": [1, 2]}')
    with pytest.raises(BoundedReadError, match="is larger than"):
        read_json(path, max_bytes=8)
    path.write_text("[" * 40 + "]" * 40)
    with pytest.raises(BoundedReadError, match="more than 32 levels deep"):
        read_json(path)
    path.write_text('{"x": NaN}')
    with pytest.raises(BoundedReadError, match="NaN"):
        read_json(path)
    path.write_text("[1]")
    with pytest.raises(BoundedReadError, match="not an object"):
        read_json_object(path)
    path.write_text('{"a": ')
    with pytest.raises(BoundedReadError, match=r"not valid JSON: .* \(line 1"):
        read_json(path)


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    check_nesting('note = "' + "[" * 40 + '" # ' + "[" * 40 + "\n"
                  "other = '''\n" + "{" * 100 + "\n'''\n", max_depth=2)
    check_nesting('{"s": "\\"[[[[[[[[[[[[[[[[[[[[["}', max_depth=1, toml=False)
    with pytest.raises(BoundedReadError, match=r"\(line 2\)"):
        check_nesting("a = 1\nb = [[[1]]]\n", max_depth=2)


def test_a_deeply_nested_reference_state_in_the_database_is_ignored(tmp_path: Path) -> None:
    from posturewatch.reference_store import META_KEY, ReferenceKeeper
    from posturewatch.store import Store

    with Store(tmp_path / "pw.db") as store:
        store.set_meta(META_KEY, "[" * 5000 + "]" * 5000)  # edited by hand, or damaged
        keeper = ReferenceKeeper(store, None, 1.0)
        assert keeper.reference.epoch == 0  # started from the seed, not from the row

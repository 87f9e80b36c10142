"""The IT policy fails closed: a damaged or unreadable policy keeps what it
can enforced, and the test-only environment variables cannot get around it.

The policy sits at its real fixed path, /etc/posturewatch/policy.toml, seen
through an overlay in a private mount namespace (tests/sandbox.py), and the
program runs as a user would start it: no test mode, or as ``nobody`` where
file permissions matter.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sandbox

from posturewatch import config, doctor, paths, policy_guard
from posturewatch.config import KEYS, check_file, load

ISSUE_POLICY = """\
[meta]
organisation = "Example Corp IT"

[enforced]
sit_limit_min = 20
water_nudges = fals
retention_days = 90
"""
ENFORCING = "[enforced]\nsit_limit_min = 20\n"


def show_lines(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines() if " = " in line
            and line.split()[0] in KEYS}


def user_file(home: Path, text: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- a damaged policy --------------------------------------------------------


def test_one_syntax_error_keeps_the_rest_of_the_policy_enforced(tmp_path: Path) -> None:
    home = tmp_path / "home"
    user_file(home, "sit_limit_min = 200\nwater_nudges = true\nretention_days = 3000\n")
    shown = sandbox.run(["config", "show"], sandbox.plain_env(home), policy=ISSUE_POLICY,
                        scratch=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = show_lines(shown.stdout)
    assert "= 20.0 " in lines["sit_limit_min"] and "[locked]" in lines["sit_limit_min"]
    assert "= 90 " in lines["retention_days"] and "[locked]" in lines["retention_days"]
    # The key on the broken line stays locked, at the default below the user file.
    assert "[locked]" in lines["water_nudges"] and "its line is damaged" in lines["water_nudges"]
    first = shown.stdout.splitlines()[0]
    assert first.startswith("WARNING: The IT policy /etc/posturewatch/policy.toml is damaged")
    assert "/etc/posturewatch/policy.toml:6: water_nudges: cannot be read" in shown.stdout


def test_check_names_every_damaged_line_of_a_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[enforced]\nsit_limit_min = 20\nwater_nudges = fals\n"
                      "break_nudges = tru\nwork_days = [\n  \"mon\",\n  \"tue\",\n]\n"
                      "[defaults\nlog_level = \"debug\"\n", encoding="utf-8")
    problems = [(p.line, p.key) for p in check_file(policy)]
    assert problems == [(3, "water_nudges"), (4, "break_nudges"), (9, None)]
    resolved = load(None, policy)
    # A multi-line value is read whole; keys below a broken header are locked.
    assert resolved.settings.work_days == ("mon", "tue")
    assert {"sit_limit_min", "water_nudges", "break_nudges", "work_days",
            "log_level"} <= resolved.locked
    assert resolved.settings.log_level == "debug"


def test_a_damaged_enforced_line_takes_its_value_from_the_last_good_copy(
        tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    copy = tmp_path / "data" / "policy.last-good.toml"
    policy.write_text("[enforced]\nwater_nudges = false\nretention_days = 30\n")
    copy.parent.mkdir()
    copy.write_text(config.last_good_text(policy) or "")
    policy.write_text("[enforced]\nwater_nudges = fals\n")  # retention_days lost with it
    resolved = load(None, policy, last_good=copy)
    assert resolved.settings.water_nudges is False
    assert resolved.settings.retention_days == 30
    assert {"water_nudges", "retention_days"} <= resolved.locked
    # A copy of another file is never used.
    assert load(None, tmp_path / "other.toml", last_good=copy).settings.retention_days == 365


def test_doctor_fails_the_settings_check_on_a_damaged_policy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(ISSUE_POLICY)
    monkeypatch.setenv("POSTUREWATCH_POLICY", str(policy))
    check = policy_guard.doctor_check()
    assert check.status is doctor.Status.FAIL
    assert "is damaged" in check.detail and "config check" in check.fix


# --- a policy the user cannot read ------------------------------------------------


@pytest.fixture
def nobody_home() -> Iterator[Path]:
    """A home folder owned by nobody, with a user config."""
    sandbox.require()
    desk = sandbox.desk()
    home = desk / "home"
    user_file(home, "sit_limit_min = 200\nwater_nudges = false\n")
    sandbox.give_to_nobody(home)
    yield home
    shutil.rmtree(desk, ignore_errors=True)


def test_an_unreadable_policy_without_a_copy_locks_every_key(
        tmp_path: Path, nobody_home: Path) -> None:
    shown = sandbox.run(["config", "show"], sandbox.plain_env(nobody_home), user="nobody",
                        policy=ISSUE_POLICY, policy_mode=0o600, scratch=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = show_lines(shown.stdout)
    assert all("[locked]" in line for line in lines.values()), shown.stdout
    assert "= 30.0 " in lines["sit_limit_min"] and "= true " in lines["water_nudges"]
    assert "cannot be read" in shown.stdout.splitlines()[0]


def test_an_unreadable_policy_is_replaced_by_its_last_good_copy(
        tmp_path: Path, nobody_home: Path, astronaut_video: Callable[..., Path]) -> None:
    video = nobody_home.parent / "clip.avi"
    shutil.copyfile(astronaut_video(n_astronaut=1, n_blank=1), video)
    video.chmod(0o644)
    env = sandbox.plain_env(nobody_home)
    readable = "[enforced]\nsit_limit_min = 20\nretention_days = 90\n"
    ran = sandbox.run(["run", "--headless", "--source", str(video)], env, user="nobody",
                      policy=readable, scratch=tmp_path / "first")
    assert ran.returncode == 0, ran.stderr
    copy = nobody_home / "data" / "policy.last-good.toml"
    assert copy.stat().st_mode & 0o777 == 0o600
    shown = sandbox.run(["config", "show"], env, user="nobody", policy=readable,
                        policy_mode=0o600, scratch=tmp_path / "second")
    lines = show_lines(shown.stdout)
    assert "= 20.0 " in lines["sit_limit_min"] and "last good copy" in lines["sit_limit_min"]
    assert "= 90 " in lines["retention_days"]
    assert "= false " in lines["water_nudges"] and "user config" in lines["water_nudges"]
    assert "using its last good copy" in shown.stdout


# --- test mode ---------------------------------------------------------------


@pytest.mark.parametrize("test_mode", ["", "1"])
def test_the_policy_path_variable_cannot_drop_an_enforcing_policy(
        tmp_path: Path, test_mode: str) -> None:
    home = tmp_path / "home"
    user_file(home, "sit_limit_min = 200\n")
    env = sandbox.plain_env(home, POSTUREWATCH_POLICY="/dev/null",
                            POSTUREWATCH_TEST_MODE=test_mode)
    shown = sandbox.run(["config", "show"], env, policy=ENFORCING, scratch=tmp_path)
    lines = show_lines(shown.stdout)
    assert "= 20.0 " in lines["sit_limit_min"] and "[locked]" in lines["sit_limit_min"]
    assert "POSTUREWATCH_POLICY ignored" in shown.stdout
    assert "policy: /etc/posturewatch/policy.toml (used)" in shown.stdout


def test_a_policy_can_allow_test_mode(tmp_path: Path) -> None:
    home = tmp_path / "home"
    user_file(home, "sit_limit_min = 200\n")
    env = sandbox.plain_env(home, POSTUREWATCH_POLICY="/dev/null", POSTUREWATCH_TEST_MODE="1")
    shown = sandbox.run(["config", "show"], env, policy=ENFORCING + "allow_test_mode = true\n",
                        scratch=tmp_path)
    lines = show_lines(shown.stdout)
    assert "= 200.0 " in lines["sit_limit_min"] and "user config" in lines["sit_limit_min"]
    assert "Test mode: POSTUREWATCH_POLICY in effect" in shown.stdout
    assert check_file_text(tmp_path, ENFORCING + "allow_test_mode = true\n") == []
    assert [p.key for p in check_file_text(tmp_path, "[defaults]\nallow_test_mode = true\n")] \
        == ["allow_test_mode"]


def check_file_text(tmp_path: Path, text: str) -> list[config.Problem]:
    path = tmp_path / "checked.toml"
    path.write_text(text)
    return check_file(path, kind="policy")


def test_the_fake_clock_is_ignored_under_an_enforcing_policy(
        tmp_path: Path, astronaut_video: Callable[..., Path]) -> None:
    video = astronaut_video(n_astronaut=2, n_blank=1)
    home = tmp_path / "home"
    env = sandbox.plain_env(home, POSTUREWATCH_TEST_MODE="1",
                            POSTUREWATCH_FAKE_CLOCK="600@2036-01-07T09:00:00+00:00")
    ran = sandbox.run(["run", "--headless", "--source", str(video)], env,
                      policy="[enforced]\nretention_days = 90\n", scratch=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "POSTUREWATCH_FAKE_CLOCK ignored" in ran.stderr
    with sqlite3.connect(home / "data" / "posturewatch.db") as db:
        minutes = [m for (m,) in db.execute("SELECT minute FROM minutes")]
    assert minutes and not any(m.startswith("2036") for m in minutes)


def test_outside_test_mode_the_variables_are_ignored_with_a_note(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTUREWATCH_TEST_MODE")
    policy = tmp_path / "p.toml"
    policy.write_text(ENFORCING)
    monkeypatch.setenv("POSTUREWATCH_POLICY", str(policy))
    assert policy_guard.policy_path() == paths.system_policy_path()
    (note,) = policy_guard.override_notes()
    assert "only counts with POSTUREWATCH_TEST_MODE=1" in note


# --- bounded and linear reading ----------------------------------------------------


DEEP = "a = " + "[" * 1000 + "]" * 1000 + "\n"


@pytest.mark.parametrize("command", [["config", "check"], ["config", "show", "--config"]])
def test_deeply_nested_toml_is_a_message_not_a_crash(tmp_path: Path, command: list[str]) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text(DEEP)
    env = dict(os.environ, POSTUREWATCH_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-m", "posturewatch", *command, str(deep)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert "Traceback" not in done.stderr
    assert "nests arrays or tables more than 32 levels deep (line 1)" in done.stdout


def test_a_deeply_nested_policy_still_enforces_its_readable_keys(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[enforced]\nretention_days = 30\n" + DEEP)
    resolved = load(None, policy)
    assert resolved.settings.retention_days == 30 and "retention_days" in resolved.locked
    assert resolved.alerts


def test_a_large_config_is_read_in_one_pass(tmp_path: Path) -> None:
    # Every key's line comes from one index built by one scan of the text
    # (the time this takes is in the issue note: 0.2 s for 3,000 keys).
    big = tmp_path / "big.toml"
    big.write_text("".join(f"key{i} = {i}\n" for i in range(3000)))
    config._line_index.cache_clear()
    assert len(check_file(big)) == 3000
    assert config._line_index.cache_info().misses == 1


def test_an_oversized_config_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    (problem,) = check_file(huge)
    assert "larger than 256 KB" in problem.message

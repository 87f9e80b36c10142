"""Layered settings: real TOML files in tmp_path, no fakes needed (config is pure)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posturewatch import config
from posturewatch.config import (
    BUILT_IN,
    COMMAND_LINE,
    KEYS,
    WEEKDAYS,
    Problem,
    Settings,
    check_file,
    format_show,
    load,
    parse_assignment,
    parse_work_hours,
    to_toml_value,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "config" / "default-config.toml"
EXAMPLE_POLICY = REPO / "config" / "example-policy.toml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def user(tmp_path: Path) -> Path:
    return tmp_path / "config.toml"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return tmp_path / "policy.toml"


# --- the key table ----------------------------------------------------------


def test_key_table_names_every_settings_field_and_accepts_its_default() -> None:
    assert list(KEYS) == [f.name for f in fields(Settings)]
    for name, spec in KEYS.items():
        assert spec.name == name
        assert spec.kind in config.KINDS
        assert spec.description.endswith(".")
        assert spec.validate(spec.default) == spec.default
        if spec.kind in ("int", "float"):
            assert spec.minimum is not None and spec.maximum is not None
            assert spec.minimum <= spec.default <= spec.maximum  # type: ignore[operator]


def test_describe_keys_is_plain_data_for_docs_and_ui() -> None:
    rows = config.describe_keys()
    assert [r["name"] for r in rows] == list(KEYS)
    sit = next(r for r in rows if r["name"] == "sit_limit_min")
    assert sit == {
        "name": "sit_limit_min",
        "kind": "float",
        "unit": "min",
        "allowed": "5 to 240",
        "default": "30.0",
        "description": KEYS["sit_limit_min"].description,
    }


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("sit_limit_min", 45, 45.0),  # TOML integer for a float key
        ("posture_sensitivity", 0.5, 0.5),
        ("sample_interval_s", 300, 300.0),
        ("camera_index", 16, 16),
        ("retention_days", 7, 7),
        ("camera_keep_open", True, True),
        ("log_level", "DEBUG", "debug"),
        ("weekly_report_day", " fri ", "fri"),
        ("work_hours", "8:00-18:00", "08:00-18:00"),
        ("work_hours", "00:00 - 24:00", "00:00-24:00"),
        ("work_days", ["fri", "Mon"], ("mon", "fri")),
    ],
)
def test_valid_values_come_back_canonical(key: str, value: object, expected: object) -> None:
    got = KEYS[key].validate(value)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("sit_limit_min", "abc", 'must be a number between 5 and 240 (min), got "abc"'),
        ("sit_limit_min", 4.9, "got 4.9"),
        ("sit_limit_min", 241, "got 241"),
        ("sit_limit_min", True, "got true"),  # bool is not a number here
        ("posture_sensitivity", True, "got true"),  # even when True == 1 is in range
        ("camera_index", False, "got false"),
        ("sit_limit_min", math.nan, "got nan"),
        ("sample_interval_s", math.inf, "got inf"),
        ("camera_index", 1.0, "must be a whole number between 0 and 16, got 1.0"),
        ("camera_index", 17, "got 17"),
        ("retention_days", 6, "between 7 and 3650 (days)"),
        ("camera_keep_open", "false", 'must be true or false (without quotes), got "false"'),
        ("camera_keep_open", 0, "got 0"),
        ("log_level", "verbose", 'one of "debug", "info", "warning", "error", got "verbose"'),
        ("weekly_report_day", "monday", 'got "monday"'),
        ("work_hours", "18:00-08:00", "must start before it ends"),
        ("work_hours", "09:00-09:00", "must start before it ends"),
        ("work_hours", "08:00-24:30", "from 00:00 to 24:00"),
        ("work_hours", "24:00-24:00", "from 00:00 to 24:00"),
        ("work_hours", "08:60-10:00", "from 00:00 to 24:00"),
        ("work_hours", "8-17", 'like "08:00-18:00", got "8-17"'),
        ("work_hours", 9, "got 9"),
        ("work_days", [], "non-empty list"),
        ("work_days", "mon", "non-empty list"),
        ("work_days", ["mon", "monday"], '"monday" is not one'),
        ("work_days", ["mon", "Mon"], '"mon" is there twice'),
        ("work_days", ["mon", 1], "1 is not one"),
    ],
)
def test_invalid_values_are_refused_with_a_clear_message(
    key: str, value: object, fragment: str
) -> None:
    with pytest.raises(ValueError) as error:
        KEYS[key].validate(value)
    assert fragment in str(error.value)


def test_parse_work_hours_gives_minutes_after_midnight() -> None:
    assert parse_work_hours("08:30-17:15") == (510, 1035)
    assert parse_work_hours(Settings().work_hours) == (0, 1440)
    with pytest.raises(ValueError):
        parse_work_hours("17:00-08:00")


# --- layers and origins -----------------------------------------------------


def test_no_files_gives_the_built_in_defaults(user: Path, policy: Path) -> None:
    resolved = load(user, policy)
    assert resolved.settings == Settings()
    assert set(resolved.origins.values()) == {BUILT_IN}
    assert set(resolved.origins) == set(KEYS)
    assert resolved.locked == frozenset()
    assert resolved.problems == ()
    assert resolved.sources == (
        f"policy: {policy} (not found)",
        f"user config: {user} (not found)",
    )
    assert load(None, None).sources == ()


def test_each_layer_beats_the_one_below(user: Path, policy: Path) -> None:
    write(policy, """
[defaults]
sit_limit_min = 40
hydration_interval_min = 90
work_days = ["mon", "tue"]
break_min_s = 60

[enforced]
retention_days = 90
""")
    write(user, """
sit_limit_min = 50
slouch_hold_s = 30
break_min_s = 300
""")
    resolved = load(user, policy, {"break_min_s": 200, "camera_index": 2})
    s, origins = resolved.settings, resolved.origins
    assert resolved.problems == ()
    # 2 beats 1
    assert (s.hydration_interval_min, s.work_days) == (90.0, ("mon", "tue"))
    assert origins["hydration_interval_min"] == f"policy defaults: {policy}"
    # 3 beats 2 and 1
    assert s.sit_limit_min == 50.0 and origins["sit_limit_min"] == f"user config: {user}"
    assert s.slouch_hold_s == 30.0 and origins["slouch_hold_s"] == f"user config: {user}"
    # 4 beats 1
    assert s.retention_days == 90 and origins["retention_days"] == f"enforced by policy: {policy}"
    # 5 beats 3, 2 and 1
    assert s.break_min_s == 200.0 and origins["break_min_s"] == COMMAND_LINE
    assert s.camera_index == 2 and origins["camera_index"] == COMMAND_LINE
    # untouched keys
    assert s.log_level == "info" and origins["log_level"] == BUILT_IN
    assert resolved.locked == {"retention_days"}
    assert resolved.sources == (f"policy: {policy} (used)", f"user config: {user} (used)")


def test_enforced_beats_user_and_command_line_with_a_notice(user: Path, policy: Path) -> None:
    write(policy, "[enforced]\ncamera_keep_open = false\nretention_days = 90\n")
    write(user, "# mine\ncamera_keep_open = true\nretention_days = 30\nsit_limit_min = 45\n")
    resolved = load(user, policy, {"retention_days": 3000, "log_level": "debug"})
    s = resolved.settings
    assert (s.camera_keep_open, s.retention_days) == (False, 90)
    assert resolved.origins["camera_keep_open"] == f"enforced by policy: {policy}"
    assert resolved.origins["retention_days"] == f"enforced by policy: {policy}"
    assert s.sit_limit_min == 45.0 and s.log_level == "debug"  # unlocked keys still apply
    assert resolved.locked == {"camera_keep_open", "retention_days"}
    locked = "locked by your organisation's policy"
    assert [(p.path, p.line, p.key) for p in resolved.problems] == [
        (user, 2, "camera_keep_open"),
        (user, 3, "retention_days"),
        (None, None, "retention_days"),
    ]
    assert all(locked in p.message and str(policy) in p.message for p in resolved.problems)
    assert str(resolved.problems[2]).startswith("command line: retention_days: locked by")


def test_policy_defaults_are_not_locked(user: Path, policy: Path) -> None:
    write(policy, "[defaults]\nsit_limit_min = 45\n")
    write(user, "sit_limit_min = 60\n")
    resolved = load(user, policy)
    assert resolved.settings.sit_limit_min == 60.0
    assert resolved.locked == frozenset()
    assert load(None, policy, {"sit_limit_min": 20}).settings.sit_limit_min == 20.0


def test_overrides_skip_none_and_report_bad_ones(user: Path) -> None:
    resolved = load(user, None, {"camera_index": None, "sit_limt_min": 5, "log_level": "loud"})
    assert resolved.settings == Settings()
    assert [str(p) for p in resolved.problems] == [
        'command line: sit_limt_min: unknown setting; did you mean "sit_limit_min"?',
        'command line: log_level: must be one of "debug", "info", "warning", "error", '
        'got "loud"',
    ]


# --- a bad user file ----------------------------------------------------------


def test_bad_user_key_is_ignored_and_named_with_file_and_line(user: Path) -> None:
    write(user, """# my settings

sit_limit_min = 45
sample_interval_s = "abc"
camera_index = 1
""")
    resolved = load(user, None)
    assert resolved.settings == Settings(sit_limit_min=45.0, camera_index=1)
    assert resolved.origins["sample_interval_s"] == BUILT_IN
    (problem,) = resolved.problems
    assert problem == Problem(
        user, 4, "sample_interval_s", 'must be a number between 1 and 300 (s), got "abc"'
    )
    assert str(problem) == (
        f'{user}:4: sample_interval_s: must be a number between 1 and 300 (s), got "abc"'
    )


def test_unknown_key_suggests_the_closest_one(user: Path) -> None:
    write(user, 'log_level = "debug"\n\n  "sit_limt_min" = 45\nfrobnicate = 1\n')
    resolved = load(user, None)
    assert resolved.settings == Settings(log_level="debug")
    assert [str(p) for p in resolved.problems] == [
        f'{user}:3: sit_limt_min: unknown setting; did you mean "sit_limit_min"?',
        f"{user}:4: frobnicate: unknown setting",
    ]


def test_syntax_error_drops_the_whole_user_file_and_names_the_line(user: Path) -> None:
    write(user, 'sit_limit_min = 45\nlog_level = "debug\nretention_days = 30\n')
    resolved = load(user, None)
    assert resolved.settings == Settings()  # nothing from the broken file
    (problem,) = resolved.problems
    assert (problem.path, problem.line, problem.key) == (user, 2, None)
    assert problem.message.startswith("TOML syntax error: ")
    assert "(at line" not in problem.message
    assert str(problem).startswith(f"{user}:2: TOML syntax error: ")
    assert resolved.sources[-1] == f"user config: {user} (not used: see the problems below)"


def test_syntax_error_at_the_end_of_the_file_points_at_the_last_line(user: Path) -> None:
    write(user, 'sit_limit_min = 45\nlog_level = "debug')  # tomllib: "at end of document"
    (problem,) = check_file(user)
    assert problem.line == 2
    assert "end of the file" in problem.message


def test_policy_tables_in_a_user_file_are_reported(user: Path) -> None:
    write(user, "sit_limit_min = 45\n\n[defaults]\nlog_level = \"debug\"\n")
    resolved = load(user, None)
    assert resolved.settings == Settings(sit_limit_min=45.0)  # the table does nothing
    (problem,) = resolved.problems
    assert (problem.line, problem.key) == (3, "defaults")
    assert "policy table" in problem.message
    assert check_file(user, kind="user") == [problem]


def test_a_bom_from_a_windows_editor_is_fine_but_other_encodings_are_not(user: Path) -> None:
    user.write_bytes("\ufeffsit_limit_min = 45\n".encode())
    assert load(user, None).settings.sit_limit_min == 45.0
    user.write_bytes(b'log_level = "info"\nwork_hours = "08:00\xe2-18:00"\n')
    (problem,) = load(user, None).problems
    assert (problem.line, problem.key) == (2, None)
    assert "UTF-8" in problem.message


def test_an_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    resolved = load(folder, None)
    assert resolved.settings == Settings()
    (problem,) = resolved.problems
    assert problem.path == folder and "cannot be read" in problem.message


# --- a bad policy file --------------------------------------------------------


POLICY_WITH_MISTAKES = """\
# ACME policy
[meta]
notes = '''
Locked settings go under
[enforced]
retention_days = "like this; a note, not a setting"
'''

[defaults]
sit_limit_min = 45
retention_days = 30
work_hours = "18:00-08:00"

[enforced]
retention_days = "ninety"
camera_keep_open = false
camera_keep_opne = false

[enforcd]
log_level = "error"
"""


def test_a_bad_policy_still_applies_its_valid_keys_and_locks(user: Path, policy: Path) -> None:
    write(policy, POLICY_WITH_MISTAKES)
    write(user, "camera_keep_open = true\nretention_days = 1000\nwork_hours = \"07:00-15:00\"\n")
    resolved = load(user, policy, {"retention_days": 2000})
    s = resolved.settings
    assert s.sit_limit_min == 45.0  # valid default still applies
    assert s.camera_keep_open is False  # valid lock still holds
    assert s.work_hours == "07:00-15:00"  # the policy's bad default is skipped
    # An invalid enforced value stays locked, at the value below the user layer.
    assert s.retention_days == 30
    assert resolved.locked == {"retention_days", "camera_keep_open"}
    assert resolved.origins["retention_days"] == (
        f"enforced by policy: {policy}; its value is invalid, "
        f"so the policy defaults: {policy} applies"
    )
    policy_problems = [(p.line, p.key) for p in resolved.problems if p.path == policy]
    assert policy_problems == [(12, "work_hours"), (15, "retention_days"),
                               (17, "camera_keep_opne"), (19, "enforcd")]


def test_check_file_lists_every_policy_problem_by_line(policy: Path) -> None:
    write(policy, POLICY_WITH_MISTAKES)
    problems = check_file(policy)
    assert [str(p) for p in problems] == [
        f'{policy}:12: work_hours: must start before it ends (no spans across midnight), '
        f'got "18:00-08:00"',
        f'{policy}:15: retention_days: must be a whole number between 7 and 3650 (days), '
        f'got "ninety"',
        f'{policy}:17: camera_keep_opne: unknown setting; did you mean "camera_keep_open"?',
        f'{policy}:19: enforcd: unknown table; a policy has only [defaults], [enforced] '
        f'and [meta]; did you mean "[enforced]"?',
    ]


def test_policy_line_numbers_respect_the_table(policy: Path) -> None:
    write(policy, """[defaults]
sit_limit_min = 45

[enforced]
# the same key, locked, but broken
sit_limit_min = 500
""")
    (problem,) = check_file(policy)
    assert (problem.line, problem.key) == (6, "sit_limit_min")


def test_policy_in_dotted_and_inline_form_is_found_too(policy: Path) -> None:
    write(policy, 'enforced.retention_days = 1\ndefaults = { log_level = "loud" }\n')
    problems = check_file(policy)
    assert [(p.line, p.key) for p in problems] == [(1, "retention_days"), (2, "log_level")]


def test_settings_at_the_top_of_a_policy_are_reported_not_applied(policy: Path) -> None:
    write(policy, "retention_days = 90\n\n[enforced]\ncamera_keep_open = false\n")
    resolved = load(None, policy)
    assert resolved.settings.retention_days == 365
    assert resolved.locked == {"camera_keep_open"}
    (problem,) = resolved.problems
    assert (problem.line, problem.key) == (1, "retention_days")
    assert "[enforced]" in problem.message


def test_check_file_on_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert check_file(missing) == [Problem(missing, None, None, "file not found")]
    with pytest.raises(ValueError):
        check_file(missing, kind="sideways")


def test_check_file_on_good_files_is_empty(user: Path, policy: Path) -> None:
    write(user, "sit_limit_min = 45\n")
    write(policy, "[defaults]\nsit_limit_min = 45\n[enforced]\nlog_level = \"warning\"\n")
    assert check_file(user) == []
    assert check_file(policy) == []


# --- the shipped files --------------------------------------------------------


def test_default_config_loads_to_exactly_the_built_in_defaults(policy: Path) -> None:
    resolved = load(DEFAULT_CONFIG, policy)
    assert resolved.problems == ()
    assert resolved.settings == Settings()
    assert check_file(DEFAULT_CONFIG) == []


def test_default_config_documents_every_key_with_its_real_default(tmp_path: Path) -> None:
    """Uncommenting every setting line must still give Settings(): the doc cannot drift."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    setting_line = re.compile(r"^# ([a-z_]+) = (.*)$", re.MULTILINE)
    documented = {m.group(1): m.group(2) for m in setting_line.finditer(text)}
    assert list(documented) == list(KEYS)
    for key, spec in KEYS.items():
        assert documented[key] == to_toml_value(spec.default), key
        block = text[: text.index(f"\n# {key} = ")].rsplit("\n\n", 1)[-1]
        assert f"Allowed: {spec.allowed()}" in block, key
        assert spec.description in block, key
    uncommented = write(tmp_path / "config.toml", setting_line.sub(r"\1 = \2", text))
    resolved = load(uncommented, None)
    assert resolved.problems == ()
    assert resolved.settings == Settings()
    assert set(resolved.origins.values()) == {f"user config: {uncommented}"}


def test_example_policy_is_clean_and_does_what_it_says(user: Path) -> None:
    assert check_file(EXAMPLE_POLICY) == []
    resolved = load(user, EXAMPLE_POLICY)
    assert resolved.problems == ()
    s = resolved.settings
    assert s.sit_limit_min == 45.0
    assert s.work_hours == "08:00-18:00"
    assert s.work_days == ("mon", "tue", "wed", "thu", "fri")
    assert resolved.origins["work_days"] == f"policy defaults: {EXAMPLE_POLICY}"
    assert resolved.locked == {"camera_keep_open", "retention_days"}
    assert (s.camera_keep_open, s.retention_days) == (False, 90)


# --- show, assignments, TOML values -------------------------------------------


def test_format_show_has_one_line_per_key_then_files_and_problems(
    user: Path, policy: Path
) -> None:
    write(policy, "[enforced]\nretention_days = 90\n")
    write(user, "sit_limit_min = 45\nlog_level = 3\n")
    text = format_show(load(user, policy))
    lines = text.splitlines()
    assert [line.split(" = ")[0].strip() for line in lines[: len(KEYS)]] == list(KEYS)
    sit_limit = next(line for line in lines if line.startswith("sit_limit_min "))
    assert re.fullmatch(r"sit_limit_min +=  ?45\.0 +\(user config: .*config\.toml\)", sit_limit)
    retention = next(line for line in lines if line.startswith("retention_days "))
    assert retention.endswith(f"[locked] (enforced by policy: {policy})")
    assert "[locked]" not in sit_limit
    assert f"  user config: {user} (used)" in lines
    assert f"  {user}:2: log_level: must be one of" in text
    assert "Problems (1):" in lines


def test_parse_assignment_reads_toml_values_or_plain_text() -> None:
    assert parse_assignment("sit_limit_min=45") == ("sit_limit_min", 45)
    assert parse_assignment(" camera_keep_open = true") == ("camera_keep_open", True)
    assert parse_assignment('work_days=["mon", "fri"]') == ("work_days", ["mon", "fri"])
    assert parse_assignment("log_level=debug") == ("log_level", "debug")
    assert parse_assignment("work_hours=08:00-17:00") == ("work_hours", "08:00-17:00")
    with pytest.raises(ValueError):
        parse_assignment("sit_limit_min")


@given(st.text())
def test_to_toml_value_round_trips_any_text(text: str) -> None:
    assert tomllib.loads(f"v = {to_toml_value(text)}")["v"] == text


def _valid_values(spec: config.KeySpec) -> st.SearchStrategy[tuple[object, object]]:
    """(value as written, value expected in Settings) for one key."""
    if spec.kind == "float":
        lo, hi = spec.minimum, spec.maximum
        assert lo is not None and hi is not None
        floats = st.floats(lo, hi, allow_nan=False).map(lambda v: (v, v))
        ints = st.integers(math.ceil(lo), math.floor(hi)).map(lambda v: (v, float(v)))
        return floats | ints
    if spec.kind == "int":
        return st.integers(int(spec.minimum or 0), int(spec.maximum or 0)).map(lambda v: (v, v))
    if spec.kind == "bool":
        return st.booleans().map(lambda v: (v, v))
    if spec.kind == "choice":
        return st.sampled_from(spec.choices).map(lambda v: (v, v))
    if spec.kind == "weekdays":
        days = st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True)
        return days.map(lambda v: (v, tuple(d for d in WEEKDAYS if d in v)))
    if spec.kind == "time_range":
        def span(pair: tuple[int, int]) -> tuple[object, object]:
            start, length = pair
            end = min(start + length, 1440)
            text = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
            return text, text

        return st.tuples(st.integers(0, 1439), st.integers(1, 1440)).map(span)
    if spec.kind == "model":
        names = st.sampled_from(["auto", "full", "lite"]).map(lambda v: (v, v))
        files = st.from_regex(r"/[a-z0-9_/ .-]{1,40}\.task", fullmatch=True).map(lambda v: (v, v))
        return names | files
    if spec.kind == "url":
        addresses = st.from_regex(r"https?://[a-z0-9.-]{1,20}(:[0-9]{1,5})?(/[a-z0-9_.-]{0,10})*",
                                  fullmatch=True)
        return (st.just("") | addresses).map(lambda v: (v, v))
    raise AssertionError(f"no strategy for kind {spec.kind}")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_user_value_round_trips_with_its_origin(tmp_path: Path, data: st.DataObject
                                                          ) -> None:
    chosen = data.draw(st.lists(st.sampled_from(list(KEYS)), unique=True), label="keys")
    pairs = {key: data.draw(_valid_values(KEYS[key]), label=key) for key in chosen}
    user = write(tmp_path / "config.toml",
                 "".join(f"{k} = {to_toml_value(written)}\n" for k, (written, _) in pairs.items()))
    resolved = load(user, None)
    assert resolved.problems == ()
    for key in KEYS:
        if key in pairs:
            assert getattr(resolved.settings, key) == pairs[key][1]
            assert resolved.origins[key] == f"user config: {user}"
        else:
            assert getattr(resolved.settings, key) == getattr(Settings(), key)
            assert resolved.origins[key] == BUILT_IN


# --- purity -------------------------------------------------------------------


def test_loading_never_writes_files(tmp_path: Path) -> None:
    user = tmp_path / "home" / "config" / "config.toml"  # its folder does not exist
    policy = write(tmp_path / "policy.toml", POLICY_WITH_MISTAKES)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    load(user, policy, {"sit_limit_min": 45})
    check_file(policy)
    check_file(user)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before


def test_importing_config_pulls_in_no_heavy_or_desktop_module() -> None:
    code = (
        "import sys, posturewatch.config\n"
        "bad = {'cv2', 'mediapipe', 'pystray', 'plyer', 'sqlite_utils', 'platformdirs',\n"
        "       'numpy', 'PIL'}\n"
        "print(sorted(bad & set(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, cwd=REPO)
    assert out.stdout.strip() == "[]"

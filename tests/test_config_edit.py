"""The line-preserving editor of the user's config.toml: a changed setting,
every comment and unknown line kept, and a refusal instead of a guess."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from posturewatch.config import KEYS, Settings, load, to_toml_value
from posturewatch.config_edit import EditError, save_values, set_values, settings_template


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(line == other for other in it) for line in small)


def test_a_template_line_gets_the_value_right_under_it() -> None:
    text = settings_template()
    new = set_values(text, {"sit_limit_min": 45.0})
    lines = new.splitlines()
    at = lines.index("# sit_limit_min = 30.0")
    assert lines[at + 1] == "sit_limit_min = 45.0"
    assert is_subsequence(text.splitlines(), lines) and len(lines) == len(text.splitlines()) + 1
    assert tomllib.loads(new) == {"sit_limit_min": 45.0}


def test_a_set_key_changes_in_place_and_keeps_its_comment() -> None:
    text = ("# my settings\n"
            "sit_limit_min   =  50   # my boss wants 50\n"
            "\n"
            "mystery_key = 'kept'\n")
    new = set_values(text, {"sit_limit_min": 40.0})
    assert new == ("# my settings\n"
                   "sit_limit_min = 40.0   # my boss wants 50\n"
                   "\n"
                   "mystery_key = 'kept'\n")


def test_comments_inside_a_multi_line_array_are_kept() -> None:
    text = ('work_days = [\n'
            '    "mon",  # gym on tuesdays\n'
            '    "wed",\n'
            ']  # three days\n'
            'log_level = "info"\n')
    new = set_values(text, {"work_days": ("mon", "tue")})
    assert new == ('# gym on tuesdays\n'
                   'work_days = ["mon", "tue"]  # three days\n'
                   'log_level = "info"\n')


def test_quoted_keys_strings_with_hashes_and_multi_line_strings() -> None:
    text = ('"sit_limit_min" = 50\n'
            'note = "a # not a comment"\n'
            'poem = """\n'
            'sit_limit_min = 99\n'
            '"""\n'
            'work_hours = "08:00-17:00" # office\n')
    new = set_values(text, {"sit_limit_min": 35.0, "work_hours": "09:00-18:00"})
    data = tomllib.loads(new)
    assert data["sit_limit_min"] == 35.0 and data["work_hours"] == "09:00-18:00"
    assert data["poem"] == "sit_limit_min = 99\n" and data["note"] == "a # not a comment"
    assert '"sit_limit_min" = 35.0\n' in new and '"09:00-18:00" # office' in new


def test_a_new_key_goes_before_the_first_table() -> None:
    text = "log_level = \"info\"\n[extra]\nsit_limit_min = 1\n"
    new = set_values(text, {"sit_limit_min": 45.0})
    assert new == "log_level = \"info\"\nsit_limit_min = 45.0\n[extra]\nsit_limit_min = 1\n"


def test_a_last_line_without_newline_and_windows_line_endings() -> None:
    assert set_values("log_level = \"info\"", {"retention_days": 30}) == (
        "log_level = \"info\"\nretention_days = 30\n")
    text = "# hello\r\nlog_level = \"info\"\r\n"
    new = set_values(text, {"log_level": "debug", "break_nudges": False})
    assert new == "# hello\r\nlog_level = \"debug\"\r\nbreak_nudges = false\r\n"


def test_a_broken_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = b"# mine\nsit_limit_min = 30\nwork_days = [\"mon\"\n"
    path.write_bytes(original)
    with pytest.raises(EditError, match=r"mistake on line \d+.*fix it in a text editor"):
        save_values(path, {"sit_limit_min": 45.0})
    assert path.read_bytes() == original
    path.write_bytes(b"sit_limit_min = 30 # caf\xe9\n")
    with pytest.raises(EditError, match="not UTF-8"):
        save_values(path, {"sit_limit_min": 45.0})


def test_only_settings_can_be_written() -> None:
    with pytest.raises(EditError, match="not a setting"):
        set_values("", {"colour": "blue"})


def test_save_creates_a_missing_file_from_the_template(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_values(path, {"sit_limit_min": 45.0})
    resolved = load(path, None)
    assert resolved.problems == ()
    assert resolved.settings == Settings(sit_limit_min=45.0)
    assert path.read_text(encoding="utf-8").startswith("# PostureWatch settings.")
    assert not list(path.parent.glob("*.tmp"))


def test_save_keeps_the_byte_order_mark_and_the_permissions(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf# notes\nsit_limit_min = 30\n")
    path.chmod(0o600)
    save_values(path, {"sit_limit_min": 25.0})
    assert path.read_bytes() == b"\xef\xbb\xbf# notes\nsit_limit_min = 25.0\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load(path, None).settings.sit_limit_min == 25.0


# -- any file, any change: the comments and the other values survive ---------------------
def valid_value(key: str) -> st.SearchStrategy[object]:
    spec = KEYS[key]
    if spec.kind == "int":
        return st.integers(int(spec.minimum or 0), int(spec.maximum or 0))
    if spec.kind == "float":
        return st.floats(spec.minimum, spec.maximum, allow_nan=False).map(float)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "weekdays":
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return st.lists(st.sampled_from(days), min_size=1, max_size=7, unique=True).map(
            lambda picked: tuple(d for d in days if d in picked))
    if spec.kind == "time_range":
        return st.sampled_from(["08:00-17:00", "00:00-24:00", "07:30-15:45"])
    if spec.kind == "model":
        return st.sampled_from(["auto", "full", "lite"])
    if spec.kind == "url":
        return st.sampled_from(["", "https://models.example.org/pose/"])
    return st.just(spec.default)  # a kind added later: its default is valid


comment = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(
    lambda t: "# " + t)
unknown = st.sampled_from(['colour = "blue"', "size = 3", 'nested.key = "x"'])


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    keys = draw(st.lists(st.sampled_from(list(KEYS)), unique=True, max_size=6))
    lines: list[str] = []
    for key in keys:
        lines += draw(st.lists(st.one_of(comment, st.just(""), unknown), max_size=3))
        value = to_toml_value(draw(valid_value(key)))
        tail = draw(st.sampled_from(["", "  # why", "\t#x"]))
        lines.append(f"{key} = {value}{tail}")
    lines += draw(st.lists(st.one_of(comment, st.just("")), max_size=3))
    unknown_lines = [line for line in lines if "=" in line and not line.startswith("#")
                     and line.split("=")[0].strip() not in KEYS]
    assume(len(unknown_lines) == len(set(unknown_lines)))  # a key twice is not TOML
    text = "\n".join(lines) + "\n"
    changes = draw(st.dictionaries(st.sampled_from(list(KEYS)), st.none(), max_size=4))
    values = {k: draw(valid_value(k)) for k in changes}
    return text, values


@settings(max_examples=150, deadline=None)
@given(documents())
def test_any_edit_keeps_every_comment_and_changes_only_what_was_asked(
        case: tuple[str, dict[str, object]]) -> None:
    text, values = case
    before = tomllib.loads(text)
    new = set_values(text, values)
    after = tomllib.loads(new)
    for key, value in values.items():
        assert KEYS[key].validate(after[key]) == KEYS[key].validate(value)
    assert {k: v for k, v in after.items() if k not in values} == {
        k: v for k, v in before.items() if k not in values}
    old_comments = [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
    new_comments = [line.strip() for line in new.splitlines() if line.strip().startswith("#")]
    assert is_subsequence(old_comments, new_comments)
    trailing = [line.split("#", 1)[1] for line in text.splitlines()
                if "=" in line and "#" in line and not line.startswith("#")]
    assert all(t in new for t in trailing)

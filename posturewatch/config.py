"""Settings and their layered loading (DESIGN section 6).

Pure: standard library only (``tomllib``). Loading never writes files.

Layers, lowest first; a later layer replaces a key set by an earlier one:

1. built-in defaults (the :class:`Settings` field defaults);
2. the IT policy file's ``[defaults]`` table (IT recommends);
3. the user's ``config.toml`` (flat keys at the top level);
4. the IT policy file's ``[enforced]`` table (IT locks);
5. command-line overrides, which cannot change an enforced key.

Every key is flat and named after a :class:`Settings` field, in every layer.
:data:`KEYS` describes each key (type, range, unit, one-line description); it is
the single source for validation, ``posturewatch config show``, the installers'
README and a settings UI.

Nothing here raises on a bad file. Problems come back as :class:`Problem`
values naming file, line and key; bad keys are skipped and the good ones still
apply, so one typo in an IT policy never unlocks the rest of it.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from posturewatch.bounded_read import (
    MAX_CONFIG_BYTES,
    BoundedReadError,
    loads_toml,
    read_bytes,
)
from posturewatch.i18n import _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Settings:
    """Every setting, flat, with its unit in its name. Defaults: DESIGN section 4."""

    # Sampling and camera
    sample_interval_s: float = 5.0
    camera_index: int = 0
    camera_keep_open: bool = False
    camera_warmup_frames: int = 5
    # Pose model (model_files.py): "auto", "full", "lite" or a .task file path
    pose_model: str = "auto"
    pose_model_url: str = ""  # where to fetch model files; "" = MediaPipe's official storage
    # Sitting and breaks
    sit_limit_min: float = 30.0
    break_min_s: float = 120.0
    break_repeat_min: float = 15.0  # gentler pace for a break nudge that was ignored
    # Water
    hydration_interval_min: float = 60.0
    # Posture
    slouch_hold_s: float = 60.0
    posture_sensitivity: float = 1.0  # 0.5 (relaxed) .. 2.0 (strict)
    # Nudges
    nudge_cooldown_min: float = 10.0
    nudges_per_bout_max: int = 3  # per kind and sitting bout; repeats back off
    break_nudges: bool = True
    water_nudges: bool = True
    posture_nudges: bool = True
    work_hours: str = "00:00-24:00"  # local time, "HH:MM-HH:MM"
    work_days: tuple[str, ...] = field(default=WEEKDAYS)
    # Presence and quiet times
    input_presence: bool = True  # keyboard and mouse activity also says "at the desk"
    quiet_when_dnd: bool = True  # nudges wait while the OS do-not-disturb is on
    quiet_when_fullscreen: bool = True  # nudges wait while a full-screen window is in front
    # Storage and report
    retention_days: int = 365
    weekly_report_notify: bool = True
    weekly_report_day: str = "mon"
    log_level: str = "info"
    # Language
    language: str = "auto"  # "auto": the OS's; or a code with a catalogue (i18n.py)


# ---------------------------------------------------------------------------
# The key table
# ---------------------------------------------------------------------------

# The kinds of value a key can hold. ``int`` and ``float`` have a range,
# ``choice`` a fixed set of words, ``weekdays`` is a list of day names and
# ``time_range`` a "HH:MM-HH:MM" span of local clock time.
KINDS = ("int", "float", "bool", "choice", "weekdays", "time_range", "model", "url")

_DEFAULTS = Settings()


@dataclass(frozen=True)
class KeySpec:
    """What one setting may hold, and what it is for.

    ``minimum``/``maximum`` bound ``int`` and ``float`` keys (inclusive);
    ``choices`` lists the allowed words of a ``choice`` key. ``unit`` is the
    unit of a number ("s", "min", "days", ...) or "" when it has none.
    """

    name: str
    kind: str
    description: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def default(self) -> object:
        """The built-in default (the :class:`Settings` field default)."""
        return getattr(_DEFAULTS, self.name)

    def allowed(self) -> str:
        """The allowed values in words, e.g. ``"5 to 240"`` or ``"true or false"``."""
        if self.kind in ("int", "float"):
            return _("{low} to {high}").format(low=_number(self.minimum),
                                               high=_number(self.maximum))
        if self.kind == "bool":
            return _("true or false")
        if self.kind == "choice":
            return _("one of {values}").format(values=", ".join(f'"{c}"' for c in self.choices))
        if self.kind == "weekdays":
            return _("a list of days from {days}").format(
                days=", ".join(f'"{d}"' for d in WEEKDAYS))
        if self.kind == "model":
            return _('"auto", "full", "lite" or the path of a .task file')
        if self.kind == "url":
            return _('"" (MediaPipe\'s own storage) or an http(s) address of a folder')
        return _('"HH:MM-HH:MM" (local time, start before end, end may be 24:00)')

    def validate(self, value: object) -> object:
        """Return ``value`` in its canonical form, or raise ``ValueError``.

        Canonical forms: floats for ``float`` keys (TOML integers are accepted),
        lower-case words, ``work_days`` as a tuple in week order, work hours
        as zero-padded ``"HH:MM-HH:MM"``. The error message starts with
        "must be", ready to follow the key name.
        """
        got = _(", got {value}").format(value=_show_value(value))
        if self.kind in ("int", "float"):
            is_int = isinstance(value, int) and not isinstance(value, bool)
            is_float = isinstance(value, float) and math.isfinite(value)
            ok_type = is_int if self.kind == "int" else (is_int or is_float)
            assert self.minimum is not None and self.maximum is not None
            if not ok_type or not (self.minimum <= value <= self.maximum):  # type: ignore[operator]
                lo, hi = _number(self.minimum), _number(self.maximum)
                unit = f" ({_unit(self.unit)})" if self.unit else ""
                what = (_("must be a whole number between {low} and {high}") if self.kind == "int"
                        else _("must be a number between {low} and {high}"))
                raise ValueError(what.format(low=lo, high=hi) + unit + got)
            return float(value) if self.kind == "float" else value  # type: ignore[arg-type]
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(_("must be true or false (without quotes)") + got)
            return value
        if self.kind == "choice":
            if isinstance(value, str) and value.strip().lower() in self.choices:
                return value.strip().lower()
            raise ValueError(_("must be {allowed}").format(allowed=self.allowed()) + got)
        if self.kind == "weekdays":
            return _validate_weekdays(value, got)
        if self.kind == "model":
            return _validate_model(value, got)
        if self.kind == "url":
            return _validate_url(value, got)
        return _validate_time_range(value, got)


def _unit(unit: str) -> str:
    """A unit of a number key in the user's language."""
    words = {"s": _("s"), "min": _("min"), "days": _("days"), "frames": _("frames")}
    return words.get(unit, unit)


def _validate_weekdays(value: object, got: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(_('must be a non-empty list of days such as ["mon", "tue"]') + got)
    days: set[str] = set()
    for item in value:
        day = item.strip().lower() if isinstance(item, str) else None
        if day not in WEEKDAYS:
            names = ", ".join(WEEKDAYS)
            raise ValueError(_("must list days from {names}; {value} is not one").format(
                names=names, value=_show_value(item)))
        if day in days:
            raise ValueError(_('must list each day once; "{day}" is there twice').format(day=day))
        days.add(day)
    return tuple(d for d in WEEKDAYS if d in days)


MODEL_NAMES = ("auto", "full", "lite")


def _validate_model(value: object, got: str) -> str:
    if isinstance(value, str) and value.strip().lower() in MODEL_NAMES:
        return value.strip().lower()
    if isinstance(value, str) and value.strip().lower().endswith(".task") and "\0" not in value:
        return value.strip()
    raise ValueError(_('must be "auto", "full", "lite" or the path of a .task file') + got)


def _validate_url(value: object, got: str) -> str:
    if isinstance(value, str) and (value == "" or re.fullmatch(r"https?://[^\s]+", value)):
        return value
    raise ValueError(_('must be "" or an address starting with https:// or http://') + got)


_TIME_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


def _validate_time_range(value: object, got: str) -> str:
    match = _TIME_RANGE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(_('must be a time span like "08:00-18:00"') + got)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(_("must use times from 00:00 to 24:00") + got)
    if h1 * 60 + m1 >= h2 * 60 + m2:
        raise ValueError(_("must start before it ends (no spans across midnight)") + got)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def parse_work_hours(value: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` -> (start, end) in minutes after local midnight, end exclusive.

    ``"00:00-24:00"`` gives ``(0, 1440)``. Raises ``ValueError`` on a bad span.
    """
    text = _validate_time_range(value, f", got {_show_value(value)}")
    start, end = text.split("-")
    return _minutes(start), _minutes(end)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _spec(name: str, kind: str, description: str, unit: str = "", lo: float | None = None,
          hi: float | None = None, choices: tuple[str, ...] = ()) -> tuple[str, KeySpec]:
    return name, KeySpec(name, kind, description, unit, lo, hi, choices)


KEYS: dict[str, KeySpec] = dict(
    [
        _spec("sample_interval_s", "float",
              "Seconds between two camera samples.", "s", 1, 300),
        _spec("camera_index", "int",
              "Which camera to use: 0 is the first one the system lists.", "", 0, 16),
        _spec("camera_keep_open", "bool",
              "Keep the camera open between samples (faster, but its light stays on)."),
        _spec("camera_warmup_frames", "int",
              "Frames read and thrown away after opening the camera, while it adjusts.",
              "frames", 0, 60),
        _spec("pose_model", "model",
              "Which pose landmark model finds your head and shoulders."),
        _spec("pose_model_url", "url",
              "Folder address to download pose model files from (empty: MediaPipe's)."),
        _spec("sit_limit_min", "float",
              "Minutes of unbroken sitting before a nudge to stand up and move.", "min", 5, 240),
        _spec("break_min_s", "float",
              "Seconds away from the desk that count as a break and reset sitting time.",
              "s", 30, 1800),
        _spec("break_repeat_min", "float",
              "Minutes before repeating a break nudge that was not followed.", "min", 1, 120),
        _spec("hydration_interval_min", "float",
              "Minutes between two reminders to drink water.", "min", 15, 480),
        _spec("slouch_hold_s", "float",
              "Seconds of continuous slouching before a posture nudge.", "s", 10, 900),
        _spec("posture_sensitivity", "float",
              "How strict the slouch detector is: 0.5 relaxed, 1.0 normal, 2.0 strict.",
              "", 0.5, 2.0),
        _spec("nudge_cooldown_min", "float",
              "Minimum minutes between two nudges of any kind.", "min", 1, 120),
        _spec("nudges_per_bout_max", "int",
              "At most this many nudges of each kind in one sitting bout; each repeat "
              "comes later than the one before.", "", 1, 20),
        _spec("break_nudges", "bool", "Show nudges to stand up and take a break."),
        _spec("water_nudges", "bool", "Show reminders to drink water."),
        _spec("posture_nudges", "bool", "Show nudges to sit up straight."),
        _spec("work_hours", "time_range",
              'Local time span in which nudges are shown, "HH:MM-HH:MM".'),
        _spec("work_days", "weekdays", "Days of the week on which nudges are shown."),
        _spec("input_presence", "bool",
              "Count keyboard and mouse activity as being at the desk when the camera "
              "cannot see you."),
        _spec("quiet_when_dnd", "bool",
              "Hold reminders while the system's do-not-disturb is on."),
        _spec("quiet_when_fullscreen", "bool",
              "Hold reminders while a full-screen window is in front."),
        _spec("retention_days", "int",
              "Days of minute summaries and events kept before they are deleted.",
              "days", 7, 3650),
        _spec("weekly_report_notify", "bool",
              "Announce the weekly report with a notification when it is ready."),
        _spec("weekly_report_day", "choice",
              "Day of the week on which the weekly report is announced.",
              choices=WEEKDAYS),
        _spec("log_level", "choice", "How much the log file records.",
              choices=("debug", "info", "warning", "error")),
        _spec("language", "choice",
              'Language of the menus, notifications and reports ("auto": the system\'s).',
              choices=("auto", "en", "de", "es")),
    ]
)

if set(KEYS) != {f.name for f in dataclasses.fields(Settings)}:  # pragma: no cover
    raise RuntimeError("config.KEYS and the Settings fields must name the same keys")


# ---------------------------------------------------------------------------
# Problems, origins, the result
# ---------------------------------------------------------------------------

BUILT_IN = "built-in default"
COMMAND_LINE = "command line"


def policy_defaults_origin(path: Path) -> str:
    return f"policy defaults: {path}"


def user_config_origin(path: Path) -> str:
    return f"user config: {path}"


def enforced_origin(path: Path) -> str:
    return f"enforced by policy: {path}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a settings source.

    ``path`` is the file (``None`` for the command line), ``line`` is 1-based
    (``None`` when unknown or not about one line), ``key`` the setting or table
    concerned (``None`` for the whole file).
    """

    path: Path | None
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = COMMAND_LINE if self.path is None else str(self.path)
        if self.line is not None:
            where += f":{self.line}"
        what = f"{self.key}: {self.message}" if self.key else self.message
        return f"{where}: {what}"


@dataclass(frozen=True)
class Resolved:
    """The settings in force, where each value came from, and what went wrong.

    ``origins`` maps every key to a human-readable source (see the ``*_origin``
    functions and :data:`BUILT_IN`, :data:`COMMAND_LINE`); ``locked`` holds the
    keys the IT policy enforces; ``sources`` says, per file layer, which file
    was looked at and whether it was used.
    """

    settings: Settings
    origins: dict[str, str]
    locked: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    sources: tuple[str, ...] = ()
    # Sentences that must not be missed: the IT policy is damaged or unreadable
    # and what is enforced instead (``config show``, ``doctor`` and the log
    # show them first). Empty when the policy is fine or absent.
    alerts: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------

POLICY_TABLES = ("defaults", "enforced", "meta")

TEST_MODE_KEY = "allow_test_mode"
"""The one policy key that is not a setting: ``[enforced] allow_test_mode =
true`` lets ``POSTUREWATCH_TEST_MODE`` turn on the test-only environment
overrides on a computer whose policy enforces anything (see ``testmode``)."""

LAST_GOOD_HEADER = "# PostureWatch: last good copy of the IT policy "
"""First line of the copy kept beside the database; the rest of the line is
the policy's path, so a copy is only ever used for the file it came from."""

_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


@dataclass(frozen=True)
class _Document:
    path: Path
    text: str
    data: dict[str, object]


def _read(path: Path) -> tuple[_Document | None, list[Problem]]:
    """Parse one TOML file. ``(None, [])`` when it does not exist.

    Bounded (see ``bounded_read``): a file over :data:`MAX_CONFIG_BYTES` or
    nested deeper than ``MAX_DEPTH`` is a problem, not a crash.
    """
    raw, problems = _read_raw(path)
    if raw is None:
        return None, problems
    try:
        # utf-8-sig: Windows editors often start a UTF-8 file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(path, line, None, _("is not UTF-8 text; save it as UTF-8"))]
    try:
        data = loads_toml(text)
    except tomllib.TOMLDecodeError as error:
        return None, [_syntax_problem(path, text, error)]
    except BoundedReadError as error:
        return None, [Problem(path, error.line, None, error.message)]
    return _Document(path, text, data), []


def _read_raw(path: Path) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes; ``(None, [])`` when absent, ``(None, [problem])`` when
    it exists but cannot be read (permissions, a folder, too large)."""
    try:
        if not path.exists():
            return None, []
        return read_bytes(path, MAX_CONFIG_BYTES), []
    except OSError as error:
        return None, [Problem(path, None, None, _("cannot be read: {error}").format(
            error=error.strerror or error))]
    except BoundedReadError as error:
        return None, [Problem(path, None, None, error.message)]


def _syntax_problem(path: Path, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    message = str(error)
    line: int | None = None
    if match := _AT_LINE.search(message):
        line = int(match.group(1))
        message = message[: match.start()] + f" (column {match.group(2)})"
    elif match := _AT_END.search(message):
        line = max(1, len(text.splitlines()))
        message = message[: match.start()] + " (at the end of the file)"
    return Problem(path, line, None, _("TOML syntax error: {message}").format(message=message))


def _is_policy(data: Mapping[str, object]) -> bool:
    return any(isinstance(data.get(name), dict) for name in POLICY_TABLES)


# ---------------------------------------------------------------------------
# Finding lines: tomllib gives values, not positions, so scan the text.
# ---------------------------------------------------------------------------

_BARE_OR_QUOTED = r'(?:[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')'
_DOTTED = rf"{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*"
_HEADER = re.compile(rf"\s*\[\[?\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=")
_PART = re.compile(_BARE_OR_QUOTED)


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART.findall(dotted))


def _find_line(text: str, path: tuple[str, ...]) -> int | None:
    """1-based line where the key (or table) ``path`` is written, or ``None``.

    ``("defaults", "sit_limit_min")`` finds ``sit_limit_min = ...`` under
    ``[defaults]``, or ``defaults.sit_limit_min = ...``; ``("defaults",)``
    finds the ``[defaults]`` header. Lines inside multi-line strings are
    skipped. Falls back to an inline table such as ``defaults = { ... }``.
    The text is scanned once (:func:`_line_index`), so finding every key of
    a large file takes linear time.
    """
    exact, inline = _line_index(text)
    found = exact.get(path)
    return found if found is not None else inline.get(path)


_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


@functools.lru_cache(maxsize=16)
def _line_index(text: str) -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], int]]:
    """Every key and table path in ``text`` -> the first line naming it, and
    the keys written inside inline tables -> their line (the fallback)."""
    exact: dict[tuple[str, ...], int] = {}
    inline: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if header := _HEADER.match(line):
            table = _key_parts(header.group(1))
            exact.setdefault(table, number)
        elif assign := _ASSIGN.match(line):
            full = table + _key_parts(assign.group(1))
            exact.setdefault(full, number)
            for inner in _INLINE_KEY.finditer(line, assign.end()):
                inline.setdefault(full + _key_parts(inner.group(1)), number)
                inline.setdefault(full + _key_parts(inner.group(1))[-1:], number)
        for quotes in ('"""', "'''"):
            if line.count(quotes) % 2 == 1:
                in_string = quotes
                break
    return exact, inline


# ---------------------------------------------------------------------------
# A policy that cannot be parsed whole: read what can be read, line by line
# ---------------------------------------------------------------------------

_CONTINUATION_LINES = 50  # longest multi-line value tried (an array of days, a note)
_STATEMENT = re.compile(rf"\s*(?:\[|{_DOTTED}\s*=)")


def _merge(into: dict[str, object], parsed: Mapping[str, object], path: Path, line: int,
           problems: list[Problem]) -> None:
    for key, value in parsed.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, path, line, problems)  # type: ignore[arg-type]
        else:
            problems.append(Problem(path, line, key, _("is set twice; the first value is used")))


def _tolerant_policy(path: Path, text: str) -> tuple[dict[str, object], dict[str, set[str]],
                                                     list[Problem]]:
    """Read a policy that ``tomllib`` refuses, one statement at a time.

    Returns the data that could be read, the keys per table (``"enforced"``,
    ``"defaults"``, ``""`` for the top level) whose lines could not be read,
    and one problem per unreadable line. A statement may span up to
    :data:`_CONTINUATION_LINES` lines (a multi-line array or string). Keys
    below a table header that cannot be read go to ``[enforced]``: when we
    cannot tell whether IT recommended or locked them, we lock them (fail
    closed). Linear in the length of the file for ordinary files.
    """
    lines = text.splitlines()
    data: dict[str, object] = {}
    broken: dict[str, set[str]] = {}
    problems: list[Problem] = []
    table: tuple[str, ...] = ()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        if stripped.startswith("["):
            if header := _HEADER.match(line):
                table = _key_parts(header.group(1))
                _merge(data, _nest(table, {}), path, i + 1, problems)
            else:
                table = ("enforced",)
                problems.append(Problem(path, i + 1, None, (
                    "this table header cannot be read; the keys below it are treated as "
                    "[enforced] (locked) until the next header")))
            i += 1
            continue
        parsed: dict[str, object] | None = None
        end = i
        error = "TOML syntax error"
        for j in range(i, min(i + _CONTINUATION_LINES, len(lines))):
            if j > i and _STATEMENT.match(lines[j]):
                break
            try:
                parsed = loads_toml("\n".join(lines[i:j + 1]))
            except tomllib.TOMLDecodeError as exc:
                error = f"TOML syntax error: {_AT_LINE.sub('', str(exc)).strip()}"
                continue
            except BoundedReadError as exc:
                error = exc.message
                break
            end = j
            break
        if parsed is None:
            assign = _ASSIGN.match(line)
            parts = table + (_key_parts(assign.group(1)) if assign else ())
            key = parts[-1] if len(parts) > len(table) else None
            where = parts[0] if len(parts) > 1 else ""
            if key is not None:
                broken.setdefault(where, set()).add(key)
            problems.append(Problem(path, i + 1, key, f"cannot be read ({error})"))
            i += 1
            while i < len(lines) and not _STATEMENT.match(lines[i]):
                i += 1  # the rest of a broken multi-line value
            continue
        _merge(data, _nest(table, parsed), path, i + 1, problems)
        i = end + 1
    return data, broken, problems


def _nest(table: tuple[str, ...], value: dict[str, object]) -> dict[str, object]:
    for name in reversed(table):
        value = {name: value}
    return value


# ---------------------------------------------------------------------------
# Validating tables
# ---------------------------------------------------------------------------


@dataclass
class _Layer:
    values: dict[str, object] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)  # known keys with a bad value
    problems: list[Problem] = field(default_factory=list)


def _unknown_key_message(key: str) -> str:
    close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return f"unknown setting{hint}"


def _validate_table(table: Mapping[str, object], doc: _Document | None,
                    prefix: tuple[str, ...] = ()) -> _Layer:
    """Check every key of one flat table; ``doc`` None means the command line."""
    layer = _Layer()
    for key, value in table.items():
        path = doc.path if doc else None
        line = _find_line(doc.text, prefix + (key,)) if doc else None
        spec = KEYS.get(key)
        if spec is None:
            if isinstance(value, dict):
                message = "tables are not used here; settings are flat keys"
                if not prefix and key in ("defaults", "enforced"):
                    message = (f"[{key}] is a policy table; a user config.toml has flat "
                               f"keys only (IT policies live in a separate file)")
                layer.problems.append(Problem(path, line, key, message))
            elif key == TEST_MODE_KEY:
                where = "[defaults]" if prefix == ("defaults",) else "a user config"
                layer.problems.append(Problem(path, line, key, (
                    f"only an IT policy's [enforced] table can set this, not {where}")))
            else:
                layer.problems.append(Problem(path, line, key, _unknown_key_message(key)))
            continue
        try:
            layer.values[key] = spec.validate(value)
        except ValueError as error:
            layer.invalid.add(key)
            layer.problems.append(Problem(path, line, key, str(error)))
    return layer


def _policy_layers(doc: _Document) -> tuple[_Layer, _Layer, list[Problem]]:
    """The ``[defaults]`` and ``[enforced]`` layers of a policy, and its other problems."""
    problems: list[Problem] = []
    layers = {"defaults": _Layer(), "enforced": _Layer()}
    for name, value in doc.data.items():
        line = _find_line(doc.text, (name,))
        if name in layers:
            if isinstance(value, dict):
                table = {k: v for k, v in value.items() if not (
                    name == "enforced" and k == TEST_MODE_KEY)}
                layers[name] = _validate_table(table, doc, (name,))
                if name == "enforced" and TEST_MODE_KEY in value and not isinstance(
                        value[TEST_MODE_KEY], bool):
                    problems.append(Problem(
                        doc.path, _find_line(doc.text, (name, TEST_MODE_KEY)), TEST_MODE_KEY,
                        "must be true or false (without quotes); until it is, test mode "
                        "stays forbidden"))
            else:
                problems.append(Problem(doc.path, line, name, f"must be a table: [{name}]"))
        elif name == "meta":
            if not isinstance(value, dict):
                problems.append(Problem(doc.path, line, name, "must be a table: [meta]"))
        elif isinstance(value, dict):
            close = difflib.get_close_matches(name, POLICY_TABLES, n=1, cutoff=0.6)
            hint = f'; did you mean "[{close[0]}]"?' if close else ""
            problems.append(Problem(
                doc.path, line, name,
                f"unknown table; a policy has only [defaults], [enforced] and [meta]{hint}"))
        else:
            where = "[enforced] (locked) or [defaults] (recommended)"
            message = f"policy settings belong in {where}, not at the top"
            if name not in KEYS:
                message = f"unknown key at the top of a policy; settings belong in {where}"
            problems.append(Problem(doc.path, line, name, message))
    return layers["defaults"], layers["enforced"], problems


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PolicyRead:
    """What reading the policy file gave: ``state`` is ``"absent"``, ``"ok"``,
    ``"damaged"`` (read line by line; ``broken`` names the keys per table that
    could not be read) or ``"unreadable"`` (``doc`` is None)."""

    state: str
    doc: _Document | None = None
    problems: tuple[Problem, ...] = ()
    broken: Mapping[str, set[str]] = field(default_factory=dict)


def _read_policy(path: Path) -> _PolicyRead:
    raw, problems = _read_raw(path)
    if raw is None:
        return _PolicyRead("unreadable" if problems else "absent", problems=tuple(problems))
    try:
        text = raw.decode("utf-8-sig")
        decode_problem: list[Problem] = []
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        text = raw.decode("utf-8-sig", errors="replace")
        decode_problem = [Problem(path, line, None, _("is not UTF-8 text; save it as UTF-8"))]
    if not decode_problem:
        try:
            return _PolicyRead("ok", _Document(path, text, loads_toml(text)))
        except (tomllib.TOMLDecodeError, BoundedReadError):
            pass
    data, broken, line_problems = _tolerant_policy(path, text)
    return _PolicyRead("damaged", _Document(path, text, data),
                       tuple(decode_problem + line_problems), broken)


def read_last_good(copy_path: Path | None, policy_path: Path) -> _Document | None:
    """The last good copy of ``policy_path`` kept at ``copy_path``, or None when
    there is none, it is of another policy file, or it does not parse."""
    if copy_path is None:
        return None
    doc, problems = _read(Path(copy_path))
    if doc is None or problems:
        return None
    first = doc.text.split("\n", 1)[0]
    if first != LAST_GOOD_HEADER + str(policy_path):
        return None
    return doc


def last_good_text(policy_path: Path) -> str | None:
    """The text to keep as the last good copy of the policy, or None when the
    policy is absent or not good (it does not read and parse cleanly, or has
    any problem). The caller writes it (loading never writes files)."""
    policy_path = Path(policy_path)
    read = _read_policy(policy_path)
    if read.state != "ok" or read.doc is None:
        return None
    defaults, enforced, other = _policy_layers(read.doc)
    if defaults.problems or enforced.problems or other:
        return None
    return f"{LAST_GOOD_HEADER}{policy_path}\n{read.doc.text}"


def policy_allows_test_mode(policy_path: Path) -> tuple[bool, str]:
    """Whether the IT policy lets test mode turn on, and why, in words.

    No policy, or a policy with no ``[enforced]`` table: allowed. A policy
    that enforces anything forbids it unless its ``[enforced]`` table says
    ``allow_test_mode = true``. A policy that exists but cannot be read
    forbids it (fail closed); so does a damaged one, unless its readable
    ``[enforced]`` table allows it.
    """
    read = _read_policy(Path(policy_path))
    if read.state == "absent":
        return True, f"no IT policy at {policy_path}"
    if read.doc is None:
        return False, f"the IT policy {policy_path} cannot be read"
    enforced = read.doc.data.get("enforced")
    allowed = isinstance(enforced, dict) and enforced.get(TEST_MODE_KEY) is True
    if allowed:
        return True, f"the IT policy {policy_path} sets {TEST_MODE_KEY} = true"
    if (isinstance(enforced, dict) and enforced) or read.broken or read.state == "damaged":
        return False, (f"the IT policy {policy_path} enforces settings and does not set "
                       f"[enforced] {TEST_MODE_KEY} = true")
    return True, f"the IT policy {policy_path} enforces nothing"


def load(user_path: Path | None, policy_path: Path | None,
         overrides: Mapping[str, object] | None = None, *,
         last_good: Path | None = None) -> Resolved:
    """Resolve the settings from every layer (see the module docstring).

    Pass ``paths.user_config_path()`` and ``policy_guard.policy_path()``; ``None``
    leaves that file layer out, and a file that does not exist is simply an
    absent layer. ``overrides`` are command-line values by key, already typed
    (``parse_assignment`` turns ``"key=value"`` text into one); ``None`` values
    mean "not given" and are skipped. Never raises for bad input and never
    writes files: everything wrong comes back in ``Resolved.problems``.

    A policy key in ``[enforced]`` with an invalid value stays locked, at the
    value the layers below the user file give it (policy default or built-in):
    the IT department meant the user not to change it.

    The policy fails closed (``Resolved.alerts`` says what happened):

    - a policy with syntax errors is read line by line: every key that can
      still be read applies, and an ``[enforced]`` key on a line that cannot
      be read stays locked, at its value in the last good copy (``last_good``,
      kept beside the database by the running monitor) or else at the value
      below the user file; every key the last good copy enforced stays locked;
    - a policy that exists but cannot be read (permissions, a folder, too
      large) is replaced by its last good copy; without one, every setting is
      locked at its built-in default until the policy can be read.
    """
    values: dict[str, object] = {k: getattr(_DEFAULTS, k) for k in KEYS}
    origins: dict[str, str] = dict.fromkeys(KEYS, BUILT_IN)
    problems: list[Problem] = []
    sources: list[str] = []
    alerts: list[str] = []
    locked: set[str] = set()
    lock_all: str | None = None

    policy_doc: _Document | None = None
    copy: _Document | None = None
    broken_enforced: set[str] = set()
    if policy_path is not None:
        policy_path = Path(policy_path)
        read = _read_policy(policy_path)
        problems += read.problems
        policy_doc = read.doc
        if read.state in ("damaged", "unreadable"):
            copy = read_last_good(last_good, policy_path)
        if read.state == "unreadable":
            why = read.problems[0].message if read.problems else "cannot be read"
            if copy is not None:
                policy_doc = _Document(policy_path, copy.text, copy.data)
                alerts.append(
                    f"The IT policy {policy_path} exists but {why}. PostureWatch enforces "
                    f"its last good copy ({last_good}) instead. Ask IT to make the policy "
                    "readable (on Linux and macOS: sudo chmod 644 on it).")
            else:
                lock_all = (f"locked: the IT policy {policy_path} cannot be read, so the "
                            "built-in default applies")
                alerts.append(
                    f"The IT policy {policy_path} exists but {why}, and there is no good copy "
                    "of it: every setting is locked at its built-in default until it can be "
                    "read. Ask IT to make the policy readable (on Linux and macOS: "
                    "sudo chmod 644 on it).")
            sources.append(f"policy: {policy_path} (CANNOT BE READ: "
                           + ("using its last good copy)" if copy else "every key locked)"))
        elif read.state == "damaged":
            broken_enforced = set(read.broken.get("enforced", set())) & set(KEYS)
            n = len(read.problems)
            kept = f"; the last good copy ({last_good}) supplies the rest" if copy else ""
            alerts.append(
                f"The IT policy {policy_path} is damaged ({n} line{'s' if n != 1 else ''} "
                f"cannot be read). Every key that can still be read is enforced, and locked "
                f"keys on damaged lines stay locked{kept}. Ask IT to run "
                f"`posturewatch config check {policy_path}` and fix it.")
            sources.append(f"policy: {policy_path} (DAMAGED: read line by line)")
        else:
            sources.append(_source("policy", policy_path, policy_doc, list(read.problems)))
    enforced = _Layer()
    copy_enforced = _Layer()
    if copy is not None and policy_doc is not None and copy.text != policy_doc.text:
        _defaults, copy_enforced, _problems = _policy_layers(copy)
    if policy_doc is not None:
        defaults, enforced, policy_problems = _policy_layers(policy_doc)
        problems += defaults.problems + enforced.problems + policy_problems
        _apply(values, origins, defaults.values, policy_defaults_origin(policy_doc.path))
        locked = set(enforced.values) | enforced.invalid | broken_enforced
        locked |= set(copy_enforced.values)
    below_user = (dict(values), dict(origins))

    if user_path is not None:
        user_path = Path(user_path)
        user_doc, read_problems = _read(user_path)
        problems += read_problems
        sources.append(_source("user config", user_path, user_doc, read_problems))
        if user_doc is not None:
            user = _validate_table(user_doc.data, user_doc)
            problems += user.problems
            for key in [k for k in user.values if k in locked]:
                line = _find_line(user_doc.text, (key,))
                problems.append(Problem(user_path, line, key, _locked_message(policy_doc)))
                del user.values[key]
            if lock_all is None:
                _apply(values, origins, user.values, user_config_origin(user_path))

    if policy_doc is not None:
        origin = enforced_origin(policy_doc.path)
        if copy is not None and read.state == "unreadable":
            origin += f" (its last good copy, {last_good})"
        for key in locked - set(enforced.values) - enforced.invalid:
            if key in copy_enforced.values:  # on a damaged line, or lost with one
                values[key] = copy_enforced.values[key]
                origins[key] = f"{origin}; its line is damaged, so the last good copy applies"
            else:
                values[key] = below_user[0][key]
                origins[key] = (f"{origin}; its line is damaged, so the "
                                f"{below_user[1][key]} applies")
        _apply(values, origins, enforced.values, origin)
        for key in enforced.invalid:
            values[key] = copy_enforced.values.get(key, below_user[0][key])
            below = ("last good copy" if key in copy_enforced.values
                     else below_user[1][key])
            origins[key] = f"{origin}; its value is invalid, so the {below} applies"
    if lock_all is not None:
        locked = set(KEYS)
        values = {k: getattr(_DEFAULTS, k) for k in KEYS}
        origins = dict.fromkeys(KEYS, lock_all)

    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    command_line = _validate_table(given, None)
    problems += command_line.problems
    for key in [k for k in command_line.values if k in locked]:
        problems.append(Problem(None, None, key, _locked_message(policy_doc)))
        del command_line.values[key]
    _apply(values, origins, command_line.values, COMMAND_LINE)

    return Resolved(
        settings=Settings(**values),  # type: ignore[arg-type]
        origins=origins,
        locked=frozenset(locked),
        problems=tuple(problems),
        sources=tuple(sources),
        alerts=tuple(alerts),
    )


def _apply(values: dict[str, object], origins: dict[str, str],
           layer: Mapping[str, object], origin: str) -> None:
    for key, value in layer.items():
        values[key] = value
        origins[key] = origin


def _locked_message(policy: _Document | None) -> str:
    where = f" ({policy.path})" if policy else ""
    return f"locked by your organisation's policy{where}; this value is ignored"


def _source(label: str, path: Path, doc: _Document | None, problems: list[Problem]) -> str:
    if doc is not None:
        state = "used"
    elif problems:
        state = "not used: see the problems below"
    else:
        state = "not found"
    return f"{label}: {path} ({state})"


def check_file(path: Path, kind: str | None = None) -> list[Problem]:
    """Every problem in one user config or IT policy file (empty: the file is fine).

    ``kind`` is ``"user"``, ``"policy"`` or ``None`` to guess: a file with a
    ``[defaults]``, ``[enforced]`` or ``[meta]`` table is a policy, anything
    else a user ``config.toml``. A missing file is one problem. Never writes.
    """
    if kind not in (None, "user", "policy"):
        raise ValueError(f'kind must be "user", "policy" or None, got {kind!r}')
    path = Path(path)
    doc, problems = _read(path)
    if doc is None and problems and problems[0].line is not None and kind != "user":
        # A syntax error: read it the way a deployed policy is read, line by
        # line, to name every line that cannot be read, not just the first.
        read = _read_policy(path)
        if read.doc is not None and (kind == "policy" or _is_policy(read.doc.data)):
            defaults, enforced, other = _policy_layers(read.doc)
            found = list(read.problems) + defaults.problems + enforced.problems + other
            return sorted(found, key=lambda p: (p.line or 0, p.key or ""))
    if doc is None:
        return problems or [Problem(path, None, None, _("file not found"))]
    if kind == "policy" or (kind is None and _is_policy(doc.data)):
        defaults, enforced, other = _policy_layers(doc)
        found = defaults.problems + enforced.problems + other
        return sorted(found, key=lambda p: (p.line or 0, p.key or ""))
    return _validate_table(doc.data, doc).problems


def parse_assignment(text: str) -> tuple[str, object]:
    """``"key=value"`` from the command line -> ``(key, value)``.

    The value is read as a TOML value (``45``, ``true``, ``["mon", "tue"]``,
    ``"08:00-18:00"``); when that fails it is taken as plain text, so
    ``log_level=debug`` works without quotes. Raises ``ValueError`` without "=".
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f'expected "key=value", got "{text}"')
    try:
        value: object = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def to_toml_value(value: object) -> str:
    """One value as TOML text: ``true``, ``45``, ``45.0``, ``"info"``, ``["mon", "tue"]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
            "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _show_value(value: object) -> str:
    """A value as the user wrote it, for messages."""
    try:
        return to_toml_value(value)
    except TypeError:
        if isinstance(value, dict):
            return "a table"
        return repr(value)


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)


def format_show(resolved: Resolved) -> str:
    """Text for ``posturewatch config show``.

    First any alert about the IT policy (``WARNING: ...``), then one line per
    key, ``key = value    (origin)``, in :data:`KEYS` order, with ``[locked]``
    before the origin of keys the IT policy enforces; then the files
    consulted and any problems, one per line.
    """
    width = max(len(k) for k in KEYS)
    rendered = {k: to_toml_value(getattr(resolved.settings, k)) for k in KEYS}
    value_width = min(16, max(len(v) for v in rendered.values()))
    lines = [f"WARNING: {alert}" for alert in resolved.alerts]
    if lines:
        lines.append("")
    for key in KEYS:
        lock = "[locked] " if key in resolved.locked else ""
        lines.append(f"{key:<{width}} = {rendered[key]:<{value_width}}    "
                     f"{lock}({resolved.origins.get(key, BUILT_IN)})")
    if resolved.sources:
        lines.append("")
        lines.append("Files:")
        lines.extend(f"  {source}" for source in resolved.sources)
    if resolved.problems:
        lines.append("")
        lines.append(f"Problems ({len(resolved.problems)}):")
        lines.extend(f"  {problem}" for problem in resolved.problems)
    return "\n".join(lines) + "\n"


def describe_keys(keys: Iterable[str] | None = None) -> list[dict[str, object]]:
    """The key table as plain data (name, kind, unit, allowed, default, description).

    For documentation generators and a settings UI; ``default`` is in TOML form.
    """
    return [
        {
            "name": spec.name,
            "kind": spec.kind,
            "unit": spec.unit,
            "allowed": spec.allowed(),
            "default": to_toml_value(spec.default),
            "description": spec.description,
        }
        for spec in (KEYS[k] for k in (keys if keys is not None else KEYS))
    ]

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
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
            return f"{_number(self.minimum)} to {_number(self.maximum)}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        if self.kind == "weekdays":
            return "a list of days from " + ", ".join(f'"{d}"' for d in WEEKDAYS)
        if self.kind == "model":
            return '"auto", "full", "lite" or the path of a .task file'
        if self.kind == "url":
            return '"" (MediaPipe\'s own storage) or an http(s) address of a folder'
        return '"HH:MM-HH:MM" (local time, start before end, end may be 24:00)'

    def validate(self, value: object) -> object:
        """Return ``value`` in its canonical form, or raise ``ValueError``.

        Canonical forms: floats for ``float`` keys (TOML integers are accepted),
        lower-case words, ``work_days`` as a tuple in week order, work hours
        as zero-padded ``"HH:MM-HH:MM"``. The error message starts with
        "must be", ready to follow the key name.
        """
        got = f", got {_show_value(value)}"
        if self.kind in ("int", "float"):
            is_int = isinstance(value, int) and not isinstance(value, bool)
            is_float = isinstance(value, float) and math.isfinite(value)
            ok_type = is_int if self.kind == "int" else (is_int or is_float)
            assert self.minimum is not None and self.maximum is not None
            if not ok_type or not (self.minimum <= value <= self.maximum):  # type: ignore[operator]
                what = "a whole number" if self.kind == "int" else "a number"
                lo, hi = _number(self.minimum), _number(self.maximum)
                unit = f" ({self.unit})" if self.unit else ""
                raise ValueError(f"must be {what} between {lo} and {hi}{unit}{got}")
            return float(value) if self.kind == "float" else value  # type: ignore[arg-type]
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false (without quotes){got}")
            return value
        if self.kind == "choice":
            if isinstance(value, str) and value.strip().lower() in self.choices:
                return value.strip().lower()
            raise ValueError(f"must be {self.allowed()}{got}")
        if self.kind == "weekdays":
            return _validate_weekdays(value, got)
        if self.kind == "model":
            return _validate_model(value, got)
        if self.kind == "url":
            return _validate_url(value, got)
        return _validate_time_range(value, got)


def _validate_weekdays(value: object, got: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f'must be a non-empty list of days such as ["mon", "tue"]{got}')
    days: set[str] = set()
    for item in value:
        day = item.strip().lower() if isinstance(item, str) else None
        if day not in WEEKDAYS:
            names = ", ".join(WEEKDAYS)
            raise ValueError(f"must list days from {names}; {_show_value(item)} is not one")
        if day in days:
            raise ValueError(f'must list each day once; "{day}" is there twice')
        days.add(day)
    return tuple(d for d in WEEKDAYS if d in days)


MODEL_NAMES = ("auto", "full", "lite")


def _validate_model(value: object, got: str) -> str:
    if isinstance(value, str) and value.strip().lower() in MODEL_NAMES:
        return value.strip().lower()
    if isinstance(value, str) and value.strip().lower().endswith(".task") and "\0" not in value:
        return value.strip()
    raise ValueError(f'must be "auto", "full", "lite" or the path of a .task file{got}')


def _validate_url(value: object, got: str) -> str:
    if isinstance(value, str) and (value == "" or re.fullmatch(r"https?://[^\s]+", value)):
        return value
    raise ValueError(f'must be "" or an address starting with https:// or http://{got}')


_TIME_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


def _validate_time_range(value: object, got: str) -> str:
    match = _TIME_RANGE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'must be a time span like "08:00-18:00"{got}')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"must use times from 00:00 to 24:00{got}")
    if h1 * 60 + m1 >= h2 * 60 + m2:
        raise ValueError(f"must start before it ends (no spans across midnight){got}")
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


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------

POLICY_TABLES = ("defaults", "enforced", "meta")

_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


@dataclass(frozen=True)
class _Document:
    path: Path
    text: str
    data: dict[str, object]


def _read(path: Path) -> tuple[_Document | None, list[Problem]]:
    """Parse one TOML file. ``(None, [])`` when it does not exist."""
    try:
        if not path.exists():
            return None, []
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(path, None, None, f"cannot be read: {error.strerror or error}")]
    try:
        # utf-8-sig: Windows editors often start a UTF-8 file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(path, line, None, "is not UTF-8 text; save it as UTF-8")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [_syntax_problem(path, text, error)]
    return _Document(path, text, data), []


def _syntax_problem(path: Path, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    message = str(error)
    line: int | None = None
    if match := _AT_LINE.search(message):
        line = int(match.group(1))
        message = message[: match.start()] + f" (column {match.group(2)})"
    elif match := _AT_END.search(message):
        line = max(1, len(text.splitlines()))
        message = message[: match.start()] + " (at the end of the file)"
    return Problem(path, line, None, f"TOML syntax error: {message}")


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
    """
    table: tuple[str, ...] = ()
    in_string: str | None = None
    fallback: int | None = None
    leaf = re.compile(rf"(?:^|[\s{{,.])[\"']?{re.escape(path[-1])}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if header := _HEADER.match(line):
            table = _key_parts(header.group(1))
            if table == path:
                return number
        elif assign := _ASSIGN.match(line):
            full = table + _key_parts(assign.group(1))
            if full == path:
                return number
            if fallback is None and path[: len(full)] == full and leaf.search(line):
                fallback = number
        for quotes in ('"""', "'''"):
            if line.count(quotes) % 2 == 1:
                in_string = quotes
                break
    return fallback


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
                layers[name] = _validate_table(value, doc, (name,))
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


def load(user_path: Path | None, policy_path: Path | None,
         overrides: Mapping[str, object] | None = None) -> Resolved:
    """Resolve the settings from every layer (see the module docstring).

    Pass ``paths.user_config_path()`` and ``paths.policy_path()``; ``None``
    leaves that file layer out, and a file that does not exist is simply an
    absent layer. ``overrides`` are command-line values by key, already typed
    (``parse_assignment`` turns ``"key=value"`` text into one); ``None`` values
    mean "not given" and are skipped. Never raises for bad input and never
    writes files: everything wrong comes back in ``Resolved.problems``.

    A policy key in ``[enforced]`` with an invalid value stays locked, at the
    value the layers below the user file give it (policy default or built-in):
    the IT department meant the user not to change it.
    """
    values: dict[str, object] = {k: getattr(_DEFAULTS, k) for k in KEYS}
    origins: dict[str, str] = dict.fromkeys(KEYS, BUILT_IN)
    problems: list[Problem] = []
    sources: list[str] = []
    locked: set[str] = set()

    policy_doc: _Document | None = None
    if policy_path is not None:
        policy_path = Path(policy_path)
        policy_doc, read_problems = _read(policy_path)
        problems += read_problems
        sources.append(_source("policy", policy_path, policy_doc, read_problems))
    enforced = _Layer()
    if policy_doc is not None:
        defaults, enforced, policy_problems = _policy_layers(policy_doc)
        problems += defaults.problems + enforced.problems + policy_problems
        _apply(values, origins, defaults.values, policy_defaults_origin(policy_doc.path))
        locked = set(enforced.values) | enforced.invalid
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
            _apply(values, origins, user.values, user_config_origin(user_path))

    if policy_doc is not None:
        _apply(values, origins, enforced.values, enforced_origin(policy_doc.path))
        for key in enforced.invalid:
            values[key] = below_user[0][key]
            origins[key] = (f"{enforced_origin(policy_doc.path)}; its value is invalid, "
                            f"so the {below_user[1][key]} applies")

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
    if doc is None:
        return problems or [Problem(path, None, None, "file not found")]
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

    One line per key, ``key = value    (origin)``, in :data:`KEYS` order, with
    ``[locked]`` before the origin of keys the IT policy enforces; then the
    files consulted and any problems, one per line.
    """
    width = max(len(k) for k in KEYS)
    rendered = {k: to_toml_value(getattr(resolved.settings, k)) for k in KEYS}
    value_width = min(16, max(len(v) for v in rendered.values()))
    lines = []
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

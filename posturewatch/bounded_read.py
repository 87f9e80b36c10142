"""Reading files that come from outside the program, within limits.

Config and policy files (TOML), the baseline and the status file (JSON) and a
model's metadata are written by people, other programs or an earlier version
of PostureWatch. Python's parsers recurse once per nesting level, so a 2 KB
file of ``[[[[...`` 1,000 deep raises ``RecursionError`` instead of a parse
error; and a file of hundreds of megabytes would be read whole. So every such
file goes through here first:

- a size limit, checked before the file is read whole (``max_bytes``);
- a nesting limit (arrays, inline tables, JSON objects), checked by one linear
  scan that skips strings and comments, before the real parser runs;
- the real parser (``tomllib`` or ``json``), whose errors come back as
  :class:`BoundedReadError` too, with the line when known.

Pure: standard library only, so ``config`` (pure core) can use it. Nothing
here writes a file. Time is linear in the size of the text.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

MAX_DEPTH = 32
"""Deepest nesting accepted. No PostureWatch file nests more than 3 levels."""

MAX_CONFIG_BYTES = 256 * 1024
"""Largest config or policy file read: 100 times the largest sensible one."""

MAX_JSON_BYTES = 1024 * 1024
"""Largest JSON file (baseline, status, model metadata) read."""


class BoundedReadError(ValueError):
    """A file that is too large, nested too deep or not valid TOML/JSON.

    ``line`` is 1-based when the problem is on one line, else ``None``;
    ``str(error)`` is a sentence for the user (without the file name, which
    the caller knows and names).
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; BoundedReadError when it holds more than ``max_bytes``.

    Reads at most ``max_bytes + 1`` bytes, so a huge file (or ``/dev/zero``)
    costs no more than a small one. OSError passes through (missing file,
    no permission, a folder).
    """
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise BoundedReadError(
            f"is larger than {_size(max_bytes)}; a PostureWatch file is a few KB "
            "(is this the right file?)")
    return data


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def check_nesting(text: str, max_depth: int = MAX_DEPTH, *, toml: bool = True) -> None:
    """BoundedReadError when brackets or braces nest deeper than ``max_depth``.

    One pass over ``text``: quoted strings (TOML basic, literal and multi-line
    strings, JSON strings) and TOML comments are skipped, so a ``[`` inside
    a string does not count. Unbalanced brackets are left for the parser to
    report. Linear time, no recursion.
    """
    depth = 0
    line = 1
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise BoundedReadError(
                    f"nests arrays or tables more than {max_depth} levels deep "
                    f"(line {line}); a PostureWatch file needs at most 3", line)
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "#" and toml:
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif char == '"' or (char == "'" and toml):
            triple = toml and text.startswith(char * 3, i)
            quote = char * 3 if triple else char
            j = i + len(quote)
            while j < n:
                if text[j] == "\\" and char == '"':
                    j += 2
                    continue
                if text.startswith(quote, j):
                    break
                if text[j] == "\n":
                    if not triple:
                        break  # an unclosed one-line string: the parser says so
                    line += 1
                j += 1
            i = j + len(quote)
            continue
        i += 1


def loads_toml(text: str, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """Parse TOML text after :func:`check_nesting`.

    BoundedReadError for nesting too deep; ``tomllib.TOMLDecodeError`` passes
    through for syntax errors (its message names line and column).
    """
    check_nesting(text, max_depth, toml=True)
    try:
        return tomllib.loads(text)
    except RecursionError as error:  # pragma: no cover - check_nesting stops it first
        raise BoundedReadError("nests too deep to read") from error


def loads_json(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text after :func:`check_nesting`; BoundedReadError on any problem.

    ``NaN`` and ``Infinity`` (which Python's json accepts) are refused: no
    PostureWatch file holds them, and a number that is not finite poisons
    every sum it enters.
    """
    check_nesting(text, max_depth, toml=False)

    def refuse(word: str) -> float:
        raise BoundedReadError(f"holds {word}, which is not a JSON number")

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as error:
        raise BoundedReadError(f"is not valid JSON: {error.msg} (line {error.lineno}, "
                               f"column {error.colno})", error.lineno) from error
    except RecursionError as error:  # pragma: no cover - check_nesting stops it first
        raise BoundedReadError("nests too deep to read") from error


def read_json(path: Path, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """A JSON file, bounded: BoundedReadError when too large, too deep, not
    UTF-8 or not JSON; OSError when it cannot be read (FileNotFoundError when
    absent). For the baseline, the status file and model metadata."""
    raw = read_bytes(path, max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BoundedReadError("is not UTF-8 text", line) from error
    return loads_json(text, max_depth)


def read_json_object(path: Path, max_bytes: int = MAX_JSON_BYTES,
                     max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """:func:`read_json`, and BoundedReadError unless the top level is an object."""
    data = read_json(path, max_bytes, max_depth)
    if not isinstance(data, dict):
        raise BoundedReadError(f"holds a JSON {type(data).__name__}, not an object")
    return data


def finite_number(value: object) -> float | None:
    """``value`` as a finite float when it is an int or float (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None

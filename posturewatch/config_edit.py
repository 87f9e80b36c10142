"""Change settings in the user's ``config.toml`` and keep everything else.

The settings window writes through :func:`save_values`. A user's file is
theirs: every comment, blank line, unknown key and odd spacing stays as it was;
only the lines of the keys being set change.

- A key already set (``sit_limit_min = 30  # my note``) gets its new value in
  place; the trailing comment stays, and comments inside a multi-line array
  stay too (as their own lines above it).
- A key not set yet goes right under its commented-out template line
  (``# sit_limit_min = 30.0``, as :func:`settings_template` writes them), so the
  documentation above it still describes it; without one, at the end of the
  top-level keys (before any ``[table]``).
- A missing file is created from :func:`settings_template` first.

It refuses rather than guesses: a file that is not valid TOML or not UTF-8 is
left alone (:class:`EditError` says which line to fix), and every edit is
checked by parsing the result: the changed keys must hold their new values and
every other value must be unchanged, or nothing is written. Writes are atomic
(a temporary file, then ``os.replace``) and keep the file's byte-order mark,
line endings and permissions. Standard library only.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from posturewatch.atomic_files import write_atomic
from posturewatch.config import KEYS, to_toml_value
from posturewatch.i18n import N_, _

# User-facing texts (kept together here so they can be translated).
TEMPLATE_HEAD = (
    "# PostureWatch settings. Remove the '#' in front of a line to change it.",
    "# `posturewatch config show` lists what is in force and where it came from.",
    "# Changes apply within a few seconds while PostureWatch runs; the Settings",
    "# window in the tray menu writes this file too, keeping your comments.",
)
NOT_UTF8 = N_("{path} is not UTF-8 text; save it as UTF-8 in a text editor, then try again")
SYNTAX = (N_("{path} has a mistake on line {line} ({error}); fix it in a text editor first: "
          "the settings window changes only files it can read completely"))
UNSAFE = N_("could not change {path} safely ({why}); it was left as it was")

_BOM = "\ufeff"
_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf'(?:{_BARE}|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
_ASSIGN = re.compile(rf"^([ \t]*)({_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*)[ \t]*=[ \t]*")
_HEADER = re.compile(r"^[ \t]*\[")
_AT_LINE = re.compile(r"at line (\d+)")
_WHERE = re.compile(r"\s*\((?:at line \d+, column \d+|at end of document)\)")


class EditError(Exception):
    """The file cannot be changed safely; the message says why and what to do."""


def settings_template() -> str:
    """A commented user config listing every key with its default and meaning."""
    lines = list(TEMPLATE_HEAD) + [""]
    for spec in KEYS.values():
        unit = f" ({spec.unit})" if spec.unit else ""
        lines.append(f"# {spec.description}{unit} Allowed: {spec.allowed()}.")
        lines.append(f"# {spec.name} = {to_toml_value(spec.default)}")
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class _Entry:
    """One top-level ``key = value`` statement, lines ``first``..``last``."""

    key: str  # unquoted; dotted keys are not ours and get no entry
    written: str  # the key as the file spells it (quotes and all)
    indent: str
    first: int
    last: int
    comment: str  # the trailing "# ..." after the value, with the space before it
    inner_comments: tuple[str, ...]  # comments inside a multi-line array


def _unquote(part: str) -> str:
    if part.startswith('"'):
        return str(tomllib.loads(f"k = {part}")["k"])
    if part.startswith("'"):
        return part[1:-1]
    return part


def _scan_value(lines: list[str], row: int, col: int) -> tuple[int, int, list[str]]:
    """Where the value starting at ``lines[row][col]`` ends: (row, col just
    after it) and the comments met inside it (a multi-line array's)."""
    depth = 0
    inside: str | None = None  # the quote that opened the string we are in
    comments: list[str] = []
    end = (row, col)
    while row < len(lines):
        line = lines[row]
        i = col
        while i < len(line):
            ch = line[i]
            if inside is not None:
                if inside in ('"', '"""') and ch == "\\":
                    i += 2
                    continue
                if line.startswith(inside, i):
                    i += len(inside)
                    inside = None
                    end = (row, i)
                    continue
                i += 1
                continue
            if ch in " \t\r\n":
                i += 1
                continue
            if ch == "#":
                if depth == 0:
                    return end[0], end[1], comments
                comments.append(line[i:].rstrip("\r\n"))
                break
            for quote in ('"""', "'''", '"', "'"):
                if line.startswith(quote, i):
                    inside = quote
                    i += len(quote)
                    break
            else:
                if ch in "[{":
                    depth += 1
                elif ch in "]}":
                    depth -= 1
                i += 1
                end = (row, i)
        if depth == 0 and inside is None:
            return end[0], end[1], comments
        row, col = row + 1, 0
    return end[0], end[1], comments


def _entries(lines: list[str]) -> tuple[dict[str, _Entry], int]:
    """The top-level entries by key, and the index of the first table header
    (``len(lines)`` when there is none)."""
    found: dict[str, _Entry] = {}
    row = 0
    while row < len(lines):
        line = lines[row]
        if _HEADER.match(line):
            return found, row
        match = _ASSIGN.match(line)
        if match is None:
            row += 1
            continue
        end_row, end_col, inner = _scan_value(lines, row, match.end())
        written = match.group(2)
        parts = re.findall(_KEY_PART, written)
        tail = lines[end_row][end_col:].rstrip("\r\n")
        comment = tail if tail.strip().startswith("#") else ""
        if len(parts) == 1:
            key = _unquote(parts[0])
            found[key] = _Entry(key, written, match.group(1), row, end_row, comment, tuple(inner))
        row = end_row + 1
    return found, len(lines)


def _template_line(lines: list[str], key: str, stop: int) -> int | None:
    pattern = re.compile(rf"^[ \t]*#[ \t]*{re.escape(key)}[ \t]*=")
    for row in range(stop):
        if pattern.match(lines[row]):
            return row
    return None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _parse(text: str, path: object) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = str(max(1, len(text.splitlines())))  # "at end of document"
        if match := _AT_LINE.search(message):
            line = match.group(1)
        message = _WHERE.sub("", message).strip()
        raise EditError(_(SYNTAX).format(path=path, line=line, error=message)) from error


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def set_values(text: str, values: Mapping[str, object], path: object = "config.toml") -> str:
    """``text`` (a user config, without a byte-order mark) with ``values`` set.

    ``values`` maps setting names to typed values (as ``config.KEYS`` validates
    them). Raises :class:`EditError` when ``text`` is not valid TOML or the
    result would not be exactly the old file with these values changed.
    ``path`` only names the file in messages.
    """
    before = _parse(text, path)
    newline = _newline(text)
    lines = text.splitlines(keepends=True)
    for key, value in values.items():
        if key not in KEYS:
            why = _("{key} is not a setting").format(key=key)
            raise EditError(_(UNSAFE).format(path=path, why=why))
        entries, stop = _entries(lines)
        rendered = f"{key} = {to_toml_value(value)}"
        entry = entries.get(key)
        if entry is not None:
            ending = lines[entry.last][len(lines[entry.last].rstrip("\r\n")):] or newline
            kept = [f"{entry.indent}{c.strip()}{newline}" for c in entry.inner_comments]
            new = f"{entry.indent}{entry.written} = {to_toml_value(value)}{entry.comment}{ending}"
            lines[entry.first:entry.last + 1] = kept + [new]
            continue
        at = _template_line(lines, key, stop)
        if at is not None:
            if not lines[at].endswith(("\n", "\r")):
                lines[at] += newline
            lines.insert(at + 1, rendered + newline)
            continue
        if stop == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines.insert(stop, rendered + newline)
    result = "".join(lines)
    _check(before, result, values, path)
    return result


def _check(before: dict[str, object], result: str, values: Mapping[str, object],
           path: object) -> None:
    """The edit changed exactly ``values``: or raise, and nothing is written."""
    try:
        after = tomllib.loads(result)
    except tomllib.TOMLDecodeError as error:
        why = _("the result would not parse: {error}").format(error=error)
        raise EditError(_(UNSAFE).format(path=path, why=why)) from error
    expected = dict(before)
    for key, value in values.items():
        expected[key] = tomllib.loads(f"v = {to_toml_value(value)}")["v"]
    if set(after) != set(expected) or not all(_same(after[k], expected[k]) for k in expected):
        changed = sorted(k for k in set(after) | set(expected)
                         if not _same(after.get(k), expected.get(k)))
        why = _("it would change {keys}").format(keys=", ".join(changed))
        raise EditError(_(UNSAFE).format(path=path, why=why))


def read_text(path: Path) -> tuple[str, bool]:
    """The file's text without a byte-order mark, and whether it had one;
    ``("", False)`` when it does not exist. Raises :class:`EditError`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return "", False
    except OSError as error:
        raise EditError(_("cannot read {path}: {error}").format(
            path=path, error=error.strerror or error)) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise EditError(_(NOT_UTF8).format(path=path)) from error
    if text.startswith(_BOM):
        return text[1:], True
    return text, False


def save_values(path: Path, values: Mapping[str, object]) -> str:
    """Set ``values`` in the config file at ``path`` (created from the template
    when missing) and write it atomically; returns the new text. Raises
    :class:`EditError` (nothing written) when that cannot be done safely."""
    path = Path(path)
    text, bom = read_text(path)
    if not path.exists():
        text = settings_template()
    new = set_values(text, values, path)
    data = ((_BOM if bom else "") + new).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, keep_perms=True)
    except OSError as error:
        raise EditError(_("cannot write {path}: {error}").format(
            path=path, error=error.strerror or error)) from error
    return new

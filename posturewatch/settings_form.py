"""What the settings window shows, and how it checks what is typed. Pure:
standard library only, so every rule here is tested without a display.

The fields are the common settings (DESIGN section 4); every check goes
through ``config.KEYS`` (the single source of what a key may hold), so the
window, ``posturewatch config check`` and the loader never disagree. A key the
IT policy enforces is shown locked, with where the lock comes from, and can
never be part of a save. Only the keys the user changed are written, so a
value recommended by the policy's ``[defaults]`` is not copied into the
user's file just because the window was opened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from posturewatch.config import KEYS, Resolved, enforced_origin

# User-facing texts (kept together here so they can be translated).
TITLE = "PostureWatch settings"
LOCKED = "Locked by your organisation ({where})"
NO_DAYS = "Choose at least one day"
FILE_BROKEN = ("Your settings file cannot be read, so nothing can be saved here: {problem}. "
               "Fix it with \u201cOpen settings file\u201d.")
FILE_PROBLEMS = "Your settings file has {n} problem{s}; a value saved here replaces a bad line: "
DAY_NAMES = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri",
             "sat": "Sat", "sun": "Sun"}


@dataclass(frozen=True)
class Field:
    """One control: ``widget`` is "check", "number", "scale", "hours" or "days";
    ``unit`` the word after a number."""

    key: str
    label: str
    widget: str
    unit: str = ""


SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    ("Breaks", (
        Field("break_nudges", "Remind me to stand up and move", "check"),
        Field("sit_limit_min", "after sitting for", "number", "minutes"),
        Field("break_min_s", "Time away that counts as a break", "number", "seconds"),
    )),
    ("Water", (
        Field("water_nudges", "Remind me to drink water", "check"),
        Field("hydration_interval_min", "every", "number", "minutes"),
    )),
    ("Posture", (
        Field("posture_nudges", "Remind me to sit up straight", "check"),
        Field("posture_sensitivity", "Sensitivity (0.5 relaxed, 2.0 strict)", "scale"),
    )),
    ("Reminders", (
        Field("nudges_per_bout_max", "Reminders of one kind per sitting stretch, at most",
              "number"),
    )),
    ("Working hours", (
        Field("work_hours", "Remind me between", "hours"),
        Field("work_days", "on", "days"),
    )),
    ("Camera", (
        Field("camera_index", "Camera number (0 is the first)", "number"),
    )),
)
FIELDS: dict[str, Field] = {f.key: f for _title, fields in SECTIONS for f in fields}
if not set(FIELDS) <= set(KEYS):  # pragma: no cover
    raise RuntimeError("every settings field must be a config key")


def number_text(value: object) -> str:
    """A number as a person types it: ``30`` rather than ``30.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_number(text: str) -> object:
    """Typed text -> int or float; anything else comes back as the text, for
    ``KeySpec.validate`` to refuse in words. A decimal comma is accepted."""
    cleaned = text.strip().replace(",", ".")
    for kind in (int, float):
        try:
            value = kind(cleaned)
        except ValueError:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            return text
        return value
    return text


def _sentence(error: ValueError) -> str:
    """``KeySpec.validate``'s "must be ..., got X" as a sentence for the window
    (the person can see what they typed)."""
    message = str(error).split(", got ")[0]
    return message[:1].upper() + message[1:]


class SettingsForm:
    """The values in the window, their errors, and what a save would write.

    ``resolved``: the settings in force when the window opened (or was last
    saved). ``values`` holds a valid value for every field; a field whose text
    is invalid keeps its last valid value and has an entry in ``errors``.
    """

    def __init__(self, resolved: Resolved, user_path: Path) -> None:
        self.user_path = Path(user_path)
        self.rebase(resolved)

    def rebase(self, resolved: Resolved) -> None:
        """Start again from ``resolved`` (after a save)."""
        self.resolved = resolved
        self.values: dict[str, object] = {k: getattr(resolved.settings, k) for k in FIELDS}
        self.errors: dict[str, str] = {}

    # -- what the controls show ------------------------------------------------
    def text(self, key: str) -> str:
        """The text of a number field."""
        return number_text(self.values[key])

    def hours(self) -> tuple[str, str]:
        """The working hours as (start, end) texts, e.g. ("08:00", "18:00")."""
        start, _sep, end = str(self.values["work_hours"]).partition("-")
        return start, end

    def lock_reason(self, key: str) -> str | None:
        """Why ``key`` cannot be changed here, or None when it can."""
        if key not in self.resolved.locked:
            return None
        origin = self.resolved.origins.get(key, "")
        prefix = enforced_origin(Path("X")).removesuffix("X")  # "enforced by policy: "
        where = origin.removeprefix(prefix).split(";")[0]  # the policy file
        return LOCKED.format(where=where or "IT policy")

    def file_message(self) -> tuple[str | None, bool]:
        """(a banner about the user's file or None, whether saving is possible)."""
        mine = [p for p in self.resolved.problems
                if p.path is not None and Path(p.path) == self.user_path]
        broken = [p for p in mine if p.key is None]
        if broken:
            return FILE_BROKEN.format(problem=broken[0].message), False
        if mine:
            n = len(mine)
            lines = "; ".join(f"line {p.line}: {p.key}" if p.line else str(p.key) for p in mine)
            return FILE_PROBLEMS.format(n=n, s="s" if n != 1 else "") + lines, True
        return None, True

    # -- what the person does ---------------------------------------------------
    def set_text(self, key: str, text: str) -> str | None:
        """A number field's new text; returns the error to show, or None."""
        return self.set_value(key, parse_number(text))

    def set_hours(self, start: str, end: str) -> str | None:
        return self.set_value("work_hours", f"{start.strip()}-{end.strip()}")

    def set_value(self, key: str, value: object) -> str | None:
        """Any field's new value (a check, the scale, the days); the error or None."""
        if key not in FIELDS:
            raise KeyError(key)
        if key == "work_days" and isinstance(value, tuple | list) and not value:
            self.errors[key] = NO_DAYS
            return NO_DAYS
        try:
            self.values[key] = KEYS[key].validate(value)
        except ValueError as error:
            self.errors[key] = _sentence(error)
            return self.errors[key]
        self.errors.pop(key, None)
        return None

    def changes(self) -> dict[str, object]:
        """The values to write: changed from what was in force, never locked."""
        return {k: v for k, v in self.values.items()
                if k not in self.resolved.locked and v != getattr(self.resolved.settings, k)}

    def can_save(self) -> bool:
        return not self.errors and self.file_message()[1]

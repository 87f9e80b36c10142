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

from posturewatch.calendar_words import weekday_name
from posturewatch.config import KEYS, Resolved, enforced_origin
from posturewatch.i18n import N_, _, ngettext

# User-facing texts (kept together here so they can be translated).
TITLE = N_("PostureWatch settings")
LOCKED = N_("Locked by your organisation ({where})")
NO_DAYS = N_("Choose at least one day")
FILE_BROKEN = (N_("Your settings file cannot be read, so nothing can be saved here: {problem}. "
               "Fix it with \u201cOpen settings file\u201d."))
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def day_name(key: str) -> str:
    """'mon' -> 'Mon' in the user's language."""
    return weekday_name(DAY_KEYS.index(key), short=True)


@dataclass(frozen=True)
class Field:
    """One control: ``widget`` is "check", "number", "scale", "hours" or "days";
    ``unit`` the word after a number."""

    key: str
    label: str
    widget: str
    unit: str = ""


SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    (N_("Breaks"), (
        Field("break_nudges", N_("Remind me to stand up and move"), "check"),
        Field("sit_limit_min", N_("after sitting for"), "number", N_("minutes")),
        Field("break_min_s", N_("Time away that counts as a break"), "number",
              N_("seconds")),
    )),
    (N_("Water"), (
        Field("water_nudges", N_("Remind me to drink water"), "check"),
        Field("hydration_interval_min", N_("every"), "number", N_("minutes")),
    )),
    (N_("Posture"), (
        Field("posture_nudges", N_("Remind me to sit up straight"), "check"),
        Field("posture_sensitivity", N_("Sensitivity (0.5 relaxed, 2.0 strict)"),
              "scale"),
    )),
    (N_("Reminders"), (
        Field("nudges_per_bout_max", N_("Reminders of one kind per sitting stretch, at most"),
              "number"),
    )),
    (N_("Working hours"), (
        Field("work_hours", N_("Remind me between"), "hours"),
        Field("work_days", N_("on"), "days"),
    )),
    (N_("Camera"), (
        Field("camera_index", N_("Camera number (0 is the first)"), "number"),
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
    message = str(error).split(_(", got {value}").split("{value}")[0])[0]
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
        return _(LOCKED).format(where=where or _("IT policy"))

    def file_message(self) -> tuple[str | None, bool]:
        """(a banner about the user's file or None, whether saving is possible)."""
        mine = [p for p in self.resolved.problems
                if p.path is not None and Path(p.path) == self.user_path]
        broken = [p for p in mine if p.key is None]
        if broken:
            return _(FILE_BROKEN).format(problem=broken[0].message), False
        if mine:
            n = len(mine)
            lines = "; ".join(_("line {line}: {key}").format(line=p.line, key=p.key)
                              if p.line else str(p.key) for p in mine)
            problems = ngettext(
                "Your settings file has {n} problem; a value saved here replaces a bad line: ",
                "Your settings file has {n} problems; a value saved here replaces a bad line: ",
                n)
            return problems.format(n=n) + lines, True
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
            self.errors[key] = _(NO_DAYS)
            return _(NO_DAYS)
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

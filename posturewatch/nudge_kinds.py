"""Every kind of nudge in one table: how it comes due, how it ranks, which
setting switches it off, what answers it, how the report judges it followed,
its report columns and its icon. Pure: standard library and the pure core only.

The consumers read this table instead of naming kinds: the tracker
(``session.py``: due rule, priority, enabled setting), the notification texts
(``messages.NUDGE_TEXTS``: one ``NudgeTexts`` per kind), the monitor
(``app.py``: stretches, the kind's notification), the tray (the next
reminder in words), the notification icons (``notify.KIND_ICONS``,
``icons.NoteIcon``), and the report (``report/nudges.py``: follow-up rule;
``report/records.py``: the CSV and JSON columns, in table order).

Adding a kind (say "rest your eyes") takes: its member in ``model.NudgeKind``,
one ``KindSpec`` here, one ``NudgeTexts`` in ``messages.NUDGE_TEXTS``, and the
settings it names (``config.Settings`` and ``config.KEYS``). Everything is
checked when the modules are imported, so a kind left half-done fails at
once, naming what is missing (:func:`check_table`, ``messages``, ``icons``);
``tests/test_nudge_kinds.py`` walks every kind through every consumer and
adds a throwaway kind to a copy of the package to show the edits suffice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum

from posturewatch.config import Settings
from posturewatch.model import EventKind, NudgeKind


class Due(StrEnum):
    """How the tracker counts toward a nudge (``session.py`` explains each)."""

    SITTING = "sitting"  # sitting time in the bout reaches sit_limit_min; repeats back off
    SLOUCH = "slouch"  # the slouch run reaches slouch_hold_s (doubling in the bout)
    INTERVAL = "interval"  # seated time since the last nudge or answer reaches an interval


@dataclass(frozen=True)
class FollowRule:
    """When the report counts a shown nudge as *followed* (``report/nudges.py``):
    a ``nudge_acted`` done/followed of the kind within ``window_min`` minutes
    always does; so does an event of a kind in ``events`` in that window
    (with ``detail[flag]`` true when ``flag`` is set), or, with
    ``upright_after``, mostly upright sitting in the 5 minutes after."""

    window_min: float
    events: tuple[EventKind, ...] = ()
    flag: str | None = None
    upright_after: bool = False


@dataclass(frozen=True)
class KindSpec:
    """One nudge kind. ``priority``: lower fires first when several are due
    at one tick. ``enabled_setting``: the boolean ``Settings`` field that
    switches it. ``interval_setting``: for ``Due.INTERVAL``, the ``Settings``
    field with the minutes of seated time between two nudges. ``answer``: an
    event that also answers the kind ("Done" records it; the user can log it
    without a nudge) and restarts its count. ``stretch``: the notification
    offers one of ``stretches.STRETCHES``, taking turns. ``icon``: a name from
    ``icons.NoteIcon``."""

    kind: NudgeKind
    priority: int
    enabled_setting: str
    due: Due
    follow: FollowRule
    icon: str
    interval_setting: str | None = None
    answer: EventKind | None = None
    stretch: bool = False

    @property
    def columns(self) -> tuple[str, str]:
        """The report's CSV/JSON columns for this kind."""
        return (f"{self.kind.value}_nudges_shown", f"{self.kind.value}_nudges_followed")


# The table. Its order is the report's column order (keep it: the CSV is read
# by scripts); ``priority`` decides which nudge fires first.
KINDS: Mapping[NudgeKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(NudgeKind.BREAK, priority=0, enabled_setting="break_nudges", due=Due.SITTING,
                 follow=FollowRule(30, events=(EventKind.BREAK_TAKEN,), flag="followed_nudge"),
                 icon="break", stretch=True),
        KindSpec(NudgeKind.WATER, priority=2, enabled_setting="water_nudges", due=Due.INTERVAL,
                 interval_setting="hydration_interval_min",
                 follow=FollowRule(15, events=(EventKind.WATER_LOGGED,)),
                 icon="water", answer=EventKind.WATER_LOGGED),
        KindSpec(NudgeKind.POSTURE, priority=1, enabled_setting="posture_nudges", due=Due.SLOUCH,
                 follow=FollowRule(5, upright_after=True), icon="posture"),
    )
}

UNKNOWN_FOLLOW = FollowRule(5)
"""How the report judges a kind not in the table (a database from another
version): only a "done" within 5 minutes follows it."""


def check_table(kinds: Mapping[NudgeKind, KindSpec]) -> None:
    """Raise ValueError naming the first gap: a ``NudgeKind`` without an
    entry, an entry keyed wrongly, a shared priority, a setting that is not a
    ``Settings`` field of the right type, an interval rule without its setting."""
    missing = [k.value for k in NudgeKind if k not in kinds]
    if missing:
        raise ValueError(f"nudge_kinds.KINDS has no entry for {', '.join(missing)}")
    settings = {f.name: f for f in fields(Settings)}
    defaults = Settings()
    priorities: dict[int, NudgeKind] = {}
    for key, spec in kinds.items():
        where = f"nudge_kinds.KINDS[{key.value!r}]"
        if spec.kind is not key:
            raise ValueError(f"{where} describes {spec.kind.value!r}")
        if spec.priority in priorities:
            raise ValueError(f"{where} shares priority {spec.priority} with "
                             f"{priorities[spec.priority].value!r}")
        priorities[spec.priority] = key
        if spec.enabled_setting not in settings or not isinstance(
                getattr(defaults, spec.enabled_setting), bool):
            raise ValueError(f"{where}: enabled_setting {spec.enabled_setting!r} is not a "
                             "true/false setting in config.Settings")
        needs_interval = spec.due is Due.INTERVAL
        if needs_interval != (spec.interval_setting is not None):
            raise ValueError(f"{where}: interval_setting goes with Due.INTERVAL, and only it")
        if spec.interval_setting is not None and (
                spec.interval_setting not in settings
                or not isinstance(getattr(defaults, spec.interval_setting), int | float)):
            raise ValueError(f"{where}: interval_setting {spec.interval_setting!r} is not a "
                             "number setting in config.Settings")
        if spec.follow.window_min <= 0:
            raise ValueError(f"{where}: the follow-up window must be positive")


check_table(KINDS)

BY_PRIORITY: tuple[NudgeKind, ...] = tuple(sorted(KINDS, key=lambda k: KINDS[k].priority))
"""The kinds in the order the tracker tries them at a tick."""

INTERVAL_KINDS: tuple[NudgeKind, ...] = tuple(k for k, s in KINDS.items() if s.due is Due.INTERVAL)
"""Kinds counted in seated time since their last nudge or answer (water)."""

REPORT_KINDS: tuple[str, ...] = tuple(k.value for k in KINDS)
"""The kind names in report column order."""


def follow_rule(kind: str) -> FollowRule:
    """How the report judges a nudge of ``kind`` followed (``UNKNOWN_FOLLOW`` for a
    kind this version does not know)."""
    try:
        return KINDS[NudgeKind(kind)].follow
    except ValueError:
        return UNKNOWN_FOLLOW

"""Which nudges were followed or snoozed. Pure: the pure core only.

A nudge (a ``nudge_shown`` event) is *followed* when, after it and before the
next nudge of the same kind, within its kind's window
(``nudge_kinds.FollowRule``), a ``nudge_acted`` of that kind with action
``done``/``followed`` comes, or the kind's own evidence:

- break (30 min): a ``break_taken`` with ``followed_nudge: true`` (the
  tracker sets it when the person left within 15 min of the nudge; the event
  comes ``break_min_s`` after they left);
- water (15 min): a ``water_logged``;
- posture (5 min): the 5 whole minutes after the nudge's minute hold at least
  60 s seated of which under half slouched.

*Snoozed* counts ``nudge_acted`` with action ``snooze`` in the same window.
A kind this version does not know has a 5-minute window and no evidence of
its own (``nudge_kinds.UNKNOWN_FOLLOW``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from posturewatch.nudge_kinds import REPORT_KINDS, follow_rule
from posturewatch.report.rows import EventRow, Minute, plain

NUDGE_KINDS = REPORT_KINDS  # in the table's (the CSV's) order

POSTURE_FOLLOW_MIN_SEATED_S = 60.0
POSTURE_FOLLOW_MAX_SHARE = 0.5
FOLLOW_ACTIONS = frozenset({"done", "followed"})

_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class NudgeCount:
    shown: int = 0
    followed: int = 0
    snoozed: int = 0


@dataclass(frozen=True)
class Outcome:
    """One ``nudge_shown`` event and what came of it."""

    at: datetime  # UTC
    kind: str
    followed: bool
    snoozed: bool


def _upright_after(at: datetime, minute_index: Mapping[datetime, Minute]) -> bool:
    """The 5 whole minutes after ``at``'s minute: enough seated, mostly upright."""
    base = at.replace(second=0, microsecond=0)
    after = [minute_index.get(base + _MINUTE * i) for i in range(1, 6)]
    seated = sum(m.seated_s for m in after if m is not None)
    slouched = sum(m.slouched_s for m in after if m is not None)
    return seated >= POSTURE_FOLLOW_MIN_SEATED_S and slouched / seated < POSTURE_FOLLOW_MAX_SHARE


def _followed(
    nudge: EventRow,
    until: datetime,
    events: Sequence[EventRow],
    times: Sequence[datetime],
    minute_index: Mapping[datetime, Minute],
) -> tuple[bool, bool]:
    """(followed, snoozed) for one nudge_shown event; ``until`` is the next
    nudge of the same kind (or far away)."""
    kind = plain(nudge.detail.get("kind", ""))
    rule = follow_rule(kind)
    stop = min(nudge.at + timedelta(minutes=rule.window_min), until)
    followed = snoozed = False
    for event in events[bisect_right(times, nudge.at) :]:
        if event.at > stop:
            break
        if event.kind == "nudge_acted" and plain(event.detail.get("kind", kind)) == kind:
            action = plain(event.detail.get("action", ""))
            if action in FOLLOW_ACTIONS:
                followed = True
            elif action == "snooze":
                snoozed = True
        elif event.kind in rule.events:
            if rule.flag is None or event.detail.get(rule.flag) is True:
                followed = True
    if rule.upright_after and not followed and minute_index:
        followed = _upright_after(nudge.at, minute_index)
    return followed, snoozed


def nudge_outcomes(
    events: Sequence[EventRow], minute_index: Mapping[datetime, Minute]
) -> list[Outcome]:
    """Every nudge_shown event, oldest first, with whether it was followed or snoozed."""
    shown = [e for e in events if e.kind == "nudge_shown"]
    times = [e.at for e in events]
    far = datetime.max.replace(tzinfo=UTC)
    outcomes = []
    for i, nudge in enumerate(shown):
        kind = plain(nudge.detail.get("kind", ""))
        nxt = next((n.at for n in shown[i + 1 :] if plain(n.detail.get("kind", "")) == kind), far)
        followed, snoozed = _followed(nudge, nxt, events, times, minute_index)
        outcomes.append(Outcome(nudge.at, kind, followed, snoozed))
    return outcomes


def count_nudges(
    outcomes: Sequence[Outcome], start: datetime, end: datetime
) -> dict[str, NudgeCount]:
    """Nudges shown in ``[start, end)`` by kind, with how many were followed and snoozed."""
    counts = {}
    for kind in NUDGE_KINDS:
        mine = [o for o in outcomes if o.kind == kind and start <= o.at < end]
        counts[kind] = NudgeCount(
            shown=len(mine),
            followed=sum(1 for o in mine if o.followed),
            snoozed=sum(1 for o in mine if o.snoozed),
        )
    return counts

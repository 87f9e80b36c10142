"""Time already recorded: what a monitor must not store again after the clock
was set back across a restart. Pure: the pure core only.

At start the store says the newest time it holds. When the first tick of
this run comes before it, the clock was set back (by hand, a dead CMOS
battery, a wrong time zone fixed): minute summaries and the events the
tracker records on its own, dated up to that time, are recorded already and
are dropped (a warning says so once). User actions are never dropped, and the
store caps every minute at 60 s whatever happens. Once the first tick is past
the newest stored time the guard does nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from posturewatch.model import Event, EventKind, MinuteSummary

log = logging.getLogger(__name__)


def automatic(event: Event) -> bool:
    """Events the tracker records on its own, from the passing of time."""
    kind, detail = event.kind, event.detail
    return (kind in (EventKind.SITTING_STARTED, EventKind.CAMERA)
            or (kind is EventKind.BREAK_TAKEN and detail.get("source") == "detected")
            or (kind is EventKind.RESUME and detail.get("auto") is True))


class RecordedTime:
    """``newest``: the newest time the store held at start (None: empty)."""

    def __init__(self, newest: datetime | None) -> None:
        self.until = newest
        self._checked = False
        self.repeats = 0

    def tick(self, now: datetime) -> None:
        """Called at every tick before anything is stored: the first one
        decides whether this run started behind the stored time."""
        if not self._checked:
            self._checked = True
            if self.until is not None and now > self.until:
                self.until = None  # the clock is past everything stored

    def is_repeat(self, now: datetime, item: object) -> bool:
        """Whether ``item`` (to be stored at the tick ``now``) is recorded
        already: a minute summary or an automatic event (sitting started,
        break detected, camera change, pause ended) dated at or before the
        newest stored time, in a run whose first tick came before that time."""
        self.tick(now)
        until = self.until
        if until is None:
            return False
        if isinstance(item, MinuteSummary):
            dated = item.minute
        elif isinstance(item, Event) and automatic(item):
            dated = item.at
        else:
            return False
        if dated > until:
            return False
        self.repeats += 1
        if self.repeats == 1:
            log.warning("the clock (%s) is behind the newest stored data (%s): it was set "
                        "back, so time and events already recorded are not stored again",
                        now.isoformat(), until.isoformat())
        return True

"""What ``summarize`` reads: rows as they come out of the database, and their
checking. Pure: standard library only.

Anything unreadable is dropped, never raised: a minute without a readable
time, a negative or NaN number (counts as 0), seconds over 60 (capped), an
event detail that is not a JSON object (read as ``{}``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Rows:
    """What ``summarize`` reads: rows as they come out of the database.

    ``minutes``: mappings with the ``minutes`` table's columns; ``minute`` is an
    ISO 8601 UTC string ("2026-11-16T09:05:00Z") or an aware datetime. Missing
    numeric columns count as 0 (``seated_s`` falls back to ``present_s``).
    ``events``: mappings with ``at`` (like ``minute``), ``kind`` and ``detail``
    (a JSON string or a mapping); ``None`` means the database has no events
    table, which changes how breaks are counted. ``notes``: remarks from the
    reader (an older schema, a missing file) that the report shows as is.
    Rows may cover any span; supply the week and the week before it, plus
    the latest calibration event before that, for a complete report.
    """

    minutes: Sequence[Mapping[str, Any]] = ()
    events: Sequence[Mapping[str, Any]] | None = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Minute:
    """One checked minute row; seconds capped at 60, slouched at seated."""

    start: datetime  # UTC
    present_s: float
    seated_s: float
    slouched_s: float
    away_s: float
    unknown_s: float


@dataclass(frozen=True)
class EventRow:
    """One checked event row; ``kind`` in plain lower case."""

    at: datetime  # UTC
    kind: str
    detail: Mapping[str, Any]


def parse_utc(value: Any) -> datetime | None:
    """An ISO 8601 string or datetime -> aware UTC datetime; naive means UTC.
    None for anything unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def plain(value: Any) -> str:
    """'break', 'NudgeKind.BREAK', 'BREAK' -> 'break'."""
    return str(value).rsplit(".", 1)[-1].strip().lower()


def _number(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None  # drop NaN, negatives


def _minute(row: Mapping[str, Any], start: datetime) -> Minute:
    present = _number(row, "present_s") or 0.0
    seated = _number(row, "seated_s")
    seated = min(present if seated is None else seated, 60.0)
    return Minute(
        start=start,
        present_s=min(present, 60.0),
        seated_s=seated,
        slouched_s=min(_number(row, "slouched_s") or 0.0, seated),
        away_s=min(_number(row, "away_s") or 0.0, 60.0),
        unknown_s=min(_number(row, "unknown_s") or 0.0, 60.0),
    )


def read_minutes(rows: Iterable[Mapping[str, Any]]) -> list[Minute]:
    """Checked minutes, oldest first; the last row for a minute wins."""
    seen: dict[datetime, Minute] = {}
    for row in rows:
        start = parse_utc(row.get("minute"))
        if start is None:
            continue
        start = start.replace(second=0, microsecond=0)
        seen[start] = _minute(row, start)
    return sorted(seen.values(), key=lambda m: m.start)


def _detail(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def read_events(rows: Iterable[Mapping[str, Any]]) -> list[EventRow]:
    """Checked events, oldest first (stable for equal times)."""
    events = []
    for row in rows:
        at = parse_utc(row.get("at"))
        kind = row.get("kind")
        if at is None or not isinstance(kind, str):
            continue
        events.append(EventRow(at=at, kind=plain(kind), detail=_detail(row.get("detail"))))
    events.sort(key=lambda e: e.at)
    return events

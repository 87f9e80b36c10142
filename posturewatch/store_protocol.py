"""What the monitor needs of its database, as a protocol, and an in-memory one.

``store.Store`` (SQLite) and ``storage_faults.WaitingStore`` (rows held in
memory while the database cannot be opened) both keep it; ``MemoryStore``
keeps it in memory for tests and for runs that must not touch a database. The
sampling thread calls every method; ``app.Monitor``, ``reference_store`` and
the tray's report action use nothing else. Pure: standard library only.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from posturewatch.model import Event, MinuteSummary


class MonitorStore(Protocol):
    """The database as the running monitor uses it (times are aware UTC)."""

    path: Path  # the database file (the report reads it)

    def write(self, item: Event | MinuteSummary) -> bool:
        """Keep one row (queued or written); False when it is only held."""
        ...

    def flush(self) -> int:
        """Write what is queued now; the number of rows written."""
        ...

    def check_integrity(self) -> str | None:
        """Check the file (and set a damaged one aside); the problem found, or None."""
        ...

    def apply_retention(self, now: datetime, days: int) -> int:
        """Delete rows older than ``days`` before ``now``; how many went."""
        ...

    def newest_time(self) -> datetime | None:
        """The newest time stored (a minute's start or an event), or None."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A small fact kept in the ``meta`` table, or None."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Keep a small fact in the ``meta`` table."""
        ...

    def close(self) -> None:
        """Write what is queued and close; safe to call twice."""
        ...


class MemoryStore:
    """A ``MonitorStore`` in memory: ``items`` in the order written, ``meta``."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = Path(path)
        self.items: list[Event | MinuteSummary] = []
        self.meta: dict[str, str] = {}
        self.closed = False

    def write(self, item: Event | MinuteSummary) -> bool:
        self.items.append(item)
        return True

    def flush(self) -> int:
        return 0

    def check_integrity(self) -> str | None:
        return None

    def apply_retention(self, now: datetime, days: int) -> int:
        return 0

    def newest_time(self) -> datetime | None:
        times = [i.minute if isinstance(i, MinuteSummary) else i.at for i in self.items]
        return max(times) if times else None

    def get_meta(self, key: str) -> str | None:
        return self.meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.meta[key] = value

    def close(self) -> None:
        self.closed = True

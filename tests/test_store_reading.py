"""Reading a database that this version did not write: a read-only store is
never migrated, so an older file's missing columns and tables must not stop a
reader (the weekly report reads through these methods). Real SQLite files,
laid out by hand with plain sqlite3 as older versions left them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posturewatch.model import Event, EventKind, MinuteSummary
from posturewatch.store import MINUTE_COLUMNS, Store

T0 = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
DAY = (T0, T0 + timedelta(days=1))


def test_a_current_file_reads_every_column(tmp_path: Path) -> None:
    path = tmp_path / "now.db"
    with Store(path) as store:
        store.write(MinuteSummary(T0, 60, 60, 10, 0, 0, 12, 1.0, 0.9, 0.4, 0.2))
        store.write(Event(EventKind.WATER_LOGGED, T0, {"ml": 200}))
    with Store.open_readonly(path) as store:
        assert store.columns("minutes") == MINUTE_COLUMNS
        (row,) = store.minutes(*DAY)
        assert tuple(row) == MINUTE_COLUMNS and row["slouched_s"] == 10
        (event,) = store.events(*DAY)
        assert event["detail"] == {"ml": 200} and event["kind"] == "water_logged"
        assert store.columns("no_such_table") == ()


def test_an_older_layout_gives_the_columns_it_has(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE minutes (minute TEXT PRIMARY KEY, present_s REAL, seated_s REAL)")
        c.execute("INSERT INTO minutes VALUES ('2026-11-16T08:05:00Z', 60, 55)")
        c.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT, kind TEXT)")
        c.execute("INSERT INTO events (at, kind) VALUES ('2026-11-16T08:06:00.000Z', 'pause')")
    before = path.read_bytes()
    with Store.open_readonly(path) as store:
        assert store.columns("minutes") == ("minute", "present_s", "seated_s")
        assert store.minutes(*DAY) == [
            {"minute": "2026-11-16T08:05:00Z", "present_s": 60.0, "seated_s": 55.0}
        ]
        (event,) = store.events(*DAY, kinds=["pause"])
        assert event["detail"] == {} and event["at"] == "2026-11-16T08:06:00.000Z"
        assert store.events(*DAY, kinds=["water_logged"]) == []
    assert path.read_bytes() == before  # read-only: not migrated, not touched


def test_a_file_without_tables_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with Store.open_readonly(path) as store:
        assert store.columns("minutes") == () == store.columns("events")
        assert store.minutes(*DAY) == [] and store.events(*DAY) == []
        with pytest.raises(ValueError, match="naive"):
            store.minutes(datetime(2026, 11, 16), T0)


def test_a_damaged_detail_keeps_its_event(tmp_path: Path) -> None:
    path = tmp_path / "detail.db"
    with Store(path) as store:
        store.write(Event(EventKind.NUDGE_SHOWN, T0, {"kind": "break"}))
    with sqlite3.connect(path) as c:
        c.execute("INSERT INTO events (at, kind, detail) VALUES "
                  "('2026-11-16T08:01:00.000Z', 'nudge_shown', '{broken'), "
                  "('2026-11-16T08:02:00.000Z', 'nudge_shown', '[1, 2]')")
    with Store.open_readonly(path) as store:
        details = [e["detail"] for e in store.events(*DAY)]
    assert details == [{"kind": "break"}, {}, {}]

"""Salvage reads past damaged pages: bytes written into real database files.

SQL walks a table from its root page, so one damaged interior page hid every
row below it (0 of 201 salvaged while the leaves were intact); the page-by-page
reader (``salvage_pages``) reads every leaf wherever the tree points.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posturewatch.model import Event, EventKind, MinuteSummary
from posturewatch.salvage_pages import read_records
from posturewatch.store import MINUTE_COLUMNS, Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WIDE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def fill(path: Path, minutes: int = 201, events: int = 300) -> None:
    with Store(path) as store:
        store.write_many([MinuteSummary(T0 + timedelta(minutes=i), 50.0, 50.0, float(i % 50),
                                        5.0, 5.0, 10, 0.1, 0.2, 0.3, 0.4)
                          for i in range(minutes)])
        store.write_many([Event(EventKind.WATER_LOGGED, T0 + timedelta(minutes=i), {"n": i})
                          for i in range(events)])


def pages_of(path: Path, table: str) -> dict[str, list[int]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT pageno, pagetype FROM dbstat WHERE name = ? ORDER BY pageno",
                          [table]).fetchall()
    found: dict[str, list[int]] = {}
    for page, kind in rows:
        found.setdefault(kind, []).append(page)
    return found


def damage(path: Path, page: int, at: int = 0, size: int = 40) -> None:
    with open(path, "r+b") as handle:
        handle.seek((page - 1) * 4096 + at)
        handle.write(b"\xa5" * size)


def plain_sql_count(path: Path, table: str) -> int:
    n = 0
    conn = sqlite3.connect(path)
    try:
        for _row in conn.execute(f"SELECT * FROM {table}"):
            n += 1
    except sqlite3.DatabaseError:
        pass
    finally:
        conn.close()
    return n


def test_a_damaged_interior_page_no_longer_hides_the_leaves(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "posturewatch.db"
    fill(path)
    pages = pages_of(path, "minutes")
    assert len(pages["leaf"]) >= 3
    damage(path, pages["internal"][0])
    assert plain_sql_count(path, "minutes") == 0
    caplog.set_level(logging.ERROR)
    with Store(path) as store:
        assert store.recovery is not None
        # Every row on an intact leaf is back; the few divider rows that lived
        # in the damaged interior page itself are not.
        assert 195 <= store.recovery.minutes < 201
        assert store.recovery.events == 300
        kept = store.minutes(*WIDE)
        assert [r["minute"] for r in kept] == sorted(r["minute"] for r in kept)
        assert all(r["present_s"] == 50.0 and r["samples"] == 10 for r in kept)
    assert any(f"recovered {store.recovery.minutes} minute rows and 300 events" in
               r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("where", ["head", "middle"])
def test_a_damaged_leaf_costs_at_most_its_own_rows(tmp_path: Path, where: str) -> None:
    path = tmp_path / "posturewatch.db"
    fill(path)
    leaves = pages_of(path, "minutes")["leaf"]
    per_leaf = -(-201 // len(leaves))  # rounded up
    damage(path, leaves[0], 0 if where == "head" else 2048)
    before = plain_sql_count(path, "minutes")
    with Store(path) as store:
        got = store.recovery.minutes if store.recovery else len(store.minutes(*WIDE))
    assert got >= 201 - per_leaf
    assert got >= before  # never fewer than plain SQL reads


def test_rows_still_in_the_write_ahead_log_are_salvaged(tmp_path: Path) -> None:
    path = tmp_path / "posturewatch.db"
    fill(path, minutes=50, events=0)
    store = Store(path)
    store.write_many([MinuteSummary(T0 + timedelta(hours=5, minutes=i), 60, 60, 0, 0, 0, 1)
                      for i in range(20)])  # committed to the WAL, not checkpointed
    copy = tmp_path / "copy.db"
    shutil.copyfile(path, copy)
    shutil.copyfile(f"{path}-wal", f"{copy}-wal")
    store.close()
    data = bytearray(copy.read_bytes())
    data[:100] = b"\xde\xad\xbe\xef" * 25  # SQL refuses the whole file now
    copy.write_bytes(data)
    minutes = [dict(zip(MINUTE_COLUMNS, v, strict=True)) for v in read_records(copy).index_rows
               if len(v) == len(MINUTE_COLUMNS)]
    assert len({m["minute"] for m in minutes}) == 70


def test_freed_pages_do_not_bring_deleted_rows_back(tmp_path: Path) -> None:
    path = tmp_path / "posturewatch.db"
    fill(path, minutes=600, events=0)
    with sqlite3.connect(path) as db:
        # Without secure_delete (the default of many SQLite builds) freed pages
        # keep the deleted rows' bytes: the freelist must be skipped.
        db.execute("PRAGMA secure_delete = OFF")
        db.execute("DELETE FROM minutes WHERE minute < '2026-03-02T17:20:00Z'")  # the first 500
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert db.execute("PRAGMA freelist_count").fetchone()[0] > 0
    minutes = {v[0] for v in read_records(path).index_rows if len(v) == len(MINUTE_COLUMNS)}
    assert len(minutes) == 100

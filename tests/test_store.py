"""The SQLite store against real database files in tmp_path."""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posturewatch.model import Event, EventKind, MinuteSummary, NudgeKind, PresenceSource
from posturewatch.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    event_from_row,
    format_instant,
    merge_minutes,
    migrate,
    minute_from_row,
)

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def minute(i: int, present: float = 60.0, slouched: float = 0.0, **means: float | None) -> (
        MinuteSummary):
    """Minute ``i`` after T0: ``present`` seconds seated, the rest away."""
    defaults = {"neck_height": 0.9, "nose_height": 1.2, "head_size": 0.45, "score": 0.2}
    defaults.update(means)
    return MinuteSummary(T0 + timedelta(minutes=i), present, present, slouched,
                         60.0 - present, 0.0, 12, **defaults)


def event(seconds: float, kind: EventKind = EventKind.WATER_LOGGED, /, **detail: object) -> Event:
    """An event ``seconds`` after T0; keyword arguments are its detail."""
    return Event(kind, T0 + timedelta(seconds=seconds), dict(detail))


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def raw(path: Path) -> sqlite3.Connection:
    """A second, plain connection to the same file (another process's view)."""
    return sqlite3.connect(path, isolation_level=None)


# ---------------------------------------------------------------------------
# Opening, WAL, migrations
# ---------------------------------------------------------------------------


def test_open_creates_parent_folders_wal_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "data" / "posturewatch.db"
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 3
        conn = raw(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"minutes", "events", "meta", "events_at"} <= tables
        conn.close()
    assert path.exists()
    # close() checkpoints: nothing is left only in the write-ahead log
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_busy_timeout_is_set(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db", busy_timeout_ms=1234) as store:
        assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 1234


V1_SCHEMA = """
CREATE TABLE minutes (
 minute TEXT PRIMARY KEY NOT NULL,
 present_s REAL NOT NULL, seated_s REAL NOT NULL, slouched_s REAL NOT NULL,
 away_s REAL NOT NULL, unknown_s REAL NOT NULL, samples INTEGER NOT NULL,
 neck_height REAL, nose_height REAL, head_size REAL, score REAL
) WITHOUT ROWID;
CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL,
 detail TEXT NOT NULL DEFAULT '{}');
PRAGMA user_version = 1;
"""


def test_version_1_database_made_by_hand_is_migrated_and_keeps_its_rows(
        tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = raw(path)
    conn.executescript(V1_SCHEMA)
    conn.execute("INSERT INTO minutes VALUES ('2026-11-16T09:00:00Z', 60, 60, 10, 0, 0, 12,"
                 " 0.9, 1.2, 0.45, 0.3)")
    conn.execute("INSERT INTO events (at, kind, detail) VALUES"
                 " ('2026-11-16T09:00:30.000Z', 'water_logged', '{\"ml\":250}')")
    conn.close()

    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        [old] = store.minutes(T0, T0 + timedelta(hours=1))
        assert old["slouched_s"] == 10.0
        # version 3: a row from before says the camera decided its minute
        assert (old["camera_s"], old["input_s"], old["locked_s"]) == (60.0, 0.0, 0.0)
        assert minute_from_row(old).presence_source is PresenceSource.CAMERA
        assert store.events(T0, T0 + timedelta(hours=1))[0]["detail"] == {"ml": 250}
        store.set_meta("hello", "world")
        assert store.get_meta("hello") == "world"
        store.write(event(60))
        assert len(store.events(T0, T0 + timedelta(hours=1))) == 2

    conn = raw(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"events_at", "events_kind_at"} <= indexes
    plan = " ".join(str(r) for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE at >= '2026' ORDER BY at"))
    assert "events_at" in plan
    conn.close()


def test_failing_migration_rolls_back_to_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with Store(path):
        pass

    def broken(db) -> None:  # the step after the last one, fails half way
        db.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("boom")

    import sqlite_utils

    db = sqlite_utils.Database(path)
    with pytest.raises(RuntimeError, match="boom"):
        migrate(db, (*MIGRATIONS, broken))
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "half_done" not in db.table_names()
    db.close()


def test_database_newer_than_the_code_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with Store(path):
        pass
    conn = raw(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(ValueError, match="schema version 99 is newer"):
        Store(path)
    assert path.exists()  # not treated as damaged


# ---------------------------------------------------------------------------
# Writing and reading
# ---------------------------------------------------------------------------


def test_minutes_round_trip_and_range_is_half_open(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        store.write_many([minute(i, slouched=float(i)) for i in range(5)])
        rows = store.minutes(T0 + timedelta(minutes=1), T0 + timedelta(minutes=3))
        assert [r["minute"] for r in rows] == ["2026-11-16T09:01:00Z", "2026-11-16T09:02:00Z"]
        assert rows[0] == {
            "minute": "2026-11-16T09:01:00Z", "present_s": 60.0, "seated_s": 60.0,
            "slouched_s": 1.0, "away_s": 0.0, "unknown_s": 0.0, "samples": 12,
            "neck_height": 0.9, "nose_height": 1.2, "head_size": 0.45, "score": 0.2,
            "camera_s": 0.0, "input_s": 0.0, "locked_s": 0.0,
        }
        # a bound inside a minute excludes that minute's start, includes the next
        inside = store.minutes(T0 + timedelta(seconds=0.5), T0 + timedelta(minutes=1, seconds=1))
        assert [r["minute"] for r in inside] == ["2026-11-16T09:01:00Z"]


def test_writing_an_existing_minute_merges_it(tmp_path: Path) -> None:
    # Two runs, each covering part of the same minute (a quick restart).
    first = MinuteSummary(T0, 20.0, 20.0, 5.0, 0.0, 0.0, 4, neck_height=1.0, nose_height=1.2,
                          head_size=0.45, score=None)
    second = MinuteSummary(T0, 30.0, 30.0, 10.0, 10.0, 0.0, 8, neck_height=0.7,
                           nose_height=1.2, head_size=0.45, score=0.5)
    with Store(tmp_path / "p.db") as store:
        store.write(first)
        store.write(second)
        (row,) = store.minutes(T0, T0 + timedelta(minutes=1))
    assert row["present_s"] == 50.0
    assert row["slouched_s"] == 15.0
    assert row["away_s"] == 10.0
    assert row["samples"] == 12
    assert row["neck_height"] == pytest.approx((1.0 * 20 + 0.7 * 30) / 50)
    assert row["score"] == 0.5  # NULL on one side does not count


def test_a_minute_never_holds_more_than_60_seconds(tmp_path: Path) -> None:
    # The clock was set back between two runs: the same minute is accounted
    # twice. The first account stands; the second fills only the room left.
    with Store(tmp_path / "p.db") as store:
        store.write(minute(0, present=20.0, slouched=5.0, neck_height=1.0, score=None))
        store.write(minute(0, present=40.0, slouched=10.0, neck_height=0.7, score=0.5))
        store.write(MinuteSummary(T0 + timedelta(minutes=1), 45.0, 45.0, 0.0, 0.0, 0.0, 9))
        store.write(MinuteSummary(T0 + timedelta(minutes=1), 30.0, 30.0, 30.0, 0.0, 0.0, 6))
        first, second = store.minutes(T0, T0 + timedelta(minutes=2))
    assert (first["present_s"], first["away_s"], first["slouched_s"]) == (20.0, 40.0, 5.0)
    assert first["samples"] == 12 and first["neck_height"] == 1.0
    # 15 s of room: half of the second row's 30 s, scaled evenly.
    assert (second["present_s"], second["slouched_s"], second["samples"]) == (60.0, 15.0, 15)


def test_events_filter_by_time_and_kind_and_parse_detail(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        store.write(event(10, EventKind.NUDGE_SHOWN, kind=NudgeKind.BREAK, sitting_s=1800.0))
        store.write(event(20, EventKind.NUDGE_ACTED, kind="break", action="done"))
        store.write(event(30.25, EventKind.WATER_LOGGED))
        store.write(event(90, EventKind.WATER_LOGGED))
        rows = store.events(T0, T0 + timedelta(seconds=90))
        assert [r["kind"] for r in rows] == ["nudge_shown", "nudge_acted", "water_logged"]
        assert rows[0]["detail"] == {"kind": "break", "sitting_s": 1800.0}
        assert rows[2]["at"] == "2026-11-16T09:00:30.250Z"
        only = store.events(T0, T0 + timedelta(hours=1), kinds=[EventKind.WATER_LOGGED, "pause"])
        assert [r["at"] for r in only] == ["2026-11-16T09:00:30.250Z",
                                           "2026-11-16T09:01:30.000Z"]
        assert store.events(T0, T0 + timedelta(hours=1), kinds=[]) == []
        with pytest.raises(ValueError):
            store.events(T0, T0 + timedelta(hours=1), kinds=["no_such_kind"])
        last = store.last_event(EventKind.WATER_LOGGED)
        assert last is not None and last["at"] == "2026-11-16T09:01:30.000Z"
        assert store.last_event("calibration") is None


def test_non_utc_times_are_stored_in_utc(tmp_path: Path) -> None:
    plus_one = timezone(timedelta(hours=1))
    with Store(tmp_path / "p.db") as store:
        store.write(Event(EventKind.PAUSE, datetime(2026, 11, 16, 10, 0, tzinfo=plus_one),
                          {"until": datetime(2026, 11, 16, 11, 0, tzinfo=plus_one)}))
        (row,) = store.events(T0, T0 + timedelta(seconds=1))
    assert row["at"] == "2026-11-16T09:00:00.000Z"
    assert row["detail"] == {"until": "2026-11-16T10:00:00.000Z"}


def test_naive_datetimes_are_rejected_clearly(tmp_path: Path) -> None:
    naive = datetime(2026, 11, 16, 9, 0)
    with Store(tmp_path / "p.db") as store:
        with pytest.raises(ValueError, match="naive"):
            store.write(Event(EventKind.RESUME, naive))
        with pytest.raises(ValueError, match="naive"):
            store.write(MinuteSummary(naive, 60, 60, 0, 0, 0, 12))
        with pytest.raises(ValueError, match="naive"):
            store.minutes(naive, T0)
        with pytest.raises(ValueError, match="naive"):
            store.events(T0, naive)
        with pytest.raises(ValueError, match="naive"):
            store.apply_retention(naive, 30)
        assert store.pending == 0


def test_bad_items_are_refused_before_anything_is_queued(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        with pytest.raises(ValueError, match="whole minute"):
            store.write_many([minute(0), MinuteSummary(T0 + timedelta(seconds=30),
                                                       1, 1, 0, 0, 0, 1)])
        with pytest.raises(ValueError, match="finite"):
            store.write(MinuteSummary(T0, math.nan, 0, 0, 0, 0, 1))
        with pytest.raises(TypeError):
            store.write("minute")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            store.write(Event(EventKind.PAUSE, T0, {"frame": object()}))
        assert store.minutes(T0, T0 + timedelta(hours=1)) == []
        # a NaN mean means "no value"
        store.write(minute(1, score=math.nan))
        assert store.minutes(T0, T0 + timedelta(hours=1))[0]["score"] is None


def test_retention_deletes_only_older_rows_and_counts_them(tmp_path: Path) -> None:
    now = T0 + timedelta(days=30)
    with Store(tmp_path / "p.db") as store:
        store.write_many([minute(0), minute(1), minute(60 * 24 * 20)])
        store.write_many([event(0), event(59), event(86400 * 20)])
        store.write(minute(60 * 24 * 30 + 1))  # recent data: the clock is believed
        # cutoff T0 + 59.5 s: the 09:00 minute (started before it) and two events go
        assert store.apply_retention(now + timedelta(seconds=59.5), 30) == 1 + 2
        assert [r["minute"] for r in store.minutes(T0, now)] == [
            "2026-11-16T09:01:00Z", "2026-12-06T09:00:00Z"]
        assert len(store.events(T0, now)) == 1
        assert store.apply_retention(now + timedelta(seconds=59.5), 30) == 0
        with pytest.raises(ValueError):
            store.apply_retention(now, 0)


def test_readonly_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.write(minute(0))
    with Store.open_readonly(path) as ro:
        assert len(ro.minutes(T0, T0 + timedelta(hours=1))) == 1
        with pytest.raises(PermissionError):
            ro.write(minute(1))
    with pytest.raises(FileNotFoundError):
        Store.open_readonly(tmp_path / "missing.db")


def test_a_reader_thread_and_a_writer_thread_share_one_store(tmp_path: Path) -> None:
    import threading

    with Store(tmp_path / "p.db") as store:
        def writer() -> None:
            for i in range(200):
                store.write(minute(i))

        thread = threading.Thread(target=writer)
        thread.start()
        while thread.is_alive():
            store.minutes(T0, T0 + timedelta(days=1))
        thread.join()
        assert len(store.minutes(T0, T0 + timedelta(days=1))) == 200


# ---------------------------------------------------------------------------
# Hypothesis round trips
# ---------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
seconds = st.floats(min_value=0, max_value=60, allow_nan=False)
utc_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                         timezones=st.just(UTC))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | finite | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
minute_summaries = st.builds(
    MinuteSummary,
    minute=utc_times.map(lambda t: t.replace(second=0, microsecond=0)),
    present_s=seconds, seated_s=seconds, slouched_s=seconds, away_s=seconds,
    unknown_s=seconds, samples=st.integers(0, 1000),
    neck_height=st.none() | finite, nose_height=st.none() | finite,
    head_size=st.none() | finite, score=st.none() | finite,
    camera_s=seconds, input_s=seconds, locked_s=seconds,
)
events = st.builds(
    Event,
    kind=st.sampled_from(EventKind),
    at=utc_times.map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000)),
    detail=st.dictionaries(st.text(), json_values, max_size=4),
)
WIDE = (datetime(1999, 1, 1, tzinfo=UTC), datetime(2101, 1, 1, tzinfo=UTC))


@settings(max_examples=40, deadline=None)
@given(items=st.lists(minute_summaries, max_size=8, unique_by=lambda m: m.minute))
def test_minutes_written_come_back_equal(tmp_path_factory, items) -> None:
    with Store(tmp_path_factory.mktemp("rt") / "p.db") as store:
        store.write_many(items)
        back = [minute_from_row(r) for r in store.minutes(*WIDE)]
    assert back == sorted(items, key=lambda m: m.minute)


@settings(max_examples=40, deadline=None)
@given(items=st.lists(events, max_size=8))
def test_events_written_come_back_equal(tmp_path_factory, items) -> None:
    with Store(tmp_path_factory.mktemp("rt") / "p.db") as store:
        store.write_many(items)
        back = [event_from_row(r) for r in store.events(*WIDE)]
    # stable sort: equal times keep the order written (ids break the tie)
    assert back == sorted(items, key=lambda e: e.at)


@settings(max_examples=60, deadline=None)
@given(a=minute_summaries, b=minute_summaries)
def test_database_merge_matches_merge_minutes(tmp_path_factory, a, b) -> None:
    b = MinuteSummary(a.minute, *(getattr(b, f) for f in (
        "present_s", "seated_s", "slouched_s", "away_s", "unknown_s", "samples",
        "neck_height", "nose_height", "head_size", "score")))
    with Store(tmp_path_factory.mktemp("merge") / "p.db") as store:
        store.write(a)
        store.write(b)
        (row,) = store.minutes(*WIDE)
    expected = merge_minutes(a, b)
    got = minute_from_row(row)
    for name in ("present_s", "seated_s", "slouched_s", "away_s", "unknown_s", "samples"):
        assert getattr(got, name) == getattr(expected, name)
    for name in ("neck_height", "nose_height", "head_size", "score"):
        want = getattr(expected, name)
        if want is None or not math.isfinite(want):  # huge values may overflow
            continue
        assert getattr(got, name) == pytest.approx(want, rel=1e-9, abs=1e-300)


# ---------------------------------------------------------------------------
# A locked database
# ---------------------------------------------------------------------------


def test_locked_database_keeps_rows_in_memory_and_loses_none(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "p.db"
    store = Store(path, busy_timeout_ms=5)
    store.write(minute(0))
    other = raw(path)
    other.execute("BEGIN EXCLUSIVE")
    caplog.set_level(logging.INFO, logger="posturewatch.store")

    half = MinuteSummary(T0 + timedelta(minutes=1), 30.0, 30.0, 0.0, 0.0, 0.0, 12)
    assert store.write(half) is False
    assert store.write(event(70)) is False
    assert store.write(half) is False  # the other half of the minute: merges once written
    assert store.pending == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "keeping 1 row(s) in memory" in warnings[0].getMessage()
    assert store.flush() == 0  # still locked, still quiet
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    assert store.apply_retention(T0 + timedelta(days=400), 30) == 0  # skipped, not raised

    other.execute("COMMIT")
    assert store.write(event(80)) is True
    assert store.pending == 0
    assert any("wrote 4 row(s) held in memory" in r.getMessage() for r in caplog.records)

    # another connection sees every row on disk
    minutes = other.execute("SELECT minute, present_s, samples FROM minutes").fetchall()
    assert minutes == [("2026-11-16T09:00:00Z", 60.0, 12), ("2026-11-16T09:01:00Z", 60.0, 24)]
    assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 2
    other.close()
    store.close()


def test_reads_flush_pending_rows_once_the_lock_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store(path, busy_timeout_ms=5) as store:
        other = raw(path)
        other.execute("BEGIN EXCLUSIVE")
        store.write(minute(0))
        assert store.pending == 1
        other.execute("ROLLBACK")
        other.close()
        assert len(store.minutes(T0, T0 + timedelta(hours=1))) == 1
        assert store.pending == 0


def test_closing_while_locked_says_how_many_rows_are_lost(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "p.db"
    store = Store(path, busy_timeout_ms=5)
    other = raw(path)
    other.execute("BEGIN EXCLUSIVE")
    store.write_many([minute(0), minute(1)])
    store.close()
    other.execute("ROLLBACK")
    other.close()
    assert any("2 row(s) that could not be written" in r.getMessage()
               for r in caplog.records if r.levelno == logging.ERROR)


def test_pending_queue_is_bounded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "p.db"
    with Store(path, busy_timeout_ms=1, max_pending=3) as store:
        store.write_many([minute(i) for i in range(100, 110)])  # unlocked: all written
        assert len(store.minutes(T0 + timedelta(minutes=100), T0 + timedelta(hours=3))) == 10
        other = raw(path)
        other.execute("BEGIN EXCLUSIVE")
        for i in range(5):
            store.write(minute(i))
        assert store.pending == 3
        other.execute("ROLLBACK")
        other.close()
        assert [r["minute"][11:16] for r in store.minutes(T0, T0 + timedelta(hours=1))] == [
            "09:02", "09:03", "09:04"]
    assert any("dropping the oldest" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------
# A damaged database
# ---------------------------------------------------------------------------

DAMAGE_TIME = datetime(2026, 11, 20, 7, 30, 15, tzinfo=UTC)


def filled_database(path: Path, n_minutes: int = 1500, n_events: int = 600) -> None:
    with Store(path) as store:
        store.write_many([minute(i, slouched=float(i % 60)) for i in range(n_minutes)])
        store.write_many([event(i * 7.0, EventKind.NUDGE_SHOWN, marker=f"M{i:05d}")
                          for i in range(n_events)])


def page_of(data: bytes, needle: bytes, page_size: int = 4096) -> int:
    offset = data.index(needle)
    return offset // page_size


def test_garbage_in_an_events_page_is_set_aside_and_the_rest_recovered(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "posturewatch.db"
    filled_database(path)
    data = bytearray(path.read_bytes())
    page = page_of(data, b"M00300")  # a leaf page of the events table, mid-file
    data[page * 4096:(page + 1) * 4096] = bytes((i * 151 + 17) % 256 for i in range(4096))
    path.write_bytes(data)
    damaged = bytes(data)

    caplog.set_level(logging.INFO, logger="posturewatch.store")
    with Store(path, clock=FakeClock(DAMAGE_TIME)) as store:
        aside = tmp_path / "posturewatch.db.damaged-20261120T073015"
        assert aside.read_bytes() == damaged  # kept, untouched
        assert store.recovery is not None and store.recovery.damaged_path == aside
        assert store.recovery.minutes == 1500
        recovered = store.events(*WIDE)
        markers = [r["detail"]["marker"] for r in recovered]
        # the rows on the bad page are lost, the pages after it are not
        assert 600 - 100 < len(markers) < 600
        missing = sorted(int(m[1:]) for m in {f"M{i:05d}" for i in range(600)} - set(markers))
        assert missing == list(range(missing[0], missing[-1] + 1))  # one page's run
        assert "M00300" not in markers and "M00000" in markers and "M00599" in markers
        assert markers == sorted(markers)
        assert recovered[0] == {"id": 1, "at": "2026-11-16T09:00:00.000Z",
                                "kind": "nudge_shown", "detail": {"marker": "M00000"}}
        assert store.recovery.events == len(markers)
        assert store.get_meta("recovered_from") == aside.name
        # and the fresh database takes new rows
        store.write(event(99999))
        assert store.schema_version == SCHEMA_VERSION
    assert any(f"recovered 1500 minute rows and {len(markers)} events" in r.getMessage()
               for r in caplog.records if r.levelno == logging.ERROR)


def test_a_file_that_is_not_a_database_is_kept_aside_and_read_page_by_page(
        tmp_path: Path) -> None:
    path = tmp_path / "posturewatch.db"
    filled_database(path, 50, 5)
    data = bytearray(path.read_bytes())
    data[:100] = b"\xde\xad\xbe\xef" * 25  # the header
    path.write_bytes(data)

    with Store(path, clock=FakeClock(DAMAGE_TIME)) as store:
        assert store.recovery is not None
        # SQL refuses the whole file; its pages still hold every row.
        assert (store.recovery.minutes, store.recovery.events) == (50, 5)
        assert "not a database" in store.recovery.problem
        assert [r["slouched_s"] for r in store.minutes(*WIDE)] == [float(i) for i in range(50)]
        store.write(minute(50))
        assert len(store.minutes(*WIDE)) == 51
    assert (tmp_path / "posturewatch.db.damaged-20261120T073015").read_bytes() == bytes(data)


def test_a_truncated_file_recovers_what_it_still_holds(tmp_path: Path) -> None:
    path = tmp_path / "posturewatch.db"
    filled_database(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    # a second damage in the same second does not overwrite the first one aside
    (tmp_path / "posturewatch.db.damaged-20261120T073015").write_bytes(b"older")

    with Store(path, clock=FakeClock(DAMAGE_TIME)) as store:
        assert store.recovery is not None
        aside = store.recovery.damaged_path
        assert aside.name == "posturewatch.db.damaged-20261120T073015-1"
        assert aside.read_bytes() == data[: len(data) // 2]
        rows = store.minutes(*WIDE)
        assert 0 < len(rows) == store.recovery.minutes <= 1500
        originals = {format_minute_key(i): float(i % 60) for i in range(1500)}
        assert all(originals[r["minute"]] == r["slouched_s"] for r in rows)
    assert (tmp_path / "posturewatch.db.damaged-20261120T073015").read_bytes() == b"older"


def format_minute_key(i: int) -> str:
    return (T0 + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_rows_only_in_the_wal_travel_with_the_damaged_file_and_are_salvaged(
        tmp_path: Path) -> None:
    path = tmp_path / "posturewatch.db"
    filled_database(path, 1500, 10)
    # A crash left the newest event in the -wal file only, and a minutes page
    # of the main file is damaged.
    writer = raw(path)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO events (at, kind, detail) VALUES"
                   " ('2026-11-17T00:00:00.000Z', 'resume', '{\"wal\":true}')")
    wal_bytes = Path(f"{path}-wal").read_bytes()
    data = bytearray(path.read_bytes())
    writer.close()  # checkpoints and removes the log: put the crash state back
    page = data.rindex(b"2026-11-16T20:00:00Z") // 4096
    data[page * 4096:(page + 1) * 4096] = b"\xff" * 4096
    path.write_bytes(data)
    Path(f"{path}-wal").write_bytes(wal_bytes)

    with Store(path, clock=FakeClock(DAMAGE_TIME)) as store:
        assert store.recovery is not None
        aside = store.recovery.damaged_path
        assert aside.read_bytes() == bytes(data)
        assert Path(f"{aside}-wal").read_bytes() == wal_bytes
        assert [e["detail"] for e in store.events(*WIDE, kinds=["resume"])] == [{"wal": True}]
        assert len(store.events(*WIDE)) == 11
        kept = {r["minute"] for r in store.minutes(*WIDE)}
        assert format_minute_key(660) not in kept  # 20:00, on the damaged page
        assert 1500 - 100 < len(kept) < 1500
        assert {format_minute_key(0), format_minute_key(1499)} <= kept


# ---------------------------------------------------------------------------
# Size
# ---------------------------------------------------------------------------


def test_an_eight_hour_day_fits_in_100_kb(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store(path) as store:
        for i in range(480):
            store.write(minute(i, present=55.0, slouched=float(i % 30),
                               neck_height=0.9 + i / 10007, nose_height=1.2 - i / 9973,
                               head_size=0.45 + i / 100003, score=i / 479))
            if i % 12 == 0:
                store.write(event(i * 60 + 7.25, EventKind.NUDGE_SHOWN, kind="break",
                                  sitting_s=1800.0, repeat=0))
        assert len(store.events(*WIDE)) == 40
    assert path.stat().st_size <= 100 * 1024


def test_size_bytes_counts_the_database_and_its_log(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.write(minute(0))
        wal = Path(f"{path}-wal")
        assert store.size_bytes() == path.stat().st_size + wal.stat().st_size > 0


def test_stored_detail_is_plain_json(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.write(event(0, EventKind.CALIBRATION, ok=True, values=(1.0, math.inf)))
    conn = raw(path)
    (text,) = conn.execute("SELECT detail FROM events").fetchone()
    conn.close()
    assert json.loads(text) == {"ok": True, "values": [1.0, None]}
    assert re.fullmatch(r"[ -~]+", text)
    assert format_instant(T0) == "2026-11-16T09:00:00.000Z"

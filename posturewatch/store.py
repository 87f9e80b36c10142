"""The SQLite store: minute summaries and events, nothing else (DESIGN section 7).

One database file in WAL mode, opened through sqlite-utils. The schema is
versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` lists the steps in
order and :func:`migrate` applies the missing ones, each in its own
transaction together with the version bump.

Tables
------
``minutes`` (``WITHOUT ROWID``, keyed by ``minute``)
    ``minute`` TEXT, the minute's start in UTC like ``2026-11-16T09:05:00Z``;
    ``present_s``, ``seated_s``, ``slouched_s``, ``away_s``, ``unknown_s`` REAL
    seconds; ``samples`` INTEGER; ``neck_height``, ``nose_height``,
    ``head_size``, ``score`` REAL or NULL, means over the present samples;
    ``camera_s``, ``input_s``, ``locked_s`` REAL seconds whose presence the
    camera, keyboard and mouse input, or a locked screen decided (version 3;
    older rows were all decided by the camera and say so).
    Writing a minute that already exists merges into it (:func:`merge_minutes`).
``events``
    ``id`` INTEGER primary key, ``at`` TEXT (UTC, milliseconds, like
    ``2026-11-16T09:05:13.250Z``), ``kind`` TEXT (an :class:`EventKind` value),
    ``detail`` TEXT (a JSON object). Indexed on ``at`` and on ``(kind, at)``.
``meta``
    ``key`` / ``value`` TEXT, for small facts such as a recovery record.

Both time formats are fixed width, so text order is time order within a
column; parse them with :func:`parse_time` (or ``datetime.fromisoformat``).

Robustness ("a locked or damaged database never costs the rows already
written"):

- every write goes through an in-memory queue. When the database stays locked
  past the busy timeout (or the disk is full, or an I/O error happens) the rows
  stay queued, the problem is logged once, and the next write or
  :meth:`Store.flush` retries. Nothing is raised into the sampling loop.
- a damaged file found on open is renamed aside to
  ``NAME.damaged-YYYYmmddTHHMMSS`` (never deleted or written to), every row
  that can still be read from a copy of it is salvaged into a fresh database,
  and the count is logged.

Thread safety: one lock guards the connection, so the sampling thread may
write while another thread reads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlite_utils

from posturewatch.bounded_read import loads_json
from posturewatch.checks import Check, Status
from posturewatch.model import Event, EventKind, MinuteSummary
from posturewatch.paths import make_private_dir, private_file
from posturewatch.salvage_pages import read_records
from posturewatch.storage_faults import WaitingStore, explain

log = logging.getLogger(__name__)

SECONDS_COLUMNS = ("present_s", "seated_s", "slouched_s", "away_s", "unknown_s")
MEAN_COLUMNS = ("neck_height", "nose_height", "head_size", "score")
SOURCE_COLUMNS = ("camera_s", "input_s", "locked_s")
MINUTE_COLUMNS = ("minute", *SECONDS_COLUMNS, "samples", *MEAN_COLUMNS, *SOURCE_COLUMNS)
EVENT_COLUMNS = ("id", "at", "kind", "detail")

DEFAULT_BUSY_TIMEOUT_MS = 2000
# The write-ahead log: past WAL_LIMIT_BYTES the store checkpoints, and when a
# reader (another program's open read transaction) stops the checkpoint, new
# rows wait in memory instead of growing the log without end. An emptied log
# is cut back to WAL_KEEP_BYTES. SQLite's own auto-checkpoint runs at 4 MB.
WAL_LIMIT_BYTES = 8 * 1024 * 1024
WAL_KEEP_BYTES = 4 * 1024 * 1024
# Retention warns when one pass would delete more than this share of the rows.
RETENTION_WARN_SHARE = 0.25
# About two months of minute rows and events: far more than a lock lasts.
DEFAULT_MAX_PENDING = 100_000

# SQLite primary result codes (the low byte of an extended code).
_TRANSIENT_CODES = frozenset({
    sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL,
    sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB,
})
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------


def _utc(moment: datetime, name: str) -> datetime:
    """``moment`` converted to UTC; a naive datetime is a ValueError."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime ({moment.isoformat()}); the store needs "
            "timezone-aware datetimes (UTC)"
        )
    return moment.astimezone(UTC)


def _ceil_second(moment: datetime) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def format_minute(moment: datetime) -> str:
    """A minute's start as stored: UTC, whole minute, ``2026-11-16T09:05:00Z``.

    ValueError when ``moment`` is naive or not on a whole minute.
    """
    moment = _utc(moment, "minute")
    if moment.second or moment.microsecond:
        raise ValueError(f"minute must start on a whole minute, got {moment.isoformat()}")
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def format_instant(moment: datetime) -> str:
    """An event time as stored: UTC, truncated to the millisecond,
    ``2026-11-16T09:05:13.250Z``. ValueError when ``moment`` is naive."""
    moment = _utc(moment, "time")
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_time(text: str) -> datetime:
    """A stored time string back to an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def _minute_bound(moment: datetime, name: str) -> str:
    # Minute keys are compared as text, so a bound in the same format with the
    # seconds rounded up selects exactly the minutes starting at or after it.
    bound = _ceil_second(_utc(moment, name))
    return bound.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


def _seconds(value: float, name: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
    return number


def _mean(value: float | None) -> float | None:
    # SQLite stores NaN as NULL anyway; say so here rather than by accident.
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def minute_row(summary: MinuteSummary) -> dict[str, Any]:
    """The ``minutes`` row for a summary. ValueError for a naive or unaligned
    minute or a non-finite seconds value; non-finite means become NULL."""
    row: dict[str, Any] = {"minute": format_minute(summary.minute)}
    for name in SECONDS_COLUMNS:
        row[name] = _seconds(getattr(summary, name), name)
    row["samples"] = int(summary.samples)
    for name in MEAN_COLUMNS:
        row[name] = _mean(getattr(summary, name))
    for name in SOURCE_COLUMNS:
        row[name] = _seconds(getattr(summary, name), name)
    return row


def minute_from_row(row: dict[str, Any]) -> MinuteSummary:
    """A ``minutes`` row (as returned by :meth:`Store.minutes`) as a summary."""
    return MinuteSummary(
        minute=parse_time(row["minute"]),
        samples=int(row["samples"]),
        **{name: float(row[name]) for name in SECONDS_COLUMNS},
        **{name: None if row[name] is None else float(row[name]) for name in MEAN_COLUMNS},
        **{name: float(row.get(name) or 0.0) for name in SOURCE_COLUMNS},
    )


def _json_value(value: Any) -> Any:
    """Detail values as plain JSON: enums by value, datetimes as stored UTC
    strings, non-finite floats as null, tuples and sets as lists."""
    if isinstance(value, Enum):
        return _json_value(value.value)
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, dict):
        return {str(_json_value(k)): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    raise TypeError(f"event detail value {value!r} ({type(value).__name__}) is not JSON")


def event_row(event: Event) -> dict[str, Any]:
    """The ``events`` row (without ``id``) for an event. ValueError for a naive
    time or an unknown kind; TypeError for a detail that is not JSON."""
    if not isinstance(event.detail, dict):
        raise TypeError(f"event detail must be a dict, not {type(event.detail).__name__}")
    return {
        "at": format_instant(event.at),
        "kind": EventKind(event.kind).value,
        "detail": json.dumps(_json_value(event.detail), sort_keys=True, allow_nan=False,
                             separators=(",", ":")),
    }


def event_from_row(row: dict[str, Any]) -> Event:
    """An ``events`` row (as returned by :meth:`Store.events`) as an event."""
    detail = row["detail"]
    if isinstance(detail, str):
        detail = json.loads(detail)
    return Event(kind=EventKind(row["kind"]), at=parse_time(row["at"]), detail=dict(detail))


def merge_minutes(old: MinuteSummary, new: MinuteSummary) -> MinuteSummary:
    """What the store keeps when ``new`` is written over an existing ``old``
    row for the same minute (two runs covering the same minute).

    Seconds and samples add up, but a minute never holds more than 60 s:
    when ``old`` already accounts for part of the minute, ``new``'s seconds
    are scaled down to the room left (nothing when the minute is full). Two
    runs can only cover the same seconds twice when the clock was set back
    between them, and then the first account stands. Samples count only when
    some of ``new`` fits. Each mean is weighted by ``present_s`` (the means are
    over present samples; ``new``'s scaled), by ``samples`` when neither side
    has present seconds, else a plain average; a NULL side does not count. The
    SQL in :data:`_UPSERT_MINUTE` does the same; a test holds them together.
    """
    old_total = old.present_s + old.away_s + old.unknown_s
    new_total = new.present_s + new.away_s + new.unknown_s
    room = max(0.0, MINUTE_S - old_total)
    scale = 1.0 if new_total <= room + _SLACK_S else room / new_total
    new_present = new.present_s * scale
    new_samples = new.samples if scale > 0 else 0

    def weighted(a: float | None, b: float | None) -> float | None:
        if b is None or scale == 0:
            return a
        if a is None:
            return b
        if old.present_s + new_present > 0:
            return (a * old.present_s + b * new_present) / (old.present_s + new_present)
        if old.samples + new_samples > 0:
            return (a * old.samples + b * new_samples) / (old.samples + new_samples)
        return (a + b) / 2

    return MinuteSummary(
        minute=old.minute,
        samples=old.samples + new_samples,
        **{n: getattr(old, n) + getattr(new, n) * scale for n in SECONDS_COLUMNS},
        **{n: weighted(getattr(old, n), getattr(new, n)) for n in MEAN_COLUMNS},
        **{n: getattr(old, n) + getattr(new, n) * scale for n in SOURCE_COLUMNS},
    )


MINUTE_S = 60.0
_SLACK_S = 1e-6  # float rounding in a minute split at tick boundaries


_OLD_TOTAL = "(present_s + away_s + unknown_s)"
_NEW_TOTAL = "(excluded.present_s + excluded.away_s + excluded.unknown_s)"
_ROOM = f"max(0.0, {MINUTE_S!r} - {_OLD_TOTAL})"
# The share of the new row that fits in the minute (see merge_minutes).
_SCALE = (f"(CASE WHEN {_NEW_TOTAL} <= {_ROOM} + {_SLACK_S!r} THEN 1.0 "
          f"ELSE {_ROOM} / {_NEW_TOTAL} END)")
_NEW_PRESENT = f"(excluded.present_s * {_SCALE})"
_NEW_SAMPLES = f"(CASE WHEN {_SCALE} > 0 THEN excluded.samples ELSE 0 END)"


def _mean_sql(name: str) -> str:
    return (
        f"CASE WHEN excluded.{name} IS NULL OR {_SCALE} = 0 THEN {name} "
        f"WHEN {name} IS NULL THEN excluded.{name} "
        f"WHEN present_s + {_NEW_PRESENT} > 0 THEN "
        f"({name} * present_s + excluded.{name} * {_NEW_PRESENT})"
        f" / (present_s + {_NEW_PRESENT}) "
        f"WHEN samples + {_NEW_SAMPLES} > 0 THEN "
        f"({name} * samples + excluded.{name} * {_NEW_SAMPLES})"
        f" / (samples + {_NEW_SAMPLES}) "
        f"ELSE ({name} + excluded.{name}) / 2 END"
    )


# In an upsert's SET clause a bare column name is the existing row's value,
# for every expression, so the order of the assignments does not matter.
_UPSERT_MINUTE = (
    f"INSERT INTO minutes ({', '.join(MINUTE_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in MINUTE_COLUMNS)}) "
    "ON CONFLICT(minute) DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c} * {_SCALE}"
                for c in (*SECONDS_COLUMNS, *SOURCE_COLUMNS))
    + f", samples = samples + {_NEW_SAMPLES}, "
    + ", ".join(f"{c} = {_mean_sql(c)}" for c in MEAN_COLUMNS)
)


# ---------------------------------------------------------------------------
# Migrations
# ---------------------------------------------------------------------------


def _v1_tables(db: sqlite_utils.Database) -> None:
    """Version 1: minute summaries and events."""
    db.execute(
        "CREATE TABLE minutes ("
        " minute TEXT PRIMARY KEY NOT NULL,"
        " present_s REAL NOT NULL, seated_s REAL NOT NULL, slouched_s REAL NOT NULL,"
        " away_s REAL NOT NULL, unknown_s REAL NOT NULL, samples INTEGER NOT NULL,"
        " neck_height REAL, nose_height REAL, head_size REAL, score REAL"
        ") WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE events ("
        " id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL,"
        " detail TEXT NOT NULL DEFAULT '{}'"
        ")"
    )


def _v2_indexes_and_meta(db: sqlite_utils.Database) -> None:
    """Version 2: time indexes on events (report and retention queries) and a
    key/value ``meta`` table."""
    db.execute("CREATE INDEX events_at ON events (at)")
    db.execute("CREATE INDEX events_kind_at ON events (kind, at)")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)")


def _v3_presence_sources(db: sqlite_utils.Database) -> None:
    """Version 3: which source decided presence, in seconds per minute. Every
    older row was decided by the camera alone (there was no other source)."""
    for name in SOURCE_COLUMNS:
        db.execute(f"ALTER TABLE minutes ADD COLUMN {name} REAL NOT NULL DEFAULT 0")
    db.execute("UPDATE minutes SET camera_s = present_s + away_s")


# Never edit or reorder a released step: append a new one.
MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1_tables,
    _v2_indexes_and_meta,
    _v3_presence_sources,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


@contextlib.contextmanager
def _write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` (take the write lock now, waiting up to the busy
    timeout) ... ``COMMIT``; roll back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def migrate(
    db: sqlite_utils.Database,
    migrations: Sequence[Callable[[sqlite_utils.Database], None]] = MIGRATIONS,
) -> int:
    """Bring ``db`` up to ``len(migrations)``; return the resulting version.

    Migration ``i`` (0-based) turns version ``i`` into ``i + 1``; it runs in a
    write transaction with the ``user_version`` bump, so a failing step leaves
    the database at the previous version. ValueError when the file is newer
    than this code.
    """
    target = len(migrations)
    version = _user_version(db.conn)
    if version > target:
        raise ValueError(
            f"database schema version {version} is newer than this PostureWatch "
            f"understands ({target}); upgrade PostureWatch"
        )
    while version < target:
        with _write_transaction(db.conn):
            version = _user_version(db.conn)  # another process may have migrated
            if version >= target:
                break
            migrations[version](db)
            version += 1
            db.conn.execute(f"PRAGMA user_version = {version:d}")
        log.info("database migrated to schema version %d", version)
    return version


# ---------------------------------------------------------------------------
# Damage: detect, move aside, salvage
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """What happened when a damaged database was found on open."""

    damaged_path: Path  # where the damaged file was moved (kept, never modified)
    problem: str  # what SQLite said
    minutes: int  # minute rows salvaged into the fresh database
    events: int  # events salvaged


def _error_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _is_transient(error: sqlite3.Error) -> bool:
    """A write failure worth keeping the rows in memory for and retrying."""
    code = _error_code(error)
    if code is not None:
        return code in _TRANSIENT_CODES
    return isinstance(error, sqlite3.OperationalError)


def _is_damage(error: sqlite3.Error) -> bool:
    code = _error_code(error)
    if code is not None:
        return code in _DAMAGE_CODES
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


def _damage(path: Path, busy_timeout_ms: int) -> str | None:
    """Why the database at ``path`` is damaged, or None when it looks sound.

    Opens it read-only (so closing cannot checkpoint anything into a damaged
    file) and runs ``PRAGMA quick_check``. A busy or unopenable file is not
    called damaged: the normal open reports that.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000)
    except sqlite3.Error:
        return None
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as error:
        return str(error) if _is_damage(error) else None
    finally:
        conn.close()
    return None if rows == ["ok"] else "; ".join(str(r) for r in rows)


def _companions(path: Path) -> list[tuple[str, Path]]:
    return [(s, Path(f"{path}{s}")) for s in ("-wal", "-shm", "-journal")]


def _free_name(path: Path, stamp: str) -> Path:
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
        n += 1
    return aside


def _move_aside(path: Path, now: datetime) -> Path:
    """Rename ``path`` (and its -wal/-shm/-journal) to ``NAME.damaged-STAMP``."""
    aside = _free_name(path, _utc(now, "clock()").strftime("%Y%m%dT%H%M%S"))
    os.replace(path, aside)
    for suffix, companion in _companions(path):
        if companion.exists():
            os.replace(companion, Path(f"{aside}{suffix}"))
    return aside


_BATCH = 256


def _minute_to_int(key: str) -> int:
    return int(parse_time(key).timestamp()) // 60


def _int_to_minute(n: int) -> str:
    return format_minute(datetime.fromtimestamp(n * 60, UTC))


def _salvage_table(
    conn: sqlite3.Connection,
    table: str,
    wanted: Sequence[str],
    to_int: Callable[[Any], int],
    from_int: Callable[[int], Any],
    ceiling: int,
) -> list[dict[str, Any]]:
    """Every row of ``table`` that can still be read, in key order.

    Reads in batches by key (the first column of ``wanted``). Where a read
    fails on a damaged page it reads one row at a time, and where even that
    fails it skips ahead: it gallops over the key space until a seek past the
    damage works, then bisects back to the first key after it, so the rows
    behind one bad page are not lost with it.
    """
    key = wanted[0]
    try:
        present = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:
        return []
    columns = [c for c in wanted if c in present]
    if key not in columns:
        return []
    select = f"SELECT {', '.join(columns)} FROM {table}"

    def read(after: Any, limit: int) -> list[dict[str, Any]] | None:
        try:
            if after is None:
                cursor = conn.execute(f"{select} ORDER BY {key} LIMIT ?", (limit,))
            else:
                cursor = conn.execute(
                    f"{select} WHERE {key} > ? ORDER BY {key} LIMIT ?", (after, limit)
                )
            return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
        except (sqlite3.DatabaseError, OverflowError, ValueError):
            return None

    def scalar(sql: str) -> Any:
        try:
            return conn.execute(sql).fetchone()[0]
        except (sqlite3.DatabaseError, TypeError):
            return None

    try:
        top = scalar(f"SELECT max({key}) FROM {table}")
        ceiling = to_int(top) if top is not None else ceiling
    except (ValueError, TypeError):
        pass

    rows: list[dict[str, Any]] = []
    after: Any = None
    while True:
        got = read(after, _BATCH)
        if got is None:
            got = read(after, 1)
        if got and after is not None and not got[-1][key] > after:
            got = None  # a damaged page answered out of order: skip it like a failure
        if got is None:
            # Skip the damaged stretch of keys.
            try:
                if after is not None:
                    failed = to_int(after)
                else:
                    low = scalar(f"SELECT min({key}) FROM {table}")
                    failed = to_int(low) - 1 if low is not None else 0
            except (ValueError, TypeError):
                break
            step, found = 1, None
            while failed + step <= ceiling:
                if read(from_int(failed + step), 1) is not None:
                    found = failed + step
                    break
                failed, step = failed + step, step * 2
            if found is None:
                break
            while found - failed > 1:
                middle = (failed + found) // 2
                if read(from_int(middle), 1) is not None:
                    found = middle
                else:
                    failed = middle
            after = from_int(found)
            continue
        if not got:
            break
        rows.extend(got)
        after = got[-1][key]
    return rows


def _clean_minute(row: dict[str, Any]) -> dict[str, Any] | None:
    """A salvaged minute row fit to store again, or None."""
    try:
        clean = {"minute": format_minute(parse_time(str(row["minute"])))}
        for name in SECONDS_COLUMNS:
            clean[name] = _seconds(row.get(name, 0.0), name)
        clean["samples"] = int(row.get("samples", 0))
        for name in MEAN_COLUMNS:
            clean[name] = _mean(row.get(name))
        old = "camera_s" not in row  # salvaged from a version 1 or 2 file
        for name in SOURCE_COLUMNS:
            default = clean["present_s"] + clean["away_s"] if old and name == "camera_s" else 0.0
            clean[name] = _seconds(row.get(name, default), name)
    except (TypeError, ValueError, KeyError, OverflowError):
        return None
    return clean


def _clean_event(row: dict[str, Any]) -> dict[str, Any] | None:
    """A salvaged event row fit to store again, or None."""
    try:
        detail = json.loads(row.get("detail") or "{}")
        if not isinstance(detail, dict):
            return None
        return {
            "id": int(row["id"]),
            "at": format_instant(parse_time(str(row["at"]))),
            "kind": EventKind(row["kind"]).value,
            "detail": json.dumps(detail, sort_keys=True, separators=(",", ":")),
        }
    except (TypeError, ValueError, KeyError, OverflowError):
        return None


def _salvage(aside: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Readable minute and event rows from a damaged database, read from a
    temporary copy so the damaged file itself is never opened for writing."""
    with tempfile.TemporaryDirectory(prefix="posturewatch-salvage-") as tmp:
        copy = Path(tmp) / "damaged.db"
        shutil.copyfile(aside, copy)
        if Path(f"{aside}-wal").exists():
            shutil.copyfile(Path(f"{aside}-wal"), Path(f"{copy}-wal"))
        # Page by page first, from the pristine copy (SQL below may write to it).
        records = read_records(copy)
        minutes: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        try:
            conn = sqlite3.connect(copy)
            # Lets SQLite read a truncated file (header page count > file size)
            # instead of refusing it whole; this connection never writes.
            conn.execute("PRAGMA writable_schema = ON")
        except sqlite3.Error:
            conn = None
        if conn is not None:
            deadline = time.monotonic() + SALVAGE_SQL_S
            # A damaged b-tree can send SQLite round in circles: give up on SQL
            # after a while (the page-by-page read already has what it found).
            conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            try:
                minutes = _salvage_table(
                    conn, "minutes", MINUTE_COLUMNS, _minute_to_int, _int_to_minute,
                    ceiling=_minute_to_int("9999-12-31T23:59:00Z"),
                )
                events = _salvage_table(
                    conn, "events", EVENT_COLUMNS, int, int, ceiling=2**62,
                )
            finally:
                conn.close()
    # SQL's rows first (they are the table's, by name); the pages add the rows
    # SQL could not reach, matched by shape and validated like any other.
    clean_minutes = _unique(map(_clean_minute, [
        *minutes, *(dict(zip(MINUTE_COLUMNS, v, strict=True))
                    for v in records.index_rows if len(v) == len(MINUTE_COLUMNS))]), "minute")
    clean_events = _unique(map(_clean_event, [
        *events, *({"id": rowid, "at": v[1], "kind": v[2], "detail": v[3]}
                   for rowid, v in records.table_rows if len(v) == 4 and v[0] is None)]), "id")
    return clean_minutes, clean_events


SALVAGE_SQL_S = 20.0


def _unique(rows: Iterable[dict[str, Any] | None], key: str) -> list[dict[str, Any]]:
    """Rows that passed cleaning, the first of each key, in key order."""
    seen: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if row is not None and row[key] not in seen:
            seen[row[key]] = row
    return [seen[k] for k in sorted(seen)]


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _lenient_text(raw: bytes) -> str:
    # SQLite does not check that text is UTF-8: damaged bytes inside a sound
    # page would fail a whole query in Python. They become U+FFFD here, and
    # the readers below drop rows whose time no longer parses.
    return raw.decode("utf-8", "replace")


def _connect(target: str, uri: bool, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target, uri=uri, timeout=busy_timeout_ms / 1000, check_same_thread=False
    )
    conn.text_factory = _lenient_text
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
    return conn


class Store:
    """The monitor's database. See the module docstring for tables and rules.

    ``Store(path)`` creates the parent folder, opens the file (moving a
    damaged one aside and salvaging it), turns on WAL, sets the busy timeout
    and migrates. ``busy_timeout_ms`` is how long a write waits for another
    process's lock before its rows are kept in memory; ``clock`` names the
    damaged file only. Every method may be called from any thread.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        max_pending: int = DEFAULT_MAX_PENDING,
        clock: Callable[[], datetime] = _now,
        _readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self.readonly = _readonly
        self.recovery: Recovery | None = None
        self._lock = threading.RLock()
        self._pending: deque[tuple[str, dict[str, Any]]] = deque()
        self._max_pending = max_pending
        self._failing = False
        self._dropped = 0
        self._closed = False

        if _readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"no database at {self.path}")
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            conn = _connect(uri, True, busy_timeout_ms)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                conn.close()
                if os.access(self.path.parent, os.W_OK):
                    raise
                # A folder this user cannot write (a read-only mount, another
                # owner): SQLite cannot make the write-ahead log's shared-memory
                # file there, and nobody can be writing the database: read the
                # file as it is.
                conn = _connect(f"{uri}&immutable=1", True, busy_timeout_ms)
            self._db = sqlite_utils.Database(conn, execute_plugins=False)
            return

        self._busy_timeout_ms = busy_timeout_ms
        self._clock = clock
        self._wal_blocked = False
        make_private_dir(self.path.parent)
        self._open()

    def _open(self) -> None:
        """Check the file (``PRAGMA quick_check``), move a damaged one aside,
        open it as a private (0600) file in WAL mode, migrate, salvage."""
        aside: Path | None = None
        problem = None
        if self.path.exists() and self.path.stat().st_size > 0:
            problem = _damage(self.path, self._busy_timeout_ms)
            if problem is not None:
                aside = _move_aside(self.path, self._clock())
                log.error("database %s is damaged (%s); moved it aside to %s",
                          self.path, problem, aside.name)
        private_file(self.path)
        conn = _connect(str(self.path), False, self._busy_timeout_ms)
        self._db = sqlite_utils.Database(conn, execute_plugins=False)
        try:
            self._db.enable_wal()
            # After a checkpoint empties the write-ahead log, cut its file back.
            conn.execute(f"PRAGMA journal_size_limit = {WAL_KEEP_BYTES:d}")
            migrate(self._db)
        except BaseException:
            conn.close()
            raise
        if aside is not None and problem is not None:
            self._restore(aside, problem)

    def _recover_while_running(self, problem: str) -> None:
        """The database was damaged while open: keep a copy of it as it is now
        (``NAME.damaged-STAMP``, with its WAL), start a fresh file, salvage
        the copy into it. Rows held in memory stay held and are written next."""
        with self._lock:
            stamp = _utc(self._clock(), "clock()").strftime("%Y%m%dT%H%M%S")
            aside = _free_name(self.path, stamp)
            # Copy first: closing the connection checkpoints into the damaged
            # file, and the copy must show the damage as it was found.
            shutil.copyfile(self.path, aside)
            wal = Path(f"{self.path}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{aside}-wal"))
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            for stale in (self.path, *(c for _, c in _companions(self.path))):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
            log.error("database %s was damaged while running (%s); kept a copy as %s and "
                      "started a fresh one", self.path, problem, aside.name)
            self._open()
            self._restore(aside, problem)

    def check_integrity(self) -> str | None:
        """``PRAGMA quick_check`` now; on damage, recover (see
        :meth:`_recover_while_running`) and return what was wrong, else None.
        The monitor calls it once a day; a failed write calls it too."""
        self._check_writable()
        with self._lock:
            problem = _damage(self.path, self._busy_timeout_ms)
            if problem is not None:
                self._recover_while_running(problem)
            return problem

    @classmethod
    def open_readonly(
        cls, path: Path | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    ) -> Store:
        """Open an existing database for reading only: no migration, no repair,
        writes raise PermissionError. FileNotFoundError when it is missing."""
        return cls(path, busy_timeout_ms=busy_timeout_ms, _readonly=True)

    def _restore(self, aside: Path, problem: str) -> None:
        minutes, events = _salvage(aside)
        with self._lock, _write_transaction(self._db.conn):
            self._db.conn.executemany(_UPSERT_MINUTE, minutes)
            if events:
                self._db["events"].insert_all(events, ignore=True)
            self._db["meta"].insert_all(
                [
                    {"key": "recovered_from", "value": aside.name},
                    {"key": "recovered_rows", "value": str(len(minutes) + len(events))},
                ],
                pk="key",
                replace=True,
            )
        self.recovery = Recovery(aside, problem, len(minutes), len(events))
        log.error(
            "recovered %d minute rows and %d events from the damaged database into a "
            "fresh %s; rows on unreadable pages are lost; the damaged file is kept as %s",
            len(minutes), len(events), self.path.name, aside.name,
        )

    # -- writing -----------------------------------------------------------

    def write(self, item: Event | MinuteSummary) -> bool:
        """Store one event or minute summary (a minute already stored is merged,
        see :func:`merge_minutes`). Called from the sampling thread.

        Returns True when everything written so far is on disk, False when rows
        are held in memory because the database is locked (retried on the next
        write or :meth:`flush`). ValueError for a naive time, TypeError for
        anything else than an Event or MinuteSummary.
        """
        return self.write_many([item])

    def write_many(self, items: Iterable[Event | MinuteSummary]) -> bool:
        """Store several items in one transaction; see :meth:`write`. All items
        are checked before any is queued, so a bad one stores none."""
        self._check_writable()
        queued = [self._prepare(item) for item in items]
        with self._lock:
            self._pending.extend(queued)
            self.flush()
            overflow = len(self._pending) - self._max_pending
            if overflow > 0:
                for _ in range(overflow):
                    self._pending.popleft()
                if not self._dropped:
                    log.error("more than %d rows waiting for the database; dropping the "
                              "oldest", self._max_pending)
                self._dropped += overflow
            return not self._pending

    @staticmethod
    def _prepare(item: Event | MinuteSummary) -> tuple[str, dict[str, Any]]:
        if isinstance(item, MinuteSummary):
            return "minutes", minute_row(item)
        if isinstance(item, Event):
            return "events", event_row(item)
        raise TypeError(f"cannot store a {type(item).__name__}; expected Event or MinuteSummary")

    def flush(self) -> int:
        """Try to write the rows held in memory; return how many were written.

        A lock, full disk, read-only file or I/O error keeps them (logged once
        per episode, as a sentence with the fix); the first failure of an
        episode runs ``PRAGMA quick_check`` and a damaged file is set aside and
        salvaged into a fresh one, which then takes the rows. While failing,
        retries do not wait for the busy timeout, so a long lock never delays
        the sampling loop. Rows also wait while the write-ahead log is over
        :data:`WAL_LIMIT_BYTES` and a reader stops the checkpoint. Any other
        database error is a bug and is raised.
        """
        self._check_writable()
        with self._lock:
            if not self._pending or not self._wal_has_room():
                return 0
            items = list(self._pending)
            minutes = [row for table, row in items if table == "minutes"]
            events = [row for table, row in items if table == "events"]
            retrying = self._failing
            try:
                if retrying:
                    self._db.conn.execute("PRAGMA busy_timeout = 0")
                with _write_transaction(self._db.conn):
                    if minutes:
                        self._db.conn.executemany(_UPSERT_MINUTE, minutes)
                    if events:
                        self._db["events"].insert_all(events)
            except sqlite3.Error as error:
                if not _is_transient(error):
                    raise
                if not self._failing:
                    self._failing = True
                    problem = _damage(self.path, self._busy_timeout_ms)
                    if problem is not None:
                        self._recover_while_running(problem)
                        return self.flush()
                    log.warning(
                        "cannot write to %s (%s); keeping %d row(s) in memory and retrying "
                        "on the next write. %s", self.path, error, len(items),
                        self._advice(error),
                    )
                return 0
            finally:
                if retrying:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.conn.execute(
                            f"PRAGMA busy_timeout = {int(self._busy_timeout_ms):d}")
            self._pending.clear()
            if self._failing:
                log.info("database writable again; wrote %d row(s) held in memory",
                         len(items))
                self._failing = False
            return len(items)

    def _advice(self, error: sqlite3.Error) -> str:
        if _error_code(error) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return "Another program holds it locked; the rows are written when it lets go."
        return explain(self.path, error)

    def _wal_has_room(self) -> bool:
        """False while the write-ahead log is over :data:`WAL_LIMIT_BYTES` and a
        checkpoint cannot empty it (another connection's read transaction
        pins it): then new rows wait in memory, logged once."""
        try:
            size = os.path.getsize(f"{self.path}-wal")
        except OSError:
            return True
        if size > WAL_LIMIT_BYTES:
            try:
                _busy, frames, done = self._db.conn.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                return True  # the write itself will say what is wrong
            if frames > 0 and done < frames:
                if not self._wal_blocked:
                    log.warning(
                        "the write-ahead log %s-wal has grown to %.0f MB because another "
                        "program keeps a read transaction open on the database (a database "
                        "browser, or a script that did not commit); PostureWatch keeps new "
                        "rows in memory until that program closes it", self.path,
                        size / 1e6)
                    self._wal_blocked = True
                return False
        if self._wal_blocked:
            log.info("the write-ahead log of %s checkpointed; writing the %d row(s) held",
                     self.path, len(self._pending))
            self._wal_blocked = False
        return True

    @property
    def pending(self) -> int:
        """Rows held in memory, not yet on disk."""
        with self._lock:
            return len(self._pending)

    def _check_writable(self) -> None:
        if self.readonly:
            raise PermissionError(f"{self.path} was opened read-only")
        if self._closed:
            raise ValueError("the store is closed")

    def apply_retention(self, now: datetime, days: int) -> int:
        """Delete minutes and events older than ``days`` (UTC); return how many
        rows were removed. A locked database removes nothing this time
        (logged) and returns 0; call again later.

        The clock is not trusted alone: the cutoff is ``days`` before the
        earlier of ``now`` and the newest row stored, so a clock set years
        ahead deletes nothing that the stored data says is recent. A pass that
        would delete more than :data:`RETENTION_WARN_SHARE` of the rows says so
        with a warning (the clock may be wrong, or the setting was lowered).
        """
        self._check_writable()
        if days < 1:
            raise ValueError(f"retention must be at least 1 day, got {days}")
        now = _utc(now, "now")
        with self._lock:
            newest = self.newest_time()
            judge = min(now, newest) if newest is not None else now
            cutoff = judge - timedelta(days=days)
            minute_bound = _minute_bound(cutoff, "cutoff")
            instant = format_instant(cutoff)
            try:
                with _write_transaction(self._db.conn):
                    total = self._db.execute(
                        "SELECT (SELECT count(*) FROM minutes) + (SELECT count(*) FROM events)"
                    ).fetchone()[0]
                    removed = self._db.execute(
                        "DELETE FROM minutes WHERE minute < ?", [minute_bound]).rowcount
                    removed += self._db.execute(
                        "DELETE FROM events WHERE at < ?", [instant]).rowcount
            except sqlite3.Error as error:
                if not _is_transient(error):
                    raise
                log.warning("retention skipped: cannot write to %s (%s)", self.path, error)
                return 0
        if removed and removed > RETENTION_WARN_SHARE * total:
            log.warning(
                "retention removed %d of %d rows (%.0f%%): everything before %s, %d days "
                "before %s (the earlier of the clock, %s, and the newest row). If the "
                "clock is wrong, fix it; the rows are gone.", removed, total,
                100 * removed / total, instant, days,
                format_instant(judge), format_instant(now))
        elif removed:
            log.info("retention removed %d rows older than %s", removed, instant)
        return removed

    def newest_time(self) -> datetime | None:
        """The newest time stored: the latest minute's start or event, UTC;
        None for an empty database."""
        with self._lock:
            row = self._db.execute(
                "SELECT (SELECT max(minute) FROM minutes), (SELECT max(at) FROM events)"
            ).fetchone()
        times = []
        for text in row:
            if text is None:
                continue
            with contextlib.suppress(ValueError, TypeError):
                times.append(parse_time(str(text)))
        return max(times) if times else None

    def set_meta(self, key: str, value: str) -> None:
        """Keep a small fact in the ``meta`` table (written at once, not queued)."""
        self._check_writable()
        with self._lock, _write_transaction(self._db.conn):
            self._db["meta"].insert({"key": key, "value": value}, pk="key", replace=True)

    # -- reading -----------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            if self._pending and not self.readonly:
                self.flush()
            return list(self._db.query(sql, list(params)))

    def minutes(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Minute rows whose minute starts in ``[start, end)``, oldest first.

        Rows are dicts with the ``minutes`` columns; ``minute`` is the stored
        UTC string. A read-only store of an older file gives the columns the
        file has (see :meth:`columns`), and no rows without the table.
        ValueError for naive bounds.
        """
        bounds = [_minute_bound(start, "start"), _minute_bound(end, "end")]
        have = self.columns("minutes")
        if "minute" not in have:
            return []
        wanted = ", ".join(c for c in MINUTE_COLUMNS if c in have)
        return self._readable(self._query(
            f"SELECT {wanted} FROM minutes WHERE minute >= ? AND minute < ? ORDER BY minute",
            bounds,
        ), "minute")

    def _readable(self, rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        """``rows`` without those whose time ``key`` no longer parses (damaged
        bytes that ``PRAGMA quick_check`` does not look at); logged."""
        kept = []
        for row in rows:
            try:
                parse_time(str(row[key]))
            except (ValueError, TypeError, OverflowError):
                continue
            kept.append(row)
        if len(kept) < len(rows):
            log.warning("skipped %d unreadable row(s) of %s (damaged bytes); the rest is "
                        "read as usual", len(rows) - len(kept), self.path)
        return kept

    def events(
        self,
        start: datetime,
        end: datetime,
        kinds: Iterable[EventKind | str] | None = None,
    ) -> list[dict[str, Any]]:
        """Events with ``start <= at < end`` (millisecond precision), oldest
        first, optionally only the given kinds. ``detail`` comes back as a
        dict (``{}`` when the file has none or it is not a JSON object), ``at``
        as the stored UTC string; no rows without the table (an older file,
        read-only). ValueError for naive bounds or an unknown kind."""
        params: list[Any] = [format_instant(start), format_instant(end)]
        values = None if kinds is None else [EventKind(k).value for k in kinds]
        have = self.columns("events")
        if values == [] or not {"at", "kind"} <= set(have):
            return []
        wanted = ", ".join(c for c in EVENT_COLUMNS if c in have)
        sql = f"SELECT {wanted} FROM events WHERE at >= ? AND at < ?"
        if values is not None:
            sql += f" AND kind IN ({', '.join('?' for _ in values)})"
            params += values
        sql += " ORDER BY at, id" if "id" in have else " ORDER BY at"
        return [self._parse_event(r) for r in self._readable(self._query(sql, params), "at")]

    def last_event(self, kind: EventKind | str) -> dict[str, Any] | None:
        """The newest event of ``kind`` (same shape as :meth:`events`), or None."""
        rows = self._query(
            "SELECT id, at, kind, detail FROM events WHERE kind = ?"
            " ORDER BY at DESC, id DESC LIMIT 1",
            [EventKind(kind).value],
        )
        return self._parse_event(rows[0]) if rows else None

    @staticmethod
    def _parse_event(row: dict[str, Any]) -> dict[str, Any]:
        try:
            detail = loads_json(row.get("detail") or "{}")
        except ValueError:  # a damaged or hand-edited row (bounded): keep the event
            detail = {}
        return {**row, "detail": detail if isinstance(detail, dict) else {}}

    def oldest_minute(self) -> datetime | None:
        """The start of the oldest minute summary (UTC), or None (no rows, or
        no table in an older file opened read-only)."""
        if "minute" not in self.columns("minutes"):
            return None
        rows = self._query("SELECT min(minute) AS first FROM minutes")
        first = rows[0]["first"] if rows else None
        return parse_time(first) if first else None

    def columns(self, table: str) -> tuple[str, ...]:
        """The columns ``table`` has in this file, in table order; empty when
        the file has no such table. A store opened read-only is not migrated,
        so an older file may lack columns or tables this version writes."""
        with self._lock:
            return tuple(c.name for c in self._db.table(table).columns)

    def get_meta(self, key: str) -> str | None:
        """A value from the ``meta`` table, or None."""
        if self.schema_version < 2:
            return None
        rows = self._query("SELECT value FROM meta WHERE key = ?", [key])
        return rows[0]["value"] if rows else None

    @property
    def schema_version(self) -> int:
        """The database's ``PRAGMA user_version``."""
        with self._lock:
            return _user_version(self._db.conn)

    def size_bytes(self) -> int:
        """Bytes on disk: the database file plus its write-ahead log."""
        paths = [self.path, Path(f"{self.path}-wal")]
        return sum(p.stat().st_size for p in paths if p.exists())

    # -- closing -----------------------------------------------------------

    def close(self) -> None:
        """Write what is held in memory if the database allows, checkpoint the
        WAL into the main file and close. Rows still held are logged as lost.
        Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            if not self.readonly:
                self.flush()
                if self._pending:
                    log.error("closing %s with %d row(s) that could not be written; "
                              "they are lost", self.path, len(self._pending))
                    self._pending.clear()
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
            self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_store(path: Path, opener: Callable[[Path], Any] | None = None,
               **waiting: Any) -> Store | WaitingStore:
    """The monitor's store: the real one at ``path`` (``opener``, default
    :class:`Store`), or a ``storage_faults.WaitingStore`` that holds rows in
    memory and retries (with the reason logged as one sentence) when it
    cannot be opened now. Both keep ``store_protocol.MonitorStore``."""
    opener = opener or Store
    try:
        return opener(path)
    except (OSError, sqlite3.Error, ValueError) as error:
        message = explain(path, error)
        log.error("%s PostureWatch keeps monitoring and holds new rows in memory; it tries "
                  "again every minute.", message)
        return WaitingStore(path, opener, message, **waiting)


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check(db_path: Path | None = None) -> Check:
    """The database: there and writable, or its folder writable (opened read-only)."""
    from posturewatch import paths

    path = db_path or paths.database_path()
    if not path.exists():
        folder = path.parent
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is None or not os.access(existing, os.W_OK):
            return Check("database", Status.FAIL, f"cannot create {path}: {existing} is not "
                         "writable", "Make the folder writable, or set POSTUREWATCH_HOME.")
        if folder.exists():
            with tempfile.NamedTemporaryFile(dir=folder):
                pass
        return Check("database", Status.OK, f"no database yet; it will be created at {path}")
    with Store.open_readonly(path) as store:
        version = store.schema_version
        size = store.size_bytes()
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    detail = f"{path} (schema {version}, {size / 1024:.0f} KiB)"
    if not writable:
        return Check("database", Status.FAIL, f"{detail} is read-only",
                     "Give your user write access to the file and its folder.")
    return Check("database", Status.OK, detail)

"""Storage faults: each one is a sentence with the fix, and monitoring goes on.

Start-up faults are made for real (tests/sandbox.py): a read-only bind mount
over the data folder, files left owned by root with the program running as
``nobody``, a file where the data folder should be. Run-time faults are bytes
written into the pages of a real database while it is open, and a reader
that keeps a read transaction open.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sandbox

from posturewatch import store as store_module
from posturewatch.model import Event, EventKind, MinuteSummary
from posturewatch.storage_faults import WaitingStore, explain
from posturewatch.store import Store, open_store

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def minute(i: int, present: float = 60.0) -> MinuteSummary:
    return MinuteSummary(T0 + timedelta(minutes=i), present, present, 0.0, 60.0 - present,
                         0.0, 12, 0.9, 1.2, 0.45, 0.2)


@pytest.fixture
def desk(astronaut_video: Callable[..., Path]) -> Iterator[Path]:
    """A folder nobody can reach, with a short video in it."""
    sandbox.require()
    folder = sandbox.desk()
    video = folder / "clip.avi"
    shutil.copyfile(astronaut_video(n_astronaut=2, n_blank=1), video)
    video.chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def first_run(home: Path, video: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "posturewatch", "run", "--headless",
                           "--source", str(video)], env=sandbox.plain_env(home),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def read_only_data(home: Path) -> dict[str, object]:
    return {"read_only": [home / "data"]}


def root_owned_database(home: Path) -> dict[str, object]:
    sandbox.give_to_nobody(home)
    os.chown(home / "data" / "posturewatch.db", 0, 0)  # left by one `sudo posturewatch run`
    return {"user": "nobody"}


def file_for_a_folder(home: Path) -> dict[str, object]:
    shutil.rmtree(home / "data")
    (home / "data").write_text("not a folder")
    return {}


@pytest.mark.model
@pytest.mark.parametrize(("fault", "sentence"), [
    (read_only_data, "is on a read-only file system. Fix: remount it read-write"),
    (root_owned_database, "is owned by root (uid 0) (mode 0600) and you are nobody "
                          "(uid 65534). Fix: sudo chown nobody"),
    (file_for_a_folder, "is a file where PostureWatch needs a folder. Fix: move it aside"),
])
def test_a_storage_fault_at_start_up_is_a_sentence_and_monitoring_goes_on(
        desk: Path, fault: Callable[[Path], dict[str, object]], sentence: str) -> None:
    home = desk / "home"
    first_run(home, desk / "clip.avi")
    how = fault(home)
    env = sandbox.plain_env(home)
    ran = sandbox.run(["run", "--headless", "--source", str(desk / "clip.avi")], env,
                      scratch=desk / "scratch", **how)  # type: ignore[arg-type]
    assert "Traceback" not in ran.stderr, ran.stderr
    assert ran.returncode == 0, ran.stderr
    assert sentence in ran.stderr
    assert "holds new rows in memory" in ran.stderr
    assert "Stopped." in ran.stdout  # it monitored the whole video

    report = sandbox.run(["report"], env, scratch=desk / "scratch2", **how)  # type: ignore[arg-type]
    assert "Traceback" not in report.stderr, report.stderr
    assert report.returncode == 0 or sentence.split(". Fix")[0] in report.stderr


def test_rows_wait_in_memory_until_the_database_can_be_opened(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    clock = [0.0]
    waiting = open_store(blocker / "pw.db", retry_s=60, monotonic=lambda: clock[0])
    assert isinstance(waiting, WaitingStore)
    assert "is a file where PostureWatch needs a folder" in waiting.problem
    assert waiting.write(minute(0)) is False
    waiting.set_meta("weekly_report_announced", "2026-W47")
    assert waiting.get_meta("weekly_report_announced") == "2026-W47"
    blocker.unlink()
    clock[0] = 30.0
    assert waiting.write(minute(1)) is False  # not retried yet
    clock[0] = 61.0
    assert waiting.write(minute(2)) is True
    waiting.close()
    with Store(blocker / "pw.db") as store:
        assert len(store.minutes(T0, T0 + timedelta(hours=1))) == 3
        assert store.get_meta("weekly_report_announced") == "2026-W47"


def test_a_full_disk_is_named_as_such(tmp_path: Path) -> None:
    message = explain(tmp_path / "pw.db", OSError(errno.ENOSPC, "No space left on device"))
    assert "the disk holding it is full" in message and "MB free" in message


# --- damage while running ------------------------------------------------------


def root_page(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                          [table]).fetchone()[0]


def damage_page(path: Path, page: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek((page - 1) * 4096)
        handle.write(b"\xa5" * 64)  # the page header and its first cell pointers


def test_a_write_that_fails_on_damage_checks_and_recovers_the_file(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "pw.db"
    store = Store(path, clock=lambda: T0 + timedelta(days=1))
    store.write_many([minute(i) for i in range(400)])  # several leaves under one root
    damage_page(path, root_page(path, "minutes"))
    with sqlite3.connect(path) as other:  # another writer: the store must reread pages
        other.execute("INSERT INTO events (at, kind, detail) VALUES "
                      "('2026-11-16T12:00:00.000Z', 'water_logged', '{}')")
    assert store.write(minute(400)) is True  # into a fresh file
    # Only the few rows kept in the damaged root page itself are lost: SQL
    # alone could not get past that page to any leaf.
    assert store.recovery is not None and 390 <= store.recovery.minutes < 400
    kept = store.minutes(T0, T0 + timedelta(days=1))
    assert len(kept) == store.recovery.minutes + 1
    asides = list(tmp_path.glob("pw.db.damaged-*"))
    assert [p.name for p in asides if not p.name.endswith("-wal")] == [
        "pw.db.damaged-20261117T090000"]
    assert any("was damaged while running" in r.getMessage() for r in caplog.records)
    store.close()


def test_the_daily_check_finds_damage_no_write_touched(tmp_path: Path) -> None:
    path = tmp_path / "pw.db"
    with Store(path) as store:
        store.write_many([Event(EventKind.WATER_LOGGED, T0 + timedelta(minutes=i), {"n": i})
                          for i in range(300)])
        store.write(minute(0))
        assert store.check_integrity() is None
        damage_page(path, root_page(path, "events"))
        problem = store.check_integrity()
        assert problem is not None
        assert store.recovery is not None and store.recovery.events == 300
        assert len(store.events(T0, T0 + timedelta(days=1))) == 300
        store.write(minute(1))


# --- the write-ahead log -------------------------------------------------------


def test_the_wal_stays_bounded_while_a_reader_holds_a_transaction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(store_module, "WAL_LIMIT_BYTES", 512 * 1024)
    path = tmp_path / "pw.db"
    wal = Path(f"{path}-wal")
    store = Store(path)
    store.write(minute(0))
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM minutes").fetchone()  # pins its snapshot
    largest = 0
    for i in range(1, 600):  # one transaction a minute, like the monitor
        store.write(minute(i))
        largest = max(largest, wal.stat().st_size)
    assert largest < 512 * 1024 + 64 * 1024  # one transaction past the limit at most
    assert store.pending > 0
    assert any("keeps a read transaction open" in r.getMessage() for r in caplog.records)
    reader.execute("COMMIT")
    reader.close()
    assert store.write(minute(600)) is True
    assert store.pending == 0
    assert len(store.minutes(T0, T0 + timedelta(days=1))) == 601
    store.write(minute(601))  # the log starts over and is cut back
    assert wal.stat().st_size <= store_module.WAL_KEEP_BYTES
    store.close()


@pytest.mark.model
def test_replay_into_an_impossible_database_is_a_sentence(
        tmp_path: Path, astronaut_video: Callable[..., Path]) -> None:
    from click.testing import CliRunner

    from posturewatch.cli import cli

    (tmp_path / "data").write_text("a file")
    result = CliRunner().invoke(cli, ["replay", str(astronaut_video(n_astronaut=1, n_blank=0)),
                                      "--db", str(tmp_path / "data" / "replay.db")])
    assert result.exit_code == 2
    assert "is a file where PostureWatch needs a folder" in result.output

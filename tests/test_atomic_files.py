"""The one atomic writer: the target is the old file or the new one, never
half, and nothing is left beside it."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from posturewatch.atomic_files import atomic_file, write_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "status.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_file(target) as out:
        out.write("half of the new")
        raise RuntimeError("the disk filled up")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["status.json"]
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["status.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_permissions_private_kept_or_from_the_umask(tmp_path: Path) -> None:
    private = tmp_path / "baseline.json"
    stale = tmp_path / f".baseline.json.{os.getpid()}.tmp"  # left by a crash, world-readable
    stale.write_text("x")
    stale.chmod(0o644)
    write_atomic(private, "{}", perms=0o600)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    config = tmp_path / "config.toml"
    config.write_text("a = 1\n")
    config.chmod(0o640)
    write_atomic(config, b"a = 2\n", keep_perms=True)
    assert stat.S_IMODE(config.stat().st_mode) == 0o640 and config.read_bytes() == b"a = 2\n"


def test_text_keeps_the_newline_asked_for(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_atomic(target, "a,b\r\n1,2\r\n", newline="")
    assert target.read_bytes() == b"a,b\r\n1,2\r\n"

"""Private by default: every folder PostureWatch makes is 0700 and every file
0600 (Linux and macOS), because together they say when a person sat and
slouched. A fresh install's defaults: no settings, no test-only variables."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from posturewatch import paths

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows: the profile's ACLs do this")


def modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode)
            for p in [root, *root.rglob("*")]}


def fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTUREWATCH_")}
    return dict(env, POSTUREWATCH_HOME=str(home), TZ="UTC")


@pytest.mark.model
def test_a_run_and_a_report_leave_only_private_files(
        tmp_path: Path, astronaut_video: Callable[..., Path]) -> None:
    home = tmp_path / "home"
    env = fresh_env(home)
    video = astronaut_video(n_astronaut=3, n_blank=1)
    for args in (["run", "--headless", "--source", str(video)], ["report", "--format", "html"]):
        done = subprocess.run([sys.executable, "-m", "posturewatch", *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    found = modes(home)
    assert {"data/posturewatch.db", "log/posturewatch.log", "state/status.json",
            "state/posturewatch.lock", "data/reports"} <= set(found)
    loose = {name: oct(mode) for name, mode in found.items()
             if mode != (0o700 if (home / name).is_dir() else 0o600)}
    assert loose == {}


@pytest.mark.model
def test_files_from_an_earlier_version_are_made_private_at_start(
        tmp_path: Path, astronaut_video: Callable[..., Path]) -> None:
    home = tmp_path / "home"
    for name in ("data", "config", "state", "log"):
        (home / name).mkdir(parents=True, mode=0o755)
        (home / name).chmod(0o755)
    old = [home / "data" / "baseline.json", home / "config" / "config.toml",
           home / "data" / "reports" / "2026-W47.html"]
    for path in old:
        path.parent.mkdir(exist_ok=True)
        path.write_text("{}" if path.suffix == ".json" else "")
        path.chmod(0o644)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("")
    outside.chmod(0o644)
    (home / "data" / "link").symlink_to(outside)
    done = subprocess.run([sys.executable, "-m", "posturewatch", "run", "--headless",
                           "--source", str(astronaut_video(n_astronaut=1, n_blank=1))],
                          env=fresh_env(home), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for path in old:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, path.parent
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # a link is never followed


def test_the_umask_becomes_private_and_a_stricter_one_is_kept(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        for umask, expected in ((0o022, 0o077), (0o027, 0o077), (0o077, 0o077), (0o177, 0o177)):
            os.umask(umask)
            assert paths.private_umask() == umask  # returned, to restore it
            assert os.umask(umask) == expected
        os.umask(0o002)  # even a loose umask: the helpers ask for 0600 / 0700 themselves
        paths.write_private_text(tmp_path / "a" / "status.json", "{}")
        paths.private_file(tmp_path / "a" / "x.db")
    finally:
        os.umask(before)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "status.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a" / "x.db").stat().st_mode) == 0o600


def test_a_folder_that_is_not_posturewatchs_own_is_left_alone(tmp_path: Path) -> None:
    # `--db /tmp/x.db`: the database is private, the folder it was put in is not ours.
    from posturewatch.store import Store

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    Store(shared / "x.db").close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "x.db").stat().st_mode) == 0o600

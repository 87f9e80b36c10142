"""Probes, run by hand (not in CI): what a careful administrator and a hostile
user can do to PostureWatch's policy, storage and files (issue 11).

    sudo .venv/bin/python bench/fault_probes.py [--tree DIR] [--only NAME ...]

``--tree`` runs another checkout's ``posturewatch`` package (its folder goes
first on ``PYTHONPATH``; the packages come from this venv), so the same probes
show the code before and after a change. Prints one line per probe: its name,
what it did, and what happened. Needs Linux and root for the probes that
mount (an overlay on /etc, a read-only bind mount, each in a private mount
namespace via ``unshare -m``) or run as ``nobody`` (``setpriv``); those say
"skipped" elsewhere. Nothing outside temporary folders is changed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PY = sys.executable
WORK = Path(tempfile.mkdtemp(prefix="pw-probes-"))
WORK.chmod(0o755)
TREE = HERE
PROBES: dict[str, Callable[[], str]] = {}


def probe(func: Callable[[], str]) -> Callable[[], str]:
    PROBES[func.__name__] = func
    return func


def env(home: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTUREWATCH_")}
    base.update(POSTUREWATCH_HOME=str(home), HOME=str(home), TZ="UTC",
                PYTHONPATH=str(TREE), **extra)
    return base


def pw(args: list[str], environ: dict[str, str], *, policy: str | None = None,
       policy_mode: int = 0o644, user: str | None = None, read_only: list[Path] = (),
       timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m posturewatch ARGS``, optionally sandboxed (see the module docstring)."""
    command = [PY, "-m", "posturewatch", *args]
    if user:
        command = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", "--",
                   *command]
    if policy is None and not read_only:
        return subprocess.run(command, env=environ, capture_output=True, text=True,
                              timeout=timeout, cwd=WORK)
    scratch = Path(tempfile.mkdtemp(dir=WORK))
    steps = ["set -e"]
    steps += [f"mount --bind -o ro {shlex.quote(str(d))} {shlex.quote(str(d))}"
              for d in read_only]
    if policy is not None:
        (scratch / "u").mkdir()
        (scratch / "w").mkdir()
        (scratch / "policy.toml").write_text(policy)
        steps += [f"mount -t overlay overlay -o lowerdir=/etc,upperdir={scratch}/u,"
                  f"workdir={scratch}/w /etc", "mkdir -p /etc/posturewatch",
                  f"cp {scratch}/policy.toml /etc/posturewatch/policy.toml",
                  f"chmod {policy_mode:o} /etc/posturewatch/policy.toml"]
    steps.append("exec " + " ".join(shlex.quote(c) for c in command))
    return subprocess.run(["unshare", "-m", "sh", "-c", "\n".join(steps)], env=environ,
                          capture_output=True, text=True, timeout=timeout, cwd=WORK)


def sandboxed() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0 and all(
        shutil.which(t) for t in ("unshare", "setpriv"))


VERBOSE = False


def outcome(done: subprocess.CompletedProcess[str]) -> str:
    if "Traceback" in done.stderr and VERBOSE:
        print(done.stderr, file=sys.stderr)
    if "Traceback" in done.stderr:
        last = [line for line in done.stderr.strip().splitlines() if line.strip()][-1]
        return f"traceback ({last[:70]})"
    return f"exit {done.returncode}"


def line_of(stdout: str, key: str) -> str:
    for line in stdout.splitlines():
        if line.startswith(key + " "):
            return " ".join(line.split())
    return f"{key}: (not shown)"


def video(name: str = "clip.avi", person: int = 3, blank: int = 1) -> Path:
    path = WORK / name
    if not path.exists():
        import cv2
        import numpy as np
        from skimage import data

        face = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (480, 480))
        frame = np.full((480, 640, 3), 128, np.uint8)
        frame[:, 80:560] = face
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (640, 480))
        for _ in range(person):
            writer.write(frame)
        for _ in range(blank):
            writer.write(np.full((480, 640, 3), 128, np.uint8))
        writer.release()
        path.chmod(0o644)
    return path


def home(name: str) -> Path:
    path = WORK / name
    path.mkdir()
    return path


def user_config(h: Path, text: str) -> None:
    (h / "config").mkdir(parents=True, exist_ok=True)
    (h / "config" / "config.toml").write_text(text)


# --- the policy ------------------------------------------------------------


@probe
def policy_syntax_error() -> str:
    h = home("p1")
    user_config(h, "sit_limit_min = 200\n")
    policy = WORK / "p1.toml"
    policy.write_text("[enforced]\nsit_limit_min = 20\nwater_nudges = fals\n")
    done = pw(["config", "show"], env(h, POSTUREWATCH_TEST_MODE="1",
                                      POSTUREWATCH_POLICY=str(policy)))
    return line_of(done.stdout, "sit_limit_min")


@probe
def policy_dev_null() -> str:
    if not sandboxed():
        return "skipped (needs root and util-linux)"
    h = home("p2")
    user_config(h, "sit_limit_min = 200\n")
    done = pw(["config", "show"], env(h, POSTUREWATCH_POLICY="/dev/null"),
              policy="[enforced]\nsit_limit_min = 20\n")
    return line_of(done.stdout, "sit_limit_min")


@probe
def policy_unreadable() -> str:
    if not sandboxed():
        return "skipped (needs root and util-linux)"
    h = home("p3")
    user_config(h, "sit_limit_min = 200\n")
    subprocess.run(["chown", "-R", "nobody:nogroup", str(h)], check=True)
    done = pw(["config", "show"], env(h), user="nobody", policy_mode=0o600,
              policy="[enforced]\nsit_limit_min = 20\n")
    return line_of(done.stdout, "sit_limit_min")


@probe
def fake_clock_under_policy() -> str:
    if not sandboxed():
        return "skipped (needs root and util-linux)"
    h = home("p4")
    done = pw(["run", "--headless", "--source", str(video())],
              env(h, POSTUREWATCH_TEST_MODE="1",
                  POSTUREWATCH_FAKE_CLOCK="600@2036-01-07T09:00:00+00:00"),
              policy="[enforced]\nretention_days = 90\n")
    with sqlite3.connect(h / "data" / "posturewatch.db") as db:
        years = sorted({m[:4] for (m,) in db.execute("SELECT minute FROM minutes")})
    return f"{outcome(done)}; minutes stored in {', '.join(years)}"


# --- time --------------------------------------------------------------------


def history(db: Path, n: int = 220) -> None:
    db.parent.mkdir(parents=True)
    code = (
        "import sys\nfrom datetime import datetime, timedelta, UTC\n"
        "from posturewatch.store import Store\nfrom posturewatch.model import MinuteSummary\n"
        f"s = Store({str(db)!r})\nt = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)\n"
        f"s.write_many([MinuteSummary(t - timedelta(minutes={n} - i), 60, 60, 0, 0, 0, 12)"
        f" for i in range({n})])\ns.close()\n")
    subprocess.run([PY, "-c", code], env=env(db.parent), check=True, cwd=WORK)


@probe
def clock_2036_retention() -> str:
    h = home("t1")
    db = h / "data" / "posturewatch.db"
    history(db)
    done = pw(["run", "--headless", "--source", str(video())],
              env(h, POSTUREWATCH_TEST_MODE="1",
                  POSTUREWATCH_FAKE_CLOCK="600@2036-01-07T09:00:00+00:00"))
    with sqlite3.connect(db) as conn:
        left = conn.execute("SELECT count(*) FROM minutes WHERE minute < '2027'").fetchone()[0]
    return f"{outcome(done)}; {left} of 220 rows from 2026 left"


@probe
def clock_back_across_restart() -> str:
    db = WORK / "t2.db"
    clip = video("person12.avi", person=12, blank=0)
    for _ in range(2):
        done = pw(["replay", str(clip), "--db", str(db), "--interval-s", "20",
                   "--start", "2026-03-02T09:00:00+00:00"], env(WORK / "t2home"))
    with sqlite3.connect(db) as conn:
        fullest = conn.execute("SELECT max(present_s+away_s+unknown_s) FROM minutes").fetchone()
        started = conn.execute(
            "SELECT count(*) FROM events WHERE kind = 'sitting_started'").fetchone()
    return (f"{outcome(done)}; fullest minute {fullest[0]:g} s, "
            f"{started[0]} sitting_started events (1 bout)")


@probe
def short_restart() -> str:
    h = home("t3")
    clip = video("person12.avi", person=12, blank=0)
    pw(["run", "--headless", "--source", str(clip), "--interval-s", "60"],
       env(h, POSTUREWATCH_TEST_MODE="1", POSTUREWATCH_FAKE_CLOCK="600@2026-03-02T09:00:00+00:00"))
    done = pw(["run", "--headless", "--source", str(video("person3.avi", 3, 0)),
               "--interval-s", "60"],
              env(h, POSTUREWATCH_TEST_MODE="1",
                  POSTUREWATCH_FAKE_CLOCK="600@2026-03-02T09:12:30+00:00"))
    import json

    sat = json.loads((h / "state" / "status.json").read_text()).get("sitting_s")
    return f"{outcome(done)}; after 11 min sitting, a 90 s restart, 2 min more: sitting {sat:g} s"


# --- storage -------------------------------------------------------------------


def first_run(h: Path) -> None:
    pw(["run", "--headless", "--source", str(video())], env(h))


@probe
def read_only_data_folder() -> str:
    if not sandboxed():
        return "skipped (needs root and util-linux)"
    h = home("s1")
    first_run(h)
    run = pw(["run", "--headless", "--source", str(video())], env(h), read_only=[h / "data"])
    report = pw(["report"], env(h), read_only=[h / "data"])
    return f"run: {outcome(run)}; report: {outcome(report)}"


@probe
def root_owned_files() -> str:
    if not sandboxed():
        return "skipped (needs root and util-linux)"
    h = home("s2")
    first_run(h)
    subprocess.run(["chown", "-R", "nobody:nogroup", str(h)], check=True)
    os.chown(h / "data" / "posturewatch.db", 0, 0)
    run = pw(["run", "--headless", "--source", str(video())], env(h), user="nobody")
    report = pw(["report"], env(h), user="nobody")
    return f"run: {outcome(run)}; report: {outcome(report)}"


@probe
def file_for_a_folder() -> str:
    h = home("s3")
    (h / "data").write_text("a file")
    run = pw(["run", "--headless", "--source", str(video())], env(h))
    report = pw(["report"], env(h))
    return f"run: {outcome(run)}; report: {outcome(report)}"


@probe
def damage_while_running() -> str:
    code = f"""
import sqlite3
from datetime import datetime, timedelta, UTC
from pathlib import Path
from posturewatch.store import Store
from posturewatch.model import MinuteSummary
p = Path({str(WORK / 'dmg.db')!r})
t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
m = lambda i: MinuteSummary(t + timedelta(minutes=i), 60, 60, 0, 0, 0, 12)
s = Store(p)
s.write_many([m(i) for i in range(400)])
c = sqlite3.connect(p); c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
root = c.execute("SELECT rootpage FROM sqlite_master WHERE name='minutes'").fetchone()[0]
c.close()
with open(p, "r+b") as f:
    f.seek((root - 1) * 4096); f.write(b"\\xa5" * 64)
c = sqlite3.connect(p)
c.execute("INSERT INTO events (at, kind, detail) VALUES "
          "('2026-03-02T12:00:00.000Z', 'water_logged', '{{}}')")
c.commit(); c.close()
ok = s.write(m(400))
rec = getattr(s, "recovery", None)
print(f"write after damage stored: {{ok}}; rows held: {{s.pending}}; "
      f"recovered: {{rec.minutes if rec else 'nothing (unnoticed)'}}")
"""
    done = subprocess.run([PY, "-c", code], env=env(WORK), capture_output=True, text=True,
                          timeout=120, cwd=WORK)
    return done.stdout.strip() or outcome(done)


@probe
def salvage_damaged_root_page() -> str:
    code = f"""
import sqlite3, logging
logging.disable(logging.CRITICAL)
from datetime import datetime, timedelta, UTC
from pathlib import Path
from posturewatch.store import Store
from posturewatch.model import MinuteSummary
p = Path({str(WORK / 'salv.db')!r})
t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
with Store(p) as s:
    s.write_many([MinuteSummary(t + timedelta(minutes=i), 50, 50, 10, 5, 5, 10)
                  for i in range(201)])
c = sqlite3.connect(p)
root = c.execute("SELECT rootpage FROM sqlite_master WHERE name='minutes'").fetchone()[0]
c.close()
with open(p, "r+b") as f:
    f.seek((root - 1) * 4096); f.write(b"\\xa5" * 40)
s = Store(p)
print(f"salvaged {{s.recovery.minutes if s.recovery else 0}} of 201 minute rows")
"""
    done = subprocess.run([PY, "-c", code], env=env(WORK), capture_output=True, text=True,
                          timeout=300, cwd=WORK)
    return done.stdout.strip() or outcome(done)


@probe
def wal_with_a_reader() -> str:
    code = f"""
import sqlite3
from datetime import datetime, timedelta, UTC
from pathlib import Path
from posturewatch.store import Store
from posturewatch.model import MinuteSummary
p = Path({str(WORK / 'wal.db')!r})
t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
s = Store(p)
s.write(MinuteSummary(t, 60, 60, 0, 0, 0, 1))
r = sqlite3.connect(p); r.execute("BEGIN"); r.execute("SELECT count(*) FROM minutes").fetchone()
for i in range(1, 20000):
    s.write(MinuteSummary(t + timedelta(minutes=i), 60, 60, 0, 0, 0, 1))
print(f"WAL {{Path(str(p) + '-wal').stat().st_size / 1e6:.1f}} MB after 20,000 minute writes "
      f"with a reader in a transaction; rows held in memory: {{getattr(s, 'pending', 0)}}")
"""
    done = subprocess.run([PY, "-c", code], env=env(WORK), capture_output=True, text=True,
                          timeout=600, cwd=WORK)
    return done.stdout.strip() or outcome(done)


@probe
def file_modes() -> str:
    h = home("m1")
    first_run(h)
    found = {str(p.relative_to(h)): oct(p.stat().st_mode & 0o777)[2:]
             for p in (h / "data", h / "data" / "posturewatch.db", h / "log" / "posturewatch.log",
                       h / "state" / "status.json")}
    return ", ".join(f"{k} {v}" for k, v in found.items())


# --- hostile files ---------------------------------------------------------------


@probe
def deep_toml() -> str:
    deep = WORK / "deep.toml"
    deep.write_text("a = " + "[" * 1000 + "]" * 1000 + "\n")
    check = pw(["config", "check", str(deep)], env(home("h1")))
    show = pw(["config", "show", "--config", str(deep)], env(home("h2")))
    return f"config check: {outcome(check)}; config show: {outcome(show)}"


@probe
def deep_baseline() -> str:
    h = home("h3")
    (h / "data").mkdir()
    (h / "data" / "baseline.json").write_text('{"v": ' + "[" * 1000 + "]" * 1000 + "}")
    return f"run: {outcome(pw(['run', '--headless', '--source', str(video())], env(h)))}"


@probe
def malformed_status() -> str:
    at = '"at": "2026-03-02T09:00:00+00:00"'
    kinds = [b"[]", b'"x"', b'{"at": 5}', f'{{{at}, "presence": "present", "sitting_s": "a"}}',
             f'{{{at}, "presence": "present", "sitting_s": [1]}}',
             f'{{{at}, "presence": "present", "sitting_s": 1e999}}',
             f'{{{at}, "presence": "present", "sitting_s": NaN}}',
             '{"at": "9999-12-31T23:59:59-12:00"}',
             f'{{{at}, "paused_until": "0001-01-01T00:00:00+14:00"}}',
             '{"a": ' + "[" * 5000 + "]" * 5000 + "}", b'{"at": "\xff"}']
    crashed = 0
    for n, kind in enumerate(kinds):
        h = home(f"st{n}")
        (h / "state").mkdir()
        (h / "state" / "status.json").write_bytes(kind if isinstance(kind, bytes)
                                                  else kind.encode())
        crashed += pw(["status"], env(h)).returncode != 0
    return f"status crashed on {crashed} of {len(kinds)} malformed status.json files"


@probe
def config_3000_keys() -> str:
    big = WORK / "big.toml"
    big.write_text("".join(f"key{i} = {i}\n" for i in range(3000)))
    began = time.perf_counter()
    pw(["config", "check", str(big)], env(home("h4")))
    return f"config check of 3,000 keys: {time.perf_counter() - began:.1f} s"


@probe
def cli_numbers() -> str:
    results = []
    clip = video()
    for value in ("1e12", "nan", "inf", "1e9"):
        try:
            done = pw(["replay", str(clip), "--interval-s", value], env(home(f"c{value}")),
                      timeout=30)
            results.append(f"{value}: {outcome(done)}")
        except subprocess.TimeoutExpired:
            results.append(f"{value}: hung (>30 s)")
    done = pw(["replay", str(clip), "--start", "9999-12-31T00:00"], env(home("cstart")))
    results.append(f"--start 9999: {outcome(done)}")
    done = pw(["run", "--headless", "--source", "99999999999999999999999"], env(home("csrc")))
    results.append(f"--source 9..9: {outcome(done)}")
    return "; ".join(results)


def main() -> int:
    global TREE, VERBOSE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--verbose", action="store_true", help="print each traceback")
    args = parser.parse_args()
    TREE = args.tree.resolve()
    VERBOSE = args.verbose
    print(f"tree: {TREE}  ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    try:
        for name, func in PROBES.items():
            if args.only and name not in args.only:
                continue
            try:
                result = func()
            except Exception as exc:  # noqa: BLE001 - a probe reports, it does not stop
                result = f"probe failed: {type(exc).__name__}: {exc}"
            print(f"{name:28} {result}", flush=True)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run ``posturewatch`` the way a user meets it: as another user, on a
read-only mount, under an IT policy at the real fixed path.

The tests run as root, and root ignores file permissions, so:

- ``user="nobody"`` runs the command as ``nobody`` (``setpriv``), for whom
  a root-owned 0600 file really cannot be read or written;
- ``read_only=[dir, ...]`` bind-mounts each folder read-only onto itself;
- ``policy="..."`` puts that text at ``/etc/posturewatch/policy.toml``
  through an overlay on ``/etc``;

all inside a private mount namespace (``unshare -m``), so nothing outside the
command sees the mounts, and ``/etc`` itself is never written. Tests that
need this skip (with the reason) where it is not possible: not root, no
``unshare``/``setpriv``, or a container that forbids mounts.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOBODY = (65534, 65534)


@functools.cache
def why_not() -> str | None:
    """Why the sandbox cannot run here, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "needs Linux mount namespaces"
    if os.geteuid() != 0:
        return "needs root (mount namespaces, running as nobody)"
    for tool in ("unshare", "setpriv", "mount"):
        if shutil.which(tool) is None:
            return f"needs {tool} (util-linux)"
    with tempfile.TemporaryDirectory() as tmp:
        upper, work, ro = Path(tmp, "u"), Path(tmp, "w"), Path(tmp, "ro")
        for folder in (upper, work, ro):
            folder.mkdir()
        script = (f"mount --bind -o ro {ro} {ro} && touch {ro}/x 2>/dev/null && exit 3; "
                  f"mount -t overlay overlay -o lowerdir=/etc,upperdir={upper},workdir={work} "
                  "/etc")
        done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                              text=True, timeout=30)
    if done.returncode != 0:
        return f"mounts are not allowed here: {done.stderr.strip()}"
    return None


def require() -> None:
    reason = why_not()
    if reason:
        pytest.skip(f"sandbox: {reason}")


def give_to_nobody(*paths: Path) -> None:
    """Make each path (recursively) owned by nobody, as if nobody created it."""
    for path in paths:
        for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
            os.chown(item, *NOBODY, follow_symlinks=False)


def run(args: Sequence[str], env: dict[str, str], *, user: str | None = None,
        read_only: Sequence[Path] = (), policy: str | None = None, policy_mode: int = 0o644,
        scratch: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m posturewatch ARGS`` in the sandbox described in the module docstring."""
    require()
    steps = ["set -e"]
    for folder in read_only:
        steps.append(f"mount --bind -o ro {shlex.quote(str(folder))} {shlex.quote(str(folder))}")
    if policy is not None:
        base = Path(scratch or tempfile.mkdtemp(prefix="pw-etc-"))
        upper, work = base / "etc-upper", base / "etc-work"
        upper.mkdir(parents=True, exist_ok=True)
        work.mkdir(parents=True, exist_ok=True)
        text = base / "policy.toml"
        text.write_text(policy, encoding="utf-8")
        steps += [
            f"mount -t overlay overlay -o lowerdir=/etc,upperdir={upper},workdir={work} /etc",
            "mkdir -p /etc/posturewatch",
            f"cp {shlex.quote(str(text))} /etc/posturewatch/policy.toml",
            f"chmod {policy_mode:o} /etc/posturewatch/policy.toml",
        ]
    command = [sys.executable, "-m", "posturewatch", *args]
    if user is not None:
        group = "nogroup" if user == "nobody" else user
        command = ["setpriv", f"--reuid={user}", f"--regid={group}", "--clear-groups", "--",
                   *command]
    steps.append("exec " + " ".join(shlex.quote(c) for c in command))
    return subprocess.run(["unshare", "-m", "sh", "-c", "\n".join(steps)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def plain_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no test mode, no policy override,
    PostureWatch's files under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTUREWATCH_")}
    env.update(POSTUREWATCH_HOME=str(home), HOME=str(home), TZ="UTC", **extra)
    return env


def desk() -> Path:
    """A fresh folder under /tmp that ``nobody`` can reach (pytest's own
    temporary folders are private to root); the caller removes it."""
    folder = Path(tempfile.mkdtemp(prefix="posturewatch-desk-"))
    folder.chmod(0o755)
    return folder

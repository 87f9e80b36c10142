"""External programs a build runs (pip, dpkg-deb, makensis, wixl, ...), and build errors.

Every build step goes through :func:`run`, which logs the command, captures its
output and turns a failure into a :class:`BuildError` carrying the tail of that
output, so ``build.py`` can print one clear message and exit.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_STARTED = time.monotonic()

# Where each program comes from on Debian, for the "install it" hint.
DEBIAN_PACKAGES = {
    "dpkg-deb": "dpkg",
    "fakeroot": "fakeroot",
    "readelf": "binutils",
    "lintian": "lintian",
    "desktop-file-validate": "desktop-file-utils",
    "makensis": "nsis",
    "wixl": "wixl",
    "msiinfo": "msitools",
    "7z": "p7zip-full",
    "python3.11": "python3.11 python3.11-venv",
}


class BuildError(Exception):
    """A build cannot go on; the message says why and, where possible, what to do."""


class DownloadError(BuildError):
    """Something had to be downloaded (wheels, the embeddable Python) and could not be."""


def log(message: str) -> None:
    """One progress line on stderr, prefixed with seconds since the build started."""
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def require(program: str) -> str:
    """The full path of ``program``, or a :class:`BuildError` naming its Debian package."""
    found = shutil.which(program)
    if found is None:
        package = DEBIAN_PACKAGES.get(program, program)
        raise BuildError(f"{program} not found; on Debian: apt-get install {package}")
    return found


def run(command: Sequence[str | Path], *, cwd: Path | None = None,
        env: Mapping[str, str] | None = None, network: bool = False,
        quiet: bool = False) -> str:
    """Run ``command``; return its stdout (text). Raise on a non-zero exit.

    ``network=True`` marks a step that may download: its failure becomes a
    :class:`DownloadError`, so tests can skip when the network is missing.
    """
    args = [str(part) for part in command]
    if not quiet:
        log("$ " + " ".join(args))
    result = subprocess.run(args, cwd=cwd, env=None if env is None else dict(env),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + "\n" + result.stderr).strip().splitlines()[-25:])
        error = DownloadError if network else BuildError
        raise error(f"{Path(args[0]).name} failed with exit code {result.returncode}:\n{tail}")
    return result.stdout


def tree_size(path: Path) -> int:
    """Bytes in all regular files under ``path`` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())

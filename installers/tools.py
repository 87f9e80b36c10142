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


# What pip, apt and mmdebstrap print when the network (or the index) cannot be reached.
UNREACHABLE = ("NewConnectionError", "Max retries exceeded", "Could not fetch URL",
               "Temporary failure in name resolution", "Name or service not known",
               "Network is unreachable", "Connection refused", "ConnectTimeout",
               "Read timed out", "Temporary failure resolving", "Could not resolve",
               "Could not connect", "Failed to fetch")


def unreachable(output: str) -> bool:
    """Whether a failed command's output says the network could not be reached."""
    return any(marker in output for marker in UNREACHABLE)


def run(command: Sequence[str | Path], *, cwd: Path | None = None,
        env: Mapping[str, str] | None = None, network: bool = False,
        quiet: bool = False) -> str:
    """Run ``command``; return its stdout (text). Raise on a non-zero exit.

    ``network=True`` marks a step that may download: when its output shows
    that the network could not be reached, its failure is a
    :class:`DownloadError`, so tests can skip where there is no network. Any
    other failure (a wheel that does not exist for the target, say) is a
    :class:`BuildError`: a broken build must never pass as "offline".
    """
    args = [str(part) for part in command]
    if not quiet:
        log("$ " + " ".join(args))
    result = subprocess.run(args, cwd=cwd, env=None if env is None else dict(env),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = result.stdout + "\n" + result.stderr
        tail = "\n".join(output.strip().splitlines()[-25:])
        error = DownloadError if network and unreachable(output) else BuildError
        raise error(f"{Path(args[0]).name} failed with exit code {result.returncode}:\n{tail}")
    return result.stdout


def tree_size(path: Path) -> int:
    """Bytes in all regular files under ``path`` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())

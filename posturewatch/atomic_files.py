"""Write a file so that a reader sees the old one or the new one, never half.

The one way PostureWatch replaces a file (the status file, the baseline, the
settings file, report pages, icons, spooled commands, login entries, pose
model files): write a temporary file beside it, then rename it over the
target (``os.replace``, atomic on one file system). A failure removes the
temporary file and leaves the target as it was. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def temporary_name(path: Path) -> Path:
    """The temporary file beside ``path``: hidden, with this process's id, so
    two processes never share one, and ending in ``.tmp`` (readers skip it)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w", *, perms: int | None = None,
                keep_perms: bool = False, newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file for writing (``mode`` "w", text in UTF-8 with
    ``newline`` as for ``open``, or "wb"); when the block ends without an
    exception it replaces ``path``. ``perms``: the new file's permission bits
    (e.g. 0o600; default: as the umask gives). ``keep_perms``: those of the
    file it replaces, when there is one. OSError when it cannot be written."""
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    path = Path(path)
    tmp = temporary_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    text = {"encoding": "utf-8", "newline": newline} if mode == "w" else {}
    handle = os.fdopen(os.open(tmp, flags, 0o666 if perms is None else perms), mode, **text)
    try:
        with handle:
            if perms is not None and os.name != "nt":
                os.fchmod(handle.fileno(), perms)  # a stale temporary file keeps its bits
            yield handle
        if keep_perms and path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(path: Path, data: str | bytes, *, perms: int | None = None,
                 keep_perms: bool = False, newline: str | None = None) -> None:
    """Replace ``path`` with ``data`` (text as UTF-8) through :func:`atomic_file`."""
    mode = "wb" if isinstance(data, bytes) else "w"
    with atomic_file(path, mode, perms=perms, keep_perms=keep_perms, newline=newline) as out:
        out.write(data)

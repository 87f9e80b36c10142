"""Debian roots made with ``mmdebstrap`` from Debian's packages: where a ``.deb``
for another release than the build machine's is built, and where the tests
install it.

A root is made once per release and package list and kept as a tarball in
``installers/.cache/roots/`` (about 170 MB, some minutes to make; a rebuild
unpacks it in seconds). Commands run in it with ``chroot`` (as root), with
``/proc`` and ``/sys`` mounted while they run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from installers.payload import CACHE_DIR
from installers.tools import BuildError, log, require, run

ROOTS_DIR = CACHE_DIR / "roots"
DEBIAN_MIRROR = "http://deb.debian.org/debian"


def tarball(release: str, packages: Sequence[str], mirror: str = DEBIAN_MIRROR) -> Path:
    """The cached root of ``release`` with ``packages``; made with mmdebstrap when missing."""
    key = hashlib.sha256("\n".join([release, mirror, *sorted(packages)]).encode()).hexdigest()
    target = ROOTS_DIR / f"{release}-amd64-{key[:12]}.tar"
    if target.exists():
        log(f"using the cached {release} root {target.name}")
        return target
    require("mmdebstrap")
    if os.geteuid() != 0:
        raise BuildError(f"making a {release} root needs root (mmdebstrap, then chroot)")
    ROOTS_DIR.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tar.part")
    log(f"making a {release} root with mmdebstrap (once; cached as {target.name})")
    run(["mmdebstrap", "--variant=apt", "--format=tar", f"--include={','.join(packages)}",
         release, partial, mirror], network=True)
    partial.rename(target)
    return target


def unpack(archive: Path, dest: Path) -> Path:
    """Unpack a root tarball into ``dest`` (emptied first); return ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    run(["tar", "-C", dest, "-xf", archive], quiet=True)
    return dest


@contextmanager
def mounted(root: Path) -> Iterator[Path]:
    """``/proc`` and ``/sys`` mounted in ``root`` while the block runs, as on a
    running system (dpkg and pip look at /proc; mediapipe's allocator counts
    the CPUs in /sys and aborts without it)."""
    done: list[Path] = []
    try:
        for kind in ("proc", "sysfs"):
            point = root / ("proc" if kind == "proc" else "sys")
            point.mkdir(exist_ok=True)
            run(["mount", "-t", kind, kind, point], quiet=True)
            done.append(point)
        yield root
    finally:
        for point in reversed(done):
            subprocess.run(["umount", "--lazy", str(point)], check=False)


def chroot(root: Path, command: Sequence[str | Path], *, network: bool = False,
           quiet: bool = False) -> str:
    """Run ``command`` inside ``root``; its stdout. Paths are the root's own."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root",
           "DEBIAN_FRONTEND": "noninteractive"}
    return run(["chroot", root, *command], env=env, network=network, quiet=quiet)


def os_release(root: Path = Path("/")) -> dict[str, str]:
    """The ``os-release`` fields of ``root`` (``VERSION_CODENAME``, ``ID`` ...)."""
    for name in ("etc/os-release", "usr/lib/os-release"):
        path = root / name
        if path.exists():
            fields = {}
            for line in path.read_text(encoding="utf-8").splitlines():
                key, sep, value = line.partition("=")
                if sep:
                    fields[key.strip()] = value.strip().strip('"')
            return fields
    return {}

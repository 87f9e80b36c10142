"""The Linux ``.deb``: PostureWatch in its own venv under /opt/posturewatch, built at build time.

Layout of the package:

- ``/opt/posturewatch/``: a venv made by Debian's ``/usr/bin/python3.11 -m venv
  --system-site-packages`` in a staging root, filled from the cached wheels
  with ``pip install --no-deps --no-index``; ``pip``/``setuptools`` removed,
  scripts' ``#!`` lines rewritten to ``/opt/posturewatch/bin/python``. The
  venv links to the system interpreter (``bin/python -> /usr/bin/python3.11``),
  so the package depends on ``python3.11`` and works on any machine that has
  Debian's (or Ubuntu's) Python 3.11. ``--system-site-packages`` lets the
  tray use Debian's PyGObject (``python3-gi``) for the AppIndicator/GTK
  backends; the venv's own packages still come first on ``sys.path``.
- ``/etc/posturewatch/policy.toml``: the IT policy, a dpkg conffile (purge
  removes it; a locally edited one is kept on upgrade, as dpkg does).
- ``/etc/xdg/autostart/posturewatch.desktop``: starts the tray at every
  user's graphical login.
- ``/usr/bin/posturewatch -> /opt/posturewatch/bin/posturewatch``.
- ``/usr/share/doc/posturewatch/``, ``/usr/share/man/man1/posturewatch.1.gz``.

Nothing is downloaded at install time. ``postinst`` byte-compiles the venv
(``compileall``), ``prerm`` deletes that byte-code again, so dpkg removes
every file it installed and ``/opt/posturewatch`` disappears on remove.

Why a prebuilt venv rather than a wheelhouse installed by ``postinst``: dpkg
then knows every file (clean removal, ``dpkg -S``, ``debsums``), install needs
neither pip nor ``python3-venv`` on the desk and takes seconds, and the build
proves the environment imports before it ships. The price is a package tied
to one Python minor version (3.11), which the Depends line states.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import re
import shutil
import stat
import subprocess
import textwrap
import time
from pathlib import Path

from installers import payload
from installers.spec import DESCRIPTION, PACKAGE, SUMMARY, TEMPLATES, BuildSpec
from installers.tools import BuildError, log, require, run, tree_size

DEBIAN_PYTHON = Path("/usr/bin/python3.11")
PREFIX = Path("/opt/posturewatch")
SITE = PREFIX / "lib" / "python3.11" / "site-packages"
POLICY = Path("/etc/posturewatch/policy.toml")
AUTOSTART = Path("/etc/xdg/autostart/posturewatch.desktop")
# Every file under /etc is a conffile (Debian policy 10.7.2). After "dpkg -r"
# both stay, as dpkg does; the autostart entry then does nothing (its TryExec
# names the removed command); "dpkg -P" removes them.
CONFFILES = (POLICY, AUTOSTART)
COMMAND = Path("/usr/bin/posturewatch")
ARCHITECTURE = "amd64"

# Scripts kept in /opt/posturewatch/bin (the other entry points of the
# dependencies, such as f2py or fonttools, are not needed).
KEPT_SCRIPTS = frozenset({"posturewatch", "python", "python3", "python3.11"})

# Recommended, not required: notify-send for notifications when D-Bus bindings
# are missing; PyGObject and AppIndicator for a tray icon on GNOME and KDE.
RECOMMENDS = ("libnotify-bin", "python3-gi", "gir1.2-ayatanaappindicator3-0.1")

# The lintian tags this package keeps, and why (tests/test_installers.py
# fails on any other tag, so a new finding is looked at, not shipped).
LINTIAN_ACCEPTED: dict[str, str] = {
    "dir-or-file-in-opt": "the program lives in /opt/posturewatch on purpose: a self-contained "
                          "add-on package for IT, not a Debian archive package",
    "embedded-library": "the manylinux wheels bundle their own libraries (Pillow's libjpeg, "
                        "OpenCV's FFmpeg and Qt); using Debian's would mean building them",
    "unstripped-binary-or-object": "wheel binaries are shipped as published; stripping "
                                   "patchelf-repaired libraries risks breaking them and would "
                                   "save only about 5 MB of the compressed package",
    "duplicate-font-file": "matplotlib loads the fonts in its mpl-data by path",
    "script-not-executable": "numpy modules with a #! line; they are imported, never run",
    "python3-script-but-no-python3-dep": "the same numpy modules; the venv's python3.11 "
                                         "(a dependency) is what imports them",
    "unusual-interpreter": "/opt/posturewatch/bin/python is the venv's interpreter by design; "
                           "protobuf's _parameterized.py has a #! line but is only imported",
    "shared-library-lacks-prerequisites": "numpy's test extension modules, as built upstream",
    "library-not-linked-against-libc": "numpy's lapack_lite extension, as built upstream",
}

_DEBIAN_VERSION = re.compile(r"[0-9][A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)?")


def package_name(version: str) -> str:
    """``posturewatch_<version>_amd64.deb``."""
    return f"{PACKAGE}_{version}_{ARCHITECTURE}.deb"


def check_version(version: str) -> None:
    """Raise :class:`BuildError` unless ``version`` is a valid Debian version."""
    if not _DEBIAN_VERSION.fullmatch(version):
        raise BuildError(f"--version {version!r} is not a Debian version (e.g. 0.1.0 or 0.1.0-2)")


def _check_debian_python() -> None:
    if not DEBIAN_PYTHON.exists():
        raise BuildError(f"{DEBIAN_PYTHON} not found; on Debian: apt-get install python3.11 "
                         "python3.11-venv (the .deb's venv must link to the distribution's "
                         "Python, not to a pyenv or conda one)")
    try:
        run(["dpkg-query", "-S", DEBIAN_PYTHON], quiet=True)
    except BuildError as error:
        raise BuildError(f"{DEBIAN_PYTHON} does not belong to a Debian package") from error


def build(spec: BuildSpec) -> Path:
    """Build ``posturewatch_<version>_amd64.deb`` into ``spec.out``; return its path."""
    check_version(spec.version)
    require("dpkg-deb")
    require("readelf")
    _check_debian_python()
    root = spec.work / "root"
    venv = root / PREFIX.relative_to("/")
    site = root / SITE.relative_to("/")

    log(f"creating the venv in the staging root {venv}")
    run([DEBIAN_PYTHON, "-m", "venv", "--system-site-packages", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    project = payload.build_project_wheel(spec.work / "wheel")
    pins = payload.resolve(pip, project, payload.LINUX)
    payload.fetch(pip, pins, payload.LINUX)
    log(f"installing {len(pins) + 1} wheels into the venv")
    run([*pip, "install", "--no-deps", "--no-index", "--ignore-installed", "--no-compile",
         "--quiet", *payload.wheel_paths(pins, payload.LINUX), project])
    run([*pip, "uninstall", "--yes", "--quiet", "pip", "setuptools"])
    pruned = payload.prune(site)
    _relocate(root, venv)
    log(payload.describe(site, pins, pruned))
    _smoke_test(venv)

    for leftover in ("include", "share"):  # empty headers folder; fonttools' ttx man page
        shutil.rmtree(venv / leftover, ignore_errors=True)
    _install_file(spec.policy, root / POLICY.relative_to("/"), 0o644)
    _install_file(TEMPLATES / "posturewatch.desktop", root / AUTOSTART.relative_to("/"), 0o644)
    (root / COMMAND.relative_to("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / COMMAND.relative_to("/")).symlink_to(PREFIX / "bin" / "posturewatch")
    _write_docs(root, spec)
    _normalise_permissions(root)

    debian = root / "DEBIAN"
    debian.mkdir(mode=0o755)
    depends = ["python3.11", *_shared_library_depends(venv, pins)]
    (debian / "control").write_text(_control(spec, depends, root))
    (debian / "conffiles").write_text("".join(f"{path}\n" for path in CONFFILES))
    for script in ("postinst", "prerm", "postrm"):
        _install_file(TEMPLATES / "deb" / script, debian / script, 0o755)
    (debian / "md5sums").write_text(_md5sums(root))
    for path in debian.iterdir():
        if path.name not in ("postinst", "prerm", "postrm"):
            path.chmod(0o644)

    target = spec.out / package_name(spec.version)
    log(f"packing {target.name} (xz)")
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, target])
    return target


def _relocate(root: Path, venv: Path) -> None:
    """Make the staged venv correct at /opt/posturewatch: scripts, pyvenv.cfg, stray paths."""
    staged = str(venv)
    bin_dir = venv / "bin"
    for script in sorted(bin_dir.iterdir()):
        if script.name not in KEPT_SCRIPTS:
            script.unlink()
            continue
        if script.is_symlink():
            continue
        text = script.read_text(encoding="utf-8")
        script.write_text(text.replace(staged, str(PREFIX)), encoding="utf-8")
    cfg = venv / "pyvenv.cfg"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(staged, str(PREFIX)), encoding="utf-8")
    for direct_url in venv.glob("lib/python3.11/site-packages/*.dist-info/direct_url.json"):
        direct_url.unlink()  # names the build folder the project wheel came from
    leftovers = [p for p in venv.rglob("*") if p.is_file() and not p.is_symlink()
                 and str(root).encode() in p.read_bytes()]
    if leftovers:
        raise BuildError("the staging path is still written in: "
                         + ", ".join(str(p.relative_to(root)) for p in leftovers[:10]))
    if (venv / "bin" / "python").resolve() != DEBIAN_PYTHON.resolve():
        raise BuildError(f"{venv}/bin/python does not point at {DEBIAN_PYTHON}")


def _smoke_test(venv: Path) -> None:
    """The staged venv imports the whole program (OpenCV and mediapipe included)."""
    run([venv / "bin" / "python", "-c",
         "import cv2, mediapipe.python.solutions.pose, posturewatch.cli, posturewatch.pose"],
        quiet=True)
    log("smoke test passed: the staged venv imports cv2, mediapipe and posturewatch")


def _install_file(source: Path, target: Path, mode: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _write_docs(root: Path, spec: BuildSpec) -> None:
    doc = root / "usr" / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True)
    year = time.gmtime(_build_time()).tm_year
    copyright_text = (TEMPLATES / "deb" / "copyright").read_text().replace("{year}", str(year))
    (doc / "copyright").write_text(copyright_text)
    changelog = (
        f"{PACKAGE} ({spec.version}) unstable; urgency=medium\n\n"
        f"  * Built by installers/build.py with the policy {spec.policy.name}.\n\n"
        f" -- {spec.maintainer}  {_changelog_date()}\n"
    )
    # A native package (version without a Debian revision) names it changelog.gz.
    name = "changelog.Debian.gz" if "-" in spec.version else "changelog.gz"
    _gzip(changelog.encode(), doc / name)
    page = (TEMPLATES / "deb" / "posturewatch.1").read_text().replace("{version}", spec.version)
    man = root / "usr" / "share" / "man" / "man1"
    man.mkdir(parents=True)
    _gzip(page.encode(), man / "posturewatch.1.gz")


def _build_time() -> float:
    """Seconds since the epoch: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    return float(os.environ.get("SOURCE_DATE_EPOCH") or time.time())


def _changelog_date() -> str:
    return email.utils.formatdate(_build_time(), localtime=False)


def _gzip(data: bytes, target: Path) -> None:
    """gzip -9n: no name, no time stamp (lintian wants reproducible docs)."""
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9,
                                                   filename="", mtime=0) as packed:
        packed.write(data)


def _normalise_permissions(root: Path) -> None:
    """Directories 0755; programs and ``#!`` scripts that were executable 0755; the rest 0644.

    Shared libraries lose the executable bit wheels give them (they are
    loaded, never run), whatever the umask of the build was.
    """
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
            continue
        with open(path, "rb") as handle:
            head = handle.read(4)
        runnable = path.stat().st_mode & stat.S_IXUSR and (
            head[:2] == b"#!" or (head == b"\x7fELF" and ".so" not in path.name))
        path.chmod(0o755 if runnable else 0o644)


def _elf_files(tree: Path) -> list[Path]:
    found = []
    for path in tree.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size > 64:
            with open(path, "rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def _needed(elf: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True,
                         check=False).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _system_library_paths() -> dict[str, str]:
    """soname -> path for the x86-64 libraries the dynamic linker knows (``ldconfig -p``)."""
    out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True,
                         check=False).stdout
    paths: dict[str, str] = {}
    for match in re.finditer(r"^\s*(\S+) \(([^)]*)\) => (\S+)$", out, re.MULTILINE):
        soname, flags, path = match.groups()
        if "x86-64" in flags:
            paths.setdefault(soname, path)
    return paths


def _shared_library_depends(venv: Path, pins: list[payload.Pin]) -> list[str]:
    """Debian packages providing the shared libraries the bundled binaries need.

    Like ``dpkg-shlibdeps``: every ``NEEDED`` soname not bundled in the venv is
    looked up with ``ldconfig -p`` and ``dpkg-query -S`` on this machine. glibc
    gets the version the wheels' manylinux tags require. Fails when a library
    is missing here (the package would not run where it was built).
    """
    elves = _elf_files(venv)
    bundled = {p.name for p in elves}
    needed = {soname for elf in elves for soname in _needed(elf)} - bundled
    system = _system_library_paths()
    missing = sorted(soname for soname in needed if soname not in system)
    if missing:
        raise BuildError("the bundled binaries need libraries this machine lacks: "
                         + ", ".join(missing))
    packages: set[str] = set()
    for soname in sorted(needed):
        real = os.path.realpath(system[soname])
        owner = None
        for candidate in (system[soname], real, real.replace("/usr/lib/", "/lib/", 1)):
            try:
                owner = run(["dpkg-query", "-S", candidate], quiet=True).split(":")[0]
                break
            except BuildError:
                continue
        if owner is None:
            raise BuildError(f"no Debian package owns {system[soname]} (needed as {soname})")
        packages.add(owner)
    glibc = max((tuple(int(x) for x in m.groups())
                 for pin in pins for m in re.finditer(r"manylinux_(\d+)_(\d+)", pin.filename)),
                default=(2, 17))
    if "libc6" in packages:
        packages.discard("libc6")
        packages.add(f"libc6 (>= {glibc[0]}.{glibc[1]})")
    log(f"shared-library dependencies ({len(needed)} sonames): {', '.join(sorted(packages))}")
    return sorted(packages)


def _control(spec: BuildSpec, depends: list[str], root: Path) -> str:
    installed_kib = (tree_size(root) + 1023) // 1024
    carries = f"This build carries the IT policy {spec.policy.name} at {POLICY}."
    long_description = "\n .\n".join(
        "\n".join(" " + line for line in textwrap.wrap(paragraph, 72))
        for paragraph in (DESCRIPTION, carries))
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {spec.version}\n"
        f"Architecture: {ARCHITECTURE}\n"
        f"Maintainer: {spec.maintainer}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(depends)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: utils\n"
        "Priority: optional\n"
        f"Description: {SUMMARY}\n"
        f"{long_description}\n"
    )


def _md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == "DEBIAN" or path.is_symlink() or not path.is_file():
            continue
        if Path("/", rel) in CONFFILES:
            continue  # dpkg keeps conffile checksums itself
        digest = hashlib.md5(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {rel}\n")
    return "".join(lines)

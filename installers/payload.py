"""What every installer carries: PostureWatch and the wheels it runs on, for one platform, trimmed.

The steps, the same for Linux, Windows and macOS:

1. :func:`build_project_wheel`: the ``posturewatch`` wheel from this checkout;
2. :func:`resolve`: pip resolves its dependencies for the target platform
   (``pip install --dry-run --report``); the distributions in :data:`TRIMMED`
   are dropped from the pins;
3. :func:`fetch`: the pinned wheels are downloaded once into the build cache
   (``installers/.cache/wheels/<platform>/``), so a rebuild needs no network;
4. the target installs them with ``--no-deps --no-index`` (a venv for the
   .deb, ``pip install --target`` for the Windows and macOS payloads);
5. :func:`prune`: tests, caches, C sources and model files other than pose
   are deleted from the installed tree.

Why the trimmed distributions are safe to leave out is written next to each
in :data:`TRIMMED`; the proof is the installed program replaying a video with
the real pose model (tests/test_installers.py).
"""

from __future__ import annotations

import compileall
import hashlib
import json
import py_compile
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from installers.tools import BuildError, log, run, tree_size

try:
    from packaging.requirements import Requirement
except ImportError:  # pragma: no cover - pip always vendors it
    from pip._vendor.packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO_ROOT / "installers" / ".cache"

# Distribution (PEP 503 name) -> why no installer carries it.
TRIMMED: dict[str, str] = {
    "jax": "mediapipe declares it for its model-maker and LLM converters; pose never imports it",
    "jaxlib": "jax's compiled half (about 330 MB installed)",
    "scipy": "needed only by jax",
    "ml-dtypes": "needed only by jax",
    "opt-einsum": "needed only by jax",
    "sentencepiece": "needed only by mediapipe's LLM bundler",
    "sounddevice": "mediapipe's audio tasks only; mediapipe guards that import",
    "cffi": "needed only by sounddevice",
    "pycparser": "needed only by cffi",
    "pip": "sqlite-utils declares it for its `install` command; PostureWatch never runs pip",
}

# The only kept distributions allowed to require a trimmed one. A new
# requirement on a trimmed distribution fails the build instead of vanishing.
EXPECTED_REQUIRERS: dict[str, frozenset[str]] = {
    "mediapipe": frozenset({"jax", "jaxlib", "sentencepiece", "sounddevice"}),
    "sqlite-utils": frozenset({"pip"}),
}

# mediapipe ships the models of all its legacy solutions; PostureWatch runs pose only.
KEPT_MEDIAPIPE_MODULES = frozenset({"pose_detection", "pose_landmark"})


@dataclass(frozen=True)
class Platform:
    """A target platform: a cache folder name, the pip options that select its
    wheels, and the values of its environment markers (PEP 508).

    ``pip_options`` and ``environment`` are empty for the platform of the
    interpreter that installs (the .deb's venv), which picks its own wheels.
    """

    key: str
    pip_options: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)


_CPYTHON_311 = {"python_version": "3.11", "python_full_version": "3.11.9",
                "implementation_name": "cpython", "implementation_version": "3.11.9",
                "platform_python_implementation": "CPython", "platform_release": "",
                "platform_version": ""}
LINUX = Platform("linux-x86_64")
WINDOWS = Platform(
    "win-amd64",
    ("--platform", "win_amd64", "--python-version", "3.11", "--implementation", "cp",
     "--abi", "cp311"),
    {**_CPYTHON_311, "os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
     "platform_machine": "AMD64"},
)
# opencv-contrib-python's newest macOS wheels need macOS 13 (Ventura) or later.
MACOS = Platform(
    "macos-arm64",
    ("--platform", "macosx_13_0_arm64", "--python-version", "3.11", "--implementation", "cp",
     "--abi", "cp311"),
    {**_CPYTHON_311, "os_name": "posix", "sys_platform": "darwin", "platform_system": "Darwin",
     "platform_machine": "arm64"},
)


@dataclass(frozen=True)
class Pin:
    """One distribution at one version, and its wheel's file name."""

    name: str
    version: str
    filename: str


def normalize(name: str) -> str:
    """PEP 503 normalised distribution name: ``ML_Dtypes`` -> ``ml-dtypes``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def cache_dir(platform: Platform) -> Path:
    """Where the wheels for ``platform`` are kept between builds."""
    return CACHE_DIR / "wheels" / platform.key


def build_project_wheel(out: Path) -> Path:
    """Build the ``posturewatch`` wheel from this checkout into ``out``; return its path."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("posturewatch-*.whl"):
        old.unlink()
    # Build from a clean copy: setuptools' build/ folder in the checkout could
    # hold modules deleted since, and the checkout stays untouched.
    source = out / "source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(REPO_ROOT / "posturewatch", source / "posturewatch",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "MANIFEST.in"):
        if (REPO_ROOT / name).exists():
            shutil.copyfile(REPO_ROOT / name, source / name)
    log("building the posturewatch wheel from the checkout")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, source],
        network=True)
    wheels = sorted(out.glob("posturewatch-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one posturewatch wheel in {out}, found {len(wheels)}")
    return wheels[0]


def _requirements_key(project_wheel: Path, platform: Platform) -> str:
    """A hash of the project's declared requirements and the platform: names the pin file."""
    with zipfile.ZipFile(project_wheel) as wheel:
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        lines = wheel.read(metadata).decode().splitlines()
    requires = sorted(line for line in lines if line.startswith("Requires-Dist:"))
    text = "\n".join([platform.key, *platform.pip_options, *requires])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _requirement(text: str) -> Requirement:
    return Requirement(text)


def _applies(requirement: Requirement, environment: dict[str, str], extras: set[str]) -> bool:
    """Whether ``requirement`` holds on the target, for a package installed with ``extras``."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**environment, "extra": extra})
               for extra in (extras or {""}))


def pins_from_report(report: dict, environment: dict[str, str],
                     root_requires: Sequence[str] | None = None) -> tuple[list[Pin], list[str]]:
    """The pins a ``pip install --report`` document gives for the target, and what it lacks.

    pip evaluates environment markers for the interpreter it runs on, not for
    ``--platform``; so the dependency tree is walked again from
    ``posturewatch`` with the target's marker ``environment``: packages only
    the build machine needs drop out (python-xlib for Windows), and
    requirements only the target has come back as the second value, to be
    added to the next resolution (pyobjc for macOS). ``root_requires``: the
    project's own requirements, when pip was given those instead of the
    project (see :func:`resolve`). The walk does not enter
    :data:`TRIMMED` distributions; a kept package requiring one that
    :data:`EXPECTED_REQUIRERS` does not allow fails the build.
    """
    items = {normalize(item["metadata"]["name"]): item for item in report["install"]}
    if root_requires is not None:  # pip resolved the requirements, not the project wheel
        items["posturewatch"] = {"metadata": {"name": "posturewatch", "version": "",
                                              "requires_dist": list(root_requires)}}
    if "posturewatch" not in items:
        raise BuildError("the resolution does not contain posturewatch itself")
    extras_of: dict[str, set[str]] = {"posturewatch": set()}
    queue = ["posturewatch"]
    missing: list[str] = []
    while queue:
        name = queue.pop()
        meta = items[name]["metadata"]
        for text in meta.get("requires_dist") or []:
            requirement = _requirement(text)
            if not _applies(requirement, environment, extras_of[name]):
                continue
            child = normalize(requirement.name)
            if child in TRIMMED:
                if child not in EXPECTED_REQUIRERS.get(name, frozenset()):
                    raise BuildError(
                        f"{name} {meta['version']} requires {child}, which the installers "
                        "trim; check whether it is needed at run time and update "
                        "installers/payload.py")
                continue
            if child not in items:
                requirement.marker = None
                missing.append(str(requirement))
                continue
            new_extras = set(requirement.extras) - extras_of.get(child, set())
            if child not in extras_of or new_extras:
                extras_of[child] = extras_of.get(child, set()) | set(requirement.extras)
                queue.append(child)
    pins = []
    for name in sorted(extras_of):
        if name == "posturewatch":
            continue
        item = items[name]
        filename = unquote(item["download_info"]["url"].rsplit("/", 1)[-1].split("#")[0])
        pins.append(Pin(name, item["metadata"]["version"], filename))
    return pins, sorted(set(missing))


def resolve(pip: Sequence[str | Path], project_wheel: Path, platform: Platform) -> list[Pin]:
    """The wheels ``project_wheel`` needs on ``platform``, trimmed; reuses the last resolution.

    ``pip`` is the pip command to resolve with (the target venv's own pip for
    Linux, any pip for the foreign platforms). The pins are saved in the cache
    keyed by the project's requirements, so a rebuild with the same
    requirements and cached wheels never touches the network.
    """
    cache = cache_dir(platform)
    cache.mkdir(parents=True, exist_ok=True)
    saved = cache / f"pins-{_requirements_key(project_wheel, platform)}.json"
    if saved.exists():
        pins = [Pin(**item) for item in json.loads(saved.read_text())]
        if all((cache / pin.filename).exists() for pin in pins):
            log(f"using the saved resolution {saved.name} ({len(pins)} wheels)")
            return pins
    log(f"resolving the dependencies for {platform.key}")
    extra: list[str] = []
    # pip evaluates the project's markers for the Python it runs on: for another
    # Python version (mediapipe differs from 3.13 on) it gets the project's
    # requirements already evaluated for the target instead of the project.
    # The same goes for another OS: the host's `sys_platform == 'linux'` would
    # ask for dbus-fast wheels for Windows, which do not exist.
    target_python = platform.environment.get("python_version")
    own = (target_python in (None, f"{sys.version_info[0]}.{sys.version_info[1]}")
           and platform.environment.get("sys_platform", sys.platform) == sys.platform)
    root_requires = None if own else target_requirements(project_wheel, platform.environment)
    wanted: list[str | Path] = [project_wheel] if own else list(root_requires or [])
    for _ in range(4):
        with tempfile.TemporaryDirectory() as tmp:
            report_path = Path(tmp) / "report.json"
            run([*pip, "install", "--dry-run", "--ignore-installed", "--only-binary=:all:",
                 "--quiet", "--report", report_path, *platform.pip_options, *wanted,
                 *extra], network=True)
            report = json.loads(report_path.read_text())
        pins, missing = pins_from_report(report, platform.environment, root_requires)
        if not missing:
            break
        log(f"adding what only {platform.key} needs: {', '.join(missing)}")
        extra += missing
    else:
        raise BuildError(f"the resolution for {platform.key} does not settle; missing {missing}")
    saved.write_text(json.dumps([pin.__dict__ for pin in pins], indent=1) + "\n")
    return pins


def target_requirements(project_wheel: Path, environment: dict[str, str]) -> list[str]:
    """The project wheel's requirements that hold on the target, without their markers."""
    with zipfile.ZipFile(project_wheel) as wheel:
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        lines = wheel.read(metadata).decode().splitlines()
    kept = []
    for line in lines:
        if not line.startswith("Requires-Dist:"):
            continue
        requirement = _requirement(line.split(":", 1)[1].strip())
        if _applies(requirement, environment, set()):
            requirement.marker = None
            kept.append(str(requirement))
    return kept


def fetch(pip: Sequence[str | Path], pins: Sequence[Pin], platform: Platform) -> Path:
    """Download the pinned wheels missing from the cache; return the cache folder."""
    cache = cache_dir(platform)
    missing = [pin for pin in pins if not (cache / pin.filename).exists()]
    if missing:
        log(f"downloading {len(missing)} wheels for {platform.key} into {cache}")
        run([*pip, "download", "--no-deps", "--only-binary=:all:", "--quiet", "-d", cache,
             *platform.pip_options, *(f"{pin.name}=={pin.version}" for pin in missing)],
            network=True)
    absent = [pin.filename for pin in pins if not (cache / pin.filename).exists()]
    if absent:
        raise BuildError(f"pip downloaded other files than resolved; missing {absent}")
    return cache


def wheel_paths(pins: Sequence[Pin], platform: Platform) -> list[Path]:
    """The cached wheel files of ``pins``."""
    return [cache_dir(platform) / pin.filename for pin in pins]


@dataclass
class Pruned:
    """What :func:`prune` removed: files and bytes per rule."""

    files: dict[str, int]
    bytes: dict[str, int]

    def summary(self) -> str:
        parts = [f"{rule} {self.bytes[rule] / 1e6:.1f} MB ({self.files[rule]} files)"
                 for rule in self.files if self.files[rule]]
        return "; ".join(parts) or "nothing"


def _prune_rule(path: Path, site: Path) -> str | None:
    """Which pruning rule removes ``path`` (a file or folder under ``site``), if any."""
    rel = path.relative_to(site).parts
    name = path.name
    if path.is_dir():
        if name == "__pycache__":
            return "bytecode caches"
        if name == "tests" and len(rel) > 1:
            return "test suites"
        if len(rel) == 3 and rel[:2] == ("mediapipe", "modules") \
                and name not in KEPT_MEDIAPIPE_MODULES:
            return "mediapipe models other than pose"
        return None
    if name.endswith((".pyc", ".pyo")):
        return "bytecode caches"
    if name.endswith("_test.py") and rel[0] == "mediapipe":
        return "test suites"
    if name.endswith((".c", ".pyx", ".pxd")):
        return "C and Cython sources of compiled modules"
    if rel[:2] == ("cv2", "data") and name.endswith(".xml"):
        return "OpenCV Haar cascades (unused)"
    if rel[:3] == ("cv2", "qt", "fonts"):
        return "OpenCV's fonts for Qt windows (no window is ever shown)"
    return None


def prune(site: Path) -> Pruned:
    """Delete what never runs from an installed ``site-packages`` folder.

    Test suites, bytecode caches, C/Cython sources, OpenCV's Haar cascades and
    Qt window fonts, and
    mediapipe's model folders other than pose (its ``.py`` files stay:
    ``mediapipe.solutions`` imports every solution module, but loads models
    only when one is used).
    """
    files: dict[str, int] = {}
    size: dict[str, int] = {}
    stack = [site]
    while stack:
        folder = stack.pop()
        for path in sorted(folder.iterdir()):
            if path.is_symlink():
                continue
            rule = _prune_rule(path, site)
            if rule is None:
                if path.is_dir():
                    stack.append(path)
                continue
            if rule == "mediapipe models other than pose":
                # Keep the package's Python files, drop its models and graphs.
                victims = [p for p in path.rglob("*") if p.is_file() and p.suffix != ".py"]
            elif path.is_dir():
                victims = [p for p in path.rglob("*") if p.is_file()]
            else:
                victims = [path]
            files[rule] = files.get(rule, 0) + len(victims)
            size[rule] = size.get(rule, 0) + sum(p.stat().st_size for p in victims)
            if path.is_dir() and rule != "mediapipe models other than pose":
                shutil.rmtree(path)
            else:
                for victim in victims:
                    victim.unlink()
    return Pruned(files, size)


def byte_compile(folder: Path) -> None:
    """Compile every .py under ``folder`` to ``unchecked-hash`` .pyc files (CPython 3.11).

    The build interpreter must be 3.11 (same byte-code magic as the bundled 3.11.9).
    """
    if sys.version_info[:2] != (3, 11):
        raise BuildError(f"byte-compiling for Python 3.11 needs Python 3.11 to run the build, "
                         f"not {sys.version.split()[0]}")
    log(f"byte-compiling {folder}")
    compileall.compile_dir(folder, quiet=2, workers=0, legacy=False,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def describe(site: Path, pins: Sequence[Pin], pruned: Pruned) -> str:
    """One paragraph for the build log: what went in, what stayed out, the size."""
    return (f"{len(pins) + 1} distributions installed, {tree_size(site) / 1e6:.0f} MB; "
            f"left out: {', '.join(sorted(TRIMMED))}; pruned: {pruned.summary()}")

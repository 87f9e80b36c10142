"""The macOS ``.pkg``: a recipe laid out here, turned into a package on a Mac.

Any machine builds the folder ``PostureWatch-<version>-macos/``::

    payload/                                     what the package installs, from /
      Library/PostureWatch/pkgs/                 posturewatch + macOS arm64 wheels
      Library/PostureWatch/launch.py             runs posturewatch.cli from pkgs/
      Library/PostureWatch/bin/posturewatch      the command (python.org's Python 3.11)
      Library/PostureWatch/uninstall.sh          removes it all again (sudo)
      Library/Application Support/PostureWatch/policy.toml   the IT policy
      Library/LaunchAgents/org.posturewatch.monitor.plist    the tray at every login
    scripts/preinstall, scripts/postinstall      stop/start the tray, /usr/local/bin link
    distribution.xml                             productbuild: macOS 13+, arm64, Python check
    build-pkg.sh                                 pkgbuild + productbuild (+ optional signing)

On macOS (``pkgbuild`` present) the build then runs ``build-pkg.sh`` and
returns the ``.pkg``; elsewhere it returns the folder, to copy to a Mac.

The wheels come from ``pip download --platform macosx_13_0_arm64`` (Apple
silicon; opencv-contrib-python's current macOS wheels need macOS 13). The
interpreter is python.org's Python 3.11 framework build, which IT installs
first (the package refuses to install without it); the launcher runs it with
``-I -S`` so only the packages shipped here are imported.
"""

from __future__ import annotations

import plistlib
import re
import shutil
import sys
from pathlib import Path

from installers import payload
from installers.spec import APP_NAME, TEMPLATES, BuildSpec
from installers.tools import BuildError, log, run

IDENTIFIER = "org.posturewatch.pkg"
LABEL = "org.posturewatch.monitor"  # the same label as `posturewatch autostart` (one agent)
PREFIX = "/Library/PostureWatch"
POLICY_DIR = "/Library/Application Support/PostureWatch"
AGENT = f"/Library/LaunchAgents/{LABEL}.plist"
PYTHON = "/Library/Frameworks/Python.framework/Versions/3.11/bin/python3.11"


def _fill(template: str, spec: BuildSpec) -> str:
    values = {
        "@PREFIX@": PREFIX, "@LABEL@": LABEL, "@AGENT@": AGENT, "@POLICY_DIR@": POLICY_DIR,
        "@IDENTIFIER@": IDENTIFIER, "@PYTHON@": PYTHON, "@VERSION@": spec.version,
        "@COMPONENT@": f"{APP_NAME}-component.pkg",
        "@PRODUCT@": f"{APP_NAME}-{spec.version}-macos-arm64.pkg",
    }
    text = (TEMPLATES / "macos" / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, value)
    left = re.search(r"@[A-Z_]+@", text)
    if left:
        raise BuildError(f"unfilled placeholder {left.group()} in templates/macos/{template}")
    return text


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def launch_agent(spec: BuildSpec) -> bytes:
    """The LaunchAgent plist, checked by ``plistlib`` (raises on a malformed template)."""
    text = _fill(f"{LABEL}.plist", spec)
    data = plistlib.loads(text.encode())
    if data.get("Label") != LABEL or data.get("ProgramArguments", [None])[0] != \
            f"{PREFIX}/bin/posturewatch":
        raise BuildError("the LaunchAgent template does not start the installed command")
    return text.encode()


def lay_out(spec: BuildSpec) -> Path:
    """Write the recipe folder into ``spec.out``; return it."""
    recipe = spec.out / f"{APP_NAME}-{spec.version}-macos"
    if recipe.exists():
        shutil.rmtree(recipe)
    root = recipe / "payload"
    prefix = root / PREFIX.lstrip("/")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    project = payload.build_project_wheel(spec.work / "wheel")
    pins = payload.resolve(pip, project, payload.MACOS)
    payload.fetch(pip, pins, payload.MACOS)
    packages = prefix / "pkgs"
    log(f"installing {len(pins) + 1} macOS arm64 wheels into {packages}")
    run([*pip, "install", "--target", packages, "--no-deps", "--no-index", "--no-compile",
         "--only-binary=:all:", "--quiet", *payload.MACOS.pip_options,
         *payload.wheel_paths(pins, payload.MACOS), project])
    shutil.rmtree(packages / "bin", ignore_errors=True)
    pruned = payload.prune(packages)
    log(payload.describe(packages, pins, pruned))
    payload.byte_compile(packages)

    _write(prefix / "launch.py", _fill("launch.py", spec), 0o644)
    _write(prefix / "bin" / "posturewatch", _fill("posturewatch", spec), 0o755)
    _write(prefix / "uninstall.sh", _fill("uninstall.sh", spec), 0o755)
    policy = root / POLICY_DIR.lstrip("/") / "policy.toml"
    policy.parent.mkdir(parents=True)
    shutil.copyfile(spec.policy, policy)
    agent = root / AGENT.lstrip("/")
    agent.parent.mkdir(parents=True)
    agent.write_bytes(launch_agent(spec))
    for script in ("preinstall", "postinstall"):
        _write(recipe / "scripts" / script, _fill(script, spec), 0o755)
    _write(recipe / "distribution.xml", _fill("distribution.xml", spec), 0o644)
    _write(recipe / "build-pkg.sh", _fill("build-pkg.sh", spec), 0o755)
    return recipe


def build(spec: BuildSpec) -> Path:
    """The ``.pkg`` on macOS; elsewhere the recipe folder for a Mac build machine."""
    recipe = lay_out(spec)
    if sys.platform != "darwin" or shutil.which("pkgbuild") is None:
        log(f"not on macOS: copy {recipe.name}/ to a Mac and run ./build-pkg.sh there")
        return recipe
    run(["/bin/sh", recipe / "build-pkg.sh"])
    product = recipe / f"{APP_NAME}-{spec.version}-macos-arm64.pkg"
    target = spec.out / product.name
    shutil.move(product, target)
    return target

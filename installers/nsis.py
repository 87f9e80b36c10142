"""The Windows ``.exe``: the payload of installers/windows.py in a per-machine NSIS installer.

pynsist lays the folder out; the NSIS script is our own
(templates/nsis/posturewatch.nsi, rendered with pynsist's template engine
and its file lists) because pynsist's default one installs per user unless
told otherwise, has no IT policy and no autostart. Debian's ``makensis``
(package nsis) compiles it, solid LZMA.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from installers import windows
from installers.spec import TEMPLATES, BuildSpec
from installers.tools import log, require, run


def vi_version(version: str) -> str:
    """The four-number ``VIProductVersion`` NSIS needs: ``0.1.0-2`` -> ``0.1.0.2``."""
    numbers = [int(n) for n in re.findall(r"\d+", version)][:4]
    return ".".join(str(n) for n in numbers + [0] * (4 - len(numbers)))


def render_script(layout: windows.Layout) -> Path:
    """Write ``installer.nsi`` from our template into the layout; return its path."""
    import jinja2
    from nsist.nsiswriter import NSISFileWriter

    builder = layout.builder
    writer = NSISFileWriter("pyapp.nsi", installerbuilder=builder)
    environment = writer.template.environment.overlay(
        loader=jinja2.FileSystemLoader(str(TEMPLATES / "nsis")))
    writer.template = environment.get_template("posturewatch.nsi")
    writer.namespace.update(launcher=windows.LAUNCHER,
                            vi_version=vi_version(builder.version))  # type: ignore[attr-defined]
    script = layout.root / "installer.nsi"
    writer.write(str(script))
    return script


def build(spec: BuildSpec) -> Path:
    """Build ``PostureWatch-<version>-amd64.exe`` into ``spec.out``; return its path."""
    makensis = require("makensis")
    layout = windows.lay_out(spec)
    shutil.copyfile(spec.policy, layout.root / "policy.toml")
    script = render_script(layout)
    log("compiling the installer with makensis (solid LZMA)")
    run([makensis, "-V2", "-INPUTCHARSET", "UTF8", script])
    built = layout.root / layout.builder.installer_name  # type: ignore[attr-defined]
    target = spec.out / built.name
    shutil.move(built, target)
    return target

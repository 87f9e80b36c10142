"""What one build is asked to make: the checked policy, the version, where to put the result."""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from installers.payload import REPO_ROOT
from installers.tools import BuildError

APP_NAME = "PostureWatch"
PACKAGE = "posturewatch"
SUMMARY = "quiet, private posture and sitting-time monitor"
DESCRIPTION = (
    "PostureWatch lives in the system tray. Every few seconds it takes one webcam "
    "frame, finds the head and shoulders with MediaPipe pose, tracks how long the "
    "person has sat without a break and nudges them to move, drink water and sit "
    "up straight. It stores only numbers (minute summaries and events) in a local "
    "SQLite file, never an image, and opens no network socket."
)
WORK_DIR = REPO_ROOT / "installers" / ".build"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class BuildSpec:
    """One installer build.

    ``policy`` has passed ``posturewatch config check``; ``organisation`` and
    ``contact`` come from its optional ``[meta]`` table (``""`` when absent).
    ``work`` is a scratch folder of this target, emptied at the start.
    """

    policy: Path
    version: str
    out: Path
    work: Path
    organisation: str = ""
    contact: str = ""
    distro: str = ""  # the .deb's release (bookworm, trixie ...); "" = the build machine's
    models: Path | None = None  # a folder of pose_landmarker_*.task files to carry

    @property
    def maintainer(self) -> str:
        """``Name <email>`` for package metadata: the policy's organisation, or ours."""
        if self.organisation and re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", self.contact):
            return f"{self.organisation} <{self.contact}>"
        return "PostureWatch packagers <packagers@posturewatch.invalid>"

    @property
    def publisher(self) -> str:
        return self.organisation or APP_NAME


def project_version() -> str:
    """``__version__`` of the checkout's ``posturewatch`` package."""
    text = (REPO_ROOT / "posturewatch" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise BuildError("no __version__ in posturewatch/__init__.py")
    return match.group(1)


def policy_meta(policy: Path) -> tuple[str, str]:
    """``(organisation, contact)`` from the policy's ``[meta]`` table, ``""`` when absent."""
    data = tomllib.loads(policy.read_text(encoding="utf-8-sig"))
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    organisation = meta.get("organisation", "")
    contact = meta.get("contact", "")
    return (organisation if isinstance(organisation, str) else "",
            contact if isinstance(contact, str) else "")


def make_spec(policy: Path, version: str | None, out: Path, target: str, distro: str = "",
              models: Path | None = None) -> BuildSpec:
    """A :class:`BuildSpec` with an empty work folder for ``target``."""
    work = WORK_DIR / target
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    out.mkdir(parents=True, exist_ok=True)
    organisation, contact = policy_meta(policy)
    return BuildSpec(policy=policy.resolve(), version=version or project_version(),
                     out=out.resolve(), work=work, organisation=organisation, contact=contact,
                     distro=distro, models=models.resolve() if models else None)

"""Build a PostureWatch installer that carries an organisation's IT policy.

    python installers/build.py --policy company-policy.toml --target deb|msi|exe|pkg \
        [--version X] [--out DIR] [--distro bookworm|trixie] [--models DIR]

``--distro`` (deb only) picks the Debian release the package is for (default:
the build machine's own, from /etc/os-release); ``--models`` is a folder of
``pose_landmarker_{lite,full}.task`` files the package carries (required for a
release whose Python gets mediapipe 1.x, which bundles no model).

The policy is checked first, exactly as ``posturewatch config check`` checks
a policy file; a bad one is refused with file, line and key of each problem
(exit code 2) and nothing is built. Then the target's builder runs
(installers/deb.py, msi.py, nsis.py, pkg.py) and the installer lands in
``--out`` (default ``dist/``). The last line of output is the installer's
path. Downloads (wheels, the embeddable Python) are cached under
``installers/.cache/`` so rebuilds work offline; exit code 3 means a
download failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the checkout importable (installers.*, posturewatch.config).
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from installers.tools import BuildError, DownloadError, log, tree_size  # noqa: E402

TARGETS = ("deb", "msi", "exe", "pkg")


def check_policy(policy: Path) -> list[str]:
    """Every problem of ``policy`` as an IT policy file, one ``file:line: key: message`` each.

    The same validation as ``posturewatch config check`` (``config.check_file``),
    read as a policy: settings must sit in ``[defaults]`` or ``[enforced]``.
    """
    from posturewatch.config import check_file

    return [str(problem) for problem in check_file(policy, kind="policy")]


def build(policy: Path, target: str, version: str | None = None,
          out: Path | None = None, distro: str | None = None,
          models: Path | None = None) -> Path:
    """Check ``policy``, build the ``target`` installer, return its path.

    Raises :class:`~installers.tools.BuildError` when the policy has problems
    (the message lists them) or a build step fails.
    """
    if target not in TARGETS:
        raise BuildError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if target != "deb" and (distro or models):
        raise BuildError("--distro and --models are for --target deb only: the Windows and "
                         "macOS installers carry Python 3.11, whose mediapipe bundles its model")
    if models is not None and not models.is_dir():
        raise BuildError(f"--models {models}: no such folder (it should hold "
                         "pose_landmarker_full.task and pose_landmarker_lite.task)")
    if target == "deb":
        from installers.deb import distro_for

        distro = distro_for(distro).codename  # refuses an unknown release before any work
    problems = check_policy(policy)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise BuildError(f"refusing to build: {count} in the policy {policy}:\n"
                         + "\n".join(f"  {p}" for p in problems))
    from installers.spec import REPO_ROOT, make_spec

    spec = make_spec(policy, version, out or REPO_ROOT / "dist", target, distro or "", models)
    if target == "deb":
        from installers import deb as builder
    elif target == "msi":
        from installers import msi as builder  # type: ignore[no-redef]
    elif target == "exe":
        from installers import nsis as builder  # type: ignore[no-redef]
    else:
        from installers import pkg as builder  # type: ignore[no-redef]
    return builder.build(spec)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (0 built, 2 refused/failed, 3 download)."""
    parser = argparse.ArgumentParser(
        prog="installers/build.py",
        description="Build a PostureWatch installer carrying an IT policy.")
    parser.add_argument("--policy", required=True, type=Path,
                        help="the IT policy TOML file ([defaults] and [enforced] tables)")
    parser.add_argument("--target", required=True, choices=TARGETS,
                        help="deb (Debian/Ubuntu), msi or exe (Windows), pkg (macOS)")
    parser.add_argument("--version", default=None,
                        help="installer version (default: the checkout's posturewatch version)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the installer (default: dist/ in the checkout)")
    parser.add_argument("--distro", default=None,
                        help="deb only: the release the package is for (bookworm = Debian 12, "
                             "trixie = Debian 13; default: this machine's)")
    parser.add_argument("--models", type=Path, default=None,
                        help="a folder of pose_landmarker_full.task / _lite.task files for the "
                             "package to carry (needed for trixie)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        result = build(args.policy, args.target, args.version, args.out, args.distro,
                       args.models)
    except DownloadError as error:
        print(f"build.py: download failed: {error}", file=sys.stderr)
        return 3
    except BuildError as error:
        print(f"build.py: {error}", file=sys.stderr)
        return 2
    size = result.stat().st_size if result.is_file() else tree_size(result)
    what = "" if result.is_file() else " (a folder)"
    log(f"built {result.name}{what}: {size / 1e6:.1f} MB in {time.monotonic() - started:.0f} s")
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where PostureWatch's files live on each OS.

User files follow platformdirs; the IT policy lives at a fixed per-OS path
(DESIGN section 6). Two environment variables move them:

- ``POSTUREWATCH_HOME``: put the user's config, data, state and logs under
  this one folder (``config/``, ``data/``, ``state/``, ``cache/``, ``log/``);
  for tests and portable installs. It never moves the IT policy.
- ``POSTUREWATCH_POLICY``: read the IT policy from this file instead; only in
  test mode (``POSTUREWATCH_TEST_MODE=1`` where the policy allows it, see
  ``policy_guard``).

Private by default: the folders PostureWatch creates are 0700 and its files
0600 on Linux and macOS (a stricter umask is honoured), because the database,
config, log, status and baseline say when a person sat and slouched. On
Windows the user profile's ACLs already keep ``%APPDATA%`` and
``%LOCALAPPDATA%`` to the user (and administrators), so nothing is changed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

import platformdirs

from posturewatch.atomic_files import write_atomic

APP_NAME = "PostureWatch"
APP_SLUG = "posturewatch"

POLICY_PATHS = {
    "linux": Path("/etc/posturewatch/policy.toml"),
    "win32": Path(os.environ.get("ProgramData", r"C:\ProgramData")) / APP_NAME / "policy.toml",
    "darwin": Path("/Library/Application Support/PostureWatch/policy.toml"),
}


def _home() -> Path | None:
    value = os.environ.get("POSTUREWATCH_HOME")
    return Path(value) if value else None


def system_policy_path() -> Path:
    """The IT policy's fixed path on this OS (it may not exist)."""
    key = sys.platform if sys.platform in POLICY_PATHS else "linux"
    return POLICY_PATHS[key]


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_SLUG, False))


def user_config_path() -> Path:
    """The user's own ``config.toml`` (it may not exist)."""
    return config_dir() / "config.toml"


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_SLUG, False))


def database_path() -> Path:
    """The monitor's SQLite database."""
    return data_dir() / "posturewatch.db"


def last_good_policy_path() -> Path:
    """The copy of the IT policy kept by the monitor while the policy reads
    cleanly, enforced when the policy later cannot be read."""
    return data_dir() / "policy.last-good.toml"


def baseline_path() -> Path:
    """The calibrated upright posture (JSON, numbers only)."""
    return data_dir() / "baseline.json"


def state_dir() -> Path:
    home = _home()
    return home / "state" if home else Path(platformdirs.user_state_dir(APP_SLUG, False))


def status_path() -> Path:
    """The running monitor's last known state (JSON), read by ``status``."""
    return state_dir() / "status.json"


def lock_path() -> Path:
    """Held by the running monitor so a second one can notice it."""
    return state_dir() / "posturewatch.lock"


def cache_dir() -> Path:
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP_SLUG, False))


def model_cache_dir() -> Path:
    """Pose model files fetched or installed by this user (``model_files``)."""
    return cache_dir() / "models"


def control_dir() -> Path:
    """The spool folder for commands to the running monitor (``control.py``):
    in the user's runtime folder (``$XDG_RUNTIME_DIR`` on Linux), or in the
    state folder where there is no runtime folder (no ``$XDG_RUNTIME_DIR``:
    a cron job, an ssh login; never platformdirs' shared ``/tmp`` fallback)."""
    home = _home()
    if home:
        return home / "run" / "commands"
    if sys.platform.startswith("linux"):
        runtime_root = Path(os.environ.get("XDG_RUNTIME_DIR") or "/nonexistent")
        if _private_folder(runtime_root):
            return runtime_root / APP_SLUG / "commands"
        return state_dir() / "commands"
    runtime = Path(platformdirs.user_runtime_dir(APP_SLUG, False))
    if runtime.parent.is_dir():
        return runtime / "commands"
    return state_dir() / "commands"


def _private_folder(path: Path) -> bool:
    """A folder of this user's that nobody else can enter (what XDG_RUNTIME_DIR must be)."""
    try:
        info = path.stat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & PRIVATE_UMASK)


def log_dir() -> Path:
    home = _home()
    return home / "log" if home else Path(platformdirs.user_log_dir(APP_SLUG, False))


# ---------------------------------------------------------------------------
# Private files and folders
# ---------------------------------------------------------------------------

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077


def private_umask() -> int | None:
    """Make every file this process creates private from now on: group and
    others lose all access (a stricter umask stays as it is). Returns the old
    umask to restore, or None on Windows (profile ACLs already do this)."""
    if os.name == "nt":
        return None
    old = os.umask(PRIVATE_UMASK)
    os.umask(old | PRIVATE_UMASK)
    return old


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and its missing parents) as 0700 folders, honouring a
    stricter umask. An existing folder is left as it is: it may be anyone's
    (``--db /tmp/x.db``); PostureWatch's own folders are tightened by
    :func:`tighten_user_files`. OSError when it cannot be created (a file in
    the way, no permission)."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
    return path


def tighten(path: Path) -> None:
    """Remove group and other permissions from ``path`` when this user owns
    it (never on Windows); problems are ignored, the caller reports access."""
    if os.name == "nt":
        return
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return  # never follow a link out of our folders
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)
    except OSError:
        pass


def write_private_text(path: Path, text: str) -> None:
    """Write ``path`` atomically (a temporary file, then a rename) as a 0600
    file in a 0700 folder. OSError when it cannot."""
    path = Path(path)
    make_private_dir(path.parent)
    write_atomic(path, text, perms=PRIVATE_FILE_MODE)


def private_file(path: Path) -> Path:
    """Create ``path`` empty as a 0600 file if it is missing (so whatever opens
    it next, SQLite or a log handler, finds it private). An existing file is
    left as it is (see :func:`make_private_dir`), but it must be writable:
    OSError when it cannot be created or written (a read-only file system,
    another owner), which is the error the caller explains."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
    os.close(fd)
    return path


def tighten_user_files() -> None:
    """Make PostureWatch's own folders (config, data, state, log) and the files
    directly in them, and in their sub-folders, private when this user owns
    them: for files written before PostureWatch made them private. Never on
    Windows; never raises."""
    for folder in (config_dir(), data_dir(), state_dir(), log_dir()):
        try:
            if not folder.is_dir():
                continue
        except OSError:  # a folder on the way this user cannot search
            continue
        tighten(folder)
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries[:1000]:
            tighten(entry)
            if entry.is_dir() and not entry.is_symlink():
                with contextlib.suppress(OSError):
                    for inner in list(entry.iterdir())[:1000]:
                        tighten(inner)

"""Where PostureWatch's files live on each OS.

User files follow platformdirs; the IT policy lives at a fixed per-OS path
(DESIGN section 6). Two environment variables move them, for tests and for
portable installs:

- ``POSTUREWATCH_HOME``: put the user's config, data, state and logs under
  this one folder (``config/``, ``data/``, ``state/``, ``cache/``, ``log/``).
- ``POSTUREWATCH_POLICY``: read the IT policy from this file instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

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


def policy_path() -> Path:
    """The IT policy file for this OS (it may not exist)."""
    override = os.environ.get("POSTUREWATCH_POLICY")
    if override:
        return Path(override)
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
    state folder where there is no runtime folder."""
    home = _home()
    if home:
        return home / "run" / "commands"
    runtime = Path(platformdirs.user_runtime_dir(APP_SLUG, False))
    if runtime.parent.is_dir():
        return runtime / "commands"
    return state_dir() / "commands"


def log_dir() -> Path:
    home = _home()
    return home / "log" if home else Path(platformdirs.user_log_dir(APP_SLUG, False))

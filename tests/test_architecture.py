"""DESIGN section 2's dependency rule, checked in a fresh interpreter: the pure
core never pulls in the camera, the model, the tray, notifications or SQLite."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PURE = [
    "posturewatch.model",
    "posturewatch.metrics",
    "posturewatch.session",
    "posturewatch.config",
    "posturewatch.calibration",
    "posturewatch.reference",
    "posturewatch.report",
    "posturewatch.messages",
    "posturewatch.stretches",
    "posturewatch.config_edit",
    "posturewatch.config_watch",
    "posturewatch.settings_form",
    "posturewatch.picture",
]
HEAVY = ("cv2", "mediapipe", "pystray", "plyer", "sqlite_utils")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_adapter_library(module: str) -> None:
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == [], f"{module} pulls in {done.stdout.strip()}"


def test_the_rule_can_fail() -> None:
    """The same probe does see a heavy import when there is one."""
    code = (
        "import json, sys; import posturewatch.store; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "sqlite_utils" in json.loads(done.stdout)


def test_no_utils_grab_bag() -> None:
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "posturewatch"
    assert not [p for p in package.glob("*util*.py")]

"""Keeping the IT policy in force: test mode and the policy's last good copy.

Test mode
---------
Two environment variables exist for the test suite and for demos:
``POSTUREWATCH_POLICY`` (read the IT policy from another file) and
``POSTUREWATCH_FAKE_CLOCK`` (a simulated clock). Either one would let a user
escape the IT policy (``POSTUREWATCH_POLICY=/dev/null``) or fool the sitting
timer, so they count only in *test mode*:

- ``POSTUREWATCH_TEST_MODE=1`` asks for it, and
- the policy at the fixed per-OS path allows it: no policy, or a policy with
  no ``[enforced]`` table, allows it; a policy that enforces anything forbids
  it unless its ``[enforced]`` table says ``allow_test_mode = true``; a policy
  that exists but cannot be read forbids it.

Outside test mode the variables are ignored, and ``config show``, ``doctor``
and the log say so.

The last good copy
------------------
The running monitor keeps a copy of the policy, taken whenever the policy
reads cleanly, beside the database (``paths.last_good_policy_path()``). When
the policy later cannot be read (a permission slip in a deployment) or is
damaged, ``config.load`` enforces that copy instead of failing open.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from posturewatch import paths
from posturewatch.checks import Check, Status
from posturewatch.config import Resolved, last_good_text, load, policy_allows_test_mode

log = logging.getLogger(__name__)

TEST_MODE_ENV = "POSTUREWATCH_TEST_MODE"
POLICY_ENV = "POSTUREWATCH_POLICY"
FAKE_CLOCK_ENV = "POSTUREWATCH_FAKE_CLOCK"
OVERRIDE_ENVS = (POLICY_ENV, FAKE_CLOCK_ENV)


@dataclass(frozen=True)
class ModeState:
    """``requested``: the variable is set; ``active``: it counts; ``reason``:
    why, in words (names the policy file)."""

    requested: bool
    active: bool
    reason: str


def check_test_mode() -> ModeState:
    """Whether test mode is on for this process (reads the system policy)."""
    value = os.environ.get(TEST_MODE_ENV, "").strip().lower()
    if value not in ("1", "true", "yes", "on"):
        return ModeState(False, False, f"{TEST_MODE_ENV} is not set")
    allowed, why = policy_allows_test_mode(paths.system_policy_path())
    return ModeState(True, allowed, why)


def env_override(name: str) -> str | None:
    """The value of one test-only variable when it is set and test mode is
    active, else None."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    return value if check_test_mode().active else None


def policy_path() -> Path:
    """The IT policy file in force (it may not exist): the fixed per-OS path
    (``paths.system_policy_path``), or ``POSTUREWATCH_POLICY`` in test mode."""
    override = env_override(POLICY_ENV)
    return Path(override) if override else paths.system_policy_path()


def override_notes() -> list[str]:
    """Sentences about the test-only variables set in this environment: used
    (test mode) or ignored, and why. Empty when none is set."""
    given = [name for name in OVERRIDE_ENVS if os.environ.get(name, "").strip()]
    if not given:
        return []
    mode = check_test_mode()
    names = " and ".join(given)
    if mode.active:
        return [f"Test mode: {names} in effect ({mode.reason})."]
    if mode.requested:
        return [f"{names} ignored: test mode is forbidden here ({mode.reason})."]
    return [f"{names} ignored: it only counts with {TEST_MODE_ENV}=1, which is for tests."]


def load_settings(config_file: Path | None = None,
                  overrides: dict[str, object] | None = None) -> Resolved:
    """Settings from every layer, with the policy's last good copy as the
    fallback; ``config_file`` replaces the usual user file. Never writes."""
    user = Path(config_file) if config_file else paths.user_config_path()
    return load(user, policy_path(), overrides or {},
                last_good=paths.last_good_policy_path())


def remember_policy() -> Path | None:
    """Keep the policy as its last good copy when it reads cleanly; return the
    copy's path, or None when there was nothing good to keep (no policy, a
    damaged one) or it could not be written (logged). Called by the monitor
    at start-up; the copy is private (0600)."""
    text = last_good_text(policy_path())
    if text is None:
        return None
    target = paths.last_good_policy_path()
    try:
        if target.exists() and target.read_text(encoding="utf-8") == text:
            return target
        paths.write_private_text(target, text)
    except OSError as exc:
        log.warning("cannot keep a copy of the IT policy at %s: %s", target, exc)
        return None
    return target


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check() -> Check:
    """The settings load: a damaged policy, problems in the user file, test mode."""
    resolved = load_settings()
    locked = len(resolved.locked)
    where = f"user file {paths.user_config_path()}"
    extra = f"; {locked} locked by your organisation's policy" if locked else ""
    notes = " ".join(override_notes())
    if resolved.alerts:
        return Check("settings", Status.FAIL, " ".join(resolved.alerts) + extra,
                     f"`posturewatch config check {policy_path()}` names each damaged "
                     "line; `posturewatch config show` shows what is enforced meanwhile.")
    if notes:
        extra += f"; {notes}"
    if resolved.problems:
        first = str(resolved.problems[0])
        return Check("settings", Status.WARN,
                     f"{len(resolved.problems)} problem(s) in the settings ({first}){extra}",
                     "`posturewatch config check FILE` names each problem; the bad keys are "
                     "ignored meanwhile.")
    return Check("settings", Status.OK, f"settings load cleanly ({where}){extra}")

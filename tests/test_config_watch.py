"""Settings apply live: the loop notices a changed config file (from the
settings window or an editor), uses it from the next tick, and reports
problems in it as one notification each, once."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from test_metrics import person

from posturewatch.app import Monitor
from posturewatch.camera import Grab
from posturewatch.clock import SimulatedClock
from posturewatch.config import load
from posturewatch.config_edit import save_values
from posturewatch.config_watch import PROBLEM_TITLE, ConfigWatch, problem_message
from posturewatch.model import CameraState, Landmarks, Nudge, NudgeKind
from posturewatch.notify import RecordingNotifier
from posturewatch.store_protocol import MemoryStore

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def write(path: Path, text: str) -> None:
    """Write and move the mtime on, as a later save would."""
    path.write_text(text, encoding="utf-8")
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_a_changed_file_is_loaded_and_problems_are_told_once(tmp_path: Path) -> None:
    user, policy = tmp_path / "config.toml", tmp_path / "policy.toml"
    write(user, "sit_limit_min = 45\nwork_hours = \"nine to five\"\n")
    watch = ConfigWatch(user, policy, {"sample_interval_s": 30.0}, load(user, policy))
    first = watch.check()  # the problems the monitor started with
    assert first.resolved is None and [p.key for p in first.problems] == ["work_hours"]
    assert watch.check().problems == () and watch.check().resolved is None

    write(user, "sit_limit_min = 50\nwork_hours = \"nine to five\"\n")
    again = watch.check()
    assert again.resolved is not None and again.resolved.settings.sit_limit_min == 50.0
    assert again.resolved.settings.sample_interval_s == 30.0  # the command line still wins
    assert again.problems == ()  # the same problem is not told twice

    write(user, "\n\nsit_limit_min = 50\nwork_hours = \"08:00-17:00\"\nsit_limt_min = 3\n")
    typo = watch.check()
    assert [p.key for p in typo.problems] == ["sit_limt_min"]
    write(user, "work_hours = \"nine to five\"\n")  # fixed once, broken again: told again
    assert [p.key for p in watch.check().problems] == ["work_hours"]


def test_an_it_policy_change_applies_too(tmp_path: Path) -> None:
    user, policy = tmp_path / "config.toml", tmp_path / "policy.toml"
    watch = ConfigWatch(user, policy, {}, load(user, policy))
    watch.check()
    write(policy, "[enforced]\nsit_limit_min = 60\n")
    changed = watch.check().resolved
    assert changed is not None and changed.locked == {"sit_limit_min"}


def test_the_problem_notification_names_file_line_and_key(tmp_path: Path) -> None:
    user = tmp_path / "config.toml"
    write(user, "sit_limit_min = 2\nbreak_min_s = true\n")
    problems = load(user, None).problems
    title, body = problem_message(problems[:1])
    assert title == PROBLEM_TITLE
    assert body.startswith("config.toml line 1: sit_limit_min: must be a number between 5 and")
    assert "The other settings apply" in body
    _title, both = problem_message(problems)
    assert "(1 more: `posturewatch config check " in both


class Seated:
    """A camera that always sees someone sitting upright (a seam, not a model):
    each frame is fresh noise, so the picture check sees a live camera."""

    def __init__(self) -> None:
        self._noise = np.random.default_rng(7)

    def grab(self) -> Grab:
        return Grab(self._noise.integers(0, 256, (48, 64, 3), dtype=np.uint8), CameraState.OK)

    def close(self) -> None:
        pass


class UprightPose:
    def estimate(self, frame: object) -> Landmarks:
        return person()


def test_the_running_loop_uses_a_new_sitting_limit_without_a_restart(tmp_path: Path) -> None:
    user, policy = tmp_path / "config.toml", tmp_path / "policy.toml"
    write(user, "# my limit\nsit_limit_min = 20\nsample_interval_s = 60\n")
    resolved = load(user, policy)
    notifier = RecordingNotifier()
    monitor = Monitor(resolved.settings, Seated(), UprightPose(), MemoryStore(), notifier,
                      SimulatedClock(START))
    monitor.config_watch = ConfigWatch(user, policy, {}, resolved)
    heard: list[float] = []
    monitor.settings_listeners.append(lambda r: heard.append(r.settings.sit_limit_min))
    for _ in range(10):  # 9 minutes of sitting
        monitor.tick()
        monitor.clock.advance(60)
    save_values(user, {"sit_limit_min": 10.0})  # as the settings window does
    shown = []
    for _ in range(3):
        shown += [a for a in monitor.tick().actions if isinstance(a, Nudge)]
        monitor.clock.advance(60)
    assert heard == [10.0]
    assert monitor.settings.sit_limit_min == 10.0 and monitor.tracker.settings.sit_limit_min == 10
    assert [n.kind for n in shown] == [NudgeKind.BREAK]  # at 10 minutes, not 20
    # The posture sensitivity reaches the learned reference too.
    before = monitor.references.reference.nose_tolerance
    save_values(user, {"posture_sensitivity": 2.0})
    monitor.tick()
    assert monitor.references.reference.nose_tolerance < before
    assert user.read_text(encoding="utf-8").startswith("# my limit\n")
    # A bad value written by hand: one notification; that key falls back to its default.
    write(user, "sit_limit_min = 1000\nsample_interval_s = 60\n")
    for _ in range(3):
        monitor.tick()
        monitor.clock.advance(60)
    told = [s for s in notifier.log if s.kind == "settings"]
    assert len(told) == 1 and told[0].icon == "problem"
    assert "sit_limit_min: must be a number between 5 and 240" in told[0].body
    assert monitor.settings.sit_limit_min == 30.0  # the bad key is ignored: built-in default

# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""The first-run welcome: when it shows, the skeleton-only preview from a real
video through the real model, the countdown, calibration and its refusal, and
that nothing but numbers is written."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from desktop import FakeAutostart, XServer, screen  # noqa: F401 - fixture

from posturewatch import onboarding, paths
from posturewatch.calibration import load_baseline
from posturewatch.camera import VideoFileSource, WebcamSource
from posturewatch.model import CameraState

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".avi", ".npy", ".ppm")


def test_the_welcome_shows_once_and_only_for_a_webcam(astronaut_video) -> None:  # noqa: ANN001
    assert onboarding.should_welcome(WebcamSource(0))
    video = VideoFileSource(astronaut_video(1, 0))
    try:
        assert not onboarding.should_welcome(video)
    finally:
        video.close()
    onboarding.mark_welcomed()
    assert onboarding.marker_path().parent == paths.state_dir()
    assert not onboarding.should_welcome(WebcamSource(0))


def test_the_pages_say_what_is_kept_and_where() -> None:
    title, body = onboarding.page_text(1)
    assert title == "What it keeps"
    assert str(paths.data_dir()) in body
    assert "No photo or video of you is ever saved or sent" in body
    assert [t for t, _b in onboarding.PAGES] == [
        "Welcome to PostureWatch", "What it keeps", "Camera check", "Calibrate", "All set"]


def test_the_preview_line_says_what_the_camera_found() -> None:
    from posturewatch.model import Sample, Verdict

    assert onboarding.describe(None, CameraState.OK) == onboarding.STARTING
    assert onboarding.describe(Sample(False, Verdict.UNKNOWN), CameraState.OK) == onboarding.NOBODY
    missing = onboarding.describe(None, CameraState.MISSING, "Plug in a webcam.")
    assert missing == "The camera gives no picture (missing). Plug in a webcam."


# -- the window, on a private X server, with the real model -------------------------------
def pump_until(root, condition: Callable[[], object], timeout_s: float, what: str) -> object:  # noqa: ANN001
    """Run Tk's event loop until ``condition()`` holds (real-time deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        root.update()
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.02)


def items(canvas, kind: str) -> list[int]:  # noqa: ANN001
    """The canvas items of one type ("oval", "line", "text")."""
    return [i for i in canvas.find_all() if canvas.type(i) == kind]


@pytest.fixture
def welcome(screen: XServer, monkeypatch: pytest.MonkeyPatch):
    import tkinter as tk

    monkeypatch.setenv("DISPLAY", screen.display)
    root = tk.Tk()
    made = []

    def make(source: str) -> object:
        from posturewatch.onboarding_window import WelcomeWindow

        window = WelcomeWindow(root, source, FakeAutostart(), second_ms=200, spacing_s=0.1)
        made.append(window)
        return window

    yield root, make
    for window in made:
        if window.feed is not None:
            window.feed.stop()
    try:
        root.destroy()
    except tk.TclError:
        pass


@pytest.mark.model
def test_camera_check_draws_only_a_skeleton_and_calibration_counts_down(
        welcome, astronaut_video, screen: XServer, tmp_path: Path) -> None:  # noqa: ANN001
    root, make = welcome
    window = make(str(astronaut_video(12, 0)))
    assert window.page == 0 and window.back_button.instate(["disabled"])
    window.next()
    window.next()
    assert window.page == 2 and window.feed is not None
    pump_until(root, lambda: window.status.get() == onboarding.SEEN, 60, "the person in view")
    pump_until(root, lambda: items(window.canvas, "oval"), 10, "the skeleton")
    kinds = {window.canvas.type(item) for item in window.canvas.find_all()}
    assert kinds <= {"line", "oval"}  # dots and lines: never an image item
    assert len(items(window.canvas, "oval")) == 7
    screen.screenshot("welcome-camera-check")

    window.next()
    assert window.page == 3
    window.start_calibration()
    shown: list[str] = []

    def countdown_text() -> list[str]:
        texts = [window.canvas.itemcget(i, "text") for i in items(window.canvas, "text")]
        for text in texts:
            if not shown or shown[-1] != text:
                shown.append(text)
        return []

    def done() -> bool:
        countdown_text()
        return window.status.get() == onboarding.CALIBRATED

    pump_until(root, done, 60, "the calibration")
    assert shown == ["3", "2", "1"]
    assert load_baseline(paths.baseline_path()) is not None
    screen.screenshot("welcome-calibrated")
    window.next()
    window.login.set(True)
    window.next()  # Finish
    assert window.autostart.on is True
    assert onboarding.marker_path().exists()
    # Only numbers were written: no picture anywhere in the user's folders.
    home = paths.data_dir().parent
    written = [p for p in home.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
    assert written == [], written


@pytest.mark.model
def test_a_slouched_calibration_is_refused_and_says_why(
        welcome, shared_data: Path, tmp_path: Path, pose_estimator) -> None:  # noqa: ANN001
    import shutil

    import cv2

    from posturewatch.metrics import measure

    # The deepest slouch of posture-dev (head bowed over a phone), shown in a loop.
    def score(photo: Path) -> float:
        return measure(pose_estimator.estimate(cv2.imread(str(photo))), None).score

    deepest = max(sorted((shared_data / "posture-dev" / "slouched").iterdir()), key=score)
    folder = tmp_path / "slouched"
    folder.mkdir()
    shutil.copy(deepest, folder / f"deep{deepest.suffix}")
    root, make = welcome
    window = make(str(folder))
    window.show(3)
    pump_until(root, lambda: window.feed.view.sample is not None, 60, "a first sample")
    window.start_calibration()
    refused = pump_until(root, lambda: window.status.get().startswith("That did not work"),
                         60, "the refusal")
    assert refused
    assert "looks slouched" in window.status.get()
    assert load_baseline(paths.baseline_path()) is None
    # The person may overrule it: the reference is one person's upright.
    assert window.keep.winfo_ismapped() or (root.update() or window.keep.winfo_ismapped())
    window.keep_anyway()
    assert window.status.get() == onboarding.CALIBRATED
    assert load_baseline(paths.baseline_path()) is not None
    window.skip()
    assert onboarding.marker_path().exists()

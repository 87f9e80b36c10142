"""``posturewatch status`` wording from a status file the monitor wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from posturewatch.config import Settings
from posturewatch.model import CameraState, Presence, Sample, Verdict
from posturewatch.session import Tracker
from posturewatch.status import describe_status, status_data

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
PRESENT = Sample(present=True, verdict=Verdict.UPRIGHT, confidence=0.9)


def sat_for(minutes: int) -> Tracker:
    tracker = Tracker(Settings())
    for i in range(minutes * 12 + 1):
        tracker.step(T0 + timedelta(seconds=5 * i), PRESENT)
    return tracker


def test_status_says_sitting_time_verdict_camera_and_next_nudge() -> None:
    tracker = sat_for(12)
    now = T0 + timedelta(minutes=12)
    text = describe_status(status_data(tracker.state(now), True, {"baseline": True}),
                           now, UTC)
    assert "Sitting for 12 minutes." in text
    assert "Last verdict: upright." in text
    assert "Camera: working." in text
    assert "Next nudge: break at 09:30." in text
    assert "calibrate" not in text


def test_status_for_an_open_ended_pause_and_a_busy_camera() -> None:
    tracker = sat_for(2)
    now = T0 + timedelta(minutes=2)
    tracker.pause(now, None)
    tracker.step(now + timedelta(seconds=5), Sample(False, Verdict.UNKNOWN,
                                                    camera=CameraState.BUSY))
    state = tracker.state(now + timedelta(seconds=5))
    assert state.camera is CameraState.BUSY
    text = describe_status(status_data(state, False, {"baseline": False}), now, UTC)
    assert "not running" in text
    assert "Paused until you resume: the camera stays off." in text
    assert "in use by another app" in text
    assert "posturewatch calibrate" in text
    assert state.presence is not Presence.PRESENT or "Sitting" in text


def test_status_without_any_file() -> None:
    text = describe_status({"running": False}, T0, UTC)
    assert "not running" in text and "No status yet" in text


def test_status_suggests_calibrating_again_after_a_camera_move() -> None:
    from datetime import UTC, datetime

    from posturewatch.status import describe_status

    now = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    data = {"running": True, "pid": 1, "at": now.isoformat(), "presence": "present",
            "verdict": "upright", "camera_moved_since_calibration": True}
    assert "calibrate` again" in describe_status(data, now, UTC)
    data["camera_moved_since_calibration"] = False
    assert "calibrate` again" not in describe_status(data, now, UTC)

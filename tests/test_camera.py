"""Frame sources: a real video file, a real image folder, and the webcam's
open-read-release cycle through a small fake capture at the cv2 seam."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch import camera
from posturewatch.camera import (
    ImageFolderSource,
    SourceError,
    VideoFileSource,
    WebcamSource,
    open_source,
)
from posturewatch.model import CameraState


def test_video_file_gives_every_frame_then_ends(astronaut_video) -> None:
    source = VideoFileSource(astronaut_video(n_astronaut=3, n_blank=2))
    grabs = [source.grab() for _ in range(6)]
    source.close()
    assert [g.state for g in grabs] == [CameraState.OK] * 5 + [CameraState.ENDED]
    assert all(g.frame is not None and g.frame.shape == (480, 640, 3) for g in grabs[:5])
    assert grabs[5].frame is None


def test_image_folder_in_name_order_skipping_unreadable(tmp_path: Path, blank_bgr) -> None:
    for name, value in (("b.png", 200), ("a.png", 50)):
        cv2.imwrite(str(tmp_path / name), np.full_like(blank_bgr, value))
    (tmp_path / "c.jpg").write_bytes(b"not a jpeg")
    (tmp_path / "notes.txt").write_text("ignored")
    source = ImageFolderSource(tmp_path)
    first, second, third = source.grab(), source.grab(), source.grab()
    assert int(first.frame[0, 0, 0]) == 50 and int(second.frame[0, 0, 0]) == 200
    assert third.state is CameraState.ENDED


def test_open_source_picks_the_kind(tmp_path: Path, astronaut_video, blank_bgr) -> None:
    assert isinstance(open_source("0"), WebcamSource)
    assert open_source(None, default_index=2).index == 2
    assert isinstance(open_source(str(astronaut_video())), VideoFileSource)
    cv2.imwrite(str(tmp_path / "x.png"), blank_bgr)
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)


def test_open_source_explains_a_bad_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="neither a camera index"):
        open_source(str(tmp_path / "missing.mp4"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="holds no images"):
        open_source(str(empty))


class FakeCapture:
    """Stands in for cv2.VideoCapture: counts what the source does with it."""

    def __init__(self, frames_ok: bool = True) -> None:
        self.frames_ok = frames_ok
        self.grabs = self.reads = self.releases = 0
        self.opened = True

    def isOpened(self) -> bool:  # noqa: N802 - cv2's name
        return self.opened

    def grab(self) -> bool:
        self.grabs += 1
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.reads += 1
        if not self.frames_ok:
            return False, None
        return True, np.zeros((4, 4, 3), np.uint8)

    def release(self) -> None:
        self.releases += 1
        self.opened = False


class CountingWebcam(WebcamSource):
    """A WebcamSource whose device is a FakeCapture (or absent)."""

    def __init__(self, captures: list[FakeCapture | None], **kwargs: object) -> None:
        super().__init__(index=3, **kwargs)  # type: ignore[arg-type]
        self.captures = captures
        self.opens = 0

    def _open(self):  # type: ignore[override]
        if self._cap is not None and self._cap.isOpened():
            return self._cap
        self.opens += 1
        return self.captures.pop(0) if self.captures else None


def test_webcam_opens_warms_up_reads_and_releases_each_sample() -> None:
    caps = [FakeCapture(), FakeCapture()]
    source = CountingWebcam(list(caps), warmup_frames=4)
    assert source.grab().state is CameraState.OK
    assert source.grab().state is CameraState.OK
    assert source.opens == 2
    assert [(c.grabs, c.reads, c.releases) for c in caps] == [(4, 1, 1), (4, 1, 1)]


def test_webcam_keep_open_warms_up_once_and_keeps_the_device() -> None:
    cap = FakeCapture()
    source = CountingWebcam([cap], warmup_frames=4, keep_open=True)
    for _ in range(3):
        assert source.grab().frame is not None
    assert (source.opens, cap.grabs, cap.reads, cap.releases) == (1, 4, 3, 0)
    source.close()
    assert cap.releases == 1


def test_missing_camera_is_a_state_with_advice_and_backs_off(monkeypatch, caplog) -> None:
    monkeypatch.setattr(camera.os.path, "exists", lambda _p: False)
    source = CountingWebcam([])
    results = [source.grab() for _ in range(12)]
    assert {r.state for r in results} == {CameraState.MISSING}
    assert "--source" in results[0].message
    # attempts at ticks 1, 2, 4, 8 (back-off 1, 2, 4 skipped ticks), not 12
    assert source.opens == 4
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, "a missing camera is logged once, not every tick"


def test_busy_camera_then_back(monkeypatch) -> None:
    monkeypatch.setattr(camera.os.path, "exists", lambda _p: True)
    source = CountingWebcam([FakeCapture(frames_ok=False), FakeCapture()], warmup_frames=0)
    assert source.grab().state is CameraState.BUSY
    assert source.grab().state is CameraState.BUSY  # skipped tick during back-off
    assert source.grab().state is CameraState.OK
    assert source.state is CameraState.OK


def test_real_missing_camera_index_gives_no_frame() -> None:
    source = WebcamSource(index=63, warmup_frames=0)
    grab = source.grab()
    source.close()
    assert grab.frame is None and grab.state in (CameraState.MISSING, CameraState.BUSY)

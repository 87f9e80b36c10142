"""Frame sources: a webcam by index, a video file, a folder of images.

Only numbers leave this module's callers: a frame lives in memory for one tick
and is never written anywhere. A missing, busy or unplugged camera is a state
(``CameraState``), not an exception: the source says so once in the log and
backs off, counting ticks so this module never reads a clock.

Every method is called from the sampling thread only.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from posturewatch.checks import Check, Status
from posturewatch.model import CameraState

log = logging.getLogger(__name__)

# OpenCV's own notices ("can't open camera by index") repeat at every retry;
# this module says it once, in words. OPENCV_LOG_LEVEL=... brings them back.
def _silence_opencv() -> None:
    """OpenCV 4 has ``cv2.setLogLevel``; OpenCV 5 (beside mediapipe 1.x) moved
    it to ``cv2.utils.logging``."""
    set_level = getattr(cv2, "setLogLevel", None)
    if set_level is None:
        try:
            from cv2.utils import logging as cv_logging  # type: ignore[import-not-found]

            set_level = cv_logging.setLogLevel
        except (ImportError, AttributeError):
            return
    set_level(0)  # 0 = LOG_LEVEL_SILENT


if "OPENCV_LOG_LEVEL" not in os.environ:
    _silence_opencv()

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
MAX_BACKOFF_TICKS = 12  # at 5 s a tick: one retry a minute at most


@dataclass(frozen=True)
class Grab:
    """One attempt to take a frame: ``frame`` is BGR uint8 or None."""

    frame: np.ndarray | None
    state: CameraState
    message: str = ""


class FrameSource(Protocol):
    """Anything that yields frames one tick at a time."""

    def grab(self) -> Grab: ...

    def close(self) -> None: ...


class SourceError(Exception):
    """A source that cannot exist (a path that is not there), with what to try."""


def camera_help(index: int) -> str:
    """What to tell a user whose camera ``index`` gave no frame."""
    hints = [
        f"No frame from camera {index}.",
        "Check that a webcam is connected and switched on, and that no other app"
        " (a video call) is holding it.",
    ]
    if sys.platform.startswith("linux"):
        hints.append("On Linux, `ls /dev/video*` lists cameras; your user needs the 'video' group.")
    elif sys.platform == "darwin":
        hints.append("On macOS, allow camera access in System Settings > Privacy & Security.")
    elif sys.platform == "win32":
        hints.append("On Windows, allow camera access in Settings > Privacy > Camera.")
    hints.append(
        "Try another camera with `--source 1`, or test with a video file: "
        "`posturewatch run --headless --source clip.mp4`."
    )
    return " ".join(hints)


class WebcamSource:
    """A webcam by index. By default it opens the camera for each sample,
    discards ``warmup_frames`` (auto-exposure settling), reads one frame and
    releases it, so the camera light is off between samples; ``keep_open``
    keeps it open instead (faster, light stays on).

    After a failure it skips 1, 2, 4 ... up to ``MAX_BACKOFF_TICKS`` ticks
    before trying again, and logs only when the state changes.
    """

    def __init__(self, index: int = 0, warmup_frames: int = 5, keep_open: bool = False) -> None:
        self.index = index
        self.warmup_frames = warmup_frames
        self.keep_open = keep_open
        self._cap: cv2.VideoCapture | None = None
        self._state = CameraState.OK
        self._failures = 0
        self._skip = 0

    @property
    def state(self) -> CameraState:
        return self._state

    def _open(self) -> cv2.VideoCapture | None:
        if self._cap is not None and self._cap.isOpened():
            return self._cap
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            return None
        return cap

    def _device_exists(self) -> bool:
        if sys.platform.startswith("linux"):
            return os.path.exists(f"/dev/video{self.index}")
        return True  # no cheap way to tell missing from busy elsewhere

    def _fail(self, state: CameraState) -> Grab:
        self._failures += 1
        self._skip = min(2 ** (self._failures - 1), MAX_BACKOFF_TICKS)
        message = camera_help(self.index)
        if state is not self._state:
            log.warning("camera %s is %s: %s", self.index, state.value, message)
        self._state = state
        return Grab(None, state, message)

    def grab(self) -> Grab:
        if self._skip > 0:
            self._skip -= 1
            return Grab(None, self._state, camera_help(self.index))
        cap = self._open()
        if cap is None:
            busy = self._device_exists()
            return self._fail(CameraState.BUSY if busy else CameraState.MISSING)
        frame = None
        try:
            fresh = self._cap is None
            for _ in range(self.warmup_frames if fresh else 0):
                cap.grab()
            ok, frame = cap.read()
        finally:
            if self.keep_open:
                self._cap = cap
            else:
                cap.release()
                self._cap = None
        if not ok or frame is None:
            if self._cap is not None:
                self._cap.release()
                self._cap = None
            return self._fail(CameraState.BUSY)
        if self._state is not CameraState.OK:
            log.info("camera %s is back", self.index)
        self._state = CameraState.OK
        self._failures = 0
        return Grab(frame, CameraState.OK)

    def release(self) -> None:
        """Let go of a camera kept open (``keep_open``); the next grab opens it again."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def close(self) -> None:
        self.release()


class VideoFileSource:
    """Each grab returns the next frame of a video file; ENDED after the last."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"Cannot read video {self.path}: not a video OpenCV can decode.")

    def grab(self) -> Grab:
        ok, frame = self._cap.read()
        if not ok or frame is None:
            return Grab(None, CameraState.ENDED, f"end of {self.path.name}")
        return Grab(frame, CameraState.OK)

    def close(self) -> None:
        self._cap.release()


def iter_image_paths(folder: Path) -> list[Path]:
    """The image files directly in ``folder`` (``IMAGE_SUFFIXES``, any case),
    sorted by name; an empty list when the folder does not exist. The one
    list of what counts as an image: the image-folder source, ``eval`` and
    the benchmarks all read folders through here."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES), key=lambda p: p.name)


class ImageFolderSource:
    """Each grab returns the next image of a folder (sorted by name)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._paths: Iterator[Path] = iter(iter_image_paths(self.folder))

    def grab(self) -> Grab:
        for path in self._paths:
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is not None:
                return Grab(frame, CameraState.OK)
            log.warning("skipping %s: not an image OpenCV can read", path)
        return Grab(None, CameraState.ENDED, f"no more images in {self.folder}")

    def close(self) -> None:
        self._paths = iter(())


MAX_CAMERA_INDEX = 1023  # OpenCV's index mixes a backend id (x100) into the camera number


def open_source(
    spec: str | int | None, warmup_frames: int = 5, keep_open: bool = False, default_index: int = 0
) -> FrameSource:
    """A frame source from ``--source``: a camera index, a video file or an image folder."""
    if spec is None or (isinstance(spec, str) and spec.strip() == ""):
        return WebcamSource(default_index, warmup_frames, keep_open)
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        if not 0 <= index <= MAX_CAMERA_INDEX:
            raise SourceError(f"{spec} is not a camera index: cameras are numbered 0 to "
                              f"{MAX_CAMERA_INDEX}. Use --source 0 for the first webcam.")
        return WebcamSource(index, warmup_frames, keep_open)
    path = Path(spec).expanduser()
    if path.is_dir():
        if not iter_image_paths(path):
            raise SourceError(f"{path} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
        return ImageFolderSource(path)
    if path.is_file():
        return VideoFileSource(path)
    raise SourceError(
        f"{spec} is neither a camera index, a video file nor a folder of images. "
        "Use --source 0 for the first webcam, or give an existing file or folder."
    )


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check(source: str | None) -> Check:
    """The camera the settings choose (or ``source``): it opens and gives a frame."""
    from posturewatch.policy_guard import load_settings

    settings = load_settings().settings
    try:
        frames = open_source(source, settings.camera_warmup_frames, False, settings.camera_index)
    except SourceError as exc:
        return Check("camera", Status.FAIL, str(exc), "Give --source an existing file or index.")
    try:
        grab = frames.grab()
    finally:
        frames.close()
    what = (f"camera {frames.index}" if isinstance(frames, WebcamSource)
            else f"source {source}")
    if grab.frame is None:
        index = frames.index if isinstance(frames, WebcamSource) else settings.camera_index
        return Check("camera", Status.FAIL, f"no frame from {what} ({grab.state.value})",
                     grab.message or camera_help(index))
    height, width = grab.frame.shape[:2]
    return Check("camera", Status.OK, f"{what} gives {width}x{height} frames")

"""MediaPipe pose: one frame in, ``Landmarks`` (pixels) or ``None`` out.

The only module that imports mediapipe. It wraps the legacy
``mp.solutions.pose.Pose`` graph of mediapipe 0.10.21, whose wheel bundles the
``model_complexity=1`` model (0 and 2 would be downloaded at run time, which we
never do: the program opens no network socket).

Loading the graph costs about a second and some 100 MB, so build one
``PoseEstimator`` per process and reuse it for every tick; it is not
thread-safe, so call it from one thread only (the sampling loop's).

``static_image_mode=True`` is the default: at one frame every few seconds the
person may have moved anywhere, so tracking between frames gives little, and
its landmark smoothing drags one frame's pose into the next. On posture-dev
(``posturewatch eval``, no baseline) static mode scored balanced accuracy
0.942 against 0.923 for tracking mode, at 36 ms against 23 ms per 480x640
frame on a 2-core machine: a cost that does not matter at one frame per 5 s.
Detection is also independent of the previous frame, so a stale track cannot
hide that the person left.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from types import TracebackType

import cv2
import mediapipe as mp
import numpy as np

from posturewatch.model import Landmarks, Point

_PL = mp.solutions.pose.PoseLandmark

# Landmarks field name -> MediaPipe index.
_FIELDS: dict[str, int] = {
    "nose": _PL.NOSE.value,
    "left_eye": _PL.LEFT_EYE.value,
    "right_eye": _PL.RIGHT_EYE.value,
    "left_ear": _PL.LEFT_EAR.value,
    "right_ear": _PL.RIGHT_EAR.value,
    "left_shoulder": _PL.LEFT_SHOULDER.value,
    "right_shoulder": _PL.RIGHT_SHOULDER.value,
}


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Hide what MediaPipe's C++ side prints to stderr while its graph starts
    (TFLite and absl notices that mean nothing to a user). Set
    POSTUREWATCH_DEBUG_MEDIAPIPE=1 to see them."""
    if os.environ.get("POSTUREWATCH_DEBUG_MEDIAPIPE"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


class PoseEstimator:
    """Finds one person's head and shoulders in a BGR frame.

    Build it once per process (the model loads in the constructor) and call
    :meth:`estimate` from a single thread. Use it as a context manager or call
    :meth:`close` to free the graph.
    """

    def __init__(
        self,
        *,
        static_image_mode: bool = True,
        min_detection_confidence: float = 0.5,
    ) -> None:
        with _quiet_native_stderr():
            self._pose = self._start(static_image_mode, min_detection_confidence)
        self._first_person_pending = True
        self._closed = False

    @staticmethod
    def _start(static_image_mode: bool, min_detection_confidence: float) -> object:
        pose = mp.solutions.pose.Pose(
            static_image_mode=static_image_mode,
            model_complexity=1,  # the only model bundled in mediapipe 0.10.21
            smooth_landmarks=not static_image_mode,
            enable_segmentation=False,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=0.5,
        )
        # The first frame finishes starting the graph (and its notices):
        # a small grey frame, so the first real tick costs what the others do.
        pose.process(np.full((256, 256, 3), 128, np.uint8))
        return pose

    def estimate(self, frame_bgr: np.ndarray) -> Landmarks | None:
        """The landmarks of the person in ``frame_bgr``, or ``None`` if nobody.

        ``frame_bgr``: uint8 array, H x W x 3 (BGR, as OpenCV reads it),
        H x W x 4 (BGRA) or H x W (grey). Coordinates come back in pixels of
        this frame (x right, y down), so distances are the same in x and y;
        each point carries MediaPipe's visibility 0..1. Points may lie outside
        the frame (MediaPipe extrapolates them, with low visibility).
        """
        if self._closed:
            raise RuntimeError("PoseEstimator is closed")
        rgb = _to_rgb(frame_bgr)
        height, width = rgb.shape[:2]
        if self._first_person_pending:  # MediaPipe logs a notice at its first detection
            with _quiet_native_stderr():
                result = self._pose.process(rgb)
        else:
            result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            return None
        self._first_person_pending = False
        marks = result.pose_landmarks.landmark
        points = {
            name: Point(
                x=float(marks[index].x) * width,
                y=float(marks[index].y) * height,
                visibility=float(marks[index].visibility),
            )
            for name, index in _FIELDS.items()
        }
        return Landmarks(**points, image_width=width, image_height=height)

    def close(self) -> None:
        """Free the MediaPipe graph; further ``estimate`` calls raise."""
        if not self._closed:
            self._pose.close()
            self._closed = True

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _to_rgb(frame: np.ndarray) -> np.ndarray:
    """A contiguous uint8 RGB copy of a BGR, BGRA or grey frame."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError("frame must be a uint8 numpy array")
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    raise ValueError(f"frame must be H x W, H x W x 3 or H x W x 4, not {frame.shape}")

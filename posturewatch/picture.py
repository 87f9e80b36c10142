"""Is there a picture at all? Black, flat and frozen frames from a working camera.

A camera can open and hand out frames that show nothing: a closed lens
shutter, a hand or tape over the lens, a dead sensor, a virtual camera that
stopped and repeats its last frame. Pose estimation finds nobody in those, and
without this check "nobody" would read as "away" and end the sitting bout. So
each frame is looked at first (numpy only, about 0.5 ms at 640x480):

- **covered** (``CameraState.COVERED``): the mean luminance is below
  :data:`DARK_MEAN` (0-255): a lens cover, or a room too dark to tell an
  empty chair from a person. The loop still runs the pose model on such a
  frame and believes a person it finds; only "nobody" becomes "covered".
- **no picture** (``CameraState.NO_PICTURE``): the luminance hardly varies
  across the frame (standard deviation below :data:`FLAT_STD`: one flat
  colour), or the frame is bit for bit the same as the previous ones
  :data:`FROZEN_REPEATS` times in a row. A real sensor never gives the same
  frame twice: its noise alone changes some pixels.

Only a short digest of the last frame is kept between ticks, never the frame.
Called from the sampling thread only.
"""

from __future__ import annotations

import hashlib

import numpy as np

from posturewatch.model import CameraState

DARK_MEAN = 16.0
"""Mean luminance (0-255) below which "nobody found" means "cannot see", not
"away". A lens cover or a shutter gives 0-10. posture-dev's 52 photos dimmed
until their mean is 17-22 still show the person in 47 of 52 frames to the
pose model, at 11-15 in only 14 of 52, at 8-10 in none: below 16, an empty
result says more about the light than about the chair."""

FLAT_STD = 2.0
"""Luminance standard deviation (0-255) below which a frame is one flat colour
(a dead sensor, a test pattern). A bare wall in a dim room still has its
lighting gradient and sensor noise: 3 and more; the real desk photos 36 and more."""

FROZEN_REPEATS = 3
"""How many times in a row the same frame must come again to call the camera frozen."""

_STEP = 4  # look at every 4th pixel in each direction for the brightness figures


def _subsample(frame: np.ndarray) -> np.ndarray:
    """Every fourth pixel in each direction (a 640x480 frame: 160x120)."""
    return np.ascontiguousarray(frame[::_STEP, ::_STEP])


def luminance_stats(frame: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of a BGR (or grey) frame's luminance, 0-255,
    over every fourth pixel in each direction."""
    return _stats(_subsample(frame))


def _stats(small: np.ndarray) -> tuple[float, float]:
    pixels = small.astype(np.float32)
    if pixels.ndim == 3 and pixels.shape[2] >= 3:
        grey = pixels[:, :, 0] * 0.114 + pixels[:, :, 1] * 0.587 + pixels[:, :, 2] * 0.299
    else:
        grey = pixels.reshape(pixels.shape[0], pixels.shape[1])
    return float(grey.mean()), float(grey.std())


def _digest(small: np.ndarray) -> bytes:
    # Sensor noise changes the subsampled pixels too (57 600 values at 640x480):
    # two equal digests in a row mean the very same frame.
    return hashlib.blake2b(small.data, digest_size=16).digest()


class PictureCheck:
    """Tells a real picture from a covered, flat or frozen one, frame by frame."""

    def __init__(self) -> None:
        self._last: bytes | None = None
        self._repeats = 0

    def check(self, frame: np.ndarray) -> CameraState:
        """``OK``, ``COVERED`` or ``NO_PICTURE`` for one frame (BGR uint8)."""
        small = _subsample(frame)
        digest = _digest(small)
        if digest == self._last:
            self._repeats += 1
        else:
            self._last, self._repeats = digest, 0
        if self._repeats >= FROZEN_REPEATS:
            return CameraState.NO_PICTURE
        mean, std = _stats(small)
        if mean < DARK_MEAN:
            return CameraState.COVERED
        if std < FLAT_STD:
            return CameraState.NO_PICTURE
        return CameraState.OK

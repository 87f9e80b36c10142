"""Keeps the learned upright reference across restarts, and says when the camera moved.

The adapter around the pure ``reference.UprightReference``: the monitor hands
it each frame's landmarks with ``now``; it judges and learns, saves the state
(numbers only) in the store's ``meta`` table at most every 5 minutes and when
the monitor stops, and logs (once per move) when the camera seems to have moved
since the user calibrated, so ``status`` and the tray can suggest calibrating
again.

Why the store's ``meta`` table and not a JSON file beside the baseline: the
state belongs to the samples it was learned from. A ``replay`` learns into its
own scratch database and never touches the user's reference; the monitor's
database is already written atomically (SQLite), backed up with the data and
removed with it. The baseline stays a file because the user makes it
(``posturewatch calibrate``) and a running monitor watches it.

Called from the sampling thread only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from posturewatch import metrics
from posturewatch.bounded_read import MAX_JSON_BYTES, loads_json
from posturewatch.model import Baseline, Landmarks, Sample
from posturewatch.reference import Status, UprightReference
from posturewatch.store_protocol import MonitorStore

log = logging.getLogger(__name__)

META_KEY = "upright_reference"
SAVE_EVERY_S = 300.0  # and when the monitor stops: a crash loses at most 5 minutes


class ReferenceKeeper:
    """The monitor's ``UprightReference``, restored from and saved to ``store``
    (its ``meta`` table, ``store_protocol.MonitorStore``)."""

    def __init__(self, store: MonitorStore, baseline: Baseline | None, sensitivity: float) -> None:
        self.store = store
        self.sensitivity = sensitivity
        self.last: Status | None = None
        self.camera_listeners: list[Callable[[str], None]] = []
        self._saved_at: datetime | None = None
        self.reference = self._load(baseline)

    def _load(self, baseline: Baseline | None) -> UprightReference:
        reference = UprightReference.seeded(baseline, self.sensitivity)
        raw = self.store.get_meta(META_KEY)
        if raw:
            try:  # bounded: a hand-edited meta row must not crash start-up
                taken = len(raw) <= MAX_JSON_BYTES and reference.restore(loads_json(raw))
            except ValueError:
                taken = False
            if taken:
                log.info("upright reference restored: nose %.3f, neck %.3f",
                         reference.nose, reference.neck)
        return reference

    def reseed(self, baseline: Baseline | None) -> None:
        """Start again from a new calibration (or none): the old learning is
        about another reference."""
        self.reference = UprightReference.seeded(baseline, self.sensitivity)
        self._saved_at = None

    def set_sensitivity(self, baseline: Baseline | None, sensitivity: float) -> None:
        """A new ``posture_sensitivity`` (settings applied live): new tolerances,
        the learned reference kept."""
        limits = metrics.thresholds(baseline, sensitivity)
        self.sensitivity = sensitivity
        self.reference.nose_tolerance = limits.nose_tolerance
        self.reference.neck_tolerance = limits.neck_tolerance

    def measure(self, now: datetime, landmarks: Landmarks | None) -> Sample:
        """Judge and learn from one frame's landmarks (see ``UprightReference.measure``)."""
        sample, status = self.reference.measure(now, landmarks)
        self.last = status
        if status.camera_moved:
            self._camera_moved(status)
        if self._saved_at is None or (now - self._saved_at).total_seconds() >= SAVE_EVERY_S:
            self.save(now)
        return sample

    @property
    def camera_moved_since_calibration(self) -> bool:
        return self.reference.moved_since_calibration

    def _camera_moved(self, status: Status) -> None:
        if status.camera_moved_since_calibration:
            message = ("The camera seems to have moved since you calibrated: PostureWatch is "
                       "learning your upright posture again. Calibrate again for the best fit.")
            log.warning("%s", message)
        else:
            message = "The camera seems to have moved: learning your upright posture again."
            log.info("%s", message)
        for listener in self.camera_listeners:
            try:
                listener(message)
            except Exception:
                log.exception("camera-move listener failed")

    def save(self, now: datetime) -> None:
        """Write the state to the store's meta table (never raises)."""
        self._saved_at = now
        try:
            text = json.dumps(self.reference.to_json(), separators=(",", ":"))
            self.store.set_meta(META_KEY, text)
        except Exception as exc:  # a full disk must not stop monitoring
            log.warning("cannot save the upright reference: %s", exc)

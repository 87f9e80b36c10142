"""The first-run welcome: what PostureWatch does and keeps, a camera check
with a live skeleton-only preview, and calibration after a 3-second countdown.

This module holds the parts without a window: when to show the welcome, its
texts, and :class:`PoseFeed`, which turns camera frames into landmarks on a
thread of its own. The window (``onboarding_window``, Tkinter) only ever gets
landmarks: it draws points and lines on a blank canvas. A frame lives in
:meth:`PoseFeed._run`'s loop for one iteration and is never shown, stored or
sent; nothing in this process writes an image.

The welcome shows once: finishing or skipping it writes a marker file in the
state folder. The tray opens it on a first run (no baseline yet) when the
monitor watches a webcam; a video or image source (a demo, a test) does not
ask for it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from posturewatch import paths
from posturewatch.calibration import CalibrationRefused, make_live_baseline
from posturewatch.i18n import N_, _, pgettext
from posturewatch.model import Baseline, CameraState, Landmarks, Sample

log = logging.getLogger(__name__)

MARKER = "welcomed"
PREVIEW_FPS = 5.0
CALIBRATION_FRAMES = 5
CALIBRATION_SPACING_S = 1.0
COUNTDOWN_S = 3

# User-facing texts (kept together here so they can be translated).
WINDOW_TITLE = N_("Welcome to PostureWatch")
PAGES: tuple[tuple[str, str], ...] = (
    (N_("Welcome to PostureWatch"),
     N_("PostureWatch sits quietly in your system tray. Every few seconds it looks through "
     "your webcam at how you sit, and now and then it reminds you, kindly and not too "
     "often, to stand up and move, to drink some water, or to sit up straight.\n\n"
     "This short tour takes a minute. You can skip it and come back to any of it later "
     "from the tray menu.")),
    (N_("What it keeps"),
     N_("Only numbers: how long you sat, how upright you were, when you took a break or "
     "drank water. No photo or video of you is ever saved or sent anywhere, and "
     "PostureWatch uses no network at all.\n\n"
     "The camera is switched on for a moment for each look and off in between. "
     "Everything stays on this computer, in:\n{data_dir}\n\n"
     "Your organisation's IT department may have set or locked some settings.")),
    (N_("Camera check"),
     N_("This is what PostureWatch sees: points for your eyes, ears, nose and shoulders, "
     "drawn on a blank page. The camera picture itself is never shown or saved.")),
    (N_("Calibrate"),
     N_("PostureWatch works best when it knows how you sit upright. Sit comfortably and "
     "tall, shoulders relaxed, and look at your screen. Press Start: after a 3-second "
     "countdown, hold still for about 5 seconds.")),
    (N_("All set"),
     N_("PostureWatch is now in your tray. Click its icon for the menu: pause it, log a "
     "break or a glass of water, open your weekly report, or change the settings.\n\n"
     "You can calibrate again at any time from the tray menu.")),
)
SKIP_LABEL = N_("Skip")
BACK_LABEL = N_("Back")
NEXT_LABEL = N_("Next")
FINISH_LABEL = N_("Finish")
START_LABEL = N_("Start calibration")
AGAIN_LABEL = N_("Try again")
KEEP_LABEL = N_("Keep it: this is how I sit upright")
CAMERA_LABEL = N_("Camera number")
LOGIN_LABEL = N_("Start PostureWatch when I log in")
SEEN = N_("I can see your head and shoulders.")
PARTLY = N_("I can see you, but not clearly: face the camera with both shoulders in view.")
NOBODY = N_("I cannot see anyone. Sit in front of the camera.")
STARTING = N_("Starting the camera\u2026")
HOLD_STILL = N_("Hold still\u2026")
CALIBRATED = N_("Calibrated. PostureWatch now measures against your own upright posture.")
REFUSED = N_("That did not work: {reason}")
NO_CAMERA = N_("The camera gives no picture ({state}). {help}")


def marker_path() -> Path:
    return paths.state_dir() / MARKER


def should_welcome(source: object) -> bool:
    """Whether the tray should open the welcome: never shown (or skipped)
    before, and the monitor watches a webcam (not a video or image folder)."""
    if marker_path().exists():
        return False
    from posturewatch.camera import WebcamSource

    return isinstance(source, WebcamSource)


def mark_welcomed(now: datetime | None = None) -> None:
    """Remember that the welcome was finished or skipped (it shows once)."""
    path = marker_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((now or datetime.now(UTC)).isoformat() + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("cannot write %s: %s", path, exc)


def page_text(index: int) -> tuple[str, str]:
    title, body = PAGES[index]
    return _(title), _(body).format(data_dir=paths.data_dir())


def camera_state_words(state: CameraState) -> str:
    """A camera state in a word or two ("busy")."""
    # Translators: a camera's state, in "The camera gives no picture (missing)."
    words = {CameraState.MISSING: pgettext("camera", "missing"),
             CameraState.BUSY: pgettext("camera", "busy"),
             CameraState.COVERED: pgettext("camera", "covered"),
             CameraState.NO_PICTURE: pgettext("camera", "no picture")}
    return words.get(state, state.value)


def describe(sample: Sample | None, state: CameraState, help_text: str = "") -> str:
    """The line under the preview: what the camera check found."""
    if state is not CameraState.OK:
        if state is CameraState.ENDED:
            return _(NO_CAMERA).format(state=_("the video ended"), help="").strip()
        return _(NO_CAMERA).format(state=camera_state_words(state), help=help_text).strip()
    if sample is None:
        return _(STARTING)
    if not sample.present:
        return _(NOBODY)
    if sample.metrics is None or sample.verdict.value == "unknown":
        return _(PARTLY)
    return _(SEEN)


@dataclass(frozen=True)
class View:
    """What the preview shows at one moment: landmarks (or None), the sample
    they made, the camera state and, after calibration, its result."""

    landmarks: Landmarks | None
    sample: Sample | None
    camera: CameraState
    message: str = ""


class PoseFeed:
    """Frames -> landmarks on a worker thread, for the preview and calibration.

    ``source`` is what ``--source`` takes (camera index, video, folder). The
    window reads :attr:`view` and :attr:`result` (plain values, replaced
    whole); it asks for a calibration with :meth:`calibrate`. A video source
    starts again at its end, so a demo never runs dry.
    """

    def __init__(self, source: str | None, warmup_frames: int = 5, camera_index: int = 0,
                 fps: float = PREVIEW_FPS, spacing_s: float = CALIBRATION_SPACING_S,
                 pose_model: str = "auto", pose_model_url: str = "") -> None:
        self.source = source
        self.spacing_s = spacing_s
        self.pose_model = pose_model
        self.pose_model_url = pose_model_url
        self.warmup_frames = warmup_frames
        self.camera_index = camera_index
        self.period_s = 1.0 / fps
        self.view = View(None, None, CameraState.OK)
        self.result: Baseline | CalibrationRefused | None = None
        self.calibrating = False
        self._want_calibration = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pose-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def calibrate(self) -> None:
        """Take CALIBRATION_FRAMES samples a second apart, then set :attr:`result`."""
        self.result = None
        self.calibrating = True
        self._want_calibration.set()

    def _run(self) -> None:
        from posturewatch.camera import SourceError, open_source
        from posturewatch.metrics import measure
        from posturewatch.model_files import ModelError
        from posturewatch.pose import open_estimator

        try:
            frames = open_source(self.source, self.warmup_frames, True, self.camera_index)
            estimator = open_estimator(self.pose_model, self.pose_model_url)
        except (SourceError, ModelError) as exc:
            self.view = View(None, None, CameraState.MISSING, str(exc))
            return
        try:
            with estimator:
                samples: list[Sample] = []
                next_sample = 0.0
                while not self._stop.is_set():
                    started = time.monotonic()
                    grab = frames.grab()
                    if grab.state is CameraState.ENDED and self.source is not None:
                        frames.close()
                        frames = open_source(self.source, self.warmup_frames, True,
                                             self.camera_index)
                        continue
                    if grab.frame is None:
                        self.view = View(None, None, grab.state, grab.message)
                    else:
                        landmarks = estimator.estimate(grab.frame)
                        sample = measure(landmarks, None)
                        self.view = View(landmarks, sample, CameraState.OK)
                        if self._want_calibration.is_set() and started >= next_sample:
                            samples.append(sample)
                            next_sample = started + self.spacing_s
                            if len(samples) >= CALIBRATION_FRAMES:
                                self.result = make_live_baseline(samples, datetime.now(UTC))
                                self._want_calibration.clear()
                                self.calibrating = False
                                samples = []
                    del grab  # the frame goes here: never kept beyond this iteration
                    self._stop.wait(max(0.0, self.period_s - (time.monotonic() - started)))
        finally:
            frames.close()


def save_calibration(result: Baseline) -> None:
    """Keep a calibration made in the welcome: the baseline file (a running
    monitor picks it up) and a calibration event in the database."""
    from posturewatch.calibration import save_baseline
    from posturewatch.model import Event, EventKind
    from posturewatch.store import Store

    save_baseline(paths.baseline_path(), result)
    try:
        with Store(paths.database_path()) as store:
            store.write(Event(EventKind.CALIBRATION, result.created_at,
                              {"ok": True, "samples": result.samples, "source": "welcome"}))
    except Exception as exc:  # noqa: BLE001 - the baseline is what matters
        log.warning("calibration saved, but not recorded in the database: %s", exc)


START_PAGES = {"start": 0, "camera": 2, "calibrate": 3}

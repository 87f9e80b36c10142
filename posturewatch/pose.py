"""MediaPipe pose: one frame in, ``Landmarks`` (pixels) or ``None`` out.

The only module that imports mediapipe, and only when a backend is built
(importing this module is cheap). Two backends give the one interface
:class:`Estimator`:

- :class:`LegacyPose`: ``mp.solutions.pose`` of mediapipe 0.10.21 (Python
  3.11/3.12), whose wheel bundles the ``model_complexity=1`` (full) model;
- :class:`TasksPose`: the Tasks API's ``PoseLandmarker`` in IMAGE mode with a
  ``.task`` file, on any mediapipe that has it (0.10.21 and the 1.x line, the
  only one with wheels for Python 3.13 and later).

``model_files.choose`` decides which one a ``pose_model`` setting means;
:func:`open_estimator` builds it (downloading the file first when it must).
With the full model both give the same landmarks (to 3 decimals on
``skimage.data.astronaut()``, see ``../shared/models/README.md``).

Loading a model costs about a second and some 100 MB, so build one estimator
per process and reuse it for every tick; it is not thread-safe: call it from
one thread only (the sampling loop's).

Static image mode (no tracking between frames) everywhere: at one frame every
few seconds the person may have moved anywhere, so tracking gives little, and
its landmark smoothing drags one frame's pose into the next. On posture-dev
(``posturewatch eval``, no baseline) static mode scored balanced accuracy 0.942
against 0.923 for tracking mode, at 36 ms against 23 ms per 480x640 frame on a
2-core machine: a cost that does not matter at one frame per 5 s.

``import mediapipe`` imports ``matplotlib.pyplot`` (its drawing utilities, on
both lines): about 1.2 s and 30 MB the program never uses. :func:`import_mediapipe`
hands mediapipe a placeholder for matplotlib while it imports, and takes it
away afterwards, so a real matplotlib can still be imported later.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Protocol

import numpy as np

from posturewatch.checks import Check, Status
from posturewatch.model import Landmarks, Point
from posturewatch.model_files import (
    ModelChoice,
    ModelError,
    choose,
    ensure,
    file_problem,
    progress_printer,
)

# Landmarks field name -> index in MediaPipe's 33 pose landmarks (both APIs).
FIELDS: dict[str, int] = {
    "nose": 0,
    "left_eye": 2,
    "right_eye": 5,
    "left_ear": 7,
    "right_ear": 8,
    "left_shoulder": 11,
    "right_shoulder": 12,
}

MIN_DETECTION_CONFIDENCE = 0.5


class Estimator(Protocol):
    """What the loop, ``eval`` and ``replay`` need from pose."""

    def estimate(self, frame_bgr: np.ndarray) -> Landmarks | None: ...

    def close(self) -> None: ...


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


class _NoPlots(ModuleType):
    """Stands in for matplotlib while mediapipe imports: its drawing helpers
    keep a reference, and any use says plainly that nothing was loaded."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(f"matplotlib was not loaded for mediapipe ({self.__name__}.{name}): "
                          "PostureWatch draws no plots")


def import_mediapipe() -> ModuleType:
    """``import mediapipe`` without matplotlib (see the module docstring)."""
    if "mediapipe" in sys.modules:
        return sys.modules["mediapipe"]
    stubs: dict[str, ModuleType] = {}
    if "matplotlib" not in sys.modules:
        package = _NoPlots("matplotlib")
        package.__path__ = []  # type: ignore[attr-defined]  (a package: submodules resolve)
        pyplot = _NoPlots("matplotlib.pyplot")
        package.__dict__["pyplot"] = pyplot
        stubs = {"matplotlib": package, "matplotlib.pyplot": pyplot}
    sys.modules.update(stubs)
    try:
        with _quiet_native_stderr():
            import mediapipe
    finally:
        for name, module in stubs.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return mediapipe


def _landmarks(marks: Sequence[Any], width: int, height: int) -> Landmarks:
    """MediaPipe's normalised landmarks (x, y in 0..1, visibility) in pixels."""
    points = {
        name: Point(
            x=float(marks[index].x) * width,
            y=float(marks[index].y) * height,
            visibility=float(marks[index].visibility or 0.0),
        )
        for name, index in FIELDS.items()
    }
    return Landmarks(**points, image_width=width, image_height=height)


class _Backend:
    """The parts both backends share: frame checks, quiet first detection,
    closing, the context manager."""

    name = "?"

    def __init__(self) -> None:
        self._first_person_pending = True  # MediaPipe logs a notice at its first detection
        self._closed = False

    def _detect(self, rgb: np.ndarray) -> Sequence[Any] | None:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError

    def estimate(self, frame_bgr: np.ndarray) -> Landmarks | None:
        """The landmarks of the person in ``frame_bgr``, or ``None`` if nobody.

        ``frame_bgr``: uint8 array, H x W x 3 (BGR, as OpenCV reads it),
        H x W x 4 (BGRA) or H x W (grey). Coordinates come back in pixels of
        this frame (x right, y down), so distances are the same in x and y;
        each point carries MediaPipe's visibility 0..1. Points may lie outside
        the frame (MediaPipe extrapolates them, with low visibility).
        """
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")
        rgb = to_rgb(frame_bgr)
        if self._first_person_pending:
            with _quiet_native_stderr():
                marks = self._detect(rgb)
        else:
            marks = self._detect(rgb)
        if marks is None:
            return None
        self._first_person_pending = False
        height, width = rgb.shape[:2]
        return _landmarks(marks, width, height)

    def _warm_up(self) -> None:
        # The first frame finishes starting the graph (and its notices):
        # a small grey frame, so the first real tick costs what the others do.
        with _quiet_native_stderr():
            self._detect(np.full((256, 256, 3), 128, np.uint8))

    def close(self) -> None:
        """Free the model; further ``estimate`` calls raise."""
        if not self._closed:
            self._closed = True
            with _quiet_native_stderr():  # mediapipe 1.x logs each accelerator it frees
                self._release()

    def __enter__(self) -> _Backend:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class LegacyPose(_Backend):
    """``mp.solutions.pose`` (mediapipe 0.10.21) with its bundled full model."""

    name = "legacy"

    def __init__(self, *, static_image_mode: bool = True,
                 min_detection_confidence: float = MIN_DETECTION_CONFIDENCE) -> None:
        super().__init__()
        mp = import_mediapipe()
        solutions = getattr(mp, "solutions", None)
        if solutions is None:
            raise ModelError(f"mediapipe {getattr(mp, '__version__', '?')} has no mp.solutions; "
                             "use a .task model (pose_model = \"auto\").")
        with _quiet_native_stderr():
            self._pose = solutions.pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=1,  # the only model bundled in mediapipe 0.10.21
                smooth_landmarks=not static_image_mode,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=0.5,
            )
        self._warm_up()

    def _detect(self, rgb: np.ndarray) -> Sequence[Any] | None:
        result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            return None
        return result.pose_landmarks.landmark

    def _release(self) -> None:
        self._pose.close()


class TasksPose(_Backend):
    """The Tasks API's ``PoseLandmarker`` (IMAGE mode) with a ``.task`` file."""

    name = "tasks"

    def __init__(self, model_path: Path, *,
                 min_detection_confidence: float = MIN_DETECTION_CONFIDENCE) -> None:
        super().__init__()
        mp = import_mediapipe()
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core.base_options import BaseOptions

        self._mp = mp
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=1,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=0.5,
            min_tracking_confidence=0.5,
            output_segmentation_masks=False,
        )
        try:
            with _quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as exc:
            if file_problem(Path(model_path)) is None:  # the file is sound: MediaPipe is not
                advice = ("The file itself checks out, so MediaPipe could not start here "
                          "(a missing system library such as libGLESv2?); "
                          "`posturewatch doctor` checks the installation.")
            else:
                advice = "Fetch it again with `posturewatch model fetch`."
            raise ModelError(f"MediaPipe could not load the pose model {model_path} ({exc}). "
                             f"{advice}") from exc
        self._warm_up()

    def _detect(self, rgb: np.ndarray) -> Sequence[Any] | None:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB,
                               data=np.ascontiguousarray(rgb))
        result = self._landmarker.detect(image)
        if not result.pose_landmarks:
            return None
        return result.pose_landmarks[0]

    def _release(self) -> None:
        self._landmarker.close()


def _build(choice: ModelChoice) -> LegacyPose | TasksPose:
    """The estimator ``choice`` names; its file must be in place (see
    ``model_files.ensure``). Raises ``ModelError`` when it cannot load."""
    if choice.problem:
        raise ModelError(choice.problem)
    if choice.backend == "legacy":
        return LegacyPose()
    if choice.path is None:
        raise ModelError(f"no file for the {choice.model} pose model yet; "
                         "run `posturewatch model fetch`.")
    return TasksPose(choice.path)


def open_estimator(setting: str = "auto", base_url: str = "",
                   say: Callable[[str], None] | None = None,
                   download: bool = True) -> LegacyPose | TasksPose:
    """The one factory: choose, fetch the file once if needed, load. Every
    place that needs a pose model (run, calibrate, replay, eval, the welcome
    window, doctor, the benchmarks) builds it here.

    ``setting`` is a ``pose_model`` value; ``base_url`` the ``pose_model_url``
    setting; ``say`` gets a download's progress lines. ``download=False``
    never fetches (``doctor``): a missing file is a ``ModelError`` then.
    Raises ``ModelError`` with what to do when no model can load.
    """
    choice = choose(setting)
    if not download:
        return _build(choice)
    progress = progress_printer(say, choice.model) if say is not None else None
    return _build(ensure(choice, base_url, progress))


class LazyEstimator:
    """Builds the real estimator on first use (or :meth:`load`), on the thread
    that uses it: the tray icon can show while the model loads."""

    def __init__(self, factory: Callable[[], Estimator]) -> None:
        self._factory = factory
        self._estimator: Estimator | None = None

    @property
    def loaded(self) -> bool:
        return self._estimator is not None

    def load(self) -> Estimator:
        """Build the estimator now if not yet done; raises what the factory raises."""
        if self._estimator is None:
            self._estimator = self._factory()
        return self._estimator

    def estimate(self, frame_bgr: np.ndarray) -> Landmarks | None:
        return self.load().estimate(frame_bgr)

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None


def to_rgb(frame: np.ndarray) -> np.ndarray:
    """A contiguous uint8 RGB copy of a BGR, BGRA or grey frame."""
    import cv2

    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError("frame must be a uint8 numpy array")
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    raise ValueError(f"frame must be H x W, H x W x 3 or H x W x 4, not {frame.shape}")


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check() -> Check:
    """The pose model the settings choose: which, why, and that it loads and runs.
    Never downloads: a missing file is a warning with the command that fetches it."""
    import numpy as np

    from posturewatch.model_files import ModelError, choose
    from posturewatch.policy_guard import load_settings

    settings = load_settings().settings
    choice = choose(settings.pose_model)
    if choice.problem:
        return Check("pose model", Status.FAIL, choice.problem,
                     "`posturewatch model status` lists the files it looked for.")
    if choice.download:
        return Check("pose model", Status.WARN, choice.describe(),
                     "It is downloaded when monitoring starts; `posturewatch model fetch` does "
                     "it now, `posturewatch model install FILE` installs a copy you have.")
    started = time.perf_counter()
    try:
        with open_estimator(settings.pose_model, download=False) as estimator:
            loaded = time.perf_counter() - started
            estimator.estimate(np.full((240, 320, 3), 128, np.uint8))
    except ModelError as exc:
        return Check("pose model", Status.FAIL, str(exc),
                     "`posturewatch model fetch` downloads a fresh copy.")
    return Check("pose model", Status.OK,
                 f"{choice.describe()}; loads and runs ({loaded:.1f} s to load)")

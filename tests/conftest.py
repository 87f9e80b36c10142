"""Shared fixtures: real frames, a real video file, the real pose model, the shared photos.

- ``astronaut_bgr``: skimage's astronaut photo (512x512, a person from the
  chest up) as an OpenCV BGR uint8 frame.
- ``blank_bgr``: an empty 480x640 (height x width) BGR scene: a grey wall lit
  from above, with a little sensor noise. Nobody there; a picture all the same
  (not one flat colour, which ``picture.py`` calls "no picture").
- ``astronaut_frame``: the astronaut scaled into a 480x640 grey frame, the
  size of ``blank_bgr``, so both can go in one video.
- ``astronaut_video``: a factory ``astronaut_video(n_astronaut=3, n_blank=2,
  name="clip.avi") -> Path`` writing an MJPG .avi (640x480, 5 fps) into
  ``tmp_path``: first the astronaut frames, then the blank ones. Each frame
  gets its own faint sensor noise (:func:`sensor_noise`), as from a real
  camera: identical frames in a row are a frozen camera.
- ``pose_estimator``: one estimator for the whole test session (the model
  loads once): the full landmark model, on mediapipe 0.10.21's legacy backend
  where it is installed, else on the Tasks backend with
  ``../shared/models/pose_landmarker_full.task`` (skipped when absent).
- every test gets its own user folders. Where mediapipe has no bundled model
  (mediapipe 1.x, Python 3.13+), the ``../shared/models`` files are linked into
  this Python's installer folder (``<sys.prefix>/share/posturewatch/models``),
  as an installer for such a Python does, so the program finds a model
  without the network, in every process the tests start.
- ``shared_data``: ``../shared/data`` next to the repository, or the test is
  skipped with the reason when that folder is absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from posturewatch.pose import LegacyPose, TasksPose

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SHARED_MODELS = REPO_ROOT.parent / "shared" / "models"


def _bundled_model() -> bool:
    from posturewatch.model_files import mediapipe_info

    return mediapipe_info().legacy


HAS_LEGACY = _bundled_model()

FRAME_HEIGHT = 480
FRAME_WIDTH = 640


@pytest.fixture(autouse=True)
def _own_home_and_no_policy(tmp_path_factory: pytest.TempPathFactory,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own user folders and no IT policy, unless it sets
    them itself: tests never touch the real user's files. Test mode is on, so
    ``POSTUREWATCH_POLICY`` (and ``POSTUREWATCH_FAKE_CLOCK`` where a test sets
    it) count; a policy installed on this machine that enforces settings
    forbids test mode (``policy_guard``), and then these tests see it."""
    home = tmp_path_factory.mktemp("pw-home")
    monkeypatch.setenv("POSTUREWATCH_TEST_MODE", "1")
    monkeypatch.setenv("POSTUREWATCH_HOME", str(home))
    monkeypatch.setenv("POSTUREWATCH_POLICY", str(home / "no-policy.toml"))
    # English, whatever this machine's locale, here and in the programs tests start
    # (a test about another language sets it itself: LANG=de_DE.UTF-8 needs
    # LANGUAGE removed, as LANGUAGE comes first).
    monkeypatch.setenv("LANGUAGE", "en")
    from posturewatch import i18n

    i18n.use("en")


@pytest.fixture(autouse=True, scope="session")
def _models_beside_a_python_without_one() -> None:
    """Where mediapipe carries no model, put the shared ones where an
    installer would (see the module docstring)."""
    if HAS_LEGACY or not SHARED_MODELS.is_dir():
        return
    from posturewatch.model_files import bundled_dirs

    folder = bundled_dirs()[0]
    folder.mkdir(parents=True, exist_ok=True)
    for model in SHARED_MODELS.glob("pose_landmarker_*.task"):
        target = folder / model.name
        if not target.exists():
            target.symlink_to(model)


@pytest.fixture(scope="session")
def _astronaut_bgr_session() -> np.ndarray:
    import cv2
    from skimage import data

    frame = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    frame.setflags(write=False)
    return frame


@pytest.fixture
def astronaut_bgr(_astronaut_bgr_session: np.ndarray) -> np.ndarray:
    """skimage.data.astronaut() as a BGR uint8 frame (512x512x3), a fresh copy."""
    return _astronaut_bgr_session.copy()


def sensor_noise(frame: np.ndarray, seed: int, amplitude: int = 2) -> np.ndarray:
    """``frame`` with faint random noise (+-``amplitude`` levels), as a real
    camera's sensor adds to every frame; ``seed`` makes it repeatable."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(-amplitude, amplitude + 1, size=frame.shape, dtype=np.int16)
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def empty_scene(height: int = FRAME_HEIGHT, width: int = FRAME_WIDTH) -> np.ndarray:
    """A wall lit from above (grey 150 at the top to 100 at the bottom) with a
    darker door frame: nobody there, but a real picture."""
    column = np.linspace(150, 100, height, dtype=np.float32)[:, None]
    grey = np.repeat(column, width, axis=1)
    grey[height // 5:, width // 8:width // 8 + 12] -= 40
    grey[height // 5:height // 5 + 12, width // 8:width // 3] -= 40
    frame = np.repeat(grey[:, :, None], 3, axis=2).astype(np.uint8)
    return sensor_noise(frame, seed=7)


@pytest.fixture
def blank_bgr() -> np.ndarray:
    """An empty scene, 480x640 BGR uint8 (see :func:`empty_scene`)."""
    return empty_scene()


@pytest.fixture
def astronaut_frame(_astronaut_bgr_session: np.ndarray) -> np.ndarray:
    """The astronaut scaled to 480x480 and centred in a grey 480x640 frame."""
    import cv2

    frame = np.full((FRAME_HEIGHT, FRAME_WIDTH, 3), 128, dtype=np.uint8)
    person = cv2.resize(_astronaut_bgr_session, (FRAME_HEIGHT, FRAME_HEIGHT),
                        interpolation=cv2.INTER_AREA)
    left = (FRAME_WIDTH - FRAME_HEIGHT) // 2
    frame[:, left:left + FRAME_HEIGHT] = person
    return frame


@pytest.fixture
def astronaut_video(
    tmp_path: Path, astronaut_frame: np.ndarray, blank_bgr: np.ndarray
) -> Callable[..., Path]:
    """A factory writing an MJPG .avi of astronaut frames then blank frames."""
    import cv2

    def write(n_astronaut: int = 3, n_blank: int = 2, name: str = "clip.avi") -> Path:
        path = tmp_path / name
        writer = cv2.VideoWriter(
            str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (FRAME_WIDTH, FRAME_HEIGHT)
        )
        if not writer.isOpened():
            pytest.skip("OpenCV cannot write MJPG .avi files here")
        try:
            for i in range(n_astronaut):
                writer.write(sensor_noise(astronaut_frame, seed=i))
            for i in range(n_blank):
                writer.write(sensor_noise(blank_bgr, seed=10_000 + i))
        finally:
            writer.release()
        return path

    return write


def full_model_setting() -> str:
    """A ``pose_model`` value for the full landmark model on this installation:
    "full" (bundled) with mediapipe 0.10.21, else the shared .task file."""
    if HAS_LEGACY:
        return "full"
    path = SHARED_MODELS / "pose_landmarker_full.task"
    if not path.is_file():
        pytest.skip(f"mediapipe has no bundled model and {path} is absent")
    return str(path)


@pytest.fixture
def full_model() -> str:
    """``full_model_setting()`` as a fixture."""
    return full_model_setting()


@pytest.fixture(scope="session")
def pose_estimator() -> Iterator[LegacyPose | TasksPose]:
    """The real MediaPipe pose model (full), loaded once per test session."""
    from posturewatch.pose import open_estimator

    with open_estimator(full_model_setting()) as estimator:
        yield estimator


@pytest.fixture
def shared_models() -> Path:
    """``../shared/models`` (the .task files for tests), or skip."""
    if not SHARED_MODELS.is_dir():
        pytest.skip(f"{SHARED_MODELS} is absent: the .task model files are not here")
    return SHARED_MODELS


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` (the project's real test photos), or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test photos not found at {SHARED_DATA} (they are not in the repo)")
    return SHARED_DATA

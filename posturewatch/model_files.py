"""Pose model files: which model and backend to use, where the file lives, and
getting it once.

Two pose backends sit behind ``pose.open_estimator`` (DESIGN section 2, the
only module that imports mediapipe):

- **legacy**: ``mp.solutions.pose`` of mediapipe 0.10.21 (Python 3.11 and
  3.12). Its wheel bundles the *full* landmark model, so it needs no file and
  no download.
- **tasks**: ``PoseLandmarker`` of the MediaPipe Tasks API with a ``.task``
  file (a zip of ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``).
  mediapipe 1.x (the only line with wheels for Python 3.13 and later) has only
  this one, and bundles no model.

The ``pose_model`` setting chooses: ``auto``, ``full``, ``lite`` or the path of
a ``.task`` file. A named model's file is looked for, in order:

1. an explicit path (the setting, an IT policy key, ``--model``);
2. the folder an installer put beside the program:
   ``<sys.prefix>/share/posturewatch/models/``;
3. the user's cache folder (``paths.model_cache_dir()``).

When none is there it is downloaded once from the official MediaPipe model
storage (or the ``pose_model_url`` an IT department hosts), with a progress
line, written atomically and checked before it is used. Offline, the program
says in one sentence what to do.

This module imports neither mediapipe nor cv2: ``config show``, ``doctor`` and
``model status`` answer at once. It only reads what is installed
(``importlib``), never imports it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import sys
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from posturewatch import paths
from posturewatch.atomic_files import atomic_file, temporary_name

MODELS = ("lite", "full")
"""The landmark models PostureWatch knows by name."""

DEFAULT_MODEL = "lite"
"""The model ``auto`` prefers when it finds its file or must download one.

Measured (issue 9): on posture-dev both landmark models score the same (0.962,
no false alarm, one image at a time; 0.994 against 0.996 per minute on
synthetic sessions, ``bench/reference_bench.py``), but on real frames of three
other people, with the same learned reference, lite reached 0.92-0.95 balanced
accuracy with about 1 % false alarms against 0.83-0.89 with 5-8 % for full: it
separates subtle slouches better. Where mediapipe bundles the full model and no
lite file is here, ``auto`` still takes the bundled one (no download); an
installer that carries the lite file, or ``posturewatch model fetch``, moves
such a desk to lite."""

FILE_NAMES = {name: f"pose_landmarker_{name}.task" for name in MODELS}

OFFICIAL_BASE_URL = "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"


def official_url(model: str) -> str:
    """Google's published ``.task`` file for ``model`` (float16, latest)."""
    return f"{OFFICIAL_BASE_URL}pose_landmarker_{model}/float16/latest/{FILE_NAMES[model]}"


REQUIRED_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
TFLITE_MAGIC = b"TFL3"  # a FlatBuffer file identifier, at byte 4 of every .tflite
MIN_FILE_BYTES = 1_000_000  # the lite bundle is about 5.5 MB
MAX_FILE_BYTES = 64_000_000  # the heavy bundle is about 30 MB; nothing pose-sized is bigger
# The landmark network's size tells the models apart: lite about 2.8 MB, full
# about 6.4 MB (either as float16 or float32), heavy about 26 MB.
LITE_MAX_LANDMARK_BYTES = 4_500_000
FULL_MAX_LANDMARK_BYTES = 15_000_000
DOWNLOAD_TIMEOUT_S = 30.0
CHUNK_BYTES = 256 * 1024

Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None) while a download runs."""


class ModelError(Exception):
    """A model file is missing, broken or could not be fetched. The message is
    one or two sentences for the user, with what to do."""


# -- what mediapipe offers ----------------------------------------------------------
@dataclass(frozen=True)
class MediapipeInfo:
    """What the installed mediapipe can do, read without importing it."""

    version: str | None  # None: mediapipe is not installed
    legacy: bool  # mp.solutions.pose with the bundled full model
    tasks: bool  # mediapipe.tasks.python.vision.PoseLandmarker


def mediapipe_info() -> MediapipeInfo:
    """Look at the installed mediapipe's files (no import: that takes seconds)."""
    try:
        version: str | None = importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:
        version = None
    spec = importlib.util.find_spec("mediapipe") if version else None
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    legacy = any(
        (root / "python" / "solutions" / "pose.py").is_file()
        and (root / "modules" / "pose_landmark" / "pose_landmark_full.tflite").is_file()
        for root in roots
    )
    tasks = any((root / "tasks" / "python" / "vision" / "pose_landmarker.py").is_file()
                for root in roots)
    return MediapipeInfo(version, legacy, tasks)


# -- checking a file -------------------------------------------------------------------
def file_problem(path: Path) -> str | None:
    """Why ``path`` is not a pose ``.task`` bundle the Tasks API can open, or None.

    Checks the size, that it is a zip holding ``pose_detector.tflite`` and
    ``pose_landmarks_detector.tflite``, that each starts like a TFLite model
    and that their CRCs match (a truncated or altered download fails here).
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if not MIN_FILE_BYTES <= size <= MAX_FILE_BYTES:
        return (f"it is {size:,} bytes; a pose model is between {MIN_FILE_BYTES:,} and "
                f"{MAX_FILE_BYTES:,}")
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            missing = [m for m in REQUIRED_MEMBERS if m not in names]
            if missing:
                return f"it is a zip without {', '.join(missing)}: not a pose landmarker bundle"
            for member in REQUIRED_MEMBERS:
                info = bundle.getinfo(member)
                if not 1000 < info.file_size <= MAX_FILE_BYTES:
                    return f"its {member} is {info.file_size:,} bytes"
                with bundle.open(member) as stream:
                    head = stream.read(8)
                    if head[4:8] != TFLITE_MAGIC:
                        return f"its {member} is not a TFLite model"
                    while stream.read(CHUNK_BYTES):  # reads to the end: checks the CRC
                        pass
    except zipfile.BadZipFile as exc:
        return f"it is damaged or incomplete ({exc})"
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        return f"it cannot be read to the end ({exc})"
    return None


def model_kind(path: Path) -> str | None:
    """'lite' or 'full' for a valid bundle (by the landmark network's size),
    'heavy' beyond that, None when it is not a valid bundle."""
    if file_problem(path) is not None:
        return None
    return _kind_by_size(path)


def _kind_by_size(path: Path) -> str:
    with zipfile.ZipFile(path) as bundle:
        size = bundle.getinfo("pose_landmarks_detector.tflite").file_size
    if size <= LITE_MAX_LANDMARK_BYTES:
        return "lite"
    return "full" if size <= FULL_MAX_LANDMARK_BYTES else "heavy"


# -- where files live ------------------------------------------------------------------
def bundled_dirs() -> list[Path]:
    """Folders an installer fills, beside the program's own Python."""
    return [Path(sys.prefix) / "share" / "posturewatch" / "models"]


def search_dirs() -> list[Path]:
    """Where a named model's file is looked for, in order (after an explicit path)."""
    return [*bundled_dirs(), paths.model_cache_dir()]


def find(model: str, dirs: Iterable[Path] | None = None) -> Path | None:
    """The first valid file for ``model`` ('lite' or 'full'), or None."""
    for folder in search_dirs() if dirs is None else dirs:
        candidate = folder / FILE_NAMES[model]
        if candidate.is_file() and file_problem(candidate) is None:
            return candidate
    return None


# -- choosing ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelChoice:
    """The backend and model file ``pose.open_estimator`` will load, and why.

    ``backend`` is 'legacy' or 'tasks'; ``model`` 'lite', 'full', 'heavy' (a
    file given by path) or 'custom' (a path that cannot be used);
    ``path`` the ``.task`` file (None for the legacy backend's bundled model,
    and for a named model that must be downloaded first: ``download`` is then
    True). ``problem`` is set when nothing can load (no mediapipe, a missing
    explicit file): one sentence with what to do.
    """

    setting: str
    backend: str
    model: str
    path: Path | None
    reason: str
    download: bool = False
    problem: str | None = None

    def describe(self) -> str:
        """One line for ``config show``, ``doctor`` and ``model status``."""
        where = ("bundled in mediapipe" if self.backend == "legacy" and self.path is None
                 else str(self.path) if self.path is not None
                 else "to be downloaded on first use")
        return f"{self.model} landmark model, {self.backend} backend ({where}): {self.reason}"


def is_path_setting(value: str) -> bool:
    """True when a ``pose_model`` value names a file rather than a model."""
    return value not in ("auto", *MODELS)


def choose(setting: str, info: MediapipeInfo | None = None,
           dirs: Iterable[Path] | None = None) -> ModelChoice:
    """Decide what ``pose_model = setting`` loads on this installation.

    ``auto`` takes :data:`DEFAULT_MODEL` when its file is here, else whatever
    works with no download (mediapipe 0.10.21's bundled full model, or another
    model's file already here), else downloads :data:`DEFAULT_MODEL`.
    ``full`` prefers the bundled legacy model (the same network) to a file.
    """
    info = info or mediapipe_info()
    folders = list(search_dirs() if dirs is None else dirs)
    if info.version is None:
        return ModelChoice(setting, "none", "none", None, "mediapipe is not installed",
                           problem="MediaPipe is not installed: reinstall PostureWatch "
                                   "(`pip install .` brings the right version).")
    if is_path_setting(setting):
        path = Path(setting).expanduser()
        problem = None
        if not info.tasks:
            problem = (f"mediapipe {info.version} has no Tasks API to load {path}; "
                       "install mediapipe 0.10.21 or 1.x.")
        elif not path.is_file():
            problem = (f"the pose model file {path} (setting pose_model) does not exist; "
                       "fix the path, or set pose_model = \"auto\".")
        else:
            why = file_problem(path)
            if why:
                problem = (f"the pose model file {path} cannot be used: {why}. Download it "
                           "again, or set pose_model = \"auto\".")
        kind = "custom" if problem else _kind_by_size(path)
        return ModelChoice(setting, "tasks", kind, path, "the file pose_model names",
                           problem=problem)
    wanted = DEFAULT_MODEL if setting == "auto" else setting
    if wanted == "full" and info.legacy:
        return ModelChoice(setting, "legacy", "full", None,
                           f"mediapipe {info.version} bundles the full model: no file needed")
    if not info.tasks and not info.legacy:
        return ModelChoice(setting, "none", wanted, None, "no pose API",
                           problem=f"mediapipe {info.version} has neither the Tasks API nor "
                                   "mp.solutions.pose; reinstall PostureWatch.")
    found = find(wanted, folders)
    if found is not None:
        why = "the preferred model" if setting == "auto" else "as set"
        return ModelChoice(setting, "tasks", wanted, found, f"{why}, found at {found.parent}")
    if setting == "auto":
        if info.legacy:
            return ModelChoice(setting, "legacy", "full", None,
                               f"no {wanted} model file here; mediapipe {info.version}'s "
                               "bundled full model needs no download")
        for other in MODELS:
            other_found = find(other, folders)
            if other_found is not None:
                return ModelChoice(setting, "tasks", other, other_found,
                                   f"no {wanted} model file here; the {other} one is")
    if not info.tasks:
        return ModelChoice(setting, "none", wanted, None, "no Tasks API",
                           problem=f"mediapipe {info.version} cannot load .task files; "
                                   "set pose_model = \"full\" or \"auto\".")
    return ModelChoice(setting, "tasks", wanted, None,
                       f"mediapipe {info.version} needs a model file and none is here yet",
                       download=True)


# -- getting a file ----------------------------------------------------------------------
def download_url(model: str, base_url: str = "") -> str:
    """Where ``model`` is fetched from: ``base_url`` + its file name when an IT
    department hosts the files (``pose_model_url``), else Google's storage."""
    if base_url:
        return base_url.rstrip("/") + "/" + FILE_NAMES[model]
    return official_url(model)


def fetch(model: str, dest_dir: Path | None = None, base_url: str = "",
          progress: Progress | None = None, timeout_s: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Download ``model`` into ``dest_dir`` (default: the user's cache folder).

    Written to a temporary file beside the target, checked with
    :func:`file_problem`, then renamed into place: a broken or truncated
    download never replaces a good file and never stays behind. Raises
    :class:`ModelError` with what to do when it fails.
    """
    dest_dir = dest_dir or paths.model_cache_dir()
    target = dest_dir / FILE_NAMES[model]
    url = download_url(model, base_url)
    advice = (f"Copy {FILE_NAMES[model]} into {dest_dir}, or run "
              f"`posturewatch model install FILE` with a copy of it.")
    if not url.startswith(("https://", "http://")):
        raise ModelError(f"Cannot download the {model} pose model from {url!r}: "
                         f"only http(s) addresses are allowed. {advice}")
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"Cannot create {dest_dir} for the pose model ({exc}). {advice}") from exc
    try:
        with atomic_file(target, "wb") as out:
            _download(url, out, progress, timeout_s)
            out.flush()
            problem = file_problem(temporary_name(target))
            if problem:  # raised inside: a damaged download never replaces anything
                raise ModelError(f"The {model} pose model downloaded from {url} is damaged: "
                                 f"{problem}. Try again later. {advice}")
    except ModelError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(f"Could not download the {model} pose model from {url} ({reason}). "
                         f"{advice}") from exc
    return target


def _download(url: str, out: object, progress: Progress | None, timeout_s: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "posturewatch"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > MAX_FILE_BYTES:
            raise ValueError(f"the server offers {total:,} bytes, more than a pose model")
        done = 0
        while True:
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                break
            done += len(chunk)
            if done > MAX_FILE_BYTES:
                raise ValueError("the download is larger than any pose model")
            out.write(chunk)  # type: ignore[attr-defined]
            if progress is not None:
                progress(done, total)
        if total is not None and done != total:
            raise ValueError(f"the download stopped after {done:,} of {total:,} bytes")


def install(source: Path, model: str | None = None, dest_dir: Path | None = None) -> Path:
    """Check ``source`` and copy it into the user's cache folder as ``model``
    (default: told apart by its landmark network's size). Returns the new path."""
    problem = file_problem(source)
    if problem:
        raise ModelError(f"{source} is not a pose model: {problem}.")
    kind = model or model_kind(source)
    if kind not in MODELS:
        raise ModelError(f"{source} looks like the {kind} pose model; PostureWatch knows "
                         "lite and full. Set pose_model to its path to use it anyway.")
    dest_dir = dest_dir or paths.model_cache_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / FILE_NAMES[kind]
    with open(source, "rb") as original, atomic_file(target, "wb") as out:
        shutil.copyfileobj(original, out)
    return target


def progress_printer(write: Callable[[str], None], model: str) -> Progress:
    """A progress callback that writes a line each 10 % (or each 1 MB without a size)."""
    last = [-1]

    def show(done: int, total: int | None) -> None:
        step = done * 10 // total if total else done // 1_000_000
        if step != last[0]:
            last[0] = step
            shown = f"{done / 1e6:.1f} MB"
            if total:
                shown += f" of {total / 1e6:.1f} MB ({done * 100 // total} %)"
            write(f"downloading the {model} pose model: {shown}")

    return show


def ensure(choice: ModelChoice, base_url: str = "",
           progress: Progress | None = None) -> ModelChoice:
    """``choice`` with its file in place: downloads it when it must. Raises
    :class:`ModelError` when it cannot load at all."""
    if choice.problem:
        raise ModelError(choice.problem)
    if not choice.download:
        return choice
    path = fetch(choice.model, base_url=base_url, progress=progress)
    return ModelChoice(choice.setting, choice.backend, choice.model, path,
                       f"downloaded to {path.parent}")

"""Pose model files: choosing a backend, checking, downloading and installing
``.task`` files. Downloads come from a real HTTP server on 127.0.0.1 serving
``../shared/models`` (never the internet)."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from posturewatch import model_files as mf
from posturewatch.model_files import MediapipeInfo, ModelError

REPO = Path(__file__).resolve().parents[1]
BOTH = MediapipeInfo("0.10.21", legacy=True, tasks=True)
TASKS_ONLY = MediapipeInfo("1.2.3", legacy=False, tasks=True)


# -- a model server on loopback ------------------------------------------------------
class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; ``/cut/NAME`` promises the whole file but sends half."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/cut/"):
            data = (Path(self.directory) / self.path[len("/cut/"):]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def model_server(tmp_path: Path, shared_models: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, served folder): the shared models, plus ``broken/`` copies
    with bytes changed inside the landmark network."""
    root = tmp_path / "served"
    (root / "broken").mkdir(parents=True)
    for model in shared_models.glob("*.task"):
        shutil.copyfile(model, root / model.name)
        data = bytearray(model.read_bytes())
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(64)
        (root / "broken" / model.name).write_bytes(bytes(data))

    def handler(*args: object, **kwargs: object) -> _Handler:
        return _Handler(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()


# -- checking files --------------------------------------------------------------------
def test_the_shared_models_pass_the_check_and_are_told_apart(shared_models: Path) -> None:
    lite = shared_models / "pose_landmarker_lite.task"
    full = shared_models / "pose_landmarker_full.task"
    assert mf.file_problem(lite) is None and mf.file_problem(full) is None
    assert mf.model_kind(lite) == "lite" and mf.model_kind(full) == "full"


def test_damaged_files_are_refused_with_the_reason(tmp_path: Path, shared_models: Path) -> None:
    good = (shared_models / "pose_landmarker_lite.task").read_bytes()
    cases = {
        "truncated.task": good[: len(good) * 2 // 3],
        "tiny.task": b"PK\x03\x04",
        "text.task": b"<html>rate limited</html>" * 100_000,
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    (tmp_path / "flipped.task").write_bytes(bytes(flipped))
    with zipfile.ZipFile(tmp_path / "other.task", "w") as bundle:
        bundle.writestr("face_detector.tflite", b"\0\0\0\0TFL3" + bytes(2_000_000))
    assert "damaged or incomplete" in mf.file_problem(tmp_path / "truncated.task")
    assert "bytes" in mf.file_problem(tmp_path / "tiny.task")
    assert "damaged or incomplete" in mf.file_problem(tmp_path / "text.task")
    assert "Bad CRC-32" in mf.file_problem(tmp_path / "flipped.task")
    assert "without pose_detector.tflite" in mf.file_problem(tmp_path / "other.task")
    assert "cannot read" in mf.file_problem(tmp_path / "missing.task")


# -- choosing -----------------------------------------------------------------------------
def test_auto_needs_no_download_where_mediapipe_bundles_a_model(tmp_path: Path) -> None:
    choice = mf.choose("auto", BOTH, dirs=[tmp_path])
    assert choice.download is False and choice.problem is None
    assert choice.backend == "legacy" or choice.path is not None
    assert "no download" in choice.reason or "no file needed" in choice.reason


def test_full_prefers_the_bundled_model_to_a_file(tmp_path: Path, shared_models: Path) -> None:
    shutil.copyfile(shared_models / "pose_landmarker_full.task",
                    tmp_path / "pose_landmarker_full.task")
    choice = mf.choose("full", BOTH, dirs=[tmp_path])
    assert (choice.backend, choice.model, choice.path) == ("legacy", "full", None)
    on_13 = mf.choose("full", TASKS_ONLY, dirs=[tmp_path])
    assert (on_13.backend, on_13.path) == ("tasks", tmp_path / "pose_landmarker_full.task")


def test_tasks_only_mediapipe_finds_a_file_in_order_or_asks_for_a_download(
    tmp_path: Path, shared_models: Path,
) -> None:
    bundled, cache = tmp_path / "bundled", tmp_path / "cache"
    for folder in (bundled, cache):
        folder.mkdir()
    nothing = mf.choose("lite", TASKS_ONLY, dirs=[bundled, cache])
    assert nothing.download and nothing.path is None and nothing.backend == "tasks"
    assert "to be downloaded" in nothing.describe()
    shutil.copyfile(shared_models / "pose_landmarker_lite.task",
                    cache / "pose_landmarker_lite.task")
    assert mf.choose("lite", TASKS_ONLY, dirs=[bundled, cache]).path == cache / (
        "pose_landmarker_lite.task")
    shutil.copyfile(shared_models / "pose_landmarker_lite.task",
                    bundled / "pose_landmarker_lite.task")
    assert mf.choose("lite", TASKS_ONLY, dirs=[bundled, cache]).path == bundled / (
        "pose_landmarker_lite.task")
    (bundled / "pose_landmarker_lite.task").write_bytes(b"damaged")  # skipped, not used
    assert mf.choose("lite", TASKS_ONLY, dirs=[bundled, cache]).path == cache / (
        "pose_landmarker_lite.task")


def test_auto_on_tasks_only_takes_any_model_already_here(tmp_path: Path,
                                                         shared_models: Path) -> None:
    other = "lite" if mf.DEFAULT_MODEL == "full" else "full"
    shutil.copyfile(shared_models / mf.FILE_NAMES[other], tmp_path / mf.FILE_NAMES[other])
    choice = mf.choose("auto", TASKS_ONLY, dirs=[tmp_path])
    assert (choice.model, choice.download) == (other, False)
    assert f"no {mf.DEFAULT_MODEL} model file here" in choice.reason


def test_an_explicit_path_is_used_as_given_or_explained(tmp_path: Path,
                                                        shared_models: Path) -> None:
    good = shared_models / "pose_landmarker_lite.task"
    assert mf.choose(str(good), TASKS_ONLY, dirs=[]).path == good
    missing = mf.choose(str(tmp_path / "nope.task"), BOTH, dirs=[])
    assert missing.problem and "does not exist" in missing.problem
    (tmp_path / "bad.task").write_bytes(b"x" * 2_000_000)
    bad = mf.choose(str(tmp_path / "bad.task"), BOTH, dirs=[])
    assert bad.problem and "cannot be used" in bad.problem and "damaged" in bad.problem
    none = mf.choose("auto", MediapipeInfo(None, False, False), dirs=[])
    assert none.problem and "not installed" in none.problem


def test_this_installation_is_read_without_importing_mediapipe() -> None:
    code = ("import sys; from posturewatch import model_files as m; i = m.mediapipe_info(); "
            "print(i.version is not None, i.tasks, 'mediapipe' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout.split()
    assert out == ["True", "True", "False"]


# -- downloading --------------------------------------------------------------------------
def test_fetch_downloads_checks_and_places_the_file(tmp_path: Path,
                                                    model_server: tuple[str, Path]) -> None:
    base, root = model_server
    seen: list[tuple[int, int | None]] = []
    path = mf.fetch("lite", tmp_path / "cache", base_url=base,
                    progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "cache" / "pose_landmarker_lite.task"
    assert path.read_bytes() == (root / "pose_landmarker_lite.task").read_bytes()
    size = path.stat().st_size
    assert seen[-1] == (size, size) and len(seen) > 3
    assert sorted(p.name for p in path.parent.iterdir()) == ["pose_landmarker_lite.task"]


@pytest.mark.parametrize("where", ["broken/", "cut/"])
def test_a_broken_or_truncated_download_leaves_nothing_and_keeps_a_good_file(
    tmp_path: Path, model_server: tuple[str, Path], shared_models: Path, where: str,
) -> None:
    base, _root = model_server
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as raised:
        mf.fetch("full", cache, base_url=base + where)
    message = str(raised.value)
    assert ("damaged" in message) if where == "broken/" else ("stopped after" in message)
    assert "posturewatch model install FILE" in message
    assert list(cache.iterdir()) == []
    good = cache / "pose_landmarker_full.task"
    shutil.copyfile(shared_models / "pose_landmarker_full.task", good)
    with pytest.raises(ModelError):
        mf.fetch("full", cache, base_url=base + where)
    assert mf.file_problem(good) is None and sorted(cache.iterdir()) == [good]


def test_offline_says_in_one_sentence_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as raised:
        mf.fetch("lite", tmp_path / "cache", base_url="http://127.0.0.1:9/")
    message = str(raised.value)
    assert message.startswith("Could not download the lite pose model from http://127.0.0.1:9/")
    assert f"Copy pose_landmarker_lite.task into {tmp_path / 'cache'}" in message
    assert "Traceback" not in message and list((tmp_path / "cache").iterdir()) == []


# -- the command line -------------------------------------------------------------------
def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, POSTUREWATCH_HOME=str(tmp_path / "home"),
               POSTUREWATCH_POLICY=str(tmp_path / "no-policy.toml"), **extra)
    env.pop("POSTUREWATCH_DEBUG_MEDIAPIPE", None)
    return env


def _posturewatch(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posturewatch", *args], capture_output=True,
                          text=True, env=_env(tmp_path), cwd=REPO, timeout=600)


def test_model_fetch_install_and_status_commands(tmp_path: Path, shared_models: Path,
                                                 model_server: tuple[str, Path]) -> None:
    base, _root = model_server
    config = tmp_path / "home" / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'pose_model_url = "{base}"\n')
    fetched = _posturewatch(tmp_path, "model", "fetch", "lite")
    assert fetched.returncode == 0, fetched.stderr
    assert "downloading the lite pose model" in fetched.stderr and "(100 %)" in fetched.stderr
    cache = tmp_path / "home" / "cache" / "models"
    assert (cache / "pose_landmarker_lite.task").is_file()

    copy = tmp_path / "from-a-colleague.task"
    shutil.copyfile(shared_models / "pose_landmarker_full.task", copy)
    installed = _posturewatch(tmp_path, "model", "install", str(copy))
    assert installed.returncode == 0, installed.stderr
    assert (cache / "pose_landmarker_full.task").read_bytes() == copy.read_bytes()

    copy.write_bytes(b"no model" * 300_000)
    refused = _posturewatch(tmp_path, "model", "install", str(copy))
    assert refused.returncode == 2 and "is not a pose model" in refused.stderr

    status = _posturewatch(tmp_path, "model", "status")
    assert status.returncode == 0, status.stderr
    assert f"{cache / 'pose_landmarker_lite.task'}: ok" in status.stdout
    assert "pose_model = 'auto'" in status.stdout


@pytest.mark.model
def test_run_with_a_missing_model_file_is_one_clear_error(tmp_path: Path) -> None:
    done = _posturewatch(tmp_path, "run", "--headless", "--model", str(tmp_path / "gone.task"))
    assert done.returncode == 2
    assert f"the pose model file {tmp_path / 'gone.task'} (setting pose_model) does not exist" \
        in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.model
def test_replay_fetches_a_missing_model_once_then_runs_offline(
    tmp_path: Path, model_server: tuple[str, Path], astronaut_video: object,
) -> None:
    from posturewatch.model_files import mediapipe_info

    if mediapipe_info().legacy is False:
        pytest.skip("the shared models sit beside this Python already: nothing to fetch")
    base, _root = model_server
    video = astronaut_video(n_astronaut=2, n_blank=1)  # type: ignore[operator]
    config = tmp_path / "home" / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'pose_model = "lite"\npose_model_url = "{base}"\n')
    first = _posturewatch(tmp_path, "replay", str(video), "--interval-s", "5")
    assert first.returncode == 0, first.stderr
    assert "downloading the lite pose model" in first.stderr
    assert '"frames": 3' in first.stdout.splitlines()[-1]
    config.write_text('pose_model = "lite"\npose_model_url = "http://127.0.0.1:9/"\n')
    second = _posturewatch(tmp_path, "replay", str(video), "--interval-s", "5")
    assert second.returncode == 0, second.stderr
    assert "downloading" not in second.stderr

"""Benchmark, run by hand (not in CI): what one tick costs and what a day writes.

    .venv/bin/python bench/tick_bench.py [--frames DIR] [--passes 3] [--model SETTING]
    .venv/bin/python bench/tick_bench.py --matrix     every backend and model here

``--model`` is a ``pose_model`` value (auto, full, lite or a .task path; a
bare lite/full also finds ``../shared/models``). Prints, on the same frames:
1. the median cost of one whole tick (grab from a video file, pose, metrics,
   state machine, store) against bare inference (the backend's own
   ``Pose.process`` or ``PoseLandmarker.detect`` on decoded RGB frames;
   target: at most 1.2 times);
2. the process's peak memory: the headless pipeline with one model (target:
   at most 230 MB);
3. import + model load time in a fresh process;
4. the database bytes written per simulated 8-hour day at the default 5 s
   interval (target: at most 100 KB).

Frames: the photos in ../shared/data/posture-dev when present (real desk
frames), else skimage's astronaut. They go into a temporary MJPG video that
plays the camera; it is deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from posturewatch.app import Monitor
from posturewatch.camera import VideoFileSource, iter_image_paths
from posturewatch.clock import SimulatedClock
from posturewatch.config import Settings
from posturewatch.model import Sample, Verdict
from posturewatch.model_files import FILE_NAMES, choose, mediapipe_info
from posturewatch.notify import RecordingNotifier
from posturewatch.pose import open_estimator
from posturewatch.session import Tracker
from posturewatch.store import Store

REPO = Path(__file__).resolve().parents[1]
POSTURE_DEV = REPO.parent / "shared" / "data" / "posture-dev"
SHARED_MODELS = REPO.parent / "shared" / "models"
START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
SIZE = (640, 480)


def load_frames(folder: Path | None) -> tuple[list[np.ndarray], str]:
    paths: list[Path] = []
    if folder and folder.is_dir():
        for sub in ("upright", "slouched"):
            if (folder / sub).is_dir():
                paths += iter_image_paths(folder / sub)
        paths = paths or iter_image_paths(folder)
    if paths:
        frames = [cv2.imread(str(p)) for p in paths]
        frames = [cv2.resize(f, SIZE) for f in frames if f is not None]
        return frames, f"{len(frames)} photos from {folder}"
    from skimage import data

    person = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    frame = np.full((SIZE[1], SIZE[0], 3), 128, np.uint8)
    frame[:, 80:560] = cv2.resize(person, (480, 480))
    return [frame] * 30, "30 copies of skimage's astronaut"


def write_video(frames: list[np.ndarray], path: Path) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, SIZE)
    for frame in frames:
        writer.write(frame)
    writer.release()


def model_setting(name: str) -> str:
    """``name`` as a pose_model value that loads here without a download:
    lite/full fall back to ../shared/models when this installation has no file."""
    choice = choose(name)
    if choice.download and (SHARED_MODELS / FILE_NAMES.get(name, "-")).is_file():
        return str(SHARED_MODELS / FILE_NAMES[name])
    return name


def time_pose_alone(frames: list[np.ndarray], passes: int, setting: str) -> list[float]:
    """The backend's bare inference on already-decoded RGB frames (the
    legacy ``Pose.process`` or the Tasks ``detect``, no conversion to our
    Landmarks): the floor a tick cannot beat."""
    rgb = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
    estimator = open_estimator(setting)
    detect = estimator._detect  # the raw MediaPipe call, by design of the bench
    times = []
    for _ in range(passes):
        for image in rgb:
            began = time.perf_counter()
            detect(image)
            times.append(time.perf_counter() - began)
    estimator.close()
    return times


def time_load(setting: str) -> dict[str, float]:
    """Import and model load, in a fresh process (what start-up pays)."""
    code = (
        "import json, time; t0 = time.perf_counter()\n"
        "from posturewatch.pose import import_mediapipe, open_estimator\n"
        "import_mediapipe(); t1 = time.perf_counter()\n"
        f"e = open_estimator({setting!r}); t2 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'load_s': t2 - t1})); e.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_ticks(video: Path, passes: int, scratch: Path,
               setting: str) -> tuple[list[float], list]:
    """Monitor.tick: grab (decode) + pose + metrics + tracker + store."""
    times: list[float] = []
    samples: list[Sample] = []
    with open_estimator(setting) as estimator:
        warm = VideoFileSource(video)
        estimator.estimate(warm.grab().frame)  # warm up, as the real loop's first tick
        warm.close()
        store = Store(scratch / "tick.db")
        clock = SimulatedClock(START)
        for _ in range(passes):
            source = VideoFileSource(video)
            monitor = Monitor(Settings(), source, estimator, store, RecordingNotifier(), clock)
            while True:
                began = time.perf_counter()
                result = monitor.tick()
                elapsed = time.perf_counter() - began
                if result.sample is None:
                    break
                times.append(elapsed)
                samples.append(result.sample)
                clock.advance(5)
            source.close()
        store.close()
    return times, samples


def day_bytes(samples: list[Sample], scratch: Path) -> dict[str, float]:
    """Drive the tracker and store through 8 simulated hours at 5 s a tick,
    with real samples, a 5-minute break every 50 minutes and a lunch hour."""
    db = scratch / "day.db"
    settings = Settings()
    tracker = Tracker(settings)
    store = Store(db)
    away = Sample(present=False, verdict=Verdict.UNKNOWN)
    io_before = read_io()
    now, end, i = START, START + timedelta(hours=8), 0
    while now <= end:
        minute_of_day = (now - START).total_seconds() / 60
        is_lunch = 240 <= minute_of_day < 300
        is_break = minute_of_day % 50 >= 45
        sample = away if (is_lunch or is_break) else samples[i % len(samples)]
        for action in tracker.step(now, sample):
            item = getattr(action, "item", None)
            if item is not None:
                store.write(item)
        now += timedelta(seconds=settings.sample_interval_s)
        i += 1
    for action in tracker.flush(now):
        item = getattr(action, "item", None)
        if item is not None:
            store.write(item)
    minutes = len(store.minutes(START, end + timedelta(minutes=1)))
    events = len(store.events(START, end + timedelta(minutes=1)))
    store.close()
    io_after = read_io()
    size = sum(p.stat().st_size for p in scratch.glob("day.db*"))
    return {
        "ticks": i,
        "minute_rows": minutes,
        "events": events,
        "file_bytes": size,
        "bytes_written": io_after - io_before if io_before >= 0 else -1,
    }


def read_io() -> int:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=Path, default=POSTURE_DEV)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--model", default="auto", help="a pose_model value (default auto)")
    parser.add_argument("--matrix", action="store_true",
                        help="run every backend and model available here, one process each")
    parser.add_argument("--pose-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.matrix:
        run_matrix(args)
        return
    setting = model_setting(args.model)
    frames, what = load_frames(args.frames)
    if args.pose_only:  # the child process: bare inference alone, times as JSON
        print(json.dumps(time_pose_alone(frames, args.passes, setting)))
        return
    choice = choose(setting)
    print(f"frames: {what}, {SIZE[0]}x{SIZE[1]}, {args.passes} passes; model: "
          f"{choice.describe()}", file=sys.stderr)
    load = time_load(setting)
    with tempfile.TemporaryDirectory(prefix="posturewatch-bench-") as tmp:
        scratch = Path(tmp)
        # Pose.process alone runs in a child process, so this process's peak
        # memory is the real pipeline's: one model, as in `posturewatch run`.
        child = subprocess.run(
            [sys.executable, __file__, "--pose-only", "--frames", str(args.frames),
             "--passes", str(args.passes), "--model", setting],
            capture_output=True, text=True, check=True,
        )
        alone = json.loads(child.stdout.strip().splitlines()[-1])
        video = scratch / "camera.avi"
        write_video(frames, video)
        del frames  # the real loop holds one frame at a time
        ticks, samples = time_ticks(video, args.passes, scratch, setting)
        day = day_bytes(samples, scratch)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pose_ms = statistics.median(alone) * 1000
    tick_ms = statistics.median(ticks) * 1000
    report = {
        "python": sys.version.split()[0],
        "mediapipe": mediapipe_info().version,
        "backend": choice.backend,
        "model": choice.model,
        "import_s": round(load["import_s"], 2),
        "model_load_s": round(load["load_s"], 2),
        "frames": len(ticks) // args.passes,
        "pose_process_median_ms": round(pose_ms, 2),
        "tick_median_ms": round(tick_ms, 2),
        "tick_over_pose": round(tick_ms / pose_ms, 3),
        "pose_process_mean_ms": round(statistics.mean(alone) * 1000, 2),
        "tick_mean_ms": round(statistics.mean(ticks) * 1000, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "day_db_file_kb": round(day["file_bytes"] / 1024, 1),
        "day_bytes_written_kb": round(day["bytes_written"] / 1024, 1),
        "day_minute_rows": day["minute_rows"],
        "day_events": day["events"],
        "day_ticks": day["ticks"],
    }
    print(f"model              : {choice.backend} backend, {choice.model} model "
          f"(mediapipe {report['mediapipe']}, Python {report['python']})")
    print(f"import + load      : {load['import_s']:7.2f} s import, {load['load_s']:.2f} s model")
    print(f"bare inference     : {pose_ms:7.2f} ms median")
    print(f"whole tick         : {tick_ms:7.2f} ms median  ({report['tick_over_pose']}x; "
          "target <= 1.2x)")
    print(f"peak memory        : {peak_mb:7.1f} MB, the whole pipeline in one process "
          "(target <= 230 MB)")
    print(f"8-hour day         : the database grows {report['day_db_file_kb']} KB "
          f"({day['minute_rows']} minute rows, {day['events']} events; target <= 100 KB)")
    print(f"                     the kernel counted {report['day_bytes_written_kb']} KB of writes "
          "(one WAL commit a minute plus checkpoints), for information")
    print(json.dumps(report))


def run_matrix(args: argparse.Namespace) -> None:
    """One child process per backend/model, a summary table at the end."""
    settings = (["full"] if mediapipe_info().legacy else []) + [
        str(SHARED_MODELS / FILE_NAMES[m]) if (SHARED_MODELS / FILE_NAMES[m]).is_file() else m
        for m in ("full", "lite")]
    rows = []
    for setting in settings:
        out = subprocess.run(
            [sys.executable, __file__, "--frames", str(args.frames), "--passes",
             str(args.passes), "--model", setting], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{setting}: failed\n{out.stderr}", file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = ("backend", "model", "import_s", "model_load_s", "pose_process_median_ms",
            "tick_median_ms", "tick_over_pose", "peak_rss_mb")
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()

"""The weekly report from a database that ``posturewatch replay`` filled with
the real model: every format renders and the numbers agree with the replay."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.model


def run(tmp_path: Path, *args: str) -> str:
    env = dict(os.environ, TZ="UTC", POSTUREWATCH_HOME=str(tmp_path / "home"),
               POSTUREWATCH_POLICY=str(tmp_path / "none.toml"))
    done = subprocess.run([sys.executable, "-m", "posturewatch", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_format_from_a_replayed_day_agrees_with_the_replay(
    tmp_path: Path, astronaut_video
) -> None:
    db = tmp_path / "week.db"
    # Tuesday: 40 minutes at the desk, then 10 away; a frame a minute.
    video = astronaut_video(n_astronaut=40, n_blank=10)
    replayed = json.loads(run(tmp_path, "replay", str(video), "--interval-s", "60",
                              "--start", "2026-11-17T09:00:00Z", "--db", str(db))
                          .strip().splitlines()[-1])
    week = ("--week", "2026-W47", "--db", str(db))

    data = json.loads(run(tmp_path, "report", *week, "--format", "json"))
    tuesday = next(d for d in data["days"] if d["date"] == "2026-11-17")
    assert tuesday["seated_min"] == pytest.approx(replayed["seated_s"] / 60, abs=0.05)
    assert tuesday["longest_sitting_min"] == pytest.approx(
        replayed["longest_sitting_s"] / 60, abs=1.0)
    assert tuesday["breaks"] == replayed["breaks"] == 1
    shown = sum(tuesday[f"{k}_nudges_shown"] for k in ("break", "water", "posture"))
    assert shown == len(replayed["nudges"]) >= 1
    assert data["totals"]["seated_min"] == tuesday["seated_min"]

    rows = list(csv.DictReader(io.StringIO(run(tmp_path, "report", *week, "--format", "csv"))))
    csv_tuesday = next(r for r in rows if r["date"] == "2026-11-17")
    assert float(csv_tuesday["seated_min"]) == tuesday["seated_min"]
    assert int(csv_tuesday["breaks"]) == tuesday["breaks"]

    text = run(tmp_path, "report", *week, "--format", "text")
    assert "2026-W47" in text and "Tue 17" in text

    html_path = tmp_path / "week.html"
    run(tmp_path, "report", *week, "--output", str(html_path))
    html = html_path.read_text()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    row = html.split('data-date="2026-11-17"', 1)[1].split("</tr>", 1)[0]
    seated = row.split('data-field="seated_min"', 1)[1].split('data-value="', 1)[1]
    assert float(seated.split('"', 1)[0]) == tuesday["seated_min"]

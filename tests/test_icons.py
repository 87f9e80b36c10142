"""The tray icons: one per state, told apart by shape (not colour alone),
readable on light and dark panels, at tray sizes."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from posturewatch.icons import (
    DESCRIPTIONS,
    IconState,
    contact_sheet,
    draw_icon,
    icon_state,
    write_app_icon,
)
from posturewatch.model import CameraState, Presence, State, Verdict

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIZES = (16, 22, 24, 32, 48, 64)


def on(background: int, image: Image.Image) -> np.ndarray:
    """``image`` composited on a grey ``background`` level, as luminance 0..255."""
    base = Image.new("RGBA", image.size, (background, background, background, 255))
    base.alpha_composite(image)
    return np.asarray(base.convert("L"), dtype=float)


@pytest.mark.parametrize("size", SIZES)
def test_every_state_draws_at_tray_sizes(size: int) -> None:
    for which in IconState:
        image = draw_icon(which, size)
        assert image.mode == "RGBA" and image.size == (size, size)
        alpha = np.asarray(image)[:, :, 3]
        assert (alpha > 128).mean() > 0.2, which  # a real shape, not a speck
        assert alpha[0, 0] < 128 or which is IconState.BREAK_DUE  # transparent corners


@pytest.mark.parametrize("size", (22, 64))
def test_states_differ_in_grey_scale(size: int) -> None:
    """With colour taken away, every pair of icons still looks different: the
    shapes and glyphs carry the meaning, colour only helps."""
    for a, b in itertools.combinations(IconState, 2):
        for background in (236, 40):
            diff = np.abs(on(background, draw_icon(a, size)) - on(background, draw_icon(b, size)))
            changed = (diff > 48).mean()
            assert changed > 0.08, f"{a} and {b} look alike in grey on {background}: {changed:.3f}"


def test_icons_stand_out_on_light_and_dark_panels() -> None:
    for which in IconState:
        for background in (236, 40):
            lum = on(background, draw_icon(which, 22))
            assert (np.abs(lum - background) > 40).mean() > 0.15, (which, background)


def test_icon_is_a_fresh_copy() -> None:
    image = draw_icon(IconState.UPRIGHT, 32)
    image.putpixel((16, 16), (255, 0, 0, 255))
    assert draw_icon(IconState.UPRIGHT, 32).getpixel((16, 16)) != (255, 0, 0, 255)


def state(**changes: object) -> State:
    base = State(at=NOW, presence=Presence.PRESENT, verdict=Verdict.UPRIGHT, sitting_s=600.0,
                 slouched_s=0.0, camera=CameraState.OK, paused_until=None, break_due=False,
                 next_nudge_kind=None, next_nudge_at=None)
    return replace(base, **changes)


def test_icon_state_precedence() -> None:
    assert icon_state(None) is IconState.STARTING
    assert icon_state(state()) is IconState.UPRIGHT
    assert icon_state(state(verdict=Verdict.UNKNOWN)) is IconState.UPRIGHT
    assert icon_state(state(verdict=Verdict.SLOUCHED)) is IconState.SLOUCHING
    assert icon_state(state(verdict=Verdict.SLOUCHED, break_due=True)) is IconState.BREAK_DUE
    assert icon_state(state(presence=Presence.AWAY, break_due=True)) is IconState.AWAY
    for camera in (CameraState.MISSING, CameraState.BUSY):
        assert icon_state(state(presence=Presence.UNKNOWN, camera=camera)) is IconState.CAMERA
    paused = state(paused_until=NOW + timedelta(minutes=30), camera=CameraState.BUSY)
    assert icon_state(paused) is IconState.PAUSED


def test_every_state_is_described() -> None:
    assert set(DESCRIPTIONS) == set(IconState)


def test_contact_sheet_artifact() -> None:
    sheet = contact_sheet(64)
    assert sheet.width == len(IconState) * 72 + 8
    ARTIFACTS.mkdir(exist_ok=True)
    sheet.save(ARTIFACTS / "icons.png")


def test_write_app_icon(tmp_path: Path) -> None:
    path = write_app_icon(tmp_path / "state" / "posturewatch.png")
    assert path is not None
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (64, 64)
    stamp = path.stat().st_mtime_ns
    assert write_app_icon(path) == path and path.stat().st_mtime_ns == stamp
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert write_app_icon(blocked / "posturewatch.png") is None

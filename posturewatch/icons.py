"""The tray icon for each state, drawn with Pillow: shape and colour, never colour alone.

Every state has its own silhouette or glyph, so the icon reads for someone who
cannot tell green from orange, and on a grey-scale screen:

========================  ======================================  ==========
state                     shape                                   colour
========================  ======================================  ==========
``STARTING``              ring with three dots                    grey
``UPRIGHT``               filled disc with a tick                 green
``SLOUCHING``             warning triangle with "!"               orange
``BREAK_DUE``             rounded square with a clock face        vermilion
``AWAY``                  dashed ring (an empty seat)             blue
``PAUSED``                filled disc with two bars               grey
``CAMERA``                camera body struck through              dark grey
========================  ======================================  ==========

Colours are from the Okabe-Ito palette (readable with every common colour
vision deficiency). Each shape has a thin light halo so it stands out on dark
and light panels alike. Images are drawn at four times their size and scaled
down, so the edges are smooth at 16-64 px. Pure apart from Pillow, except :func:`write_app_icon`.
"""

from __future__ import annotations

import io
import math
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from posturewatch.atomic_files import atomic_file, write_atomic
from posturewatch.model import CameraState, Presence, State, Verdict
from posturewatch.nudge_kinds import KINDS


class IconState(StrEnum):
    """What the tray icon shows; see :func:`icon_state` for the order of precedence."""

    STARTING = "starting"
    UPRIGHT = "upright"
    SLOUCHING = "slouching"
    BREAK_DUE = "break_due"
    AWAY = "away"
    PAUSED = "paused"
    CAMERA = "camera"


# Okabe-Ito colours, RGBA.
GREEN = (0, 158, 115, 255)
ORANGE = (230, 159, 0, 255)
VERMILION = (213, 94, 0, 255)
BLUE = (0, 114, 178, 255)
GREY = (128, 128, 128, 255)
DARK = (64, 64, 64, 255)
WHITE = (255, 255, 255, 255)
INK = (30, 30, 30, 255)
HALO = (255, 255, 255, 200)

SCALE = 4  # supersampling factor
BASE = 64  # design grid: coordinates below are on a 64 x 64 canvas


def icon_state(state: State | None) -> IconState:
    """The icon for a monitor state. Precedence: not started yet, paused (or
    the camera off on purpose: locked, outside working hours), camera giving
    no picture (unless keyboard and mouse say a break is due), away, break
    due, slouching, upright (monitoring)."""
    if state is None:
        return IconState.STARTING
    if state.paused_until is not None or state.camera is CameraState.OFF:
        return IconState.PAUSED
    if state.camera.gives_no_picture and not (state.break_due
                                              and state.presence is Presence.PRESENT):
        return IconState.CAMERA
    if state.presence is Presence.AWAY:
        return IconState.AWAY
    if state.break_due:
        return IconState.BREAK_DUE
    if state.verdict is Verdict.SLOUCHED:
        return IconState.SLOUCHING
    return IconState.UPRIGHT


def draw_icon(which: IconState, size: int = 64) -> Image.Image:
    """A square RGBA image of ``size`` pixels for ``which`` (a fresh copy)."""
    return _draw(which, size).copy()


@lru_cache(maxsize=64)
def _draw(which: IconState, size: int) -> Image.Image:
    big = Image.new("RGBA", (BASE * SCALE, BASE * SCALE), (0, 0, 0, 0))
    pen = _Pen(ImageDraw.Draw(big))
    DRAWERS[which](pen)
    return big.resize((size, size), Image.Resampling.LANCZOS)


class _Pen:
    """Drawing in 64-unit design coordinates on the supersampled canvas."""

    def __init__(self, draw: ImageDraw.ImageDraw) -> None:
        self.d = draw

    @staticmethod
    def _box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = box
        return (round(x0 * SCALE), round(y0 * SCALE), round(x1 * SCALE), round(y1 * SCALE))

    @staticmethod
    def _pts(points: list[tuple[float, float]]) -> list[tuple[int, int]]:
        return [(round(x * SCALE), round(y * SCALE)) for x, y in points]

    def disc(self, cx: float, cy: float, r: float, fill: tuple[int, ...]) -> None:
        self.d.ellipse(self._box((cx - r, cy - r, cx + r, cy + r)), fill=fill)

    def ring(self, cx: float, cy: float, r: float, width: float, fill: tuple[int, ...]) -> None:
        self.d.ellipse(self._box((cx - r, cy - r, cx + r, cy + r)), outline=fill,
                       width=round(width * SCALE))

    def arc(self, cx: float, cy: float, r: float, start: float, end: float, width: float,
            fill: tuple[int, ...]) -> None:
        self.d.arc(self._box((cx - r, cy - r, cx + r, cy + r)), start, end, fill=fill,
                   width=round(width * SCALE))

    def line(self, points: list[tuple[float, float]], width: float,
             fill: tuple[int, ...]) -> None:
        self.d.line(self._pts(points), fill=fill, width=round(width * SCALE), joint="curve")
        r = width / 2  # round caps
        for x, y in (points[0], points[-1]):
            self.disc(x, y, r, fill)

    def polygon(self, points: list[tuple[float, float]], fill: tuple[int, ...]) -> None:
        self.d.polygon(self._pts(points), fill=fill)

    def rounded(self, box: tuple[float, float, float, float], radius: float,
                fill: tuple[int, ...]) -> None:
        self.d.rounded_rectangle(self._box(box), radius=round(radius * SCALE), fill=fill)


def _starting(p: _Pen) -> None:
    p.ring(32, 32, 27, 8, HALO)
    p.ring(32, 32, 26, 5, GREY)
    for x in (20, 32, 44):
        p.disc(x, 32, 4.5, GREY)


def _upright(p: _Pen) -> None:
    p.disc(32, 32, 30, HALO)
    p.disc(32, 32, 28, GREEN)
    p.line([(17, 33), (27, 43), (47, 21)], 7, WHITE)


def _slouching(p: _Pen) -> None:
    outer = [(32, 1), (63, 58), (1, 58)]
    inner = [(32, 7), (58, 55), (6, 55)]
    p.polygon(outer, HALO)
    p.polygon(inner, ORANGE)
    p.line([(32, 23), (32, 38)], 7, INK)
    p.disc(32, 47, 4, INK)


def _break_due(p: _Pen) -> None:
    p.rounded((1, 1, 63, 63), 12, HALO)
    p.rounded((3, 3, 61, 61), 10, VERMILION)
    p.ring(32, 32, 20, 5, WHITE)
    p.line([(32, 32), (32, 19)], 5, WHITE)
    p.line([(32, 32), (42, 38)], 5, WHITE)


def _away(p: _Pen) -> None:
    p.ring(32, 32, 30, 12, HALO)
    # A dashed ring: eight arcs with gaps, an empty seat.
    for k in range(8):
        start = k * 45 + 8
        p.arc(32, 32, 27, start, start + 29, 9, BLUE)


def _paused(p: _Pen) -> None:
    p.disc(32, 32, 30, HALO)
    p.disc(32, 32, 28, GREY)
    p.rounded((19, 17, 28, 47), 2, WHITE)
    p.rounded((36, 17, 45, 47), 2, WHITE)


def _camera(p: _Pen) -> None:
    p.rounded((2, 14, 62, 56), 8, HALO)
    p.rounded((4, 16, 60, 54), 7, DARK)
    p.rounded((20, 9, 38, 20), 3, DARK)
    p.ring(32, 35, 11, 4, WHITE)
    # The strike-through, with a halo so it reads on the dark body too.
    p.line([(8, 60), (58, 6)], 10, HALO)
    p.line([(8, 60), (58, 6)], 6, VERMILION)


DRAWERS = {
    IconState.STARTING: _starting,
    IconState.UPRIGHT: _upright,
    IconState.SLOUCHING: _slouching,
    IconState.BREAK_DUE: _break_due,
    IconState.AWAY: _away,
    IconState.PAUSED: _paused,
    IconState.CAMERA: _camera,
}

DESCRIPTIONS = {
    IconState.STARTING: "grey ring with three dots",
    IconState.UPRIGHT: "green disc with a tick",
    IconState.SLOUCHING: "orange warning triangle with an exclamation mark",
    IconState.BREAK_DUE: "vermilion rounded square with a clock face",
    IconState.AWAY: "blue dashed ring",
    IconState.PAUSED: "grey disc with two pause bars",
    IconState.CAMERA: "dark grey camera struck through in vermilion",
}


def contact_sheet(size: int = 64, pad: int = 8) -> Image.Image:
    """Every state side by side on a light and a dark strip (for docs and tests)."""
    states = list(IconState)
    width = len(states) * (size + pad) + pad
    sheet = Image.new("RGBA", (width, 2 * (size + 2 * pad)), (236, 236, 236, 255))
    ImageDraw.Draw(sheet).rectangle((0, size + 2 * pad, width, sheet.height), fill=(40, 40, 40))
    for i, which in enumerate(states):
        img = _draw(which, size)
        for row in (0, 1):
            sheet.alpha_composite(img, (pad + i * (size + pad), pad + row * (size + 2 * pad)))
    return sheet


# -- notification icons: one per kind of message -------------------------------------
class NoteIcon(StrEnum):
    """The picture beside a notification, by what it is about (never the
    green tick on a warning: that is what made notifications wear thin)."""

    BREAK = "break"  # the tray's break-due clock
    POSTURE = "posture"  # the tray's slouching triangle
    WATER = "water"  # a blue drop
    INFO = "info"  # a blue disc with an "i"
    PROBLEM = "problem"  # a vermilion disc with an "!"
    REPORT = "report"  # a green square with a bar chart
    UPRIGHT = "upright"  # the tray's green tick: calibration done


def _water(p: _Pen) -> None:
    drop = [(32, 3)] + [(32 + 22 * math.sin(math.radians(a)), 40 - 22 * math.cos(math.radians(a)))
                        for a in range(60, 301, 10)]
    p.polygon(drop, HALO)
    inner = [(32, 8)] + [(32 + 19 * math.sin(math.radians(a)), 40 - 19 * math.cos(math.radians(a)))
                         for a in range(60, 301, 10)]
    p.polygon(inner, BLUE)
    p.arc(32, 40, 11, 100, 160, 4, WHITE)  # a highlight


def _info(p: _Pen) -> None:
    p.disc(32, 32, 30, HALO)
    p.disc(32, 32, 28, BLUE)
    p.disc(32, 18, 4.5, WHITE)
    p.line([(32, 28), (32, 47)], 8, WHITE)


def _problem(p: _Pen) -> None:
    p.disc(32, 32, 30, HALO)
    p.disc(32, 32, 28, VERMILION)
    p.line([(32, 15), (32, 36)], 8, WHITE)
    p.disc(32, 47, 4.5, WHITE)


def _report(p: _Pen) -> None:
    p.rounded((1, 1, 63, 63), 12, HALO)
    p.rounded((3, 3, 61, 61), 10, GREEN)
    for x, top in ((18, 34), (32, 18), (46, 27)):
        p.rounded((x - 5, top, x + 5, 50), 2, WHITE)


NOTE_DRAWERS = {
    NoteIcon.BREAK: _break_due,
    NoteIcon.POSTURE: _slouching,
    NoteIcon.WATER: _water,
    NoteIcon.INFO: _info,
    NoteIcon.PROBLEM: _problem,
    NoteIcon.REPORT: _report,
    NoteIcon.UPRIGHT: _upright,
}


def _check_kind_icons() -> None:
    """Every nudge kind names an icon that is drawn here (at import)."""
    for kind, spec in KINDS.items():
        if spec.icon not in NOTE_DRAWERS:
            raise ValueError(f"nudge_kinds.KINDS[{kind.value!r}].icon {spec.icon!r} is not an "
                             f"icons.NoteIcon ({', '.join(NoteIcon)})")


_check_kind_icons()


@lru_cache(maxsize=32)
def _draw_note(which: NoteIcon, size: int) -> Image.Image:
    big = Image.new("RGBA", (BASE * SCALE, BASE * SCALE), (0, 0, 0, 0))
    NOTE_DRAWERS[which](_Pen(ImageDraw.Draw(big)))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def draw_note_icon(which: NoteIcon, size: int = 64) -> Image.Image:
    """The notification icon ``which`` as a square RGBA image (a fresh copy)."""
    return _draw_note(which, size).copy()


def write_note_icons(folder: Path, size: int = 64) -> dict[str, Path]:
    """Save every :class:`NoteIcon` as ``note-<name>.png`` in ``folder`` (a
    notification server wants a file); returns name -> path for those written
    or already current. Rewrites a file only when its picture changed."""
    out: dict[str, Path] = {}
    for which in NoteIcon:
        path = folder / f"note-{which.value}.png"
        buffer = io.BytesIO()
        _draw_note(which, size).save(buffer, "PNG")
        data = buffer.getvalue()
        try:
            if not path.exists() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, data)
        except OSError:
            continue
        out[which.value] = path
    return out


def write_app_icon(path: Path, size: int = 64) -> Path | None:
    """Save the upright icon as a PNG at ``path`` (for notifications); None
    when it cannot be written. Rewrites only when missing."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(path, "wb") as out:
                _draw(IconState.UPRIGHT, size).save(out, "PNG")
    except OSError:
        return None
    return path

"""The report's colours, defined once: the page's CSS custom properties
(``--name``) are written from this table, and the SVG charts take their fills
and strokes from it, so a colour changes in one place.

Data colours follow the Okabe-Ito palette, which stays distinct for the
common kinds of colour blindness: blue for upright, orange for slouched,
vermilion for the trend; the bout lengths go from green through yellow to a
hatched rust, so length reads without colour too. Pure.
"""

from __future__ import annotations

COLOURS: dict[str, str] = {
    # page
    "ink": "#1b2230",
    "muted": "#5a6376",
    "line": "#dde2ea",
    "bg": "#f3f5f9",
    "card": "#fff",
    "white": "#fff",
    "shadow": "rgba(20,30,50,.04)",
    "rule": "#b9c1cf",  # the line under the days, the empty-week box
    "future": "#9aa2b1",  # days still to come
    "badge-bg": "#e6eefb",
    "badge-ink": "#12417a",
    "chip-bg": "#eef1f6",
    "health-ink": "#2d3545",
    "note-bg": "#fff8e6",
    "note-line": "#f0d9a0",
    "swatch-edge": "rgba(0,0,0,.25)",
    # charts
    "grid": "#e6e9ef",
    "base": "#aab2c0",
    "up": "#0072B2",
    "slouch": "#E69F00",
    "slouch-dk": "#8a5c00",
    "slouch-pale": "#f3dcaa",  # an hour with under 10 minutes seated
    "trend": "#C5400A",
    "prev": "#8a93a3",
    "short": "#a6dccb",
    "short-dk": "#00795a",
    "mid": "#f5cd74",
    "mid-dk": "#8a5c00",
    "long": "#f2a77c",
    "long-dk": "#a33b00",
    # week against week
    "better": "#00704f",
    "better-bg": "#e2f3eb",
    "worse": "#9c3a00",
    "worse-bg": "#fbe9dd",
}


def css_variables() -> str:
    """The ``:root`` rule that makes every colour a CSS custom property."""
    return ":root{" + ";".join(f"--{name}:{value}" for name, value in COLOURS.items()) + "}"

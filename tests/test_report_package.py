"""The report package's shape: short functions, the style sheet a real file
shipped in the wheel, and every colour defined once, in ``palette``."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from posturewatch.report import Rows, summarize
from posturewatch.report.html import page_css, render_html
from posturewatch.report.palette import COLOURS, css_variables

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "posturewatch"
REPORT = PACKAGE / "report"
MAX_FUNCTION_LINES = 60
COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")


def test_no_function_in_the_report_package_is_over_60_lines() -> None:
    long = []
    for path in sorted(REPORT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long


def test_the_style_sheet_is_a_file_without_colour_literals() -> None:
    sheet = (REPORT / "report.css").read_text(encoding="utf-8")
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    assert "@media print" in sheet
    assert not COLOUR_LITERAL.findall(sheet), "colours belong in palette.COLOURS"
    used = set(re.findall(r"var\(--([\w-]+)\)", sheet))
    assert used <= set(COLOURS), used - set(COLOURS)
    # Every palette colour is used, by the style sheet or by the charts.
    charts = (REPORT / "charts.py").read_text(encoding="utf-8")
    in_charts = set(re.findall(r'C\["([\w-]+)"\]', charts))
    assert set(COLOURS) == used | in_charts, set(COLOURS) - used - in_charts
    assert not COLOUR_LITERAL.findall(charts)


def test_the_page_draws_only_palette_colours() -> None:
    tz = ZoneInfo("Europe/Berlin")
    minutes = [
        {"minute": f"2026-11-16T{h:02d}:{m:02d}:00Z", "present_s": 60, "seated_s": 60,
         "slouched_s": 5 + h, "away_s": 0, "unknown_s": 0}
        for h in range(7, 16) for m in range(0, 60) if m < 50 or h == 12
    ]
    summary = summarize(Rows(minutes, []), tz, "2026-W47",
                        now=datetime(2026, 11, 20, 12, tzinfo=UTC))
    page = render_html(summary)
    assert page.count("<svg") == 4
    assert page_css().startswith(css_variables()) and "/*" not in page_css()
    body = page.split("</style>", 1)[1]
    drawn = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]+)"', body))
    assert drawn and drawn <= set(COLOURS.values()), drawn - set(COLOURS.values())
    # The CSS custom properties carry the same values the charts use.
    root = dict(re.findall(r"--([\w-]+):([^;}]+)", css_variables()))
    assert root == COLOURS


def test_package_data_globs_match_files_and_cover_every_data_file() -> None:
    """Every data file in the package is in pyproject's package-data (so the
    wheel has it), and every glob there matches something (no dead globs)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]
    covered = set()
    for package, patterns in globs.items():
        folder = REPO / package.replace(".", "/")
        for pattern in patterns:
            matched = {p for p in folder.glob(pattern) if p.is_file()}
            assert matched, f"{package}: {pattern!r} matches nothing"
            covered |= matched
    data = {
        p for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
        and not fnmatch.fnmatch(p.name, "*.py")
    }
    assert data <= covered, sorted(str(p.relative_to(REPO)) for p in data - covered)

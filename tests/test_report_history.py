"""Report history: which week opens, which weeks are listed, and pages whose
"previous" and "next" links always lead to a page that exists."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from posturewatch.model import MinuteSummary
from posturewatch.report_history import (
    HISTORY_WEEKS,
    default_week,
    first_week,
    history,
    other_weeks,
    week_title,
    write_week_pages,
)
from posturewatch.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINK = re.compile(r'<a rel="(prev|next)" class="\1" href="([^"]+)">')


def database(tmp_path: Path, first: datetime, days: int) -> Path:
    db = tmp_path / "pw.db"
    with Store(db) as store:
        for day in range(days):
            store.write(MinuteSummary(first + timedelta(days=day), 60.0, 60.0, 6.0, 0.0, 0.0, 12))
    return db


def test_the_report_day_opens_last_week_in_local_time() -> None:
    # 23:30 UTC on Sunday 1 March is 00:30 on Monday in Berlin: the report day.
    late_sunday = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert default_week(late_sunday, BERLIN, "mon") == "2026-W09"
    assert default_week(late_sunday, UTC, "mon") == "2026-W09"  # Sunday in UTC: this week
    assert default_week(MONDAY, UTC, "mon") == "2026-W09"
    assert default_week(MONDAY, UTC, "fri") == "2026-W10"
    assert default_week(MONDAY + timedelta(days=4), UTC, "fri") == "2026-W09"


def test_weeks_listed_start_at_the_first_data_and_stop_at_twelve(tmp_path: Path) -> None:
    assert first_week(tmp_path / "none.db", UTC) is None
    assert history(MONDAY, UTC, tmp_path / "none.db") == ["2026-W10"]
    db = database(tmp_path, MONDAY - timedelta(weeks=30), 7 * 31)
    assert first_week(db, UTC) == "2025-W32"
    weeks = history(MONDAY, UTC, db)
    assert len(weeks) == HISTORY_WEEKS and weeks[0] == "2026-W10" and weeks[-1] == "2025-W51"
    assert other_weeks(MONDAY, UTC, "mon", db)[:2] == ["2026-W10", "2026-W08"]
    assert week_title("2026-W10", MONDAY, UTC) == "This week so far"
    assert week_title("2026-W01", MONDAY, UTC) == "Week 1 \u00b7 29 Dec \u2013 4 Jan"


def links(page: Path) -> dict[str, str]:
    return {rel: href for rel, href in LINK.findall(page.read_text(encoding="utf-8"))}


def test_every_link_leads_to_a_page_and_stale_pages_are_rewritten(tmp_path: Path) -> None:
    db = database(tmp_path, MONDAY - timedelta(weeks=3), 24)  # weeks 7 to 10
    folder = tmp_path / "reports"
    target = write_week_pages(db, "2026-W09", None, MONDAY, UTC, folder)
    assert target == folder / "posturewatch-2026-W09.html"
    pages = sorted(p.name for p in folder.glob("*.html"))
    assert pages == [f"posturewatch-2026-W{n:02d}.html" for n in (7, 8, 9, 10)]
    assert links(target) == {"prev": "posturewatch-2026-W08.html",
                             "next": "posturewatch-2026-W10.html"}
    assert links(folder / "posturewatch-2026-W07.html") == {"next": "posturewatch-2026-W08.html"}
    assert links(folder / "posturewatch-2026-W10.html") == {"prev": "posturewatch-2026-W09.html"}
    for page in folder.glob("*.html"):
        for href in links(page).values():
            assert (folder / href).exists(), (page.name, href)

    # A week later: week 10's page was written while it was in progress, so it is
    # written again (now with a "next" link), and week 11's page appears.
    old = folder / "posturewatch-2026-W10.html"
    stamp = MONDAY.timestamp()
    os.utime(old, (stamp, stamp))
    write_week_pages(db, "2026-W10", None, MONDAY + timedelta(weeks=1), UTC, folder)
    assert links(old) == {"prev": "posturewatch-2026-W09.html",
                          "next": "posturewatch-2026-W11.html"}
    assert "In progress" not in old.read_text(encoding="utf-8")
    assert (folder / "posturewatch-2026-W11.html").exists()

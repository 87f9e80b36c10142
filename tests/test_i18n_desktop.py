# ruff: noqa: F811 - pytest fixtures imported from other test modules are used as parameters
"""With ``LANG=de_DE.UTF-8`` the real program speaks German: the tray menu,
a break notification and the weekly report's headings.

The program runs as a user starts it (``posturewatch run`` with no language
setting, on a fast simulated clock) in a private desktop with a
StatusNotifierItem tray (``tests/desktop.py``). The menu's labels are read
as the tray reads them, over DBusMenu from the program's item; the
notification is the ``Notify`` call dbus-monitor captured on the bus; the
report is what ``posturewatch report`` writes from the program's database.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from desktop import Desktop, sni_desktop, wait_for, xserver  # noqa: F401 - fixtures
from test_tray_desktop import HAS_BUTTONS, desktop_test, start_app, upright_video  # noqa: F401

GERMAN_MENU = ["Pausieren", "Fortsetzen", "Ich habe Pause gemacht", "Ich habe Wasser getrunken",
               "Haltung kalibrieren (noch nicht erfolgt)", "Wochenbericht öffnen",
               "Andere Wochen", "Einstellungen…", "Über PostureWatch", "Beenden"]
GERMAN_PAUSE = ["30 Minuten", "1 Stunde", "Bis morgen"]


def german(env: dict[str, str]) -> dict[str, str]:
    """``env`` as on a German desktop: LANG decides (LANGUAGE and LC_* would come first)."""
    out = {k: v for k, v in env.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    out["LANG"] = "de_DE.UTF-8"
    return out


def item_path(desktop: Desktop, bus: str, path: str = "/") -> str:
    """The object path of the StatusNotifierItem that ``bus`` exports (the
    watcher may list a bare bus name: libappindicator's item is not at the
    default path)."""
    xml = desktop.run("dbus-send", "--session", "--print-reply", f"--dest={bus}", path,
                      "org.freedesktop.DBus.Introspectable.Introspect", check=False)
    if 'interface name="org.kde.StatusNotifierItem"' in xml:
        return path
    for child in re.findall(r'<node name="([^"]+)"', xml):
        found = item_path(desktop, bus, path.rstrip("/") + "/" + child)
        if found:
            return found
    return ""


def menu_labels(desktop: Desktop, pid: int) -> list[str]:
    """The labels of our item's menu, as DBusMenu gives them to the tray."""
    for item in desktop.sni_items():
        bus, _sep, path = item.partition("/")
        path = "/" + path if path else item_path(desktop, bus)
        owner = desktop.run("dbus-send", "--session", "--print-reply",
                            "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                            "org.freedesktop.DBus.GetConnectionUnixProcessID", f"string:{bus}",
                            check=False)
        if f"uint32 {pid}" not in owner:
            continue
        menu = desktop.run("dbus-send", "--session", "--print-reply", f"--dest={bus}",
                           path, "org.freedesktop.DBus.Properties.Get",
                           "string:org.kde.StatusNotifierItem", "string:Menu", check=False)
        found = re.search(r'object path "([^"]+)"', menu)
        if found is None:
            return []
        layout = desktop.run("dbus-send", "--session", "--print-reply", f"--dest={bus}",
                             found.group(1), "com.canonical.dbusmenu.GetLayout", "int32:0",
                             "int32:-1", "array:string:label", check=False)
        return re.findall(r'string "label"\s+variant\s+string "([^"]*)"', layout)
    return []


@desktop_test
def test_german_desktop_gets_a_german_menu_notification_and_report(
        sni_desktop: Desktop, tmp_path: Path, upright_video: Path) -> None:
    desktop = sni_desktop
    env = german(desktop.env)
    app = start_app(desktop, tmp_path, upright_video, env=env)
    try:
        # The tray menu, read over DBusMenu as the StatusNotifierItem tray reads it.
        def labels() -> list[str]:
            found = menu_labels(desktop, app.proc.pid)
            return found if all(label in found for label in GERMAN_MENU) else []

        shown = wait_for(labels, 60, "the German tray menu over DBusMenu")
        for label in GERMAN_PAUSE:
            assert label in shown, shown
        assert "Quit" not in shown and "Pause" not in shown
        # The break notification, as the notification server got it.
        nudge = wait_for(
            lambda: [n for n in desktop.notifications() if n.title == "Zeit aufzustehen"],
            60, "a German break notification on the bus")[0]
        assert re.match(r"(Du sitzt schon \d+ Minuten\.|Immer noch sitzend|\d+ Minuten)",
                        nudge.body), nudge.body
        assert re.search(r"Probier das für (deinen Rücken|deinen Nacken|deine Schultern): ",
                         nudge.body), nudge.body
        if HAS_BUTTONS:
            assert nudge.actions == ("10 Min. später", "Erledigt")
        offer = [n for n in desktop.notifications() if n.title == "PostureWatch kalibrieren"]
        assert offer, [n.title for n in desktop.notifications()]
        wait_for(lambda: app.events("nudge_shown"), 30, "a stored nudge")
    finally:
        app.proc.send_signal(signal.SIGTERM)
        code = app.proc.wait(20)
    assert code == 0, app.output()
    # The weekly report of that database, from the command line, in German.
    run_env = {**env, "POSTUREWATCH_HOME": str(app.home), "POSTUREWATCH_TEST_MODE": "1",
               "POSTUREWATCH_POLICY": str(tmp_path / "policy.toml")}
    page = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "posturewatch", "report", "--week", "2026-W10",
                    "--output", str(page)], env=run_env, check=True, timeout=120,
                   capture_output=True)
    html = page.read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    for heading in ("Sitzzeit pro Tag", "Anteil krumm", "Sitzphasen", "Tag für Tag",
                    "Tipps für nächste Woche", "Woche 10 · 2.–8. März 2026"):
        assert heading in html, heading
    assert "Montag" in html or "Mo " in html
    text = subprocess.run([sys.executable, "-m", "posturewatch", "report", "--week",
                           "2026-W10", "--format", "text"], env=run_env, check=True,
                          timeout=120, capture_output=True, text=True).stdout
    assert text.startswith("PostureWatch-Wochenbericht - Woche 2026-W10, 2.-8. März 2026")
    assert "Sitzzeit pro Tag" in text and "Mo 02" in text

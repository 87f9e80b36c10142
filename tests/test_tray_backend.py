"""The tray backend choice (posturewatch.tray_backend) as data: the order for
each kind of session, falling through what each backend raises, and what the
user is told to install. The real backends on real desktops are in
tests/test_tray_desktop.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from posturewatch.tray_backend import (
    Choice,
    Session,
    candidates,
    install_advice,
    preference,
)

X11 = Session(desktop="XFCE", session_type="x11", display=":0", sni_watcher=False,
              xembed_tray=True)
X11_SNI = Session(desktop="KDE", session_type="x11", display=":0", sni_watcher=True,
                  sni_host=True, xembed_tray=True)
GNOME_WAYLAND = Session(desktop="ubuntu:GNOME", session_type="wayland", display=":0",
                        wayland_display="wayland-0", sni_watcher=False, xembed_tray=False)
GNOME_X11 = Session(desktop="GNOME", session_type="x11", display=":0", sni_watcher=False,
                    xembed_tray=False)


@pytest.mark.parametrize(("session", "forced", "platform", "order"), [
    (X11, None, "linux", ["gtk", "appindicator", "xorg"]),
    (X11_SNI, None, "linux", ["appindicator", "gtk", "xorg"]),
    (GNOME_WAYLAND, None, "linux", ["appindicator", "gtk", "xorg"]),
    (Session(wayland_display="wayland-0"), None, "linux", ["appindicator", "gtk", "xorg"]),
    (X11_SNI, "gtk", "linux", ["gtk"]),
    # A watcher with no tray registered (a stray daemon beside an XEmbed panel).
    (Session(display=":0", sni_watcher=True, sni_host=False, xembed_tray=True), None, "linux",
     ["gtk", "appindicator", "xorg"]),
    (Session(), None, "win32", ["win32"]),
    (Session(), None, "darwin", ["darwin"]),
])
def test_the_order_follows_the_session(session: Session, forced: str | None, platform: str,
                                       order: list[str]) -> None:
    assert preference(session, forced, platform)[0] == order


def importer_raising(failures: dict[str, Exception]):  # type: ignore[no-untyped-def]
    """A stand-in for importing pystray's backend modules: some raise."""
    def load(name: str, _session: Session) -> SimpleNamespace:
        if name in failures:
            raise failures[name]
        return SimpleNamespace(name=name)
    return load


def test_a_missing_typelib_falls_through_to_gtk() -> None:
    # What pystray's own fallback does not catch: ValueError from gi.require_version.
    order, why = preference(X11_SNI, None, "linux")
    choice = Choice(X11_SNI, order, why)
    missing = ValueError("Namespace AyatanaAppIndicator3 not available")
    got = next(candidates(choice, importer_raising({"appindicator": missing}),
                          check=lambda _n, _s: None))
    assert got.name == "gtk"
    choice.name = "gtk"
    assert choice.rejected == {
        "appindicator": "ValueError: Namespace AyatanaAppIndicator3 not available"}
    assert choice.summary() == (
        "tray backend gtk (org.kde.StatusNotifierWatcher is on the session bus with a tray "
        "registered; on KDE on X11 "
        "(XDG_SESSION_TYPE x11)); not appindicator: ValueError: Namespace AyatanaAppIndicator3 "
        "not available; not tried: xorg")


def test_requirements_are_checked_before_importing() -> None:
    imported: list[str] = []

    def load(name: str, _session: Session) -> str:
        imported.append(name)
        return name

    def check(name: str, _session: Session) -> str | None:
        return "PyGObject is not installed" if name != "xorg" else None

    choice = Choice(X11, *preference(X11, None, "linux"))
    assert list(candidates(choice, load, check)) == ["xorg"]
    assert imported == ["xorg"]
    assert choice.rejected == {"gtk": "PyGObject is not installed",
                               "appindicator": "PyGObject is not installed"}


def test_every_backend_failing_leaves_every_reason() -> None:
    choice = Choice(GNOME_WAYLAND, *preference(GNOME_WAYLAND, None, "linux"))
    failures = {n: ImportError(f"{n} broke") for n in ("appindicator", "gtk", "xorg")}
    assert list(candidates(choice, importer_raising(failures), lambda _n, _s: None)) == []
    assert list(choice.rejected) == ["appindicator", "gtk", "xorg"]


def test_an_unknown_forced_backend_is_named() -> None:
    choice = Choice(X11, *preference(X11, "qt", "linux"))
    assert list(candidates(choice, importer_raising({}), lambda _n, _s: None)) == []
    assert choice.rejected["qt"].startswith("unknown backend (PYSTRAY_BACKEND may be")


def test_the_session_is_described() -> None:
    assert GNOME_WAYLAND.describe() == "ubuntu:GNOME on Wayland (XDG_SESSION_TYPE wayland)"
    assert Session(display=":1").describe() == (
        "an unnamed desktop (XDG_CURRENT_DESKTOP unset) on X11 (XDG_SESSION_TYPE unset)")
    assert GNOME_WAYLAND.gnome and not X11_SNI.gnome


def test_gnome_without_the_extension_is_told_to_install_it() -> None:
    advice = install_advice(GNOME_WAYLAND, {})
    assert "sudo apt install gnome-shell-extension-appindicator" in advice
    assert "sudo dnf install gnome-shell-extension-appindicator" in advice
    assert "gnome-extensions enable appindicatorsupport@rgcjonas.gmail.com" in advice
    assert install_advice(GNOME_X11, {}).startswith("GNOME shows tray icons only with")


def test_a_missing_typelib_is_named_per_distribution() -> None:
    rejected = {"appindicator": "no AppIndicator typelib (gir1.2-ayatanaappindicator3-0.1)"}
    advice = install_advice(X11_SNI, rejected)
    assert advice == ("Install the AppIndicator typelib (Debian/Ubuntu: `sudo apt install "
                      "gir1.2-ayatanaappindicator3-0.1`, Fedora: `sudo dnf install "
                      "libayatana-appindicator-gtk3`).")
    # On X11 without an SNI host GTK does the job: the typelib is not needed there.
    assert install_advice(X11, rejected) == ""


def test_missing_pygobject_points_to_the_distribution_package() -> None:
    rejected = {"gtk": "PyGObject is not installed", "appindicator": "PyGObject is not installed"}
    advice = install_advice(X11, rejected)
    assert "Debian/Ubuntu: `sudo apt install python3-gi gir1.2-gtk-3.0`" in advice
    assert "Fedora: `sudo dnf install python3-gobject gtk3`" in advice
    assert "--system-site-packages" in advice


def test_an_x_desktop_without_a_tray_is_told_to_add_one() -> None:
    bare = Session(desktop="i3", session_type="x11", display=":0", sni_watcher=False,
                   xembed_tray=False)
    assert install_advice(bare, {}) == "Add a system tray (notification area) to your panel."
    assert install_advice(X11, {}) == ""

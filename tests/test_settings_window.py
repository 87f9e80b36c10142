# ruff: noqa: F811 - pytest fixtures imported from tests.desktop are used as parameters
"""The settings window: its rules without a display (``settings_form``), and
the real Tk window on a private X server, driven through its widgets and with
real key and mouse events. The tray opening it in a running monitor is in
``test_settings_desktop.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from desktop import FakeAutostart, XServer, screen  # noqa: F401 - fixture

from posturewatch.config import Settings, load
from posturewatch.settings_form import FIELDS, SECTIONS, SettingsForm, number_text, parse_number

USER = """\
# My settings: do not lose this line.
sit_limit_min = 50  # my physio says 50
# water is handled by my bottle
"""
POLICY = "[enforced]\nposture_sensitivity = 1.5\n"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    user, policy = tmp_path / "config.toml", tmp_path / "policy.toml"
    user.write_text(USER, encoding="utf-8")
    policy.write_text(POLICY, encoding="utf-8")
    return user, policy


# -- the rules, without a display -------------------------------------------------------
def test_numbers_are_shown_and_read_as_people_type_them() -> None:
    assert number_text(30.0) == "30" and number_text(1.5) == "1.5" and number_text(3) == "3"
    assert parse_number(" 45 ") == 45 and parse_number("2,5") == 2.5
    assert parse_number("abc") == "abc" and parse_number("nan") == "nan"


def test_every_common_setting_has_a_field() -> None:
    wanted = {"sit_limit_min", "break_min_s", "hydration_interval_min", "posture_nudges",
              "posture_sensitivity", "work_hours", "work_days", "camera_index",
              "nudges_per_bout_max"}
    assert wanted <= set(FIELDS)
    assert sum(len(fields) for _title, fields in SECTIONS) == len(FIELDS)


def test_the_form_checks_each_value_with_the_key_table(files: tuple[Path, Path]) -> None:
    user, policy = files
    form = SettingsForm(load(user, policy), user)
    assert form.text("sit_limit_min") == "50" and form.changes() == {}
    assert form.set_text("sit_limit_min", "2") == "Must be a number between 5 and 240 (min)"
    assert not form.can_save()
    assert form.set_text("sit_limit_min", "45") is None and form.can_save()
    assert form.set_text("camera_index", "1.5") == "Must be a whole number between 0 and 16"
    assert form.set_text("camera_index", "1") is None
    assert form.set_hours("9:00", "17:30") is None and form.values["work_hours"] == "09:00-17:30"
    assert form.set_hours("18:00", "08:00") == (
        "Must start before it ends (no spans across midnight)")
    assert form.set_value("work_days", ()) == "Choose at least one day"
    assert form.set_value("work_days", ("fri", "mon")) is None
    form.set_hours("09:00", "17:30")
    assert form.changes() == {"sit_limit_min": 45.0, "camera_index": 1,
                              "work_hours": "09:00-17:30", "work_days": ("mon", "fri")}


def test_a_locked_key_shows_why_and_is_never_saved(files: tuple[Path, Path]) -> None:
    user, policy = files
    form = SettingsForm(load(user, policy), user)
    assert form.lock_reason("posture_sensitivity") == f"Locked by your organisation ({policy})"
    assert form.lock_reason("sit_limit_min") is None
    assert form.set_value("posture_sensitivity", 0.5) is None  # even if a control sent it
    assert "posture_sensitivity" not in form.changes()


def test_problems_in_the_file_are_shown_and_a_broken_file_cannot_be_saved(
        tmp_path: Path) -> None:
    user = tmp_path / "config.toml"
    user.write_text("sit_limit_min = 1\n", encoding="utf-8")
    banner, usable = SettingsForm(load(user, None), user).file_message()
    assert usable and banner is not None and "line 1: sit_limit_min" in banner
    user.write_text("sit_limit_min = [\n", encoding="utf-8")
    form = SettingsForm(load(user, None), user)
    banner, usable = form.file_message()
    assert not usable and not form.can_save()
    assert banner is not None and "cannot be read" in banner and "TOML syntax error" in banner


def test_values_recommended_by_the_policy_are_not_copied_into_the_users_file(
        tmp_path: Path) -> None:
    user, policy = tmp_path / "config.toml", tmp_path / "policy.toml"
    policy.write_text("[defaults]\nsit_limit_min = 40\n", encoding="utf-8")
    form = SettingsForm(load(user, policy), user)
    assert form.text("sit_limit_min") == "40"
    form.set_text("hydration_interval_min", "90")
    assert form.changes() == {"hydration_interval_min": 90.0}


# -- the real window ------------------------------------------------------------------------
@pytest.fixture
def window(screen: XServer, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch):
    import tkinter as tk

    from posturewatch.settings_window import SettingsWindow

    monkeypatch.setenv("DISPLAY", screen.display)
    root = tk.Tk()
    opened: list[Path] = []
    win = SettingsWindow(root, files[0], files[1], FakeAutostart(), opener=opened.append)
    win.opened = opened  # type: ignore[attr-defined]
    root.update()
    yield win
    try:
        root.destroy()
    except tk.TclError:
        pass


def type_into(window, key: str, text: str) -> None:  # noqa: ANN001
    """Focus a field and type into it with real key events, as a person would."""
    widget = window.widgets[key][0]
    widget.focus_force()
    window.root.update()
    widget.selection_range(0, "end")
    widget.delete(0, "end")
    for char in text:
        widget.event_generate("<Key>", keysym=char if char.isalnum() else "period",
                              when="tail")
    window.root.update()


def test_typing_checks_at_once_and_save_keeps_the_comments(
        window, files: tuple[Path, Path], screen: XServer) -> None:  # noqa: ANN001
    user, _policy = files
    type_into(window, "sit_limit_min", "2")
    assert window.errors["sit_limit_min"].cget("text") == (
        "Must be a number between 5 and 240 (min)")
    assert window.save_button.instate(["disabled"])
    screen.screenshot("settings-window-invalid")
    type_into(window, "sit_limit_min", "45")
    assert window.errors["sit_limit_min"].cget("text") == ""
    assert not window.save_button.instate(["disabled"])
    window.login.set(True)
    window.root.event_generate("<Return>", when="tail")  # Return saves
    window.root.update()
    assert window.status.get().startswith("Saved.")
    text = user.read_text(encoding="utf-8")
    assert text == USER.replace("sit_limit_min = 50  #", "sit_limit_min = 45.0  #")
    assert load(user, None).settings == Settings(sit_limit_min=45.0)
    assert window.autostart.on is True
    screen.screenshot("settings-window-saved")
    window.save()
    assert window.status.get() == "Nothing to save: no setting was changed."


def test_a_locked_key_cannot_be_changed_in_the_window(
        window, files: tuple[Path, Path], screen: XServer) -> None:  # noqa: ANN001
    user, _policy = files
    [scale] = window.widgets["posture_sensitivity"]
    assert scale.instate(["disabled"])
    assert window.errors["posture_sensitivity"].cget("text").startswith(
        "Locked by your organisation (")
    screen.screenshot("settings-window-locked")
    # Click along the scale and press arrow keys on it, as a person would try.
    window.root.update()
    width, height = scale.winfo_width(), scale.winfo_height()
    for x in (2, width // 4, width - 2):
        scale.event_generate("<ButtonPress-1>", x=x, y=height // 2, when="tail")
        scale.event_generate("<ButtonRelease-1>", x=x, y=height // 2, when="tail")
    scale.focus_force()
    for key in ("Left", "Right", "Home", "End"):
        scale.event_generate(f"<KeyPress-{key}>", when="tail")
    window.root.update()
    assert float(scale.get()) == 1.5
    # Tab never stops on it.
    stops = set()
    widget = window.widgets["sit_limit_min"][0]
    for _ in range(40):
        widget = widget.tk_focusNext()
        stops.add(str(widget))
    assert str(scale) not in stops
    type_into(window, "sit_limit_min", "35")
    assert window.save()
    assert "posture_sensitivity" not in user.read_text(encoding="utf-8")
    assert load(user, files[1]).settings.posture_sensitivity == 1.5


def test_a_file_with_a_mistake_is_not_overwritten(
        screen: XServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tkinter as tk

    from posturewatch.settings_window import SettingsWindow

    monkeypatch.setenv("DISPLAY", screen.display)
    user = tmp_path / "config.toml"
    broken = "# mine\nwork_days = [\"mon\"\n"
    user.write_text(broken, encoding="utf-8")
    root = tk.Tk()
    try:
        win = SettingsWindow(root, user, None, FakeAutostart(), opener=lambda p: None)
        root.update()
        assert "cannot be read" in win.banner.get()
        assert win.save_button.instate(["disabled"])
        assert win.save() is False
        assert user.read_text(encoding="utf-8") == broken
    finally:
        root.destroy()

"""The settings window (Tkinter), run as its own process: ``posturewatch settings``.

Why Tkinter: it is part of Python. The python.org installers for Windows and
macOS ship Tcl/Tk 8.6, Debian and Ubuntu have it in one package
(``python3-tk``), and nothing is compiled or downloaded; ttk draws native-
looking controls on Windows and macOS. PyGObject/GTK needs a compiler or
MSYS2/Homebrew off Linux, wxPython builds from source on most Linux systems,
Qt (PySide6) is a 200 MB download for one dialog, and a page in the browser
would need a local server, i.e. a listening port, which PostureWatch never
opens.

Why a process of its own: the tray's toolkit (GTK on Linux, AppKit on macOS,
the Win32 loop) owns the tray process's main thread and its event loop; Tk
wants a main loop on the thread that made it, and on macOS both insist on the
main thread. Two loops in one thread would starve each other. As a separate
process the window cannot freeze or crash the monitor, and it talks to the
monitor only through the user's ``config.toml``, which the loop reloads when it
changes: the same path as an edit in a text editor, so there is one mechanism.

The window checks every field as it is typed (``settings_form``), shows keys
locked by the IT policy as locked with where the lock comes from, and saves
only changed keys through ``config_edit`` (comments kept). Return saves,
Escape closes.
"""

from __future__ import annotations

import logging
import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from tkinter import font as tkfont
from tkinter import ttk

from posturewatch.config import KEYS, WEEKDAYS, load
from posturewatch.config_edit import EditError, save_values
from posturewatch.i18n import N_, _
from posturewatch.launch import open_path
from posturewatch.settings_form import FIELDS, SECTIONS, TITLE, SettingsForm, day_name

log = logging.getLogger(__name__)

# User-facing texts (kept together here so they can be translated).
SAVE_LABEL = N_("Save")
CLOSE_LABEL = N_("Close")
OPEN_FILE_LABEL = N_("Open settings file")
CHECK_CAMERA_LABEL = N_("Check camera\u2026")
LOGIN_SECTION = N_("Start")
LOGIN_LABEL = N_("Start PostureWatch when I log in")
AND_LABEL = N_("and")
SAVED = N_("Saved. PostureWatch uses the new settings within a few seconds.")
NOTHING_TO_SAVE = N_("Nothing to save: no setting was changed.")
FIX_FIRST = N_("Fix the fields marked in red first.")
LOGIN_FAILED = N_("Could not change starting at login: {error}")

ERROR_COLOUR = "#b00020"
NOTE_COLOUR = "#555555"
SPIN_WIDTH = 7


class Autostart:
    """Start at login, through ``posturewatch.autostart`` (a seam for tests)."""

    def enabled(self) -> bool:
        from posturewatch.autostart import for_platform

        return for_platform().enabled()

    def set(self, on: bool) -> None:
        from posturewatch.autostart import for_platform, launch_command

        target = for_platform()
        if on:
            target.enable(launch_command())
        else:
            target.disable()


class SettingsWindow:
    """The window's controls around a :class:`SettingsForm`.

    ``widgets`` maps a key to its control(s), ``errors`` to the label under it;
    ``status`` is the line at the bottom. Tests drive it through these.
    """

    def __init__(self, root: tk.Tk, user_path: Path, policy_path: Path | None,
                 autostart: Autostart | None = None,
                 opener: Callable[[Path], object] | None = None) -> None:
        self.root = root
        self.user_path = Path(user_path)
        self.policy_path = policy_path
        self.autostart = autostart or Autostart()
        self.opener = opener
        self.form = SettingsForm(load(self.user_path, policy_path), self.user_path)
        self.widgets: dict[str, list[tk.Widget]] = {}
        self.errors: dict[str, ttk.Label] = {}
        self.vars: dict[str, tk.Variable] = {}
        self.status = tk.StringVar(root)
        self.banner = tk.StringVar(root)
        self._login_was = self._login_enabled()
        self.login = tk.BooleanVar(root, value=self._login_was)
        root.title(_(TITLE))
        root.resizable(False, False)
        if root.tk.call("tk", "windowingsystem") == "x11":
            ttk.Style(root).theme_use("clam")  # the x11 default theme looks dated
        self._build()
        root.bind("<Return>", lambda _e: self.save())
        root.bind("<KP_Enter>", lambda _e: self.save())
        root.bind("<Escape>", lambda _e: self.close())
        root.protocol("WM_DELETE_WINDOW", self.close)
        self._focus_first()

    # -- building ---------------------------------------------------------------
    def _build(self) -> None:
        frame = ttk.Frame(self.root, padding=14)
        frame.grid(sticky="nsew")
        bold = tkfont.nametofont("TkDefaultFont").copy()
        bold.configure(weight="bold")
        self._bold = bold
        row = 0
        banner = ttk.Label(frame, textvariable=self.banner, foreground=ERROR_COLOUR,
                           wraplength=520, justify="left")
        banner.grid(row=row, column=0, columnspan=3, sticky="w")
        self._banner_label = banner
        row += 1
        for title, fields in SECTIONS:
            ttk.Label(frame, text=_(title), font=bold).grid(row=row, column=0, columnspan=3,
                                                         sticky="w", pady=(8, 0))
            row += 1
            for field in fields:
                row = self._add_field(frame, row, field)
        ttk.Label(frame, text=_(LOGIN_SECTION), font=bold).grid(row=row, column=0, columnspan=3,
                                                             sticky="w", pady=(8, 0))
        row += 1
        ttk.Checkbutton(frame, text=_(LOGIN_LABEL), variable=self.login,
                        command=self._refresh).grid(row=row, column=0, columnspan=3,
                                                    sticky="w", padx=(12, 0))
        row += 1
        ttk.Label(frame, textvariable=self.status, wraplength=520, justify="left").grid(
            row=row, column=0, columnspan=3, sticky="w", pady=(12, 4))
        row += 1
        buttons = ttk.Frame(frame)
        buttons.grid(row=row, column=0, columnspan=3, sticky="e")
        ttk.Button(buttons, text=_(OPEN_FILE_LABEL), command=self.open_file).grid(
            row=0, column=0, padx=(0, 24))
        ttk.Button(buttons, text=_(CLOSE_LABEL), command=self.close).grid(row=0, column=1, padx=4)
        self.save_button = ttk.Button(buttons, text=_(SAVE_LABEL), command=self.save)
        self.save_button.grid(row=0, column=2)
        self._refresh()

    def _add_field(self, frame: ttk.Frame, row: int, field: object) -> int:
        from posturewatch.settings_form import Field

        assert isinstance(field, Field)
        key, form = field.key, self.form
        locked = form.lock_reason(key)
        line = ttk.Frame(frame)
        line.grid(row=row, column=0, columnspan=3, sticky="w", padx=(12, 0), pady=1)
        controls: list[tk.Widget] = []
        if field.widget == "check":
            var = tk.BooleanVar(self.root, value=bool(form.values[key]))
            box = ttk.Checkbutton(line, text=_(field.label), variable=var,
                                  command=lambda: self._changed(key, var.get()))
            box.grid(row=0, column=0, sticky="w")
            controls.append(box)
        elif field.widget == "number":
            spec = KEYS[key]
            ttk.Label(line, text=_(field.label)).grid(row=0, column=0, sticky="w")
            var = tk.StringVar(self.root, value=form.text(key))
            spin = ttk.Spinbox(line, textvariable=var, width=SPIN_WIDTH, from_=spec.minimum,
                               to=spec.maximum, increment=1)
            spin.grid(row=0, column=1, padx=6)
            if field.unit:
                ttk.Label(line, text=_(field.unit)).grid(row=0, column=2, sticky="w")
            if key == "camera_index":
                ttk.Button(line, text=_(CHECK_CAMERA_LABEL), command=self.check_camera).grid(
                    row=0, column=3, padx=6)
            var.trace_add("write", lambda *_a: self._typed(key, var.get()))
            spin.bind("<FocusIn>", lambda _e: spin.selection_range(0, "end"))
            controls.append(spin)
        elif field.widget == "scale":
            ttk.Label(line, text=_(field.label)).grid(row=0, column=0, sticky="w")
            var = tk.DoubleVar(self.root, value=float(form.values[key]))  # type: ignore[arg-type]
            shown = tk.StringVar(self.root, value=f"{float(var.get()):.1f}")
            spec = KEYS[key]
            scale = ttk.Scale(line, from_=spec.minimum, to=spec.maximum, variable=var,
                              length=180, command=lambda _v: self._scaled(key, var, shown))
            scale.grid(row=0, column=1, padx=6)
            ttk.Label(line, textvariable=shown, width=4).grid(row=0, column=2)
            controls.append(scale)
        elif field.widget == "hours":
            start, end = form.hours()
            ttk.Label(line, text=_(field.label)).grid(row=0, column=0, sticky="w")
            first, second = tk.StringVar(self.root, start), tk.StringVar(self.root, end)
            a = ttk.Entry(line, textvariable=first, width=6)
            b = ttk.Entry(line, textvariable=second, width=6)
            a.grid(row=0, column=1, padx=6)
            ttk.Label(line, text=_(AND_LABEL)).grid(row=0, column=2)
            b.grid(row=0, column=3, padx=6)
            for var_ in (first, second):
                var_.trace_add("write", lambda *_a: self._hours(first.get(), second.get()))
            controls += [a, b]
            var = first
        else:  # days
            ttk.Label(line, text=_(field.label)).grid(row=0, column=0, sticky="w")
            days: dict[str, tk.BooleanVar] = {}
            for i, day in enumerate(WEEKDAYS):
                days[day] = tk.BooleanVar(self.root, value=day in form.values[key])  # type: ignore[operator]
                box = ttk.Checkbutton(line, text=day_name(day), variable=days[day],
                                      command=lambda: self._changed(
                                          key, tuple(d for d in WEEKDAYS if days[d].get())))
                box.grid(row=0, column=i + 1, padx=2)
                controls.append(box)
            var = days[WEEKDAYS[0]]
        self.vars[key] = var
        self.widgets[key] = controls
        # The error (or the lock) on the control's own line, so the window
        # stays short enough for a small laptop screen.
        error = ttk.Label(line, text="", foreground=ERROR_COLOUR, wraplength=260)
        error.grid(row=0, column=9, sticky="w", padx=(8, 0))
        self.errors[key] = error
        if locked:
            error.configure(text=locked, foreground=NOTE_COLOUR)
            for control in controls:
                control.state(["disabled"])  # type: ignore[attr-defined]
                control.configure(takefocus=False)
        return row + 1

    def _focus_first(self) -> None:
        for key in FIELDS:
            for control in self.widgets.get(key, []):
                if isinstance(control, ttk.Spinbox) and not control.instate(["disabled"]):
                    control.focus_set()
                    return

    # -- reacting ----------------------------------------------------------------
    def _show_error(self, key: str, message: str | None) -> None:
        if self.form.lock_reason(key):
            return
        self.errors[key].configure(text=message or "", foreground=ERROR_COLOUR)

    def _typed(self, key: str, text: str) -> None:
        self._show_error(key, self.form.set_text(key, text))
        self._refresh()

    def _hours(self, start: str, end: str) -> None:
        self._show_error("work_hours", self.form.set_hours(start, end))
        self._refresh()

    def _changed(self, key: str, value: object) -> None:
        self._show_error(key, self.form.set_value(key, value))
        self._refresh()

    def _scaled(self, key: str, var: tk.DoubleVar, shown: tk.StringVar) -> None:
        value = round(float(var.get()) * 10) / 10  # steps of 0.1
        shown.set(f"{value:.1f}")
        self._changed(key, value)

    def _refresh(self) -> None:
        banner, _usable = self.form.file_message()
        self.banner.set(banner or "")
        if banner:
            self._banner_label.grid()
        else:
            self._banner_label.grid_remove()
        self.save_button.state(["!disabled"] if self.form.can_save() else ["disabled"])

    def _login_enabled(self) -> bool:
        try:
            return self.autostart.enabled()
        except Exception as exc:  # noqa: BLE001 - a registry or file problem
            log.warning("cannot tell whether PostureWatch starts at login: %s", exc)
            return False

    # -- buttons -----------------------------------------------------------------
    def save(self) -> bool:
        """Write the changed settings (and start at login); True when done."""
        if not self.form.can_save():
            self.status.set(
                _(FIX_FIRST) if self.form.errors else (self.form.file_message()[0] or ""))
            return False
        changes = self.form.changes()
        login = bool(self.login.get())
        if not changes and login == self._login_was:
            self.status.set(_(NOTHING_TO_SAVE))
            return True
        try:
            if changes:
                save_values(self.user_path, changes)
                log.info("settings window saved %s to %s", changes, self.user_path)
        except EditError as error:
            self.status.set(str(error))
            return False
        if login != self._login_was:
            try:
                self.autostart.set(login)
                self._login_was = login
            except Exception as exc:  # noqa: BLE001
                self.status.set(_(LOGIN_FAILED).format(error=exc))
                return False
        self.form.rebase(load(self.user_path, self.policy_path))
        self._refresh()
        self.status.set(_(SAVED))
        return True

    def check_camera(self) -> None:
        """The welcome's camera check (a skeleton-only preview) for the camera
        number in the field, as a window of its own."""
        import subprocess

        from posturewatch.launch import window_command

        index = str(self.form.values["camera_index"])
        command = window_command("welcome", "--start-at", "camera", "--source", index)
        try:
            subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            self.status.set(str(exc))

    def open_file(self) -> None:
        from posturewatch.config_edit import settings_template

        if not self.user_path.exists():
            self.user_path.parent.mkdir(parents=True, exist_ok=True)
            self.user_path.write_text(settings_template(), encoding="utf-8")
        (self.opener or open_path)(self.user_path)

    def close(self) -> None:
        self.root.destroy()


def run_settings_window(user_path: Path, policy_path: Path | None) -> int:
    """Show the window until it is closed; the exit code."""
    root = tk.Tk(className="PostureWatch")
    SettingsWindow(root, user_path, policy_path)
    root.mainloop()
    return 0

"""The welcome window (Tkinter): five short pages, skippable at any point.

It draws only landmarks, as dots and lines on a blank canvas: the camera
picture never reaches this module (``onboarding.PoseFeed`` keeps frames on its
own thread). The calibration page counts down 3, 2, 1 on the canvas, then the
feed takes five samples a second apart; a refusal says why and offers a retry.
Runs in a process of its own (``posturewatch welcome``; see
``settings_window`` for why).
"""

from __future__ import annotations

import logging
import tkinter as tk
from collections.abc import Callable
from tkinter import font as tkfont
from tkinter import ttk

from posturewatch import onboarding as ob
from posturewatch.i18n import _
from posturewatch.model import Baseline, CameraState, Landmarks
from posturewatch.settings_window import Autostart

log = logging.getLogger(__name__)

CANVAS_W, CANVAS_H = 320, 240
POLL_MS = 100
WRAP = 460
INK = "#0072B2"
FAINT = "#9aa4b2"
PAPER = "#ffffff"

# (from, to) landmark pairs drawn as lines: shoulders, neck, face.
BONES = (("left_shoulder", "right_shoulder"), ("left_ear", "left_eye"), ("left_eye", "nose"),
         ("nose", "right_eye"), ("right_eye", "right_ear"))
POINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
          "right_shoulder")


class WelcomeWindow:
    """The pages, the preview canvas and the buttons. ``page`` is the index
    shown; tests drive it through :meth:`next`, :meth:`start_calibration` and
    read :attr:`status` and :attr:`canvas`."""

    def __init__(self, root: tk.Tk, source: str | None, autostart: Autostart | None = None,
                 on_done: Callable[[], None] | None = None, second_ms: int = 1000,
                 spacing_s: float = ob.CALIBRATION_SPACING_S) -> None:
        """``second_ms`` is one countdown step and ``spacing_s`` the time between
        calibration samples (seams for tests: real seconds otherwise)."""
        from posturewatch.config import load
        from posturewatch.paths import user_config_path
        from posturewatch.policy_guard import policy_path

        self.root = root
        self.source = source
        self.autostart = autostart or Autostart()
        self.on_done = on_done
        self.second_ms = second_ms
        self.spacing_s = spacing_s
        self.settings = load(user_config_path(), policy_path()).settings
        self.page = 0
        self.feed: ob.PoseFeed | None = None
        self.countdown_left = 0
        self.calibrated: Baseline | None = None
        self.status = tk.StringVar(root)
        self.login = tk.BooleanVar(root, value=self._login_enabled())
        root.title(_(ob.WINDOW_TITLE))
        root.resizable(False, False)
        root.minsize(500, 0)
        if root.tk.call("tk", "windowingsystem") == "x11":
            ttk.Style(root).theme_use("clam")
        root.protocol("WM_DELETE_WINDOW", self.skip)
        root.bind("<Escape>", lambda _e: self.skip())
        self._build()
        self.show(0)
        root.after(POLL_MS, self._poll)

    # -- layout -------------------------------------------------------------------
    def _build(self) -> None:
        outer = ttk.Frame(self.root, padding=16)
        outer.grid(sticky="nsew")
        big = tkfont.nametofont("TkDefaultFont").copy()
        big.configure(size=big.cget("size") + 5, weight="bold")
        self.title = ttk.Label(outer, font=big)
        self.title.grid(row=0, column=0, columnspan=3, sticky="w")
        self.body = ttk.Label(outer, wraplength=WRAP, justify="left")
        self.body.grid(row=1, column=0, columnspan=3, sticky="w", pady=(8, 8))
        self.canvas = tk.Canvas(outer, width=CANVAS_W, height=CANVAS_H, background=PAPER,
                                highlightthickness=1, highlightbackground=FAINT)
        self.canvas.grid(row=2, column=0, columnspan=3, pady=4)
        self.status_label = ttk.Label(outer, textvariable=self.status, wraplength=WRAP,
                                      justify="left")
        self.status_label.grid(row=3, column=0, columnspan=3, sticky="w", pady=(4, 4))
        actions = ttk.Frame(outer)
        actions.grid(row=4, column=0, columnspan=3, pady=4)
        self.action = ttk.Button(actions, text=_(ob.START_LABEL), command=self.start_calibration)
        self.action.grid(row=0, column=0, padx=4)
        self.keep = ttk.Button(actions, text=_(ob.KEEP_LABEL), command=self.keep_anyway)
        self.keep.grid(row=0, column=1, padx=4)
        self.keep.grid_remove()
        self.refused_baseline: Baseline | None = None
        self._actions = actions
        self.login_box = ttk.Checkbutton(outer, text=_(ob.LOGIN_LABEL), variable=self.login)
        self.login_box.grid(row=5, column=0, columnspan=3, sticky="w")
        buttons = ttk.Frame(outer)
        buttons.grid(row=6, column=0, columnspan=3, sticky="ew", pady=(12, 0))
        buttons.columnconfigure(1, weight=1)
        self.skip_button = ttk.Button(buttons, text=_(ob.SKIP_LABEL), command=self.skip)
        self.skip_button.grid(row=0, column=0, sticky="w")
        self.back_button = ttk.Button(buttons, text=_(ob.BACK_LABEL), command=self.back)
        self.back_button.grid(row=0, column=2, padx=4)
        self.next_button = ttk.Button(buttons, text=_(ob.NEXT_LABEL), command=self.next)
        self.next_button.grid(row=0, column=3)
        self.next_button.focus_set()
        self.root.bind("<Return>", lambda _e: self.next())

    def show(self, index: int) -> None:
        """Show page ``index`` (0..4); the camera runs on pages 2 and 3 only."""
        self.page = index
        title, body = ob.page_text(index)
        self.title.configure(text=title)
        self.body.configure(text=body)
        camera_page = index in (2, 3)
        for widget, wanted in ((self.canvas, camera_page), (self.status_label, camera_page),
                               (self._actions, index == 3), (self.login_box, index == 4)):
            if wanted:
                widget.grid()
            else:
                widget.grid_remove()
        if camera_page:
            self._start_feed()
        else:
            self._stop_feed()
        self.back_button.state(["!disabled"] if index > 0 else ["disabled"])
        last = index == len(ob.PAGES) - 1
        self.next_button.configure(text=_(ob.FINISH_LABEL) if last else _(ob.NEXT_LABEL))
        self.skip_button.state(["disabled"] if last else ["!disabled"])

    # -- the camera ---------------------------------------------------------------------
    def _start_feed(self) -> None:
        if self.feed is None:
            settings = self.settings
            self.feed = ob.PoseFeed(self.source, settings.camera_warmup_frames,
                                    settings.camera_index, spacing_s=self.spacing_s,
                                    pose_model=settings.pose_model,
                                    pose_model_url=settings.pose_model_url)
            self.feed.start()
            self.status.set(_(ob.STARTING))

    def _stop_feed(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        self.canvas.delete("all")

    def _poll(self) -> None:
        """Redraw from the feed's latest view (Tk's thread, every POLL_MS)."""
        feed = self.feed
        if feed is not None and self.page in (2, 3):
            view = feed.view
            self.draw(view.landmarks)
            if self.countdown_left > 0:
                self._draw_number(str(self.countdown_left))
            elif feed.calibrating:
                self.status.set(_(ob.HOLD_STILL))
            elif feed.result is not None and self.page == 3:
                self._show_result(feed)
            elif view.camera is not CameraState.OK or view.sample is not None:
                if not (self.page == 3 and self.calibrated is not None):
                    self.status.set(ob.describe(view.sample, view.camera, view.message))
        try:
            self.root.after(POLL_MS, self._poll)
        except tk.TclError:  # the window is gone
            pass

    def draw(self, landmarks: Landmarks | None) -> None:
        """The skeleton: dots for visible points, lines between them. Only
        numbers reach here; the canvas starts blank every time."""
        canvas = self.canvas
        canvas.delete("all")
        if landmarks is None:
            return
        scale = min(CANVAS_W / landmarks.image_width, CANVAS_H / landmarks.image_height)
        dx = (CANVAS_W - landmarks.image_width * scale) / 2
        dy = (CANVAS_H - landmarks.image_height * scale) / 2

        def at(name: str) -> tuple[float, float, bool]:
            # Mirrored, like a mirror (or a video call's self view): raise your
            # left hand and the dots on the left move.
            p = getattr(landmarks, name)
            x = landmarks.image_width - p.x
            return dx + x * scale, dy + p.y * scale, p.visibility >= 0.5

        for a, b in BONES:
            ax, ay, av = at(a)
            bx, by, bv = at(b)
            canvas.create_line(ax, ay, bx, by, width=3, fill=INK if av and bv else FAINT)
        ls, rs = at("left_shoulder"), at("right_shoulder")
        le, re_ = at("left_ear"), at("right_ear")
        canvas.create_line((ls[0] + rs[0]) / 2, (ls[1] + rs[1]) / 2, (le[0] + re_[0]) / 2,
                           (le[1] + re_[1]) / 2, width=3, dash=(4, 3), fill=INK)
        for name in POINTS:
            x, y, visible = at(name)
            colour = INK if visible else FAINT
            canvas.create_oval(x - 5, y - 5, x + 5, y + 5, fill=colour, outline=colour)

    def _draw_number(self, text: str) -> None:
        font = tkfont.nametofont("TkDefaultFont").copy()
        font.configure(size=72, weight="bold")
        self._countdown_font = font  # keep a reference while it is drawn
        self.canvas.create_text(CANVAS_W / 2, CANVAS_H / 2, text=text, font=font, fill="#C5400A")

    # -- calibration ------------------------------------------------------------------
    def start_calibration(self) -> None:
        """Count down 3, 2, 1 (a second each), then ask the feed to calibrate."""
        if self.feed is None or self.countdown_left > 0 or self.feed.calibrating:
            return
        self.calibrated = None
        self.refused_baseline = None
        self.keep.grid_remove()
        self.feed.result = None
        self.action.state(["disabled"])
        self.countdown_left = ob.COUNTDOWN_S
        self.status.set(_(ob.PAGES[3][1]).split(". ")[-1])
        self.root.after(self.second_ms, self._tick_countdown)

    def _tick_countdown(self) -> None:
        self.countdown_left -= 1
        if self.countdown_left > 0:
            self.root.after(self.second_ms, self._tick_countdown)
        elif self.feed is not None:
            self.feed.calibrate()
            self.status.set(_(ob.HOLD_STILL))

    def _show_result(self, feed: ob.PoseFeed) -> None:
        result, feed.result = feed.result, None
        self.action.state(["!disabled"])
        if isinstance(result, Baseline):
            ob.save_calibration(result)
            self.calibrated = result
            self.status.set(_(ob.CALIBRATED))
            self.action.configure(text=_(ob.AGAIN_LABEL))
        elif result is not None:
            self.status.set(_(ob.REFUSED).format(reason=result.reason))
            self.action.configure(text=_(ob.AGAIN_LABEL))
            if result.baseline is not None:  # only "looks slouched": theirs to overrule
                self.refused_baseline = result.baseline
                self.keep.grid()

    def keep_anyway(self) -> None:
        """Keep a calibration refused only for looking slouched (the person
        knows how they sit; the population reference is one person's)."""
        if self.refused_baseline is None:
            return
        ob.save_calibration(self.refused_baseline)
        self.calibrated, self.refused_baseline = self.refused_baseline, None
        self.keep.grid_remove()
        self.status.set(_(ob.CALIBRATED))

    # -- navigation ---------------------------------------------------------------------
    def next(self) -> None:
        if self.page == len(ob.PAGES) - 1:
            self.finish()
        else:
            self.show(self.page + 1)

    def back(self) -> None:
        if self.page > 0:
            self.show(self.page - 1)

    def skip(self) -> None:
        self._close()

    def finish(self) -> None:
        wanted = bool(self.login.get())
        if wanted != self._login_enabled():
            try:
                self.autostart.set(wanted)
            except Exception as exc:  # noqa: BLE001
                log.warning("cannot change starting at login: %s", exc)
        self._close()

    def _login_enabled(self) -> bool:
        try:
            return self.autostart.enabled()
        except Exception:  # noqa: BLE001
            return False

    def _close(self) -> None:
        ob.mark_welcomed()
        self._stop_feed()
        if self.on_done is not None:
            self.on_done()
        self.root.destroy()


def run_window(source: str | None, page: int = 0) -> int:
    root = tk.Tk(className="PostureWatch")
    window = WelcomeWindow(root, source)
    if page:
        window.show(page)
    root.mainloop()
    return 0

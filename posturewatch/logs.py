"""Logging set up in one place: a rotating file in the user log folder, the
terminal for warnings, and uncaught exceptions (any thread) to the log."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

from posturewatch.checks import Check, Status
from posturewatch.paths import make_private_dir, private_file

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(
    level: str = "info", log_dir: Path | None = None, quiet: bool = False
) -> Path | None:
    """Configure the root logger once; returns the log file path (or None)."""
    root = logging.getLogger()
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.ERROR if quiet else logging.WARNING)
    console.setFormatter(logging.Formatter("posturewatch: %(message)s"))
    root.addHandler(console)
    log_file = None
    if log_dir is not None:
        try:
            make_private_dir(log_dir)
            log_file = private_file(log_dir / "posturewatch.log")
            handler = logging.handlers.RotatingFileHandler(
                log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
            )
            handler.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(handler)
        except OSError as exc:
            from posturewatch.storage_faults import explain

            logging.getLogger(__name__).warning(
                "%s", explain(log_dir / "posturewatch.log", exc, "the log file"))
            log_file = None

    def log_uncaught(exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        logger = logging.getLogger("posturewatch")
        logger.critical("uncaught exception", exc_info=(exc_type, exc, tb))

    def log_thread(args: threading.ExceptHookArgs) -> None:
        logging.getLogger("posturewatch").critical(
            "uncaught exception in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    sys.excepthook = log_uncaught
    threading.excepthook = log_thread
    return log_file


# -- `posturewatch doctor`: this part's own check ---------------------------------
def doctor_check() -> Check:
    """Where the log is."""
    from posturewatch import paths

    return Check("log", Status.INFO, f"the log is in {paths.log_dir()}")

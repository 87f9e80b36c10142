"""Settings that apply live: notice when the user's config or the IT policy
changes on disk, load them again, and say which problems are new.

The sampling loop asks :meth:`ConfigWatch.check` once a tick (a ``stat`` of
two files, no reading unless one changed). Whoever wrote the file, the
settings window or a text editor, the loop picks it up the same way. A
problem is reported once: the first check reports those of the settings the
monitor started with; later checks only problems that were not there before
(a problem fixed and made again is new again). Pure apart from ``os.stat``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from posturewatch.config import Problem, Resolved, load
from posturewatch.i18n import N_, _

# User-facing texts (kept together here so they can be translated).
PROBLEM_TITLE = N_("A setting was not applied")
PROBLEM_ONE = N_("{problem}. The other settings apply. Fix it in Settings (tray menu).")
PROBLEM_MORE = N_("{problem}. ({more} more: `posturewatch config check {path}` lists them.) "
                  "The other settings apply. Fix them in Settings (tray menu).")

Stamp = tuple[int, int, int] | None


def _stamp(path: Path | None) -> Stamp:
    """(mtime in ns, size, inode) of ``path``, or None when it is not there.
    The inode catches an atomic replace within one mtime tick."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _identity(problem: Problem) -> tuple[str, str | None, str]:
    # Without the line: adding a line above a problem does not make it new.
    return (str(problem.path), problem.key, problem.message)


@dataclass(frozen=True)
class Check:
    """What one :meth:`ConfigWatch.check` found: ``resolved`` is the fresh
    settings when a file changed (else None); ``problems`` those not told yet."""

    resolved: Resolved | None
    problems: tuple[Problem, ...] = ()


@dataclass
class ConfigWatch:
    """Watches ``user_path`` and ``policy_path``; ``overrides`` are the command
    line's values (kept on every reload); ``initial`` what the monitor started
    with. Called from the sampling thread only."""

    user_path: Path | None
    policy_path: Path | None
    overrides: Mapping[str, object]
    initial: Resolved
    last_good: Path | None = None  # the policy's last good copy (``policy_guard``)
    _stamps: tuple[Stamp, Stamp] = field(init=False)
    _known: set[tuple[str, str | None, str]] = field(init=False, default_factory=set)
    _started: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self._stamps = self._now()

    def _now(self) -> tuple[Stamp, Stamp]:
        return (_stamp(self.user_path), _stamp(self.policy_path))

    def check(self) -> Check:
        """Reload when a file changed since the last check; never raises."""
        if not self._started:
            self._started = True
            return Check(None, self._new(self.initial.problems))
        stamps = self._now()
        if stamps == self._stamps:
            return Check(None)
        self._stamps = stamps
        resolved = load(self.user_path, self.policy_path, dict(self.overrides),
                        last_good=self.last_good)
        return Check(resolved, self._new(resolved.problems))

    def _new(self, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
        current = {_identity(p) for p in problems}
        fresh = tuple(p for p in problems if _identity(p) not in self._known)
        self._known = current
        return fresh


def problem_message(problems: tuple[Problem, ...]) -> tuple[str, str]:
    """(title, body) of the one notification that reports ``problems``."""
    first = problems[0]
    name = first.path.name if first.path is not None else _("command line")
    where = (_("{file} line {line}").format(file=name, line=first.line)
             if first.line is not None else name)
    what = f"{first.key}: {first.message}" if first.key else first.message
    text = f"{where}: {what}"
    if len(problems) == 1:
        return _(PROBLEM_TITLE), _(PROBLEM_ONE).format(problem=text)
    return _(PROBLEM_TITLE), _(PROBLEM_MORE).format(problem=text, more=len(problems) - 1,
                                                    path=first.path or "")

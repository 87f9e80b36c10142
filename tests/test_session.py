"""The session state machine, driven by a fake clock: whole simulated days in
milliseconds, one deterministic test per rule, Hypothesis for the invariants."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posturewatch.config import Settings
from posturewatch.model import (
    Action,
    CameraState,
    Event,
    EventKind,
    Metrics,
    MinuteSummary,
    Nudge,
    NudgeKind,
    Presence,
    Record,
    Sample,
    StateChanged,
    Verdict,
)
from posturewatch.session import PAUSED_INDEFINITELY, Tracker, WorkingHours

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


def metrics(neck: float) -> Metrics:
    return Metrics(neck_height=neck, nose_height=neck + 0.3, head_size=0.5,
                   shoulder_tilt_deg=0.0, head_tilt_deg=0.0, shoulder_width_frac=0.3)


UPRIGHT = Sample(True, Verdict.UPRIGHT, 0.9, metrics(1.0), score=0.2)
SLOUCHED = Sample(True, Verdict.SLOUCHED, 0.9, metrics(0.6), score=1.4)
UNCLEAR = Sample(True, Verdict.UNKNOWN, 0.2, metrics(0.8), score=0.0)
AWAY = Sample(False, Verdict.UNKNOWN)
BUSY = Sample(False, Verdict.UNKNOWN, camera=CameraState.BUSY)
MISSING = Sample(False, Verdict.UNKNOWN, camera=CameraState.MISSING)
# The desktop's signals (issue 13): typing, idle input, a locked screen, quiet times.
TYPING_IN_CALL = dataclasses.replace(BUSY, input_idle_s=2.0)
TYPING_NO_CAMERA = dataclasses.replace(MISSING, input_idle_s=2.0)
IDLE_NO_CAMERA = dataclasses.replace(MISSING, input_idle_s=600.0)
COVERED = Sample(False, Verdict.UNKNOWN, camera=CameraState.COVERED)
LOCKED = Sample(False, Verdict.UNKNOWN, camera=CameraState.OFF, screen_locked=True)
OFF = Sample(False, Verdict.UNKNOWN, camera=CameraState.OFF)
UPRIGHT_DND = dataclasses.replace(UPRIGHT, dnd=True)


class Sim:
    """A tracker and a fake clock. The first tick is at ``start``; ``run``
    then ticks every ``sample_interval_s`` and collects every action."""

    def __init__(self, settings: Settings | None = None, start: datetime = T0,
                 first: Sample = UPRIGHT, tz: object = UTC) -> None:
        self.settings = settings or Settings()
        self.tracker = Tracker(self.settings, tz)  # type: ignore[arg-type]
        self.now = start
        self.interval = timedelta(seconds=self.settings.sample_interval_s)
        self.actions: list[Action] = list(self.tracker.step(start, first))

    def run(self, seconds: float, sample: Sample) -> list[Action]:
        """Tick for ``seconds`` (a whole number of intervals) with ``sample``."""
        ticks = round(timedelta(seconds=seconds) / self.interval)
        assert ticks * self.interval == timedelta(seconds=seconds), "not whole ticks"
        out: list[Action] = []
        for _ in range(ticks):
            self.now += self.interval
            out += self.tracker.step(self.now, sample)
        self.actions += out
        return out

    def jump(self, seconds: float, sample: Sample) -> list[Action]:
        """One late tick ``seconds`` after the previous one (suspend, hang)."""
        self.now += timedelta(seconds=seconds)
        out = self.tracker.step(self.now, sample)
        self.actions += out
        return out

    def do(self, command: str, *args: object) -> list[Action]:
        out = getattr(self.tracker, command)(self.now, *args)
        self.actions += out
        return out

    def at(self, minutes: float = 0, seconds: float = 0) -> datetime:
        return T0 + timedelta(minutes=minutes, seconds=seconds)

    @property
    def state(self):  # noqa: ANN201
        return self.tracker.state(self.now)


def nudges(actions: list[Action], kind: NudgeKind | None = None) -> list[Nudge]:
    return [a for a in actions if isinstance(a, Nudge) and (kind is None or a.kind is kind)]


def events(actions: list[Action], kind: EventKind) -> list[Event]:
    return [a.item for a in actions
            if isinstance(a, Record) and isinstance(a.item, Event) and a.item.kind is kind]


def summaries(actions: list[Action]) -> list[MinuteSummary]:
    return [a.item for a in actions
            if isinstance(a, Record) and isinstance(a.item, MinuteSummary)]


def only(settings: Settings | None = None, **kinds: bool) -> Settings:
    """Settings with only the named nudge kinds on."""
    base = settings or Settings()
    flags = {"break_nudges": False, "water_nudges": False, "posture_nudges": False}
    flags.update({f"{k}_nudges": v for k, v in kinds.items()})
    return dataclasses.replace(base, **flags)


# -- breaks -------------------------------------------------------------------

def test_break_nudge_at_exactly_thirty_minutes_of_sitting() -> None:
    sim = Sim(only(brk := Settings(), **{"break": True}))
    assert brk.sit_limit_min == 30
    assert nudges(sim.run(30 * 60 - 5, UPRIGHT)) == []
    assert not sim.state.break_due
    [nudge] = nudges(sim.run(5, UPRIGHT))
    assert nudge == Nudge(NudgeKind.BREAK, sim.at(30), 1800.0, 0)
    assert sim.state.break_due
    assert sim.state.sitting_s == 1800.0


def test_ignored_break_nudges_back_off_and_stop_at_the_cap() -> None:
    sim = Sim(only(**{"break": True}))
    assert sim.settings.nudges_per_bout_max == 3
    sim.run(10 * 60 * 60, UPRIGHT)  # ten hours in one bout, every reminder ignored
    got = nudges(sim.actions)
    # 15 minutes after the first, then 30 after that; then no more in this bout.
    assert [(n.at, n.repeat) for n in got] == [
        (sim.at(30), 0), (sim.at(45), 1), (sim.at(75), 2)]
    assert all(n.kind is NudgeKind.BREAK for n in got)
    assert sim.state.break_due and sim.state.next_nudge_kind is None
    # A break starts a new bout, and the count with it.
    sim.run(120, AWAY)
    sim.run(30 * 60, UPRIGHT)
    assert [n.repeat for n in nudges(sim.actions)] == [0, 1, 2, 0]


def test_a_higher_cap_keeps_doubling_the_spacing() -> None:
    sim = Sim(only(Settings(nudges_per_bout_max=5), **{"break": True}))
    sim.run(10 * 60 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [
        sim.at(30), sim.at(45), sim.at(75), sim.at(135), sim.at(255)]


def test_short_absence_keeps_sitting_time_without_counting_it() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(20 * 60, UPRIGHT)
    sim.run(115, AWAY)  # under break_min_s = 120
    assert sim.state.sitting_s == 1200.0
    assert sim.state.presence is Presence.AWAY
    sim.run(10 * 60, UPRIGHT)
    assert events(sim.actions, EventKind.BREAK_TAKEN) == []
    assert len(events(sim.actions, EventKind.SITTING_STARTED)) == 1
    # 30 min of sitting, reached 115 s of wall time later than without the absence.
    [nudge] = nudges(sim.actions)
    assert nudge.at == sim.at(30, 115)
    assert nudge.sitting_s == 1800.0


def test_two_minute_absence_is_a_break_that_resets_sitting_time() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(20 * 60, UPRIGHT)
    sim.run(120, AWAY)
    [brk] = events(sim.actions, EventKind.BREAK_TAKEN)
    assert brk.at == sim.at(22)
    assert brk.detail == {"sat_s": 1200.0, "away_s": 120.0, "source": "detected"}
    assert sim.state.sitting_s == 0.0
    sim.run(60, AWAY)  # staying away longer does not record a second break
    assert len(events(sim.actions, EventKind.BREAK_TAKEN)) == 1
    sim.run(30 * 60, UPRIGHT)
    starts = events(sim.actions, EventKind.SITTING_STARTED)
    assert [e.at for e in starts] == [sim.at(0), sim.at(23)]
    [nudge] = nudges(sim.actions)
    assert nudge.at == sim.at(53) and nudge.repeat == 0


def test_break_after_a_nudge_is_marked_followed_and_resets_the_repeat_count() -> None:
    sim = Sim(only(Settings(break_repeat_min=60), **{"break": True}))
    sim.run(33 * 60, UPRIGHT)  # nudge at 30, leave at 33
    sim.run(180, AWAY)
    [brk] = events(sim.actions, EventKind.BREAK_TAKEN)
    assert brk.detail["followed_nudge"] is True
    sim.run(30 * 60, UPRIGHT)
    assert [n.repeat for n in nudges(sim.actions)] == [0, 0]
    sim.run(16 * 60, UPRIGHT)  # ignore the second nudge for 16 minutes, then leave
    sim.run(120, AWAY)
    assert "followed_nudge" not in events(sim.actions, EventKind.BREAK_TAKEN)[1].detail


def test_suspend_gap_is_unknown_never_sitting_and_ends_the_bout() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(25 * 60, UPRIGHT)
    before = sim.tracker.totals()
    sim.jump(60 * 60, UPRIGHT)  # lid closed over lunch; the first tick after says present
    after = sim.tracker.totals()
    assert after.unknown - before.unknown == timedelta(hours=1)
    assert after.seated == before.seated
    [brk] = events(sim.actions, EventKind.BREAK_TAKEN)
    assert brk.at == sim.at(27)  # the moment the gap reached break_min_s
    assert brk.detail["sat_s"] == 1500.0
    assert sim.state.sitting_s == 0.0
    sim.run(29 * 60, UPRIGHT)
    assert nudges(sim.actions) == []


def test_short_gap_is_unknown_but_keeps_the_bout() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(10 * 60, UPRIGHT)
    sim.jump(60, UPRIGHT)  # > 3 intervals: a gap, < break_min_s: not a break
    assert sim.state.sitting_s == 600.0
    assert sim.tracker.totals().unknown == timedelta(seconds=60)
    assert events(sim.actions, EventKind.BREAK_TAKEN) == []
    sim.jump(15, UPRIGHT)  # exactly 3 intervals late is still a normal tick
    assert sim.state.sitting_s == 615.0


def test_away_and_gap_add_up_to_a_break() -> None:
    sim = Sim()
    sim.run(10 * 60, UPRIGHT)
    sim.run(60, AWAY)
    sim.jump(60, AWAY)
    [brk] = events(sim.actions, EventKind.BREAK_TAKEN)
    assert brk.at == sim.at(12)


def test_log_break_resets_sitting_and_records_the_users_word() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(20 * 60, UPRIGHT)
    out = sim.do("log_break")
    [brk] = events(out, EventKind.BREAK_TAKEN)
    assert brk.detail == {"sat_s": 1200.0, "away_s": 0.0, "source": "user"}
    assert sim.state.sitting_s == 0.0
    sim.run(30 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(50)]


def test_log_break_during_a_detected_break_records_nothing_more() -> None:
    sim = Sim()
    sim.run(20 * 60, UPRIGHT)
    sim.run(150, AWAY)
    assert sim.do("log_break") == []
    assert len(events(sim.actions, EventKind.BREAK_TAKEN)) == 1


# -- holds: camera, pause, working hours ---------------------------------------

def test_busy_camera_holds_nudges_and_is_recorded_once() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(29 * 60, UPRIGHT)
    sim.run(20 * 60, BUSY)  # a video call: the person is likely still sitting
    assert nudges(sim.actions) == []
    assert events(sim.actions, EventKind.BREAK_TAKEN) == []
    st_ = sim.state
    assert (st_.camera, st_.presence, st_.sitting_s) == (CameraState.BUSY, Presence.UNKNOWN,
                                                         1740.0)
    assert sim.tracker.totals().unknown == timedelta(minutes=20)
    sim.run(60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(50)]
    cams = events(sim.actions, EventKind.CAMERA)
    assert [(e.detail["state"], e.at) for e in cams] == [("busy", sim.at(29, 5)),
                                                          ("ok", sim.at(49, 5))]


def test_busy_camera_holds_a_nudge_that_is_already_due() -> None:
    sim = Sim(only(Settings(hydration_interval_min=30), **{"break": True, "water": True}))
    sim.run(35 * 60, UPRIGHT)  # water due at 30, held by the cooldown until 40
    sim.run(15 * 60, BUSY)
    sim.run(5, UPRIGHT)
    assert [(n.kind, n.at) for n in nudges(sim.actions)] == [
        (NudgeKind.BREAK, sim.at(30)), (NudgeKind.WATER, sim.at(50, 5))]


def test_missing_camera_holds_the_absence_run() -> None:
    sim = Sim()
    sim.run(10 * 60, UPRIGHT)
    sim.run(60, AWAY)
    sim.run(10 * 60, MISSING)
    sim.run(55, AWAY)
    assert events(sim.actions, EventKind.BREAK_TAKEN) == []
    sim.run(5, AWAY)
    assert len(events(sim.actions, EventKind.BREAK_TAKEN)) == 1


def test_pause_holds_nudges_and_short_pause_keeps_sitting_time() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(29 * 60, UPRIGHT)
    out = sim.do("pause", None)
    [pause] = events(out, EventKind.PAUSE)
    assert pause.detail == {"until": None}
    [changed] = [a for a in out if isinstance(a, StateChanged)]
    assert changed.state.paused_until == PAUSED_INDEFINITELY
    sim.run(90, UPRIGHT)  # ticks go on while paused
    assert nudges(sim.actions) == []
    assert sim.state.presence is Presence.UNKNOWN
    assert sim.tracker.totals().unknown == timedelta(seconds=90)
    sim.do("resume")
    assert sim.state.paused_until is None
    assert sim.state.sitting_s == 1740.0
    sim.run(60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(31, 30)]
    assert len(events(sim.actions, EventKind.RESUME)) == 1


def test_pause_holds_a_nudge_that_is_already_due() -> None:
    sim = Sim(only(Settings(hydration_interval_min=30), **{"break": True, "water": True}))
    sim.run(35 * 60, UPRIGHT)  # break at 30; water due at 30, waits for the cooldown (40)
    sim.do("pause", sim.at(45))
    sim.run(10 * 60, UPRIGHT)
    assert [(n.kind, n.at) for n in nudges(sim.actions)] == [
        (NudgeKind.BREAK, sim.at(30)), (NudgeKind.WATER, sim.at(45))]


def test_long_pause_counts_as_a_break() -> None:
    sim = Sim()
    sim.run(20 * 60, UPRIGHT)
    sim.do("pause", None)
    sim.run(30 * 60, UPRIGHT)
    [brk] = events(sim.actions, EventKind.BREAK_TAKEN)
    assert brk.at == sim.at(22)
    assert sim.state.sitting_s == 0.0


def test_pause_until_resumes_by_itself_at_the_first_tick_after() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(40 * 60, UPRIGHT)
    assert len(nudges(sim.actions)) == 1
    until = sim.now + timedelta(seconds=62)
    sim.do("pause", until)
    assert sim.state.paused_until == until
    sim.run(60, UPRIGHT)
    assert events(sim.actions, EventKind.RESUME) == []
    sim.run(5, UPRIGHT)
    [resume] = events(sim.actions, EventKind.RESUME)
    assert (resume.at, resume.detail) == (until, {"auto": True})
    assert sim.state.paused_until is None
    # (40 min, 40 min + 62 s] paused: unknown; the last 3 s of that tick count as sitting.
    assert sim.tracker.totals().unknown == timedelta(seconds=62)
    assert sim.state.sitting_s == 40 * 60 + 3
    sim.run(5 * 60, UPRIGHT)  # the repeat due at 45 min of sitting comes after the pause
    assert [n.repeat for n in nudges(sim.actions)] == [0, 1]


def test_no_nudges_outside_working_hours_in_the_users_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # CET in March: UTC+1
    s = only(Settings(work_hours="09:00-17:00", work_days=("mon", "tue", "wed", "thu", "fri")),
             **{"break": True})
    sim = Sim(s, start=T0 - timedelta(minutes=30), tz=berlin)  # 08:30 local
    assert not sim.state.in_working_hours
    sim.run(60 * 60, UPRIGHT)
    # Due at 09:00 local (08:00 UTC) after 30 min sitting: exactly when work starts.
    assert [n.at for n in nudges(sim.actions)] == [T0, T0 + timedelta(minutes=15)]
    changes = [a.state for a in sim.actions if isinstance(a, StateChanged)]
    assert any(c.in_working_hours and c.at == T0 for c in changes)
    # Saturday: time is accounted, minutes written, nothing nudges.
    sat = Sim(s, start=datetime(2026, 3, 7, 9, 0, tzinfo=UTC), tz=berlin)
    sat.run(3 * 60 * 60, UPRIGHT)
    assert nudges(sat.actions) == []
    assert len(summaries(sat.actions)) == 180
    assert sat.state.break_due


def test_working_hours_parsing_and_next_start() -> None:
    tz = ZoneInfo("Europe/Berlin")
    always = WorkingHours("00:00-24:00", ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    assert always.always and always.contains(T0, tz)
    # The same rule as the settings: no span across midnight.
    with pytest.raises(ValueError, match="no spans across midnight"):
        WorkingHours("22:00-06:00", ("fri",))
    day = WorkingHours("09:00-17:00", ("mon",))
    assert day.next_start(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tz) == datetime(
        2026, 3, 9, 8, 0, tzinfo=UTC)
    # Across the spring-forward change (29 March 2026), 09:00 local is 07:00 UTC.
    assert day.next_start(datetime(2026, 3, 28, 0, 0, tzinfo=UTC), tz) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC)
    for bad in ("9-17", "09:00-25:00", "09:60-10:00", "nonsense", "09:00-09:00"):
        with pytest.raises(ValueError):
            WorkingHours(bad, ("mon",))
    with pytest.raises(ValueError):
        WorkingHours("09:00-17:00", ("funday",))


# -- water and posture -----------------------------------------------------------

def test_water_every_hour_of_presence_and_log_water_restarts_it() -> None:
    sim = Sim(only(**{"water": True}))
    sim.run(60 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(60)]
    sim.run(5 * 60, AWAY)  # away time does not count
    sim.run(40 * 60, UPRIGHT)
    sim.do("log_water")
    [logged] = events(sim.actions, EventKind.WATER_LOGGED)
    assert logged.detail == {"source": "user"}
    sim.run(60 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(60), sim.at(165)]
    assert [n.repeat for n in nudges(sim.actions)] == [0, 0]


def test_water_repeat_counts_until_water_is_logged() -> None:
    sim = Sim(only(**{"water": True}))
    sim.run(3 * 60 * 60, UPRIGHT)
    assert [n.repeat for n in nudges(sim.actions)] == [0, 1, 2]
    out = sim.do("done", NudgeKind.WATER)  # "done" on a water nudge means they drank
    assert [e.detail for e in events(out, EventKind.NUDGE_ACTED)] == [
        {"action": "done", "kind": "water"}]
    assert events(out, EventKind.WATER_LOGGED)[0].detail == {"source": "nudge"}
    sim.run(60 * 60, UPRIGHT)
    assert nudges(sim.actions)[-1].repeat == 0


def test_posture_nudge_after_sixty_seconds_of_slouching() -> None:
    sim = Sim(only(**{"posture": True}))
    sim.run(55, SLOUCHED)
    assert nudges(sim.actions) == []
    assert sim.state.slouched_s == 55.0
    [nudge] = nudges(sim.run(5, SLOUCHED))
    assert nudge.kind is NudgeKind.POSTURE and nudge.at == sim.at(1)
    assert sim.state.slouched_s == 0.0  # the run restarts after a nudge


def test_upright_resets_the_slouch_run() -> None:
    sim = Sim(only(**{"posture": True}))
    sim.run(50, SLOUCHED)
    sim.run(5, UPRIGHT)
    sim.run(55, SLOUCHED)
    assert nudges(sim.actions) == []
    sim.run(5, SLOUCHED)
    assert len(nudges(sim.actions)) == 1


def test_unknown_verdict_pauses_the_slouch_run_unless_it_lasts_too_long() -> None:
    sim = Sim(only(**{"posture": True}))
    sim.run(30, SLOUCHED)
    sim.run(60, UNCLEAR)  # exactly slouch_hold_s: pauses, does not reset
    sim.run(25, SLOUCHED)
    assert nudges(sim.actions) == []
    sim.run(5, SLOUCHED)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(2)]

    sim = Sim(only(**{"posture": True}))
    sim.run(30, SLOUCHED)
    sim.run(65, UNCLEAR)  # longer than slouch_hold_s: the run is stale
    sim.run(55, SLOUCHED)
    assert nudges(sim.actions) == []


def test_repeated_posture_nudges_need_longer_slouching_and_stop_at_the_cap() -> None:
    sim = Sim(only(Settings(nudge_cooldown_min=1), **{"posture": True}))
    sim.run(60 * 60, SLOUCHED)  # an hour of slouching in one bout, every nudge ignored
    # Runs of 60 s, then 120 s, then 240 s; then nothing more in this bout.
    assert [n.at for n in nudges(sim.actions)] == [sim.at(1), sim.at(3), sim.at(7)]
    # "Done" answers them: the count and the run length start over.
    sim.do("done", NudgeKind.POSTURE)
    sim.run(60, SLOUCHED)
    assert [n.repeat for n in nudges(sim.actions)] == [0, 1, 2, 0]
    assert nudges(sim.actions)[-1].at == sim.at(61)


def test_water_reminders_are_capped_until_water_is_logged() -> None:
    sim = Sim(only(**{"water": True}))
    sim.run(5 * 60 * 60, UPRIGHT)  # five hours, no drink logged
    assert [n.at for n in nudges(sim.actions)] == [sim.at(60), sim.at(120), sim.at(180)]
    sim.do("log_water")
    sim.run(60 * 60, UPRIGHT)
    assert len(nudges(sim.actions)) == 4


def test_a_snoozed_reminder_comes_back_even_at_the_cap() -> None:
    sim = Sim(only(Settings(nudges_per_bout_max=1), **{"break": True}))
    sim.run(60 * 60, UPRIGHT)
    assert len(nudges(sim.actions)) == 1
    sim.do("snooze", 10)
    sim.run(20 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(30), sim.at(70)]


def test_posture_needs_a_slouched_sample_at_the_moment_of_the_nudge() -> None:
    # Slouch run complete but held by the cooldown; by the time it ends they sat up.
    sim = Sim(only(Settings(nudge_cooldown_min=10), **{"posture": True}))
    sim.run(60, SLOUCHED)
    sim.run(5 * 60, SLOUCHED)
    sim.run(10 * 60, UPRIGHT)
    assert len(nudges(sim.actions)) == 1


# -- cooldown, priority, snooze ---------------------------------------------------

def test_break_wins_over_posture_and_water_waits_for_the_cooldown() -> None:
    sim = Sim(Settings(hydration_interval_min=30))
    sim.run(29 * 60, UPRIGHT)
    sim.run(11 * 60, SLOUCHED)  # break, posture and water all due at 30 min
    sim.run(20 * 60, UPRIGHT)
    got = [(n.kind, n.at) for n in nudges(sim.actions)]
    # The break repeat (due at 45) waits for the cooldown and still beats water.
    assert got == [(NudgeKind.BREAK, sim.at(30)), (NudgeKind.POSTURE, sim.at(40)),
                   (NudgeKind.BREAK, sim.at(50)), (NudgeKind.WATER, sim.at(60))]


def test_disabled_kinds_never_nudge() -> None:
    sim = Sim(only())
    sim.run(3 * 60 * 60, SLOUCHED)
    assert nudges(sim.actions) == []


def test_snooze_shows_the_last_kind_again_after_the_given_minutes() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(30 * 60, UPRIGHT)
    out = sim.do("snooze", 20)
    [acted] = events(out, EventKind.NUDGE_ACTED)
    assert acted.detail == {"action": "snooze", "kind": "break", "minutes": 20}
    sim.run(25 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(30), sim.at(50)]
    # A short snooze also comes back early, instead of at the 15-minute repeat.
    sim.do("snooze", 5)
    sim.run(15 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)][2:] == [sim.at(60)]  # cooldown: 10 min


def test_snooze_before_any_nudge_does_nothing() -> None:
    sim = Sim()
    assert sim.do("snooze") == []


# -- minute summaries ---------------------------------------------------------------

def test_minute_summaries_split_intervals_across_minute_boundaries() -> None:
    start = T0 + timedelta(seconds=58)
    sim = Sim(only(), start=start, first=UPRIGHT)
    assert summaries(sim.actions) == []
    out = sim.jump(5, SLOUCHED)  # (08:00:58, 08:01:03]: 2 s in 08:00, 3 s in 08:01
    [first] = summaries(out)
    assert first.minute == T0
    assert (first.seated_s, first.slouched_s, first.away_s, first.unknown_s) == (2, 2, 0, 0)
    assert first.samples == 1 and first.neck_height == 1.0  # the 08:00:58 sample
    sim.run(55, AWAY)  # ends 08:01:58
    sim.jump(4, UPRIGHT)  # 08:02:02
    second = summaries(sim.actions)[1]
    assert second.minute == T0 + timedelta(minutes=1)
    assert (second.seated_s, second.slouched_s, second.away_s) == (5, 3, 55)
    assert second.present_s == second.seated_s
    assert second.samples == 12
    assert second.neck_height == pytest.approx(0.6) and second.score == pytest.approx(1.4)
    assert second.nose_height == pytest.approx(0.9) and second.head_size == 0.5
    [partial] = summaries(sim.do("flush"))
    assert partial.minute == T0 + timedelta(minutes=2)
    assert (partial.seated_s, partial.away_s, partial.samples) == (2, 0, 1)
    assert sim.do("flush") == []


def test_summary_metric_means_ignore_absent_samples() -> None:
    sim = Sim(only(), first=AWAY)
    sim.run(30, AWAY)
    sim.run(30, BUSY)
    [s] = summaries(sim.actions)
    assert s.samples == 12 and s.neck_height is None and s.score is None
    assert (s.away_s, s.unknown_s) == (30, 30)


def test_gap_minutes_without_samples_are_not_written_but_totals_are_exact() -> None:
    sim = Sim(only())
    sim.run(60, UPRIGHT)
    sim.jump(10 * 60, UPRIGHT)
    got = summaries(sim.actions)
    assert [s.minute for s in got] == [T0, T0 + timedelta(minutes=1)]
    assert got[1].unknown_s == 60 and got[1].samples == 1  # the 08:01:00 sample


# -- state changes and a whole day ---------------------------------------------------

def test_state_changed_only_when_the_visible_state_changes() -> None:
    sim = Sim()
    first = [a for a in sim.actions if isinstance(a, StateChanged)]
    assert len(first) == 1 and first[0].state.presence is Presence.PRESENT
    assert [a for a in sim.run(10 * 60, UPRIGHT) if isinstance(a, StateChanged)] == []
    [changed] = [a for a in sim.run(5, SLOUCHED) if isinstance(a, StateChanged)]
    assert changed.state.verdict is Verdict.SLOUCHED
    [changed] = [a for a in sim.run(5, AWAY) if isinstance(a, StateChanged)]
    assert changed.state.presence is Presence.AWAY


def test_state_predicts_the_next_nudge() -> None:
    sim = Sim(only(**{"break": True, "water": True}))
    sim.run(10 * 60, UPRIGHT)
    st_ = sim.state
    assert (st_.next_nudge_kind, st_.next_nudge_at) == (NudgeKind.BREAK, sim.at(30))
    sim.run(20 * 60, UPRIGHT)
    st_ = sim.state  # water due at 60; the break repeat at 45
    assert (st_.next_nudge_kind, st_.next_nudge_at) == (NudgeKind.BREAK, sim.at(45))
    sim.do("pause", None)
    assert sim.state.next_nudge_at is None


def test_an_eight_hour_day_with_breaks() -> None:
    """08:00-16:00 at 5 s ticks: 50 min sitting then 10 min away, eight times;
    in even hours the person slouches from minute 10 to 12."""
    sim = Sim(Settings())
    for hour in range(8):
        if hour % 2:
            sim.run(50 * 60, UPRIGHT)
        else:
            sim.run(10 * 60, UPRIGHT)
            sim.run(2 * 60, SLOUCHED)
            sim.run(38 * 60, UPRIGHT)
        sim.run(10 * 60, AWAY)
    assert sim.now == sim.at(8 * 60)
    got = nudges(sim.actions)
    b, p, w = NudgeKind.BREAK, NudgeKind.POSTURE, NudgeKind.WATER
    # Every entry follows from the rules: breaks at 30 and 45 min of sitting,
    # posture when the 10-12 min slouch reached 60 s, water after each 60 min
    # of presence; whichever is due waits out the 10 min cooldown, and
    # nothing nudges while the person is away (13:00:05 is the first tick back).
    assert [(n.kind, n.at.strftime("%H:%M:%S"), n.repeat) for n in got] == [
        (p, "08:11:00", 0), (b, "08:30:00", 0), (b, "08:45:00", 1),
        (w, "09:10:00", 0), (b, "09:30:00", 0), (b, "09:45:00", 1),
        (p, "10:11:00", 0), (w, "10:21:00", 1), (b, "10:31:00", 0), (b, "10:46:00", 1),
        (b, "11:30:00", 0), (w, "11:40:00", 2), (b, "11:50:00", 1),
        (p, "12:11:00", 0), (b, "12:30:00", 0), (b, "12:45:00", 1),
        (w, "13:00:05", 3), (b, "13:30:00", 0), (b, "13:45:00", 1),
        (w, "14:10:05", 4), (b, "14:30:00", 0), (b, "14:45:00", 1),
        (w, "15:20:05", 5), (b, "15:30:05", 0), (b, "15:45:05", 1),
    ]
    gaps = [b.at - a.at for a, b in zip(got, got[1:], strict=False)]
    assert min(gaps) >= timedelta(minutes=10)
    taken = events(sim.actions, EventKind.BREAK_TAKEN)
    assert [t.at for t in taken] == [sim.at(60 * h + 52) for h in range(8)]
    assert all(t.detail["followed_nudge"] and t.detail["sat_s"] == 3000 for t in taken)
    totals = sim.tracker.totals()
    assert totals.seated == timedelta(minutes=400) and totals.away == timedelta(minutes=80)
    rows = summaries(sim.actions)
    assert len(rows) == 8 * 60
    assert sum(r.seated_s for r in rows) == 400 * 60
    assert sum(r.slouched_s for r in rows) == 4 * 2 * 60


def test_log_break_soon_after_a_break_nudge_counts_as_followed() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(35 * 60, UPRIGHT)
    [brk] = events(sim.do("log_break"), EventKind.BREAK_TAKEN)
    assert brk.detail["followed_nudge"] is True and brk.detail["source"] == "user"


def test_done_on_a_break_nudge_restarts_the_repeat_count() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(45 * 60, UPRIGHT)
    assert [n.repeat for n in nudges(sim.actions)] == [0, 1]
    sim.do("done", NudgeKind.BREAK)
    sim.run(15 * 60, UPRIGHT)
    assert [n.repeat for n in nudges(sim.actions)] == [0, 1, 0]


def test_pausing_again_moves_the_end_and_resume_when_running_does_nothing() -> None:
    sim = Sim()
    assert sim.do("resume") == []
    sim.do("pause", sim.now + timedelta(minutes=5))
    later = sim.now + timedelta(minutes=30)
    out = sim.do("pause", later)
    assert [e.detail for e in events(out, EventKind.PAUSE)] == [{"until": later.isoformat()}]
    sim.run(10 * 60, UPRIGHT)
    assert events(sim.actions, EventKind.RESUME) == []
    assert sim.state.paused_until == later
    out = sim.do("resume")
    assert [e.detail for e in events(out, EventKind.RESUME)] == [{"auto": False}]


def test_wall_clock_stepping_back_accounts_nothing_twice() -> None:
    sim = Sim(only())
    sim.run(5 * 60, UPRIGHT)
    sim.now -= timedelta(minutes=3)
    sim.run(4 * 60, UPRIGHT)  # ticks at 02:05 .. 06:00, the last minute new time
    totals = sim.tracker.totals()
    assert totals.total == timedelta(minutes=6)
    assert sim.state.sitting_s == 360.0
    minutes = [r.minute for r in summaries(sim.actions)]
    assert minutes == sorted(set(minutes)) and len(minutes) == 6


def test_a_week_in_suspend_is_one_cheap_step() -> None:
    sim = Sim()
    sim.run(60, UPRIGHT)
    out = sim.jump(7 * 24 * 3600 + 30, UPRIGHT)
    assert [s.minute for s in summaries(out)] == [T0 + timedelta(minutes=1)]
    assert sim.tracker.totals().unknown == timedelta(days=7, seconds=30)


def test_settings_can_change_at_run_time() -> None:
    sim = Sim(only(**{"break": True}))
    sim.run(20 * 60, UPRIGHT)
    sim.tracker.update_settings(dataclasses.replace(sim.settings, sit_limit_min=25))
    assert sim.tracker.settings.sit_limit_min == 25
    sim.run(5 * 60, UPRIGHT)
    assert [n.at for n in nudges(sim.actions)] == [sim.at(25)]
    with pytest.raises(ValueError):
        sim.tracker.update_settings(Settings(work_hours="late"))


# -- invariants (Hypothesis) -------------------------------------------------------------

# Weighted toward a person at the desk, so that random days do reach nudges.
SAMPLES = [UPRIGHT, UPRIGHT, UPRIGHT, SLOUCHED, SLOUCHED, SLOUCHED, UNCLEAR, AWAY, BUSY, MISSING,
           TYPING_IN_CALL, TYPING_NO_CAMERA, IDLE_NO_CAMERA, COVERED, LOCKED, OFF, UPRIGHT_DND]

ticks = st.tuples(  # a run of regular ticks, mostly 5 s apart, some jitter
    st.just("tick"),
    st.sampled_from([5000, 5000, 5000, 4000, 6000, 15_000, 0]),
    st.sampled_from(SAMPLES),
    st.integers(1, 400),
)
odd_ticks = st.tuples(  # one late tick (suspend, hang) or the wall clock stepping back
    st.just("tick"),
    st.one_of(st.integers(15_001, 3 * 3600 * 1000), st.integers(-120_000, -1)),
    st.sampled_from(SAMPLES),
    st.just(1),
)
commands = st.one_of(
    st.tuples(st.just("pause"), st.one_of(st.none(), st.integers(1, 90))),
    st.tuples(st.just("resume")),
    st.tuples(st.just("log_break")),
    st.tuples(st.just("log_water")),
    st.tuples(st.just("snooze"), st.integers(1, 30)),
    st.tuples(st.just("done"), st.sampled_from(list(NudgeKind))),
)
ops = st.lists(st.one_of(ticks, ticks, ticks, odd_ticks, commands), max_size=40)

FAST = Settings(sit_limit_min=2, break_min_s=30, break_repeat_min=1, hydration_interval_min=3,
                slouch_hold_s=20, nudge_cooldown_min=1.5)


def drive(settings: Settings, script: list[tuple]) -> tuple[Tracker, list[tuple[datetime, Action]],
                                                             datetime, datetime]:
    """Run a script; ticks repeat their sample ``count`` times ``ms`` apart
    (once when ``ms`` is a gap or negative). Returns the latest tick too."""
    tracker = Tracker(settings)
    now = T0 + timedelta(milliseconds=123)
    log: list[tuple[datetime, Action]] = [(now, a) for a in tracker.step(now, UPRIGHT)]
    first = latest = now
    for op in script:
        if op[0] == "tick":
            _, ms, sample, count = op
            for _ in range(count if 0 <= ms <= 15_000 else 1):
                now += timedelta(milliseconds=ms)
                latest = max(latest, now)
                log += [(now, a) for a in tracker.step(now, sample)]
        elif op[0] == "pause":
            until = None if op[1] is None else now + timedelta(minutes=op[1])
            log += [(now, a) for a in tracker.pause(now, until)]
        else:
            log += [(now, a) for a in getattr(tracker, op[0])(now, *op[1:])]
    return tracker, log, first, latest


@settings(max_examples=150, deadline=None)
@given(script=ops, fast=st.booleans())
def test_invariants_over_random_days(script: list[tuple], fast: bool) -> None:
    config = FAST if fast else Settings()
    tracker, log, first, last = drive(config, script)
    totals = tracker.totals()
    # Every moment from the first tick to the latest is accounted exactly once.
    assert totals.seated + totals.away + totals.unknown == last - first
    # Nudges: never closer than the cooldown, only with a person in view,
    # never while paused or outside a working camera.
    shown = [a for _, a in log if isinstance(a, Nudge)]
    for a, b in zip(shown, shown[1:], strict=False):
        assert b.at - a.at >= timedelta(minutes=config.nudge_cooldown_min)
    # Minute summaries add up to the totals, except unknown-only gap minutes.
    rows = summaries([a for _, a in log] + tracker.flush(last))
    assert sum(r.seated_s for r in rows) == pytest.approx(totals.seated.total_seconds())
    assert sum(r.away_s for r in rows) == pytest.approx(totals.away.total_seconds())
    assert sum(r.unknown_s for r in rows) <= totals.unknown.total_seconds() + 1e-6
    assert all(r.slouched_s <= r.seated_s for r in rows)
    # What decided presence covers at most the time that was present or away.
    assert all(r.camera_s + r.input_s + r.locked_s <= r.present_s + r.away_s + 1e-6
               for r in rows)
    assert len({r.minute for r in rows}) == len(rows)  # no minute written twice
    # Sitting time never exceeds seated time, and each break ends a bout.
    assert tracker.state(last).sitting_s <= totals.seated.total_seconds()


@settings(max_examples=100, deadline=None)
@given(script=ops)
def test_no_nudge_while_paused_or_without_a_person(script: list[tuple]) -> None:
    tracker = Tracker(FAST)
    now = T0
    tracker.step(now, UPRIGHT)
    for op in script:
        if op[0] != "tick":
            if op[0] == "pause":
                until = None if op[1] is None else now + timedelta(minutes=op[1])
                tracker.pause(now, until)
            else:
                getattr(tracker, op[0])(now, *op[1:])
            continue
        _, ms, sample, count = op
        for _ in range(count if 0 <= ms <= 15_000 else 1):
            now += timedelta(milliseconds=ms)
            paused_before = tracker.state(now).paused_until is not None
            out = tracker.step(now, sample)
            if nudges(out):
                assert not paused_before
                seen = sample.present and sample.camera is CameraState.OK
                typing = sample.input_idle_s is not None and sample.input_idle_s < 60
                assert seen or typing
                assert sample.camera not in (CameraState.BUSY, CameraState.OFF)
                assert not (sample.dnd or sample.fullscreen or sample.screen_locked)


# -- purity -----------------------------------------------------------------------------------

def test_importing_session_pulls_in_no_adapters() -> None:
    code = (
        "import sys, posturewatch.session\n"
        "bad = {'cv2', 'mediapipe', 'pystray', 'plyer', 'sqlite_utils', 'numpy'}\n"
        "print(sorted(bad & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_naive_times_are_refused() -> None:
    tracker = Tracker(Settings())
    with pytest.raises(ValueError):
        tracker.step(datetime(2026, 3, 2, 8, 0), UPRIGHT)
    with pytest.raises(ValueError):
        tracker.pause(T0, T0 - timedelta(minutes=1))

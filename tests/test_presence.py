"""Presence from the camera and from keyboard and mouse; the camera off while
paused, locked or outside working hours; quiet times. The pure tracker on a
fake clock (``test_session.Sim``): every rule here is a sentence of issue 13."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from test_session import (
    AWAY,
    BUSY,
    COVERED,
    IDLE_NO_CAMERA,
    LOCKED,
    MISSING,
    OFF,
    T0,
    TYPING_IN_CALL,
    TYPING_NO_CAMERA,
    UPRIGHT,
    Sim,
    events,
    nudges,
    only,
    summaries,
)

from posturewatch.config import Settings
from posturewatch.messages import status_line, tooltip
from posturewatch.model import (
    CameraState,
    EventKind,
    NudgeKind,
    Presence,
    PresenceSource,
    Sample,
    Verdict,
)
from posturewatch.session import INPUT_ACTIVE_S, QUIET_DND, QUIET_FULLSCREEN, classify

BREAK_ONLY = only(Settings(), **{"break": True})


def test_who_decides_presence() -> None:
    assert classify(UPRIGHT)[1] is PresenceSource.CAMERA
    assert classify(AWAY)[1] is PresenceSource.CAMERA
    typing_away = dataclasses.replace(AWAY, input_idle_s=3.0)  # out of frame, typing
    assert classify(typing_away)[0].presence is Presence.PRESENT
    assert classify(typing_away)[1] is PresenceSource.INPUT
    assert classify(TYPING_IN_CALL)[0].presence is Presence.PRESENT
    assert classify(TYPING_NO_CAMERA)[0].presence is Presence.PRESENT
    # Still in a call (busy camera, idle input): hold, it is not away.
    assert classify(dataclasses.replace(BUSY, input_idle_s=900.0))[0].presence is Presence.UNKNOWN
    # No usable camera, input idle a minute: away, said by the input.
    edge = dataclasses.replace(MISSING, input_idle_s=INPUT_ACTIVE_S)
    assert classify(edge)[0].presence is Presence.AWAY
    assert classify(edge)[1] is PresenceSource.INPUT
    # No picture and no input signal: nothing can tell.
    assert classify(MISSING)[0].presence is Presence.UNKNOWN
    assert classify(COVERED)[0].presence is Presence.UNKNOWN
    assert classify(LOCKED) [0].presence is Presence.AWAY
    assert classify(LOCKED)[1] is PresenceSource.LOCK
    assert classify(OFF)[0].presence is Presence.UNKNOWN


def test_typing_through_a_video_call_is_sitting_and_the_nudge_waits_for_the_call() -> None:
    sim = Sim(BREAK_ONLY)
    sim.run(20 * 60, UPRIGHT)
    sim.run(20 * 60, TYPING_IN_CALL)  # 20 minutes in a call, typing notes
    assert sim.state.sitting_s == 40 * 60
    assert sim.state.presence is Presence.PRESENT
    assert sim.state.presence_source is PresenceSource.INPUT
    assert nudges(sim.actions) == []  # due at 30 min, but not during the call
    sim.run(5, UPRIGHT)
    [nudge] = nudges(sim.actions)
    assert nudge.at == sim.at(40, 5) and nudge.sitting_s == 40 * 60 + 5
    assert events(sim.actions, EventKind.BREAK_TAKEN) == []


def test_without_any_camera_input_alone_tracks_sitting_and_breaks() -> None:
    sim = Sim(BREAK_ONLY, first=TYPING_NO_CAMERA)
    sim.run(30 * 60, TYPING_NO_CAMERA)
    [nudge] = nudges(sim.actions)
    assert nudge.at == sim.at(30) and nudge.sitting_s == 30 * 60
    assert status_line(sim.state, T0.tzinfo) == (  # type: ignore[arg-type]
        "Break due: sitting for 30 minutes, from keyboard and mouse (camera not found)")
    # Leave at 30:00: input goes idle. Under a minute idle is still "present"
    # (reading counts); the tick at 31:00 (idle 60 s) makes its interval away,
    # and break_min_s (2 min) of away is a break, the nudge followed.
    for idle in range(5, 65, 5):
        sim.run(5, dataclasses.replace(MISSING, input_idle_s=float(idle)))
    sim.run(120, IDLE_NO_CAMERA)
    [taken] = events(sim.actions, EventKind.BREAK_TAKEN)
    assert taken.at == sim.at(32, 55)
    assert taken.detail == {"sat_s": 30 * 60 + 55.0, "away_s": 120.0, "source": "detected",
                            "followed_nudge": True}
    assert sim.state.sitting_s == 0
    assert sim.state.presence is Presence.AWAY
    assert status_line(sim.state, T0.tzinfo) == (  # type: ignore[arg-type]
        "Away: no keyboard or mouse input (camera not found)")
    rows = summaries(sim.actions)
    assert sum(r.input_s for r in rows) == sum(r.present_s + r.away_s for r in rows)
    assert {r.presence_source for r in rows} == {PresenceSource.INPUT}
    assert sum(r.camera_s for r in rows) == 0


def test_no_picture_and_no_input_signal_tracks_nothing_and_never_nudges() -> None:
    for blind in (MISSING, COVERED, dataclasses.replace(COVERED, camera=CameraState.NO_PICTURE)):
        sim = Sim(Settings(), first=blind)
        sim.run(3 * 60 * 60, blind)
        assert nudges(sim.actions) == []
        assert events(sim.actions, EventKind.BREAK_TAKEN) == []
        assert sim.state.presence is Presence.UNKNOWN
        assert sim.tracker.totals().seated == timedelta(0)


def test_a_covered_camera_keeps_the_bout_and_gives_no_break() -> None:
    """A closed shutter is not "away": sitting time waits, no break is made."""
    sim = Sim(BREAK_ONLY)
    sim.run(20 * 60, UPRIGHT)
    sim.run(30 * 60, COVERED)
    assert events(sim.actions, EventKind.BREAK_TAKEN) == []
    assert sim.state.sitting_s == 20 * 60
    camera = events(sim.actions, EventKind.CAMERA)
    assert [e.detail["state"] for e in camera] == ["covered"]
    assert status_line(sim.state, T0.tzinfo) == "Camera covered: its picture is black"  # type: ignore[arg-type]


def test_a_locked_screen_is_away_with_no_samples_and_makes_a_break() -> None:
    sim = Sim(BREAK_ONLY)
    sim.run(10 * 60, UPRIGHT)
    sim.run(5 * 60, LOCKED)
    [taken] = events(sim.actions, EventKind.BREAK_TAKEN)
    assert taken.at == sim.at(12)  # locked for break_min_s
    assert sim.state.presence is Presence.AWAY and sim.state.screen_locked
    assert status_line(sim.state, T0.tzinfo) == "Screen locked: camera off"  # type: ignore[arg-type]
    locked_minutes = [r for r in summaries(sim.actions) if r.minute >= sim.at(10)]
    # (the tick at 10:00 itself was the last upright one)
    assert [r.samples for r in locked_minutes] == [1, 0, 0, 0, 0]
    assert [r.locked_s for r in locked_minutes] == [60.0] * 5
    assert all(r.presence_source is PresenceSource.LOCK for r in locked_minutes)


def test_camera_is_wanted_only_in_working_hours_and_unpaused() -> None:
    office = Settings(work_hours="09:00-17:00", work_days=("mon", "tue", "wed", "thu", "fri"))
    sim = Sim(office, start=T0, first=OFF)  # Monday 08:00 UTC
    assert not sim.tracker.camera_wanted(T0)
    assert sim.tracker.camera_wanted(T0 + timedelta(hours=1))
    sim.run(2 * 60 * 60, OFF)  # the loop sends OFF while it keeps the camera shut
    assert all(r.samples == 0 for r in summaries(sim.actions))
    assert sim.tracker.totals().seated == timedelta(0)
    sim.do("pause", T0 + timedelta(hours=2, minutes=30))
    assert not sim.tracker.camera_wanted(sim.now)
    assert sim.tracker.camera_wanted(T0 + timedelta(hours=2, minutes=30))  # ends by itself


def test_do_not_disturb_holds_the_nudge_and_it_comes_after() -> None:
    sim = Sim(BREAK_ONLY)
    sim.run(29 * 60, UPRIGHT)
    quiet = dataclasses.replace(UPRIGHT, dnd=True)
    sim.run(10 * 60, quiet)
    assert nudges(sim.actions) == []
    assert sim.state.quiet == QUIET_DND
    assert tooltip(sim.state, T0.tzinfo).endswith(  # type: ignore[arg-type]
        "(do not disturb: reminders wait)")
    sim.run(5, UPRIGHT)
    [nudge] = nudges(sim.actions)
    assert nudge.kind is NudgeKind.BREAK and nudge.at == sim.at(39, 5)
    assert sim.state.quiet is None


def test_full_screen_holds_nudges_unless_switched_off() -> None:
    film = dataclasses.replace(UPRIGHT, fullscreen=True)
    held = Sim(BREAK_ONLY)
    held.run(40 * 60, film)
    assert nudges(held.actions) == [] and held.state.quiet == QUIET_FULLSCREEN
    held.run(5, UPRIGHT)
    assert len(nudges(held.actions)) == 1
    free = Sim(dataclasses.replace(BREAK_ONLY, quiet_when_fullscreen=False,
                                   quiet_when_dnd=False))
    free.run(40 * 60, dataclasses.replace(film, dnd=True))
    assert [n.at for n in nudges(free.actions)] == [free.at(30)]
    assert free.state.quiet is None


def test_off_ticks_are_not_samples_but_camera_ticks_are() -> None:
    sim = Sim(Settings(), first=UPRIGHT)
    sim.run(60, UPRIGHT)
    sim.run(60, OFF)
    sim.run(60, MISSING)  # the camera was tried: a sample, though it gave nothing
    rows = summaries(sim.actions)
    # A tick belongs to the minute it is in: 08:01:00 (upright) opens minute 1.
    assert [r.samples for r in rows] == [12, 1, 11]
    # the OFF minute is unknown, not sitting
    assert (rows[1].seated_s, rows[1].unknown_s) == (0.0, 60.0)


def test_status_and_tooltip_say_input_is_counting() -> None:
    sim = Sim(Settings(), first=TYPING_NO_CAMERA)
    sim.run(12 * 60, TYPING_NO_CAMERA)
    state = sim.state
    assert (state.presence, state.presence_source) == (Presence.PRESENT, PresenceSource.INPUT)
    assert state.input_idle_s == 2.0
    assert tooltip(state, T0.tzinfo) == (  # type: ignore[arg-type]
        "PostureWatch: Sitting for 12 minutes, from keyboard and mouse (camera not found)")
    in_view = Sim(Settings(), first=dataclasses.replace(AWAY, input_idle_s=1.0))
    in_view.run(60, dataclasses.replace(AWAY, input_idle_s=1.0))
    assert status_line(in_view.state, T0.tzinfo) == (  # type: ignore[arg-type]
        "Sitting for 1 minute, from keyboard and mouse (not in view)")


def test_a_sample_from_an_unopened_camera_has_no_verdict() -> None:
    off = Sample(False, Verdict.UNKNOWN, camera=CameraState.OFF)
    sim = Sim(Settings(), first=off)
    sim.run(60, off)
    assert sim.state.verdict is Verdict.UNKNOWN and sim.state.camera is CameraState.OFF

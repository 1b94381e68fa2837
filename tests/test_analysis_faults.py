"""Faults (tilt, momentum, arch) on simulated sessions, judged against the personal reference."""

from __future__ import annotations

import pytest

from device.analysis.judge import over_stance, rep_like, swung_or_dropped, working_leg
from device.analysis.measure import Measured
from device.analysis.pipeline import analyze_frames

from test_analysis_common import all_reps, analysed, label_reps, match, rep_events, run_live, session

SEEDS = (1, 2, 3, 4)


def tally(fault: str, **kw):
    """Over SEEDS: (labelled reps, matched, matched flagged with the fault [and the labelled side],
    matched reps whose flag agrees with the label)."""
    n = matched = flagged = agree = 0
    for seed in SEEDS:
        _, _, labels = session(seed=seed, **kw)
        res = analysed(seed=seed, **kw)
        truth, found = label_reps(labels), all_reps(res)
        pairs = match(found, truth)
        n += len(truth)
        matched += len(pairs)
        for i, j in pairs.items():
            lr, fr = truth[i], found[j]
            on = bool(fr.get(fault)) and (fault != "tilt" or fr["tilt_side"] == lr["tilt_side"])
            flagged += on
            agree += bool(fr.get(fault)) == bool(lr.get(fault))
    return n, matched, flagged, agree


@pytest.mark.xfail(strict=True, reason=(
    "quadruped tilt_rate=1.0, seeds 1-4: 8 of 26 matched reps flagged tilt with the labelled side. "
    "Every rep tilts, so the densest cluster of this person's own shifts is the tilted one and the "
    "personal reference absorbs the fault; needs a physics prior for a clean rep's shift (or a "
    "reference stored from an earlier clean session)"))
def test_all_reps_tilted_are_flagged_with_their_side():
    n, matched, flagged, _ = tally("tilt", exercise="quadruped", tilt_rate=1.0)
    assert matched >= n - 2
    assert flagged >= 0.6 * matched, (flagged, matched)


def test_the_sessions_end_judges_tilt_again_and_mostly_mends_it():
    """Live, a session that begins with alike tilted reps takes them for the clean rep; at the
    end the whole session's reps say which is which.  Seeds 1-10, two sets, half the reps
    tilted: 14 verdicts mended, none broken when this was written."""
    mended = broken = 0
    for seed in range(1, 11):
        info, frames, labels = session(exercise="quadruped", seed=seed, sets=2, tilt_rate=0.5)
        a, events = run_live(info, frames, exercise="quadruped")
        live, found, truth = rep_events(events), all_reps(a.result()), label_reps(labels)
        for i, j in match(found, truth).items():
            was, now = bool(live[j]["tilt"]) == truth[i]["tilt"], bool(found[j]["tilt"]) == truth[i]["tilt"]
            mended += now and not was
            broken += was and not now
    assert mended >= 10 and broken <= 1, (mended, broken)


def test_no_tilt_means_almost_no_tilt_flags():
    n, matched, flagged, _ = tally("tilt", exercise="quadruped", tilt_rate=0.0, momentum_rate=0.0)
    assert matched >= n - 2
    flags = sum(r["tilt"] for s in SEEDS for r in all_reps(analysed(exercise="quadruped", seed=s, tilt_rate=0.0, momentum_rate=0.0)))
    assert flags <= 1


def test_tilt_side_is_null_unless_tilt():
    for s in SEEDS:
        for r in all_reps(analysed(exercise="quadruped", seed=s, tilt_rate=0.3)):
            assert (r["tilt_side"] is None) == (not r["tilt"])
            assert r["tilt_side"] in (None, "left", "right")


def test_momentum_on_every_rep_is_flagged_on_most():
    n, matched, flagged, _ = tally("momentum", exercise="quadruped", momentum_rate=1.0)
    assert matched >= 0.8 * n
    assert flagged >= 0.7 * matched, (flagged, matched)


def test_standing_at_10_sps_a_blurred_swing_or_drop_is_momentum():
    """One conversion smears a swing's start over 0.1 s and averages a dropped leg's landing
    down: standing at 10 samples/s a lift fitted just over 0.5 s, or a fast lower with a
    small force, is still momentum; at 80 samples/s (sharper fits) and in a slow phase it is not."""
    def m(lift_fit, lift_peak, lower_fit, lower_peak):
        return Measured(0.0, 4.0, 1.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.01, 0.01, 0.001,
                        lift_fit, lower_fit, lift_peak, lower_peak, 0, [], 0.0)
    swing, drop = m(0.53, 0.05, 1.2, 0.005), m(1.2, 0.005, 0.4, 0.015)
    assert swung_or_dropped("standing", swing, 10) and swung_or_dropped("standing", drop, 10)
    assert not swung_or_dropped("standing", swing, 20) and not swung_or_dropped("standing", drop, 20)
    assert not swung_or_dropped("standing", m(1.2, 0.05, 1.2, 0.015), 10)


def test_standing_a_top_short_of_the_stance_foot_is_no_rep():
    """Standing, the whole way from where the body stood before the set (dx_rest) must reach
    at least 30 % of this person's way over the stance foot; the rep's own shift does not
    count, and lying or kneeling there is no such rule."""
    def m(dx_rest, dx=0.03):
        return Measured(0.0, 4.0, 1.0, 1.0, 2.0, dx, 0.0, dx_rest, 0.0, 0.05, 0.01, 0.01, 0.001,
                        1.0, 1.0, 0.01, 0.01, 0, [], 0.0)
    assert over_stance("standing", m(0.02), [0.08]) is False       # a quarter of the way
    assert over_stance("standing", m(-0.03), [0.08]) is False      # the other side of where it stood
    assert over_stance("standing", m(0.03), [0.08]) is True
    assert over_stance("standing", m(-0.06), [-0.08]) is True      # a right-leg rep, mirrored
    assert over_stance("standing", m(-0.06), [0.08, -0.08]) is True   # either leg's way will do
    assert over_stance("standing", m(0.02), [None]) is None         # no reference yet
    assert over_stance("quadruped", m(0.0), [0.08]) is None


def test_standing_the_leg_is_told_by_the_whole_way_over_the_stance_foot():
    """Standing, a rep's own shift may be a small part of the way (the weight went most of
    the way onto the stance foot before the set), so the leg is told by the whole way; on
    all fours by the rep's own shift.  A shift well short of the set's leg's way keeps the
    set's leg (hips rolled toward the working side)."""
    def m(dx, dx_rest):
        return Measured(0.0, 4.0, 1.0, 1.0, 2.0, dx, 0.0, dx_rest, 0.0, 0.05, 0.01, 0.01, 0.001,
                        1.0, 1.0, 0.01, 0.01, 0, [], 0.0)
    right_rep = m(0.02, -0.08)    # own shift toward the right, the whole way over the left foot
    assert working_leg("standing", right_rep, None, None, None) == "right"
    assert working_leg("standing", right_rep, None, "left", 0.08) == "right"   # mirrors the set's
    assert working_leg("standing", m(0.02, -0.03), None, "left", 0.08) == "left"
    assert working_leg("quadruped", right_rep, None, None, None) == "left"
    assert working_leg("prone", right_rep, "right", None, None) == "right"


def test_standing_over_the_stance_foot_a_rep_needs_no_own_sideways_shift():
    """Weight already over the stance foot from the set's start: the rep's own shift can be
    nil.  Known to be over the foot (a reference of a few reps), that is still a rep; before
    that, the own shift is all there is to tell it from sway."""
    own = Measured(0.0, 3.0, 1.0, 1.0, 1.0, 0.004, -0.01, 0.07, 0.0, 0.012, 0.0, 0.0, 0.001,
                   1.0, 1.0, 0.01, 0.01, 0, [], 0.0)
    assert rep_like("standing", own, over_stance=True)
    assert not rep_like("standing", own)
    assert not rep_like("quadruped", own, over_stance=True)


def test_no_momentum_means_almost_no_momentum_flags():
    flags = sum(r["momentum"] for s in SEEDS
                for r in all_reps(analysed(exercise="quadruped", seed=s, tilt_rate=0.0, momentum_rate=0.0)))
    assert flags <= 1


@pytest.mark.xfail(strict=True, reason=(
    "prone arch_rate=1.0, seeds 1-4: 0 of 31 matched reps flagged arch. "
    "As with tilt, when every rep arches the personal reference is the arched rep; the prone prior "
    "covers only the sideways shift, not the forward one"))
def test_prone_arch_on_every_rep_is_flagged_on_most():
    n, matched, flagged, _ = tally("arch", exercise="prone", arch_rate=1.0)
    assert matched >= n - 2
    assert flagged >= 0.6 * matched, (flagged, matched)


def test_prone_without_arch_is_not_flagged():
    flags = sum(bool(r.get("arch")) for s in SEEDS
                for r in all_reps(analysed(exercise="prone", seed=s, arch_rate=0.0, tilt_rate=0.0, momentum_rate=0.0)))
    assert flags <= 1


def test_light_and_heavy_person_alike():
    """The same session by a 45 kg and a 120 kg person: both counted, tilt judged about as well."""
    rates = {}
    for mass in (45.0, 120.0):
        n, matched, _, agree = tally("tilt", exercise="quadruped", tilt_rate=0.3, mass_kg=mass)
        assert matched >= n - 2, (mass, matched, n)
        rates[mass] = agree / matched
    assert min(rates.values()) >= 0.75, rates
    assert abs(rates[45.0] - rates[120.0]) <= 0.15, rates


def test_the_first_two_reps_disagreeing_wait_for_the_third():
    """Quadruped, no stored reference, tilt_rate=0.3, seeds 1-120, sessions whose first two reps
    differ in tilt. When they disagree, both wait for the third, which says which of them agree.
    Tilted first rep, clean second: live, the first is now often flagged (never, judged against
    nothing) and the second seldom (19 of 23 were, judged against the first alone; now 9); with
    the session's end judging them again, 21 of 23 first reps are flagged and 2 second reps.
    Clean first, tilted second: the second is still nearly always flagged, the first hardly."""
    firsts = {True: [], False: []}    # by whether the first rep tilted: (first flagged, second flagged)
    for seed in range(1, 121):
        kw = dict(seed=seed, exercise="quadruped", tilt_rate=0.3)
        _, _, labels = session(**kw)
        truth = label_reps(labels)
        first, second = bool(truth[0]["tilt"]), bool(truth[1]["tilt"])
        if first == second:
            continue
        found = all_reps(analysed(**kw))
        pairs = match(found, truth)
        if 0 in pairs and 1 in pairs:
            firsts[first].append((bool(found[pairs[0]]["tilt"]), bool(found[pairs[1]]["tilt"])))
    tilted_first, clean_first = firsts[True], firsts[False]
    assert len(tilted_first) >= 20 and len(clean_first) >= 20
    assert sum(f for f, _ in tilted_first) >= 3 * len(tilted_first) // 4, tilted_first
    assert sum(s for _, s in tilted_first) <= len(tilted_first) // 4, tilted_first
    assert sum(s for _, s in clean_first) >= 3 * len(clean_first) // 4, clean_first
    assert sum(f for f, _ in clean_first) <= len(clean_first) // 10, clean_first


@pytest.mark.parametrize("seed", [2, 5, 12])
def test_two_disagreeing_reps_count_without_a_third_and_are_judged_with_one(seed):
    """Quadruped seeds whose first rep tilted and second did not (tilt_rate=0.3). Cut a second
    after the second rep, the held pair is released when the recording ends: both count, judged
    as with no third rep (the second against the first). The whole session judges them with
    the third: the first is the tilted one."""
    kw = dict(seed=seed, exercise="quadruped", tilt_rate=0.3)
    info, frames, labels = session(**kw)
    truth = label_reps(labels)
    assert truth[0]["tilt"] and not truth[1]["tilt"]
    cut = [f for f in frames if f.t <= truth[1]["end"] + 1.0]
    alone = all_reps(analyze_frames(info, cut, exercise="quadruped"))
    whole = all_reps(analysed(**kw))
    assert [r["start"] for r in alone] == [r["start"] for r in whole[:2]]
    assert [r["tilt"] for r in alone] == [False, True]
    assert [r["tilt"] for r in whole[:2]] == [True, False]

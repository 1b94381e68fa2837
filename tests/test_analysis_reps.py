"""Rep detection on short simulated sessions: counts, legs, timing structure, nothing outside sets."""

from __future__ import annotations

import pytest

from device.analysis.pipeline import analyze_frames
from test_analysis_common import all_reps, analysed, forbidden_spans, label_reps, match, overlap, session, structural_problems

EXERCISES = ("quadruped", "prone", "standing")
RATES = (80, 10)
# Typical low-noise sessions: one set of 6-8 reps, a distractor, getting on and off.
COUNT_SEEDS = (1, 4, 5)
STRUCTURE_SEEDS = (1, 2, 3, 4, 5, 6)


def case(exercise, rate, seed):
    info, frames, labels = session(exercise=exercise, seed=seed, rate_hz=rate, noise="low")
    res = analysed(exercise=exercise, seed=seed, rate_hz=rate, noise="low")
    return labels, res


def found_and_labelled(**kw) -> tuple[list[dict], list[dict]]:
    """The reps the analysis found in a short session (``kw`` as for SessionSpec), and its labelled ones."""
    return all_reps(analysed(**kw)), label_reps(session(**kw)[2])


def assert_each_rep_counted_once(**kw) -> None:
    reps, truth = found_and_labelled(**kw)
    assert len(match(reps, truth)) == len(truth)
    assert len(reps) == len(truth)


def count_problems(labels, res) -> list[str]:
    found = all_reps(res)
    bad = []
    for st in labels["sets"]:
        n_true = len(st["reps"])
        n_found = sum(1 for r in found if r["start"] < st["end"] + 1.0 and r["end"] > st["start"] - 1.0)
        if abs(n_found - n_true) > 1:
            bad.append(f"set {st['start']:.1f}-{st['end']:.1f} ({st['leg']}): {n_found} reps found, {n_true} labelled")
    return bad


def leg_problems(labels, res) -> list[str]:
    truth, found = label_reps(labels), all_reps(res)
    return [f"rep {truth[i]['start']:.1f}: leg {found[j]['leg']}, labelled {truth[i]['leg']}"
            for i, j in match(found, truth).items() if found[j]["leg"] != truth[i]["leg"]]


def cases(seeds, xfails=()):
    out = []
    for ex in EXERCISES:
        for rate in RATES:
            for seed in seeds:
                marks = [pytest.mark.xfail(strict=True, reason=why) for (e, r, s, why) in xfails
                         if (e, r, s) == (ex, rate, seed)]
                out.append(pytest.param(ex, rate, seed, marks=marks, id=f"{ex}-{rate}sps-seed{seed}"))
    return out


COUNT_XFAILS: list[tuple[str, int, int, str]] = []
LEG_XFAILS: list[tuple[str, int, int, str]] = []
SWAY = ("standing, before the set: the body sways sideways as far as a rep shifts it, and the force "
        "(which would show a leg moving) is too weak there to tell them apart: ")
STRUCTURE_XFAILS = [
    ("standing", 80, 6, SWAY + "reps counted at 6.6-8.9 and 9.1-10.2 s, the set starts at 11.6 s"),
]


@pytest.mark.parametrize("exercise,rate,seed", cases(COUNT_SEEDS, COUNT_XFAILS))
def test_rep_count_per_set_within_one(exercise, rate, seed):
    labels, res = case(exercise, rate, seed)
    assert count_problems(labels, res) == []


@pytest.mark.parametrize("exercise,rate,seed", cases(COUNT_SEEDS, LEG_XFAILS))
def test_legs_right(exercise, rate, seed):
    labels, res = case(exercise, rate, seed)
    if exercise == "prone":
        # not observable from four corner loads: not guessed
        assert all(r["leg"] is None for r in all_reps(res))
    else:
        truth = label_reps(labels)
        assert len(match(all_reps(res), truth)) >= len(truth) - 1
        assert leg_problems(labels, res) == []


@pytest.mark.parametrize("exercise,rate,seed", cases(STRUCTURE_SEEDS, STRUCTURE_XFAILS))
def test_reps_are_well_formed_and_only_inside_sets(exercise, rate, seed):
    labels, res = case(exercise, rate, seed)
    assert structural_problems(res) == []
    spans = [(st["start"] - 1.0, st["end"] + 1.0) for st in labels["sets"]]
    outside = [r for r in all_reps(res) if not any(a <= r["start"] and r["end"] <= b for a, b in spans)]
    assert outside == [], f"reps outside every labelled set (±1 s): {outside}"
    on_off = forbidden_spans(labels, distractors=False)
    assert [(r["start"], s["kind"]) for r in all_reps(res) for s in on_off if overlap(r, s) > 0] == []


def reps_in_phone_reaches(seeds, kinds=("phone",), **kw) -> tuple[int, list[tuple[int, float]]]:
    """Over the short sessions of ``seeds`` whose rest has a reach for the phone (or another
    distractor of ``kinds``): how many there are, and (seed, start) of every rep counted
    during one."""
    counted, sessions = [], 0
    for seed in seeds:
        _, _, labels = session(seed=seed, **kw)
        phones = [d for d in labels["distractors"] if d["kind"] in kinds]
        if not phones:
            continue
        sessions += 1
        counted += [(seed, r["start"]) for r in all_reps(analysed(seed=seed, **kw)) for d in phones if overlap(r, d) > 0]
    return sessions, counted


def test_prone_reaching_for_the_phone_is_not_a_rep():
    """Prone at 10 samples/s with a noisy cell, seeds 1-130: the lean moves the load sideways
    and headward like a tilted, arched rep, but barely lifts the body (before this was told
    apart, 6 reaches were counted)."""
    sessions, counted = reps_in_phone_reaches(range(1, 131), exercise="prone", rate_hz=10, noise="high")
    assert sessions >= 20 and counted == []


def test_prone_a_reach_in_a_short_rest_is_no_rep_though_the_next_set_follows_soon():
    """Prone with 5-8 s rests between three sets (seeds 1-24, 80 samples/s): which leg works
    is not known lying prone, so the set goes on as long as reps follow soon, and the next
    set's first rep 3 s after a reach made it one of the set's reps (5 were counted in these
    sessions).  Leaning forward with no leg clearly lifted is none, whatever follows."""
    sessions, counted = reps_in_phone_reaches(range(1, 25), exercise="prone", rate_hz=80, sets=3)
    assert sessions >= 5 and counted == [], counted


def test_standing_reaching_for_the_phone_is_not_a_rep():
    """Standing, seeds 1-200: the reach leans the torso forward and to the side; a rep keeps it
    upright. Before this was told apart, 8 reps were counted in the reaches of 7 of the 43
    sessions, and 3 in 2 sessions still were when this test was written (the lean within the
    forward margin); later changes to the standing analysis left none."""
    sessions, counted = reps_in_phone_reaches(range(1, 201), exercise="standing")
    assert sessions >= 30 and counted == [], counted


def test_quadruped_a_hand_lifted_or_a_reach_in_a_short_rest_is_no_rep_of_either_set():
    """On all fours with 5-8 s rests between three sets (seeds 3-13): a hand lifted or a reach
    for the phone 1-2 s after a set's last rep, and the next set (the other leg) 3 s after it.
    Unlike a rep, it was held, and counted as the last set's when a rep followed at once; but
    that rep began the other leg's set, so the movement was between sets.  Before this was
    told, 8 were counted in 6 of these sessions; every labelled rep still is."""
    kw = dict(exercise="quadruped", rate_hz=80, sets=3)
    sessions, counted = reps_in_phone_reaches(range(3, 14), kinds=("phone", "hand"), **kw)
    assert sessions >= 8 and counted == [], counted
    for seed in range(3, 14):
        reps, truth = found_and_labelled(seed=seed, **kw)
        assert len(match(reps, truth)) == len(truth), seed


@pytest.mark.parametrize("seed", [2, 31, 40])
def test_quadruped_a_set_soon_after_a_shift_with_reps_back_toward_the_old_place_counts(seed):
    """On all fours with 5-8 s rests: a shift of 4-5 cm, and the next set 3-4 s after it, its
    reps moving the weight back toward where the body was before.  Measured from there, the
    reps were inside out (the pauses between them taken for tops) and the whole set was lost.
    The force shows the body falling as each left: rest is where it paused, and all but the
    set's first two reps count."""
    kw = dict(exercise="quadruped", seed=seed, rate_hz=80, sets=3)
    labels = session(**kw)[2]
    reps = all_reps(analysed(**kw))
    shifts = [d["end"] for d in labels["distractors"] if d["kind"] == "shift"]
    after = [st for st in labels["sets"] if any(0 < st["start"] - t < 12 for t in shifts)]
    assert after
    for st in after:
        assert len(match(reps, st["reps"])) >= len(st["reps"]) - 2, st["start"]


@pytest.mark.parametrize("rate,seed", [(10, 4), (10, 36), (80, 4)])
def test_standing_sway_after_a_set_is_no_rep(rate, seed):
    """After a set the weight goes back onto both feet, a little beside where the body stood
    before it, and sways there; measured from the old place the sway looks like small reps
    (7, 6 and 6 of them in these sessions when nothing rules them out).  None goes the way
    over a stance foot that this person's reps go, so none counts, and every rep still does."""
    kw = dict(exercise="standing", seed=seed, rate_hz=rate, sets=2, rest_s=(20.0, 30.0))
    labels = session(**kw)[2]
    reps, truth = all_reps(analysed(**kw)), label_reps(labels)
    assert [r for r in reps if not any(overlap(r, lr) > 0 for lr in truth)] == []
    assert len(match(reps, truth)) == len(truth)


@pytest.mark.parametrize("rate", [10, 80])
@pytest.mark.parametrize("seed", [25, 55])
def test_standing_a_reach_over_the_other_foot_after_a_set_is_no_rep(rate, seed):
    """A reach for the phone right after a set, within a set gap, goes toward the foot the
    set's leg worked from, not the way over the stance foot that leg's reps go: short of
    it, it is no rep of that leg (counted as a tilted one here before), and every rep still
    counts."""
    kw = dict(exercise="standing", seed=seed, rate_hz=rate, sets=3)
    reps, truth = found_and_labelled(**kw)
    assert [r for r in reps if not any(overlap(r, lr) > 0 for lr in truth)] == []
    assert len(match(reps, truth)) == len(truth)


@pytest.mark.parametrize("rate", [10, 80])
@pytest.mark.parametrize("seed", [36, 46])
def test_standing_a_step_aside_after_a_set_is_no_rep(rate, seed):
    """A step aside a few seconds after a set, within a set gap, was counted as one more rep
    of the set.  It rises from both feet, as no rep in a set does (the weight stays on the
    stance foot from rep to rep), so it needs a rep after it to count, as a set's first does."""
    kw = dict(exercise="standing", seed=seed, rate_hz=rate, sets=3)
    reps, labels = all_reps(analysed(**kw)), session(**kw)[2]
    assert [r for r in reps for d in labels["distractors"] if overlap(r, d) > 0] == []
    assert_each_rep_counted_once(**kw)


@pytest.mark.parametrize("rate", [10, 80])
def test_standing_a_rep_soon_after_the_last_from_a_shelf_near_rest_still_counts(rate):
    """Seed 38, three sets: in the third set the segmenter came to rest between every two
    reps (the stance foot lay near where rest was taken).  A rep from rest under 2 s after
    the last is still the set going on, not a new start that needs the next rep to confirm
    it: the set's last rep was lost when every movement from rest after a rep needed one."""
    reps, truth = found_and_labelled(exercise="standing", seed=38, rate_hz=rate, sets=3)
    assert len(match(reps, truth)) == len(truth)


@pytest.mark.parametrize("rate", [10, 80])
@pytest.mark.parametrize("seed", [40, 59])
def test_standing_a_long_hold_swayed_down_is_one_rep(rate, seed):
    """Half the reps held 3-6 s on one leg, where the body sways the most: a hold whose
    farthest point came late had its shelf taken in the hold, and a sway dip below it split
    the rep (2 extra reps in each of these sessions).  Measured against where the set's
    reps rose from, the dip stays high in the hold, and each rep counts once."""
    kw = dict(exercise="standing", seed=seed, rate_hz=rate, long_hold_rate=0.5, reps=(8, 10))
    assert_each_rep_counted_once(**kw)


@pytest.mark.parametrize("seed,rate", [(33, 80), (39, 10), (39, 80)])
def test_standing_fast_reps_after_tilted_ones_count(seed, rate):
    """Fast reps, half of them tilted: a rep that shifts less than the one before it (in
    seed 39 tilted toward the leg after one tilted away) rose by less than a third of that
    one while it was still coming down, and merged into it (one rep lost in each of these
    sessions).  The set's typical rep says how far the next must rise."""
    kw = dict(exercise="standing", seed=seed, rate_hz=rate, tempo="fast", tilt_rate=0.5, reps=(10, 12))
    assert_each_rep_counted_once(**kw)


@pytest.mark.parametrize("rate", [10, 80])
def test_standing_fast_reps_the_sway_ran_together_are_split_where_the_trunk_shows_a_lift(rate):
    """Seed 14 at the fast tempo: the sway on one leg kept the CoM from coming half way back
    between two clean reps, and they were one movement (one rep lost at either rate).  The
    CoP's departure from the CoM front to back marks the second rep's lift at the dip."""
    assert_each_rep_counted_once(exercise="standing", seed=14, rate_hz=rate, tempo="fast")


@pytest.mark.parametrize("seed,rate", [(8, 10), (8, 80), (22, 10)])
def test_a_tilted_second_rep_still_counts(seed, rate):
    """The set's second rep tilted toward the leg, so its own shift is unlike a rep's, while
    the first still waited for a rep to confirm it: in the middle of a set such a movement
    is held and counts if the set goes on, but here it was dropped (one rep lost in each).
    A first rep waiting for confirmation is a set that may be under way."""
    kw = dict(exercise="standing", seed=seed, rate_hz=rate)
    reps, truth = found_and_labelled(**kw)
    pairs = match(reps, truth)
    assert len(pairs) == len(truth) == len(reps)
    assert truth[1]["tilt"] and reps[pairs[1]]["tilt"]


@pytest.mark.parametrize("rate", [10, 80])
def test_standing_a_set_that_ends_with_a_rep_tilted_toward_the_leg_counts_it(rate):
    """Seed 39 (half the reps tilted): the set's last rep tilted toward the working leg,
    which cancels its own sideways shift, so it was held as mid-set and then dropped,
    as no rep came after it.  Its top went the whole way over the stance foot as the
    set's reps do: it counts, flagged with its side."""
    kw = dict(exercise="standing", seed=39, rate_hz=rate, tilt_rate=0.5)
    reps, truth = found_and_labelled(**kw)
    pairs = match(reps, truth)
    assert len(pairs) == len(truth) == len(reps)
    assert truth[-1]["tilt_side"] == truth[-1]["leg"] == reps[pairs[len(truth) - 1]]["tilt_side"]


def test_a_recording_that_stops_soon_after_a_held_last_rep_still_counts_it():
    """The same set, the recording stopped 4 s after its last rep (the set had not yet been
    seen to end): the held rep was left undecided at the end of the stream, and lost."""
    kw = dict(exercise="standing", seed=39, rate_hz=80, tilt_rate=0.5)
    info, frames, labels = session(**kw)
    truth = label_reps(labels)
    cut = truth[-1]["end"] + 4.0
    reps = all_reps(analyze_frames(info, [f for f in frames if f.t <= cut], exercise="standing"))
    assert len(match(reps, truth)) == len(truth) == len(reps)


def test_standing_a_set_begun_right_after_the_weight_shift_counts_from_its_first_rep():
    """Seed 23 (80 SPS, tilted reps): the weight went onto the stance foot, paused, and the
    first rep rose fast; the rep rose from the pause, but the lowest point before its top lay
    on the shift's ramp, and the set's first 3 reps merged into one movement, unlike a rep."""
    kw = dict(exercise="standing", seed=23, rate_hz=80, tilt_rate=0.5)
    assert_each_rep_counted_once(**kw)


@pytest.mark.parametrize("seed,least", [(12, 12), (36, 13)])
def test_standing_reps_from_over_the_stance_foot_count(seed, least):
    """Sets begun with the weight most of the way over the stance foot: some reps shift the
    load sideways by under a centimetre of their own (2 and 1 of them were lost here when
    every rep had to).  Their tops are over the stance foot as this person's reps go, so
    they count."""
    kw = dict(exercise="standing", seed=seed, rate_hz=80, sets=2)
    reps, truth = found_and_labelled(**kw)
    assert len(match(reps, truth)) >= least
    assert len(reps) == len(match(reps, truth))


@pytest.mark.parametrize("rate", [10, 80])
@pytest.mark.parametrize("seed,sets", [(46, 3), (71, 2)])
def test_standing_legs_switched_after_a_short_rest(rate, seed, sets):
    """Standing, the weight goes over the stance foot before the set, so a rep's own shift
    may be a small part of the way; the leg is told by the whole way.  After rests shorter
    than a set gap the other leg's set is its own (these sessions counted it, or most of
    it, as reps of the leg before when the rep's own shift told the leg)."""
    kw = dict(exercise="standing", seed=seed, rate_hz=rate, sets=sets)
    labels, res = session(**kw)[2], analysed(**kw)
    assert leg_problems(labels, res) == []
    assert [st["leg"] for st in res["sets"]] == [st["leg"] for st in labels["sets"]]
    assert count_problems(labels, res) == []


@pytest.mark.parametrize("leg", ["left", "right"])
def test_prone_takes_the_leg_the_user_named(leg):
    res = analysed(leg=leg, exercise="prone", seed=1)
    reps = all_reps(res)
    assert reps and all(r["leg"] == leg for r in reps)
    assert all(st["leg"] == leg for st in res["sets"])


def test_two_sets_switching_legs():
    """Quadruped, two sets: the second set's reps are of the other leg and start a new set."""
    kw = dict(exercise="quadruped", seed=7, sets=2)
    info, frames, labels = session(**kw)
    res = analysed(**kw)
    legs_true = [st["leg"] for st in labels["sets"]]
    assert legs_true[0] != legs_true[1]
    assert count_problems(labels, res) == []
    assert leg_problems(labels, res) == []
    assert [st["leg"] for st in res["sets"]][0] == legs_true[0]
    assert [st["leg"] for st in res["sets"]][-1] == legs_true[1]
    for st in res["sets"]:
        assert all(r["leg"] == st["leg"] for r in st["reps"])

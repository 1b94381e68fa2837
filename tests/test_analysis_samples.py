"""The shared sample recordings (an independent generator): the labelled reps are found.

Thresholds are what the physics makes achievable on these recordings (reps of a leg
lifted for about a second move the centre of pressure by centimetres, far above the
sensor noise), not what the code happens to reach today.
"""

from __future__ import annotations

import json

import pytest

from device.analysis.pipeline import analyze_frames
from device.recording import read_recording

from test_analysis_common import all_reps, forbidden_spans, label_reps, match, overlap, structural_problems

_cache: dict = {}


def analysed_sample(shared_data, name):
    if name not in _cache:
        rec = read_recording(shared_data / f"sample-{name}.csv")
        labels = json.loads((shared_data / f"sample-{name}.labels.json").read_text())
        _cache[name] = (rec, labels, analyze_frames(rec.info, rec.frames, exercise=rec.info.exercise))
    return _cache[name]


SAMPLES = [
    pytest.param("quadruped", 0.9, id="quadruped"),
    pytest.param("prone-10sps", 0.9, id="prone-10sps"),
    pytest.param("standing-noisy", 0.8, id="standing-noisy"),
]


@pytest.mark.parametrize("name,share", SAMPLES)
def test_labelled_reps_are_found_one_to_one(shared_data, name, share):
    rec, labels, res = analysed_sample(shared_data, name)
    truth, found = label_reps(labels), all_reps(res)
    pairs = match(found, truth)
    assert len(pairs) >= share * len(truth), f"{len(pairs)} of {len(truth)} matched"
    extra = len(found) - len(pairs)
    assert extra <= max(1, 0.05 * len(truth)), f"{extra} reps found that match no labelled rep"


@pytest.mark.parametrize("name", ["quadruped", "standing-noisy"])
def test_legs_right_on_matched_reps(shared_data, name):
    rec, labels, res = analysed_sample(shared_data, name)
    truth, found = label_reps(labels), all_reps(res)
    pairs = match(found, truth)
    assert pairs
    wrong = [(truth[i]["start"], found[j]["leg"], truth[i]["leg"]) for i, j in pairs.items()
             if found[j]["leg"] != truth[i]["leg"]]
    assert len(wrong) <= 0.05 * len(pairs), wrong


def test_prone_leg_is_not_guessed(shared_data):
    rec, labels, res = analysed_sample(shared_data, "prone-10sps")
    assert all(r["leg"] is None for r in all_reps(res))


@pytest.mark.parametrize("name", ["quadruped", "prone-10sps", "standing-noisy"])
def test_nothing_counted_in_distractors_or_getting_on_and_off(shared_data, name):
    rec, labels, res = analysed_sample(shared_data, name)
    truth, found = label_reps(labels), all_reps(res)
    matched = set(match(found, truth).values())
    bad = [(r["start"], r["end"], s["kind"]) for j, r in enumerate(found) if j not in matched
           for s in forbidden_spans(labels) if overlap(r, s) > 0]
    assert bad == []
    # and no rep at all overlaps getting on or off
    assert [r["start"] for r in found for s in forbidden_spans(labels, distractors=False) if overlap(r, s) > 0] == []


@pytest.mark.parametrize("name", ["quadruped", "prone-10sps", "standing-noisy"])
def test_result_is_well_formed(shared_data, name):
    rec, labels, res = analysed_sample(shared_data, name)
    assert structural_problems(res) == []
    assert res["frames"] == len(rec.frames)
    assert res["exercise"] == labels["exercise"]


@pytest.mark.parametrize("name", ["quadruped", "standing-noisy"])
def test_glitch_count_matches_the_labels(shared_data, name):
    rec, labels, res = analysed_sample(shared_data, name)
    n = labels["glitches"]
    assert abs(res["glitches"] - n) <= max(1, 0.1 * n), (res["glitches"], n)


def test_glitch_count_matches_the_labels_at_10sps(shared_data):
    rec, labels, res = analysed_sample(shared_data, "prone-10sps")
    n = labels["glitches"]
    assert abs(res["glitches"] - n) <= max(1, 0.1 * n), (res["glitches"], n)

"""Shared helpers for the analysis tests (test_analysis_*.py).

Simulated sessions are short (one or two sets of 6-8 reps) and cached, so the
whole analysis suite stays fast.  Everything here is plain functions; the few
checks at the bottom make sure the helpers themselves mean what they say.
"""

from __future__ import annotations

import functools
import math

from device.analysis.evaluate import match, overlap  # noqa: F401  (re-exported for the other test files)
from device.analysis.pipeline import Analyzer, analyze_frames
from device.frames import Frame
from device.sim import SessionSpec, simulate
from device.store.store import REVISED_FIELDS

SHORT = dict(sets=1, reps=(6, 8), rest_s=(5.0, 8.0))


@functools.lru_cache(maxsize=64)
def session(**kw):
    """(info, frames as a tuple of Frame, labels) of a short simulated session."""
    spec = SessionSpec(**{**SHORT, **kw})
    info, arr, labels = simulate(spec)
    frames = tuple(Frame(*map(float, row)) for row in arr)
    return info, frames, labels


@functools.lru_cache(maxsize=64)
def _analysed(as_exercise, leg, **kw):
    info, frames, labels = session(**kw)
    ex = as_exercise if as_exercise is not None else kw.get("exercise", "quadruped")
    return analyze_frames(info, frames, exercise=ex, leg=leg)


def analysed(as_exercise=None, leg=None, **kw):
    """The SPEC section 3 result of a short simulated session (``kw`` as for SessionSpec).

    The analysis is told the simulated exercise unless ``as_exercise`` says otherwise.
    """
    return _analysed(as_exercise, leg, **kw)


def all_reps(result: dict) -> list[dict]:
    return [r for st in result["sets"] for r in st["reps"]]


def label_reps(labels: dict) -> list[dict]:
    return [r for st in labels["sets"] for r in st["reps"]]


def forbidden_spans(labels: dict, distractors: bool = True) -> list[dict]:
    """Getting on, getting off and (optionally) the labelled distractors."""
    spans = []
    for key in ("on", "off"):
        if labels.get(key):
            spans.append({"start": labels[key][0], "end": labels[key][1], "kind": key})
    if distractors:
        spans += [{"start": d["start"], "end": d["end"], "kind": d["kind"]} for d in labels.get("distractors", [])]
    return spans


def rep_events(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] == "rep"]


def as_revised(events: list[dict]) -> list[dict]:
    """The ``rep`` events, each with the ``rep_revised`` that came for it applied."""
    reps = {(e["set"], e["count"]): dict(e) for e in events if e["type"] == "rep"}
    for e in events:
        if e["type"] == "rep_revised":
            reps[(e["set"], e["count"])].update({k: e[k] for k in REVISED_FIELDS})
    return list(reps.values())


def strip_event(e: dict) -> dict:
    """A live rep event without its event-only fields: the rep object of SPEC section 3."""
    return {k: v for k, v in e.items() if k not in ("type", "t", "set", "count")}


def run_live(info, frames, **kw) -> tuple[Analyzer, list[dict]]:
    a = Analyzer(info, **kw)
    events: list[dict] = []
    for f in frames:
        events += a.feed(f)
    events += a.finish()
    return a, events


def structural_problems(result: dict) -> list[str]:
    """What is wrong with a result's reps as objects, whatever the data (empty list: nothing)."""
    bad = []
    reps = all_reps(result)
    for r in reps:
        if not r["start"] < r["end"]:
            bad.append(f"start {r['start']} not before end {r['end']}")
        for k in ("lift_s", "hold_s", "lower_s"):
            if not (math.isfinite(r[k]) and r[k] >= 0):
                bad.append(f"{k} = {r[k]} in rep {r['start']}-{r['end']}")
        total = r["lift_s"] + r["hold_s"] + r["lower_s"]
        if abs(total - (r["end"] - r["start"])) > 0.005:
            bad.append(f"phases sum to {total:.4f}, rep lasts {r['end'] - r['start']:.4f} ({r['start']})")
    for a, b in zip(reps, reps[1:]):
        if b["start"] < a["end"]:
            bad.append(f"reps overlap or out of order: {a['start']}-{a['end']} then {b['start']}-{b['end']}")
    if result["reps_total"] != len(reps):
        bad.append(f"reps_total {result['reps_total']} != {len(reps)} reps in sets")
    return bad


def test_match_pairs_one_to_one_by_overlap():
    truth = [{"start": 0.0, "end": 2.0}, {"start": 3.0, "end": 5.0}]
    found = [{"start": 0.1, "end": 2.1}, {"start": 2.2, "end": 2.9}, {"start": 3.5, "end": 5.0}]
    assert match(found, truth) == {0: 0, 1: 2}
    # a found rep can match one labelled rep only
    assert match([{"start": 0.0, "end": 5.0}], truth) == {0: 0}


def test_structural_problems_sees_overlap_and_bad_phases():
    ok = {"start": 1.0, "end": 3.0, "lift_s": 0.5, "hold_s": 1.0, "lower_s": 0.5}
    res = {"reps_total": 1, "sets": [{"reps": [ok]}]}
    assert structural_problems(res) == []
    bad = {"start": 2.5, "end": 4.0, "lift_s": 0.5, "hold_s": -0.1, "lower_s": 0.5}
    assert len(structural_problems({"reps_total": 2, "sets": [{"reps": [ok, bad]}]})) >= 3

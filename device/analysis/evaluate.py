"""Compare an analysis result (SPEC section 3) with ground-truth labels.

Used by the accuracy benchmark and the tests; the labels are those of
``smartmat simulate`` and of ../shared/data (same structure).  Reps are
matched one to one by overlap in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def overlap(a: dict, b: dict) -> float:
    return max(0.0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def match(found: list[dict], truth: list[dict], share: float = 0.3) -> dict[int, int]:
    """Labelled rep index -> found rep index, one to one, by largest overlap (>= share of the label)."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for i, lr in enumerate(truth):
        best, best_ov = None, 0.0
        for j, fr in enumerate(found):
            if j in used:
                continue
            ov = overlap(lr, fr)
            if ov > best_ov:
                best, best_ov = j, ov
        if best is not None and best_ov >= share * (lr["end"] - lr["start"]):
            pairs[i] = best
            used.add(best)
    return pairs


@dataclass
class Score:
    sets: int = 0
    sets_exact: int = 0
    sets_within1: int = 0
    legs_known: int = 0
    legs_right: int = 0
    tp: dict = field(default_factory=lambda: {"tilt": 0, "momentum": 0, "arch": 0})
    fp: dict = field(default_factory=lambda: {"tilt": 0, "momentum": 0, "arch": 0})
    fn: dict = field(default_factory=lambda: {"tilt": 0, "momentum": 0, "arch": 0})
    phase_err: dict = field(default_factory=lambda: {"lift_s": [], "hold_s": [], "lower_s": []})
    matched: int = 0
    missed: int = 0
    extra: int = 0
    sessions: int = 0
    sessions_clean: int = 0   # no rep counted from a distractor or getting on/off

    def add(self, other: "Score") -> None:
        for k in ("sets", "sets_exact", "sets_within1", "legs_known", "legs_right", "matched", "missed",
                  "extra", "sessions", "sessions_clean"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for d in ("tp", "fp", "fn"):
            for k, v in getattr(other, d).items():
                getattr(self, d)[k] += v
        for k, v in other.phase_err.items():
            self.phase_err[k] += v


def evaluate(result: dict, labels: dict) -> Score:
    sc = Score(sessions=1)
    found = [r for st in result["sets"] for r in st["reps"]]
    truth = [r for st in labels["sets"] for r in st["reps"]]
    pairs = match(found, truth)
    used = set(pairs.values())
    sc.matched = len(pairs)
    sc.missed = len(truth) - len(pairs)
    sc.extra = len(found) - len(used)
    # Sets: compare each labelled set's count with the reps found inside its span.
    for st in labels["sets"]:
        n_true = len(st["reps"])
        n_found = sum(1 for r in found if r["start"] < st["end"] + 1.0 and r["end"] > st["start"] - 1.0)
        sc.sets += 1
        sc.sets_exact += n_found == n_true
        sc.sets_within1 += abs(n_found - n_true) <= 1
    for i, j in pairs.items():
        lr, fr = truth[i], found[j]
        if fr["leg"] is not None or labels.get("exercise") != "prone":
            sc.legs_known += 1
            sc.legs_right += fr["leg"] == lr["leg"]
        for k in ("tilt", "momentum", "arch"):
            t, f = bool(lr.get(k)), bool(fr.get(k))
            if k == "tilt" and t and f and lr.get("tilt_side") != fr.get("tilt_side"):
                f = False  # the wrong side is a miss
            sc.tp[k] += t and f
            sc.fp[k] += f and not t
            sc.fn[k] += t and not f
        if not lr.get("momentum"):
            for k in ("lift_s", "hold_s", "lower_s"):
                sc.phase_err[k].append(abs(fr[k] - lr[k]))
    bad = [dict(start=d["start"], end=d["end"]) for d in labels.get("distractors", [])]
    for key in ("on", "off"):
        if labels.get(key):
            bad.append(dict(start=labels[key][0], end=labels[key][1]))
    unmatched = [found[j] for j in range(len(found)) if j not in used]
    sc.sessions_clean = int(not any(overlap(r, b) > 0 for r in unmatched for b in bad))
    return sc


def pr(sc: Score, k: str) -> tuple[float | None, float | None]:
    tp, fp, fn = sc.tp[k], sc.fp[k], sc.fn[k]
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    return p, r


def median(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    return s[len(s) // 2]

"""Which excursions are reps, of which leg, and with which faults.

The physics per exercise (SPEC.md section 1 axes; x toward the user's right,
y toward the head):

- quadruped: the lifted knee leaves hands and the other knee to carry the
  body, so the load moves onto the supporting side (a left-leg rep moves the
  CoP right) and, as the leg swings back, a little toward the feet.
- standing: the whole body moves over the stance foot: a large sideways
  shift away from the working leg.
- prone: the pelvis stays down and the leg turns about the hip; the load
  moves a little toward the head and hardly sideways.  Which leg rose is
  not observable from four corner loads in a clean prone rep, so the leg
  the user chose stands in (``None`` if they chose none): we do not guess.

A movement that does not fit the exercise (a hand lifted, kneeling back,
reaching out) is not a rep.
"""

from __future__ import annotations

from dataclasses import dataclass

from .measure import Measured

# Excursion shapes a rep may have, per exercise (metres).  Generous: they only
# keep out movements of another kind, they do not judge form.
#   tilt_m: sideways shift beyond the personal reference that is a hip tilt (a
#   standing body sways more between reps, so it needs a wider margin)
#   height_snr: how far above its noise the CoM rise must be to time the phases
#   (prone: the leg turns about the hip, so only the rise follows its angle
#   linearly; the CoP's forward shift goes with its square)
#   start: the CoP move that opens an excursion (above sway at rest)
#   min_amp / max_amp: size of the held shift
#   min_abs_dx: sideways part (a knee or foot leaving the mat moves the load sideways)
#   min_dy / max_dy: forward (+) or backward (-) part
#   min_rise: rise of the body's centre of mass (a leg going up raises it; a hand
#   lifted or a shift of weight hardly does; a rest mistaken for a top gives < 0)
SHAPES = {
    "quadruped": dict(tilt_m=0.011, height_snr=3.0, start=0.010, min_amp=0.015, max_amp=0.11, min_abs_dx=0.010,
                      min_dy=-0.06, max_dy=0.05, min_rise=0.007),
    "standing": dict(tilt_m=0.020, height_snr=3.0, start=0.018, min_amp=0.025, max_amp=0.14, min_abs_dx=0.015,
                     min_dy=-0.05, max_dy=0.06, min_rise=None),
    "prone": dict(tilt_m=0.012, height_snr=1.5, start=0.006, min_amp=0.008, max_amp=0.11, min_abs_dx=0.0,
                  min_dy=0.004, max_dy=0.12, min_rise=None),
}
MIN_DURATION, MAX_DURATION = 0.3, 12.0
REFERENCE_DY_M = 0.007   # a lone candidate within these of the reference is a rep at once
REFERENCE_DX_M = 0.010
# Momentum: a leg swung up or let drop accelerates at close to g, so the total
# load changes fast (the fling, the landing) and far.  Thresholds on the
# fastest change of the load (share of body weight per second) and its largest
# departure (share), per exercise, for detector streams at 20 samples/s (an
# 80 SPS sensor) and 10 samples/s (where the HX711's own averaging blunts the
# landing).  Calibrated on simulated development sessions (seeds 1000-1039).
MOMENTUM = {
    "prone": {20: (1.0, 0.12), 10: (0.7, 0.10)},
    "quadruped": {20: (2.0, 0.30), 10: (1.5, 0.15)},
    "standing": {20: (0.7, 0.06), 10: (0.3, 0.04)},
}
ARCH_MARGIN_M = 0.018   # prone: load toward the head beyond the reference


@dataclass
class Verdict:
    leg: str | None
    tilt: bool
    tilt_side: str | None
    tilt_m: float           # sideways shift beyond the reference, m
    momentum: bool
    arch: bool
    ai_peak: float


def held_like(exercise: str, dx: float, dy: float, amp: float) -> bool:
    """Could a shift held like this be the top of a rep of ``exercise``?"""
    shape = SHAPES[exercise]
    return (shape["min_amp"] <= amp <= shape["max_amp"] and abs(dx) >= shape["min_abs_dx"]
            and shape["min_dy"] <= dy <= shape["max_dy"])


def clearly_not_held_rep(exercise: str, dx: float, dy: float, amp: float) -> bool:
    """Is a shift held for a while plainly no rep's top (kneeling back, reaching out)?

    Only plain evidence counts: too far, or forward/back beyond any rep.  A
    small shift is no evidence either way (a slow rep passes through it).
    """
    shape = SHAPES[exercise]
    slack = 0.005
    return amp > shape["max_amp"] or not shape["min_dy"] - slack <= dy <= shape["max_dy"] + slack


def rep_like(exercise: str, m: Measured) -> bool:
    if not MIN_DURATION <= m.end - m.start <= MAX_DURATION:
        return False
    rise = SHAPES[exercise]["min_rise"]
    # A knee leaving the mat lifts a leg (a sixth of the body) by a good part of
    # its length, raising the centre of mass by a centimetre or more; a hand
    # lifted or a shift of weight barely does.
    if rise is not None and m.rise < rise:
        return False
    return held_like(exercise, m.dx, m.dy, m.amplitude)


def like_reference(m: Measured, expected_dx: float | None, expected_dy: float | None, known: int) -> bool:
    """Does a rep candidate load the mat as this person's reps of that leg do?"""
    if expected_dx is None or expected_dy is None or known < 3:
        return False
    return (abs(m.dy - expected_dy) <= max(REFERENCE_DY_M, 0.3 * abs(expected_dy))
            and abs(m.dx - expected_dx) <= max(REFERENCE_DX_M, 0.3 * abs(expected_dx)))


def working_leg(exercise: str, m: Measured, chosen: str | None, set_leg: str | None,
                set_dx: float | None) -> str | None:
    """The raised leg: the load moves to the other side (quadruped, standing)."""
    if exercise == "prone":
        return chosen
    leg = "left" if m.dx > 0 else "right"
    # A rep of the current set's leg whose hips rolled toward the working side
    # can cancel the shift; it keeps the set's leg unless it clearly mirrors it.
    if set_leg and leg != set_leg and set_dx is not None and abs(m.dx) < 0.5 * abs(set_dx):
        return set_leg
    return leg


def judge(exercise: str, m: Measured, leg: str | None, expected_dx: float | None,
          expected_dy: float | None, width: float, tilt_margin_m: float, sample_rate: float) -> Verdict:
    tilt_m = 0.0 if expected_dx is None else m.dx - expected_dx
    tilt = abs(tilt_m) > tilt_margin_m
    side = ("right" if tilt_m > 0 else "left") if tilt else None
    # The AI at the rep's largest sideways departure from the reference.
    ref_ai = m.base_ai - 200.0 * (expected_dx or 0.0) / width
    ai_peak = max(m.ai_series, key=lambda ta: abs(ta[1] - ref_ai))[1] if m.ai_series else m.base_ai
    slope_max, dyn_max = MOMENTUM[exercise][20 if sample_rate > 15 else 10]
    momentum = m.slope > slope_max or m.dynamic > dyn_max
    arch = exercise == "prone" and expected_dy is not None and m.dy - expected_dy > ARCH_MARGIN_M
    return Verdict(leg, tilt, side, tilt_m, momentum, arch, ai_peak)

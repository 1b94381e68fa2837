"""Which movements are reps, of which leg, and with which faults.

The physics per exercise (SPEC.md section 1 axes; x toward the user's right,
y toward the head):

- quadruped: the lifted knee leaves hands and the other knee to carry the
  body, so the load moves onto the supporting side (a left-leg rep moves the
  CoP right) and, as the leg swings back, toward the feet.  The knee rising
  by a good part of a thigh's length lifts the body's centre of mass by
  centimetres (a leg is a sixth of the body); a hand lifted or a shift of
  weight barely does.
- standing: the whole body moves over the stance foot: a large sideways
  shift away from the working leg; the leg swinging back is answered by the
  trunk leaning a little forward.
- prone: the pelvis stays down and the leg turns about the hip; the load
  moves toward the head and hardly sideways, and the body's centre of mass
  rises by the leg's share of its lift.  Which leg rose is not observable
  from four corner loads in a clean prone rep, so the leg the user chose
  stands in (``None`` if they chose none): we do not guess.

A movement that does not fit the exercise (a hand lifted, reaching for the
phone, kneeling or propping back, shifting place) is not a rep.  The gates
below are generous: they only keep out movements of another kind, and do
not judge form.
"""

from __future__ import annotations

from dataclasses import dataclass

from .measure import Measured

# Shapes a rep may have, per exercise (metres):
#   start: the CoM move that opens a movement (above the resting sway)
#   min_side / max_side: |sideways| part of the shift at the top (standing, see rep_like)
#   min_dy / max_dy: forward (+) or backward (-) part
#   max_amp: the whole shift
#   min_height: rise of the body's centre of mass (the larger of the lift's rise and
#   the lower's fall); None where the leg's rise is too small to tell (standing)
#   side_over_forward: standing, the sideways part must be at least this share of
#   the forward one (the phone is reached for forward)
#   tilt_m: sideways shift beyond the personal reference that is a hip tilt
SHAPES = {
    "quadruped": dict(start=0.010, min_side=0.008, max_side=0.14, min_dy=-0.08, max_dy=0.02, max_amp=0.15,
                      min_height=0.010, side_over_forward=None, tilt_m=0.011),
    "standing": dict(start=0.010, min_side=0.012, max_side=0.16, min_dy=-0.03, max_dy=0.05, max_amp=0.17,
                     min_height=None, side_over_forward=0.6, tilt_m=0.020),
    "prone": dict(start=0.005, min_side=0.0, max_side=0.07, min_dy=0.004, max_dy=0.09, max_amp=0.10,
                  min_height=0.0045, side_over_forward=None, tilt_m=0.012),
}
MIN_DURATION, MAX_DURATION = 0.4, 16.0
RISE_DOUBT = 1.0   # standard errors of the measured rise given to a movement before it is too low
REFERENCE_DY_M = 0.007   # a lone candidate within these of the reference is a rep at once
REFERENCE_DX_M = 0.010
ARCH_MARGIN_M = 0.018    # prone: load toward the head beyond the reference
PRONE_LIFT_M = 0.008     # prone: a leg (a sixth of the body) lifted clearly raises its centre of mass this much
ARCHED_LIFT_M = 0.02     # prone: an arched rep (leg raised high, lumbar extended) lifts the body at least this
STANCE_SHARE = 0.3       # standing: a rep's top is at least this share of the way to where this person's reps go
STANCE_MIN_M = 0.012     # a reference way over the stance foot shorter than this says nothing of it
STANDING_LEAN_M = 0.025  # standing: the load this far toward the toes beyond the reference is a lean forward
# Momentum: a leg swung up or let drop moves far faster than a controlled one.
# Either phase taking under FAST_PHASE_S is ballistic, if the force shows the
# leg moving that fast (FAST_SEEN: a fit can also latch onto a noise spike);
# and the force shows how hard the leg accelerated (F - W = m_leg a_leg, so a
# departure of 0.16 body weights is a leg accelerating at about g).  The largest departure within the
# lift and within the lower (body weights) that a controlled rep stays under,
# per exercise, for the detector's 20 samples/s (an 80 samples/s sensor) and
# 10 samples/s (where one conversion averages a landing over 0.1 s).
# Calibrated on simulated development sessions (seeds 1000-1059).
FAST_PHASE_S = 0.5
FAST_SEEN = 0.02
# Where one conversion blurs the phases, per (exercise, detector rate): (lift under s,
# with its force beyond, lower under s, with its force beyond).  Standing at 10
# samples/s a swing's lift fits up to 0.55 s (its sharp start smeared over a
# conversion) and a dropped leg's landing is averaged down to a small force.
# Dev standing 10 SPS, seeds 1400-1799 (tuned on 1000-1399): recall 0.803 -> 0.864,
# precision 0.862 -> 0.866.
FAST = {("standing", 10): (0.55, 0.03, FAST_PHASE_S, 0.01)}
MOMENTUM = {
    "quadruped": {20: (0.20, 0.12), 10: (0.15, 0.15)},
    "prone": {20: (0.15, 0.08), 10: (0.10, 0.12)},
    "standing": {20: (0.10, 0.05), 10: (0.15, 0.20)},
}


@dataclass
class Verdict:
    leg: str | None
    tilt: bool
    tilt_side: str | None
    tilt_m: float           # sideways shift beyond the reference, m
    momentum: bool
    arch: bool
    ai_peak: float


def height(m: Measured) -> float:
    """How far the body's centre of mass rose or fell with the leg (m): the larger of the two
    fits, since a leg swung up or let drop spoils the smooth fit of one of them."""
    return max(m.rise, m.drop)


def leaned_not_lifted(m: Measured, expected_dy: float) -> bool:
    """Prone: the load went toward the head (beyond the reference) more than the body rose.

    Leaning forward on the forearms, as to reach for a phone, moves the load
    headward with barely any lift; the rep whose load goes that far headward
    is the arched one, and it lifts the body clearly.
    """
    forward, lift = m.dy - expected_dy, height(m)
    return forward > max(0.5 * ARCH_MARGIN_M, 1.5 * lift) and lift < ARCHED_LIFT_M


def reached_out(exercise: str, m: Measured, expected_dx: float, expected_dy: float, tilt_margin_m: float) -> bool:
    """A reach (for the phone, say) rather than a rep: the load went sideways beyond the
    reference and forward as no rep of this person's takes it.

    Prone, forward further than the body rose (:func:`leaned_not_lifted`);
    standing, the torso leaned forward, which a rep with the torso upright, as
    the guide asks, does not.
    """
    fx, fy = form_shift(exercise, m)
    if abs(fx - expected_dx) <= tilt_margin_m:
        return False
    if exercise == "prone":
        return leaned_not_lifted(m, expected_dy)
    return exercise == "standing" and fy - expected_dy > STANDING_LEAN_M


def over_stance(exercise: str, m: Measured, ways: list[float | None]) -> bool | None:
    """Standing: did the top go over a stance foot, as this person's reps of some leg do?

    On one leg the body's centre of mass must be over the stance foot, and a
    rep of that leg takes it there, the whole way from where the body stood
    before the set (:func:`form_shift`); a tilt moves it by a couple of
    centimetres either way.  ``ways`` are the reference's whole-way sideways
    shifts, one per leg that may be working.  A top that went less than
    ``STANCE_SHARE`` of each, or to the other side, left both feet on the mat:
    sway after the weight went back onto both feet, or a reach.  ``None``
    where it cannot tell: not standing, or a way unknown (or too short to say).
    """
    if exercise != "standing" or any(w is None or abs(w) < STANCE_MIN_M for w in ways):
        return None
    return any(form_shift(exercise, m)[0] / w >= STANCE_SHARE for w in ways)


def shaped_like(exercise: str, dx: float, dy: float, min_side: float | None = None) -> bool:
    """Could a shift at the top like this be a rep of ``exercise``?"""
    s = SHAPES[exercise]
    side = abs(dx)
    low = s["min_side"] if min_side is None else min_side
    if not (low <= side <= s["max_side"] and s["min_dy"] <= dy <= s["max_dy"]):
        return False
    if (dx * dx + dy * dy) ** 0.5 > s["max_amp"]:
        return False
    ratio = s["side_over_forward"]
    return ratio is None or dy <= 0 or side >= ratio * dy


def rep_like(exercise: str, m: Measured, over_stance: bool = False) -> bool:
    """Has ``m`` a rep's duration, rise and shape?

    ``over_stance``: standing, the top is known to be over a stance foot
    (:func:`over_stance`).  The rep's own sideways shift then need not be any
    size: the weight may be over the stance foot from the set's start, by a
    share that differs from set to set, and a tilt toward the working leg can
    take up the rest.  Until that way is known, the own shift is all there is
    to tell a rep from sway.
    """
    if not MIN_DURATION <= m.end - m.start <= MAX_DURATION:
        return False
    need = SHAPES[exercise]["min_height"]
    # Too little rise is evidence only where the force could have shown more: a light
    # person's leg lifted slowly on a noisy mat may rise within the noise.
    if need is not None and height(m) + RISE_DOUBT * m.rise_error < need:
        return False
    return shaped_like(exercise, m.dx, m.dy, 0.0 if over_stance else None)


def inside_out(exercise: str, m: Measured) -> bool:
    """Did the body's centre of mass fall as ``m`` left and rise as it came back?  Clearly
    (by a rep's least rise, less one standard error) one way, and at all the other (a
    fit may latch onto noise at one end).  A rep measured from its top, or sitting back.
    Not standing, where the leg's rise is too small to tell."""
    need = SHAPES[exercise]["min_height"]
    if need is None:
        return False
    doubt = RISE_DOUBT * m.rise_error
    return min(m.rise, m.drop) + doubt < -need and max(m.rise, m.drop) + doubt < 0.0


def could_be_rep(exercise: str, m: Measured) -> bool:
    """Might this be a rep after all, if it came in the middle of a set?  A leg swayed or tilted
    can look unlike one; kneeling or sitting back (the body's centre of mass goes down), or a
    movement far beyond any rep's size, cannot be one."""
    if not MIN_DURATION <= m.end - m.start <= MAX_DURATION:
        return False
    s = SHAPES[exercise]
    return height(m) > -0.02 and m.amplitude <= s["max_amp"] and m.amplitude >= s["start"] and m.dy >= s["min_dy"]


def like_reference(exercise: str, m: Measured, expected_dx: float | None, expected_dy: float | None,
                   known: int) -> bool:
    """Does a rep candidate load the mat as this person's reps of that leg do?"""
    if expected_dx is None or expected_dy is None or known < 3:
        return False
    dx, dy = form_shift(exercise, m)
    return (abs(dy - expected_dy) <= max(REFERENCE_DY_M, 0.3 * abs(expected_dy))
            and abs(dx - expected_dx) <= max(REFERENCE_DX_M, 0.3 * abs(expected_dx)))


def working_leg(exercise: str, m: Measured, chosen: str | None, set_leg: str | None,
                set_dx: float | None) -> str | None:
    """The raised leg: the load moves to the other side (quadruped, standing).

    ``set_dx`` is the set's leg's reference shift, in :func:`form_shift`'s
    terms, as the shift it is compared with: standing, the whole way over the
    stance foot, of which the rep's own shift may be a small part.
    """
    if exercise == "prone":
        return chosen
    dx = form_shift(exercise, m)[0]
    leg = "left" if dx > 0 else "right"
    # A rep of the current set's leg whose hips rolled toward the working side
    # can cancel the shift; it keeps the set's leg unless it clearly mirrors it.
    if set_leg and leg != set_leg and set_dx is not None and abs(dx) < 0.5 * abs(set_dx):
        return set_leg
    return leg


def swung_or_dropped(exercise: str, m: Measured, sample_rate: float) -> bool:
    rate = 20 if sample_rate > 15 else 10
    lift_peak, lower_peak = MOMENTUM[exercise][rate]
    lift_s, lift_seen, lower_s, lower_seen = FAST.get((exercise, rate), (FAST_PHASE_S, FAST_SEEN) * 2)
    fast = ((m.lift_s_fit < lift_s and m.lift_peak > lift_seen)
            or (m.lower_s_fit < lower_s and m.lower_peak > lower_seen))
    return fast or m.lift_peak > lift_peak or m.lower_peak > lower_peak


def form_shift(exercise: str, m: Measured) -> tuple[float, float]:
    """The shift a rep's form is judged by, against this person's reference.

    Standing, the weight shifts onto the stance foot before the set, by a share
    that differs from set to set, and each rep carries it the rest of the way.
    How far over the foot the body went (hips square or tilted) is the whole
    way, from where the body stood before the set.  Lying and kneeling, it is
    the rep's own shift.
    """
    if exercise == "standing":
        return m.dx_rest, m.dy_rest
    return m.dx, m.dy


def judge(exercise: str, m: Measured, leg: str | None, expected_dx: float | None,
          expected_dy: float | None, width: float, tilt_margin_m: float, sample_rate: float) -> Verdict:
    dx, dy = form_shift(exercise, m)
    tilt_m = 0.0 if expected_dx is None else dx - expected_dx
    tilt = abs(tilt_m) > tilt_margin_m
    side = ("right" if tilt_m > 0 else "left") if tilt else None
    # The AI at the rep's largest sideways departure from the reference.
    ref_ai = m.base_ai - 200.0 * (expected_dx or 0.0) / width
    ai_peak = max(m.ai_series, key=lambda ta: abs(ta[1] - ref_ai))[1] if m.ai_series else m.base_ai
    arch = exercise == "prone" and expected_dy is not None and dy - expected_dy > ARCH_MARGIN_M
    return Verdict(leg, tilt, side, tilt_m, swung_or_dropped(exercise, m, sample_rate), arch, ai_peak)

"""The Analyzer: frames in, events out (docs/events.md), and the SPEC section 3 result.

Pure and streaming: no I/O, no clock; every time comes from the frames.  Fed
frame by frame or in any chunks, the same frames give the same events, which
is what lets a recording replay to exactly the reps the live device counted.
"""

from __future__ import annotations

import math
from collections import deque

from ..config import AnalysisSettings
from ..frames import Frame, SourceInfo
from . import judge as J
from .coach import Coach
from .glitch import GlitchFilter
from .measure import Measured, measure
from .presence import EMPTY, READY, Presence
from .reference import Reference
from .segment import Movement, Segmenter
from .sets import SetTracker
from .signals import Averager, ComEstimator, Despiker, Sample
from .split import split

EXERCISES = ("prone", "quadruped", "standing")
FRAME_EVERY_S = 0.1
REF_WIDTH = 1.0   # the reference's cluster is this many tilt margins wide: tilted reps, a few cm off, must not join it
EARLY_REPS, EARLY_MARGIN = 5, 1.3   # a reference of fewer reps than this judges tilt with a wider margin
GIVE_UP_AFTER = 3  # movements in a row without rest, none a rep: rest is wherever the body is now
STANCE_KNOWN = 3   # reps (either leg's) before this person's way over the stance feet rules out movements short of it
RESTED_S = 2.0     # standing: back on both feet and onto the stance foot again takes longer than this
SANDWICH_S = 4.0   # a movement unlike a rep with reps this close before and after it is one (mid-set)
# Height of the body's centre of mass in each posture (m), for the CoM estimate:
# standing ~0.55 of stature; on hands and knees about hip height; lying, the
# thickness of the trunk.
COM_HEIGHT_M = {"standing": 0.95, "quadruped": 0.45, "prone": 0.12}
# How long a spike of the CoP may last and still be taken out (s).  Lying, the CoM
# estimate follows the CoP closely (it is low), so a leg landing hard would show
# through it unless the median is long; kneeling and standing, short rests
# between fast reps must survive it.
DESPIKE_S = {"prone": 0.45, "quadruped": 0.25, "standing": 0.25}


def _r(x: float, n: int = 3) -> float:
    return round(x, n)


class Analyzer:
    """Streaming analysis of one mat.

    ``exercise`` and ``leg`` are what the user said (``None``: detect the
    exercise; the leg is then taken from the load where it is observable).
    ``reference`` is a stored personal reference (``Reference.to_dict()``).
    """

    def __init__(self, info: SourceInfo, settings: AnalysisSettings | None = None,
                 exercise: str | None = None, leg: str | None = None,
                 reference: dict | None = None) -> None:
        self.info = info
        self.settings = settings or AnalysisSettings()
        self._exercise: str | None = None
        self.chosen_leg = leg or self.settings.leg
        self.width = info.width_m
        rate = info.rate_hz or 80.0
        # A read error is a wild value; real loads can also jump for one sample
        # (at 10 samples/s a leg landing is averaged into a single conversion),
        # so only a jump beyond what a body on the mat can do counts.
        self.glitch = GlitchFilter(floor=2.0 if rate >= 40 else 6.0, lone_floor=1.0)
        # An HX711 reading is the load over the conversion before it: half a period earlier.
        self.averager = Averager(rate, info.width_m, info.length_m, lag_s=0.5 / rate)
        self.presence = Presence()
        self._sample_rate = rate / self.averager.n
        self.com = ComEstimator(self._sample_rate, COM_HEIGHT_M["quadruped"])
        self.segmenter = Segmenter(self._sample_rate)
        self.exercise = exercise or self.settings.exercise or info.exercise  # also sets the despiker
        self.sets = SetTracker(self.settings.set_gap_s)
        self.coach = Coach()
        self._refs: dict[str, Reference] = {}
        if reference and reference.get("exercise") in EXERCISES:
            self._refs[reference["exercise"]] = Reference.from_dict(reference)
        self.frames = 0
        self.first_t: float | None = None
        self.last_t: float | None = None
        self.offsets = [0.0, 0.0, 0.0, 0.0]
        self._last_kg: Frame | None = None
        self._next_summary = -math.inf
        self._phase = "rest"
        self.reps: list[dict] = []
        # Each rep with what it was judged from, for the review at the end (``_review``).
        self._judged: list[tuple[dict, Measured, str, str | None, int, int]] = []
        self._doubtful: Measured | None = None  # a lone rep candidate waiting for a next rep to confirm it
        self._second: Measured | None = None    # the rep that confirmed it, when the two disagree: both wait for a third
        self._last_move_end = -math.inf
        self._rep_chain = -1    # the segmenter chain of the last rep counted
        self._between: list[Measured] = []  # unlike reps, in a set: reps if the set goes on
        self._chain_rejects, self._reject_chain = 0, -1
        self._fell: tuple[float, float] | None = None   # see _inside_out
        # The last movements' measurements and why any was not a rep: for tuning
        # and tests, bounded so a service running for months does not grow.
        self.rejected: deque[tuple[str, object]] = deque(maxlen=500)
        self.measured: deque = deque(maxlen=500)

    @property
    def tilt_margin_m(self) -> float:
        """How far (m) a rep's sideways shift may stray from the reference before it is a tilt."""
        pct = self.settings.tilt_margin_pct
        if pct is not None:
            return pct * self.width / 200.0
        return J.SHAPES[self.exercise or "quadruped"]["tilt_m"]

    @property
    def exercise(self) -> str | None:
        return self._exercise

    @exercise.setter
    def exercise(self, value: str | None) -> None:
        self._exercise = value
        # The smallest move worth watching differs: a prone leg moves the load
        # least.  Only standing may a rep rise from a shelf (the stance foot).
        self.segmenter.start_m = J.SHAPES[value or "prone"]["start"]
        self.segmenter.shelves = value in (None, "standing")
        self.com.set_height(self._sample_rate, COM_HEIGHT_M[value or "quadruped"])
        self.despiker = Despiker(max(3, round(DESPIKE_S[value or "quadruped"] * self._sample_rate)))

    # ----- input -----------------------------------------------------------

    def feed(self, frame: Frame) -> list[dict]:
        """One frame in the source's units; returns the events it caused."""
        self.frames += 1
        if self.first_t is None:
            self.first_t = frame.t
        self.last_t = frame.t
        if not math.isfinite(frame[0] + frame[1] + frame[2] + frame[3] + frame[4]):
            return []  # a failed cell (hardware reports it separately); nothing to learn here
        kg = self.info.to_kg(frame) if self.info.units != "kg" else frame
        good = self.glitch.feed(kg)
        return self._after_glitch(good) if good is not None else []

    def feed_many(self, frames) -> list[dict]:
        """A chunk of frames; the same events as feeding them one by one."""
        out: list[dict] = []
        for f in frames:
            out += self.feed(f)
        return out

    def finish(self) -> list[dict]:
        """End of the stream: the last held frame, then close the open set."""
        events: list[dict] = []
        held = self.glitch.flush()
        if held is not None:
            events += self._after_glitch(held)
        for mv in self.segmenter.flush():
            events += self._movement(mv)
        if self._second is not None:
            events += self._end_doubt(self.last_t if self.last_t is not None else self._second.end)
        t = self.last_t if self.last_t is not None else 0.0
        if self._between:   # a recording that stops right after a set's last reps
            events += self._set_ended_held(t)
        events += self.sets.close(t)
        return events + self._review(t)

    def command(self, cmd: dict) -> list[dict]:
        """Commands from the user (device bus, button); see docs/bus.md."""
        name = cmd.get("cmd")
        t = self.last_t or 0.0
        if name in ("start_set", "stop_set"):
            return self.sets.close(t)  # the next rep begins a new set
        if name == "set_exercise":
            ex = cmd.get("exercise")
            if ex not in EXERCISES and ex is not None:
                raise ValueError(f"exercise must be one of {', '.join(EXERCISES)}")
            self.exercise = ex
            return [self._state_event(t)]
        if name == "set_leg":
            leg = cmd.get("leg")
            if leg not in ("left", "right", None):
                raise ValueError("leg must be left or right")
            self.chosen_leg = leg
            return []
        if name == "set_target":
            reps = cmd.get("reps")
            if reps is not None and (not isinstance(reps, int) or isinstance(reps, bool) or not 1 <= reps <= 1000):
                raise ValueError("reps must be an integer 1-1000")
            self.sets.target = reps
            return []
        if name == "tare":
            if self._last_kg is None:
                raise ValueError("no reading to tare from yet")
            if self.presence.state not in (EMPTY,) and sum(self._last_kg[1:]) - sum(self.offsets) > self.presence.on_kg:
                raise ValueError("the mat is not empty: step off to tare")
            self.offsets = list(self._last_kg[1:])
            return []
        raise ValueError(f"unknown command {name!r}")

    # ----- stages ----------------------------------------------------------

    def _after_glitch(self, f: Frame) -> list[dict]:
        self._last_kg = f
        o = self.offsets
        if o[0] or o[1] or o[2] or o[3]:
            f = Frame(f.t, f.fl - o[0], f.fr - o[1], f.bl - o[2], f.br - o[3])
        s = self.averager.feed(f)
        return self._sample(s) if s is not None else []

    def _sample(self, s: Sample) -> list[dict]:
        events: list[dict] = []
        change = self.presence.feed(s.t, s.total)
        if change is not None:
            if change != READY:
                # Getting off: what finished before is measured; a movement still
                # open (the dismount itself) is not a rep.
                for mv in self.segmenter.flush():
                    events += self._movement(mv)
                self.segmenter.reset()
                self._fell = None
                self.despiker.reset()
                self.com.reset()
                events += self._set_phase(s.t, "rest")
            events.append(self._state_event(s.t))
        if self.presence.state == EMPTY:
            self._track_zero()
        elif self.presence.state == READY:
            events += self._reps(s)
        if self._doubtful is not None and self._doubt_expired(s.t):
            events += self._end_doubt(s.t)
        busy = self.segmenter.busy_since
        if self._between and busy is None and s.t - self._between[-1].end > SANDWICH_S:
            events += self._set_ended_held(s.t)
        if busy is None and self._doubtful is None and not self._between:
            events += self.sets.idle(s.t)  # not while a rep may still be under way
        if s.t >= self._next_summary:
            self._next_summary = s.t + FRAME_EVERY_S
            events.append(self._summary(s))
        return events

    def _doubt_expired(self, t: float) -> bool:
        """No rep has followed the doubtful candidate within a set gap (one under way counts)."""
        gap = self.settings.set_gap_s
        end = (self._second or self._doubtful).end
        busy = self.segmenter.busy_since
        if busy is not None and busy - end <= gap:
            return False
        return t - end > gap

    def _track_zero(self) -> None:
        """Follow the empty mat's slow drift so presence and mass stay right."""
        f = self._last_kg
        if f is None:
            return
        o = self.offsets
        for i in range(4):
            o[i] += 0.01 * (f[i + 1] - o[i])

    def _state_event(self, t: float) -> dict:
        mass = self.presence.mass_kg
        return {"type": "state", "t": _r(t), "state": self.presence.state,
                "exercise": self.exercise, "mass_kg": _r(mass, 1) if mass else None}

    def _set_phase(self, t: float, phase: str) -> list[dict]:
        if phase == self._phase:
            return []
        self._phase = phase
        leg = None if phase == "rest" else self._live_leg()
        return [{"type": "phase", "t": _r(t), "phase": phase, "leg": leg}]

    def _reps(self, sample: Sample) -> list[dict]:
        s = self.despiker.feed(sample)
        p = self.com.feed(s) if s is not None else None
        if p is None:
            return []
        done = self.segmenter.feed(p)
        events = self._set_phase(p.t, self.segmenter.phase)
        for mv in done:
            for part in split(mv) if self.exercise == "standing" else (mv,):
                events += self._movement(part)
        return events

    def _movement(self, mv: Movement) -> list[dict]:
        """A finished movement: measured, then judged a rep or not."""
        # The fit of its lift does not look back into the movement before it, rep or not.
        m = measure(mv, self.exercise, self._last_move_end)
        self._last_move_end = m.end if m is not None else mv.points[mv.end].t
        self.measured.append(m)
        if m is None:
            self.rejected.append(("too short to measure", mv.points[mv.start].t))
            return []
        before = (len(self.reps), len(self._between), self._doubtful, self._second)
        events = self._rep(m, self.last_t if self.last_t is not None else m.end)
        kept = len(self.reps) != before[0] or any(h is m for h in (*self._between, self._doubtful, self._second))
        self._inside_out(mv, None if kept else m)
        if before == (len(self.reps), len(self._between), self._doubtful, self._second):
            # Neither a rep nor held as one: a run of these without rest between is the
            # body swaying about a new place, measured from the old one.
            self._chain_rejects = self._chain_rejects + 1 if mv.chain == self._reject_chain else 1
            self._reject_chain = mv.chain
            if self._chain_rejects >= GIVE_UP_AFTER and self.segmenter.chain == mv.chain:
                self.segmenter.give_up()
        elif mv.chain == self._reject_chain:
            self._chain_rejects = 0
        return events

    def _inside_out(self, mv: Movement, m: Measured | None) -> None:
        """Two movements in a row that were no reps (``m`` is None if this one was a rep or
        is held as one), each measured inside out, their tops in one place: the body rests
        there.

        Lying or kneeling, after a shift with a set begun soon after it, whose
        reps go back toward the old rest: measured from there, the pauses
        between reps are the tops, and to and fro looks like a long hold and the
        next rep to the segmenter.  The force tells: the body fell as each left.
        One alone may be sitting back (the hips go down); two in a row at one
        place are reps.
        """
        if m is None or not J.inside_out(self.exercise or "prone", m):
            self._fell = None
            return
        top = mv.points[mv.top]
        before, self._fell = self._fell, (top.com_x, top.com_y)
        if before is None or math.hypot(before[0] - top.com_x, before[1] - top.com_y) > 2.0 * self.segmenter.threshold:
            return
        self._fell = None
        if self.segmenter.rest_at(((before[0] + top.com_x) / 2, (before[1] + top.com_y) / 2), mv.first + mv.top):
            self._last_move_end = top.t   # the rep under way rose from there, before this one's end

    def _live_leg(self) -> str | None:
        if self.exercise == "prone" or self.exercise is None:
            return self.chosen_leg
        return self.sets.open["leg"] if self.sets.open else self.chosen_leg

    def _guess_exercise(self, m: Measured) -> str | None:
        fits = [ex for ex in EXERCISES if J.rep_like(ex, m)]
        if not fits:
            return None
        # Prone, the load moves toward the head more than sideways; on all fours
        # (the likelier posture on a mat) and standing, mostly sideways.
        if "prone" in fits and m.dy > abs(m.dx):
            return "prone"
        return "quadruped" if "quadruped" in fits else fits[0]

    def _expected(self, ref: Reference, leg: str | None) -> tuple[float | None, float | None]:
        """The reference shift of a clean rep of ``leg``; reps within one tilt margin of
        each other count as one cluster."""
        return ref.expected(leg, REF_WIDTH * self.tilt_margin_m)

    def _rep(self, m: Measured, t: float, confirmed: bool = False, after: tuple[Measured, ...] = ()) -> list[dict]:
        """Judge movement ``m``: a rep, held back for the next one, or not a rep.

        ``confirmed``: it was held back and the reps ``after`` it have come.
        """
        events: list[dict] = []
        exercise = self.exercise
        if exercise is None:
            exercise = self._guess_exercise(m)
            if exercise is None:
                self.rejected.append(("fits no exercise", m))
                return []
            self.exercise = exercise
            events.append(self._state_event(t))
        elif (over := self._over_stance(m)) is False:
            self.rejected.append(("not over the stance foot", m))
            self._drop_between("the set did not go on after it")
            return events
        elif not confirmed and self._leaned_not_lifted(exercise, m):
            # Prone, which leg is not known, so a set goes on as long as reps follow
            # soon: after a short rest, the next set's first rep would count a reach.
            self.rejected.append(("leaned forward, no leg lifted", m))
            return events
        elif not J.rep_like(exercise, m, over_stance=over is True):
            if not confirmed and J.could_be_rep(exercise, m) and self._set_goes_on(m.start):
                # Unlike a rep, but in the middle of a set: a rep (one swayed, tilted
                # toward the leg) if the set goes on right after it.
                self._between.append(m)
            else:
                self.rejected.append((f"not a {exercise} rep", m))
                self._drop_between("the set did not go on after it")
            return events
        gap = self.settings.set_gap_s
        if self._doubtful is not None and not confirmed:
            doubtful, second = self._doubtful, self._second
            same_side = exercise == "prone" or (m.dx > 0) == (doubtful.dx > 0)
            if m.start - (second or doubtful).end > gap or not same_side:
                events += self._end_doubt(t)
            else:
                self._doubtful = self._second = None
                if second is not None:
                    # The first two disagreed: with the third, which of them agree.
                    if self._short_of_the_others(exercise, doubtful, second, m):
                        self.rejected.append(("not over the stance foot", doubtful))
                    else:
                        events += self._rep(doubtful, t, confirmed=True, after=(second, m))
                    events += self._rep(second, t, confirmed=True, after=(m,))
                # (With a movement held between them the set went on: the first began it.)
                elif not self._between and self._first_two_disagree(exercise, doubtful, m):
                    self._doubtful, self._second = doubtful, m
                    return events
                else:
                    events += self._rep(doubtful, t, confirmed=True, after=(m,))  # it began a set after all
        if self._between and not confirmed:
            # Held after any doubtful rep, so counted after it, in time order; but only
            # if this rep goes on their set.  The other leg's began a new one: they were
            # between two sets (a hand lifted, a reach for the phone, in a short rest).
            cur = self.sets.open
            leg = self._leg_of(exercise, m, cur)
            if cur is not None and leg is not None and cur["leg"] not in (None, leg):
                self._drop_between("the set did not go on after it")
            else:
                events += self._take_between(m, t)
        ref = self._ref(exercise)
        # The set this rep would go on, if it goes on: after a set gap, the last set's leg says nothing.
        open_set = self.sets.open if self.sets.would_join(m.start, None) else None
        leg = self._leg_of(exercise, m, open_set)
        shift = J.form_shift(exercise, m)
        exp_dx, exp_dy = self._expected(ref, leg)
        if self._over_stance(m, (leg,)) is False:
            self.rejected.append(("not over the working leg's stance foot", m))
            self._drop_between("the set did not go on after it")
            return events
        if after and ref.known(leg) <= 1:
            # Held back while the reference is at most one rep: this rep and the ones
            # after it together say which agree; if none do, the reference stands.
            together = ref.plus(leg, *shift)
            for a in after:
                together = together.plus(leg, *J.form_shift(exercise, a))
            agreed = self._expected(together, leg)
            if agreed[0] is not None:
                exp_dx, exp_dy = agreed
        # Standing, a movement from both feet a while after a rep (the body came to rest
        # between) starts over, as a set's first rep does: in a set the weight stays on the
        # stance foot from rep to rep, and a step aside or a reach after a set rises from
        # rest.  Sooner, the weight cannot have gone home and back: the set's shelf lay
        # near rest.
        since = m.start - self.reps[-1]["end"] if self.reps else math.inf
        alone = since > gap or exercise == "standing" and m.chain != self._rep_chain and since > RESTED_S
        switched = open_set is not None and leg is not None and open_set["leg"] not in (None, leg)
        # A reach for the phone moves the load sideways and forward at once, as a
        # rep both tilted and (prone) arched or (standing) leaning does; it counts
        # only if the set goes on after it.
        odd = (exp_dx is not None and exp_dy is not None
               and J.reached_out(exercise, m, exp_dx, exp_dy, self.tilt_margin_m))
        # While the reference is one rep, a rep far from it may be the clean one and the
        # first the tilted; the next rep tells which, so this one waits for it.
        unsure = (exercise != "prone" and ref.known(leg) == 1 and exp_dx is not None
                  and self._far_apart(shift[0], exp_dx))
        if ((alone or switched) and not J.like_reference(exercise, m, exp_dx, exp_dy, ref.known(leg))
                or odd or unsure) and not confirmed:
            # A lone movement that does not load the mat as this person's reps do
            # (a hand lifted, reaching for the phone) or a first rep before there
            # is a reference: it counts only if another rep follows within a set gap.
            self._doubtful = m
            return events
        ref.add(leg, *shift)
        return events + self._accept(m, t, exercise, leg, exp_dx, exp_dy)

    def _over_stance(self, m: Measured, legs: tuple[str | None, ...] = ("left", "right")) -> bool | None:
        """Standing, with this person's way over each stance foot known from a few reps: did the
        top go far enough toward the stance foot of one of ``legs``?  Before the leg is known,
        either (a rep of either leg may come next, so the set's leg does not decide); then the
        working leg's.  ``None`` while that is not known, or not standing."""
        ref = self._refs.get("standing")
        if self.exercise != "standing" or ref is None:
            return None
        if ref.known("left") < STANCE_KNOWN:   # (counts both legs' reps, the other's mirrored)
            return None
        return J.over_stance("standing", m, [self._expected(ref, leg)[0] for leg in legs])

    def _review(self, t: float) -> list[dict]:
        """Judge every rep's form again against the reference the whole session built.

        Live, a rep is judged against the reps before it; a session that begins
        with a few alike tilted reps takes them for the clean rep until the clean
        ones outnumber them, and until then calls the clean reps tilted and the
        tilted ones square.  At the end the session's own reps say which is which.
        Only the form verdicts change (tilt, its side, the AI peak, arch): the
        count, legs and sets stand as they were announced.
        """
        events: list[dict] = []
        for rep, m, exercise, leg, number, count in self._judged:
            ref = self._refs.get(exercise)
            exp_dx, exp_dy = self._expected(ref, leg) if ref is not None else (None, None)
            if exp_dx is None:
                continue  # nothing better to judge it by than what it was judged by
            v = J.judge(exercise, m, leg, exp_dx, exp_dy, self.width, self._margin(exercise, leg), self._sample_rate)
            now = {"tilt": v.tilt, "tilt_side": v.tilt_side, "ai_peak": _r(v.ai_peak, 1), "arch": v.arch}
            if any(rep[k] != now[k] for k in now):
                rep.update(now)
                events.append({"type": "rep_revised", "t": _r(t), "set": number, "count": count,
                               "start": rep["start"], **now})
        self._judged = []
        return events

    def _first_two_disagree(self, exercise: str, first: Measured, second: Measured) -> bool:
        """The session's first two reps, with no reference yet, too far apart for either to
        stand for this person's clean rep: one of them is probably tilted."""
        if exercise == "prone":
            return False  # the physics prior stands in
        ref = self._refs.get(exercise)
        leg = J.working_leg(exercise, first, self.chosen_leg, None, None)
        if (ref is not None and ref.known(leg)) or J.working_leg(exercise, second, self.chosen_leg, None, None) != leg:
            return False
        return self._far_apart(J.form_shift(exercise, first)[0], J.form_shift(exercise, second)[0])

    def _far_apart(self, dx_a: float, dx_b: float) -> bool:
        """Two sideways shifts further apart than a tilt judged against a young reference:
        one of them is probably tilted."""
        return abs(dx_a - dx_b) > self.tilt_margin_m * EARLY_MARGIN

    def _short_of_the_others(self, exercise: str, first: Measured, second: Measured, third: Measured) -> bool:
        """Standing, the session's first movement, unlike the two after it, which agree: did it
        come back to rest before them and go less than ``STANCE_SHARE`` of their way over the
        stance foot?  Then it was sway before the set, not a rep (a tilt moves the top by a
        couple of centimetres, and a set's reps follow one another on the stance foot)."""
        if exercise != "standing" or first.chain == second.chain:
            return False
        a, b = J.form_shift(exercise, second)[0], J.form_shift(exercise, third)[0]
        if self._far_apart(a, b):
            return False
        return J.over_stance(exercise, first, [(a + b) / 2]) is False

    def _end_doubt(self, t: float) -> list[dict]:
        """No rep came in time to confirm what is held: a lone candidate is no rep; a held pair
        confirmed each other and counts, judged as it would have been without a third."""
        first, second = self._doubtful, self._second
        self._doubtful = self._second = None
        if second is None:
            self.rejected.append(("alone and unlike this person's reps", first))
            return []
        return self._rep(first, t, confirmed=True, after=(second,)) + self._rep(second, t, confirmed=True)

    def _ref(self, exercise: str) -> Reference:
        """This person's reference for ``exercise``, begun empty if there is none yet."""
        return self._refs.setdefault(exercise, Reference(exercise))

    def _leaned_not_lifted(self, exercise: str, m: Measured) -> bool:
        """Prone: the load went headward beyond this person's reps with no leg clearly lifted
        (a reach for the phone): no rep, whatever follows it.  Clearly: a light person's leg
        lifted slowly on a noisy mat may rise within the noise, as in :func:`.judge.rep_like`."""
        if exercise != "prone" or J.height(m) + J.RISE_DOUBT * m.rise_error >= J.PRONE_LIFT_M:
            return False
        exp_dx, exp_dy = self._expected(self._ref(exercise), self.chosen_leg)
        return (exp_dx is not None and exp_dy is not None
                and J.reached_out(exercise, m, exp_dx, exp_dy, self.tilt_margin_m))

    def _leg_of(self, exercise: str, m: Measured, open_set: dict | None) -> str | None:
        """The leg rep ``m`` raised, if it were to go on ``open_set``."""
        set_dx = None
        if open_set and open_set["reps"]:
            set_dx = self._expected(self._ref(exercise), open_set["leg"])[0]
        return J.working_leg(exercise, m, self.chosen_leg, open_set["leg"] if open_set else None, set_dx)

    def _set_goes_on(self, start: float) -> bool:
        """Is a set under way, its last rep (or held movement) just before ``start``?

        A first rep waiting for the next to confirm it may have begun one: the
        set's second rep, tilted toward the leg, is then held as it would be mid-set.
        """
        if self._between:
            last = self._between[-1].end
        elif self._doubtful is not None:
            last = (self._second or self._doubtful).end
        elif self.sets.open is None or not self.reps:
            return False
        else:
            last = self.reps[-1]["end"]
        return start - last <= SANDWICH_S

    def _take_between(self, m: Measured, t: float) -> list[dict]:
        """The set went on with rep ``m``: the movements held before it were reps of the set's leg."""
        held, self._between = self._between, []
        if m.start - held[-1].end > SANDWICH_S:
            self.rejected += [("the set did not go on after it", h) for h in held]
            return []
        events: list[dict] = []
        exercise = self.exercise or "quadruped"
        ref = self._ref(exercise)
        for h in held:
            leg = self.sets.open["leg"] if self.sets.open else J.working_leg(exercise, h, self.chosen_leg, None, None)
            exp_dx, exp_dy = self._expected(ref, leg)
            events += self._accept(h, t, exercise, leg, exp_dx, exp_dy)
        return events

    def _set_ended_held(self, t: float) -> list[dict]:
        """No rep came after the movements held mid-set: the set ended with them.

        Standing, those whose top went over the set's stance foot as its reps do
        (within two tilt margins of their whole way, and shaped like a rep by
        it) were its last reps: tilted toward the working leg, which cancels
        their own sideways shift.  A reach for the phone after the weight went
        back onto both feet goes a third of the way.  The rest (and any after
        the first that was not) were no reps.
        """
        held, cur, exercise = self._between, self.sets.open, self.exercise
        events: list[dict] = []
        if exercise == "standing" and cur is not None and cur["leg"] is not None:
            leg = cur["leg"]
            exp_dx, exp_dy = self._expected(self._ref(exercise), leg)
            while (held and exp_dx is not None
                   and abs(held[0].dx_rest - exp_dx) <= 2.0 * self._margin(exercise, leg)
                   and J.shaped_like(exercise, held[0].dx_rest, held[0].dy, 0.0)):
                events += self._accept(held.pop(0), t, exercise, leg, exp_dx, exp_dy)
        self._drop_between("the set did not go on after it")
        return events

    def _drop_between(self, why: str) -> None:
        if self._between:
            self.rejected += [(why, h) for h in self._between]
            self._between = []

    def _margin(self, exercise: str, leg: str | None) -> float:
        """The tilt margin for ``leg`` now: while the reference rests on a few reps (one of
        them may have tilted), only a clearer departure from it is called a tilt."""
        ref = self._refs.get(exercise)
        settled = ref is not None and ref.known(leg) >= EARLY_REPS
        return self.tilt_margin_m * (1.0 if settled else EARLY_MARGIN)

    def _accept(self, m: Measured, t: float, exercise: str, leg: str | None,
                exp_dx: float | None, exp_dy: float | None) -> list[dict]:
        """Count ``m`` as a rep: judged, clamped to its neighbours, put in its set, announced."""
        events: list[dict] = []
        v = J.judge(exercise, m, leg, exp_dx, exp_dy, self.width, self._margin(exercise, leg), self._sample_rate)
        # Phase ends may reach past a neighbour or past now: clamp.
        if self.reps and m.start < self.reps[-1]["end"]:
            m.lift_s = max(m.lift_s - (self.reps[-1]["end"] - m.start), 0.0)
            m.start = self.reps[-1]["end"]
        if m.end > t:
            m.lower_s = max(m.lower_s - (m.end - t), 0.0)
            m.end = t
        rep = {
            "start": _r(m.start), "end": _r(m.end), "leg": leg,
            "lift_s": _r(m.lift_s), "hold_s": _r(m.hold_s), "lower_s": _r(m.lower_s),
            "tilt": v.tilt, "tilt_side": v.tilt_side, "ai_peak": _r(v.ai_peak, 1),
            "momentum": v.momentum, "arch": v.arch, "pulses": m.pulses,
        }
        events += self.sets.add(rep)
        self.reps.append(rep)
        self._rep_chain = m.chain
        number, count = self.sets.number, self.sets.count
        self._judged.append((rep, m, exercise, leg, number, count))
        events.append({"type": "rep", "t": _r(t), **rep, "set": number, "count": count})
        for fault, on in (("tilt", v.tilt), ("momentum", v.momentum), ("arch", v.arch)):
            if on:
                events.append({"type": "fault", "t": _r(t), "fault": fault,
                               "side": v.tilt_side if fault == "tilt" else None, "set": number, "count": count})
        cue = self.coach.after_rep(t, rep)
        if cue:
            events.append(cue)
        if self.sets.target and count == self.sets.target:
            cue = self.coach.say(t, "switch_legs")
            if cue:
                events.append(cue)
        return events

    def _summary(self, s: Sample) -> dict:
        tilt = None
        ref = self._refs.get(self.exercise or "")
        rest = self.segmenter.rest
        if self.presence.state == READY and rest is not None:
            exp = 0.0
            if self.segmenter.state != "rest" and ref is not None:
                exp = self._expected(ref, self._live_leg())[0] or 0.0
            tilt = _r(-200.0 * (s.cop_x - rest[0] - exp) / self.width, 1)
        return {"type": "frame", "t": _r(s.t), "total": _r(s.total, 2), "cop_x": _r(s.cop_x, 4),
                "cop_y": _r(s.cop_y, 4), "ai": _r(s.ai, 1), "tilt": tilt, "phase": self._phase}

    # ----- output ----------------------------------------------------------

    @property
    def reference(self) -> dict | None:
        ref = self._refs.get(self.exercise or "")
        return ref.to_dict() if ref else None

    def result(self) -> dict:
        """The SPEC section 3 object for everything fed so far."""
        duration = (self.last_t - self.first_t) if self.first_t is not None else 0.0
        return {
            "format": "smartmat-analysis v1",
            "exercise": self.exercise,
            "frames": self.frames,
            "duration_s": _r(duration),
            "glitches": self.glitch.glitches,
            "reps_total": len(self.reps),
            "sets": [{"leg": st["leg"], "start": st["start"], "end": st["end"], "reps": list(st["reps"])}
                     for st in self.sets.sets],
        }


def analyze_frames(info: SourceInfo, frames, settings: AnalysisSettings | None = None,
                   exercise: str | None = None, leg: str | None = None) -> dict:
    """Whole-recording analysis: the same Analyzer the device runs, fed every frame."""
    a = Analyzer(info, settings, exercise=exercise, leg=leg)
    for f in frames:
        a.feed(f)
    a.finish()
    return a.result()

"""A whole training session as a script of moves, with its ground-truth labels.

Empty mat, getting on, a still set-up, sets of reps on one leg at a time
(all reps on one side before switching, as the exercise guide says), rests
with small fidgets, movements that are not reps (distractors), getting off.
Each rep is a hip-extension trajectory (lift, hold, lower) plus the trunk
shift a person makes to keep balance, and optional form faults.  Labels come
from the same moves, so a label boundary is exactly where a move starts or
stops: zero velocity, as data/README.md defines them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .body import CHANNELS, G, Body, Person, inside_margin
from .kinematics import Timeline

EXERCISES = ("prone", "quadruped", "standing")
TEMPO = {"slow": 1.6, "normal": 1.0, "fast": 0.65}
# hip extension at the top of a rep, degrees (person's usual range)
TOP_DEG = {("quadruped", "bent"): (75, 100), ("quadruped", "straight"): (75, 95),
           ("prone", "bent"): (10, 20), ("standing", "bent"): (20, 35)}
SWAY_M = {"prone": 0.001, "quadruped": 0.002, "standing": 0.004}
BREATH_M = {"prone": 0.004, "quadruped": 0.003, "standing": 0.002}
DISTRACTORS = ("hand", "shift", "sitback", "phone")


@dataclass(frozen=True)
class SessionSpec:
    """Everything that shapes one simulated session; unset person values are drawn from the seed."""

    exercise: str = "quadruped"
    seed: int = 1
    mat_seed: int | None = None          # the mat's cells and calibration; default: seed
    mass_kg: float | None = None
    height_m: float | None = None
    variant: str = "bent"                # quadruped: bent-knee donkey kick or straight leg
    tempo: str = "normal"
    tilt_rate: float = 0.15
    momentum_rate: float = 0.1
    arch_rate: float | None = None       # prone only; default 0.1 there
    pulses_rate: float = 0.1
    long_hold_rate: float = 0.05
    rate_hz: int = 80
    noise: str = "low"
    units: str = "kg"
    sets: int = 3
    reps: tuple[int, int] = (10, 20)
    rest_s: tuple[float, float] = (20.0, 60.0)
    distractors: bool = True
    x_offset: float | None = None        # resting CoM on the mat, m; default drawn
    y_offset: float | None = None
    width_m: float = 0.60
    length_m: float = 1.80
    glitches_per_min: float | None = None

    def __post_init__(self) -> None:
        def bad(msg: str) -> None:
            raise ValueError(msg)

        if self.exercise not in EXERCISES:
            bad(f"exercise must be one of {', '.join(EXERCISES)}, got {self.exercise!r}")
        if self.variant not in ("bent", "straight"):
            bad(f"variant must be bent or straight, got {self.variant!r}")
        if self.variant == "straight" and self.exercise != "quadruped":
            bad("the straight-leg variant is a quadruped exercise")
        if self.tempo not in TEMPO:
            bad(f"tempo must be one of {', '.join(TEMPO)}, got {self.tempo!r}")
        if self.arch_rate and self.exercise != "prone":
            bad("lumbar arch is simulated in prone only")
        for name in ("tilt_rate", "momentum_rate", "arch_rate", "pulses_rate", "long_hold_rate"):
            v = getattr(self, name)
            if v is not None and not 0.0 <= v <= 1.0:
                bad(f"{name} must be between 0 and 1, got {v!r}")
        if self.rate_hz not in (10, 80):
            bad(f"rate_hz must be 10 or 80 (the HX711 RATE pin), got {self.rate_hz!r}")
        if self.noise not in ("low", "high"):
            bad(f"noise must be low or high, got {self.noise!r}")
        if self.units not in ("kg", "counts"):
            bad(f"units must be kg or counts, got {self.units!r}")
        if self.mass_kg is not None and not 30.0 <= self.mass_kg <= 200.0:
            bad(f"mass_kg must be 30-200, got {self.mass_kg!r}")
        if self.height_m is not None and not 1.2 <= self.height_m <= 2.2:
            bad(f"height_m must be 1.2-2.2, got {self.height_m!r}")
        if self.sets < 1 or not 1 <= self.reps[0] <= self.reps[1]:
            bad(f"need at least one set of at least one rep, got sets={self.sets} reps={self.reps}")
        if not 0 < self.rest_s[0] <= self.rest_s[1]:
            bad(f"rest_s must be a positive range, got {self.rest_s}")

    @property
    def arch(self) -> float:
        if self.arch_rate is None:
            return 0.1 if self.exercise == "prone" else 0.0
        return self.arch_rate


@dataclass
class Scenario:
    """A built session: the body, its moves, the continuous sway, the labels."""

    spec: SessionSpec
    body: Body
    timeline: Timeline
    duration: float
    labels: dict
    sway: np.ndarray = field(repr=False)       # (k, 4): amplitude x, amplitude y, frequency, phase
    breath: tuple[float, float, float, float] = (0.0, 0.0, 0.25, 0.0)   # amp z, amp y, freq, phase

    def channels(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """Every body channel at times ``t`` (sorted): moves plus sway and breathing."""
        ch = {c: self.timeline.values(c, t) for c in CHANNELS}
        gain = 1.0 + self.timeline.values("sway_gain", t)
        for i, axis in enumerate(("sx", "sy")):
            a, f, ph = self.sway[:, i], self.sway[:, 2], self.sway[:, 3]
            ch[axis] += gain * (a[:, None] * np.sin(2 * np.pi * f[:, None] * t + ph[:, None])).sum(axis=0)
        bz, by, bf, bph = self.breath
        wave = np.sin(2 * np.pi * bf * t + bph + 0.3 * np.sin(2 * np.pi * 0.03 * t))
        ch["sz"] += bz * wave
        ch["sy"] += by * wave
        return ch


def draw_person(spec: SessionSpec, rng: np.random.Generator) -> Person:
    mass = spec.mass_kg if spec.mass_kg is not None else float(rng.uniform(45, 120))
    height = spec.height_m if spec.height_m is not None else float(np.clip(np.sqrt(mass / rng.uniform(19, 30)), 1.5, 2.0))
    ox = spec.x_offset if spec.x_offset is not None else float(rng.uniform(-0.06, 0.06))
    oy_span = 0.05 if spec.exercise == "standing" else 0.15
    oy = spec.y_offset if spec.y_offset is not None else float(rng.uniform(-oy_span, oy_span))
    return Person(mass, height, ox, oy, spec.variant)


class _Builder:
    """Writes the session's moves in time order and collects the labels."""

    def __init__(self, spec: SessionSpec, rng: np.random.Generator) -> None:
        self.spec, self.rng = spec, rng
        self.person = draw_person(spec, rng)
        self.body = Body(self.person, spec.exercise)
        self.tl = Timeline({c: 0.0 for c in CHANNELS} | {"sway_gain": 0.0, "on": 0.0})
        self.tempo = TEMPO[spec.tempo]
        lo, hi = TOP_DEG[(spec.exercise, spec.variant if spec.exercise == "quadruped" else "bent")]
        self.top = np.radians(rng.uniform(lo, hi))
        self.margin = rng.uniform(0.025, 0.04)
        still = self.body.still(2, hip_left=self.top)
        still["hip_left"][0] = 0.0
        self.rise = float(np.diff(self.body.leg_com(still, "left")[2])[0])   # leg CoM rise at the top, m
        self.gain = {leg: self._trunk_gain(leg) for leg in ("left", "right")}
        self.balance = {leg: self._balance(leg) for leg in ("left", "right")}
        self.t = 0.0

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    # --- balance -------------------------------------------------------------------------
    def _trunk_gain(self, leg: str) -> float:
        """CoM shift per metre of trunk shift with ``leg`` lifted (limbs on the mat stay put)."""
        ch = self.body.still(2, **{f"hip_{leg}": self.top})
        ch["sx"][1] = 0.01
        c = self.body.com(ch)
        return float((c[0, 1] - c[0, 0]) / 0.01)

    def _balance(self, leg: str) -> tuple[float, float]:
        """Trunk shift (x, y) that keeps the CoM safely over the support with ``leg`` at the top."""
        ex, b, rng = self.spec.exercise, self.body, self.rng
        rest = b.com(b.still())[:, 0]
        top = b.com(b.still(**{f"hip_{leg}": self.top}))[:, 0]
        away = 1.0 if leg == "left" else -1.0            # toward the supporting side, in x
        if ex == "quadruped":
            poly = b.support_polygon(lifted=leg)
            dx = 0.0
            while inside_margin(poly, np.array(top[0] + dx), np.array(top[1]))[()] < self.margin and dx < 0.2:
                dx += 0.001 * away
            target = (top[0] + dx, top[1] + 0.3 * (rest[1] - top[1]))
        elif ex == "standing":
            foot = b.support_polygon(lifted=leg)
            cx, cy = foot[:, 0].mean(), foot[:, 1].mean()
            target = (cx - away * rng.uniform(0.0, 0.01), rest[1] + rng.uniform(0.0, 0.02))
        else:
            target = (rest[0] + rng.normal(0.0, 0.003), rest[1] + rng.uniform(0.01, 0.03))
        g = self.gain[leg]
        return (target[0] - top[0]) / g, (target[1] - top[1]) / g

    def clean_shift(self, leg: str) -> list[float]:
        """CoM shift (x, y), m, from rest to the top of a clean rep: what the mat's CoP shows."""
        sx, sy = self.balance[leg]
        ch = self.body.still(2, **{f"hip_{leg}": self.top})
        ch[f"hip_{leg}"][0], ch["sx"][1], ch["sy"][1] = 0.0, sx, sy
        c = self.body.com(ch)
        return [round(float(c[0, 1] - c[0, 0]), 4), round(float(c[1, 1] - c[1, 0]), 4)]

    # --- pieces of a session ---------------------------------------------------------------
    def still(self, seconds: float) -> None:
        self.t += seconds

    def get_on(self) -> list[float]:
        start, tl = self.t, self.tl
        if self.spec.exercise == "standing":
            side = self.rng.choice([-1.0, 1.0])
            tl.base["bx"], tl.base["by"] = 0.1 * side, -0.06
            t1 = tl.move("on", start, self.u(0.5, 0.9), 0.5)
            t1 = tl.move("on", t1 + self.u(0.2, 0.5), self.u(0.5, 0.9), 0.5)
            tl.move("bx", start + 0.3, t1 - start, -0.1 * side)
            end = tl.move("by", start, t1 - start + 0.2, 0.06)
        else:
            tl.base["by"] = -0.35
            d = self.u(2.0, 3.5)
            tl.move("on", start, d, 1.0)
            end = tl.move("by", start, d, 0.35)
        self.t = end
        return [start, end]

    def get_off(self) -> list[float]:
        start, tl = self.t, self.tl
        if self.spec.exercise == "standing":
            side = self.rng.choice([-1.0, 1.0])
            t1 = tl.move("on", start, self.u(0.5, 0.9), -0.5)
            tl.move("bx", start, t1 - start, 0.1 * side)
            end = tl.move("on", t1 + self.u(0.2, 0.5), self.u(0.5, 0.9), -0.5)
        else:
            d = self.u(2.0, 3.5)
            tl.move("on", start, d, -1.0)
            end = tl.move("by", start, d, -0.35)
        self.t = end
        return [start, end]

    def rep(self, leg: str) -> dict:
        spec, tl, rng = self.spec, self.tl, self.rng
        k = self.tempo
        lift, hold, lower = self.u(0.8, 1.4) * k, self.u(0.2, 1.5) * k, self.u(1.0, 2.0) * k
        top = self.top * self.u(0.9, 1.05)
        momentum = rng.random() < spec.momentum_rate
        swing = dropped = False
        over = self.u(0.1, 0.25)
        if momentum:
            # as fast as a leg can be swung or let fall: the leg's CoM accelerates at up to about g
            swing = rng.random() < 0.6
            dropped = not swing or rng.random() < 0.6
            if swing:
                peak = max(self.u(0.25, 0.4), np.sqrt(5.77 * (1 + over) * self.rise / (self.u(0.8, 1.2) * G)))
                lift = peak / 0.7
            if dropped:
                impact = self.u(0.05, 0.09)
                lower = np.sqrt(2.885 * self.rise / (self.u(0.6, 0.9) * G)) + impact
        pulses = int(rng.integers(2, 6)) if rng.random() < spec.pulses_rate else 0
        pulse_s = [self.u(0.4, 0.7) for _ in range(pulses)]
        if pulses:
            hold = sum(pulse_s) + self.u(0.3, 0.7)
        elif rng.random() < spec.long_hold_rate:
            hold = self.u(3.0, 6.0)
        arch = spec.exercise == "prone" and rng.random() < spec.arch
        tilt = rng.random() < spec.tilt_rate
        away = "right" if leg == "left" else "left"
        tilt_side = (away if rng.random() < 0.8 else leg) if tilt else None

        t0 = self.t
        hip = f"hip_{leg}"
        if arch:
            top *= 1.3
        if swing:
            t_peak = tl.move(hip, t0, 0.7 * lift, top * (1 + over))
            t_top = tl.move(hip, t_peak, 0.3 * lift, -top * over)
        else:
            t_top = tl.move(hip, t0, lift, top)
        if pulses:
            t = t_top + self.u(0.1, 0.2)
            for d in pulse_s:
                t = tl.move(hip, t, d, -top * self.u(0.04, 0.08), kind="pulse")
        t_down = t_top + hold
        if dropped:
            end = tl.move(hip, t_down, lower, -top, kind="drop", r=impact / lower)
        else:
            end = tl.move(hip, t_down, lower, -top)

        # the trunk moves with the leg: balance shift, plus the faults' extra shift
        sx, sy = self.balance[leg]
        if spec.exercise == "standing":
            sx *= 1.0 - self.pre_shift
        sz = 0.0
        if tilt:
            sign = 1.0 if tilt_side == "right" else -1.0
            extra = self.u(0.02, 0.05) if tilt_side == away else self.u(0.015, 0.025)
            if spec.exercise == "quadruped" and tilt_side == leg:
                extra = min(extra, self.margin - 0.008)     # a real person does not tip over
            sx += sign * extra / self.gain[leg]
        if arch:
            sy += self.u(0.025, 0.045) / self.gain[leg]
            sz += self.u(0.02, 0.04)
        settle = t_top - t0
        for ch, v in (("sx", sx), ("sy", sy), ("sz", sz)):
            if v:
                tl.move(ch, t0, settle, v)
                tl.move(ch, t_down, end - t_down, -v)
        if spec.exercise == "standing":
            tl.move("sway_gain", t0, settle, 1.0)
            tl.move("sway_gain", t_down, end - t_down, -1.0)
        self.t = end
        return {"start": t0, "end": end, "leg": leg, "lift_s": t_top - t0, "hold_s": t_down - t_top,
                "lower_s": end - t_down, "tilt": tilt, "tilt_side": tilt_side, "momentum": momentum,
                "pulses": pulses, "arch": arch}

    def a_set(self, leg: str, n: int) -> dict:
        standing = self.spec.exercise == "standing"
        if standing:
            # weight onto the stance leg before the first rep, as the guide says
            self.pre_shift = self.u(0.3, 0.7)
            shift = self.balance[leg][0] * self.pre_shift
            self.t = self.tl.move("sx", self.t, self.u(1.0, 1.6), shift) + self.u(0.5, 1.0)
        reps = []
        for i in range(n):
            reps.append(self.rep(leg))
            if i < n - 1:
                self.still(self.u(0.3, 1.2) * self.tempo)
        if standing:
            self.t = self.tl.move("sx", self.t + self.u(0.3, 0.8), self.u(1.0, 1.6), -shift)
        return {"leg": leg, "start": reps[0]["start"], "end": reps[-1]["end"], "reps": reps}

    def fidget(self) -> None:
        axis = "sx" if self.rng.random() < 0.5 else "sy"
        self.tl.move(axis, self.t, self.u(1.5, 3.0), self.rng.choice([-1, 1]) * self.u(0.004, 0.012), kind="pulse")

    def distractor(self, kind: str) -> dict:
        tl, t0, ex = self.tl, self.t, self.spec.exercise
        go, hold = self.u(1.0, 1.8), self.u(1.0, 2.5)
        side = str(self.rng.choice(["left", "right"]))
        sign = 1.0 if side == "right" else -1.0
        if kind == "shift":       # settle in a new place: stays there
            end = tl.move("bx", t0, self.u(1.0, 2.0), self.rng.choice([-1, 1]) * self.u(0.02, 0.05))
            end = max(end, tl.move("by", t0, end - t0, self.rng.choice([-1, 1]) * self.u(0.02, 0.06)))
        else:
            moves: list[tuple[str, float]]
            if kind == "hand":    # one hand off the mat; on all fours the trunk leans onto the other
                moves = [(f"arm_{side}", 1.0)] + ([("sx", -sign * self.u(0.03, 0.05)), ("sy", -0.02)] if ex == "quadruped" else [])
            elif kind == "sitback":   # hips back toward the heels / propped back / sitting into the hips
                back = {"quadruped": (0.12, 0.2), "prone": (0.08, 0.15), "standing": (0.03, 0.06)}[ex]
                moves = [("sy", -self.u(*back)), ("sz", -0.08 if ex != "prone" else 0.08)]
            else:                 # reaching for the phone: lean forward and to one side, arm out
                moves = [(f"arm_{side}", 1.0), ("sx", sign * self.u(0.03, 0.06)), ("sy", self.u(0.04, 0.08))]
            for ch, v in moves:
                tl.move(ch, t0, go, v)
                end = tl.move(ch, t0 + go + hold, go, -v)
        self.t = end
        return {"kind": kind, "start": t0, "end": end}


def build_session(spec: SessionSpec) -> Scenario:
    """The session's script and labels; nothing is rendered yet."""
    rng = np.random.default_rng([spec.seed, 0])
    b = _Builder(spec, rng)
    b.still(b.u(2.0, 4.0))
    on = b.get_on()
    b.still(b.u(3.0, 6.0))
    first = str(rng.choice(["left", "right"]))
    other = "right" if first == "left" else "left"
    slots = [i for i in range(spec.sets)]      # after set i; the last one is the cool-down before off
    with_distractor = {i for i in slots if rng.random() < 0.6} if spec.distractors else set()
    if spec.distractors and not with_distractor:
        with_distractor = {int(rng.integers(spec.sets))}
    sets, distractors, rests = [], [], []
    for i in range(spec.sets):
        n = int(rng.integers(spec.reps[0], spec.reps[1] + 1))
        sets.append(b.a_set(first if i % 2 == 0 else other, n))
        last = i == spec.sets - 1
        rest = b.u(3.0, 5.0) if last else b.u(*spec.rest_s)
        start, end = b.t, b.t + rest
        if i in with_distractor:
            b.still(min(3.0, rest / 4))
            distractors.append(b.distractor(str(rng.choice(DISTRACTORS))))
            end = max(end, b.t + 3.0)
        fidgets = 0
        while not last and b.t + 6.0 < end - 3.0 and rng.random() < 0.5:
            b.t = b.u(b.t + 1.0, end - 5.0)
            b.fidget()
            b.t += 3.0
            fidgets += 1
        b.t = end
        if not last:
            rests.append({"start": start, "end": end, "fidgets": fidgets})
    off = b.get_off()
    b.still(b.u(2.0, 4.0))
    p = b.person
    sway = np.column_stack([rng.normal(0, SWAY_M[spec.exercise] / 2, (6, 2)),
                            rng.uniform(0.05, 0.5, 6), rng.uniform(0, 2 * np.pi, 6)])
    breath = (BREATH_M[spec.exercise], BREATH_M[spec.exercise] / 3, b.u(0.2, 0.3), b.u(0, 2 * np.pi))
    labels = {
        "seed": spec.seed, "exercise": spec.exercise, "rate_hz": spec.rate_hz, "noisy": spec.noise == "high",
        "person": {"mass": p.mass, "height": p.height, "ox": p.ox, "oy": p.oy, "variant": p.variant,
                   "top_deg": float(np.degrees(b.top)),
                   "clean_shift": {leg: b.clean_shift(leg) for leg in ("left", "right")}},
        "tempo": spec.tempo, "tilt_rate": spec.tilt_rate, "momentum_rate": spec.momentum_rate,
        "arch_rate": spec.arch, "pulses_rate": spec.pulses_rate, "long_hold_rate": spec.long_hold_rate,
        "glitches": 0, "sets": sets, "distractors": distractors, "rests": rests, "on": on, "off": off,
    }
    return Scenario(spec, b.body, b.tl, b.t, labels, sway, breath)

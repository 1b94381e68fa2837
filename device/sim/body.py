"""The simulated person: segment masses and lengths, and the posture of each exercise.

Anthropometrics are Winter's table (D. A. Winter, *Biomechanics and Motor
Control of Human Movement*, 4th ed., 2009, Table 4.1: segment mass / body
mass and centre-of-mass position / segment length from the proximal end;
segment lengths as fractions of height from his Fig. 4.1, after Drillis &
Contini 1966).  A posture is a set of joint positions; a segment's CoM lies
on the line between its two joints.  The body moves through channels
(see kinematics.py): hip-extension angles, a shift of the trunk, a raised arm,
presence on the mat.  Limbs in contact with the floor stay put where they
touch it while the trunk shifts; a free limb hangs from the trunk and follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

G = 9.80665

# name, proximal joint, distal joint, mass fraction, CoM fraction from proximal (Winter Table 4.1)
SEGMENTS = (
    ("head_neck", "neck", "ear", 0.081, 1.000),
    ("trunk", "neck", "pelvis", 0.497, 0.500),
    ("upper_arm_l", "shoulder_l", "elbow_l", 0.028, 0.436),
    ("upper_arm_r", "shoulder_r", "elbow_r", 0.028, 0.436),
    ("forearm_l", "elbow_l", "wrist_l", 0.016, 0.430),
    ("forearm_r", "elbow_r", "wrist_r", 0.016, 0.430),
    ("hand_l", "wrist_l", "knuckle_l", 0.006, 0.506),
    ("hand_r", "wrist_r", "knuckle_r", 0.006, 0.506),
    ("thigh_l", "hip_l", "knee_l", 0.100, 0.433),
    ("thigh_r", "hip_r", "knee_r", 0.100, 0.433),
    ("shank_l", "knee_l", "ankle_l", 0.0465, 0.433),
    ("shank_r", "knee_r", "ankle_r", 0.0465, 0.433),
    ("foot_l", "ankle_l", "toe_l", 0.0145, 0.500),
    ("foot_r", "ankle_r", "toe_r", 0.0145, 0.500),
)
JOINTS = ("neck", "ear", "pelvis", "shoulder_l", "shoulder_r", "elbow_l", "elbow_r", "wrist_l", "wrist_r",
          "knuckle_l", "knuckle_r", "hip_l", "hip_r", "knee_l", "knee_r", "ankle_l", "ankle_r", "toe_l", "toe_r")
_J = {name: i for i, name in enumerate(JOINTS)}
MASS_FRACTION = np.array([s[3] for s in SEGMENTS])
_PROX = np.array([_J[s[1]] for s in SEGMENTS])
_DIST = np.array([_J[s[2]] for s in SEGMENTS])
_COMF = np.array([s[4] for s in SEGMENTS])
LEG_JOINTS = {"left": ("knee_l", "ankle_l", "toe_l"), "right": ("knee_r", "ankle_r", "toe_r")}
ARM_JOINTS = {"left": ("elbow_l", "wrist_l", "knuckle_l"), "right": ("elbow_r", "wrist_r", "knuckle_r")}
CHANNELS = ("on", "hip_left", "hip_right", "arm_left", "arm_right", "sx", "sy", "sz", "bx", "by")


def _mirror(points: dict[str, tuple[float, float, float]]) -> dict[str, tuple[float, float, float]]:
    """Left-side joints given with x < 0; the right side is their mirror."""
    out = dict(points)
    for name, (x, y, z) in points.items():
        if name.endswith("_l"):
            out[name[:-2] + "_r"] = (-x, y, z)
    return out


def _rest_posture(exercise: str, h: float) -> dict[str, tuple[float, float, float]]:
    """Joint positions (m) of a person of height ``h`` at rest; y toward the head / front."""
    ua, fa, hand = 0.186 * h, 0.146 * h, 0.6 * 0.108 * h      # hand to knuckle II
    th, sh, ft = 0.245 * h, 0.246 * h, 0.75 * 0.152 * h       # foot: ankle to metatarsal head
    trunk = (0.818 - 0.530) * h
    shx, hipx = 0.105 * h, 0.05 * h                           # joint centres, inside the bony widths
    if exercise == "quadruped":
        # hands under shoulders, knees under hips, shins and insteps on the mat
        hip_z, sh_z = 0.05 + th, 0.04 + ua + fa
        sh_y = float(np.sqrt(trunk**2 - (sh_z - hip_z) ** 2))
        p = {"pelvis": (0, 0, hip_z), "neck": (0, sh_y, sh_z), "ear": (0, sh_y + 0.09 * h, sh_z + 0.02),
             "shoulder_l": (-shx, sh_y, sh_z), "elbow_l": (-shx, sh_y, sh_z - ua), "wrist_l": (-shx, sh_y, 0.04),
             "knuckle_l": (-shx, sh_y + hand, 0.015), "hip_l": (-hipx, 0, hip_z), "knee_l": (-hipx, 0, 0.05),
             "ankle_l": (-hipx, -sh, 0.04), "toe_l": (-hipx, -sh - ft, 0.02)}
    elif exercise == "prone":
        # face down, forehead on the folded hands, legs straight
        p = {"pelvis": (0, 0, 0.10), "neck": (0, trunk, 0.10), "ear": (0, trunk + 0.10 * h, 0.12),
             "shoulder_l": (-shx, trunk, 0.10), "elbow_l": (-0.2 * h, trunk + 0.08 * h, 0.04),
             "wrist_l": (-0.04 * h, trunk + 0.13 * h, 0.05), "knuckle_l": (-0.01 * h, trunk + 0.12 * h, 0.06),
             "hip_l": (-hipx, 0, 0.10), "knee_l": (-hipx, -th, 0.07), "ankle_l": (-hipx, -th - sh, 0.06),
             "toe_l": (-hipx, -th - sh - ft, 0.02)}
    elif exercise == "standing":
        # upright, feet hip-width apart, arms hanging
        ank, knee, hip, sho = 0.039 * h, 0.285 * h, 0.530 * h, 0.818 * h
        p = {"pelvis": (0, 0, hip), "neck": (0, 0, sho), "ear": (0, 0.01, 0.91 * h),
             "shoulder_l": (-shx, 0, sho), "elbow_l": (-0.12 * h, 0, sho - ua), "wrist_l": (-0.12 * h, 0.02, sho - ua - fa),
             "knuckle_l": (-0.12 * h, 0.03, sho - ua - fa - hand), "hip_l": (-hipx, 0, hip), "knee_l": (-hipx, 0, knee),
             "ankle_l": (-hipx, 0, ank), "toe_l": (-hipx, ft, 0.01)}
    else:
        raise ValueError(f"unknown exercise {exercise!r}")
    return _mirror(p)


# How much each joint follows a trunk shift while its limb touches the mat (1: part of the trunk).
_CONTACT_FOLLOW = {
    "quadruped": {"elbow": 0.5, "wrist": 0.0, "knuckle": 0.0, "knee": 0.0, "ankle": 0.0, "toe": 0.0},
    "prone": {"elbow": 0.8, "wrist": 1.0, "knuckle": 1.0, "knee": 0.5, "ankle": 0.2, "toe": 0.1},
    "standing": {"elbow": 1.0, "wrist": 1.0, "knuckle": 1.0, "knee": 0.5, "ankle": 0.0, "toe": 0.0},
}
# Where a raised arm's joints go (m, relative to rest): a hand lifted or reaching for the phone.
_ARM_RAISE = {
    "quadruped": {"elbow": (0, 0.10, 0.05), "wrist": (0, 0.25, 0.20), "knuckle": (0, 0.30, 0.25)},
    "prone": {"elbow": (0, 0.05, 0.05), "wrist": (0, 0.10, 0.15), "knuckle": (0, 0.12, 0.18)},
    "standing": {"elbow": (0, 0.15, 0.15), "wrist": (0, 0.35, 0.35), "knuckle": (0, 0.42, 0.40)},
}


@dataclass(frozen=True)
class Person:
    mass: float
    height: float
    ox: float        # where the resting CoM sits on the mat, m (mat coordinates)
    oy: float
    variant: str = "bent"


def _free(v: np.ndarray, full: float) -> np.ndarray:
    """0 while a limb rests on the mat, 1 once it has left it (smoothly, over ``full``)."""
    u = np.clip(np.abs(v) / full, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


class Body:
    """A person in the posture of one exercise; ``segment_coms`` gives where each segment's mass is."""

    def __init__(self, person: Person, exercise: str) -> None:
        self.person, self.exercise = person, exercise
        self.masses = MASS_FRACTION * person.mass
        rest = _rest_posture(exercise, person.height)
        self._rest = np.array([rest[j] for j in JOINTS], dtype=float)
        follow = _CONTACT_FOLLOW[exercise]
        self._follow = np.array([follow.get(j.split("_")[0], 1.0) for j in JOINTS])
        raise_ = _ARM_RAISE[exercise]
        self._raise = np.zeros_like(self._rest)
        for side in ("l", "r"):
            for kind, vec in raise_.items():
                self._raise[_J[f"{kind}_{side}"]] = vec
        self._offset = np.zeros(3)
        com0 = self.com(self.still())[:, 0]
        self._offset = np.array([person.ox - com0[0], person.oy - com0[1], 0.0])

    def still(self, n: int = 1, **values: float) -> dict[str, np.ndarray]:
        """Channels for ``n`` instants of the resting pose, with some values set."""
        ch = {c: np.zeros(n) for c in CHANNELS}
        ch["on"] = np.ones(n)
        for k, v in values.items():
            ch[k] = np.full(n, float(v))
        return ch

    def joints(self, ch: dict[str, np.ndarray]) -> np.ndarray:
        """Joint positions in mat coordinates, shape (joints, 3, n)."""
        n = len(ch["sx"])
        weight = np.repeat(self._follow[:, None], n, axis=1)
        for side in ("left", "right"):
            free = _free(ch[f"hip_{side}"], 0.08)
            for j in LEG_JOINTS[side]:
                weight[_J[j]] += (1.0 - weight[_J[j]]) * free
            arm = _free(ch[f"arm_{side}"], 0.2)
            for j in ARM_JOINTS[side]:
                weight[_J[j]] += (1.0 - weight[_J[j]]) * arm
        shift = np.stack([ch["sx"], ch["sy"], ch["sz"]])
        base = np.stack([ch["bx"], ch["by"], np.zeros(n)])
        p = (self._rest + self._offset)[:, :, None] + weight[:, None, :] * shift[None] + base[None]
        for side in ("left", "right"):
            s = side[0]
            arm = ch[f"arm_{side}"]
            for j in ARM_JOINTS[side]:
                p[_J[j]] += self._raise[_J[j]][:, None] * arm
            theta = ch[f"hip_{side}"]
            if not np.any(theta):
                continue
            c, sn = np.cos(theta) - 1.0, np.sin(theta)
            hip = self._rest[_J[f"hip_{s}"]]
            rotate = LEG_JOINTS[side][:1] if self.person.variant == "straight" else LEG_JOINTS[side]
            for j in LEG_JOINTS[side]:
                # extension rotates the leg about the hip's x axis: down -> back -> up
                ry, rz = (self._rest[_J[j if j in rotate else rotate[0]]] - hip)[1:]
                p[_J[j], 1] += ry * c + rz * sn
                p[_J[j], 2] += -ry * sn + rz * c
        return p

    def segment_coms(self, ch: dict[str, np.ndarray]) -> np.ndarray:
        """Segment centres of mass, shape (segments, 3, n)."""
        p = self.joints(ch)
        return p[_PROX] + _COMF[:, None, None] * (p[_DIST] - p[_PROX])

    def com(self, ch: dict[str, np.ndarray]) -> np.ndarray:
        """Whole-body centre of mass, shape (3, n)."""
        return np.einsum("s,sdn->dn", MASS_FRACTION, self.segment_coms(ch))

    def leg_com(self, ch: dict[str, np.ndarray], leg: str) -> np.ndarray:
        """CoM of one leg (thigh, shank, foot), shape (3, n): the labels' notion of the leg moving."""
        idx = [i for i, s in enumerate(SEGMENTS) if s[0].endswith("_" + leg[0]) and s[0][:5] in ("thigh", "shank", "foot_")]
        coms = self.segment_coms(ch)[idx]
        m = MASS_FRACTION[idx]
        return np.einsum("s,sdn->dn", m, coms) / m.sum()

    def support_polygon(self, lifted: str | None = None) -> np.ndarray:
        """Convex hull (k, 2) of the mat contacts at rest, without the lifted leg's."""
        p = self.joints(self.still())[:, :2, 0]
        if self.exercise == "standing":
            pts = []
            for side, s in (("left", "l"), ("right", "r")):
                if side == lifted:
                    continue
                ax, ay = p[_J[f"ankle_{s}"]]
                tx, ty = p[_J[f"toe_{s}"]]
                pts += [(ax - 0.045, ay - 0.06), (ax + 0.045, ay - 0.06), (tx - 0.045, ty + 0.04), (tx + 0.045, ty + 0.04)]
            return convex_hull(np.array(pts))
        if self.exercise == "quadruped":
            # the shins rest on the mat too, but loading an instep takes a knee torque nobody
            # makes while kicking: the weight goes through the hands and the knees
            names = ["wrist_l", "wrist_r", "knuckle_l", "knuckle_r"]
            names += [f"knee_{side[0]}" for side in ("left", "right") if side != lifted]
        else:
            names = ["ear", "elbow_l", "elbow_r", "pelvis"]
            for side in ("left", "right"):
                names += [f"hip_{side[0]}"] if side == lifted else [f"knee_{side[0]}", f"ankle_{side[0]}", f"toe_{side[0]}"]
        return convex_hull(p[[_J[n] for n in names]])


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise hull of 2-D points (Andrew's monotone chain)."""
    pts = sorted(map(tuple, np.asarray(points, dtype=float)))

    def half(seq):
        out: list[tuple[float, float]] = []
        for q in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (q[1] - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (q[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(q)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return np.array(lower[:-1] + upper[:-1])


def inside_margin(polygon: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Signed distance (m) of points inside a counter-clockwise convex polygon (negative: outside)."""
    d = np.full(np.shape(x), np.inf)
    for (x0, y0), (x1, y1) in zip(polygon, np.roll(polygon, -1, axis=0)):
        ex, ey = x1 - x0, y1 - y0
        d = np.minimum(d, (ex * (y - y0) - ey * (x - x0)) / np.hypot(ex, ey))
    return d

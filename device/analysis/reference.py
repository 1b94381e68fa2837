"""The personal reference: how this person's clean reps load the mat.

Tilt and arch are judged against the user's own clean reps, not against a
fixed number: a 45 kg and a 120 kg user, centred or off-centre, on a wide or
narrow stance, shift their load by different amounts in a perfectly good rep.
For each leg the reference is the centre of the densest cluster of that
leg's rep shifts so far, and of the other leg's mirrored (the body is near
symmetric, and a set that happens to begin with tilted reps would otherwise
take the tilt for its reference): faulty reps are the minority and scatter,
clean reps agree.  Lying prone, until a leg has reps of its own, physics
stands in too: a clean prone rep moves the load hardly sideways at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def densest(values: list[float], width: float) -> tuple[float, int]:
    """Median of the largest group of values within ``width`` of each other, and its size."""
    vs = sorted(values)
    best_i, best_n, j = 0, 0, 0
    for i in range(len(vs)):
        while vs[i] - vs[j] > width:
            j += 1
        if i - j + 1 > best_n:
            best_n, best_i = i - j + 1, j
    group = vs[best_i:best_i + best_n]
    return group[len(group) // 2], best_n


PRIOR_UNTIL = 3   # prone: the physics prior (no sideways shift) stands in until a leg has this many reps


@dataclass
class LegReference:
    dx: list[float] = field(default_factory=list)
    dy: list[float] = field(default_factory=list)
    lift_s: list[float] = field(default_factory=list)


@dataclass
class Reference:
    """Per-leg clean-rep shifts (m) for one exercise; serialisable for the profile store."""

    exercise: str
    legs: dict[str, LegReference] = field(default_factory=lambda: {"left": LegReference(), "right": LegReference(), "": LegReference()})
    keep: int = 30

    def add(self, leg: str | None, dx: float, dy: float) -> None:
        ref = self.legs[leg or ""]
        ref.dx.append(dx)
        ref.dy.append(dy)
        del ref.dx[:-self.keep], ref.dy[:-self.keep]

    def plus(self, leg: str | None, dx: float, dy: float) -> "Reference":
        """A copy with one more rep: to judge a rep held back with the one that followed it."""
        legs = {k: LegReference(list(v.dx), list(v.dy), list(v.lift_s)) for k, v in self.legs.items()}
        other = Reference(self.exercise, legs, self.keep)
        other.add(leg, dx, dy)
        return other

    def known(self, leg: str | None) -> int:
        """How many reps back the expectation for ``leg`` (its own, and the other leg's mirrored)."""
        other = {"left": "right", "right": "left"}.get(leg or "")
        return len(self.legs[leg or ""].dx) + (len(self.legs[other].dx) if other else 0)

    def expected(self, leg: str | None, width: float) -> tuple[float | None, float | None]:
        """The expected sideways and forward shift of a clean rep of ``leg`` (m), if known."""
        own = self.legs[leg or ""]
        xs, ys = list(own.dx), list(own.dy)
        # The body is near symmetric: the other leg's reps, mirrored, count too (a set
        # that starts with tilted reps would otherwise make the tilt its reference).
        other = {"left": "right", "right": "left"}.get(leg or "")
        if other and self.legs[other].dx:
            xs = xs + [-v for v in self.legs[other].dx]
            ys = ys + list(self.legs[other].dy)
        if len(own.dx) < PRIOR_UNTIL and self.exercise == "prone":
            xs = xs + [0.0, 0.0]
        if not xs:
            return None, None
        ex, n = densest(xs, width)
        if n < 2 and len(xs) > 1:
            return None, None
        ey = densest(ys, width)[0] if ys else None
        return ex, ey

    def to_dict(self) -> dict:
        return {"exercise": self.exercise,
                "legs": {k: {"dx": v.dx, "dy": v.dy} for k, v in self.legs.items() if v.dx}}

    @classmethod
    def from_dict(cls, d: dict) -> "Reference":
        ref = cls(d["exercise"])
        for k, v in d.get("legs", {}).items():
            if k in ref.legs:
                ref.legs[k].dx = [float(x) for x in v.get("dx", [])]
                ref.legs[k].dy = [float(x) for x in v.get("dy", [])]
        return ref

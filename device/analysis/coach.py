"""Cues: a few words at the right moment, for a user who may be face down.

One cue per rep at most, the most important fault first; the same cue is not
repeated within a few seconds so the voice does not nag.
"""

from __future__ import annotations

CUES = {
    "hips_square": "Keep your hips square",
    "slow_down": "Slow down, control the leg",
    "back_flat": "Brace your core, keep your back flat",
    "hold_top": "Hold and squeeze at the top",
    "control_lower": "Lower slowly",
    "switch_legs": "Switch legs",
}
HOLD_SHORT_S = 0.25
LOWER_SHORT_S = 0.7


class Coach:
    def __init__(self, quiet_s: float = 4.0) -> None:
        self.quiet_s = quiet_s
        self._last: dict[str, float] = {}

    def after_rep(self, t: float, rep: dict) -> dict | None:
        if rep["tilt"]:
            name = "hips_square"
        elif rep["momentum"]:
            name = "slow_down"
        elif rep.get("arch"):
            name = "back_flat"
        elif rep["hold_s"] < HOLD_SHORT_S:
            name = "hold_top"
        elif rep["lower_s"] < LOWER_SHORT_S and rep["lower_s"] < rep["lift_s"]:
            name = "control_lower"
        else:
            return None
        return self.say(t, name)

    def say(self, t: float, name: str) -> dict | None:
        last = self._last.get(name)
        if last is not None and t - last < self.quiet_s:
            return None
        self._last[name] = t
        return {"type": "cue", "t": round(t, 3), "cue": name, "text": CUES[name]}

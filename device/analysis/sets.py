"""Sets: runs of reps on one leg.  A long pause or a change of leg starts a new one."""

from __future__ import annotations


class SetTracker:
    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self.sets: list[dict] = []
        self.open: dict | None = None
        self.target: int | None = None

    def would_join(self, start: float, leg: str | None) -> bool:
        """Would a rep starting at ``start`` on ``leg`` go on the open set (not start a new one)?"""
        cur = self.open
        if cur is None:
            return False
        changed = leg and cur["leg"] and leg != cur["leg"]
        return not (start - cur["end"] > self.gap_s or changed)

    def add(self, rep: dict) -> list[dict]:
        """Put a rep in a set; returns set events (an end and/or a start)."""
        events = []
        cur = self.open
        if cur is not None and not self.would_join(rep["start"], rep["leg"]):
            events += self.close(rep["start"])
            cur = None
        if cur is None:
            cur = self.open = {"leg": rep["leg"], "start": rep["start"], "end": rep["end"], "reps": []}
            self.sets.append(cur)
            events.append({"type": "set", "t": rep["start"], "event": "start", "set": len(self.sets), "leg": rep["leg"]})
        cur["reps"].append(rep)
        cur["end"] = rep["end"]
        if cur["leg"] is None and rep["leg"]:
            cur["leg"] = rep["leg"]
        return events

    def idle(self, t: float) -> list[dict]:
        """Close the open set once the pause is longer than a set gap."""
        if self.open is not None and t - self.open["end"] > self.gap_s:
            return self.close(t)
        return []

    def close(self, t: float) -> list[dict]:
        cur, self.open = self.open, None
        if cur is None:
            return []
        return [{"type": "set", "t": round(t, 3), "event": "end", "set": len(self.sets),
                 "leg": cur["leg"], "reps": len(cur["reps"])}]

    @property
    def number(self) -> int:
        return len(self.sets)

    @property
    def count(self) -> int:
        return len(self.open["reps"]) if self.open else 0

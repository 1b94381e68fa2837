"""Whose session is it: the selected profile, else the one whose body mass matches."""

from __future__ import annotations

MASS_TOLERANCE_KG = 5.0


def pick_profile(profiles: list[dict], selected: int | None, mass_kg: float | None,
                 tolerance_kg: float = MASS_TOLERANCE_KG) -> dict | None:
    """The profile for a session that starts now, or None (an anonymous session).

    A selected profile always wins.  Otherwise exactly one profile within
    ``tolerance_kg`` of the measured mass is taken; two candidates are
    ambiguous and a guess would put one person's reps in another's history.
    """
    if selected is not None:
        return next((p for p in profiles if p["id"] == selected), None)
    if mass_kg is None:
        return None
    near = [p for p in profiles if p.get("mass_kg") is not None and abs(p["mass_kg"] - mass_kg) <= tolerance_kg]
    return near[0] if len(near) == 1 else None

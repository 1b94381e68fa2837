"""History: sessions per profile, trends, and a session's report (printable for a physio)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import data
from .util import MAX_ID, int_arg, parse_id

bp = Blueprint("history", __name__)


@bp.get("/history")
def index() -> str:
    profile_id = int_arg("profile", None, 1, MAX_ID)
    profile = data.profile_or_404(profile_id) if profile_id is not None else None
    sessions = data.sessions(profile_id, limit=200)
    return render_template("history.html", sessions=sessions, profiles=data.profiles(), profile=profile)


@bp.get("/sessions/<sid>")
def session(sid: str) -> str:
    s = data.session_or_404(parse_id(sid, "session"))
    reps = data.all_reps(s)
    return render_template("session.html", s=s, reps=reps, comparison=data.side_summary(reps),
                           duration=data.rep_duration)

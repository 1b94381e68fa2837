"""What the dashboard reads from the store, and the figures made from it.

Stores are opened per request (one SQLite connection per thread, closed at
teardown): read-only for everything but profiles, which the dashboard
creates, renames and deletes.  The device service is the only writer of
sessions.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from flask import abort, current_app, g

from device.store import DB_NAME, SessionStore, StoreNotReady

REP_COLUMNS = ("session", "set", "count", "leg", "start", "end", "duration_s", "lift_s", "hold_s",
               "lower_s", "tilt", "tilt_side", "ai_peak", "momentum", "arch", "pulses")


def _db_path() -> Path:
    return Path(current_app.config["DATA_DIR"]) / DB_NAME


def store() -> SessionStore | None:
    """The read-only store for this request; None while the device service has not created it."""
    if "store_ro" not in g:
        try:
            g.store_ro = SessionStore(_db_path(), readonly=True)
        except StoreNotReady:  # absent, or being created and migrated right now
            g.store_ro = None
    return g.store_ro


def writable_store() -> SessionStore:
    if "store_rw" not in g:
        g.store_rw = SessionStore(_db_path())
    return g.store_rw


def profiles() -> list[dict]:
    s = store()
    return s.list_profiles() if s else []


def sessions(profile_id: int | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
    s = store()
    return s.list_sessions(profile_id, limit=limit, offset=offset) if s else []


def session_or_404(session_id: int) -> dict:
    s = store()
    found = s.get_session(session_id) if s else None
    if found is None:
        abort(404, description=f"no session {session_id}")
    return found


def profile_or_404(profile_id: int) -> dict:
    s = store()
    found = s.get_profile(profile_id) if s else None
    if found is None:
        abort(404, description=f"no profile {profile_id}")
    return found


def all_reps(session: dict) -> list[dict]:
    return [r for st in session.get("sets", []) for r in st["reps"]]


# ---- figures ---------------------------------------------------------------

def _mean(values: Iterable[float | None]) -> float | None:
    v = [x for x in values if x is not None and math.isfinite(x)]
    return round(sum(v) / len(v), 2) if v else None


def rep_duration(rep: dict) -> float | None:
    parts = [rep.get(k) for k in ("lift_s", "hold_s", "lower_s")]
    if any(p is None for p in parts):
        return None
    return round(sum(parts), 3)


def side_summary(reps: list[dict]) -> dict[str, dict]:
    """Left against right: reps, mean tempo per phase, tilt/momentum rates (share of reps, %)."""
    out = {}
    for side in ("left", "right"):
        mine = [r for r in reps if r.get("leg") == side]
        n = len(mine)
        out[side] = {
            "reps": n,
            "lift_s": _mean(r.get("lift_s") for r in mine),
            "hold_s": _mean(r.get("hold_s") for r in mine),
            "lower_s": _mean(r.get("lower_s") for r in mine),
            "rep_s": _mean(rep_duration(r) for r in mine),
            "tilt_pct": round(100 * sum(bool(r.get("tilt")) for r in mine) / n) if n else None,
            "momentum_pct": round(100 * sum(bool(r.get("momentum")) for r in mine) / n) if n else None,
        }
    return out


def trend(session_list: list[dict]) -> list[dict]:
    """Per session, oldest first: reps and tilt rate (for the history chart)."""
    s = store()
    rows = []
    for sess in reversed(session_list):
        reps = all_reps(s.get_session(sess["id"]) or {}) if s else []
        n = len(reps)
        rows.append({"id": sess["id"], "started": sess["started_wall"], "reps": n,
                     "tilt_pct": round(100 * sum(bool(r.get("tilt")) for r in reps) / n) if n else None,
                     "left": sum(r.get("leg") == "left" for r in reps),
                     "right": sum(r.get("leg") == "right" for r in reps)})
    return rows


def chart(session_id: int, rate_hz: float = 10.0) -> dict[str, Any]:
    """The session's frames as kg, averaged into ``rate_hz`` bins: t, total, ai; plus the reps."""
    s = store()
    info = s.session_info(session_id)
    rows = [(f.t, f.fl, f.fr, f.bl, f.br) for f in s.iter_frames(session_id)]
    out: dict[str, Any] = {"t": [], "total": [], "ai": []}
    if rows:
        a = np.asarray(rows, dtype=float)
        if info.units == "counts" and info.calibration:
            for i, cell in enumerate(("fl", "fr", "bl", "br"), start=1):
                cal = info.calibration[cell]
                a[:, i] = (a[:, i] - cal.tare) / cal.scale
        t = a[:, 0]
        total = a[:, 1:].sum(axis=1)
        left = a[:, 1] + a[:, 3]
        right = a[:, 2] + a[:, 4]
        with np.errstate(divide="ignore", invalid="ignore"):
            ai = np.where(total > 5.0, 100.0 * (left - right) / total, np.nan)
        bins = np.floor((t - t[0]) * rate_hz).astype(np.int64)
        edges = np.flatnonzero(np.diff(bins)) + 1
        starts = np.concatenate(([0], edges))
        counts = np.diff(np.concatenate((starts, [len(t)])))
        t_b = t[0] + bins[starts] / rate_hz
        total_b = np.add.reduceat(total, starts) / counts
        ai_valid = ~np.isnan(ai)
        ai_sum = np.add.reduceat(np.where(ai_valid, ai, 0.0), starts)
        ai_n = np.add.reduceat(ai_valid.astype(float), starts)
        with np.errstate(divide="ignore", invalid="ignore"):
            ai_b = np.where(ai_n > 0, ai_sum / ai_n, np.nan)
        out = {"t": [round(float(x), 2) for x in t_b],
               "total": [round(float(x), 2) for x in total_b],
               "ai": [None if math.isnan(x) else round(float(x), 1) for x in ai_b]}
    session = s.get_session(session_id) or {}
    out["reps"] = [{"start": r["start"], "end": r["end"], "leg": r["leg"], "tilt": r.get("tilt"),
                    "set": r["set"], "count": r["count"]} for r in all_reps(session)]
    out["rate_hz"] = rate_hz
    return out


# ---- exports ---------------------------------------------------------------

def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def reps_csv(session: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REP_COLUMNS)
    for r in all_reps(session):
        row = {**r, "session": session["id"], "duration_s": rep_duration(r)}
        w.writerow([_cell(row.get(c)) for c in REP_COLUMNS])
    return buf.getvalue()


def result_json(session_id: int) -> str:
    return json.dumps(store().session_result(session_id), indent=1) + "\n"


def recording(session_id: int) -> str:
    return store().export_recording(session_id)


def profile_zip(profile: dict, out: io.BufferedIOBase) -> None:
    """Every session of a profile: per session the CSV, the JSON and the raw recording."""
    s = store()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        index = []
        offset = 0
        while True:
            batch = s.list_sessions(profile["id"], limit=100, offset=offset)
            if not batch:
                break
            offset += len(batch)
            for sess in batch:
                full = s.get_session(sess["id"])
                stem = f"smartmat-session-{sess['id']}"
                z.writestr(f"{stem}.csv", reps_csv(full))
                z.writestr(f"{stem}.json", result_json(sess["id"]))
                with z.open(f"{stem}.recording.csv", "w") as raw, io.TextIOWrapper(raw, "utf-8", newline="") as text:
                    s.export_recording(sess["id"], out=text)
                index.append({"session": sess["id"], "started": sess["started_wall"],
                              "exercise": sess["exercise"], "reps": sess["reps_total"]})
        z.writestr("index.json", json.dumps({"profile": profile["name"], "sessions": index}, indent=1) + "\n")

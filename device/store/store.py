"""SessionStore: profiles, sessions, sets, reps, events and raw frames in one SQLite file.

See the package docstring (``device.store``) for the API; this module is its
implementation.  One connection per thread: the device service's writer
thread owns a writable store, every reader (the web process, the service's
own look-ups) opens its own, read-only.  WAL mode lets readers read while the
writer commits.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..frames import CELLS, CellCalibration, Frame, SourceInfo
from ..recording import format_frames, format_header
from .codec import decode_block, encode_block
from . import schema
from .schema import StoreError, StoreNotReady

DB_NAME = "smartmat.db"
ANALYSIS_FORMAT = "smartmat-analysis v1"
REP_FIELDS = ("start", "end", "leg", "lift_s", "hold_s", "lower_s", "tilt", "tilt_side",
              "ai_peak", "momentum", "arch", "pulses")
_BOOL_FIELDS = ("tilt", "momentum", "arch")
REVISED_FIELDS = ("tilt", "tilt_side", "ai_peak", "arch")   # what a rep_revised event may change
# Event types kept in the events table (reps and sets have their own tables;
# frame summaries and phases are derivable from the raw frames).
STORED_EVENTS = ("cue", "fault", "sensor_fault", "state", "set")


def now_wall() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def info_to_json(info: SourceInfo) -> str:
    cal = None
    if info.calibration:
        cal = {c: {"tare": v.tare, "scale": v.scale} for c, v in info.calibration.items()}
    return json.dumps({"units": info.units, "rate_hz": info.rate_hz, "width_m": info.width_m,
                       "length_m": info.length_m, "exercise": info.exercise, "calibration": cal,
                       "metadata": info.metadata})


def info_from_json(text: str) -> SourceInfo:
    d = json.loads(text)
    cal = d.get("calibration")
    if cal:
        cal = {c: CellCalibration(v["tare"], v["scale"]) for c, v in cal.items()}
    return SourceInfo(units=d["units"], rate_hz=d.get("rate_hz"), width_m=d["width_m"],
                      length_m=d["length_m"], exercise=d.get("exercise"), calibration=cal,
                      metadata=d.get("metadata") or {})


def _column(field: str, v: Any) -> Any:
    """A rep field as its column holds it: flags as 0/1, NaN or infinity as NULL."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return int(bool(v)) if field in _BOOL_FIELDS and v is not None else v


class SessionStore:
    """One connection to the store.  Not thread-safe: one per thread."""

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False,
                 timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise StoreNotReady(f"{self.path}: no store yet (the device service creates it)")
            uri = f"file:{self.path}?mode=ro"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = f"file:{self.path}?mode=rwc"
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None,
                                      check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open: {exc}") from None
        try:
            self.db.row_factory = sqlite3.Row
            # Check before anything that writes (switching to WAL rewrites the header).
            version = schema.check(self.db, self.path, write=not readonly)
            if not readonly:
                if version == 0:
                    # A new file: 16 KiB pages hold six 2.5 kB frame blocks; 4 KiB pages held one.
                    self._pragma("page_size = 16384")
                self._pragma("journal_mode = WAL")
                # FULL: a commit (each rep, each second of frames) survives a power cut.
                self._pragma("synchronous = FULL")
                schema.migrate(self.db, self.path, version)
            self._pragma("foreign_keys = ON")
        except BaseException:
            self.db.close()
            raise

    def _pragma(self, text: str) -> None:
        try:
            self.db.execute(f"PRAGMA {text}").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a smartmat database ({exc}); "
                             "move it aside, it was not changed") from None

    @classmethod
    def in_dir(cls, data_dir: str | os.PathLike[str], **kw: Any) -> "SessionStore":
        return cls(Path(data_dir) / DB_NAME, **kw)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SessionStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _tx(self) -> "_Tx":
        return _Tx(self.db)

    # ---- profiles -------------------------------------------------------

    @staticmethod
    def _profile(row: sqlite3.Row | None) -> dict | None:
        if row is None:
            return None
        d = dict(row)
        d["reference"] = json.loads(d["reference"]) if d["reference"] else None
        return d

    def list_profiles(self) -> list[dict]:
        rows = self.db.execute("SELECT * FROM profiles ORDER BY name COLLATE NOCASE").fetchall()
        return [self._profile(r) for r in rows]

    def get_profile(self, profile: int | str) -> dict | None:
        col = "name" if isinstance(profile, str) else "id"
        return self._profile(self.db.execute(f"SELECT * FROM profiles WHERE {col} = ?", (profile,)).fetchone())

    def create_profile(self, name: str, mass_kg: float | None = None) -> dict:
        name = _check_name(name)
        with self._tx():
            try:
                cur = self.db.execute("INSERT INTO profiles(name, mass_kg, created) VALUES (?, ?, ?)",
                                      (name, _check_mass(mass_kg), now_wall()))
            except sqlite3.IntegrityError:
                raise ValueError(f"a profile named {name!r} exists already") from None
        return self.get_profile(cur.lastrowid)

    _UNSET: Any = object()

    def update_profile(self, profile_id: int, *, name: str = _UNSET, mass_kg: float | None = _UNSET,
                       reference: dict | None = _UNSET) -> dict:
        sets, args = [], []
        if name is not self._UNSET:
            sets.append("name = ?"), args.append(_check_name(name))
        if mass_kg is not self._UNSET:
            sets.append("mass_kg = ?"), args.append(_check_mass(mass_kg))
        if reference is not self._UNSET:
            sets.append("reference = ?"), args.append(None if reference is None else json.dumps(reference))
        if sets:
            with self._tx():
                try:
                    cur = self.db.execute(f"UPDATE profiles SET {', '.join(sets)} WHERE id = ?",
                                          (*args, profile_id))
                except sqlite3.IntegrityError:
                    raise ValueError(f"a profile named {name!r} exists already") from None
                if cur.rowcount == 0:
                    raise KeyError(f"no profile {profile_id}")
        p = self.get_profile(profile_id)
        if p is None:
            raise KeyError(f"no profile {profile_id}")
        return p

    def delete_profile(self, profile_id: int) -> bool:
        """Delete a profile; its sessions stay, without a profile."""
        with self._tx():
            return self.db.execute("DELETE FROM profiles WHERE id = ?", (profile_id,)).rowcount > 0

    def profiles_matching_mass(self, mass_kg: float, tolerance_kg: float = 5.0) -> list[dict]:
        return [p for p in self.list_profiles()
                if p["mass_kg"] is not None and abs(p["mass_kg"] - mass_kg) <= tolerance_kg]

    # ---- calibration ----------------------------------------------------

    def latest_calibration(self) -> tuple[int, dict] | None:
        row = self.db.execute("SELECT id, data FROM calibration ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        try:
            return row["id"], json.loads(row["data"])
        except (TypeError, ValueError):
            return row["id"], {"raw": row["data"]}

    # ---- writing a session (the device service's writer thread) ---------

    def next_session_id(self) -> int:
        return (self.db.execute("SELECT coalesce(max(id), 0) FROM sessions").fetchone()[0]) + 1

    def begin_session(self, *, session_id: int | None = None, profile_id: int | None, exercise: str | None,
                      source: str, info: SourceInfo, started_mono: float, t0: float | None = None,
                      started_wall: str | None = None, calibration_id: int | None = None) -> int:
        with self._tx():
            if profile_id is not None and self.get_profile(profile_id) is None:
                profile_id = None  # deleted meanwhile: keep the session, anonymous
            cur = self.db.execute(
                "INSERT INTO sessions(id, profile_id, exercise, source, info, calibration_id, started_wall,"
                " started_mono, t0) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, profile_id, exercise, source, info_to_json(info), calibration_id,
                 started_wall or now_wall(), started_mono, t0))
        return cur.lastrowid

    def update_session(self, session_id: int, **fields: Any) -> None:
        allowed = {"exercise", "profile_id", "t0", "glitches", "target"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"cannot update {', '.join(sorted(bad))}")
        if "target" in fields and fields["target"] is not None:
            fields["target"] = json.dumps(fields["target"])
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._tx():
            self.db.execute(f"UPDATE sessions SET {cols} WHERE id = ?", (*fields.values(), session_id))

    def end_session(self, session_id: int, *, end_t: float | None, interrupted: bool = False,
                    glitches: int | None = None) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE sessions SET ended_wall = ?, end_t = coalesce(?, end_t), interrupted = ?,"
                " glitches = coalesce(?, glitches) WHERE id = ?",
                (now_wall(), end_t, int(interrupted), glitches, session_id))

    def close_interrupted(self) -> list[int]:
        """Mark sessions left open by a crash or power cut as interrupted; returns their ids."""
        with self._tx():
            ids = [r[0] for r in self.db.execute("SELECT id FROM sessions WHERE ended_wall IS NULL")]
            for sid in ids:
                last = self.db.execute(
                    "SELECT max(x) FROM (SELECT max(t1) AS x FROM frame_blocks WHERE session_id = ?1"
                    " UNION ALL SELECT max(end) FROM reps WHERE session_id = ?1)", (sid,)).fetchone()[0]
                self.db.execute("UPDATE sessions SET ended_wall = ?, end_t = ?, interrupted = 1 WHERE id = ?",
                                (now_wall(), last, sid))
                self.db.execute("UPDATE sets SET end = (SELECT max(end) FROM reps r WHERE r.session_id = sets.session_id"
                                " AND r.set_number = sets.number) WHERE session_id = ? AND end IS NULL", (sid,))
        return ids

    def add_set(self, session_id: int, event: dict) -> None:
        """A ``set`` event: start creates the set, end closes it.

        A set's ``end`` is that of SPEC section 3: the end of its last rep (the
        event's ``t`` is when the pause made it over, a set gap later).
        """
        number, leg = int(event["set"]), event.get("leg")
        with self._tx():
            self.db.execute("INSERT OR IGNORE INTO sets(session_id, number, leg, start) VALUES (?, ?, ?, ?)",
                            (session_id, number, leg, event.get("t")))
            if event.get("event") == "end":
                self.db.execute(
                    "UPDATE sets SET leg = coalesce(leg, ?), end = coalesce(?, (SELECT max(r.end) FROM reps r"
                    " WHERE r.session_id = sets.session_id AND r.set_number = sets.number), ?)"
                    " WHERE session_id = ? AND number = ?",
                    (leg, event.get("end"), event.get("t"), session_id, number))

    def add_rep(self, session_id: int, rep: dict) -> None:
        """A ``rep`` event (SPEC section 3 rep plus ``set`` and ``count``), committed at once."""
        number = int(rep.get("set") or 1)
        values = [_column(k, rep.get(k)) for k in REP_FIELDS]
        extra = {k: v for k, v in rep.items() if k not in REP_FIELDS and k not in ("type", "t", "set", "count")}
        with self._tx():
            self.db.execute("INSERT OR IGNORE INTO sets(session_id, number, leg, start) VALUES (?, ?, ?, ?)",
                            (session_id, number, rep.get("leg"), rep.get("start")))
            self.db.execute(
                f"INSERT INTO reps(session_id, set_number, count, {', '.join(REP_FIELDS)}, extra)"
                f" VALUES (?, ?, ?, {', '.join('?' * len(REP_FIELDS))}, ?)",
                (session_id, number, int(rep.get("count") or 0), *values, json.dumps(extra) if extra else None))

    def revise_rep(self, session_id: int, event: dict) -> None:
        """A ``rep_revised`` event: the session's end judged the rep's form again (docs/events.md)."""
        fields = [k for k in REVISED_FIELDS if k in event]
        if not fields:
            return
        values = [_column(k, event[k]) for k in fields]
        with self._tx():
            self.db.execute(f"UPDATE reps SET {', '.join(f'{k} = ?' for k in fields)}"
                            " WHERE session_id = ? AND set_number = ? AND count = ?",
                            (*values, session_id, int(event["set"]), int(event["count"])))

    def add_event(self, session_id: int, event: dict) -> None:
        with self._tx():
            self.db.execute("INSERT INTO events(session_id, t, type, data) VALUES (?, ?, ?, ?)",
                            (session_id, event.get("t"), event["type"], json.dumps(event)))

    def add_frames(self, session_id: int, frames: Sequence[Frame]) -> None:
        """One block of raw frames (the service hands over one per second)."""
        if not frames:
            return
        blob = encode_block(frames)
        with self._tx():
            seq = self.db.execute("SELECT coalesce(max(seq), -1) + 1 FROM frame_blocks WHERE session_id = ?",
                                  (session_id,)).fetchone()[0]
            self.db.execute("INSERT INTO frame_blocks(session_id, seq, t0, t1, n, data) VALUES (?, ?, ?, ?, ?, ?)",
                            (session_id, seq, frames[0].t, frames[-1].t, len(frames), blob))

    def delete_session(self, session_id: int) -> bool:
        with self._tx():
            return self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    # ---- reading --------------------------------------------------------

    @staticmethod
    def _session(row: sqlite3.Row) -> dict:
        d = dict(row)
        d["interrupted"] = bool(d["interrupted"])
        d["open"] = d["ended_wall"] is None
        d["info"] = json.loads(d["info"])
        d["target"] = json.loads(d["target"]) if d.get("target") else None
        d["duration_s"] = (d["end_t"] - d["t0"]) if d["end_t"] is not None and d["t0"] is not None else None
        return d

    _SESSION_SELECT = ("SELECT s.*, p.name AS profile_name,"
                       " (SELECT count(*) FROM reps r WHERE r.session_id = s.id) AS reps_total,"
                       " (SELECT count(*) FROM sets x WHERE x.session_id = s.id) AS sets_total"
                       " FROM sessions s LEFT JOIN profiles p ON p.id = s.profile_id")

    def list_sessions(self, profile_id: int | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        """Sessions newest first (by id: wall time may jump), optionally of one profile."""
        where, args = ("WHERE s.profile_id = ?", [profile_id]) if profile_id is not None else ("", [])
        rows = self.db.execute(f"{self._SESSION_SELECT} {where} ORDER BY s.id DESC LIMIT ? OFFSET ?",
                               (*args, limit, offset)).fetchall()
        return [self._session(r) for r in rows]

    @staticmethod
    def _rep(row: sqlite3.Row) -> dict:
        d = {k: row[k] for k in REP_FIELDS}
        for k in _BOOL_FIELDS:
            if d[k] is not None:
                d[k] = bool(d[k])
        if row["extra"]:
            d.update(json.loads(row["extra"]))
        d["set"], d["count"] = row["set_number"], row["count"]
        return d

    def get_session(self, session_id: int) -> dict | None:
        """The session with ``sets`` (each with its ``reps``) and ``events``; None if unknown."""
        row = self.db.execute(f"{self._SESSION_SELECT} WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        s = self._session(row)
        sets = {r["number"]: {"set": r["number"], "leg": r["leg"], "start": r["start"], "end": r["end"], "reps": []}
                for r in self.db.execute("SELECT * FROM sets WHERE session_id = ? ORDER BY number", (session_id,))}
        for r in self.db.execute("SELECT * FROM reps WHERE session_id = ? ORDER BY set_number, count, id",
                                 (session_id,)):
            rep = self._rep(r)
            sets.setdefault(rep["set"], {"set": rep["set"], "leg": rep["leg"], "start": rep["start"],
                                         "end": None, "reps": []})["reps"].append(rep)
        s["sets"] = [sets[k] for k in sorted(sets)]
        s["events"] = [json.loads(r[0]) for r in self.db.execute(
            "SELECT data FROM events WHERE session_id = ? ORDER BY id", (session_id,))]
        return s

    def session_result(self, session_id: int) -> dict | None:
        """The session as a SPEC section 3 object (what ``smartmat analyze --json`` prints)."""
        s = self.get_session(session_id)
        if s is None:
            return None
        frames = self.db.execute("SELECT coalesce(sum(n), 0), min(t0), max(t1) FROM frame_blocks WHERE session_id = ?",
                                 (session_id,)).fetchone()
        sets = []
        for st in s["sets"]:
            if not st["reps"]:
                continue
            reps = [{k: r.get(k) for k in REP_FIELDS} for r in st["reps"]]
            end = st["end"] if st["end"] is not None else reps[-1]["end"]
            sets.append({"leg": st["leg"] or reps[0]["leg"], "start": st["start"], "end": end, "reps": reps})
        t0 = frames[1] if frames[1] is not None else s["t0"]
        t1 = frames[2] if frames[2] is not None else s["end_t"]
        return {"format": ANALYSIS_FORMAT, "exercise": s["exercise"], "frames": frames[0],
                "duration_s": (t1 - t0) if t0 is not None and t1 is not None else 0.0,
                "glitches": s["glitches"], "reps_total": sum(len(x["reps"]) for x in sets), "sets": sets}

    def session_info(self, session_id: int) -> SourceInfo:
        row = self.db.execute("SELECT info, exercise FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise KeyError(f"no session {session_id}")
        info = info_from_json(row["info"])
        if row["exercise"] and not info.exercise:
            info.exercise = row["exercise"]
        return info

    def iter_frames(self, session_id: int) -> Iterator[Frame]:
        """The session's raw frames, in order, in the source's units; streamed block by block."""
        last = -1
        while True:
            row = self.db.execute("SELECT seq, data FROM frame_blocks WHERE session_id = ? AND seq > ?"
                                  " ORDER BY seq LIMIT 1", (session_id, last)).fetchone()
            if row is None:
                return
            last = row["seq"]
            yield from decode_block(row["data"])

    def export_recording(self, session_id: int, out: io.TextIOBase | None = None) -> str | None:
        """The session as a SPEC section 2 recording: returned as text, or written to ``out``."""
        info = self.session_info(session_id)
        target = out if out is not None else io.StringIO()
        target.write(format_header(info))
        for line in format_frames(self.iter_frames(session_id)):
            target.write(line)
        return None if out is not None else target.getvalue()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, nested uses join the outer transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.outer = False

    def __enter__(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.outer = True

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if not self.outer:
            return
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise ValueError("a profile name is 1-64 characters")
    return name.strip()


def _check_mass(mass: Any) -> float | None:
    if mass is None:
        return None
    if isinstance(mass, bool) or not isinstance(mass, (int, float)) or not 10 <= mass <= 300:
        raise ValueError(f"body mass must be 10-300 kg, got {mass!r}")
    return float(mass)

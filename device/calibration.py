"""The mat's calibration: per-cell tare and scale, stored with its date.

``kg = (counts - tare) / scale`` for each cell (scale in counts per kg), as in
:class:`device.frames.CellCalibration` and SPEC section 2.

Stored in the data directory's SQLite file ``smartmat.db``, table
``calibration(id INTEGER PRIMARY KEY, created TEXT, data TEXT)``: one row per
calibration, ``data`` the JSON of :meth:`Calibration.to_json`, the newest row
(highest id) in use.  Old rows stay as history.  The session store adopts
this table as it is.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .frames import CELLS, CellCalibration

DB_NAME = "smartmat.db"
SCHEMA = "CREATE TABLE IF NOT EXISTS calibration (id INTEGER PRIMARY KEY, created TEXT, data TEXT)"
MODES = ("corners", "centre")


@dataclass(frozen=True)
class Calibration:
    """Tare (counts) and scale (counts per kg) per cell, when and how they were measured.

    ``created`` is ISO 8601 wall time, a label only (a Pi's clock can jump at boot).
    """

    tare: dict[str, float]
    scale: dict[str, float]
    weight_kg: float
    mode: str = "corners"
    created: str = field(default_factory=lambda: _dt.datetime.now().astimezone().isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        for name in ("tare", "scale"):
            missing = [c for c in CELLS if c not in getattr(self, name)]
            if missing:
                raise ValueError(f"calibration {name} lacks {', '.join(missing)}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")

    def cells(self) -> dict[str, CellCalibration]:
        """Per-cell :class:`CellCalibration` for a SourceInfo."""
        return {c: CellCalibration(float(self.tare[c]), float(self.scale[c])) for c in CELLS}

    def to_kg(self, cell: str, counts: float) -> float:
        return (counts - self.tare[cell]) / self.scale[cell]

    def to_json(self) -> str:
        return json.dumps({"tare": {c: self.tare[c] for c in CELLS},
                           "scale": {c: self.scale[c] for c in CELLS},
                           "weight_kg": self.weight_kg, "mode": self.mode, "created": self.created},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        d = json.loads(text)
        return cls(tare={c: float(d["tare"][c]) for c in CELLS},
                   scale={c: float(d["scale"][c]) for c in CELLS},
                   weight_kg=float(d["weight_kg"]), mode=d.get("mode", "corners"),
                   created=d["created"])


def _connect(data_dir: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(Path(data_dir) / DB_NAME, timeout=10)
    conn.execute(SCHEMA)
    return conn


def save_calibration(data_dir: str | Path, cal: Calibration) -> int:
    """Store ``cal`` as the calibration in use; returns its row id."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    conn = _connect(data_dir)
    try:
        with conn:
            cur = conn.execute("INSERT INTO calibration (created, data) VALUES (?, ?)",
                               (cal.created, cal.to_json()))
        return int(cur.lastrowid)
    finally:
        conn.close()


def load_calibration(data_dir: str | Path) -> Calibration | None:
    """The calibration in use (newest row), or None if the mat was never calibrated."""
    path = Path(data_dir) / DB_NAME
    if not path.exists():
        return None
    conn = _connect(data_dir)
    try:
        row = conn.execute("SELECT data FROM calibration ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return Calibration.from_json(row[0]) if row else None

"""The store's schema: an ordered list of forward migrations and the opener that applies them.

``PRAGMA user_version`` is the number of migrations applied.  A new release
appends a migration and never edits an old one, so a database of any earlier
version is brought forward step by step, each step in one transaction.  A
file that is not SQLite, or that a newer release has written, is refused with
an error naming it: the data of a year of sessions is never overwritten.

The ``calibration`` table is shared with ``device/calibration.py`` (the
hardware side writes it, possibly before this schema exists), hence
``IF NOT EXISTS`` and the tolerance of that one table in a version-0 file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATIONS: list[str] = [
    # v1: the first schema.
    """
    CREATE TABLE IF NOT EXISTS calibration(
        id INTEGER PRIMARY KEY,
        created TEXT,
        data TEXT
    );
    CREATE TABLE profiles(
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        mass_kg REAL,
        reference TEXT,                 -- JSON: the analysis' personal reference
        created TEXT NOT NULL
    );
    CREATE TABLE sessions(
        id INTEGER PRIMARY KEY,
        profile_id INTEGER REFERENCES profiles(id) ON DELETE SET NULL,
        exercise TEXT,
        source TEXT NOT NULL,           -- sim | replay | hardware
        info TEXT NOT NULL,             -- JSON: SourceInfo (units, rate, mat, calibration)
        calibration_id INTEGER REFERENCES calibration(id),
        started_wall TEXT NOT NULL,     -- ISO 8601 UTC: a label, may jump with NTP
        started_mono REAL NOT NULL,     -- time.monotonic() at start
        t0 REAL,                        -- first frame's t (the recording's time base)
        end_t REAL,
        ended_wall TEXT,                -- NULL while open (or killed)
        interrupted INTEGER NOT NULL DEFAULT 0,
        glitches INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sets(
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        leg TEXT,
        start REAL,
        end REAL,
        UNIQUE(session_id, number)
    );
    CREATE TABLE reps(
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        set_number INTEGER NOT NULL,
        count INTEGER NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        leg TEXT,
        lift_s REAL, hold_s REAL, lower_s REAL,
        tilt INTEGER, tilt_side TEXT, ai_peak REAL, momentum INTEGER,
        arch INTEGER, pulses INTEGER,
        extra TEXT                      -- JSON: any further fields of the rep event
    );
    CREATE TABLE events(
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL,
        type TEXT NOT NULL,             -- cue | fault | sensor_fault | set | state
        data TEXT NOT NULL              -- JSON: the whole event
    );
    CREATE TABLE frame_blocks(
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        t0 REAL NOT NULL,
        t1 REAL NOT NULL,
        n INTEGER NOT NULL,
        data BLOB NOT NULL,             -- device.store.codec block
        PRIMARY KEY(session_id, seq)
    ) WITHOUT ROWID;
    """,
    # v2: the dashboard lists sessions per profile, newest first, and a
    # session's reps and events; index them.
    """
    CREATE INDEX sessions_by_profile ON sessions(profile_id, started_mono);
    CREATE INDEX reps_by_session ON reps(session_id, set_number, count);
    CREATE INDEX events_by_session ON events(session_id, t);
    """,
    # v3: the target the user set (reps per set, sets) belongs to the session.
    """
    ALTER TABLE sessions ADD COLUMN target TEXT;  -- JSON {"reps": n, "sets": n} or NULL
    """,
    # v4: frame blocks (1-3 kB each) in a rowid table: WITHOUT ROWID keeps whole
    # rows in the B-tree and wasted almost half of every page on them.
    """
    CREATE TABLE frame_blocks_v4(
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        t0 REAL NOT NULL,
        t1 REAL NOT NULL,
        n INTEGER NOT NULL,
        data BLOB NOT NULL,
        UNIQUE(session_id, seq)
    );
    INSERT INTO frame_blocks_v4(session_id, seq, t0, t1, n, data)
        SELECT session_id, seq, t0, t1, n, data FROM frame_blocks ORDER BY session_id, seq;
    DROP TABLE frame_blocks;
    ALTER TABLE frame_blocks_v4 RENAME TO frame_blocks;
    """,
]

VERSION = len(MIGRATIONS)


class StoreError(RuntimeError):
    """The database cannot be used; the message names the file and what to do."""


class StoreNotReady(StoreError):
    """A reader found the store absent or not yet migrated: the device service is creating it."""


def _tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def check(db: sqlite3.Connection, where: str | Path, *, write: bool) -> int:
    """The schema version of ``db``, after checking this code may use it; changes nothing.

    Raises :class:`StoreError` for a file that is not SQLite, a newer version,
    an unknown version-0 database, or (read-only) an out-of-date one.
    """
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = _tables(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{where}: not a smartmat database ({exc}); move it aside, it was not changed") from None
    if version > VERSION:
        raise StoreError(f"{where}: schema version {version} is newer than this smartmat "
                         f"understands ({VERSION}); upgrade smartmat, the file was not changed")
    if version == 0 and tables - {"calibration"}:
        raise StoreError(f"{where}: holds tables {', '.join(sorted(tables))} but no smartmat "
                         "schema version; refusing to touch it")
    if version < VERSION and not write:
        raise StoreNotReady(f"{where}: schema version {version}, expected {VERSION}; "
                            "start the device service once to migrate it")
    return version


def migrate(db: sqlite3.Connection, where: str | Path, version: int) -> None:
    """Apply the migrations after ``version``, each in its own transaction."""
    for v in range(version, VERSION):
        try:
            db.execute("BEGIN IMMEDIATE")
            # executescript() would COMMIT first; run statement by statement inside our transaction.
            for statement in _statements(MIGRATIONS[v]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {v + 1}")
            db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            db.execute("ROLLBACK")
            raise StoreError(f"{where}: migration to version {v + 1} failed: {exc}") from None


def _statements(script: str) -> list[str]:
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buf!r}")
    return out

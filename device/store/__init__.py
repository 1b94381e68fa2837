"""The session store: everything the mat has measured, in one SQLite file (``<data_dir>/smartmat.db``).

Who uses it
    The device service is the only writer of sessions, sets, reps, events and
    frames; it writes through :class:`StoreWriter` (a thread with a queue) so
    the sensor loop never blocks.  The web process opens
    ``SessionStore(path, readonly=True)`` (WAL: readers never block the
    writer) and may create, rename and delete profiles with a writable one.

Opening
    ``SessionStore.in_dir(data_dir, readonly=False)`` or ``SessionStore(path)``.
    A file that is not a smartmat database, or one written by a newer
    release, raises :class:`StoreError` naming the file; nothing is
    overwritten.  A writable open applies the forward migrations
    (``schema.MIGRATIONS``, ``PRAGMA user_version``).

Profiles (dicts: ``id``, ``name``, ``mass_kg``, ``reference``, ``created``)
    ``list_profiles()``, ``get_profile(id_or_name)``,
    ``create_profile(name, mass_kg=None)`` (ValueError on a duplicate or bad
    value), ``update_profile(id, name=..., mass_kg=..., reference=...)``
    (KeyError if unknown), ``delete_profile(id) -> bool`` (sessions stay,
    anonymous), ``profiles_matching_mass(kg, tolerance_kg=5)``.

Sessions
    ``list_sessions(profile_id=None, limit=100, offset=0)``: newest first;
    each dict has ``id``, ``profile_id``, ``profile_name``, ``exercise``,
    ``source``, ``started_wall`` (ISO UTC), ``t0``, ``end_t``,
    ``duration_s``, ``ended_wall``, ``open`` (still running),
    ``interrupted`` (the service died mid-session), ``reps_total``,
    ``sets_total``, ``glitches``, ``target``, ``info``.
    ``get_session(id)``: the same plus ``sets`` (each ``set``, ``leg``,
    ``start``, ``end``, ``reps``: the SPEC section 3 rep with ``arch``,
    ``pulses``, ``set``, ``count``) and ``events`` (cues, faults, sensor
    faults, state and set events as they were on the bus); None if unknown.
    ``session_result(id)``: the SPEC section 3 object (``smartmat analyze``).
    ``iter_frames(id)``: the raw frames (source units), streamed.
    ``export_recording(id, out=None)``: SPEC section 2 text (returned, or
    written to the text stream ``out``); ``smartmat analyze`` on it gives
    the same reps.  ``delete_session(id)``.

Frames are kept as one compressed block per second (``codec``), exactly.
"""

from .schema import MIGRATIONS, VERSION, StoreError, StoreNotReady
from .store import DB_NAME, SessionStore
from .writer import StoreWriter

__all__ = ["DB_NAME", "MIGRATIONS", "VERSION", "SessionStore", "StoreError", "StoreNotReady", "StoreWriter"]

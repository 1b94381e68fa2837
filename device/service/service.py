"""DeviceService: the sensor loop, with the store, the bus and the feedback around it.

Only the loop thread touches the analysis; everything slow is elsewhere:

    source --frames--> loop: Analyzer.feed --events--+--> BusServer.publish (deque, bus thread)
                         ^                           +--> StoreWriter (queue, writer thread)
    bus / button --commands (queue, drained per frame)+--> Feedback.handle (LED, buzzer)

Sessions are hands-free: when the analysis says someone is ``ready`` on the
mat a session starts for the selected profile (or the single one whose body
mass matches); it ends when they get off, after ``idle_end_s`` without a rep,
on ``end_session``, or at shutdown.  Each session gets a fresh Analyzer
(with that person's reference) primed with the last seconds of frames; the
stored raw frames start with the same seconds, so the session exported as a
recording re-analyses to exactly the reps counted live.

Events that are stored (rep, set, cue, fault, state, sensor_fault) are
published by the writer thread right after their commit, so whatever a
subscriber was told survives a crash; frame summaries and phases are
published at once from the loop.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from ..bus.protocol import Request
from ..bus.server import BusServer
from ..config import Settings
from ..frames import Frame, FrameSource
from ..store import DB_NAME, SessionStore, StoreWriter
from .profiles import pick_profile
from .sdnotify import Notifier

log = logging.getLogger(__name__)

PREROLL_S = 10.0
BLOCK_S = 1.0
IDLE_END_S = 600.0
STORED_EVENTS = ("cue", "fault", "sensor_fault", "state")


def default_analyzer_factory(info, settings, exercise=None, leg=None, reference=None):
    from ..analysis.pipeline import Analyzer

    return Analyzer(info, settings, exercise=exercise, leg=leg, reference=reference)


class DeviceService:
    def __init__(self, settings: Settings, source: FrameSource, source_kind: str, *,
                 store_path: str | Path | None = None, socket_path: str | Path | None = None,
                 analyzer_factory: Callable[..., Any] = default_analyzer_factory,
                 feedback_factory: Callable[["DeviceService"], Any] | None = None,
                 notifier: Notifier | None = None, idle_end_s: float = IDLE_END_S) -> None:
        self.settings = settings
        self.source = source
        self.source_kind = source_kind
        self.info = source.info
        self.store_path = Path(store_path or settings.data_dir / DB_NAME)
        self.socket_path = Path(socket_path or settings.socket_path)
        self.make_analyzer = analyzer_factory
        self.feedback_factory = feedback_factory
        self.notifier = notifier or Notifier()
        self.idle_end_s = idle_end_s
        rate = self.info.rate_hz or settings.sensor.rate_hz or 80
        self._recent: collections.deque[Frame] = collections.deque(maxlen=int(PREROLL_S * rate))
        self._commands: queue.SimpleQueue[Request] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.exercise = settings.analysis.exercise
        self.leg = settings.analysis.leg
        self.selected_profile: int | None = None
        self.target: dict | None = None
        self.analyzer = self.make_analyzer(self.info, settings.analysis, self.exercise, self.leg, None)
        self.session: dict | None = None
        self.state: str | None = None
        self.set_open = False
        self.set_number = 0
        self.count = 0
        self.frames = 0
        self.started = time.monotonic()
        self.writer: StoreWriter | None = None
        self.bus: BusServer | None = None
        self.feedback = None
        self._reader: SessionStore | None = None
        self._block: list[Frame] = []

    # ---- life cycle -----------------------------------------------------

    def run(self) -> None:
        """Open everything, loop until the source ends or :meth:`stop`, close everything."""
        self.writer = StoreWriter(self.store_path)
        try:
            interrupted = self.writer.call(lambda s: s.close_interrupted()).get(timeout=30)[1]
            if interrupted:
                log.warning("sessions %s were interrupted (the service died); marked so", interrupted)
            self._next_session_id = self.writer.call(lambda s: s.next_session_id()).get(timeout=30)[1]
            self._reader = SessionStore(self.store_path, readonly=True)
            self.bus = BusServer(self.socket_path, self._commands.put).start()
            if self.feedback_factory is not None:
                self.feedback = self.feedback_factory(self)
            log.info("device service ready: source %s, store %s, bus %s",
                     self.source_kind, self.store_path, self.socket_path)
            self.notifier.ready(f"{self.source_kind}: waiting for someone on the mat")
            self._loop()
        finally:
            self._shutdown()

    def stop(self) -> None:
        """Ask the loop to end (from a signal handler or another thread)."""
        self._stop.set()
        try:
            self.source.close()
        except Exception:  # noqa: BLE001
            pass

    def _loop(self) -> None:
        for frame in self.source:
            if self._stop.is_set():
                break
            self._frame(frame)
            if not self._commands.empty():
                self._drain_commands()
            self.notifier.pet()
        self._drain_commands()

    def _shutdown(self) -> None:
        self.notifier.stopping()
        try:
            if self.session is not None:
                self._end_session("shutdown")
        finally:
            for name in ("feedback", "bus"):
                part = getattr(self, name)
                if part is not None:
                    try:
                        part.close()
                    except Exception:  # noqa: BLE001
                        log.exception("closing %s failed", name)
            if self._reader is not None:
                self._reader.close()
            if self.writer is not None:
                self.writer.close()  # last connection out checkpoints the WAL into the file
            self.notifier.close()

    # ---- frames and events ----------------------------------------------

    def _frame(self, frame: Frame) -> None:
        self.frames += 1
        self._recent.append(frame)
        if self.session is not None:
            self._block.append(frame)
            if frame.t - self._block[0].t >= BLOCK_S:
                self._flush_block()
        self._events(self.analyzer.feed(frame))
        s = self.session
        if s is not None and frame.t - s["last_activity"] > self.idle_end_s:
            self._end_session("idle")

    def _flush_block(self) -> None:
        if self._block and self.session is not None:
            self.writer.add_frames(self.session["id"], self._block)
        self._block = []

    def _events(self, events: Iterable[dict]) -> None:
        for e in events:
            self._event(e)

    def _event(self, e: dict) -> None:
        kind = e.get("type")
        s = self.session
        if kind == "rep":
            self.count = e.get("count", self.count)
            self.set_number = e.get("set", self.set_number)
        elif kind == "set":
            self.set_open = e.get("event") == "start"
            self.set_number = e.get("set", self.set_number)
            if self.set_open:
                self.count = 0
        elif kind == "state":
            self.state = e.get("state")
        stored = False
        if s is not None:
            sid = s["id"]
            stored = True
            if kind == "rep":
                self.writer.add_rep(sid, e)
                s["reps"] += 1
                s["last_activity"] = e.get("t", s["last_activity"])
            elif kind == "rep_revised":
                self.writer.revise_rep(sid, e)
            elif kind == "set":
                self.writer.add_set(sid, e)
            elif kind in STORED_EVENTS:
                self.writer.add_event(sid, e)
            else:
                stored = False
        if stored:
            # Announced once committed: a rep the dashboard showed survives a kill -9.
            # Frame summaries and phases (not stored) go straight out and may overtake it by a commit.
            self.writer.then(lambda e=e: self.bus.publish(e))
        else:
            self.bus.publish(e)
        if self.feedback is not None:
            try:
                self.feedback.handle(e)
            except Exception:  # noqa: BLE001 - a buzzer fault must not stop the count
                log.exception("feedback failed on %s", kind)
        if kind == "state":
            if e.get("state") == "ready" and s is None:
                self._begin_session(e.get("mass_kg"), "ready")
            elif e.get("state") == "empty" and s is not None:
                self._end_session("left")

    # ---- sessions -------------------------------------------------------

    def _profiles(self) -> list[dict]:
        try:
            return self._reader.list_profiles()
        except Exception:  # noqa: BLE001 - a locked or odd read must not stop a session starting
            log.exception("reading profiles failed")
            return []

    def _begin_session(self, mass_kg: float | None, why: str) -> int:
        profile = pick_profile(self._profiles(), self.selected_profile, mass_kg)
        reference = profile.get("reference") if profile else None
        analyzer = self.make_analyzer(self.info, self.settings.analysis, self.exercise, self.leg, reference)
        preroll = list(self._recent)
        for f in preroll:
            analyzer.feed(f)  # brings the new analyzer to where the old one is; its events were sent already
        self.analyzer = analyzer
        sid = self._next_session_id
        self._next_session_id += 1
        t0 = preroll[0].t if preroll else None
        self.session = {"id": sid, "profile": profile["id"] if profile else None,
                        "profile_name": profile["name"] if profile else None,
                        "last_activity": preroll[-1].t if preroll else 0.0, "reps": 0}
        self.set_number = self.count = 0
        self.set_open = False
        self.writer.begin_session(session_id=sid, profile_id=self.session["profile"],
                                  exercise=getattr(analyzer, "exercise", self.exercise), source=self.source_kind,
                                  info=self.info, started_mono=time.monotonic(), t0=t0)
        if self.target:
            self.writer.update_session(sid, target=self.target)
        self._block = list(preroll)
        log.info("session %d started (%s) for %s", sid, why, self.session["profile_name"] or "a guest")
        self.bus.publish({"type": "session", "event": "start", "session": sid, "t": preroll[-1].t if preroll else None,
                          "profile": self.session["profile"], "profile_name": self.session["profile_name"],
                          "exercise": getattr(analyzer, "exercise", self.exercise), "mass_kg": mass_kg, "reason": why})
        self.notifier.status(f"session {sid} for {self.session['profile_name'] or 'a guest'}")
        return sid

    def _end_session(self, why: str) -> None:
        s = self.session
        if s is None:
            return
        self._events(self.analyzer.finish())
        self.session = None
        self._flush_block_for(s["id"])
        result = self.analyzer.result()
        end_t = self._recent[-1].t if self._recent else None
        sid = s["id"]
        self.writer.update_session(sid, exercise=result.get("exercise"))
        self.writer.end_session(sid, end_t=end_t, glitches=result.get("glitches"))
        reference = getattr(self.analyzer, "reference", None)
        if s["profile"] is not None and reference:
            self.writer.update_profile(s["profile"], reference=reference)
        self.set_open = False
        log.info("session %d ended (%s): %d reps", sid, why, s["reps"])
        self.bus.publish({"type": "session", "event": "end", "session": sid, "t": end_t, "reason": why,
                          "reps": s["reps"], "profile": s["profile"], "profile_name": s["profile_name"]})
        self.notifier.status(f"{self.source_kind}: waiting for someone on the mat")

    def _flush_block_for(self, sid: int) -> None:
        if self._block:
            self.writer.add_frames(sid, self._block)
        self._block = []

    # ---- commands (bus, button) -----------------------------------------

    def command(self, cmd: str, **args: Any) -> None:
        """Queue a command from outside the loop (the button's thread)."""
        self._commands.put(Request(cmd, args))

    def _drain_commands(self) -> None:
        while True:
            try:
                req = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                fields = self._command(req) or {}
            except (ValueError, KeyError, LookupError) as exc:
                if req.client is not None:
                    self.bus.fail(req, f"{req.cmd}: {exc}")
                else:
                    log.warning("%s: %s", req.cmd, exc)
            except Exception as exc:  # noqa: BLE001 - never let a command kill the loop
                log.exception("command %s failed", req.cmd)
                if req.client is not None:
                    self.bus.fail(req, f"{req.cmd}: internal error: {exc}")
            else:
                if req.client is not None:
                    self.bus.reply(req, **fields)

    def _command(self, req: Request) -> dict | None:
        cmd, args = req.cmd, req.args
        if cmd == "status":
            return self.status()
        if cmd == "toggle_set":  # the button
            cmd = "stop_set" if self.set_open else "start_set"
        if cmd == "start_set":
            if self.session is None:
                self._begin_session(None, "command")
            self._events(self.analyzer.command({"cmd": "start_set"}))
            return {"session": self.session["id"]}
        if cmd == "stop_set":
            self._events(self.analyzer.command({"cmd": "stop_set"}))
            return None
        if cmd == "end_session":
            if self.session is None:
                raise ValueError("no session in progress")
            self._end_session("command")
            return None
        if cmd == "set_exercise":
            self._events(self.analyzer.command({"cmd": "set_exercise", "exercise": args["exercise"]}))
            self.exercise = args["exercise"]
            if self.session is not None:
                self.writer.update_session(self.session["id"], exercise=self.exercise)
            return None
        if cmd == "set_leg":
            self._events(self.analyzer.command({"cmd": "set_leg", "leg": args["leg"]}))
            self.leg = args["leg"]
            return None
        if cmd == "set_target":
            self._events(self.analyzer.command({"cmd": "set_target", "reps": args["reps"]}))
            self.target = {"reps": args["reps"], "sets": args["sets"]}
            if self.session is not None:
                self.writer.update_session(self.session["id"], target=self.target)
            self.bus.publish({"type": "target", **self.target})
            return None
        if cmd == "tare":
            self._events(self.analyzer.command({"cmd": "tare"}))
            return None
        if cmd == "select_profile":
            return self._select_profile(args["profile"])
        if cmd == "calibrate":
            raise ValueError("known-weight calibration runs with `smartmat calibrate` while the device "
                             "service is stopped")
        raise ValueError(f"unknown command {cmd!r}")

    def _select_profile(self, ref: int | str | None) -> dict:
        profile = None
        if ref is not None:
            profile = self._reader.get_profile(ref)
            if profile is None:
                raise LookupError(f"no profile {ref!r}")
        self.selected_profile = profile["id"] if profile else None
        name = profile["name"] if profile else None
        self.bus.publish({"type": "profile", "profile": self.selected_profile, "profile_name": name})
        return {"profile": self.selected_profile, "profile_name": name}

    def status(self) -> dict:
        s = self.session
        return {"source": self.source_kind, "units": self.info.units, "rate_hz": self.info.rate_hz,
                "session": s["id"] if s else None, "profile": s["profile"] if s else self.selected_profile,
                "profile_name": s["profile_name"] if s else None, "selected_profile": self.selected_profile,
                "exercise": getattr(self.analyzer, "exercise", self.exercise), "leg": self.leg,
                "state": self.state, "set": self.set_number, "set_open": self.set_open, "count": self.count,
                "target": self.target, "frames": self.frames,
                "subscribers": self.bus.subscribers if self.bus else 0,
                "uptime_s": round(time.monotonic() - self.started, 1),
                "store_errors": self.writer.errors if self.writer else 0,
                "store_backlog": self.writer.backlog() if self.writer else 0}

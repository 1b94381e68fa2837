"""Hardware errors: each one says what is wrong, where (corner, GPIO) and what to do."""

from __future__ import annotations

CORNER_NAMES = {"fl": "front-left", "fr": "front-right", "bl": "back-left", "br": "back-right"}


class HardwareError(RuntimeError):
    """A problem with the mat's hardware, with a message meant for the person fixing it."""


class GPIOAccessError(HardwareError):
    """The GPIO chip cannot be opened (missing, wrong chip, permission, no driver)."""


class SensorFault(HardwareError):
    """One cell misbehaves.  ``kind`` is ``not_ready``, ``rail`` or ``frozen``."""

    def __init__(self, cell: str, dout: int, sck: int, kind: str, detail: str) -> None:
        self.cell, self.dout, self.sck, self.kind, self.detail = cell, dout, sck, kind, detail
        super().__init__(f"{where(cell, dout, sck)}: {detail}")

    def event(self, t: float) -> dict:
        """The ``sensor_fault`` event of docs/events.md for this fault."""
        return {"type": "sensor_fault", "t": t, "cell": self.cell, "gpio": self.dout,
                "kind": self.kind, "message": str(self), "ok": False}


def where(cell: str, dout: int, sck: int) -> str:
    """``fl (front-left) HX711, DOUT GPIO 5 / SCK GPIO 6``."""
    return f"{cell} ({CORNER_NAMES.get(cell, cell)}) HX711, DOUT GPIO {dout} / SCK GPIO {sck}"

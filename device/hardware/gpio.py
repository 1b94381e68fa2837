"""Opening the GPIO: which /dev/gpiochip, and errors a person can act on.

gpiozero's lgpio factory talks to the Linux GPIO character device.  Which
chip carries the 40-pin header depends on the board and kernel: gpiochip0 on
a Pi 1-4; on a Pi 5 the RP1 header is gpiochip4 on kernels before 6.6.45 and
gpiochip0 on newer ones.  ``[sensor] gpiochip = "auto"`` asks each chip for
its label (the GPIO_GET_CHIPINFO ioctl) and takes the Pi's pin controller
(``pinctrl-rp1``, ``pinctrl-bcm2711``, ``pinctrl-bcm2835``); a name such as
``"gpiochip4"`` picks one outright.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from pathlib import Path
from typing import Any

from .errors import GPIOAccessError

# struct gpiochip_info { char name[32]; char label[32]; __u32 lines; }
_CHIPINFO = struct.Struct("32s32sI")
GPIO_GET_CHIPINFO_IOCTL = 0x80000000 | (_CHIPINFO.size << 16) | (0xB4 << 8) | 0x01
PI_LABELS = ("pinctrl-rp1", "pinctrl-bcm2712", "pinctrl-bcm2711", "pinctrl-bcm2835")
GROUP_HINT = ("add the user to the gpio group (sudo usermod -aG gpio $USER, then log out "
              "and in again; the smartmat service user needs it too)")


def chip_label(path: Path) -> str:
    """The kernel's label for a gpiochip device; opening it also proves we may."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except PermissionError:
        raise GPIOAccessError(f"permission denied on {path}: {GROUP_HINT}") from None
    try:
        buf = bytearray(_CHIPINFO.size)
        fcntl.ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, buf)
        return _CHIPINFO.unpack(buf)[1].split(b"\0", 1)[0].decode("ascii", "replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


def find_gpiochip(setting: str = "auto", dev: Path = Path("/dev")) -> Path:
    """The gpiochip device for ``[sensor] gpiochip``; GPIOAccessError says why not."""
    chips = sorted(dev.glob("gpiochip*"), key=lambda p: int(p.name[8:] or 0)
                   if p.name[8:].isdigit() else 999)
    names = ", ".join(p.name for p in chips) or "none"
    if setting != "auto":
        name = setting if setting.startswith("gpiochip") else f"gpiochip{setting}"
        path = dev / name
        if not path.exists():
            raise GPIOAccessError(
                f"no {path} (present: {names}). On a Pi 5 the header is gpiochip4 on kernels "
                f"before 6.6.45 and gpiochip0 on newer ones; set [sensor] gpiochip in the config "
                f"to one that exists, or \"auto\"")
        chip_label(path)
        return path
    if not chips:
        raise GPIOAccessError(
            f"no GPIO chip in {dev} (/dev/gpiochip*): this is not a Raspberry Pi, or its "
            f"kernel has no GPIO character device. Try `smartmat doctor --emulate`")
    labels = {p: chip_label(p) for p in chips}
    for wanted in PI_LABELS:
        for p, label in labels.items():
            if label.startswith(wanted):
                return p
    return chips[0]


def chip_number(path: Path) -> int:
    return int(path.name.removeprefix("gpiochip"))


def open_factory(setting: str = "auto", dev: Path = Path("/dev")) -> Any:
    """A gpiozero LGPIOFactory on the right chip, or a GPIOAccessError saying what to do."""
    path = find_gpiochip(setting, dev)
    try:
        from gpiozero.pins.lgpio import LGPIOFactory
    except ImportError:
        raise GPIOAccessError("the lgpio module is missing: pip install lgpio "
                              "(or apt install python3-lgpio)") from None
    try:
        return LGPIOFactory(chip=chip_number(path))
    except Exception as exc:  # lgpio.error carries only a message
        text = str(exc)
        if "permission" in text.lower() or getattr(exc, "errno", None) == errno.EACCES:
            raise GPIOAccessError(f"permission denied on {path}: {GROUP_HINT}") from None
        raise GPIOAccessError(f"cannot open {path} with lgpio: {text}") from None

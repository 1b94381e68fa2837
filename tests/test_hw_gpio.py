"""Opening the GPIO: each failure says what to do."""

from __future__ import annotations

import os

import pytest

from device.hardware import gpio
from device.hardware.errors import GPIOAccessError


def test_no_gpio_chip_at_all(tmp_path):
    with pytest.raises(GPIOAccessError, match=r"no GPIO chip .*not a Raspberry Pi.*--emulate"):
        gpio.find_gpiochip("auto", dev=tmp_path)


def test_named_chip_missing_explains_the_pi5_numbering(tmp_path):
    (tmp_path / "gpiochip0").touch()
    with pytest.raises(GPIOAccessError) as info:
        gpio.find_gpiochip("gpiochip4", dev=tmp_path)
    msg = str(info.value)
    assert "present: gpiochip0" in msg and "Pi 5" in msg and "gpiochip4" in msg and "[sensor] gpiochip" in msg


def test_permission_denied_says_join_the_gpio_group(tmp_path, monkeypatch):
    (tmp_path / "gpiochip0").touch()

    def denied(path, flags, *a):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(GPIOAccessError, match=r"permission denied on .*gpiochip0: add the user to the gpio group"):
        gpio.find_gpiochip("auto", dev=tmp_path)


def test_auto_prefers_the_pi_pin_controller(tmp_path, monkeypatch):
    for n in (0, 4, 10):
        (tmp_path / f"gpiochip{n}").touch()
    labels = {"gpiochip0": "gpio-brcmstb@107d508500", "gpiochip4": "pinctrl-rp1", "gpiochip10": "x"}
    monkeypatch.setattr(gpio, "chip_label", lambda p: labels[p.name])
    assert gpio.find_gpiochip("auto", dev=tmp_path).name == "gpiochip4"
    assert gpio.find_gpiochip("0", dev=tmp_path).name == "gpiochip0"


def test_chipinfo_ioctl_number():
    assert gpio.GPIO_GET_CHIPINFO_IOCTL == 0x8044B401  # _IOR(0xB4, 0x01, struct gpiochip_info)

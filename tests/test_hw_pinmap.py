"""hardware/pinmap.md and hardware/wiring.svg agree with the config defaults and the Pi header."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from device.config import DEFAULT_PINS, ControlSettings

HARDWARE = Path(__file__).resolve().parent.parent / "hardware"


def table() -> dict[str, tuple[int, int]]:
    """config key -> (BCM GPIO, header pin) from the pin map table."""
    rows = {}
    for line in (HARDWARE / "pinmap.md").read_text().splitlines():
        m = re.match(r"\|[^|]+\|\s*(pins\.\w+\.\w+|controls\.\w+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return rows


def expected() -> dict[str, int]:
    want = {}
    for corner, pins in DEFAULT_PINS.items():
        want[f"pins.{corner}.dout"] = pins.dout
        want[f"pins.{corner}.sck"] = pins.sck
    c = ControlSettings()
    want.update({"controls.button": c.button, "controls.led": c.led, "controls.buzzer": c.buzzer})
    return want


def test_pinmap_table_matches_config_defaults():
    rows = table()
    assert {k: gpio for k, (gpio, _) in rows.items()} == expected()


def test_pinmap_header_pins_match_the_pi_header():
    board = MockFactory().board_info
    for key, (gpio, header) in table().items():
        (hdr, info), = board.find_pin(f"GPIO{gpio}")
        assert int(info.number) == header, f"{key}: GPIO{gpio} is header pin {info.number}, not {header}"


def test_wiring_svg_labels_match_config_defaults():
    root = ET.parse(HARDWARE / "wiring.svg").getroot()
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    header = {}
    for t in texts:  # header labels: "GPIO5 (29) fl DT"
        m = re.fullmatch(r"GPIO(\d+) \((\d+)\) (\w+) (DT|SCK)", t.strip())
        if m:
            header[f"pins.{m.group(3)}.{'dout' if m.group(4) == 'DT' else 'sck'}"] = int(m.group(1))
        m = re.fullmatch(r"GPIO(\d+) \((\d+)\) (button|LED|buzzer)", t.strip())
        if m:
            header[f"controls.{m.group(3).lower()}"] = int(m.group(1))
    assert header == expected()
    # and each board's DT/SCK net labels, in corner order
    nets = [int(m.group(1)) for t in texts if (m := re.fullmatch(r"GPIO(\d+) \(\d+\)", t.strip()))]
    assert nets == [p for c in DEFAULT_PINS.values() for p in (c.dout, c.sck)]

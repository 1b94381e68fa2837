"""The mat's hardware: four HX711 load-cell ADCs, a button, an LED and a buzzer.

Modules, smallest first:

- :mod:`.hx711_model`: a pin-level model of the HX711 (datasheet timing, power
  down, settling, faults) behind gpiozero mock pins, for tests and
  ``smartmat doctor --emulate``.
- :mod:`.hx711`: adafruit's ``HX711`` class with a Linux-safe bit-bang read.
- :mod:`.gpio`: finding and opening the GPIO chip, with clear errors.
- :mod:`.source`: :class:`~.source.HardwareSource`, the four-cell FrameSource,
  and the per-cell health checks that turn bad readings into fault events.
- :mod:`.feedback`: button, status LED and buzzer.
- :mod:`.doctor`, :mod:`.calibrate`: the ``smartmat doctor`` and
  ``smartmat calibrate`` commands.

Nothing here is imported unless the hardware is used (see device/cli.py and
device/sources/__init__.py).
"""

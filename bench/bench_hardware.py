"""Bench: the hardware source reading four modelled HX711 at 80 SPS, in real time.

Prints frames per second and CPU time per frame of HardwareSource, the CPU
cost of the HX711 model alone (which a real Pi does not pay), the per-bit
cost of the gpiozero pin stack, and how long time.sleep really sleeps here.
Asserts nothing.

    .venv/bin/python bench/bench_hardware.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gpiozero import DigitalInputDevice, DigitalOutputDevice  # noqa: E402
from gpiozero.pins.mock import MockFactory, MockPin  # noqa: E402

from device.config import Settings  # noqa: E402
from device.frames import CELLS  # noqa: E402
from device.hardware.calibrate import _placeholder  # noqa: E402
from device.hardware.hx711_model import EmulatedMat, FakeClock, HX711Model  # noqa: E402
from device.hardware.source import HardwareSource  # noqa: E402


def bench_source(seconds: float) -> tuple[float, float, int]:
    s = Settings()
    pins = {c: (getattr(s.pins, c).dout, getattr(s.pins, c).sck) for c in CELLS}
    mat = EmulatedMat(pins, clock=time.monotonic)
    src = HardwareSource.from_settings(s, pin_factory=mat.factory, calibration=_placeholder())
    n = 0
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in src:
        n += 1
        if time.perf_counter() - w0 >= seconds:
            break
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    # the model counts the library's reset at start as one power-down
    powerdowns = sum(m.power_downs - 1 for m in mat.models.values())
    detected = sum(hx.power_downs_detected for hx in src.drivers.values())
    src.close()
    return n / wall, cpu / n, (powerdowns, detected)


def bench_model_alone(reads: int = 4000) -> float:
    """CPU seconds per 25-pulse read of the model alone (no gpiozero, no driver)."""
    clock = FakeClock()
    m = HX711Model(clock=clock)
    t0 = time.process_time()
    for _ in range(reads):
        clock.advance(1 / 80)
        m.dout  # the ready poll that found it ready
        for _ in range(24):
            m.sck(True)
            m.sck(False)
            m.dout
        m.sck(True)
        m.sck(False)
    return (time.process_time() - t0) / reads


def bench_bit_cost(bits: int = 50_000) -> dict[str, float]:
    """Seconds per bit (SCK up, SCK down, read DOUT, two clock reads) on plain gpiozero mock pins."""
    f = MockFactory(pin_class=MockPin)
    devices = (DigitalInputDevice(5, pull_up=True, pin_factory=f), DigitalOutputDevice(6, pin_factory=f))
    dout, sck = devices[0].pin, devices[1].pin
    clock = time.monotonic
    out = {}
    t0 = time.perf_counter()
    for _ in range(bits):
        sck.state = 1
        sck.state = 0
        dout.state
    out["gpiozero MockPin state, per bit"] = (time.perf_counter() - t0) / bits
    sck.states.clear()
    t0 = time.perf_counter()
    for _ in range(bits):
        a = clock()
        b = clock()
    out["two time.monotonic() per bit"] = (time.perf_counter() - t0) / bits
    for d in devices:
        d.close()
    return out


def sleep_overshoot(asked: float, n: int = 200) -> float:
    got = []
    for _ in range(n):
        t0 = time.perf_counter()
        time.sleep(asked)
        got.append(time.perf_counter() - t0)
    return statistics.median(got)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    fps, cpu_frame, pds = bench_source(args.seconds)
    model_read = bench_model_alone()
    bits = bench_bit_cost()
    print(f"hardware source, 4 modelled HX711 at 80 SPS, {args.seconds:g} s real time:")
    print(f"  frames/s                      {fps:8.1f}")
    print(f"  CPU per frame                 {cpu_frame * 1e6:8.0f} us  ({cpu_frame * fps * 100:.1f}% of one core)")
    print(f"  of which the model (4 reads)  {4 * model_read * 1e6:8.0f} us  (model alone: {model_read * 1e6:.0f} us per read)")
    print(f"  driver + gpiozero, estimated  {(cpu_frame - 4 * model_read) * 1e6:8.0f} us per frame")
    print(f"  chip power-downs (model)      {pds[0]:8d}  (SCK high > 60 us: the OS preempted a read)")
    print(f"  reads dropped by the driver   {pds[1]:8d}  (high phase > 50 us seen; includes near misses)")
    for name, v in bits.items():
        print(f"  {name:<30}{v * 1e6:8.2f} us")
    for asked in (1e-6, 1e-3):
        print(f"  time.sleep({asked:g}) takes     {sleep_overshoot(asked) * 1e6:8.0f} us (median)")


if __name__ == "__main__":
    main()

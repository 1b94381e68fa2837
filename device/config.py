"""Settings: one TOML file parsed with tomllib into typed, checked dataclasses.

Where the file comes from: ``--config PATH``, else ``/etc/smartmat/config.toml``
if it exists, else the built-in defaults below.  Every section and key is
optional; an unknown key, a wrong type or an out-of-range value is a
:class:`ConfigError` that names the file, the section and the key, because a
person editing the file on a Pi over SSH needs to know exactly what to fix.

The checking is written here rather than pulled from a validation library:
the schema is a handful of flat sections, and the Pi image stays small.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEM_CONFIG = Path("/etc/smartmat/config.toml")
EXERCISES = ("prone", "quadruped", "standing")
CORNERS = ("fl", "fr", "bl", "br")


class ConfigError(ValueError):
    """A configuration problem, with where it is."""


def _spec(default: Any, *, lo: float | None = None, hi: float | None = None,
          choices: tuple | None = None, optional: bool = False, doc: str = "") -> Any:
    meta = {"lo": lo, "hi": hi, "choices": choices, "optional": optional, "doc": doc}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class MatSettings:
    width_m: float = _spec(0.60, lo=0.2, hi=3.0, doc="distance between left and right cells")
    length_m: float = _spec(1.80, lo=0.3, hi=3.0, doc="distance between front and back cells")


@dataclass(frozen=True)
class SensorSettings:
    source: str = _spec("auto", choices=("auto", "sim", "replay", "hardware"),
                        doc="auto: hardware if pins answer, else the simulator")
    rate_hz: int = _spec(80, choices=(10, 80), doc="the HX711 RATE pin setting")
    gain: int = _spec(128, choices=(128, 64, 32), doc="128/64 read channel A, 32 channel B")
    ready_timeout_s: float = _spec(0.5, lo=0.05, hi=10.0, doc="a cell not ready by then is a fault")
    gpiochip: str = _spec("auto", doc="'auto', or a gpiochip name such as gpiochip0 / gpiochip4 (Pi 5)")


@dataclass(frozen=True)
class CellPins:
    dout: int = _spec(0, lo=0, hi=27)
    sck: int = _spec(0, lo=0, hi=27)


# BCM numbers, kept clear of I2C (2, 3), SPI (7-11) and the UART (14, 15).
# hardware/pinmap.md documents the same map; a test keeps them identical.
DEFAULT_PINS = {
    "fl": CellPins(dout=5, sck=6),
    "fr": CellPins(dout=13, sck=19),
    "bl": CellPins(dout=20, sck=21),
    "br": CellPins(dout=23, sck=24),
}


@dataclass(frozen=True)
class PinSettings:
    fl: CellPins = field(default_factory=lambda: DEFAULT_PINS["fl"])
    fr: CellPins = field(default_factory=lambda: DEFAULT_PINS["fr"])
    bl: CellPins = field(default_factory=lambda: DEFAULT_PINS["bl"])
    br: CellPins = field(default_factory=lambda: DEFAULT_PINS["br"])


@dataclass(frozen=True)
class ControlSettings:
    button: int | None = _spec(17, lo=0, hi=27, optional=True, doc="start/stop set; long press: tare")
    led: int | None = _spec(27, lo=0, hi=27, optional=True)
    buzzer: int | None = _spec(22, lo=0, hi=27, optional=True)
    beep_per_rep: bool = _spec(True)
    long_press_s: float = _spec(2.0, lo=0.5, hi=10.0)


@dataclass(frozen=True)
class StorageSettings:
    data_dir: str = _spec("", doc="empty: /var/lib/smartmat if writable, else ~/.local/share/smartmat")


@dataclass(frozen=True)
class WebSettings:
    host: str = _spec("0.0.0.0")
    port: int = _spec(8080, lo=1, hi=65535)
    pin: str = _spec("", doc="pairing PIN, 4-8 digits; empty: generated and logged on first start")


@dataclass(frozen=True)
class BusSettings:
    socket: str = _spec("", doc="the device bus socket; empty: <data_dir>/device.sock (the Pi install sets /run/smartmat/device.sock)")


@dataclass(frozen=True)
class AnalysisSettings:
    set_gap_s: float = _spec(8.0, lo=1.0, hi=600.0, doc="a pause longer than this starts a new set")
    tilt_margin_pct: float | None = _spec(None, lo=0.5, hi=50.0, optional=True,
                                          doc="asymmetry (%) beyond the personal reference that is a tilt; "
                                              "unset: per exercise (about 3 % on all fours, 4 % prone, 7 % standing)")
    exercise: str | None = _spec(None, choices=EXERCISES, optional=True,
                                 doc="unset: detected from the load pattern")
    leg: str | None = _spec(None, choices=("left", "right"), optional=True,
                            doc="the leg the user says they work; stands in where unobservable")


@dataclass(frozen=True)
class SimSettings:
    exercise: str = _spec("quadruped", choices=EXERCISES)
    seed: int = _spec(1, lo=0, hi=2**31 - 1)
    mass_kg: float = _spec(70.0, lo=30.0, hi=200.0)


@dataclass(frozen=True)
class Settings:
    mat: MatSettings = field(default_factory=MatSettings)
    sensor: SensorSettings = field(default_factory=SensorSettings)
    pins: PinSettings = field(default_factory=PinSettings)
    controls: ControlSettings = field(default_factory=ControlSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    web: WebSettings = field(default_factory=WebSettings)
    bus: BusSettings = field(default_factory=BusSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    sim: SimSettings = field(default_factory=SimSettings)
    source_path: str | None = None

    @property
    def data_dir(self) -> Path:
        if self.storage.data_dir:
            return Path(self.storage.data_dir).expanduser()
        system = Path("/var/lib/smartmat")
        if system.is_dir() and os.access(system, os.W_OK):
            return system
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        return Path(base) / "smartmat"

    @property
    def socket_path(self) -> Path:
        if self.bus.socket:
            return Path(self.bus.socket).expanduser()
        return self.data_dir / "device.sock"

    def with_overrides(self, **sections: dict[str, Any]) -> "Settings":
        """A copy with some keys replaced, checked like the file (for CLI flags)."""
        where = "command line"
        new = {}
        for name, values in sections.items():
            section = getattr(self, name)
            values = {k: v for k, v in values.items() if v is not None}
            checked = {k: _check(type(section), k, v, f"{where}: [{name}]") for k, v in values.items()}
            for k in checked:
                if k not in {f.name for f in dataclasses.fields(section)}:
                    raise ConfigError(f"{where}: [{name}] has no key {k!r}")
            new[name] = dataclasses.replace(section, **checked)
        return dataclasses.replace(self, **new)


def _type_name(t: Any) -> str:
    return {float: "a number", int: "an integer", str: "a string", bool: "true or false"}.get(t, str(t))


def _base_type(cls: type, key: str) -> type:
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    t = hints[key]
    t = t if isinstance(t, str) else t.__name__
    return {"float": float, "int": int, "str": str, "bool": bool}[t.split("|")[0].strip()]


def _check(cls: type, key: str, value: Any, where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if key not in fields:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"{where}: unknown key {key!r} (known: {known})")
    meta = fields[key].metadata
    want = _base_type(cls, key)
    label = f"{where} {key}"
    if value is None and meta.get("optional"):
        return None
    # TOML has no null: an optional pin or choice is switched off with "" or false.
    if meta.get("optional") and value in ("", False) and want is not bool:
        return None
    if want is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{label}: expected true or false, got {value!r}")
    elif want is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{label}: expected an integer, got {value!r}")
    elif want is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{label}: expected a number, got {value!r}")
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{label}: expected a finite number, got {value!r}")
    elif want is str:
        if not isinstance(value, str):
            raise ConfigError(f"{label}: expected a string, got {value!r}")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{label}: {value!r} is not one of {', '.join(map(str, choices))}")
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and value < lo or hi is not None and value > hi:
        raise ConfigError(f"{label}: {value!r} is out of range {lo}..{hi}")
    return value


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table, got {data!r}")
    return cls(**{key: _check(cls, key, value, where) for key, value in data.items()})


def _check_pins(settings: Settings, where: str) -> None:
    used: dict[int, str] = {}

    def claim(pin: int | None, what: str) -> None:
        if pin is None:
            return
        if pin in used:
            raise ConfigError(f"{where}: GPIO {pin} is used twice ({used[pin]} and {what})")
        used[pin] = what

    for corner in CORNERS:
        cp = getattr(settings.pins, corner)
        claim(cp.dout, f"[pins.{corner}] dout")
        claim(cp.sck, f"[pins.{corner}] sck")
    for name in ("button", "led", "buzzer"):
        claim(getattr(settings.controls, name), f"[controls] {name}")
    if settings.web.pin and not (settings.web.pin.isdigit() and 4 <= len(settings.web.pin) <= 8):
        raise ConfigError(f"{where}: [web] pin: must be 4-8 digits, got {settings.web.pin!r}")


def parse_config(text: str, where: str = "config") -> Settings:
    """Settings from TOML text; ``where`` names the file in every error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    sections = {f.name: f for f in dataclasses.fields(Settings) if f.name != "source_path"}
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name not in sections:
            raise ConfigError(f"{where}: unknown section [{name}] (known: {', '.join(sections)})")
        section_cls = type(sections[name].default_factory())
        if name == "pins":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [pins] must be a table")
            corners = {}
            for corner, pins in value.items():
                if corner not in CORNERS:
                    raise ConfigError(f"{where}: unknown key [pins.{corner}] (known: {', '.join(CORNERS)})")
                if not isinstance(pins, dict):
                    raise ConfigError(f"{where}: [pins.{corner}] must be a table with dout and sck")
                merged = dataclasses.asdict(DEFAULT_PINS[corner]) | pins
                corners[corner] = _build(CellPins, merged, f"{where}: [pins.{corner}]")
            kwargs[name] = PinSettings(**corners)
        else:
            kwargs[name] = _build(section_cls, value, f"{where}: [{name}]")
    settings = Settings(**kwargs, source_path=where)
    _check_pins(settings, where)
    return settings


def load_config(path: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from ``path``, else the system file if present, else defaults."""
    if path is None:
        if not SYSTEM_CONFIG.exists():
            return Settings()
        path = SYSTEM_CONFIG
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 (byte {exc.start})") from None
    return parse_config(text, str(p))


def default_config_toml() -> str:
    """The defaults written out as a commented TOML file (for install and docs)."""
    lines = ["# smartmat configuration. Every key is optional; these are the defaults.", ""]
    for sf in dataclasses.fields(Settings):
        if sf.name == "source_path":
            continue
        section = sf.default_factory()
        if sf.name == "pins":
            for corner in CORNERS:
                cp = getattr(section, corner)
                lines += [f"[pins.{corner}]  # BCM GPIO numbers", f"dout = {cp.dout}", f"sck = {cp.sck}", ""]
            continue
        lines.append(f"[{sf.name}]")
        for f in dataclasses.fields(section):
            v = getattr(section, f.name)
            doc = f.metadata.get("doc")
            if doc:
                lines.append(f"# {f.name}: {doc}")
            if v is None:
                lines.append(f'# {f.name} = ""  (unset)')
            else:
                lines.append(f"{f.name} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)

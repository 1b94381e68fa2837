import pytest

from device.config import (
    DEFAULT_PINS, ConfigError, Settings, default_config_toml, load_config, parse_config,
)


def test_defaults_without_file(tmp_path, monkeypatch):
    monkeypatch.setattr("device.config.SYSTEM_CONFIG", tmp_path / "absent.toml")
    s = load_config(None)
    assert s == Settings()
    assert s.sensor.rate_hz == 80 and s.mat.width_m == 0.60
    assert s.pins.fl == DEFAULT_PINS["fl"]


def test_system_file_used_when_present(tmp_path, monkeypatch):
    f = tmp_path / "config.toml"
    f.write_text("[web]\nport = 9000\n")
    monkeypatch.setattr("device.config.SYSTEM_CONFIG", f)
    assert load_config(None).web.port == 9000


def test_defaults_file_round_trips():
    assert parse_config(default_config_toml(), "x") == Settings(source_path="x")


def test_values_are_typed(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[mat]\nwidth_m = 1\n[pins.fr]\ndout = 16\n[controls]\nbuzzer = ""\n'
                 '[analysis]\nexercise = "prone"\n')
    s = load_config(f)
    assert s.mat.width_m == 1.0 and isinstance(s.mat.width_m, float)
    assert s.pins.fr.dout == 16 and s.pins.fr.sck == DEFAULT_PINS["fr"].sck
    assert s.controls.buzzer is None
    assert s.analysis.exercise == "prone"


@pytest.mark.parametrize("text, fragment", [
    ('[mat]\nwidth_m = "wide"', "[mat] width_m: expected a number"),
    ("[mat]\nwidth = 0.6", "[mat]: unknown key 'width'"),
    ("[mats]\n", "unknown section [mats]"),
    ("[sensor]\nrate_hz = 20", "[sensor] rate_hz: 20 is not one of 10, 80"),
    ("[sensor]\nrate_hz = 80.0", "[sensor] rate_hz: expected an integer"),
    ("[mat]\nlength_m = 9.0", "[mat] length_m: 9.0 is out of range"),
    ("[web]\nport = 0", "[web] port: 0 is out of range"),
    ('[web]\npin = "12ab"', "[web] pin: must be 4-8 digits"),
    ("[pins.fl]\ndout = 40", "[pins.fl] dout: 40 is out of range"),
    ("[pins.xx]\ndout = 4", "unknown key [pins.xx]"),
    ("[pins.fl]\ndout = 6", "GPIO 6 is used twice"),
    ("[controls]\nbeep_per_rep = 1", "[controls] beep_per_rep: expected true or false"),
    ("[mat]\nwidth_m = nan", "expected a finite number"),
    ("[mat\n", "not valid TOML"),
])
def test_bad_values_name_file_and_key(tmp_path, text, fragment):
    f = tmp_path / "smartmat.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert str(f) in str(err.value)
    assert fragment in str(err.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")
    f = tmp_path / "bin.toml"
    f.write_bytes(b"\xff\xfe[mat]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(f)


def test_overrides_are_checked():
    s = Settings().with_overrides(web={"port": 9001}, storage={"data_dir": "/tmp/x"})
    assert s.web.port == 9001 and str(s.data_dir) == "/tmp/x"
    with pytest.raises(ConfigError, match="command line: \\[web\\] port"):
        Settings().with_overrides(web={"port": 70000})


def test_config_cli(tmp_path):
    from click.testing import CliRunner

    from device.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["config", "defaults"])
    assert out.exit_code == 0 and "[pins.fl]" in out.output
    bad = tmp_path / "c.toml"
    bad.write_text("[web]\nport = -1\n")
    out = runner.invoke(main, ["config", "check", "--config", str(bad)])
    assert out.exit_code == 1 and "[web] port" in out.output

"""scripts/install.sh and uninstall.sh: valid bash, and a staged (DESTDIR) install and uninstall."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


@pytest.mark.parametrize("name", ["install.sh", "uninstall.sh"])
def test_bash_syntax(name):
    subprocess.run(["bash", "-n", str(SCRIPTS / name)], check=True)


def _run(script, dest, *args):
    env = dict(os.environ, DESTDIR=str(dest), PYTHON=sys.executable)
    return subprocess.run(["bash", str(SCRIPTS / script), *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_staged_install_then_uninstall_keeps_data_unless_purged(tmp_path):
    r = _run("install.sh", tmp_path)
    assert r.returncode == 0, r.stderr
    conf = tmp_path / "etc/smartmat/config.toml"
    assert 'socket = "/run/smartmat/device.sock"' in conf.read_text()
    unit = (tmp_path / "etc/systemd/system/smartmat-device.service").read_text()
    assert "ExecStart=/opt/smartmat/venv/bin/smartmat device" in unit
    assert (tmp_path / "var/lib/smartmat").is_dir()
    assert "would run: systemctl enable --now smartmat-device.service smartmat-web.service" in r.stdout
    # a second install keeps the edited config
    conf.write_text(conf.read_text() + "\n# mine\n")
    assert _run("install.sh", tmp_path).returncode == 0
    assert conf.read_text().endswith("# mine\n")
    (tmp_path / "var/lib/smartmat/smartmat.db").write_text("sessions")
    r = _run("uninstall.sh", tmp_path)
    assert r.returncode == 0 and (tmp_path / "var/lib/smartmat/smartmat.db").exists() and conf.exists()
    assert not (tmp_path / "etc/systemd/system/smartmat-device.service").exists()
    r = _run("uninstall.sh", tmp_path, "--purge")
    assert r.returncode == 0 and not (tmp_path / "var/lib/smartmat").exists() and not conf.exists()
    assert _run("uninstall.sh", tmp_path, "--bogus").returncode == 2

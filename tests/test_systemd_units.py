"""The unit files pass ``systemd-analyze verify`` and keep their essential settings."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parent.parent / "systemd"
EXEC = "/opt/smartmat/venv/bin/smartmat"


def _analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze missing: CI must install Debian's systemd package")
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    return tool


def _unit(name: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    section = ""
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            out.setdefault(f"{section}.{k}", []).append(v)
    return out


@pytest.mark.parametrize("name", ["smartmat-device.service", "smartmat-web.service"])
def test_verify(tmp_path, name):
    tool = _analyze()
    # verify insists that ExecStart's binary exists, and /opt/smartmat is only there
    # after install: check a copy whose ExecStart points at an existing binary instead.
    text = (UNITS / name).read_text()
    assert EXEC in text
    (tmp_path / name).write_text(text.replace(EXEC, "/bin/true"))
    r = subprocess.run([tool, "verify", "--man=no", str(tmp_path / name)], capture_output=True, text=True,
                       timeout=60)
    problems = [l for l in (r.stdout + r.stderr).splitlines() if name in l or "Unknown" in l]
    assert r.returncode == 0 and not problems, r.stdout + r.stderr


def test_device_unit_essentials():
    u = _unit("smartmat-device.service")
    assert u["Service.Type"] == ["notify"] and u["Service.WatchdogSec"]
    assert u["Service.User"] == ["smartmat"] and u["Service.SupplementaryGroups"] == ["gpio"]
    assert u["Service.RestrictAddressFamilies"] == ["AF_UNIX"]
    assert u["Service.CapabilityBoundingSet"] == [""]
    assert u["Service.ReadWritePaths"] == ["/var/lib/smartmat"] and u["Service.RuntimeDirectory"] == ["smartmat"]
    assert "char-gpiochip rw" in u["Service.DeviceAllow"]
    assert u["Service.Restart"] == ["on-failure"] and u["Service.ProtectSystem"] == ["strict"]


def test_web_unit_essentials():
    u = _unit("smartmat-web.service")
    assert u["Service.RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert u["Service.User"] == ["smartmat"] and "SupplementaryGroups" not in str(u)
    assert u["Service.PrivateDevices"] == ["yes"] and u["Service.CapabilityBoundingSet"] == [""]

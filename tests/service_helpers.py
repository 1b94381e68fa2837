"""Shared by the service tests: short socket paths, waiting, a sped-up replay of the shared sample."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "sample-quadruped.csv"
REP_KEYS = ("start", "end", "leg", "lift_s", "hold_s", "lower_s", "tilt", "tilt_side", "ai_peak",
            "momentum", "arch", "pulses", "set", "count")


def sample() -> Path:
    if not SAMPLE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared sample missing at {SAMPLE}")
        pytest.skip("../shared/data not present")
    return SAMPLE


def short_tmp() -> Path:
    """A data dir whose device.sock path fits AF_UNIX's 108 bytes (pytest's tmp_path may not)."""
    return Path(tempfile.mkdtemp(prefix="smt", dir="/tmp"))


def wait_for(cond, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def rep_view(rep: dict) -> dict:
    return {k: rep.get(k) for k in REP_KEYS}


def smartmat(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """``smartmat ARGS`` as a child process; its stderr goes to a temporary file (see :func:`stderr_of`).

    Not a pipe: nobody reads a pipe while the test runs, and a server that
    logs 64 KB into a full one blocks mid-request, which looks like a hang.
    """
    e = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    e.pop("NOTIFY_SOCKET", None)
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([sys.executable, "-c", "from device.cli import main; main()", *args],
                            cwd=ROOT, env=e, stdout=subprocess.DEVNULL, stderr=err, text=True, **kw)
    proc.err_file = err
    return proc


def stderr_of(proc: subprocess.Popen) -> str:
    """What a :func:`smartmat` process wrote to stderr so far."""
    f = proc.err_file
    f.flush()
    f.seek(0)
    text = f.read()
    f.seek(0, 2)
    return text


def device_process(data_dir: Path, *args: str, speed: float = 8.0, **env: str) -> subprocess.Popen:
    """``smartmat device`` on ``data_dir``, its sources sped up ``speed`` times."""
    return smartmat("device", "--data-dir", str(data_dir), *args, env={"SMARTMAT_SPEED": str(speed), **env})


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)

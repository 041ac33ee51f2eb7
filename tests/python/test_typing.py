# SPDX-License-Identifier: MIT
"""The package's type hints (PEP 561, py.typed) as a user's mypy --strict
sees the installed package: typing/client_ok.py passes with every result's
type stated, and runs; typing/client_bad.py gets an error on exactly the
lines marked "# error"."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import crelu

CLIENTS = Path(__file__).resolve().parent / "typing"


def _mypy(client, tmp_path):
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is missing: scripts/ensure-packages packaging")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes",
         "--cache-dir", str(tmp_path / "mypy-cache"), str(client)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert not proc.stderr, proc.stderr
    return proc


def test_the_package_is_typed():
    assert (Path(crelu.__file__).parent / "py.typed").is_file()


def test_a_correct_client_passes_mypy_strict_and_runs(tmp_path):
    proc = _mypy(CLIENTS / "client_ok.py", tmp_path)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout
    ran = subprocess.run([sys.executable, str(CLIENTS / "client_ok.py")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert ran.returncode == 0 and ran.stdout == "client_ok: ran\n", ran.stderr


def test_mypy_strict_reports_each_mistake(tmp_path):
    client = CLIENTS / "client_bad.py"
    marked = {n for n, line in enumerate(client.read_text().splitlines(), 1) if line.endswith("# error")}
    assert len(marked) >= 10
    proc = _mypy(client, tmp_path)
    errors = re.findall(rf"^{re.escape(str(client))}:(\d+): error: ", proc.stdout, re.MULTILINE)
    assert proc.returncode == 1
    assert {int(n) for n in errors} == marked, proc.stdout

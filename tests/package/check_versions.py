#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The version is written once, in libcrelu/include/crelu.h
(CRELU_VERSION_MAJOR/MINOR/PATCH). Every package file that states a version
must state that one: the npm package.json, the Python metadata, the rockspec's
file name and version field, and debian/changelog's newest entry when
debian/ exists. Usage: check_versions.py <checkout>"""
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

root = Path(sys.argv[1])
failures = []


def check(what, found, want):
    verdict = "ok" if found == want else "MISMATCH"
    print(f"{verdict:8} {what}: {found!r}" + ("" if found == want else f", crelu.h says {want!r}"))
    if found != want:
        failures.append(what)


def header_version():
    text = (root / "libcrelu/include/crelu.h").read_text()
    parts = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        match = re.search(rf"^#define CRELU_VERSION_{part} (\d+)$", text, re.MULTILINE)
        if not match:
            sys.exit(f"CRELU_VERSION_{part} not found in libcrelu/include/crelu.h")
        parts.append(match[1])
    return ".".join(parts)


def python_version():
    """The version pip would give the package: pyproject's if it states one,
    else what setup.py computes (today it reads crelu.h itself)."""
    python_dir = root / "bindings/python"
    project = tomllib.loads((python_dir / "pyproject.toml").read_text())["project"]
    if "version" in project:
        return "bindings/python/pyproject.toml [project] version", project["version"]
    if "version" in project.get("dynamic", []) and (python_dir / "setup.py").exists():
        run = subprocess.run([sys.executable, "setup.py", "--version"], cwd=python_dir,
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"bindings/python/setup.py --version failed:\n{run.stderr}")
        return "bindings/python/setup.py --version", run.stdout.split()[-1]
    sys.exit("bindings/python: pyproject.toml states no version and setup.py computes none")


def rockspec_versions(want):
    rockspecs = sorted(root.glob("*.rockspec")) + sorted(root.glob("bindings/lua/*.rockspec"))
    if len(rockspecs) != 1:
        # luarocks make with no argument wants exactly one in its directory.
        sys.exit(f"expected one rockspec, found {[str(p.relative_to(root)) for p in rockspecs]}")
    rockspec = rockspecs[0]
    name = str(rockspec.relative_to(root))
    match = re.fullmatch(r"crelu-(.+)-(\d+)\.rockspec", rockspec.name)
    if not match:
        sys.exit(f"{name}: not named crelu-<version>-<revision>.rockspec")
    check(f"{name}: the file name's version", match[1], want)
    field = re.search(r'^version\s*=\s*"([^"]*)"', rockspec.read_text(), re.MULTILINE)
    if not field:
        sys.exit(f"{name}: no version field")
    # LuaRocks refuses a rockspec whose field disagrees with its name.
    check(f"{name}: the version field", field[1], f"{want}-{match[2]}")


def debian_version():
    """The upstream part of the newest entry's version: no epoch, no
    Debian revision (the part after the last hyphen, when there is one)."""
    changelog = root / "debian/changelog"
    if not changelog.exists():
        sys.exit("debian/ exists but has no changelog: its version cannot be checked")
    first = changelog.read_text().split("\n", 1)[0]
    match = re.match(r"\S+ \(([^)]+)\)", first)
    if not match:
        sys.exit(f"debian/changelog: cannot read a version from its first line {first!r}")
    version = match[1].split(":", 1)[-1]
    return version.rpartition("-")[0] if "-" in version else version


want = header_version()
print(f"crelu.h: {want}")
check("bindings/node/package.json version",
      json.loads((root / "bindings/node/package.json").read_text())["version"], want)
check(*python_version(), want)
rockspec_versions(want)
if (root / "debian").exists():
    check("debian/changelog, newest entry (upstream part)", debian_version(), want)
else:
    print("(no debian/ directory: nothing to check there)")
if failures:
    sys.exit(f"{len(failures)} version(s) disagree with crelu.h: {', '.join(failures)}")

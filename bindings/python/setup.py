# SPDX-License-Identifier: MIT
"""Gives pyproject.toml its version: the C library's, from crelu.h, where
CRELU_VERSION_MAJOR/MINOR/PATCH are defined once for the whole project."""

import re
from pathlib import Path

from setuptools import setup

HEADER = Path(__file__).resolve().parents[2] / "libcrelu" / "include" / "crelu.h"


def library_version():
    text = HEADER.read_text(encoding="utf-8")
    parts = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        match = re.search(rf"^#define CRELU_VERSION_{part} (\d+)$", text, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"CRELU_VERSION_{part} not found in {HEADER}")
        parts.append(match.group(1))
    return ".".join(parts)


setup(version=library_version())

# SPDX-License-Identifier: MIT
"""Counts of compared and differing elements, per reference, for the
summary conftest.py prints (test_half.py adds to them)."""

import collections

_COUNTS = collections.defaultdict(lambda: [0, 0, 0])  # calls, elements, differing


def add(reference, elements, differing):
    row = _COUNTS[reference]
    row[0] += 1
    row[1] += int(elements)
    row[2] += int(differing)


def summary():
    return [f"{differing:3d} differing of {elements:9d} elements in {calls:5d} calls: {reference}"
            for reference, (calls, elements, differing) in sorted(_COUNTS.items())]

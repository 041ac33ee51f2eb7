# SPDX-License-Identifier: MIT
"""Shared set-up for the Python binding's suite.

The suite runs against an installed prefix: PYTHONPATH points at its
dist-packages and nothing else helps the package find libcrelu. The prefix
itself is passed as --crelu-prefix, so that tests can check that both the
package and the library were loaded from inside it.
"""

from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--crelu-prefix",
        required=True,
        help="the install prefix the crelu package under test comes from",
    )


@pytest.fixture(scope="session")
def prefix(request):
    return Path(request.config.getoption("--crelu-prefix")).resolve()

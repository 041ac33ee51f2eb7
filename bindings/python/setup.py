# SPDX-License-Identifier: MIT
"""Builds the crelu wheel and sdist (metadata: pyproject.toml).

The wheel carries its own libcrelu.so.1, built from the C sources by CMake
through libcrelu/CMakeLists.txt itself (see libcrelu_build/CMakeLists.txt):
the library's build (per-ISA kernel flags, hidden visibility, version script,
SONAME) is written once, and a second copy of it here, in compiler calls,
would drift from it. So building needs CMake >= 3.16 and a C compiler, and
the wheel is a platform wheel, tagged py3-none-linux_x86_64 (any Python 3: the
library is loaded through ctypes, no Python ABI is involved).

The C sources come from the checkout (two directories up) or, in an
unpacked sdist, from its csrc/ directory, which the sdist command fills;
csrc/ wins, so an sdist never reads outside itself. The version is the C
library's, read from crelu.h, where it is defined once.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import Command, Distribution, setup
from setuptools.command.sdist import sdist

try:
    from setuptools.command.build import build
except ImportError:  # setuptools < 62.4: its bundled distutils has it
    from distutils.command.build import build

try:  # python3-wheel: needed for a wheel, not for an sdist or --version
    from wheel.bdist_wheel import bdist_wheel
except ImportError:
    bdist_wheel = None

HERE = Path(__file__).resolve().parent
SONAME = "libcrelu.so.1"
# What csrc/ holds, relative to the checkout's root: all the C build needs.
C_TREE = ["libcrelu", "cmake/CreluVersion.cmake", "LICENSE"]


def c_root():
    """The directory holding libcrelu/ and cmake/: the sdist's csrc/, else the checkout."""
    for root in (HERE / "csrc", HERE.parents[1]):
        if (root / "libcrelu" / "include" / "crelu.h").is_file():
            return root
    raise RuntimeError(
        f"crelu: the C sources are neither in {HERE / 'csrc'} (an sdist) "
        f"nor in {HERE.parents[1]} (a checkout of libcrelu)"
    )


def library_version():
    header = c_root() / "libcrelu" / "include" / "crelu.h"
    text = header.read_text(encoding="utf-8")
    parts = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        match = re.search(rf"^#define CRELU_VERSION_{part} (\d+)$", text, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"CRELU_VERSION_{part} not found in {header}")
        parts.append(match.group(1))
    return ".".join(parts)


class BuildLibcrelu(Command):
    """Builds libcrelu.so.1 with CMake and puts it into the package, next to
    crelu/__init__.py, where crelu._library looks for it first."""

    description = "build the bundled libcrelu.so.1 with CMake"
    user_options = []

    def initialize_options(self):
        self.build_lib = None
        self.build_temp = None

    def finalize_options(self):
        self.set_undefined_options("build", ("build_lib", "build_lib"), ("build_temp", "build_temp"))

    def run(self):
        cmake = os.environ.get("CMAKE") or shutil.which("cmake")
        if not cmake:
            raise RuntimeError(
                "crelu: building the bundled libcrelu needs CMake >= 3.16 and a C compiler "
                "(Debian: apt-get install cmake gcc libc6-dev)"
            )
        work = Path(self.build_temp).resolve() / "libcrelu"
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.run([cmake, "-S", str(HERE / "libcrelu_build"), "-B", str(work),
                        "-DCMAKE_BUILD_TYPE=Release", f"-DCRELU_SOURCE_ROOT={c_root()}"], check=True)
        subprocess.run([cmake, "--build", str(work), "--target", "crelu", "--parallel", jobs], check=True)
        built = Path((work / "library-file.txt").read_text(encoding="utf-8").strip())
        target = Path(self.build_lib) / "crelu" / SONAME
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)  # the file itself, not the SONAME symlink
        os.chmod(target, 0o755)


class Build(build):
    sub_commands = build.sub_commands + [("build_libcrelu", None)]


class BinaryDistribution(Distribution):
    """Holds a shared library: built and installed as platform-specific
    (platlib, Root-Is-Purelib: false), though there is no extension module."""

    def has_ext_modules(self):
        return True


if bdist_wheel is not None:

    class PlatformWheel(bdist_wheel):
        """A wheel for this platform (it holds a shared library) but any Python 3."""

        def get_tag(self):
            _, _, platform = super().get_tag()
            return "py3", "none", platform

        @property
        def license_paths(self):
            return [str(c_root() / "LICENSE")]


class SDist(sdist):
    """Adds csrc/, the C sources and the license, so that the sdist builds
    its library from an empty directory."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        root = c_root()
        for name in C_TREE:
            source, copy = root / name, Path(base_dir) / "csrc" / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copyfile(source, copy)


commands = {"build": Build, "build_libcrelu": BuildLibcrelu, "sdist": SDist}
if bdist_wheel is not None:
    commands["bdist_wheel"] = PlatformWheel
setup(distclass=BinaryDistribution, version=library_version(), cmdclass=commands)

# SPDX-License-Identifier: MIT
"""The package loads from the installed prefix and finds libcrelu there with
no LD_LIBRARY_PATH; CRELU_LIBRARY overrides; a failure lists where it looked."""

import ctypes.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import crelu

HEADER = Path(__file__).resolve().parents[2] / "libcrelu" / "include" / "crelu.h"
PACKAGE_DIR = Path(crelu.__file__).resolve().parent
REPORT = (
    "import crelu, os\n"
    "print(crelu._library_path)\n"
    "print(*sorted({l.split()[-1] for l in open('/proc/self/maps') if 'libcrelu' in l}), sep='\\n')\n"
)


def _python(code, pythonpath, **env):
    """A fresh interpreter that sees only `pythonpath` (and `env`)."""
    clean = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(pythonpath),
             "PYTHONDONTWRITEBYTECODE": "1", **env}
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True,
                          text=True, timeout=60)


def _mapped_libcrelu():
    with open("/proc/self/maps") as maps:
        return {Path(line.split()[-1]).resolve() for line in maps if "libcrelu" in line}


def test_environment_is_a_users():
    assert "LD_LIBRARY_PATH" not in os.environ
    assert "CRELU_LIBRARY" not in os.environ


def test_package_and_library_come_from_the_prefix(prefix):
    assert PACKAGE_DIR.is_relative_to(prefix)
    library = Path(crelu._library_path).resolve()
    assert library.is_relative_to(prefix) and library.name.startswith("libcrelu.so.1")
    # What the process really mapped, not just what the package says.
    mapped = _mapped_libcrelu()
    assert mapped == {library}


def test_a_moved_prefix_still_finds_its_own_library(prefix, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(prefix, moved, symlinks=True)
    pythonpath = moved / PACKAGE_DIR.parent.relative_to(prefix)
    proc = _python(REPORT, pythonpath)
    assert proc.returncode == 0, proc.stderr
    reported, *mapped = proc.stdout.split("\n")[:-1]
    assert Path(reported).resolve().is_relative_to(moved)
    assert mapped and all(Path(m).resolve().is_relative_to(moved) for m in mapped)


def test_crelu_library_overrides(tmp_path):
    copy = tmp_path / "elsewhere" / "libcrelu.so.1"
    copy.parent.mkdir()
    shutil.copyfile(Path(crelu._library_path).resolve(), copy)
    proc = _python(REPORT, PACKAGE_DIR.parent, CRELU_LIBRARY=str(copy))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == [str(copy), str(copy)]


def test_a_bad_crelu_library_is_an_import_error_not_a_fallback(tmp_path):
    missing = tmp_path / "no" / "libcrelu.so.1"
    proc = _python("import crelu", PACKAGE_DIR.parent, CRELU_LIBRARY=str(missing))
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr and f"$CRELU_LIBRARY: {missing}" in proc.stderr
    assert "this package's install" not in proc.stderr


def test_no_library_anywhere_lists_where_it_looked(tmp_path):
    if ctypes.util.find_library("crelu"):
        pytest.skip("a system libcrelu exists, so this situation cannot be set up here")
    package = tmp_path / "crelu"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("_install.py", "__pycache__"))
    proc = _python("import crelu", tmp_path)
    assert proc.returncode != 0
    assert "ImportError: crelu: cannot load the C library libcrelu" in proc.stderr
    assert "the dynamic loader's search: libcrelu.so.1" in proc.stderr
    assert "CRELU_LIBRARY" in proc.stderr  # the way out is named


def _header_functions():
    text = HEADER.read_text()
    return set(re.findall(r"CRELU_API\s[^;]*?\b(crelu_\w+)\s*\(", text))


def test_every_exported_function_is_declared():
    declared = {name for name, *_ in crelu._library.SIGNATURES}
    header = _header_functions()
    assert len(header) >= 20
    assert declared == header
    for name in header:
        assert getattr(crelu._LIB, name).argtypes is not None, name


def test_status_functions_raise_through_errcheck():
    assert crelu._LIB.crelu_set_save.errcheck is not None
    with pytest.raises(crelu.InvalidArgumentError, match="crelu_set_save"):
        crelu._LIB.crelu_set_save(None, 0)


def test_version_is_the_headers():
    text = HEADER.read_text()
    major, minor, patch = (int(re.search(rf"#define CRELU_VERSION_{p} (\d+)", text).group(1))
                           for p in ("MAJOR", "MINOR", "PATCH"))
    assert crelu.__version__ == crelu.version() == f"{major}.{minor}.{patch}"
    assert crelu._LIB.crelu_version_number() == major * 10000 + minor * 100 + patch


def test_isa_names_a_kernel_table_and_follows_crelu_isa():
    assert crelu.isa() in {"avx512", "avx2", "sse2", "neon", "portable", "scalar"}
    # The choice is made once per process: a fresh interpreter sees CRELU_ISA.
    env = dict(os.environ, CRELU_ISA="scalar")
    out = subprocess.run([sys.executable, "-c", "import crelu; print(crelu.isa())"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "scalar"


# ---- the search order: $CRELU_LIBRARY, next to the package, the install, the system ----

WHICH = (
    "import crelu\n"
    "print(crelu.library_path())\n"
    "print(*sorted({l.split()[-1] for l in open('/proc/self/maps') if 'libcrelu' in l}), sep='\\n')\n"
)


def _moved_prefix(prefix, tmp_path):
    """A copy of the prefix, and the package directory inside it."""
    moved = tmp_path / "moved"
    shutil.copytree(prefix, moved, symlinks=True)
    return moved, moved / PACKAGE_DIR.relative_to(prefix)


def _which(pythonpath, **env):
    proc = _python(WHICH, pythonpath, **env)
    assert proc.returncode == 0, proc.stderr
    reported, *mapped = proc.stdout.split("\n")[:-1]
    return reported, mapped


def test_a_library_next_to_the_package_comes_before_the_install(prefix, tmp_path):
    moved, package = _moved_prefix(prefix, tmp_path)
    beside = package / "libcrelu.so.1"  # as a wheel has it
    shutil.copyfile(Path(crelu.library_path()).resolve(), beside)
    assert (package / "_install.py").is_file()
    reported, mapped = _which(package.parent)
    assert reported == str(beside) and mapped == [str(beside)]


def test_crelu_library_comes_before_the_library_next_to_the_package(prefix, tmp_path):
    moved, package = _moved_prefix(prefix, tmp_path)
    shutil.copyfile(Path(crelu.library_path()).resolve(), package / "libcrelu.so.1")
    override = tmp_path / "override" / "libcrelu.so.1"
    override.parent.mkdir()
    shutil.copyfile(Path(crelu.library_path()).resolve(), override)
    reported, mapped = _which(package.parent, CRELU_LIBRARY=str(override))
    assert reported == str(override) and mapped == [str(override)]


def test_an_unloadable_file_next_to_the_package_falls_through_to_the_install(prefix, tmp_path):
    moved, package = _moved_prefix(prefix, tmp_path)
    (package / "libcrelu.so.1").write_bytes(b"not a library")
    reported, mapped = _which(package.parent)
    assert Path(reported).resolve().is_relative_to(moved / "lib")
    assert [Path(m).resolve() for m in mapped] == [Path(reported).resolve()]


def test_library_path_names_the_file_the_loader_found(tmp_path):
    # No copy beside the package, no install record: the dynamic loader's
    # search (here through LD_LIBRARY_PATH) finds it, and library_path()
    # says which file that was, not just "libcrelu.so.1".
    package = tmp_path / "crelu"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("_install.py", "__pycache__"))
    found = tmp_path / "system" / "libcrelu.so.1"
    found.parent.mkdir()
    shutil.copyfile(Path(crelu.library_path()).resolve(), found)
    reported, mapped = _which(tmp_path, LD_LIBRARY_PATH=str(found.parent))
    assert Path(reported).is_absolute() and Path(reported).resolve() == found
    assert mapped == [reported]


def test_a_failure_lists_the_place_next_to_the_package(tmp_path):
    if ctypes.util.find_library("crelu"):
        pytest.skip("a system libcrelu exists, so this situation cannot be set up here")
    package = tmp_path / "crelu"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("_install.py", "__pycache__"))
    proc = _python("import crelu", tmp_path)
    assert f"next to the package: {package / 'libcrelu.so.1'}" in proc.stderr

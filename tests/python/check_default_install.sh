#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A default install (prefix /usr/local) puts the package where the Python
# the build was configured with looks, with no PYTHONPATH: installed with
# DESTDIR into a scratch directory (nothing goes into /usr/local), then
# imported by that Python with its own sys.path, /usr/local entries mapped
# into the scratch directory; the package and libcrelu must both come from it.
#
#   tests/python/check_default_install.sh <build dir> <scratch dir> <python>
set -euo pipefail
build=$1 destdir=$2 python=$3
rm -rf "$destdir"
DESTDIR=$destdir cmake --install "$build" --prefix /usr/local >/dev/null
env -i PATH=/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 "$python" - "$destdir" <<'PY'
import os, sys
destdir = sys.argv[1]
searched = [p for p in sys.path if p.startswith("/usr/local/")]
assert searched, f"{sys.executable} searches nothing under /usr/local: {sys.path}"
sys.path[:] = [destdir + p if p.startswith("/usr/local/") else p for p in sys.path]
try:
    import crelu
except ImportError as exc:
    found = sorted(os.path.relpath(d, destdir) for d, _, f in os.walk(destdir) if "__init__.py" in f)
    sys.exit(f"{exc}\nthe install put packages in {found}; {sys.executable} searches {searched}")
for what in (crelu.__file__, crelu.library_path()):
    assert os.path.realpath(what).startswith(os.path.realpath(destdir) + "/usr/local/"), what
print(f"default install: {os.path.relpath(crelu.__file__, destdir)} is found and loads "
      f"{os.path.relpath(crelu.library_path(), destdir)}")
PY

#!/bin/bash
# The production cross build's build Python (configure --with-build-python needs one of the
# same version): the verified /usr/src/python.tar.xz (fetch.sh) built natively at
# /usr/local, the prefix of the target, so its ensurepip writes the same
# #!/usr/local/bin/python3.X launchers the target's own would. Only what running the build
# needs (the target's build, compileall, ensurepip, payload.sh's JSON reading); -O1, no debug
# info: it never ships. A --fast cross build uses the native --fast interpreter instead
# (image/Dockerfile, build-python-fast1).
#   env: PYTHON_VERSION
set -euxo pipefail

: "${PYTHON_VERSION:?}"
src=/usr/src/build-python-src
mkdir -p "$src" /usr/src/build-python
tar -xJf /usr/src/python.tar.xz -C "$src" --strip-components=1
# Modules nothing at build time imports are left out: each one is compile time saved.
nomods=""
for m in _bz2 _lzma _ssl _hashlib _sqlite3 _ctypes _curses _curses_panel _dbm _gdbm _uuid _tkinter readline _zstd \
    _decimal _elementtree _multibytecodec _codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw; do
    nomods="$nomods py_cv_module_$m=n/a"
done
# shellcheck disable=SC2086 # one VAR=value argument per module
(cd /usr/src/build-python && "$src/configure" --prefix=/usr/local --with-ensurepip=no \
    --disable-test-modules --without-readline OPT="-DNDEBUG -O1" $nomods >/dev/null)
make -C /usr/src/build-python -j"$(nproc)" >/dev/null
make -C /usr/src/build-python install PYTHONDONTWRITEBYTECODE=1 >/dev/null
rm -rf /usr/src/build-python "$src"
minor=$(echo "$PYTHON_VERSION" | cut -d. -f1-2)
"/usr/local/bin/python$minor" -c 'import sys; print("build Python", sys.version)'

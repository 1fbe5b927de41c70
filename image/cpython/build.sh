#!/bin/sh
# Build the verified /usr/src/python.tar.xz (fetch.sh) against trixie's libraries and lay
# out two trees with the SAME prefix, /usr/local (the path of the official python:*-slim
# images, so venvs made there keep working: GoogleContainerTools/distroless#1543):
#   /out/builder/usr/local  full interpreter + headers + ensurepip/pip (for `pip install`)
#   /out/runtime/usr/local  the same files minus headers, ensurepip, pip, config dir
#   /out/meta/packages.txt  Debian packages owning every shared library the ELF files need
#   /out/meta/cpython.json  name, version, sha256, source URL (for lock, SBOM and labels)
#   env: PYTHON_VERSION, PYTHON_FAST (1: no PGO/LTO), SOURCE_DATE_EPOCH, TARGETARCH
set -eux

: "${PYTHON_VERSION:?}"
minor=$(echo "$PYTHON_VERSION" | cut -d. -f1-2)
arch=${TARGETARCH:-$(dpkg --print-architecture)}

mkdir -p /usr/src/python
tar -xJf /usr/src/python.tar.xz -C /usr/src/python --strip-components=1
cd /usr/src/python

# Production options. PGO runs the test-suite profile task; under qemu (arm64 on an amd64
# builder) that takes hours, so arm64 gets LTO only. PYTHON_FAST=1 (`image:build --fast`)
# drops both for quick iteration and CI.
opt=""
if [ "${PYTHON_FAST:-0}" != "1" ]; then
    if [ "$arch" = "amd64" ]; then opt="--enable-optimizations --with-lto"; else opt="--with-lto"; fi
fi

# No --enable-shared: a statically linked interpreter (as Debian's /usr/bin/python3.X)
# avoids PIC overhead and one dynamic-linker lookup at every start; extension modules do
# not link libpython on Linux, so wheels and venvs work unchanged. Embedding apps that need
# libpython3.X.so are out of scope for a distroless runtime.
# System libraries instead of bundled copies (expat, libmpdec, libffi), so Debian security
# updates reach them and scanners see them. No readline/gdbm (GPL; 3.13's REPL does not
# need readline); dbm.ndbm on Berkeley DB like Debian's; no tkinter (no Tk in a server image).
# --disable-test-modules: the test suite is not installed (PGO still trains on the source tree).
# shellcheck disable=SC2086
./configure \
    --prefix=/usr/local \
    --with-system-expat \
    --with-system-libmpdec \
    --with-ensurepip=no \
    --disable-test-modules \
    --without-readline \
    --with-dbmliborder=bdb \
    $opt

# --strip-all: no debug info in the interpreter or extension modules (as docker-library).
# SOURCE_DATE_EPOCH makes gcc's __DATE__/__TIME__ (sys.version) deterministic.
make -j"$(nproc)" LDFLAGS="-Wl,--strip-all"
# No bytecode from `make install` (it would write three optimisation levels with
# timestamps); compileall below writes one deterministic level.
make install LDFLAGS="-Wl,--strip-all" COMPILEALL_OPTS="-j0" PYTHONDONTWRITEBYTECODE=1 >/dev/null

py=/usr/local/bin/python$minor
lib=/usr/local/lib/python$minor

# Not in any image: tests, Tk and IDLE, static libs, man pages, 2to3/idle launchers.
rm -rf "$lib/test" "$lib"/*/test "$lib"/*/tests "$lib/idlelib" "$lib/tkinter" "$lib/turtledemo" \
    "$lib/turtle.py" /usr/local/share/man /usr/local/bin/idle3* /usr/local/bin/2to3*
find /usr/local -name '*.a' -delete
find /usr/local -depth -name __pycache__ -type d -exec rm -rf {} +

# pip only in the builder: ensurepip installs the wheel CPython bundles (offline).
mkdir -p /out/builder /out/runtime /out/meta
cp -a /usr/local /out/runtime/usr-local
"$py" -m ensurepip --default-pip >/dev/null
find /usr/local -depth -name __pycache__ -type d -exec rm -rf {} +
cp -a /usr/local /out/builder/usr-local

rt=/out/runtime/usr-local
rm -rf "$rt/include" "$rt/lib/pkgconfig" "$rt/lib/python$minor/ensurepip" "$rt/lib/python$minor/config-$minor"* \
    "$rt/bin/python$minor-config" "$rt/bin/python3-config"

# Deterministic bytecode for everything: unchecked-hash .pyc never look at mtimes, so no
# import ever rewrites them (read-only roots) and identical sources give identical bytes.
for tree in /out/builder/usr-local /out/runtime/usr-local; do
    # -s: strip the tree prefix and -p: prepend /usr/local, so co_filename is the final path.
    PYTHONHASHSEED=0 "$py" -m compileall -q -j0 --invalidation-mode unchecked-hash \
        -s "$tree" -p /usr/local "$tree/lib/python$minor" >/dev/null
done
mkdir -p /out/builder/usr /out/runtime/usr
mv /out/builder/usr-local /out/builder/usr/local
mv /out/runtime/usr-local /out/runtime/usr/local

# Every DT_NEEDED of every ELF file, resolved by the dynamic linker's cache, mapped to the
# Debian package that ships it. This is the runtime's package set for CPython; the image
# build compares it with the lock.
set +x
ldconfig
# readelf rejects non-ELF files (stderr ignored), so it doubles as the ELF filter.
find /out/runtime /out/builder -type f -print0 | xargs -0 readelf -d 2>/dev/null \
    | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u > /out/meta/sonames.txt
: > /tmp/packages
while read -r soname; do
    # One architecture is installed in this stage, so the first cache entry is it.
    path=$(ldconfig -p | awk -v s="$soname" '$1 == s {print $NF; exit}')
    if [ -z "$path" ]; then echo "ERROR: $soname is needed but no installed package provides it" >&2; exit 1; fi
    pkg=$(dpkg -S "$(realpath "$path")" | cut -d: -f1)
    if [ -z "$pkg" ]; then echo "ERROR: no package owns $path ($soname)" >&2; exit 1; fi
    echo "$pkg" >> /tmp/packages
done < /out/meta/sonames.txt
sort -u /tmp/packages > /out/meta/packages.txt
set -x
test -s /out/meta/packages.txt
cat /out/meta/packages.txt

cp /usr/src/python-source.json /out/meta/cpython.json
"$py" -c 'import sys; print(sys.version)'

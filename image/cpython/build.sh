#!/bin/bash
# Build the verified /usr/src/python.tar.xz (fetch.sh) against trixie's libraries and lay
# out two trees with the SAME prefix, /usr/local (the path of the official python:*-slim
# images, so venvs made there keep working: GoogleContainerTools/distroless#1543):
#   /out/builder/usr/local  full interpreter + headers + ensurepip/pip (for `pip install`)
#   /out/runtime/usr/local  the same files minus headers, ensurepip, pip, config dir
#   /out/meta/packages.txt  Debian packages owning every shared library the ELF files need
#   /out/meta/cpython.json  name, version, sha256, source URL (for lock, SBOM and labels)
#   env: PYTHON_VERSION, PYTHON_FAST (1: no PGO/LTO), PYTHON_PGO_TASK, PYTHON_BOLT (below),
#        SOURCE_DATE_EPOCH, TARGETARCH, BUILDARCH
# TARGETARCH != BUILDARCH (arm64 on an amd64 builder) cross-compiles with a native build Python
# of the same version found at /usr/local (image/Dockerfile's build-python stage) and
# Debian's cross toolchain against the target's multiarch -dev packages; nothing of the
# target runs during the build (no qemu): bytecode and pip come from the build Python.
set -euxo pipefail

: "${PYTHON_VERSION:?}"
minor=$(echo "$PYTHON_VERSION" | cut -d. -f1-2)
arch=${TARGETARCH:-$(dpkg --print-architecture)}
build_arch=${BUILDARCH:-$(dpkg --print-architecture)}
here=$(dirname "$(readlink -f "$0")")
triplet_of() {
    case "$1" in
        amd64) echo x86_64-linux-gnu ;;
        arm64) echo aarch64-linux-gnu ;;
        *) echo "build.sh: no GNU triplet known for architecture $1" >&2; return 1 ;;
    esac
}
triplet=$(triplet_of "$arch")
build_triplet=$(triplet_of "$build_arch")
cross=0; [ "$arch" = "$build_arch" ] || cross=1

mkdir -p /usr/src/python
tar -xJf /usr/src/python.tar.xz -C /usr/src/python --strip-components=1
cd /usr/src/python

# Production options. PGO runs the test-suite profile task on the target, which a cross build
# cannot do (and under qemu it took hours), so a cross build gets LTO only. PYTHON_FAST=1
# (`image:build --fast`) drops both for quick iteration and CI.
# Optimisation switches (build inputs: buildId, labels and SBOM record them; bench:python
# measures them):
#   PYTHON_PGO_TASK default   CPython's PGO training task (`-m test --pgo`, a few dozen tests)
#                   extended  `-m test --pgo-extended`: nearly the whole test suite, as Debian
#                             trains its python3.X (slower to build)
#   PYTHON_BOLT     1         BOLT post-link optimisation (--enable-bolt, trixie's llvm-bolt;
#                             native PGO builds only: BOLT profiles the running target)
# Both need PGO: with PYTHON_FAST=1 they are an error; a cross build (no PGO) skips them, and
# cpython.json's buildOptions records what each platform's build really did.
pgo_task=${PYTHON_PGO_TASK:-default}
bolt=${PYTHON_BOLT:-0}
case "$pgo_task" in default|extended) ;; *) echo "build.sh: PYTHON_PGO_TASK=$pgo_task; accepted: default, extended" >&2; exit 1 ;; esac
case "$bolt" in 0|1) ;; *) echo "build.sh: PYTHON_BOLT=$bolt; accepted: 0, 1" >&2; exit 1 ;; esac
opt=""
profile_task=()
strip_ld="-Wl,--strip-all"
if [ "${PYTHON_FAST:-0}" != "1" ]; then
    if [ "$cross" = 0 ]; then opt="--enable-optimizations --with-lto"; else opt="--with-lto"; fi
fi
if [ "${PYTHON_FAST:-0}" = 1 ] && { [ "$pgo_task" != default ] || [ "$bolt" = 1 ]; }; then
    echo "build.sh: PYTHON_PGO_TASK=$pgo_task PYTHON_BOLT=$bolt need PGO, which PYTHON_FAST=1 turns off" >&2; exit 1
fi
if [ "$cross" = 1 ]; then pgo_task=default; bolt=0; fi
if [ "$pgo_task" = extended ]; then
    # The same flags as the Makefile's default task, with the extended test set. 3.13's Makefile
    # fails the build when the task exits non-zero, and in a build container some tests fail
    # for the container, not the interpreter (no network, no tty, root: test_socket, test_posix,
    # test_asyncio.test_base_events, test_class, test_compile failed here). A failed test has
    # still trained the profile for all it ran, so the task's status is ignored (the recipe line
    # is `./python $(PROFILE_TASK)`); the image's own checks test the product.
    profile_task=("PROFILE_TASK=-m test --pgo-extended --timeout=1200 -j$(nproc) || true")
fi
if [ "$bolt" = 1 ]; then
    llvm=/usr/lib/llvm-19/bin
    if [ ! -x "$llvm/llvm-bolt" ] || [ ! -x "$llvm/merge-fdata" ]; then
        echo "build.sh: PYTHON_BOLT=1 but $llvm/llvm-bolt is missing: the lock's buildDependencies.\"$build_arch/$arch+bolt\" must be installed (npm run python:lock)" >&2; exit 1
    fi
    export LLVM_BOLT=$llvm/llvm-bolt MERGE_FDATA=$llvm/merge-fdata
    opt="$opt --enable-bolt"
    # BOLT rewrites a binary with its symbols and relocations (configure adds -Wl,--emit-relocs)
    # and refuses a stripped one: strip after it, not at link time (below).
    strip_ld=""
fi

# Where `make install` puts the target tree: /usr/local itself for a native build (that
# interpreter then compiles the bytecode and runs ensurepip); a staging root for a cross build,
# whose /usr/local holds the build Python instead.
dest=""
cross_opts=""
if [ "$cross" = 1 ]; then
    dest=/usr/src/target-root
    # The build Python (configure --with-build-python), already at /usr/local: the Dockerfile's
    # build-python stage (build-python.sh, or the native --fast interpreter). Same version and
    # prefix as the target, so its ensurepip writes the same #!/usr/local/bin/python3.X
    # launchers the target's own would.
    have=$("/usr/local/bin/python$minor" -c 'import platform; print(platform.python_version())') ||
        { echo "build.sh: a cross build needs the build Python at /usr/local/bin/python$minor (image/Dockerfile, build-python)" >&2; exit 1; }
    [ "$have" = "$PYTHON_VERSION" ] || { echo "build.sh: the build Python is $have, the target $PYTHON_VERSION: they must be the same version" >&2; exit 1; }
    # pip of a native --fast interpreter would make `ensurepip --root` below find pip
    # "already satisfied" and install nothing into the target.
    rm -rf "/usr/local/lib/python$minor/site-packages/"pip* /usr/local/bin/pip*
    # The cross tools under the names a native build uses (gcc, ar, readelf, ...), first on
    # PATH: configure then records "gcc" in sysconfig and the config-3.X Makefile exactly as
    # the native build does, so `pip install` of a C extension in the arm64 builder image
    # calls a compiler name that exists there, not aarch64-linux-gnu-gcc.
    mkdir -p /usr/src/cross-bin
    for tool in gcc cpp ar ranlib readelf strip nm objcopy objdump ld as; do
        printf '#!/bin/sh\nexec /usr/bin/%s-%s "$@"\n' "$triplet" "$tool" >"/usr/src/cross-bin/$tool"
        chmod +x "/usr/src/cross-bin/$tool"
    done
    export PATH=/usr/src/cross-bin:$PATH
    # Checks configure cannot run on the build machine (see the file).
    export CONFIG_SITE=$here/cross.config.site
    # The target's .pc files (multiarch), with the native pkg-config.
    export PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig
    cross_opts="--build=$build_triplet --host=$triplet --with-build-python=/usr/local/bin/python$minor"
    export CC=gcc AR=ar READELF=readelf
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
    $cross_opts \
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
make -j"$(nproc)" LDFLAGS="$strip_ld" "${profile_task[@]}"
# No bytecode from `make install` (it would write three optimisation levels with
# timestamps); compileall below writes one deterministic level.
make install DESTDIR="$dest" LDFLAGS="$strip_ld" "${profile_task[@]}" COMPILEALL_OPTS="-j0" PYTHONDONTWRITEBYTECODE=1 >/dev/null
if [ "$bolt" = 1 ]; then
    # The link kept symbols for BOLT; the installed ELF files lose them now, as the others
    # lose them at link time.
    find "$dest/usr/local/bin" "$dest/usr/local/lib/python$minor/lib-dynload" -type f \( -name "python$minor" -o -name '*.so' \) \
        -exec strip --strip-all {} +
fi
if [ "$cross" = 1 ]; then
    export PATH=${PATH#/usr/src/cross-bin:}
    unset CONFIG_SITE PKG_CONFIG_LIBDIR CC AR READELF
    # Nothing of the target may name the cross compiler (see cross-bin above).
    if grep -rlI -e "$triplet-gcc" -e "$triplet-ar" "$dest/usr/local/lib/python$minor"/_sysconfigdata_* "$dest/usr/local/lib/python$minor"/config-* >/tmp/cross-names; then
        echo "build.sh: the target's sysconfig names the cross toolchain:" >&2; cat /tmp/cross-names >&2; exit 1
    fi
fi

# The interpreter that runs below (compileall, ensurepip): the target itself when native,
# the build Python (same version, same prefix) when cross.
py=/usr/local/bin/python$minor
tree=$dest/usr/local
lib=$tree/lib/python$minor

# Not in any image: tests, Tk and IDLE, static libs, man pages, 2to3/idle launchers.
rm -rf "$lib/test" "$lib"/*/test "$lib"/*/tests "$lib/idlelib" "$lib/tkinter" "$lib/turtledemo" \
    "$lib/turtle.py" "$tree/share/man" "$tree"/bin/idle3* "$tree"/bin/2to3*
find "$tree" -name '*.a' -delete
find "$tree" -depth -name __pycache__ -type d -exec rm -rf {} +

# pip only in the builder: ensurepip installs the wheel CPython bundles (offline).
mkdir -p /out/builder /out/runtime /out/meta
cp -a "$tree" /out/runtime/usr-local
# Cross: the build Python's ensurepip into the staging root writes the same files (pure
# Python, launchers for /usr/local/bin/python3.X) as the target's own would.
if [ "$cross" = 1 ]; then "$py" -m ensurepip --default-pip --root "$dest" >/dev/null; else "$py" -m ensurepip --default-pip >/dev/null; fi
find "$tree" -depth -name __pycache__ -type d -exec rm -rf {} +
cp -a "$tree" /out/builder/usr-local

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

# Every DT_NEEDED of every ELF file, found in the target architecture's multiarch library
# directory (/usr/lib/x86_64-linux-gnu, /usr/lib/aarch64-linux-gnu: the cross build installed
# the arm64 -dev packages there) and mapped to the Debian package of THAT architecture that
# ships it. This is the runtime's package set for CPython; the image build compares it with
# the lock. Intermediate files, not pipes: every step's failure fails the build.
set +x
find /out/runtime /out/builder -type f >/tmp/files.txt
# ELF files only (readelf would fail on the others, and a failing readelf must fail the build).
perl -ne 'chomp; open(my $f, "<:raw", $_) or die "$_: $!"; read($f, my $m, 4); print "$_\n" if $m eq "\x7fELF"' /tmp/files.txt >/tmp/elf-files.txt
test -s /tmp/elf-files.txt
xargs -a /tmp/elf-files.txt -d '\n' readelf -d >/tmp/dynamic.txt
sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' /tmp/dynamic.txt | sort -u >/out/meta/sonames.txt
test -s /out/meta/sonames.txt
machine=$(readelf -h "/out/runtime/usr/local/bin/python$minor" | sed -n 's/^ *Machine: *//p')
: >/tmp/packages
while read -r soname; do
    path=""
    for d in "/usr/lib/$triplet" "/lib/$triplet"; do
        if [ -e "$d/$soname" ]; then path=$(realpath "$d/$soname"); break; fi
    done
    if [ -z "$path" ]; then echo "ERROR: $soname is needed but no installed $arch package provides it in /usr/lib/$triplet" >&2; exit 1; fi
    got=$(readelf -h "$path" | sed -n 's/^ *Machine: *//p')
    [ "$got" = "$machine" ] || { echo "ERROR: $path is a $got library, the interpreter is $machine" >&2; exit 1; }
    owner=$(dpkg-query -S "$path")
    # "libssl3t64:arm64: /usr/lib/aarch64-linux-gnu/libssl.so.3"
    pkg=${owner%%:*}
    qual=${owner#"$pkg"}; qual=${qual%%: *}; qual=${qual#:}
    if [ -z "$pkg" ]; then echo "ERROR: no package owns $path ($soname)" >&2; exit 1; fi
    if [ -n "$qual" ] && [ "$qual" != "$arch" ]; then echo "ERROR: $path ($soname) belongs to $pkg:$qual, not to an $arch package" >&2; exit 1; fi
    echo "$pkg" >>/tmp/packages
done </out/meta/sonames.txt
sort -u /tmp/packages >/out/meta/packages.txt
set -x
test -s /out/meta/packages.txt
cat /out/meta/packages.txt

# The source (fetch.sh) and how it was built: the SBOM component and the image record both.
options="lto=$([ -n "$opt" ] && echo on || echo off) pgo=$(case "$opt" in *--enable-optimizations*) echo "$pgo_task" ;; *) echo off ;; esac) bolt=$([ "$bolt" = 1 ] && echo on || echo off)"
"$py" -I -c 'import json, sys
m = json.load(open(sys.argv[1]))
m["buildOptions"] = sys.argv[2]
json.dump(m, open(sys.argv[3], "w"), sort_keys=True)' /usr/src/python-source.json "$options" /out/meta/cpython.json
if [ "$cross" = 0 ]; then "$py" -c 'import sys; print(sys.version)'; fi

#!/bin/bash
# payload.sh LOCK: turn build.sh's /out into the image's python-<flavor> payload contract
# (image/Dockerfile): /payload/runtime/ over the runtime rootfs, /payload/builder/ on top
# of it for the builder variant. First proves that the Debian library packages this CPython
# links against (computed from its ELF files) are exactly the lock's `cpython.libraries`.
set -euo pipefail
lock=$1
minor=$(echo "${PYTHON_VERSION:?}" | cut -d. -f1-2)
# The stage's own native interpreter (the target when built natively, the build Python when
# cross-compiled) reads the JSON: a real parser, never a line pattern.
py=/usr/local/bin/python$minor

# ---- 1. ELF-derived package set == the lock's ------------------------------------------------
if ! "$py" -I -c 'import json, sys
libs = json.load(open(sys.argv[1])).get("cpython", {}).get("libraries")
if not libs or not all(isinstance(x, str) for x in libs): sys.exit(1)
print("\n".join(sorted(set(libs))))' "$lock" >/tmp/lock-libs; then
    echo "payload.sh: $lock has no cpython.libraries (run: npm run python:lock -- --python $minor)" >&2; exit 1
fi
missing=$(comm -23 /out/meta/packages.txt /tmp/lock-libs | tr '\n' ' ')
extra=$(comm -13 /out/meta/packages.txt /tmp/lock-libs | tr '\n' ' ')
if [ -n "$missing$extra" ]; then
    echo "payload.sh: CPython $PYTHON_VERSION links against Debian packages that differ from $lock cpython.libraries:" >&2
    [ -z "$missing" ] || echo "  missing from the lock (needed by the ELF files): $missing" >&2
    [ -z "$extra" ] || echo "  extra in the lock (no ELF file needs them): $extra" >&2
    echo "  fix image/packages/upstream.json, then: npm run python:lock -- --python $minor" >&2
    exit 1
fi
locked=$("$py" -I -c 'import json, sys; print(json.load(open(sys.argv[1]))["cpython"]["version"])' "$lock")
[ "$locked" = "$PYTHON_VERSION" ] || echo "payload.sh: NOTE: building CPython $PYTHON_VERSION (override); the lock pins $locked" >&2

# ---- 2. runtime + builder trees ---------------------------------------------------------------
mkdir -p /payload/runtime /payload/builder
cp -a /out/runtime/. /payload/runtime/
# The distroless contract: the interpreter at /usr/bin/python<minor> (assemble.sh adds
# python3/python); the real files stay under /usr/local, the path of python:*-slim.
mkdir -p /payload/runtime/usr/bin
ln -s "../local/bin/python$minor" "/payload/runtime/usr/bin/python$minor"
# builder = what the builder tree has beyond the runtime tree (headers, ensurepip, pip, config).
cd /out/builder
find . \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do
    [ -e "/out/runtime/$f" ] || [ -L "/out/runtime/$f" ] || cp -a --parents "$f" /payload/builder/
done

# ---- 3. CPython's SBOM component (image/assemble/sbom.pl adds it to the runtime SBOM) ---------
"$py" -I -c 'import json, sys
m = json.load(open(sys.argv[1]))
print("\t".join(m[k] for k in ("version", "sha256", "url", "signature", "buildOptions")))' /out/meta/cpython.json >/tmp/cpython-meta.tsv
IFS="$(printf '\t')" read -r version sha url sig build_options </tmp/cpython-meta.tsv
purl="pkg:generic/cpython@$version?download_url=${url//:/%3A}"
mkdir -p /payload/runtime/usr/local/share/cpython
printf '    {"type":"application","bom-ref":"%s","name":"cpython","version":"%s","purl":"%s","hashes":[{"alg":"SHA-256","content":"%s"}],"licenses":[{"license":{"id":"PSF-2.0"}}],"externalReferences":[{"type":"distribution","url":"%s"}],"properties":[{"name":"cpython:signature","value":"%s"},{"name":"cpython:debian-libraries","value":"%s"},{"name":"cpython:build-options","value":"%s"}]}\n' \
    "$purl" "$version" "$purl" "$sha" "$url" "$sig" "$(tr '\n' ' ' </out/meta/packages.txt | sed 's/ $//')" "$build_options" \
    >/payload/runtime/usr/local/share/cpython/cdx-component.json
cp /out/meta/cpython.json /payload/runtime/usr/local/share/cpython/cpython.json

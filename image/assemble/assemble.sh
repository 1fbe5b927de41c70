#!/bin/bash
# assemble.sh LOCK ARCH DEBS PAYLOAD OUT
# Builds OUT/runtime (the whole distroless rootfs) and OUT/debug, OUT/builder (what each of
# those variants adds on top) from the .debs fetch.sh downloaded and the flavour's payload.
# Env: PYTHON_MINOR, PYTHON_FLAVOR, SOURCE_DATE_EPOCH, COMPILE_BYTECODE (1), TRIM (1: strip
# docs and remove what packages/trim.txt lists; 0 only for the benchmark's Google-equivalent).
# bash with pipefail: a failing producer on the left of a pipe (awk, find, sort) fails the build
# instead of feeding an empty loop.
set -euo pipefail
lock=$1 arch=$2 debs=$3 payload=$4 out=$5
lib=$(dirname "$0")
minor=${PYTHON_MINOR:?}
epoch=${SOURCE_DATE_EPOCH:-0}
tab=$(printf '\t')
log() { echo "assemble.sh: $*" >&2; }

# ---- 1. unpack data.tar of each package, record it in status.d ------------------------------
for layer in runtime debug builder; do
  root=$out/$layer
  mkdir -p "$root/var/lib/dpkg/status.d"
  awk -F'\t' -v l="$layer" '$1 == l' "$debs/entries.tsv" | while IFS="$tab" read -r _ pkg version debarch _ file; do
    deb=$debs/$(basename "$file")
    dpkg-deb -x "$deb" "$root"
    # The control stanza as dpkg's status file has it (Status right after Package): this is
    # how Trivy, Grype and Syft find packages in distroless images.
    dpkg-deb -f "$deb" | awk 'NR == 1 { print; print "Status: install ok installed"; next } { print }' \
      >"$root/var/lib/dpkg/status.d/$pkg"
    ctrl=$(mktemp -d)
    dpkg-deb -e "$deb" "$ctrl"
    if [ -f "$ctrl/md5sums" ]; then cp "$ctrl/md5sums" "$root/var/lib/dpkg/status.d/$pkg.md5sums"; fi
    rm -rf "$ctrl"
    : "$version" "$debarch"
  done
done

# ---- 2. the flavour's Python payload (empty for Debian: it came with the packages) ------------
cp -a "$payload/runtime/." "$out/runtime/"
cp -a "$payload/builder/." "$out/builder/"

# ---- 3. trim: docs, man pages, gdb helpers; keep each package's copyright -------------------
# ca-certificates: only the concatenated bundle (what update-ca-certificates would write with
# the default configuration: every Mozilla CA, in path order) and the copyright file.
certs=$out/runtime/usr/share/ca-certificates
if [ -d "$certs" ]; then
  mkdir -p "$out/runtime/etc/ssl/certs"
  find "$certs" -name '*.crt' | LC_ALL=C sort | while read -r crt; do
    cat "$crt"; [ -z "$(tail -c1 "$crt")" ] || echo
  done >"$out/runtime/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$certs" "$out/runtime/usr/sbin/update-ca-certificates" "$out/runtime/etc/ca-certificates" \
    "$out/runtime/usr/share/ca-certificates"
fi
if [ "${TRIM:-1}" = 1 ]; then
  for layer in runtime debug builder; do
    r=$out/$layer
    if [ -d "$r/usr/share/doc" ]; then
      find "$r/usr/share/doc" -mindepth 2 ! -type d ! -name copyright -delete
      find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
    fi
    # gdb pretty-printers (libstdc++6) and lintian overrides are for developers, not runtime.
    rm -rf "$r/usr/share/man" "$r/usr/share/info" "$r/usr/share/lintian" "$r/usr/share/bug" \
      "$r/usr/share/doc-base" "$r/usr/share/gdb" "$r/usr/share/gcc" "$r/usr/share/menu"
  done
  # Files of kept packages that Python never uses (reasons in the data file).
  sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$lib/../packages/trim.txt" | sed -e "s/{minor}/$minor/g" | while read -r pattern; do
    [ -n "$pattern" ] || continue
    # shellcheck disable=SC2086 # the pattern is a glob on purpose
    for path in "$out"/runtime/$pattern; do
      if [ -e "$path" ] || [ -L "$path" ]; then rm -rf "$path"; fi
    done
  done
fi

# ---- 4. files no package provides -------------------------------------------------------------
r=$out/runtime
mkdir -p "$r/etc" "$r/tmp" "$r/root" "$r/home/nonroot" "$r/usr/lib" "$r/var/lib/dpkg/status.d"
# Same accounts as Google's distroless (base/base.bzl): no login shell anywhere.
cat >"$r/etc/passwd" <<'P'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
P
cat >"$r/etc/group" <<'G'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
G
cat >"$r/etc/nsswitch.conf" <<'N'
passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
N
[ -e "$r/etc/ld.so.conf" ] || printf 'include /etc/ld.so.conf.d/*.conf\n' >"$r/etc/ld.so.conf"
# os-release: Debian 13 for scanners (ID/VERSION_ID), distroless for people (PRETTY_NAME).
rm -f "$r/usr/lib/os-release"
cat >"$r/usr/lib/os-release" <<'O'
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
VERSION_ID="13"
VERSION="Debian GNU/Linux 13 (trixie)"
VERSION_CODENAME=trixie
ID=debian
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
O
[ -e "$r/etc/os-release" ] || [ -L "$r/etc/os-release" ] || ln -s ../usr/lib/os-release "$r/etc/os-release"
chmod 1777 "$r/tmp"
chmod 0700 "$r/root" "$r/home/nonroot"
chown 65532:65532 "$r/home/nonroot"
if [ -e "$r/usr/bin/python$minor" ] || [ -L "$r/usr/bin/python$minor" ]; then
  for link in python3 python; do
    [ -e "$r/usr/bin/$link" ] || ln -s "python$minor" "$r/usr/bin/$link"
  done
else
  log "the $PYTHON_FLAVOR payload has no /usr/bin/python$minor"; exit 1
fi

# Shells for debug and builder: busybox applet links, where the runtime has no such file.
for layer in debug builder; do
  bb=$out/$layer/usr/bin/busybox
  [ -x "$bb" ] || continue
  "$bb" --list | LC_ALL=C sort | while read -r applet; do
    [ -e "$r/usr/bin/$applet" ] || [ -e "$r/usr/sbin/$applet" ] || [ -e "$out/$layer/usr/bin/$applet" ] || \
      ln -s busybox "$out/$layer/usr/bin/$applet"
  done
done

# ---- 5. stdlib bytecode ------------------------------------------------------------------------
# compile_py DIR...: compileall over DIRs of the runtime rootfs. Normally the target interpreter
# in a chroot; for a foreign architecture, when fetch.sh brought the native build of the very
# same Python version, that one compiles copies of the same files at the same paths and the
# __pycache__ directories are copied back (marshal output does not depend on the
# architecture; qemu would take minutes). Otherwise qemu runs the target interpreter.
native_py() {
  [ -f "$debs/native/entries.tsv" ] || return 1
  want=$(awk -F'\t' -v p="python$minor-minimal" '$1 == "runtime" && $2 == p { print $3 }' "$debs/entries.tsv")
  have=$(awk -F'\t' -v p="python$minor-minimal" '$2 == p { print $3 }' "$debs/native/entries.tsv")
  [ -n "$want" ] && [ "$want" = "$have" ]
}
compile_py() {
  if native_py; then
    croot=/tmp/native-python
    if [ ! -d "$croot" ]; then
      mkdir -p "$croot/usr/bin" "$croot/usr/lib" "$croot/usr/lib64" "$croot/usr/sbin"
      # The merged-/usr links base-files would provide (the ELF interpreter is /lib64/...).
      for l in bin lib lib64 sbin; do ln -s "usr/$l" "$croot/$l"; done
      for deb in "$debs"/native/*.deb; do dpkg-deb -x "$deb" "$croot"; done
    fi
    for d in "$@"; do
      # Same .py files, but the native extension modules: the compiler must run.
      if [ -d "$croot$d/lib-dynload" ]; then rm -rf /tmp/native-dynload; mv "$croot$d/lib-dynload" /tmp/native-dynload; fi
      rm -rf "${croot:?}$d"; mkdir -p "$croot$d"; cp -a "$r$d/." "$croot$d/"
      if [ -d /tmp/native-dynload ]; then rm -rf "$croot$d/lib-dynload"; mv /tmp/native-dynload "$croot$d/lib-dynload"; fi
    done
    PYTHONHASHSEED=0 chroot "$croot" "/usr/bin/python$minor" -I -B -m compileall -f -q -j1 \
      --invalidation-mode unchecked-hash -x '/(test|tests|idle_test)/(bad|badsyntax|.*_bad_)' "$@" >&2
    for d in "$@"; do
      (cd "$croot$d" && find . -type d -name __pycache__) | while read -r pc; do
        mkdir -p "$r$d/$pc"; cp -a "$croot$d/$pc/." "$r$d/$pc/"
      done
    done
  else
    PYTHONHASHSEED=0 chroot "$r" "/usr/bin/python$minor" -I -B -m compileall -f -q -j1 \
      --invalidation-mode unchecked-hash -x '/(test|tests|idle_test)/(bad|badsyntax|.*_bad_)' "$@" >&2
  fi
}
# -B -f: the compiling interpreter must not leave timestamp-based .pyc of its own imports
# behind (compileall would then skip them as up to date).
# unchecked-hash: deterministic (no mtime inside) and never revalidated at import, so a
# read-only root imports as fast as possible; the stdlib never changes in a built image.
if [ "${COMPILE_BYTECODE:-1}" = 1 ]; then
  dirs=""
  # Debian's Python trees only: the upstream payload under /usr/local arrives compiled (same
  # flags) by image/cpython/build.sh with the build interpreter, so a cross-built arm64
  # CPython is never run under qemu for its bytecode.
  for d in "/usr/lib/python$minor" /usr/lib/python3/dist-packages; do
    [ -d "$r$d" ] && dirs="$dirs $d"
  done
  # PYTHONHASHSEED=0: frozenset constants are marshalled in iteration order.
  # shellcheck disable=SC2086
  if [ -n "$dirs" ]; then compile_py $dirs; fi
fi

# builder: pip importable by the system interpreter, so `python3 -m pip --python /venv/bin/python
# install ...` works without putting pip in any venv (Debian ships pip only as a wheel here).
whl=""
if [ -d "$out/builder/usr/share/python-wheels" ]; then
  find "$out/builder/usr/share/python-wheels" -name 'pip-*.whl' >/tmp/pip-wheels
  whl=$(LC_ALL=C sort /tmp/pip-wheels | sed -n 1p)
fi
if [ -n "$whl" ]; then
  site=/usr/lib/python3/dist-packages
  rm -rf "$r/tmp/pip-unpack"; mkdir -p "$r/tmp/pip-unpack"
  cp "$whl" "$r/tmp/pip-unpack/pip.whl"
  chroot "$r" "/usr/bin/python$minor" -I -B -m zipfile -e /tmp/pip-unpack/pip.whl /tmp/pip-unpack/site
  # Compiled where it will live: moved to $site in the runtime tree, compiled, moved out.
  mkdir -p "$r$site"
  [ -z "$(ls -A "$r$site")" ] || { log "$site is not empty in the runtime tree"; exit 1; }
  cp -a "$r/tmp/pip-unpack/site/." "$r$site/"
  rm -rf "$r/tmp/pip-unpack"
  if [ "${COMPILE_BYTECODE:-1}" = 1 ]; then compile_py "$site"; fi
  mkdir -p "$out/builder$site"
  cp -a "$r$site/." "$out/builder$site/"
  find "$r$site" -mindepth 1 -delete
fi

# ---- 6. ld.so.cache (so ctypes.util.find_library works without a shell) ----------------------
# The image's own ldconfig (libc-bin, target arch, qemu for foreign arches) run in a chroot.
# ctypes.util.find_library needs it in the image too: it runs `/sbin/ldconfig -p` (no shell).
if [ -e "$r/usr/sbin/ldconfig" ]; then
  chroot "$r" /usr/sbin/ldconfig -X
  # Rerunning gives a byte-identical cache (Google's structure test, proven at build time too).
  chroot "$r" /usr/sbin/ldconfig -X -C /etc/ld.so.cache.again
  cmp "$r/etc/ld.so.cache" "$r/etc/ld.so.cache.again"
  rm -f "$r/etc/ld.so.cache.again"
  rm -rf "$r/var/cache/ldconfig"
else
  log "no /usr/sbin/ldconfig: the lock needs libc-bin"; exit 1
fi

# ---- 7. every ELF dependency resolvable inside the image --------------------------------------
perl "$lib/elf-check.pl" "$r"

# ---- 8. md5sums only list what is in the image, unchanged ------------------------------------
for layer in runtime debug builder; do
  lr=$out/$layer
  for m in "$lr"/var/lib/dpkg/status.d/*.md5sums; do
    [ -f "$m" ] || continue
    while read -r sum path; do
      [ "$path" = usr/lib/os-release ] && continue   # replaced above
      if [ -e "$lr/$path" ] || [ -L "$lr/$path" ] || [ -e "$r/$path" ]; then printf '%s  %s\n' "$sum" "$path"; fi
    done <"$m" >"$m.new"
    mv "$m.new" "$m"
  done
done

# ---- 9. SBOM per layer (CycloneDX), ids and timestamps from the lock ---------------------------
locksha=$(sha256sum "$lock" | cut -d' ' -f1)
for layer in runtime debug builder; do
  [ -n "$(ls "$out/$layer/var/lib/dpkg/status.d" 2>/dev/null)" ] || continue
  name=python; [ "$layer" = runtime ] || name=$layer
  mkdir -p "$out/$layer/usr/share/sbom"
  perl "$lib/sbom.pl" "$out/$layer/var/lib/dpkg/status.d" "$debs/entries.tsv" "$layer" "$locksha" "$epoch" \
    "$PYTHON_FLAVOR" "$minor" >"$out/$layer/usr/share/sbom/$name.cdx.json"
done
rm -f "$out/debug/var/lib/dpkg/status.d/.keep"

# ---- 10. timestamps ---------------------------------------------------------------------------
find "$out" -exec touch -h -d "@$epoch" {} +
log "$arch: runtime $(du -sk "$r" | cut -f1) KiB, $(find "$r/var/lib/dpkg/status.d" -type f ! -name '*.md5sums' | wc -l) packages"

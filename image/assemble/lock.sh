#!/bin/bash
# lock_entries LOCK [SECTION KEY]: prints
#   layer<TAB>package<TAB>version<TAB>architecture<TAB>sha256<TAB>filename
# for every package of LOCK's SECTION.KEY: `architectures ARCH` (the image's packages, the
# default with KEY=ARCH as the only argument) or `buildDependencies BUILDARCH/TARGETARCH[+bolt]`
# (the upstream flavour's CPython build dependencies; +bolt: with PYTHON_BOLT=1).
#
# The locks are written one package object per line in a fixed key order
# (scripts/image/resolve.ts serializeLock, scripts/python-upstream-lock.ts), so awk reads them
# without a JSON tool (the build stages have none). Every line of the file must be one the
# reader understands: a package line in another shape (a reformatted entry, keys reordered,
# an object split over lines) fails the build naming the line instead of being skipped.
lock_entries() {
  if [ $# -eq 2 ]; then set -- "$1" architectures "$2"; fi
  awk -v section="$2" -v key="$3" '
    function bad(msg) { printf "lock.sh: %s line %d: %s: %s\n", FILENAME, FNR, msg, $0 > "/dev/stderr"; failed = 1; exit 1 }
    FNR == 1 { if ($0 != "{") bad("not a lock file (first line must be \"{\")"); next }
    /^  "(schemaVersion|flavor|python|cpython|suites)": .*,$/ { if (sec != "") bad("field inside a package section"); next }
    /^  "(architectures|buildDependencies)": \{$/ { sec = $1; gsub(/[":]/, "", sec); next }
    /^    "[a-z0-9]+(\/[a-z0-9]+(\+[a-z]+)?)?": \[$/ {
      if (sec == "" || k != "") bad("package array outside a section"); k = $1; gsub(/[":]/, "", k); n = 0
      if (sec == section && k == key) found = 1
      next
    }
    /^    \],?$/ { if (k == "") bad("unbalanced ]"); if (n > 0 && comma) bad("trailing comma after the last package"); k = ""; next }
    /^  \},?$/ { if (sec == "" || k != "") bad("unbalanced }"); sec = ""; next }
    /^\}$/ { if (sec != "") bad("unbalanced }"); done = 1; next }
    k != "" && /^      \{"layer":"[a-z]+","package":"[a-z0-9][a-z0-9.+-]*","version":"[A-Za-z0-9.+~:-]+","architecture":"[a-z0-9]+","suite":"[a-z-]+","filename":"pool\/[^"]+\.deb","sha256":"[0-9a-f]+","size":[0-9]+\},?$/ {
      if (n > 0 && !comma) bad("missing comma before this package")
      comma = /,$/; n++
      split($0, f, "\"")
      # f[4] layer, f[8] package, f[12] version, f[16] architecture, f[24] filename, f[28] sha256
      if (length(f[28]) != 64) bad("sha256 is not 64 hex digits")
      if (sec == section && k == key) { printf "%s\t%s\t%s\t%s\t%s\t%s\n", f[4], f[8], f[12], f[16], f[28], f[24]; count++ }
      next
    }
    k != "" { bad("not a package entry this reader understands (one object per line, keys layer,package,version,architecture,suite,filename,sha256,size; rewrite it with the lock step)") }
    { bad("unexpected line") }
    END {
      if (failed) exit 1
      if (!done) { printf "lock.sh: %s: truncated (no closing \"}\")\n", FILENAME > "/dev/stderr"; exit 1 }
      if (!found) { printf "lock.sh: %s has no %s.%s\n", FILENAME, section, key > "/dev/stderr"; exit 1 }
      if (!count) { printf "lock.sh: %s: %s.%s is empty\n", FILENAME, section, key > "/dev/stderr"; exit 1 }
    }
  ' "$1"
}

# lock_header LOCK: prints `flavor<TAB>minor` from LOCK's header lines (`"flavor": "..."` and
# `"python": {"minor":"..."`, in the fixed shape the lock writers use), failing naming the file
# when either is missing: fetch.sh names the lock and its refresh command with them.
lock_header() {
  awk '
    /^  "flavor": "[a-z]+",$/ { split($0, f, "\""); flavor = f[4] }
    /^  "python": \{"minor":"3\.[0-9]+",/ { split($0, f, "\""); minor = f[6] }
    END {
      if (flavor == "" || minor == "") { printf "lock.sh: %s: no \"flavor\" or \"python\".\"minor\" header line\n", FILENAME > "/dev/stderr"; exit 1 }
      printf "%s\t%s\n", flavor, minor
    }' "$1"
}

# lock_refresh_command FLAVOR MINOR: the command that re-resolves that lock against today's
# archive (upstream locks pin Debian packages too, and python:lock writes them).
lock_refresh_command() {
  case "$1" in
    upstream) echo "npm run python:lock -- --python $2" ;;
    debian) echo "npm run image:resolve -- --python $2 --flavor debian" ;;
    *) echo "lock.sh: flavor \"$1\" is not debian or upstream" >&2; return 1 ;;
  esac
}

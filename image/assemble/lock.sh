#!/bin/sh
# lock_entries LOCK ARCH: prints "layer<TAB>package<TAB>version<TAB>architecture<TAB>sha256<TAB>filename"
# for every package of ARCH. The resolve step writes one package object per line in a fixed
# key order (scripts/image/resolve.ts serializeLock), so sed reads it without a JSON tool.
lock_entries() {
  awk -v arch="$2" '
    /^    "[a-z0-9]+": \[/ { a = $1; gsub(/[":]/, "", a); next }
    /^      \{"layer":/ { if (a == arch) print }
  ' "$1" | sed -n 's/^ *{"layer":"\([^"]*\)","package":"\([^"]*\)","version":"\([^"]*\)","architecture":"\([^"]*\)","suite":"[^"]*","filename":"\([^"]*\)","sha256":"\([0-9a-f]*\)","size":[0-9]*},\{0,1\}$/\1\t\2\t\3\t\4\t\6\t\5/p'
}

#!/bin/bash
# deps.sh LIST BUILDARCH TARGETARCH: installs exactly the CPython build dependencies LIST names
# (lock_entries output for the lock's buildDependencies."BUILDARCH/TARGETARCH": every package,
# version and sha256, dependencies included, resolved by scripts/python-upstream-lock.ts).
# Packages the base image already has at the locked version are kept; every other one is
# downloaded at its locked version, checked against the lock's sha256 and installed from the
# local files only (apt's lists are removed first), so a dependency the lock lacks fails the
# build instead of being fetched unpinned.
#   env: DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR
set -euo pipefail
list=$1 build=$2 target=$3
here=$(dirname "$0")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
tab=$(printf '\t')

[ -s "$list" ] || { echo "deps.sh: $list is empty" >&2; exit 1; }
[ "$build" = "$target" ] || dpkg --add-architecture "$target"
# Installed packages (multiarch-qualified) and their versions, to skip what the base already has.
dpkg-query -W -f '${binary:Package}\t${Version}\n' >/tmp/installed.tsv

: >/tmp/want.tsv
: >/tmp/specs
while IFS="$tab" read -r _ pkg version arch sha file; do
  q=$pkg
  [ "$arch" = all ] || [ "$arch" = "$build" ] || q="$pkg:$arch"
  have=$(awk -F'\t' -v p="$q" -v p2="$pkg:$arch" '$1 == p || $1 == p2 { print $2 }' /tmp/installed.tsv)
  if [ "$have" = "$version" ]; then continue; fi
  if [ -n "$have" ] && dpkg --compare-versions "$have" gt "$version"; then
    echo "deps.sh: the base image has $q $have, newer than the lock's $version: run npm run python:lock" >&2; exit 1
  fi
  spec=$pkg
  [ "$arch" = all ] || spec="$pkg:$arch"
  echo "$spec=$version" >>/tmp/specs
  printf '%s\t%s\t%s\n' "$(basename "$file")" "$sha" "$pkg" >>/tmp/want.tsv
done <"$list"
echo "deps.sh: $(wc -l <"$list") locked build dependencies for $build/$target, $(wc -l </tmp/specs) to install"

if [ -s /tmp/specs ]; then
  # shellcheck source=image/assemble/apt-sources.sh
  . "$here/apt-sources.sh"
  apt_sources "$mirror" "$security"
  rm -rf /tmp/debs && mkdir -p /tmp/debs && cd /tmp/debs
  # One apt-get call: parallel downloads. apt names files pkg_<version, epoch colon as %3a>_arch.deb.
  xargs -a /tmp/specs apt-get -qq -o APT::Sandbox::User=root download >/dev/null
  for f in *.deb; do
    pool=$(dpkg-deb -f "$f" Package Version Architecture | awk '{ print $2 }' | paste -sd_ | sed 's/_[0-9]*:/_/')
    [ "$f" = "$pool.deb" ] || mv "$f" "$pool.deb"
  done
  : >/tmp/debs.txt
  while IFS="$tab" read -r deb sha pkg; do
    [ -f "$deb" ] || { echo "deps.sh: $pkg: apt did not download $deb" >&2; exit 1; }
    got=$(sha256sum "$deb" | cut -d' ' -f1)
    [ "$got" = "$sha" ] || { echo "deps.sh: $deb sha256 $got does not match the lock's $sha" >&2; exit 1; }
    echo "/tmp/debs/$deb" >>/tmp/debs.txt
  done </tmp/want.tsv
  # Local files only: without lists apt cannot add anything the lock does not pin.
  rm -rf /var/lib/apt/lists/*
  if ! xargs -a /tmp/debs.txt apt-get install -y -qq --no-install-recommends >/tmp/apt-install.log 2>&1; then
    cat /tmp/apt-install.log >&2
    echo "deps.sh: the lock's build dependencies for $build/$target do not install on this base image (see apt above): run npm run python:lock" >&2
    exit 1
  fi
  cd / && rm -rf /tmp/debs
fi

# Every locked package is now installed at exactly the locked version.
dpkg-query -W -f '${binary:Package}\t${Version}\n' >/tmp/installed.tsv
while IFS="$tab" read -r _ pkg version arch _ _; do
  q=$pkg
  [ "$arch" = all ] || [ "$arch" = "$build" ] || q="$pkg:$arch"
  have=$(awk -F'\t' -v p="$q" -v p2="$pkg:$arch" '$1 == p || $1 == p2 { print $2 }' /tmp/installed.tsv)
  [ "$have" = "$version" ] || { echo "deps.sh: $q is ${have:-not installed}, the lock has $version" >&2; exit 1; }
done <"$list"
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

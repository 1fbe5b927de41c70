#!/bin/bash
# fetch.sh LOCK ARCH OUTDIR
# Downloads exactly the lock's packages for ARCH with apt (signed indexes from the configured
# mirrors), checks each file's sha256 against the lock, and fails when the archive offers a
# newer version than the lock: an image must never be behind a Debian (security) update.
set -euo pipefail
lock=$1 arch=$2 out=$3
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
lib=$(dirname "$0")

# shellcheck source=image/assemble/lock.sh
. "$lib/lock.sh"
lock_entries "$lock" "$arch" >/tmp/entries.tsv
[ -s /tmp/entries.tsv ] || { echo "fetch.sh: $lock has no packages for architecture $arch" >&2; exit 1; }
# Which lock this is and the one command that refreshes it, for the messages below: a behind
# lock is fixed by re-resolving that (flavour, minor), not by re-running the build.
header=$(lock_header "$lock")
lock_flavor=${header%%$'\t'*} lock_minor=${header##*$'\t'}
refresh=$(lock_refresh_command "$lock_flavor" "$lock_minor")

native=$(dpkg --print-architecture)
[ "$arch" = "$native" ] || dpkg --add-architecture "$arch"
# shellcheck source=image/assemble/apt-sources.sh
. "$lib/apt-sources.sh"
apt_sources "$mirror" "$security"

mkdir -p "$out"
cd "$out"
# The same .deb can serve two layers (busybox-static in debug and builder): fetch it once.
sort -u -k2,2 -k3,3 /tmp/entries.tsv | while IFS="$(printf '\t')" read -r layer pkg version debarch sha file; do
  spec=$pkg
  [ "$debarch" = all ] || spec="$pkg:$arch"
  candidate=$(apt-cache policy "$spec" | sed -n 's/^ *Candidate: //p')
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    echo "fetch.sh: $pkg ($arch) is not in the archive any more (lock has $version); the $lock_flavor $lock_minor lock is behind, refresh it: $refresh" >&2
    echo "$pkg" >>/tmp/behind; continue
  fi
  if dpkg --compare-versions "$candidate" gt "$version"; then
    # Test-only escape hatch (reproducibility check: "one package version changed"), never
    # set by image:build: the named packages may be behind, loudly.
    case " ${ALLOW_BEHIND:-} " in
      *" $pkg "*) echo "fetch.sh: WARNING: $pkg $version is behind the archive ($candidate), allowed by ALLOW_BEHIND" >&2 ;;
      *)
        echo "fetch.sh: $pkg is behind the archive: lock has $version, archive has $candidate ($arch); the $lock_flavor $lock_minor lock is behind, refresh it: $refresh" >&2
        echo "$pkg" >>/tmp/behind; continue ;;
    esac
  fi
  apt-get -qq -o APT::Sandbox::User=root download "$spec=$version" >/dev/null
  # apt names the file pkg_<version with %3a for the epoch colon>_arch.deb; use the pool name.
  deb=$(basename "$file")
  [ -f "$deb" ] || mv "$pkg"_*_"$debarch".deb "$deb"
  got=$(sha256sum "$deb" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    echo "fetch.sh: $deb sha256 $got does not match the lock's $sha" >&2; exit 1
  fi
  : "$layer"
done
if [ -s /tmp/behind ]; then
  echo "fetch.sh: $(wc -l </tmp/behind) package(s) behind the archive or missing: $(tr '\n' ' ' </tmp/behind); refresh the $lock_flavor $lock_minor lock: $refresh" >&2
  exit 1
fi

# Foreign architecture (arm64 on an amd64 builder): also fetch the lock's native Python core,
# same versions, so assemble.sh compiles the bytecode natively instead of under qemu (several
# times faster; .pyc files do not depend on the architecture). Never installed in the image.
if [ "$arch" != "$native" ]; then
  mkdir -p "$out/native"
  lock_entries "$lock" "$native" >/tmp/native-all.tsv
  awk -F'\t' '$1 == "runtime" && $2 ~ /^(libc6|zlib1g|libexpat1|libffi8|libpython3\.[0-9]+-(minimal|stdlib)|python3\.[0-9]+-minimal)$/' \
    /tmp/native-all.tsv >/tmp/native.tsv
  while IFS="$(printf '\t')" read -r _ pkg version _ sha file; do
    (cd "$out/native" && apt-get -qq -o APT::Sandbox::User=root download "$pkg:$native=$version" >/dev/null)
    deb=$(basename "$file")
    [ -f "$out/native/$deb" ] || mv "$out/native/$pkg"_*_"$native".deb "$out/native/$deb"
    [ "$(sha256sum "$out/native/$deb" | cut -d' ' -f1)" = "$sha" ] || { echo "fetch.sh: native $deb does not match the lock's sha256" >&2; exit 1; }
  done </tmp/native.tsv
  cp /tmp/native.tsv "$out/native/entries.tsv"
fi

rm -rf /var/lib/apt/lists/*
cp /tmp/entries.tsv "$out/entries.tsv"

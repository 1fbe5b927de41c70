#!/bin/sh
# install-tarball.sh PACKAGE VERSION INTEGRITY DEST
# Downloads an npm registry tarball, checks it against the registry's sha512 integrity
# (the `dist.integrity` of rebuild/runner/pins.json) BEFORE unpacking, and unpacks its
# `package/` folder into DEST. A TLS-intercepting proxy's CA arrives as the BuildKit secret
# `extra_ca` and is read from the secret mount only, never written into a layer.
#   env: NPM_REGISTRY (default https://registry.npmjs.org)
set -eu

package=$1 version=$2 integrity=$3 dest=$4
registry=${NPM_REGISTRY:-https://registry.npmjs.org}
registry=${registry%/}
base=${package##*/}
url="$registry/$package/-/$base-$version.tgz"

ca_opt=""
if [ -s /run/secrets/extra_ca ]; then ca_opt="--cacert /run/secrets/extra_ca"; fi

tmp=$(mktemp)
# shellcheck disable=SC2086 # ca_opt is deliberately word-split (empty or two words)
curl -fsSL --retry 3 $ca_opt -o "$tmp" "$url"

case "$integrity" in
    sha512-*) ;;
    *) echo "ERROR: $package@$version: integrity $integrity is not sha512-<base64>" >&2; exit 1 ;;
esac
expected=$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -vtx1 | tr -d ' \n')
actual=$(sha512sum "$tmp" | cut -d' ' -f1)
if [ "$expected" != "$actual" ]; then
    echo "ERROR: sha512 mismatch for $url: expected $expected, actual $actual" >&2
    rm -f "$tmp"
    exit 1
fi
echo "sha512 OK: $package@$version"

mkdir -p "$dest"
tar -xzf "$tmp" -C "$dest" --strip-components=1 --no-same-owner
rm -f "$tmp"

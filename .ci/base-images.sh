#!/usr/bin/env bash
# Makes debian:trixie-slim locally (nothing can be pulled here) for amd64 and arm64 with
# mmdebstrap, and publishes it as one multi-platform index in the local registry so builds
# reference it exactly as production references Docker Hub's: BASE_IMAGE=<registry>/debian:trixie-slim.
# Also tags the amd64 image as debian:trixie-slim in the engine for single-platform use.
set -euo pipefail
registry=${REGISTRY_ADDR:-127.0.0.1:5000}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ref="$registry/debian:trixie-slim"
platforms=${BASE_PLATFORMS:-"amd64 arm64"}
# A fixed epoch makes the base tarball reproducible; its content only feeds build stages.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1764288000}

if docker buildx imagetools inspect "$ref" >/dev/null 2>&1 && docker image inspect debian:trixie-slim >/dev/null 2>&1; then
  echo "[base-images.sh] $ref already present" >&2; exit 0
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
refs=()
for arch in $platforms; do
  echo "[base-images.sh] mmdebstrap trixie minbase $arch" >&2
  # shellcheck disable=SC2016 # $1 is expanded by mmdebstrap's hook, not by this shell
  mmdebstrap --quiet --variant=minbase --architectures="$arch" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    trixie "$work/$arch.tar" "deb $mirror trixie trixie-updates main" \
    "deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} trixie-security main"
  docker import --platform "linux/$arch" "$work/$arch.tar" "$ref-$arch" >/dev/null
  docker push -q "$ref-$arch" >/dev/null
  refs+=("$ref-$arch")
done
docker buildx imagetools create -t "$ref" "${refs[@]}" >/dev/null
docker tag "$ref-amd64" debian:trixie-slim
echo "[base-images.sh] $ref: $(docker buildx imagetools inspect "$ref" --format '{{json .Manifest.Digest}}')" >&2

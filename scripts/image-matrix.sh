#!/usr/bin/env bash
# The Debian flavour's full image matrix (not part of .ci/run): every container check on every
# platform (arm64 runs under qemu), then the build policies with IMAGE_TEST_PRUNE=1 (the
# reproducibility check empties the BuildKit cache with `docker builder prune -af` before each
# of its builds: only on a machine whose cache nobody else needs, such as a fresh CI runner).
# Each suite is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
mocha=(npx mocha --no-config -r ts-node/register/transpile-only --extension ts --timeout 3600000)
timed() {
  local start; start=$(date +%s)
  "$@"
  echo "=== image matrix: $* took $(( $(date +%s) - start ))s" >&2
}
for platform in ${IMAGE_MATRIX_PLATFORMS:-linux/amd64 linux/arm64}; do
  timed env IMAGE_TEST_PLATFORM="$platform" "${mocha[@]}" test/image/distroless.test.ts
done
timed env IMAGE_TEST_PRUNE="${IMAGE_TEST_PRUNE:-1}" "${mocha[@]}" test/image/build-policies.test.ts

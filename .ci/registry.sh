#!/usr/bin/env bash
# Starts a real OCI registry on 127.0.0.1:5000 (Debian's docker-registry, our own config:
# the packaged one enables broken htpasswd auth). Pushes in tests go here; Docker treats
# 127.0.0.0/8 registries as plain-HTTP without extra daemon configuration.
set -euo pipefail
addr=${REGISTRY_ADDR:-127.0.0.1:5000}
if curl -fsS "http://$addr/v2/" >/dev/null 2>&1; then
  echo "[registry.sh] registry already up at $addr" >&2; exit 0
fi
command -v docker-registry >/dev/null || apt-get install -y --no-install-recommends docker-registry >/dev/null
mkdir -p /etc/docker-ci /var/lib/registry-ci
cat >/etc/docker-ci/registry.yml <<YML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: /var/lib/registry-ci}
  delete: {enabled: true}
http:
  addr: $addr
YML
nohup docker-registry serve /etc/docker-ci/registry.yml >/var/log/registry-ci.log 2>&1 &
for _ in $(seq 1 30); do curl -fsS "http://$addr/v2/" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS "http://$addr/v2/" >/dev/null || { echo "[registry.sh] registry did not start" >&2; cat /var/log/registry-ci.log >&2; exit 1; }
echo "[registry.sh] registry up at $addr" >&2

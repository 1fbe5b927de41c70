#!/usr/bin/env bash
# Installs and starts the Docker engine the image tests need, idempotently.
#
# Why trixie's engine and not bookworm's: bookworm's docker.io (20.10) has no buildx, so no
# multi-platform builds, no OCI export and no SOURCE_DATE_EPOCH handling. Trixie's dockerd
# 26.1 runs on bookworm with bookworm's runc (trixie's runc needs a newer glibc).
#
# Networking: test traffic may only reach loopback, and Docker's default bridge lives in a
# private range, so the daemon runs with --bridge=none and builds/containers use host or
# none networking.
set -euo pipefail

root=${DOCKER_CI_ROOT:-/opt/docker-ci}
export DOCKER_CONFIG=${DOCKER_CONFIG:-$HOME/.docker}
export PATH="$root/usr/bin:$root/usr/sbin:$PATH"

log() { printf '[docker.sh] %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then
  log "engine already running: $(docker version --format '{{.Server.Version}}')"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# The host may carry third-party apt sources this machine cannot reach; only Debian matters.
apt-get update -o APT::Update::Error-Mode=any >/dev/null 2>&1 || apt-get update >/dev/null 2>&1 || true
apt-get install -y --no-install-recommends \
  runc iptables arch-test qemu-user-static binfmt-support mmdebstrap xz-utils gpgv \
  skopeo docker-registry wrk hyperfine iproute2 busybox-static >/dev/null

if [ ! -x "$root/usr/sbin/dockerd" ]; then
  log "fetching trixie's docker.io, containerd and docker-buildx"
  apt_dir=$(mktemp -d)
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  cat >"$apt_dir/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security trixie-security main
SRC
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
            -o APT::Architecture=amd64 -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update >/dev/null
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" download docker.io containerd docker-buildx >/dev/null)
  mkdir -p "$root"
  for deb in "$apt_dir"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$apt_dir"
fi

mkdir -p "$DOCKER_CONFIG/cli-plugins"
ln -sf "$root/usr/libexec/docker/cli-plugins/docker-buildx" "$DOCKER_CONFIG/cli-plugins/docker-buildx"

# arm64 images run under emulation.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc || true
fi
update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true

mkdir -p /etc/docker-ci
# The containerd image store gives multi-platform builds and OCI exports.
cat >/etc/docker-ci/daemon.json <<JSON
{
  "features": {"containerd-snapshotter": true},
  "bridge": "none",
  "iptables": false,
  "ip6tables": false,
  "data-root": "/var/lib/docker-ci"
}
JSON

log "starting dockerd $("$root/usr/sbin/dockerd" --version)"
nohup "$root/usr/sbin/dockerd" --config-file /etc/docker-ci/daemon.json \
  >/var/log/dockerd-ci.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then break; fi
  sleep 1
done
docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd-ci.log"; tail -20 /var/log/dockerd-ci.log >&2; exit 1; }
log "engine $(docker version --format '{{.Server.Version}}'), buildx $(docker buildx version)"

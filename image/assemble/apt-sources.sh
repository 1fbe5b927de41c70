#!/bin/bash
# apt_sources MIRROR SECURITY_MIRROR: replaces the stage's apt sources with exactly the suites
# the locks are resolved from (the base image's own list may point elsewhere) and reads their
# signed indexes; any index that fails to download or verify fails the build.
apt_sources() {
  rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
  cat >/etc/apt/sources.list.d/lock.sources <<SRC
Types: deb
URIs: $1
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $2
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get -qq -o APT::Update::Error-Mode=any update
}

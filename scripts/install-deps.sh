#!/usr/bin/env bash
# Installs the Debian packages Album builds against: OpenBLAS (sgemm), jemalloc (allocator), pkg-config.
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
packages=(libopenblas-dev libjemalloc-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: ${packages[*]} already installed"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"

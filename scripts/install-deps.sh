#!/usr/bin/env bash
# Installs the Debian packages Album builds and tests with: OpenBLAS (sgemm), jemalloc (allocator), oneDNN (int8
# GEMM), pkg-config, curl and python3 (the docs check).
# With --runtime, only the shared libraries `album` needs to run (what the Dockerfile's runtime stage installs).
# Idempotent; needs root (or sudo) only when something is missing. CI and the Dockerfile both run it.
set -euo pipefail
# curl and python3: the docs check (scripts/check-docs.sh), which `swift test` runs, calls both.
packages=(libopenblas-dev libjemalloc-dev libdnnl-dev pkg-config curl python3)
if [ "${1:-}" = "--runtime" ]; then packages=(libopenblas0-pthread libjemalloc2 libdnnl2 ca-certificates curl); fi
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

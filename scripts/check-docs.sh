#!/usr/bin/env bash
# Runs every fenced ```bash / ```sh block of the user-facing docs, in order, as a reader would from the repository
# root, so that the docs cannot drift from the code. Part of `swift test` (Tests/AlbumTests/DocsCheckTests.swift).
#
#   scripts/check-docs.sh [ALBUM_BIN_DIR]      # default: the debug build (swift build --show-bin-path)
#
# How it runs them:
# - in a fresh temporary copy of the repository's docs, models and scripts (outputs such as runs/ land there);
# - with ALBUM_BIN_DIR first on PATH, standing in for the README's install step (`.build/release` on PATH);
# - each block by itself in `bash -e` with a time limit, so a failing command fails the check and names the block;
# - blocks that call the server (`:8080`) get a demo `album serve` running in the background, started once; it is
#   stopped before a block that starts its own `album serve`;
# - the only changes made to a block's text: port 8080 becomes a free port (also given as ALBUM_PORT), so that runs
#   side by side cannot collide, and curl fails on an HTTP error status (--fail-with-body) like any failing command.
# A block that cannot run here is marked on the line before its fence, with the reason:
#   <!-- docs-check: skip (needs network) -->
# A marker without a reason is an error. Exits non-zero on the first failing block.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir="${1:-${ALBUM_BIN_DIR:-}}"
if [ -z "$bin_dir" ]; then bin_dir="$(cd "$repo" && swift build --show-bin-path)"; fi
bin_dir="$(cd "$bin_dir" 2>/dev/null && pwd || echo "$bin_dir")"   # absolute: blocks run in another directory
[ -x "$bin_dir/album" ] || { echo "docs-check: no album executable in $bin_dir (swift build first)" >&2; exit 2; }
files=(README.md docs/operations.md docs/api.md docs/security.md docs/task-format.md docs/benchmarks.md docs/method.md
       docs/ARCHITECTURE.md models/README.md models/tasks/README.md deploy/kubernetes/README.md)
block_timeout="${DOCS_CHECK_BLOCK_TIMEOUT:-180}"

work="$(mktemp -d "${TMPDIR:-/tmp}/album-docs-check.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/repo"
for item in README.md docs models scripts deploy Dockerfile; do
  [ -e "$repo/$item" ] && cp -R "$repo/$item" "$work/repo/"
done
rm -rf "$work/repo/models/local" "$work/repo/runs"

# A free loopback port: bind port 0 and read what the kernel chose.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PATH="$bin_dir:$PATH" ALBUM_PORT="$port"
unset ALBUM_ADMIN_TOKEN ALBUM_API_TOKEN ALBUM_MODEL ALBUM_TASKS ALBUM_HOST ALBUM_READ_ONLY || true

start_server() {
  [ -n "$server_pid" ] && return 0
  (cd "$work/repo" && exec album serve --port "$port" >"$work/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "docs-check: the demo server did not become ready:" >&2
  cat "$work/server.log" >&2
  exit 1
}

stop_server() {
  [ -z "$server_pid" ] && return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

ran=0
skipped=0
for file in "${files[@]}"; do
  [ -f "$repo/$file" ] || continue
  # Extract blocks: "BLOCK <line> <skip reason or ->" headers followed by the block's lines (indentation removed).
  python3 - "$repo/$file" >"$work/blocks" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
marker = re.compile(r"^\s*<!--\s*docs-check:\s*skip(?:\s*\((.*)\))?\s*-->\s*$")
i = 0
while i < len(lines):
    m = re.match(r"^(\s*)```(bash|sh)\s*$", lines[i])
    if not m:
        i += 1
        continue
    indent, start = len(m.group(1)), i + 1
    previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
    skip = marker.match(previous)
    if skip and not (skip.group(1) or "").strip():
        sys.exit(f"{sys.argv[1]}:{i}: a docs-check skip marker needs a reason: <!-- docs-check: skip (why) -->")
    body = []
    i += 1
    while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
        body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
        i += 1
    i += 1
    print(f"BLOCK {start} {skip.group(1).strip() if skip else '-'}")
    print("\n".join(body))
PY
  awk -v dir="$work/split" 'BEGIN { n = 0; system("mkdir -p " dir) }
       /^BLOCK / { n++; out = sprintf("%s/%04d", dir, n); print $0 > (out ".head"); next }
       { print > (out ".sh") }' "$work/blocks"
  for head in "$work"/split/*.head; do
    [ -e "$head" ] || continue
    script="${head%.head}.sh"
    touch "$script"
    read -r _ line reason <"$head"
    where="$file:$line"
    if [ "$reason" != "-" ]; then
      echo "docs-check: skip $where ($reason)"
      skipped=$((skipped + 1))
      continue
    fi
    sed -i "s/\b8080\b/$port/g" "$script"
    # An HTTP error fails the block as a failing command would (curl -s alone exits 0 on a 4xx or 5xx).
    # (A block's own -f/-sf stays as it is: curl refuses --fail together with --fail-with-body.)
    sed -i '1i set -o pipefail; curl() { case " $* " in *" -f "*|*" -sf "*|*" -fsS "*|*" --fail "*) command curl "$@" ;; *) command curl --fail-with-body "$@" ;; esac; }' "$script"
    if grep -q "album serve" "$script"; then stop_server
    elif grep -q ":$port" "$script"; then start_server; fi
    echo "docs-check: run  $where"
    if ! (cd "$work/repo" && timeout "$block_timeout" bash -e "$script") >"$work/out" 2>&1; then
      echo "docs-check: FAILED $where; the block:" >&2
      sed 's/^/    /' "$script" >&2
      echo "its output:" >&2
      tail -n 40 "$work/out" >&2
      [ -n "$server_pid" ] && { echo "server log:" >&2; tail -n 20 "$work/server.log" >&2; }
      exit 1
    fi
    ran=$((ran + 1))
  done
  rm -rf "$work/split"
done
stop_server
echo "docs-check: $ran blocks ran, $skipped skipped"

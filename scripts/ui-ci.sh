#!/usr/bin/env bash
# What CI runs for the admin UI (ui/), from the repository root, as root on a
# fresh machine:
#   1. install Debian's Chromium when it is missing (the e2e tests drive it);
#   2. npm ci + npm run build, and fail when the committed ui/dist differs;
#   3. the Vitest unit tests;
#   4. the end-to-end journeys against the release binary
#      (SNACKBASE_BIN, default $CARGO_TARGET_DIR/release/snackbase; CI builds it first).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null || true

export npm_config_cache="${npm_config_cache:-$HOME/.cache/snackbase/npm}"
mkdir -p "$npm_config_cache"

echo "== npm ci"
(cd ui && npm ci --no-audit --no-fund)
# The local OpenID Connect provider the OAuth cases sign in through.
(cd tools/oidc-mock && npm ci --no-audit --no-fund --loglevel=error)

echo "== npm run build"
(cd ui && npm run build)

echo "== checking that ui/dist matches the committed build"
changes="$(git status --porcelain -- ui/dist)"
if [ -n "$changes" ]; then
  echo "ui/dist differs from what is committed. Rebuild it with" >&2
  echo "    cd ui && npm ci && npm run build" >&2
  echo "and commit ui/dist. Differences:" >&2
  echo "$changes" >&2
  git diff --stat -- ui/dist >&2 || true
  exit 1
fi

echo "== unit tests (vitest)"
(cd ui && npx vitest run)

BIN="${SNACKBASE_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/snackbase}"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "No SnackBase binary at $BIN: build it with 'cargo build --release -p snackbase' or set SNACKBASE_BIN." >&2
  exit 1
fi

echo "== end-to-end tests against $BIN"
(cd ui && SNACKBASE_BIN="$BIN" node --test --test-concurrency=1 e2e/)

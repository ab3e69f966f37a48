#!/usr/bin/env bash
# What CI runs for the SDK suite (sdk-tests/), from the repository root:
#   1. npm ci (installs @snackbase/sdk exactly as package-lock.json pins it);
#   2. npm test: node's test runner drives a real server process through the
#      official JavaScript SDK.
# The server binary is SNACKBASE_BIN (default $CARGO_TARGET_DIR/release/snackbase,
# CARGO_TARGET_DIR default ~/.cache/snackbase/target); CI builds it first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BIN="${SNACKBASE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/snackbase/target}/release/snackbase}"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "No SnackBase binary at $BIN: build it with 'cargo build --release -p snackbase' or set SNACKBASE_BIN." >&2
  exit 1
fi

export npm_config_cache="${npm_config_cache:-$HOME/.cache/snackbase/npm}"
mkdir -p "$npm_config_cache"

echo "== npm ci (sdk-tests)"
(cd sdk-tests && npm ci --no-audit --no-fund)
# The local OpenID Connect provider the OAuth cases sign in through.
(cd tools/oidc-mock && npm ci --no-audit --no-fund --loglevel=error)

echo "== SDK suite against $BIN"
(cd sdk-tests && SNACKBASE_BIN="$BIN" npm test)

#!/usr/bin/env bash
# Runs Spectate with demo data: installs what is missing, builds the release site
# (server + size-optimised wasm bundle), and serves it at http://127.0.0.1:3000
# (or PORT). Extra arguments go to `spectate serve`. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
./scripts/bootstrap.sh run
# --precompress writes .br and .gz beside each static file (brotli at its best quality);
# the server sends those instead of compressing on the fly.
./scripts/build-release.sh --precompress
exec target/release/spectate serve --demo --site-root target/site "$@"

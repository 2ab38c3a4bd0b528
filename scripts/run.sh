#!/usr/bin/env bash
# Runs Spectate with demo data: installs what is missing, builds the release site
# (size-optimised wasm bundle) and the server carrying it (scripts/build-site.sh), and
# serves it at http://127.0.0.1:3000 (or PORT). Extra arguments go to `spectate serve`.
# Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
./scripts/bootstrap.sh run
# --precompress writes .br and .gz beside each static file (brotli at its best quality);
# the server sends those instead of compressing on the fly. --embed puts the whole site
# into the binary: target/release/spectate runs from any directory on its own.
./scripts/build-site.sh --release --precompress --embed
exec target/release/spectate serve --demo "$@"

#!/usr/bin/env bash
# Builds the release site and server: scripts/build-site.sh --release (the wasm on the
# image's nightly with .cargo/wasm-size.toml when it can, else stable; the server on
# stable). Kept for the benchmarks that call it.
#
#   scripts/build-release.sh [--precompress] [--embed]
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./scripts/build-site.sh --release "$@"

#!/usr/bin/env bash
# Builds the release site: the server on stable, and the browser bundle as small as
# this machine allows. Used by scripts/run.sh and the browser benchmark.
#
# With the image's nightly (its wasm32 std and rust-src, added by scripts/bootstrap.sh),
# the wasm is built with .cargo/wasm-size.toml: the standard library rebuilt for size,
# panics that abort at once, no Debug formatting. The server is still built by stable:
# cargo-leptos runs the wasm build with the toolchain in RUSTUP_TOOLCHAIN and the server
# build with LEPTOS_BIN_CARGO_COMMAND. Without that nightly it falls back to a plain
# stable build, which works the same and ships a larger wasm (BENCHMARKS.md).
#
#   scripts/build-release.sh [extra cargo-leptos build arguments, e.g. --precompress]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [[ "${SPECTATE_STABLE_WASM:-}" != 1 ]] && ./scripts/nightly-wasm-ready.sh; then
  echo "[build-release] wasm: nightly, size settings from .cargo/wasm-size.toml; server: stable"
  RUSTUP_TOOLCHAIN=nightly LEPTOS_BIN_CARGO_COMMAND="cargo +stable" \
    cargo leptos build --release --lib-cargo-args=--config=.cargo/wasm-size.toml "$@"
else
  echo "[build-release] wasm and server: stable (no nightly wasm32 std here, or SPECTATE_STABLE_WASM=1)"
  cargo leptos build --release "$@"
fi

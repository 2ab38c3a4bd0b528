#!/usr/bin/env bash
# Exits 0 when the image's nightly can build the size-optimised release wasm: it has the
# wasm32 std and rust-src (for -Zbuild-std). One check, shared by scripts/bootstrap.sh
# (which adds them) and scripts/build-release.sh (which uses them).
export PATH="$HOME/.cargo/bin:$PATH"
rustup +nightly target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown &&
  rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src'

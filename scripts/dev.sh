#!/usr/bin/env bash
# Development with live reload: installs cargo-leptos 0.3.7 on demand (~14 min the first
# time on 2 cores; the README's two commands never need it), then runs `cargo leptos
# watch`, which reads the same [[workspace.metadata.leptos]] table as scripts/build-site.sh.
# Serve with `target/debug/spectate serve --demo` in another terminal. Extra arguments go
# to `cargo leptos watch`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo-leptos >/dev/null 2>&1; then
  # 0.3.11 needs rustc >= 1.96; 0.3.7 builds on the stable 1.95 here.
  echo "[dev] cargo-leptos: installing 0.3.7 (first time only, ~14 min)"
  cargo install cargo-leptos --version 0.3.7 --locked
fi
./scripts/bootstrap.sh run
exec cargo leptos watch "$@"

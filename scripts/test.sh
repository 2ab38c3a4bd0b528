#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, then runs
# formatting, lints (server and wasm), unit and integration tests, a short run of
# every fuzz target, the site build (scripts/build-site.sh, no cargo-leptos), the
# one-binary check, and the browser tests in Debian's Chromium.
# Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }
logs="target/test-logs"
mkdir -p "$logs"

step "Tools (installs only what is missing)"
./scripts/bootstrap.sh all

step "Format"
cargo fmt --all -- --check

step "Lints: server, shared crate, tests"
cargo clippy --all-targets -- -D warnings

step "Lints: browser bundle (wasm32, hydrate)"
cargo clippy -p spectate-frontend --target wasm32-unknown-unknown -- -D warnings

step "Unit and integration tests (real server on port 0)"
cargo test 2>&1 | tee "$logs/cargo-test.log"

step "Fuzz smoke: every fuzz target for 30 s (nightly, cargo-fuzz; FUZZING.md)"
./scripts/fuzz-smoke.sh 2>&1 | tee "$logs/fuzz-smoke.log"

if command -v cargo-leptos >/dev/null 2>&1; then
  step "One definition of the build: cargo-leptos and scripts/build-site.sh write the same files"
  ./scripts/compare-site-builds.sh
else
  step "One definition of the build: skipped, cargo-leptos is not installed (scripts/dev.sh installs it)"
fi

step "Build the site and a server carrying it (scripts/build-site.sh --embed)"
./scripts/build-site.sh --embed

step "One binary: the server from an empty directory serves the page and the site's files"
./scripts/check-one-binary.sh target/debug/spectate target/site

step "Browser tests (Playwright + /usr/bin/chromium)"
(cd end2end && npx playwright test) 2>&1 | tee "$logs/end2end.log"

# One closing line for the whole suite.
rust_passed=$(grep -o 'test result: ok\. [0-9]* passed' "$logs/cargo-test.log" | awk '{s+=$4} END {print s+0}')
e2e_passed=$(grep -Eo '^ *[0-9]+ passed' "$logs/end2end.log" | tail -1 | tr -dc '0-9')
e2e_passed=${e2e_passed:-0}
printf '\nRust tests: %s passed; browser tests: %s passed\n' "$rust_passed" "$e2e_passed"
echo "suite: $((rust_passed + e2e_passed)) passed, 0 failed"

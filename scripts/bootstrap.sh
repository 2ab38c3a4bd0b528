#!/usr/bin/env bash
# Installs, only where missing, every tool Spectate needs to build and test:
# the wasm32 target, wasm-bindgen-cli at the Cargo.lock version, wasm-opt (npm binaryen),
# Leaflet (npm, vendored), Chromium (Debian), the end2end npm packages and, for `run`,
# the nightly wasm32 std (optional; a smaller release bundle).
# cargo-leptos is not among them: scripts/build-site.sh builds the site without it, and
# scripts/dev.sh installs it on demand for `cargo leptos watch`.
# Safe to re-run: each step checks first and says what it did.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen CLI must equal the crate version resolved in Cargo.lock.
wasm_bindgen_version() {
  if [[ -f Cargo.lock ]]; then
    awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock
  fi
}

step_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "wasm32-unknown-unknown target: present"
  else
    say "wasm32-unknown-unknown target: installing"
    rustup target add wasm32-unknown-unknown
  fi
}

step_nightly_wasm() {
  # Optional: the release bundle is smaller when built by nightly (scripts/build-release.sh).
  # Only the image's own nightly is used (no other toolchain is installed), and a failure
  # here only means the release wasm is built by stable.
  if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    say "nightly: absent; the release wasm will be built by stable"
  elif ./scripts/nightly-wasm-ready.sh; then
    say "nightly wasm32 std and rust-src: present"
  else
    say "nightly: adding the wasm32 std and rust-src (for the size-optimised release bundle)"
    rustup target add wasm32-unknown-unknown --toolchain nightly &&
      rustup component add rust-src --toolchain nightly ||
      say "nightly: could not add them; the release wasm will be built by stable"
  fi
}

step_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  want="${want:-0.2.100}"
  local have=""
  if command -v wasm-bindgen >/dev/null 2>&1; then
    have="$(wasm-bindgen --version | awk '{print $2}')"
  fi
  if [[ "$have" == "$want" ]]; then
    say "wasm-bindgen-cli $want: present"
  else
    # Without --locked: the CLI's own lockfile names a crate version the registry lacks.
    say "wasm-bindgen-cli: installing $want (have '${have:-none}', ~4 min)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

step_wasm_opt() {
  if command -v wasm-opt >/dev/null 2>&1; then
    say "wasm-opt: present ($(wasm-opt --version))"
  else
    say "wasm-opt: installing npm binaryen"
    npm install -g binaryen >/dev/null
  fi
}

step_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    say "chromium: present"
  else
    say "chromium: installing the Debian package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  fi
}

step_redis() {
  # The cluster tests start their own redis-server processes on free ports.
  if command -v redis-server >/dev/null 2>&1; then
    say "redis-server: present ($(redis-server --version | cut -d' ' -f3))"
  else
    say "redis-server: installing the Debian package (for the cluster tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
    # The package starts a system instance on 6379; the tests do not use it.
    (service redis-server stop || true) >/dev/null 2>&1
  fi
}

step_pebble() {
  # The ACME test starts Let's Encrypt's test server and its mock DNS on free ports.
  if command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1; then
    say "pebble: present"
  else
    say "pebble: installing the Debian package (for the ACME test)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq pebble >/dev/null
  fi
}

step_end2end_npm() {
  # Every package the tests load, as package-lock.json names them: `npm ls` fails on
  # one missing (a checkout from before jsqr or axe-core was added has fewer).
  if [[ -d end2end/node_modules ]] && (cd end2end && npm ls --depth=0 >/dev/null 2>&1); then
    say "end2end npm packages: present"
  else
    say "end2end npm packages: installing (no browser download)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

step_vendor() {
  say "browser libraries (Leaflet from npm, served from public/vendor)"
  ./scripts/vendor.sh
}

what="${1:-all}"
case "$what" in
  all) step_target; step_vendor; step_wasm_opt; step_chromium; step_redis; step_pebble; step_end2end_npm; step_wasm_bindgen ;;
  run) step_target; step_nightly_wasm; step_vendor; step_wasm_opt; step_wasm_bindgen ;;
  *) echo "usage: $0 [all|run]" >&2; exit 2 ;;
esac
say "done"

#!/usr/bin/env bash
# Keeps the two ways of building the site from drifting apart: builds it (debug) with
# `cargo leptos build`, then with scripts/build-site.sh, and fails unless both wrote the
# same files under the site root. cargo-leptos is installed on demand (scripts/dev.sh
# installs it too; ~14 min the first time on 2 cores), so scripts/test.sh runs this only
# where cargo-leptos is already present and says so otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
site=target/site
lists=target/site-lists
mkdir -p "$lists"
list() { (cd "$site" && find . -type f | sort) >"$lists/$1.txt"; }

echo "[compare-site-builds] cargo leptos build"
cargo leptos build
list cargo-leptos
echo "[compare-site-builds] scripts/build-site.sh"
./scripts/build-site.sh
list build-site
if diff -u "$lists/cargo-leptos.txt" "$lists/build-site.txt"; then
  echo "[compare-site-builds] same $(wc -l <"$lists/build-site.txt") files: $(tr '\n' ' ' <"$lists/build-site.txt")"
else
  echo "[compare-site-builds] the two builds wrote different files (- cargo-leptos, + build-site.sh)" >&2
  exit 1
fi

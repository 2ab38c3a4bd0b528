#!/usr/bin/env bash
# Vendors the browser libraries we serve from our own origin (never a CDN): installs
# the pinned npm packages of frontend/vendor (package-lock.json) and copies what the
# pages load into public/vendor/, which cargo-leptos serves as static assets.
# Safe to re-run; does nothing when the copy is already there and current.
set -euo pipefail
cd "$(dirname "$0")/.."
src=frontend/vendor
dest=public/vendor/leaflet
if [[ ! -f "$src/node_modules/leaflet/dist/leaflet.js" ]]; then
  (cd "$src" && npm ci --no-audit --no-fund --ignore-scripts)
fi
# leaflet.js is Leaflet's own file with our patch appended (leaflet-label-sizes.js: labels
# placed without a forced layout a frame), so the map page loads one script.
patch="$src/leaflet-label-sizes.js"
if [[ ! -f "$dest/leaflet.js" || "$src/package-lock.json" -nt "$dest/leaflet.js" || "$patch" -nt "$dest/leaflet.js" ]]; then
  mkdir -p "$dest/images"
  cat "$src/node_modules/leaflet/dist/leaflet.js" "$patch" >"$dest/leaflet.js"
  cp "$src/node_modules/leaflet/dist/leaflet.css" "$dest/"
  cp "$src/node_modules/leaflet/dist/images/"*.png "$dest/images/"
  cp "$src/node_modules/leaflet/LICENSE" "$dest/LICENSE"
fi
echo "vendored: $(ls "$dest" | tr '\n' ' ')"

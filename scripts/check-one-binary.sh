#!/usr/bin/env bash
# The one-binary test (issue 20, part 2): copies the server binary into an empty temporary
# directory, starts it there with no --site-root, and loads `/` and the files the page links
# over real HTTP: each must be the built site's file (or its .br/.gz copy when asked for
# one and the build wrote it), hashed names with a year's immutable caching, the page and
# plain names with no-cache; then with --site-root naming another directory, that one's
# files. A binary that does not carry the site fails: it finds no files.
#
#   scripts/check-one-binary.sh [BINARY (target/debug/spectate)] [SITE (target/site)]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/debug/spectate}")
site=$(realpath "${2:-target/site}")
work=$(mktemp -d)
server=""
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "[check-one-binary] FAIL: $*" >&2; exit 1; }

cp "$bin" "$work/spectate"
cd "$work"
# Starts ./spectate serve with extra arguments "$@"; sets $server and $base.
start() {
  [[ -n $server ]] && { kill "$server"; wait "$server" 2>/dev/null || true; }
  : >out.log
  ./spectate serve --addr 127.0.0.1:0 --data-dir data --tile-url none --log-level warn "$@" >out.log 2>err.log &
  server=$!
  base=""
  for _ in $(seq 100); do
    base=$(sed -n 's/^Spectate is running at //p' out.log | head -1 | tr -d '[:space:]')
    [[ -n $base ]] && return
    kill -0 "$server" 2>/dev/null || fail "the server exited: $(cat err.log)"
    sleep 0.1
  done
  fail "the server did not say where it listens"
}
start

# GET $1 with Accept-Encoding $2 (may be empty): body to $work/body, headers to $work/head.
get() {
  curl -sS -o body -D head -H "Accept-Encoding: $2" "$base$1"
}
header() { tr -d '\r' <head | awk -v h="$1:" 'tolower($1) == tolower(h) { $1 = ""; sub(/^ /, ""); print }'; }
status() { tr -d '\r' <head | awk 'NR == 1 { print $2 }'; }

get / ""
[[ $(status) == 200 ]] || fail "/ answered $(status)"
[[ $(header Cache-Control) == no-cache ]] || fail "/ has Cache-Control '$(header Cache-Control)'"
page=$(cat body)
checked=0
# The shell's links: the bundle, its glue, our CSS, and Leaflet's two files (on the root
# element for the map to load).
for plain in pkg/spectate.wasm pkg/spectate.js pkg/spectate.css vendor/leaflet/leaflet.js vendor/leaflet/leaflet.css; do
  stem=${plain%.*} ext=${plain##*.}
  url=$(grep -o "/$stem\.[0-9a-f]\{16\}\.$ext" <<<"$page" | head -1 || true)
  [[ -n $url ]] || fail "the page links no hashed name for /$plain"
  for enc in "" gzip br; do
    get "$url" "$enc"
    [[ $(status) == 200 ]] || fail "$url ($enc) answered $(status)"
    [[ $(header Cache-Control) == "public, max-age=31536000, immutable" ]] ||
      fail "$url has Cache-Control '$(header Cache-Control)'"
    want="$site/$plain"
    if [[ -n $enc && -f $site/$plain.${enc/gzip/gz} ]]; then
      want="$site/$plain.${enc/gzip/gz}"
      [[ $(header Content-Encoding) == "$enc" ]] || fail "$url for '$enc' came as '$(header Content-Encoding)'"
    fi
    if [[ -n $(header Content-Encoding) && $want == "$site/$plain" ]]; then
      # Compressed on the fly (no precompressed copy in this build): compare decoded.
      node -e 'const fs = require("fs"), zlib = require("zlib");
        const raw = fs.readFileSync("body");
        fs.writeFileSync("body", process.argv[1] === "br" ? zlib.brotliDecompressSync(raw) : zlib.gunzipSync(raw));' \
        "$(header Content-Encoding)" || fail "$url: its $(header Content-Encoding) body does not decode"
    fi
    cmp -s body "$want" || fail "$url ($enc) is not $want"
    checked=$((checked + 1))
  done
done
get /favicon.svg ""
[[ $(status) == 200 ]] && cmp -s body "$site/favicon.svg" || fail "/favicon.svg is not the site's"
[[ $(header Cache-Control) == no-cache ]] || fail "/favicon.svg has Cache-Control '$(header Cache-Control)'"
get /vendor/leaflet/images/marker-icon.png ""
cmp -s body "$site/vendor/leaflet/images/marker-icon.png" || fail "Leaflet's marker icon is not the site's"
# --site-root still wins over the carried files (development).
mkdir -p other
echo '<svg id="other"/>' >other/favicon.svg
start --site-root other
get /favicon.svg ""
cmp -s body other/favicon.svg || fail "--site-root other: /favicon.svg is not other/favicon.svg"
get / ""
grep -q '/pkg/spectate\.[0-9a-f]\{16\}\.wasm' body && fail "--site-root other (no pkg/): the page still links a hashed bundle"
echo "[check-one-binary] ok: $(basename "$bin") from an empty directory served / and $checked hashed responses, the favicon and Leaflet's icon, equal to $site; --site-root still wins"

#!/usr/bin/env bash
# Lighthouse 12.2.3 on the spectator pages, as a phone on a cellular network sees them:
# default mobile settings (simulated slow 4G, 4x CPU slowdown) and the desktop preset,
# RUNS runs a page (default 3), against the demo race (`spectate serve --demo`, the
# release site from scripts/build-release.sh --precompress). Writes each run's report,
# trimmed of its screenshots, to OUT/<form>-<page>-<run>.json and prints one JSON line
# a page with the median of each figure (bench/summarize_lighthouse.py).
#   bench/lighthouse.sh [OUT]            (default OUT: bench/results/lighthouse)
#   PAGES="/ /dashboard" FORMS=mobile RUNS=1 bench/lighthouse.sh /tmp/lh
#   RUNNERS=1000 PAGES=/ bench/lighthouse.sh bench/results/lighthouse-1000
# With RUNNERS, the race is the bench event of that many runners (bench/event.sh), each
# phone posting a fix every 5 s through the real ingestion paths for the whole run,
# instead of the 12-runner demo.
# SITE (default target/site) is the built site to serve: a copy of the release site
# keeps it apart from the debug one `cargo leptos build` writes for the browser tests.
# Also records the bytes of a first and a warm visit of each page (bench/revisit.js).
# Needs: chromium (apt), Node 20, `npm i` in bench/lighthouse (Lighthouse 13 needs Node 22).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/lighthouse}
runs=${RUNS:-3} port=${PORT:-3961}
pages=${PAGES:-"/ /dashboard /track /room"}
forms=${FORMS:-"mobile desktop"}
bin=target/release/spectate
[[ -x $bin ]] || { echo "build first: scripts/build-release.sh --precompress" >&2; exit 1; }
[[ -d bench/lighthouse/node_modules/lighthouse ]] || (cd bench/lighthouse && npm i --no-audit --no-fund >&2)
mkdir -p "$out"
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
if [[ -n ${RUNNERS:-} ]]; then
  bench/event.sh "Big field" big "$RUNNERS" >"$work/event.toml"
  race=(--open --event "$work/event.toml" --max-connections-per-ip 100000 --max-http-connections-per-ip 100000)
else
  race=(--demo)
fi
"$bin" serve "${race[@]}" --addr "127.0.0.1:$port" --site-root "${SITE:-target/site}" --data-dir "$work/data" \
  --log-level warn >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
if [[ -n ${RUNNERS:-} ]]; then
  "$bin" simulate --event "$work/event.toml" --url "http://127.0.0.1:$port" --speed 10 \
    --fix-every 5 --seconds 3600 --data-dir "$work/data" >"$work/simulate.log" 2>&1 &
  sim=$!
  trap 'kill "${server:-0}" "${sim:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
  sleep 20 # every runner has posted positions, and has a trail
else
  sleep 3 # the demo runners have positions
fi
# The runner's page as a runner opens it: with their personal link's token (runner 3).
token=$("$bin" token --runner 3 --data-dir "$work/data")
url_of() { if [[ $1 == /track ]]; then echo "/track?token=$token"; else echo "$1"; fi; }
export CHROME_PATH=/usr/bin/chromium
flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync"
for form in $forms; do
  preset=()
  [[ $form == desktop ]] && preset=(--preset=desktop)
  for page in $pages; do
    name=$(echo "$page" | tr -c 'a-z0-9\n' '_' | sed 's/^_$/map/; s/^_//')
    for run in $(seq "$runs"); do
      report="$work/report.json"
      bench/lighthouse/node_modules/.bin/lighthouse "http://127.0.0.1:$port$(url_of "$page")" "${preset[@]}" \
        --only-categories=performance --output=json --output-path="$report" \
        --chrome-flags="$flags" --quiet
      # The screenshots are most of a report's bytes and no figure is read from them.
      python3 - "$report" "$out/$form-$name-$run.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for a in ("screenshot-thumbnails", "final-screenshot", "full-page-screenshot"):
    r["audits"].pop(a, None)
r.pop("fullPageScreenshot", None)
r.pop("i18n", None)
json.dump(r, open(sys.argv[2], "w"), separators=(",", ":"))
EOF
    done
  done
done
# shellcheck disable=SC2046
node bench/revisit.js "http://127.0.0.1:$port" $(for p in $pages; do url_of "$p"; done) >"$out/revisit.json"
python3 bench/summarize_lighthouse.py "$out" | tee "$out/summary.jsonl"

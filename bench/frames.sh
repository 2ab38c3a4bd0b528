#!/usr/bin/env bash
# Browser benchmark of the spectator's pages, in Debian's headless Chromium:
#   1. the bundle: wasm + JS + CSS of the app, Leaflet included, brotli-compressed;
#   2. frame times: the live map with RUNNERS runners (1,000 by default) each posting a
#      fix every FIX_EVERY seconds (1 by default; 5,000 runners at 5 s is a real race's
#      1,000 fixes a second), simulated phones through the real ingestion paths, and,
#      in the same tab, the dashboard with a 10,000-point series and happiness both
#      updating at 10 Hz. The server runs with its default limits: the page follows
#      three runners and sees the rest through the `field` topic.
# Needs the release site: `scripts/build-release.sh` (scripts/bootstrap.sh run
# installs the tools). The server and the simulated phones run on CPU 0, Chromium
# alone on CPU 1, as a spectator's browser would not share its machine with the server.
#
#   bench/frames.sh            # writes bench/results/frames.json and bundle.json
#   SECONDS_MEASURED=30 bench/frames.sh
#   RUNNERS=5000 FIX_EVERY=5 PAGES=map bench/frames.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/results
mkdir -p "$OUT"
PORT=${PORT:-3990}
BIN=target/release/spectate
[[ -x $BIN && -f target/site/pkg/spectate.wasm ]] || { echo "run: scripts/build-release.sh" >&2; exit 1; }

node bench/bundle_size.js target/site >"$OUT/bundle.json"

EVENT=/tmp/spectate-frames-event.toml
RUNNERS=${RUNNERS:-1000}
FIX_EVERY=${FIX_EVERY:-1}
export RUNNERS
bench/event.sh "Frame benchmark" frames "$RUNNERS" >"$EVENT"

DATA=/tmp/spectate-frames-data
rm -rf "$DATA"
taskset -c 0 "$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$DATA" --open --log-level warn \
  --event "$EVENT" --tile-url none --site-root target/site \
  --happiness-interval-ms 100 --history-events 12000 --history-secs 7200 \
  --max-connections-per-ip 100000 --max-http-connections-per-ip 100000 \
  --publish-per-second 1000000 --publish-burst 1000000 >"$OUT/frames-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER $SIM 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
# The phones, a fix every FIX_EVERY seconds each, for longer than the measurement.
taskset -c 0 "$BIN" simulate --event "$EVENT" --url "http://127.0.0.1:$PORT" --data-dir "$DATA" \
  --runners "$RUNNERS" --speed 1 --fix-every "$FIX_EVERY" --seconds 400 >"$OUT/frames-simulate.log" 2>&1 &
SIM=$!
sleep 5
taskset -c 1 node bench/frames.js "http://127.0.0.1:$PORT" | tee "$OUT/frames-${PAGES:-both}-$RUNNERS.json"

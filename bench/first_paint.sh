#!/usr/bin/env bash
# What a spectator downloads before and around the first paint at race size: the
# server-rendered page and the race's JSON reads, raw and as sent to a browser that
# accepts brotli, for an event of RUNNERS runners after SECONDS of simulated racing
# (every runner has a position). Prints one JSON object.
#   RUNNERS=5000 SECONDS=20 bench/first_paint.sh > bench/data/<date>/first_paint.json
# Uses target/release/spectate if present, else target/debug/spectate (sizes are the
# same; only the time to fill differs).
set -euo pipefail
cd "$(dirname "$0")/.."
runners=${RUNNERS:-5000} seconds=${SECONDS_OF_RACE:-20} port=${PORT:-3951}
bin=target/release/spectate
[[ -x $bin ]] || bin=target/debug/spectate
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
bench/event.sh "Big field" big "$runners" >"$work/event.toml"
"$bin" serve --open --addr "127.0.0.1:$port" --event "$work/event.toml" --tile-url none \
  --data-dir "$work/data" --max-connections-per-ip 100000 --max-http-connections-per-ip 100000 --log-level warn >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
"$bin" simulate --event "$work/event.toml" --url "http://127.0.0.1:$port" --speed 10 \
  --fix-every 5 --seconds "$seconds" --data-dir "$work/data" >"$work/simulate.log" 2>&1 || true
sleep 2.5 # one board interval: the cached board holds the last fixes
with_pos=$(curl -s "http://127.0.0.1:$port/api/leaderboard" | python3 -c 'import json,sys; b=json.load(sys.stdin); print(sum(1 for s in b["standings"] if s["at"]))')
printf '{"runners":%s,"with_position":%s,"bytes":{' "$runners" "$with_pos"
first=1
for path in "/" "/?follow=12,57,300" "/api/race" "/api/leaderboard" "/api/leaderboard?offset=0&limit=100" "/api/entrants"; do
  raw=$(curl -s "http://127.0.0.1:$port$path" | wc -c)
  br=$(curl -s -H 'accept-encoding: br' "http://127.0.0.1:$port$path" | wc -c)
  [[ $first == 1 ]] || printf ','
  first=0
  printf '"%s":{"raw":%s,"br":%s}' "$path" "$raw" "$br"
done
printf '}}\n'

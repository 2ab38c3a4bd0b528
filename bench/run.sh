#!/usr/bin/env bash
# Runs Spectate and its peers (Bun, Node ws) under the same load tool, server pinned
# to CPU 0 and the load tool to CPU 1, each scenario RUNS times (default 3) on a fresh
# server process, and writes one JSON summary per run to bench/results/.
#
#   bench/run.sh                     # every scenario, every server
#   SCENARIOS="fanout1k idle10k" SERVERS="spectate bun" RUNS=1 bench/run.sh
#   SCENARIOS="ingestws ingestosmand" SERVERS=spectate bench/run.sh   # durable ingest
#
# The ingest scenarios measure fixes committed to the store and acknowledged per second;
# the peers store nothing, so those run on Spectate only.
# Then `python3 bench/summarize.py` prints the tables (medians, ratios to Bun) and
# writes bench/plot.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SERVERS=${SERVERS:-"spectate bun node"}
SCENARIOS=${SCENARIOS:-"fanout1k fanout10k idle10k race19k ramp ingestws ingestosmand"}
OUT=bench/results
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

if [[ ! -x target/release/spectate ]] || [[ -n "${REBUILD:-}" ]]; then
  cargo build --release -p spectate-server
fi
if [[ ! -x bench/peers/node_modules/.bin/bun ]]; then
  (cd bench/peers && npm install --no-audit --no-fund)
fi
BUN=$PWD/bench/peers/node_modules/.bin/bun
LOAD=(taskset -c 1 target/release/spectate load --quiet --sources 8)

# The limits Spectate enforces by default would refuse a load test from one machine
# (per-address connections, publish and room rates): lift them for the benchmark.
SPECTATE_FLAGS=(--open --log-level warn --max-connections 100000
  --max-connections-per-ip 100000 --max-http-connections-per-ip 100000 --publish-per-second 1000000 --publish-burst 1000000
  --room-per-second 1000000 --room-max-chars 100000)

# The OsmAnd ingest scenario needs its phones' device ids in the event: 1,000 runners
# with devices bench-1..bench-1000, over the bundled course.
EVENT=/tmp/spectate-bench-event.toml
bench/event.sh "Ingest benchmark" bench 1000 >"$EVENT"

start_server() { # name port [extra spectate flags] -> sets PID
  local name=$1 port=$2
  case $name in
    spectate)
      rm -rf /tmp/spectate-bench-data
      taskset -c 0 target/release/spectate serve --addr "127.0.0.1:$port" \
        --data-dir /tmp/spectate-bench-data "${SPECTATE_FLAGS[@]}" "${@:3}" >"$OUT/$name.log" 2>&1 &
      ;;
    bun) (cd bench/peers && PORT=$port exec taskset -c 0 "$BUN" bun-server.js) >"$OUT/$name.log" 2>&1 & ;;
    node) (cd bench/peers && PORT=$port exec taskset -c 0 node node-server.js) >"$OUT/$name.log" 2>&1 & ;;
  esac
  PID=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$name did not start; see $OUT/$name.log" >&2
  return 1
}

scenario_args() {
  case $1 in
    fanout1k) echo "fanout --subscribers 1000 --rate 300 --seconds 10" ;;
    fanout10k) echo "fanout --subscribers 10000 --rate 10 --seconds 10" ;;
    idle10k) echo "idle --connections 10000 --hold 5" ;;
    race19k) echo "race --runners 1000 --spectators 18000 --follows 5 --seconds 30" ;;
    ramp) echo "ramp --step 1000 --max 18000 --rounds 5" ;;
    ingestws) echo "ingest --via ws --runners 1000 --seconds 10" ;;
    ingestosmand) echo "ingest --via osmand --runners 100 --seconds 10" ;;
  esac
}

port=3990
for scenario in $SCENARIOS; do
  runs=$RUNS
  [[ $scenario == ramp ]] && runs=1
  for server in $SERVERS; do
    extra=()
    if [[ $scenario == ingest* ]]; then
      [[ $server == spectate ]] || continue
      [[ $scenario == ingestosmand ]] && extra=(--event "$EVENT")
    fi
    for run in $(seq "$runs"); do
      port=$((port + 1))
      start_server "$server" "$port" "${extra[@]}"
      # Let the runtime settle (JIT warm-up for the peers, allocator for us).
      sleep 1
      file="$OUT/$server-$scenario-$run.json"
      echo "== $server $scenario run $run" >&2
      # shellcheck disable=SC2046
      if ! "${LOAD[@]}" --url "ws://127.0.0.1:$port" --pid "$PID" $(scenario_args "$scenario") >"$file"; then
        echo "   failed; see $file" >&2
      fi
      kill "$PID" 2>/dev/null || true
      wait "$PID" 2>/dev/null || true
      sleep 1
    done
  done
done
echo "results in $OUT; now: python3 bench/summarize.py" >&2

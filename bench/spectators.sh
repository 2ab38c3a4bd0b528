#!/usr/bin/env bash
# Race scale: spectators on the map page of a big race (issue 15).
#
# A server with a RUNNERS-runner event on CPU 0; on CPU 1, `spectate simulate` runs
# the race through the real ingestion paths (OsmAnd, OwnTracks, WebSocket; a fix every
# 5 s per runner, stored, spread over the period: see PHASES), and after WARMUP s `spectate load spectators` brings
# SPECTATORS spectators onto the map page (field + board + 3 followed runners over
# /ws?batch=1), joining over JOIN_OVER s and staying until SECONDS s. RUNS runs, each
# on a fresh server; one JSON summary per run in $OUT.
#
#   bench/spectators.sh                                  # 5,000 runners, 19,000 spectators
#   RUNNERS=500 SPECTATORS=200 SECONDS=30 RUNS=1 bench/spectators.sh   # a quick check
#     (SECONDS, or DURATION: seconds from the first join to the end; JOIN_OVER: half)
#   SPECTATE_BIN=target/debug/spectate RUNNERS=500 SPECTATORS=50 RUNS=1 bench/spectators.sh
#   PERF=1 ...   # also `perf record` the server for 4 s once everyone has joined
#   NODES=3 SPECTATORS=5000 bench/spectators.sh   # a cluster: 3 nodes + redis-server, all
#     on CPU 0; simulator p posts to node p mod 3, spectator i joins node i mod 3
#
# Then `python3 bench/summarize_spectators.py $OUT` prints the table (medians).
# Nothing else may run on the machine while it measures (no compiling).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNNERS=${RUNNERS:-5000}
SPECTATORS=${SPECTATORS:-19000}
# SECONDS is bash's own clock (0 at start unless set in the environment): read it
# first; DURATION says the same without the trap.
if ((SECONDS > 2)); then DURATION=${DURATION:-$SECONDS}; fi
SECONDS_=${DURATION:-60}
JOIN_OVER=${JOIN_OVER:-$((SECONDS_ / 2))}
WARMUP=${WARMUP:-20}
RUNS=${RUNS:-3}
SAMPLE_EVERY=${SAMPLE_EVERY:-50}
FIX_EVERY=${FIX_EVERY:-5}
OUT=${OUT:-bench/data/$(date -u +%F)-spectators}
BIN=${SPECTATE_BIN:-target/release/spectate}
EXTRA_SERVER_FLAGS=${EXTRA_SERVER_FLAGS:-}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

if [[ $BIN == target/release/spectate ]] && { [[ ! -x $BIN ]] || [[ -n ${REBUILD:-} ]]; }; then
  cargo build --release -p spectate-server
fi

# The limits Spectate enforces by default would refuse a load test from one machine
# (connections per address, publish rates): lifted for the benchmark.
FLAGS=(--log-level warn --max-connections 100000 --max-connections-per-ip 100000 --max-http-connections-per-ip 100000
  --publish-per-second 1000000 --publish-burst 1000000 --tile-url none)
EVENT=/tmp/spectate-spectators-$RUNNERS.toml
bench/event.sh "Big field" big "$RUNNERS" >"$EVENT"
# `spectate simulate` starts every phone at race second 0, so all of them send at the
# same instants: 5,000 fixes at once every 5 s, not 1,000 a second. The runners are
# split over PHASES simulators (event files of disjoint bibs, the server's event has
# them all) started FIX_EVERY/PHASES s apart, which spreads the fixes over the period.
PHASES=${PHASES:-5}
for ((p = 0; p < PHASES; p++)); do
  {
    sed -n '1,/^course/p' "$EVENT"
    for ((i = p * RUNNERS / PHASES + 1; i <= (p + 1) * RUNNERS / PHASES; i++)); do
      printf '\n[[runners]]\nbib = %d\nname = "Runner %d"\ndevices = ["big-%d"]\n' "$i" "$i" "$i"
    done
  } >"$EVENT.part$p"
done
DATA=/tmp/spectate-spectators-data

wait_port() {
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}

NODES=${NODES:-1}
REDIS_PORT=${REDIS_PORT:-6391}
port=4100
for run in $(seq "$RUNS"); do
  name="r$RUNNERS-s$SPECTATORS-run$run"
  ((NODES > 1)) && name="n$NODES-$name"
  cluster=()
  redis=""
  if ((NODES > 1)); then
    taskset -c 0 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
      >"$OUT/$name.redis.log" 2>&1 &
    redis=$!
    wait_port "$REDIS_PORT"
    cluster=(--redis-url "redis://127.0.0.1:$REDIS_PORT")
  fi
  servers=()
  ports=()
  for ((i = 0; i < NODES; i++)); do
    port=$((port + 1))
    rm -rf "$DATA-$i"
    # shellcheck disable=SC2086
    taskset -c 0 "$BIN" serve --addr "127.0.0.1:$port" --event "$EVENT" --data-dir "$DATA-$i" \
      "${FLAGS[@]}" "${cluster[@]}" $EXTRA_SERVER_FLAGS >"$OUT/$name.server-$i.log" 2>&1 &
    servers+=($!)
    ports+=("$port")
    wait_port "$port"
  done
  server=${servers[0]}
  pids=$(IFS=,; echo "${servers[*]}${redis:+,$redis}")
  urls=$(printf 'ws://127.0.0.1:%s,' "${ports[@]}")
  simulators=()
  for ((p = 0; p < PHASES; p++)); do
    taskset -c 1 "$BIN" simulate --event "$EVENT.part$p" --url "http://127.0.0.1:${ports[p % NODES]}" \
      --fix-every "$FIX_EVERY" --speed 1 --data-dir "$DATA-$((p % NODES))" --seed $((p + 1)) \
      --seconds $((WARMUP + SECONDS_ + 30)) >"$OUT/$name.simulate-$p.log" 2>&1 &
    simulators+=($!)
    sleep "$(awk -v f="$FIX_EVERY" -v n="$PHASES" 'BEGIN {print f / n}')"
  done
  echo "== $name: race warming up for $WARMUP s" >&2
  sleep "$WARMUP"
  if [[ -n ${PERF:-} ]]; then
    (sleep $((5 + 5 + JOIN_OVER + 2)) &&
      taskset -c 1 perf record -F 999 -g -p "$server" -o "$OUT/$name.perf.data" -- sleep 4 \
        >/dev/null 2>&1 &&
      perf report -i "$OUT/$name.perf.data" --no-children --sort dso --stdio 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -30 >"$OUT/$name.perf-dso.txt" &&
      perf report -i "$OUT/$name.perf.data" --no-children --sort symbol --stdio -g none \
        2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 >"$OUT/$name.perf-symbols.txt" &&
      rm -f "$OUT/$name.perf.data") &
  fi
  echo "== $name: $SPECTATORS spectators over $JOIN_OVER s, $SECONDS_ s" >&2
  if ! taskset -c 1 "$BIN" load --url "${urls%,}" --sources 8 --pid "$pids" \
    spectators --runners "$RUNNERS" --spectators "$SPECTATORS" --seconds "$SECONDS_" \
    --join-over-secs "$JOIN_OVER" --sample-every "$SAMPLE_EVERY" --baseline-secs 5 \
    >"$OUT/$name.json" 2>"$OUT/$name.load.log"; then
    echo "   load failed; see $OUT/$name.load.log" >&2
  fi
  kill "${simulators[@]}" 2>/dev/null || true
  wait "${simulators[@]}" 2>/dev/null || true
  kill "${servers[@]}" $redis 2>/dev/null || true
  wait "${servers[@]}" $redis 2>/dev/null || true
  wait 2>/dev/null || true
  python3 - "$OUT/$name.json" <<'PY' >&2 || true
import json, sys
d = json.load(open(sys.argv[1])); x = d["details"]
p = lambda k: (x.get(k) or {}).get("p99_ms")
print(f"   cut-offs {x['cut_offs']} {x['close_codes']}, connected {x['connected']}, "
      f"lost followed {d['lost']}, staleness p99 {p('field_staleness')} ms, "
      f"followed p99 {p('followed_fix_latency')} ms, join p99 {p('join_to_full_field')} ms, "
      f"{(x['bytes_per_spectator_s'] or 0):.0f} B/spectator/s, "
      f"cpu/spectator-s {x['server_cpu_s_per_spectator_s']}")
PY
  sleep 2
done
rm -rf "$DATA"-*
echo "results in $OUT; now: python3 bench/summarize_spectators.py $OUT" >&2

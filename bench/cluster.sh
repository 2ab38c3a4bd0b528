#!/usr/bin/env bash
# Cluster benchmark: the fanout scenario against 1, 2 and 3 Spectate nodes sharing
# one redis-server, and against one standalone node for reference.
#
# Every server process (nodes and Redis) runs on CPU 0, the load tool on CPU 1: on a
# 2-core machine the nodes share one core, so this measures what clustering costs
# and that delivery stays exact, not how a cluster scales on real machines.
#
#   bench/cluster.sh && python3 bench/summarize_cluster.py
#
# Env: RUNS (3), SUBSCRIBERS (1000), RATE (300), DURATION (10), NODES ("0 1 2 3";
# 0 = standalone, no Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
RATE=${RATE:-300}
DURATION=${DURATION:-10}
NODES=${NODES:-"0 1 2 3"}
OUT=${OUT:-bench/results/cluster}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
if [[ ! -x target/release/spectate ]] || [[ -n "${REBUILD:-}" ]]; then
  cargo build --release -p spectate-server
fi
FLAGS=(--open --log-level warn --max-connections 100000
  --max-connections-per-ip 100000 --max-http-connections-per-ip 100000 --publish-per-second 1000000 --publish-burst 1000000
  --room-per-second 1000000 --room-max-chars 100000)
REDIS_PORT=6391

cpu_ticks() { # pid -> utime+stime in ticks
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}

for n in $NODES; do
  for run in $(seq "$RUNS"); do
    pids=()
    redis_pid=""
    cluster=()
    if ((n > 0)); then
      taskset -c 0 redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no \
        >"$OUT/redis.log" 2>&1 &
      redis_pid=$!
      wait_port $REDIS_PORT
      cluster=(--redis-url "redis://127.0.0.1:$REDIS_PORT")
    fi
    urls=()
    for i in $(seq "$(( n > 0 ? n : 1 ))"); do
      port=$((3200 + i))
      rm -rf "/tmp/spectate-cluster-bench-$i"
      taskset -c 0 target/release/spectate serve --addr "127.0.0.1:$port" \
        --data-dir "/tmp/spectate-cluster-bench-$i" "${FLAGS[@]}" "${cluster[@]}" \
        >"$OUT/node-$i.log" 2>&1 &
      pids+=($!)
      wait_port $port
      urls+=("ws://127.0.0.1:$port")
    done
    all_pids=$(IFS=,; echo "${pids[*]}${redis_pid:+,$redis_pid}")
    url_list=$(IFS=,; echo "${urls[*]}")
    redis_before=0
    [[ -n $redis_pid ]] && redis_before=$(cpu_ticks "$redis_pid")
    file="$OUT/nodes-$n-run-$run.json"
    taskset -c 1 target/release/spectate load --quiet --sources 8 --url "$url_list" \
      --pid "$all_pids" fanout --subscribers "$SUBSCRIBERS" --rate "$RATE" \
      --seconds "$DURATION" >"$file.load"
    redis_cpu_s=0
    if [[ -n $redis_pid ]]; then
      redis_cpu_s=$(awk -v a="$redis_before" -v b="$(cpu_ticks "$redis_pid")" 'BEGIN {print (b - a) / 100}')
    fi
    # Cross-node traffic, from each node's own counters.
    traffic=""
    for i in $(seq "$(( n > 0 ? n : 1 ))"); do
      m=$(curl -s "http://127.0.0.1:$((3200 + i))/metrics" | grep -E '^spectate_cluster_(published|received)(_bytes)?_total' | tr '\n' ' ' || true)
      traffic+="{\"node\":$i,\"metrics\":\"$m\"},"
    done
    python3 - "$file.load" "$file" "$n" "$redis_cpu_s" "[${traffic%,}]" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))
load["nodes"] = int(sys.argv[3])
load["redis_cpu_s"] = float(sys.argv[4])
load["traffic"] = json.loads(sys.argv[5])
json.dump(load, open(sys.argv[2], "w"), indent=1)
PY
    rm -f "$file.load"
    echo "nodes=$n run=$run: $(python3 -c "import json;d=json.load(open('$file'));print(d['delivered'],'delivered', d['lost'],'lost', d['duplicates'],'dup', 'p99', d['latency_ms']['p99'] if 'latency_ms' in d else d.get('latency'))")"
    kill "${pids[@]}" 2>/dev/null || true
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null
    wait 2>/dev/null || true
  done
done

#!/usr/bin/env python3
"""Turns bench/results/cluster/*.json (from bench/cluster.sh) into the BENCHMARKS.md
cluster table: per node count, the median run's deliveries, latency, CPU (all server
processes, and Redis alone) and the bytes each node received from Redis.

Usage: python3 bench/summarize_cluster.py [results-dir]
"""
import json
import re
import statistics
import sys
from pathlib import Path

RESULTS = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/cluster")


def received_bytes(run):
    out = []
    for node in run.get("traffic", []):
        m = re.search(r"spectate_cluster_received_bytes_total (\d+)", node["metrics"])
        out.append(int(m.group(1)) if m else 0)
    return out


def main():
    runs = {}
    for path in sorted(RESULTS.glob("nodes-*-run-*.json")):
        run = json.loads(path.read_text())
        runs.setdefault(run["nodes"], []).append(run)
    print("| nodes | deliveries/s (median) | runs | lost | dup | p50 ms | p99 ms "
          "| server CPU-s (all) | Redis CPU-s | Redis share | bytes from Redis per node |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for nodes in sorted(runs):
        rs = sorted(runs[nodes], key=lambda r: r["deliveries_per_s"])
        med = rs[len(rs) // 2]
        cpu = med["server"]["cpu_s"]
        redis = med.get("redis_cpu_s", 0.0)
        share = f"{100 * redis / cpu:.1f}%" if nodes and cpu else "-"
        traffic = " / ".join(f"{b / 1024:.0f} KiB" for b in received_bytes(med)) if nodes else "-"
        label = "standalone" if nodes == 0 else str(nodes)
        print(
            f"| {label} | {med['deliveries_per_s']:,.0f} | "
            + " / ".join(f"{r['deliveries_per_s']:,.0f}" for r in runs[nodes])
            + f" | {sum(r['lost'] for r in rs)} | {sum(r['duplicates'] for r in rs)}"
            + f" | {med['latency']['p50_ms']:.1f} | {med['latency']['p99_ms']:.1f}"
            + f" | {cpu:.2f} | {redis:.2f} | {share} | {traffic} |"
        )


if __name__ == "__main__":
    main()

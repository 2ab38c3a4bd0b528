#!/usr/bin/env python3
"""Turns bench/results/*.json (from bench/run.sh) into the BENCHMARKS.md tables and
bench/plot.svg: the median of the runs of each (server, scenario), and its ratio to Bun.

Usage: python3 bench/summarize.py [results-dir]
"""
import json
import statistics
import sys
from pathlib import Path

RESULTS = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results")
SERVERS = ["spectate", "bun", "node"]


def load():
    runs = {}
    for path in sorted(RESULTS.glob("*.json")):
        server, scenario, _run = path.stem.rsplit("-", 2)
        try:
            summary = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue
        runs.setdefault((server, scenario), []).append(summary)
    return runs


def metric(summary, name):
    server = summary.get("server") or {}
    latency = summary.get("latency") or {}
    return {
        "per_cpu_s": server.get("deliveries_per_cpu_s"),
        "kib_per_conn": (summary.get("details") or {}).get("kib_per_connection"),
        "p50": latency.get("p50_ms"),
        "p99": latency.get("p99_ms"),
        "lost": summary.get("lost"),
        "cpu_s": server.get("cpu_s"),
        "per_s": summary.get("deliveries_per_s"),
        "ramp_max": (summary.get("details") or {}).get("max_clients_with_p95_under_limit"),
    }[name]


def median(runs, name):
    values = [metric(s, name) for s in runs]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def table(runs, scenario, columns):
    lines = ["| server | runs | " + " | ".join(c[0] for c in columns) + " |",
             "|---" * (len(columns) + 2) + "|"]
    bun = runs.get(("bun", scenario))
    for server in SERVERS:
        mine = runs.get((server, scenario))
        if not mine:
            continue
        cells = []
        for title, name, better in columns:
            v = median(mine, name)
            cell = fmt(v, 2 if name in ("p50", "p99", "kib_per_conn") else 1)
            b = median(bun, name) if bun else None
            if v is not None and b and name not in ("lost", "ramp_max") and server != "bun":
                cell += f" ({v / b:.2f}x Bun)"
            cells.append(cell)
        lines.append(f"| {server} | {len(mine)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bar_chart(groups, path):
    """groups: [(title, unit, {server: value})] -> one SVG with a panel per group."""
    colors = {"spectate": "#2563eb", "bun": "#f59e0b", "node": "#16a34a"}
    width, panel_h, bar_h = 720, 120, 22
    height = 30 + panel_h * len(groups)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="20" font-size="14" font-weight="bold">'
           'Spectate vs Bun vs Node (medians; server on 1 core, load on the other)</text>']
    for i, (title, unit, values) in enumerate(groups):
        top = 40 + i * panel_h
        out.append(f'<text x="10" y="{top}" font-weight="bold">{title}</text>')
        biggest = max([v for v in values.values() if v] or [1])
        for j, server in enumerate(SERVERS):
            v = values.get(server)
            if v is None:
                continue
            y = top + 10 + j * (bar_h + 4)
            w = 420 * v / biggest
            out.append(f'<text x="10" y="{y + 15}">{server}</text>')
            out.append(f'<rect x="90" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[server]}"/>')
            out.append(f'<text x="{95 + w:.1f}" y="{y + 15}">{fmt(v, 2)} {unit}</text>')
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def main():
    runs = load()
    if not runs:
        sys.exit(f"no results in {RESULTS}; run bench/run.sh first")
    print("### fanout: 1,000 subscribers x 300 msg/s, 10 s\n")
    print(table(runs, "fanout1k", [("deliveries per server CPU-s", "per_cpu_s", "up"),
                                   ("p50 ms", "p50", "down"), ("p99 ms", "p99", "down"),
                                   ("lost", "lost", "down")]))
    print("\n### fanout: 10,000 subscribers x 10 msg/s, 10 s\n")
    print(table(runs, "fanout10k", [("p50 ms", "p50", "down"), ("p99 ms", "p99", "down"),
                                    ("deliveries per server CPU-s", "per_cpu_s", "up"),
                                    ("lost", "lost", "down")]))
    print("\n### idle: 10,000 sockets\n")
    print(table(runs, "idle10k", [("server RSS growth per socket, KiB", "kib_per_conn", "down")]))
    print("\n### race: 1,000 runners at 1 Hz, 18,000 spectators following 5 (19,000 sockets), 30 s\n")
    print(table(runs, "race19k", [("p50 ms", "p50", "down"), ("p99 ms", "p99", "down"),
                                  ("lost", "lost", "down"), ("server CPU s", "cpu_s", "down")]))
    print("\n### ramp: +1,000 clients per step, 4 broadcasts in flight, stop at p95 > 500 ms\n")
    print(table(runs, "ramp", [("most clients with p95 <= 500 ms", "ramp_max", "up")]))
    print("\n### durable ingest: phones sending a fix and awaiting its ack (after the commit), 10 s\n")
    for scenario, title in [("ingestws", "WebSocket v1, 1,000 phones"),
                            ("ingestosmand", "OsmAnd over HTTP keep-alive, 100 phones")]:
        print(f"{title}:\n")
        print(table(runs, scenario, [("fixes acknowledged per s", "per_s", "up"),
                                     ("p50 ms", "p50", "down"), ("p99 ms", "p99", "down"),
                                     ("server CPU s", "cpu_s", "down"), ("lost", "lost", "down")]))
        print()
    groups = [
        ("fanout 1k x 300/s: deliveries per server CPU-second (higher is better)", "/CPU-s",
         {s: median(runs.get((s, "fanout1k"), []), "per_cpu_s") for s in SERVERS}),
        ("idle: server memory per socket (lower is better)", "KiB",
         {s: median(runs.get((s, "idle10k"), []), "kib_per_conn") for s in SERVERS}),
        ("fanout 10k x 10/s: p99 latency (lower is better)", "ms",
         {s: median(runs.get((s, "fanout10k"), []), "p99") for s in SERVERS}),
        ("race 19k sockets: p99 latency (lower is better)", "ms",
         {s: median(runs.get((s, "race19k"), []), "p99") for s in SERVERS}),
    ]
    bar_chart(groups, "bench/plot.svg")
    print("\n(plot written to bench/plot.svg)")


if __name__ == "__main__":
    main()

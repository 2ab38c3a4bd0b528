#!/usr/bin/env python3
"""Medians of bench/spectators.sh runs, as a Markdown table.

    python3 bench/summarize_spectators.py bench/data/2026-12-02-spectators

Each row is one (runners, spectators) size; each figure the median over its runs
(and the runs' count). Targets of issue 15 in the header.
"""
import glob
import json
import os
import statistics
import sys
from collections import defaultdict


def p(details, key, q="p99_ms"):
    value = details.get(key) or {}
    return value.get(q)


def figures(d):
    x = d["details"]
    setup = x.get("setup", {})
    return {
        "runners": setup.get("runners"),
        "spectators": x["spectators"],
        "connected": x["connected"],
        "cut-offs": x["cut_offs"],
        "4008": x["slow_consumer_4008"],
        "errors": x["socket_errors"] + x["connect_failed"] + x["error_frames"],
        "lost followed": d["lost"],
        "server conflated": x["followed"].get("server_conflated"),
        "followed fixes": x["followed"]["fixes"],
        "staleness p50 ms": p(x, "field_staleness", "p50_ms"),
        "staleness p99 ms": p(x, "field_staleness"),
        "staleness max ms": p(x, "field_staleness", "max_ms"),
        "field delay p99 ms": p(x, "field_delay"),
        "fix to server p50 ms": p(x, "followed_fix_taken_to_server", "p50_ms"),
        "fix to server p90 ms": p(x, "followed_fix_taken_to_server", "p90_ms"),
        "field frames/s": (x["field"]["frames"] - x["field"]["full_frames"])
        / max(x["spectator_seconds"], 1e-9),
        "followed p50 ms": p(x, "followed_fix_latency", "p50_ms"),
        "followed p99 ms": p(x, "followed_fix_latency"),
        "join p50 ms": p(x, "join_to_full_field", "p50_ms"),
        "join p99 ms": p(x, "join_to_full_field"),
        "B/spectator/s": x["bytes_per_spectator_s"],
        "server CPU s": (d.get("server") or {}).get("cpu_s"),
        "CPU s/spectator-s": x["server_cpu_s_per_spectator_s"],
        "over baseline": x["server_cpu_s_per_spectator_s_over_baseline"],
        "baseline CPU/s": x["server_baseline_cpu_per_s"],
        "RSS end MiB": ((d.get("server") or {}).get("rss_end_kib") or 0) / 1024,
        "load tool CPU s": x["load_tool_cpu_s"],
        "duration s": d["duration_s"],
    }


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) < 0.01:
            return f"{v:.2e}"
        if abs(v) < 100:
            return f"{v:.2f}"
        return f"{v:,.0f}"
    return f"{v:,}"


def median(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "bench/data"
    groups = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        try:
            d = json.load(open(path))
        except (json.JSONDecodeError, OSError):
            print(f"skipped {path}: not a summary", file=sys.stderr)
            continue
        if d.get("scenario") != "spectators":
            continue
        f = figures(d)
        groups[(f["runners"], f["spectators"])].append(f)
    if not groups:
        print("no spectators summaries in", folder)
        return
    keys = [k for k in next(iter(groups.values()))[0] if k not in ("runners", "spectators")]
    print("| runners | spectators | runs | " + " | ".join(keys) + " |")
    print("|" + "---|" * (3 + len(keys)))
    for (runners, spectators), runs in sorted(groups.items()):
        cells = [fmt(median([r[k] for r in runs])) for k in keys]
        print(f"| {runners:,} | {spectators:,} | {len(runs)} | " + " | ".join(cells) + " |")
    print()
    print("Each run:")
    print()
    few = ["cut-offs", "lost followed", "staleness p99 ms", "field delay p99 ms",
           "fix to server p50 ms", "fix to server p90 ms", "followed p99 ms", "join p99 ms",
           "CPU s/spectator-s", "load tool CPU s"]
    print("| runners | spectators | run | " + " | ".join(few) + " |")
    print("|" + "---|" * (3 + len(few)))
    for (runners, spectators), runs in sorted(groups.items()):
        for i, r in enumerate(runs, 1):
            print(f"| {runners:,} | {spectators:,} | {i} | "
                  + " | ".join(fmt(r[k]) for k in few) + " |")
    print()
    print("Targets (issue 15, 5,000 runners, 19,000 spectators): 0 cut-offs, 0 lost followed,"
          " staleness p99 <= 2,500 ms, followed p99 <= 500 ms, join p99 <= 2,000 ms.")


if __name__ == "__main__":
    main()

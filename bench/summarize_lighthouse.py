#!/usr/bin/env python3
"""Medians of bench/lighthouse.sh's reports: one JSON line per form and page.

Each figure is the median over the runs of that form and page: the performance
score, FCP, LCP, TBT, TTI, Speed Index and CLS, the bytes transferred, the longest
task, the longest task that starts after the first 3 s, and whether the
back/forward-cache audit passed in every run.

    python3 bench/summarize_lighthouse.py bench/results/lighthouse
"""

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def figures(report):
    audits = report["audits"]

    def value(name):
        return audits[name].get("numericValue")

    tasks = audits.get("long-tasks", {}).get("details", {}).get("items", [])
    late = [t["duration"] for t in tasks if t.get("startTime", 0) >= 3000]
    bfcache = audits.get("bf-cache", {}).get("score")
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "fcp_ms": value("first-contentful-paint"),
        "lcp_ms": value("largest-contentful-paint"),
        "tbt_ms": value("total-blocking-time"),
        "tti_ms": value("interactive"),
        "si_ms": value("speed-index"),
        "cls": value("cumulative-layout-shift"),
        "bytes": value("total-byte-weight"),
        "long_tasks": len(tasks),
        "longest_task_ms": max((t["duration"] for t in tasks), default=0),
        "longest_task_after_3s_ms": max(late, default=0),
        "bf_cache_pass": bfcache in (1, None),
    }


def main(folder):
    runs = defaultdict(list)
    for path in sorted(Path(folder).glob("*.json")):
        match = re.fullmatch(r"(mobile|desktop)-(.+)-(\d+)", path.stem)
        if match:
            runs[(match[1], match[2])].append(figures(json.loads(path.read_text())))
    for (form, page), each in sorted(runs.items()):
        line = {"form": form, "page": page, "runs": len(each)}
        for key in each[0]:
            values = [r[key] for r in each]
            if key == "bf_cache_pass":
                line[key] = all(values)
            else:
                line[key] = round(statistics.median(values), 3)
        print(json.dumps(line))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/lighthouse")

#!/usr/bin/env python3
"""Uncached ("cold") A/B of the aggregate and search scenarios: every request
a different statement, so that no kept answer (cache::ResultCache) serves it.
Seeds each build as bench.py does, then runs oha (c = 16, 2 s warm-up, 10 s)
with --rand-regex-url. See docs/benchmarks.md (issue 13).

    python3 bench/cold.py before=/tmp/sb-before after=/tmp/sb-after
"""
import json
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
args = types.SimpleNamespace(oha=bench.find_oha(), client_cpus="0")
syl = "(" + "|".join(bench.SYLLABLES) + ")"
for label, binary in [(a.split('=')[0], a.split('=')[1]) for a in sys.argv[1:]]:
    t = bench.Ours(binary, "1", 1000, None, aggregate_n=100000, search_n=100000)
    tok = t.token
    reqs = {
        "aggregate (cold)": ("GET", "~/api/v1/records/sales/aggregate\\?functions=count\\(\\),sum\\(amount\\)&group_by=region&having=count\\(\\)%20%3E%20-[1-9][0-9]{6}", None, tok),
        "search (cold)": ("GET", "~/api/v1/records/articles\\?limit=20&search=" + syl * 3, None, tok),
    }
    for name, req in reqs.items():
        bench.oha(args, t, req, 16, duration=2)
        r = bench.oha(args, t, req, 16, duration=10)
        print(json.dumps({"build": label, "scenario": name, "rps": round(r["rps"], 1), "p50_ms": round(r["p50_ms"], 2),
                          "p99_ms": round(r["p99_ms"], 2), "errors": r["errors"], "total": r["total"]}), flush=True)
    t.stop()

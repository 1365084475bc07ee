#!/usr/bin/env python3
"""Times CPython's pickle.loads on the benchmark workloads.

Writes Google Benchmark-compatible JSON (benchmarks named
CPython_Decode/<name>.p<proto>, one entry per repetition plus a median
aggregate), so bench tooling can put both sides in one table. Timing: each
repetition runs loads() enough times to take at least --min-time seconds,
with gc disabled (the notes in ../shared/reference/performance.md show it
only adds noise), and the result is freed inside the timed loop, as the
C++ decoder's document is.

usage: bench/cpython_bench.py WORKLOAD_DIR [--repetitions 9] [--min-time 0.2]
"""
import argparse
import gc
import json
import os
import pickle
import platform
import statistics
import sys
import time


def time_loads(data, min_time):
    loads = pickle.loads
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            loads(data)
        dt = time.perf_counter() - t0
        if dt >= min_time or n >= 1 << 20:
            return dt / n, n
        n = max(n * 2, int(n * min_time / max(dt, 1e-9)) + 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workloads")
    ap.add_argument("--repetitions", type=int, default=9)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    benchmarks = []
    with open(os.path.join(args.workloads, "manifest.tsv")) as f:
        manifest = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    gc.disable()
    for name, proto, fname, items, _desc in manifest:
        bench = "CPython_Decode/%s.p%s" % (name, proto)
        if args.filter and args.filter not in bench:
            continue
        with open(os.path.join(args.workloads, fname), "rb") as f:
            data = f.read()
        pickle.loads(data)  # warm the heap
        times = []
        for rep in range(args.repetitions):
            t, n = time_loads(data, args.min_time)
            times.append(t)
            benchmarks.append({
                "name": bench, "run_name": bench, "run_type": "iteration",
                "repetitions": args.repetitions, "repetition_index": rep,
                "iterations": n, "real_time": t * 1e9, "cpu_time": t * 1e9, "time_unit": "ns",
                "bytes_per_second": len(data) / t, "items_per_second": int(items) / t,
            })
        med = statistics.median(times)
        benchmarks.append({
            "name": bench + "_median", "run_name": bench, "run_type": "aggregate",
            "aggregate_name": "median", "repetitions": args.repetitions,
            "real_time": med * 1e9, "cpu_time": med * 1e9, "time_unit": "ns",
            "bytes_per_second": len(data) / med, "items_per_second": int(items) / med,
        })
    json.dump({"context": {"executable": sys.executable, "python_version": sys.version,
                           "implementation": platform.python_implementation()},
               "benchmarks": benchmarks}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

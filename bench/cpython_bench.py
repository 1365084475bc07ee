#!/usr/bin/env python3
"""Times CPython's C pickle (pickle.loads / pickle.dumps) on the benchmark workloads.

Writes Google Benchmark-compatible JSON to stdout: per workload
CPython_Decode/<name>.p<proto> (pickle.loads of the workload pickle) and
CPython_Encode/<name>.p<proto> (pickle.dumps, same protocol, of the value
that pickle.loads of the workload pickle returns), one "iteration" entry per
repetition plus median/mean/stddev aggregates, so scripts/bench and
scripts/bench-compare read both sides alike.

What is timed, and how (../shared/reference/performance.md, "Fair comparison"):
* The C implementation only (_pickle); the script refuses to run without it.
* Values for encoding are loaded with an Unpickler whose find_class allows
  exactly the classes the workloads name (datetime.date, the classes in
  workload_classes.py, and copyreg/_codecs/builtins helpers of protocols 0-2),
  and the encode setup checks that dumps() reproduces the workload bytes
  (zlib.crc32 and size from manifest.tsv): a mismatch is reported as an
  error entry, not timed.
* Decoding times plain pickle.loads (it resolves the same classes by import;
  workload_classes is on sys.path).
* Clock: CPU time of this thread (time.thread_time, CLOCK_THREAD_CPUTIME_ID,
  Google Benchmark's cpu_time), which a busy shared machine perturbs less
  than wall time; wall time is reported as real_time.
* gc disabled; the result is freed inside the timed loop (as the C++
  document is destroyed inside its loop); the heap is warmed by one untimed
  call; each repetition runs the call enough times to take --min-time.
* Repetitions are interleaved: every repetition visits all benchmarks in a
  fresh seeded-random order, so a burst of load on the machine spreads over
  benchmarks instead of biasing one (Google Benchmark's
  --benchmark_enable_random_interleaving does the same on the C++ side).

usage: bench/cpython_bench.py WORKLOAD_DIR [--repetitions 9] [--min-time 0.2]
                              [--filter REGEX] [--directions decode,encode]
"""
import argparse
import datetime
import gc
import io
import json
import os
import pickle
import platform
import random
import re
import statistics
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# (module, name) pairs the workload pickles may name. find_class sees them
# as written; protocols 0-2 write Python 2 names (copy_reg, __builtin__)
# that Unpickler.find_class maps with fix_imports.
ALLOWED_GLOBALS = {
    ("datetime", "date"),
    ("workload_classes", "Record"),
    ("workload_classes", "Point"),
    ("copy_reg", "_reconstructor"),  # object instances below protocol 2
    ("copyreg", "_reconstructor"),
    ("__builtin__", "object"),
    ("builtins", "object"),
    ("_codecs", "encode"),           # bytes below protocol 3
}


class WorkloadUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError("global %s.%s is not a workload class" % (module, name))
        return super().find_class(module, name)


def load_value(data):
    return WorkloadUnpickler(io.BytesIO(data)).load()


def read_manifest(workloads):
    rows = []
    with open(os.path.join(workloads, "manifest.tsv")) as f:
        for line in f:
            if not line.strip():
                continue
            name, proto, fname, items, category, size, crc, _ceiling, desc = \
                line.rstrip("\n").split("\t")
            with open(os.path.join(workloads, fname), "rb") as pf:
                data = pf.read()
            if len(data) != int(size):
                raise SystemExit("%s: size differs from manifest.tsv" % fname)
            rows.append({"id": "%s.p%s" % (name, proto), "protocol": int(proto), "data": data,
                         "items": int(items), "category": category, "crc32": int(crc, 16),
                         "description": desc})
    return rows


class Bench:
    """One timed callable: calibrated once, then timed once per repetition."""

    def __init__(self, name, fn, arg, nbytes, items):
        self.name, self.fn, self.arg, self.nbytes, self.items = name, fn, arg, nbytes, items
        self.n = 1
        self.cpu = []
        self.real = []
        self.error = None

    def run(self, n):
        fn, arg = self.fn, self.arg
        loop = range(n)
        r0, c0 = time.perf_counter(), time.thread_time()
        for _ in loop:
            fn(arg)
        return time.thread_time() - c0, time.perf_counter() - r0

    def calibrate(self, min_time):
        self.fn(self.arg)  # warm the heap
        n = 1
        while True:
            cpu, real = self.run(n)
            if cpu >= min_time or n >= 1 << 22:
                break
            n = max(n * 2, int(n * min_time * 1.2 / max(cpu, 1e-9)) + 1)
        self.n = n

    def repeat(self):
        cpu, real = self.run(self.n)
        self.cpu.append(cpu / self.n)
        self.real.append(real / self.n)


def entries(b, reps):
    if b.error:
        return [{"name": b.name, "run_name": b.name, "run_type": "iteration",
                 "repetitions": reps, "repetition_index": 0, "error_occurred": True,
                 "error_message": b.error}]
    out = []
    for i, (cpu, real) in enumerate(zip(b.cpu, b.real)):
        out.append({"name": b.name, "run_name": b.name, "run_type": "iteration",
                    "repetitions": reps, "repetition_index": i, "iterations": b.n,
                    "real_time": real * 1e9, "cpu_time": cpu * 1e9, "time_unit": "ns",
                    "bytes_per_second": b.nbytes / cpu, "items_per_second": b.items / cpu})
    aggs = [("mean", statistics.mean), ("median", statistics.median)]
    if len(b.cpu) > 1:
        aggs.append(("stddev", statistics.stdev))
    for agg, f in aggs:
        cpu, real = f(b.cpu), f(b.real)
        e = {"name": "%s_%s" % (b.name, agg), "run_name": b.name, "run_type": "aggregate",
             "repetitions": reps, "aggregate_name": agg, "iterations": len(b.cpu),
             "real_time": real * 1e9, "cpu_time": cpu * 1e9, "time_unit": "ns"}
        if agg != "stddev":
            e["bytes_per_second"] = b.nbytes / cpu
            e["items_per_second"] = b.items / cpu
        out.append(e)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workloads")
    ap.add_argument("--repetitions", type=int, default=9)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--filter", default="", help="regex on benchmark names")
    ap.add_argument("--directions", default="decode,encode")
    ap.add_argument("--seed", type=int, default=1, help="seed of the interleaving order")
    args = ap.parse_args()
    if pickle.Pickler.__module__ != "_pickle" or pickle.Unpickler.__module__ != "_pickle":
        raise SystemExit("cpython_bench: the C implementation (_pickle) is not in use")
    directions = set(args.directions.split(","))
    flt = re.compile(args.filter) if args.filter else None

    benches = []
    for w in read_manifest(args.workloads):
        data, proto = w["data"], w["protocol"]
        if "decode" in directions:
            benches.append(Bench("CPython_Decode/" + w["id"], pickle.loads, data, len(data), w["items"]))
        if "encode" in directions:
            b = Bench("CPython_Encode/" + w["id"], None, None, len(data), w["items"])
            try:
                value = load_value(data)
                out = pickle.dumps(value, proto)
                if len(out) != len(data) or zlib.crc32(out) != w["crc32"]:
                    b.error = "dumps(loads(workload)) differs from the workload bytes"
                b.fn = lambda v, proto=proto, dumps=pickle.dumps: dumps(v, proto)
                b.arg = value
            except Exception as e:  # reported in the JSON, as Google Benchmark reports errors
                b.error = "%s: %s" % (type(e).__name__, e)
            benches.append(b)
    benches = [b for b in benches if flt is None or flt.search(b.name)]

    gc.disable()
    timed = [b for b in benches if not b.error]
    for b in timed:
        b.calibrate(args.min_time)
    rng = random.Random(args.seed)
    for _ in range(args.repetitions):
        order = timed[:]
        rng.shuffle(order)
        for b in order:
            b.repeat()

    out = []
    for b in benches:
        out.extend(entries(b, args.repetitions))
    try:
        load = os.getloadavg()
    except OSError:
        load = []
    json.dump({"context": {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                           "executable": sys.executable, "python_version": sys.version,
                           "implementation": platform.python_implementation(),
                           "pickle_module": pickle.Pickler.__module__,
                           "load_avg": list(load), "num_cpus": os.cpu_count(),
                           "clock": "cpu_time = time.thread_time; real_time = time.perf_counter",
                           "min_time": args.min_time},
               "benchmarks": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the benchmark workloads: pickles made by CPython from reproducible values.

Each workload is <name>.p<protocol>.pickle in the output directory, plus
manifest.tsv (name, protocol, file, items, description). The values are
built from a fixed seed, so every run writes identical bytes.

usage: bench/make_workloads.py OUTDIR [--protocols 5] [--small]
  --small   tiny sizes, for a CI smoke run that keeps the benches from rotting
"""
import argparse
import os
import pickle
import random


def ints(rng, n):
    # Mixed sizes as real data has them: BININT1, BININT2 and BININT (incl. negatives).
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append(rng.randrange(256))
        elif r < 0.7:
            out.append(rng.randrange(256, 65536))
        elif r < 0.9:
            out.append(rng.randrange(65536, 2**31))
        else:
            out.append(-rng.randrange(1, 2**31))
    return out


def workloads(small):
    rng = random.Random(20261124)
    k = 100 if small else 1
    n_ints = 10**6 // k
    n_dict = 10**5 // k
    yield ("ints", ints(rng, n_ints), n_ints, "list of 10^6 ints of mixed sizes")
    d = {"key%d" % i: i for i in range(n_dict)}
    yield ("dict_str_int", d, n_dict, "dict of 10^5 str -> int")
    size = (10 * 2**20) // k
    blob = rng.randbytes(size) if hasattr(rng, "randbytes") else bytes(rng.getrandbits(8) for _ in range(size))
    yield ("bytes_10mb", blob, 1, "one 10 MiB bytes object")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--protocols", default="5")
    ap.add_argument("--small", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    protocols = [int(p) for p in args.protocols.split(",")]
    rows = []
    for name, value, items, desc in workloads(args.small):
        for proto in protocols:
            fname = "%s.p%d.pickle" % (name, proto)
            data = pickle.dumps(value, protocol=proto)
            with open(os.path.join(args.outdir, fname), "wb") as f:
                f.write(data)
            rows.append("%s\t%d\t%s\t%d\t%s" % (name, proto, fname, items, desc))
    with open(os.path.join(args.outdir, "manifest.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()

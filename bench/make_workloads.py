#!/usr/bin/env python3
"""Writes the benchmark workloads: pickles made by CPython from reproducible values.

Each workload is <name>.p<protocol>.pickle in the output directory, plus
manifest.tsv with one row per pickle:

  name  protocol  file  items  category  size  crc32  ceiling  description

  items     what items_per_second counts (list elements, dict entries,
            instances, leaves; 1 for a pyperformance payload: loads/s)
  category  object   built-in containers and scalars (the 10x/5x targets)
            bytes    one large bytes object (the memcpy ceiling)
            class    instances of real classes: picklecheck decodes them to
                     symbolic objects, CPython runs __reduce__/__new__/
                     __setstate__: reported apart, not like for like
  crc32     zlib.crc32 of pickle.dumps(pickle.loads(file), protocol): what the
            encoder must write, byte for byte (the benches check it in setup).
            Every file is a fixed point (dumps(loads(file)) == file): when the
            first dumps is not, the re-dumped bytes are the workload.
  ceiling   "memcpy": the benches also time memcpy of the pickle's size (the
            ceiling for bytes-heavy payloads); "-" otherwise

The values are built from fixed seeds (pyperformance's DICT_GROUP from its
own seed 5), so every run writes identical bytes.

usage: bench/make_workloads.py OUTDIR [--protocols 0,2,4,5] [--small] [--only NAME,...]
  --small   tiny sizes, for a CI smoke run that keeps the benches from rotting
"""
import argparse
import datetime
import os
import pickle
import random
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload_classes  # noqa: E402  (the pickles name workload_classes.Record/Point)

# ---- pyperformance bm_pickle payloads (pyperformance/data-files/benchmarks/bm_pickle) ----

PYPERF_DICT = {
    'ads_flags': 0,
    'age': 18,
    'birthday': datetime.date(1980, 5, 7),
    'bulletin_count': 0,
    'comment_count': 0,
    'country': 'BR',
    'encrypted_id': 'G9urXXAJwjE',
    'favorite_count': 9,
    'first_name': '',
    'flags': 412317970704,
    'friend_count': 0,
    'gender': 'm',
    'gender_for_display': 'Male',
    'id': 302935349,
    'is_custom_profile_icon': 0,
    'last_name': '',
    'locale_preference': 'pt_BR',
    'member': 0,
    'tags': ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
    'profile_foo_id': 827119638,
    'secure_encrypted_id': 'Z_xxx2dYx3t4YAdnmfgyKw',
    'session_number': 2,
    'signup_id': '201-19225-223',
    'status': 'A',
    'theme': 1,
    'time_created': 1225237014,
    'time_updated': 1233134493,
    'unread_message_count': 0,
    'user_group': '0',
    'username': 'collinwinter',
    'play_count': 9,
    'view_count': 7,
    'zip': ''}

PYPERF_TUPLE = (
    [265867233, 265868503, 265252341, 265243910, 265879514,
     266219766, 266021701, 265843726, 265592821, 265246784,
     265853180, 45526486, 265463699, 265848143, 265863062,
     265392591, 265877490, 265823665, 265828884, 265753032], 60)


def pyperf_mutate_dict(orig_dict, random_source):
    # As bm_pickle's mutate_dict: every key is a str, so every value becomes str(float).
    new_dict = dict(orig_dict)
    for key, value in new_dict.items():
        rand_val = random_source.random() * sys.maxsize
        if isinstance(key, (int, bytes, str)):
            new_dict[key] = type(key)(rand_val)
    return new_dict


def pyperf_dict_group():
    random_source = random.Random(5)  # bm_pickle's fixed seed
    return [pyperf_mutate_dict(PYPERF_DICT, random_source) for _ in range(3)]


def pyperf_list():
    return [[list(range(10)), list(range(10))] for _ in range(10)]


def pyperf_micro_dict():
    return dict((key, dict.fromkeys(range(10))) for key in range(100))


# ---- synthetic workloads ----

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


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def short_strs(rng, n):
    # 3-16 letters (about 10 on average); one in twenty has a non-ASCII letter.
    out = []
    for _ in range(n):
        s = "".join(rng.choice(LETTERS) for _ in range(rng.randrange(3, 17)))
        if rng.random() < 0.05:
            s += rng.choice("éüñøß")
        out.append(s)
    return out


def nested_dict(rng, depth, fanout):
    # Five levels of dicts, fresh key strs, leaves of mixed scalar types.
    def leaf(i):
        k = i % 5
        if k == 0:
            return rng.randrange(-10**6, 10**6)
        if k == 1:
            return rng.random() * 1000
        if k == 2:
            return "v%d" % rng.randrange(10**6)
        if k == 3:
            return rng.random() < 0.5
        return None

    def build(d):
        if d == 0:
            return {"field_%d" % i: leaf(i) for i in range(fanout)}
        return {"node_%d_%d" % (d, i): build(d - 1) for i in range(fanout)}

    return build(depth - 1)


def tuple_tree(rng, depth):
    if depth == 0:
        return rng.randrange(1000)
    return (tuple_tree(rng, depth - 1), tuple_tree(rng, depth - 1))


def records(rng, n):
    return [workload_classes.Record(i, "user%d" % i, rng.random() * 100, rng.random() < 0.5)
            for i in range(n)]


def points(rng, n):
    return [workload_classes.Point(rng.randrange(-10**4, 10**4), rng.randrange(-10**4, 10**4),
                                   "p%d" % i) for i in range(n)]


def count(n):
    """10^6, 2x10^6, or the number."""
    for mult in (1, 2):
        for e in range(2, 10):
            if n == mult * 10**e:
                return ("%dx" % mult if mult > 1 else "") + "10^%d" % e
    return "{:,}".format(n)


def workloads(small):
    """Yields (name, make_value, items, category, description); make_value() builds the value."""
    rng = random.Random(20261124)
    k = 1000 if small else 1
    yield ("pyperf_dict", lambda: PYPERF_DICT, 1, "object",
           "pyperformance bm_pickle DICT (a datetime.date: REDUCE)")
    yield ("pyperf_tuple", lambda: PYPERF_TUPLE, 1, "object", "pyperformance bm_pickle TUPLE")
    yield ("pyperf_dict_group", pyperf_dict_group, 1, "object",
           "pyperformance bm_pickle DICT_GROUP (seed 5)")
    yield ("pyperf_list", pyperf_list, 1, "object", "pyperformance pickle_list LIST")
    yield ("pyperf_micro_dict", pyperf_micro_dict, 1, "object", "pyperformance pickle_dict MICRO_DICT")
    n = 10**6 // k
    yield ("ints", lambda: ints(rng, n), n, "object", "list of %s ints of mixed sizes" % count(n))
    n_str = 10**5 // k
    yield ("short_str", lambda: short_strs(rng, n_str), n_str, "object", "list of %s short str" % count(n_str))
    yield ("dict_str_int", lambda: {"key%d" % i: i for i in range(n_str)}, n_str, "object",
           "dict of %s str -> int" % count(n_str))
    depth, fanout = (3, 4) if small else (5, 6)
    yield ("nested_dict", lambda: nested_dict(rng, depth, fanout), fanout ** depth, "object",
           "%d-level nested dict, fanout %d (items: leaves)" % (depth, fanout))
    yield ("floats", lambda: [rng.uniform(-1e6, 1e6) for _ in range(n_str)], n_str, "object",
           "list of %s floats" % count(n_str))
    tdepth = 6 if small else 16
    yield ("tuple_tree", lambda: tuple_tree(rng, tdepth), 2 ** tdepth, "object",
           "binary tuple tree of depth %d (items: leaves)" % tdepth)
    n_obj = max(10**4 // k, 10)
    yield ("objects_newobj", lambda: records(rng, n_obj), n_obj, "class",
           "%s instances (NEWOBJ+BUILD at p2+, copyreg._reconstructor below)" % count(n_obj))
    yield ("objects_reduce", lambda: points(rng, n_obj), n_obj, "class",
           "%s instances with __reduce__ (REDUCE)" % count(n_obj))
    n32 = 2 * 10**6 // k
    yield ("str32", lambda: ["%032x" % rng.getrandbits(128) for _ in range(n32)], n32, "object",
           "list of %s 32-byte str" % count(n32))
    size = (10 * 2**20) // k
    yield ("bytes_10mb", lambda: rng.randbytes(size), 1, "bytes", "one bytes object of %s bytes" % count(size))


# Payload-dominated workloads: memcpy of the pickle's size is their ceiling.
MEMCPY_CEILING = {"bytes_10mb", "str32"}


def fixed_point(value, proto):
    """pickle bytes p with dumps(loads(p), proto) == p, starting from dumps(value)."""
    data = pickle.dumps(value, protocol=proto)
    for _ in range(3):
        again = pickle.dumps(pickle.loads(data), protocol=proto)
        if again == data:
            return data
        data = again
    raise SystemExit("make_workloads: no fixed point for protocol %d" % proto)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--protocols", default="0,2,4,5")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated workload names")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    protocols = [int(p) for p in args.protocols.split(",")]
    only = set(filter(None, args.only.split(",")))
    rows = []
    # Every generator draws from the one seeded stream in a fixed order, so
    # values do not depend on --only or --protocols.
    for name, make, items, category, desc in workloads(args.small):
        value = make()
        if only and name not in only:
            continue
        for proto in protocols:
            fname = "%s.p%d.pickle" % (name, proto)
            data = fixed_point(value, proto)
            with open(os.path.join(args.outdir, fname), "wb") as f:
                f.write(data)
            ceiling = "memcpy" if name in MEMCPY_CEILING else "-"
            rows.append("\t".join([name, str(proto), fname, str(items), category, str(len(data)),
                                   "%08x" % zlib.crc32(data), ceiling, desc]))
    with open(os.path.join(args.outdir, "manifest.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()

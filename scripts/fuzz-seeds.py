#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: corpus/seed/<corpus>/<sha1>.

--target decode (the default; corpus/seed/decode, which fuzz_differential
reads as well): seeds are fuzz inputs in the fuzzer's layout
(harness/fuzz/decode_input.h): a pickle followed by the options tail. They
come from
  * a value zoo (ints at every width boundary, floats, str/bytes of every
    size class, containers, sharing, cycles, sets, frozensets, OrderedDict,
    datetime, Decimal, Fraction, exceptions, class instances with __dict__ and
    __reduce__ of real stdlib classes, out-of-band buffers) pickled with
    pickle.dumps at protocols 0-5, plus a few of them under non-default
    Unpickler options;
  * every hand-made case of harness/pickle/testdata/decoder_cases.tsv (each
    opcode's valid and invalid forms), with its options mapped onto the tail;
  * a few Python 2-style pickles (STRING/BINSTRING under every encoding).

--target differential (corpus/seed/differential; same layout): the inputs
CPython's C unpickler *rejects* among the hand-made edge vectors and the
every-opcode cases of the diff corpus (corpus/seed/diff/vectors/edge_vectors.tsv,
corpus/seed/diff/opcodes.tsv), with their Unpickler options as tails, unless
already a decode seed: rejections are where exception types can diverge, and
accepted inputs are in the decode seeds' value zoo already. (Rejected inputs
only also keeps them cheap for `picklecheck roundtrip corpus/`, which walks
these directories too and skips pickles nobody accepts.)

--target roundtrip (corpus/seed/fuzz_roundtrip): fuzz_roundtrip's inputs
drive a value generator (harness/fuzz/value_text_gen.h), so seeds are
pseudo-random byte strings of every size class (16 B to 2 KiB, from a fixed
PRNG seed) under each options byte (large values allowed in one in seven); `scripts/nightly-fuzz --update-seeds`
adds what fuzzing finds.

Files are named by the sha1 of their content, each under 4 KiB. The output is
the same on every run (hash randomization is pinned, set members are ints).
Without --clean, files already in the directory (e.g. from `-merge=1`) stay.

usage: scripts/fuzz-seeds.py [--target decode|differential|roundtrip] [--out DIR] [--clean]
"""
import argparse
import collections
import datetime
import decimal
import fractions
import hashlib
import os
import pickle
import sys
import types
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_SEED = 4096

# ---- the options tail (mirror of harness/fuzz/decode_input.h) -----------------
ENCODINGS = ["ASCII", "latin1", "utf-8", "bytes", "UTF8", "Latin-1", "koi8_r", "no-such-codec"]
ERRORS = ["strict", "ignore", "replace", "backslashreplace",
          "surrogateescape", "surrogatepass", "xmlcharrefreplace", "no-such-handler"]
MAX_BUFFERS = 3
MAX_BUFFER_BYTES = 0x3F


def tail(fix_imports=True, encoding="ASCII", errors="strict", persistent_load=True, buffers=None):
    """The tail bytes for these options. buffers: None or a list of (bytes, readonly)."""
    flags = (0 if fix_imports else 1) | (0 if persistent_load else 2)
    flags |= ENCODINGS.index(encoding) << 2
    flags |= ERRORS.index(errors) << 5
    out = b""
    bufspec = 0
    if buffers is not None:
        assert len(buffers) <= MAX_BUFFERS
        bufspec = len(buffers) + 1
        # Buffer n-1 is furthest from the end, so it comes first.
        for i in reversed(range(len(buffers))):
            data, readonly = buffers[i]
            assert len(data) <= MAX_BUFFER_BYTES
            out += data + bytes([len(data)])
            if readonly:
                bufspec |= 8 << i
    return out + bytes([bufspec, flags])


DEFAULT_TAIL = tail()
assert DEFAULT_TAIL == b"\0\0"


# ---- the value zoo -------------------------------------------------------------
def zoo():
    shared = [1, 2]
    cyclic_list = []
    cyclic_list.append(cyclic_list)
    cyclic_dict = {}
    cyclic_dict["self"] = cyclic_dict
    tuple_cycle = ([],)
    tuple_cycle[0].append(tuple_cycle)
    ns = types.SimpleNamespace(a=1, b=[2])
    od = collections.OrderedDict([(1, "a"), (2, "b")])
    counter = collections.Counter([1, 1, 2])
    dd = collections.defaultdict(list, {1: [2]})
    return [
        None, True, False,
        0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, 2**63 - 1, -2**63, 2**63,
        2**100, -(2**300),
        0.0, -0.0, 1.5, 1e300, 5e-324, float("inf"), float("-inf"), float("nan"),
        "", "a", "abc" * 10, "\xe9", "\u20ac", "\U0001f600", "\ud800", "a\nb\\c", "x" * 300,
        b"", b"a", b"\x00\xff", bytes(range(64)), b"y" * 300,
        bytearray(b"ab"), bytearray(),
        (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((),),
        [], [1], [None, "s", 1.0], list(range(1005)),
        {}, {1: 2}, {"a": [1], "b": (2,)}, {i: i for i in range(40)},
        set(), {1, 2, 3}, frozenset(), frozenset({1}), {frozenset({1, 2})},
        [shared, shared], {"x": shared, "y": (shared, shared)}, ["s", "s"],
        cyclic_list, cyclic_dict, tuple_cycle,
        od, counter, dd,
        datetime.datetime(2020, 1, 2, 3, 4, 5, 6), datetime.date(2001, 2, 3),
        datetime.timedelta(days=1, seconds=2), datetime.timezone.utc,
        decimal.Decimal("1.5"), fractions.Fraction(1, 3), complex(1, 2),
        range(5), slice(1, 2, None), uuid.UUID(int=12345),
        ValueError("bad", 1), KeyError("k"),
        ns, object(), [object(), object()],
        type(None), len, collections.OrderedDict,
    ]


def zoo_pickles():
    for value in zoo():
        for proto in range(6):
            yield pickle.dumps(value, proto), DEFAULT_TAIL


def special_pickles():
    """Pickles that need non-default options to mean something."""
    # Out-of-band buffers (protocol 5): writable, read-only, too few, None.
    bufs = []
    data = pickle.dumps([pickle.PickleBuffer(bytearray(b"abc")), pickle.PickleBuffer(b"ro")],
                        5, buffer_callback=bufs.append)
    raws = [(bytes(b.raw()), b.raw().readonly) for b in bufs]
    yield data, tail(buffers=raws)
    yield data, tail(buffers=raws[:1])
    yield data, tail(buffers=[])
    yield data, DEFAULT_TAIL
    # Python 2 strings under each encoding and a few handlers.
    for p in [b"S'abc'\np0\n.", b"S'\\xe9\\x80'\n.", b"U\x03\xe9\x80a.", b"T\x02\x00\x00\x00\xff\xfe.",
              b"\x80\x02U\x01\xe9q\x00.", b"(S'a'\nS'\\xff'\ndp0\n."]:
        for enc in ENCODINGS:
            yield p, tail(encoding=enc)
        for err in ERRORS:
            yield p, tail(encoding="utf-8", errors=err)
    # fix_imports and persistent ids.
    for p in [pickle.dumps({1, 2}, 2), pickle.dumps(b"ab", 0), b"c__builtin__\nset\n(]K\x01atR."]:
        yield p, tail(fix_imports=False)
    for p in [b"Pabc\n.", b"X\x01\x00\x00\x00aQ.", b"\x80\x02K\x01Q."]:
        yield p, tail(persistent_load=False)
        yield p, DEFAULT_TAIL


# ---- decoder_cases.tsv -------------------------------------------------------------
def map_case_options(field):
    kw = {}
    for item in filter(None, field.split(",")):
        key, _, value = item.partition("=")
        if key == "enc":
            kw["encoding"] = value if value in ENCODINGS else (
                "no-such-codec" if value in ("nope", "") else "koi8_r")
        elif key == "err":
            kw["errors"] = value if value in ERRORS else "no-such-handler"
        elif key == "fix":
            kw["fix_imports"] = value != "0"
        elif key == "pers":
            kw["persistent_load"] = value != "0"
        elif key == "buf":
            buffers = []
            for spec in filter(None, value.split(";")):
                if spec[:1] in ("r", "w"):  # corpus/README.md: wHEX / rHEX
                    hexdata, readonly = spec[1:], spec[0] == "r"
                else:  # HEX:r
                    hexdata, _, mode = spec.partition(":")
                    readonly = mode == "r"
                buffers.append((bytes.fromhex(hexdata)[:MAX_BUFFER_BYTES], readonly))
            kw["buffers"] = buffers[:MAX_BUFFERS]
    return kw


def case_pickles():
    path = os.path.join(ROOT, "harness", "pickle", "testdata", "decoder_cases.tsv")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            yield bytes.fromhex(fields[2]), tail(**map_case_options(fields[1]))


# ---- differential: rejected edge cases -------------------------------------------
def rejected_vectors():
    sys.path.insert(0, os.path.join(ROOT, "oracles"))
    import pickle_oracle  # noqa: E402 (the C unpickler under the safe policy)
    files = [os.path.join(ROOT, "corpus", "seed", "diff", "vectors", "edge_vectors.tsv"),
             os.path.join(ROOT, "corpus", "seed", "diff", "opcodes.tsv")]
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                data = bytes.fromhex(fields[2])
                kw = map_case_options(fields[1])
                buffers = kw.get("buffers")
                verdict, _ = pickle_oracle.judge_load(
                    data, fix_imports=kw.get("fix_imports", True), encoding=kw.get("encoding", "ASCII"),
                    errors=kw.get("errors", "strict"), persistent=kw.get("persistent_load", True),
                    buffers=None if buffers is None else [(ro, d) for d, ro in buffers])
                if verdict == "E":
                    yield data, tail(**kw)


# ---- roundtrip: generator inputs ------------------------------------------------------
def generator_inputs():
    import random
    rng = random.Random(20240229)
    for size in (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048):
        # Options byte (harness/fuzz/roundtrip_fuzzer.cc): bit 0 fix_imports
        # off, bit 1 in-band buffers, bits 2-4 all set: large values allowed.
        for flags in (0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0x1C, 0x1F):
            yield bytes(rng.randrange(256) for _ in range(size - 1)) + bytes([flags]), b""


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # str hashes decide set order in pickle.dumps output: pin them.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("decode", "differential", "roundtrip"), default="decode")
    parser.add_argument("--out", default=None)
    parser.add_argument("--clean", action="store_true", help="delete other files in --out first")
    args = parser.parse_args()
    corpus = {"decode": "decode", "differential": "differential", "roundtrip": "fuzz_roundtrip"}[args.target]
    args.out = args.out or os.path.join(ROOT, "corpus", "seed", corpus)

    sources = {"decode": lambda: (zoo_pickles(), special_pickles(), case_pickles()),
               "differential": lambda: (rejected_vectors(),),
               "roundtrip": lambda: (generator_inputs(),)}[args.target]()
    skip = set()
    if args.target == "differential":
        decode_dir = os.path.join(ROOT, "corpus", "seed", "decode")
        skip = set(os.listdir(decode_dir)) if os.path.isdir(decode_dir) else set()
    seeds = {}
    for source in sources:
        for payload, opts in source:
            data = payload + opts
            name = hashlib.sha1(data).hexdigest()
            if len(data) < MAX_SEED and name not in skip:
                seeds[name] = data
    os.makedirs(args.out, exist_ok=True)
    if args.clean:
        for name in os.listdir(args.out):
            if name not in seeds and not name.startswith("."):
                os.remove(os.path.join(args.out, name))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
    total = sum(len(d) for d in seeds.values())
    print(f"fuzz-seeds: {len(seeds)} seeds, {total} bytes in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

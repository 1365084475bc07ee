#!/usr/bin/env python3
"""Byte-identity vectors for the encoder (harness/pickle/encoder_test.cc).

Both files are judged by CPython 3.11's C pickler.

harness/pickle/testdata/encoder_vectors.tsv: a zoo of values without
arbitrary classes (so pickle.loads is safe). For every value v and protocol
p, P<p> = pickle.dumps(v, p), and for every q, O<p><q> =
pickle.dumps(pickle.loads(P<p>), q): what the encoder must write after the
decoder read P<p>.
    name <TAB> options <TAB> P0 .. P5 <TAB> O00 O01 .. O05 O10 .. O55

harness/pickle/testdata/encoder_dumps.tsv: canonical texts with stub
classes, stub objects, persistent ids, globals and buffers, pickled by the
CPython oracle (oracles/pickle_oracle.py judge_dump, C pickler), protocols
0-5: what the encoder must write for ParseCanonical(text).
    name <TAB> options <TAB> text <TAB> out0 .. out5

Fields: bytes as lowercase hex, where a run of >= 32 bytes repeating a 1-8
byte pattern is written [<pattern hex>*<count>]; "=N" is the same bytes as
P<N> of the line; "!Type" means CPython raised Type; "U", "R", "X" are the
oracle's unrepresentable / RecursionError / bad-request outcomes. A dump with
out-of-band buffers appends ";" and comma-separated r:<hex> / w:<hex>
(read-only / writable buffers, in order).
options (comma-separated): order=cpython (set elements in CPython's hash
order: the test uses SetOrder::kCPythonSeed0 only), fix=0 (fix_imports=False),
oob (buffer_callback=list.append), protos=DIGITS (a large value is only
checked for these p and q; the other fields are "-").

The script re-runs itself under PYTHONHASHSEED=0 so that str and bytes set
orders are reproducible. Deterministic: same output on every run.

usage: scripts/gen_encoder_vectors.py
"""
import os
import pickle
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'harness', 'pickle', 'testdata')


def rle(b):
    """Hex with runs of a repeated 1-8 byte pattern (>= 32 bytes) as [pat*n]."""
    out = []
    i, n = 0, len(b)
    lit = bytearray()
    while i < n:
        best = None
        for period in range(1, 9):
            if i + 2 * period > n or b[i:i + period] != b[i + period:i + 2 * period]:
                continue
            pat = b[i:i + period]
            j = i + 2 * period
            while j + period <= n and b[j:j + period] == pat:
                j += period
            reps = (j - i) // period
            if reps * period >= 32 and (best is None or reps * period > best[0] * best[1]):
                best = (period, reps)
        if best is None:
            lit.append(b[i])
            i += 1
            continue
        out.append(lit.hex())
        lit = bytearray()
        period, reps = best
        out.append('[%s*%d]' % (b[i:i + period].hex(), reps))
        i += period * reps
    out.append(lit.hex())
    return ''.join(out)


def neg_nan():
    return struct.unpack('>d', b'\xff\xf8' + b'\x00' * 6)[0]


def zoo():
    """(name, value, options) for the loads/dumps vectors."""
    z = []

    def add(name, v, opts=''):
        z.append((name, v, opts))

    add('None', None)
    add('True', True)
    add('False', False)
    ints = [('Zero', 0), ('One', 1), ('Int255', 255), ('Int256', 256), ('Int65535', 65535),
            ('Int65536', 65536), ('MinusOne', -1), ('Minus128', -128), ('Minus129', -129),
            ('Minus256', -256), ('Int32Max', 2**31 - 1), ('Int32Min', -2**31), ('Pow31', 2**31),
            ('Int32MinMinus1', -2**31 - 1), ('Pow32', 2**32), ('Int64Max', 2**63 - 1),
            ('Int64Min', -2**63), ('Pow63', 2**63), ('Pow64', 2**64), ('MinusPow64', -2**64),
            ('Pow100', 2**100), ('Long1Max', 2**(8 * 255 - 1) - 1), ('Long4Min', 2**(8 * 255 - 1)),
            ('Long1MinNeg', -2**(8 * 255 - 1)), ('Long4Neg', -2**(8 * 255 - 1) - 1),
            ('Digits4300', 10**4300 - 1), ('Digits4301', 10**4300), ('NegDigits4301', -10**4300)]
    for name, v in ints:
        add(name, v)
    floats = [('Float0', 0.0), ('FloatNegZero', -0.0), ('Float1_5', 1.5), ('Float0_1', 0.1),
              ('Float3', 3.0), ('Float1e100', 1e100), ('Float1e16', 1e16), ('Float1e15', 1e15),
              ('Float1em5', 1e-5), ('Float1em4', 1e-4), ('FloatInf', float('inf')),
              ('FloatNegInf', float('-inf')), ('FloatNan', float('nan')), ('FloatNegNan', neg_nan()),
              ('FloatDenormMin', 5e-324), ('Float1e22', 1e22), ('FloatBig17', 123456789012345678.0),
              ('FloatMax', 1.7976931348623157e308)]
    for name, v in floats:
        add(name, v)
    strs = [('StrEmpty', ''), ('StrA', 'a'), ('StrE9', '\xe9'), ('StrEuro', '\u20ac'),
            ('StrHello', 'hello'),
            ('StrEscapes', 'a\\b\nc\rd\x00e\x1af\x7fg\x80h\xe9i\u20acj\U0001F600k\tl'),
            ('StrBmpAndMax', '\uabcd\U0010ffff'), ('StrSurrogates', 'x\ud800y\udfffz'),
            ('StrLoneSurrogate', '\udc80'), ('Str255', 'a' * 255), ('Str256', 'a' * 256),
            ('StrUtf8_255', '\xe9' * 127 + 'a'), ('StrUtf8_256', '\xe9' * 128),
            ('StrNewline', '\n'), ('StrBackslash', '\\'), ('StrSub', '\x1a'), ('StrNul', '\x00'),
            ('StrCR', '\r'), ('StrBackslashU', '\\u0041')]
    for name, v in strs:
        add(name, v)
    byts = [('BytesEmpty', b''), ('BytesA', b'a'), ('BytesNul', b'\x00'), ('BytesFF', b'\xff'),
            ('BytesMixed', b'ab\x00\xff\x80'), ('Bytes255', b'a' * 255), ('Bytes256', b'a' * 256),
            ('BytesLatin1Text', bytes(range(256)))]
    for name, v in byts:
        add(name, v)
    xy = bytes([120, 121])
    add('BytesShared', [bytes([97]), bytes([98]), xy, xy])
    add('BytesAndStrA', [b'a', 'a', b'a'])
    add('BytesEmptyTwice', [b'', bytes(0), b'x'])
    add('ByteArrayEmpty', bytearray())
    add('ByteArrayA', bytearray(b'a'))
    add('ByteArrayMixed', bytearray(b'ab\xff'))
    add('ByteArrayTwoA', [bytearray(b'a'), bytearray(b'a')])
    add('ByteArray300', bytearray(b'x' * 300))
    ba = bytearray(b'shared')
    add('ByteArrayShared', [ba, ba])
    # tuples
    add('TupleEmpty', ())
    add('Tuple1', (1,))
    add('Tuple2', (1, 2))
    add('Tuple3', (1, 2, 3))
    add('Tuple4', (1, 2, 3, 4))
    add('TupleNested', ((1, 2), (3,), ((),)))
    t = (1, 2)
    add('TupleShared', [t, t])
    add('TupleEmptyTwice', [(), ()])
    deep = 1
    for _ in range(20):
        deep = (deep,)
    add('TupleDeep', deep)
    for n in (1, 2, 3, 4, 5):
        lst = []
        tup = tuple([lst] + list(range(1, n)))
        lst.append(tup)
        add('TupleRecursive%d' % n, tup)
        add('TupleRecursiveViaList%d' % n, lst)
    lst = []
    tup = (1, lst)
    lst.append(tup)
    add('TupleRecursiveSecond', [tup, lst])
    d = {}
    tup = (d, d)
    d['t'] = tup
    add('TupleRecursiveDict', tup)
    # lists and dicts
    add('ListEmpty', [])
    add('List1', [1])
    add('List2', [1, 2])
    for n in (999, 1000, 1001, 2000, 2001):
        add('ListNone%d' % n, [None] * n)
    lst = []
    lst.append(lst)
    add('ListSelf', lst)
    s = [1]
    add('ListShared', [s, s])
    add('DictEmpty', {})
    add('Dict1', {1: 2})
    add('Dict2', {1: 2, 3: 4})
    add('DictInts1000', {i: None for i in range(1000)}, 'protos=1245')
    add('DictInts2001', {i: None for i in range(2001)}, 'protos=24')
    d = {}
    d['s'] = d
    add('DictSelf', d)
    add('DictStrKeys', {'alpha': 1, 'beta': [2, 3], 'gamma': {'x': None}})
    # sets (small ints: CPython's order is the insertion order)
    add('SetEmpty', set())
    add('Set1', {1})
    add('Set3', {1, 2, 3})
    add('Set1000', set(range(1000)), 'protos=34')
    add('Set1001', set(range(1001)), 'protos=34')
    add('FrozenSetEmpty', frozenset())
    add('FrozenSet2', frozenset({1, 2}))
    add('FrozenSet50', frozenset(range(50)))
    fs = frozenset({5})
    add('FrozenSetShared', [fs, fs, {fs}])
    add('SetOfTuples', {(1, 2), (3, 4)}, 'order=cpython')
    # sets in CPython's hash order (PYTHONHASHSEED=0 for str and bytes)
    add('SetStrs', {'a', 'b', 'c', 'hello', 'world', 'picklecheck'}, 'order=cpython')
    add('SetBytes', {b'x', b'yy', b'zzz', b'', b'\xff'}, 'order=cpython')
    add('SetFloats', {1.5, 2.5, -1.0, 0.1, float('inf'), 1e100}, 'order=cpython')
    add('SetMixed', {1, 'a', b'b', 2.5, (1, 'x'), True, -7, 2**70}, 'order=cpython')
    add('SetCollisions', {8, 16, 24, 32, 1, 9, 17, -8, 2**61 - 1, 2**61, 2**64 + 3}, 'order=cpython')
    add('SetComplex', {1j, 2 + 3j, complex(1.5, -0.0)}, 'order=cpython')
    add('SetFrozenSets', {frozenset({1, 2}), frozenset({'a'}), frozenset()}, 'order=cpython')
    add('SetOfStrs30', {'k%d' % i for i in range(30)}, 'order=cpython')
    add('SetUnicode', {'\u20ac', '\U0001F600', '\xe9', 'a\ud800'}, 'order=cpython')
    add('FrozenSetStrs', frozenset({'one', 'two', 'three', 'four'}), 'order=cpython')
    add('SetNegatives', set(range(-50, 50, 3)), 'order=cpython')
    # shared strs and the memo beyond 255
    s = 'hello'
    add('StrSharedIdentity', [s, s, ''.join(['hel', 'lo'])])
    strs300 = [str(i) + 'x' for i in range(300)]
    add('Memo300', [strs300, strs300[0], strs300[254], strs300[255], strs300[299]])
    s = 'a\nb'
    add('StrEscapedShared', [s, s])
    add('StrSingletons', ['\x1a', '\x1a', '\xe9', '\xe9', '', ''])
    # complex
    c = 1 + 2j
    add('Complex', c)
    add('ComplexShared', [c, c])
    add('ComplexSpecial', [complex(-0.0, float('inf')), complex(float('nan'), 1)])
    # framing (cpython-pickler.md section 12)
    add('FrameBytes65527', bytes([120]) * 65527)
    add('FrameBytes65535', bytes([120]) * 65535)
    add('FrameBytes65536', bytes([120]) * 65536)
    add('FrameListBytes65536', [1, bytes([120]) * 65536, 2])
    add('FrameListBytes65535', [1, bytes([120]) * 65535, 2])
    add('FrameStr65536', 'a' * 65536)
    add('FrameStrUtf8_65536', ['\xe9' * 32768, 1])
    add('FrameTwoBig', [bytes([122]) * 70000, bytes([122]) * 70000])
    add('FrameBigThenSmall', [bytes([120]) * 60000, bytes([121]) * 30000, 1])
    add('FrameByteArray70000', bytearray(70000))
    add('FrameByteArray65535', [bytearray(65535), 1])
    for n in (163, 164):
        add('FrameBoundary%d' % n, [bytes([98]) * n] + [bytes([i % 250 + 1]) * 200 for i in range(400)],
            'protos=345')
    add('FrameManyStrs', ['x' * 1000 + str(i) for i in range(230)], 'protos=45')
    add('FrameNested', [[bytes([113]) * 40000, 1], [bytes([114]) * 40000, (2, 3)], {'k': 'v' * 70000}])
    add('FrameTinyLast', [bytes([120]) * 65536, None])
    # mixed
    add('Mixed', {'list': [1, 2.5, None, True, 'x', b'y', (1, 'z')], 'set': {1, 2}, 'fs': frozenset({3}),
                  'ba': bytearray(b'q'), 'c': 3j, 'big': 2**80, 'neg': -5})
    return z


def judge_zoo(value, opts):
    """[P0..P5], [[O_p0..O_p5] for p] as field strings."""
    protos = range(6)
    for opt in opts.split(','):
        if opt.startswith('protos='):
            protos = [int(c) for c in opt[len('protos='):]]
    ps = []
    raw = []
    for p in range(6):
        if p not in protos:
            raw.append(None)
            ps.append('-')
            continue
        try:
            b = pickle.dumps(value, p)
            raw.append(b)
            ps.append(rle(b))
        except Exception as e:
            raw.append(None)
            ps.append('!' + type(e).__name__)
    outs = []
    for p in range(6):
        row = []
        for q in range(6):
            if raw[p] is None or q not in protos:
                row.append('-')
                continue
            try:
                b = pickle.dumps(pickle.loads(raw[p]), q)
            except Exception as e:
                row.append('!' + type(e).__name__)
                continue
            row.append('=%d' % q if b == raw[q] else rle(b))
        outs.append(row)
    return ps, outs


# Canonical texts for the oracle: (name, text, options).
DUMPS = [
    ('NewNoArgs', 'new(@m:A, ())', ''),
    ('NewArgs', 'new(@m:A, (1, "two"))', ''),
    ('NewOneArg', 'new(@mod:Cls, (None,))', ''),
    ('NewAllOps', 'new(@m:A, (1,)).append(2).setitem("k", 3).build({"x": 1})', ''),
    ('NewAppends2', 'new(@m:A, ()).append(1).append(2)', ''),
    ('NewSetItems2', 'new(@m:A, ()).setitem(1, 2).setitem(3, 4)', ''),
    ('NewBuildState', 'new(@m:A, ()).build((None, {"slot": 1}))', ''),
    ('NewSelfState', '&1 new(@m:A, ()).build({"me": *1})', ''),
    ('NewSelfAppend', '&1 new(@m:A, ()).append(*1)', ''),
    ('NewShared', '[&1 new(@m:A, ()), *1, new(@m:A, ())]', ''),
    ('NewKwargs', 'new(@m:A, (), {"k": 2})', ''),
    ('NewArgsKwargs', 'new(@m:A, (1, 2), {"k": 2, "j": [3]})', ''),
    ('NewKwargsOps', 'new(@m:A, (1,), {"k": 2}).append(5).build(7)', ''),
    ('NewKwargsTwo', '[new(@m:A, (), {"k": 1}), new(@mod:B, (2,), {"j": 3})]', ''),
    ('NewKwargsShared', '[&1 "shared", new(@m:A, (*1,), {"key": *1})]', ''),
    ('CallClass', '@m:A(1, 2)', ''),
    ('CallClassNoArgs', '@m:A()', ''),
    ('CallClassOps', '@m:A(1).append(2).setitem(3, 4).build(5)', ''),
    ('CallInstance', 'call(new(@m:A, ()), 1)', ''),
    ('CallInstanceShared', '[&1 new(@m:A, ()), call(*1, 2), *1]', ''),
    ('CallInstanceNested', 'call(call(@m:f(), 2), 3).append(4)', ''),
    ('CallNested', '@m:f(@m:g(1), @m:g(2))', ''),
    ('PlainObject', 'object()', ''),
    ('PlainObjectShared', '[&1 object(), *1, object()]', ''),
    ('PersIdStr', 'persid("abc")', ''),
    ('PersIdInt', 'persid(42)', ''),
    ('PersIdFloat', 'persid(1.5)', ''),
    ('PersIdBool', 'persid(True)', ''),
    ('PersIdBig', 'persid(123456789012345678901234567890)', ''),
    ('PersIdNonAscii', 'persid("\u00e9")', ''),
    ('PersIdTuple', 'persid((1, 2))', ''),
    ('PersIdShared', '[&1 persid("p"), *1]', ''),
    ('PersIdObject', 'persid(new(@m:A, (1,)))', ''),
    ('PersIdInList', '[1, persid("x"), [persid("y")]]', ''),
    ('Global', '@m:A', ''),
    ('GlobalsSameModule', '[@mod:A, @mod:B, @mod:A]', ''),
    ('GlobalsAndModuleStr', '[@mod:A, "mod", @mod:B]', ''),
    ('GlobalsBuiltinTypes', '[@builtins:set, @builtins:frozenset, @builtins:bytearray, @builtins:bytes, '
                            '@builtins:complex, @builtins:object]', ''),
    ('GlobalsSafeFunctions', '[@_codecs:encode, @copyreg:_reconstructor]', ''),
    ('GlobalsStubBuiltins', '[@builtins:len, @builtins:set, @builtins:str]', ''),
    ('GlobalNested', '@m:A.B', ''),
    ('GlobalNested3', '[@m:A.B.C, @m:A.B, @m:A]', ''),
    ('GlobalNestedShared', '[@mod:Outer, @mod:Outer.Inner, @mod:Outer.Inner]', ''),
    ('GlobalNonAscii', '@"mod\u00e9":x', ''),
    ('GlobalNonAsciiName', '@m:"\u00dc"', ''),
    ('GlobalSpace', '@builtins:"a b"', ''),
    ('GlobalLocals', '@m:"f.<locals>.g"', ''),
    ('FixImportsStr', '[@builtins:str, @builtins:int, @builtins:range, @builtins:len]', ''),
    ('FixImportsOff', '[@builtins:str, @builtins:int, @builtins:len, @copyreg:_reconstructor]', 'fix=0'),
    ('FixImportsNames', '[@collections:UserDict, @builtins:ConnectionError, @builtins:Exception, '
                        '@_functools:reduce, @collections:OrderedDict, @_io:StringIO]', ''),
    ('FixImportsCopyreg', '[@copyreg:x, new(@m:A, ())]', ''),
    ('FixImportsCopyregOff', '[@copyreg:x, new(@m:A, ())]', 'fix=0'),
    ('GlobalNewobjStub', '[@copyreg:__newobj__, new(@m:A, ())]', ''),
    ('CallNewobjNamed', '@copyreg:__newobj__(@m:A, 1)', ''),
    ('CallNewobjSelf', '@m:__newobj__(@m:__newobj__, 1)', ''),
    ('CallNewobjEmpty', '@m:__newobj__()', ''),
    ('CallNewobjExSelf', '@m:__newobj_ex__(@m:__newobj_ex__, (1,), {"k": 2})', ''),
    ('CallNewobjExBadLength', '@m:__newobj_ex__(@m:__newobj_ex__, 1)', ''),
    ('GlobalSurrogateName', '@m:"\\ud800"', ''),
    ('ModuleStrSharing', '[@builtins:set, @builtins:frozenset, @mod:A, @mod:B, @m:C, @m:D]', ''),
    ('MemoLongBinPut', '[[' + ', '.join(('&%d ' % {0: 1, 254: 2, 255: 3, 299: 4}[i] if i in (0, 254, 255, 299) else '')
                                        + '"s%d"' % i for i in range(300)) + '], *1, *2, *3, *4]', ''),
    ('BufferInBand', '[buffer(0, b"ab"), buffer(1, b"cd", readonly)]', ''),
    ('BufferShared', '[&1 buffer(0, b"ab"), *1, &2 buffer(1, b"cd", readonly), *2]', ''),
    ('BufferOob', '[&1 buffer(0, b"ab"), *1, buffer(1, b"cd", readonly)]', 'oob'),
    ('ReadOnlyView', 'readonly(bytearray(b"ab"))', ''),
    ('OpsAdd', 'new(@m:A, ()).add(1)', ''),
    ('OpsBuildNone', 'new(@m:A, ()).build(None)', ''),
    ('OpsBuildThenAppend', 'new(@m:A, ()).build(1).append(2)', ''),
    ('OpsTwoBuilds', 'new(@m:A, ()).build(1).build(2)', ''),
    ('OpsSetItemThenAppend', 'new(@m:A, ()).setitem(1, 2).append(3)', ''),
    ('OpsOnPersId', 'persid("x").append(1)', ''),
    ('PersIdNone', 'persid(None)', ''),
    ('SetOfObjects', '&1 {new(@m:A, ()).build(*1)}', ''),
    ('FrozenSetOfObjectRecursive', '&1 frozenset({new(@m:A, ()).build({*1})})', ''),
    ('SetOfObjectRecursive', '[&1 new(@m:A, ()), {*1}]', ''),
    ('ComplexValue', '[complex(1.0, 2.0), @builtins:complex]', ''),
    ('MixedBytesP2', '[b"ab", bytearray(b"cd"), b"", bytearray(b"")]', ''),
    ('DeepList400', '[' * 400 + ']' * 400, ''),
]


# Batching of save_reduce's listitems/dictitems iterators (the items do not
# matter, so they repeat and compress).
for _n in (1, 1000, 1001, 2001):
    DUMPS.append(('NewAppends%d' % _n, 'new(@m:A, ())' + '.append(None)' * _n, ''))
for _n in (1, 1000, 1001):
    DUMPS.append(('NewSetItems%d' % _n, 'new(@m:A, ())' + '.setitem(None, 0)' * _n, ''))


def judge_dumps(po, text, opts):
    fix = 'fix=0' not in opts.split(',')
    oob = 'oob' in opts.split(',')
    outs = []
    for q in range(6):
        kind, payload = po.judge_dump(text, q, 'c', fix_imports=fix, out_of_band=oob)
        if kind == 'B':
            data, bufs = payload
            field = rle(data)
            if bufs:
                field += ';' + ','.join(('r:' if ro else 'w:') + d.hex() for ro, d in bufs)
            outs.append(field)
        elif kind == 'E':
            outs.append('!' + payload[0])
        else:
            outs.append(kind)
    return outs


def main():
    if os.environ.get('PYTHONHASHSEED') != '0':
        env = dict(os.environ, PYTHONHASHSEED='0')
        sys.exit(subprocess.call([sys.executable] + sys.argv, env=env))
    header = ('# Generated by scripts/gen_encoder_vectors.py under PYTHONHASHSEED=0 (%s); '
              'edit the cases there.\n' % sys.version.split()[0])
    lines = [header, '# name\toptions\tP0..P5\tO00..O55\n']
    for name, value, opts in zoo():
        ps, outs = judge_zoo(value, opts)
        fields = [name, opts] + ps + [o for row in outs for o in row]
        lines.append('\t'.join(fields) + '\n')
    with open(os.path.join(OUT_DIR, 'encoder_vectors.tsv'), 'w') as f:
        f.writelines(lines)

    sys.path.insert(0, os.path.join(ROOT, 'oracles'))
    import pickle_oracle as po
    lines = [header, '# name\toptions\ttext\tout0..out5\n']
    for name, text, opts in DUMPS:
        outs = judge_dumps(po, text, opts)
        lines.append('\t'.join([name, opts, text] + outs) + '\n')
    with open(os.path.join(OUT_DIR, 'encoder_dumps.tsv'), 'w') as f:
        f.writelines(lines)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Conformance vectors for pickle codecs: writes corpus/conformance/.

    python3 scripts/gen_conformance_vectors.py            # regenerate corpus/conformance/
    python3 scripts/gen_conformance_vectors.py --check    # regenerate in memory, compare, exit 1 on drift
    python3 scripts/gen_conformance_vectors.py --list-sources

Every vector is a pickle (plus pickle.loads options) with CPython's verdict,
in the spirit of JSONTestSuite (y_ must be accepted, n_ must be rejected, i_
is implementation-defined) and Wycheproof (flags that say what a vector
exercises). The format is documented in harness/conform/VECTORS.md.

Judges. The expected result is what CPython 3.11's C unpickler does under the
oracle's safe policy (oracles/pickle_oracle.py judge_load, run in this
process, which must be CPython 3.11). Every vector is also loaded by the pure-
Python unpickler of this interpreter and, through oracle processes, by the C
and pure-Python unpicklers of every other CPython found (--interpreters,
default /root/.pyenv/versions/3.*/bin/python; interpreters without the
vector's protocol are not asked). A vector on which they disagree (accepted
vs rejected, or accepted with different canonical values) is i_, with every
answer listed; so is a rejection that comes from the safe policy's stand-ins
rather than from the pickle machine (flag StubSemantics). Answers that are no
verdict (MemoryError under the oracle's limits, RecursionError, 'U') are not
counted; a vector the judge itself cannot answer is dropped.

Sources, in order (the first source of a given (pickle, options) names it):
  gen:*            hand-made here: every opcode's valid forms at every protocol,
                   generic invalid forms (truncated argument, stack underflow,
                   a MARK where an object belongs), framing, memo, text numbers,
                   unhashable keys, real-world shapes (numpy/pandas-like
                   reduce patterns, datetime, OrderedDict, cloudpickle/dill
                   style calls, torch-like persistent ids), Python 2 pickles
  decoder_cases:*  harness/pickle/testdata/decoder_cases.tsv
  edge:*, zoo:*    harness/pickle/testdata/{edge,zoo}_vectors.tsv
  regress:*        corpus/regress/{decode,differential}/* (findings of the fuzzers
                   whose inputs are pickles), when present

Ids are `<Level>.cpython-c.P<proto>.<OPCODE>.<Case>` (shared/STYLE.md): Level
is Required for y_/n_ (the C unpickler judges) and Advisory for i_. They are
derived from the sources' names, never from positions, so regenerating with
the same interpreters gives the same ids. Deterministic: the script re-runs
itself with PYTHONHASHSEED=0 and RLIMIT_AS = 1 GiB (as the oracle does).
"""

import argparse
import collections
import copyreg
import datetime
import functools
import glob
import io
import json
import os
import pickle
import pickletools
import re
import struct
import subprocess
import sys
import threading
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE_DIR = os.path.join(ROOT, 'oracles')
ORACLE_SCRIPT = os.path.join(ORACLE_DIR, 'pickle_oracle.py')
OUT_DIR = os.path.join(ROOT, 'corpus', 'conformance')
TESTDATA = os.path.join(ROOT, 'harness', 'pickle', 'testdata')
# Fuzz targets whose inputs are a pickle plus the options tail
# (harness/fuzz/decode_input.h); fuzz_roundtrip's inputs drive a generator.
REGRESS_DIRS = [os.path.join(ROOT, 'corpus', 'regress', d) for d in ('decode', 'differential')]
MEMORY_LIMIT = 1 << 30
FORMAT_VERSION = 1

sys.path.insert(0, ORACLE_DIR)
import pickle_oracle as po  # noqa: E402

H = bytes.fromhex


def _reexec_deterministic():
    if os.environ.get('PYTHONHASHSEED') == '0':
        return
    env = dict(os.environ, PYTHONHASHSEED='0')
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


# ---------------------------------------------------------------------------
# Opcode table and a tolerant scanner
# ---------------------------------------------------------------------------

OPS = {op.code.encode('latin1')[0]: op for op in pickletools.opcodes}
OP_BY_NAME = {op.name: op for op in pickletools.opcodes}

FAMILY = {}
for _fam, _names in [
        ('int', 'INT BININT BININT1 BININT2 LONG LONG1 LONG4'),
        ('const', 'NONE NEWTRUE NEWFALSE'),
        ('float', 'FLOAT BINFLOAT'),
        ('string', 'STRING BINSTRING SHORT_BINSTRING'),
        ('bytes', 'BINBYTES SHORT_BINBYTES BINBYTES8 BYTEARRAY8'),
        ('unicode', 'UNICODE SHORT_BINUNICODE BINUNICODE BINUNICODE8'),
        ('buffer', 'NEXT_BUFFER READONLY_BUFFER'),
        ('tuple', 'EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3'),
        ('list', 'EMPTY_LIST APPEND APPENDS LIST'),
        ('dict', 'EMPTY_DICT DICT SETITEM SETITEMS'),
        ('set', 'EMPTY_SET ADDITEMS FROZENSET'),
        ('stack', 'POP DUP MARK POP_MARK'),
        ('memo', 'GET BINGET LONG_BINGET PUT BINPUT LONG_BINPUT MEMOIZE'),
        ('ext', 'EXT1 EXT2 EXT4'),
        ('global', 'GLOBAL STACK_GLOBAL'),
        ('object', 'REDUCE BUILD INST OBJ NEWOBJ NEWOBJ_EX'),
        ('persid', 'PERSID BINPERSID'),
        ('machine', 'PROTO STOP FRAME'),
        ('unknown', 'UNKNOWN'),
        ('stream', 'STREAM')]:
    for _n in _names.split():
        FAMILY[_n] = _fam
assert set(OP_BY_NAME) <= set(FAMILY), set(OP_BY_NAME) - set(FAMILY)


class Op(object):
    __slots__ = ('pos', 'info', 'arg', 'end', 'complete')

    def __init__(self, pos, info, arg, end, complete):
        self.pos, self.info, self.arg, self.end, self.complete = pos, info, arg, end, complete

    @property
    def name(self):
        return self.info.name if self.info else 'UNKNOWN'


def scan(data):
    """Opcode boundaries as pickletools.genops finds them, without validating
    arguments: [Op], stopping after STOP, at an unknown byte, or at an
    argument that runs past the end (complete=False)."""
    ops = []
    pos = 0
    n = len(data)
    while pos < n:
        info = OPS.get(data[pos])
        if info is None:
            ops.append(Op(pos, None, b'', pos + 1, False))
            break
        a = pos + 1
        arg = info.arg
        end = a
        ok = True
        if arg is not None:
            if arg.n >= 0:
                end = a + arg.n
            elif arg.n == pickletools.UP_TO_NEWLINE:
                nl = data.find(b'\n', a)
                if nl >= 0 and arg.name == 'stringnl_noescape_pair':
                    nl = data.find(b'\n', nl + 1)
                end = n + 1 if nl < 0 else nl + 1
            else:
                width = {-2: 1, -3: 4, -4: 4, -5: 8}[arg.n]
                if a + width > n:
                    end = n + 1
                else:
                    ln = int.from_bytes(data[a:a + width], 'little', signed=(arg.n == -3))
                    end = n + 1 if ln < 0 else a + width + ln
        if end > n:
            ok = False
        ops.append(Op(pos, info, data[a:min(end, n)], min(end, n), ok))
        if not ok or info.name == 'STOP':
            break
        pos = end
    return ops


def declared_protocol(ops):
    for op in ops:
        if op.name == 'PROTO' and op.complete and op.arg:
            return op.arg[0]
    return None


def vector_protocol(ops):
    """P<n> of the id: the PROTO argument, else the highest opcode protocol (0/1)."""
    p = declared_protocol(ops)
    if p is not None:
        return p
    # No PROTO: protocol 0 (text opcodes only) or 1 (binary opcodes, which
    # newer opcodes are too: a headerless pickle with NEWTRUE is "P1").
    return min(1, max([op.info.proto for op in ops if op.info] or [0]))


def needed_protocol(ops, opts):
    """The lowest pickle.HIGHEST_PROTOCOL an interpreter needs to be asked."""
    p = max([op.info.proto for op in ops if op.info] or [0])
    d = declared_protocol(ops)
    if d is not None and d <= 5:
        p = max(p, d)
    if opts.buffers is not None:
        p = max(p, 5)
    return p


# ---------------------------------------------------------------------------
# Options and candidates
# ---------------------------------------------------------------------------

class Options(object):
    __slots__ = ('fix', 'enc', 'err', 'pers', 'buffers')

    def __init__(self, fix=True, enc='ASCII', err='strict', pers=False, buffers=None):
        self.fix, self.enc, self.err, self.pers, self.buffers = fix, enc, err, pers, buffers

    def key(self):
        return (self.fix, self.enc, self.err, self.pers,
                None if self.buffers is None else tuple((bool(r), bytes(d)) for r, d in self.buffers))

    def kwargs(self):
        return dict(fix_imports=self.fix, encoding=self.enc, errors=self.err,
                    persistent=self.pers, buffers=self.buffers)

    def json(self):
        return collections.OrderedDict([
            ('fix_imports', self.fix), ('encoding', self.enc), ('errors', self.err),
            ('persistent_load', self.pers),
            ('buffers', None if self.buffers is None else
             [collections.OrderedDict([('readonly', bool(r)), ('hex', bytes(d).hex())])
              for r, d in self.buffers])])

    def is_default(self):
        return (self.fix and self.enc == 'ASCII' and self.err == 'strict' and not self.pers
                and self.buffers is None)


def parse_tsv_options(text, default_pers):
    o = Options(pers=default_pers)
    if not text:
        return o
    for part in text.split(','):
        k, _, v = part.partition('=')
        if k == 'fix':
            o.fix = v != '0'
        elif k == 'enc':
            o.enc = v
        elif k == 'err':
            o.err = v
        elif k == 'pers':
            o.pers = v != '0'
        elif k == 'buf':
            o.buffers = []
            for b in filter(None, v.split(';')):
                if ':' in b:  # decoder_cases: HEX:r / HEX:w
                    hx, _, mode = b.partition(':')
                    o.buffers.append((mode == 'r', H(hx)))
                else:         # gen_vectors: rHEX / wHEX
                    o.buffers.append((b[0] == 'r', H(b[1:])))
        else:
            raise ValueError('unknown option %r' % part)
    return o


class Cand(object):
    """A vector before judging."""
    __slots__ = ('case', 'data', 'opts', 'opcode', 'flags', 'comment', 'source', 'family')

    def __init__(self, case, data, opts=None, opcode=None, flags=(), comment='', source='',
                 family=None):
        self.case, self.data, self.opts = case, bytes(data), opts or Options()
        self.opcode, self.flags, self.comment, self.source = opcode, set(flags), comment, source
        self.family = family


CASE_RE = re.compile(r'[^A-Za-z0-9_-]+')


def case_name(s):
    """A Case part: CamelCase words from any source name ('leading_zero.p2' -> 'LeadingZeroP2')."""
    parts = [p for p in CASE_RE.split(s.replace('.', '_').replace('-', '_')) if p]
    out = []
    for p in parts:
        for w in p.split('_'):
            if w:
                out.append(w[0].upper() + w[1:])
    return ''.join(out) or 'Case'


# ---------------------------------------------------------------------------
# Byte helpers for hand-made pickles
# ---------------------------------------------------------------------------

def u1(n):
    return bytes([n])


def u2(n):
    return struct.pack('<H', n)


def i4(n):
    return struct.pack('<i', n)


def u4(n):
    return struct.pack('<I', n)


def u8(n):
    return struct.pack('<Q', n)


def proto(p):
    return b'\x80' + u1(p)


def frame(payload):
    return b'\x95' + u8(len(payload)) + payload


def sbu(s):
    b = s.encode('utf-8', 'surrogatepass')
    return b'\x8c' + u1(len(b)) + b


def bu(s):
    b = s.encode('utf-8', 'surrogatepass')
    return b'X' + u4(len(b)) + b


def glob_(module, name):
    return b'c' + module.encode() + b'\n' + name.encode() + b'\n'


def header(p):
    """PROTO for protocols 2+, nothing below (what pickle.dumps writes)."""
    return proto(p) if p >= 2 else b''


def wrap(p, body, framed=False):
    if framed and p >= 4:
        return proto(p) + frame(body + b'.')
    return header(p) + body + b'.'


# Minimal valid uses of every opcode (no PROTO, no STOP): body, options.
BUF_AB = [(False, b'ab')]
VALID_BODIES = collections.OrderedDict([
    ('INT', [('Small', b'I42\n'), ('Negative', b'I-7\n')]),
    ('BININT', [('MinusOne', b'J' + i4(-1)), ('Big', b'J' + i4(2 ** 31 - 1))]),
    ('BININT1', [('Byte', b'K\xff')]),
    ('BININT2', [('Word', b'M\x00\x01')]),
    ('LONG', [('Suffix', b'L12345678901234567890L\n'), ('NoSuffix', b'L-5\n')]),
    ('LONG1', [('TwoPow64', b'\x8a\x09' + (2 ** 64).to_bytes(9, 'little')), ('Zero', b'\x8a\x00'),
               ('MinusOne', b'\x8a\x01\xff')]),
    ('LONG4', [('Small', b'\x8b' + u4(2) + b'\xff\x7f'), ('Zero', b'\x8b' + u4(0))]),
    ('STRING', [('Single', b"S'abc'\n"), ('Double', b'S"a\'b"\n'), ('Escapes', b"S'\\x41\\n\\''\n")]),
    ('BINSTRING', [('Ascii', b'T' + u4(3) + b'abc')]),
    ('SHORT_BINSTRING', [('Ascii', b'U\x03abc')]),
    ('BINBYTES', [('Small', b'B' + u4(3) + b'a\x00\xff')]),
    ('SHORT_BINBYTES', [('Small', b'C\x03a\x00\xff')]),
    ('BINBYTES8', [('Small', b'\x8e' + u8(3) + b'abc')]),
    ('BYTEARRAY8', [('Small', b'\x96' + u8(3) + b'abc')]),
    ('NEXT_BUFFER', [('Writable', b'\x97', BUF_AB), ('ReadOnlyBuffer', b'\x97', [(True, b'ab')])]),
    ('READONLY_BUFFER', [('OnWritable', b'\x97\x98', BUF_AB)]),
    ('NONE', [('None', b'N')]),
    ('NEWTRUE', [('True', b'\x88')]),
    ('NEWFALSE', [('False', b'\x89')]),
    ('UNICODE', [('RawUnicodeEscape', b'Vabc\\u20ac\n'), ('Latin1Byte', b'Vcaf\xe9\n')]),
    ('SHORT_BINUNICODE', [('Utf8', sbu('caf\xe9 \u20ac'))]),
    ('BINUNICODE', [('Utf8', bu('\U0001f600'))]),
    ('BINUNICODE8', [('Utf8', b'\x8d' + u8(3) + b'abc')]),
    ('FLOAT', [('Decimal', b'F1.5\n'), ('Exponent', b'F-1e-300\n')]),
    ('BINFLOAT', [('OnePointFive', b'G' + struct.pack('>d', 1.5)),
                  ('NegativeZero', b'G' + struct.pack('>d', -0.0))]),
    ('EMPTY_LIST', [('Empty', b']')]),
    ('APPEND', [('One', b']K\x01a')]),
    ('APPENDS', [('Two', b'](K\x01K\x02e'), ('Empty', b'](e')]),
    ('LIST', [('Two', b'(K\x01K\x02l'), ('Empty', b'(l')]),
    ('EMPTY_TUPLE', [('Empty', b')')]),
    ('TUPLE', [('Two', b'(K\x01K\x02t'), ('Empty', b'(t')]),
    ('TUPLE1', [('One', b'K\x01\x85')]),
    ('TUPLE2', [('Two', b'K\x01K\x02\x86')]),
    ('TUPLE3', [('Three', b'K\x01K\x02K\x03\x87')]),
    ('EMPTY_DICT', [('Empty', b'}')]),
    ('DICT', [('OnePair', b'(K\x01K\x02d'), ('Empty', b'(d')]),
    ('SETITEM', [('OnePair', b'}K\x01K\x02s')]),
    ('SETITEMS', [('TwoPairs', b'}(K\x01K\x02K\x03K\x04u')]),
    ('EMPTY_SET', [('Empty', b'\x8f')]),
    ('ADDITEMS', [('Two', b'\x8f(K\x01K\x02\x90')]),
    ('FROZENSET', [('Two', b'(K\x01K\x02\x91'), ('Empty', b'(\x91')]),
    ('POP', [('Discard', b'K\x01K\x020')]),
    ('DUP', [('Pair', b'K\x012\x86'), ('SharedList', b']2\x86')]),
    ('MARK', [('ListOfOne', b'(K\x01l')]),
    ('POP_MARK', [('Discard', b'K\x01(K\x02K\x031')]),
    ('GET', [('Shared', b'(]p0\ng0\nt')]),
    ('BINGET', [('Shared', b'(]q\x00h\x00t')]),
    ('LONG_BINGET', [('Shared', b'(]r' + u4(0) + b'j' + u4(0) + b't')]),
    ('PUT', [('Index', b']p7\n')]),
    ('BINPUT', [('Index', b']q\x07')]),
    ('LONG_BINPUT', [('Index', b']r' + u4(7))]),
    ('MEMOIZE', [('Shared', b'(]\x94h\x00t')]),
    ('GLOBAL', [('Stub', glob_('m', 'A')), ('SafeBuiltin', glob_('builtins', 'set'))]),
    ('STACK_GLOBAL', [('Stub', sbu('m') + sbu('A') + b'\x93')]),
    ('REDUCE', [('StubCall', glob_('m', 'f') + b'K\x01\x85R'),
                ('BuiltinSet', glob_('builtins', 'set') + b']K\x01a\x85R')]),
    ('BUILD', [('DictState', glob_('m', 'A') + b')R}' + sbu('x') + b'K\x01sb')]),
    ('INST', [('NoArgs', b'(im\nA\n'), ('Args', b'(K\x01im\nA\n')]),
    ('OBJ', [('NoArgs', b'(' + glob_('m', 'A') + b'o')]),
    ('NEWOBJ', [('NoArgs', glob_('m', 'A') + b')\x81')]),
    ('NEWOBJ_EX', [('Kwargs', glob_('m', 'A') + b')}' + sbu('k') + b'K\x01s\x92')]),
    ('PERSID', [('Ascii', b'Pref1\n', 'pers')]),
    ('BINPERSID', [('Str', sbu('ref1') + b'Q', 'pers')]),
    ('FRAME', [('Whole', None)]),   # made separately
    ('PROTO', [('Two', None)]),
    ('STOP', [('AfterNone', b'N')]),
])


def body_parts(entry):
    case, body = entry[0], entry[1]
    extra = entry[2] if len(entry) > 2 else None
    opts = Options()
    if extra == 'pers':
        opts.pers = True
    elif isinstance(extra, list):
        opts.buffers = extra
    return case, body, opts


# ---------------------------------------------------------------------------
# Hand-made candidates
# ---------------------------------------------------------------------------

def gen_opcode_forms(out):
    """Each opcode: its valid forms at every protocol, and generic invalid forms."""
    for name, entries in VALID_BODIES.items():
        op = OP_BY_NAME[name]
        for entry in entries:
            case, body, opts = body_parts(entry)
            if body is None:
                continue
            for p in range(6):
                flags = {'ValidForm'} | ({'OpcodeAboveProto'} if op.proto > p else set())
                out.append(Cand('Valid%s' % case, wrap(p, body), opts, opcode=name, flags=flags,
                                source='gen:opcode'))
            p = max(op.proto, 2) if op.proto >= 2 else op.proto
            # Generic invalid forms at the opcode's own protocol.
            ops = scan(body + b'.')
            last = [o for o in ops if o.info is op]
            if op.arg is not None and last:
                o = last[-1]
                cut = o.pos + 1 + max(0, (o.end - o.pos - 1) // 2)
                out.append(Cand('%sTruncatedArgument' % case, header(p) + body[:cut], opts,
                                opcode=name, flags={'TruncatedArgument'}, source='gen:opcode',
                                comment='the input ends inside the argument of ' + name))
                if o.end - o.pos > 1:
                    out.append(Cand('%sArgumentOnly' % case, header(p) + body[:o.pos + 1], opts,
                                    opcode=name, flags={'TruncatedArgument'}, source='gen:opcode',
                                    comment='the input ends right after the opcode byte'))
            out.append(Cand('%sNoStop' % case, header(p) + body, opts, opcode=name, flags={'NoStop'},
                            source='gen:opcode', comment='a valid body without STOP'))
            out.append(Cand('%sTrailingBytes' % case, header(p) + body + b'.junk\xff', opts,
                            opcode=name, flags={'TrailingBytes'}, source='gen:opcode',
                            comment='bytes after STOP are never read'))
        if op.stack_before and name not in ('STOP',):
            p = max(op.proto, 2) if op.proto >= 2 else op.proto
            code = op.code.encode('latin1')
            arg = b''
            if op.arg is not None:
                arg = {'INST': b'm\nA\n', 'PUT': b'0\n'}.get(name, b'\x00' * max(op.arg.n, 0))
            out.append(Cand('AloneUnderflow', header(p) + code + arg + b'N.', Options(), opcode=name,
                            source='gen:opcode',
                            comment=name + ' on an empty stack'))
            out.append(Cand('OnMark', header(p) + b'(' + code + arg + b'N.', Options(), opcode=name,
                            source='gen:opcode', flags={'MarkAsObject'},
                            comment=name + ' finds a MARK where it expects an object'))


def gen_protocols(out):
    for p in range(7):
        out.append(Cand('Declared%d' % p, proto(p) + b'N.', opcode='PROTO', source='gen:proto'))
    out.append(Cand('Declared255', proto(255) + b'N.', opcode='PROTO', source='gen:proto'))
    out.append(Cand('Repeated', proto(2) + proto(4) + b'N.', opcode='PROTO', flags={'ProtoRepeated'},
                    source='gen:proto'))
    out.append(Cand('RepeatedDowngrade', proto(4) + proto(0) + b'N.', opcode='PROTO',
                    flags={'ProtoRepeated'}, source='gen:proto'))
    out.append(Cand('NotFirst', b'N' + proto(2) + b'.', opcode='PROTO', flags={'ProtoNotFirst'},
                    source='gen:proto'))
    out.append(Cand('Truncated', b'\x80', opcode='PROTO', source='gen:proto'))
    out.append(Cand('InsideFrame', proto(4) + frame(proto(4) + b'N.'), opcode='PROTO',
                    source='gen:proto'))
    out.append(Cand('Only', proto(4) + b'.', opcode='STOP', source='gen:proto'))
    out.append(Cand('EmptyInput', b'', opcode='STREAM', flags={'EmptyInput'}, source='gen:stream'))
    out.append(Cand('OnlyStop', b'.', opcode='STOP', source='gen:stream'))
    out.append(Cand('StopWithTwoItems', b'NN.', opcode='STOP', source='gen:stream'))
    out.append(Cand('StopOnMark', b'(.', opcode='STOP', source='gen:stream'))
    out.append(Cand('ValueNoStop', b'N', opcode='STREAM', flags={'NoStop'}, source='gen:stream'))
    out.append(Cand('TwoPickles', b'K\x01.K\x02.', opcode='STREAM', flags={'TrailingBytes'},
                    source='gen:stream'))
    out.append(Cand('NulAfterStop', b'N.\x00', opcode='STREAM', flags={'TrailingBytes'},
                    source='gen:stream'))


def gen_framing(out):
    body = b'K\x01.'
    add = lambda case, data, flags=(), comment='': out.append(  # noqa: E731
        Cand(case, data, opcode='FRAME', flags=set(flags) | {'Framed'}, comment=comment,
             source='gen:framing'))
    for p in (4, 5):
        add('WholeP%d' % p, proto(p) + frame(body))
    for p in (0, 1, 2, 3):
        add('BelowProtocol4P%d' % p, header(p) + frame(body), {'OpcodeAboveProto'},
            'FRAME is accepted at any declared protocol')
    add('Empty', proto(4) + frame(b'') + body, {'FrameEmpty'})
    add('TwoFrames', proto(4) + frame(b'K\x01') + frame(b'.'))
    add('StraddleOpcode', proto(4) + b'\x95' + u8(2) + b'\x8c\x03abc.', {'FrameStraddle'},
        'SHORT_BINUNICODE starts inside the frame and ends after it')
    add('StraddleNoneStop', H('9502000000000000009501000000000000004e2e'), {'FrameStraddle'},
        'the 2-byte frame holds the next FRAME header\'s first bytes')
    add('StraddleBinint', proto(4) + b'\x95' + u8(3) + b'J\x01\x00\x00\x00.', {'FrameStraddle'})
    add('StraddleFrameHeader', proto(4) + b'\x95' + u8(4) + b'N\x95' + u8(1) + b'.', {'FrameStraddle'})
    add('PayloadTruncated', proto(4) + b'\x95' + u8(10) + b'N.', {'FrameShort'},
        'the frame claims more bytes than the input has')
    add('LengthTruncated', proto(4) + b'\x95\x05\x00', {'TruncatedArgument'})
    add('HugeLength', proto(4) + b'\x95' + u8(2 ** 63 - 1) + b'N.', {'FrameShort', 'HugeLength'})
    add('MaxLength', proto(4) + b'\x95' + u8(2 ** 64 - 1) + b'N.', {'FrameShort', 'HugeLength'})
    add('Nested', proto(4) + frame(frame(b'N.')), {'FrameNested'},
        'a FRAME opcode inside a frame')
    add('NestedShorter', proto(4) + b'\x95' + u8(12) + frame(b'N') + b'.', {'FrameNested'})
    add('StopOutsideFrame', proto(4) + frame(b'N') + b'.')
    add('BigPayloadUnframed', proto(4) + frame(b']') + b'B' + u4(70000) + b'x' * 70000 + frame(b'a.'),
        {'LargeArgument'}, 'what pickle.dumps writes for a 64 KiB+ bytes payload')
    add('FrameAfterStop', proto(4) + frame(b'N.') + b'\x95', {'TrailingBytes'})


def gen_memo(out):
    add = lambda case, data, flags=(), comment='', opcode='GET': out.append(  # noqa: E731
        Cand(case, data, opcode=opcode, flags=set(flags) | {'Memo'}, comment=comment,
             source='gen:memo'))
    big = 2 ** 32 - 1
    add('HugeIndexRoundTrip', proto(2) + b'(]r' + u4(big) + b'j' + u4(big) + b't.', {'HugeMemoIndex'},
        'memo index 2**32-1: a dict-like memo is needed', opcode='LONG_BINGET')
    add('HugeIndexMissing', proto(2) + b'j' + u4(big) + b'.', {'HugeMemoIndex'}, opcode='LONG_BINGET')
    add('HugeTextIndexRoundTrip', b'(]p99999999999\ng99999999999\nt.', {'HugeMemoIndex'},
        opcode='GET')
    add('TextIndexPastSsize', b'(]p99999999999999999999\ng99999999999999999999\nt.',
        {'HugeMemoIndex'}, 'PUT index beyond Py_ssize_t', opcode='PUT')
    add('NegativePut', b']p-1\n.', {'NegativeMemoIndex'}, opcode='PUT')
    add('NegativeGet', b']p0\n0g-1\n.', {'NegativeMemoIndex'}, opcode='GET')
    add('PutOverwrite', proto(2) + b'(]q\x00}q\x00h\x00t.', {'MemoOverwrite'},
        'the second BINPUT 0 replaces the first', opcode='BINPUT')
    add('GetBeforePut', proto(2) + b'h\x00].', {'MemoMissing'}, opcode='BINGET')
    add('MemoizeAfterOverwrite', proto(4) + b'(]q\x00\x94}\x94h\x00h\x01h\x02t.', {'MemoOverwrite'},
        'MEMOIZE uses len(memo), not the highest index', opcode='MEMOIZE')
    add('MemoizeAfterHugePut', proto(4) + b'(]r' + u4(1000) + b'}\x94h\x01t.', {'HugeMemoIndex'},
        opcode='MEMOIZE')
    add('MemoizeEmptyStack', proto(4) + b'\x94N.', {'StackUnderflow'}, opcode='MEMOIZE')
    add('PutOnEmptyStack', proto(2) + b'q\x00N.', opcode='BINPUT')
    add('GetSharesMutable', proto(2) + b']q\x00h\x00K\x01ah\x00\x86.', {'Shared'},
        'the list appended to is the one GET returns', opcode='BINGET')
    add('GetTupleShares', proto(2) + b'K\x01\x85q\x00h\x00\x86.', {'Shared'}, opcode='BINGET')
    add('TextPutSpaces', b']p 1\ng1\n\x86.', {'TextIntWhitespace'}, opcode='PUT')
    add('TextPutPlus', b']p+1\ng1\n.', {'TextIntSign'}, opcode='PUT')
    add('TextPutUnderscore', b']p1_0\ng10\n.', {'TextIntUnderscore'}, opcode='PUT')
    add('TextGetOctalLooking', b']p010\ng10\n.', {'TextIntOctal'}, opcode='GET')
    add('TextPutEmpty', b']p\n.', opcode='PUT')
    add('TextGetNotNumber', b']p0\ng0x\n.', opcode='GET')
    add('RecursiveList', proto(2) + b']q\x00h\x00a.', {'Cycle'}, opcode='BINGET')
    add('RecursiveDict', proto(2) + b'}q\x00U\x04selfh\x00s.', {'Cycle'}, opcode='BINGET')
    add('RecursiveTupleViaList', proto(2) + b']q\x00h\x00\x85q\x01a0h\x01.', {'Cycle'},
        opcode='BINGET')
    add('LongBinPutSmallIndex', proto(2) + b']r' + u4(1) + b'h\x01.', opcode='LONG_BINPUT')


def gen_text_numbers(out):
    add = lambda opcode, case, data, flags=(), opts=None: out.append(  # noqa: E731
        Cand(case, data, opts, opcode=opcode, flags=set(flags), source='gen:text'))
    ints = [('Octal', b'010', 'TextIntOctal'), ('OctalPrefix', b'0o17', 'TextIntPrefix'),
            ('Hex', b'0x1F', 'TextIntPrefix'), ('Binary', b'0b101', 'TextIntPrefix'),
            ('Bool00', b'00', 'TextIntBool'), ('Bool01', b'01', 'TextIntBool'),
            ('Underscore', b'1_000', 'TextIntUnderscore'), ('LeadingUnderscore', b'_1', 'TextIntUnderscore'),
            ('Plus', b'+5', 'TextIntSign'), ('DoubleSign', b'--5', 'TextIntSign'),
            ('Spaces', b' 12 ', 'TextIntWhitespace'), ('Tab', b'\t3', 'TextIntWhitespace'),
            ('Huge', b'123456789012345678901234567890', 'TextIntHuge'),
            ('LongSuffix', b'12L', 'TextLongSuffix'), ('Empty', b'', None), ('Letters', b'abc', None),
            ('Float', b'1.0', None), ('NonAscii', b'\xd9\xa3', 'NonAscii'),
            ('FullwidthDigit', '\uff11'.encode('utf-8'), 'NonAscii'),
            ('MaxInt64', b'9223372036854775807', None), ('MinInt64Minus1', b'-9223372036854775809', 'TextIntHuge')]
    for case, arg, flag in ints:
        add('INT', case, b'I' + arg + b'\n.', {flag} if flag else ())
    longs = [('Suffix', b'5L', 'TextLongSuffix'), ('LowerSuffix', b'5l', 'TextLongSuffix'),
             ('DoubleSuffix', b'5LL', 'TextLongSuffix'), ('OnlySuffix', b'L', 'TextLongSuffix'),
             ('Octal', b'010L', 'TextIntOctal'), ('Hex', b'0x10L', 'TextIntPrefix'),
             ('Underscore', b'1_0', 'TextIntUnderscore'), ('Spaces', b' 7 ', 'TextIntWhitespace'),
             ('Huge', b'1' * 100 + b'L', 'TextIntHuge'), ('Empty', b'', None)]
    for case, arg, flag in longs:
        add('LONG', case, b'L' + arg + b'\n.', {flag} if flag else ())
    floats = [('Inf', b'inf', 'TextFloatSpecial'), ('MinusInfinity', b'-Infinity', 'TextFloatSpecial'),
              ('Nan', b'nan', 'TextFloatSpecial'), ('Underscore', b'1_0.5', 'TextFloatUnderscore'),
              ('Hex', b'0x1p3', 'TextIntPrefix'), ('Spaces', b' 1.5 ', 'TextIntWhitespace'),
              ('ExponentNoDot', b'1e5', None), ('Overflow', b'1e400', 'Overflow'), ('Empty', b'', None),
              ('Comma', b'1,5', None), ('TrailingDot', b'1.', None), ('LeadingDot', b'.5', None),
              ('IntLiteral', b'3', None), ('Denormal', b'5e-324', None)]
    for case, arg, flag in floats:
        add('FLOAT', case, b'F' + arg + b'\n.', {flag} if flag else ())
    # Binary number edge values at every width.
    for case, data in [('BinintMin', b'J' + i4(-2 ** 31)), ('BinintMax', b'J' + i4(2 ** 31 - 1)),
                       ('Long1NonMinimal', b'\x8a\x02\x01\x00'), ('Long1NegativeNonMinimal', b'\x8a\x02\xff\xff'),
                       ('Long4NegativeLength', b'\x8b' + i4(-1)),
                       ('Long1Big', b'\x8a\xff' + b'\xff' * 254 + b'\x7f')]:
        opcode = {'J': 'BININT', '\x8a': 'LONG1', '\x8b': 'LONG4'}[chr(data[0])]
        add(opcode, case, proto(2) + data + b'.')
    for case, bits in [('Nan', 0x7ff8000000000000), ('NegativeNan', 0xfff8000000000000),
                       ('SignallingNan', 0x7ff0000000000001), ('Infinity', 0x7ff0000000000000),
                       ('NegativeZero', 0x8000000000000000), ('Denormal', 1)]:
        add('BINFLOAT', case, proto(2) + b'G' + struct.pack('>Q', bits) + b'.', {'BinFloatSpecial'})


def gen_strings(out):
    add = lambda opcode, case, data, flags=(), opts=None: out.append(  # noqa: E731
        Cand(case, data, opts, opcode=opcode, flags=set(flags), source='gen:strings'))
    enc_variants = [('', Options()), ('Latin1', Options(enc='latin1')), ('Bytes', Options(enc='bytes')),
                    ('Utf8', Options(enc='utf-8')), ('Utf8Replace', Options(enc='utf-8', err='replace')),
                    ('Utf8Surrogateescape', Options(enc='utf-8', err='surrogateescape')),
                    ('UnknownCodec', Options(enc='no-such-codec'))]
    payloads = [('Ascii', b'abc'), ('Latin1', b'caf\xe9'), ('Utf8', 'caf\xe9'.encode('utf-8')),
                ('Binary', b'\x00\xff\x80')]
    for pname, payload in payloads:
        for oname, opts in enc_variants:
            flags = {'Py2String'}
            if not opts.is_default():
                flags.add('EncodingOption')
            add('SHORT_BINSTRING', pname + oname, proto(2) + b'U' + u1(len(payload)) + payload + b'.', flags, opts)
            add('BINSTRING', pname + oname, b'T' + u4(len(payload)) + payload + b'.', flags, opts)
            esc = b''.join(bytes([c]) if 0x20 <= c < 0x7f and c not in b"\\'" else b'\\x%02x' % c
                           for c in payload)
            add('STRING', pname + oname, b"S'" + esc + b"'\n.", flags, opts)
    strings = [('Unquoted', b'abc'), ('MismatchedQuotes', b'\'abc"'), ('OneQuote', b"'"),
               ('EmptyQuotes', b"''"), ('BadEscape', b"'\\q'"), ('TrailingBackslash', b"'abc\\'"),
               ('ShortHexEscape', b"'\\x4'"), ('OctalEscape', b"'\\101'"), ('RawNonAscii', b"'\xe9'"),
               ('TrailingSpace', b"'abc' "), ('DoubleQuoted', b'"abc"'), ('QuoteInside', b"'a'b'")]
    for case, arg in strings:
        add('STRING', case, b'S' + arg + b'\n.', {'Py2String', 'StringQuoting'})
    unis = [('LoneSurrogateUtf8', bu('\ud800'), 'LoneSurrogate'),
            ('SurrogatePairUtf8', b'X' + u4(6) + b'\xed\xa0\xbd\xed\xb8\x80', 'LoneSurrogate'),
            ('OverlongUtf8', b'X' + u4(2) + b'\xc0\x80', 'BadUtf8'),
            ('TruncatedUtf8', b'X' + u4(1) + b'\xe2', 'BadUtf8'),
            ('BeyondUnicode', b'X' + u4(4) + b'\xf4\x90\x80\x80', 'BadUtf8'),
            ('Nul', bu('\x00'), None)]
    for case, data, flag in unis:
        add('BINUNICODE', case, proto(2) + data + b'.', {flag} if flag else ())
    texts = [('EscapeU', b'\\u20ac', None), ('EscapeBigU', b'\\U0001f600', None),
             ('EscapeSurrogate', b'\\ud800', 'LoneSurrogate'), ('BadEscape', b'\\u12', 'RawUnicodeEscape'),
             ('BackslashN', b'a\\nb', 'RawUnicodeEscape'), ('Latin1Raw', b'\xe9\xff', 'NonAscii'),
             ('Utf8Raw', '\u20ac'.encode('utf-8'), 'NonAscii'), ('CarriageReturn', b'a\rb', None),
             ('EscapeBeyondUnicode', b'\\U00110000', 'RawUnicodeEscape')]
    for case, arg, flag in texts:
        add('UNICODE', case, b'V' + arg + b'\n.', {flag} if flag else ())


def gen_unhashable(out):
    add = lambda opcode, case, data, flags=(): out.append(  # noqa: E731
        Cand(case, data, opcode=opcode, flags=set(flags) | {'UnhashableKey'}, source='gen:hash'))
    add('SETITEM', 'ListKey', proto(2) + b'}]K\x01s.')
    add('SETITEM', 'DictKey', proto(2) + b'}}K\x01s.')
    add('SETITEM', 'ByteArrayKey', proto(5) + b'}\x96' + u8(1) + b'aK\x01s.')
    add('SETITEMS', 'TupleWithListKey', proto(2) + b'}(]\x85K\x01u.')
    add('DICT', 'ListKey', b'(lI1\nd.')
    add('ADDITEMS', 'ListItem', proto(4) + b'\x8f(]\x90.')
    add('FROZENSET', 'SetItem', proto(4) + b'(\x8f\x91.')
    add('SETITEM', 'StubInstanceKey', proto(2) + b'}' + glob_('m', 'A') + b')\x81K\x01s.')
    add('SETITEM', 'GlobalKey', proto(2) + b'}' + glob_('m', 'A') + b'K\x01s.')
    add('SETITEM', 'FrozenSetKey', proto(4) + b'}(K\x01\x91K\x01s.')
    add('SETITEM', 'RecursiveTupleKey', proto(2) + b'}]q\x00h\x00\x85q\x01a0h\x01K\x01s.')
    add('ADDITEMS', 'NanItems', proto(4) + b'\x8f(G' + struct.pack('>d', float('nan')) + b'G'
        + struct.pack('>d', float('nan')) + b'\x90.')
    add('SETITEMS', 'EqualKeysFirstWins', proto(2) + b'}(K\x01U\x01aG?\xf0\x00\x00\x00\x00\x00\x00U\x01b\x88U\x01cu.')


# ---------------------------------------------------------------------------
# Real-world shapes, written by CPython's own pickler from stand-in classes
# ---------------------------------------------------------------------------

class FakeModules(object):
    """Registers stand-in modules so pickle's save_global finds their names."""

    def __init__(self):
        self.mods = {}

    def module(self, name):
        m = self.mods.get(name)
        if m is None:
            m = types.ModuleType(name)
            self.mods[name] = m
            parent, _, child = name.rpartition('.')
            if parent:
                setattr(self.module(parent), child, m)
        return m

    def put(self, module, obj, name=None):
        name = name or obj.__name__
        obj.__module__ = module
        obj.__qualname__ = name
        if isinstance(obj, type) or callable(obj):
            try:
                obj.__name__ = name.rpartition('.')[2]
            except (AttributeError, TypeError):
                pass
        setattr(self.module(module), name, obj)
        return obj

    def __enter__(self):
        self.saved = {k: sys.modules.get(k) for k in self.mods}
        sys.modules.update(self.mods)
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def _fn(name):
    def f(*args, **kwargs):
        raise AssertionError('stand-in %s called' % name)
    return f


class Reducer(object):
    """An object whose __reduce__ is given."""

    def __init__(self, *reduce_value):
        self.reduce_value = reduce_value

    def __reduce__(self):
        return self.reduce_value

    def __call__(self, *a):  # save_reduce wants callables
        raise AssertionError


def realworld_values():
    """[(opcode, case, flags, value, comment, buffers_mode)]; runs inside FakeModules."""
    fm = FakeModules()
    np_ma = 'numpy.core.multiarray'
    _reconstruct = fm.put(np_ma, _fn('_reconstruct'), '_reconstruct')
    scalar = fm.put(np_ma, _fn('scalar'), 'scalar')
    np2_recon = fm.put('numpy._core.multiarray', _fn('_reconstruct'), '_reconstruct')
    frombuffer = fm.put('numpy.core.numeric', _fn('_frombuffer'), '_frombuffer')

    class ndarray(object):
        pass
    fm.put('numpy', ndarray, 'ndarray')

    class dtype(object):
        pass
    fm.put('numpy', dtype, 'dtype')

    def np_dtype(spec, endian='<', names=None, fields=None, itemsize=-1, align=-1, flags=0):
        return Reducer(dtype, (spec, False, True), (3, endian, None, names, fields, itemsize, align, flags))

    def np_array(shape, dt, data, fortran=False, recon=_reconstruct):
        return Reducer(recon, (ndarray, (0,), b'b'), (1, shape, dt, fortran, data))

    f8 = np_dtype('f8')
    i8 = np_dtype('i8')
    o8 = np_dtype('O8', '|', flags=63)
    vals = []
    add = lambda *a: vals.append(a)  # noqa: E731
    raw = struct.pack('<3d', 1.0, 2.5, -0.0)
    add('REDUCE', 'NumpyNdarrayFloat64', {'NumpyLike'}, np_array((3,), f8, raw),
        'numpy.core.multiarray._reconstruct(ndarray, (0,), b"b") + BUILD (1, shape, dtype, fortran, bytes)', None)
    add('REDUCE', 'NumpyNdarray2d', {'NumpyLike'}, np_array((2, 2), i8, struct.pack('<4q', 1, 2, 3, 4)),
        None, None)
    add('REDUCE', 'NumpyNdarrayObject', {'NumpyLike'}, np_array((2,), o8, ['a', None]),
        'object arrays carry a list as BUILD data', None)
    add('REDUCE', 'NumpyNdarrayFortran', {'NumpyLike'}, np_array((1, 2), f8, raw[:16], True), None, None)
    add('REDUCE', 'NumpyScalar', {'NumpyLike'}, Reducer(scalar, (f8, struct.pack('<d', 3.5))),
        'numpy.core.multiarray.scalar(dtype, bytes)', None)
    add('REDUCE', 'Numpy2Ndarray', {'NumpyLike'}, np_array((1,), i8, struct.pack('<q', 7), recon=np2_recon),
        'numpy 2 moved the module to numpy._core', None)
    rec = np_dtype('V16', '|', names=('x', 'y'), fields={'x': (f8, 0), 'y': (i8, 8)}, itemsize=16,
                   align=1, flags=16)
    add('REDUCE', 'NumpyStructuredDtype', {'NumpyLike'}, np_array((1,), rec, b'\x00' * 16), None, None)
    shared = np_array((3,), f8, raw)
    add('REDUCE', 'NumpySharedArray', {'NumpyLike', 'Shared'}, [shared, shared, {'a': shared}], None, None)
    pbr = pickle.PickleBuffer(bytearray(raw))
    add('REDUCE', 'NumpyFromBufferInBand', {'NumpyLike'}, Reducer(frombuffer, (pbr, f8, (3,), 'C')),
        'protocol 5: numpy.core.numeric._frombuffer(PickleBuffer, dtype, shape, order)', 'inband')
    add('REDUCE', 'NumpyFromBufferOutOfBand', {'NumpyLike', 'OutOfBandBuffers'},
        Reducer(frombuffer, (pbr, f8, (3,), 'C')), 'the same with buffer_callback', 'oob')
    pbro = pickle.PickleBuffer(raw)
    add('REDUCE', 'NumpyFromReadonlyBuffer', {'NumpyLike', 'OutOfBandBuffers'},
        Reducer(frombuffer, (pbro, f8, (3,), 'C')), None, 'oob')

    # pandas-like
    class DataFrame(object):
        pass
    fm.put('pandas.core.frame', DataFrame, 'DataFrame')

    class Series(object):
        pass
    fm.put('pandas.core.series', Series, 'Series')

    class BlockManager(object):
        def __getstate__(self):
            return self.state

        def __setstate__(self, s):
            pass
    fm.put('pandas.core.internals.managers', BlockManager, 'BlockManager')

    class SingleBlockManager(BlockManager):
        pass
    fm.put('pandas.core.internals.managers', SingleBlockManager, 'SingleBlockManager')

    class Index(object):
        pass
    fm.put('pandas.core.indexes.base', Index, 'Index')

    class RangeIndex(object):
        pass
    fm.put('pandas.core.indexes.range', RangeIndex, 'RangeIndex')
    new_index = fm.put('pandas.core.indexes.base', _fn('_new_Index'), '_new_Index')
    unpickle_block = fm.put('pandas._libs.internals', _fn('_unpickle_block'), '_unpickle_block')
    unpickle_ts = fm.put('pandas._libs.tslibs.timestamps', _fn('_unpickle_timestamp'), '_unpickle_timestamp')

    def pd_frame():
        cols = Reducer(new_index, (Index, {'data': np_array((2,), o8, ['a', 'b']), 'name': None}))
        rows = Reducer(new_index, (RangeIndex, {'name': None, 'start': 0, 'stop': 3, 'step': 1}))
        values = np_array((2, 3), i8, struct.pack('<6q', *range(6)))
        block = Reducer(unpickle_block, (values, slice(0, 2, None), 2))
        mgr = BlockManager()
        mgr.state = (None, [cols, rows], [block], {'0.14.1': {'axes': [cols, rows],
                                                              'blocks': [{'values': values,
                                                                          'mgr_locs': slice(0, 2, 1)}]}})
        df = DataFrame()
        df.__dict__.update({'_mgr': mgr, '_typ': 'dataframe', '_metadata': [], 'attrs': {},
                            '_flags': {'allows_duplicate_labels': True}})
        return df
    add('NEWOBJ', 'PandasDataFrame', {'PandasLike', 'NumpyLike'}, pd_frame(),
        'DataFrame: object.__reduce_ex__ (copyreg.__newobj__ / _reconstructor) with a BlockManager', None)
    s = Series()
    smgr = SingleBlockManager()
    smgr.state = ([Reducer(new_index, (RangeIndex, {'name': None, 'start': 0, 'stop': 2, 'step': 1}))],
                  [np_array((2,), f8, raw[:16])], [], None)
    s.__dict__.update({'_mgr': smgr, '_typ': 'series', '_metadata': ['_name'], 'attrs': {},
                       '_flags': {'allows_duplicate_labels': True}, '_name': 'x'})
    add('NEWOBJ', 'PandasSeries', {'PandasLike', 'NumpyLike'}, s, None, None)
    add('REDUCE', 'PandasTimestamp', {'PandasLike'},
        Reducer(unpickle_ts, (1577934245000000006, None, None, 10)), None, None)

    # cloudpickle / dill style: REDUCE on REDUCE results, functools.partial
    builtin_type = fm.put('cloudpickle.cloudpickle', _fn('_builtin_type'), '_builtin_type')
    make_function = fm.put('cloudpickle.cloudpickle', _fn('_make_function'), '_make_function')
    make_cell = fm.put('cloudpickle.cloudpickle', _fn('_make_empty_cell'), '_make_empty_cell')
    fsetstate = fm.put('cloudpickle.cloudpickle', _fn('_function_setstate'), '_function_setstate')
    code_type = Reducer(builtin_type, ('CodeType',))
    code = Reducer(code_type, (2, 0, 0, 2, 2, 67, b'|\x00|\x01\x17\x00S\x00', (None,), (), ('a', 'b'),
                               '<stdin>', 'add', 1, b''))
    cell = Reducer(make_cell, ())
    fn = Reducer(make_function, (code, {'__package__': None, '__name__': '__main__'}, 'add', None, (cell,)),
                 ({'__name__': 'add', '__qualname__': 'add', '__module__': '__main__', '__defaults__': None},
                  None))
    add('REDUCE', 'CloudpickleFunction', {'CloudpickleLike', 'ReduceOnReduce'}, fn,
        'cloudpickle: _builtin_type("CodeType") called with code args, _make_function, state', None)
    load_type = fm.put('dill._dill', _fn('_load_type'), '_load_type')
    create_function = fm.put('dill._dill', _fn('_create_function'), '_create_function')
    create_code = fm.put('dill._dill', _fn('_create_code'), '_create_code')
    dfn = Reducer(create_function, (Reducer(create_code, (1, 0, 0, 1, 1, 67, b'd\x01S\x00', (None, 1), (),
                                                          ('x',), '<x>', 'f', 1, b'')),
                                    {}, 'f', None, None))
    add('REDUCE', 'DillFunction', {'DillLike'}, [Reducer(load_type, ('function',)), dfn], None, None)
    add('REDUCE', 'DillTypeCall', {'DillLike', 'ReduceOnReduce'},
        Reducer(Reducer(load_type, ('SimpleNamespace',)), ()), 'calls the result of _load_type(...)', None)
    mod_fn = fm.put('mymod', _fn('work'), 'work')
    add('REDUCE', 'FunctoolsPartial', {'Partial'}, functools.partial(mod_fn, 1, k=2),
        'functools.partial: REDUCE (partial, (f,)) + BUILD (f, args, kwds, dict)', None)
    add('REDUCE', 'FunctoolsPartialNested', {'Partial', 'ReduceOnReduce'},
        functools.partial(functools.partial(mod_fn, 1), 2), None, None)

    # torch-like: persistent ids for storages (persistent_load needed)
    class Storage(object):
        pass
    fm.put('torch', Storage, 'FloatStorage')
    rebuild = fm.put('torch._utils', _fn('_rebuild_tensor_v2'), '_rebuild_tensor_v2')
    tensor = Reducer(rebuild, (PersRef(('storage', Storage, '0', 'cpu', 6)), 0, (2, 3), (3, 1), False,
                               collections.OrderedDict()))
    add('BINPERSID', 'TorchTensor', {'TorchLike', 'PersistentId'},
        collections.OrderedDict([('weight', tensor), ('bias', tensor)]),
        'torch.save: _rebuild_tensor_v2(persistent_load(("storage", ...)), ...)', 'pers')

    # scikit-learn-like: REDUCE + BUILD with a structured array
    tree_cls = fm.put('sklearn.tree._tree', type('Tree', (object,), {}), 'Tree')
    add('BUILD', 'SklearnTree', {'SklearnLike', 'NumpyLike'},
        Reducer(tree_cls, (4, np_array((1,), i8, struct.pack('<q', 1)), 1),
                {'max_depth': 2, 'node_count': 3, 'nodes': np_array((3,), rec, b'\x01' * 48),
                 'values': np_array((3, 1, 1), f8, b'\x00' * 24)}), None, None)
    return fm, vals


class PersRef(object):
    def __init__(self, pid):
        self.pid = pid


class PersPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if type(obj) is PersRef:
            return obj.pid
        return None


def stdlib_values():
    utc = datetime.timezone.utc
    plus2 = datetime.timezone(datetime.timedelta(hours=2), 'CEST')
    return [
        ('REDUCE', 'DatetimeNaive', {'Datetime'}, datetime.datetime(2020, 1, 2, 3, 4, 5, 6)),
        ('REDUCE', 'DatetimeUtc', {'Datetime'}, datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=utc)),
        ('REDUCE', 'DatetimeOffset', {'Datetime'}, datetime.datetime(1999, 12, 31, 23, 59, tzinfo=plus2)),
        ('REDUCE', 'DatetimeFold', {'Datetime'}, datetime.datetime(2021, 11, 7, 1, 30, fold=1)),
        ('REDUCE', 'Date', {'Datetime'}, datetime.date(1, 1, 1)),
        ('REDUCE', 'Time', {'Datetime'}, datetime.time(23, 59, 59, 999999)),
        ('REDUCE', 'Timedelta', {'Datetime'}, datetime.timedelta(days=-1, microseconds=1)),
        ('REDUCE', 'DatetimeList', {'Datetime', 'Shared'}, [datetime.date(2020, 1, 1)] * 2),
        ('REDUCE', 'OrderedDict', {'OrderedDict'}, collections.OrderedDict([('b', 1), ('a', [2])])),
        ('REDUCE', 'OrderedDictEmpty', {'OrderedDict'}, collections.OrderedDict()),
        ('REDUCE', 'OrderedDictNested', {'OrderedDict'},
         collections.OrderedDict([('x', collections.OrderedDict([('y', 1)]))])),
        ('REDUCE', 'Defaultdict', {'StdlibReduce'}, collections.defaultdict(list, {'a': [1]})),
        ('REDUCE', 'Deque', {'StdlibReduce'}, collections.deque([1, 2], maxlen=3)),
        ('REDUCE', 'Counter', {'StdlibReduce'}, collections.Counter('aab')),
        ('REDUCE', 'Slice', {'StdlibReduce'}, slice(1, None, -1)),
        ('REDUCE', 'Range', {'StdlibReduce'}, range(0, 10, 3)),
        ('REDUCE', 'Complex', {'SafeBuiltin'}, complex(1.5, -2)),
        ('REDUCE', 'SetOfStr', {'SafeBuiltin'}, {'a', 'b'}),
        ('REDUCE', 'Bytearray', {'SafeBuiltin'}, bytearray(b'\x00\xff')),
        ('REDUCE', 'Exception', {'StdlibReduce'}, ValueError('bad', 1)),
    ]


def gen_realworld(out):
    fm, vals = realworld_values()
    with fm:
        for opcode, case, flags, value, comment, mode in vals:
            for p in range(6):
                if mode in ('inband', 'oob') and p < 5:
                    continue
                opts = Options()
                if mode == 'oob':
                    bufs = []
                    data = pickle.dumps(value, p, buffer_callback=bufs.append)
                    spec = []
                    for pb in bufs:
                        with pb.raw() as m:
                            spec.append((bool(m.readonly), m.tobytes()))
                    opts.buffers = spec
                elif mode == 'pers':
                    f = io.BytesIO()
                    try:
                        PersPickler(f, p).dump(value)
                    except pickle.PicklingError:
                        continue  # protocol 0: persistent ids must be ASCII str
                    data = f.getvalue()
                    opts.pers = True
                else:
                    try:
                        data = pickle.dumps(value, p)
                    except (pickle.PicklingError, TypeError) as e:
                        continue
                out.append(Cand(case, data, opts, opcode=opcode, flags=set(flags) | {'CPythonDumps'},
                                comment=comment or '', source='gen:realworld'))
                if mode == 'pers':
                    out.append(Cand(case + 'NoPersistentLoad', data, Options(), opcode=opcode,
                                    flags=set(flags) | {'CPythonDumps'}, source='gen:realworld',
                                    comment='the same pickle loaded without persistent_load'))
                if mode == 'oob':
                    out.append(Cand(case + 'NoBuffers', data, Options(), opcode='NEXT_BUFFER',
                                    flags=set(flags) | {'CPythonDumps'}, source='gen:realworld',
                                    comment='the same pickle loaded with buffers=None'))
    for opcode, case, flags, value in stdlib_values():
        for p in range(6):
            out.append(Cand(case, pickle.dumps(value, p), opcode=opcode, flags=set(flags) | {'CPythonDumps'},
                            source='gen:stdlib'))


# Python 2 pickles, written the way Python 2.7's pickle/cPickle write them.
DT_STATE = b'\x07\xe4\x01\x02\x03\x04\x05\x00\x00\x06'


def py2_pickles():
    """(case, bytes, flags, comment). Hand-written in Python 2.7's exact output."""
    esc = ''.join('\\x%02x' % c for c in DT_STATE).encode()
    return [
        ('DictP0', b"(dp0\nS'a'\np1\nI1\nsS'b'\np2\n(lp3\nI2\naI3\nas.", set(), None),
        ('SetP0', b"c__builtin__\nset\np0\n((lp1\nI1\naI2\natp2\nRp3\n.", {'FixImportsName'}, None),
        ('SetP2', b'\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.', {'FixImportsName'}, None),
        ('ReconstructorP0', b"ccopy_reg\n_reconstructor\np0\n(c__main__\nFoo\np1\nc__builtin__\nobject\np2\n"
         b"Ntp3\nRp4\n(dp5\nS'x'\np6\nI1\nsb.", {'CopyRegReconstructor', 'FixImportsName'},
         'new-style instance at protocol 0: copy_reg._reconstructor(cls, object, None) + BUILD'),
        ('ReconstructorP1', b"ccopy_reg\n_reconstructor\nq\x00(c__main__\nFoo\nq\x01c__builtin__\nobject\n"
         b"q\x02Ntq\x03Rq\x04}q\x05U\x01xq\x06K\x01sb.", {'CopyRegReconstructor', 'FixImportsName'}, None),
        ('ReconstructorWithBase', b"ccopy_reg\n_reconstructor\np0\n(c__main__\nMyList\np1\nc__builtin__\n"
         b"list\np2\n(lp3\nI1\natp4\nRp5\n.", {'CopyRegReconstructor', 'FixImportsName'},
         'a list subclass: _reconstructor(cls, list, [1])'),
        ('OldStyleInstance', b"(i__main__\nOld\np0\n(dp1\nS'a'\np2\nI1\nsb.", {'OldStyleClass'}, None),
        ('OldStyleInstanceP1', b'(c__main__\nOld\nq\x00o}q\x01U\x01aK\x01sb.', {'OldStyleClass'}, None),
        ('OldStyleInitArgs', b"(I1\nS'x'\ni__main__\nOld\np0\n(dp1\nb.", {'OldStyleClass'},
         '__getinitargs__: INST with arguments'),
        ('UnicodeP0', b'Vcaf\\u00e9 \\u20ac\np0\n.', set(), 'unicode at protocol 0: raw-unicode-escape'),
        ('LongP0', b'L12345678901234567890L\np0\n.', {'TextLongSuffix'}, None),
        ('IntBoolP0', b'(I01\nI00\nt.', {'TextIntBool'}, 'Python 2.2 wrote True/False as I01/I00'),
        ('XrangeP2', b'\x80\x02c__builtin__\nxrange\nq\x00K\x00K\nK\x01\x87q\x01Rq\x02.',
         {'FixImportsName'}, 'xrange maps to builtins.range'),
        ('ExceptionP0', b"cexceptions\nValueError\np0\n(S'bad'\np1\ntp2\nRp3\n.", {'FixImportsName'}, None),
        ('UserDictP0', b"(iUserDict\nUserDict\np0\n(dp1\nS'data'\np2\n(dp3\nsb.", {'FixImportsName', 'OldStyleClass'},
         'UserDict.UserDict maps to collections.UserDict'),
        ('ReduceBuiltinP2', b'\x80\x02c__builtin__\nreduce\nq\x00.', {'FixImportsName'},
         '__builtin__.reduce maps to functools.reduce'),
        ('UnicodeTypeP2', b'\x80\x02c__builtin__\nunicode\nq\x00.', {'FixImportsName'}, None),
        ('BasestringP2', b'\x80\x02c__builtin__\nbasestring\nq\x00.', {'FixImportsName'}, None),
        ('DatetimeP0', b"cdatetime\ndatetime\np0\n(S'" + esc + b"'\np1\ntp2\nRp3\n.", {'Datetime'},
         'datetime state is a Python 2 str: ASCII fails, latin1/bytes load'),
        ('DatetimeP2', b'\x80\x02cdatetime\ndatetime\nq\x00U\n' + DT_STATE + b'q\x01\x85q\x02Rq\x03.',
         {'Datetime'}, None),
        ('DateP2', b'\x80\x02cdatetime\ndate\nq\x00U\x04\x07\xe4\x01\x02q\x01\x85q\x02Rq\x03.', {'Datetime'}, None),
        ('NumpyArrayP2', b'\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01K\x00\x85q\x02'
         b'U\x01bq\x03\x87q\x04Rq\x05(K\x01K\x02\x85q\x06cnumpy\ndtype\nq\x07U\x02f8q\x08K\x00K\x01\x87q\tRq\n'
         b'(K\x03U\x01<q\x0bNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x0cb\x89U\x10' + struct.pack('<2d', 1.0, 2.0)
         + b'q\rtq\x0eb.', {'NumpyLike'}, 'a numpy array pickled by Python 2: the data is a str'),
        ('OrderedDictP2', b'\x80\x02ccollections\nOrderedDict\nq\x00]q\x01(]q\x02(U\x01aq\x03K\x01e]q\x04'
         b'(U\x01bq\x05K\x02ee\x85q\x06Rq\x07.', {'OrderedDict'}, 'Python 2 OrderedDict: a list of [k, v] lists'),
        ('NestedStrDictP1', b'}q\x00(U\x03keyq\x01U\x05valueq\x02U\x04selfq\x03h\x00u.', {'Cycle'}, None),
        ('UnicodeKeyP2', b'\x80\x02}q\x00X\x03\x00\x00\x00\xc3\xa9tq\x01K\x01s.', set(), None),
        ('FrozensetP2', b'\x80\x02c__builtin__\nfrozenset\nq\x00]q\x01K\x01a\x85q\x02Rq\x03.', {'FixImportsName'}, None),
        ('Cpickle64BitIntP1', b'\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x01.', set(),
         'LONG1 at protocol 1 (no PROTO)'),
    ]


def gen_py2(out):
    variants = [('', Options()), ('Latin1', Options(enc='latin1')), ('Bytes', Options(enc='bytes')),
                ('NoFixImports', Options(fix=False))]
    for case, data, flags, comment in py2_pickles():
        for vname, opts in variants:
            if vname == 'NoFixImports' and b'__builtin__' not in data and b'copy_reg' not in data \
                    and b'exceptions' not in data and b'UserDict' not in data:
                continue
            f = set(flags) | {'Py2Pickle'}
            if not opts.is_default():
                f.add('EncodingOption' if vname != 'NoFixImports' else 'NoFixImports')
            out.append(Cand(case + vname, data, opts, flags=f, comment=comment or '', source='gen:py2'))


# ---------------------------------------------------------------------------
# Vectors from other files
# ---------------------------------------------------------------------------

def read_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            rows.append(line.split('\t'))
    return rows


def opcode_from_name(name):
    """decoder_cases names start with the CamelCase opcode: BinInt1Truncated -> BININT1."""
    low = name.lower()
    best = None
    for op in OP_BY_NAME:
        k = op.replace('_', '').lower()
        if low.startswith(k) and (best is None or len(k) > len(best.replace('_', ''))):
            best = op
    return best


def gen_decoder_cases(out):
    for row in read_tsv(os.path.join(TESTDATA, 'decoder_cases.tsv')):
        name, options, hx = row[0], row[1], row[2]
        if name == 'name':
            continue
        opts = parse_tsv_options(options, default_pers=True)
        out.append(Cand(name, H(hx), opts, opcode=opcode_from_name(name),
                        source='decoder_cases:' + name))


ZOO_PY2_VARIANTS = ('', '.latin1', '.bytes', '.nofix')
ZOO_FLAGS = {'od': ['OrderedDict'], 'ordereddict': ['OrderedDict'], 'datetime': ['Datetime'],
             'date': ['Datetime'], 'time': ['Datetime'], 'timedelta': ['Datetime'],
             'partial': ['Partial'], 'recursive': ['Cycle'], 'shared': ['Shared'], 'random': ['RandomValue'],
             'set': ['SafeBuiltin'], 'frozenset': ['SafeBuiltin'], 'bytearray': ['SafeBuiltin'],
             'complex': ['SafeBuiltin'], 'object': ['SafeBuiltin'],
             'plain': ['ClassInstance'], 'slotted': ['ClassInstance'], 'newargs': ['ClassInstance'],
             'newargs_ex': ['ClassInstance'], 'instances': ['ClassInstance'], 'setstate': ['ClassInstance'],
             'inner': ['ClassInstance'], 'listsub': ['ClassInstance'], 'dictsub': ['ClassInstance'],
             'reduce': ['ClassInstance'], 'old_instance': ['OldStyleClass'], 'new_instance': ['ClassInstance'],
             'slots_getstate': ['ClassInstance'], 'persid': ['PersistentId'], 'buffers': ['OutOfBandBuffers']}
for _k in ('decimal', 'fraction', 'deque', 'counter', 'defaultdict', 'range', 'slice', 'exception',
           'array', 'uuid', 'enum', 'namedtuple', 'types', 'xrange', 'decimal', 'func', 'type'):
    ZOO_FLAGS.setdefault(_k, ['StdlibReduce'])


def gen_tsv_vectors(out):
    for row in read_tsv(os.path.join(TESTDATA, 'edge_vectors.tsv')):
        vid, options, hx = row[0], row[1], row[2]
        parts = vid.split('.')
        opcode = None
        if len(parts) >= 3 and parts[1] in OP_BY_NAME:
            opcode = parts[1]
            case = '.'.join(parts[2:])
        elif parts[1:2] == ['unknown']:
            opcode = 'UNKNOWN'
            case = '.'.join(parts[1:])
        else:
            case = '.'.join(parts[1:]) if parts[0] == 'edge' else vid
        out.append(Cand(case_name(case), H(hx), parse_tsv_options(options, False), opcode=opcode,
                        source='edge:' + vid))
    for row in read_tsv(os.path.join(TESTDATA, 'zoo_vectors.tsv')):
        vid, options, hx = row[0], row[1], row[2]
        if vid.startswith('zoo.random.') and int(vid.split('.')[2]) >= 60:
            continue
        flags = set(ZOO_FLAGS.get(vid.split('.')[1], ()))
        if vid.startswith('py2.'):
            m = re.match(r'py2\.[^.]+\.p\d\.[a-z]+(\..*)?$', vid)
            if m and (m.group(1) or '') not in ZOO_PY2_VARIANTS:
                continue
            flags.add('Py2Pickle')
        else:
            flags.add('CPythonDumps')
        out.append(Cand(case_name(vid), H(hx), parse_tsv_options(options, False), flags=flags,
                        source='zoo:' + vid))


ENCODINGS = ["ASCII", "latin1", "utf-8", "bytes", "UTF8", "Latin-1", "koi8_r", "no-such-codec"]
ERRORS = ["strict", "ignore", "replace", "backslashreplace", "surrogateescape", "surrogatepass",
          "xmlcharrefreplace", "no-such-handler"]


def split_decode_input(data):
    """harness/fuzz/decode_input.h SplitDecodeInput: (payload, Options)."""
    end = len(data)

    def byte():
        nonlocal end
        if end == 0:
            return 0
        end -= 1
        return data[end]
    flags = byte()
    bufspec = byte()
    mode = bufspec & 7
    none = mode == 0 or mode > 4
    bufs = []
    for i in range(0 if none else mode - 1):
        ln = byte() & 0x3f
        ln = min(ln, end)
        end -= ln
        bufs.append(((bufspec >> (3 + i)) & 1 == 1, data[end:end + ln]))
    opts = Options(fix=(flags & 1) == 0, enc=ENCODINGS[(flags >> 2) & 7], err=ERRORS[(flags >> 5) & 7],
                   pers=(flags & 2) == 0, buffers=None if none else bufs)
    return data[:end], opts


def gen_regress(out):
    for regress_dir in REGRESS_DIRS:
        if os.path.isdir(regress_dir):
            gen_regress_dir(out, regress_dir)


def gen_regress_dir(out, regress_dir):
    for name in sorted(os.listdir(regress_dir)):
        path = os.path.join(regress_dir, name)
        if not os.path.isfile(path) or name.startswith('.') or name.endswith('.txt'):
            continue
        with open(path, 'rb') as f:
            raw = f.read()
        payload, opts = split_decode_input(raw)
        out.append(Cand('Regress' + case_name(name.replace('crash-', ''))[:16], payload, opts,
                        flags={'FuzzerFinding'}, source='regress:' + name))


# ---------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------

class OracleProc(object):
    """A pickle_oracle.py process of another interpreter."""

    def __init__(self, python, impl):
        self.python, self.impl = python, impl
        self.proc = None
        self.hello = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen([self.python, '-I', '-S', '-B', ORACLE_SCRIPT, '--impl', self.impl],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        kind, payload = self.request(b'H')
        self.hello = json.loads(payload.decode('utf-8')) if kind == 'H' else None

    def request(self, payload):
        try:
            self.proc.stdin.write(struct.pack('<I', len(payload)) + payload)
            self.proc.stdin.flush()
            hdr = self.proc.stdout.read(4)
            if len(hdr) < 4:
                raise IOError('EOF')
            (n,) = struct.unpack('<I', hdr)
            p = self.proc.stdout.read(n)
            if len(p) < n:
                raise IOError('EOF')
        except (IOError, OSError) as e:
            self.proc.kill()
            self.proc.wait()
            self.start()
            return 'X', 'oracle crashed: %s' % e
        t = chr(p[0])
        if t == 'E':
            (n,) = struct.unpack_from('<H', p, 1)
            typ = p[3:3 + n].decode('utf-8')
            (m,) = struct.unpack_from('<I', p, 3 + n)
            msg = p[7 + n:7 + n + m].decode('utf-8', 'replace')
            return 'E', (typ, msg)
        return t, p[1:].decode('utf-8', 'replace') if t != 'H' else p[1:]

    def load(self, cand):
        return self.request(po.encode_load_request(cand.data, **cand.opts.kwargs()))

    def close(self):
        try:
            self.proc.stdin.write(struct.pack('<I', 1) + b'Q')
            self.proc.stdin.flush()
        except (IOError, OSError):
            pass
        self.proc.stdin.close()
        self.proc.wait()


def short_version(v):
    return '.'.join(v.split()[0].split('.')[:2])


def find_interpreters(pattern):
    found = []
    for path in sorted(glob.glob(pattern)):
        if os.access(path, os.X_OK):
            found.append(path)
    return found


def outcome_key(ans):
    kind, payload = ans
    if kind == 'V':
        return ('V', payload)
    if kind == 'E':
        return ('E',)
    return None


STUB_EXC = ('TypeError', 'AttributeError')


def names_stub(ops):
    """True when the pickle names a global outside the safe policy, or a persistent id."""
    safe = {('builtins', n) for n in ('set', 'frozenset', 'bytearray', 'bytes', 'complex', 'object')}
    safe |= {('__builtin__', n) for n in ('set', 'frozenset', 'bytearray', 'bytes', 'complex', 'object')}
    safe |= {('_codecs', 'encode'), ('copyreg', '_reconstructor'), ('copy_reg', '_reconstructor')}
    for op in ops:
        if op.name in ('GLOBAL', 'INST') and op.complete:
            parts = op.arg.split(b'\n')
            key = (parts[0].decode('latin1'), parts[1].decode('latin1') if len(parts) > 1 else '')
            if key not in safe:
                return True
        if op.name in ('STACK_GLOBAL', 'EXT1', 'EXT2', 'EXT4', 'PERSID', 'BINPERSID'):
            return True
    return False


# ---------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------

FLAGS = collections.OrderedDict([
    # what the input is
    ('CPythonDumps', 'Bytes exactly as CPython 3.11\'s pickle.dumps writes them (stand-in classes where a '
                     'library is named).'),
    ('Py2Pickle', 'Written by Python 2.7 (pickle or cPickle), loaded the way Python 3 code loads them.'),
    ('FuzzerFinding', 'A minimized fuzzer finding from corpus/regress/.'),
    ('NumpyLike', 'numpy\'s reduce patterns: multiarray._reconstruct + BUILD, scalar(), dtype, _frombuffer.'),
    ('PandasLike', 'pandas\' shapes: DataFrame/Series via copyreg, BlockManager state, _new_Index, '
                   '_unpickle_block.'),
    ('CloudpickleLike', 'cloudpickle\'s function pickles: _builtin_type, _make_function, cells, state.'),
    ('DillLike', 'dill\'s _load_type/_create_function/_create_code calls.'),
    ('TorchLike', 'torch.save\'s _rebuild_tensor_v2 on persistent-id storages.'),
    ('SklearnLike', 'scikit-learn-like REDUCE + BUILD with structured arrays.'),
    ('Partial', 'functools.partial: REDUCE of the class, BUILD with a (func, args, kwds, dict) tuple.'),
    ('ReduceOnReduce', 'REDUCE whose callable is itself the result of a REDUCE (an instance is called).'),
    ('Datetime', 'datetime objects: REDUCE with a bytes (or Python 2 str) state.'),
    ('OrderedDict', 'collections.OrderedDict: REDUCE + SETITEMS on the instance.'),
    ('StdlibReduce', 'A standard-library type pickled through __reduce__.'),
    ('SafeBuiltin', 'Calls one of the real built-ins of the safe policy (set, frozenset, bytearray, bytes, '
                    'complex, object, _codecs.encode, copyreg._reconstructor).'),
    ('CopyRegReconstructor', 'copyreg._reconstructor(cls, base, state): protocol 0/1 instances.'),
    ('OldStyleClass', 'Python 2 classic-class instances: INST/OBJ.'),
    ('FixImportsName', 'A Python 2 module or name that fix_imports maps (__builtin__, copy_reg, '
                       'exceptions, UserDict...).'),
    ('OpcodeAboveProto', 'An opcode newer than the declared protocol: CPython does not check.'),
    ('ProtoRepeated', 'More than one PROTO opcode.'),
    ('ProtoNotFirst', 'PROTO after other opcodes.'),
    ('ProtoUnsupported', 'PROTO names a protocol above 5.'),
    ('Framed', 'Uses FRAME (protocol 4+).'),
    ('FrameStraddle', 'An opcode or its argument crosses a frame boundary.'),
    ('FrameShort', 'A frame claims more bytes than the input has.'),
    ('FrameEmpty', 'A FRAME of length 0.'),
    ('FrameNested', 'A FRAME opcode inside a frame.'),
    ('HugeLength', 'A declared length near 2**63 or 2**64.'),
    ('LargeArgument', 'An argument of 64 KiB or more.'),
    ('Memo', 'Stores or fetches memo entries.'),
    ('HugeMemoIndex', 'A memo index far beyond the pickle\'s size (2**32-1, 10**11...).'),
    ('NegativeMemoIndex', 'A text PUT/GET with a negative index.'),
    ('MemoOverwrite', 'The same memo index stored twice.'),
    ('MemoMissing', 'Fetches a memo index that was never stored.'),
    ('Shared', 'The value shares objects (memo GETs).'),
    ('Cycle', 'The value contains itself.'),
    ('TextIntOctal', 'A text integer with leading zeros (Python 2 read it as octal; Python 3 as decimal or error).'),
    ('TextIntBool', 'INT 00 / 01: Python 2.2\'s False/True.'),
    ('TextIntUnderscore', 'A text number with underscores (int() accepts them).'),
    ('TextIntWhitespace', 'A text number with surrounding whitespace (int() strips it).'),
    ('TextIntSign', 'A text number with an explicit or doubled sign.'),
    ('TextIntPrefix', 'A text number with a 0x/0o/0b prefix.'),
    ('TextIntHuge', 'A text integer beyond 64 bits.'),
    ('TextIntDigitLimit', 'A text integer over 4300 digits: rejected by CPython 3.11+ (and security releases).'),
    ('TextLongSuffix', 'A LONG argument with an L/l suffix (Python 2 wrote one).'),
    ('TextFloatSpecial', 'FLOAT text inf/nan.'),
    ('TextFloatUnderscore', 'FLOAT text with underscores.'),
    ('BinFloatSpecial', 'BINFLOAT NaN, infinity, negative zero or denormal bit patterns.'),
    ('Py2String', 'STRING/BINSTRING/SHORT_BINSTRING: Python 2 str data, decoded with encoding=/errors=.'),
    ('StringQuoting', 'STRING argument quoting and escapes.'),
    ('EncodingOption', 'Loaded with a non-default encoding=/errors= (latin1, bytes, utf-8, unknown codec...).'),
    ('NoFixImports', 'Loaded with fix_imports=False.'),
    ('PersistentId', 'Uses PERSID/BINPERSID.'),
    ('OutOfBandBuffers', 'Uses NEXT_BUFFER/READONLY_BUFFER (protocol 5 buffers= argument).'),
    ('LoneSurrogate', 'UTF-8 (surrogatepass) encoded surrogates in a str.'),
    ('BadUtf8', 'Invalid UTF-8 in a BINUNICODE-family argument.'),
    ('RawUnicodeEscape', 'UNICODE argument escapes (raw-unicode-escape).'),
    ('NonAscii', 'Non-ASCII bytes in a text argument.'),
    ('UnhashableKey', 'A dict key or set element that cannot be hashed (or hashing edge cases).'),
    ('MarkAsObject', 'A MARK sits where an opcode expects an object.'),
    ('TruncatedArgument', 'The input ends inside an opcode\'s argument.'),
    ('NoStop', 'The input ends without STOP.'),
    ('TrailingBytes', 'Bytes after STOP (pickle.loads ignores them).'),
    ('EmptyInput', 'Zero bytes.'),
    ('BigInt', 'An integer beyond 64 bits.'),
    ('NaN', 'A NaN float.'),
    ('NegativeZero', '-0.0.'),
    ('Global', 'Names a global (GLOBAL, STACK_GLOBAL, INST).'),
    ('PlainData', 'Only data opcodes: no globals, calls, BUILD, extensions or persistent ids.'),
    ('Reduce', 'Uses REDUCE (calls a global or an object).'),
    ('Build', 'Uses BUILD (state on an object).'),
    ('NewObj', 'Uses NEWOBJ/NEWOBJ_EX (cls.__new__).'),
    ('Inst', 'Uses INST/OBJ (Python 2 classic instances, protocol 0/1 objects).'),
    ('ValidForm', 'A minimal valid use of the opcode, at each protocol 0-5.'),
    ('ClassInstance', 'An instance of a user class: copyreg/__reduce_ex__ output.'),
    ('RandomValue', 'A random nested value (seeded) pickled by CPython.'),
    ('StubSemantics', 'CPython\'s verdict comes from the safe policy\'s stand-ins (TypeError/AttributeError '
                      'raised while calling or mutating a stand-in): with real classes it depends on the class.'),
    ('ResourceLimit', 'CPython 3.11\'s C unpickler runs out of memory under a 1 GiB limit (e.g. a memo index of '
                      '2**32-1 makes it allocate the memo array): implementation-defined.'),
    ('Overflow', 'A number or size beyond what CPython can represent (OverflowError).'),
    # how CPython fails
    ('StackUnderflow', 'CPython: unpickling stack underflow.'),
    ('MarkMissing', 'CPython: could not find MARK.'),
    ('UnexpectedMark', 'CPython: unexpected MARK found.'),
    ('Truncated', 'CPython: the input ends early (EOFError / pickle data was truncated).'),
    ('UnknownOpcode', 'CPython: invalid load key (an unknown opcode byte).'),
    ('OddItems', 'CPython: odd number of items for DICT/SETITEMS.'),
    ('ExtUnregistered', 'CPython: an EXT code with no copyreg extension registered.'),
    ('DecodeError', 'CPython: UnicodeDecodeError, or an unknown codec or error handler.'),
    ('BadLiteral', 'CPython: a text literal int()/float()/STRING cannot parse.'),
    ('PersistentIdError', 'CPython: persistent id without persistent_load, or a non-ASCII PERSID.'),
    ('BufferError', 'CPython: NEXT_BUFFER without buffers, or too few.'),
    # how the CPythons disagree
    ('CVersusPython', 'CPython 3.11\'s C and pure-Python unpicklers disagree.'),
    ('VersionDependent', 'CPython versions 3.6-3.13 disagree.'),
    ('ExceptionTypeVaries', 'All CPythons reject, but with different exception types.'),
])


def auto_flags(c, ops, judge):
    f = c.flags
    names = [o.name for o in ops]
    d = declared_protocol(ops)
    if d is not None and d > 5:
        f.add('ProtoUnsupported')
    if any(o.info and o.info.proto > (d if d is not None else 1) for o in ops):
        f.add('OpcodeAboveProto')
    if names.count('PROTO') > 1:
        f.add('ProtoRepeated')
    if 'PROTO' in names and names[0] != 'PROTO':
        f.add('ProtoNotFirst')
    frame_end = None
    for o in ops:
        if o.name == 'FRAME':
            f.add('Framed')
            if frame_end is not None and o.pos < frame_end:
                f.add('FrameNested')
            if o.complete:
                ln = int.from_bytes(o.arg, 'little')
                if ln == 0:
                    f.add('FrameEmpty')
                if o.end + ln > len(c.data):
                    f.add('FrameShort')
                if ln >= 2 ** 62:
                    f.add('HugeLength')
                frame_end = o.end + ln
        elif frame_end is not None and o.pos < frame_end < o.end:
            f.add('FrameStraddle')
        if o.name in ('GET', 'BINGET', 'LONG_BINGET', 'PUT', 'BINPUT', 'LONG_BINPUT', 'MEMOIZE'):
            f.add('Memo')
        if o.name in ('LONG_BINGET', 'LONG_BINPUT') and o.complete and int.from_bytes(o.arg, 'little') >= 2 ** 20:
            f.add('HugeMemoIndex')
        if o.name in ('GET', 'PUT') and o.complete:
            t = o.arg.strip()
            if t[:1] == b'-':
                f.add('NegativeMemoIndex')
            elif t.isdigit() and len(t) > 6:
                f.add('HugeMemoIndex')
        if o.name in ('GLOBAL', 'STACK_GLOBAL', 'INST'):
            f.add('Global')
            if o.name != 'STACK_GLOBAL' and o.complete and o.arg.split(b'\n')[0] in (
                    b'__builtin__', b'copy_reg', b'exceptions', b'UserDict', b'UserList', b'cPickle',
                    b'StringIO', b'cStringIO', b'Queue', b'whichdb', b'dbm', b'_abcoll', b'sets'):
                f.add('FixImportsName')
        if o.name in ('STRING', 'BINSTRING', 'SHORT_BINSTRING'):
            f.add('Py2String')
        if o.name in ('PERSID', 'BINPERSID'):
            f.add('PersistentId')
        if o.name in ('NEXT_BUFFER', 'READONLY_BUFFER'):
            f.add('OutOfBandBuffers')
        if o.name == 'INT' and o.complete:
            t = o.arg[:-1]
            s = t.strip(b' \t\r\x0b\x0c')
            if s in (b'00', b'01'):
                f.add('TextIntBool')
            elif len(s) > 1 and s[:1] == b'0' and s[1:2].isdigit():
                f.add('TextIntOctal')
            if len(s) > 4300:
                f.add('TextIntDigitLimit')
        if o.name == 'LONG' and o.complete:
            s = o.arg[:-1].strip()
            if s[-1:] in (b'L', b'l'):
                f.add('TextLongSuffix')
            if len(s) > 4300:
                f.add('TextIntDigitLimit')
        if o.info and o.complete and len(o.arg) >= 65536:
            f.add('LargeArgument')
    if ops and not ops[-1].complete and ops[-1].info is not None:
        f.add('TruncatedArgument')
    objops = {'GLOBAL', 'STACK_GLOBAL', 'INST', 'OBJ', 'REDUCE', 'BUILD', 'NEWOBJ', 'NEWOBJ_EX',
              'EXT1', 'EXT2', 'EXT4', 'PERSID', 'BINPERSID'}
    if ops and not objops & set(names):
        f.add('PlainData')
    for opname, flag in (('REDUCE', 'Reduce'), ('BUILD', 'Build'), ('NEWOBJ', 'NewObj'),
                         ('NEWOBJ_EX', 'NewObj'), ('INST', 'Inst'), ('OBJ', 'Inst')):
        if opname in names:
            f.add(flag)
    if not c.data:
        f.add('EmptyInput')
    elif ops and ops[-1].complete and ops[-1].name != 'STOP' and ops[-1].end >= len(c.data):
        f.add('NoStop')
    if ops and ops[-1].name == 'STOP' and ops[-1].end < len(c.data):
        f.add('TrailingBytes')
    if not c.opts.is_default():
        if c.opts.enc != 'ASCII' or c.opts.err != 'strict':
            f.add('EncodingOption')
        if not c.opts.fix:
            f.add('NoFixImports')
    kind, payload = judge
    if kind == 'V':
        text = payload
        if re.search(r'(^|[^"\w])-?0x[0-9a-f]', text) or re.search(r'\b\d{20,}\b', text):
            f.add('BigInt')
        if 'nan' in text and re.search(r'(^|[(\[{ ,])-?nan', text):
            f.add('NaN')
        if '-0.0' in text:
            f.add('NegativeZero')
        if '*' in text and re.search(r'\*\d', text):
            f.add('Shared')
    elif kind == 'E':
        typ, msg = payload
        m = msg.lower()
        if 'stack underflow' in m:
            f.add('StackUnderflow')
        if 'could not find mark' in m:
            f.add('MarkMissing')
        if 'unexpected mark' in m:
            f.add('UnexpectedMark')
        if typ == 'EOFError' or 'truncated' in m:
            f.add('Truncated')
        if 'invalid load key' in m:
            f.add('UnknownOpcode')
        if 'odd number of items' in m:
            f.add('OddItems')
        if 'unregistered extension' in m or 'ext specifies' in m:
            f.add('ExtUnregistered')
        if typ in ('UnicodeDecodeError', 'LookupError', 'UnicodeEncodeError'):
            f.add('DecodeError')
        if 'unhashable' in m:
            f.add('UnhashableKey')
        if typ == 'OverflowError':
            f.add('Overflow')
        if 'invalid literal' in m or 'could not convert' in m or 'must be quoted' in m or 'escape' in m:
            f.add('BadLiteral')
        if 'memo value not found' in m or typ == 'KeyError':
            f.add('MemoMissing')
        if 'persistent' in m:
            f.add('PersistentIdError')
        if 'out-of-band' in m:
            f.add('BufferError')
        if 'unsupported pickle protocol' in m:
            f.add('ProtoUnsupported')
        if 'exceeds the limit' in m and 'digits' in m:
            f.add('TextIntDigitLimit')


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def collect():
    out = []
    gen_opcode_forms(out)
    gen_protocols(out)
    gen_framing(out)
    gen_memo(out)
    gen_text_numbers(out)
    gen_strings(out)
    gen_unhashable(out)
    gen_realworld(out)
    gen_py2(out)
    gen_decoder_cases(out)
    gen_tsv_vectors(out)
    gen_regress(out)
    # Normalize: persistent_load matters only with PERSID opcodes; dedupe.
    seen = set()
    cands = []
    for c in out:
        ops = scan(c.data)
        if c.opts.pers and not any(o.name in ('PERSID', 'BINPERSID') for o in ops):
            c.opts.pers = False
        key = (c.data, c.opts.key())
        if key in seen:
            continue
        seen.add(key)
        cands.append(c)
    return cands


def answer_json(ans, by):
    kind, payload = ans
    d = collections.OrderedDict([('by', by)])
    if kind == 'V':
        d['kind'] = 'value'
        d['value'] = payload
    elif kind == 'E':
        d['kind'] = 'error'
        d['exception'] = payload[0]
        d['message'] = payload[1]
    else:
        d['kind'] = {'M': 'memory', 'R': 'recursion', 'U': 'no-text', 'X': 'oracle-failure'}.get(kind, kind)
        d['message'] = payload
    return d


def judge_all(cands, interpreters, log):
    """answers[i] = OrderedDict(label -> (kind, payload)) for every candidate."""
    labels = ['%s-c' % short_version(sys.version), '%s-py' % short_version(sys.version)]
    answers = [collections.OrderedDict() for _ in cands]
    for i, c in enumerate(cands):
        answers[i][labels[0]] = po.judge_load(c.data, 'c', **c.opts.kwargs())
        answers[i][labels[1]] = po.judge_load(c.data, 'python', **c.opts.kwargs())
    procs = []
    infos = [{'label': labels[0], 'executable': sys.executable, 'version': sys.version,
              'unpickler': po.get_impl('c').unpickler_name, 'protocol': pickle.HIGHEST_PROTOCOL},
             {'label': labels[1], 'executable': sys.executable, 'version': sys.version,
              'unpickler': po.get_impl('python').unpickler_name, 'protocol': pickle.HIGHEST_PROTOCOL}]
    for path in interpreters:
        for impl, suffix in (('c', 'c'), ('python', 'py')):
            try:
                p = OracleProc(path, impl)
            except OSError as e:
                log('cannot start %s: %s' % (path, e))
                continue
            if not p.hello:
                log('no handshake from %s' % path)
                continue
            label = '%s-%s' % (short_version(p.hello['version']), suffix)
            if label in labels:
                p.close()
                continue
            labels.append(label)
            procs.append((label, p))
            infos.append({'label': label, 'executable': path, 'version': p.hello['version'],
                          'unpickler': p.hello.get('unpickler'), 'protocol': p.hello['protocol']})
    needs = [needed_protocol(scan(c.data), c.opts) for c in cands]

    def run(label, p):
        for i, c in enumerate(cands):
            if p.hello['protocol'] < needs[i]:
                continue
            answers[i][label] = p.load(c)
        p.close()
    threads = [threading.Thread(target=run, args=lp) for lp in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Stable label order: by version, c before py.
    def order(label):
        v, _, impl = label.rpartition('-')
        return (tuple(int(x) for x in v.split('.')), impl != 'c')
    for i in range(len(cands)):
        answers[i] = collections.OrderedDict(sorted(answers[i].items(), key=lambda kv: order(kv[0])))
    infos.sort(key=lambda d: order(d['label']))
    return answers, infos, labels[0], labels[1]


def build_vectors(cands, answers, judge_label, py_label, log):
    vectors = []
    dropped = collections.Counter()
    ids = set()
    for c, ans in zip(cands, answers):
        judge = ans[judge_label]
        if judge[0] not in ('V', 'E', 'M'):
            dropped[judge[0]] += 1
            continue
        if judge[0] == 'M':
            # MemoryError under the oracle's 1 GiB: the C unpickler needs more
            # (a memo array of 2**32 entries); the pure-Python one may not.
            # Either answer is fine: an implementation-defined vector.
            c.flags.add('ResourceLimit')
        ops = scan(c.data)
        auto_flags(c, ops, judge)
        keys = {}
        for label, a in ans.items():
            k = outcome_key(a)
            if k is not None:
                keys.setdefault(k, []).append(label)
        expect = {'V': 'accept', 'E': 'reject', 'M': 'either'}[judge[0]]
        ck, pk = outcome_key(judge), outcome_key(ans.get(py_label, ('U', '')))
        if pk is not None and pk != ck:
            c.flags.add('CVersusPython')
        all_keys = {outcome_key(a) for a in ans.values() if outcome_key(a) is not None}
        if len(all_keys) > 1 or judge[0] == 'M':
            for suffix in ('-c', '-py'):
                same_impl = {outcome_key(a) for l, a in ans.items()
                             if l.endswith(suffix) and outcome_key(a) is not None}
                if len(same_impl) > 1:
                    c.flags.add('VersionDependent')
            expect = 'either'
        if judge[0] == 'E' and expect == 'reject':
            types_ = {a[1][0] for a in ans.values() if a[0] == 'E'}
            if len(types_) > 1:
                c.flags.add('ExceptionTypeVaries')
            if judge[1][0] in STUB_EXC and names_stub(ops):
                c.flags.add('StubSemantics')
                expect = 'either'
        opcode = c.opcode
        if opcode is None:
            opcode = principal_opcode(ops, judge)
        proto_ = vector_protocol(ops)
        level = 'Advisory' if expect == 'either' else 'Required'
        prefix = {'accept': 'y', 'reject': 'n', 'either': 'i'}[expect]
        case = case_name(c.case) if not re.match(r'^[A-Za-z0-9_-]+$', c.case) else c.case
        base = '%s.cpython-c.P%d.%s.%s' % (level, proto_, opcode, case)
        vid = base
        k = 2
        while vid in ids:
            vid = '%s_%d' % (base, k)
            k += 1
        ids.add(vid)
        if not c.flags:
            c.flags.add('CPythonDumps' if c.source.startswith('zoo:') else 'Global')
        v = collections.OrderedDict()
        v['id'] = vid
        v['name'] = '%s_%s_p%d_%s' % (prefix, opcode, proto_, vid.split('.', 4)[4])
        v['expect'] = expect
        v['level'] = level
        v['family'] = c.family or FAMILY[opcode]
        v['opcode'] = opcode
        v['protocol'] = proto_
        v['flags'] = sorted(c.flags)
        if c.comment:
            v['comment'] = c.comment
        v['source'] = c.source
        v['options'] = c.opts.json()
        v['pickle'] = c.data.hex()
        r = answer_json(judge, [judge_label])
        del r['by']
        v['result'] = r
        if expect == 'either' or 'ExceptionTypeVaries' in c.flags:
            groups = collections.OrderedDict()
            for label, a in ans.items():
                if a[0] == 'V':
                    gk = ('V', a[1])
                elif a[0] == 'E':
                    gk = ('E', a[1][0])
                else:
                    gk = (a[0],)
                groups.setdefault(gk, []).append(label)
            v['answers'] = [answer_json(ans[by[0]], by) for by in groups.values()]
        for fl in v['flags']:
            if fl not in FLAGS:
                raise RuntimeError('flag %s of %s has no description' % (fl, vid))
        vectors.append(v)
    if dropped:
        log('dropped (no canonical text from the judge): %s' % dict(dropped))
    vectors.sort(key=lambda v: v['id'])
    return vectors


def principal_opcode(ops, judge):
    """The opcode a vector is filed under when its source does not say."""
    if not ops:
        return 'STREAM'
    last = ops[-1]
    if last.info is None:
        return 'UNKNOWN'
    if judge[0] == 'E' and not last.complete:
        return last.name
    # Otherwise the last opcode that is not bookkeeping: for a value, the one
    # that made the root; for a rejection, usually the one that failed.
    skip = {'STOP', 'MEMOIZE', 'PUT', 'BINPUT', 'LONG_BINPUT', 'FRAME', 'PROTO', 'POP', 'MARK'}
    for o in reversed(ops):
        if o.info is not None and o.name not in skip:
            return o.name
    return 'STREAM' if not ops or ops[-1].info is not None else 'UNKNOWN'


def render(vectors, infos, judge_label):
    judge_info = [d for d in infos if d['label'] == judge_label][0]
    lines = [json.dumps(v, ensure_ascii=False, separators=(', ', ': ')) for v in vectors]
    manifest = '\n'.join(lines) + '\n'
    counts = collections.Counter(v['expect'] for v in vectors)
    used = collections.Counter(f for v in vectors for f in v['flags'])
    fams = collections.Counter(v['family'] for v in vectors)
    index = collections.OrderedDict()
    index['format_version'] = FORMAT_VERSION
    index['generator'] = 'scripts/gen_conformance_vectors.py'
    index['judge'] = judge_info
    index['interpreters'] = infos
    index['counts'] = collections.OrderedDict([('total', len(vectors)), ('y', counts['accept']),
                                               ('n', counts['reject']), ('i', counts['either'])])
    index['families'] = collections.OrderedDict(sorted(fams.items()))
    index['flags'] = collections.OrderedDict(
        (k, collections.OrderedDict([('description', d), ('vectors', used[k])]))
        for k, d in FLAGS.items() if used[k])
    return manifest, json.dumps(index, indent=1, ensure_ascii=False) + '\n'


def write_outputs(vectors, manifest, index):
    os.makedirs(OUT_DIR, exist_ok=True)
    pdir = os.path.join(OUT_DIR, 'pickles')
    os.makedirs(pdir, exist_ok=True)
    with open(os.path.join(OUT_DIR, 'vectors.jsonl'), 'w', encoding='utf-8') as f:
        f.write(manifest)
    with open(os.path.join(OUT_DIR, 'index.json'), 'w', encoding='utf-8') as f:
        f.write(index)
    want = set()
    for v in vectors:
        fn = v['name'] + '.pickle'
        want.add(fn)
        path = os.path.join(pdir, fn)
        data = H(v['pickle'])
        if not os.path.exists(path) or open(path, 'rb').read() != data:
            with open(path, 'wb') as f:
                f.write(data)
    for fn in os.listdir(pdir):
        if fn.endswith('.pickle') and fn not in want:
            os.remove(os.path.join(pdir, fn))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--check', action='store_true', help='compare with corpus/conformance, write nothing')
    ap.add_argument('--interpreters', default='/root/.pyenv/versions/3.*/bin/python',
                    help='glob of other CPythons to ask (default: %(default)s)')
    ap.add_argument('--list-sources', action='store_true', help='print candidate counts per source')
    args = ap.parse_args()
    _reexec_deterministic()
    if sys.version_info[:2] != (3, 11) or sys.implementation.name != 'cpython':
        sys.exit('gen_conformance_vectors.py: the judge is CPython 3.11; run it with python3.11')
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, ValueError, OSError):
        pass
    log = lambda s: print(s, file=sys.stderr)  # noqa: E731
    cands = collect()
    if args.list_sources:
        c = collections.Counter(x.source.split(':')[0] + ':' + x.source.split(':')[1].split('.')[0]
                                if x.source.startswith('gen') else x.source.split(':')[0] for x in cands)
        for k, n in sorted(c.items()):
            print('%6d %s' % (n, k))
        print('%6d total' % len(cands))
        return 0
    interpreters = find_interpreters(args.interpreters)
    answers, infos, judge_label, py_label = judge_all(cands, interpreters, log)
    vectors = build_vectors(cands, answers, judge_label, py_label, log)
    manifest, index = render(vectors, infos, judge_label)
    counts = json.loads(index)['counts']
    log('%d vectors (y %d, n %d, i %d) from %d candidates; %d interpreters' % (
        counts['total'], counts['y'], counts['n'], counts['i'], len(cands), len(infos)))
    if args.check:
        path = os.path.join(OUT_DIR, 'vectors.jsonl')
        old = open(path, encoding='utf-8').read() if os.path.exists(path) else ''
        stale = old != manifest
        ipath = os.path.join(OUT_DIR, 'index.json')
        stale = stale or not os.path.exists(ipath) or open(ipath, encoding='utf-8').read() != index
        pdir = os.path.join(OUT_DIR, 'pickles')
        have = set(os.listdir(pdir)) if os.path.isdir(pdir) else set()
        stale = stale or have != {v['name'] + '.pickle' for v in vectors}
        if stale:
            log('corpus/conformance is out of date: run scripts/gen_conformance_vectors.py')
            return 1
        log('up to date')
        return 0
    write_outputs(vectors, manifest, index)
    return 0


if __name__ == '__main__':
    sys.exit(main())

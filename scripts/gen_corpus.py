#!/usr/bin/env python3
"""Seeds of `picklecheck diff` and `picklecheck roundtrip`: corpus/seed/diff/.

    python3 scripts/gen_corpus.py            # (re)writes corpus/seed/diff/
    python3 scripts/gen_corpus.py --check    # exit 1 when corpus/seed/diff/ is not what this writes

What already exists is reused, not copied: corpus/seed/diff/vectors/ holds
relative symlinks to the vector files other generators write, which
`picklecheck diff` reads as they are (one case per line, each with its own
Unpickler options):

  zoo_vectors.tsv, edge_vectors.tsv   oracles/gen_vectors.py: a value zoo pickled
                                      at protocols 0-5 (and by Python 2.7) under
                                      encoding/errors/fix_imports variants;
                                      hand-made inputs for every opcode
  decoder_cases.tsv                   scripts/gen_decoder_cases.py: every opcode's
                                      valid and invalid forms
  encoder_vectors.tsv,                scripts/gen_encoder_vectors.py: CPython's
  encoder_dumps.tsv                   pickles of a value zoo and of stub values

corpus/seed/decode/ (the fuzzers' seeds) is read in place. This script adds
what those lack:

  options.tsv   the zoo pickles whose meaning depends on an Unpickler option,
                under option values the zoo does not try on them: Python 2
                str opcodes under more encodings and error handlers (and an
                unknown codec and handler), GLOBAL/INST pickles without
                fix_imports, persistent ids with and without persistent_load,
                out-of-band buffers absent, too few, read-only and writable.
  values.tsv    values, in canonical text (harness/pickle/canonical.md), for
                `picklecheck roundtrip`: what both picklers must refuse
                (PickleBuffer below protocol 5, memoryviews, recursion
                beyond the limit, ints over 4300 digits in text protocols,
                non-ASCII and local names, misordered op logs), and what
                stresses byte identity (recursive tuples and reductions,
                sharing, 64 KiB frames and payloads, batches of 1000, set
                hash collisions, fix_imports' reverse names).
  opcodes.tsv   for every opcode of pickletools.opcodes (the same table as
                harness/pickle/opcodes.def): a minimal pickle that uses it,
                every truncation of that pickle, the opcode alone on an empty
                stack, the pickle inside a protocol-4 FRAME, and FRAMEs that
                end inside the opcode or its argument.

Both files use the generic vector format (`id <TAB> options <TAB> hex`,
options as the zoo writes them). Nothing here runs CPython's unpickler: the
differential run decides the expected results. Deterministic, stdlib only.
"""
import argparse
import os
import pickletools
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'corpus', 'seed', 'diff')
TESTDATA = os.path.join(ROOT, 'harness', 'pickle', 'testdata')
LINKED = ['zoo_vectors.tsv', 'edge_vectors.tsv', 'decoder_cases.tsv',
          'encoder_vectors.tsv', 'encoder_dumps.tsv']
DEFAULT = 'fix=1,enc=ASCII,err=strict,pers=0'


def read_vectors(name):
    """(id, options, bytes) of a generic vector file."""
    out = []
    with open(os.path.join(TESTDATA, name), encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            cols = line.rstrip('\n').split('\t')
            out.append((cols[0], cols[1], bytes.fromhex(cols[2])))
    return out


def opcode_names(data):
    """The opcodes pickletools reads, up to the first error."""
    names = []
    try:
        for op, _arg, _pos in pickletools.genops(data):
            names.append(op.name)
    except Exception:  # a malformed tail: what was read still counts
        pass
    return names


def options_text(fix=1, enc='ASCII', err='strict', pers=0, buf=None):
    s = 'fix=%d,enc=%s,err=%s,pers=%d' % (fix, enc, err, pers)
    if buf is not None:
        s += ',buf=' + ';'.join(buf)
    return s


# Unpickler option variants per feature of a pickle.
STRING_VARIANTS = [
    ('latin1', options_text(enc='latin1')),
    ('bytes', options_text(enc='bytes')),
    ('utf8_surrogateescape', options_text(enc='utf-8', err='surrogateescape')),
    ('ascii_replace', options_text(enc='ascii', err='replace')),
    ('ascii_ignore', options_text(enc='ascii', err='ignore')),
    ('ascii_backslashreplace', options_text(enc='ascii', err='backslashreplace')),
    ('cp1252', options_text(enc='cp1252')),
    ('utf16', options_text(enc='utf-16')),
    ('unknown_codec', options_text(enc='no-such-codec')),
    ('unknown_handler', options_text(enc='utf-8', err='no-such-handler')),
]
GLOBAL_VARIANTS = [('nofix', options_text(fix=0))]
PERSID_VARIANTS = [('pers', options_text(pers=1)), ('nopers', options_text(pers=0))]
BUFFER_VARIANTS = [
    ('buf_none', options_text()),
    ('buf_empty', options_text(buf=[])),
    ('buf_one_w', options_text(buf=['w6162'])),
    ('buf_one_r', options_text(buf=['r6162'])),
    ('buf_three', options_text(buf=['w78', 'r7879', 'w'])),
]


def option_cases():
    seen = set()
    zoo = read_vectors('zoo_vectors.tsv')
    for vid, opts, data in zoo:
        seen.add((data, opts))
    cases = []
    for vid, opts, data in zoo:
        if opts != DEFAULT and not opts.startswith(DEFAULT + ',buf='):
            continue  # a variant already
        names = set(opcode_names(data))
        variants = []
        if names & {'STRING', 'BINSTRING', 'SHORT_BINSTRING'}:
            variants += STRING_VARIANTS
        if names & {'GLOBAL', 'INST'}:
            variants += GLOBAL_VARIANTS
        if names & {'PERSID', 'BINPERSID'}:
            variants += PERSID_VARIANTS
        if 'NEXT_BUFFER' in names:
            variants += BUFFER_VARIANTS
        for tag, o in variants:
            if (data, o) in seen:
                continue
            seen.add((data, o))
            cases.append(('%s.%s' % (vid, tag), o, data))
    return cases


# A minimal pickle per opcode: (pickle, options). The opcode under test is
# the first occurrence of its byte as an opcode (pickletools.genops).
Q = struct.pack
MINIMAL = {
    'INT': b'I1\n.',
    'BININT': b'J\xff\xff\xff\xff.',
    'BININT1': b'K\x01.',
    'BININT2': b'M\x01\x02.',
    'LONG': b'L12345678901234567890L\n.',
    'LONG1': b'\x8a\x02\x01\x80.',
    'LONG4': b'\x8b\x02\x00\x00\x00\x01\x80.',
    'STRING': b"S'ab'\n.",
    'BINSTRING': b'T\x02\x00\x00\x00ab.',
    'SHORT_BINSTRING': b'U\x02ab.',
    'BINBYTES': b'\x80\x03B\x02\x00\x00\x00ab.',
    'SHORT_BINBYTES': b'\x80\x03C\x02ab.',
    'BINBYTES8': b'\x80\x04\x8e' + Q('<Q', 2) + b'ab.',
    'BYTEARRAY8': b'\x80\x05\x96' + Q('<Q', 2) + b'ab.',
    'NEXT_BUFFER': (b'\x80\x05\x97.', options_text(buf=['w6162'])),
    'READONLY_BUFFER': (b'\x80\x05\x97\x98.', options_text(buf=['w6162'])),
    'NONE': b'N.',
    'NEWTRUE': b'\x80\x02\x88.',
    'NEWFALSE': b'\x80\x02\x89.',
    'UNICODE': b'Vab\\u20ac\n.',
    'SHORT_BINUNICODE': b'\x80\x04\x8c\x02ab.',
    'BINUNICODE': b'X\x02\x00\x00\x00ab.',
    'BINUNICODE8': b'\x80\x04\x8d' + Q('<Q', 2) + b'ab.',
    'FLOAT': b'F1.5\n.',
    'BINFLOAT': b'G' + Q('>d', 1.5) + b'.',
    'EMPTY_LIST': b'].',
    'APPEND': b']K\x01a.',
    'APPENDS': b'](K\x01K\x02e.',
    'LIST': b'(K\x01l.',
    'EMPTY_TUPLE': b').',
    'TUPLE': b'(K\x01K\x02t.',
    'TUPLE1': b'K\x01\x85.',
    'TUPLE2': b'K\x01K\x02\x86.',
    'TUPLE3': b'K\x01K\x02K\x03\x87.',
    'EMPTY_DICT': b'}.',
    'DICT': b'(K\x01K\x02d.',
    'SETITEM': b'}K\x01K\x02s.',
    'SETITEMS': b'}(K\x01K\x02u.',
    'EMPTY_SET': b'\x80\x04\x8f.',
    'ADDITEMS': b'\x80\x04\x8f(K\x01K\x02\x90.',
    'FROZENSET': b'\x80\x04(K\x01K\x02\x91.',
    'POP': b'K\x01K\x020.',
    'DUP': b'K\x012\x86.',
    'MARK': b'(K\x01t.',
    'POP_MARK': b'K\x01(K\x02K\x031.',
    'GET': b']p0\n0g0\n.',
    'BINGET': b']q\x000h\x00.',
    'LONG_BINGET': b']r\x00\x00\x00\x000j\x00\x00\x00\x00.',
    'PUT': b']p0\ng0\n\x86.',
    'BINPUT': b']q\x05h\x05\x86.',
    'LONG_BINPUT': b']r\x05\x01\x00\x00j\x05\x01\x00\x00\x86.',
    'MEMOIZE': b'\x80\x04]\x94h\x00\x86.',
    'EXT1': b'\x80\x02\x82\x01.',
    'EXT2': b'\x80\x02\x83\x01\x01.',
    'EXT4': b'\x80\x02\x84\x01\x01\x01\x00.',
    'GLOBAL': b'cm\nA\n.',
    'STACK_GLOBAL': b'\x80\x04\x8c\x01m\x8c\x01A\x93.',
    'REDUCE': b'cm\nA\nK\x01\x85R.',
    'BUILD': b'cm\nA\n)R}b.',
    'INST': b'(K\x01im\nA\n.',
    'OBJ': b'(cm\nA\nK\x01o.',
    'NEWOBJ': b'\x80\x02cm\nA\nK\x01\x85\x81.',
    'NEWOBJ_EX': b'\x80\x04cm\nA\n)}\x92.',
    'PROTO': b'\x80\x02N.',
    'STOP': b'N.',
    'FRAME': b'\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01..',
    'PERSID': (b'Pab\n.', options_text(pers=1)),
    'BINPERSID': (b'\x80\x02U\x02abQ.', options_text(pers=1)),
}


def opcode_cases():
    cases = []
    seen = set()  # inputs already written (the empty pickle, shared prefixes)
    names = [op.name for op in pickletools.opcodes]
    missing = sorted(set(names) - set(MINIMAL))
    if missing:
        sys.exit('gen_corpus.py: no minimal pickle for %s' % ', '.join(missing))
    for name in names:
        entry = MINIMAL[name]
        data, opts = entry if isinstance(entry, tuple) else (entry, DEFAULT)
        # Where the opcode under test starts and ends.
        ops = list(pickletools.genops(data))
        at = next(i for i, (op, _a, _p) in enumerate(ops) if op.name == name)
        start = ops[at][2]
        end = ops[at + 1][2] if at + 1 < len(ops) else len(data)
        own = data[start:end]
        out = [('ok', data)]
        for n in range(len(data)):
            out.append(('cut%d' % n, data[:n]))
        out.append(('alone', own + b'.'))
        out.append(('alone_after_mark', b'(' + own + b'.'))
        # Inside a protocol-4 frame: the whole body, and frames that end
        # inside the opcode (the rest follows unframed).
        body = data[2:] if data[:1] == b'\x80' else data
        framed = b'\x80\x04\x95' + Q('<Q', len(body)) + body
        out.append(('framed', framed))
        body_start = start - (len(data) - len(body))
        for k in sorted({body_start + 1, body_start + max(1, len(own) // 2), body_start + len(own) - 1}):
            if 0 < k < len(body) and k > body_start:
                out.append(('frame_ends_at%d' % k, b'\x80\x04\x95' + Q('<Q', k) + body))
        for tag, d in out:
            if d in seen and tag != 'ok':
                continue
            seen.add(d)
            cases.append(('%s.%s' % (name, tag), opts, d))
    return cases


def big_hex(n):
    return ('-' if n < 0 else '') + '0x' + format(abs(n), 'x')


def nested(depth):
    return '[' * depth + ']' * depth


VALUES = [
    # Both sides must refuse these at some protocols.
    ('buffer', 'buffer(0, b"ab")'),
    ('buffer_readonly', 'buffer(0, b"ab", readonly)'),
    ('buffers_shared', '[&1 buffer(0, b"ab"), *1, buffer(1, b"", readonly)]'),
    ('readonly_bytearray', 'readonly(bytearray(b"ab"))'),
    ('readonly_buffer', 'readonly(buffer(0, b"xy"))'),
    ('nested_990', nested(990)),
    ('nested_1000', nested(1000)),
    ('int_4300_digits', big_hex(10**4300 - 1)),
    ('int_4301_digits', big_hex(10**4300)),
    ('int_4301_digits_negative', big_hex(-10**4300)),
    ('global_non_ascii_module', '@"mod\u00e9":A'),
    ('global_non_ascii_name', '@m:"\u20ac"'),
    ('global_local', '@m:"f.<locals>.g"'),
    ('global_empty_module', '@"":x'),
    ('global_empty_name', '@m:""'),
    ('persid_non_ascii', 'persid("\u00e9")'),
    ('persid_int', 'persid(1)'),
    ('persid_newline', 'persid("a\\nb")'),
    ('ops_build_then_append', 'new(@m:A, ()).build(1).append(2)'),
    ('ops_add', 'new(@m:A, ()).add(1)'),
    ('ops_setitem_then_append', 'new(@m:A, ()).setitem(1, 2).append(3)'),
    # Recursion through containers and reductions.
    ('rec_list', '&1 [*1]'),
    ('rec_dict', '&1 {"a": *1}'),
    ('rec_tuple_list', '&1 ([*1],)'),
    ('rec_tuple_dict', '&1 ({"k": *1}, 2)'),
    ('rec_tuple4', '&1 (1, 2, 3, [*1])'),
    ('rec_object_append', '&1 new(@m:A, ()).append(*1)'),
    ('rec_object_build', '&1 new(@m:A, ()).build({"self": *1})'),
    ('rec_newobj_args', '&1 new(@m:A, ([*1],))'),
    ('rec_newobj_ex_args', '&1 new(@m:A, ([*1],), {"k": 1})'),
    ('rec_newobj_ex_kwargs', '&1 new(@m:A, (), {"k": [*1]})'),
    ('rec_reduce_args', '&1 @m:A([*1])'),
    ('rec_reduce_args_build', '&1 @m:A([*1]).build(1)'),
    ('rec_call_args', '&1 call(new(@m:B, ()), [*1])'),
    ('rec_reduce_in_list', '&1 [@m:A(*1)]'),
    # Sharing.
    ('shared_str', '[&1 "ab", *1]'),
    ('shared_bytes', '[&1 b"ab", *1]'),
    ('shared_tuple', '[&1 (1, 2), *1]'),
    ('shared_empty_bytearray', '[&1 bytearray(b""), *1]'),
    ('shared_complex', '[&1 complex(1.0, 2.0), *1]'),
    ('shared_frozenset', '[&1 frozenset({1}), *1, {*1}]'),
    ('shared_object', '[&1 object(), *1, object()]'),
    ('shared_args', '[&1 (1,), @m:A(*1), @m:B(*1)]'),
    # Floats.
    ('floats', '[nan, nan(0xfff8000000000000), -0.0, inf, -inf, 5e-324, 1e+100, 0.1]'),
    # Sets: hash collisions, seeds.
    ('set_int_collisions', '{1, 9, 17, 25, 33}'),
    ('set_minus_one', '{-1, -2, -3}'),
    ('set_floats', '{0.5, 1.5, 2.5, inf, -inf}'),
    ('set_tuples', '{(1, 2), (2, 1), (1, (2, 3))}'),
    ('frozenset_nested', 'frozenset({frozenset({1, 2}), frozenset({3}), 4})'),
    ('set_str', '{"a", "b", "c", "dd"}'),
    ('set_bytes', '{b"a", b"b", b"cc"}'),
    ('set_none', '{None, 1}'),
    ('set_objects', '{new(@m:A, ()), new(@m:A, (1,))}'),
    ('set_1000', '{' + ', '.join(str(i) for i in range(1000)) + '}'),
    ('set_1001', '{' + ', '.join(str(i) for i in range(1001)) + '}'),
    # Batching and framing boundaries.
    ('list_1000', '[' + ', '.join('0' for _ in range(1000)) + ']'),
    ('list_1001', '[' + ', '.join('0' for _ in range(1001)) + ']'),
    ('dict_1000', '{' + ', '.join('%d: 0' % i for i in range(1000)) + '}'),
    ('dict_1001', '{' + ', '.join('%d: 0' % i for i in range(1001)) + '}'),
    ('object_appends_1001', 'new(@m:A, ())' + '.append(0)' * 1001),
    ('object_setitems_1000', 'new(@m:A, ())' + ''.join('.setitem(%d, 0)' % i for i in range(1000))),
    ('str_64k_minus_1', '"' + 'a' * 65535 + '"'),
    ('str_64k', '"' + 'a' * 65536 + '"'),
    ('bytes_64k', 'b"' + 'a' * 65536 + '"'),
    ('bytearray_64k', 'bytearray(b"' + 'a' * 65536 + '")'),
    ('frame_commit', '[' + ', '.join('"%s"' % ('x' * 1000) for _ in range(70)) + ']'),
    # Names CPython rewrites at protocols 0-2 (fix_imports' reverse mapping).
    ('reverse_names', '[@builtins:range, @builtins:reduce, @collections:UserDict, @copyreg:_reconstructor, '
                      '@builtins:set, @io:StringIO, @functools:reduce, @m:A.B]'),
    ('newobj_ex_named', '@copyreg:__newobj_ex__(@m:A, (), {"k": 2})'),
    ('newobj_named', '@copyreg:__newobj__(@m:A)'),
]


HEADER = '''# picklecheck diff corpus: {what}
# Generated by scripts/gen_corpus.py; edit the script, not this file.
# id <TAB> options <TAB> pickle hex (corpus/README.md, harness/diff/diff_cli.h)
'''


def render_values(values):
    names = set()
    lines = ['''# picklecheck roundtrip values: refusals and byte-identity stress
# Generated by scripts/gen_corpus.py; edit the script, not this file.
# id <TAB> canonical text (harness/pickle/canonical.md); `diff` skips these
''']
    lines.append('# id\ttext\n')
    for name, text in values:
        assert name not in names and '\t' not in text and '\n' not in text, name
        names.add(name)
        lines.append('%s\t%s\n' % (name, text))
    return ''.join(lines)


def render(what, cases):
    lines = [HEADER.format(what=what)]
    for vid, opts, data in cases:
        lines.append('%s\t%s\t%s\n' % (vid, opts, data.hex()))
    return ''.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='compare instead of writing')
    args = ap.parse_args()
    files = {
        'options.tsv': render('zoo pickles under more Unpickler options', option_cases()),
        'opcodes.tsv': render('every opcode: minimal, truncated, alone, framed', opcode_cases()),
        'values.tsv': render_values(VALUES),
    }
    links = {os.path.join('vectors', n): os.path.join('..', '..', '..', '..', 'harness', 'pickle', 'testdata', n)
             for n in LINKED}
    bad = []
    for rel, text in sorted(files.items()):
        path = os.path.join(OUT, rel)
        if args.check:
            try:
                with open(path, encoding='utf-8') as f:
                    if f.read() != text:
                        bad.append(rel)
            except OSError:
                bad.append(rel)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
    for rel, target in sorted(links.items()):
        path = os.path.join(OUT, rel)
        if args.check:
            if not os.path.islink(path) or os.readlink(path) != target:
                bad.append(rel)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if os.path.lexists(path):
                os.remove(path)
            os.symlink(target, path)
    if args.check:
        if bad:
            print('gen_corpus.py: out of date: %s' % ', '.join(bad), file=sys.stderr)
            return 1
        return 0
    for rel, text in sorted(files.items()):
        print('%s: %d cases' % (rel, sum(1 for l in text.split('\n') if l and not l.startswith('#'))))
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Conformance testee for Python pickle codecs (harness/conform/TESTEE.md).

    python3.X python_testee.py --codec cpython-c        # _pickle.Unpickler
    python3.X python_testee.py --codec cpython-py       # pickle._Unpickler
    pypy3     python_testee.py --codec cpython-c        # PyPy's pickle (pure Python)
    /usr/bin/python3 python_testee.py --codec zodbpickle-c    # zodbpickle.fastpickle (C)
    /usr/bin/python3 python_testee.py --codec zodbpickle-py   # zodbpickle.slowpickle
    ... [--transcode canonical|reencode]

Each codec's Unpickler runs under the safe policy of oracles/pickle_oracle.py
(find_class returns inert stand-ins, nothing is imported or run), the policy
the vectors were judged under, so the codecs differ only in how they unpickle.
Transcode answers: `canonical` (default) prints the value in canonical text
('V' + text); `reencode` writes it with this interpreter's pickler
(pickle_oracle's dump of the canonical text, highest protocol) and answers
'B' + pickle: the runner then loads that with CPython 3.11.

Runs on CPython 3.6-3.13 and PyPy3 (stdlib only). Stream mode only.
"""

import argparse
import json
import os
import platform
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import pickle_oracle as po  # noqa: E402

_U32 = struct.Struct('<I')


class Codec(object):
    """An _Impl-like object for pickle_oracle.judge_load."""

    def __init__(self, name, base, probe_c, make_file, buffers=True):
        self.name = name
        self.unpickler_name = '%s.%s' % (base.__module__, base.__name__)
        self.unpicklers = (po._make_unpickler(base, False, probe_c), po._make_unpickler(base, True, probe_c))
        self.make_file = make_file
        self.buffers = buffers


def make_codec(name):
    impl = sys.implementation.name
    ver = '%d.%d.%d' % sys.version_info[:3]
    if name in ('cpython-c', 'cpython-py'):
        imp = po.get_impl('c' if name == 'cpython-c' else 'python')
        label = '%s %s %s' % ('PyPy' if impl == 'pypy' else 'CPython', platform.python_version(),
                              imp.unpickler_name)
        if impl == 'pypy':
            label += ' (PyPy %s)' % '.'.join(map(str, sys.pypy_version_info[:3]))
        imp.buffers = True
        return imp, label
    if name in ('zodbpickle-c', 'zodbpickle-py'):
        try:
            import zodbpickle
            from zodbpickle import fastpickle, slowpickle
        except ImportError as e:
            sys.exit('python_testee.py: zodbpickle is not installed: %s' % e)
        try:
            from importlib import metadata
            zver = metadata.version('zodbpickle')
        except Exception:  # pragma: no cover
            zver = getattr(zodbpickle, '__version__', '?')
        if name == 'zodbpickle-c':
            codec = Codec('c', fastpickle.Unpickler, True, po._WholeInput, buffers=False)
        else:
            import io
            codec = Codec('python', slowpickle.Unpickler, False, io.BytesIO, buffers=False)
        return codec, 'zodbpickle %s %s on Python %s' % (zver, codec.unpickler_name, ver)
    sys.exit('python_testee.py: unknown codec %r' % name)


def frame(payload):
    return _U32.pack(len(payload)) + payload


def serve(codec, label, codec_name, transcode, rfile, wfile):
    while True:
        hdr = rfile.read(4)
        if len(hdr) < 4:
            return 0
        (n,) = _U32.unpack(hdr)
        p = rfile.read(n)
        if len(p) < n:
            return 1
        t = p[:1]
        if t == b'Q':
            wfile.write(frame(b'Q'))
            wfile.flush()
            return 0
        if t == b'H':
            hello = {'name': codec_name, 'version': label,
                     'levels': ['verdict', 'transcode'],
                     'description': 'pickle_oracle.py safe policy over %s; transcode: %s'
                                    % (codec.unpickler_name, transcode)}
            resp = b'H' + json.dumps(hello).encode('utf-8')
        elif t in (b'L', b'T'):
            try:
                req = po.decode_load_request(b'L' + p[1:])
            except Exception as e:
                resp = b'X' + ('bad request: %s' % e).encode('utf-8', 'backslashreplace')
            else:
                data = req.pop('data')
                if req['buffers'] is not None and not getattr(codec, 'buffers', True):
                    resp = b'S' + b'this codec has no buffers= argument'
                else:
                    try:
                        kind, payload = po.judge_load(data, codec, **req)
                    except Exception as e:
                        kind, payload = 'X', 'adapter failure: %s: %s' % (type(e).__name__, e)
                    if t == b'L' and kind == 'V':
                        resp = b'V'
                    elif t == b'T' and kind == 'V' and transcode == 'reencode':
                        try:
                            dkind, dpayload = po.judge_dump(payload, po.pickle.HIGHEST_PROTOCOL, 'c',
                                                            fix_imports=True, out_of_band=True)
                        finally:
                            po.restore_safe_globals()
                        if dkind == 'U':
                            resp = b'S' + ('the pickler cannot write it: %s' % dpayload).encode('utf-8')
                        elif dkind == 'E':  # CPython's pickler refuses the value: no transcode
                            resp = b'S' + ('the pickler raised %s: %s' % dpayload).encode(
                                'utf-8', 'backslashreplace')
                        else:
                            resp = po.encode_outcome(dkind, dpayload)
                    else:
                        resp = po.encode_outcome(kind, payload)
        else:
            resp = b'X' + b'unknown request type'
        wfile.write(frame(resp))
        wfile.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--codec', default='cpython-c',
                    choices=['cpython-c', 'cpython-py', 'zodbpickle-c', 'zodbpickle-py'])
    ap.add_argument('--transcode', default='canonical', choices=['canonical', 'reencode'])
    ap.add_argument('--name', help='name in the handshake (default: derived from the codec)')
    args = ap.parse_args()
    codec, label = make_codec(args.codec)
    name = args.name or ('%s-%d.%d-%s' % ('pypy' if sys.implementation.name == 'pypy' else 'cpython',
                                          sys.version_info[0], sys.version_info[1], args.codec.split('-')[1])
                         if args.codec.startswith('cpython') else args.codec)
    rfile = sys.stdin.buffer
    wfile = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt a frame
    import warnings
    warnings.simplefilter('ignore')
    return serve(codec, label, name, args.transcode, rfile, wfile)


if __name__ == '__main__':
    sys.exit(main())

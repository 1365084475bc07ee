#!/usr/bin/env python2
"""Conformance testee for Python 2.7's unpicklers (harness/conform/TESTEE.md).

    /root/.pyenv/versions/2.7.18/bin/python python2_testee.py --codec cpickle
    /root/.pyenv/versions/2.7.18/bin/python python2_testee.py --codec pickle

Verdict level only (Python 2 values have no canonical text here). The policy
imitates oracles/pickle_oracle.py's, which does not run on Python 2: every
global resolves to an inert stand-in class (one per name) whose methods
accept and record what the unpickler does, except the real built-ins of the
safe policy under their Python 2 names (__builtin__.set, frozenset,
bytearray, complex, object; copy_reg._reconstructor; _codecs.encode).
pickle.loads options do not exist in Python 2: encoding/errors/fix_imports
are ignored (Python 2 str data stays bytes); buffers= is answered 'S'
(skipped); persistent_load is honoured.
"""
import json
import struct
import sys

import copy_reg
import cPickle
import pickle
import _codecs
from cStringIO import StringIO

U32 = struct.Struct('<I')
U16 = struct.Struct('<H')


class Stub(object):
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.__dict__['_pc_state'] = state

    def append(self, item):
        pass

    def extend(self, items):
        pass

    def __setitem__(self, key, value):
        pass

    def add(self, item):
        pass

    def __call__(self, *args, **kwargs):
        return Stub()


_classes = {}
SAFE = {('__builtin__', 'set'): set, ('__builtin__', 'frozenset'): frozenset,
        ('__builtin__', 'bytearray'): bytearray, ('__builtin__', 'complex'): complex,
        ('__builtin__', 'object'): object, ('copy_reg', '_reconstructor'): copy_reg._reconstructor,
        ('_codecs', 'encode'): _codecs.encode}


def find_global(module, name):
    real = SAFE.get((module, name))
    if real is not None:
        return real
    key = (module, name)
    cls = _classes.get(key)
    if cls is None:
        try:
            cls = type(name if isinstance(name, str) else 'Stub', (Stub,), {'__module__': module})
        except (TypeError, ValueError):
            cls = type('Stub', (Stub,), {})
        _classes[key] = cls
    return cls


def persistent_load(pid):
    return Stub()


def load(codec, data, persistent):
    if codec == 'cpickle':
        u = cPickle.Unpickler(StringIO(data))
        u.find_global = find_global
        if persistent:
            u.persistent_load = persistent_load
        return u.load()

    class U(pickle.Unpickler):
        def find_class(self, module, name):
            return find_global(module, name)
    u = U(StringIO(data))
    if persistent:
        u.persistent_load = persistent_load
    return u.load()


def parse_load(p):
    off = 1
    flags = ord(p[off])
    off += 1
    (n,) = U16.unpack_from(p, off)
    off += 2 + n
    (n,) = U16.unpack_from(p, off)
    off += 2 + n
    (nbuf,) = U32.unpack_from(p, off)
    off += 4
    for _ in range(nbuf):
        off += 1
        (n,) = U32.unpack_from(p, off)
        off += 4 + n
    (n,) = U32.unpack_from(p, off)
    off += 4
    return flags, p[off:off + n]


def frame(payload):
    return U32.pack(len(payload)) + payload


def main():
    codec = 'cpickle'
    if '--codec' in sys.argv:
        codec = sys.argv[sys.argv.index('--codec') + 1]
    if codec not in ('cpickle', 'pickle'):
        sys.exit('python2_testee.py: --codec cpickle|pickle')
    rfile, wfile = sys.stdin, sys.stdout
    sys.stdout = sys.stderr
    name = 'cpython-2.7-' + ('c' if codec == 'cpickle' else 'py')
    label = 'CPython %s %s' % (sys.version.split()[0], 'cPickle.Unpickler' if codec == 'cpickle'
                               else 'pickle.Unpickler')
    while True:
        hdr = rfile.read(4)
        if len(hdr) < 4:
            return 0
        (n,) = U32.unpack(hdr)
        p = rfile.read(n)
        if len(p) < n:
            return 1
        t = p[:1]
        if t == 'Q':
            wfile.write(frame('Q'))
            wfile.flush()
            return 0
        if t == 'H':
            resp = 'H' + json.dumps({'name': name, 'version': label, 'levels': ['verdict']})
        elif t in ('L', 'T'):
            try:
                flags, data = parse_load(p)
            except Exception as e:
                resp = 'X' + ('bad request: %s' % e)
            else:
                if flags & 4:
                    resp = 'S' + 'Python 2 has no buffers= argument'
                else:
                    try:
                        load(codec, data, flags & 2)
                        resp = 'V'
                    except MemoryError as e:
                        resp = 'M' + str(e)
                    except RuntimeError as e:  # recursion
                        resp = 'E' + U16.pack(12) + 'RuntimeError' + U32.pack(0)
                    except Exception as e:
                        tname = type(e).__name__
                        msg = repr(e)[:300]
                        resp = 'E' + U16.pack(len(tname)) + tname + U32.pack(len(msg)) + msg
        else:
            resp = 'Xunknown request type'
        wfile.write(frame(resp))
        wfile.flush()


if __name__ == '__main__':
    sys.exit(main())

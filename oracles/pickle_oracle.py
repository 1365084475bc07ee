#!/usr/bin/env python3
"""picklecheck's CPython oracle: CPython's own pickle machinery as a judge.

One self-contained file, stdlib only, for CPython 3.6-3.13 and PyPy3:

    python -I -S -B oracles/pickle_oracle.py --impl c        # _pickle (the judge)
    python -I -S -B oracles/pickle_oracle.py --impl python   # pickle._Unpickler / _Pickler

It serves framed requests on stdin/stdout (oracles/PROTOCOL.md): `L` loads a
pickle and answers its canonical text (harness/pickle/canonical.md) or the
exception CPython raised; `D` parses canonical text and answers the bytes
CPython's pickler writes for it. The same code is importable: judge_load(),
judge_dump(), canonical() and parse() are what the server, the tests and
oracles/gen_vectors.py use (importing sets sys.modules['__builtin__'] = None,
see below).

Design
------
Safety. Nothing a pickle names is imported or run. find_class applies
CPython's fix_imports mapping (exactly as CPython's find_class does) and then
returns either one of the eight safe built-ins of canonical.md section 4 or an
inert *stub class*; persistent_load returns a stub instance. Stub code only
records what the unpickler asks of it. Codec lookups are CPython's own: the
STRING opcodes and `_codecs.encode` may import modules of the standard
`encodings` package, nothing else. After every request the one safe built-in a
pickle can mutate, copyreg._reconstructor (BUILD stores into a function's
__dict__ and may set __defaults__ and friends), is put back as it was.

Loading exactly like pickle.loads(bytes). The C unpickler only consults
find_class and persistent_load on a subclass, and a subclass must read from a
file. A file without peek() makes _pickle drop buffered bytes when an opcode
straddles a FRAME end (`9502000000000000009501000000000000004e2e`: loads gives
None, load(BytesIO) "pickle data was truncated"). _WholeInput.peek() hands the
whole remaining input to _pickle in one buffer, which is then exactly the
buffer pickle.loads works on; every read past its end fails the same way,
including the 0-byte read of an empty BINBYTES at the very end
(test_pickle_oracle checks this against pickle.loads over the reference
inputs and random mutations). The pure-Python judge is pickle._loads itself:
an _Unpickler over io.BytesIO.

The C unpickler does not expose the protocol it has seen, which find_class's
fix_imports mapping depends on. CPython's own find_class tells: asked for
('__builtin__', 'set') it returns `set` exactly when the mapping is active
(protocol < 3 and fix_imports), else it fails to import '__builtin__', which
sys.modules['__builtin__'] = None makes a fast failure that can never load a
file (ModuleNotFoundError; AttributeError on 3.6, whose import returns the
None). The probe runs only for names the mapping would change.

Stubs. A stub class is a real type (NEWOBJ needs one), one per (module, name),
cached across requests (the cache is emptied between requests once it holds
50000 classes), with __module__ = module, __qualname__ = name and
__name__ = name (or "Stub" when type() refuses the name: a NUL or a lone
surrogate). Generic stub instances (persid results, results of calling an
instance) are of the base class Stub. The stubs record:
  A.__new__(A, *args, **kw)     -> new(@m:A, (args), {kw})
  A(*args) (__new__ + __init__) -> @m:A(args)
  object.__new__(A)             -> no record: prints as new(@m:A, ())
  instance(*args)               -> call(callee, args), a new Stub instance
  persistent_load(pid)          -> persid(pid)
  __setstate__/append/extend/__setitem__/add -> .build/.append/.setitem/.add
Instances are hashable by identity, not iterable, and have no __getattr__ or
__eq__, so both unpicklers treat them as plain objects.

Canonical text. canonical() is iterative (a 10**5-deep list prints) and makes
two passes over the graph (count references, then print). Set elements are
ordered by sort keys computed by nested printers, driven by a trampoline so
that nesting needs no Python recursion, and a set's order is computed once
when it does not depend on the sets around it. Output is linear in the graph
except there: each key prints its element's whole subgraph, so N elements
that all reach one large shared value cost N times its size.

Where canonical.md's text depends on what CPython does not keep, or has no
notation, the printer raises Unrepresentable and the server answers `U`:
  * set elements with equal sort keys that sharing tells apart (canonical.md
    orders them by first insertion, which a CPython set does not keep);
  * a set order fixed while key-printing one element of an outer set and met
    again from a sibling element in a context that changes it (canonical.md
    key-prints elements in insertion order; only sets on a cycle with another
    set can be affected);
  * a stub whose __init__ ran with arguments other than its __new__'s
    (copyreg._reconstructor with a stub *instance* as base);
  * a type the object model does not have.

Dumps. parse() builds the graph with the stub machinery (stub instances are
created by calling the stubs, so they record what they print). Stub instances
pickle through __reduce_ex__ as the operations that rebuild them:
  new(A, args)        -> (copyreg.__newobj__, (A,) + args, ...)  NEWOBJ at p>=2
  new(A, args, kw)    -> (copyreg.__newobj_ex__, (A, args, kw), ...) NEWOBJ_EX at
                         p>=4; at p2-3 CPython pickles partial(A.__new__, ...),
                         and A.__new__ is object.__new__ for the dump, as for
                         an ordinary class
  A(args)             -> (A, args, ...)
  call(callee, args)  -> (callee, args, ...)
  persid(pid)         -> Pickler.persistent_id returns pid
with appends as listitems, setitems as dictitems and one build as state:
the only order CPython's save_reduce can write. Anything else (add ops, a
second build, build(None), ops on a persid, a persid pickled as a value) is
`U`. CPython's save_global imports a class's module and checks that the
attribute is the class: for the dump every module that holds a stub gets a
temporary module object in sys.modules (a copy of the real module's
namespace when it is loaded, so real names still resolve) with the stubs
bound, and a dotted name a.b binds b as an attribute of stub a (so protocols
< 4 write getattr(a, 'b') as CPython does for nested classes). All of it is
undone afterwards, also on error. If a stub shadows a real object that the
same dump also needs (a stub @functools:partial and a real partial), CPython
cannot pickle both: `U`.

Limits. --max-memory-mb sets RLIMIT_AS (a MemoryError is answered `M`, not
as a verdict), --cpu-seconds keeps RLIMIT_CPU that many seconds ahead of the
process's CPU time before each request (a request that spins gets SIGXCPU),
--recursion-limit (default 1000, CPython's default, so dumps of deep values
fail where pickle.dumps fails; `R`).
"""

import codecs
import copyreg
import io
import json
import os
import pickle
import re
import struct
import sys
import time

import _compat_pickle

try:
    import _pickle
except ImportError:  # PyPy: pickle.Unpickler is the pure-Python one
    _pickle = None

try:
    import resource
except ImportError:  # not POSIX
    resource = None

PickleBuffer = getattr(pickle, 'PickleBuffer', None)  # 3.8+

NAME_MAPPING = _compat_pickle.NAME_MAPPING
IMPORT_MAPPING = _compat_pickle.IMPORT_MAPPING

# Error messages that name the stub machinery's functions read
# "picklecheck.Stub.__new__() ..." whether this file is run or imported.
_MACHINERY_MODULE = 'picklecheck'


class Unrepresentable(Exception):
    """The value has no canonical text, or CPython's pickler cannot write it
    with this stub design. Never a CPython verdict: the server answers U."""


class BadRequest(Exception):
    """A malformed request or canonical text: answered X."""


# ---------------------------------------------------------------------------
# Stub machinery (canonical.md section 3)
# ---------------------------------------------------------------------------

class Stub(object):
    """Base of every stub class; its own instances are persid and call results.

    Slots, all unset on an instance made by object.__new__(A):
      _pc_how    'new' | 'call' | 'icall' | 'persid'
      _pc_args   positional arguments (a fresh tuple)
      _pc_kwargs keyword arguments of __new__ / __call__ (a fresh dict)
      _pc_head   the callee ('icall') or the persistent id ('persid')
      _pc_ops    [('build', x) | ('append', x) | ('setitem', k, v) | ('add', x)]
      _pc_bad    why the record no longer describes the object
    """
    __slots__ = ('_pc_how', '_pc_args', '_pc_kwargs', '_pc_head', '_pc_ops', '_pc_bad')

    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        self._pc_how = 'new'
        self._pc_args = args
        self._pc_kwargs = kwargs
        return self

    def __init__(self, *args, **kwargs):
        # type.__call__ runs __init__ right after __new__ with the same
        # argument objects; so does copyreg._reconstructor(A, B, state) with a
        # stub B. That makes the record a call. Anything else (B an instance:
        # B.__init__(obj, state) lands here with self=B) has no notation.
        try:
            how = self._pc_how
            ok = (how == 'new' and not kwargs and not self._pc_kwargs
                  and len(args) == len(self._pc_args)
                  and all(a is b for a, b in zip(args, self._pc_args)))
        except AttributeError:
            ok = False
        if ok:
            self._pc_how = 'call'
        else:
            self._pc_bad = '__init__ ran with arguments its __new__ did not get'

    def __call__(self, *args, **kwargs):
        result = object.__new__(Stub)
        result._pc_how = 'icall'
        result._pc_head = self
        result._pc_args = args
        result._pc_kwargs = kwargs
        return result

    def __setstate__(self, state):
        _record(self, ('build', state))

    def append(self, item):
        _record(self, ('append', item))

    def extend(self, items):
        # The C unpickler calls extend(list) for APPEND(S) on a non-list, the
        # Python one append(x) for APPEND: item by item they record the same.
        for item in items:
            _record(self, ('append', item))

    def __setitem__(self, key, value):
        _record(self, ('setitem', key, value))

    def add(self, item):
        _record(self, ('add', item))

    def __repr__(self):
        # Deterministic (no address). A dump that would write it (a persistent
        # id at protocol 0 is written as str(pid)) is answered U.
        _dump_state.repr_used = True
        return '<stub %s>' % type(self).__name__

    def __reduce_ex__(self, protocol):
        return _stub_reduce(self, protocol)


for _f in (Stub.__new__, Stub.__init__, Stub.__call__, Stub.__setstate__, Stub.append,
           Stub.extend, Stub.__setitem__, Stub.add, Stub.__repr__, Stub.__reduce_ex__):
    _f.__module__ = _MACHINERY_MODULE
Stub.__module__ = _MACHINERY_MODULE
del _f


def _record(obj, op):
    try:
        ops = obj._pc_ops
    except AttributeError:
        ops = obj._pc_ops = []
    ops.append(op)


def _persid(pid):
    obj = object.__new__(Stub)
    obj._pc_how = 'persid'
    obj._pc_head = pid
    return obj


_stub_classes = {}
_STUB_CACHE_MAX = 50000  # trimmed between requests; identity only matters within one


def stub_class(module, name):
    """The stub class for (module, name): the same object for the same name."""
    key = (module, name)
    cls = _stub_classes.get(key)
    if cls is None:
        # Each class gets a __module__ str object of its own: the pickler
        # memoizes the module str STACK_GLOBAL writes by identity, so a
        # shared object would make the bytes depend on which classes were
        # created together (one-character strs are singletons anyway).
        own_module = module[:1] + module[1:] if len(module) > 1 else module
        ns = {'__slots__': (), '__module__': own_module, '__qualname__': name,
              '_pc_global': key}
        try:
            cls = type(name, (Stub,), ns)
        except (ValueError, UnicodeError):  # NUL or lone surrogate in the name
            cls = type('Stub', (Stub,), ns)
        _stub_classes[key] = cls
    return cls


def _is_stub_class(obj):
    return type(obj) is type and '_pc_global' in obj.__dict__


SAFE_GLOBALS = {
    ('builtins', 'set'): set,
    ('builtins', 'frozenset'): frozenset,
    ('builtins', 'bytearray'): bytearray,
    ('builtins', 'bytes'): bytes,
    ('builtins', 'complex'): complex,
    ('builtins', 'object'): object,
    ('_codecs', 'encode'): codecs.encode,
    ('copyreg', '_reconstructor'): copyreg._reconstructor,
}
_SAFE_NAME = dict((v, k) for k, v in SAFE_GLOBALS.items())


def resolve_global(module, name):
    """canonical.md section 4 after the mapping: a safe built-in or a stub."""
    obj = SAFE_GLOBALS.get((module, name))
    if obj is None:
        obj = stub_class(module, name)
    return obj


def map_name(module, name):
    """CPython find_class's fix_imports mapping (used when it is active)."""
    key = (module, name)
    if key in NAME_MAPPING:
        return NAME_MAPPING[key]
    if module in IMPORT_MAPPING:
        return IMPORT_MAPPING[module], name
    return module, name


# The mapping probe: CPython's find_class('__builtin__', 'set') is `set` when
# the mapping is active. With None in sys.modules the failing import is fast
# and can never find a file.
if '__builtin__' not in sys.modules:
    sys.modules['__builtin__'] = None
if ('__builtin__', 'set') in NAME_MAPPING or IMPORT_MAPPING.get('__builtin__') != 'builtins':
    raise RuntimeError('_compat_pickle changed: the fix_imports probe needs a new name')


def _make_unpickler(base, persistent, probe_c):
    """A subclass of `base` whose find_class/persistent_load are the stubs'."""
    base_find_class = base.find_class

    if probe_c:
        def mapping_active(self):
            # Inactive, the import of '__builtin__' fails: ModuleNotFoundError
            # (3.7+), or on 3.6 None comes back and getattr(None, 'set') fails.
            try:
                return base_find_class(self, '__builtin__', 'set') is set
            except (ImportError, AttributeError):
                return False
    else:
        def mapping_active(self):
            return self.proto < 3 and self.fix_imports

    def find_class(self, module, name):
        if ((module, name) in NAME_MAPPING or module in IMPORT_MAPPING) and mapping_active(self):
            module, name = map_name(module, name)
        return resolve_global(module, name)

    ns = {'find_class': find_class}
    if persistent:
        def persistent_load(self, pid):
            return _persid(pid)
        ns['persistent_load'] = persistent_load
    return type('OracleUnpickler', (base,), ns)


class _WholeInput(object):
    """A read-only file for _pickle.Unpickler that behaves like loads(bytes).

    _pickle asks peek() for more input before reading; returning everything
    left makes it work on one buffer, as pickle.loads does, so no byte is
    dropped at FRAME ends. Reads past the end come back short, which _pickle
    reports as "pickle data was truncated" (or EOFError between opcodes),
    exactly as for loads.
    """
    __slots__ = ('_data', '_pos')

    def __init__(self, data):
        self._data = data
        self._pos = 0

    def peek(self, n=0):
        return self._data[self._pos:]

    def read(self, n=-1):
        pos = self._pos
        end = len(self._data) if n is None or n < 0 else min(len(self._data), pos + n)
        self._pos = end
        return self._data[pos:end]

    def readinto(self, buf):
        pos = self._pos
        if not len(buf):
            # _pickle (3.8+ _Unpickler_ReadInto) reaches the file for a 0-byte
            # payload only when its buffer, the whole input, is used up. loads
            # has no file there and says truncated: `4200000000` (BINBYTES of
            # 0 bytes as the last bytes) -> "pickle data was truncated".
            raise pickle.UnpicklingError('pickle data was truncated')
        n = min(len(buf), len(self._data) - pos)
        buf[:n] = self._data[pos:pos + n]
        self._pos = pos + n
        return n

    def readline(self):
        pos = self._pos
        i = self._data.find(b'\n', pos)
        end = len(self._data) if i < 0 else i + 1
        self._pos = end
        return self._data[pos:end]


class _Impl(object):
    """One implementation under test: its unpickler classes and pickler."""

    def __init__(self, name):
        self.name = name
        if name == 'c' and _pickle is not None:
            base, probe, self.make_file = _pickle.Unpickler, True, _WholeInput
            pbase = _pickle.Pickler
        elif name in ('c', 'python'):
            # PyPy has no _pickle: its pickle.Unpickler is pickle._Unpickler.
            base = pickle.Unpickler if name == 'c' else pickle._Unpickler
            probe, self.make_file = False, io.BytesIO
            pbase = pickle.Pickler if name == 'c' else pickle._Pickler
        else:
            raise ValueError('impl must be c or python')
        self.unpickler_name = '%s.%s' % (base.__module__, base.__name__)
        self.pickler_name = '%s.%s' % (pbase.__module__, pbase.__name__)
        self.unpicklers = (_make_unpickler(base, False, probe), _make_unpickler(base, True, probe))

        def persistent_id(self, obj):
            if type(obj) is Stub and getattr(obj, '_pc_how', None) == 'persid':
                if getattr(obj, '_pc_ops', None):
                    raise Unrepresentable('persid(...) with operations: a persistent id '
                                          'pickles as the id alone')
                pid = obj._pc_head
                if pid is None:
                    raise Unrepresentable('persid(None): persistent_id returning None '
                                          'means "not persistent"')
                return pid
            return None
        self.pickler = type('OraclePickler', (pbase,), {'persistent_id': persistent_id})


_IMPLS = {}


def get_impl(name):
    impl = _IMPLS.get(name)
    if impl is None:
        impl = _IMPLS[name] = _Impl(name)
    return impl


# copyreg._reconstructor is a Python function: BUILD on it stores into its
# __dict__ and slot state may set __defaults__ etc. Snapshot and restore.
_RECON = copyreg._reconstructor
_RECON_ATTRS = ('__name__', '__qualname__', '__doc__', '__defaults__', '__kwdefaults__',
                '__module__', '__annotations__', '__type_params__')
_RECON_SAVED = dict((a, getattr(_RECON, a)) for a in _RECON_ATTRS if hasattr(_RECON, a))


def restore_safe_globals():
    """Undo every change a pickle can make to the real safe built-ins."""
    if _RECON.__dict__:
        _RECON.__dict__ = {}
    for attr, value in _RECON_SAVED.items():
        if getattr(_RECON, attr) is not value:
            setattr(_RECON, attr, value)
    if len(_stub_classes) > _STUB_CACHE_MAX:
        _stub_classes.clear()


# ---------------------------------------------------------------------------
# Canonical text printer (canonical.md section 2)
# ---------------------------------------------------------------------------

class _Lit(str):
    """Literal text on the printer's work stack (a str value is data)."""
    __slots__ = ()


_L = dict((s, _Lit(s)) for s in (
    ', ', ': ', ')', ']', '}', '})', ',)', '(', '[', '{', 'frozenset({', 'new(', 'call(',
    'persid(', 'readonly(', '.build(', '.append(', '.setitem(', '.add(', ''))

_TWO64 = 1 << 64
_NAN_BITS = 0x7ff8000000000000


def format_int(v):
    if -_TWO64 < v < _TWO64:
        return '%d' % v
    return '0x%x' % v if v > 0 else '-0x%x' % -v


def format_float(v):
    if v != v:
        bits = struct.unpack('>Q', struct.pack('>d', v))[0]
        return 'nan' if bits == _NAN_BITS else 'nan(0x%016x)' % bits
    return repr(v)


_STR_SPECIAL = re.compile(u'[\x00-\x1f"\\\\\x7f-\x9f\ud800-\udfff]')
_STR_TABLE = {}
for _c in list(range(0x20)) + list(range(0x7f, 0xa0)):
    _STR_TABLE[_c] = '\\x%02x' % _c
for _c in range(0xd800, 0xe000):
    _STR_TABLE[_c] = '\\u%04x' % _c
_STR_TABLE.update({0x5c: '\\\\', 0x22: '\\"', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t'})
del _c


def format_str(s, quote=True):
    if _STR_SPECIAL.search(s) is not None:
        s = s.translate(_STR_TABLE)
    return '"' + s + '"' if quote else s


if hasattr(codecs, 'escape_encode'):
    def _escape_bytes(b):
        # escape_encode is bytes.__repr__'s escaping: \t \n \r \\ \' and \xhh
        # (lowercase) for the rest outside 0x20-0x7e. The notation quotes with
        # '"': a quote is always written as \' there, so un-escape it.
        s = codecs.escape_encode(b)[0].decode('ascii')
        if "'" in s:
            s = s.replace("\\'", "'")
        if '"' in s:
            s = s.replace('"', '\\"')
        return s
else:  # pragma: no cover - every supported interpreter has it
    _BYTE_ESC = ['\\x%02x' % i if i < 0x20 or i > 0x7e else chr(i) for i in range(256)]
    _BYTE_ESC[0x5c], _BYTE_ESC[0x22] = '\\\\', '\\"'
    _BYTE_ESC[0x0a], _BYTE_ESC[0x0d], _BYTE_ESC[0x09] = '\\n', '\\r', '\\t'

    def _escape_bytes(b):
        return ''.join([_BYTE_ESC[i] for i in bytearray(b)])


def format_bytes(b):
    return 'b"' + _escape_bytes(bytes(b)) + '"'


_BARE_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z')


def format_global(module, name):
    return '@%s:%s' % (module if _BARE_NAME.match(module) else format_str(module),
                       name if _BARE_NAME.match(name) else format_str(name))


def _global_text(obj):
    """Text of a global (stub class or safe built-in), or None."""
    t = type(obj)
    if t is type:
        key = obj.__dict__.get('_pc_global')
        if key is None:
            key = _SAFE_NAME.get(obj)
    elif t is type(_RECON) or t is type(codecs.encode):
        key = _SAFE_NAME.get(obj)
    else:
        return None
    return None if key is None else format_global(key[0], key[1])


class _BufferInfo(object):
    """Out-of-band buffers of one load: index by PickleBuffer, and the
    PickleBuffer behind each backing object (a memoryview of a PickleBuffer
    reports the PickleBuffer's own exporter as .obj)."""
    __slots__ = ('index', 'by_backing')

    def __init__(self, buffers=()):
        self.index = {}
        self.by_backing = {}
        for i, pb in enumerate(buffers):
            self.add(i, pb)

    def add(self, i, pb):
        self.index[id(pb)] = (i, pb)
        with memoryview(pb) as m:
            self.by_backing[id(m.obj)] = pb


_NO_BUFFERS = _BufferInfo()

# Node classes for the two printer passes.
_K_LEAF, _K_STR, _K_BYTES, _K_TUPLE, _K_LIST, _K_DICT, _K_SET, _K_FSET = range(8)
_K_BYTEARRAY, _K_COMPLEX, _K_OBJECT, _K_STUB, _K_PBUF, _K_VIEW, _K_GLOBAL = range(8, 15)

_SCALAR_FORMAT = {type(None): lambda v: 'None', bool: lambda v: 'True' if v else 'False',
                  int: format_int, float: format_float}
_KIND = {str: _K_STR, bytes: _K_BYTES, tuple: _K_TUPLE, list: _K_LIST, dict: _K_DICT,
         set: _K_SET, frozenset: _K_FSET, bytearray: _K_BYTEARRAY, complex: _K_COMPLEX,
         object: _K_OBJECT, memoryview: _K_VIEW, type: _K_GLOBAL, Stub: _K_STUB,
         type(_RECON): _K_GLOBAL, type(codecs.encode): _K_GLOBAL}
if PickleBuffer is not None:
    _KIND[PickleBuffer] = _K_PBUF


def _kind(v):
    t = type(v)
    k = _KIND.get(t)
    if k is None:
        if t in _SCALAR_FORMAT:
            return _K_LEAF
        if isinstance(v, Stub):
            return _K_STUB
        raise Unrepresentable('no canonical text for a value of type %s.%s'
                              % (t.__module__, t.__qualname__))
    return k


def _shared_kind(v, k):
    """True when v is identity-bearing (canonical.md "Sharing")."""
    if k == _K_STR:
        return len(v) > 1 or (len(v) == 1 and ord(v) > 0xff)
    if k == _K_BYTES or k == _K_TUPLE:
        return len(v) > 0
    return k != _K_LEAF and k != _K_GLOBAL


def _stub_record(v):
    """(how, args, kwargs, head, ops) of a stub instance."""
    try:
        bad = v._pc_bad
    except AttributeError:
        pass
    else:
        raise Unrepresentable(bad)
    try:
        how = v._pc_how
    except AttributeError:  # object.__new__(A): indistinguishable from new(A, ())
        how, args, kwargs, head = 'new', (), None, None
    else:
        args = getattr(v, '_pc_args', ())
        kwargs = getattr(v, '_pc_kwargs', None)
        head = getattr(v, '_pc_head', None)
    return how, args, kwargs, head, getattr(v, '_pc_ops', ())


def _children(v, k, buffers):
    """The values v refers to (any order will do for counting)."""
    if k == _K_TUPLE or k == _K_LIST or k == _K_SET or k == _K_FSET:
        return v
    if k == _K_DICT:
        out = []
        for key, value in v.items():
            out.append(key)
            out.append(value)
        return out
    if k == _K_STUB:
        how, args, kwargs, head, ops = _stub_record(v)
        out = list(args)
        if kwargs:
            for key, value in kwargs.items():
                out.append(key)
                out.append(value)
        if how == 'icall' or how == 'persid':
            out.append(head)
        for op in ops:
            out.extend(op[1:])
        return out
    if k == _K_VIEW:
        return (_view_target(v, buffers),)
    return ()


def _view_target(view, buffers):
    if not view.readonly:
        raise Unrepresentable('a writable memoryview has no canonical text')
    target = view.obj
    return buffers.by_backing.get(id(target), target)


def _count(root, ctx, buffers):
    """id -> number of times the printer reaches each identity-bearing node."""
    counts = {}
    stack = [root]
    pop, push = stack.pop, stack.extend
    while stack:
        v = pop()
        k = _kind(v)
        if not _shared_kind(v, k):
            continue
        i = id(v)
        if i in ctx:
            continue
        c = counts.get(i)
        if c is not None:
            counts[i] = c + 1
            continue
        counts[i] = 1
        push(_children(v, k, buffers))
    return counts


def _leaf_key(v, k):
    """Sort key of a value that cannot contain labels, or None."""
    if k == _K_LEAF:
        return _SCALAR_FORMAT[type(v)](v)
    if k == _K_STR:
        return format_str(v)
    if k == _K_BYTES:
        return format_bytes(v)
    if k == _K_GLOBAL:
        return _global_text(v)
    return None


class _Shared(object):
    """State shared by the printers of one canonical() call."""
    __slots__ = ('root', 'buffers', 'orders', 'cyclic_sets')

    def __init__(self, root, buffers):
        self.root = root
        self.buffers = buffers
        self.orders = {}          # id(set) -> _Order
        self.cyclic_sets = None   # ids of sets on a cycle with another set (lazy)


class _Order(object):
    """A set's order, fixed at its first expansion (canonical.md section 2)."""
    __slots__ = ('elems', 'keys', 'ctx', 'frames', 'reached')

    def __init__(self, elems, keys, ctx, frames, reached):
        self.elems = elems      # elements in sort order
        self.keys = keys        # their sort keys
        self.ctx = ctx          # sets in progress when it was computed
        self.frames = frames    # ((id(set), element index), ...) being key-printed then
        self.reached = reached  # in-progress sets the keys reached: the order depends on them


def _print_gen(root, ctx, frames, shared):
    """Generator printing `root` standalone; yields nested printers for sort
    keys (the driver sends back their results) and returns (text, reached).

    ctx: ids of the sets and frozensets whose order is being computed (they
    print as set(...) / frozenset(...)); frames: which element of which set
    is being key-printed, outermost first; reached: the in-progress sets this
    text depends on. shared.orders: id(set) -> _Order, computed at a set's
    first expansion and then fixed for the whole canonical() call."""
    buffers, orders = shared.buffers, shared.orders
    counts = _count(root, ctx, buffers)
    reached = set()
    labels = {}
    out = []
    emit = out.append
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        v = pop()
        t = type(v)
        if t is _Lit:
            emit(v)
            continue
        f = _SCALAR_FORMAT.get(t)
        if f is not None:
            emit(f(v))
            continue
        k = _kind(v)
        if _shared_kind(v, k):
            i = id(v)
            if i in ctx:
                emit('set(...)' if k == _K_SET else 'frozenset(...)')
                reached.add(i)
                continue
            n = labels.get(i)
            if n is not None:
                emit('*%d' % n)
                continue
            if counts[i] > 1:
                n = labels[i] = len(labels) + 1
                emit('&%d ' % n)
        if k == _K_STR:
            emit(format_str(v))
        elif k == _K_BYTES:
            emit(format_bytes(v))
        elif k == _K_TUPLE:
            if not v:
                emit('()')
            elif len(v) == 1:
                push(_L[',)'])
                push(v[0])
                emit('(')
            else:
                _push_items(stack, v, _L[')'])
                emit('(')
        elif k == _K_LIST:
            if not v:
                emit('[]')
            else:
                _push_items(stack, v, _L[']'])
                emit('[')
        elif k == _K_DICT:
            if not v:
                emit('{}')
            else:
                _push_dict(stack, v, _L['}'])
                emit('{')
        elif k == _K_SET or k == _K_FSET:
            if not v:
                emit('set()' if k == _K_SET else 'frozenset()')
                continue
            elems = list(v)
            if len(elems) > 1:
                order = orders.get(id(v))
                if order is None:
                    sub_ctx = ctx | frozenset((id(v),))
                    keys = []
                    dep = set()
                    for j, e in enumerate(elems):
                        key = _leaf_key(e, _kind(e))
                        if key is None:
                            key, r = yield _print_gen(e, sub_ctx, frames + ((id(v), j),), shared)
                            dep |= r
                        keys.append(key)
                    perm = sorted(range(len(elems)), key=keys.__getitem__)
                    dep.discard(id(v))
                    order = orders[id(v)] = _Order([elems[j] for j in perm], [keys[j] for j in perm],
                                                   ctx, frames, frozenset(dep))
                else:
                    _check_reuse(id(v), order, ctx, frames, shared)
                reached |= order.reached
                elems = order.elems
                _check_ties(elems, order.keys, counts, ctx, buffers)
            _push_items(stack, elems, _L['}' if k == _K_SET else '})'])
            emit('{' if k == _K_SET else 'frozenset({')
        elif k == _K_GLOBAL:
            text = _global_text(v)
            if text is None:
                raise Unrepresentable('no canonical text for %r' % (v,))
            emit(text)
        elif k == _K_STUB:
            _push_stub(stack, v)
        elif k == _K_BYTEARRAY:
            emit('bytearray(' + format_bytes(v) + ')')
        elif k == _K_COMPLEX:
            emit('complex(%s, %s)' % (format_float(v.real), format_float(v.imag)))
        elif k == _K_OBJECT:
            emit('object()')
        elif k == _K_PBUF:
            entry = buffers.index.get(id(v))
            if entry is None:
                raise Unrepresentable('a PickleBuffer that is not one of the buffers')
            with memoryview(v) as m:
                emit('buffer(%d, %s%s)' % (entry[0], format_bytes(m.tobytes()),
                                           ', readonly' if m.readonly else ''))
        elif k == _K_VIEW:
            push(_L[')'])
            push(_view_target(v, buffers))
            emit('readonly(')
        else:  # pragma: no cover - _kind covers every kind above
            raise Unrepresentable('unknown kind')
    return ''.join(out), reached


def _check_reuse(set_id, order, ctx, frames, shared):
    """A fixed order met again while another element of the same outer set is
    being key-printed. canonical.md key-prints a set's elements in insertion
    order, which a CPython set does not keep: that other element might have
    come first and fixed this order in its own context. Harmless when the
    order's keys would reach the same in-progress sets in both contexts (then
    they print the same); otherwise the text is undefined.

    An in-progress set that the order's keys reach also reaches the set, so
    only a set on a cycle with another set can depend on its context; for
    every other set this is one lookup."""
    if order.ctx is ctx:
        return
    if shared.cyclic_sets is None:
        shared.cyclic_sets = _sets_on_cycles(shared.root, shared.buffers)
    if set_id not in shared.cyclic_sets or order.ctx == ctx:
        return
    for a, b in zip(order.frames, frames):
        if a == b:
            continue
        if a[0] == b[0] and _reached_from(order.elems, set_id, ctx, shared.buffers) != order.reached:
            raise Unrepresentable(
                'a set\'s order, fixed while key-printing one element of another set, is met '
                'again from a sibling element in a context that changes it; canonical.md '
                'key-prints elements in insertion order, which a CPython set does not keep')
        return


def _sets_on_cycles(root, buffers):
    """Ids of the sets and frozensets whose strongly connected component in
    the graph holds another set or frozenset (iterative Tarjan)."""
    out = set()
    k = _kind(root)
    if not _shared_kind(root, k):
        return out
    index, low, on_stack = {}, {}, set()
    comp = []
    index[id(root)] = low[id(root)] = 0
    counter = 1
    comp.append(root)
    on_stack.add(id(root))
    calls = [(root, iter(_children(root, k, buffers)))]
    while calls:
        v, it = calls[-1]
        vi = id(v)
        descended = False
        for w in it:
            kw = _kind(w)
            if not _shared_kind(w, kw):
                continue
            wi = id(w)
            if wi not in index:
                index[wi] = low[wi] = counter
                counter += 1
                comp.append(w)
                on_stack.add(wi)
                calls.append((w, iter(_children(w, kw, buffers))))
                descended = True
                break
            if wi in on_stack and index[wi] < low[vi]:
                low[vi] = index[wi]
        if descended:
            continue
        calls.pop()
        if calls:
            ui = id(calls[-1][0])
            if low[vi] < low[ui]:
                low[ui] = low[vi]
        if low[vi] == index[vi]:
            sets = []
            while True:
                w = comp.pop()
                on_stack.discard(id(w))
                if type(w) is set or type(w) is frozenset:
                    sets.append(id(w))
                if w is v:
                    break
            if len(sets) > 1:
                out.update(sets)
    return out


def _reached_from(elems, set_id, ctx, buffers):
    """The sets in `ctx` (other than set_id) that printing `elems` reaches."""
    reached = set()
    seen = set()
    stack = list(elems)
    while stack:
        v = stack.pop()
        k = _kind(v)
        if not _shared_kind(v, k):
            continue
        i = id(v)
        if i in seen:
            continue
        seen.add(i)
        if i in ctx:
            if i != set_id:
                reached.add(i)
            continue
        stack.extend(_children(v, k, buffers))
    return frozenset(reached)


def _push_items(stack, items, close):
    push = stack.append
    push(close)
    sep = _L[', ']
    for j in range(len(items) - 1, 0, -1):
        push(items[j])
        push(sep)
    push(items[0])


def _push_dict(stack, d, close):
    push = stack.append
    push(close)
    items = list(d.items())
    colon, sep = _L[': '], _L[', ']
    for j in range(len(items) - 1, -1, -1):
        push(items[j][1])
        push(colon)
        push(items[j][0])
        if j:
            push(sep)


def _push_stub(stack, v):
    how, args, kwargs, head, ops = _stub_record(v)
    push = stack.append
    for op in reversed(ops):
        push(_L[')'])
        if op[0] == 'setitem':
            push(op[2])
            push(_L[', '])
        push(op[1])
        push(_L['.' + op[0] + '('])
    if how == 'new':
        push(_L[')'])
        if kwargs:
            _push_dict(stack, kwargs, _L['}'])
            push(_L['{'])
            push(_L[', '])
        if not args:
            push(_Lit('()'))
        elif len(args) == 1:
            push(_L[',)'])
            push(args[0])
            push(_L['('])
        else:
            _push_items(stack, args, _L[')'])
            push(_L['('])
        push(_L[', '])
        push(type(v))
        push(_L['new('])
        return
    if how == 'persid':
        push(_L[')'])
        push(head)
        push(_L['persid('])
        return
    if kwargs:
        raise Unrepresentable('a call with keyword arguments has no notation')
    push(_L[')'])
    if how == 'call':  # the stub class called: @m:A(ARGS)
        if args:
            _push_items(stack, args, _L[''])
        push(_L['('])
        push(type(v))
        return
    # an instance called: call(CALLEE, ARGS)
    for a in reversed(args):
        push(a)
        push(_L[', '])
    push(head)
    push(_L['call('])


def _check_ties(elems, keys, counts, ctx, buffers):
    """Elements with equal sort keys print in canonical.md's "first-insertion
    order", which a CPython set does not keep. Their order cannot change the
    text when nothing in them is shared; otherwise the text is undefined.
    `elems` and `keys` are in sort order; sharing is the current printer's."""
    for a in range(len(keys) - 1):
        b = a + 1
        if keys[a] != keys[b]:
            continue
        for j in (a, b):
            stack = [elems[j]]
            seen = set()
            while stack:
                v = stack.pop()
                k = _kind(v)
                if not _shared_kind(v, k) or id(v) in ctx or id(v) in seen:
                    continue
                seen.add(id(v))
                if counts[id(v)] > 1:
                    raise Unrepresentable(
                        'set elements with equal sort keys %s are told apart by '
                        'sharing; canonical.md orders them by insertion, which a '
                        'CPython set does not keep' % keys[a][:200])
                stack.extend(_children(v, k, buffers))


def _drive(gen):
    """Run a printer and the printers it spawns without Python recursion."""
    stack = [gen]
    value = None
    while True:
        try:
            req = stack[-1].send(value)
        except StopIteration as stop:
            stack.pop()
            value = stop.value
            if not stack:
                return value
            continue
        stack.append(req)
        value = None


def canonical(value, buffers=None):
    """The canonical text of `value` (str).

    buffers: the out-of-band buffers of the load (a list of PickleBuffer, or a
    _BufferInfo), which print as buffer(i, ...). Raises Unrepresentable.
    """
    if buffers is None:
        info = _NO_BUFFERS
    elif isinstance(buffers, _BufferInfo):
        info = buffers
    else:
        info = _BufferInfo(buffers)
    return _drive(_print_gen(value, frozenset(), (), _Shared(value, info)))[0]


# ---------------------------------------------------------------------------
# Canonical text parser
# ---------------------------------------------------------------------------

class _Node(object):
    """A parsed value. kind: 'val' (obj is final), 'list', 'dict', 'set',
    'tuple', 'frozenset', 'new', 'call', 'persid', 'readonly'."""
    __slots__ = ('kind', 'items', 'head', 'ops', 'obj', 'state')

    def __init__(self, kind, obj=None, items=None, head=None):
        self.kind = kind
        self.obj = obj
        self.items = items
        self.head = head
        self.ops = None
        self.state = 2 if kind == 'val' else 0


def _fresh_byte_factory():
    """1-byte bytes are often CPython singletons; canonical text treats each
    literal as its own object. Pick a way this interpreter makes fresh ones."""
    candidates = [
        lambda b: pickle.loads(b'C\x01' + b + b'.'),
        lambda b: struct.pack('1s', b),
        lambda b: bytes(bytearray(b)),
    ]
    for make in candidates:
        try:
            x, y = make(b'a'), make(b'a')
        except Exception:
            continue
        if x == b'a' and x is not y:
            return make
    return None


_fresh_byte = _fresh_byte_factory()

_NUMBER = re.compile(r'-?(?:0x[0-9a-f]+|inf|nan(?:\(0x[0-9a-f]{16}\))?|'
                     r'[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)')
_LABEL = re.compile(r'&([1-9][0-9]*) ')
_REF = re.compile(r'\*([1-9][0-9]*)')
_BARE_PART = re.compile(r'[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*')
_STR_BODY_END = re.compile(r'["\\]')
_STR_ESCAPE = re.compile(r'\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[\\"nrt])')
_BYTES_BODY = re.compile(r'(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\(?:x[0-9a-f]{2}|[\\"nrt]))*')
_SIMPLE_ESC = {'\\': '\\', '"': '"', 'n': '\n', 'r': '\r', 't': '\t'}


def _unescape(m):
    e = m.group(1)
    if len(e) == 1:
        return _SIMPLE_ESC[e]
    return chr(int(e[1:], 16))


class _Parser(object):

    def __init__(self, text):
        self.s = text
        self.pos = 0
        self.labels = []      # label N -> node at labels[N - 1]
        self.nodes = []       # non-'val' nodes in document order
        self.stub_classes = set()
        self.buffers = {}     # index -> (PickleBuffer, data, readonly)

    def fail(self, what):
        raise BadRequest('canonical text, offset %d: %s (near %r)'
                         % (self.pos, what, self.s[self.pos:self.pos + 40]))

    def take(self, lit):
        if self.s.startswith(lit, self.pos):
            self.pos += len(lit)
            return True
        return False

    def expect(self, lit):
        if not self.take(lit):
            self.fail('expected %r' % lit)

    def node(self, kind, **kw):
        n = _Node(kind, **kw)
        self.nodes.append(n)
        return n

    # Leaves -------------------------------------------------------------

    def str_literal(self):
        s = self.s
        if s[self.pos:self.pos + 1] != '"':
            self.fail('expected a str literal')
        i = self.pos + 1
        while True:
            m = _STR_BODY_END.search(s, i)
            if m is None:
                self.fail('unterminated str')
            if s[m.start()] == '"':
                break
            i = m.start() + 2
        body = s[self.pos + 1:m.start()]
        self.pos = m.end()
        if '\\' in body:
            body2 = _STR_ESCAPE.sub(_unescape, body)
            if _STR_ESCAPE.sub('', body).count('\\'):
                self.fail('bad escape in str')
            body = body2
        return body

    def bytes_literal(self):
        if not self.take('b"'):
            self.fail('expected a bytes literal')
        m = _BYTES_BODY.match(self.s, self.pos)
        body = m.group()
        self.pos = m.end()
        self.expect('"')
        if '\\' in body:
            body = _STR_ESCAPE.sub(_unescape, body)
        data = body.encode('latin-1')
        if len(data) == 1 and _fresh_byte is not None:
            data = _fresh_byte(data)
        elif len(data) > 1:
            data = bytes(bytearray(data))  # never share a constant
        return data

    def number(self, want_float=False):
        m = _NUMBER.match(self.s, self.pos)
        if m is None:
            self.fail('expected a number')
        t = m.group()
        self.pos = m.end()
        if t.startswith('nan('):
            return struct.unpack('>d', struct.pack('>Q', int(t[6:-1], 16)))[0]
        if t.lstrip('-').startswith('0x'):
            if want_float:
                self.fail('expected a float')
            return -int(t[3:], 16) if t[0] == '-' else int(t[2:], 16)
        if want_float or '.' in t or 'e' in t or 'n' in t:
            return float(t)
        return int(t)

    def global_part(self):
        if self.s[self.pos:self.pos + 1] == '"':
            return self.str_literal()
        m = _BARE_PART.match(self.s, self.pos)
        if m is None:
            self.fail('expected a global name part')
        self.pos = m.end()
        return m.group()

    def global_ref(self):
        self.expect('@')
        module = self.global_part()
        self.expect(':')
        name = self.global_part()
        obj = resolve_global(module, name)
        if _is_stub_class(obj):
            self.stub_classes.add(obj)
        return obj

    def buffer_literal(self):
        if PickleBuffer is None:
            raise Unrepresentable('buffer(...) needs pickle.PickleBuffer (Python 3.8+)')
        i = self.number()
        if not isinstance(i, int) or i < 0:
            self.fail('buffer index must be a non-negative int')
        self.expect(', ')
        data = self.bytes_literal()
        readonly = self.take(', readonly')
        self.expect(')')
        if i in self.buffers:
            self.fail('buffer %d appears twice without a label' % i)
        pb = PickleBuffer(bytes(data) if readonly else bytearray(data))
        self.buffers[i] = pb
        return pb

    # Values ---------------------------------------------------------------

    def parse(self):
        """Parse one value; returns its node. Iterative: `frames` holds the
        containers, calls and operations waiting for values, as lists
        [type, label, node, ...]. A label names its node as soon as the node
        exists, so a value can refer to a container it is inside."""
        s = self.s
        frames = []
        subject = None   # completed value waiting for its operations
        label = None     # label number of the expression being built
        want_value = True
        while True:
            if want_value:
                label = None
                m = _LABEL.match(s, self.pos)
                if m is not None:
                    label = int(m.group(1))
                    if label != len(self.labels) + 1:
                        self.fail('label &%d out of order' % label)
                    self.labels.append(None)
                    self.pos = m.end()
                m = _REF.match(s, self.pos)
                if m is not None:
                    if label is not None:
                        self.fail('a label cannot name a reference')
                    n = int(m.group(1))
                    if n > len(self.labels):
                        self.fail('reference *%d to an unknown label' % n)
                    self.pos = m.end()
                    # Resolved after parsing, when every label names its node.
                    subject = _Node('ref', head=n)
                    want_value = False
                    continue
                c = s[self.pos:self.pos + 1]
                node = None
                if c == '[':
                    self.pos += 1
                    node = self.node('list', obj=[], items=[])
                    self._set_label(label, node)
                    if not self.take(']'):
                        frames.append(['list', label, node])
                        continue
                elif c == '{':
                    self.pos += 1
                    if self.take('}'):
                        node = self.node('dict', obj={}, items=[])
                    else:
                        # dict or set: the first element decides.
                        node = self.node('brace', items=[])
                        self._set_label(label, node)
                        frames.append(['brace', label, node])
                        continue
                elif c == '(':
                    self.pos += 1
                    if self.take(')'):
                        node = _Node('val', obj=())
                    else:
                        node = self.node('tuple', items=[])
                        self._set_label(label, node)
                        frames.append(['paren', label, node])
                        continue
                elif c == '"':
                    node = _Node('val', obj=self.str_literal())
                elif c == '@':
                    node = _Node('val', obj=self.global_ref())
                    if s.startswith('(', self.pos):  # a stub class called: @m:A(ARGS)
                        self.pos += 1
                        if not _is_stub_class(node.obj):
                            self.fail('a call of a safe built-in is not canonical')
                        call = self.node('call', items=[], head=node)
                        self._set_label(label, call)
                        if self.take(')'):
                            subject = call
                            want_value = False
                        else:
                            frames.append(['callargs', label, call])
                        continue
                elif s.startswith('b"', self.pos):
                    node = _Node('val', obj=self.bytes_literal())
                elif s.startswith('new(', self.pos):
                    self.pos += 4
                    cls = self.global_ref()
                    if not _is_stub_class(cls):
                        self.fail('new() of a safe built-in is not canonical')
                    node = self.node('new', items=[], head=cls)
                    self._set_label(label, node)
                    self.expect(', (')
                    if self.take(')'):
                        if self._after_new_args(frames, label, node):
                            continue
                        subject = node
                        want_value = False
                        continue
                    frames.append(['newargs', label, node])
                    continue
                elif s.startswith('call(', self.pos):  # an instance called: call(CALLEE, ARGS)
                    self.pos += 5
                    node = self.node('call', items=[])
                    self._set_label(label, node)
                    frames.append(['callargs', label, node])
                    continue
                elif s.startswith('persid(', self.pos) or s.startswith('readonly(', self.pos):
                    kind = 'persid' if s[self.pos] == 'p' else 'readonly'
                    self.pos += len(kind) + 1
                    node = self.node(kind)
                    self._set_label(label, node)
                    frames.append(['one', label, node])
                    continue
                elif s.startswith('frozenset({', self.pos):
                    self.pos += 11
                    node = self.node('frozenset', items=[])
                    self._set_label(label, node)
                    frames.append(['set', label, node, '})'])
                    continue
                elif self.take('frozenset()'):
                    node = self.node('frozenset', items=[])
                elif self.take('set()'):
                    node = self.node('set', obj=set(), items=[])
                elif self.take('bytearray('):
                    node = _Node('val', obj=bytearray(self.bytes_literal()))
                    self.expect(')')
                elif self.take('complex('):
                    re_ = self.number(True)
                    self.expect(', ')
                    im = self.number(True)
                    self.expect(')')
                    node = _Node('val', obj=complex(re_, im))
                elif self.take('buffer('):
                    node = _Node('val', obj=self.buffer_literal())
                elif self.take('object()'):
                    node = _Node('val', obj=object())
                elif self.take('None'):
                    node = _Node('val', obj=None)
                elif self.take('True'):
                    node = _Node('val', obj=True)
                elif self.take('False'):
                    node = _Node('val', obj=False)
                else:
                    node = _Node('val', obj=self.number())
                self._set_label(label, node)
                subject = node
                want_value = False
                continue

            # Operations on `subject` (a stub object's recorded mutations).
            op = None
            for name in ('.build(', '.append(', '.setitem(', '.add('):
                if s.startswith(name, self.pos):
                    op = name[1:-1]
                    self.pos += len(name)
                    break
            if op is not None:
                if subject.kind not in ('new', 'call', 'persid'):
                    self.fail('.%s() on something other than a stub object constructor' % op)
                frames.append(['op', label, subject, op, []])
                want_value = True
                continue

            # The expression is complete: hand it to the innermost frame.
            if not frames:
                return subject
            f = frames[-1]
            ftype = f[0]
            want_value = True
            if ftype == 'list':
                f[2].items.append(subject)
                if self.take(', '):
                    continue
                self.expect(']')
            elif ftype == 'paren':
                items = f[2].items
                items.append(subject)
                if self.take(', '):
                    continue
                if self.take(',)'):
                    if len(items) != 1:
                        self.fail('trailing comma in a tuple of %d' % len(items))
                else:
                    if len(items) == 1:
                        self.fail('a 1-tuple needs its comma')
                    self.expect(')')
            elif ftype == 'brace':
                node = f[2]
                if self.take(': '):
                    node.kind, node.obj, node.items = 'dict', {}, [[subject]]
                    f[0] = 'dict'
                    continue
                node.kind, node.obj, node.items = 'set', set(), [subject]
                f[0] = 'set'
                f.append('}')
                if self.take(', '):
                    continue
                self.expect('}')
            elif ftype == 'dict' or ftype == 'kwargs':
                items = f[2].items if ftype == 'dict' else f[2].obj
                items[-1].append(subject)
                if len(items[-1]) == 1:
                    self.expect(': ')
                    continue
                if self.take(', '):
                    items.append([])
                    continue
                self.expect('}')
                if ftype == 'kwargs':
                    self.expect(')')
            elif ftype == 'set':
                f[2].items.append(subject)
                if self.take(', '):
                    continue
                self.expect(f[3])
            elif ftype == 'newargs':
                items = f[2].items
                items.append(subject)
                if self.take(', '):
                    continue
                if self.take(',)'):
                    if len(items) != 1:
                        self.fail('trailing comma in an argument tuple of %d' % len(items))
                elif len(items) == 1:
                    self.fail('a 1-tuple needs its comma')
                else:
                    self.expect(')')
                frames.pop()
                if self._after_new_args(frames, f[1], f[2]):
                    continue
                label, subject = f[1], f[2]
                want_value = False
                continue
            elif ftype == 'callargs':
                if f[2].head is None:
                    f[2].head = subject   # call(CALLEE, ...)
                else:
                    f[2].items.append(subject)
                if self.take(', '):
                    continue
                self.expect(')')
            elif ftype == 'one':
                f[2].head = subject
                self.expect(')')
            elif ftype == 'op':
                f[4].append(subject)
                if f[3] == 'setitem' and len(f[4]) == 1:
                    self.expect(', ')
                    continue
                self.expect(')')
                target = f[2]
                if target.ops is None:
                    target.ops = []
                target.ops.append((f[3],) + tuple(f[4]))
            else:  # pragma: no cover
                self.fail('internal parser state %s' % ftype)
            frames.pop()
            label, subject = f[1], f[2]
            want_value = False

    def _after_new_args(self, frames, label, node):
        """After "new(G, (args)": ")" ends it (False), or ", {" opens the
        keyword arguments (a frame is pushed: True)."""
        if self.take(')'):
            return False
        self.expect(', {')
        if self.take('})'):
            node.obj = []
            return False
        node.obj = [[]]
        frames.append(['kwargs', label, node])
        return True

    def _set_label(self, label, node):
        if label is not None:
            self.labels[label - 1] = node


def _resolve_refs(root, nodes, labels):
    """Replace every 'ref' node by the node its label names."""
    def resolve(n):
        hops = 0
        while n.kind == 'ref':
            n = labels[n.head - 1]
            hops += 1
            if n is None or hops > len(labels):
                raise BadRequest('canonical text: a label names nothing but references')
        return n

    for n in nodes:
        if n.items is not None:
            for j, c in enumerate(n.items):
                if type(c) is list:  # dict item [key, value]
                    c[:] = [resolve(x) for x in c]
                else:
                    n.items[j] = resolve(c)
        if n.kind == 'new' and n.obj:  # keyword arguments [key, value]
            for kv in n.obj:
                kv[:] = [resolve(x) for x in kv]
        elif isinstance(n.head, _Node):
            n.head = resolve(n.head)
        if n.ops:
            n.ops = [(op[0],) + tuple(resolve(x) for x in op[1:]) for op in n.ops]
    return resolve(root)


def _create(root, nodes):
    """Create every object; containers empty, stub objects by their
    constructor. Creation follows what must exist first (tuple items,
    constructor arguments); only a cycle through those is impossible."""
    stack = [root] + nodes
    while stack:
        n = stack[-1]
        if n.state == 2:
            stack.pop()
            continue
        deps = _creation_deps(n)
        if n.state == 0:
            n.state = 1
            pending = [d for d in deps if d.state != 2]
            for d in pending:
                if d.state == 1:
                    raise BadRequest('canonical text: a value contains itself through '
                                     'immutable parts only')
            if pending:
                stack.extend(pending)
                continue
        else:
            for d in deps:
                if d.state != 2:
                    raise BadRequest('canonical text: a value contains itself through '
                                     'immutable parts only')
        _construct(n)
        n.state = 2
        stack.pop()


def _creation_deps(n):
    k = n.kind
    if k == 'tuple' or k == 'frozenset':
        return n.items
    if k == 'new':
        deps = list(n.items)
        if n.obj:  # kwargs pairs
            for kv in n.obj:
                deps.extend(kv)
        return deps
    if k == 'call':
        return [n.head] + n.items
    if k == 'persid' or k == 'readonly':
        return [n.head]
    return ()


def _construct(n):
    k = n.kind
    if k == 'tuple':
        n.obj = tuple([c.obj for c in n.items])
    elif k == 'frozenset':
        n.obj = frozenset([c.obj for c in n.items])
    elif k == 'new':
        kwargs = {}
        for kv in (n.obj or ()):
            if type(kv[0].obj) is not str:
                raise BadRequest('canonical text: a keyword argument name must be a str')
            kwargs[kv[0].obj] = kv[1].obj
        cls = n.head
        n.obj = cls.__new__(cls, *[c.obj for c in n.items], **kwargs)
    elif k == 'call':
        callee = n.head.obj
        if not (_is_stub_class(callee) or isinstance(callee, Stub)):
            raise BadRequest('canonical text: only stub classes and stub objects are '
                             'called (a safe built-in would have run)')
        n.obj = callee(*[c.obj for c in n.items])
    elif k == 'persid':
        n.obj = _persid(n.head.obj)
    elif k == 'readonly':
        if not hasattr(memoryview, 'toreadonly'):
            raise Unrepresentable('readonly(...) needs Python 3.8+')
        target = n.head.obj
        if not (type(target) is bytearray or (PickleBuffer is not None and type(target) is PickleBuffer)):
            raise BadRequest('canonical text: readonly() of something not writable')
        with memoryview(target) as m:
            if m.readonly:
                raise BadRequest('canonical text: readonly() of a read-only buffer')
        n.obj = memoryview(target).toreadonly()
    # list/dict/set were created empty by the parser


def _fill(nodes):
    """Fill containers and replay stub operations, in document order."""
    for n in nodes:
        k = n.kind
        if k == 'list':
            n.obj.extend([c.obj for c in n.items])
        elif k == 'dict':
            d = n.obj
            for kv in n.items:
                d[kv[0].obj] = kv[1].obj
        elif k == 'set':
            add = n.obj.add
            for c in n.items:
                add(c.obj)
        if n.ops:
            obj = n.obj
            for op in n.ops:
                if op[0] == 'build':
                    obj.__setstate__(op[1].obj)
                elif op[0] == 'append':
                    obj.append(op[1].obj)
                elif op[0] == 'setitem':
                    obj[op[1].obj] = op[2].obj
                else:
                    obj.add(op[1].obj)


class Parsed(object):
    """parse() result: the value, the stub classes it names, its buffers."""
    __slots__ = ('value', 'stub_classes', 'buffers')

    def __init__(self, value, stub_classes, buffers):
        self.value = value
        self.stub_classes = stub_classes
        self.buffers = buffers

    def buffer_info(self):
        info = _BufferInfo()
        for i, pb in self.buffers.items():
            info.add(i, pb)
        return info


def parse(text):
    """Canonical text -> Parsed (value with the same sharing; stubs for
    globals and objects; safe built-ins as the real ones). Raises BadRequest."""
    p = _Parser(text)
    try:
        root = p.parse()
        if p.pos != len(text):
            p.fail('text after the value')
        root = _resolve_refs(root, p.nodes, p.labels)
        _create(root, p.nodes)
        _fill(p.nodes)
    except (TypeError, ValueError) as e:  # unhashable set element, bad kwargs...
        raise BadRequest('canonical text: %s: %s' % (type(e).__name__, e))
    return Parsed(root.obj, p.stub_classes, p.buffers)


# ---------------------------------------------------------------------------
# Judging loads
# ---------------------------------------------------------------------------

def exception_outcome(e):
    """('E', type name, message) for an exception CPython raised."""
    try:
        msg = str(e)
    except Exception as inner:  # pragma: no cover - defensive
        msg = '<str() failed: %s>' % type(inner).__name__
    return type(e).__name__, msg


def judge_load(data, impl='c', fix_imports=True, encoding='ASCII', errors='strict',
               persistent=False, buffers=None):
    """Load `data` as pickle.loads does; returns one of
        ('V', text) ('E', (type, message)) ('M', msg) ('R', msg) ('U', msg) ('X', msg).
    buffers: None (no buffers= argument) or a list of (readonly, bytes)."""
    imp = get_impl(impl) if isinstance(impl, str) else impl
    cls = imp.unpicklers[1 if persistent else 0]
    info = _NO_BUFFERS
    kwargs = {'fix_imports': fix_imports, 'encoding': encoding, 'errors': errors}
    if buffers is not None:
        if PickleBuffer is None:
            return 'U', 'buffers= needs Python 3.8+'
        pbs = [PickleBuffer(bytes(d) if ro else bytearray(d)) for ro, d in buffers]
        info = _BufferInfo(pbs)
        kwargs['buffers'] = pbs
    value = None
    try:
        try:
            value = cls(imp.make_file(data), **kwargs).load()
        except MemoryError as e:
            return 'M', 'MemoryError: %s' % (e,)
        except RecursionError as e:
            return 'R', 'RecursionError: %s' % (e,)
        except Exception as e:
            return 'E', exception_outcome(e)
        try:
            return 'V', canonical(value, info)
        except Unrepresentable as e:
            return 'U', str(e)
        except MemoryError as e:
            return 'M', 'MemoryError while printing: %s' % (e,)
        except RecursionError as e:
            return 'R', 'RecursionError while printing: %s' % (e,)
        except Exception as e:
            return 'X', 'printer failed: %s: %s' % (type(e).__name__, e)
    finally:
        value = None
        restore_safe_globals()


# ---------------------------------------------------------------------------
# Judging dumps
# ---------------------------------------------------------------------------

class _DumpState(object):
    def __init__(self):
        self.repr_used = False
        self.new_swapped = []


_dump_state = _DumpState()


def _stub_reduce(obj, protocol):
    how, args, kwargs, head, ops = _stub_record(obj)
    if how == 'persid':
        raise Unrepresentable('persid(...) pickled as a value (only persistent_id '
                              'writes a persistent id)')
    listitems, dictitems, state, phase = [], [], None, 0
    for op in ops:
        if op[0] == 'append' and phase == 0:
            listitems.append(op[1])
        elif op[0] == 'setitem' and phase <= 1:
            phase = 1
            dictitems.append((op[1], op[2]))
        elif op[0] == 'build' and phase <= 1 and op[1] is not None:
            phase = 2
            state = op[1]
        else:
            raise Unrepresentable(
                'operations %s: CPython\'s save_reduce writes appends, then setitems, '
                'then one build of a non-None state'
                % ', '.join('.' + o[0] for o in ops))
    tail = (state, iter(listitems) if listitems else None,
            iter(dictitems) if dictitems else None)
    if how == 'new':
        cls = type(obj)
        if kwargs:
            if protocol in (2, 3) and '__new__' not in cls.__dict__:
                # CPython pickles partial(cls.__new__, cls, *args, **kwargs)
                # here; an ordinary class's __new__ is object.__new__.
                cls.__new__ = object.__new__
                _dump_state.new_swapped.append(cls)
            return (copyreg.__newobj_ex__, (cls, args, kwargs)) + tail
        return (copyreg.__newobj__, (cls,) + args) + tail
    if kwargs:
        raise Unrepresentable('a call with keyword arguments')
    if how == 'call':
        return (type(obj), args) + tail
    return (head, args) + tail


_MODULE_DUNDERS_BLOCKED = frozenset(('__getattr__', '__getattribute__', '__path__', '__spec__',
                                     '__dir__', '__dict__', '__class__'))


class _FakeModules(object):
    """Make each stub class importable under its (module, name) for one dump."""

    def __init__(self, classes):
        self.classes = classes
        self.saved_modules = {}
        self.set_attrs = []
        self.shadowed = []

    def __enter__(self):
        try:
            self._install()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _install(self):
        import types
        todo = set(self.classes)
        # Parents of dotted names are stubs too: @m:a.b is attribute b of @m:a.
        for cls in list(todo):
            module, name = cls._pc_global
            parts = name.split('.')
            for i in range(1, len(parts)):
                todo.add(stub_class(module, '.'.join(parts[:i])))
        fakes = {}
        for cls in sorted(todo, key=lambda c: (c._pc_global[0], c._pc_global[1].count('.'))):
            module, name = cls._pc_global
            if cls.__qualname__ != name:
                raise Unrepresentable('class name %r cannot be a __qualname__' % (name,))
            fake = fakes.get(module)
            if fake is None:
                # PyImport_Import calls __import__(module) with an empty
                # fromlist, which also needs every parent package of a
                # dotted module name in sys.modules.
                pieces = module.split('.')
                for i in range(1, len(pieces)):
                    parent_name = '.'.join(pieces[:i])
                    if parent_name and parent_name not in sys.modules:
                        package = types.ModuleType(parent_name)
                        package.__path__ = []
                        self.saved_modules[parent_name] = None
                        sys.modules[parent_name] = package
                real = sys.modules.get(module)
                fake = types.ModuleType(module if module else '_')
                if real is not None:
                    fake.__dict__.update(real.__dict__)
                fake.__dict__['__name__'] = module
                self.saved_modules[module] = real
                sys.modules[module] = fake
                fakes[module] = (fake, real)
            else:
                fake, real = fake
            parts = name.split('.')
            if len(parts) == 1:
                if name in _MODULE_DUNDERS_BLOCKED:
                    raise Unrepresentable('global name %r would change how the module '
                                          'object itself works' % name)
                old = fake.__dict__.get(name, _MISSING)
                if old is not cls:
                    if old is not _MISSING and real is not None and getattr(real, name, None) is old:
                        self.shadowed.append('%s.%s' % (module, name))
                    fake.__dict__[name] = cls
            else:
                parent = stub_class(module, '.'.join(parts[:-1]))
                attr = parts[-1]
                if parent.__dict__.get(attr, _MISSING) is not cls:
                    if hasattr(parent, attr):
                        raise Unrepresentable(
                            'dotted name %r: %r is already an attribute of the stub class '
                            '(stub machinery or type)' % (name, attr))
                    setattr(parent, attr, cls)
                    self.set_attrs.append((parent, attr))

    def __exit__(self, *exc):
        for parent, attr in reversed(self.set_attrs):
            try:
                delattr(parent, attr)
            except AttributeError:  # pragma: no cover
                pass
        self.set_attrs = []
        for module, real in self.saved_modules.items():
            if real is None:
                sys.modules.pop(module, None)
            else:
                sys.modules[module] = real
        self.saved_modules = {}
        return False


_MISSING = object()


def judge_dump(text, protocol, impl='c', fix_imports=True, out_of_band=False):
    """Pickle the value `text` denotes; returns ('B', (bytes, [(readonly, data)]))
    or ('E', (type, message)) / ('U', msg) / ('M', msg) / ('R', msg) / ('X', msg)."""
    imp = get_impl(impl) if isinstance(impl, str) else impl
    if not 0 <= protocol <= 5:
        return 'X', 'bad request: protocol %d' % protocol
    if protocol > pickle.HIGHEST_PROTOCOL:
        return 'U', 'protocol %d needs a newer Python (highest here: %d)' % (
            protocol, pickle.HIGHEST_PROTOCOL)
    if out_of_band and PickleBuffer is None:
        return 'U', 'buffer_callback needs Python 3.8+'
    try:
        parsed = parse(text)
    except BadRequest as e:
        return 'X', 'bad request: %s' % e
    except Unrepresentable as e:
        return 'U', str(e)
    except MemoryError as e:
        return 'M', 'MemoryError while parsing: %s' % (e,)
    collected = []
    kwargs = {'fix_imports': fix_imports}
    if out_of_band:
        kwargs['buffer_callback'] = collected.append  # returns None: out-of-band
    _dump_state.repr_used = False
    fake = _FakeModules(parsed.stub_classes)
    try:
        try:
            with fake:
                f = io.BytesIO()
                imp.pickler(f, protocol, **kwargs).dump(parsed.value)
                data = f.getvalue()
        finally:
            for cls in _dump_state.new_swapped:
                del cls.__new__
            _dump_state.new_swapped = []
    except Unrepresentable as e:
        return 'U', str(e)
    except MemoryError as e:
        return 'M', 'MemoryError: %s' % (e,)
    except RecursionError as e:
        return 'R', 'RecursionError: %s' % (e,)
    except Exception as e:
        if fake.shadowed and isinstance(e, pickle.PicklingError):
            return 'U', ('stub %s shadows the real object, which this dump also needs '
                         '(%s: %s)' % (', '.join(fake.shadowed), type(e).__name__, e))
        return 'E', exception_outcome(e)
    if _dump_state.repr_used:
        return 'U', 'the pickle would contain the repr of a stub object'
    bufs = []
    for pb in collected:
        with pb.raw() as m:
            bufs.append((bool(m.readonly), m.tobytes()))
    return 'B', (data, bufs)


# ---------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------

_U32 = struct.Struct('<I')
_U16 = struct.Struct('<H')


def _u16_text(s):
    b = s.encode('utf-8', 'surrogateescape')[:0xffff]
    return _U16.pack(len(b)) + b


def _text_bytes(s):
    return s.encode('utf-8', 'backslashreplace')


def encode_outcome(kind, payload):
    """The response payload for a judge_load / judge_dump outcome."""
    if kind == 'V':
        return b'V' + payload.encode('utf-8')
    if kind == 'E':
        name, msg = payload
        m = msg.encode('utf-8', 'backslashreplace')
        return b'E' + _u16_text(name) + _U32.pack(len(m)) + m
    if kind == 'B':
        data, bufs = payload
        parts = [b'B', _U32.pack(len(data)), data, _U32.pack(len(bufs))]
        for ro, d in bufs:
            parts.append(b'\x01' if ro else b'\x00')
            parts.append(_U32.pack(len(d)))
            parts.append(d)
        return b''.join(parts)
    return kind.encode('ascii') + _text_bytes(payload)


def decode_load_request(p):
    """Payload of an L request -> judge_load keyword arguments."""
    mv = memoryview(p)
    flags = mv[1]
    if flags & ~7:
        raise BadRequest('unknown load flags 0x%02x' % flags)
    off = 2
    (n,) = _U16.unpack_from(mv, off)
    encoding = bytes(mv[off + 2:off + 2 + n]).decode('ascii')
    off += 2 + n
    (n,) = _U16.unpack_from(mv, off)
    errors = bytes(mv[off + 2:off + 2 + n]).decode('ascii')
    off += 2 + n
    (nbuf,) = _U32.unpack_from(mv, off)
    off += 4
    buffers = []
    for _ in range(nbuf):
        ro = mv[off]
        (n,) = _U32.unpack_from(mv, off + 1)
        off += 5
        buffers.append((ro != 0, bytes(mv[off:off + n])))
        off += n
    (n,) = _U32.unpack_from(mv, off)
    off += 4
    data = bytes(mv[off:off + n])
    if off + n != len(p):
        raise BadRequest('load request length mismatch')
    return {'fix_imports': bool(flags & 1), 'persistent': bool(flags & 2),
            'encoding': encoding, 'errors': errors,
            'buffers': buffers if flags & 4 else None, 'data': data}


def encode_load_request(data, fix_imports=True, encoding='ASCII', errors='strict',
                        persistent=False, buffers=None):
    """An L request payload (for clients written in Python, e.g. the tests)."""
    flags = (1 if fix_imports else 0) | (2 if persistent else 0) | (4 if buffers is not None else 0)
    e, r = encoding.encode('ascii'), errors.encode('ascii')
    parts = [b'L', bytes([flags]), _U16.pack(len(e)), e, _U16.pack(len(r)), r,
             _U32.pack(len(buffers or ()))]
    for ro, d in buffers or ():
        parts += [b'\x01' if ro else b'\x00', _U32.pack(len(d)), d]
    parts += [_U32.pack(len(data)), data]
    return b''.join(parts)


def encode_dump_request(text, protocol, fix_imports=True, out_of_band=False):
    t = text.encode('utf-8')
    flags = (1 if fix_imports else 0) | (2 if out_of_band else 0)
    return b'D' + bytes([protocol, flags]) + _U32.pack(len(t)) + t


class _CpuBudget(object):
    """Keep RLIMIT_CPU's soft limit `seconds` ahead of the CPU time used."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.soft = None

    def arm(self):
        if resource is None or not self.seconds:
            return
        want = int(time.process_time()) + self.seconds + 1
        if want != self.soft:
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            soft = want if hard == resource.RLIM_INFINITY else min(want, hard)
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
            self.soft = want


def hello(imp):
    return {
        'impl': imp.name,
        'executable': sys.executable,
        'version': sys.version,
        'implementation': sys.implementation.name,
        'protocol': pickle.HIGHEST_PROTOCOL,
        'pid': os.getpid(),
        'unpickler': imp.unpickler_name,
        'pickler': imp.pickler_name,
        'hash_randomization': sys.flags.hash_randomization,
        'recursion_limit': sys.getrecursionlimit(),
    }


def handle(imp, p, cpu):
    """One request payload -> response payload (None means quit)."""
    t = p[:1]
    if t == b'L':
        try:
            req = decode_load_request(p)
        except (BadRequest, struct.error, UnicodeError, IndexError) as e:
            return b'X' + _text_bytes('bad request: %s' % e)
        cpu.arm()
        data = req.pop('data')
        kind, payload = judge_load(data, imp, **req)
        return encode_outcome(kind, payload)
    if t == b'D':
        try:
            proto, flags = p[1], p[2]
            (n,) = _U32.unpack_from(p, 3)
            if 7 + n != len(p) or flags & ~3:
                raise BadRequest('dump request length or flags')
            text = p[7:].decode('utf-8')
        except (BadRequest, struct.error, UnicodeError, IndexError) as e:
            return b'X' + _text_bytes('bad request: %s' % e)
        cpu.arm()
        kind, payload = judge_dump(text, proto, imp, fix_imports=bool(flags & 1),
                                   out_of_band=bool(flags & 2))
        restore_safe_globals()
        return encode_outcome(kind, payload)
    if t == b'P':
        return b'P'
    if t == b'H':
        return b'H' + json.dumps(hello(imp), sort_keys=True).encode('utf-8')
    if t == b'S':
        state = {'modules': sorted(sys.modules),
                 'stub_classes': len(_stub_classes),
                 'reconstructor_dict': sorted(_RECON.__dict__)}
        return b'S' + json.dumps(state, sort_keys=True).encode('utf-8')
    if t == b'Q':
        return None
    return b'X' + _text_bytes('bad request: unknown type %r' % (t,))


def serve(imp, rfile, wfile, cpu_seconds=0):
    read, write, flush = rfile.read, wfile.write, wfile.flush
    cpu = _CpuBudget(cpu_seconds)
    unpack = _U32.unpack
    pack = _U32.pack
    while True:
        hdr = read(4)
        if len(hdr) < 4:
            return 0 if not hdr else 1
        (n,) = unpack(hdr)
        p = read(n)
        if len(p) < n:
            return 1
        try:
            resp = handle(imp, p, cpu)
        except MemoryError as e:
            resp = b'M' + _text_bytes('MemoryError: %s' % (e,))
        except RecursionError as e:
            resp = b'R' + _text_bytes('RecursionError: %s' % (e,))
        except Exception as e:
            resp = b'X' + _text_bytes('oracle failure: %s: %s' % (type(e).__name__, e))
        if resp is None:
            write(pack(1) + b'Q')
            flush()
            return 0
        if len(resp) < 65536:
            write(pack(len(resp)) + resp)
        else:
            write(pack(len(resp)))
            write(resp)
        flush()


def _hash_seed_applied(seed):
    # PYTHONHASHSEED=0 turns randomization off; any other value keeps it on
    # with a fixed key. The environment variable is the record of what this
    # process started with (it is ignored under -I/-E, hence the re-exec).
    if os.environ.get('PYTHONHASHSEED') != str(seed):
        return False
    return (sys.flags.hash_randomization == 0) == (seed == 0)


def _reexec_with_hash_seed(seed):
    # -I would ignore PYTHONHASHSEED: keep its isolation by hand instead:
    # no site (-S), no user site (-s), no bytecode files (-B), and an
    # environment holding nothing but the seed.
    env = {'PYTHONHASHSEED': str(seed)}
    argv = [sys.executable, '-s', '-S', '-B', os.path.abspath(__file__)] + sys.argv[1:]
    sys.stdout.flush()
    os.execve(sys.executable, argv, env)


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description='picklecheck CPython oracle (oracles/PROTOCOL.md)')
    ap.add_argument('--impl', choices=('c', 'python'), default='c')
    ap.add_argument('--max-memory-mb', type=int, default=1024,
                    help='RLIMIT_AS in MiB (0: unchanged)')
    ap.add_argument('--cpu-seconds', type=int, default=10,
                    help='RLIMIT_CPU soft limit ahead of the CPU time used, per request (0: off)')
    ap.add_argument('--recursion-limit', type=int, default=1000)
    ap.add_argument('--hash-seed', type=int, default=None,
                    help='run with PYTHONHASHSEED=N (str/bytes hashes, hence set order, '
                         'become reproducible); the oracle re-executes itself to apply it')
    args = ap.parse_args(argv)
    if args.hash_seed is not None and not _hash_seed_applied(args.hash_seed):
        _reexec_with_hash_seed(args.hash_seed)

    # Nothing is imported on behalf of a pickle, but keep the search path to
    # the standard library in any case (codec modules load from it).
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [d for d in sys.path if d and os.path.abspath(d) != here]
    sys.setrecursionlimit(args.recursion_limit)
    # CPython warns on some inputs (S'\q': invalid escape sequence); a warning
    # must never become the verdict, whatever -W says.
    import warnings
    warnings.simplefilter('ignore')
    imp = get_impl(args.impl)
    # The codecs the unpicklers themselves use (pickle._Unpickler decodes
    # UNICODE through a codec lookup): loaded now, so a request never changes
    # sys.modules except through a codec the pickle or request names.
    for name in ('raw-unicode-escape', 'ascii', 'latin-1', 'utf-8'):
        codecs.lookup(name)
    if resource is not None and args.max_memory_mb > 0:
        limit = args.max_memory_mb * 1024 * 1024
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    # The protocol owns stdout; anything printed goes to stderr instead.
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    return serve(imp, sys.stdin.buffer, out, args.cpu_seconds)


if __name__ == '__main__':
    sys.exit(main())

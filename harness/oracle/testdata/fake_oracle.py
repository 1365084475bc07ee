"""A misbehaving stand-in for oracles/pickle_oracle.py (fault-injection tests).

Speaks the framed protocol of harness/oracle/protocol.h on stdin/stdout, with
the real oracle's command line, so ProcessOracle runs it unchanged:

    python -I -S -B fake_oracle.py --impl c|python [--max-memory-mb N]
        [--cpu-seconds N] [--hello ok|bad-json|wrong-impl|no-impl|exit|hang|garbage]

For a load ('L') request the pickle bytes are a command:

    crash                exit(3) without answering
    crash-once:PATH      crash unless PATH exists (creating it): the retry succeeds
    segv                 die by SIGSEGV
    hang                 sleep forever
    hang-once:PATH       hang unless PATH exists (creating it)
    spin                 busy-loop (--cpu-seconds N then ends it with SIGXCPU)
    close-stdout         close stdout, then sleep: EOF without an exit
    garbage-length       a length prefix of 0xffffffff
    garbage-type         a well-formed frame of unknown type 'Z'
    garbage-empty        a zero-length frame
    garbage-trailing     a valid 'V' frame followed by junk
    garbage-truncated    a header promising 100 bytes, 3 bytes, then exit
    wrong-type           'B' (a dump's answer) to a load
    malformed-error      an 'E' whose lengths overrun the frame
    internal             'X'
    internal-once:PATH   'X' unless PATH exists (creating it)
    memory               bytearray(2**40) (under RLIMIT_AS when --max-memory-mb): 'M'
    recursion            unbounded recursion caught: 'R'
    reject               'E' ValueError
    stderr:N             N bytes to stderr, then 'V' "ok"
    stderr-crash         a message to stderr, then exit(4)
    big:N                'V' with N bytes of 'x'
    fds                  'V' with this process's open fds, space-separated
    pid                  'V' with os.getpid()
    argv                 'V' with sys.argv[1:], space-separated
    anything else        'V' describing the request:
                         "flags=F enc=E err=R bufs=[ro:len:crc,...] len=N crc=C"
                         (bufs=None when the buffers flag is clear)

A dump ('D') of the text "unrepresentable" answers 'U'; any other text is
echoed as the pickle, with one out-of-band buffer b"oob" when flag bit1 is set.
'P' answers 'P'; 'Q' answers 'Q' and exits; EOF exits quietly.
"""
import binascii
import json
import os
import resource
import signal
import sys
import time


def read_exact(n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(0, n - len(buf))
        if not chunk:
            sys.exit(0)
        buf += chunk
    return bytes(buf)


def write_all(data):
    view = memoryview(data)
    while view:
        n = os.write(1, view)
        view = view[n:]


def frame(payload):
    write_all(len(payload).to_bytes(4, "little") + payload)


def u16(b, i):
    return int.from_bytes(b[i:i + 2], "little"), i + 2


def u32(b, i):
    return int.from_bytes(b[i:i + 4], "little"), i + 4


def once(path):
    """True the first time it is called for `path` (across processes)."""
    if os.path.exists(path):
        return False
    with open(path, "w"):
        pass
    return True


def recurse(n):
    return recurse(n + 1) + 1


def describe_load(body):
    i = 0
    flags = body[i]
    i += 1
    n, i = u16(body, i)
    enc = body[i:i + n].decode("ascii", "replace")
    i += n
    n, i = u16(body, i)
    err = body[i:i + n].decode("ascii", "replace")
    i += n
    count, i = u32(body, i)
    bufs = []
    for _ in range(count):
        ro = body[i]
        i += 1
        n, i = u32(body, i)
        bufs.append("%d:%d:%08x" % (ro, n, binascii.crc32(body[i:i + n])))
        i += n
    n, i = u32(body, i)
    pickle = body[i:i + n]
    i += n
    if i != len(body):
        return None, b"X" + b"request has %d bytes after the pickle" % (len(body) - i)
    text = "flags=%d enc=%s err=%s bufs=%s len=%d crc=%08x" % (
        flags, enc, err, "[" + ",".join(bufs) + "]" if flags & 4 else "None",
        len(pickle), binascii.crc32(pickle))
    return pickle, b"V" + text.encode()


def load(body):
    pickle, answer = describe_load(body)
    if pickle is None:
        frame(answer)
        return
    cmd, _, arg = pickle.partition(b":")
    arg = arg.decode("utf-8", "surrogateescape")
    if pickle == b"crash" or (cmd == b"crash-once" and once(arg)):
        os._exit(3)
    if pickle == b"segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if pickle == b"hang" or (cmd == b"hang-once" and once(arg)):
        while True:
            time.sleep(3600)
    if pickle == b"spin":
        while True:
            pass
    if pickle == b"close-stdout":
        os.close(1)
        while True:
            time.sleep(3600)
    if pickle == b"garbage-length":
        write_all(b"\xff\xff\xff\xffV")
        return
    if pickle == b"garbage-type":
        frame(b"Zzz")
        return
    if pickle == b"garbage-empty":
        frame(b"")
        return
    if pickle == b"garbage-trailing":
        write_all((3).to_bytes(4, "little") + b"Vok" + b"junk")
        return
    if pickle == b"garbage-truncated":
        write_all((100).to_bytes(4, "little") + b"Vab")
        os._exit(0)
    if pickle == b"wrong-type":
        frame(b"B" + (0).to_bytes(4, "little") + (0).to_bytes(4, "little"))
        return
    if pickle == b"malformed-error":
        frame(b"E" + (50).to_bytes(2, "little") + b"ValueError")
        return
    if pickle == b"internal" or (cmd == b"internal-once" and once(arg)):
        frame(b"Xfake oracle: internal failure")
        return
    if pickle == b"memory":
        try:
            bytearray(2 ** 40)
        except MemoryError:
            frame(b"Mcannot allocate 2**40 bytes")
            return
        frame(b"Vallocated 2**40 bytes")
        return
    if pickle == b"recursion":
        try:
            recurse(0)
        except RecursionError as e:
            frame(b"R" + str(e).encode())
            return
    if pickle == b"reject":
        exc, msg = b"ValueError", b"fake rejection"
        frame(b"E" + len(exc).to_bytes(2, "little") + exc + len(msg).to_bytes(4, "little") + msg)
        return
    if cmd == b"stderr":
        data = b"e" * int(arg)
        view = memoryview(data)
        while view:
            view = view[os.write(2, view):]
        frame(b"Vok")
        return
    if pickle == b"stderr-crash":
        os.write(2, b"Traceback (most recent call last):\nfake oracle: dying on purpose\n")
        os._exit(4)
    if cmd == b"big":
        frame(b"V" + b"x" * int(arg))
        return
    if pickle == b"fds":
        fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
        # listdir's own descriptor is closed again by the time we print;
        # keep only those still open.
        alive = []
        for fd in fds:
            try:
                os.fstat(fd)
                alive.append(fd)
            except OSError:
                pass
        frame(b"V" + " ".join(map(str, alive)).encode())
        return
    if pickle == b"pid":
        frame(b"V%d" % os.getpid())
        return
    if pickle == b"argv":
        frame(b"V" + " ".join(sys.argv[1:]).encode())
        return
    frame(answer)


def dump(body):
    # body: u8 protocol, u8 flags, u32 n + canonical text
    flags = body[1]
    n, i = u32(body, 2)
    text = body[i:i + n]
    if text == b"unrepresentable":
        frame(b"Ucannot represent that")
        return
    out = b"B" + len(text).to_bytes(4, "little") + text
    if flags & 2:
        out += (1).to_bytes(4, "little") + b"\x00" + (3).to_bytes(4, "little") + b"oob"
    else:
        out += (0).to_bytes(4, "little")
    frame(out)


def hello(impl, mode):
    info = {"impl": impl, "executable": sys.executable, "version": sys.version,
            "implementation": sys.implementation.name, "protocol": 5, "pid": os.getpid()}
    if mode == "bad-json":
        frame(b"H{not json")
    elif mode == "wrong-impl":
        info["impl"] = "python" if impl == "c" else "c"
        frame(b"H" + json.dumps(info).encode())
    elif mode == "no-impl":
        del info["impl"]
        frame(b"H" + json.dumps(info).encode())
    elif mode == "exit":
        os._exit(5)
    elif mode == "hang":
        while True:
            time.sleep(3600)
    elif mode == "garbage":
        write_all(b"garbage!")
    else:
        frame(b"H" + json.dumps(info).encode())


def main():
    args = sys.argv[1:]
    impl, mode = "c", "ok"
    cpu_seconds = 0
    k = 0
    while k < len(args):
        if args[k] == "--impl":
            impl = args[k + 1]
        elif args[k] == "--hello":
            mode = args[k + 1]
        elif args[k] == "--max-memory-mb":
            limit = int(args[k + 1]) << 20
            if limit > 0:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        elif args[k] == "--cpu-seconds":
            cpu_seconds = int(args[k + 1])
        k += 2
    while True:
        header = os.read(0, 4)
        if not header:
            return
        if len(header) < 4:
            header += read_exact(4 - len(header))
        payload = read_exact(int.from_bytes(header, "little"))
        kind, body = payload[:1], payload[1:]
        if kind == b"H":
            hello(impl, mode)
        elif kind == b"L":
            if cpu_seconds > 0:
                # As the real oracle does: the limit moves with the CPU time used so far.
                used = resource.getrusage(resource.RUSAGE_SELF)
                soft = int(used.ru_utime + used.ru_stime) + cpu_seconds
                hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
                resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
            load(body)
        elif kind == b"D":
            dump(body)
        elif kind == b"P":
            frame(b"P")
        elif kind == b"Q":
            frame(b"Q")
            return
        else:
            frame(b"Xunknown request type %r" % kind)


if __name__ == "__main__":
    main()

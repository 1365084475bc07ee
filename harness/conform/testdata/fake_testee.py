#!/usr/bin/env python3
"""A scripted stream-mode testee for the runner's tests (stdlib only).

    fake_testee.py --answer accept|reject|skip|garbage|crash|hang|exit-on-hello
                   [--name NAME] [--levels verdict,transcode] [--value TEXT]

accept: 'V' (+ --value TEXT at transcode); reject: 'E' UnpicklingError;
skip: 'S'; garbage: an unknown response type; crash: exits on the first
load request; hang: never answers a load request; exit-on-hello: exits
before the handshake.
"""
import argparse
import json
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--answer', default='accept')
    ap.add_argument('--name', default='fake')
    ap.add_argument('--levels', default='verdict,transcode')
    ap.add_argument('--value', default=None)
    a = ap.parse_args()
    r, w = sys.stdin.buffer, sys.stdout.buffer

    def send(p):
        w.write(struct.pack('<I', len(p)) + p)
        w.flush()
    while True:
        hdr = r.read(4)
        if len(hdr) < 4:
            return 0
        (n,) = struct.unpack('<I', hdr)
        p = r.read(n)
        t = p[:1]
        if t == b'H':
            if a.answer == 'exit-on-hello':
                return 3
            send(b'H' + json.dumps({'name': a.name, 'version': 'fake 1.0',
                                    'levels': a.levels.split(',')}).encode())
        elif t == b'Q':
            send(b'Q')
            return 0
        elif a.answer == 'accept':
            send(b'V' + (a.value.encode() if a.value is not None and t == b'T' else b''))
        elif a.answer == 'reject':
            msg = b'nope'
            send(b'E' + struct.pack('<H', 15) + b'UnpicklingError' + struct.pack('<I', len(msg)) + msg)
        elif a.answer == 'skip':
            send(b'Scannot do this')
        elif a.answer == 'garbage':
            send(b'?')
        elif a.answer == 'crash':
            return 7
        elif a.answer == 'hang':
            time.sleep(3600)


if __name__ == '__main__':
    sys.exit(main())

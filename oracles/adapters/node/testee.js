#!/usr/bin/env node
// Conformance testee for JavaScript pickle decoders (harness/conform/TESTEE.md).
//
//   node oracles/adapters/node/testee.js --codec pickleparser
//   node oracles/adapters/node/testee.js --codec jpickle
//
// Verdict level only: neither library writes pickles, and their values
// (JS objects) have no canonical text. A request is accepted when the
// library's decode returns, rejected when it throws.
//
// Policies, chosen to match the vectors' safe policy as far as each library
// allows (nothing a pickle names is run):
//   pickleparser  default name resolver (a placeholder class per global);
//                 persistent_load requested: persistent ids resolve to a
//                 placeholder, else the library's default (it throws, as
//                 pickle.loads does); buffers= given: they are passed as the
//                 `buffers` iterator.
//   jpickle       every global not registered in jpickle.emulated resolves to
//                 a placeholder function (jpickle throws "Cannot emulate
//                 global" otherwise); its own datetime.datetime emulation is
//                 kept. Options are ignored (jpickle has none).
// Dependencies are pinned in package.json / package-lock.json; install them
// with `npm ci` in this directory (scripts/conform-matrix does).
'use strict';

const path = require('path');
const fs = require('fs');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const codec = arg('--codec', 'pickleparser');
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', codec, 'package.json'), 'utf8'));
const label = `${codec} ${pkg.version} (npm) on Node.js ${process.version}`;

// stdout carries the frames: whatever a library logs goes to stderr.
console.log = console.error;
console.info = console.error;
console.warn = console.error;

let decode;
if (codec === 'pickleparser') {
  const { Parser } = require('pickleparser');
  decode = (data, opts) => {
    const options = {};
    if (opts.persistent) {
      options.persistentResolver = { resolve: (pid) => ({ __persistent_id__: pid }) };
    }
    if (opts.buffers !== null) {
      options.buffers = opts.buffers.map((b) => b.data)[Symbol.iterator]();
    }
    return new Parser(options).parse(data);
  };
} else if (codec === 'jpickle') {
  const jpickle = require('jpickle');
  const placeholders = new Map();
  Object.setPrototypeOf(jpickle.emulated, new Proxy({}, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      let f = placeholders.get(key);
      if (!f) {
        f = function (args) { return { __global__: key, __args__: args }; };
        placeholders.set(key, f);
      }
      return f;
    },
  }));
  decode = (data) => jpickle.loads(data.toString('latin1'));
} else {
  process.stderr.write(`testee.js: unknown codec ${codec}\n`);
  process.exit(2);
}

function frame(payload) {
  const hdr = Buffer.alloc(4);
  hdr.writeUInt32LE(payload.length, 0);
  return Buffer.concat([hdr, payload]);
}

function parseLoad(p) {
  // 'L'/'T', u8 flags, u16 n + encoding, u16 n + errors, u32 nbuffers
  // { u8 readonly, u32 n + data }, u32 n + pickle
  let off = 1;
  const flags = p[off++];
  const elen = p.readUInt16LE(off); off += 2;
  const encoding = p.toString('latin1', off, off + elen); off += elen;
  const rlen = p.readUInt16LE(off); off += 2;
  const errors = p.toString('latin1', off, off + rlen); off += rlen;
  const nbuf = p.readUInt32LE(off); off += 4;
  const buffers = [];
  for (let i = 0; i < nbuf; i++) {
    const readonly = p[off++] !== 0;
    const n = p.readUInt32LE(off); off += 4;
    buffers.push({ readonly, data: p.subarray(off, off + n) });
    off += n;
  }
  const n = p.readUInt32LE(off); off += 4;
  return {
    fixImports: (flags & 1) !== 0, persistent: (flags & 2) !== 0, encoding, errors,
    buffers: (flags & 4) !== 0 ? buffers : null, data: Buffer.from(p.subarray(off, off + n)),
  };
}

function respond(p) {
  const t = String.fromCharCode(p[0]);
  if (t === 'H') {
    return Buffer.from('H' + JSON.stringify({
      name: codec, version: label, levels: ['verdict'],
      description: 'accepted = decode returned, rejected = decode threw',
    }), 'utf8');
  }
  if (t === 'L' || t === 'T') {
    let req;
    try {
      req = parseLoad(p);
    } catch (e) {
      return Buffer.from('Xbad request: ' + e, 'utf8');
    }
    try {
      decode(req.data, req);
      return Buffer.from('V');
    } catch (e) {
      const name = Buffer.from((e && e.constructor && e.constructor.name) || typeof e, 'utf8');
      const msg = Buffer.from(String(e && e.message !== undefined ? e.message : e).slice(0, 500), 'utf8');
      const out = Buffer.alloc(1 + 2 + name.length + 4 + msg.length);
      out.write('E', 0, 'latin1');
      out.writeUInt16LE(name.length, 1);
      name.copy(out, 3);
      out.writeUInt32LE(msg.length, 3 + name.length);
      msg.copy(out, 7 + name.length);
      return out;
    }
  }
  return Buffer.from('Xunknown request type');
}

let pending = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 4) {
    const n = pending.readUInt32LE(0);
    if (pending.length < 4 + n) break;
    const p = pending.subarray(4, 4 + n);
    pending = pending.subarray(4 + n);
    if (p[0] === 0x51) {  // 'Q'
      fs.writeSync(1, frame(Buffer.from('Q')));
      process.exit(0);
    }
    fs.writeSync(1, frame(respond(p)));
  }
});
process.stdin.on('end', () => process.exit(0));

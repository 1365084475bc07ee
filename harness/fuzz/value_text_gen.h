// A structure-aware generator for fuzz_roundtrip: fuzz input bytes ->
// a value graph written in canonical notation (canonical.md), with labels
// and references for sharing and cycles.
//
//   FuzzedDataProvider fdp(data, size);
//   std::string raw = picklecheck::fuzz::GenerateValueText(fdp);
//   // e.g. `&1 [&2 "ab", *2, {1: &3 new(@m:A, (*1,)).append(*3)}, buffer(0, b"x")]`
//   picklecheck::Result<picklecheck::Document> doc = picklecheck::ParseCanonical(raw);
//
// Input layout, the FuzzedDataProvider way: choices (kinds, sizes, which
// reference) come from the end of the input, payloads (str and bytes
// contents, big-int digits) from its head. An exhausted provider yields 0s,
// and choice 0 always means "the simplest thing" (None, an empty container,
// no more items), so every input, the empty one included, gives a value and
// shorter inputs give smaller values.
//
// What it writes: None, bools, ints (small, int64, uint64, the protocol
// boundaries, big ints up to ~19,000 bits so LONG text at protocols 0-1
// can pass CPython's 4300-digit limit), floats (specials, -0.0, inf, NaN
// with payloads, any bit pattern), complex, str (ASCII, controls, Latin-1,
// BMP, lone surrogates, astral; now and then >= 64 KiB, which protocol 4
// writes outside frames), bytes, bytearray, tuples, lists, dicts, sets,
// frozensets (now and then > 1000 items: batching), globals (stub classes,
// the safe built-ins, fix_imports-mapped, dotted, non-ASCII and '<locals>'
// names, random identifiers), stub objects (new with and without kwargs,
// class calls, instance calls, persistent ids) with op logs (usually in
// save_reduce order, sometimes not, sometimes .add), object(), out-of-band
// buffers (writable and read-only), read-only views, deep nesting (around
// CPython's recursion limit), and references: to any finished node, or to
// an enclosing node when a mutable container (list, dict, an object's ops)
// lies on the way, so every cycle is one the unpickler can build. Set
// elements and dict keys are hashable by construction. Not generated (see
// value_text_gen.cc, Builder): sets on cycles, and constructor arguments that
// reach back to their object or keyword arguments that reach back to any
// enclosing node (CPython's own round trip changes those values).
//
// Deterministic: the same input gives the same text.
#ifndef PICKLECHECK_HARNESS_FUZZ_VALUE_TEXT_GEN_H_
#define PICKLECHECK_HARNESS_FUZZ_VALUE_TEXT_GEN_H_

#include <fuzzer/FuzzedDataProvider.h>

#include <string>

namespace picklecheck::fuzz {

struct ValueTextOptions {
  int max_depth = 6;    // container nesting (deep-nesting values aside)
  int max_items = 6;    // elements per container (large containers aside)
  int max_nodes = 48;   // nodes per value, roughly
  bool large = true;    // >= 64 KiB strs, > 1000-item containers, deep nesting
};

// Consumes choices and payload from `fdp` and returns the raw text (labels
// numbered in order of appearance; it parses, but is not yet canonical:
// ToCanonical(ParseCanonical(text)) normalizes set order and labels).
std::string GenerateValueText(FuzzedDataProvider& fdp, const ValueTextOptions& options = {});

}  // namespace picklecheck::fuzz

#endif  // PICKLECHECK_HARNESS_FUZZ_VALUE_TEXT_GEN_H_

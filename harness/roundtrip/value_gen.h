// A small random generator of value graphs over the value model
// (canonical.md), for `picklecheck roundtrip --generate N`.
//
//   std::string text = picklecheck::GenerateValueText(/*seed=*/7, /*index=*/0);
//   // e.g. `[&1 [1, "ab", *1], {b"x": (2.5, None)}, new(@m:A, (1,)).append(*1)]`
//
// Values are written as canonical-notation text with labels and references,
// so they have sharing (a reference to any finished node) and cycles (a
// reference to an enclosing list, dict or object whose ops are being
// written, or to an enclosing tuple with a mutable container in between),
// then normalized by ParseCanonical + ToCanonical. Everything the notation
// has appears: ints at every width boundary and beyond 2**64, floats with
// -0.0, inf and NaN payloads, complex, str with escapes, surrogates and
// astral characters, bytes, bytearray, tuples, lists, dicts, sets and
// frozensets (hashable elements only), globals (stub classes and the safe
// built-ins), stub objects (new with and without kwargs, class calls,
// instance calls, persistent ids) with op logs in save_reduce order
// (occasionally not), object(), out-of-band buffers and read-only views.
//
// Deterministic: (seed, index) always gives the same text, on every
// platform (splitmix64, no std:: distributions).
#ifndef PICKLECHECK_HARNESS_ROUNDTRIP_VALUE_GEN_H_
#define PICKLECHECK_HARNESS_ROUNDTRIP_VALUE_GEN_H_

#include <cstdint>
#include <string>

namespace picklecheck {

struct ValueGenOptions {
  int max_depth = 4;       // container nesting
  int max_items = 5;       // elements per container
  int max_nodes = 60;      // containers, objects and strings per value, roughly
  bool buffers = true;     // buffer(...) and readonly(...) values
};

// The canonical text of the index-th value of stream `seed`. A raw text
// that does not parse (a cycle through stub-object arguments, which the
// generator's local rules cannot always see) is replaced by another draw for
// the same (seed, index); should 16 draws fail, returns "None" and, when
// `raw` is given, the last raw text there (a generator bug to report).
std::string GenerateValueText(uint64_t seed, uint64_t index, const ValueGenOptions& options = {},
                              std::string* raw = nullptr);

// The raw (unnormalized) text of one draw, for tests; may not parse.
std::string GenerateRawValueText(uint64_t seed, uint64_t index, const ValueGenOptions& options = {});

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_ROUNDTRIP_VALUE_GEN_H_

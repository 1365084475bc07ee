// Canonical text -> value graph: the inverse of ToCanonical (canonical.md).
//
//   picklecheck::CanonicalParseError why;
//   picklecheck::Result<picklecheck::Document> doc =
//       picklecheck::ParseCanonical("[&1 [1, 2.0, \"a\"], *1]", &why);
//   if (!doc.ok()) std::cerr << "offset " << why.offset << ": " << why.message << "\n";
//   // ToCanonical(doc->root()) == the input, for every text ToCanonical prints.
//
// Every literal form of canonical.md section 2 is read, with labels (`&N `,
// numbered 1, 2, 3 ... in order of appearance) and references (`*N`) giving
// sharing and cycles. Values are built as the decoder builds them: strs
// through Document::NewStr (the empty and one-character singletons), bytes
// through NewBytes (only b"" is shared), globals through Document::Global
// with the safe policy's built-ins (canonical.md section 4) marked, stub
// objects as ObjectNodes with their argument and op records, sets and dicts
// through SetAdd/DictSetItem (so an unhashable element is an error).
//
// Rejected, with the text offset, as the oracle's parser (oracles/
// pickle_oracle.py) rejects them: syntax errors (also a 1-tuple without its
// comma: "(x)" is not a grouping),
// labels out of order, references to unknown labels, new() of or a call to a
// safe built-in (the decoder would have run it, so such text is never
// canonical), ops on anything but a stub object, a value that contains
// itself through immutable parts only (`&1 (*1,)`), unhashable set elements
// or dict keys, non-str keyword names, readonly() of anything but a
// bytearray or a writable buffer, and a buffer index used twice.
//
// The parser is iterative: nesting depth is limited only by memory.
#ifndef PICKLECHECK_HARNESS_PICKLE_CANONICAL_PARSE_H_
#define PICKLECHECK_HARNESS_PICKLE_CANONICAL_PARSE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/pickle/error.h"
#include "harness/pickle/value.h"

namespace picklecheck {

struct CanonicalParseError {
  uint64_t offset = 0;  // byte offset in the text
  std::string message;
};

// On failure the Error is kUnsupportedForm with `offset` = the text offset
// (a proposed kCanonicalSyntax kind would name it); `error`, when given,
// receives the message.
[[nodiscard]] Result<Document> ParseCanonical(std::string_view text,
                                              CanonicalParseError* error = nullptr);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_CANONICAL_PARSE_H_

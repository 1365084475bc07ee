// Canonical text of a decoded value (the notation is specified in
// canonical.md). Two values print alike iff they are structurally identical,
// sharing included; the CPython oracle prints the same text from Python
// objects.
//
//   std::string text = picklecheck::ToCanonical(doc.root());
//   // "[&1 [1, 2.0, \"a\"], *1]"
//
// The printer is iterative: nesting depth is limited only by memory.
#ifndef PICKLECHECK_HARNESS_PICKLE_CANONICAL_H_
#define PICKLECHECK_HARNESS_PICKLE_CANONICAL_H_

#include <string>

#include "harness/pickle/value.h"

namespace picklecheck {

std::string ToCanonical(const Value& root);
void AppendCanonical(const Value& root, std::string& out);

// The literal forms, exposed for the disassembler and messages.
void AppendStrLiteral(std::string_view surrogatepass_utf8, std::string& out);
void AppendBytesLiteral(std::string_view bytes, std::string& out);
void AppendFloatLiteral(double d, std::string& out);
void AppendGlobalLiteral(std::string_view module, std::string_view name, std::string& out);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_CANONICAL_H_

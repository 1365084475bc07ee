// Disassembly in the style of `python3 -m pickletools`: one line per opcode
// with its offset, code, name (indented by mark depth) and argument, MARK and
// memo annotations, and the decoder's verdict. On malformed input the listing
// stops at the opcode where the decoder stops, with a line saying why:
//
//       0: \x80 PROTO      4
//       2: X    BINUNICODE 'abc' ... 
//       9: ]    EMPTY_LIST
//      10: a    APPEND
//          ^ StackUnderflow: UnpicklingError: unpickling stack underflow
//
// Arguments are written in canonical-text literal notation (canonical.md),
// not Python repr.
#ifndef PICKLECHECK_HARNESS_PICKLE_DISASM_H_
#define PICKLECHECK_HARNESS_PICKLE_DISASM_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "harness/pickle/opcode.h"

#include "harness/pickle/decoder.h"

namespace picklecheck {

struct DisasmOptions {
  DecodeOptions decode;          // how the verdict line is computed
  size_t max_payload_bytes = 64; // longer payloads are shortened with their size
};

std::string Disassemble(std::span<const uint8_t> pickle, const DisasmOptions& options = {});

// The opcodes of a pickle in stream order, as pickletools.genops walks them:
// each opcode's offset and table row, up to and including STOP. Stops early
// (with `complete` false on the last entry) at an unknown byte or an argument
// that runs past the end.
struct OpcodeAt {
  uint64_t offset = 0;
  const OpcodeInfo* info = nullptr;  // nullptr: not an opcode
  bool complete = true;
};
std::vector<OpcodeAt> ScanOpcodes(std::span<const uint8_t> pickle);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_DISASM_H_

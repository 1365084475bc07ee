// The pickle opcodes, derived from opcodes.def (the one opcode table).
//
//   const OpcodeInfo* info = LookupOpcode(byte);   // nullptr: not an opcode
//   if (info && info->arg == ArgKind::kUint1) ...
#ifndef PICKLECHECK_HARNESS_PICKLE_OPCODE_H_
#define PICKLECHECK_HARNESS_PICKLE_OPCODE_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace picklecheck {

enum class Opcode : uint8_t {
#define PC_OPCODE(name, byte, proto, arg, before, after, doc) k##name = byte,
#include "harness/pickle/opcodes.def"
#undef PC_OPCODE
};

// How an opcode's argument is laid out in the stream (pickletools'
// ArgumentDescriptor names).
enum class ArgKind : uint8_t {
  kNone,
  kUint1,
  kUint2,
  kInt4,
  kUint4,
  kUint8,
  kDecimalnlShort,
  kDecimalnlLong,
  kFloatnl,
  kFloat8,
  kStringnl,
  kStringnlNoescape,
  kStringnlNoescapePair,
  kString1,
  kString4,
  kBytes1,
  kBytes4,
  kBytes8,
  kBytearray8,
  kUnicodestringnl,
  kUnicodestring1,
  kUnicodestring4,
  kUnicodestring8,
  kLong1,
  kLong4,
};

struct OpcodeInfo {
  Opcode op;
  uint8_t byte;
  uint8_t proto;           // protocol that introduced it
  ArgKind arg;
  std::string_view name;   // "SHORT_BINUNICODE"
  std::string_view stack_before;
  std::string_view stack_after;
  std::string_view doc;
};

inline constexpr int kNumOpcodes = 0
#define PC_OPCODE(name, byte, proto, arg, before, after, doc) +1
#include "harness/pickle/opcodes.def"
#undef PC_OPCODE
    ;

// Every opcode, in table order.
std::span<const OpcodeInfo> AllOpcodes();
// The opcode for a byte, or nullptr when the byte is not an opcode.
const OpcodeInfo* LookupOpcode(uint8_t byte);
// pickletools' name of an argument kind ("uint1", "decimalnl_short", ...).
std::string_view ArgKindName(ArgKind kind);
// Fixed size of the argument in bytes, or -1 for variable-size arguments.
int FixedArgSize(ArgKind kind);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_OPCODE_H_

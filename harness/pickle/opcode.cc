#include "harness/pickle/opcode.h"

#include <array>

namespace picklecheck {
namespace {

constexpr OpcodeInfo kOpcodes[] = {
#define PC_OPCODE(name, byte, proto, arg, before, after, doc) \
  {Opcode::k##name, byte, proto, ArgKind::arg, #name, before, after, doc},
#include "harness/pickle/opcodes.def"
#undef PC_OPCODE
};
static_assert(std::size(kOpcodes) == kNumOpcodes);

constexpr std::array<int8_t, 256> BuildIndex() {
  std::array<int8_t, 256> index{};
  for (auto& i : index) i = -1;
  for (size_t i = 0; i < std::size(kOpcodes); ++i) index[kOpcodes[i].byte] = static_cast<int8_t>(i);
  return index;
}
constexpr std::array<int8_t, 256> kIndex = BuildIndex();

}  // namespace

std::span<const OpcodeInfo> AllOpcodes() { return kOpcodes; }

const OpcodeInfo* LookupOpcode(uint8_t byte) {
  int8_t i = kIndex[byte];
  return i < 0 ? nullptr : &kOpcodes[i];
}

std::string_view ArgKindName(ArgKind kind) {
  switch (kind) {
    case ArgKind::kNone: return "";
    case ArgKind::kUint1: return "uint1";
    case ArgKind::kUint2: return "uint2";
    case ArgKind::kInt4: return "int4";
    case ArgKind::kUint4: return "uint4";
    case ArgKind::kUint8: return "uint8";
    case ArgKind::kDecimalnlShort: return "decimalnl_short";
    case ArgKind::kDecimalnlLong: return "decimalnl_long";
    case ArgKind::kFloatnl: return "floatnl";
    case ArgKind::kFloat8: return "float8";
    case ArgKind::kStringnl: return "stringnl";
    case ArgKind::kStringnlNoescape: return "stringnl_noescape";
    case ArgKind::kStringnlNoescapePair: return "stringnl_noescape_pair";
    case ArgKind::kString1: return "string1";
    case ArgKind::kString4: return "string4";
    case ArgKind::kBytes1: return "bytes1";
    case ArgKind::kBytes4: return "bytes4";
    case ArgKind::kBytes8: return "bytes8";
    case ArgKind::kBytearray8: return "bytearray8";
    case ArgKind::kUnicodestringnl: return "unicodestringnl";
    case ArgKind::kUnicodestring1: return "unicodestring1";
    case ArgKind::kUnicodestring4: return "unicodestring4";
    case ArgKind::kUnicodestring8: return "unicodestring8";
    case ArgKind::kLong1: return "long1";
    case ArgKind::kLong4: return "long4";
  }
  return "?";
}

int FixedArgSize(ArgKind kind) {
  switch (kind) {
    case ArgKind::kNone: return 0;
    case ArgKind::kUint1: return 1;
    case ArgKind::kUint2: return 2;
    case ArgKind::kInt4:
    case ArgKind::kUint4: return 4;
    case ArgKind::kUint8:
    case ArgKind::kFloat8: return 8;
    case ArgKind::kDecimalnlShort:
    case ArgKind::kDecimalnlLong:
    case ArgKind::kFloatnl:
    case ArgKind::kStringnl:
    case ArgKind::kStringnlNoescape:
    case ArgKind::kStringnlNoescapePair:
    case ArgKind::kString1:
    case ArgKind::kString4:
    case ArgKind::kBytes1:
    case ArgKind::kBytes4:
    case ArgKind::kBytes8:
    case ArgKind::kBytearray8:
    case ArgKind::kUnicodestringnl:
    case ArgKind::kUnicodestring1:
    case ArgKind::kUnicodestring4:
    case ArgKind::kUnicodestring8:
    case ArgKind::kLong1:
    case ArgKind::kLong4: return -1;
  }
  return -1;
}

}  // namespace picklecheck

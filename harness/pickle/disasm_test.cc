#include "harness/pickle/disasm.h"

#include <gtest/gtest.h>

#include <string>

#include "harness/testing/pickle_testing.h"

namespace picklecheck {
namespace {

std::string Dis(std::string_view pickle) {
  return Disassemble(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size()));
}

TEST(DisasmTest, ListsOpcodesLikePickletools) {
  std::string p = testing::FromHex("8004950d000000000000005d94284b018c0361626394652e");
  EXPECT_EQ(Dis(p),
            "    0: \\x80 PROTO      4\n"
            "    2: \\x95 FRAME      13\n"
            "   11: ]    EMPTY_LIST\n"
            "   12: \\x94 MEMOIZE    (as 0)\n"
            "   13: (    MARK\n"
            "   14: K        BININT1    1\n"
            "   16: \\x8c     SHORT_BINUNICODE \"abc\"\n"
            "   21: \\x94     MEMOIZE    (as 1)\n"
            "   22: e        APPENDS    (MARK at 13)\n"
            "   23: .    STOP\n"
            "highest protocol among opcodes = 4\n");
}

TEST(DisasmTest, StopsWhereTheDecoderStops) {
  EXPECT_EQ(Dis("]K\x01(a."),
            "    0: ]    EMPTY_LIST\n"
            "    1: K    BININT1    1\n"
            "    3: (    MARK\n"
            "    4: a        APPEND\n"
            "       ^ UnexpectedMark at offset 4 (APPEND): UnpicklingError: unexpected MARK found\n"
            "highest protocol among opcodes = 1\n");
}

TEST(DisasmTest, TruncatedArgument) {
  EXPECT_EQ(Dis("\x8c\x05" "ab"),
            "    0: \\x8c SHORT_BINUNICODE <5 bytes declared, 2 left>\n"
            "       ^ Truncated at offset 0 (SHORT_BINUNICODE): UnpicklingError: pickle data was truncated\n"
            "highest protocol among opcodes = 4\n");
}

TEST(DisasmTest, UnknownOpcode) {
  EXPECT_EQ(Dis("Nz"),
            "    0: N    NONE\n"
            "    1: z    <unknown opcode>\n"
            "error: UnknownOpcode at offset 1: UnpicklingError: invalid load key, 'z'.\n"
            "highest protocol among opcodes = 0\n");
}

TEST(DisasmTest, TrailingBytesAfterStopAreNoted) {
  EXPECT_EQ(Dis("N.xyz"),
            "    0: N    NONE\n"
            "    1: .    STOP\n"
            "(3 bytes after STOP are ignored)\n"
            "highest protocol among opcodes = 0\n");
}

TEST(DisasmTest, ScanOpcodesWalksToStop) {
  std::string p = "(K\x01K\x02t.junk";
  auto ops = ScanOpcodes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.data()), p.size()));
  ASSERT_EQ(ops.size(), 5u);
  EXPECT_EQ(ops[0].info->op, Opcode::kMARK);
  EXPECT_EQ(ops[3].offset, 5u);
  EXPECT_EQ(ops[4].info->op, Opcode::kSTOP);
  EXPECT_TRUE(ops[4].complete);
}

}  // namespace
}  // namespace picklecheck

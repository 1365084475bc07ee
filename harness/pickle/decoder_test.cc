#include "harness/pickle/decoder.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/pickle/canonical.h"
#include "harness/pickle/disasm.h"
#include "harness/pickle/opcode.h"
#include "harness/testing/pickle_testing.h"

namespace picklecheck {
namespace {

using testing::FromHex;
using testing::ParseOptions;
using testing::Split;
using testing::Verdict;

struct Case {
  std::string name;
  std::string input;
  std::string expected;
  DecodeOptions options;
};

std::vector<Case> LoadCases() {
  std::string text;
  std::string path = testing::SourcePath("harness/pickle/testdata/decoder_cases.tsv");
  if (!testing::ReadFile(path, text)) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::vector<Case> cases;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = Split(line, '\t');
    if (f.size() != 4) {
      ADD_FAILURE() << "bad line: " << line;
      continue;
    }
    cases.push_back(Case{f[0], FromHex(f[2]), f[3], ParseOptions(f[1])});
  }
  return cases;
}

const std::vector<Case>& Cases() {
  static const std::vector<Case>* cases = new std::vector<Case>(LoadCases());
  return *cases;
}

// gtest prints parameters on failure and in test names: show the case name.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class DecoderCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(DecoderCaseTest, MatchesExpectation) {
  const Case& c = GetParam();
  EXPECT_EQ(Verdict(c.input, c.options), c.expected) << "input hex " << testing::ToHex(c.input);
}

INSTANTIATE_TEST_SUITE_P(Cases, DecoderCaseTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// Every opcode in the table has at least one accepted case that runs it and
// at least one rejected case that fails on it, except where no such input
// exists: opcodes with no argument and no stack precondition cannot fail,
// and EXT1/2/4 cannot succeed because copyreg's extension registry is empty
// (a pickle has no way to register a code).
TEST(DecoderCoverageTest, EveryOpcodeHasValidAndInvalidCases) {
  const std::set<Opcode> cannot_fail = {Opcode::kNONE,       Opcode::kNEWTRUE,     Opcode::kNEWFALSE,
                                        Opcode::kEMPTY_LIST, Opcode::kEMPTY_TUPLE, Opcode::kEMPTY_DICT,
                                        Opcode::kEMPTY_SET,  Opcode::kMARK};
  const std::set<Opcode> cannot_succeed = {Opcode::kEXT1, Opcode::kEXT2, Opcode::kEXT4};
  std::set<uint8_t> valid, invalid;
  for (const Case& c : Cases()) {
    auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(c.input.data()), c.input.size());
    Result<Document> doc = Decode(bytes, c.options);
    if (doc.ok()) {
      for (const OpcodeAt& at : ScanOpcodes(bytes)) {
        if (at.info != nullptr) valid.insert(at.info->byte);
      }
    } else if (doc.error().kind != ErrorKind::kEndOfInput) {
      invalid.insert(bytes[doc.error().offset]);
    }
  }
  for (const OpcodeInfo& op : AllOpcodes()) {
    EXPECT_EQ(valid.count(op.byte) > 0, !cannot_succeed.count(op.op)) << op.name << " accepted cases";
    EXPECT_EQ(invalid.count(op.byte) > 0, !cannot_fail.count(op.op)) << op.name << " rejected cases";
  }
}

// Every proper prefix of an accepted pickle is rejected as running out of
// input (between opcodes) or as truncated (inside one), at an offset inside
// the prefix.
TEST(DecoderTruncationTest, EveryPrefixOfEveryAcceptedCase) {
  int checked = 0;
  for (const Case& c : Cases()) {
    if (!Decode(c.input, c.options).ok()) continue;
    // The first STOP ends decoding; prefixes beyond it still succeed.
    size_t stop = c.input.size();
    auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(c.input.data()), c.input.size());
    std::vector<OpcodeAt> ops = ScanOpcodes(bytes);
    if (!ops.empty() && ops.back().info != nullptr && ops.back().info->op == Opcode::kSTOP) {
      stop = ops.back().offset;
    }
    for (size_t n = 0; n <= stop && n < c.input.size(); ++n) {
      Result<Document> doc = Decode(std::string_view(c.input).substr(0, n), c.options);
      ASSERT_FALSE(doc.ok()) << c.name << " prefix " << n;
      ErrorKind k = doc.error().kind;
      EXPECT_TRUE(k == ErrorKind::kEndOfInput || k == ErrorKind::kTruncated)
          << c.name << " prefix " << n << ": " << Describe(doc.error());
      EXPECT_LE(doc.error().offset, n) << c.name;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
}

// Random corruptions of accepted cases: decoding returns (value or error,
// never a crash or a hang), errors point inside the input, and the result
// is deterministic.
TEST(DecoderHostileTest, RandomMutationsNeverCrash) {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int runs = 0;
  for (const Case& c : Cases()) {
    if (c.input.empty()) continue;
    for (int i = 0; i < 40; ++i) {
      std::string m = c.input;
      int edits = 1 + static_cast<int>(next() % 3);
      for (int e = 0; e < edits; ++e) {
        size_t at = next() % m.size();
        switch (next() % 4) {
          case 0: m[at] = static_cast<char>(next()); break;
          case 1: m[at] ^= static_cast<char>(1 << (next() % 8)); break;
          case 2: m.insert(at, 1, static_cast<char>(next())); break;
          default: m.erase(at, 1); break;
        }
        if (m.empty()) m = "N";
      }
      Result<Document> a = Decode(m, c.options);
      Result<Document> b = Decode(m, c.options);
      ASSERT_EQ(a.ok(), b.ok());
      if (a.ok()) {
        EXPECT_EQ(ToCanonical(a->root()), ToCanonical(b->root()));
      } else {
        EXPECT_LE(a.error().offset, m.size());
        EXPECT_EQ(a.error().kind, b.error().kind);
        EXPECT_FALSE(Describe(a.error()).empty());
      }
      ++runs;
    }
  }
  EXPECT_GT(runs, 10000);
}

TEST(DecoderTest, ErrorsCarryOpcodeAndOffset) {
  Result<Document> doc = Decode(std::string_view("N]\x8c\x05" "ab", 6));
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().kind, ErrorKind::kTruncated);
  EXPECT_EQ(doc.error().offset, 2u);
  EXPECT_EQ(doc.error().opcode, 0x8c);
  EXPECT_EQ(Describe(doc.error()),
            "Truncated at offset 2 (SHORT_BINUNICODE): UnpicklingError: pickle data was truncated");
}

TEST(DecoderTest, SharedListIsOneNode) {
  // [x, x] where x = [] : BINGET of the same memo entry twice.
  Result<Document> doc = Decode(FromHex("80025d7100" "28" "5d7101" "6801" "65" "2e"));
  ASSERT_TRUE(doc.ok()) << Describe(doc.error());
  const ListNode* outer = doc->root().list();
  ASSERT_EQ(outer->items.size, 2u);
  EXPECT_TRUE(outer->items[0].Is(outer->items[1]));
  EXPECT_EQ(ToCanonical(doc->root()), "[&1 [], *1]");
}

TEST(DecoderTest, DeepNestingDecodesAndPrints) {
  // 100000 nested lists: ]]]...]  then APPEND 99999 times.
  std::string p;
  const int depth = 100000;
  for (int i = 0; i < depth; ++i) p += ']';
  for (int i = 1; i < depth; ++i) p += 'a';
  p += '.';
  Result<Document> doc = Decode(p);
  ASSERT_TRUE(doc.ok()) << Describe(doc.error());
  std::string text = ToCanonical(doc->root());
  EXPECT_EQ(text.size(), 2u * depth);
  EXPECT_EQ(text.substr(0, 3), "[[[");
}

TEST(DecoderTest, HugeMemoIndexStaysSparse) {
  // LONG_BINPUT 2**32-1 makes CPython resize its memo array to 2**33 slots;
  // here it must not allocate in proportion to the index.
  Result<Document> doc = Decode(FromHex("4e72ffffffff6affffffff862e"));
  ASSERT_TRUE(doc.ok()) << Describe(doc.error());
  EXPECT_LT(doc->arena().reserved(), 1u << 20);
}

TEST(DecoderTest, HugeDeclaredLengthsFailBeforeAllocating) {
  for (const char* hex : {"42ffffffff2e", "8effffffffffffff7f2e", "96ffffffffffffff002e",
                          "58ffffffff2e", "8dffffffffffff0f002e", "9500000000000000012e"}) {
    Result<Document> doc = Decode(FromHex(hex));
    ASSERT_FALSE(doc.ok()) << hex;
    EXPECT_EQ(doc.error().kind, ErrorKind::kTruncated) << hex;
    EXPECT_EQ(doc.error().offset, 0u) << hex;
  }
}

TEST(DecoderTest, BuiltinCallAllocationIsCapped) {
  // bytearray(2**40) through REDUCE: over the allocation budget.
  Result<Document> doc =
      Decode(std::string_view("cbuiltins\nbytearray\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R.", 32));
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_TRUE(IsInconclusive(doc.error().kind));
}

TEST(DecoderTest, EndOffsetIsJustPastStop) {
  Result<Document> doc = Decode(std::string_view("K\x01.junk"));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->end_offset(), 3u);
}

TEST(DecoderTest, ViewModeReferencesInput) {
  std::string p = "\x8c\x05hello.";
  DecodeOptions o;
  o.view_input = true;
  Result<Document> doc = Decode(p, o);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root().str()->text.data, p.data() + 2);
  EXPECT_EQ(ToCanonical(doc->root()), "\"hello\"");
}

}  // namespace
}  // namespace picklecheck

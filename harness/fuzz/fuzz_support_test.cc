#include "harness/fuzz/fuzz_support.h"

#include <fuzzer/FuzzedDataProvider.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/fuzz/value_text_gen.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"

namespace picklecheck::fuzz {
namespace {

TEST(FuzzSupport, HexCutsLongInput) {
  EXPECT_EQ(Hex(std::string_view("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(Hex(std::string_view("abcd"), 2), "6162...");
}

TEST(FuzzSupport, FormatFindingHasTheParsedShape) {
  Finding f{"Kind|x=1", "one line", "details\n"};
  std::string text = FormatFinding("fuzz_t", f);
  EXPECT_NE(text.find("\n==== fuzz_t finding: one line\nsignature: Kind|x=1\ndetails\n==== end of finding\n"),
            std::string::npos);
}

TEST(KnownFindings, MatchesTargetAndSignaturePrefix) {
  KnownFindings k;
  std::string why;
  ASSERT_TRUE(k.Parse("# comment\n\nroundtrip encode|P0|  # why\n* bytes|P2|ours=TUPLE1\n", &why)) << why;
  EXPECT_EQ(k.size(), 2u);
  EXPECT_TRUE(k.ExcusesSignature("roundtrip", "encode|P0|undocumented|kHole"));
  EXPECT_FALSE(k.ExcusesSignature("differential", "encode|P0|undocumented|kHole"));
  EXPECT_TRUE(k.ExcusesSignature("differential", "bytes|P2|ours=TUPLE1|cpython=POP"));
  EXPECT_FALSE(k.ExcusesSignature("roundtrip", "encode|P1|x"));
  KnownFindings g;
  ASSERT_TRUE(g.Parse("roundtrip load|*|msg=slot_state\n", &why)) << why;
  EXPECT_TRUE(g.ExcusesSignature("roundtrip", "load|P2|ExceptionTypeMismatch|cpython=X|msg=slot_state_is_not"));
  EXPECT_FALSE(g.ExcusesSignature("roundtrip", "load|P2|ExceptionTypeMismatch|cpython=X|msg=other"));
}

TEST(KnownFindings, RejectsMalformedLines) {
  KnownFindings k;
  std::string why;
  EXPECT_FALSE(k.Parse("roundtrip\n", &why));
  EXPECT_EQ(why.substr(0, 2), "1:");
  EXPECT_FALSE(k.Parse("roundtrip a b\n", &why));
}

TEST(KnownFindings, ExpectedDivergencePrefixesExcuseDifferentialSummaries) {
  ExpectedDivergences list;
  std::string why;
  ASSERT_TRUE(list.Parse("Case.A  # AcceptRejectMismatch: ours raised Truncated\nCase.B\n", &why)) << why;
  KnownFindings k;
  k.AddExpectedDivergences(list);
  Finding f{"AcceptRejectMismatch|ours=Truncated@FRAME|cpython=accepted",
            "AcceptRejectMismatch: ours raised Truncated at offset 2", ""};
  EXPECT_TRUE(k.Excuses("differential", f));
  EXPECT_FALSE(k.Excuses("roundtrip", f));
}

TEST(Minimize, KeepsTheSignature) {
  // A finding while 'x', 'y', 'z' appear in this order; another signature
  // when the input also holds 'q' (the minimizer must not drift to it).
  CheckFn check = [](std::string_view in) -> std::optional<Finding> {
    size_t x = in.find('x');
    size_t y = x == std::string_view::npos ? x : in.find('y', x);
    size_t z = y == std::string_view::npos ? y : in.find('z', y);
    if (z == std::string_view::npos) return std::nullopt;
    return Finding{in.find('q') == std::string_view::npos ? "xyz" : "other", "", ""};
  };
  std::string other = Minimize("aaxbbbbqyccccz", "other", check);
  EXPECT_EQ(other.size(), 4u);
  EXPECT_TRUE(other == "qxyz" || other == "xqyz" || other == "xyqz" || other == "xyzq") << other;
  EXPECT_EQ(Minimize("aaxbbbbyccccz", "xyz", check), "xyz");
}

TEST(Minimize, DeletesWholeOpcodesInThePickleLayout) {
  // The finding: an APPEND opcode in the payload.
  CheckFn check = [](std::string_view in) -> std::optional<Finding> {
    if (in.size() < 2) return std::nullopt;
    std::string payload(in.substr(0, in.size() - 2));
    if (OpcodeNameAt(payload, payload.find('a')) != "APPEND") return std::nullopt;
    return Finding{"append", "", ""};
  };
  std::string input("\x80\x02]q\x00K\x01" "a(K\x02K\x03" "e.", 15);
  input += std::string("\0\0", 2);
  MinimizeOptions mo;
  mo.pickle_layout = true;
  std::string small = Minimize(input, "append", check, mo);
  EXPECT_LE(small.size(), 3u);
  EXPECT_NE(small.find('a'), std::string::npos);
}

TEST(Signatures, TextClass) {
  EXPECT_EQ(TextClass("[1, 2]", 4), "int");
  EXPECT_EQ(TextClass("[1, 2.5]", 6), "float");
  EXPECT_EQ(TextClass("[\"abc\", 1]", 3), "str");
  EXPECT_EQ(TextClass("[b\"abc\"]", 4), "bytes");
  EXPECT_EQ(TextClass("[new(@m:A, ())]", 2), "new");
  EXPECT_EQ(TextClass("(&1 [*1],)", 1), "label");
  EXPECT_EQ(TextClass("[-12]", 2), "int");
  EXPECT_EQ(TextClass("nan", 1), "float");
  EXPECT_EQ(TextClass("[1]", 3), "end");
}

TEST(Signatures, MessageKey) {
  EXPECT_EQ(MessageKey("slot state is not a dictionary"), "slot_state_is_not");
  EXPECT_EQ(MessageKey("invalid load key, '\\x00'."), "invalid_load_key");
  EXPECT_EQ(MessageKey("byte must be in range(0, 256)"), "byte_must_be_in");
  EXPECT_EQ(MessageKey("Memo value not found at index 3"), "Memo_value_not_found");
  EXPECT_EQ(MessageKey(""), "-");
  EXPECT_EQ(MessageKey("Can't pickle <class '.x'>: import of module '' failed"), "Can_t_pickle");
  EXPECT_EQ(MessageKey("'Stub' object cannot be interpreted as an integer"), "object_cannot_be_interpreted");
  EXPECT_EQ(MessageKey("'builtin_function_or_method' object has no attribute 'b'"), "object_has_no_attribute");
}

TEST(Signatures, OpcodeNameAt) {
  std::string p("\x80\x02K\x01]q\x00.", 8);
  EXPECT_EQ(OpcodeNameAt(p, 0), "PROTO");
  EXPECT_EQ(OpcodeNameAt(p, 3), "BININT1");
  EXPECT_EQ(OpcodeNameAt(p, 6), "BINPUT");
  EXPECT_EQ(OpcodeNameAt(p, 8), "end");
}

// splitmix64, for deterministic pseudo-random inputs.
uint64_t Next(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

TEST(ValueTextGen, EmptyInputIsNone) {
  FuzzedDataProvider fdp(nullptr, 0);
  EXPECT_EQ(GenerateValueText(fdp), "None");
}

TEST(ValueTextGen, EveryGeneratedValueParsesAndIsDeterministic) {
  uint64_t seed = 1;
  int failures = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> input(1 + Next(seed) % 600);
    for (uint8_t& b : input) b = static_cast<uint8_t>(Next(seed));
    ValueTextOptions options;
    options.large = i % 10 == 0;
    FuzzedDataProvider a(input.data(), input.size());
    FuzzedDataProvider b(input.data(), input.size());
    std::string text = GenerateValueText(a, options);
    ASSERT_EQ(text, GenerateValueText(b, options));
    CanonicalParseError why;
    Result<Document> doc = ParseCanonical(text, &why);
    if (!doc.ok()) {
      if (++failures <= 5) {
        ADD_FAILURE() << "offset " << why.offset << ": " << why.message << "\n  text: " << text.substr(0, 600);
      }
      continue;
    }
    std::string canonical = ToCanonical(doc->root());
    Result<Document> again = ParseCanonical(canonical, &why);
    ASSERT_TRUE(again.ok()) << why.message << "\n  text: " << canonical.substr(0, 600);
    EXPECT_EQ(ToCanonical(again->root()), canonical);
  }
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace picklecheck::fuzz

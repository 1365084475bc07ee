#include "harness/pickle/canonical_parse.h"

#include <gtest/gtest.h>

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include "harness/pickle/canonical.h"
#include "harness/pickle/decoder.h"
#include "harness/testing/pickle_testing.h"

namespace picklecheck {
namespace {

// ToCanonical(ParseCanonical(text)), or "ERR@offset: message".
std::string Reprint(std::string_view text) {
  CanonicalParseError why;
  Result<Document> doc = ParseCanonical(text, &why);
  if (!doc.ok()) {
    EXPECT_EQ(doc.error().offset, why.offset);
    return "ERR@" + std::to_string(why.offset) + ": " + why.message;
  }
  return ToCanonical(doc->root());
}

void ExpectRoundTrip(std::string_view text) { EXPECT_EQ(Reprint(text), text); }

// "ERR@offset" prefix of a rejection.
std::string ErrorAt(std::string_view text) {
  std::string r = Reprint(text);
  if (r.rfind("ERR@", 0) != 0) return "accepted: " + r;
  return r.substr(0, r.find(':'));
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::vector<std::vector<std::string>> Rows(const std::string& file) {
  std::string text;
  EXPECT_TRUE(testing::ReadFile(testing::SourcePath("harness/pickle/testdata/" + file), text)) << file;
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') rows.push_back(Split(line, '\t'));
  }
  return rows;
}

// ---- the inverse of ToCanonical over every value the decoder's cases make --

TEST(CanonicalParseTest, DecoderCasesRoundTrip) {
  int checked = 0;
  for (const auto& f : Rows("decoder_cases.tsv")) {
    ASSERT_EQ(f.size(), 4u);
    const std::string& expected = f[3];
    size_t at = expected.find('@');
    bool is_error = at != std::string::npos && at > 0 && expected.find_first_not_of("0123456789", at + 1) == std::string::npos &&
                    std::isupper(static_cast<unsigned char>(expected[0]));
    if (is_error) continue;
    EXPECT_EQ(Reprint(expected), expected) << f[0];
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(CanonicalParseTest, EncoderZooRoundTrips) {
  for (const auto& f : Rows("encoder_vectors.tsv")) {
    for (int p = 0; p < 6; ++p) {
      const std::string& field = f[2 + static_cast<size_t>(p)];
      if (field == "-" || field[0] == '!' || field.find('[') != std::string::npos) continue;
      Result<Document> doc = Decode(testing::FromHex(field));
      ASSERT_TRUE(doc.ok()) << f[0];
      std::string text = ToCanonical(doc->root());
      EXPECT_EQ(Reprint(text), text) << f[0] << " p" << p;
    }
  }
}

// The oracle's texts parse, and the parse is a fixed point of printing.
TEST(CanonicalParseTest, OracleDumpTextsParse) {
  for (const auto& f : Rows("encoder_dumps.tsv")) {
    std::string once = Reprint(f[2]);
    ASSERT_NE(once.rfind("ERR@", 0), 0u) << f[0] << ": " << once;
    EXPECT_EQ(Reprint(once), once) << f[0];
  }
}

// ---- literals -------------------------------------------------------------

TEST(CanonicalParseTest, Scalars) {
  ExpectRoundTrip("None");
  ExpectRoundTrip("[True, False, 0, -1, 255, 9223372036854775807, -9223372036854775808]");
  ExpectRoundTrip("[18446744073709551615, -18446744073709551615, 0x10000000000000000, -0x10000000000000000]");
  EXPECT_EQ(Reprint("0x10"), "16");  // hex is read for any size, printed for |v| >= 2**64
  EXPECT_EQ(Reprint("-000"), "0");
  ExpectRoundTrip("[1.0, -0.0, 1.5, 0.1, 1e+16, 1e-05, 5e-324, 1.7976931348623157e+308, inf, -inf, nan]");
  ExpectRoundTrip("nan(0xfff8000000000000)");
  ExpectRoundTrip("nan(0x7ff0000000000001)");
  EXPECT_EQ(Reprint("nan(0x7ff8000000000000)"), "nan");
  ExpectRoundTrip("[complex(1.0, -2.0), complex(-0.0, inf), complex(nan, 0.0)]");
  EXPECT_EQ(Reprint("complex(1, 2)"), "complex(1.0, 2.0)");
}

TEST(CanonicalParseTest, Strings) {
  ExpectRoundTrip("[\"\", \"a\", \"\\\\\\\"\\n\\r\\t\", \"\\x00\\x1f\\x7f\\x85\", \"\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]");
  ExpectRoundTrip("\"\\ud800\\udfff\"");
  EXPECT_EQ(Reprint("\"\\u0041\\x41\""), "\"AA\"");
  ExpectRoundTrip("[b\"\", b\"a\", b\"\\\\\\\"\\n\\r\\t\", b\"\\x00\\x7f\\x80\\xff\"]");
  ExpectRoundTrip("[bytearray(b\"\"), bytearray(b\"ab\")]");
}

TEST(CanonicalParseTest, Containers) {
  ExpectRoundTrip("[(), (1,), (1, 2), [], {}, set(), frozenset(), {1: 2, \"k\": [3]}, {1, 2}, frozenset({(2, 3), 1})]");
  EXPECT_EQ(Reprint("{3, 1, 2}"), "{1, 2, 3}");  // printed in sort-key order
  EXPECT_EQ(Reprint("{1: 2, 1.0: 3}"), "{1: 3}");  // first key stays, last value wins
}

TEST(CanonicalParseTest, Globals) {
  ExpectRoundTrip("[@builtins:set, @numpy.core.multiarray:_reconstruct, @\"my mod\":A, @\"\":x, @m:A.B]");
  Result<Document> doc = ParseCanonical("[@builtins:set, @copyreg:_reconstructor, @m:set]");
  ASSERT_TRUE(doc.ok());
  const auto& items = doc->root().list()->items;
  EXPECT_EQ(items[0].global()->builtin, Builtin::kSet);
  EXPECT_EQ(items[1].global()->builtin, Builtin::kReconstructor);
  EXPECT_EQ(items[2].global()->builtin, Builtin::kNone);
}

TEST(CanonicalParseTest, Objects) {
  ExpectRoundTrip("new(@m:A, ())");
  ExpectRoundTrip("new(@m:A, (1,), {\"k\": 2})");
  ExpectRoundTrip("@m:A(1, 2).append(3).setitem(4, 5).build(6).add(7)");
  ExpectRoundTrip("call(new(@m:A, ()), 1)");
  ExpectRoundTrip("[&1 new(@m:A, ()), call(*1, 2)]");
  ExpectRoundTrip("[persid(\"abc\"), persid(&1 [1]), *1]");
  ExpectRoundTrip("[object(), buffer(0, b\"ab\"), &1 buffer(1, b\"cd\"), readonly(*1), buffer(2, b\"\", readonly)]");
  ExpectRoundTrip("readonly(bytearray(b\"x\"))");
  ExpectRoundTrip("call(call(@m:f(), 2), 3)");
  // Only a global is called by a postfix argument list; an instance call is call(...).
  EXPECT_EQ(ErrorAt("new(@m:A, ())(1)"), "ERR@13");
  EXPECT_EQ(ErrorAt("@m:f()(2)"), "ERR@6");
}

TEST(CanonicalParseTest, SharingAndCycles) {
  ExpectRoundTrip("&1 [*1]");
  ExpectRoundTrip("&1 {\"self\": *1}");
  ExpectRoundTrip("[&1 \"hello\", *1, \"hello\"]");
  ExpectRoundTrip("(&1 [1], *1)");
  ExpectRoundTrip("&1 [(*1,), (1, *1)]");                        // a tuple inside the list it holds
  ExpectRoundTrip("&1 ([*1],)");                                 // the same, labelled on the tuple
  ExpectRoundTrip("&1 new(@m:A, ()).build({\"me\": *1})");
  ExpectRoundTrip("&1 {new(@m:A, ()).build(*1)}");               // a set inside its element's state
  ExpectRoundTrip("&1 frozenset({new(@m:A, ()).build({*1})})");  // a frozenset through identity hashing
  ExpectRoundTrip("&1 {new(@m:A, ()).build(*1): 1}");             // a dict referenced from its first key
  ExpectRoundTrip("[&1 frozenset({1}), {*1: *1}]");
  // Identity: one node per label, distinct nodes otherwise.
  Result<Document> doc = ParseCanonical("[&1 [1], *1, [1], \"a\", \"a\", \"ab\", \"ab\"]");
  ASSERT_TRUE(doc.ok());
  const auto& items = doc->root().list()->items;
  EXPECT_TRUE(items[0].Is(items[1]));
  EXPECT_FALSE(items[0].Is(items[2]));
  EXPECT_TRUE(items[3].Is(items[4]));   // one-character strs are singletons
  EXPECT_FALSE(items[5].Is(items[6]));
}

TEST(CanonicalParseTest, DeepNestingIsIterative) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(Reprint(deep), deep);
  std::string tuples;
  for (int i = 0; i < 50000; ++i) tuples += "(";
  tuples += "1";
  for (int i = 0; i < 50000; ++i) tuples += ",)";
  EXPECT_EQ(Reprint(tuples), tuples);
}

// ---- rejections, with the offset --------------------------------------------

TEST(CanonicalParseErrorTest, Syntax) {
  EXPECT_EQ(ErrorAt(""), "ERR@0");
  EXPECT_EQ(ErrorAt("[1, 2"), "ERR@5");
  EXPECT_EQ(ErrorAt("[1,2]"), "ERR@2");
  EXPECT_EQ(ErrorAt("1 "), "ERR@1");
  EXPECT_EQ(ErrorAt("(1, 2,)"), "ERR@5");
  EXPECT_EQ(ErrorAt("\"abc"), "ERR@0");
  EXPECT_EQ(ErrorAt("\"a\\qb\""), "ERR@3");
  EXPECT_EQ(ErrorAt("\"\xff\""), "ERR@1");
  EXPECT_EQ(ErrorAt("b\"\xc3\xa9\""), "ERR@2");
  EXPECT_EQ(ErrorAt("nan(0x7ff0000000000000)"), "ERR@0");  // infinity's bits are not a NaN
  EXPECT_EQ(ErrorAt("new(@m:A, (1))"), "ERR@12");         // a 1-tuple needs its comma
  EXPECT_EQ(ErrorAt("@m:"), "ERR@3");
  EXPECT_EQ(ErrorAt("[1].append(2)"), "ERR@3");           // ops only on stub objects
}

TEST(CanonicalParseErrorTest, Labels) {
  EXPECT_EQ(ErrorAt("&2 [1]"), "ERR@0");                 // out of order
  EXPECT_EQ(ErrorAt("[*1]"), "ERR@1");                   // unknown
  EXPECT_EQ(ErrorAt("[&1 [1], &1 [2]]"), "ERR@9");        // defined twice
  EXPECT_EQ(ErrorAt("&1 *1"), "ERR@3");                  // a label on a reference
  EXPECT_EQ(ErrorAt("&1 (*1,)"), "ERR@3");               // contains itself through immutable parts only
  EXPECT_EQ(ErrorAt("[&1 new(@m:A, (*1,))]"), "ERR@4");
  EXPECT_EQ(ErrorAt("&1 (1)"), "ERR@5");                 // a 1-tuple needs its comma: no grouping
}

TEST(CanonicalParseErrorTest, Semantics) {
  EXPECT_EQ(ErrorAt("{[1]}"), "ERR@0");                         // unhashable set element
  EXPECT_EQ(ErrorAt("[0, {[1]: 2}]"), "ERR@4");                 // unhashable key
  EXPECT_EQ(ErrorAt("frozenset({{}})"), "ERR@0");
  EXPECT_EQ(ErrorAt("new(@builtins:set, ())"), "ERR@0");        // the decoder would have run it
  EXPECT_EQ(ErrorAt("@builtins:set([1])"), "ERR@13");
  EXPECT_EQ(ErrorAt("call(1, 2)"), "ERR@0");
  EXPECT_EQ(ErrorAt("new(@m:A, (), {1: 2})"), "ERR@0");         // keyword names are str
  EXPECT_EQ(ErrorAt("readonly(b\"ab\")"), "ERR@0");
  EXPECT_EQ(ErrorAt("readonly(buffer(0, b\"ab\", readonly))"), "ERR@0");
  EXPECT_EQ(ErrorAt("[buffer(0, b\"a\"), buffer(0, b\"b\")]"), "ERR@18");
}

}  // namespace
}  // namespace picklecheck

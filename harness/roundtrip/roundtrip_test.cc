// The round-trip engine: every check and outcome against the codec oracle
// (agreement by construction, disagreement on purpose), set-hash
// classification, and a few values against the real CPython oracle.
#include "harness/roundtrip/roundtrip.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "harness/pickle/canonical_parse.h"
#include "harness/roundtrip/codec_oracle_testing.h"
#include "harness/roundtrip/roundtrip_cli.h"

namespace picklecheck {
namespace {

using testing::CodecOracle;

uint32_t Count(const ValueResult& r, RoundtripCheck c, CheckOutcome o) {
  return r.counts[static_cast<size_t>(c)][static_cast<size_t>(o)];
}

uint32_t Total(const ValueResult& r, RoundtripCheck c) {
  uint32_t n = 0;
  for (uint32_t k : r.counts[static_cast<size_t>(c)]) n += k;
  return n;
}

uint32_t Failures(const ValueResult& r) {
  uint32_t n = 0;
  for (const CheckResult& f : r.findings) n += IsRoundtripFailure(f.outcome) ? 1 : 0;
  return n;
}

const CheckResult* Finding(const ValueResult& r, const std::string& id) {
  for (const CheckResult& f : r.findings) {
    if (CheckId(f) == id) return &f;
  }
  return nullptr;
}

TEST(RoundtripEngine, EveryCheckAgreesWithItself) {
  CodecOracle oracle("self-c", OracleImpl::kC);
  RoundtripEngine engine(oracle, RoundtripOptions{});
  ValueResult r;
  for (const char* text : {"None", "[1, 2.5, \"ab\", b\"c\", (1,), {\"k\": [None]}]", "&1 [*1]",
                           "{1, 17, 9}", "[&1 \"shared\", *1]", "&1 ([*1],)"}) {
    engine.Run(text, r);
    EXPECT_EQ(Failures(r), 0u) << text << "\n" << (r.findings.empty() ? "" : r.findings[0].summary);
    EXPECT_EQ(Total(r, RoundtripCheck::kParse), 1u);
    EXPECT_EQ(Total(r, RoundtripCheck::kBytes), 6u);
    EXPECT_EQ(Total(r, RoundtripCheck::kTranscode), 36u);
    EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kAgree), 6u) << text;
    EXPECT_EQ(Count(r, RoundtripCheck::kTranscode, CheckOutcome::kAgree), 36u) << text;
  }
}

TEST(RoundtripEngine, ObjectsChangeBelowProtocol2SoTranscodingFromThereIsNotCompared) {
  // new() at protocols 0-1 is a copy_reg.__newobj__ REDUCE, which loads as a
  // call of that (stub) global: CPython's own round trip changes the value.
  CodecOracle oracle("self-c", OracleImpl::kC);
  RoundtripEngine engine(oracle, RoundtripOptions{});
  ValueResult r;
  engine.Run("new(@m:A, (1,)).append(2).build({\"x\": 1})", r);
  EXPECT_EQ(Failures(r), 0u) << (r.findings.empty() ? "" : r.findings[0].summary);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kAgree), 6u);
  EXPECT_EQ(Count(r, RoundtripCheck::kTranscode, CheckOutcome::kCPythonLossy), 12u);
  EXPECT_EQ(Count(r, RoundtripCheck::kTranscode, CheckOutcome::kAgree), 24u);
  const CheckResult* f = Finding(r, "trans.P0.P3");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->summary.find("@copyreg:__newobj__(@m:A, 1)"), std::string::npos) << f->summary;
}

TEST(RoundtripEngine, ABufferIsCarriedOnlyAtProtocol5) {
  CodecOracle oracle("self-c", OracleImpl::kC);
  RoundtripEngine engine(oracle, RoundtripOptions{});
  ValueResult r;
  engine.Run("[buffer(0, b\"ab\"), buffer(1, b\"c\", readonly)]", r);
  EXPECT_EQ(Failures(r), 0u);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kNotCarried), 5u);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kAgree), 1u);
  EXPECT_EQ(Count(r, RoundtripCheck::kEncodeDecode, CheckOutcome::kAgree), 1u);
  const CheckResult* f = Finding(r, "bytes.P2");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->outcome, CheckOutcome::kNotCarried);
  EXPECT_NE(f->summary.find("PicklingError"), std::string::npos) << f->summary;
}

TEST(RoundtripEngine, DifferentBytesAreMismatches) {
  CodecOracle oracle("bad-c", OracleImpl::kC);
  // Protocol 2: the oracle writes BININT1 5 where we write 4 (a value change).
  oracle.mutate_dump = [](int p, std::string& pickle) {
    if (p == 2 && pickle.size() > 3 && pickle[2] == 'K') pickle[3] = 5;
  };
  RoundtripEngine engine(oracle, RoundtripOptions{});
  ValueResult r;
  engine.Run("4", r);
  const CheckResult* bytes = Finding(r, "bytes.P2");
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(bytes->outcome, CheckOutcome::kMismatch);
  EXPECT_EQ(bytes->offset, 3u);
  EXPECT_EQ(bytes->ours_bytes, std::string("\x80\x02K\x04.", 5));
  EXPECT_EQ(bytes->theirs_bytes, std::string("\x80\x02K\x05.", 5));
  EXPECT_NE(bytes->summary.find("bytes.P2: Mismatch: bytes differ at offset 3"), std::string::npos)
      << bytes->summary;
  // CPython's own round trip at 2 gives 5: the value changed (lossy), so our
  // encdec/load at 2 now disagree with the reference, and transcoding from 2
  // is not compared; transcoding into 2 compares with the mutated bytes.
  EXPECT_EQ(Finding(r, "encdec.P2")->outcome, CheckOutcome::kMismatch);
  EXPECT_EQ(Finding(r, "trans.P2.P4")->outcome, CheckOutcome::kCPythonLossy);
  EXPECT_EQ(Finding(r, "trans.P4.P2")->outcome, CheckOutcome::kMismatch);
  EXPECT_EQ(Finding(r, "bytes.P4"), nullptr);  // agreed
}

TEST(RoundtripEngine, UnrepresentableValues) {
  CodecOracle oracle("u-c", OracleImpl::kC);
  oracle.unrepresentable = [](std::string_view) { return true; };
  RoundtripEngine engine(oracle, RoundtripOptions{});
  ValueResult r;
  engine.Run("[1]", r);
  EXPECT_EQ(Failures(r), 0u);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kUnrepresentable), 6u);
  EXPECT_EQ(Count(r, RoundtripCheck::kEncodeDecode, CheckOutcome::kUnrepresentable), 6u);
  EXPECT_EQ(Count(r, RoundtripCheck::kTranscode, CheckOutcome::kNotRun), 36u);
}

TEST(RoundtripEngine, TextThatDoesNotParseIsAFinding) {
  CodecOracle oracle("self-c", OracleImpl::kC);
  RoundtripEngine engine(oracle, RoundtripOptions{});
  ValueResult r;
  engine.Run("[1,", r);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].check, RoundtripCheck::kParse);
  EXPECT_EQ(r.findings[0].outcome, CheckOutcome::kRejectMismatch);
  engine.Run("{2, 1}", r);  // parses, but is not canonical
  ASSERT_NE(Finding(r, "parse"), nullptr);
  EXPECT_EQ(Finding(r, "parse")->outcome, CheckOutcome::kMismatch);
}

TEST(RoundtripEngine, SetOrderDecidesWhatIsCompared) {
  CodecOracle oracle("self-c", OracleImpl::kC);
  RoundtripEngine engine(oracle, RoundtripOptions{});
  ValueResult r;
  engine.Run("{\"a\", \"b\"}", r);  // the oracle's str hashes are randomized
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kSetOrderSkipped), 6u);
  EXPECT_EQ(Count(r, RoundtripCheck::kTranscode, CheckOutcome::kAgree), 36u);
  RoundtripOptions seeded;
  seeded.seed0_oracle = true;
  RoundtripEngine engine0(oracle, seeded);
  engine0.Run("{\"a\", \"b\"}", r);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kAgree), 6u);
  engine0.Run("{None, 1}", r);  // identity hashes: never compared
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kSetOrderSkipped), 6u);
  EXPECT_EQ(Count(r, RoundtripCheck::kTranscode, CheckOutcome::kSetOrderSkipped), 36u);
}

TEST(RoundtripEngine, ProtocolSubsets) {
  CodecOracle oracle("self-c", OracleImpl::kC);
  RoundtripOptions o;
  o.protocols = {2, 4};
  RoundtripEngine engine(oracle, o);
  ValueResult r;
  engine.Run("[1]", r);
  EXPECT_EQ(Total(r, RoundtripCheck::kBytes), 2u);
  EXPECT_EQ(Total(r, RoundtripCheck::kTranscode), 4u);
}

Value Root(const std::string& text, std::optional<Document>& keep) {
  Result<Document> doc = ParseCanonical(text);
  EXPECT_TRUE(doc.ok()) << text;
  keep = std::move(doc).value();
  return keep->root();
}

TEST(SetHashes, Classification) {
  std::optional<Document> d;
  EXPECT_EQ(ClassifySetHashes(Root("[1, {2}]", d)), SetHashes::kNone);
  EXPECT_EQ(ClassifySetHashes(Root("{1, 2.5, (3, complex(1.0, 2.0)), frozenset({4, 5})}", d)),
            SetHashes::kValue);
  EXPECT_EQ(ClassifySetHashes(Root("[{1, (\"a\",)}]", d)), SetHashes::kSeeded);
  EXPECT_EQ(ClassifySetHashes(Root("{b\"x\", 1}", d)), SetHashes::kSeeded);
  EXPECT_EQ(ClassifySetHashes(Root("{None, \"a\"}", d)), SetHashes::kIdentity);
  EXPECT_EQ(ClassifySetHashes(Root("frozenset({@m:A, 1})", d)), SetHashes::kIdentity);
}

TEST(CheckIds, Format) {
  CheckResult r;
  r.check = RoundtripCheck::kTranscode;
  r.p = 2;
  r.q = 5;
  EXPECT_EQ(CheckId(r), "trans.P2.P5");
  r.check = RoundtripCheck::kParse;
  r.p = r.q = -1;
  EXPECT_EQ(CheckId(r), "parse");
}

TEST(Protocols, Parse) {
  std::vector<int> p;
  ASSERT_TRUE(ParseProtocols("0-5", p));
  EXPECT_EQ(p, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  ASSERT_TRUE(ParseProtocols("4,0-1", p));
  EXPECT_EQ(p, (std::vector<int>{0, 1, 4}));
  EXPECT_FALSE(ParseProtocols("", p));
  EXPECT_FALSE(ParseProtocols("6", p));
  EXPECT_FALSE(ParseProtocols("3-1", p));
  EXPECT_FALSE(ParseProtocols("1,1", p));
  EXPECT_FALSE(ParseProtocols("0-5,", p));
}

// The real CPython C pickler and unpickler, when the oracle can run.
class CPythonRoundtrip : public ::testing::Test {
 protected:
  void SetUp() override {
    OracleOptions options;
    if (!std::filesystem::exists(DefaultOracleScript(options))) GTEST_SKIP() << "no oracle script";
    oracle_ = MakeOracle("cpython-c", options);
    OracleError why;
    if (!oracle_ || !oracle_->Start(&why)) GTEST_SKIP() << "no CPython: " << why.message;
  }
  std::unique_ptr<Oracle> oracle_;
};

TEST_F(CPythonRoundtrip, PlainValuesAgreeEverywhere) {
  RoundtripEngine engine(*oracle_, RoundtripOptions{});
  ValueResult r;
  for (const char* text : {"[1, 2.5, \"ab\", b\"c\", (1,), {\"k\": [None]}]", "&1 [*1]", "&1 ([*1],)",
                           "new(@m:A, (1,)).append(2).build({\"x\": 1})", "{1, 17, 25, 9}",
                           "[&1 bytearray(b\"x\"), *1, 0x10000000000000000]"}) {
    engine.Run(text, r);
    EXPECT_EQ(Failures(r), 0u) << text << "\n" << (r.findings.empty() ? "" : r.findings[0].summary);
    EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kAgree), 6u) << text;
  }
}

TEST_F(CPythonRoundtrip, RefusalsAreNotCarried) {
  RoundtripEngine engine(*oracle_, RoundtripOptions{});
  ValueResult r;
  engine.Run("buffer(0, b\"ab\")", r);
  EXPECT_EQ(Failures(r), 0u);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kNotCarried), 5u);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kAgree), 1u);
  engine.Run("readonly(bytearray(b\"ab\"))", r);
  EXPECT_EQ(Failures(r), 0u);
  EXPECT_EQ(Count(r, RoundtripCheck::kBytes, CheckOutcome::kNotCarried), 6u);
}

}  // namespace
}  // namespace picklecheck

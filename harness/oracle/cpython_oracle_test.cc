// ProcessOracle against the real CPython oracle (oracles/pickle_oracle.py):
// the handshake, answers of each kind, and the resource limit. Skipped, with
// a message, when the script is not there.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "harness/oracle/oracle.h"
#include "harness/oracle/process_oracle.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/decoder.h"

namespace picklecheck {
namespace {

using namespace std::string_literals;

class CPythonOracleTest : public ::testing::TestWithParam<OracleImpl> {
 protected:
  void SetUp() override {
    script_ = DefaultOracleScript(OracleOptions{});
    if (!std::filesystem::exists(script_)) {
      GTEST_SKIP() << "no CPython oracle at " << script_
                   << " (oracles/pickle_oracle.py not written yet)";
    }
    options_.start_timeout = std::chrono::milliseconds(30000);
  }
  std::unique_ptr<ProcessOracle> Make() {
    return std::make_unique<ProcessOracle>(
        GetParam() == OracleImpl::kC ? "cpython-c" : "cpython-py", GetParam(), options_);
  }
  std::string script_;
  OracleOptions options_;
};

TEST_P(CPythonOracleTest, HandshakeNamesInterpreterAndVersion) {
  auto oracle = Make();
  OracleInfo info = oracle->Info();
  ASSERT_TRUE(info.started) << info.error.message << "\n" << info.error.stderr_tail;
  EXPECT_FALSE(info.executable.empty());
  ASSERT_FALSE(info.version.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(info.version[0]))) << info.version;
  EXPECT_EQ(info.impl, GetParam());
  std::string line = DescribeOracle(info);
  EXPECT_NE(line.find(info.executable), std::string::npos) << line;
  EXPECT_NE(line.find(info.version.substr(0, info.version.find(' '))), std::string::npos) << line;
}

TEST_P(CPythonOracleTest, AcceptsAndPrintsCanonicalText) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("\x80\x04K\x01."s);
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message << out.message;
  EXPECT_EQ(out.value, "1");
  // [x, x] with x = [1]: sharing is printed with labels (canonical.md).
  out = oracle->Load(
      "\x80\x04\x95\x0c\x00\x00\x00\x00\x00\x00\x00]\x94(]\x94K\x01"
      "ah\x01"
      "e."s);
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message << out.message;
  EXPECT_EQ(out.value, "[&1 [1], *1]");
}

TEST_P(CPythonOracleTest, RejectsWithTheExceptionType) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("");
  ASSERT_EQ(out.kind, OutcomeKind::kRejected) << out.error.message;
  EXPECT_EQ(out.exception.substr(out.exception.rfind('.') + 1), "EOFError");
  out = oracle->Load("\x80\x09."s);
  ASSERT_EQ(out.kind, OutcomeKind::kRejected) << out.error.message;
  EXPECT_EQ(out.exception.substr(out.exception.rfind('.') + 1), "ValueError");
  EXPECT_NE(out.message.find("unsupported pickle protocol"), std::string::npos) << out.message;
}

TEST_P(CPythonOracleTest, HugeBytearray8IsMemoryErrorUnderTheLimit) {
  options_.max_memory_mb = 1024;
  auto oracle = Make();
  // BYTEARRAY8 declaring 2**40 bytes: CPython allocates before reading.
  OracleOutcome out = oracle->Load("\x80\x05\x96\x00\x00\x00\x00\x00\x01\x00\x00."s);
  if (GetParam() == OracleImpl::kPython && out.kind == OutcomeKind::kRejected) {
    // pickle._Unpickler reads first (read(2**40) returns short): truncation, not memory.
    SUCCEED() << "pure-Python unpickler: " << out.exception << ": " << out.message;
    return;
  }
  ASSERT_EQ(out.kind, OutcomeKind::kResourceLimit)
      << OutcomeKindName(out.kind) << " " << out.exception << ": " << out.message
      << out.error.message;
  EXPECT_EQ(out.exception, "MemoryError");
  EXPECT_EQ(out.attempts, 1);
  // The process survives its MemoryError.
  EXPECT_EQ(oracle->Load("\x80\x04K\x02."s).value, "2");
  EXPECT_EQ(oracle->starts(), 1);
}

TEST_P(CPythonOracleTest, DumpRoundTripsThroughTheDecoder) {
  auto oracle = Make();
  DumpOptions o;
  o.protocol = 4;
  OracleOutcome out = oracle->Dump("[1, \"a\", (2.5, None)]", o);
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted)
      << OutcomeKindName(out.kind) << " " << out.message << out.error.message;
  Result<Document> doc = Decode(out.value);
  ASSERT_TRUE(doc.ok()) << Describe(doc.error());
  EXPECT_EQ(ToCanonical(doc->root()), "[1, \"a\", (2.5, None)]");
}

TEST_P(CPythonOracleTest, PingRoundTrips) {
  auto oracle = Make();
  EXPECT_EQ(oracle->Ping().kind, OutcomeKind::kAccepted);
}

INSTANTIATE_TEST_SUITE_P(Impl, CPythonOracleTest,
                         ::testing::Values(OracleImpl::kC, OracleImpl::kPython),
                         [](const ::testing::TestParamInfo<OracleImpl>& p) {
                           return std::string(p.param == OracleImpl::kC ? "C" : "Python");
                         });

}  // namespace
}  // namespace picklecheck

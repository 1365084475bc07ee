// The engine end to end: the reference decoder against the real CPython
// oracles (oracles/pickle_oracle.py), C and pure-Python. Skipped, with a
// message, when the oracle script is not there.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "harness/diff/diff.h"
#include "harness/oracle/process_oracle.h"

namespace picklecheck {
namespace {

using namespace std::string_literals;

class DiffCPythonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string script = DefaultOracleScript(OracleOptions{});
    if (!std::filesystem::exists(script)) GTEST_SKIP() << "no CPython oracle at " << script;
    c_ = std::make_unique<ProcessOracle>("cpython-c", OracleImpl::kC, OracleOptions{});
    py_ = std::make_unique<ProcessOracle>("cpython-py", OracleImpl::kPython, OracleOptions{});
  }
  Verdict Check(const std::string& pickle, const DecodeOptions& options = {}) {
    return Diff(pickle, options, {c_.get(), py_.get()});
  }
  std::unique_ptr<ProcessOracle> c_, py_;
};

TEST_F(DiffCPythonTest, AgreesOnValuesCPythonWrites) {
  // pickle.dumps([x, x, {2, 1}], 4) with x = [1], and simple values at protocols 0 and 2.
  for (const std::string& p : {
           "\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00]\x94(]\x94K\x01"
           "ah\x01\x8f\x94(K\x01K\x02\x90"
           "e."s,
           "(lp0\nI1\naVa\np1\na."s,
           "\x80\x02}q\x00X\x01\x00\x00\x00kq\x01G?\xf8\x00\x00\x00\x00\x00\x00s."s,
       }) {
    Verdict v = Check(p);
    EXPECT_EQ(v.kind, VerdictKind::kAgree) << v.Report();
    EXPECT_TRUE(v.ours.accepted) << v.Report();
  }
}

TEST_F(DiffCPythonTest, AgreesOnRejections) {
  for (const std::string& p : {""s,
                               "K\x01"
                               "a."s,
                               "\x80\x09."s,
                               "X\x05\x00\x00\x00"
                               "ab"s,
                               "\xff"s}) {
    Verdict v = Check(p);
    EXPECT_EQ(v.kind == VerdictKind::kAgree || v.kind == VerdictKind::kCPythonDisagreement, true)
        << v.Report();
    EXPECT_FALSE(v.ours.accepted) << v.Report();
    EXPECT_EQ(v.runs[0].kind, VerdictKind::kAgree) << v.Report();
  }
}

TEST_F(DiffCPythonTest, PurePythonStackUnderflowIsACPythonDisagreement) {
  // _pickle: UnpicklingError "unpickling stack underflow"; pickle._Unpickler: IndexError from
  // list.pop.
  Verdict v = Check(
      "\x80\x02"
      "a."s);
  EXPECT_EQ(v.kind, VerdictKind::kCPythonDisagreement) << v.Report();
  EXPECT_EQ(v.cpython.kind, VerdictKind::kExceptionTypeMismatch) << v.Report();
  EXPECT_EQ(v.runs[0].kind, VerdictKind::kAgree);
}

TEST_F(DiffCPythonTest, HugeAllocationIsInconclusive) {
  // BYTEARRAY8 of 2**40 bytes: we report truncation, CPython runs out of memory first.
  Verdict v = Check("\x80\x05\x96\x00\x00\x00\x00\x00\x01\x00\x00."s);
  EXPECT_EQ(v.runs[0].outcome.kind, OutcomeKind::kResourceLimit) << v.Report();
  EXPECT_EQ(v.kind, VerdictKind::kInconclusive) << v.Report();
}

TEST_F(DiffCPythonTest, OptionsAreHonouredOnBothSides) {
  // SHORT_BINSTRING "\xe9" under encoding="latin1" is the str "é".
  DecodeOptions o;
  o.encoding = "latin1";
  Verdict v = Check("\x80\x02U\x01\xe9."s, o);
  EXPECT_EQ(v.kind, VerdictKind::kAgree) << v.Report();
  EXPECT_EQ(v.ours.canonical, "\"\xc3\xa9\"");
}

}  // namespace
}  // namespace picklecheck

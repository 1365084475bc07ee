// Verdict logic against scripted oracles: every VerdictKind, the judge rule,
// C-versus-Python disagreement, mismatch offsets and context windows.
#include "harness/diff/diff.h"

#include <gtest/gtest.h>

#include <string>

#include "harness/oracle/scripted_oracle.h"

namespace picklecheck {
namespace {

using namespace std::string_literals;
using testing::Accepted;
using testing::Failed;
using testing::Rejected;
using testing::ResourceLimited;
using testing::ScriptedOracle;
using testing::TimedOut;

// Inputs whose decoder results the tests rely on.
const std::string kOne = "K\x01.";  // 1
const std::string kList =
    "]q\x00(K\x01K\x02"
    "e."s;  // [1, 2]
const std::string kUnderflow =
    "K\x01"
    "a.";                       // StackUnderflow at 2 (UnpicklingError)
const std::string kEmpty = "";  // EndOfInput (EOFError)
// bytearray(2**40) through REDUCE: over the decoder's allocation budget.
const std::string kHuge = "cbuiltins\nbytearray\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R."s;

class DiffTest : public ::testing::Test {
 protected:
  ScriptedOracle c{"cpython-c", OracleImpl::kC};
  ScriptedOracle py{"cpython-py", OracleImpl::kPython};
};

TEST_F(DiffTest, SameTextAgrees) {
  c.On(kOne, Accepted("1"));
  Verdict v = Diff(kOne, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kAgree);
  EXPECT_TRUE(v.ours.accepted);
  EXPECT_EQ(v.ours.canonical, "1");
  ASSERT_EQ(v.runs.size(), 1u);
  EXPECT_EQ(v.judge, 0);
  EXPECT_EQ(v.runs[0].kind, VerdictKind::kAgree);
  EXPECT_FALSE(v.cpython.disagree);
  EXPECT_EQ(v.Summary(), "Agree (cpython-c accepted `1`)");
}

TEST_F(DiffTest, DifferentTextIsValueMismatchWithOffsetAndContext) {
  c.On(kList, Accepted("[1, 3]"));
  Verdict v = Diff(kList, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kValueMismatch);
  const TextMismatch& m = v.runs[0].mismatch;
  EXPECT_EQ(m.offset, 4u);
  EXPECT_EQ(m.ours, "[1, 2]");
  EXPECT_EQ(m.theirs, "[1, 3]");
  EXPECT_EQ(v.Summary(), "ValueMismatch at byte 4: ours `[1, 2]` vs cpython-c `[1, 3]`");
}

TEST_F(DiffTest, PrefixTextIsValueMismatchAtTheShorterLength) {
  c.On(kList, Accepted("[1, 2, 3]"));
  Verdict v = Diff(kList, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kValueMismatch);
  EXPECT_EQ(v.runs[0].mismatch.offset, 5u);
}

TEST_F(DiffTest, OracleRejectsWhatWeAcceptIsAcceptRejectMismatch) {
  c.On(kOne, Rejected("UnpicklingError", "pickle data was truncated"));
  Verdict v = Diff(kOne, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kAcceptRejectMismatch);
  EXPECT_EQ(v.Summary(),
            "AcceptRejectMismatch: ours accepted `1`, cpython-c raised UnpicklingError: pickle "
            "data was truncated");
}

TEST_F(DiffTest, OracleAcceptsWhatWeRejectIsAcceptRejectMismatch) {
  c.On(kUnderflow, Accepted("1"));
  Verdict v = Diff(kUnderflow, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kAcceptRejectMismatch);
  EXPECT_FALSE(v.ours.accepted);
  EXPECT_EQ(v.ours.error.kind, ErrorKind::kStackUnderflow);
  EXPECT_EQ(v.Summary(),
            "AcceptRejectMismatch: ours raised StackUnderflow at offset 2 (UnpicklingError), "
            "cpython-c accepted `1`");
}

TEST_F(DiffTest, SameExceptionTypeAgrees) {
  c.On(kUnderflow, Rejected("UnpicklingError", "unpickling stack underflow"));
  c.On(kEmpty, Rejected("EOFError", "Ran out of input"));
  EXPECT_EQ(Diff(kUnderflow, {}, {&c}).kind, VerdictKind::kAgree);
  EXPECT_EQ(Diff(kEmpty, {}, {&c}).kind, VerdictKind::kAgree);
}

TEST_F(DiffTest, SharedExceptionTypeAgreesWhateverTheMessage) {
  // UnpicklingError is shared by 22 kinds: the type is all a verdict compares.
  c.On(kUnderflow, Rejected("UnpicklingError", "pickle data was truncated"));
  EXPECT_EQ(Diff(kUnderflow, {}, {&c}).kind, VerdictKind::kAgree);
}

TEST_F(DiffTest, QualifiedExceptionNameAgrees) {
  c.On(kUnderflow, Rejected("_pickle.UnpicklingError", "unpickling stack underflow"));
  EXPECT_EQ(Diff(kUnderflow, {}, {&c}).kind, VerdictKind::kAgree);
}

TEST_F(DiffTest, DifferentExceptionTypeIsExceptionTypeMismatch) {
  c.On(kUnderflow, Rejected("IndexError", "pop from empty list"));
  Verdict v = Diff(kUnderflow, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kExceptionTypeMismatch);
  EXPECT_EQ(v.Summary(),
            "ExceptionTypeMismatch: ours raised StackUnderflow at offset 2 (UnpicklingError), "
            "cpython-c raised "
            "IndexError: pop from empty list");
}

TEST_F(DiffTest, OurLimitIsInconclusive) {
  c.On(kHuge, Rejected("MemoryError", ""));
  Verdict v = Diff(kHuge, {}, {&c});
  ASSERT_FALSE(v.ours.accepted);
  EXPECT_EQ(v.ours.error.kind, ErrorKind::kLimitExceeded);
  EXPECT_EQ(v.kind, VerdictKind::kInconclusive);
  EXPECT_EQ(v.Summary().rfind("Inconclusive: ours raised LimitExceeded", 0), 0u) << v.Summary();
}

TEST_F(DiffTest, OurLimitIsInconclusiveEvenWhenTheOracleAccepts) {
  c.On(kHuge, Accepted("bytearray(b\"\")"));
  EXPECT_EQ(Diff(kHuge, {}, {&c}).kind, VerdictKind::kInconclusive);
}

TEST_F(DiffTest, OracleMemoryErrorIsInconclusive) {
  c.On(kOne, ResourceLimited(true, "cannot allocate"));
  Verdict v = Diff(kOne, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kInconclusive);
  EXPECT_EQ(v.Summary(),
            "Inconclusive: cpython-c hit a resource limit: MemoryError: cannot allocate");
}

TEST_F(DiffTest, OracleRecursionErrorIsInconclusive) {
  c.On(kUnderflow, ResourceLimited(false, "maximum recursion depth exceeded"));
  EXPECT_EQ(Diff(kUnderflow, {}, {&c}).kind, VerdictKind::kInconclusive);
}

TEST_F(DiffTest, OracleTimeoutIsInconclusive) {
  c.On(kOne, TimedOut());
  Verdict v = Diff(kOne, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kInconclusive);
  EXPECT_EQ(v.Summary().rfind("Inconclusive: cpython-c timed out", 0), 0u) << v.Summary();
}

TEST_F(DiffTest, OracleWithoutCanonicalTextIsInconclusive) {
  OracleOutcome u;
  u.kind = OutcomeKind::kUnrepresentable;
  u.message = "set elements with equal sort keys";
  c.On(kOne, u);
  EXPECT_EQ(Diff(kOne, {}, {&c}).kind, VerdictKind::kInconclusive);
}

TEST_F(DiffTest, OracleFailureIsItsOwnVerdict) {
  c.On(kOne, Failed(OracleErrorKind::kCrashed, "process exited with status 3"));
  Verdict v = Diff(kOne, {}, {&c});
  EXPECT_EQ(v.kind, VerdictKind::kOracleFailure);
  EXPECT_EQ(v.Summary(), "OracleFailure: cpython-c failed: Crashed: process exited with status 3");
}

TEST_F(DiffTest, OracleFailureWinsOverOurInconclusive) {
  c.On(kHuge, Failed(OracleErrorKind::kBadFrame, "garbage"));
  EXPECT_EQ(Diff(kHuge, {}, {&c}).kind, VerdictKind::kOracleFailure);
}

TEST_F(DiffTest, NoOracleIsOracleFailure) {
  Verdict v = Diff(kOne, {}, std::span<Oracle* const>());
  EXPECT_EQ(v.kind, VerdictKind::kOracleFailure);
  EXPECT_EQ(v.judge, -1);
  EXPECT_EQ(v.judge_run(), nullptr);
  EXPECT_EQ(v.Summary(), "OracleFailure: no oracle ran");
}

TEST_F(DiffTest, COracleJudgesEvenWhenListedSecond) {
  py.On(kOne, Accepted("2"));
  c.On(kOne, Accepted("1"));
  Verdict v = Diff(kOne, {}, {&py, &c});
  EXPECT_EQ(v.judge, 1);
  EXPECT_EQ(v.runs[0].kind, VerdictKind::kValueMismatch);
  EXPECT_EQ(v.runs[1].kind, VerdictKind::kAgree);
  EXPECT_EQ(v.kind, VerdictKind::kCPythonDisagreement);
}

TEST_F(DiffTest, WithoutACOracleTheFirstJudges) {
  py.On(kOne, Accepted("2"));
  Verdict v = Diff(kOne, {}, {&py});
  EXPECT_EQ(v.judge, 0);
  EXPECT_EQ(v.kind, VerdictKind::kValueMismatch);
  EXPECT_EQ(v.cpython.c_run, -1);
}

TEST_F(DiffTest, CPythonDisagreementWhenWeAgreeWithC) {
  // _pickle: UnpicklingError; pickle._Unpickler: IndexError from list.pop.
  c.On(kUnderflow, Rejected("UnpicklingError", "unpickling stack underflow"));
  py.On(kUnderflow, Rejected("IndexError", "pop from empty list"));
  Verdict v = Diff(kUnderflow, {}, {&c, &py});
  EXPECT_EQ(v.kind, VerdictKind::kCPythonDisagreement);
  EXPECT_TRUE(v.cpython.disagree);
  EXPECT_EQ(v.cpython.kind, VerdictKind::kExceptionTypeMismatch);
  EXPECT_EQ(v.cpython.c_run, 0);
  EXPECT_EQ(v.cpython.python_run, 1);
  EXPECT_EQ(v.runs[0].kind, VerdictKind::kAgree);
  EXPECT_EQ(v.runs[1].kind, VerdictKind::kExceptionTypeMismatch);
  EXPECT_EQ(v.Summary(),
            "CPythonDisagreement (ExceptionTypeMismatch): cpython-c raised UnpicklingError: "
            "unpickling stack "
            "underflow, cpython-py raised IndexError: pop from empty list");
}

TEST_F(DiffTest, CPythonValueDisagreementHasItsOwnOffset) {
  c.On(kList, Accepted("[1, 2]"));
  py.On(kList, Accepted("[1, 2, 3]"));
  Verdict v = Diff(kList, {}, {&c, &py});
  EXPECT_EQ(v.kind, VerdictKind::kCPythonDisagreement);
  EXPECT_EQ(v.cpython.kind, VerdictKind::kValueMismatch);
  EXPECT_EQ(v.cpython.mismatch.offset, 5u);
  EXPECT_EQ(v.cpython.mismatch.ours, "[1, 2]");
  EXPECT_EQ(v.cpython.mismatch.theirs, "[1, 2, 3]");
}

TEST_F(DiffTest, CPythonDisagreementRidesAlongAMismatch) {
  // The C oracle judges our decoder; the Python one's difference is noted.
  c.On(kOne, Rejected("UnpicklingError", "x"));
  py.On(kOne, Accepted("1"));
  Verdict v = Diff(kOne, {}, {&c, &py});
  EXPECT_EQ(v.kind, VerdictKind::kAcceptRejectMismatch);
  EXPECT_TRUE(v.cpython.disagree);
  EXPECT_EQ(v.cpython.kind, VerdictKind::kAcceptRejectMismatch);
  EXPECT_NE(v.Summary().find("; C and Python disagree (AcceptRejectMismatch)"), std::string::npos)
      << v.Summary();
}

TEST_F(DiffTest, CPythonsAgreeingIsNoDisagreement) {
  c.On(kOne, Accepted("1"));
  py.On(kOne, Accepted("1"));
  Verdict v = Diff(kOne, {}, {&c, &py});
  EXPECT_EQ(v.kind, VerdictKind::kAgree);
  EXPECT_FALSE(v.cpython.disagree);
}

TEST_F(DiffTest, PythonOracleWithoutAnAnswerIsNoDisagreement) {
  c.On(kOne, Accepted("1"));
  py.On(kOne, TimedOut());
  Verdict v = Diff(kOne, {}, {&c, &py});
  EXPECT_EQ(v.kind, VerdictKind::kAgree);
  EXPECT_FALSE(v.cpython.disagree);
  EXPECT_EQ(v.runs[1].kind, VerdictKind::kInconclusive);
}

TEST_F(DiffTest, OptionsReachEveryOracle) {
  c.On(kOne, Accepted("1"));
  py.On(kOne, Accepted("1"));
  DecodeOptions o;
  o.encoding = "latin1";
  o.fix_imports = false;
  o.buffers = std::vector<OobBuffer>{{"ab", true}};
  Diff(kOne, o, {&c, &py});
  for (ScriptedOracle* s : {&c, &py}) {
    EXPECT_EQ(s->loads(), 1);
    EXPECT_EQ(s->last_pickle(), kOne);
    EXPECT_EQ(s->last_options().encoding, "latin1");
    EXPECT_FALSE(s->last_options().fix_imports);
    ASSERT_TRUE(s->last_options().buffers.has_value());
    EXPECT_EQ((*s->last_options().buffers)[0].data, "ab");
  }
}

TEST_F(DiffTest, ReusedVerdictIsFullyRewritten) {
  c.On(kList, Accepted("[1, 3]")).On(kUnderflow, Rejected("UnpicklingError", "u"));
  py.On(kList, Accepted("[9]")).On(kUnderflow, Rejected("UnpicklingError", "u"));
  Verdict v;
  Oracle* both[] = {&c, &py};
  Diff(kList, {}, both, v);
  ASSERT_EQ(v.kind, VerdictKind::kValueMismatch);
  ASSERT_TRUE(v.cpython.disagree);
  Diff(kUnderflow, {}, std::span<Oracle* const>(both, 1), v);
  EXPECT_EQ(v.kind, VerdictKind::kAgree);
  EXPECT_FALSE(v.ours.accepted);
  EXPECT_EQ(v.ours.canonical, "");
  EXPECT_EQ(v.runs.size(), 1u);
  EXPECT_FALSE(v.cpython.disagree);
  EXPECT_EQ(v.cpython.python_run, -1);
}

TEST_F(DiffTest, ReportNamesEveryParticipant) {
  c.On(kOne, Accepted("2"));
  py.On(kOne, Failed(OracleErrorKind::kCrashed, "boom"));
  Verdict v = Diff(kOne, {}, {&c, &py});
  std::string r = v.Report();
  EXPECT_NE(r.find("verdict: ValueMismatch at byte 0"), std::string::npos) << r;
  EXPECT_NE(r.find("ours: accepted `1`"), std::string::npos) << r;
  EXPECT_NE(r.find("cpython-c (judge): Accepted `2` -> ValueMismatch"), std::string::npos) << r;
  EXPECT_NE(r.find("cpython-py: OracleFailure Crashed: boom [after 2 attempts] -> OracleFailure"),
            std::string::npos)
      << r;
}

TEST(TextMismatchTest, WindowsAreCutWithEllipses) {
  std::string a = std::string(100, 'a') + "X" + std::string(100, 'b');
  std::string b = std::string(100, 'a') + "Y" + std::string(100, 'b');
  TextMismatch m;
  FindTextMismatch(a, b, m);
  EXPECT_EQ(m.offset, 100u);
  EXPECT_EQ(m.ours, "..." + std::string(24, 'a') + "X" + std::string(39, 'b') + "...");
  EXPECT_EQ(m.theirs, "..." + std::string(24, 'a') + "Y" + std::string(39, 'b') + "...");
}

TEST(TextMismatchTest, WindowsStopAtUtf8CharacterBoundaries) {
  // "é" is two bytes; a window must neither start nor end inside it.
  std::string prefix;
  for (int k = 0; k < 20; ++k) prefix += "\xc3\xa9";  // 40 bytes
  std::string a = prefix + "1" + prefix;
  std::string b = prefix + "2" + prefix;
  TextMismatch m;
  FindTextMismatch(a, b, m);
  EXPECT_EQ(m.offset, 40u);
  // Start 16 is a character start; the end (81) falls inside a character and moves back to 80.
  std::string tail;
  for (int k = 0; k < 19; ++k) tail += "\xc3\xa9";
  EXPECT_EQ(m.ours, "..." + prefix.substr(16) + "1" + tail + "...");
  for (std::string_view w : {std::string_view(m.ours), std::string_view(m.theirs)}) {
    std::string_view body = w.substr(3, w.size() - 6);
    EXPECT_NE(static_cast<unsigned char>(body.front()) & 0xc0, 0x80);
    EXPECT_EQ(static_cast<unsigned char>(body.back()), 0xa9);
  }
}

TEST(TextMismatchTest, ShortTextsAreWhole) {
  TextMismatch m;
  FindTextMismatch("None", "True", m);
  EXPECT_EQ(m.offset, 0u);
  EXPECT_EQ(m.ours, "None");
  EXPECT_EQ(m.theirs, "True");
}

TEST(VerdictKindTest, DivergencesAreTheMismatchKinds) {
  EXPECT_FALSE(IsDivergence(VerdictKind::kAgree));
  EXPECT_TRUE(IsDivergence(VerdictKind::kValueMismatch));
  EXPECT_TRUE(IsDivergence(VerdictKind::kAcceptRejectMismatch));
  EXPECT_TRUE(IsDivergence(VerdictKind::kExceptionTypeMismatch));
  EXPECT_FALSE(IsDivergence(VerdictKind::kInconclusive));
  EXPECT_FALSE(IsDivergence(VerdictKind::kOracleFailure));
  EXPECT_TRUE(IsDivergence(VerdictKind::kCPythonDisagreement));
}

TEST(VerdictTallyTest, CountsKindsAndCPythonDisagreementsSeparately) {
  ScriptedOracle c{"cpython-c", OracleImpl::kC};
  ScriptedOracle py{"cpython-py", OracleImpl::kPython};
  c.On(kOne, Accepted("1")).On(kList, Accepted("[1]")).On(kUnderflow, Rejected("ValueError", ""));
  py.On(kOne, Accepted("1")).On(kList, Accepted("[2]")).On(kUnderflow, Rejected("IndexError", ""));
  VerdictTally tally;
  for (const std::string& p : {kOne, kList, kUnderflow}) tally.Add(Diff(p, {}, {&c, &py}));
  EXPECT_EQ(tally.total, 3u);
  EXPECT_EQ(tally.count(VerdictKind::kAgree), 1u);
  EXPECT_EQ(tally.count(VerdictKind::kValueMismatch), 1u);
  EXPECT_EQ(tally.count(VerdictKind::kExceptionTypeMismatch), 1u);
  EXPECT_EQ(tally.cpython_disagreements, 2u);
  EXPECT_EQ(
      tally.ToString(),
      "3 checks: 1 Agree, 1 ValueMismatch, 1 ExceptionTypeMismatch; 2 C/Python disagreements");
}

}  // namespace
}  // namespace picklecheck

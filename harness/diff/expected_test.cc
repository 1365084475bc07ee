#include "harness/diff/expected.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace picklecheck {
namespace {

constexpr char kList[] =
    "# corpus/expected/cpython-c.txt\n"
    "\n"
    "Required.cpython-c.P4.FRAME.TruncatedPayload   # AcceptRejectMismatch: ours raised Truncated\n"
    "Required.cpython-c.P2.REDUCE.BigBytearray\r\n"
    "  Required.cpython-c.P0.STRING.Escape#ExceptionTypeMismatch # with a hash\n";

TEST(ExpectedParseTest, ReadsIdsPrefixesAndLines) {
  ExpectedDivergences e;
  std::string why;
  ASSERT_TRUE(e.Parse(kList, &why)) << why;
  ASSERT_EQ(e.size(), 3u);
  const ExpectedDivergence* frame = e.Find("Required.cpython-c.P4.FRAME.TruncatedPayload");
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(frame->message_prefix, "AcceptRejectMismatch: ours raised Truncated");
  EXPECT_EQ(frame->line, 3);
  const ExpectedDivergence* reduce = e.Find("Required.cpython-c.P2.REDUCE.BigBytearray");
  ASSERT_NE(reduce, nullptr);
  EXPECT_EQ(reduce->message_prefix, "");
  const ExpectedDivergence* str = e.Find("Required.cpython-c.P0.STRING.Escape");
  ASSERT_NE(str, nullptr);
  EXPECT_EQ(str->message_prefix, "ExceptionTypeMismatch # with a hash");
  EXPECT_EQ(e.Find("Required.cpython-c.P4.FRAME"), nullptr);
}

TEST(ExpectedParseTest, EmptyTextIsAnEmptyList) {
  ExpectedDivergences e;
  EXPECT_TRUE(e.Parse("", nullptr));
  EXPECT_EQ(e.size(), 0u);
  EXPECT_TRUE(e.Parse("# only a comment\n\n", nullptr));
  EXPECT_EQ(e.size(), 0u);
}

TEST(ExpectedParseTest, DuplicateIdIsAnErrorWithBothLines) {
  ExpectedDivergences e;
  std::string why;
  EXPECT_FALSE(e.Parse("A.b\nC.d\nA.b # again\n", &why));
  EXPECT_EQ(why, "3: case id A.b already listed on line 1");
  EXPECT_EQ(e.size(), 0u) << "a failed parse leaves the list empty";
}

TEST(ExpectedParseTest, WhitespaceInsideAnIdIsAnError) {
  ExpectedDivergences e;
  std::string why;
  EXPECT_FALSE(e.Parse("A.b AcceptRejectMismatch\n", &why));
  EXPECT_EQ(why.rfind("1: case id \"A.b AcceptRejectMismatch\" contains whitespace", 0), 0u) << why;
}

TEST(ExpectedCheckTest, ListedDivergenceWithMatchingPrefixIsExpected) {
  ExpectedDivergences e;
  ASSERT_TRUE(e.Parse(kList, nullptr));
  EXPECT_EQ(
      e.Check("Required.cpython-c.P4.FRAME.TruncatedPayload", VerdictKind::kAcceptRejectMismatch,
              "AcceptRejectMismatch: ours raised Truncated at offset 2 (UnpicklingError), "
              "cpython-c accepted `1`"),
      Expectation::kExpectedDivergence);
  EXPECT_EQ(e.Check("Required.cpython-c.P2.REDUCE.BigBytearray", VerdictKind::kValueMismatch,
                    "ValueMismatch at 0"),
            Expectation::kExpectedDivergence);
  EXPECT_TRUE(e.Stale().empty());
}

TEST(ExpectedCheckTest, ListedDivergenceWithAnotherMessageIsReported) {
  ExpectedDivergences e;
  ASSERT_TRUE(e.Parse(kList, nullptr));
  Expectation x =
      e.Check("Required.cpython-c.P4.FRAME.TruncatedPayload", VerdictKind::kValueMismatch,
              "ValueMismatch at byte 3: ours `1` vs cpython-c `2`");
  EXPECT_EQ(x, Expectation::kMessageChanged);
  EXPECT_TRUE(IsFailure(x));
}

TEST(ExpectedCheckTest, UnlistedDivergenceIsUnexpected) {
  ExpectedDivergences e;
  ASSERT_TRUE(e.Parse(kList, nullptr));
  Expectation x = e.Check("Required.cpython-c.P4.LIST.New", VerdictKind::kExceptionTypeMismatch,
                          "ExceptionTypeMismatch: ...");
  EXPECT_EQ(x, Expectation::kUnexpectedDivergence);
  EXPECT_TRUE(IsFailure(x));
}

TEST(ExpectedCheckTest, UnlistedAgreementPasses) {
  ExpectedDivergences e;
  EXPECT_EQ(e.Check("Required.cpython-c.P4.LIST.New", VerdictKind::kAgree, "Agree"),
            Expectation::kPass);
}

TEST(ExpectedCheckTest, ListedCaseThatAgreesIsStale) {
  ExpectedDivergences e;
  ASSERT_TRUE(e.Parse(kList, nullptr));
  Expectation x =
      e.Check("Required.cpython-c.P2.REDUCE.BigBytearray", VerdictKind::kAgree, "Agree");
  EXPECT_EQ(x, Expectation::kStale);
  EXPECT_TRUE(IsFailure(x));
  std::vector<const ExpectedDivergence*> stale = e.Stale();
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0]->case_id, "Required.cpython-c.P2.REDUCE.BigBytearray");
  EXPECT_EQ(stale[0]->line, 4);
}

TEST(ExpectedCheckTest, InconclusiveSaysNothingAndIsNotStale) {
  ExpectedDivergences e;
  ASSERT_TRUE(e.Parse(kList, nullptr));
  EXPECT_EQ(e.Check("Required.cpython-c.P2.REDUCE.BigBytearray", VerdictKind::kInconclusive,
                    "Inconclusive: x"),
            Expectation::kNotJudged);
  EXPECT_EQ(e.Check("Required.cpython-c.P0.STRING.Escape", VerdictKind::kOracleFailure,
                    "OracleFailure: x"),
            Expectation::kNotJudged);
  EXPECT_FALSE(IsFailure(Expectation::kNotJudged));
  EXPECT_TRUE(e.Stale().empty());
  // Unjudged entries did run: they are not "not run".
  std::vector<const ExpectedDivergence*> not_run = e.NotRun();
  ASSERT_EQ(not_run.size(), 1u);
  EXPECT_EQ(not_run[0]->case_id, "Required.cpython-c.P4.FRAME.TruncatedPayload");
}

TEST(ExpectedCheckTest, CheckTakesTheVerdictSummary) {
  ExpectedDivergences e;
  ASSERT_TRUE(e.Add({"Case.a", "OracleFailure: no oracle", 0}));
  EXPECT_FALSE(e.Add({"Case.a", "", 0}));
  Verdict v;  // no oracle ran: OracleFailure, not a divergence
  EXPECT_EQ(e.Check("Case.a", v), Expectation::kNotJudged);
}

TEST(ExpectedFileTest, LoadsAFileAndReportsAMissingOne) {
  std::string path = std::filesystem::temp_directory_path() / "picklecheck-expected-test.txt";
  {
    std::ofstream out(path);
    out << kList;
  }
  ExpectedDivergences e;
  std::string why;
  ASSERT_TRUE(e.Load(path, &why)) << why;
  EXPECT_EQ(e.size(), 3u);
  std::filesystem::remove(path);
  EXPECT_FALSE(e.Load(path, &why));
  EXPECT_EQ(why, "cannot read " + path);
  EXPECT_EQ(e.size(), 0u);
}

TEST(ExpectedFileTest, ParseErrorsNameTheFile) {
  std::string path = std::filesystem::temp_directory_path() / "picklecheck-expected-dup.txt";
  {
    std::ofstream out(path);
    out << "A.b\nA.b\n";
  }
  ExpectedDivergences e;
  std::string why;
  EXPECT_FALSE(e.Load(path, &why));
  EXPECT_EQ(why, path + ":2: case id A.b already listed on line 1");
  std::filesystem::remove(path);
}

TEST(ExpectedFormatTest, SortsAndRoundTrips) {
  std::vector<ExpectedDivergence> entries = {{"Z.last", "", 0},
                                             {"A.first", "ValueMismatch at byte 3 # hash", 0},
                                             {"M.mid", "line\nbreak", 0}};
  std::string text = ExpectedDivergences::Format(
      entries, "Expected divergences of cpython-c.\n\nRewritten by conform --fix.");
  EXPECT_EQ(text,
            "# Expected divergences of cpython-c.\n"
            "#\n"
            "# Rewritten by conform --fix.\n"
            "A.first  # ValueMismatch at byte 3 # hash\n"
            "M.mid  # line\n"
            "Z.last\n");
  ExpectedDivergences e;
  std::string why;
  ASSERT_TRUE(e.Parse(text, &why)) << why;
  EXPECT_EQ(e.Find("A.first")->message_prefix, "ValueMismatch at byte 3 # hash");
  EXPECT_EQ(e.Find("M.mid")->message_prefix, "line");
  EXPECT_EQ(e.Find("Z.last")->message_prefix, "");
}

}  // namespace
}  // namespace picklecheck

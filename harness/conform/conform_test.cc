#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "harness/conform/conform_cli.h"
#include "harness/conform/expected_failures.h"
#include "harness/conform/json.h"
#include "harness/conform/report.h"
#include "harness/conform/runner.h"
#include "harness/conform/testee.h"
#include "harness/conform/text.h"
#include "harness/conform/vectors.h"

namespace picklecheck::conform {
namespace {

std::string SourceDir() {
  const char* s = std::getenv("PICKLECHECK_SOURCE_DIR");
  return s && *s ? s : ".";
}

std::string Python() {
  const char* s = std::getenv("PICKLECHECK_PYTHON");
  return s && *s ? s : "python3";
}

std::string MiniPath() {
  return SourceDir() + "/harness/conform/testdata/mini.jsonl";
}
std::string FakeTestee(const std::string& args) {
  return Python() + " " + SourceDir() + "/harness/conform/testdata/fake_testee.py " + args;
}

std::string TempDir() {
  std::string tmpl = ::testing::TempDir() + "conform_test_XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  char* d = mkdtemp(buf.data());
  return d ? d : "/tmp";
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

int Conform(std::vector<std::string> args) {
  args.insert(args.begin(), "conform");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  int rc = RunConform(static_cast<int>(args.size()), argv.data());
  std::string out = ::testing::internal::GetCapturedStdout();
  std::printf("%s", out.c_str());
  return rc;
}

std::vector<Vector> Mini() {
  std::vector<Vector> v;
  std::string why;
  EXPECT_TRUE(LoadVectors(MiniPath(), v, &why)) << why;
  return v;
}

TEST(JsonTest, ParsesObjectsArraysAndEscapes) {
  Json j;
  std::string why;
  ASSERT_TRUE(ParseJson(R"({"a": [1, -2.5e1, true, null], "s": "x\u00e9\ud83d\ude00\n"})", j, &why)) << why;
  EXPECT_EQ(j["a"].items().size(), 4u);
  EXPECT_EQ(j["a"].items()[1].num(), -25);
  EXPECT_TRUE(j["a"].items()[2].boolean());
  EXPECT_TRUE(j["a"].items()[3].is_null());
  EXPECT_EQ(j["s"].str(), "x\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_TRUE(j["missing"].is_null());
}

TEST(JsonTest, LoneSurrogateBecomesSurrogatepassBytes) {
  Json j;
  ASSERT_TRUE(ParseJson(R"("\ud800")", j, nullptr));
  EXPECT_EQ(j.str(), "\xed\xa0\x80");
}

TEST(JsonTest, RejectsTrailingGarbageWithOffset) {
  Json j;
  std::string why;
  EXPECT_FALSE(ParseJson("{} x", j, &why));
  EXPECT_EQ(why, "offset 3: trailing characters");
}

TEST(JsonTest, WritesEscapedStrings) {
  EXPECT_EQ(JsonString("a\"\\\n\x01"), "\"a\\\"\\\\\\n\\u0001\"");
}

TEST(VectorsTest, LoadsTheManifestFormat) {
  std::vector<Vector> v = Mini();
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].expect, Expect::kAccept);
  EXPECT_EQ(v[0].pickle, "I42\n.");
  EXPECT_EQ(v[0].result.value, "42");
  EXPECT_EQ(v[2].expect, Expect::kReject);
  EXPECT_EQ(v[2].result.exception, "UnpicklingError");
  EXPECT_FALSE(v[3].required);
  ASSERT_EQ(v[3].answers.size(), 2u);
  EXPECT_EQ(v[3].answers[1].by[0], "3.11-py");
  EXPECT_FALSE(v[0].NonDefaultOptions());
}

TEST(VectorsTest, TheCommittedManifestLoads) {
  std::vector<Vector> v;
  std::string why;
  ASSERT_TRUE(LoadVectors(SourceDir() + "/corpus/conformance/vectors.jsonl", v, &why)) << why;
  EXPECT_GE(v.size(), 1000u);
  size_t y = 0, n = 0;
  for (const auto& x : v) {
    y += x.expect == Expect::kAccept;
    n += x.expect == Expect::kReject;
    EXPECT_FALSE(x.flags.empty()) << x.id;
    EXPECT_EQ(x.required, x.expect != Expect::kEither) << x.id;
  }
  EXPECT_GT(y, 0u);
  EXPECT_GT(n, 0u);
}

TEST(VectorsTest, GlobMatch) {
  EXPECT_TRUE(GlobMatch("*FRAME*", "Required.cpython-c.P4.FRAME.Straddle"));
  EXPECT_TRUE(GlobMatch("Required.*.P?.INT.*", "Required.cpython-c.P0.INT.Octal"));
  EXPECT_FALSE(GlobMatch("*.P1.*", "Required.cpython-c.P0.INT.Octal"));
  EXPECT_TRUE(GlobMatch("*", ""));
}

TEST(TesteeSpecTest, NameEqualsCommand) {
  TesteeSpec s = ParseTesteeSpec("cpython-c=python3 x.py --codec c=1");
  EXPECT_TRUE(s.name_given);
  EXPECT_EQ(s.name, "cpython-c");
  EXPECT_EQ(s.command, "python3 x.py --codec c=1");
}

TEST(TesteeSpecTest, BareCommandNamedAfterItsProgram) {
  TesteeSpec s = ParseTesteeSpec("/usr/bin/node testee.js --x=1");
  EXPECT_FALSE(s.name_given);
  EXPECT_EQ(s.name, "node");
  EXPECT_EQ(s.command, "/usr/bin/node testee.js --x=1");
}

TEST(ExpectedFailuresTest, ParsesIdsAndMessages) {
  ExpectedFailures l;
  std::string why;
  ASSERT_TRUE(l.Parse("# header\n\nA.b.P0.INT.X   # AcceptedInvalid: accepted\nA.b.P1.LIST.Y\n", &why))
      << why;
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l.Find("A.b.P0.INT.X")->message, "AcceptedInvalid: accepted");
  EXPECT_EQ(l.Find("A.b.P0.INT.X")->line, 3);
  EXPECT_EQ(l.Find("A.b.P1.LIST.Y")->message, "");
  EXPECT_EQ(l.Find("nope"), nullptr);
}

TEST(ExpectedFailuresTest, RejectsDuplicatesAndBadIds) {
  ExpectedFailures l;
  std::string why;
  EXPECT_FALSE(l.Parse("A.x\nA.x\n", &why));
  EXPECT_EQ(why, "2: duplicate id A.x");
  EXPECT_FALSE(l.Parse("A x\n", &why));
  EXPECT_EQ(l.size(), 0u);
}

TEST(ExpectedFailuresTest, FormatSortsAndComments) {
  std::string text = ExpectedFailures::Format({{"b", "two", 0}, {"a", "", 0}}, "Title\nmore");
  EXPECT_EQ(text, "# Title\n# more\na\nb  # two\n");
}

TEST(ResponseTest, ValueTextAndBareValue) {
  TesteeReply r;
  ParseTesteeResponse("V[1]", Level::kTranscode, r);
  EXPECT_EQ(r.kind, ReplyKind::kAccepted);
  EXPECT_TRUE(r.has_text);
  EXPECT_EQ(r.text, "[1]");
  r = TesteeReply();
  ParseTesteeResponse("V", Level::kVerdict, r);
  EXPECT_EQ(r.kind, ReplyKind::kAccepted);
  EXPECT_FALSE(r.has_text);
}

TEST(ResponseTest, PickleWithBuffers) {
  TesteeReply r;
  std::string p("B\x02\0\0\0N.\x01\0\0\0\x01\x02\0\0\0ab", 18);
  ParseTesteeResponse(p, Level::kTranscode, r);
  ASSERT_EQ(r.kind, ReplyKind::kAccepted);
  EXPECT_EQ(r.pickle, "N.");
  ASSERT_EQ(r.buffers.size(), 1u);
  EXPECT_TRUE(r.buffers[0].readonly);
  EXPECT_EQ(r.buffers[0].data, "ab");
}

TEST(ResponseTest, StructuredAndFreeFormRejections) {
  TesteeReply r;
  ParseTesteeResponse(std::string("E\x03\0Foo\x02\0\0\0hi", 12), Level::kVerdict, r);
  EXPECT_EQ(r.kind, ReplyKind::kRejected);
  EXPECT_EQ(r.exception, "Foo");
  EXPECT_EQ(r.message, "hi");
  r = TesteeReply();
  ParseTesteeResponse("Ebad pickle", Level::kVerdict, r);
  EXPECT_EQ(r.kind, ReplyKind::kRejected);
  EXPECT_EQ(r.message, "bad pickle");
}

TEST(ResponseTest, SkipInternalFailureAndGarbage) {
  TesteeReply r;
  ParseTesteeResponse("Sno buffers", Level::kVerdict, r);
  EXPECT_EQ(r.kind, ReplyKind::kSkipped);
  ParseTesteeResponse("Xboom", Level::kVerdict, r);
  EXPECT_EQ(r.kind, ReplyKind::kCrash);
  ParseTesteeResponse("?", Level::kVerdict, r);
  EXPECT_EQ(r.kind, ReplyKind::kProtocolError);
  ParseTesteeResponse(std::string("B\x09\0\0\0N.", 7), Level::kVerdict, r);
  EXPECT_EQ(r.kind, ReplyKind::kProtocolError);
}

TEST(RequestTest, LoadRequestRoundTrips) {
  DecodeOptions o;
  o.encoding = "latin1";
  o.persistent_load = true;
  o.buffers.emplace();
  o.buffers->push_back({"xy", true});
  std::string frame;
  ASSERT_TRUE(AppendTesteeRequest('T', "N.", o, frame, nullptr));
  EXPECT_EQ(frame[4], 'T');
  std::string pickle;
  DecodeOptions back;
  ASSERT_TRUE(ParseLoadPayload(std::string_view(frame).substr(4), pickle, back, nullptr));
  EXPECT_EQ(pickle, "N.");
  EXPECT_EQ(back.encoding, "latin1");
  EXPECT_TRUE(back.persistent_load);
  ASSERT_TRUE(back.buffers.has_value());
  EXPECT_EQ((*back.buffers)[0].data, "xy");
  EXPECT_EQ(OptionsJson(back),
            R"({"fix_imports": true, "encoding": "latin1", "errors": "strict", "persistent_load": true, )"
            R"("buffers": [{"readonly": true, "hex": "7879"}]})");
}

TesteeReply Reply(ReplyKind kind, std::string text = "") {
  TesteeReply r;
  r.kind = kind;
  if (!text.empty()) {
    r.has_text = true;
    r.text = std::move(text);
  }
  return r;
}

TEST(EvaluateTest, AcceptVectors) {
  std::vector<Vector> v = Mini();
  EXPECT_EQ(Evaluate(v[0], Reply(ReplyKind::kAccepted), Level::kVerdict, nullptr).status, CellStatus::kPass);
  Cell c = Evaluate(v[0], Reply(ReplyKind::kRejected), Level::kVerdict, nullptr);
  EXPECT_EQ(c.status, CellStatus::kFail);
  EXPECT_EQ(c.failure, "RejectedValid");
}

TEST(EvaluateTest, RejectVectorsPassOnAnyException) {
  std::vector<Vector> v = Mini();
  TesteeReply r = Reply(ReplyKind::kRejected);
  r.exception = "IndexError";
  EXPECT_EQ(Evaluate(v[2], r, Level::kVerdict, nullptr).status, CellStatus::kPass);
  Cell c = Evaluate(v[2], Reply(ReplyKind::kAccepted), Level::kVerdict, nullptr);
  EXPECT_EQ(c.failure, "AcceptedInvalid");
  EXPECT_EQ(FailureSummary(v[2], c), "AcceptedInvalid: accepted; CPython raises UnpicklingError");
}

TEST(EvaluateTest, TranscodeComparesValuesSharingIncluded) {
  std::vector<Vector> v = Mini();
  EXPECT_EQ(Evaluate(v[1], Reply(ReplyKind::kAccepted, "(&1 [], *1)"), Level::kTranscode, nullptr).status,
            CellStatus::kPass);
  Cell c = Evaluate(v[1], Reply(ReplyKind::kAccepted, "([], [])"), Level::kTranscode, nullptr);
  EXPECT_EQ(c.failure, "ValueMismatch");
  EXPECT_EQ(c.value, "([], [])");
  EXPECT_EQ(Evaluate(v[1], Reply(ReplyKind::kAccepted), Level::kTranscode, nullptr).failure, "NoValue");
}

TEST(EvaluateTest, CrashesAndTimeoutsFail) {
  std::vector<Vector> v = Mini();
  EXPECT_EQ(Evaluate(v[2], Reply(ReplyKind::kCrash), Level::kVerdict, nullptr).failure, "Crash");
  EXPECT_EQ(Evaluate(v[2], Reply(ReplyKind::kTimeout), Level::kVerdict, nullptr).failure, "Timeout");
  EXPECT_EQ(Evaluate(v[0], Reply(ReplyKind::kSkipped), Level::kVerdict, nullptr).status, CellStatus::kSkip);
}

TEST(EvaluateTest, AdvisoryReportsMatchingCPythons) {
  std::vector<Vector> v = Mini();
  Cell c = Evaluate(v[3], Reply(ReplyKind::kRejected), Level::kVerdict, nullptr);
  EXPECT_EQ(c.status, CellStatus::kAdvisory);
  EXPECT_EQ(c.matched, "3.11-py 3.12-py");
  EXPECT_FALSE(c.matches_judge);
  c = Evaluate(v[3], Reply(ReplyKind::kAccepted, "8"), Level::kTranscode, nullptr);
  EXPECT_EQ(c.matched, "3.11-c 3.12-c");
  EXPECT_TRUE(c.matches_judge);
  c = Evaluate(v[3], Reply(ReplyKind::kAccepted, "10"), Level::kTranscode, nullptr);
  EXPECT_EQ(c.matched, "none");
}

TEST(ApplyExpectationsTest, ClassifiesAgainstTheList) {
  std::vector<Vector> v = Mini();
  TesteeRun run;
  run.started = true;
  run.cells.resize(4);
  run.cells[0].status = CellStatus::kPass;
  run.cells[1].status = CellStatus::kPass;
  run.cells[2].status = CellStatus::kFail;
  run.cells[3].status = CellStatus::kAdvisory;
  ASSERT_TRUE(run.list.Parse(
      "Required.cpython-c.P2.LIST.Shared\nRequired.cpython-c.P1.APPEND.AloneUnderflow\nGone.x\n", nullptr));
  ApplyExpectations(v, /*filtered=*/false, run);
  EXPECT_EQ(run.cells[0].outcome, Outcome::kSuccess);
  EXPECT_EQ(run.cells[1].outcome, Outcome::kStale);
  EXPECT_EQ(run.cells[2].outcome, Outcome::kExpectedFailure);
  EXPECT_EQ(run.cells[3].outcome, Outcome::kAdvisory);
  EXPECT_EQ(run.unknown_entries, std::vector<std::string>{"Gone.x"});
  EXPECT_EQ(run.successes, 1);
  EXPECT_EQ(run.expected, 1);
  EXPECT_EQ(run.unexpected, 2);  // the stale entry and the unknown one
  ApplyExpectations(v, /*filtered=*/true, run);
  EXPECT_TRUE(run.unknown_entries.empty());
  EXPECT_EQ(run.unexpected, 1);
}

// --- the runner end to end -------------------------------------------------

TEST(RunConformTest, ExpectedFailureListWorksBothWaysAndFixRewritesIt) {
  std::string dir = TempDir();
  std::string list = dir + "/acceptall.txt";
  // File mode, `true FILE`: accepts everything, so the one n_ vector fails.
  std::vector<std::string> base = {"--vectors", MiniPath(), "--expected-dir", dir,      "--mode",
                                   "file",      "--testee", "acceptall=true", "--brief"};
  EXPECT_EQ(Conform(base), 1) << "an unlisted failure fails the run";
  auto fix = base;
  fix.push_back("--fix");
  EXPECT_EQ(Conform(fix), 0);
  std::string text = ReadFile(list);
  EXPECT_NE(text.find("Required.cpython-c.P1.APPEND.AloneUnderflow  # AcceptedInvalid"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("ValidSmall"), std::string::npos);
  EXPECT_EQ(Conform(base), 0) << "listed: an expected failure";

  WriteFile(list, text + "Required.cpython-c.P0.INT.ValidSmall\n");
  EXPECT_EQ(Conform(base), 1) << "a stale entry (the vector passes) fails the run";
  WriteFile(list, text + "Required.cpython-c.P9.NOPE.Gone\n");
  EXPECT_EQ(Conform(base), 1) << "an entry for no vector is stale in a full run";
  auto filtered = base;
  filtered.insert(filtered.end(), {"--filter", "*APPEND*"});
  EXPECT_EQ(Conform(filtered), 0) << "but says nothing when only some vectors ran";
  EXPECT_EQ(Conform(fix), 0);
  EXPECT_EQ(ReadFile(list), text) << "--fix drops stale entries";

  WriteFile(list, "# nothing expected\n");
  EXPECT_EQ(Conform(base), 1);
}

TEST(RunConformTest, RejectingEverythingFailsTheAcceptVectors) {
  std::string dir = TempDir();
  EXPECT_EQ(Conform({"--vectors", MiniPath(), "--expected-dir", dir, "--mode", "file", "--testee",
                     "rejectall=false", "--out", dir + "/out", "--brief"}),
            1);
  std::string json = ReadFile(dir + "/out/results.json");
  EXPECT_NE(json.find("\"unexpected_failures\": 2"), std::string::npos) << json;
  EXPECT_NE(ReadFile(dir + "/out/junit.xml").find("type=\"RejectedValid\""), std::string::npos);
  EXPECT_NE(ReadFile(dir + "/out/summary.md").find("CONFORMANCE FAILED"), std::string::npos);
}

TEST(RunConformTest, StreamTesteeCrashesTimeoutsAndGarbageAreFailures) {
  std::string dir = TempDir();
  for (const char* answer : {"crash", "garbage", "hang"}) {
    EXPECT_EQ(Conform({"--vectors", MiniPath(), "--expected-dir", dir, "--timeout", "0.5", "--testee",
                       std::string("t=") + FakeTestee(std::string("--answer ") + answer), "--out", dir + "/o",
                       "--brief"}),
              1)
        << answer;
    std::string json = ReadFile(dir + "/o/results.json");
    const char* failure = std::string(answer) == "crash"  ? "Crash"
                          : std::string(answer) == "hang" ? "Timeout"
                                                          : "ProtocolError";
    EXPECT_NE(json.find(std::string("\"failure\": \"") + failure + "\""), std::string::npos)
        << answer << json;
  }
}

TEST(RunConformTest, ATesteeThatCannotStartFailsTheRun) {
  std::string dir = TempDir();
  EXPECT_EQ(Conform({"--vectors", MiniPath(), "--expected-dir", dir, "--testee",
                     "t=" + FakeTestee("--answer exit-on-hello"), "--brief"}),
            1);
}

TEST(RunConformTest, SkipsAreCountedNotFailed) {
  std::string dir = TempDir();
  EXPECT_EQ(Conform({"--vectors", MiniPath(), "--expected-dir", dir, "--testee",
                     "t=" + FakeTestee("--answer skip"), "--out", dir + "/o", "--brief"}),
            0);
  EXPECT_NE(ReadFile(dir + "/o/summary.md").find("0 unexpected failures, 4 skipped"), std::string::npos);
}

TEST(RunConformTest, VerdictOnlyTesteeRunsAtVerdictLevelWhenTranscodeIsAsked) {
  std::string dir = TempDir();
  // Rejects nothing: fails the one n_ vector, but no NoValue failures.
  EXPECT_EQ(Conform({"--vectors", MiniPath(), "--expected-dir", dir, "--level", "transcode", "--testee",
                     "t=" + FakeTestee("--answer accept --levels verdict"), "--out", dir + "/o", "--brief"}),
            1);
  std::string json = ReadFile(dir + "/o/results.json");
  EXPECT_NE(json.find("\"level\": \"verdict\", \"mode\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"unexpected_failures\": 1,"), std::string::npos) << json;
}

TEST(RunConformTest, UsageErrors) {
  EXPECT_EQ(Conform({"--level", "x"}), 2);
  EXPECT_EQ(Conform({"--vectors", MiniPath()}), 2);  // no testee
  EXPECT_EQ(Conform({"--vectors", "/nonexistent.jsonl", "--testee", "true"}), 2);
}

TEST(TextTest, PrintableEscapesControlAndInvalidUtf8) {
  EXPECT_EQ(Printable("a\n\x01\xff\xc3\xa9", 100), "a\\n\\x01\\xff\xc3\xa9");
  EXPECT_EQ(Printable("abcdef", 3), "abc…");
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

}  // namespace
}  // namespace picklecheck::conform

// `picklecheck diff` and its plumbing: Unpickler option strings, the corpus
// reader (every file and vector format, sidecars, skip rules, case ids),
// report helpers, expected-list rewriting, and whole runs against scripted
// oracles: exit codes, expected/unexpected/stale, advisory oracles, repro
// files (minimized), the Markdown report, --fix, and usage errors.
#include "harness/diff/diff_cli.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/oracle/scripted_oracle.h"

namespace picklecheck {
namespace {

namespace fs = std::filesystem;
using testing::Accepted;
using testing::Rejected;
using testing::ScriptedOracle;

std::string Read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void Write(const fs::path& p, std::string_view data) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("picklecheck_diff_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  fs::path path_;
};

// ---- options -------------------------------------------------------------------

TEST(DecodeOptionsText, EmptyIsTheDefaults) {
  DecodeOptions o;
  o.encoding = "x";
  ASSERT_TRUE(ParseDecodeOptions("", o, nullptr));
  EXPECT_EQ(FormatDecodeOptions(o), FormatDecodeOptions(DecodeOptions{}));
  EXPECT_EQ(FormatDecodeOptions(o), "fix=1,enc=ASCII,err=strict,pers=1");
}

TEST(DecodeOptionsText, EveryKey) {
  DecodeOptions o;
  std::string why;
  ASSERT_TRUE(ParseDecodeOptions("fix=0,enc=latin1,err=replace,pers=0,buf=w6162;r;rff", o, &why)) << why;
  EXPECT_FALSE(o.fix_imports);
  EXPECT_EQ(o.encoding, "latin1");
  EXPECT_EQ(o.errors, "replace");
  EXPECT_FALSE(o.persistent_load);
  ASSERT_TRUE(o.buffers.has_value());
  ASSERT_EQ(o.buffers->size(), 3u);
  EXPECT_EQ((*o.buffers)[0].data, "ab");
  EXPECT_FALSE((*o.buffers)[0].readonly);
  EXPECT_EQ((*o.buffers)[1].data, "");
  EXPECT_TRUE((*o.buffers)[1].readonly);
  EXPECT_EQ((*o.buffers)[2].data, "\xff");
  EXPECT_EQ(FormatDecodeOptions(o), "fix=0,enc=latin1,err=replace,pers=0,buf=w6162;r;rff");
}

TEST(DecodeOptionsText, EmptyBufferListIsNotNone) {
  DecodeOptions o;
  ASSERT_TRUE(ParseDecodeOptions("buf=", o, nullptr));
  ASSERT_TRUE(o.buffers.has_value());
  EXPECT_TRUE(o.buffers->empty());
  EXPECT_EQ(FormatDecodeOptions(o), "fix=1,enc=ASCII,err=strict,pers=1,buf=");
}

TEST(DecodeOptionsText, Rejections) {
  DecodeOptions o;
  std::string why;
  EXPECT_FALSE(ParseDecodeOptions("colour=red", o, &why));
  EXPECT_NE(why.find("unknown key"), std::string::npos) << why;
  EXPECT_FALSE(ParseDecodeOptions("fix=2", o, &why));
  EXPECT_FALSE(ParseDecodeOptions("fix", o, &why));
  EXPECT_FALSE(ParseDecodeOptions("buf=x61", o, &why));
  EXPECT_FALSE(ParseDecodeOptions("buf=w6", o, &why));
}

// ---- text helpers ----------------------------------------------------------------

TEST(Sha1, KnownVectors) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Sha1Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(ReportText, HexDumpShowsOffsetsBytesAndText) {
  EXPECT_EQ(HexDump("\x80\x04K\x01."),
            "00000000  80 04 4b 01 2e                                    |..K..|\n");
  std::string cut = HexDump(std::string(40, 'a'), 16);
  EXPECT_NE(cut.find("... 24 more bytes (40 in all)"), std::string::npos) << cut;
}

TEST(ReportText, FirstLinesCutsAndEscapesControls) {
  EXPECT_EQ(FirstLines("a\nb\nc\n", 2), "a\nb\n... (1 more lines)\n");
  EXPECT_EQ(FirstLines(std::string("x\0y", 3), 5), "x\\x00y\n");
}

TEST(ReportText, MarkdownCellEscapes) {
  EXPECT_EQ(MarkdownCell("a|b\nc`d"), "a\\|b\\nc'd");
  EXPECT_EQ(MarkdownCell("abcdef", 3), "abc...");
  EXPECT_EQ(MarkdownCell("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9...");  // UTF-8 boundary
}

TEST(ReportText, CaseIdsEscapeWhitespaceHashAndPercent) {
  EXPECT_EQ(EscapeCaseId("seed/a b#c%d\te"), "seed/a%20b%23c%25d%09e");
  EXPECT_EQ(EscapeCaseId("zoo_vectors:zoo.none.p0"), "zoo_vectors:zoo.none.p0");
}

TEST(ReportText, ExpectedPrefixIsOneStableLine) {
  EXPECT_EQ(ExpectedPrefix("Kind: a\nb"), "Kind: a");
  EXPECT_EQ(ExpectedPrefix("TypeError: <Stub object at 0x7f12> x"), "TypeError: <Stub object");
  EXPECT_LE(ExpectedPrefix(std::string(500, 'x')).size(), 120u);
}

TEST(ReportText, TableAlignsColumns) {
  EXPECT_EQ(FormatTable({"verdict", "c"}, {{"Agree", "12"}, {"ValueMismatch", "3"}}),
            "| verdict       |   c |\n"
            "|---------------|----:|\n"
            "| Agree         |  12 |\n"
            "| ValueMismatch |   3 |\n");
}

// ---- the corpus ------------------------------------------------------------------

std::vector<CorpusCase> Load(const std::vector<std::string>& paths, std::vector<std::string>* errors = nullptr,
                             CorpusStats* stats = nullptr) {
  std::vector<CorpusCase> out;
  std::vector<std::string> local;
  LoadCorpus(paths, DecodeOptions{}, out, stats, errors ? *errors : local);
  return out;
}

TEST(Corpus, FilesAreCasesWithPathIdsAndSidecars) {
  TempDir dir;
  Write(dir / "root/a/one", "K\x01.");
  Write(dir / "root/a/two", "K\x02.");
  Write(dir / "root/a/two.txt", "a one-line description\noptions: fix=0,enc=latin1\nvalue: [1]\n");
  Write(dir / "root/b/three.pickle", "N.");
  CorpusStats stats;
  std::vector<CorpusCase> cases = Load({dir / "root"}, nullptr, &stats);
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].id, "a/one");  // sorted walk
  EXPECT_EQ(cases[0].pickle, "K\x01.");
  EXPECT_TRUE(cases[0].options.fix_imports);
  EXPECT_EQ(cases[1].id, "a/two");
  EXPECT_EQ(cases[1].description, "a one-line description");
  EXPECT_FALSE(cases[1].options.fix_imports);
  EXPECT_EQ(cases[1].options.encoding, "latin1");
  ASSERT_TRUE(cases[1].value_text.has_value());
  EXPECT_EQ(*cases[1].value_text, "[1]");
  EXPECT_EQ(cases[2].id, "b/three.pickle");
  EXPECT_EQ(stats.files, 3u);
  EXPECT_EQ(stats.skipped, 1u);  // the sidecar
}

TEST(Corpus, SkipRules) {
  TempDir dir;
  Write(dir / "r/keep", "N.");
  for (const char* skipped : {"r/README.md", "r/notes.txt", "r/i.json", "r/v.jsonl", "r/g.py", "r/s.sh",
                              "r/.hidden", "r/.git/objects/x", "r/suite/index.json", "r/suite/p.pickle"}) {
    Write(dir / skipped, "N.");
  }
  std::vector<CorpusCase> cases = Load({dir / "r"});
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].id, "keep");
}

TEST(Corpus, AFileArgumentIsItsName) {
  TempDir dir;
  Write(dir / "x/y/pick", "N.");
  std::vector<CorpusCase> cases = Load({dir / "x/y/pick"});
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].id, "pick");
}

TEST(Corpus, GenericVectorsCarryTheirOptions) {
  TempDir dir;
  Write(dir / "v/zoo.tsv",
        "# comment\n"
        "zoo.a\tfix=1,enc=ASCII,err=strict,pers=0\t4b012e\tV\t1\n"
        "Plain\t\t4e2e\n"
        "Bufs\tbuf=w6162\t80059700\n");
  CorpusStats stats;
  std::vector<CorpusCase> cases = Load({dir / "v"}, nullptr, &stats);
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].id, "zoo:zoo.a");
  EXPECT_EQ(cases[0].pickle, "K\x01.");
  EXPECT_FALSE(cases[0].options.persistent_load);
  EXPECT_EQ(cases[1].id, "zoo:Plain");
  EXPECT_TRUE(cases[1].options.persistent_load);
  ASSERT_TRUE(cases[2].options.buffers.has_value());
  EXPECT_EQ(cases[2].options.buffers->at(0).data, "ab");
  EXPECT_EQ(stats.vector_files, 1u);
  EXPECT_EQ(stats.vectors, 3u);
  EXPECT_NE(cases[0].origin.find("zoo.tsv:2"), std::string::npos) << cases[0].origin;
}

TEST(Corpus, EncoderVectorsGiveOneCasePerDistinctPickle) {
  TempDir dir;
  std::string line = "Big\tfix=0\t[61*3]2e\t=0\t80024e2e\t!PicklingError\tU\t-";
  for (int k = 0; k < 36; ++k) line += k == 7 ? "\t80034e2e;r:6162,w:" : "\t=" + std::to_string(k % 6);
  Write(dir / "encoder_vectors.tsv", "# x\n# name\toptions\tP0..P5\tO00..O55\n" + line + "\n");
  std::vector<std::string> errors;
  std::vector<CorpusCase> cases = Load({dir / "encoder_vectors.tsv"}, &errors);
  ASSERT_TRUE(errors.empty()) << errors[0];
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].id, "encoder_vectors:Big.P0");
  EXPECT_EQ(cases[0].pickle, "aaa.");
  EXPECT_FALSE(cases[0].options.fix_imports);
  EXPECT_EQ(cases[1].id, "encoder_vectors:Big.P2");
  EXPECT_EQ(cases[2].id, "encoder_vectors:Big.O11");
  ASSERT_TRUE(cases[2].options.buffers.has_value());
  ASSERT_EQ(cases[2].options.buffers->size(), 2u);
  EXPECT_TRUE(cases[2].options.buffers->at(0).readonly);
  EXPECT_EQ(cases[2].options.buffers->at(1).data, "");
}

TEST(Corpus, EncoderDumpsGiveAValueAndPickles) {
  TempDir dir;
  Write(dir / "encoder_dumps.tsv",
        "# name\toptions\ttext\tout0..out5\n"
        "L\t\t[1]\t286c70300a49310a612e\t=0\t80025d7100""4b01""612e\tU\tU\tU\n");
  std::vector<CorpusCase> cases = Load({dir / "encoder_dumps.tsv"});
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].id, "encoder_dumps:L");
  EXPECT_FALSE(cases[0].has_pickle);
  EXPECT_EQ(*cases[0].value_text, "[1]");
  EXPECT_EQ(cases[1].id, "encoder_dumps:L.out0");
  EXPECT_EQ(cases[2].id, "encoder_dumps:L.out2");
}

TEST(Corpus, ValueFilesAndValueVectors) {
  TempDir dir;
  Write(dir / "c/v.canonical", "[1, 2]\n");
  Write(dir / "c/values.tsv", "# about\n# id\ttext\nrec\t&1 [*1]\n");
  std::vector<CorpusCase> cases = Load({dir / "c"});
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].id, "v.canonical");
  EXPECT_FALSE(cases[0].has_pickle);
  EXPECT_EQ(*cases[0].value_text, "[1, 2]");
  EXPECT_EQ(cases[1].id, "values:rec");
  EXPECT_EQ(*cases[1].value_text, "&1 [*1]");
}

TEST(Corpus, ProblemsAreReported) {
  TempDir dir;
  Write(dir / "bad.tsv", "a\tfix=1\tzz\n");
  Write(dir / "bad2.tsv", "only-one-column\n");
  Write(dir / "bad3.tsv", "a\tcolour=1\t2e\n");
  std::vector<std::string> errors;
  std::vector<CorpusCase> out;
  EXPECT_FALSE(LoadCorpus(std::vector<std::string>{dir / "bad.tsv", dir / "bad2.tsv", dir / "bad3.tsv",
                                                   dir / "missing"},
                          DecodeOptions{}, out, nullptr, errors));
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_NE(errors[0].find("bad hex"), std::string::npos) << errors[0];
  EXPECT_NE(errors[3].find("cannot read"), std::string::npos) << errors[3];
}

TEST(Corpus, TheSameCaseTwiceIsKeptOnce) {
  TempDir dir;
  Write(dir / "t.tsv", "a\t\t2e\n");
  std::vector<CorpusCase> cases = Load({dir / "t.tsv", dir / "t.tsv"});
  EXPECT_EQ(cases.size(), 1u);
}

// ---- oracles -------------------------------------------------------------------

TEST(OracleFlag, Names) {
  std::vector<std::string> names;
  ASSERT_TRUE(ParseOracleFlag("c", names, nullptr));
  EXPECT_EQ(names, std::vector<std::string>{"cpython-c"});
  ASSERT_TRUE(ParseOracleFlag("both", names, nullptr));
  EXPECT_EQ(names, (std::vector<std::string>{"cpython-c", "cpython-py"}));
  ASSERT_TRUE(ParseOracleFlag("/opt/py/bin/python3.8:python", names, nullptr));
  EXPECT_EQ(names, std::vector<std::string>{"/opt/py/bin/python3.8:python"});
  ASSERT_TRUE(ParseOracleFlag("/opt/py/bin/python3.8", names, nullptr));
  EXPECT_EQ(names, std::vector<std::string>{"/opt/py/bin/python3.8:c"});
  ASSERT_TRUE(ParseOracleFlag("python3.12:both", names, nullptr));
  EXPECT_EQ(names, (std::vector<std::string>{"python3.12:c", "python3.12:python"}));
  ASSERT_TRUE(ParseOracleFlag("c,both,py3:python", names, nullptr));
  EXPECT_EQ(names, (std::vector<std::string>{"cpython-c", "cpython-py", "py3:python"}));
  EXPECT_FALSE(ParseOracleFlag("", names, nullptr));
  EXPECT_FALSE(ParseOracleFlag("c,", names, nullptr));
}

// ---- expected lists ----------------------------------------------------------------

TEST(ExpectedFileFix, KeepsUnrunDropsStaleAddsNew) {
  TempDir dir;
  const std::string path = dir / "list.txt";
  Write(path,
        "# header line\n"
        "\n"
        "#   input 2e (1 bytes)\n"
        "not.run  # kept as written\n"
        "stale.one\n"
        "still.diverges  # Value\n");
  ExpectedFile f;
  ASSERT_TRUE(f.Load(path, true, nullptr));
  f.list().Check("stale.one", VerdictKind::kAgree, "");
  f.list().Check("still.diverges", VerdictKind::kValueMismatch, "ValueMismatch at byte 1");
  f.NoteDivergence("still.diverges", "ValueMismatch at byte 1", "input 4e2e");
  f.list().Check("new.one", VerdictKind::kAcceptRejectMismatch, "AcceptRejectMismatch: x");
  f.NoteDivergence("new.one", "AcceptRejectMismatch: x\nsecond line", "input 00");
  ASSERT_TRUE(f.Fix("unused", nullptr));
  EXPECT_EQ(Read(path),
            "# header line\n"
            "\n"
            "#   input 00\n"
            "new.one  # AcceptRejectMismatch: x\n"
            "#   input 2e (1 bytes)\n"
            "not.run  # kept as written\n"
            "#   input 4e2e\n"
            "still.diverges  # Value\n");
}

TEST(ExpectedFileFix, AMissingFileIsCreatedWithTheHeader) {
  TempDir dir;
  ExpectedFile f;
  ASSERT_TRUE(f.Load(dir / "new.txt", false, nullptr));
  EXPECT_TRUE(f.loaded());
  f.NoteDivergence("a", "ValueMismatch", "");
  ASSERT_TRUE(f.Fix("first\nsecond", nullptr));
  EXPECT_EQ(Read(dir / "new.txt"), "# first\n# second\n\na  # ValueMismatch\n");
  ExpectedFile missing;
  std::string why;
  EXPECT_FALSE(missing.Load(dir / "nope.txt", true, &why));
}

// ---- whole runs against scripted oracles -----------------------------------------

// Scripted oracles by name: "fake-c" (C) and "fake-py" (pure Python) answer
// for the inputs the tests write: 1 and None as CPython does, K\x02. as 3
// (a value mismatch for fake-c), and the pure-Python one raises on None.
void RegisterFakes() {
  static bool done = [] {
    RegisterOracle("fake-c", [](const std::string& name, const OracleOptions&) {
      auto o = std::make_unique<ScriptedOracle>(name, OracleImpl::kC);
      o->On("K\x01.", Accepted("1")).On("N.", Accepted("None")).On("K\x02.", Accepted("3"));
      // What the minimizer tries on the way from N0N0N0K\x02. to K\x02.
      o->On("N0N0N0K\x02.", Accepted("3")).On("N0N0K\x02.", Accepted("3")).On("N0K\x02.", Accepted("3"));
      o->Otherwise(Rejected("UnpicklingError", "pickle data was truncated"));
      return o;
    });
    RegisterOracle("fake-py", [](const std::string& name, const OracleOptions&) {
      auto o = std::make_unique<ScriptedOracle>(name, OracleImpl::kPython);
      o->On("K\x01.", Accepted("1")).On("N.", Rejected("KeyError", "78")).On("K\x02.", Accepted("3"));
      o->Otherwise(Rejected("UnpicklingError", "pickle data was truncated"));
      return o;
    });
    return true;
  }();
  (void)done;
}

int RunCli(std::vector<std::string> args, std::string* out = nullptr) {
  RegisterFakes();
  args.insert(args.begin(), "diff");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int rc = RunDiff(static_cast<int>(argv.size()), argv.data());
  std::string o = ::testing::internal::GetCapturedStdout();
  std::string e = ::testing::internal::GetCapturedStderr();
  if (out) *out = o + e;
  return rc;
}

class DiffRun : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(dir_ / "corpus/one", "K\x01.");
    Write(dir_ / "corpus/none", "N.");
  }
  void AddMismatch() { Write(dir_ / "corpus/two", "K\x02."); }
  TempDir dir_;
};

TEST_F(DiffRun, AgreementPasses) {
  std::string out;
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", "none", "--jobs", "2", dir_ / "corpus"}, &out), 0) << out;
  EXPECT_NE(out.find("picklecheck diff: 2 cases"), std::string::npos) << out;
  EXPECT_NE(out.find("fake-c (judge)"), std::string::npos) << out;
  EXPECT_NE(out.find("result: PASS"), std::string::npos) << out;
}

TEST_F(DiffRun, AnUnlistedMismatchFails) {
  AddMismatch();
  std::string out;
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", "none", dir_ / "corpus"}, &out), 1) << out;
  EXPECT_NE(out.find("UNEXPECTED two: ValueMismatch at byte 0: ours `2` vs fake-c `3`"), std::string::npos)
      << out;
  EXPECT_NE(out.find("result: FAIL"), std::string::npos) << out;
}

TEST_F(DiffRun, AListedMismatchPassesAndAStaleEntryFails) {
  AddMismatch();
  const std::string list = dir_ / "fake-c.txt";
  Write(list, "two  # ValueMismatch at byte 0\n");
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", list, dir_ / "corpus"}), 0);
  Write(list, "two  # AcceptRejectMismatch\n");  // the message changed
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", list, dir_ / "corpus"}), 1);
  Write(list, "two\none\n");  // `one` agrees: stale
  std::string out;
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", list, dir_ / "corpus"}, &out), 1);
  EXPECT_NE(out.find("STALE fake-c one"), std::string::npos) << out;
  // A directory of lists, named by oracle.
  Write(list, "two\n");
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", dir_.path().string(), dir_ / "corpus"}), 0);
}

TEST_F(DiffRun, FixRewritesTheList) {
  AddMismatch();
  const std::string list = dir_ / "fake-c.txt";
  Write(list, "one\n");
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", "fake-c=" + list, "--fix", dir_ / "corpus"}), 0);
  std::string text = Read(list);
  EXPECT_NE(text.find("#   input 4b022e (3 bytes)\ntwo  # ValueMismatch at byte 0: ours `2` vs fake-c `3`\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("\none"), std::string::npos) << text;
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", list, dir_ / "corpus"}), 0);
}

TEST_F(DiffRun, ThePurePythonOracleIsAdvisory) {
  std::string out;
  // fake-py raises KeyError on None where fake-c and we agree: a C/Python
  // disagreement, reported, not failing.
  EXPECT_EQ(RunCli({"--oracle", "fake-c,fake-py", "--expected", "none", dir_ / "corpus"}, &out), 0) << out;
  EXPECT_NE(out.find("1 C/Python disagreements"), std::string::npos) << out;
  EXPECT_NE(out.find("fake-py (advisory)"), std::string::npos) << out;
  EXPECT_EQ(RunCli({"--oracle", "fake-c,fake-py", "--expected", "none", "--strict-python", dir_ / "corpus"}), 1);
  // Alone, it is still advisory.
  EXPECT_EQ(RunCli({"--oracle", "fake-py", "--expected", "none", dir_ / "corpus"}, &out), 0) << out;
  EXPECT_NE(out.find("1 advisory failures"), std::string::npos) << out;
  EXPECT_EQ(RunCli({"--oracle", "fake-py", "--expected", "none", "--strict-python", dir_ / "corpus"}), 1);
}

TEST_F(DiffRun, ReproFilesAndReport) {
  Write(dir_ / "corpus/long", std::string("N0N0N0K\x02.", 9));  // minimizes to K\x02.
  const std::string repro = dir_ / "repro", report = dir_ / "report.md";
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", "none", "--repro-dir", repro, "--report", report,
                 dir_ / "corpus"}),
            1);
  // fake-c answers 3 only for exactly K\x02., so the minimal input is that.
  const std::string name = Sha1Hex("K\x02.");
  EXPECT_EQ(Read(fs::path(repro) / name), "K\x02.");
  std::string txt = Read(fs::path(repro) / (name + ".txt"));
  EXPECT_EQ(txt.substr(0, txt.find('\n')), "ValueMismatch at byte 0: ours `2` vs fake-c `3`") << txt;
  EXPECT_NE(txt.find("options: fix=1,enc=ASCII,err=strict,pers=1\n"), std::string::npos) << txt;
  EXPECT_NE(txt.find("minimized from 9 bytes: 4e304e304e304b022e"), std::string::npos) << txt;
  std::string md = Read(report);
  EXPECT_NE(md.find("## Unexpected divergences (1)"), std::string::npos) << md;
  EXPECT_NE(md.find("### `long`"), std::string::npos) << md;
  EXPECT_NE(md.find("Disassembly:"), std::string::npos) << md;
  EXPECT_NE(md.find("first difference at canonical-text byte 0"), std::string::npos) << md;
  EXPECT_NE(md.find("| Agree                 |"), std::string::npos) << md;
  // The repro directory replays as a corpus.
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", "none", repro}), 1);
}

TEST_F(DiffRun, UsageAndSetupErrorsExit2) {
  EXPECT_EQ(RunCli({}), 2);
  EXPECT_EQ(RunCli({"--jobs", "0", dir_ / "corpus"}), 2);
  EXPECT_EQ(RunCli({"--jobs", "x", dir_ / "corpus"}), 2);
  EXPECT_EQ(RunCli({"--frobnicate", dir_ / "corpus"}), 2);
  EXPECT_EQ(RunCli({"--options", "fix=7", dir_ / "corpus"}), 2);
  EXPECT_EQ(RunCli({"--oracle", "fake-c", dir_ / "missing"}), 2);
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", "nobody=x.txt", dir_ / "corpus"}), 2);
  EXPECT_EQ(RunCli({"--oracle", "/nonexistent/python", "--timeout", "5", dir_ / "corpus"}), 2);
  Write(dir_ / "bad.txt", "a b c\n");  // whitespace in a case id
  EXPECT_EQ(RunCli({"--oracle", "fake-c", "--expected", dir_ / "bad.txt", dir_ / "corpus"}), 2);
  Write(dir_ / "empty/README.md", "nothing to diff");
  EXPECT_EQ(RunCli({"--oracle", "fake-c", dir_ / "empty"}), 2);
  EXPECT_EQ(RunCli({"--help"}), 0);
}

}  // namespace
}  // namespace picklecheck

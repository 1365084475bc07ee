// `picklecheck roundtrip` as a whole, against codec oracles registered by
// name: values from pickle files, value files and vectors, deduplication,
// generated values, exit codes (agreement, unexpected, listed, stale),
// advisory oracles, repro files, the report, --fix, --sample, usage errors.
#include "harness/roundtrip/roundtrip_cli.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/diff/diff_cli.h"
#include "harness/roundtrip/codec_oracle_testing.h"

namespace picklecheck {
namespace {

namespace fs = std::filesystem;
using testing::CodecOracle;

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

void RegisterCodecOracles() {
  static bool done = [] {
    RegisterOracle("self-c", [](const std::string& name, const OracleOptions&) {
      return std::make_unique<CodecOracle>(name, OracleImpl::kC);
    });
    RegisterOracle("self-py", [](const std::string& name, const OracleOptions&) {
      return std::make_unique<CodecOracle>(name, OracleImpl::kPython);
    });
    // Writes 7 where we write 6 at protocol 3 (a BININT1 operand).
    auto bad = [](const std::string& name, OracleImpl impl) {
      auto o = std::make_unique<CodecOracle>(name, impl);
      o->mutate_dump = [](int p, std::string& pickle) {
        if (p == 3 && pickle == std::string("\x80\x03K\x06.", 5)) pickle[3] = 7;
      };
      return o;
    };
    RegisterOracle("bad-c", [bad](const std::string& name, const OracleOptions&) { return bad(name, OracleImpl::kC); });
    RegisterOracle("bad-py", [bad](const std::string& name, const OracleOptions&) {
      return bad(name, OracleImpl::kPython);
    });
    return true;
  }();
  (void)done;
}

int RunCli(std::vector<std::string> args, std::string* out = nullptr) {
  RegisterCodecOracles();
  args.insert(args.begin(), "roundtrip");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int rc = RunRoundtrip(static_cast<int>(argv.size()), argv.data());
  std::string o = ::testing::internal::GetCapturedStdout();
  std::string e = ::testing::internal::GetCapturedStderr();
  if (out) *out = o + e;
  return rc;
}

class RoundtripRun : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("picklecheck_roundtrip_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    Write(dir_ / "corpus/six", "\x80\x02K\x06.");      // 6
    Write(dir_ / "corpus/six_again", "K\x06.");        // 6 again: one value
    Write(dir_ / "corpus/list.canonical", "[1, \"ab\"]\n");
    Write(dir_ / "corpus/bad_pickle", "K");            // rejected by the decoder: no value
    Write(dir_ / "corpus/values.tsv", "# id\ttext\nnested\t[[1], (2,)]\n");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string P(const std::string& rel) const { return (dir_ / rel).string(); }
  fs::path dir_;
};

TEST_F(RoundtripRun, AgreementPasses) {
  std::string out;
  EXPECT_EQ(RunCli({"--oracle", "self-c", "--expected", "none", "--jobs", "2", P("corpus")}, &out), 0) << out;
  EXPECT_NE(out.find("picklecheck roundtrip: 3 values (5 corpus inputs, 1 rejected by the decoder, 0 generated)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("| trans  |   108 |"), std::string::npos) << out;  // 3 values x 36 pairs
  EXPECT_NE(out.find("result: PASS"), std::string::npos) << out;
}

TEST_F(RoundtripRun, GeneratedValuesAgreeWithTheCodecItself) {
  std::string out;
  EXPECT_EQ(RunCli({"--oracle", "self-c", "--expected", "none", "--generate", "150", "--seed", "3"}, &out), 0)
      << out;
  EXPECT_NE(out.find("150 generated"), std::string::npos) << out;
}

TEST_F(RoundtripRun, AMismatchFailsUntilListedAndTheListGoesStale) {
  std::string out;
  const std::string report = P("rt.md"), repro = P("repro"), list = P("roundtrip-bad-c.txt");
  EXPECT_EQ(RunCli({"--oracle", "bad-c", "--expected", "none", "--report", report, "--repro-dir", repro,
                    P("corpus")},
                   &out),
            1)
      << out;
  EXPECT_NE(out.find("UNEXPECTED bad-c six@bytes.P3: Mismatch: bytes differ at offset 3"), std::string::npos) << out;
  std::string md = Read(report);
  EXPECT_NE(md.find("## Unexpected mismatches ("), std::string::npos) << md;
  EXPECT_NE(md.find("Disassembly diff (`-` ours, `+` bad-c)"), std::string::npos) << md;
  EXPECT_NE(md.find("-     2: K    BININT1    6"), std::string::npos) << md;
  EXPECT_NE(md.find("+     2: K    BININT1    7"), std::string::npos) << md;
  // The repro is CPython's (here: the oracle's) pickle, with the value.
  const std::string name = Sha1Hex(std::string("\x80\x03K\x07.", 5));
  EXPECT_EQ(Read(fs::path(repro) / name), std::string("\x80\x03K\x07.", 5));
  std::string txt = Read(fs::path(repro) / (name + ".txt"));
  EXPECT_NE(txt.find("\nvalue: 6\n"), std::string::npos) << txt;
  EXPECT_NE(txt.find("\nours: 80034b062e\n"), std::string::npos) << txt;

  // --fix lists every mismatch; then the run passes.
  EXPECT_EQ(RunCli({"--oracle", "bad-c", "--expected", "bad-c=" + list, "--fix", P("corpus")}), 0);
  std::string text = Read(list);
  EXPECT_NE(text.find("six@bytes.P3  # bytes.P3: Mismatch: bytes differ at offset 3"), std::string::npos) << text;
  EXPECT_EQ(RunCli({"--oracle", "bad-c", "--expected", "bad-c=" + list, P("corpus")}, &out), 0) << out;
  // Against an oracle that agrees, the entries are stale.
  EXPECT_EQ(RunCli({"--oracle", "self-c", "--expected", "self-c=" + list, P("corpus")}, &out), 1) << out;
  EXPECT_NE(out.find("STALE self-c six@bytes.P3"), std::string::npos) << out;
  // ... unless the protocols they name did not run.
  EXPECT_EQ(RunCli({"--oracle", "self-c", "--protocols", "0-2", "--expected", "self-c=" + list, P("corpus")}), 0);
}

TEST_F(RoundtripRun, ThePurePythonOracleIsAdvisory) {
  std::string out;
  EXPECT_EQ(RunCli({"--oracle", "self-c,bad-py", "--expected", "none", P("corpus")}, &out), 0) << out;
  EXPECT_NE(out.find("C/Python disagreements"), std::string::npos) << out;
  EXPECT_EQ(RunCli({"--oracle", "self-c,bad-py", "--expected", "none", "--strict-python", P("corpus")}), 1);
}

TEST_F(RoundtripRun, SampleTakesAStableSubset) {
  std::string a, b;
  EXPECT_EQ(RunCli({"--oracle", "self-c", "--expected", "none", "--generate", "60", "--sample", "0/3"}, &a), 0);
  EXPECT_EQ(RunCli({"--oracle", "self-c", "--expected", "none", "--generate", "60", "--sample", "0/3"}, &b), 0);
  auto values = [](const std::string& s) { return s.substr(0, s.find(" values")); };
  EXPECT_EQ(values(a), values(b));
  EXPECT_NE(a.find("sample 0/3"), std::string::npos) << a;
}

TEST_F(RoundtripRun, UsageAndSetupErrorsExit2) {
  EXPECT_EQ(RunCli({}), 2);
  EXPECT_EQ(RunCli({"--protocols", "0-6", P("corpus")}), 2);
  EXPECT_EQ(RunCli({"--sample", "3/3", P("corpus")}), 2);
  EXPECT_EQ(RunCli({"--generate", "x"}), 2);
  EXPECT_EQ(RunCli({"--bogus", P("corpus")}), 2);
  EXPECT_EQ(RunCli({"--oracle", "self-c", P("missing")}), 2);
  EXPECT_EQ(RunCli({"--oracle", "/nonexistent/python", "--generate", "1"}), 2);
  Write(dir_ / "empty/x.txt", "");
  EXPECT_EQ(RunCli({"--oracle", "self-c", P("empty")}), 2);
  EXPECT_EQ(RunCli({"--help"}), 0);
}

}  // namespace
}  // namespace picklecheck

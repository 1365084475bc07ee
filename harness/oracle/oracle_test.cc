// Oracle names, the registry, and the one-line descriptions reports print.
#include "harness/oracle/oracle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "harness/oracle/process_oracle.h"
#include "harness/oracle/scripted_oracle.h"

namespace picklecheck {
namespace {

TEST(MakeOracleTest, BuiltinCOracleRunsTheCUnpickler) {
  std::string why;
  std::unique_ptr<Oracle> o = MakeOracle("cpython-c", OracleOptions{}, &why);
  ASSERT_NE(o, nullptr) << why;
  EXPECT_EQ(o->name(), "cpython-c");
  EXPECT_EQ(o->impl(), OracleImpl::kC);
  auto* p = dynamic_cast<ProcessOracle*>(o.get());
  ASSERT_NE(p, nullptr);
  const std::vector<std::string>& argv = p->command_line();
  ASSERT_GE(argv.size(), 7u);
  EXPECT_EQ(argv[1], "-I");
  EXPECT_EQ(argv[2], "-S");
  EXPECT_EQ(argv[3], "-B");
  EXPECT_EQ(argv[5], "--impl");
  EXPECT_EQ(argv[6], "c");
  EXPECT_EQ(p->pid(), -1) << "made, not started";
}

TEST(MakeOracleTest, BuiltinPythonOracleRunsThePurePythonUnpickler) {
  std::unique_ptr<Oracle> o = MakeOracle("cpython-py", OracleOptions{});
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->impl(), OracleImpl::kPython);
  EXPECT_EQ(dynamic_cast<ProcessOracle*>(o.get())->command_line()[6], "python");
}

TEST(MakeOracleTest, InterpreterPathWithImpl) {
  const std::string path = "/root/.pyenv/versions/3.8.18/bin/python";
  for (const auto& [suffix, impl] :
       std::vector<std::pair<std::string, OracleImpl>>{{":c", OracleImpl::kC},
                                                       {":python", OracleImpl::kPython},
                                                       {":py", OracleImpl::kPython}}) {
    std::unique_ptr<Oracle> o = MakeOracle(path + suffix, OracleOptions{});
    ASSERT_NE(o, nullptr) << suffix;
    EXPECT_EQ(o->name(), path + suffix);
    EXPECT_EQ(o->impl(), impl);
    EXPECT_EQ(dynamic_cast<ProcessOracle*>(o.get())->command_line()[0], path);
  }
}

TEST(MakeOracleTest, InterpreterPathMayContainColons) {
  std::unique_ptr<Oracle> o = MakeOracle("/opt/a:b/python:c", OracleOptions{});
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(dynamic_cast<ProcessOracle*>(o.get())->command_line()[0], "/opt/a:b/python");
}

TEST(MakeOracleTest, UnknownNameListsTheKnownOnes) {
  std::string why;
  EXPECT_EQ(MakeOracle("cpython-rust", OracleOptions{}, &why), nullptr);
  EXPECT_NE(why.find("unknown oracle \"cpython-rust\""), std::string::npos) << why;
  EXPECT_NE(why.find("cpython-c"), std::string::npos) << why;
  EXPECT_NE(why.find("cpython-py"), std::string::npos) << why;
}

TEST(MakeOracleTest, UnknownImplSuffixIsRefused) {
  EXPECT_EQ(MakeOracle("/usr/bin/python3:java", OracleOptions{}), nullptr);
}

TEST(MakeOracleTest, EmptyInterpreterIsRefused) {
  EXPECT_EQ(MakeOracle(":c", OracleOptions{}), nullptr);
}

TEST(MakeOracleTest, LimitsAndExtraArgsReachTheCommandLine) {
  OracleOptions options;
  options.python = "/usr/bin/python3";
  options.script = "/x/oracle.py";
  options.max_memory_mb = 512;
  options.cpu_seconds = 7;
  options.extra_args = {"--flag"};
  std::unique_ptr<Oracle> o = MakeOracle("cpython-c", options);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(
      dynamic_cast<ProcessOracle*>(o.get())->command_line(),
      (std::vector<std::string>{"/usr/bin/python3", "-I", "-S", "-B", "/x/oracle.py", "--impl", "c",
                                "--max-memory-mb", "512", "--cpu-seconds", "7", "--flag"}));
}

TEST(RegisterOracleTest, AddsAName) {
  RegisterOracle("scripted-for-test", [](const std::string& name, const OracleOptions&) {
    return std::make_unique<testing::ScriptedOracle>(name, OracleImpl::kOther);
  });
  std::unique_ptr<Oracle> o = MakeOracle("scripted-for-test", OracleOptions{});
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->name(), "scripted-for-test");
  EXPECT_NE(dynamic_cast<testing::ScriptedOracle*>(o.get()), nullptr);
  std::vector<std::string> names = RegisteredOracleNames();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "scripted-for-test"), names.end());
}

TEST(DefaultsTest, OptionsWinOverEnvironment) {
  OracleOptions options;
  options.python = "/my/python";
  options.script = "/my/oracle.py";
  EXPECT_EQ(DefaultPython(options), "/my/python");
  EXPECT_EQ(DefaultOracleScript(options), "/my/oracle.py");
}

TEST(DefaultsTest, ScriptComesFromTheSourceDir) {
  const char* old_script = std::getenv("PICKLECHECK_ORACLE_SCRIPT");
  if (old_script != nullptr) GTEST_SKIP() << "PICKLECHECK_ORACLE_SCRIPT is set";
  const char* old_dir = std::getenv("PICKLECHECK_SOURCE_DIR");
  std::string saved = old_dir ? old_dir : "";
  ::setenv("PICKLECHECK_SOURCE_DIR", "/src", 1);
  EXPECT_EQ(DefaultOracleScript(OracleOptions{}), "/src/oracles/pickle_oracle.py");
  if (old_dir)
    ::setenv("PICKLECHECK_SOURCE_DIR", saved.c_str(), 1);
  else
    ::unsetenv("PICKLECHECK_SOURCE_DIR");
}

TEST(DescribeOracleTest, NamesInterpreterVersionAndImpl) {
  OracleInfo info;
  info.name = "cpython-c";
  info.impl = OracleImpl::kC;
  info.command = "python3";
  info.executable = "/usr/bin/python3.11";
  info.version = "3.11.2 (main, Mar 13 2023)\n[GCC 12.2.0]";
  info.implementation = "cpython";
  info.pid = 12;
  info.started = true;
  EXPECT_EQ(DescribeOracle(info),
            "cpython-c: /usr/bin/python3.11 3.11.2 (main, Mar 13 2023) [GCC 12.2.0] (impl c, "
            "cpython, pid 12)");
}

TEST(DescribeOracleTest, SaysWhyItDidNotStart) {
  OracleInfo info;
  info.name = "cpython-py";
  info.command = "/nope/python";
  info.error = {OracleErrorKind::kSpawnFailed, "cannot start /nope/python", {}};
  EXPECT_EQ(DescribeOracle(info),
            "cpython-py: /nope/python (not started: SpawnFailed: cannot start /nope/python)");
}

TEST(NamesTest, EveryEnumeratorHasAName) {
  EXPECT_EQ(OracleImplName(OracleImpl::kC), "c");
  EXPECT_EQ(OracleImplName(OracleImpl::kPython), "python");
  EXPECT_EQ(OutcomeKindName(OutcomeKind::kAccepted), "Accepted");
  EXPECT_EQ(OutcomeKindName(OutcomeKind::kRejected), "Rejected");
  EXPECT_EQ(OutcomeKindName(OutcomeKind::kResourceLimit), "ResourceLimit");
  EXPECT_EQ(OutcomeKindName(OutcomeKind::kUnrepresentable), "Unrepresentable");
  EXPECT_EQ(OutcomeKindName(OutcomeKind::kTimeout), "Timeout");
  EXPECT_EQ(OutcomeKindName(OutcomeKind::kOracleFailure), "OracleFailure");
  EXPECT_EQ(OracleErrorKindName(OracleErrorKind::kCrashed), "Crashed");
  EXPECT_EQ(OracleErrorKindName(OracleErrorKind::kBadFrame), "BadFrame");
  EXPECT_EQ(OracleErrorKindName(OracleErrorKind::kBadResponse), "BadResponse");
  EXPECT_EQ(OracleErrorKindName(OracleErrorKind::kInternal), "Internal");
}

}  // namespace
}  // namespace picklecheck

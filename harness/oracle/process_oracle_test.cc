// Fault injection: ProcessOracle against testdata/fake_oracle.py, which
// crashes, hangs, writes garbage or runs out of memory on command. Each test
// checks that the outcome kinds stay distinct, that the client restarts and
// retries exactly once, and that the process it leaves behind is usable.
#include "harness/oracle/process_oracle.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness/testing/pickle_testing.h"

namespace picklecheck {
namespace {

using std::chrono::milliseconds;

uint32_t Crc32(std::string_view data) {
  uint32_t crc = 0xffffffffu;
  for (char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

bool ProcessGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

class ProcessOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/picklecheck-oracle-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    options_.python = DefaultPython(OracleOptions{});
    options_.script = testing::SourcePath("harness/oracle/testdata/fake_oracle.py");
    options_.timeout = milliseconds(5000);
    options_.start_timeout = milliseconds(20000);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ProcessOracle> Make(OracleImpl impl = OracleImpl::kC) {
    return std::make_unique<ProcessOracle>("fake", impl, options_);
  }
  std::string Marker(const std::string& name) { return dir_ + "/" + name; }
  pid_t PidOf(ProcessOracle& oracle) {
    OracleOutcome out = oracle.Load("pid");
    EXPECT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
    return static_cast<pid_t>(std::stol(out.value));
  }

  std::string dir_;
  OracleOptions options_;
};

TEST_F(ProcessOracleTest, StartsLazilyAndReportsTheHandshake) {
  auto oracle = Make();
  EXPECT_EQ(oracle->pid(), -1);
  EXPECT_EQ(oracle->starts(), 0);
  OracleInfo info = oracle->Info();
  ASSERT_TRUE(info.started) << info.error.message << "\n" << info.error.stderr_tail;
  EXPECT_EQ(oracle->starts(), 1);
  EXPECT_GT(oracle->pid(), 0);
  EXPECT_EQ(info.pid, oracle->pid());
  EXPECT_EQ(info.name, "fake");
  EXPECT_EQ(info.impl, OracleImpl::kC);
  EXPECT_FALSE(info.executable.empty());
  EXPECT_FALSE(info.version.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(info.version[0]))) << info.version;
  EXPECT_EQ(info.implementation, "cpython");
  EXPECT_EQ(info.protocol, 5);
  EXPECT_NE(DescribeOracle(info).find(info.executable), std::string::npos);
}

TEST_F(ProcessOracleTest, ReusesOneProcessForEveryRequest) {
  auto oracle = Make();
  pid_t first = PidOf(*oracle);
  for (int k = 0; k < 20; ++k) {
    OracleOutcome out = oracle->Load("K\x01.");
    ASSERT_EQ(out.kind, OutcomeKind::kAccepted);
    EXPECT_EQ(out.attempts, 1);
  }
  EXPECT_EQ(PidOf(*oracle), first);
  EXPECT_EQ(oracle->starts(), 1);
}

TEST_F(ProcessOracleTest, SendsEveryLoadOption) {
  auto oracle = Make();
  DecodeOptions o;
  o.fix_imports = false;
  o.encoding = "latin1";
  o.errors = "bytes";
  o.buffers = std::vector<OobBuffer>{{"abc", true}, {"", false}};
  OracleOutcome out = oracle->Load("K\x01.", o);
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.value, "flags=6 enc=latin1 err=bytes bufs=[1:3:" + Hex8(Crc32("abc")) +
                           ",0:0:00000000] len=3 crc=" + Hex8(Crc32("K\x01.")));
  out = oracle->Load("K\x01.", DecodeOptions{});
  EXPECT_EQ(out.value, "flags=3 enc=ASCII err=strict bufs=None len=3 crc=" + Hex8(Crc32("K\x01.")));
}

TEST_F(ProcessOracleTest, LargeRequestsAndResponsesRoundTrip) {
  auto oracle = Make();
  std::string pickle(3 << 20, '\0');
  for (size_t k = 0; k < pickle.size(); ++k) pickle[k] = static_cast<char>(k * 7 + (k >> 11));
  OracleOutcome out = oracle->Load(pickle);
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.value, "flags=3 enc=ASCII err=strict bufs=None len=" +
                           std::to_string(pickle.size()) + " crc=" + Hex8(Crc32(pickle)));
  out = oracle->Load("big:5000000");
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.value, std::string(5000000, 'x'));
  // The buffer grown for the large frame serves small ones as before.
  EXPECT_EQ(oracle->Load("big:3").value, "xxx");
  EXPECT_EQ(oracle->starts(), 1);
}

TEST_F(ProcessOracleTest, RejectionIsAnAnswerNotAFailure) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("reject");
  EXPECT_EQ(out.kind, OutcomeKind::kRejected);
  EXPECT_EQ(out.exception, "ValueError");
  EXPECT_EQ(out.message, "fake rejection");
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kNone);
  EXPECT_EQ(oracle->starts(), 1);
}

TEST_F(ProcessOracleTest, CrashIsRetriedOnceThenReported) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("crash");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kCrashed);
  EXPECT_EQ(out.attempts, 2);
  EXPECT_NE(out.error.message.find("exited with status 3"), std::string::npos) << out.error.message;
  EXPECT_EQ(oracle->starts(), 2);
  EXPECT_EQ(oracle->pid(), -1) << "the failed process is gone, the next one starts on demand";
  // The next request gets a fresh process.
  OracleOutcome next = oracle->Load("K\x01.");
  EXPECT_EQ(next.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(next.attempts, 1);
  EXPECT_EQ(oracle->starts(), 3);
}

TEST_F(ProcessOracleTest, CrashOnceRecoversOnTheRetry) {
  auto oracle = Make();
  pid_t before = PidOf(*oracle);
  OracleOutcome out = oracle->Load("crash-once:" + Marker("crash"));
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.attempts, 2);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kCrashed) << "the retry's cause is kept";
  EXPECT_EQ(oracle->starts(), 2);
  EXPECT_NE(PidOf(*oracle), before);
  EXPECT_TRUE(ProcessGone(before));
}

TEST_F(ProcessOracleTest, DeathBySignalIsNamed) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("segv");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kCrashed);
  EXPECT_NE(out.error.message.find("killed by signal 11 (SIGSEGV)"), std::string::npos)
      << out.error.message;
}

TEST_F(ProcessOracleTest, CrashReportsTheTailOfStderr) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("stderr-crash");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kCrashed);
  EXPECT_NE(out.error.message.find("exited with status 4"), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.stderr_tail.find("fake oracle: dying on purpose"), std::string::npos)
      << out.error.stderr_tail;
}

TEST_F(ProcessOracleTest, HangTimesOutKillsAndRetriesOnce) {
  options_.timeout = milliseconds(300);
  auto oracle = Make();
  pid_t first = PidOf(*oracle);
  auto start = std::chrono::steady_clock::now();
  OracleOutcome out = oracle->Load("hang");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.kind, OutcomeKind::kTimeout);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kTimeout);
  EXPECT_EQ(out.attempts, 2);
  EXPECT_NE(out.error.message.find("within 300 ms"), std::string::npos) << out.error.message;
  EXPECT_GE(elapsed, milliseconds(600));
  EXPECT_LT(elapsed, milliseconds(15000));
  EXPECT_TRUE(ProcessGone(first)) << "a hung oracle is killed, not abandoned";
  EXPECT_EQ(oracle->pid(), -1);
  EXPECT_EQ(oracle->Load("K\x01.").kind, OutcomeKind::kAccepted);
}

TEST_F(ProcessOracleTest, HangOnceRecoversOnTheRetry) {
  options_.timeout = milliseconds(300);
  auto oracle = Make();
  OracleOutcome out = oracle->Load("hang-once:" + Marker("hang"));
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.attempts, 2);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kTimeout);
}

TEST_F(ProcessOracleTest, CpuLimitDeathIsATimeout) {
  options_.cpu_seconds = 1;
  auto oracle = Make();
  OracleOutcome out = oracle->Load("spin");
  EXPECT_EQ(out.kind, OutcomeKind::kTimeout);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kTimeout);
  EXPECT_EQ(out.attempts, 2);
  EXPECT_NE(out.error.message.find("SIGXCPU"), std::string::npos) << out.error.message;
  EXPECT_NE(out.error.message.find("CPU-time limit"), std::string::npos) << out.error.message;
}

TEST_F(ProcessOracleTest, ClosedStdoutWithoutExitIsACrash) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("close-stdout");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kCrashed);
  EXPECT_NE(out.error.message.find("did not exit; killed"), std::string::npos) << out.error.message;
}

TEST_F(ProcessOracleTest, OversizedLengthPrefixIsBadFrame) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("garbage-length");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadFrame);
  EXPECT_EQ(out.attempts, 2);
  EXPECT_NE(out.error.message.find("4294967295"), std::string::npos) << out.error.message;
  EXPECT_EQ(oracle->pid(), -1);
}

TEST_F(ProcessOracleTest, FrameOverTheConfiguredCapIsBadFrame) {
  options_.max_frame_bytes = 1 << 20;
  auto oracle = Make();
  OracleOutcome ok = oracle->Load("big:500000");
  ASSERT_EQ(ok.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(ok.value.size(), 500000u);
  OracleOutcome out = oracle->Load("big:2000000");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadFrame);
}

TEST_F(ProcessOracleTest, RequestOverTheCapIsNotSent) {
  options_.max_frame_bytes = 1000;
  auto oracle = Make();
  OracleOutcome out = oracle->Load(std::string(2000, 'x'));
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadRequest);
  EXPECT_EQ(out.attempts, 0);
  EXPECT_EQ(oracle->starts(), 0);
}

TEST_F(ProcessOracleTest, UnknownResponseTypeIsBadResponse) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("garbage-type");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadResponse);
  EXPECT_EQ(out.attempts, 2);
  EXPECT_EQ(oracle->starts(), 2);
}

TEST_F(ProcessOracleTest, EmptyFrameIsBadResponse) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("garbage-empty");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ProcessOracleTest, BytesAfterTheFrameAreBadFrame) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("garbage-trailing");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadFrame);
  EXPECT_NE(out.error.message.find("\"junk\""), std::string::npos) << out.error.message;
}

TEST_F(ProcessOracleTest, TruncatedFrameIsACrash) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("garbage-truncated");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kCrashed);
  EXPECT_NE(out.error.message.find("after 7 of 104 bytes"), std::string::npos) << out.error.message;
}

TEST_F(ProcessOracleTest, AnswerOfTheWrongTypeIsBadResponse) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("wrong-type");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadResponse);
  EXPECT_NE(out.error.message.find("does not answer request 'L'"), std::string::npos)
      << out.error.message;
}

TEST_F(ProcessOracleTest, MalformedRejectionIsBadResponse) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("malformed-error");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ProcessOracleTest, InternalFailureIsRetriedThenReported) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("internal");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kInternal);
  EXPECT_EQ(out.attempts, 2);
  EXPECT_NE(out.error.message.find("fake oracle: internal failure"), std::string::npos);
  OracleOutcome once = oracle->Load("internal-once:" + Marker("internal"));
  EXPECT_EQ(once.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(once.attempts, 2);
  EXPECT_EQ(once.error.kind, OracleErrorKind::kInternal);
}

TEST_F(ProcessOracleTest, MemoryErrorIsAResourceLimitWithoutRestart) {
  options_.max_memory_mb = 512;
  auto oracle = Make();
  pid_t first = PidOf(*oracle);
  OracleOutcome out = oracle->Load("memory");
  EXPECT_EQ(out.kind, OutcomeKind::kResourceLimit);
  EXPECT_EQ(out.exception, "MemoryError");
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(PidOf(*oracle), first);
  EXPECT_EQ(oracle->starts(), 1);
}

TEST_F(ProcessOracleTest, RecursionErrorIsAResourceLimit) {
  auto oracle = Make();
  OracleOutcome out = oracle->Load("recursion");
  EXPECT_EQ(out.kind, OutcomeKind::kResourceLimit);
  EXPECT_EQ(out.exception, "RecursionError");
  EXPECT_NE(out.message.find("recursion"), std::string::npos) << out.message;
  EXPECT_EQ(out.attempts, 1);
}

TEST_F(ProcessOracleTest, StderrFloodCannotBlockTheChild) {
  options_.timeout = milliseconds(5000);
  auto oracle = Make();
  // 4 MiB is far beyond a pipe's 64 KiB: without draining the child blocks.
  OracleOutcome out = oracle->Load("stderr:4194304");
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.value, "ok");
}

TEST_F(ProcessOracleTest, StderrIsAppendedToTheLog) {
  options_.stderr_log = Marker("stderr.log");
  auto oracle = Make();
  ASSERT_EQ(oracle->Load("stderr:10").kind, OutcomeKind::kAccepted);
  ASSERT_EQ(oracle->Load("K\x01.").kind, OutcomeKind::kAccepted);  // drains the rest
  std::string log;
  ASSERT_TRUE(testing::ReadFile(options_.stderr_log, log));
  EXPECT_NE(log.find("== picklecheck: fake started pid"), std::string::npos) << log;
  EXPECT_NE(log.find("eeeeeeeeee"), std::string::npos) << log;
}

TEST_F(ProcessOracleTest, ChildInheritsOnlyStandardStreams) {
  // A descriptor without O_CLOEXEC, as another part of the harness might hold.
  int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  auto oracle = Make();
  OracleOutcome out = oracle->Load("fds");
  ::close(leaky);
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.value, "0 1 2");
}

TEST_F(ProcessOracleTest, KilledBetweenRequestsIsRestartedTransparently) {
  auto oracle = Make();
  pid_t first = PidOf(*oracle);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  OracleOutcome out = oracle->Load("pid");
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.attempts, 2);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kCrashed);
  EXPECT_NE(std::stol(out.value), first);
}

TEST_F(ProcessOracleTest, NoRetriesMeansOneAttempt) {
  options_.retries = 0;
  auto oracle = Make();
  OracleOutcome out = oracle->Load("crash-once:" + Marker("crash0"));
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(oracle->starts(), 1);
}

TEST_F(ProcessOracleTest, MissingInterpreterIsSpawnFailure) {
  options_.python = "/nonexistent/python3";
  auto oracle = Make();
  OracleOutcome out = oracle->Load("K\x01.");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_EQ(out.attempts, 2);
  OracleInfo info = oracle->Info();
  EXPECT_FALSE(info.started);
  EXPECT_EQ(info.error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(DescribeOracle(info).find("not started"), std::string::npos);
}

TEST_F(ProcessOracleTest, InterpreterNotOnPathIsSpawnFailure) {
  options_.python = "no-such-python-anywhere";
  auto oracle = Make();
  OracleError error;
  EXPECT_FALSE(oracle->Start(&error));
  EXPECT_EQ(error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(error.message.find("not found on PATH"), std::string::npos) << error.message;
}

TEST_F(ProcessOracleTest, MissingScriptIsSpawnFailureWithPythonsMessage) {
  options_.script = dir_ + "/missing.py";
  auto oracle = Make();
  OracleError error;
  EXPECT_FALSE(oracle->Start(&error));
  EXPECT_EQ(error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(error.message.find("handshake: Crashed"), std::string::npos) << error.message;
  EXPECT_NE(error.stderr_tail.find("missing.py"), std::string::npos) << error.stderr_tail;
  EXPECT_EQ(oracle->pid(), -1);
}

TEST_F(ProcessOracleTest, HandshakeThatIsNotJsonIsSpawnFailure) {
  options_.extra_args = {"--hello", "bad-json"};
  auto oracle = Make();
  OracleError error;
  EXPECT_FALSE(oracle->Start(&error));
  EXPECT_EQ(error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(error.message.find("handshake JSON malformed"), std::string::npos) << error.message;
  EXPECT_EQ(oracle->pid(), -1) << "a process with a bad handshake is killed";
}

TEST_F(ProcessOracleTest, HandshakeWithTheWrongImplIsSpawnFailure) {
  options_.extra_args = {"--hello", "wrong-impl"};
  auto oracle = Make(OracleImpl::kPython);
  OracleOutcome out = oracle->Load("K\x01.");
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(out.error.message.find("expected \"python\""), std::string::npos) << out.error.message;
}

TEST_F(ProcessOracleTest, HandshakeWithoutImplIsSpawnFailure) {
  options_.extra_args = {"--hello", "no-impl"};
  auto oracle = Make();
  OracleError error;
  EXPECT_FALSE(oracle->Start(&error));
  EXPECT_NE(error.message.find("no \"impl\""), std::string::npos) << error.message;
}

TEST_F(ProcessOracleTest, ExitDuringHandshakeIsSpawnFailure) {
  options_.extra_args = {"--hello", "exit"};
  auto oracle = Make();
  OracleError error;
  EXPECT_FALSE(oracle->Start(&error));
  EXPECT_EQ(error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(error.message.find("exited with status 5"), std::string::npos) << error.message;
}

TEST_F(ProcessOracleTest, HungHandshakeIsSpawnFailureAfterTheStartTimeout) {
  options_.extra_args = {"--hello", "hang"};
  options_.start_timeout = milliseconds(1500);
  auto oracle = Make();
  OracleError error;
  EXPECT_FALSE(oracle->Start(&error));
  EXPECT_EQ(error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(error.message.find("handshake: Timeout"), std::string::npos) << error.message;
}

TEST_F(ProcessOracleTest, GarbageHandshakeIsSpawnFailure) {
  options_.extra_args = {"--hello", "garbage"};
  auto oracle = Make();
  OracleError error;
  EXPECT_FALSE(oracle->Start(&error));
  EXPECT_EQ(error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_NE(error.message.find("handshake: BadFrame"), std::string::npos) << error.message;
}

TEST_F(ProcessOracleTest, CommandLineCarriesImplAndLimits) {
  options_.max_memory_mb = 300;
  options_.cpu_seconds = 9;
  auto oracle = Make(OracleImpl::kPython);
  OracleOutcome out = oracle->Load("argv");
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(out.value, "--impl python --max-memory-mb 300 --cpu-seconds 9");
}

TEST_F(ProcessOracleTest, DumpReturnsPickleAndBuffers) {
  auto oracle = Make();
  DumpOptions o;
  o.protocol = 5;
  o.out_of_band = true;
  OracleOutcome out = oracle->Dump("[1]", o);
  ASSERT_EQ(out.kind, OutcomeKind::kAccepted) << out.error.message;
  EXPECT_EQ(out.value, "[1]");
  ASSERT_EQ(out.buffers.size(), 1u);
  EXPECT_EQ(out.buffers[0].data, "oob");
  EXPECT_FALSE(out.buffers[0].readonly);
  OracleOutcome no_oob = oracle->Dump("[1]", DumpOptions{});
  EXPECT_TRUE(no_oob.buffers.empty());
}

TEST_F(ProcessOracleTest, DumpOfUnrepresentableText) {
  auto oracle = Make();
  OracleOutcome out = oracle->Dump("unrepresentable");
  EXPECT_EQ(out.kind, OutcomeKind::kUnrepresentable);
  EXPECT_EQ(out.message, "cannot represent that");
}

TEST_F(ProcessOracleTest, PingRoundTrips) {
  auto oracle = Make();
  OracleOutcome out = oracle->Ping();
  EXPECT_EQ(out.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(out.attempts, 1);
}

TEST_F(ProcessOracleTest, StopEndsTheProcessAndTheNextRequestStartsAnother) {
  auto oracle = Make();
  pid_t first = PidOf(*oracle);
  oracle->Stop();
  EXPECT_EQ(oracle->pid(), -1);
  EXPECT_TRUE(ProcessGone(first));
  EXPECT_NE(PidOf(*oracle), first);
  EXPECT_EQ(oracle->starts(), 2);
}

TEST_F(ProcessOracleTest, DestructorEndsTheProcess) {
  pid_t pid = -1;
  {
    auto oracle = Make();
    pid = PidOf(*oracle);
  }
  EXPECT_TRUE(ProcessGone(pid));
}

TEST_F(ProcessOracleTest, DestructorKillsAHungProcess) {
  options_.timeout = milliseconds(60000);
  options_.retries = 0;
  pid_t pid = -1;
  {
    auto oracle = Make();
    pid = PidOf(*oracle);
    oracle->Stop(milliseconds(1));  // idle: 'Q' within 1 ms or a kill, either ends it
  }
  EXPECT_TRUE(ProcessGone(pid));
}

TEST_F(ProcessOracleTest, OutcomeObjectIsFullyOverwritten) {
  auto oracle = Make();
  OracleOutcome out;
  oracle->Load("reject", DecodeOptions{}, out);
  ASSERT_EQ(out.kind, OutcomeKind::kRejected);
  oracle->Load("big:2", DecodeOptions{}, out);
  EXPECT_EQ(out.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(out.value, "xx");
  EXPECT_EQ(out.exception, "");
  EXPECT_EQ(out.message, "");
  oracle->Load("crash", DecodeOptions{}, out);
  EXPECT_EQ(out.kind, OutcomeKind::kOracleFailure);
  EXPECT_EQ(out.value, "");
}

}  // namespace
}  // namespace picklecheck

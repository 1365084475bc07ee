// Differential-check throughput (Google Benchmark).
//
//   BM_OracleRoundTrip/cpython_c        'P' ping round trips: the protocol's floor
//   BM_OracleRoundTrip/bare_python_loop the same against testdata/fake_oracle.py,
//                                       a plain Python read/write loop
//   BM_OracleLoad/cpython_c|cpython_py  'L' of a small CPython-written pickle
//   BM_DecodeOnly                       the C++ side of a check: Decode + canonical text
//   BM_DiffCheck/c                      Decode + C oracle load + compare: one check
//   BM_DiffCheck/c_and_py               the same with the pure-Python oracle as well
//   BM_DiffCheckPool/threads:N          N workers, each leasing its own C oracle process
//
// Inputs cycle through eight small pickles (protocols 0-5, 4-33 bytes).
// items_per_second is checks (or round trips) per wall-clock second;
// per_cpu_s is the same per CPU-second of this thread plus its oracle
// processes, i.e. per core, which stays meaningful on a loaded machine. Every run names the
// interpreter and version of each oracle in its context ("oracle.cpython-c").
//
//   build-bench/bin/oracle_bench --benchmark_repetitions=9 \
//       --benchmark_report_aggregates_only=true --benchmark_format=json
//
// The oracle script is oracles/pickle_oracle.py under $PICKLECHECK_SOURCE_DIR
// (else the source tree this was built from); the interpreter is
// $PICKLECHECK_PYTHON, else python3.
#include <benchmark/benchmark.h>
#include <sys/types.h>
#include <time.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "harness/diff/diff.h"
#include "harness/oracle/oracle_pool.h"
#include "harness/oracle/process_oracle.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/decoder.h"

namespace {

using picklecheck::Oracle;
using picklecheck::OracleImpl;
using picklecheck::OracleOptions;
using picklecheck::OracleOutcome;
using picklecheck::OutcomeKind;
using picklecheck::ProcessOracle;

#ifndef PICKLECHECK_BENCH_SOURCE_DIR
#define PICKLECHECK_BENCH_SOURCE_DIR "."
#endif

// pickle.dumps of: 1 (p4), [1, 'a', 2.5, None] (p4), {'k': [1, 2]} (p2),
// (1, b'xy') (p3), 'hello' (p0), True (p5), [(1, 2), {3}] (p4),
// {'a': 1, 'b': 2.0} (p1).
const std::vector<std::string>& SmallPickles() {
  static const std::vector<std::string> pickles = {
      std::string("\x80\x04\x4b\x01\x2e", 5),
      std::string(
          "\x80\x04\x95\x15\x00\x00\x00\x00\x00\x00\x00\x5d\x94\x28\x4b\x01\x8c\x01\x61\x94\x47\x40"
          "\x04\x00\x00\x00\x00\x00\x00\x4e\x65\x2e",
          32),
      std::string(
          "\x80\x02\x7d\x71\x00\x58\x01\x00\x00\x00\x6b\x71\x01\x5d\x71\x02\x28\x4b\x01\x4b\x02\x65"
          "\x73\x2e",
          24),
      std::string("\x80\x03\x4b\x01\x43\x02\x78\x79\x71\x00\x86\x71\x01\x2e", 14),
      std::string("\x56\x68\x65\x6c\x6c\x6f\x0a\x70\x30\x0a\x2e", 11),
      std::string("\x80\x05\x88\x2e", 4),
      std::string(
          "\x80\x04\x95\x11\x00\x00\x00\x00\x00\x00\x00\x5d\x94\x28\x4b\x01\x4b\x02\x86\x94\x8f\x94"
          "\x28\x4b\x03\x90\x65\x2e",
          28),
      std::string(
          "\x7d\x71\x00\x28\x58\x01\x00\x00\x00\x61\x71\x01\x4b\x01\x58\x01\x00\x00\x00\x62\x71\x02"
          "\x47\x40\x00\x00\x00\x00\x00\x00\x00\x75\x2e",
          33),
  };
  return pickles;
}

std::string SourceDir() {
  const char* env = std::getenv("PICKLECHECK_SOURCE_DIR");
  return env && *env ? env : PICKLECHECK_BENCH_SOURCE_DIR;
}

OracleOptions BenchOptions(const std::string& script) {
  OracleOptions options;
  options.script = script;
  return options;
}

std::string OracleScript() { return SourceDir() + "/oracles/pickle_oracle.py"; }
std::string FakeScript() { return SourceDir() + "/harness/oracle/testdata/fake_oracle.py"; }

// One long-lived process per (script, impl), started on first use and
// named in the benchmark context.
ProcessOracle* SharedOracle(const std::string& script, OracleImpl impl, const std::string& name) {
  static std::vector<std::unique_ptr<ProcessOracle>> oracles;
  for (auto& o : oracles) {
    if (o->name() == name) return o.get();
  }
  if (!std::filesystem::exists(script)) return nullptr;
  oracles.push_back(std::make_unique<ProcessOracle>(name, impl, BenchOptions(script)));
  ProcessOracle* o = oracles.back().get();
  picklecheck::OracleInfo info = o->Info();
  benchmark::AddCustomContext("oracle." + name, picklecheck::DescribeOracle(info));
  return info.started ? o : nullptr;
}

ProcessOracle* COracle() { return SharedOracle(OracleScript(), OracleImpl::kC, "cpython-c"); }
ProcessOracle* PyOracle() {
  return SharedOracle(OracleScript(), OracleImpl::kPython, "cpython-py");
}

void SetRate(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

// CPU time of the calling thread plus that of the oracle processes it talks
// to: a check's cost in core-seconds, whatever else the machine is running.
// (Wall-clock rates of a pipe ping-pong collapse when other work competes for
// the cores; CPU time does not.)
class CpuMeter {
 public:
  explicit CpuMeter(std::vector<pid_t> oracles) : oracles_(std::move(oracles)) { start_ = Now(); }
  // Sets counter "per_cpu_s": iterations per CPU-second (averaged over threads).
  void Report(benchmark::State& state) const {
    double seconds = static_cast<double>(Now() - start_) / 1e9;
    if (seconds > 0) {
      state.counters["per_cpu_s"] = benchmark::Counter(
          static_cast<double>(state.iterations()) / seconds, benchmark::Counter::kAvgThreads);
    }
  }

 private:
  uint64_t Now() const {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    uint64_t total =
        static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
    for (pid_t pid : oracles_) {
      // First field of schedstat: nanoseconds on a CPU (the oracle is one thread).
      std::ifstream f("/proc/" + std::to_string(pid) + "/schedstat");
      uint64_t ns = 0;
      if (f >> ns) total += ns;
    }
    return total;
  }
  std::vector<pid_t> oracles_;
  uint64_t start_ = 0;
};

pid_t PidOf(Oracle* oracle) {
  auto* p = dynamic_cast<ProcessOracle*>(oracle);
  return p ? p->pid() : -1;
}

void BM_OracleRoundTrip(benchmark::State& state, ProcessOracle* (*get)()) {
  ProcessOracle* oracle = get();
  if (oracle == nullptr) {
    state.SkipWithError("oracle unavailable (see context)");
    return;
  }
  OracleOutcome out;
  CpuMeter cpu({oracle->pid()});
  for (auto _ : state) {
    oracle->Ping(out);
    if (out.kind != OutcomeKind::kAccepted) {
      state.SkipWithError("ping failed");
      break;
    }
  }
  cpu.Report(state);
  SetRate(state);
}

void BM_OracleLoad(benchmark::State& state, ProcessOracle* (*get)()) {
  ProcessOracle* oracle = get();
  if (oracle == nullptr) {
    state.SkipWithError("oracle unavailable (see context)");
    return;
  }
  const auto& pickles = SmallPickles();
  const picklecheck::DecodeOptions options;
  OracleOutcome out;
  size_t k = 0;
  CpuMeter cpu({oracle->pid()});
  for (auto _ : state) {
    oracle->Load(pickles[k], options, out);
    if (out.kind != OutcomeKind::kAccepted) {
      state.SkipWithError("load was not accepted");
      break;
    }
    k = (k + 1) % pickles.size();
  }
  cpu.Report(state);
  SetRate(state);
}

void BM_DecodeOnly(benchmark::State& state) {
  const auto& pickles = SmallPickles();
  std::string text;
  size_t k = 0;
  CpuMeter cpu({});
  for (auto _ : state) {
    picklecheck::Result<picklecheck::Document> doc = picklecheck::Decode(pickles[k]);
    text.clear();
    if (doc.ok()) picklecheck::AppendCanonical(doc->root(), text);
    benchmark::DoNotOptimize(text.data());
    k = (k + 1) % pickles.size();
  }
  cpu.Report(state);
  SetRate(state);
}

void BM_DiffCheck(benchmark::State& state, bool with_python) {
  std::vector<Oracle*> oracles = {COracle()};
  if (with_python) oracles.push_back(PyOracle());
  for (Oracle* o : oracles) {
    if (o == nullptr) {
      state.SkipWithError("oracle unavailable (see context)");
      return;
    }
  }
  const auto& pickles = SmallPickles();
  const picklecheck::DecodeOptions options;
  picklecheck::Verdict verdict;
  size_t k = 0;
  std::vector<pid_t> pids;
  for (Oracle* o : oracles) pids.push_back(PidOf(o));
  CpuMeter cpu(pids);
  for (auto _ : state) {
    picklecheck::Diff(pickles[k], options, oracles, verdict);
    if (verdict.kind != picklecheck::VerdictKind::kAgree) {
      std::cerr << verdict.Report();
      state.SkipWithError("a small pickle did not agree");
      break;
    }
    k = (k + 1) % pickles.size();
  }
  cpu.Report(state);
  SetRate(state);
}

std::unique_ptr<picklecheck::OraclePool> MakePool() {
  if (!std::filesystem::exists(OracleScript())) return nullptr;
  std::string why;
  auto pool = picklecheck::OraclePool::Make("cpython-c", 4, BenchOptions(OracleScript()), &why);
  picklecheck::OracleError error;
  if (pool && !pool->StartAll(&error)) return nullptr;
  return pool;
}

// Each benchmark thread leases its own C oracle process from the pool.
void BM_DiffCheckPool(benchmark::State& state) {
  static const std::unique_ptr<picklecheck::OraclePool> pool = MakePool();  // thread-safe init
  if (pool == nullptr) {
    state.SkipWithError("oracle pool unavailable");
    return;
  }
  picklecheck::OraclePool::Lease lease = pool->Acquire();
  Oracle* oracles[] = {lease.get()};
  const auto& pickles = SmallPickles();
  const picklecheck::DecodeOptions options;
  picklecheck::Verdict verdict;
  size_t k = static_cast<size_t>(state.thread_index());
  CpuMeter cpu({PidOf(lease.get())});
  for (auto _ : state) {
    picklecheck::Diff(pickles[k % pickles.size()], options, oracles, verdict);
    if (verdict.kind != picklecheck::VerdictKind::kAgree) {
      state.SkipWithError("a small pickle did not agree");
      break;
    }
    ++k;
  }
  cpu.Report(state);
  SetRate(state);
}

ProcessOracle* FakeOracle() {
  return SharedOracle(FakeScript(), OracleImpl::kC, "fake-python-loop");
}

BENCHMARK_CAPTURE(BM_OracleRoundTrip, cpython_c, &COracle)->UseRealTime();
BENCHMARK_CAPTURE(BM_OracleRoundTrip, bare_python_loop, &FakeOracle)->UseRealTime();
BENCHMARK_CAPTURE(BM_OracleLoad, cpython_c, &COracle)->UseRealTime();
BENCHMARK_CAPTURE(BM_OracleLoad, cpython_py, &PyOracle)->UseRealTime();
BENCHMARK(BM_DecodeOnly);
BENCHMARK_CAPTURE(BM_DiffCheck, c, false)->UseRealTime();
BENCHMARK_CAPTURE(BM_DiffCheck, c_and_py, true)->UseRealTime();
BENCHMARK(BM_DiffCheckPool)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Start the oracles first: their handshakes name interpreter and version
  // in the run's context, which is written before the first benchmark.
  COracle();
  PyOracle();
  FakeOracle();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

#include "bench/workloads.h"

#include <time.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace picklecheck::bench {
namespace {

std::vector<Workload>& MutableWorkloads() {
  static std::vector<Workload> w;
  return w;
}

// manifest.tsv: name protocol file items category size crc32 ceiling description
bool Load(const std::string& dir) {
  std::ifstream manifest(dir + "/manifest.tsv");
  if (!manifest) return false;
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) f.push_back(field);
    if (f.size() < 8) {
      std::cerr << "manifest.tsv: short row: " << line << "\n";
      return false;
    }
    Workload w;
    w.name = f[0];
    w.protocol = std::stoi(f[1]);
    w.id = w.name + ".p" + f[1];
    std::ifstream file(dir + "/" + f[2], std::ios::binary);
    std::ostringstream ss;
    ss << file.rdbuf();
    w.data = ss.str();
    w.items = std::stoll(f[3]);
    w.category = f[4];
    if (w.data.size() != std::stoull(f[5])) {
      std::cerr << f[2] << ": size differs from the manifest\n";
      return false;
    }
    w.crc32 = static_cast<uint32_t>(std::stoul(f[6], nullptr, 16));
    w.memcpy_ceiling = f[7] == "memcpy";
    MutableWorkloads().push_back(std::move(w));
  }
  return !MutableWorkloads().empty();
}

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

uint64_t ThreadCpuNs() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

std::vector<char*> TakeWorkloadsFlag(int argc, char** argv, const char* program) {
  std::string dir;
  if (const char* env = std::getenv("PICKLECHECK_WORKLOADS")) dir = env;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--workloads=", 12) == 0) {
      dir = argv[i] + 12;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (dir.empty() || !Load(dir)) {
    std::cerr << program
              << ": no workloads; run bench/make_workloads.py DIR and pass --workloads=DIR\n";
    std::exit(2);
  }
  return args;
}

const std::vector<Workload>& Workloads() { return MutableWorkloads(); }

uint32_t Crc32(std::string_view data) {
  static const std::array<uint32_t, 256> table = MakeCrcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void SetCounters(benchmark::State& state, const Workload& w) {
  const auto n = static_cast<int64_t>(state.iterations());
  state.SetBytesProcessed(n * static_cast<int64_t>(w.data.size()));
  state.SetItemsProcessed(n * w.items);
}

void AddBuildContext() {
  benchmark::AddCustomContext("bench_slowdown_percent", std::to_string(PICKLECHECK_BENCH_SLOWDOWN));
#ifdef __clang__
  benchmark::AddCustomContext("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
  benchmark::AddCustomContext("compiler", "gcc " __VERSION__);
#endif
}

int RunRegisteredBenchmarks(std::vector<char*>& args) {
  AddBuildContext();
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

void Slowdown::CalibrateImpl(void (*fn)(void*), void* arg) {
  // Spin rate first (about 1 ms), then the body: at least 3 runs and 20 ms.
  constexpr uint64_t kProbe = 1u << 20;
  uint64_t t0 = ThreadCpuNs();
  BurnImpl(kProbe);
  double ns_per_spin = static_cast<double>(ThreadCpuNs() - t0) / kProbe;
  uint64_t runs = 0;
  t0 = ThreadCpuNs();
  uint64_t elapsed = 0;
  do {
    fn(arg);
    ++runs;
    elapsed = ThreadCpuNs() - t0;
  } while (runs < 3 || elapsed < 20000000u);
  double body_ns = static_cast<double>(elapsed) / static_cast<double>(runs);
  spins_ = static_cast<uint64_t>(body_ns * PICKLECHECK_BENCH_SLOWDOWN / 100.0 / ns_per_spin);
}

void Slowdown::BurnImpl(uint64_t spins) {
  uint64_t x = spins;
  for (uint64_t i = 0; i < spins; ++i) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    benchmark::DoNotOptimize(x);
  }
}

}  // namespace picklecheck::bench

// The benchmark workloads, as bench/make_workloads.py writes them, and what the
// decode and encode benches share: loading, the CRC-32 that proves an
// encoder's output byte-identical with CPython's, and the deliberate-slowdown
// switch that demonstrates regression detection.
//
//   int main(int argc, char** argv) {
//     std::vector<char*> args = picklecheck::bench::TakeWorkloadsFlag(argc, argv);
//     for (const picklecheck::bench::Workload& w : picklecheck::bench::Workloads()) ...
//   }
//
// Benchmark names are <Family>/<workload>.p<protocol>, e.g. Decode/ints.p5;
// scripts/bench pairs them with CPython_<Family>/<workload>.p<protocol>.
#ifndef PICKLECHECK_BENCH_WORKLOADS_H_
#define PICKLECHECK_BENCH_WORKLOADS_H_

#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#ifndef PICKLECHECK_BENCH_SLOWDOWN
#define PICKLECHECK_BENCH_SLOWDOWN 0
#endif

namespace picklecheck::bench {

// One row of manifest.tsv and its pickle.
struct Workload {
  std::string name;      // "ints"
  int protocol = 0;      // 0..5
  std::string id;        // "ints.p5"
  std::string data;      // the pickle (CPython's bytes; dumps(loads(data)) == data)
  int64_t items = 0;     // what items_per_second counts
  std::string category;  // object | bytes | class (manifest.tsv's doc)
  uint32_t crc32 = 0;    // zlib.crc32 of CPython's dumps(loads(data), protocol)
  bool memcpy_ceiling = false;  // also time memcpy of data.size() bytes

  std::span<const uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t*>(data.data()), data.size()};
  }
};

// Removes --workloads=DIR from argv (else $PICKLECHECK_WORKLOADS), loads the
// manifest, and returns the remaining arguments for benchmark::Initialize.
// Exits with status 2 and a message when there are no workloads.
std::vector<char*> TakeWorkloadsFlag(int argc, char** argv, const char* program);
const std::vector<Workload>& Workloads();

// zlib.crc32 (IEEE 802.3, reflected, as Python's zlib/binascii compute it).
uint32_t Crc32(std::string_view data);

// Sets bytes_per_second (pickle bytes) and items_per_second, per iteration.
void SetCounters(benchmark::State& state, const Workload& w);

// Adds the build's facts to the JSON context: slowdown percent, compiler.
void AddBuildContext();

// AddBuildContext, then Google Benchmark's Initialize / run / Shutdown over
// `args` (what TakeWorkloadsFlag left). Returns main's exit status.
int RunRegisteredBenchmarks(std::vector<char*>& args);

// PICKLECHECK_BENCH_SLOWDOWN=P (CMake cache variable, default 0) makes every
// timed iteration burn P% more CPU: a deliberately slowed build, to show that
// scripts/bench-compare reports a regression. It lives here, not in the codec.
// Calibrate() measures the body's CPU time per iteration (a few untimed runs);
// Burn() then spins for P% of it. Both compile to nothing when P == 0.
class Slowdown {
 public:
  template <typename Body>
  void Calibrate(Body&& body) {
    if constexpr (PICKLECHECK_BENCH_SLOWDOWN > 0) {
      CalibrateImpl([](void* p) { (*static_cast<Body*>(p))(); }, &body);
    }
  }
  void Burn() const {
    if constexpr (PICKLECHECK_BENCH_SLOWDOWN > 0) BurnImpl(spins_);
  }

 private:
  void CalibrateImpl(void (*fn)(void*), void* arg);
  static void BurnImpl(uint64_t spins);
  uint64_t spins_ = 0;
};

}  // namespace picklecheck::bench

#endif  // PICKLECHECK_BENCH_WORKLOADS_H_

// Decoding speed per workload (Google Benchmark).
//
// Workloads are pickles written by CPython (bench/make_workloads.py); the
// directory comes from --workloads=DIR or $PICKLECHECK_WORKLOADS. For each:
//   Decode/<w>       owned result (the headline): str and bytes copied into
//                    the document, as pickle.loads builds its objects
//   DecodeView/<w>   view mode (DecodeOptions::view_input): str and bytes
//                    payloads that need no decoding reference the input
//   Memcpy/<w>       memcpy of the pickle's size into a warm buffer: the
//                    ceiling for bytes-heavy payloads (manifest "memcpy" rows)
// The document is destroyed inside the timed loop, as CPython frees its result.
//
//   build-bench/bin/decode_bench --workloads=DIR --benchmark_repetitions=9 \
//       --benchmark_enable_random_interleaving=true --benchmark_out=decode.json
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "bench/workloads.h"
#include "harness/pickle/decoder.h"

namespace {

using picklecheck::bench::Workload;

void BM_Decode(benchmark::State& state, const Workload* w, bool view) {
  picklecheck::DecodeOptions options;
  options.view_input = view;
  const std::span<const uint8_t> bytes = w->bytes();
  {
    auto doc = picklecheck::Decode(bytes, options);
    if (!doc.ok()) {
      state.SkipWithError(("decode failed: " + picklecheck::Describe(doc.error())).c_str());
      return;
    }
  }
  picklecheck::bench::Slowdown slowdown;
  slowdown.Calibrate([&] { benchmark::DoNotOptimize(picklecheck::Decode(bytes, options)); });
  for (auto _ : state) {
    auto doc = picklecheck::Decode(bytes, options);
    benchmark::DoNotOptimize(doc->root());
    slowdown.Burn();
  }
  picklecheck::bench::SetCounters(state, *w);
}

void BM_Memcpy(benchmark::State& state, const Workload* w) {
  std::vector<char> dst(w->data.size());
  std::memcpy(dst.data(), w->data.data(), w->data.size());  // warm
  for (auto _ : state) {
    std::memcpy(dst.data(), w->data.data(), w->data.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  picklecheck::bench::SetCounters(state, *w);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = picklecheck::bench::TakeWorkloadsFlag(argc, argv, "decode_bench");
  for (const Workload& w : picklecheck::bench::Workloads()) {
    benchmark::RegisterBenchmark(("Decode/" + w.id).c_str(), BM_Decode, &w, false);
    benchmark::RegisterBenchmark(("DecodeView/" + w.id).c_str(), BM_Decode, &w, true);
    if (w.memcpy_ceiling) benchmark::RegisterBenchmark(("Memcpy/" + w.id).c_str(), BM_Memcpy, &w);
  }
  return picklecheck::bench::RunRegisteredBenchmarks(args);
}

// Encoding speed per workload (Google Benchmark).
//
// The value encoded is the decoder's document of the workload pickle (owned
// mode), the counterpart of CPython's pickle.dumps(pickle.loads(pickle)).
// Setup checks, once per workload and path, that the output is
// byte-identical with CPython's (CRC-32 and size from manifest.tsv); a
// mismatch skips the benchmark with an error, since speed only counts with
// identical bytes. For each workload:
//   Encode/<w>        Encode(): a fresh output string per call (the headline,
//                     what a user of Encode() gets; CPython's dumps also
//                     returns a fresh bytes object)
//   EncodeReuse/<w>   EncodeTo() into one Encoded whose capacity is reused
//
//   build-bench/bin/encode_bench --workloads=DIR --benchmark_repetitions=9 \
//       --benchmark_enable_random_interleaving=true --benchmark_out=encode.json
//
// --mismatches=DIR writes each differing output to DIR/<w>.encoded, to
// compare with `python3 -m pickletools` against the workload pickle.
#include <benchmark/benchmark.h>

#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench/workloads.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/encoder.h"

namespace {

using picklecheck::bench::Workload;

std::string& MismatchDir() {
  static std::string dir;
  return dir;
}

// Empty when `out` is what CPython writes, else why not.
std::string CheckIdentical(const Workload& w, const std::string& out) {
  if (out.size() == w.data.size() && picklecheck::bench::Crc32(out) == w.crc32) return "";
  size_t i = 0;
  while (i < out.size() && i < w.data.size() && out[i] == w.data[i]) ++i;
  return "output differs from CPython's dumps (size " + std::to_string(out.size()) + " vs " +
         std::to_string(w.data.size()) + ", first difference at byte " + std::to_string(i) + ")";
}

// One check per (workload, path) per process: the encoder is deterministic.
bool Verified(benchmark::State& state, const Workload& w, bool reuse, const std::string& out) {
  static std::map<std::pair<const Workload*, bool>, std::string> verdicts;
  auto [it, inserted] = verdicts.try_emplace({&w, reuse});
  if (inserted) {
    it->second = CheckIdentical(w, out);
    if (!it->second.empty() && !MismatchDir().empty()) {
      std::ofstream(MismatchDir() + "/" + w.id + ".encoded", std::ios::binary) << out;
    }
  }
  if (!it->second.empty()) state.SkipWithError(it->second.c_str());
  return it->second.empty();
}

void BM_Encode(benchmark::State& state, const Workload* w, bool reuse) {
  auto doc = picklecheck::Decode(w->bytes());
  if (!doc.ok()) {
    state.SkipWithError(("decode failed: " + picklecheck::Describe(doc.error())).c_str());
    return;
  }
  const picklecheck::Value root = doc->root();
  picklecheck::EncodeOptions options;
  options.protocol = w->protocol;
  picklecheck::EncodeError why;
  picklecheck::bench::Slowdown slowdown;
  if (reuse) {
    picklecheck::Encoded out;
    if (!picklecheck::EncodeTo(root, options, out, &why).ok()) {
      state.SkipWithError(("encode failed: " + picklecheck::Describe(why)).c_str());
      return;
    }
    if (!Verified(state, *w, true, out.pickle)) return;
    // The second call is the first that finds the capacity already there.
    if (!picklecheck::EncodeTo(root, options, out).ok()) return;
    slowdown.Calibrate([&] { (void)picklecheck::EncodeTo(root, options, out); });
    for (auto _ : state) {
      (void)picklecheck::EncodeTo(root, options, out);
      benchmark::DoNotOptimize(out.pickle.data());
      slowdown.Burn();
    }
  } else {
    picklecheck::Result<std::string> first = picklecheck::Encode(root, options);
    if (!first.ok()) {
      state.SkipWithError(("encode failed: " + picklecheck::Describe(first.error())).c_str());
      return;
    }
    if (!Verified(state, *w, false, *first)) return;
    slowdown.Calibrate([&] { benchmark::DoNotOptimize(picklecheck::Encode(root, options)); });
    for (auto _ : state) {
      picklecheck::Result<std::string> out = picklecheck::Encode(root, options);
      benchmark::DoNotOptimize(out->data());
      slowdown.Burn();
    }
  }
  picklecheck::bench::SetCounters(state, *w);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> all = picklecheck::bench::TakeWorkloadsFlag(argc, argv, "encode_bench");
  std::vector<char*> args;
  for (char* a : all) {
    if (std::strncmp(a, "--mismatches=", 13) == 0) {
      MismatchDir() = a + 13;
    } else {
      args.push_back(a);
    }
  }
  for (const Workload& w : picklecheck::bench::Workloads()) {
    benchmark::RegisterBenchmark(("Encode/" + w.id).c_str(), BM_Encode, &w, false);
    benchmark::RegisterBenchmark(("EncodeReuse/" + w.id).c_str(), BM_Encode, &w, true);
  }
  return picklecheck::bench::RunRegisteredBenchmarks(args);
}

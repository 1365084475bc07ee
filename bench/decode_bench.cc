// Decoding speed per workload (Google Benchmark).
//
// Workloads are pickles written by CPython (bench/make_workloads.py); the
// directory comes from --workloads=DIR or $PICKLECHECK_WORKLOADS. For each:
//   Decode/<w>       owned result: strings and bytes copied into the document
//   DecodeView/<w>   view mode: payloads that need no decoding reference the input
//   Memcpy/<w>       memcpy of the pickle's size into a warm buffer (the ceiling
//                    for bytes-heavy payloads)
// The document is destroyed inside the timed loop, as CPython frees its result.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/pickle/decoder.h"

namespace {

struct Workload {
  std::string name;
  std::string data;
  int64_t items = 0;
};

std::vector<Workload>& Workloads() {
  static std::vector<Workload> w;
  return w;
}

bool Load(const std::string& dir) {
  std::ifstream manifest(dir + "/manifest.tsv");
  if (!manifest) return false;
  std::string line;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string name, proto, file, items;
    std::getline(fields, name, '\t');
    std::getline(fields, proto, '\t');
    std::getline(fields, file, '\t');
    std::getline(fields, items, '\t');
    std::ifstream f(dir + "/" + file, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    Workloads().push_back({name + ".p" + proto, ss.str(), std::stoll(items)});
  }
  return true;
}

void BM_Decode(benchmark::State& state, const Workload* w, bool view) {
  picklecheck::DecodeOptions options;
  options.view_input = view;
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(w->data.data()), w->data.size());
  for (auto _ : state) {
    auto doc = picklecheck::Decode(bytes, options);
    if (!doc.ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(doc->root());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w->data.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * w->items);
}

void BM_Memcpy(benchmark::State& state, const Workload* w) {
  std::vector<char> dst(w->data.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), w->data.data(), w->data.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w->data.size()));
}

}  // namespace

int main(int argc, char** argv) {
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
    std::cerr << "decode_bench: no workloads; run bench/make_workloads.py DIR and pass --workloads=DIR\n";
    return 2;
  }
  for (const Workload& w : Workloads()) {
    benchmark::RegisterBenchmark(("Decode/" + w.name).c_str(), BM_Decode, &w, false);
    benchmark::RegisterBenchmark(("DecodeView/" + w.name).c_str(), BM_Decode, &w, true);
    benchmark::RegisterBenchmark(("Memcpy/" + w.name).c_str(), BM_Memcpy, &w);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

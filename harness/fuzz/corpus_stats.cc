// fuzz_corpus_stats: what a fuzz corpus reaches in the codec, as JSON, for
// scripts/nightly-fuzz's report.
//
//   fuzz_corpus_stats --layout decode DIR...      > decode.json
//   fuzz_corpus_stats --layout roundtrip DIR...   > roundtrip.json
//
// decode layout (fuzz_decode, fuzz_differential inputs: pickle + options
// tail): every file is decoded once (Decode with the tail's options); per
// opcode, how many accepted and how many rejected inputs executed it (an
// opcode is executed when ScanOpcodes reaches it before the decoder's
// stopping point, the failing opcode included), and how many rejections
// happened at it; per ErrorKind, how many inputs it rejected.
//
// roundtrip layout (fuzz_roundtrip inputs): every file's value is generated
// and encoded at protocols 0-5 (as fuzz_roundtrip does, without the
// oracle); per opcode, how many of our pickles contain it (counted as
// accepted when our decoder reads the pickle back, rejected otherwise); per
// EncodeErrorCode, how many (value, protocol) pairs it refused; per
// ErrorKind, decoder rejections of our own pickles (should be none).
//
// Every opcode and every kind is listed, zero counts included, so the report
// can show what was never reached. Exit status 2 on usage errors.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/fuzz/decode_input.h"
#include "harness/fuzz/value_text_gen.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/disasm.h"
#include "harness/pickle/encoder.h"
#include "harness/pickle/error.h"
#include "harness/pickle/opcode.h"

namespace {

namespace fs = std::filesystem;
using namespace picklecheck;

struct OpCount {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t failed_at = 0;
};

struct Stats {
  uint64_t files = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::array<OpCount, 256> ops{};
  std::array<uint64_t, kNumErrorKinds> kinds{};
  std::map<std::string, uint64_t> encode_errors;
  uint64_t encoded = 0;  // roundtrip: pickles written
};

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<uint8_t>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void CountOpcodes(std::span<const uint8_t> pickle, bool ok, const Error* error, Stats& st) {
  uint64_t stop = ok ? UINT64_MAX : error->offset;
  for (const OpcodeAt& at : ScanOpcodes(pickle)) {
    if (at.info == nullptr || at.offset > stop) break;
    OpCount& c = st.ops[at.info->byte];
    (ok ? c.accepted : c.rejected) += 1;
    if (!ok && at.offset == stop && error->kind != ErrorKind::kEndOfInput) c.failed_at += 1;
  }
}

void DecodeLayout(const std::string& data, Stats& st) {
  fuzz::DecodeInput in = fuzz::SplitDecodeInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  Result<Document> doc = Decode(in.payload, in.options);
  if (doc.ok()) {
    ++st.accepted;
    CountOpcodes(in.payload, true, nullptr, st);
  } else {
    ++st.rejected;
    ++st.kinds[static_cast<size_t>(doc.error().kind)];
    CountOpcodes(in.payload, false, &doc.error(), st);
  }
}

void RoundtripLayout(const std::string& data, Stats& st) {
  FuzzedDataProvider fdp(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  const uint8_t flags = fdp.ConsumeIntegral<uint8_t>();
  fuzz::ValueTextOptions vo;
  vo.large = (flags & 0x1C) == 0x1C;  // as fuzz_roundtrip
  std::string raw = fuzz::GenerateValueText(fdp, vo);
  Result<Document> doc = ParseCanonical(raw);
  if (!doc.ok()) {
    ++st.rejected;
    return;
  }
  ++st.accepted;
  for (int p = 0; p <= 5; ++p) {
    EncodeOptions eo;
    eo.protocol = p;
    eo.fix_imports = (flags & 1) == 0;
    eo.out_of_band = p == 5 && (flags & 2) == 0;
    eo.set_order = SetOrder::kCPythonSeed0;
    eo.max_depth = 997;
    eo.save_call_depth = 1;
    Encoded out;
    EncodeError why;
    if (!EncodeTo(doc->root(), eo, out, &why).ok()) {
      ++st.encode_errors[why.exception + ": " + why.message.substr(0, 60)];
      continue;
    }
    ++st.encoded;
    DecodeOptions lo;
    if (eo.out_of_band) lo.buffers = out.buffers;
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(out.pickle.data()), out.pickle.size());
    Result<Document> back = Decode(bytes, lo);
    if (!back.ok()) ++st.kinds[static_cast<size_t>(back.error().kind)];
    CountOpcodes(bytes, back.ok(), back.ok() ? nullptr : &back.error(), st);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string layout = "decode";
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--layout" && i + 1 < argc) {
      layout = argv[++i];
      continue;
    }
    if (arg == "-h" || arg == "--help" || (!arg.empty() && arg[0] == '-')) {
      std::fprintf(stderr, "usage: fuzz_corpus_stats [--layout decode|roundtrip] DIR|FILE...\n");
      return 2;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (auto it = fs::recursive_directory_iterator(arg, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (it->is_regular_file() && !name.empty() && name[0] != '.' && it->path().extension() != ".txt") {
          files.push_back(it->path());
        }
      }
    } else if (fs::is_regular_file(arg, ec)) {
      files.emplace_back(arg);
    }
  }
  if (layout != "decode" && layout != "roundtrip") {
    std::fprintf(stderr, "fuzz_corpus_stats: unknown layout %s\n", layout.c_str());
    return 2;
  }
  std::sort(files.begin(), files.end());
  Stats st;
  std::string data;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) continue;
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    ++st.files;
    if (layout == "decode") {
      DecodeLayout(data, st);
    } else {
      RoundtripLayout(data, st);
    }
  }
  std::string out = "{\n  \"layout\": " + JsonString(layout) + ",\n  \"files\": " + std::to_string(st.files) +
                    ",\n  \"accepted\": " + std::to_string(st.accepted) + ",\n  \"rejected\": " +
                    std::to_string(st.rejected) + ",\n  \"encoded\": " + std::to_string(st.encoded) +
                    ",\n  \"opcodes\": [\n";
  bool first = true;
  for (const OpcodeInfo& info : AllOpcodes()) {
    const OpCount& c = st.ops[info.byte];
    out += first ? "" : ",\n";
    first = false;
    out += "    {\"name\": " + JsonString(info.name) + ", \"byte\": " + std::to_string(info.byte) +
           ", \"proto\": " + std::to_string(info.proto) + ", \"accepted\": " + std::to_string(c.accepted) +
           ", \"rejected\": " + std::to_string(c.rejected) + ", \"failed_at\": " + std::to_string(c.failed_at) + "}";
  }
  out += "\n  ],\n  \"error_kinds\": {";
  for (int k = 0; k < kNumErrorKinds; ++k) {
    out += k ? ", " : "";
    out += JsonString(ErrorKindName(static_cast<ErrorKind>(k))) + ": " + std::to_string(st.kinds[static_cast<size_t>(k)]);
  }
  out += "},\n  \"encode_errors\": {";
  first = true;
  for (const auto& [k, n] : st.encode_errors) {
    out += first ? "" : ", ";
    first = false;
    out += JsonString(k) + ": " + std::to_string(n);
  }
  out += "}\n}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

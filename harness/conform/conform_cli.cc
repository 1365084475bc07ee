#include "harness/conform/conform_cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/conform/json.h"
#include "harness/conform/report.h"
#include "harness/conform/runner.h"
#include "harness/conform/testee.h"
#include "harness/conform/vectors.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/encoder.h"

#ifndef PICKLECHECK_DEFAULT_SOURCE_DIR
#define PICKLECHECK_DEFAULT_SOURCE_DIR "."
#endif
#ifndef PICKLECHECK_VERSION
#define PICKLECHECK_VERSION "0"
#endif

namespace picklecheck {
namespace {

using namespace conform;  // NOLINT: this file is the CLI of the conform library

constexpr char kConformUsage[] =
    "usage: picklecheck conform --testee [NAME=]CMD [--testee ...] [options]\n"
    "\n"
    "Runs the conformance vectors (corpus/conformance/vectors.jsonl) through each testee\n"
    "and compares with CPython 3.11's C unpickler. Protocol: harness/conform/TESTEE.md.\n"
    "\n"
    "  --testee [NAME=]CMD    a codec under test: CMD runs under /bin/sh; NAME names its\n"
    "                         expected-failure list (default: the handshake's name)\n"
    "  --level verdict|transcode   accept/reject only, or also the value (default verdict)\n"
    "  --mode stream|file     one process speaking framed requests (default), or one\n"
    "                         process per vector: CMD FILE, exit 0 accept / 1 reject / 77 skip\n"
    "  --out DIR              write conformance.html, summary.md, junit.xml, results.json and\n"
    "                         logs/<testee>.stderr\n"
    "  --fix                  rewrite the expected-failure lists to match this run\n"
    "  --filter PATTERN       only vectors whose id or name matches (globs * ?, comma-separated,\n"
    "                         repeatable; !PATTERN excludes)\n"
    "  --vectors FILE         the manifest (default corpus/conformance/vectors.jsonl)\n"
    "  --expected-dir DIR     expected-failure lists (default corpus/conformance/expected)\n"
    "  --timeout SECONDS      per request (default 5)\n"
    "  --jobs N               testees run concurrently (default: number of CPUs)\n"
    "  --judge-python PATH    the CPython that loads transcoded pickles (default python3)\n"
    "  --brief                no per-family / per-flag tables on stdout\n";

std::string SourceDir() {
  const char* env = std::getenv("PICKLECHECK_SOURCE_DIR");
  if (env && *env) return env;
  return PICKLECHECK_DEFAULT_SOURCE_DIR;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

void MkdirP(const std::string& path) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      mkdir(cur.c_str(), 0755);
    }
  }
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t c = s.find(',', start);
    std::string part = s.substr(start, c == std::string::npos ? std::string::npos : c - start);
    if (!part.empty()) out.push_back(part);
    if (c == std::string::npos) break;
    start = c + 1;
  }
  return out;
}

int ConformUsage(const std::string& problem) {
  if (!problem.empty()) std::cerr << "picklecheck conform: " << problem << "\n";
  std::cerr << kConformUsage;
  return 2;
}

}  // namespace

int RunConform(int argc, char** argv) {
  RunConfig config;
  std::vector<TesteeSpec> specs;
  std::string out_dir, vectors_path, expected_dir;
  std::vector<std::string> includes, excludes;
  bool fix = false, brief = false;
  unsigned hw = std::thread::hardware_concurrency();
  config.jobs = hw ? static_cast<int>(hw) : 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      std::cout << kConformUsage;
      return 0;
    } else if (a == "--testee") {
      if (!value(v)) return ConformUsage("--testee needs a command");
      specs.push_back(ParseTesteeSpec(v));
    } else if (a == "--level") {
      if (!value(v) || (v != "verdict" && v != "transcode")) return ConformUsage("--level verdict|transcode");
      config.level = v == "transcode" ? Level::kTranscode : Level::kVerdict;
    } else if (a == "--mode") {
      if (!value(v) || (v != "stream" && v != "file")) return ConformUsage("--mode stream|file");
      config.mode = v == "file" ? Mode::kFile : Mode::kStream;
    } else if (a == "--out") {
      if (!value(out_dir)) return ConformUsage("--out needs a directory");
    } else if (a == "--fix") {
      fix = true;
    } else if (a == "--brief") {
      brief = true;
    } else if (a == "--filter") {
      if (!value(v)) return ConformUsage("--filter needs a pattern");
      for (const auto& p : SplitComma(v))
        (p[0] == '!' ? excludes : includes).push_back(p[0] == '!' ? p.substr(1) : p);
    } else if (a == "--vectors") {
      if (!value(vectors_path)) return ConformUsage("--vectors needs a file");
    } else if (a == "--expected-dir") {
      if (!value(expected_dir)) return ConformUsage("--expected-dir needs a directory");
    } else if (a == "--timeout") {
      if (!value(v)) return ConformUsage("--timeout needs seconds");
      double s = std::atof(v.c_str());
      if (s <= 0) return ConformUsage("--timeout must be positive");
      config.testee.timeout = std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
    } else if (a == "--jobs") {
      if (!value(v) || std::atoi(v.c_str()) < 1) return ConformUsage("--jobs needs a positive number");
      config.jobs = std::atoi(v.c_str());
    } else if (a == "--judge-python") {
      if (!value(config.judge.python)) return ConformUsage("--judge-python needs a path");
    } else {
      return ConformUsage("unknown argument " + a);
    }
  }
  if (specs.empty()) return ConformUsage("at least one --testee is needed");
  {
    std::set<std::string> names;
    for (const auto& s : specs)
      if (s.name_given && !names.insert(s.name).second) return ConformUsage("two testees named " + s.name);
  }
  std::string src = SourceDir();
  if (vectors_path.empty()) vectors_path = src + "/corpus/conformance/vectors.jsonl";
  if (expected_dir.empty()) expected_dir = src + "/corpus/conformance/expected";
  std::vector<Vector> all;
  std::string why;
  if (!LoadVectors(vectors_path, all, &why)) {
    std::cerr << "picklecheck conform: " << why << "\n";
    return 2;
  }
  std::vector<Vector> vectors;
  for (auto& vec : all) {
    bool in = includes.empty();
    for (const auto& p : includes)
      if (GlobMatch(p, vec.id) || GlobMatch(p, vec.name)) in = true;
    for (const auto& p : excludes)
      if (GlobMatch(p, vec.id) || GlobMatch(p, vec.name)) in = false;
    if (in) vectors.push_back(std::move(vec));
  }
  if (vectors.empty()) {
    std::cerr << "picklecheck conform: no vector matches the filter\n";
    return 2;
  }
  config.filtered = vectors.size() != all.size();
  all.clear();
  config.expected_dir = expected_dir;
  config.verbose = true;
  if (!out_dir.empty()) {
    MkdirP(out_dir + "/logs");
    config.stderr_dir = out_dir + "/logs";
  }
  RunResult result;
  result.vectors_path = vectors_path;
  for (const auto& p : includes) result.filter += (result.filter.empty() ? "" : ",") + p;
  for (const auto& p : excludes) result.filter += (result.filter.empty() ? "!" : ",!") + p;
  Run(vectors, specs, config, result);

  {
    std::set<std::string> names;
    for (const auto& t : result.testees) {
      if (t.started && !names.insert(t.info.name).second) {
        std::cerr << "picklecheck conform: two testees are named " << t.info.name
                  << " (their handshakes say so): name them with --testee NAME=CMD\n";
        return 2;
      }
    }
  }
  bool list_errors = false;
  for (auto& t : result.testees) {
    if (!t.list_ok) {
      list_errors = true;
      std::cerr << "picklecheck conform: " << t.list_error << "\n";
    }
  }
  if (fix) {
    MkdirP(expected_dir);
    for (auto& t : result.testees) {
      if (!t.started || !t.list_ok) continue;
      std::string text = FixedList(vectors, t);
      ExpectedFailures fixed;
      std::string err;
      fixed.Parse(text, &err);
      int added = 0, removed = 0;
      for (const auto& e : fixed.entries()) added += t.list.Find(e.id) == nullptr;
      for (const auto& e : t.list.entries()) removed += fixed.Find(e.id) == nullptr;
      bool empty_and_absent = fixed.size() == 0 && !Exists(t.list_path);
      if (added == 0 && removed == 0 && (Exists(t.list_path) || empty_and_absent)) continue;
      if (empty_and_absent) continue;
      std::ofstream f(t.list_path, std::ios::binary | std::ios::trunc);
      f << text;
      if (!f) {
        std::cerr << "picklecheck conform: cannot write " << t.list_path << "\n";
        list_errors = true;
        continue;
      }
      std::cerr << "conform: --fix: " << t.list_path << ": +" << added << " -" << removed << " ("
                << fixed.size() << " entries)\n";
      t.list = std::move(fixed);
      ApplyExpectations(vectors, config.filtered, t);
    }
    result.successes = result.expected = result.unexpected = result.skipped = result.advisory = 0;
    for (const auto& t : result.testees) {
      result.successes += t.successes;
      result.expected += t.expected;
      result.unexpected += t.unexpected;
      result.skipped += t.skipped;
      result.advisory += t.advisory;
    }
  }
  if (!out_dir.empty()) {
    if (!WriteReports(result, out_dir, &why)) {
      std::cerr << "picklecheck conform: " << why << "\n";
      return 2;
    }
    std::cerr << "conform: reports in " << out_dir
              << "/ (conformance.html, summary.md, junit.xml, results.json)\n";
  }
  PrintSummary(result, std::cout, !brief);
  std::cout.flush();
  if (list_errors) return 2;
  return result.Passed() ? 0 : 1;
}

namespace {

bool ReadExactly(std::FILE* f, std::string& buf, size_t n) {
  buf.resize(n);
  return n == 0 || std::fread(buf.data(), 1, n, f) == n;
}

void WriteFrame(std::string_view payload) {
  char hdr[4];
  auto n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) hdr[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  std::fwrite(hdr, 1, 4, stdout);
  std::fwrite(payload.data(), 1, payload.size(), stdout);
  std::fflush(stdout);
}

void PutU32(std::string& out, size_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

int RunTestee(int argc, char** argv) {
  bool encode = false;
  int protocol = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--transcode" && i + 1 < argc) {
      std::string m = argv[++i];
      if (m != "canonical" && m != "encode") {
        std::cerr << "picklecheck testee: --transcode canonical|encode\n";
        return 2;
      }
      encode = m == "encode";
    } else if (a == "--protocol" && i + 1 < argc) {
      protocol = std::atoi(argv[++i]);
      if (protocol < 0 || protocol > 5) {
        std::cerr << "picklecheck testee: --protocol 0..5\n";
        return 2;
      }
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: picklecheck testee [--transcode canonical|encode] [--protocol N]\n"
                   "Serves the conformance testee protocol (harness/conform/TESTEE.md) on stdin/stdout.\n";
      return 0;
    } else {
      std::cerr << "picklecheck testee: unknown argument " << a << "\n";
      return 2;
    }
  }
  std::string hdr, payload, pickle, out;
  while (true) {
    if (!ReadExactly(stdin, hdr, 4)) return 0;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= uint32_t{static_cast<uint8_t>(hdr[i])} << (8 * i);
    if (n == 0 || !ReadExactly(stdin, payload, n)) return 1;
    char type = payload[0];
    if (type == 'Q') {
      WriteFrame("Q");
      return 0;
    }
    if (type == 'H') {
      std::string h = "H{\"name\": \"picklecheck\", \"version\": " +
                      JsonString(std::string("picklecheck ") + PICKLECHECK_VERSION +
                                 (encode ? " decoder + encoder (protocol " + std::to_string(protocol) + ")"
                                         : " reference decoder")) +
                      ", \"levels\": [\"verdict\", \"transcode\"], \"description\": " +
                      JsonString(encode ? "transcode answers are re-encoded by picklecheck's encoder"
                                        : "transcode answers are canonical text") +
                      "}";
      WriteFrame(h);
      continue;
    }
    if (type != 'L' && type != 'T') {
      WriteFrame("Xunknown request type");
      continue;
    }
    DecodeOptions options;
    std::string why;
    if (!ParseLoadPayload(payload, pickle, options, &why)) {
      WriteFrame("Xbad request: " + why);
      continue;
    }
    Result<Document> doc = Decode(pickle, options);
    out.clear();
    if (!doc.ok()) {
      const Error& e = doc.error();
      if (IsInconclusive(e.kind)) {
        out = "S" + Describe(e);
      } else {
        std::string_view exc = PythonException(e.kind);
        std::string msg = Message(e);
        out = "E";
        out.push_back(static_cast<char>(exc.size() & 0xff));
        out.push_back(static_cast<char>(exc.size() >> 8));
        out += exc;
        PutU32(out, msg.size());
        out += msg;
      }
    } else if (type == 'L') {
      out = "V";
    } else if (!encode) {
      out = "V" + ToCanonical(doc->root());
    } else {
      EncodeOptions eo;
      eo.protocol = protocol;
      eo.out_of_band = protocol == 5;
      Encoded enc;
      EncodeError err;
      if (!EncodeTo(doc->root(), eo, enc, &err).ok()) {
        out = "S" + std::string("picklecheck's encoder cannot write this value: ") + Describe(err);
      } else {
        out = "B";
        PutU32(out, enc.pickle.size());
        out += enc.pickle;
        PutU32(out, enc.buffers.size());
        for (const auto& b : enc.buffers) {
          out.push_back(b.readonly ? 1 : 0);
          PutU32(out, b.data.size());
          out += b.data;
        }
      }
    }
    WriteFrame(out);
  }
}

}  // namespace picklecheck

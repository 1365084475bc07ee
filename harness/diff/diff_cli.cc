#include "harness/diff/diff_cli.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "harness/diff/cpython_errors.h"
#include "harness/pickle/disasm.h"
#include "harness/pickle/error.h"

#ifndef PICKLECHECK_DIFF_SOURCE_DIR
#define PICKLECHECK_DIFF_SOURCE_DIR "."
#endif

namespace picklecheck {
namespace {

namespace fs = std::filesystem;

// ---- small text helpers ----------------------------------------------------------

std::vector<std::string_view> SplitView(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool AppendHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexNibble(hex[i]), lo = HexNibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

// gen_encoder_vectors.py's hex with runs: "80[61*399]2e".
bool AppendRunHex(std::string_view text, std::string& out) {
  while (!text.empty()) {
    size_t open = text.find('[');
    if (!AppendHex(text.substr(0, open), out)) return false;
    if (open == std::string_view::npos) return true;
    size_t close = text.find(']', open);
    if (close == std::string_view::npos) return false;
    std::string_view run = text.substr(open + 1, close - open - 1);
    size_t star = run.find('*');
    if (star == std::string_view::npos) return false;
    std::string pattern;
    if (!AppendHex(run.substr(0, star), pattern) || pattern.empty()) return false;
    uint64_t count = 0;
    for (char c : run.substr(star + 1)) {
      if (c < '0' || c > '9' || count > (uint64_t{1} << 32)) return false;
      count = count * 10 + static_cast<uint64_t>(c - '0');
    }
    for (uint64_t k = 0; k < count; ++k) out += pattern;
    text = text.substr(close + 1);
  }
  return true;
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return !f.bad();
}

bool WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return false;
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(f);
}

std::string_view TrimLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// `text` cut to at most `max` bytes at a UTF-8 boundary.
std::string_view CutUtf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && IsUtf8Continuation(text[end])) --end;
  return text.substr(0, end);
}

std::string FormatDuration(std::chrono::steady_clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string PadRight(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string PadLeft(const std::string& s, size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

// ---- SHA-1 (FIPS 180-4), for repro file names -------------------------------------

class Sha1 {
 public:
  void Update(std::string_view data) {
    for (char c : data) {
      block_[fill_++] = static_cast<uint8_t>(c);
      if (fill_ == 64) Compress();
    }
    length_ += data.size();
  }
  std::string HexDigest() {
    uint64_t bits = length_ * 8;
    block_[fill_++] = 0x80;
    if (fill_ > 56) {
      while (fill_ < 64) block_[fill_++] = 0;
      Compress();
    }
    while (fill_ < 56) block_[fill_++] = 0;
    for (int i = 7; i >= 0; --i) block_[fill_++] = static_cast<uint8_t>(bits >> (8 * i));
    Compress();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (uint32_t word : h_) {
      for (int i = 28; i >= 0; i -= 4) out.push_back(kHex[(word >> i) & 15]);
    }
    return out;
  }

 private:
  static uint32_t Rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
  void Compress() {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      w[i] = uint32_t{block_[4 * i]} << 24 | uint32_t{block_[4 * i + 1]} << 16 |
             uint32_t{block_[4 * i + 2]} << 8 | uint32_t{block_[4 * i + 3]};
    }
    for (int i = 16; i < 80; ++i) w[i] = Rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      uint32_t t = Rol(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = Rol(b, 30);
      b = a;
      a = t;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    fill_ = 0;
  }

  std::array<uint32_t, 5> h_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  std::array<uint8_t, 64> block_{};
  size_t fill_ = 0;
  uint64_t length_ = 0;
};

// ---- the corpus ------------------------------------------------------------------

bool SkippedExtension(const fs::path& p) {
  static constexpr std::string_view kSkip[] = {".txt", ".md", ".json", ".jsonl", ".py", ".sh"};
  std::string ext = p.extension().string();
  return std::find(std::begin(kSkip), std::end(kSkip), ext) != std::end(kSkip);
}

bool Hidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

class CorpusLoader {
 public:
  CorpusLoader(const DecodeOptions& options, std::vector<CorpusCase>& out, CorpusStats& stats,
               std::vector<std::string>& errors)
      : options_(options), out_(out), stats_(stats), errors_(errors) {
    for (const CorpusCase& c : out_) ids_.insert(c.id);
  }

  void AddPath(const std::string& path) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      errors_.push_back("cannot read " + path);
      return;
    }
    if (fs::is_directory(st)) {
      Walk(fs::path(path), fs::path());
    } else {
      fs::path p(path);
      AddFile(p, p.filename().generic_string());
    }
  }

 private:
  void Walk(const fs::path& dir, const fs::path& rel) {
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(*it);
    }
    if (ec) {
      errors_.push_back("cannot list " + dir.string() + ": " + ec.message());
      return;
    }
    std::sort(entries.begin(), entries.end(),
              [](const fs::directory_entry& a, const fs::directory_entry& b) {
                return a.path().filename() < b.path().filename();
              });
    for (const fs::directory_entry& e : entries) {
      const fs::path& p = e.path();
      if (Hidden(p)) continue;
      fs::path child_rel = rel / p.filename();
      std::error_code sec;
      if (e.is_directory(sec)) {
        if (e.is_symlink(sec)) continue;  // no loops through directory links
        if (fs::exists(p / "index.json", sec)) {
          ++stats_.skipped;
          continue;
        }
        Walk(p, child_rel);
      } else if (e.is_regular_file(sec)) {
        AddFile(p, child_rel.generic_string());
      }
    }
  }

  void AddFile(const fs::path& p, const std::string& rel) {
    if (p.extension() == ".tsv") {
      AddVectors(p);
      return;
    }
    if (p.extension() == ".canonical") {
      CorpusCase c;
      c.id = EscapeCaseId(rel);
      c.origin = p.generic_string();
      c.has_pickle = false;
      std::string text;
      if (!ReadFile(p.string(), text)) {
        errors_.push_back("cannot read " + c.origin);
        return;
      }
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      c.value_text = std::move(text);
      ++stats_.files;
      Push(std::move(c));
      return;
    }
    if (SkippedExtension(p) || Hidden(p)) {
      ++stats_.skipped;
      return;
    }
    CorpusCase c;
    c.id = EscapeCaseId(rel);
    c.origin = p.generic_string();
    if (!ReadFile(p.string(), c.pickle)) {
      errors_.push_back("cannot read " + c.origin);
      return;
    }
    c.options = options_;
    std::string sidecar;
    if (ReadFile(p.string() + ".txt", sidecar)) ReadSidecar(sidecar, c);
    ++stats_.files;
    Push(std::move(c));
  }

  // The first `options:` and `value:` lines count; later ones belong to the
  // free-text report a finding carries (a fuzzer's report repeats the options
  // in Python's spelling).
  void ReadSidecar(std::string_view text, CorpusCase& c) {
    bool first = true, have_options = false, have_value = false;
    for (std::string_view line : SplitView(text, '\n')) {
      line = TrimLine(line);
      if (line.rfind("options:", 0) == 0 && !std::exchange(have_options, true)) {
        std::string why;
        DecodeOptions o;
        if (ParseDecodeOptions(TrimLine(line.substr(8)), o, &why)) {
          c.options = std::move(o);
        } else {
          errors_.push_back(c.origin + ".txt: " + why);
        }
      } else if (line.rfind("value:", 0) == 0 && !std::exchange(have_value, true)) {
        c.value_text = std::string(TrimLine(line.substr(6)));
      } else if (first && !line.empty()) {
        c.description = std::string(line);
      }
      first = false;
    }
  }

  enum class TsvFormat { kGeneric, kEncoderVectors, kEncoderDumps, kValues };

  void AddVectors(const fs::path& p) {
    std::string text;
    const std::string origin = p.generic_string();
    if (!ReadFile(p.string(), text)) {
      errors_.push_back("cannot read " + origin);
      return;
    }
    ++stats_.vector_files;
    const std::string stem = p.stem().string();
    TsvFormat format = TsvFormat::kGeneric;
    size_t line_no = 0;
    for (std::string_view line : SplitView(text, '\n')) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (line[0] == '#') {
        if (line.find("\tP0..P5") != std::string_view::npos) format = TsvFormat::kEncoderVectors;
        if (line.find("\ttext\tout0") != std::string_view::npos) format = TsvFormat::kEncoderDumps;
        if (line.rfind("# id\ttext", 0) == 0) format = TsvFormat::kValues;
        continue;
      }
      std::vector<std::string_view> f = SplitView(line, '\t');
      const std::string where = origin + ":" + std::to_string(line_no);
      auto bad = [&](const std::string& why) { errors_.push_back(where + ": " + why); };
      switch (format) {
        case TsvFormat::kGeneric: {
          if (f.size() < 3) return bad("expected id <TAB> options <TAB> hex");
          CorpusCase c;
          c.id = EscapeCaseId(stem + ":" + std::string(f[0]));
          c.origin = where;
          std::string why;
          if (!ParseDecodeOptions(f[1], c.options, &why)) return bad(why);
          if (!AppendHex(f[2], c.pickle)) return bad("bad hex in column 3");
          ++stats_.vectors;
          Push(std::move(c));
          break;
        }
        case TsvFormat::kEncoderVectors:
          if (f.size() < 8) return bad("expected name, options, P0..P5");
          AddEncoderLine(stem, where, f, /*first_pickle=*/2, "P");
          break;
        case TsvFormat::kValues: {
          if (f.size() < 2) return bad("expected id <TAB> canonical text");
          CorpusCase v;
          v.id = EscapeCaseId(stem + ":" + std::string(f[0]));
          v.origin = where;
          v.has_pickle = false;
          v.value_text = std::string(f[1]);
          ++stats_.vectors;
          Push(std::move(v));
          break;
        }
        case TsvFormat::kEncoderDumps: {
          if (f.size() < 9) return bad("expected name, options, text, out0..out5");
          CorpusCase v;
          v.id = EscapeCaseId(stem + ":" + std::string(f[0]));
          v.origin = where;
          v.has_pickle = false;
          v.value_text = std::string(f[2]);
          ++stats_.vectors;
          Push(std::move(v));
          AddEncoderLine(stem, where, f, /*first_pickle=*/3, "out");
          break;
        }
      }
    }
  }

  // P0..P5 (or out0..out5) from column `first`, and for encoder vectors the
  // O<p><q> columns after them; "=N" and repeated bytes are not new cases.
  void AddEncoderLine(const std::string& stem, const std::string& where,
                      const std::vector<std::string_view>& f, size_t first, const char* tag) {
    DecodeOptions base;
    for (std::string_view opt : SplitView(f[1], ',')) {
      if (opt == "fix=0") base.fix_imports = false;
    }
    std::set<std::string> seen;
    auto add = [&](std::string_view field, const std::string& suffix) {
      if (field.empty() || field == "-" || field == "U" || field == "R" || field == "X" ||
          field[0] == '!' || field[0] == '=') {
        return;
      }
      CorpusCase c;
      c.id = EscapeCaseId(stem + ":" + std::string(f[0]) + "." + suffix);
      c.origin = where;
      c.options = base;
      std::string_view bytes_field = field.substr(0, field.find(';'));
      if (!AppendRunHex(bytes_field, c.pickle)) {
        errors_.push_back(where + ": bad pickle field " + suffix);
        return;
      }
      if (size_t semi = field.find(';'); semi != std::string_view::npos) {
        c.options.buffers.emplace();
        std::string_view list = field.substr(semi + 1);
        if (!list.empty()) {
          for (std::string_view b : SplitView(list, ',')) {
            OobBuffer buf;
            if (b.size() < 2 || (b[0] != 'r' && b[0] != 'w') || b[1] != ':' ||
                !AppendHex(b.substr(2), buf.data)) {
              errors_.push_back(where + ": bad buffer in " + suffix);
              return;
            }
            buf.readonly = b[0] == 'r';
            c.options.buffers->push_back(std::move(buf));
          }
        }
      }
      if (!seen.insert(c.pickle).second) return;
      ++stats_.vectors;
      Push(std::move(c));
    };
    for (size_t p = 0; p < 6 && first + p < f.size(); ++p) {
      add(f[first + p], std::string(tag) + std::to_string(p));
    }
    if (first == 2) {
      for (size_t k = 0; k < 36 && 8 + k < f.size(); ++k) {
        add(f[8 + k], "O" + std::to_string(k / 6) + std::to_string(k % 6));
      }
    }
  }

  void Push(CorpusCase c) {
    if (!ids_.insert(c.id).second) {
      ++stats_.skipped;  // the same case reached twice (e.g. a file under two PATHs)
      return;
    }
    out_.push_back(std::move(c));
  }

  const DecodeOptions& options_;
  std::vector<CorpusCase>& out_;
  CorpusStats& stats_;
  std::vector<std::string>& errors_;
  std::set<std::string> ids_;
};

// ---- diff results -------------------------------------------------------------------

// A verdict as one oracle alone would give it (no C/Python comparison).
std::string RunSummary(const Verdict& v, size_t run) {
  Verdict one;
  one.kind = v.runs[run].kind;
  one.ours = v.ours;
  one.runs.push_back(v.runs[run]);
  one.judge = 0;
  return one.Summary();
}

bool IsAdvisory(OracleImpl impl) { return impl == OracleImpl::kPython; }

// Why a case is in the report.
enum class Finding : uint8_t {
  kUnexpected,      // a required oracle diverged, not listed (or message changed)
  kExpected,        // a required oracle diverged, listed
  kDisagreement,    // we agree with C; the pure-Python oracle differs
  kAdvisory,        // an advisory oracle diverged otherwise (also alone)
  kInconclusive,    // some oracle could not decide, or our decoder could not
  kOracleFailure,   // some oracle gave no answer
};

struct CaseResult {
  std::vector<VerdictKind> kinds;          // per oracle
  std::vector<Expectation> expectations;   // per oracle
  bool disagree = false;                   // C and Python disagree
  std::unique_ptr<Verdict> detail;         // kept unless every run agreed
};

struct DiffArgs {
  std::vector<std::string> oracle_names{"cpython-c", "cpython-py"};
  size_t jobs = 0;
  DecodeOptions options;
  std::string report;
  std::string repro_dir;
  std::vector<std::string> expected;  // raw --expected values
  bool fix = false;
  bool strict_python = false;
  bool quiet = false;
  bool minimize = true;
  int timeout_ms = 10000;
  std::vector<std::string> paths;
};

constexpr char kDiffUsage[] =
    "usage: picklecheck diff [options] PATH...\n"
    "\n"
    "Decodes every pickle under PATH (files, directories, .tsv vector files) with the\n"
    "reference decoder and with CPython, and reports where they differ.\n"
    "\n"
    "  --oracle c|python|both|PYTHON[:c|:python|:both][,...]\n"
    "                     oracles (default both; the C one judges, pure-Python is advisory)\n"
    "  --jobs N           worker threads, one oracle process each (default: cores)\n"
    "  --options STR      Unpickler options of pickle files: fix=0|1,enc=NAME,err=NAME,\n"
    "                     pers=0|1,buf=wHEX;rHEX (vector lines and sidecars carry their own)\n"
    "  --report FILE.md   Markdown report of every divergence (hex, disassembly, results)\n"
    "  --repro-dir DIR    write each divergent input, minimized, as DIR/<sha1> + DIR/<sha1>.txt\n"
    "  --no-minimize      write the inputs as they are\n"
    "  --expected SPEC    FILE (the judge's list), ORACLE=FILE, DIR (DIR/<oracle>.txt) or\n"
    "                     none; default corpus/expected/<oracle>.txt (repeatable)\n"
    "  --fix              rewrite the expected lists to match this run (the pure-Python\n"
    "                     oracle's only with --strict-python)\n"
    "  --strict-python    pure-Python divergences and stale entries fail the run too\n"
    "  --timeout SECONDS  per oracle request (default 10)\n"
    "  --quiet            print only the summary table and the result line\n"
    "\n"
    "Exit: 0 pass, 1 unexpected divergence / stale entry / judge failure, 2 usage or setup error.\n";

int DiffUsage(const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "picklecheck diff: %s\n", problem.c_str());
  std::fputs(kDiffUsage, stderr);
  return 2;
}

// Resolves --expected values into one path per oracle ("" = no list).
bool ResolveExpected(const std::vector<std::string>& specs, const OracleSet& oracles,
                     std::vector<std::string>& paths, std::vector<bool>& must_exist,
                     std::string* why) {
  const size_t n = oracles.size();
  paths.assign(n, "");
  must_exist.assign(n, false);
  auto default_for = [&](size_t k) -> std::string {
    const std::string& name = oracles.name(k);
    if (name.find('/') != std::string::npos) return "";
    return SourceDir() + "/corpus/expected/" + name + ".txt";
  };
  if (specs.empty()) {
    for (size_t k = 0; k < n; ++k) paths[k] = default_for(k);
    return true;
  }
  for (const std::string& spec : specs) {
    if (spec == "none") {
      paths.assign(n, "");
      must_exist.assign(n, false);
      continue;
    }
    size_t eq = spec.find('=');
    if (eq != std::string::npos) {
      std::string name = spec.substr(0, eq);
      bool found = false;
      for (size_t k = 0; k < n; ++k) {
        if (oracles.name(k) == name) {
          paths[k] = spec.substr(eq + 1);
          must_exist[k] = false;  // --fix may create it
          found = true;
        }
      }
      if (!found) {
        *why = "--expected " + spec + ": no oracle named " + name;
        return false;
      }
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(spec, ec)) {
      for (size_t k = 0; k < n; ++k) {
        const std::string& name = oracles.name(k);
        paths[k] = name.find('/') == std::string::npos ? spec + "/" + name + ".txt" : "";
        must_exist[k] = false;
      }
      continue;
    }
    int judge = oracles.judge();
    if (judge < 0) continue;
    paths[static_cast<size_t>(judge)] = spec;
    must_exist[static_cast<size_t>(judge)] = false;
  }
  return true;
}

std::string InputNote(const CorpusCase& c) {
  std::string hex = ToHex(std::string_view(c.pickle).substr(0, 48));
  std::string note = "input " + hex + (c.pickle.size() > 48 ? "..." : "") + " (" +
                     std::to_string(c.pickle.size()) + " bytes";
  std::string opts = FormatDecodeOptions(c.options);
  if (opts != FormatDecodeOptions(DecodeOptions{})) note += ", " + opts;
  return note + ")";
}

std::string ReproName(const CorpusCase& c) {
  std::string name = Sha1Hex(c.pickle);
  std::string opts = FormatDecodeOptions(c.options);
  if (opts != FormatDecodeOptions(DecodeOptions{})) name += "-" + Sha1Hex(opts).substr(0, 8);
  return name;
}

// What makes two verdicts of one oracle "the same divergence".
struct DivergenceShape {
  VerdictKind kind;
  bool ours_accepted;
  ErrorKind our_error;
  OutcomeKind oracle_kind;
  std::string exception;
  bool operator==(const DivergenceShape&) const = default;
};

DivergenceShape ShapeOf(const Verdict& v, size_t run) {
  const OracleRun& r = v.runs[run];
  return {r.kind, v.ours.accepted, v.ours.accepted ? ErrorKind::kTruncated : v.ours.error.kind,
          r.outcome.kind, std::string(NormalizeExceptionName(r.outcome.exception))};
}

// Deletes opcodes (halves, quarters ... single opcodes, as ddmin does) while
// oracle `run` still diverges the same way; at most kMaxTries oracle calls.
// `last` receives the verdict of the returned input (one oracle).
std::string MinimizeInput(const std::string& input, const DecodeOptions& options, const Verdict& v,
                          size_t run, Oracle* oracle, Verdict& last) {
  constexpr int kMaxTries = 400;
  const DivergenceShape want = ShapeOf(v, run);
  Oracle* one[] = {oracle};
  Diff(input, options, one, last);
  if (ShapeOf(last, 0) != want) return input;  // not reproducible with one oracle
  std::string best = input;
  int tries = 0;
  auto boundaries = [](const std::string& bytes) {
    std::vector<size_t> at;
    for (const OpcodeAt& op : ScanOpcodes(std::span<const uint8_t>(
             reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))) {
      at.push_back(op.offset);
    }
    if (at.empty() || at.front() != 0) at.insert(at.begin(), 0);
    at.push_back(bytes.size());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    return at;  // opcode starts, then the end
  };
  Verdict trial;
  for (size_t chunk = std::max<size_t>(1, boundaries(best).size() / 2); chunk >= 1 && tries < kMaxTries;) {
    bool removed = false;
    std::vector<size_t> at = boundaries(best);
    const size_t n = at.size() - 1;  // opcodes (and a trailing tail)
    for (size_t start = 0; start < n && tries < kMaxTries; start += chunk) {
      size_t end = std::min(n, start + chunk);
      std::string candidate = best.substr(0, at[start]) + best.substr(at[end]);
      if (candidate == best) continue;
      ++tries;
      Diff(candidate, options, one, trial);
      if (ShapeOf(trial, 0) == want) {
        best = std::move(candidate);
        last = trial;
        removed = true;
        break;
      }
    }
    if (!removed) {
      if (chunk == 1) break;
      chunk /= 2;
    }
  }
  return best;
}

// Where our rejection happened, for "first differing offset".
std::string OurOffsetLine(const Verdict& v, const CorpusCase& c) {
  if (v.ours.accepted) return "";
  std::string out = "ours stopped at input offset " + std::to_string(v.ours.error.offset);
  if (v.ours.error.offset < c.pickle.size()) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x",
                  static_cast<unsigned char>(c.pickle[v.ours.error.offset]));
    out += " (opcode byte " + std::string(buf) + ")";
  }
  return out + ": " + Describe(v.ours.error);
}

void AppendCaseReport(std::string& md, const CorpusCase& c, const CaseResult& r, const std::string& repro,
                      const std::string& minimized) {
  const Verdict& v = *r.detail;
  md += "### `" + c.id + "`\n\n";
  md += "- origin: `" + c.origin + "`\n";
  if (!c.description.empty()) md += "- description: " + MarkdownCell(c.description, 300) + "\n";
  md += "- options: `" + FormatDecodeOptions(c.options) + "`\n";
  md += "- input: " + std::to_string(c.pickle.size()) + " bytes, sha1 " + Sha1Hex(c.pickle) + "\n";
  if (!repro.empty()) md += "- repro: `" + repro + "`\n";
  if (!minimized.empty()) {
    md += "- minimized: " + std::to_string(minimized.size()) + " bytes `" + ToHex(minimized.substr(0, 256)) +
          (minimized.size() > 256 ? "..." : "") + "`\n";
  }
  md += "- verdict: " + MarkdownCell(v.Summary(), 600) + "\n";
  for (size_t k = 0; k < v.runs.size(); ++k) {
    const OracleRun& run = v.runs[k];
    md += "- " + run.name + ": " + std::string(VerdictKindName(run.kind));
    if (IsDivergence(run.kind)) {
      md += " (" + std::string(ExpectationName(r.expectations[k])) +
            (IsAdvisory(run.impl) ? ", advisory" : "") + ")";
    }
    if (run.kind == VerdictKind::kValueMismatch) {
      md += "; first difference at canonical-text byte " + std::to_string(run.mismatch.offset) +
            ": ours `" + MarkdownCell(run.mismatch.ours) + "` vs `" +
            MarkdownCell(run.mismatch.theirs) + "`";
    }
    md += "\n";
  }
  if (r.disagree && v.cpython.kind == VerdictKind::kValueMismatch) {
    md += "- C vs Python: first difference at canonical-text byte " +
          std::to_string(v.cpython.mismatch.offset) + "\n";
  }
  std::string where = OurOffsetLine(v, c);
  if (!where.empty()) md += "- " + MarkdownCell(where, 300) + "\n";
  md += "\nResults:\n\n```\n" + FirstLines(v.Report(), 40) + "```\n\n";
  md += "Hex:\n\n```\n" + HexDump(c.pickle, 1024) + "```\n\n";
  DisasmOptions dis;
  dis.decode = c.options;
  std::string listing = Disassemble(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(c.pickle.data()), c.pickle.size()),
      dis);
  md += "Disassembly:\n\n```\n" + FirstLines(listing, 120) + "```\n\n";
}

}  // namespace

// ---- options ---------------------------------------------------------------------

bool ParseDecodeOptions(std::string_view text, DecodeOptions& out, std::string* why) {
  out = DecodeOptions{};
  text = TrimLine(text);
  if (text.empty()) return true;
  auto fail = [&](const std::string& w) {
    if (why) *why = "options \"" + std::string(text) + "\": " + w;
    return false;
  };
  for (std::string_view kv : SplitView(text, ',')) {
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return fail("expected key=value, got \"" + std::string(kv) + "\"");
    std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
    auto flag = [&](bool& b) {
      if (value != "0" && value != "1") return fail(std::string(key) + " must be 0 or 1");
      b = value == "1";
      return true;
    };
    if (key == "fix") {
      if (!flag(out.fix_imports)) return false;
    } else if (key == "pers") {
      if (!flag(out.persistent_load)) return false;
    } else if (key == "enc") {
      out.encoding = std::string(value);
    } else if (key == "err") {
      out.errors = std::string(value);
    } else if (key == "buf") {
      out.buffers.emplace();
      if (value.empty()) continue;
      for (std::string_view b : SplitView(value, ';')) {
        OobBuffer buf;
        if (b.empty() || (b[0] != 'w' && b[0] != 'r') || !AppendHex(b.substr(1), buf.data)) {
          return fail("buffers are w<hex> or r<hex>, got \"" + std::string(b) + "\"");
        }
        buf.readonly = b[0] == 'r';
        out.buffers->push_back(std::move(buf));
      }
    } else {
      return fail("unknown key \"" + std::string(key) + "\"");
    }
  }
  return true;
}

std::string FormatDecodeOptions(const DecodeOptions& o) {
  std::string out = "fix=" + std::string(o.fix_imports ? "1" : "0") + ",enc=" + o.encoding +
                    ",err=" + o.errors + ",pers=" + (o.persistent_load ? "1" : "0");
  if (o.buffers) {
    out += ",buf=";
    for (size_t k = 0; k < o.buffers->size(); ++k) {
      if (k) out += ";";
      out += (*o.buffers)[k].readonly ? "r" : "w";
      out += ToHex((*o.buffers)[k].data);
    }
  }
  return out;
}

// ---- corpus ------------------------------------------------------------------------

bool LoadCorpus(std::span<const std::string> paths, const DecodeOptions& options,
                std::vector<CorpusCase>& out, CorpusStats* stats, std::vector<std::string>& errors) {
  CorpusStats local;
  CorpusStats& s = stats ? *stats : local;
  const size_t errors_before = errors.size();
  CorpusLoader loader(options, out, s, errors);
  for (const std::string& p : paths) loader.AddPath(p);
  return errors.size() == errors_before;
}

std::string EscapeCaseId(std::string_view id) {
  std::string out;
  for (char c : id) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '#' || c == '%') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string SourceDir() {
  const char* env = std::getenv("PICKLECHECK_SOURCE_DIR");
  return env && *env ? std::string(env) : std::string(PICKLECHECK_DIFF_SOURCE_DIR);
}

// ---- report text -------------------------------------------------------------------

std::string Sha1Hex(std::string_view data) {
  Sha1 h;
  h.Update(data);
  return h.HexDigest();
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

std::string HexDump(std::string_view bytes, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const size_t n = std::min(bytes.size(), max_bytes);
  for (size_t row = 0; row < n; row += 16) {
    char off[16];
    std::snprintf(off, sizeof off, "%08zx  ", row);
    out += off;
    for (size_t i = 0; i < 16; ++i) {
      if (row + i < n) {
        auto b = static_cast<uint8_t>(bytes[row + i]);
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
        out.push_back(' ');
      } else {
        out += "   ";
      }
      if (i == 7) out.push_back(' ');
    }
    out += " |";
    for (size_t i = 0; i < 16 && row + i < n; ++i) {
      auto b = static_cast<uint8_t>(bytes[row + i]);
      out.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.');
    }
    out += "|\n";
  }
  if (bytes.size() > n) {
    out += "... " + std::to_string(bytes.size() - n) + " more bytes (" +
           std::to_string(bytes.size()) + " in all)\n";
  }
  return out;
}

std::string FirstLines(std::string_view text, size_t max_lines) {
  std::string out;
  size_t lines = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (lines == max_lines) {
      size_t rest = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) -
                    (text.back() == '\n' ? 1 : 0);
      out += "... (" + std::to_string(rest) + " more lines)\n";
      return out;
    }
    // A single line can be a whole canonical text: keep it readable. Raw
    // control bytes (CPython messages quote input bytes) are escaped.
    for (char c : CutUtf8(line, 2000)) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
        out += buf;
      } else {
        out.push_back(c);
      }
    }
    if (line.size() > 2000) out += "... (" + std::to_string(line.size()) + " bytes)";
    out.push_back('\n');
    ++lines;
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = std::max<size_t>(header[c].size(), 3);
    for (const auto& row : rows) {
      if (c < row.size()) width[c] = std::max(width[c], row[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (size_t c = 0; c < header.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      s += " " + (c == 0 ? PadRight(cell, width[c]) : PadLeft(cell, width[c])) + " |";
    }
    return s + "\n";
  };
  std::string out = line(header);
  std::string sep = "|";
  for (size_t c = 0; c < header.size(); ++c) {
    sep += c == 0 ? std::string(width[c] + 2, '-') + "|" : std::string(width[c] + 1, '-') + ":|";
  }
  out += sep + "\n";
  for (const auto& row : rows) out += line(row);
  return out;
}

bool WriteWholeFile(const std::string& path, std::string_view data) { return WriteFile(path, data); }

std::string MarkdownCell(std::string_view text, size_t max) {
  std::string_view cut = CutUtf8(text, max);
  std::string out;
  for (char c : cut) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '`') {
      out += "'";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  if (cut.size() < text.size()) out += "...";
  return out;
}

// ---- oracles -----------------------------------------------------------------------

namespace {

bool ParseOneOracle(std::string_view flag, std::vector<std::string>& names) {
  if (flag.empty()) return false;
  if (flag == "c") {
    names.push_back("cpython-c");
  } else if (flag == "python" || flag == "py") {
    names.push_back("cpython-py");
  } else if (flag == "both") {
    names.push_back("cpython-c");
    names.push_back("cpython-py");
  } else {
    std::vector<std::string> registered = RegisteredOracleNames();
    if (std::find(registered.begin(), registered.end(), flag) != registered.end()) {
      names.emplace_back(flag);
      return true;
    }
    size_t colon = flag.rfind(':');
    std::string_view impl = colon == std::string_view::npos ? "" : flag.substr(colon + 1);
    if (impl == "c" || impl == "python" || impl == "py") {
      names.emplace_back(flag);
    } else if (impl == "both") {
      std::string py(flag.substr(0, colon));
      names.push_back(py + ":c");
      names.push_back(py + ":python");
    } else {
      names.push_back(std::string(flag) + ":c");
    }
  }
  return true;
}

}  // namespace

bool ParseOracleFlag(std::string_view flag, std::vector<std::string>& names, std::string* why) {
  names.clear();
  for (std::string_view one : SplitView(flag, ',')) {
    if (!ParseOneOracle(one, names)) {
      if (why) *why = "--oracle: empty oracle name in \"" + std::string(flag) + "\"";
      names.clear();
      return false;
    }
  }
  // The same oracle twice would judge twice.
  std::vector<std::string> unique;
  for (const std::string& n : names) {
    if (std::find(unique.begin(), unique.end(), n) == unique.end()) unique.push_back(n);
  }
  names = std::move(unique);
  return true;
}

bool OracleSet::Make(const std::vector<std::string>& names, size_t workers,
                     const OracleOptions& options, std::string* why) {
  names_.clear();
  impls_.clear();
  infos_.clear();
  pools_.clear();
  for (const std::string& name : names) {
    std::string error;
    std::unique_ptr<OraclePool> pool = OraclePool::Make(name, workers, options, &error);
    if (!pool) {
      if (why) *why = "oracle " + name + ": " + error;
      return false;
    }
    names_.push_back(name);
    pools_.push_back(std::move(pool));
  }
  // Start every process of every pool at once: interpreters take tens of ms.
  std::vector<OracleError> errors(pools_.size());
  std::vector<char> ok(pools_.size(), 0);
  std::vector<std::thread> threads;
  for (size_t k = 0; k < pools_.size(); ++k) {
    threads.emplace_back([&, k] { ok[k] = pools_[k]->StartAll(&errors[k]) ? 1 : 0; });
  }
  for (std::thread& t : threads) t.join();
  for (size_t k = 0; k < pools_.size(); ++k) {
    if (!ok[k]) {
      if (why) {
        *why = "oracle " + names_[k] + " cannot start: " +
               std::string(OracleErrorKindName(errors[k].kind)) + ": " + errors[k].message;
        if (!errors[k].stderr_tail.empty()) *why += "\n" + errors[k].stderr_tail;
      }
      return false;
    }
    OraclePool::Lease lease = pools_[k]->Acquire();
    impls_.push_back(lease->impl());
    lease.Release();
    infos_.push_back(pools_[k]->Info());
  }
  return true;
}

int OracleSet::judge() const {
  for (size_t k = 0; k < impls_.size(); ++k) {
    if (impls_[k] == OracleImpl::kC) return static_cast<int>(k);
  }
  return impls_.empty() ? -1 : 0;
}

std::vector<OraclePool::Lease> OracleSet::AcquireAll() {
  std::vector<OraclePool::Lease> out;
  out.reserve(pools_.size());
  for (auto& p : pools_) out.push_back(p->Acquire());
  return out;
}

std::string OracleSet::Describe() const {
  size_t width = 0;
  for (const std::string& n : names_) width = std::max(width, n.size());
  std::string out;
  const int j = judge();
  for (size_t k = 0; k < names_.size(); ++k) {
    std::string role = static_cast<int>(k) == j && !IsAdvisory(impls_[k]) ? "(judge)   "
                       : IsAdvisory(impls_[k])                             ? "(advisory)"
                                                                           : "(required)";
    std::string line = DescribeOracle(infos_[k]);
    // DescribeOracle starts with "name: "; align it.
    std::string rest = line.substr(std::min(line.size(), names_[k].size() + 2));
    out += "  " + PadRight(names_[k], width) + " " + role + " " + rest + "\n";
  }
  return out;
}

// ---- running -----------------------------------------------------------------------

ProgressBar::ProgressBar(std::string unit, uint64_t total) : unit_(std::move(unit)), total_(total) {
  enabled_ = ::isatty(STDERR_FILENO) == 1 && total_ > 0;
}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Tick(uint64_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  if (enabled_) Draw(false);
}

void ProgressBar::Draw(bool force) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_draw_ns_.load(std::memory_order_relaxed);
  if (!force && now - last < 100'000'000) return;
  if (drawing_.exchange(true)) return;
  last_draw_ns_.store(now, std::memory_order_relaxed);
  const uint64_t done = std::min(done_.load(std::memory_order_relaxed), total_);
  constexpr int kWidth = 30;
  int fill = static_cast<int>(done * kWidth / total_);
  std::string bar = "\r\x1b[K[";
  for (int i = 0; i < kWidth; ++i) bar.push_back(i < fill ? '=' : (i == fill ? '>' : ' '));
  bar += "] " + std::to_string(done) + "/" + std::to_string(total_) + " " + unit_;
  std::fwrite(bar.data(), 1, bar.size(), stderr);
  std::fflush(stderr);
  drawing_.store(false);
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
}

void ParallelFor(size_t count, size_t jobs, const std::function<void(size_t, size_t)>& work,
                 ProgressBar* progress) {
  jobs = std::max<size_t>(1, std::min(jobs, std::max<size_t>(count, 1)));
  std::atomic<size_t> next{0};
  auto loop = [&](size_t worker) {
    while (true) {
      size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) return;
      work(worker, i);
      if (progress) progress->Tick();
    }
  };
  if (jobs == 1) {
    loop(0);
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (size_t w = 0; w < jobs; ++w) threads.emplace_back(loop, w);
  for (std::thread& t : threads) t.join();
}

// ---- expected lists ----------------------------------------------------------------

std::string ExpectedPrefix(std::string_view summary) {
  summary = summary.substr(0, summary.find_first_of("\r\n"));
  // Object addresses in CPython messages change from run to run.
  if (size_t at = summary.find(" at 0x"); at != std::string_view::npos) summary = summary.substr(0, at);
  std::string_view cut = CutUtf8(summary, 120);
  return std::string(TrimLine(cut));
}

bool ExpectedFile::Load(const std::string& path, bool must_exist, std::string* why) {
  path_ = path;
  lines_.clear();
  noted_.clear();
  std::string text;
  if (!ReadFile(path, text)) {
    if (must_exist) {
      if (why) *why = "cannot read " + path;
      return false;
    }
    list_.Parse("", nullptr);
    return true;
  }
  for (std::string_view line : SplitView(text, '\n')) lines_.emplace_back(line);
  if (!lines_.empty() && lines_.back().empty()) lines_.pop_back();
  std::string error;
  if (!list_.Parse(text, &error)) {
    if (why) *why = path + ":" + error;
    return false;
  }
  return true;
}

void ExpectedFile::NoteDivergence(const std::string& case_id, std::string_view summary,
                                  std::string input_note) {
  noted_.push_back({case_id, ExpectedPrefix(summary), std::move(input_note)});
}

bool ExpectedFile::Fix(std::string_view header, std::string* why) const {
  // The header: the file's leading comment lines, else `header`.
  std::string out;
  size_t first_entry_line = lines_.size();
  for (const ExpectedDivergence& e : list_.entries()) {
    first_entry_line = std::min(first_entry_line, static_cast<size_t>(e.line - 1));
  }
  size_t header_end = 0;
  while (header_end < lines_.size() && header_end < first_entry_line &&
         !lines_[header_end].empty() && lines_[header_end][0] == '#' &&
         lines_[header_end].rfind("#   ", 0) != 0) {
    ++header_end;
  }
  if (header_end > 0) {
    for (size_t k = 0; k < header_end; ++k) out += lines_[k] + "\n";
  } else {
    out += ExpectedDivergences::Format({}, header);
  }
  out += "\n";

  std::map<std::string, std::string> blocks;  // case id -> its lines
  std::set<std::string> stale;
  for (const ExpectedDivergence* e : list_.Stale()) stale.insert(e->case_id);
  std::set<std::string> noted_ids;
  for (const Noted& n : noted_) noted_ids.insert(n.case_id);
  // Entries kept as written: not stale, not re-noted (not run, or not judged).
  for (const ExpectedDivergence& e : list_.entries()) {
    if (stale.count(e.case_id) || noted_ids.count(e.case_id)) continue;
    std::string block;
    size_t at = static_cast<size_t>(e.line - 1);
    size_t start = at;
    while (start > header_end && lines_[start - 1].rfind("#   ", 0) == 0) --start;
    for (size_t k = start; k <= at && k < lines_.size(); ++k) block += lines_[k] + "\n";
    blocks[e.case_id] = block;
  }
  for (const Noted& n : noted_) {
    const ExpectedDivergence* old = list_.Find(n.case_id);
    // A listed prefix that still matches stays: it may be hand-shortened.
    std::string prefix = n.prefix;
    if (old && !old->message_prefix.empty() &&
        n.prefix.substr(0, old->message_prefix.size()) == old->message_prefix) {
      prefix = old->message_prefix;
    }
    std::string block;
    if (!n.note.empty()) block += "#   " + n.note + "\n";
    block += n.case_id;
    if (!prefix.empty()) block += "  # " + prefix;
    block += "\n";
    blocks[n.case_id] = block;
  }
  for (const auto& [id, block] : blocks) out += block;
  if (!WriteFile(path_, out)) {
    if (why) *why = "cannot write " + path_;
    return false;
  }
  return true;
}

// ---- the command ---------------------------------------------------------------------

int RunDiff(int argc, char** argv) {
  DiffArgs args;
  std::string why;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "-h" || arg == "--help") {
      std::fputs(kDiffUsage, stdout);
      return 0;
    } else if (arg == "--oracle") {
      if (!value(v) || !ParseOracleFlag(v, args.oracle_names, &why)) return DiffUsage("bad --oracle");
    } else if (arg == "--jobs" || arg == "-j") {
      if (!value(v) || v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(v) == 0 || std::stoul(v) > 256) {
        return DiffUsage("--jobs needs a number 1-256");
      }
      args.jobs = std::stoul(v);
    } else if (arg == "--options") {
      if (!value(v)) return DiffUsage("--options needs a value");
      if (!ParseDecodeOptions(v, args.options, &why)) return DiffUsage(why);
    } else if (arg == "--report") {
      if (!value(args.report)) return DiffUsage("--report needs a file");
    } else if (arg == "--repro-dir") {
      if (!value(args.repro_dir)) return DiffUsage("--repro-dir needs a directory");
    } else if (arg == "--expected") {
      if (!value(v)) return DiffUsage("--expected needs a value");
      args.expected.push_back(v);
    } else if (arg == "--fix") {
      args.fix = true;
    } else if (arg == "--strict-python") {
      args.strict_python = true;
    } else if (arg == "--quiet" || arg == "-q") {
      args.quiet = true;
    } else if (arg == "--no-minimize") {
      args.minimize = false;
    } else if (arg == "--timeout") {
      if (!value(v) || v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
        return DiffUsage("--timeout needs whole seconds");
      args.timeout_ms = static_cast<int>(std::min<unsigned long>(std::stoul(v), 3600) * 1000);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return DiffUsage("unknown option " + arg);
    } else {
      args.paths.push_back(arg);
    }
  }
  if (args.paths.empty()) return DiffUsage("no PATH given");
  if (args.jobs == 0) args.jobs = std::max(1u, std::thread::hardware_concurrency());
  const auto started = std::chrono::steady_clock::now();

  // The corpus.
  std::vector<CorpusCase> all;
  CorpusStats stats;
  std::vector<std::string> errors;
  LoadCorpus(args.paths, args.options, all, &stats, errors);
  for (const std::string& e : errors) std::fprintf(stderr, "picklecheck diff: %s\n", e.c_str());
  if (!errors.empty()) return 2;
  std::vector<CorpusCase> cases;
  cases.reserve(all.size());
  for (CorpusCase& c : all) {
    if (c.has_pickle) cases.push_back(std::move(c));
  }
  all.clear();
  if (cases.empty()) {
    std::fprintf(stderr, "picklecheck diff: no pickles under the given paths\n");
    return 2;
  }
  args.jobs = std::min(args.jobs, cases.size());

  // The oracles.
  OracleOptions oracle_options;
  oracle_options.timeout = std::chrono::milliseconds(args.timeout_ms);
  OracleSet oracles;
  if (!oracles.Make(args.oracle_names, args.jobs, oracle_options, &why)) {
    std::fprintf(stderr, "picklecheck diff: %s\n", why.c_str());
    return 2;
  }
  const size_t n_oracles = oracles.size();
  std::vector<std::string> list_paths;
  std::vector<bool> must_exist;
  if (!ResolveExpected(args.expected, oracles, list_paths, must_exist, &why)) return DiffUsage(why);
  std::vector<ExpectedFile> lists(n_oracles);
  for (size_t k = 0; k < n_oracles; ++k) {
    if (list_paths[k].empty()) continue;
    if (!lists[k].Load(list_paths[k], must_exist[k], &why)) {
      std::fprintf(stderr, "picklecheck diff: %s\n", why.c_str());
      return 2;
    }
  }

  // Run.
  std::vector<CaseResult> results(cases.size());
  std::vector<std::vector<OraclePool::Lease>> leases(args.jobs);
  for (auto& l : leases) l = oracles.AcquireAll();
  std::vector<Verdict> scratch(args.jobs);
  {
    ProgressBar progress("cases", cases.size());
    ParallelFor(
        cases.size(), args.jobs,
        [&](size_t worker, size_t i) {
          std::vector<Oracle*> ptrs;
          ptrs.reserve(n_oracles);
          for (auto& lease : leases[worker]) ptrs.push_back(lease.get());
          Verdict& v = scratch[worker];
          Diff(cases[i].pickle, cases[i].options, ptrs, v);
          CaseResult& r = results[i];
          r.kinds.resize(n_oracles);
          bool all_agree = true;
          for (size_t k = 0; k < n_oracles; ++k) {
            r.kinds[k] = v.runs[k].kind;
            if (r.kinds[k] != VerdictKind::kAgree) all_agree = false;
          }
          r.disagree = v.cpython.disagree;
          if (!all_agree || r.disagree) r.detail = std::make_unique<Verdict>(v);
        },
        &progress);
  }
  leases.clear();
  const auto elapsed = std::chrono::steady_clock::now() - started;

  // Judge against the lists, in case order.
  const int judge = oracles.judge();
  std::array<std::vector<uint64_t>, kNumVerdictKinds> counts;
  for (auto& c : counts) c.assign(n_oracles, 0);
  std::vector<uint64_t> unexpected(n_oracles, 0), expected_seen(n_oracles, 0),
      changed(n_oracles, 0);
  uint64_t disagreements = 0, disagreements_listed = 0, judge_failures = 0;
  std::vector<std::pair<size_t, Finding>> findings;  // case index, why reported
  for (size_t i = 0; i < cases.size(); ++i) {
    CaseResult& r = results[i];
    r.expectations.assign(n_oracles, Expectation::kPass);
    const bool judge_diverged = judge >= 0 && IsDivergence(r.kinds[static_cast<size_t>(judge)]);
    bool any_unexpected = false, any_expected = false, any_inconclusive = false,
         any_failure = false, any_advisory = false;
    for (size_t k = 0; k < n_oracles; ++k) {
      const VerdictKind kind = r.kinds[k];
      ++counts[static_cast<size_t>(kind)][k];
      const bool advisory = IsAdvisory(oracles.impl(k));
      if (kind == VerdictKind::kInconclusive) any_inconclusive = true;
      if (kind == VerdictKind::kOracleFailure) {
        any_failure = true;
        if (!advisory) ++judge_failures;
      }
      if (!lists[k].loaded()) {
        r.expectations[k] = IsDivergence(kind) ? Expectation::kUnexpectedDivergence : Expectation::kPass;
      } else if (advisory && judge_diverged && static_cast<int>(k) != judge) {
        // The judge's verdict covers this input: its list must hold it.
        r.expectations[k] = lists[k].list().Check(cases[i].id, VerdictKind::kInconclusive, "");
      } else {
        std::string summary = IsDivergence(kind) ? RunSummary(*r.detail, k) : std::string();
        r.expectations[k] = lists[k].list().Check(cases[i].id, kind, summary);
        if (IsDivergence(kind)) lists[k].NoteDivergence(cases[i].id, summary, InputNote(cases[i]));
      }
      const Expectation e = r.expectations[k];
      if (e == Expectation::kExpectedDivergence) {
        ++expected_seen[k];
        if (!advisory) any_expected = true;
      }
      if (e == Expectation::kMessageChanged) ++changed[k];
      if (e == Expectation::kUnexpectedDivergence || e == Expectation::kMessageChanged) {
        ++unexpected[k];
        if (!advisory) any_unexpected = true;
      }
      if (advisory && IsDivergence(kind) && (!judge_diverged || static_cast<int>(k) == judge)) {
        any_advisory = true;
      }
    }
    if (r.disagree) {
      ++disagreements;
      for (size_t k = 0; k < n_oracles; ++k) {
        if (IsAdvisory(oracles.impl(k)) &&
            r.expectations[k] == Expectation::kExpectedDivergence) {
          ++disagreements_listed;
          break;
        }
      }
    }
    if (any_unexpected) {
      findings.emplace_back(i, Finding::kUnexpected);
    } else if (any_expected) {
      findings.emplace_back(i, Finding::kExpected);
    } else if (r.disagree) {
      findings.emplace_back(i, Finding::kDisagreement);
    } else if (any_advisory) {
      findings.emplace_back(i, Finding::kAdvisory);
    } else if (any_failure) {
      findings.emplace_back(i, Finding::kOracleFailure);
    } else if (any_inconclusive) {
      findings.emplace_back(i, Finding::kInconclusive);
    }
  }
  std::vector<uint64_t> stale(n_oracles, 0);
  for (size_t k = 0; k < n_oracles; ++k) {
    if (lists[k].loaded()) stale[k] = lists[k].list().Stale().size();
  }

  // Failures.
  uint64_t required_failures = judge_failures, advisory_failures = 0;
  for (size_t k = 0; k < n_oracles; ++k) {
    uint64_t f = unexpected[k] + stale[k];
    if (IsAdvisory(oracles.impl(k))) {
      advisory_failures += f;
    } else {
      required_failures += f;
    }
  }
  const bool failed = required_failures > 0 || (args.strict_python && advisory_failures > 0);

  // Repro files: each divergent input, minimized (the same divergence with
  // as few opcodes as possible), as DIR/<sha1> + DIR/<sha1>.txt.
  std::map<size_t, std::string> repro_paths;
  std::map<size_t, std::string> minimized;  // case index -> minimized bytes
  if (!args.repro_dir.empty()) {
    std::error_code ec;
    fs::create_directories(args.repro_dir, ec);
    std::vector<OraclePool::Lease> lease = oracles.AcquireAll();
    for (const auto& [i, finding] : findings) {
      if (finding == Finding::kInconclusive || finding == Finding::kOracleFailure) continue;
      if (finding == Finding::kDisagreement && !args.strict_python) continue;
      const CorpusCase& c = cases[i];
      const Verdict& v = *results[i].detail;
      // The run that shows it: the judge's if it diverged, else the first divergent one.
      size_t run = 0;
      for (size_t k = 0; k < n_oracles; ++k) {
        if (IsDivergence(v.runs[k].kind)) {
          run = k;
          if (static_cast<int>(k) == judge) break;
        }
      }
      if (finding == Finding::kDisagreement && judge >= 0) run = static_cast<size_t>(v.cpython.python_run);
      std::string small = c.pickle;
      Verdict last = v;
      if (args.minimize) small = MinimizeInput(c.pickle, c.options, v, run, lease[run].get(), last);
      if (small.size() < c.pickle.size()) minimized[i] = small;
      CorpusCase shown = c;
      shown.pickle = small;
      const std::string base = args.repro_dir + "/" + ReproName(shown);
      std::string txt = ExpectedPrefix(RunSummary(last, 0)) + "\n";
      txt += "options: " + FormatDecodeOptions(c.options) + "\n";
      txt += "case: " + c.id + "\n";
      txt += "origin: " + c.origin + "\n";
      txt += "hex: " + ToHex(small) + "\n";
      if (small.size() < c.pickle.size()) {
        txt += "minimized from " + std::to_string(c.pickle.size()) + " bytes: " + ToHex(c.pickle) + "\n";
      }
      txt += last.Report();
      if (small.size() < c.pickle.size()) txt += "original input:\n" + v.Report();
      if (!WriteFile(base, small) || !WriteFile(base + ".txt", txt)) {
        std::fprintf(stderr, "picklecheck diff: cannot write %s\n", base.c_str());
        return 2;
      }
      repro_paths[i] = base;
    }
  }

  // The summary table.
  std::string table;
  {
    std::vector<std::string> header{"verdict"};
    for (size_t k = 0; k < n_oracles; ++k) header.push_back(oracles.name(k));
    std::vector<std::vector<std::string>> rows;
    for (int kind = 0; kind < kNumVerdictKinds; ++kind) {
      if (static_cast<VerdictKind>(kind) == VerdictKind::kCPythonDisagreement) continue;
      std::vector<std::string> row{std::string(VerdictKindName(static_cast<VerdictKind>(kind)))};
      for (size_t k = 0; k < n_oracles; ++k) row.push_back(std::to_string(counts[static_cast<size_t>(kind)][k]));
      rows.push_back(row);
    }
    auto add_row = [&](const std::string& name, const std::vector<uint64_t>& v) {
      std::vector<std::string> row{name};
      for (size_t k = 0; k < n_oracles; ++k) row.push_back(lists[k].loaded() ? std::to_string(v[k]) : "-");
      rows.push_back(row);
    };
    add_row("listed (expected)", expected_seen);
    add_row("unlisted or changed", unexpected);
    add_row("stale list entries", stale);
    table = FormatTable(header, rows);
  }
  std::string headline = "picklecheck diff: " + std::to_string(cases.size()) + " cases (" +
                         std::to_string(stats.files) + " files, " + std::to_string(stats.vectors) +
                         " vectors from " + std::to_string(stats.vector_files) + " .tsv files) in " +
                         FormatDuration(elapsed) + ", " + std::to_string(args.jobs) + " jobs\n";
  std::string result_line = std::string("result: ") + (failed ? "FAIL" : "PASS") + " (" +
                            std::to_string(required_failures) + " failures";
  if (judge_failures) result_line += " incl. " + std::to_string(judge_failures) + " judge oracle failures";
  result_line += "; " + std::to_string(disagreements) + " C/Python disagreements (" +
                 std::to_string(disagreements_listed) + " listed)";
  if (advisory_failures) {
    result_line += "; " + std::to_string(advisory_failures) + " advisory failures" +
                   (args.strict_python ? "" : " (not failing without --strict-python)");
  }
  result_line += ")\n";

  std::string out = headline + oracles.Describe() + "\n" + table + "\n";
  if (!args.quiet) {
    size_t shown = 0;
    for (const auto& [i, finding] : findings) {
      if (finding != Finding::kUnexpected) continue;
      if (shown++ == 50) {
        out += "  ... (see --report for the rest)\n";
        break;
      }
      out += "UNEXPECTED " + cases[i].id + ": " + results[i].detail->Summary() + "\n";
    }
    for (size_t k = 0; k < n_oracles; ++k) {
      if (!lists[k].loaded()) continue;
      for (const ExpectedDivergence* e : lists[k].list().Stale()) {
        out += "STALE " + oracles.name(k) + " " + e->case_id + " (" + lists[k].path() + ":" +
               std::to_string(e->line) + ")\n";
      }
    }
  }
  out += result_line;
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);

  // The Markdown report.
  if (!args.report.empty()) {
    std::string md = "# picklecheck diff report\n\n";
    md += "```\n" + headline + oracles.Describe() + "```\n\n";
    md += "Paths: ";
    for (const std::string& p : args.paths) md += "`" + p + "` ";
    md += "\n\nExpected lists: ";
    for (size_t k = 0; k < n_oracles; ++k) {
      md += oracles.name(k) + " " + (lists[k].loaded() ? "`" + lists[k].path() + "`" : "none") + "; ";
    }
    md += "\n\n## Summary\n\n" + table + "\n" + result_line + "\n";
    struct Section {
      Finding finding;
      const char* title;
      const char* blurb;
    };
    static constexpr Section kSections[] = {
        {Finding::kUnexpected, "Unexpected divergences",
         "A required oracle diverged from the decoder and no expected-list entry covers it."},
        {Finding::kExpected, "Expected divergences", "Listed in the judge's expected list."},
        {Finding::kDisagreement, "C/Python disagreements",
         "The decoder agrees with the C unpickler; the pure-Python one differs (advisory)."},
        {Finding::kAdvisory, "Advisory divergences", "Only an advisory oracle diverged."},
        {Finding::kOracleFailure, "Oracle failures", "An oracle gave no answer (crash, garbage, 'X')."},
    };
    constexpr size_t kDetailLimit = 300;
    for (const Section& s : kSections) {
      std::vector<size_t> which;
      for (const auto& [i, f] : findings) {
        if (f == s.finding) which.push_back(i);
      }
      md += "## " + std::string(s.title) + " (" + std::to_string(which.size()) + ")\n\n" + s.blurb + "\n\n";
      size_t detailed = 0;
      std::string overflow;
      for (size_t i : which) {
        if (detailed < kDetailLimit) {
          AppendCaseReport(md, cases[i], results[i], repro_paths.count(i) ? repro_paths[i] : "",
                           minimized.count(i) ? minimized[i] : "");
          ++detailed;
        } else {
          overflow += "| `" + cases[i].id + "` | " + MarkdownCell(results[i].detail->Summary()) + " |\n";
        }
      }
      if (!overflow.empty()) md += "More (summaries only):\n\n| case | verdict |\n|---|---|\n" + overflow + "\n";
    }
    // Inconclusive: a table, shown in full.
    std::string inconclusive;
    uint64_t n_inconclusive = 0;
    for (const auto& [i, f] : findings) {
      if (f != Finding::kInconclusive) continue;
      ++n_inconclusive;
      inconclusive += "| `" + cases[i].id + "` | " + MarkdownCell(results[i].detail->Summary()) + " |\n";
    }
    md += "## Inconclusive (" + std::to_string(n_inconclusive) +
          ")\n\nA side could not decide: our UnsupportedForm/LimitExceeded, or the oracle's "
          "resource limit, timeout or 'U'.\n\n";
    if (n_inconclusive) md += "| case | verdict |\n|---|---|\n" + inconclusive + "\n";
    md += "## Stale expected-list entries\n\n";
    for (size_t k = 0; k < n_oracles; ++k) {
      if (!lists[k].loaded()) continue;
      for (const ExpectedDivergence* e : lists[k].list().Stale()) {
        md += "- " + oracles.name(k) + ": `" + e->case_id + "` (" + lists[k].path() + ":" +
              std::to_string(e->line) + ")\n";
      }
    }
    if (!WriteFile(args.report, md)) {
      std::fprintf(stderr, "picklecheck diff: cannot write %s\n", args.report.c_str());
      return 2;
    }
  }

  if (args.fix) {
    for (size_t k = 0; k < n_oracles; ++k) {
      // Advisory lists are report-only unless the run is strict about them.
      if (!lists[k].loaded() || (IsAdvisory(oracles.impl(k)) && !args.strict_python)) continue;
      std::string header = "Expected divergences of picklecheck from the " + oracles.name(k) +
                           " oracle: one case id per line,\noptionally followed by \"# message "
                           "prefix\". Each entry says why, with the input.";
      if (!lists[k].Fix(header, &why)) {
        std::fprintf(stderr, "picklecheck diff: %s\n", why.c_str());
        return 2;
      }
      std::fprintf(stderr, "picklecheck diff: rewrote %s\n", lists[k].path().c_str());
    }
    return 0;
  }
  return failed ? 1 : 0;
}

}  // namespace picklecheck

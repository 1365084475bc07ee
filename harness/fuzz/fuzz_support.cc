#include "harness/fuzz/fuzz_support.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unordered_map>
#include <utility>

#include "harness/fuzz/decode_input.h"
#include "harness/fuzz/pickle_mutator.h"
#include "harness/pickle/disasm.h"

#ifndef PICKLECHECK_FUZZ_SOURCE_DIR
#define PICKLECHECK_FUZZ_SOURCE_DIR ""
#endif

namespace picklecheck::fuzz {
namespace {

namespace fs = std::filesystem;

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return !path.empty() && fs::is_regular_file(path, ec);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string Hex(std::string_view bytes, size_t max) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(bytes.size(), max) * 2 + 3);
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    uint8_t b = static_cast<uint8_t>(bytes[i]);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  if (bytes.size() > max) out += "...";
  return out;
}

std::string FormatFinding(std::string_view target, const Finding& finding) {
  std::string out = "\n==== ";
  out.append(target);
  out += " finding: " + finding.summary + "\nsignature: " + finding.signature + "\n";
  out += finding.details;
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  out += "==== end of finding\n";
  return out;
}

void ReportAndTrap(std::string_view target, const Finding& finding) {
  std::string text = FormatFinding(target, finding);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  __builtin_trap();
}

std::string ExeDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  return fs::path(buf).parent_path().string();
}

std::string FindDataFile(std::string_view rel, std::string_view shipped) {
  std::string name = shipped.empty() ? fs::path(std::string(rel)).filename().string() : std::string(shipped);
  if (const char* src = std::getenv("PICKLECHECK_SOURCE_DIR"); src != nullptr && *src) {
    std::string p = std::string(src) + "/" + std::string(rel);
    if (Exists(p)) return p;
  }
  if (std::string dir = ExeDir(); !dir.empty()) {
    std::string p = dir + "/" + name;
    if (Exists(p)) return p;
  }
  if (std::string_view built = PICKLECHECK_FUZZ_SOURCE_DIR; !built.empty()) {
    std::string p = std::string(built) + "/" + std::string(rel);
    if (Exists(p)) return p;
  }
  return "";
}

OracleOptions FuzzOracleOptions(int timeout_ms, std::vector<std::string> extra_args) {
  OracleOptions o;
  const char* env_script = std::getenv("PICKLECHECK_ORACLE_SCRIPT");
  if (env_script == nullptr || *env_script == '\0') {
    o.script = FindDataFile("oracles/pickle_oracle.py");  // "" -> the oracle library's default
  }
  o.timeout = std::chrono::milliseconds(timeout_ms);
  o.cpu_seconds = std::max(1, (timeout_ms + 999) / 1000);
  o.retries = 1;
  o.extra_args = std::move(extra_args);
  return o;
}

Oracle& StartOracleOrExit(std::string_view target, const OracleOptions& options) {
  static std::unique_ptr<Oracle> oracle;
  if (oracle) return *oracle;
  std::string why;
  oracle = MakeOracle("cpython-c", options, &why);
  OracleError error;
  if (!oracle || !oracle->Start(&error)) {
    std::fprintf(stderr, "%.*s: cannot start the CPython oracle: %s%s%s\n%s\n",
                 static_cast<int>(target.size()), target.data(), why.c_str(),
                 std::string(OracleErrorKindName(error.kind)).c_str(), (": " + error.message).c_str(),
                 error.stderr_tail.c_str());
    std::fprintf(stderr,
                 "  (it needs python3 and oracles/pickle_oracle.py: set PICKLECHECK_PYTHON, "
                 "PICKLECHECK_ORACLE_SCRIPT or PICKLECHECK_SOURCE_DIR)\n");
    std::exit(2);
  }
  OracleInfo info = oracle->Info();
  if (info.version.rfind("3.11", 0) != 0) {
    std::fprintf(stderr,
                 "%.*s: WARNING: the oracle runs Python %s, not 3.11, the version picklecheck "
                 "follows; expect findings that are version differences\n",
                 static_cast<int>(target.size()), target.data(), info.version.substr(0, 12).c_str());
  }
  return *oracle;
}

// ---- cached oracle ------------------------------------------------------------------

struct CachedOracle::Impl {
  std::unordered_map<std::string, OracleOutcome> answers;
  size_t bytes = 0;
  size_t max_bytes = 0;
};

CachedOracle::CachedOracle(Oracle& inner, size_t max_bytes) : inner_(inner), impl_(std::make_unique<Impl>()) {
  impl_->max_bytes = max_bytes;
}
CachedOracle::~CachedOracle() = default;

namespace {

void AppendField(std::string& key, std::string_view field) {
  uint64_t n = field.size();
  key.append(reinterpret_cast<const char*>(&n), sizeof n);
  key.append(field);
}

bool Remembered(OutcomeKind kind) { return kind != OutcomeKind::kTimeout && kind != OutcomeKind::kOracleFailure; }

size_t OutcomeBytes(const OracleOutcome& o) {
  size_t n = sizeof o + o.value.size() + o.exception.size() + o.message.size();
  for (const OobBuffer& b : o.buffers) n += b.data.size() + sizeof b;
  return n;
}

}  // namespace

void CachedOracle::Load(std::string_view pickle, const DecodeOptions& options, OracleOutcome& out) {
  std::string key = "L";
  key += options.fix_imports ? '1' : '0';
  key += options.persistent_load ? '1' : '0';
  AppendField(key, options.encoding);
  AppendField(key, options.errors);
  if (options.buffers) {
    key += 'B';
    for (const OobBuffer& b : *options.buffers) {
      key += b.readonly ? 'r' : 'w';
      AppendField(key, b.data);
    }
  }
  AppendField(key, pickle);
  Answer(std::move(key), out, [&](OracleOutcome& o) { inner_.Load(pickle, options, o); });
}

void CachedOracle::Dump(std::string_view canonical, const DumpOptions& options, OracleOutcome& out) {
  std::string key = "D";
  key += static_cast<char>('0' + options.protocol);
  key += options.fix_imports ? '1' : '0';
  key += options.out_of_band ? '1' : '0';
  AppendField(key, canonical);
  Answer(std::move(key), out, [&](OracleOutcome& o) { inner_.Dump(canonical, options, o); });
}

void CachedOracle::Answer(std::string key, OracleOutcome& out, const std::function<void(OracleOutcome&)>& ask) {
  if (auto it = impl_->answers.find(key); it != impl_->answers.end()) {
    ++hits_;
    out = it->second;
    return;
  }
  ++misses_;
  ask(out);
  if (!Remembered(out.kind)) return;
  impl_->bytes += key.size() + OutcomeBytes(out);
  if (impl_->bytes > impl_->max_bytes) {  // full: start over rather than track recency
    impl_->answers.clear();
    impl_->bytes = key.size() + OutcomeBytes(out);
  }
  impl_->answers.emplace(std::move(key), out);
}

// ---- known findings ---------------------------------------------------------------

bool KnownFindings::Parse(std::string_view text, std::string* error) {
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) {
      if (error) *error = std::to_string(line_no) + ": expected '<target> <signature prefix>'";
      return false;
    }
    std::string_view target = line.substr(0, sp);
    std::string_view prefix = Trim(line.substr(sp));
    if (prefix.empty() || prefix.find_first_of(" \t") != std::string_view::npos) {
      if (error) *error = std::to_string(line_no) + ": a signature prefix has no spaces";
      return false;
    }
    entries_.push_back({std::string(target), std::string(prefix)});
  }
  return true;
}

bool KnownFindings::Disabled() {
  const char* v = std::getenv("PC_FUZZ_NO_KNOWN");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

bool KnownFindings::LoadDefault(std::string* error) {
  if (Disabled()) return true;
  std::string path = FindDataFile("harness/fuzz/known_findings.txt", "known_findings.txt");
  if (path.empty()) return true;
  std::string text;
  if (!ReadFile(path, text)) {
    if (error) *error = "cannot read " + path;
    return false;
  }
  std::string why;
  if (!Parse(text, &why)) {
    if (error) *error = path + ":" + why;
    return false;
  }
  return true;
}

void KnownFindings::AddExpectedDivergences(const ExpectedDivergences& list) {
  if (Disabled()) return;
  for (const ExpectedDivergence& e : list.entries()) {
    if (!e.message_prefix.empty()) summary_prefixes_.push_back(e.message_prefix);
  }
}

namespace {

// Whether a prefix of `text` matches `pattern`, where '*' matches any run.
bool PrefixGlob(std::string_view pattern, std::string_view text) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return text.substr(0, pattern.size()) == pattern;
  if (text.substr(0, star) != pattern.substr(0, star)) return false;
  std::string_view rest = pattern.substr(star + 1);
  for (size_t i = star; i <= text.size(); ++i) {
    if (PrefixGlob(rest, text.substr(i))) return true;
  }
  return false;
}

}  // namespace

bool KnownFindings::ExcusesSignature(std::string_view target, std::string_view signature) const {
  for (const Entry& e : entries_) {
    if ((e.target == target || e.target == "*") && PrefixGlob(e.prefix, signature)) return true;
  }
  return false;
}

bool KnownFindings::Excuses(std::string_view target, const Finding& finding) const {
  if (ExcusesSignature(target, finding.signature)) return true;
  if (target == "differential") {
    for (const std::string& p : summary_prefixes_) {
      if (std::string_view(finding.summary).substr(0, p.size()) == p) return true;
    }
  }
  return false;
}

// ---- minimization ------------------------------------------------------------------

namespace {

std::string_view SignatureFields(std::string_view signature, size_t fields) {
  if (fields == 0) return signature;
  size_t at = 0;
  for (size_t n = 0; n < fields; ++n) {
    at = signature.find('|', at);
    if (at == std::string_view::npos) return signature;
    ++at;
  }
  return signature.substr(0, at);
}

class Minimizer {
 public:
  Minimizer(std::string_view signature, const CheckFn& check, size_t max_attempts, size_t fields)
      : key_(SignatureFields(signature, fields)), check_(check), max_attempts_(max_attempts), fields_(fields) {}

  bool Keeps(const std::string& candidate) {
    if (attempts_ >= max_attempts_) return false;
    ++attempts_;
    std::optional<Finding> f = check_(candidate);
    return f && SignatureFields(f->signature, fields_) == key_;
  }
  bool exhausted() const { return attempts_ >= max_attempts_; }
  size_t attempts() const { return attempts_; }

  // Deletes runs of segments (ddmin's complement step, halving the run
  // length): `parts` are concatenated between `head` and `tail`.
  bool DeleteSegments(std::vector<std::string>& parts, const std::string& tail) {
    bool any = false;
    for (size_t n = std::max<size_t>(1, parts.size() / 2); n >= 1 && !exhausted();) {
      bool progress = false;
      for (size_t i = 0; i + n <= parts.size() && !exhausted();) {
        std::string candidate;
        for (size_t k = 0; k < parts.size(); ++k) {
          if (k < i || k >= i + n) candidate += parts[k];
        }
        candidate += tail;
        if (Keeps(candidate)) {
          parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i),
                      parts.begin() + static_cast<std::ptrdiff_t>(i + n));
          progress = any = true;
        } else {
          i += n;
        }
      }
      if (!progress) {
        if (n == 1) break;
        n /= 2;
      }
    }
    return any;
  }

 private:
  std::string key_;
  const CheckFn& check_;
  size_t max_attempts_;
  size_t fields_;
  size_t attempts_ = 0;
};

std::vector<std::string> Bytes(const std::string& s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  for (char c : s) out.emplace_back(1, c);
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += p;
  return out;
}

}  // namespace

std::string Minimize(std::string input, std::string_view signature, const CheckFn& check,
                     const MinimizeOptions& options) {
  Minimizer m(signature, check, options.max_attempts, options.signature_fields);
  std::string best = std::move(input);
  for (int round = 0; round < 8 && !m.exhausted(); ++round) {
    const size_t before = best.size();
    const std::string start = best;
    if (options.pickle_layout) {
      // Whole opcodes of the payload; the options tail stays as it is.
      const auto* data = reinterpret_cast<const uint8_t*>(best.data());
      DecodeInput in = SplitDecodeInput(data, best.size());
      std::string payload(reinterpret_cast<const char*>(in.payload.data()), in.payload.size());
      std::string tail = best.substr(payload.size());
      std::vector<OpSpan> ops;
      size_t end = WalkOpcodes(in.payload, ops);
      std::vector<std::string> parts;
      for (const OpSpan& op : ops) parts.push_back(payload.substr(op.offset, op.size));
      if (end < payload.size()) parts.push_back(payload.substr(end));
      if (m.DeleteSegments(parts, tail)) best = Join(parts) + tail;
      // Default options, when they keep it.
      std::string plain = best.substr(0, best.size() - tail.size()) + std::string("\0\0", 2);
      if (tail != std::string_view("\0\0", 2) && plain.size() <= best.size() && m.Keeps(plain)) best = plain;
    }
    std::vector<std::string> parts = Bytes(best);
    if (m.DeleteSegments(parts, "")) best = Join(parts);
    // Simpler bytes: towards 0 (FuzzedDataProvider choices), '0' and 'a'
    // (pickle arguments).
    for (size_t i = 0; i < best.size() && !m.exhausted(); ++i) {
      for (char c : {'\0', '0', 'a'}) {
        if (static_cast<uint8_t>(c) >= static_cast<uint8_t>(best[i])) continue;
        std::string candidate = best;
        candidate[i] = c;
        if (m.Keeps(candidate)) {
          best = std::move(candidate);
          break;
        }
      }
    }
    if (best.size() == before && best == start) break;
  }
  return best;
}

void RunMinimizerIfAsked(std::string_view target, int argc, char** argv, const CheckFn& check,
                         const MinimizeOptions& options) {
  const char* out_path = std::getenv("PC_FUZZ_MINIMIZE");
  if (out_path == nullptr || *out_path == '\0') return;
  const char* in_path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') {
      in_path = argv[i];
      break;
    }
  }
  std::string input;
  if (in_path == nullptr || !ReadFile(in_path, input)) {
    std::fprintf(stderr, "PC_FUZZ_MINIMIZE: give one readable input file\n");
    std::exit(2);
  }
  std::optional<Finding> first = check(input);
  if (!first) {
    std::fprintf(stderr, "PC_FUZZ_MINIMIZE: %s shows no finding\n", in_path);
    std::exit(1);
  }
  std::string small = Minimize(input, first->signature, check, options);
  std::optional<Finding> last = check(small);
  if (!last || SignatureFields(last->signature, options.signature_fields) !=
                   SignatureFields(first->signature, options.signature_fields)) {  // cannot happen
    small = input;
    last = first;
  }
  std::ofstream out(out_path, std::ios::binary);
  out.write(small.data(), static_cast<std::streamsize>(small.size()));
  out.close();  // std::exit below does not destroy locals
  if (!out) {
    std::fprintf(stderr, "PC_FUZZ_MINIMIZE: cannot write %s\n", out_path);
    std::exit(2);
  }
  std::string text = FormatFinding(target, *last);
  std::fprintf(stderr, "PC_FUZZ_MINIMIZE: %zu -> %zu bytes\n%s", input.size(), small.size(), text.c_str());
  std::exit(0);
}

// ---- signature helpers ---------------------------------------------------------------

std::string TextClass(std::string_view text, size_t offset) {
  if (offset >= text.size()) return "end";
  // Inside a str or bytes literal? Scan from the start, escape-aware.
  bool in_literal = false;
  bool bytes_literal = false;
  for (size_t i = 0; i < offset; ++i) {
    char c = text[i];
    if (in_literal) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_literal = false;
      }
    } else if (c == '"') {
      in_literal = true;
      bytes_literal = i > 0 && text[i - 1] == 'b';
    }
  }
  if (in_literal) return bytes_literal ? "bytes" : "str";
  size_t start = offset;
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
  while (start > 0 && word_char(text[start - 1])) --start;
  if (start > 0 && text[start - 1] == '-') --start;
  char c = text[start];
  switch (c) {
    case '"': return "str";
    case '[': return "list";
    case '(': return "tuple";
    case '{': return "dict-or-set";
    case '@': return "global";
    case '&': return "label";
    case '*': return "ref";
    case ')':
    case ']':
    case '}': return "close";
    case ',': return "comma";
    default: break;
  }
  size_t end = start;
  while (end < text.size() && (word_char(text[end]) || (end == start && text[end] == '-'))) ++end;
  std::string_view word = text.substr(start, end - start);
  if (!word.empty() && word[0] == '-') word.remove_prefix(1);
  if (word.empty()) return std::string(1, c);
  if (std::isdigit(static_cast<unsigned char>(word[0]))) {
    if (word.substr(0, 2) == "0x") return "int";
    return word.find_first_of(".e") != std::string_view::npos ? "float" : "int";
  }
  if (word == "inf" || word == "nan") return "float";
  if (word == "b" && end < text.size() && text[end] == '"') return "bytes";
  static constexpr std::string_view kKeywords[] = {
      "None", "True", "False", "set", "frozenset", "bytearray", "complex", "new", "call",
      "persid", "object", "buffer", "readonly", "build", "append", "setitem", "add"};
  for (std::string_view k : kKeywords) {
    if (word == k) return std::string(k);
  }
  return "word";
}

std::string MessageKey(std::string_view message) {
  // Words up to where the specifics start (':', '(', '<'); quoted reprs
  // ('Stub', "abc") are skipped, an apostrophe inside a word ("Can't") is not
  // a quote.
  std::string out;
  int words = 0;
  size_t i = 0;
  while (i < message.size() && words < 4) {
    char c = message[i];
    if (c == ':' || c == '(' || c == '<') break;
    if ((c == '\'' || c == '"') && (i == 0 || message[i - 1] == ' ')) {
      size_t close = message.find(c, i + 1);
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    bool digit = false;
    while (i < message.size() && (std::isalnum(static_cast<unsigned char>(message[i])) || message[i] == '_')) {
      digit |= std::isdigit(static_cast<unsigned char>(message[i])) != 0;
      ++i;
    }
    if (digit) continue;
    if (!out.empty()) out += '_';
    out.append(message.substr(start, i - start));
    ++words;
  }
  return out.empty() ? "-" : out;
}

std::string OpcodeNameAt(std::string_view pickle, size_t offset) {
  if (offset >= pickle.size()) return "end";
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size());
  std::vector<OpcodeAt> ops = ScanOpcodes(bytes);
  for (size_t i = 0; i < ops.size(); ++i) {
    uint64_t next = i + 1 < ops.size() ? ops[i + 1].offset
                    : ops[i].info != nullptr && ops[i].info->op == Opcode::kSTOP ? ops[i].offset + 1
                                                                                : pickle.size();
    if (ops[i].offset <= offset && offset < next) {
      return ops[i].info != nullptr ? std::string(ops[i].info->name) : "?";
    }
  }
  return "?";
}

}  // namespace picklecheck::fuzz

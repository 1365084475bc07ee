#include "harness/pickle/disasm.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/bigint.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/opcode.h"
#include "harness/pickle/pycodecs.h"

namespace picklecheck {
namespace {

std::vector<std::string_view> Tokens(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string CodeRepr(uint8_t b) {
  char buf[8];
  if (b >= 0x20 && b < 0x7f && b != '\\' && b != '\'') {
    std::snprintf(buf, sizeof buf, "%c", b);
  } else if (b == '\'') {
    std::snprintf(buf, sizeof buf, "'");
  } else {
    std::snprintf(buf, sizeof buf, "\\x%02x", b);
  }
  return buf;
}

// Text of a line argument: printable ASCII as is, anything else escaped.
std::string LineText(std::string_view line) {
  bool plain = true;
  for (char c : line) {
    auto u = static_cast<uint8_t>(c);
    if (u < 0x20 || u >= 0x7f) plain = false;
  }
  if (plain) return std::string(line);
  std::string out;
  AppendBytesLiteral(line, out);
  return out;
}

class Lister {
 public:
  Lister(std::span<const uint8_t> in, const DisasmOptions& options)
      : in_(in), options_(options) {}

  std::string Run() {
    std::optional<Error> failure;
    {
      Result<Document> doc = Decode(in_, options_.decode);
      if (!doc.ok()) failure = doc.error();
    }
    size_t pos = 0;
    bool saw_stop = false;
    while (pos < in_.size()) {
      size_t start = pos;
      uint8_t byte = in_[pos++];
      const OpcodeInfo* info = LookupOpcode(byte);
      char head[32];
      std::snprintf(head, sizeof head, "%5zu: ", start);
      out_ += head;
      std::string code = CodeRepr(byte);
      out_ += code;
      out_.append(code.size() < 4 ? 4 - code.size() : 0, ' ');
      out_ += ' ';
      if (info == nullptr) {
        out_ += "<unknown opcode>\n";
        break;
      }
      out_.append(4 * marks_.size(), ' ');
      out_ += info->name;
      std::string arg;
      bool arg_ok = ReadArg(*info, pos, arg);
      std::string note = StackEffects(*info, start);
      if (!arg.empty() || !note.empty()) {
        out_.append(info->name.size() < 10 ? 10 - info->name.size() : 0, ' ');
        if (!arg.empty()) out_ += " " + arg;
        if (!note.empty()) out_ += " " + note;
      }
      out_ += '\n';
      if (failure && failure->offset == start) {
        out_ += "       ^ " + Describe(*failure) + "\n";
        failure.reset();
        break;
      }
      if (!arg_ok) break;
      if (info->op == Opcode::kSTOP) {
        saw_stop = true;
        break;
      }
    }
    if (failure) out_ += "error: " + Describe(*failure) + "\n";
    if (saw_stop && pos < in_.size()) {
      out_ += "(" + std::to_string(in_.size() - pos) + " bytes after STOP are ignored)\n";
    }
    out_ += "highest protocol among opcodes = " + std::to_string(max_proto_) + "\n";
    return out_;
  }

 private:
  bool Take(size_t& pos, size_t n, std::string_view& out) {
    if (n > in_.size() - pos) {
      out = {};
      return false;
    }
    out = std::string_view(reinterpret_cast<const char*>(in_.data()) + pos, n);
    pos += n;
    return true;
  }

  bool Line(size_t& pos, std::string_view& out) {
    const void* nl = std::memchr(in_.data() + pos, '\n', in_.size() - pos);
    if (nl == nullptr) return false;
    size_t end = static_cast<size_t>(static_cast<const uint8_t*>(nl) - in_.data());
    out = std::string_view(reinterpret_cast<const char*>(in_.data()) + pos, end - pos);
    pos = end + 1;
    return true;
  }

  void Payload(std::string_view data, bool as_str, std::string& arg) {
    std::string shown;
    if (as_str) {
      std::string text;
      pycodecs::CodecError err;
      if (pycodecs::DecodeUtf8(data, pycodecs::ErrorHandler::kSurrogatePass, text, err)) {
        if (text.size() > options_.max_payload_bytes) {
          size_t cut = options_.max_payload_bytes;
          while (cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
          AppendStrLiteral(std::string_view(text).substr(0, cut), shown);
          shown += "...";
        } else {
          AppendStrLiteral(text, shown);
        }
        arg = shown;
        if (data.size() > options_.max_payload_bytes) arg += " (" + std::to_string(data.size()) + " bytes)";
        return;
      }
    }
    AppendBytesLiteral(data.substr(0, options_.max_payload_bytes), shown);
    if (data.size() > options_.max_payload_bytes) shown += "... (" + std::to_string(data.size()) + " bytes)";
    arg = shown;
  }

  // Reads the argument; false when the input ends inside it.
 public:
  bool ReadArg(const OpcodeInfo& info, size_t& pos, std::string& arg) {
    std::string_view s;
    auto truncated = [&arg]() {
      arg = "<truncated>";
      return false;
    };
    switch (info.arg) {
      case ArgKind::kNone: return true;
      case ArgKind::kUint1:
      case ArgKind::kUint2:
      case ArgKind::kUint4:
      case ArgKind::kUint8:
      case ArgKind::kInt4: {
        int n = FixedArgSize(info.arg);
        if (!Take(pos, static_cast<size_t>(n), s)) return truncated();
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
        if (info.arg == ArgKind::kInt4) {
          arg = std::to_string(static_cast<int32_t>(v));
        } else {
          arg = std::to_string(v);
        }
        return true;
      }
      case ArgKind::kFloat8: {
        if (!Take(pos, 8, s)) return truncated();
        uint64_t bits = 0;
        for (char c : s) bits = (bits << 8) | static_cast<uint8_t>(c);
        AppendFloatLiteral(std::bit_cast<double>(bits), arg);
        return true;
      }
      case ArgKind::kDecimalnlShort:
      case ArgKind::kDecimalnlLong:
      case ArgKind::kFloatnl:
      case ArgKind::kStringnl:
        if (!Line(pos, s)) return truncated();
        arg = LineText(s);
        return true;
      case ArgKind::kStringnlNoescape:
        if (!Line(pos, s)) return truncated();
        AppendStrLiteral(s, arg);
        return true;
      case ArgKind::kStringnlNoescapePair: {
        std::string_view name;
        if (!Line(pos, s) || !Line(pos, name)) return truncated();
        AppendGlobalLiteral(s, name, arg);
        return true;
      }
      case ArgKind::kUnicodestringnl: {
        if (!Line(pos, s)) return truncated();
        std::string text;
        pycodecs::CodecError err;
        if (pycodecs::DecodeRawUnicodeEscape(s, text, err)) {
          AppendStrLiteral(text, arg);
        } else {
          arg = LineText(s);
        }
        return true;
      }
      case ArgKind::kString1:
      case ArgKind::kString4:
      case ArgKind::kBytes1:
      case ArgKind::kBytes4:
      case ArgKind::kBytes8:
      case ArgKind::kBytearray8:
      case ArgKind::kUnicodestring1:
      case ArgKind::kUnicodestring4:
      case ArgKind::kUnicodestring8:
      case ArgKind::kLong1:
      case ArgKind::kLong4: {
        size_t width = 1;
        if (info.arg == ArgKind::kString4 || info.arg == ArgKind::kBytes4 ||
            info.arg == ArgKind::kUnicodestring4 || info.arg == ArgKind::kLong4) {
          width = 4;
        } else if (info.arg == ArgKind::kBytes8 || info.arg == ArgKind::kBytearray8 ||
                   info.arg == ArgKind::kUnicodestring8) {
          width = 8;
        }
        if (!Take(pos, width, s)) return truncated();
        uint64_t n = 0;
        for (size_t i = width; i-- > 0;) n = (n << 8) | static_cast<uint8_t>(s[i]);
        if (info.arg == ArgKind::kLong4 && static_cast<int32_t>(n) < 0) {
          arg = "<negative length " + std::to_string(static_cast<int32_t>(n)) + ">";
          return false;
        }
        if (n > in_.size() - pos) {
          arg = "<" + std::to_string(n) + " bytes declared, " + std::to_string(in_.size() - pos) +
                " left>";
          return false;
        }
        Take(pos, static_cast<size_t>(n), s);
        if (info.arg == ArgKind::kLong1 || info.arg == ArgKind::kLong4) {
          BigInt v = BigInt::FromTwosComplementLE(
              std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
          arg = v.limbs().size() <= 2 ? v.ToDecimal() : v.ToHex();
          return true;
        }
        bool as_str = info.arg == ArgKind::kUnicodestring1 || info.arg == ArgKind::kUnicodestring4 ||
                      info.arg == ArgKind::kUnicodestring8;
        Payload(s, as_str, arg);
        return true;
      }
    }
    return true;
  }

  // pickletools.dis's stack emulation, for mark indentation and notes.
 private:
  std::string StackEffects(const OpcodeInfo& info, size_t pos) {
    if (info.proto > max_proto_) max_proto_ = info.proto;
    std::vector<std::string_view> before = Tokens(info.stack_before);
    std::vector<std::string_view> after = Tokens(info.stack_after);
    std::string note;
    bool pops_mark = false;
    for (auto t : before) pops_mark |= t == "mark";
    if (info.op == Opcode::kPOP && !stack_is_mark_.empty() && stack_is_mark_.back()) pops_mark = true;
    size_t to_pop = before.size();
    if (pops_mark) {
      if (!marks_.empty()) {
        note = "(MARK at " + std::to_string(marks_.back()) + ")";
        marks_.pop_back();
        while (!stack_is_mark_.empty() && !stack_is_mark_.back()) stack_is_mark_.pop_back();
        if (!stack_is_mark_.empty()) stack_is_mark_.pop_back();
        to_pop = 0;
        for (auto t : before) {
          if (t == "mark") break;
          ++to_pop;
        }
      } else {
        note = "(no MARK exists on stack)";
        to_pop = 0;
      }
    }
    if (info.op == Opcode::kMEMOIZE) note = "(as " + std::to_string(memo_count_) + ")";
    if (info.op == Opcode::kMEMOIZE || info.op == Opcode::kPUT || info.op == Opcode::kBINPUT ||
        info.op == Opcode::kLONG_BINPUT) {
      ++memo_count_;
    }
    for (size_t i = 0; i < to_pop && !stack_is_mark_.empty(); ++i) stack_is_mark_.pop_back();
    for (auto t : after) {
      if (t == "mark") {
        marks_.push_back(pos);
        stack_is_mark_.push_back(true);
      } else {
        stack_is_mark_.push_back(false);
      }
    }
    return note;
  }

  std::span<const uint8_t> in_;
  const DisasmOptions& options_;
  std::string out_;
  std::vector<size_t> marks_;
  std::vector<bool> stack_is_mark_;
  uint64_t memo_count_ = 0;
  int max_proto_ = 0;
};

}  // namespace

std::vector<OpcodeAt> ScanOpcodes(std::span<const uint8_t> pickle) {
  std::vector<OpcodeAt> out;
  DisasmOptions options;
  Lister lister(pickle, options);
  size_t pos = 0;
  while (pos < pickle.size()) {
    OpcodeAt at;
    at.offset = pos;
    at.info = LookupOpcode(pickle[pos++]);
    std::string ignored;
    at.complete = at.info != nullptr && lister.ReadArg(*at.info, pos, ignored);
    out.push_back(at);
    if (!at.complete || at.info->op == Opcode::kSTOP) break;
  }
  return out;
}

std::string Disassemble(std::span<const uint8_t> pickle, const DisasmOptions& options) {
  Lister lister(pickle, options);
  return lister.Run();
}

}  // namespace picklecheck

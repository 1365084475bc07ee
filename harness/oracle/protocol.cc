#include "harness/oracle/protocol.h"
#include "harness/pickle/pycodecs.h"

#include <charconv>
#include <cstring>
#include <limits>

namespace picklecheck {
namespace {

void PutU16(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}

void PutU32(std::string& out, uint64_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  out.push_back(static_cast<char>((v >> 24) & 0xff));
}

constexpr uint64_t kU16Max = 0xffff;
constexpr uint64_t kU32Max = 0xffffffff;

bool Fail(std::string* why, std::string text) {
  if (why) *why = std::move(text);
  return false;
}

// Bounded little-endian reader over a response payload.
class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}
  bool U8(uint8_t& v) {
    if (pos_ + 1 > data_.size()) return false;
    v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool U16(uint32_t& v) {
    if (data_.size() - pos_ < 2) return false;
    const auto* u = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
    v = uint32_t{u[0]} | uint32_t{u[1]} << 8;
    pos_ += 2;
    return true;
  }
  bool U32(uint32_t& v) {
    if (data_.size() - pos_ < 4) return false;
    v = ReadFrameLength(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool Bytes(uint32_t n, std::string_view& v) {
    if (data_.size() - pos_ < n) return false;
    v = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == data_.size(); }
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

bool Malformed(OracleError& error, char type, std::string_view payload, const char* what) {
  error.kind = OracleErrorKind::kBadResponse;
  error.message =
      std::string("malformed '") + type + "' response (" + what + "): " + PrintablePrefix(payload);
  return false;
}

// Accepts the responses Load and Dump share: 'E', 'M', 'R'.
// Returns 1 when handled (ok), 0 when not one of them, -1 on a malformed one.
int ParseCommonResponse(std::string_view payload, OracleOutcome& out, OracleError& error) {
  const char type = payload[0];
  Cursor c(payload.substr(1));
  switch (type) {
    case 'E': {
      uint32_t n = 0;
      std::string_view exc, msg;
      if (!c.U16(n) || !c.Bytes(n, exc) || !c.U32(n) || !c.Bytes(n, msg) || !c.done()) {
        Malformed(error, type, payload, "lengths do not match the payload");
        return -1;
      }
      if (exc.empty()) {
        Malformed(error, type, payload, "empty exception type");
        return -1;
      }
      out.kind = OutcomeKind::kRejected;
      out.exception.assign(exc);
      out.message.assign(msg);
      return 1;
    }
    case 'M':
    case 'R':
      out.kind = OutcomeKind::kResourceLimit;
      out.exception.assign(type == 'M' ? "MemoryError" : "RecursionError");
      out.message.assign(c.rest());
      return 1;
    default: return 0;
  }
}

// --- A minimal JSON reader: enough for the flat handshake object. ----------


class Json {
 public:
  explicit Json(std::string_view s) : s_(s) {}

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    SkipSpace();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool AtEnd() {
    SkipSpace();
    return i_ == s_.size();
  }

  bool Hex4(uint32_t& v) {
    if (s_.size() - i_ < 4) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }

  bool String(std::string& out) {
    out.clear();
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(cp)) return false;
          // json.dumps escapes non-BMP characters as surrogate pairs.
          if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(i_, 2) == "\\u") {
            size_t save = i_;
            i_ += 2;
            uint32_t lo = 0;
            if (Hex4(lo) && lo >= 0xdc00 && lo < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else {
              i_ = save;
            }
          }
          pycodecs::AppendCodePoint(out, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  // Any value; scalars are returned as text (strings unescaped), containers skipped.
  bool Value(std::string& out, bool& is_string) {
    SkipSpace();
    is_string = false;
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '"') {
      is_string = true;
      return String(out);
    }
    if (c == '{' || c == '[') return SkipContainer(out);
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
           s_[i_] != '\n' && s_[i_] != '\t' && s_[i_] != '\r') {
      ++i_;
    }
    out.assign(s_.substr(start, i_ - start));
    return !out.empty();
  }

 private:
  bool SkipContainer(std::string& scratch) {
    int depth = 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        if (!String(scratch)) return false;
        continue;
      }
      ++i_;
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) {
          scratch.clear();
          return true;
        }
      }
    }
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool ParseInt(const std::string& text, int64_t& v) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

bool AppendLoadRequest(std::string_view pickle, const DecodeOptions& options, std::string& out,
                       std::string* why) {
  if (options.encoding.size() > kU16Max) return Fail(why, "encoding name over 65535 bytes");
  if (options.errors.size() > kU16Max) return Fail(why, "errors name over 65535 bytes");
  if (pickle.size() > kU32Max) return Fail(why, "pickle of 4 GiB or more");
  uint64_t total =
      1 + 1 + 2 + options.encoding.size() + 2 + options.errors.size() + 4 + 4 + pickle.size();
  if (options.buffers) {
    if (options.buffers->size() > kU32Max) return Fail(why, "more than 2**32-1 buffers");
    for (const OobBuffer& b : *options.buffers) {
      if (b.data.size() > kU32Max) return Fail(why, "out-of-band buffer of 4 GiB or more");
      total += 1 + 4 + b.data.size();
    }
  }
  if (total > kU32Max) return Fail(why, "request frame of 4 GiB or more");

  out.reserve(out.size() + kFrameHeaderBytes + total);
  PutU32(out, total);
  out.push_back('L');
  uint8_t flags = 0;
  if (options.fix_imports) flags |= kLoadFixImports;
  if (options.persistent_load) flags |= kLoadPersistentLoad;
  if (options.buffers) flags |= kLoadBuffersGiven;
  out.push_back(static_cast<char>(flags));
  PutU16(out, static_cast<uint32_t>(options.encoding.size()));
  out.append(options.encoding);
  PutU16(out, static_cast<uint32_t>(options.errors.size()));
  out.append(options.errors);
  if (options.buffers) {
    PutU32(out, options.buffers->size());
    for (const OobBuffer& b : *options.buffers) {
      out.push_back(b.readonly ? 1 : 0);
      PutU32(out, b.data.size());
      out.append(b.data);
    }
  } else {
    PutU32(out, 0);
  }
  PutU32(out, pickle.size());
  out.append(pickle);
  return true;
}

bool AppendDumpRequest(std::string_view canonical, const DumpOptions& options, std::string& out,
                       std::string* why) {
  if (options.protocol < 0 || options.protocol > 255) return Fail(why, "protocol outside 0..255");
  if (canonical.size() > kU32Max - 7) return Fail(why, "canonical text of 4 GiB or more");
  const uint64_t total = 1 + 1 + 1 + 4 + canonical.size();
  out.reserve(out.size() + kFrameHeaderBytes + total);
  PutU32(out, total);
  out.push_back('D');
  out.push_back(static_cast<char>(options.protocol));
  uint8_t flags = 0;
  if (options.fix_imports) flags |= kDumpFixImports;
  if (options.out_of_band) flags |= kDumpOutOfBand;
  out.push_back(static_cast<char>(flags));
  PutU32(out, canonical.size());
  out.append(canonical);
  return true;
}

void AppendBareRequest(char type, std::string& out) {
  PutU32(out, 1);
  out.push_back(type);
}

bool ParseResponse(char request, std::string_view payload, OracleOutcome& out, OracleError& error) {
  out.value.clear();
  out.exception.clear();
  out.message.clear();
  out.buffers.clear();
  if (payload.empty()) {
    error.kind = OracleErrorKind::kBadResponse;
    error.message = "empty response frame (no type byte)";
    return false;
  }
  const char type = payload[0];
  if (type == 'X') {
    error.kind = OracleErrorKind::kInternal;
    error.message.assign("oracle internal failure: ");
    error.message.append(payload.substr(1, 4096));
    return false;
  }
  if (request == 'P') {
    if (type == 'P' && payload.size() == 1) {
      out.kind = OutcomeKind::kAccepted;
      return true;
    }
  } else if (request == 'L' || request == 'D') {
    int common = ParseCommonResponse(payload, out, error);
    if (common == 1) return true;
    if (common == -1) return false;
    if (request == 'L' && type == 'V') {
      out.kind = OutcomeKind::kAccepted;
      out.value.assign(payload.substr(1));
      return true;
    }
    if (type == 'U') {
      out.kind = OutcomeKind::kUnrepresentable;
      out.message.assign(payload.substr(1));
      return true;
    }
    if (request == 'D' && type == 'B') {
      Cursor c(payload.substr(1));
      uint32_t n = 0, count = 0;
      std::string_view pickle;
      if (!c.U32(n) || !c.Bytes(n, pickle) || !c.U32(count)) {
        return Malformed(error, type, payload, "pickle length does not match the payload");
      }
      // Each buffer takes at least 5 bytes: a count beyond that is garbage,
      // and must not size a vector.
      if (count > c.rest().size() / 5) return Malformed(error, type, payload, "buffer count");
      out.buffers.resize(count);
      for (uint32_t k = 0; k < count; ++k) {
        uint8_t ro = 0;
        std::string_view data;
        if (!c.U8(ro) || !c.U32(n) || !c.Bytes(n, data) || ro > 1) {
          return Malformed(error, type, payload, "buffer record");
        }
        out.buffers[k].readonly = ro == 1;
        out.buffers[k].data.assign(data);
      }
      if (!c.done()) return Malformed(error, type, payload, "bytes after the last buffer");
      out.kind = OutcomeKind::kAccepted;
      out.value.assign(pickle);
      return true;
    }
  }
  error.kind = OracleErrorKind::kBadResponse;
  error.message = "response type " + PrintablePrefix(payload.substr(0, 1)) +
                  " does not answer request '" + request + "': " + PrintablePrefix(payload);
  return false;
}

bool ParseHello(std::string_view payload, OracleImpl expected, OracleInfo& info, std::string* why) {
  if (payload.empty() || payload[0] != 'H') {
    return Fail(why, "handshake answered with " + PrintablePrefix(payload) + ", not 'H'");
  }
  std::string_view json = payload.substr(1);
  info.hello_json.assign(json);
  Json j(json);
  if (!j.Eat('{')) return Fail(why, "handshake is not a JSON object: " + PrintablePrefix(json));
  std::string key, value, impl;
  bool have_impl = false;
  if (!j.Eat('}')) {
    do {
      bool is_string = false;
      if (!j.String(key) || !j.Eat(':') || !j.Value(value, is_string)) {
        return Fail(why, "handshake JSON malformed: " + PrintablePrefix(json));
      }
      if (key == "impl") {
        impl = value;
        have_impl = is_string;
      } else if (key == "executable" && is_string) {
        info.executable = value;
      } else if (key == "version" && is_string) {
        info.version = value;
      } else if (key == "implementation" && is_string) {
        info.implementation = value;
      } else if (key == "protocol" && !is_string) {
        if (!ParseInt(value, info.protocol)) info.protocol = -1;
      } else if (key == "pid" && !is_string) {
        if (!ParseInt(value, info.pid)) info.pid = -1;
      }
    } while (j.Eat(','));
    if (!j.Eat('}')) return Fail(why, "handshake JSON malformed: " + PrintablePrefix(json));
  }
  if (!j.AtEnd()) return Fail(why, "bytes after the handshake JSON: " + PrintablePrefix(json));
  if (!have_impl) return Fail(why, "handshake names no \"impl\": " + PrintablePrefix(json));
  if (expected != OracleImpl::kOther && impl != OracleImplName(expected)) {
    return Fail(why, "handshake reports impl \"" + impl + "\", expected \"" +
                         std::string(OracleImplName(expected)) + "\"");
  }
  return true;
}

std::string PrintablePrefix(std::string_view bytes, size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.push_back('"');
  for (size_t k = 0; k < bytes.size() && k < max; ++k) {
    auto c = static_cast<unsigned char>(bytes[k]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.push_back('"');
  if (bytes.size() > max) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

}  // namespace picklecheck

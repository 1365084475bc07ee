#include "harness/pickle/pycodecs.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

namespace picklecheck::pycodecs {
namespace {

constexpr char kUtf8Name[] = "utf-8";
constexpr char kAsciiName[] = "ascii";
constexpr char kLatin1Name[] = "latin-1";
constexpr char kRawUnicodeEscapeName[] = "rawunicodeescape";

// Reasons, as CPython 3.11 spells them (Objects/unicodeobject.c).
constexpr char kInvalidStart[] = "invalid start byte";
constexpr char kInvalidContinuation[] = "invalid continuation byte";
constexpr char kUnexpectedEnd[] = "unexpected end of data";
constexpr char kOrdinal128[] = "ordinal not in range(128)";
constexpr char kOrdinal256[] = "ordinal not in range(256)";
constexpr char kSurrogatesNotAllowed[] = "surrogates not allowed";
constexpr char kTruncatedU4[] = "truncated \\uXXXX escape";
constexpr char kTruncatedU8[] = "truncated \\UXXXXXXXX escape";
constexpr char kOutOfRange[] = "\\Uxxxxxxxx out of range";

constexpr uint32_t kMaxUnicode = 0x10FFFF;
constexpr char kReplacementUtf8[] = "\xEF\xBF\xBD";  // U+FFFD
constexpr char kHexDigits[] = "0123456789abcdef";

bool IsContinuation(uint8_t b) { return (b & 0xC0) == 0x80; }

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Index of the first byte >= 0x80 at or after `i`, or in.size().
size_t SkipAscii(const uint8_t* p, size_t n, size_t i) {
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  while (i + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if ((word & kHighBits) != 0) break;
    i += 8;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

// One step of CPython 3.11's stringlib/codecs.h utf8_decode at a non-ASCII
// byte: either a valid sequence of `length` bytes, or an error covering
// `length` bytes with `reason` (the ranges unicode_decode_utf8 reports).
struct Utf8Step {
  const char* reason = nullptr;  // nullptr: valid
  size_t length = 0;
  // An encoded surrogate ED A0..BF 80..BF, which only surrogatepass accepts
  // (PyCodec_SurrogatePassErrors decodes the 3 bytes at the error start).
  bool surrogate = false;
};

Utf8Step StepUtf8(const uint8_t* p, size_t n, size_t i) {
  const uint8_t b = p[i];
  const size_t avail = n - i;
  Utf8Step step;
  auto invalid = [&](const char* reason, size_t length) {
    step.reason = reason;
    step.length = length;
    return step;
  };
  // b"\x80", b"\xc0\x80" (overlong), b"\xf5..." (beyond U+10FFFF): 1 byte.
  if (b < 0xC2 || b > 0xF4) return invalid(kInvalidStart, 1);
  if (b < 0xE0) {
    if (avail < 2) return invalid(kUnexpectedEnd, avail);
    if (!IsContinuation(p[i + 1])) return invalid(kInvalidContinuation, 1);
    step.length = 2;
    return step;
  }
  // The second byte's valid range depends on the lead: E0 needs A0..BF
  // (no overlongs), ED needs 80..9F (no surrogates), F0 needs 90..BF, F4
  // needs 80..8F (nothing above U+10FFFF). A bad second byte is reported as
  // covering only the lead byte: b"\xe0\x80\x80" fails at 0-0, three times.
  if (b < 0xF0) {
    if (avail < 2) return invalid(kUnexpectedEnd, avail);
    const uint8_t c2 = p[i + 1];
    if (!IsContinuation(c2) || (b == 0xE0 && c2 < 0xA0)) return invalid(kInvalidContinuation, 1);
    if (b == 0xED && c2 >= 0xA0) {
      step = invalid(kInvalidContinuation, 1);
      step.surrogate = avail >= 3 && IsContinuation(p[i + 2]);
      return step;
    }
    if (avail < 3) return invalid(kUnexpectedEnd, avail);
    if (!IsContinuation(p[i + 2])) return invalid(kInvalidContinuation, 2);
    step.length = 3;
    return step;
  }
  if (avail < 2) return invalid(kUnexpectedEnd, avail);
  const uint8_t c2 = p[i + 1];
  if (!IsContinuation(c2) || (b == 0xF0 && c2 < 0x90) || (b == 0xF4 && c2 >= 0x90)) {
    return invalid(kInvalidContinuation, 1);
  }
  if (avail < 3) return invalid(kUnexpectedEnd, avail);
  if (!IsContinuation(p[i + 2])) return invalid(kInvalidContinuation, 2);
  if (avail < 4) return invalid(kUnexpectedEnd, avail);
  if (!IsContinuation(p[i + 3])) return invalid(kInvalidContinuation, 3);
  step.length = 4;
  return step;
}

void SetError(CodecError& err, const char* encoding, size_t start, size_t end, const char* reason) {
  err = CodecError();
  err.encoding = encoding;
  err.start = start;
  err.end = end;
  err.reason = reason;
}

// Applies a decode error handler to in[start, end). Returns false when the
// handler raises (strict; surrogatepass, whose one success case the callers
// take before getting here; the unmodelled and unknown handlers).
bool HandleDecodeError(ErrorHandler handler, std::string_view in, size_t start, size_t end,
                       std::string& out) {
  switch (handler) {
    case ErrorHandler::kIgnore:
      return true;
    case ErrorHandler::kReplace:
      out.append(kReplacementUtf8, 3);
      return true;
    case ErrorHandler::kBackslashReplace:
      // PyCodec_BackslashReplaceErrors: "\xNN" per byte, lowercase hex.
      for (size_t k = start; k < end; ++k) {
        const uint8_t b = static_cast<uint8_t>(in[k]);
        out.push_back('\\');
        out.push_back('x');
        out.push_back(kHexDigits[b >> 4]);
        out.push_back(kHexDigits[b & 0xF]);
      }
      return true;
    case ErrorHandler::kSurrogateEscape:
      // Every failing byte is >= 0x80 here, so each becomes U+DC80..U+DCFF.
      for (size_t k = start; k < end; ++k) {
        AppendCodePoint(out, 0xDC00 + static_cast<uint8_t>(in[k]));
      }
      return true;
    case ErrorHandler::kStrict:
    case ErrorHandler::kSurrogatePass:
    case ErrorHandler::kOther:
    case ErrorHandler::kUnknown:
      return false;
  }
  return false;
}

// Marks how a raising handler fails: the codec error itself, or (for
// handlers consulted only on the first error) LookupError / unsupported.
void FlagHandler(ErrorHandler handler, CodecError& err) {
  // b'\xff'.decode('utf-8', 'bogus') -> LookupError; b'a'.decode('utf-8',
  // 'bogus') == 'a': the name is looked up only when an error needs it.
  err.lookup_error = handler == ErrorHandler::kUnknown;
  // xmlcharrefreplace/namereplace raise TypeError for decode errors.
  err.unsupported = handler == ErrorHandler::kOther;
}

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// CPython 3.11 unicodeobject.c _Py_normalize_encoding, which codecs.lookup
// applies first (Python/codecs.c normalizestring): ASCII letters lowercased,
// digits and '.' kept, every run of other bytes (non-ASCII ones included)
// becomes one '_', dropped at the start and end: " UTF--8 " -> "utf_8".
// encodings.normalize_encoding then leaves the result unchanged.
std::string NormalizeEncoding(std::string_view name) {
  std::string out;
  bool punct = false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '.') {
      if (punct && !out.empty()) out.push_back('_');
      punct = false;
      out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    } else {
      punct = true;
    }
  }
  return out;
}

struct CodecAlias {
  std::string_view alias;
  std::string_view module;
};
constexpr CodecAlias kCodecAliases[] = {
#define PC_CODEC_ALIAS(alias, module) {alias, module},
#include "harness/pickle/codec_names.inc"
};

struct CodecModule {
  std::string_view module;
  Encoding kind;
  bool is_codec;  // false: imports, but has no getregentry()
};
constexpr CodecModule kCodecModules[] = {
#define PC_CODEC_MODULE(module, kind) {module, Encoding::kind, true},
#define PC_NOT_CODEC_MODULE(module) {module, Encoding::kUnknown, false},
#include "harness/pickle/codec_names.inc"
};

struct CharmapEntry {
  std::string_view module;
  uint16_t table[256];
};
constexpr CharmapEntry kCharmaps[] = {
#define PC_CHARMAP(module, ...) {module, {__VA_ARGS__}},
#include "harness/pickle/codec_names.inc"
};

// The generated tables hold about 1,600 names; a fuzzer or a Python 2
// pickle looks one up per decode, so they are indexed once.
template <typename Entry, size_t N>
const Entry* FindIn(const Entry (&table)[N], std::string_view Entry::*key, std::string_view name) {
  static const auto* index = [&] {
    auto* m = new std::unordered_map<std::string_view, const Entry*>();
    m->reserve(N);
    for (const Entry& entry : table) m->emplace(entry.*key, &entry);  // first entry wins
    return m;
  }();
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

const CodecAlias* FindAlias(std::string_view name) { return FindIn(kCodecAliases, &CodecAlias::alias, name); }

const CodecModule* FindModule(std::string_view name) {
  return FindIn(kCodecModules, &CodecModule::module, name);
}

}  // namespace

ErrorHandler ParseErrorHandler(std::string_view name) {
  // codecs.lookup_error: the registry's dict, exact and case-sensitive
  // ('Strict' is unknown).
  if (name == "strict") return ErrorHandler::kStrict;
  if (name == "ignore") return ErrorHandler::kIgnore;
  if (name == "replace") return ErrorHandler::kReplace;
  if (name == "backslashreplace") return ErrorHandler::kBackslashReplace;
  if (name == "surrogateescape") return ErrorHandler::kSurrogateEscape;
  if (name == "surrogatepass") return ErrorHandler::kSurrogatePass;
  if (name == "xmlcharrefreplace" || name == "namereplace") return ErrorHandler::kOther;
  return ErrorHandler::kUnknown;
}

namespace {

// codecs.lookup -> encodings.search_function(normalized): the alias of the
// name (or of the name with '.' -> '_') first, then the name itself as a
// module; names with '.' are never imported. The first module that imports
// decides, codec or not. codecs.lookup('iso8859.1') finds alias iso8859_1;
// codecs.lookup('latin.1') fails. nullptr: no module imports.
const CodecModule* ResolveModule(std::string_view name) {
  const std::string normalized = NormalizeEncoding(name);
  const CodecAlias* alias = FindAlias(normalized);
  if (alias == nullptr) {
    std::string dotted = normalized;
    std::replace(dotted.begin(), dotted.end(), '.', '_');
    alias = FindAlias(dotted);
  }
  std::string_view candidates[2];
  size_t count = 0;
  if (alias != nullptr) candidates[count++] = alias->module;
  candidates[count++] = normalized;
  for (size_t k = 0; k < count; ++k) {
    const std::string_view module = candidates[k];
    if (module.empty() || module.find('.') != std::string_view::npos) continue;
    const CodecModule* found = FindModule(module);
    if (found != nullptr) return found;  // else ImportError: try the next name
  }
  return nullptr;
}

}  // namespace

Encoding ParseEncoding(std::string_view name) {
  // CPython 3.11 _pickle.c load_string: strcmp(self->encoding, "bytes") == 0
  // keeps str8 as bytes; anything else, 'BYTES' included, is a codec name.
  if (name == "bytes") return Encoding::kBytes;
  // The unpickler rejects names with NUL before any lookup (ValueError:
  // embedded null character); they never name a codec.
  if (name.find('\0') != std::string_view::npos) return Encoding::kUnknown;
  const CodecModule* found = ResolveModule(name);
  if (found == nullptr) return Encoding::kUnknown;
  return found->is_codec ? found->kind : Encoding::kUnknown;
}

const uint16_t* CharmapTable(std::string_view name) {
  if (name == "bytes" || name.find('\0') != std::string_view::npos) return nullptr;
  const CodecModule* found = ResolveModule(name);
  if (found == nullptr || found->kind != Encoding::kCharmap) return nullptr;
  for (const CharmapEntry& entry : kCharmaps) {
    if (entry.module == found->module) return entry.table;
  }
  return nullptr;
}

bool DecodeCharmap(std::string_view in, const uint16_t* table, ErrorHandler handler,
                   std::string& out, CodecError& err) {
  const size_t original_size = out.size();
  out.reserve(original_size + in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const auto b = static_cast<uint8_t>(in[i]);
    const uint16_t cp = table[b];
    if (cp != 0xFFFE) {
      AppendCodePoint(out, cp);
      continue;
    }
    // surrogateescape only escapes bytes >= 0x80 (PyCodec_SurrogateEscapeErrors).
    bool handled = !(handler == ErrorHandler::kSurrogateEscape && b < 0x80) &&
                   HandleDecodeError(handler, in, i, i + 1, out);
    if (!handled) {
      SetError(err, "charmap", i, i + 1, "character maps to <undefined>");
      FlagHandler(handler, err);
      out.resize(original_size);
      return false;
    }
  }
  return true;
}

bool DecodeUtf8(std::string_view in, ErrorHandler handler, std::string& out, CodecError& err) {
  // CPython 3.11 unicodeobject.c unicode_decode_utf8. Valid input (and, with
  // surrogatepass, encoded surrogates) is already in surrogatepass UTF-8, so
  // runs of it are appended unchanged; only errors are rewritten.
  const size_t original_size = out.size();
  const uint8_t* p = Bytes(in);
  const size_t n = in.size();
  out.reserve(original_size + n);
  size_t run_start = 0;
  size_t i = 0;
  while (true) {
    i = SkipAscii(p, n, i);
    if (i >= n) break;
    const Utf8Step step = StepUtf8(p, n, i);
    if (step.reason == nullptr) {
      i += step.length;
      continue;
    }
    if (step.surrogate && handler == ErrorHandler::kSurrogatePass) {
      // b'\xed\xa0\x80'.decode('utf-8', 'surrogatepass') == '\ud800'.
      i += 3;
      continue;
    }
    const size_t end = i + step.length;
    out.append(in.data() + run_start, i - run_start);
    if (!HandleDecodeError(handler, in, i, end, out)) {
      SetError(err, kUtf8Name, i, end, step.reason);
      FlagHandler(handler, err);
      out.resize(original_size);
      return false;
    }
    i = end;
    run_start = i;
  }
  out.append(in.data() + run_start, n - run_start);
  return true;
}

bool DecodeAscii(std::string_view in, ErrorHandler handler, std::string& out, CodecError& err) {
  // CPython 3.11 PyUnicode_DecodeASCII: each byte >= 0x80 is its own error.
  // surrogatepass re-raises for 'ascii' (PyCodec_SurrogatePassErrors only
  // knows the UTF-8/16/32 byte layouts): b'\xed\xa0\x80'.decode('ascii',
  // 'surrogatepass') fails at 0-1.
  const size_t original_size = out.size();
  const uint8_t* p = Bytes(in);
  const size_t n = in.size();
  out.reserve(original_size + n);
  size_t i = 0;
  while (true) {
    const size_t next = SkipAscii(p, n, i);
    out.append(in.data() + i, next - i);
    i = next;
    if (i >= n) break;
    if (!HandleDecodeError(handler, in, i, i + 1, out)) {
      SetError(err, kAsciiName, i, i + 1, kOrdinal128);
      FlagHandler(handler, err);
      out.resize(original_size);
      return false;
    }
    ++i;
  }
  return true;
}

void DecodeLatin1(std::string_view in, std::string& out) {
  const uint8_t* p = Bytes(in);
  const size_t n = in.size();
  out.reserve(out.size() + n);
  size_t i = 0;
  while (i < n) {
    const size_t next = SkipAscii(p, n, i);
    out.append(in.data() + i, next - i);
    i = next;
    if (i < n) {
      AppendCodePoint(out, p[i]);
      ++i;
    }
  }
}

bool DecodeRawUnicodeEscape(std::string_view in, std::string& out, CodecError& err) {
  // CPython 3.11 unicodeobject.c _PyUnicode_DecodeRawUnicodeEscapeStateful
  // with errors='strict' and no `consumed`.
  const size_t original_size = out.size();
  const uint8_t* p = Bytes(in);
  const size_t n = in.size();
  out.reserve(original_size + n);
  size_t i = 0;
  while (i < n) {
    const uint8_t c = p[i];
    // A trailing lone backslash is an ordinary byte: raw_unicode_escape_decode(b'\\') == '\\'.
    if (c != '\\' || i + 1 >= n) {
      AppendCodePoint(out, c);
      ++i;
      continue;
    }
    const uint8_t kind = p[i + 1];
    if (kind != 'u' && kind != 'U') {
      // Both bytes stay, and the second is not re-examined:
      // b'\\\\u0041' decodes to '\\\\u0041'.
      out.push_back('\\');
      AppendCodePoint(out, kind);
      i += 2;
      continue;
    }
    const size_t start = i;
    const size_t count = kind == 'u' ? 4 : 8;
    const char* truncated = kind == 'u' ? kTruncatedU4 : kTruncatedU8;
    size_t k = i + 2;
    uint32_t cp = 0;
    for (size_t left = count; left > 0; --left, ++k) {
      // Error range: from the backslash up to the first non-hex byte, or to
      // the end: b'\\u00e' fails at 0-4, b'\\u00g0' at 0-3.
      if (k >= n || HexValue(p[k]) < 0) {
        SetError(err, kRawUnicodeEscapeName, start, k, truncated);
        out.resize(original_size);
        return false;
      }
      cp = (cp << 4) | static_cast<uint32_t>(HexValue(p[k]));
    }
    if (cp > kMaxUnicode) {
      SetError(err, kRawUnicodeEscapeName, start, k, kOutOfRange);  // b'\\U00110000': 0-9
      out.resize(original_size);
      return false;
    }
    AppendCodePoint(out, cp);  // lone surrogates allowed: b'\\ud800' -> '\ud800'
    i = k;
  }
  return true;
}

EscapeResult DecodeBytesEscape(std::string_view in, std::string& out) {
  // CPython 3.11 bytesobject.c _PyBytes_DecodeEscape with errors=NULL.
  const size_t original_size = out.size();
  const size_t n = in.size();
  out.reserve(original_size + n);
  EscapeResult result;
  size_t i = 0;
  while (i < n) {
    const char c = in[i];
    if (c != '\\') {
      const void* next = std::memchr(in.data() + i, '\\', n - i);
      const size_t stop = next == nullptr ? n : static_cast<size_t>(static_cast<const char*>(next) - in.data());
      out.append(in.data() + i, stop - i);
      i = stop;
      continue;
    }
    const size_t backslash = i;
    ++i;
    if (i == n) {
      // codecs.escape_decode(b'ab\\') -> ValueError: Trailing \ in string.
      result.status = EscapeStatus::kTrailingBackslash;
      result.position = backslash;
      out.resize(original_size);
      return result;
    }
    const char e = in[i++];
    switch (e) {
      case '\n':  // line continuation: both bytes vanish
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\'':
        out.push_back('\'');
        break;
      case '"':
        out.push_back('"');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'a':
        out.push_back('\a');
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        // Up to three octal digits; the value is stored in one byte, so
        // b'\\777' gives b'\xff' (3.11 only warns about it).
        unsigned value = static_cast<unsigned>(e - '0');
        for (int extra = 0; extra < 2 && i < n && in[i] >= '0' && in[i] <= '7'; ++extra) {
          value = value * 8 + static_cast<unsigned>(in[i] - '0');
          ++i;
        }
        out.push_back(static_cast<char>(value & 0xFF));
        break;
      }
      case 'x': {
        // Exactly two hex digits. The reported position is the backslash's:
        // codecs.escape_decode(b'ab\\x4') -> "invalid \x escape at position 2".
        if (i + 1 < n) {
          const int hi = HexValue(static_cast<uint8_t>(in[i]));
          const int lo = HexValue(static_cast<uint8_t>(in[i + 1]));
          if (hi >= 0 && lo >= 0) {
            out.push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
            break;
          }
        }
        result.status = EscapeStatus::kBadHexEscape;
        result.position = backslash;
        out.resize(original_size);
        return result;
      }
      default:
        // Unknown escapes keep the backslash; the byte after it is decoded
        // again as ordinary text: b'\\q' -> b'\\q', b'\\\xff' -> b'\\\xff'.
        out.push_back('\\');
        --i;
        break;
    }
  }
  return result;
}

bool EncodeLatin1(std::string_view in, std::string& out, CodecError& err) {
  // CPython 3.11 unicode_encode_ucs1(limit=256): the error covers the run of
  // unencodable characters: 'a\u0100\u0200b' fails at 1-2 (end 3).
  const size_t original_size = out.size();
  size_t i = 0;
  size_t index = 0;
  while (i < in.size()) {
    const uint32_t cp = NextCodePoint(in, i);
    if (cp > 0xFF) {
      size_t end = index + 1;
      while (i < in.size()) {
        size_t j = i;
        if (NextCodePoint(in, j) <= 0xFF) break;
        i = j;
        ++end;
      }
      SetError(err, kLatin1Name, index, end, kOrdinal256);
      out.resize(original_size);
      return false;
    }
    out.push_back(static_cast<char>(cp));
    ++index;
  }
  return true;
}

bool EncodeAscii(std::string_view in, std::string& out, CodecError& err) {
  // CPython 3.11 unicode_encode_ucs1(limit=128): 'a\xe9\u0100\ud800b' fails at 1-3 (end 4).
  const size_t original_size = out.size();
  size_t i = 0;
  size_t index = 0;
  while (i < in.size()) {
    const uint32_t cp = NextCodePoint(in, i);
    if (cp > 0x7F) {
      size_t end = index + 1;
      while (i < in.size()) {
        size_t j = i;
        if (NextCodePoint(in, j) <= 0x7F) break;
        i = j;
        ++end;
      }
      SetError(err, kAsciiName, index, end, kOrdinal128);
      out.resize(original_size);
      return false;
    }
    out.push_back(static_cast<char>(cp));
    ++index;
  }
  return true;
}

bool EncodeUtf8(std::string_view in, std::string& out, CodecError& err) {
  // CPython 3.11 unicode_encode_utf8: the error covers the run of
  // surrogates: '\ud800\udc00x'.encode() fails at 0-1 (end 2),
  // "surrogates not allowed". Everything else is already UTF-8.
  size_t i = 0;
  size_t index = 0;
  while (i < in.size()) {
    const uint32_t cp = NextCodePoint(in, i);
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      size_t end = index + 1;
      while (i < in.size()) {
        size_t j = i;
        const uint32_t next = NextCodePoint(in, j);
        if (next < 0xD800 || next > 0xDFFF) break;
        i = j;
        ++end;
      }
      SetError(err, kUtf8Name, index, end, kSurrogatesNotAllowed);
      return false;
    }
    ++index;
  }
  out.append(in);
  return true;
}

size_t CodePointCount(std::string_view s) {
  size_t count = 0;
  for (char c : s) count += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return count;
}

uint32_t NextCodePoint(std::string_view s, size_t& i) {
  const uint8_t* p = Bytes(s);
  const uint32_t b = p[i];
  if (b < 0x80) {
    i += 1;
    return b;
  }
  const size_t length = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  if (s.size() - i < length) {
    i = s.size();  // malformed input: stay in bounds
    return 0xFFFD;
  }
  if (b < 0xE0) {
    const uint32_t cp = ((b & 0x1F) << 6) | (p[i + 1] & 0x3Fu);
    i += 2;
    return cp;
  }
  if (b < 0xF0) {
    const uint32_t cp = ((b & 0x0F) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
    i += 3;
    return cp;
  }
  const uint32_t cp = ((b & 0x07) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) |
                      (p[i + 3] & 0x3Fu);
  i += 4;
  return cp;
}

void AppendCodePoint(std::string& out, uint32_t cp) {
  // Surrogates get the plain 3-byte form, as s.encode('utf-8', 'surrogatepass').
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char bytes[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 2);
  } else if (cp < 0x10000) {
    const char bytes[3] = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                           static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 3);
  } else {
    const char bytes[4] = {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                           static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 4);
  }
}

}  // namespace picklecheck::pycodecs

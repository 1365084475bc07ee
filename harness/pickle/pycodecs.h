// CPython 3.11's codecs, as far as unpickling needs them.
//
// Strings are held internally as "surrogatepass UTF-8": exactly the bytes of
// `s.encode('utf-8', 'surrogatepass')` in Python, so every str (lone
// surrogates included) has one representation and equal strs have equal
// bytes. All decoders below append to such a string.
//
//   std::string out;
//   CodecError err;
//   if (!DecodeUtf8(payload, ErrorHandler::kSurrogatePass, out, err)) ...
//
// The decoders follow CPython's error ranges exactly (which bytes one
// error covers), so `replace`/`ignore`/`backslashreplace`/`surrogateescape`
// produce CPython's output, and `err` carries what UnicodeDecodeError would
// report.
#ifndef PICKLECHECK_HARNESS_PICKLE_PYCODECS_H_
#define PICKLECHECK_HARNESS_PICKLE_PYCODECS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace picklecheck::pycodecs {

enum class ErrorHandler : uint8_t {
  kStrict,
  kIgnore,
  kReplace,
  kBackslashReplace,
  kSurrogateEscape,
  kSurrogatePass,
  kOther,    // a registered handler the codec layer does not model
             // (xmlcharrefreplace, namereplace, ...): UnsupportedForm if consulted
  kUnknown,  // not a registered handler: LookupError if consulted
};
// Looks up a handler name the way codecs.lookup_error does (exact, case-sensitive).
// The decoders consult the handler only at the first error, as CPython does:
// b'abc'.decode('utf-8', 'bogus') == 'abc'.
ErrorHandler ParseErrorHandler(std::string_view name);

enum class Encoding : uint8_t {
  kAscii,
  kLatin1,
  kUtf8,
  kBytes,        // the unpickler's special encoding='bytes' (exact match only)
  kCharmap,      // a single-byte charmap codec (cp1252, koi8_r, iso8859_*...): CharmapTable
  kOther,        // a codec CPython knows that this layer does not model
  kUnknown,      // LookupError: unknown encoding
};
// Normalizes a codec name like CPython (case, '-', ' ', aliases from
// encodings.aliases) and classifies it. "bytes" must match exactly. The data
// is generated from CPython 3.11 (codec_names.inc, by
// scripts/gen_codec_names.py). Names containing NUL are kUnknown (CPython
// rejects them earlier, with ValueError: embedded null character).
// Note: PyUnicode_Decode returns '' for empty input before looking the codec
// up, so pickle.loads(b"S''\n.", encoding='nope') == ''.
Encoding ParseEncoding(std::string_view name);
// For a kCharmap name: its 256-entry decoding table (code point per byte,
// 0xFFFE for an undefined byte), generated from the codec module's
// decoding_table; nullptr for other names.
const uint16_t* CharmapTable(std::string_view name);

struct CodecError {
  const char* encoding = "";  // "utf-8", "ascii", "rawunicodeescape", ...
  size_t start = 0;           // first byte (or char) of the failing range
  size_t end = 0;             // one past the last
  const char* reason = "";    // "invalid start byte", ...
  bool lookup_error = false;  // the handler name was unknown (LookupError)
  bool unsupported = false;   // the handler is kOther
};

// All decoders: on failure `out` is left as it was and `err` describes the
// first error CPython raises (for kUnknown / kOther handlers, the error at
// which the handler was consulted, with lookup_error / unsupported set).
//
// UTF-8 -> str. With kSurrogatePass, encoded surrogates (ED A0..BF xx) decode
// to lone surrogates; every other handler rejects them like CPython.
bool DecodeUtf8(std::string_view in, ErrorHandler handler, std::string& out, CodecError& err);
bool DecodeAscii(std::string_view in, ErrorHandler handler, std::string& out, CodecError& err);
// A charmap codec (PyUnicode_DecodeCharmap with a decoding table): each
// byte maps to table[b]; an undefined byte is an error of one byte
// ("character maps to <undefined>", reported as the 'charmap' codec).
bool DecodeCharmap(std::string_view in, const uint16_t* table, ErrorHandler handler,
                   std::string& out, CodecError& err);
// Latin-1 never fails.
void DecodeLatin1(std::string_view in, std::string& out);
// raw-unicode-escape (errors='strict'), as the UNICODE opcode uses it:
// \uXXXX and \UXXXXXXXX are escapes; every other byte is the code point of
// the same value.
bool DecodeRawUnicodeEscape(std::string_view in, std::string& out, CodecError& err);

// Python 2 string-literal escapes (PyBytes_DecodeEscape), as STRING uses them.
enum class EscapeStatus : uint8_t { kOk, kBadHexEscape, kTrailingBackslash };
struct EscapeResult {
  EscapeStatus status = EscapeStatus::kOk;
  // kBadHexEscape: offset of the backslash, as CPython reports it
  // (b'ab\\x4' -> "invalid \x escape at position 2"). kTrailingBackslash:
  // offset of the backslash (CPython's message has no position).
  size_t position = 0;
};
EscapeResult DecodeBytesEscape(std::string_view in, std::string& out);

// str -> bytes with errors='strict' (for _codecs.encode). `in` is surrogatepass
// UTF-8. On failure `out` is unchanged and err.start/end are code point
// indices covering the whole run of unencodable characters, as CPython
// reports them ('\ud800\udc00x'.encode() fails at 0-1, end 2).
bool EncodeLatin1(std::string_view in, std::string& out, CodecError& err);
bool EncodeAscii(std::string_view in, std::string& out, CodecError& err);
bool EncodeUtf8(std::string_view in, std::string& out, CodecError& err);

// Helpers over surrogatepass UTF-8.
size_t CodePointCount(std::string_view s);
// Decodes the code point at s[i], advancing i. `s` must be well-formed
// surrogatepass UTF-8; a sequence cut off by the end of `s` never reads past
// it (it yields U+FFFD and i moves to the end).
uint32_t NextCodePoint(std::string_view s, size_t& i);
void AppendCodePoint(std::string& out, uint32_t cp);

}  // namespace picklecheck::pycodecs

#endif  // PICKLECHECK_HARNESS_PICKLE_PYCODECS_H_

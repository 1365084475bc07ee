#include "harness/pickle/pycodecs.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "harness/testing/python_testing.h"

namespace picklecheck::pycodecs {
namespace {

using ::picklecheck::testing::RunPython;
using ::picklecheck::testing::RunPythonTable;
using ::picklecheck::testing::Split;



std::string FromHex(std::string_view hex) {
  std::string out;
  if (hex == "-") return out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 15]);
  }
  return out.empty() ? "-" : out;
}

ErrorHandler HandlerByName(std::string_view name) { return ParseErrorHandler(name); }

// Compares one decoder result with CPython's, as the scripts below print it:
// "ok <hex of surrogatepass UTF-8>" or "err <start> <end> <reason>" or
// "lookup" / "unsupported".
void ExpectDecodeMatches(bool ok, const std::string& out, const CodecError& err,
                         const std::vector<std::string>& expected, const std::string& context) {
  const std::string& kind = expected[0];
  if (kind == "ok") {
    ASSERT_TRUE(ok) << context << " failed with " << err.reason << " at " << err.start;
    EXPECT_EQ(ToHex(out), expected[1]) << context;
    return;
  }
  ASSERT_FALSE(ok) << context << " gave " << ToHex(out);
  if (kind == "lookup") {
    EXPECT_TRUE(err.lookup_error) << context;
  } else if (kind == "unsupported") {
    EXPECT_TRUE(err.unsupported) << context;
  } else {
    ASSERT_EQ(kind, "err");
    EXPECT_FALSE(err.lookup_error) << context;
    EXPECT_FALSE(err.unsupported) << context;
    EXPECT_EQ(err.start, std::stoull(expected[1])) << context;
    EXPECT_EQ(err.end, std::stoull(expected[2])) << context;
    EXPECT_STREQ(err.reason, expected[3].c_str()) << context;
  }
}

// Python helper shared by the decode scripts.
constexpr char kPythonDecodeHelper[] = R"PY(
def outcome(fn):
    try:
        r = fn()
    except UnicodeDecodeError as e:
        return 'err\t%d\t%d\t%s' % (e.start, e.end, e.reason)
    except UnicodeEncodeError as e:
        return 'err\t%d\t%d\t%s' % (e.start, e.end, e.reason)
    except LookupError:
        return 'lookup'
    except TypeError:
        return 'unsupported'
    if isinstance(r, tuple):
        r = r[0]
    if isinstance(r, str):
        r = r.encode('utf-8', 'surrogatepass')
    return 'ok\t' + (r.hex() or '-')
)PY";

// ---------------------------------------------------------------------------
// Error handlers and encodings

TEST(ParseErrorHandlerTest, ModelledHandlers) {
  EXPECT_EQ(ParseErrorHandler("strict"), ErrorHandler::kStrict);
  EXPECT_EQ(ParseErrorHandler("ignore"), ErrorHandler::kIgnore);
  EXPECT_EQ(ParseErrorHandler("replace"), ErrorHandler::kReplace);
  EXPECT_EQ(ParseErrorHandler("backslashreplace"), ErrorHandler::kBackslashReplace);
  EXPECT_EQ(ParseErrorHandler("surrogateescape"), ErrorHandler::kSurrogateEscape);
  EXPECT_EQ(ParseErrorHandler("surrogatepass"), ErrorHandler::kSurrogatePass);
}

TEST(ParseErrorHandlerTest, RegisteredButUnmodelled) {
  EXPECT_EQ(ParseErrorHandler("xmlcharrefreplace"), ErrorHandler::kOther);
  EXPECT_EQ(ParseErrorHandler("namereplace"), ErrorHandler::kOther);
}

TEST(ParseErrorHandlerTest, NamesAreExact) {
  // codecs.lookup_error('Strict') raises LookupError.
  for (std::string_view name : {"Strict", "STRICT", " strict", "strict ", "", "bogus", "surrogate_pass",
                                "backslash-replace"}) {
    EXPECT_EQ(ParseErrorHandler(name), ErrorHandler::kUnknown) << name;
  }
}

TEST(ParseErrorHandlerTest, RegistryMatchesCPython) {
  const std::string script = R"PY(
import codecs
for name in ['strict', 'ignore', 'replace', 'backslashreplace', 'surrogateescape', 'surrogatepass',
             'xmlcharrefreplace', 'namereplace', 'Strict', 'bogus', '']:
    try:
        codecs.lookup_error(name)
        print('known\t' + name)
    except LookupError:
        print('unknown\t' + name)
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    const std::string name = f.size() > 1 ? f[1] : "";
    EXPECT_EQ(ParseErrorHandler(name) != ErrorHandler::kUnknown, f[0] == "known") << name;
    ++checked;
  }
  EXPECT_EQ(checked, 11u);
}

TEST(ParseEncodingTest, ModelledCodecsAndAliases) {
  for (std::string_view name : {"ascii", "ASCII", "us-ascii", "646", "us", "ansi_x3.4_1968", "iso646-us",
                                "cp367"}) {
    EXPECT_EQ(ParseEncoding(name), Encoding::kAscii) << name;
  }
  for (std::string_view name : {"latin-1", "latin1", "Latin_1", "iso-8859-1", "ISO8859-1", "iso8859.1", "l1",
                                "8859", "cp819", "latin"}) {
    EXPECT_EQ(ParseEncoding(name), Encoding::kLatin1) << name;
  }
  for (std::string_view name : {"utf-8", "UTF8", "utf_8", "u8", "utf", " UTF--8 ", "cp65001", "utf8-ucs2"}) {
    EXPECT_EQ(ParseEncoding(name), Encoding::kUtf8) << name;
  }
}

TEST(ParseEncodingTest, BytesIsExact) {
  // pickle.loads(b"S'a'\n.", encoding='bytes') == b'a'; 'BYTES' is a failed codec lookup.
  EXPECT_EQ(ParseEncoding("bytes"), Encoding::kBytes);
  EXPECT_EQ(ParseEncoding("BYTES"), Encoding::kUnknown);
  EXPECT_EQ(ParseEncoding("bytes "), Encoding::kUnknown);
}

TEST(ParseEncodingTest, OtherAndUnknown) {
  EXPECT_EQ(ParseEncoding("cp1252"), Encoding::kCharmap);
  EXPECT_EQ(ParseEncoding("KOI8-R"), Encoding::kCharmap);
  EXPECT_EQ(ParseEncoding("utf-16"), Encoding::kOther);
  EXPECT_EQ(ParseEncoding("utf-8-sig"), Encoding::kOther);
  EXPECT_EQ(ParseEncoding("hex"), Encoding::kOther);  // a codec, though not a text encoding
  EXPECT_EQ(ParseEncoding("rot13"), Encoding::kOther);
  EXPECT_EQ(ParseEncoding("nope"), Encoding::kUnknown);
  EXPECT_EQ(ParseEncoding(""), Encoding::kUnknown);
  EXPECT_EQ(ParseEncoding("latin.1"), Encoding::kUnknown);  // codecs.lookup('latin.1') fails
  EXPECT_EQ(ParseEncoding("mbcs"), Encoding::kUnknown);     // Windows only
  EXPECT_EQ(ParseEncoding("aliases"), Encoding::kUnknown);  // a module, not a codec
  EXPECT_EQ(ParseEncoding("csHPRoman8"), Encoding::kUnknown);  // alias key never matches normalized names
  EXPECT_EQ(ParseEncoding(std::string_view("ascii\0", 6)), Encoding::kUnknown);
}

// Every charmap codec, every byte, every handler: the same text as
// bytes(range(256)).decode(codec, handler).
TEST(DecodeCharmapTest, MatchesCPythonForEveryCodecAndHandler) {
  const std::string script = R"PY(
import encodings, pkgutil, importlib
for info in sorted(pkgutil.iter_modules(encodings.__path__), key=lambda m: m.name):
    try:
        mod = importlib.import_module('encodings.' + info.name)
    except ImportError:
        continue
    t = getattr(mod, 'decoding_table', None)
    if not (isinstance(t, str) and len(t) == 256):
        continue
    for h in ('strict', 'ignore', 'replace', 'backslashreplace', 'surrogateescape'):
        data = bytes(range(256))
        try:
            out = data.decode(info.name, h).encode('utf-8', 'surrogatepass').hex()
            print(info.name + '\t' + h + '\tok\t' + out)
        except UnicodeDecodeError as e:
            print(info.name + '\t' + h + '\terr\t%d' % e.start)
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_EQ(f.size(), 4u);
    // iso8859_1 has a table too, but its name resolves to latin_1 first.
    if (ParseEncoding(f[0]) != Encoding::kCharmap) continue;
    const uint16_t* table = CharmapTable(f[0]);
    ASSERT_NE(table, nullptr) << f[0];
    std::string bytes;
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
    std::string out;
    CodecError err;
    bool ok = DecodeCharmap(bytes, table, ParseErrorHandler(f[1]), out, err);
    EXPECT_EQ(ok, f[2] == "ok") << f[0] << " " << f[1];
    if (ok && f[2] == "ok") EXPECT_EQ(out, FromHex(f[3])) << f[0] << " " << f[1];
    if (!ok && f[2] == "err") EXPECT_EQ(std::to_string(err.start), f[3]) << f[0] << " " << f[1];
    ++checked;
  }
  EXPECT_GT(checked, 300u);
}

TEST(ParseEncodingTest, MatchesCPythonCodecLookup) {
  const std::string script = R"PY(
import codecs, encodings, encodings.aliases, encodings.utf_8, pkgutil, random
rng = random.Random(1)
names = set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values())
names |= {m.name for m in pkgutil.iter_modules(encodings.__path__)}
names |= {'', ' ', '-', 'utf-8', 'UTF-8', 'latin.1', 'iso8859.1', 'iso.8859.1', 'ansi.x3.4.1968', 'utf.8',
          'u.8', 'hex', 'base64', 'rot13', 'rot-13', 'x', 'utf\u00e9-8', '\u00e9utf8', 'utf8\u00e9', 'u_t_f_8',
          'utf 8', '  latin  1 ', 'ISO_8859-1:1987', 'bytes', 'BYTES', 'mbcs', 'oem', 'ansi', 'dbcs',
          '.', '..', 'utf_8.', '.utf_8', 'utf8.', 'encodings.utf_8', 'csHPRoman8', 'cshproman8', 'hp-roman8'}
base = sorted(names)
for _ in range(3000):
    n = rng.choice(base)
    ops = rng.randrange(1, 4)
    for _ in range(ops):
        op = rng.randrange(6)
        if op == 0:
            n = n.upper()
        elif op == 1:
            n = n.replace('_', rng.choice(['-', ' ', '.', '--', '_', '\u00a0', '/']))
        elif op == 2:
            n = rng.choice([' ', '-', '.', '', '\t']) + n + rng.choice([' ', '-', '.', '', '\t'])
        elif op == 3 and n:
            i = rng.randrange(len(n))
            n = n[:i] + rng.choice(['-', '.', '_', 'x', '']) + n[i:]
        elif op == 4:
            n = n.replace('.', '_')
        else:
            n = n.title()
    names.add(n)
for name in sorted(names):
    if name == 'bytes':
        kind = 'bytes'
    else:
        try:
            ci = codecs.lookup(name)
        except LookupError:
            kind = 'unknown'
        else:
            if ci.decode is codecs.ascii_decode:
                kind = 'ascii'
            elif ci.decode is codecs.latin_1_decode:
                kind = 'latin1'
            elif ci.decode is encodings.utf_8.decode:
                kind = 'utf8'
            else:
                import sys
                owner = getattr(getattr(ci.decode, '__self__', None), '__class__', None)
                mod = sys.modules.get(getattr(owner, '__module__', ''))
                table = getattr(mod, 'decoding_table', None)
                kind = 'charmap' if isinstance(table, str) and len(table) == 256 else 'other'
    print(kind + '\t' + name.encode('utf-8').hex())
)PY";
  size_t checked = 0;
  size_t modelled = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_EQ(f.size(), 2u);
    const std::string name = FromHex(f[1]);
    Encoding expected = Encoding::kUnknown;
    if (f[0] == "bytes") expected = Encoding::kBytes;
    if (f[0] == "ascii") expected = Encoding::kAscii;
    if (f[0] == "latin1") expected = Encoding::kLatin1;
    if (f[0] == "utf8") expected = Encoding::kUtf8;
    if (f[0] == "other") expected = Encoding::kOther;
    if (f[0] == "charmap") expected = Encoding::kCharmap;
    EXPECT_EQ(static_cast<int>(ParseEncoding(name)), static_cast<int>(expected)) << "'" << name << "'";
    EXPECT_EQ(CharmapTable(name) != nullptr, expected == Encoding::kCharmap) << "'" << name << "'";
    modelled += expected == Encoding::kAscii || expected == Encoding::kLatin1 || expected == Encoding::kUtf8;
    ++checked;
  }
  EXPECT_GT(checked, 2000u);
  EXPECT_GT(modelled, 100u);
}

TEST(ParseEncodingTest, GeneratedTableIsCurrent) {
  // scripts/gen_codec_names.py --check fails when codec_names.inc is stale
  // (another CPython, or an edited file).
  const char* source_dir = std::getenv("PICKLECHECK_SOURCE_DIR");
  const std::string root = source_dir != nullptr && *source_dir != '\0' ? source_dir : ".";
  std::string output;
  EXPECT_TRUE(RunPython(
      "import runpy, sys\n"
      "sys.argv = ['gen_codec_names.py', '--check']\n"
      "try:\n"
      "    runpy.run_path('" + root + "/scripts/gen_codec_names.py', run_name='__main__')\n"
      "except SystemExit as e:\n"
      "    sys.exit(e.code)\n",
      output))
      << "regenerate with scripts/gen_codec_names.py (root: " << root << ")";
}

// ---------------------------------------------------------------------------
// UTF-8

TEST(DecodeUtf8Test, AsciiAndMultibyteUnchanged) {
  std::string out = "prefix:";
  CodecError err;
  ASSERT_TRUE(DecodeUtf8("hello \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(out, "prefix:hello \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!");
}

TEST(DecodeUtf8Test, InvalidStartByteCoversOneByte) {
  // b'\xc0\x80'.decode() -> "can't decode byte 0xc0 in position 0: invalid start byte".
  std::string out;
  CodecError err;
  ASSERT_FALSE(DecodeUtf8("\xc0\x80", ErrorHandler::kStrict, out, err));
  EXPECT_STREQ(err.encoding, "utf-8");
  EXPECT_EQ(err.start, 0u);
  EXPECT_EQ(err.end, 1u);
  EXPECT_STREQ(err.reason, "invalid start byte");
  ASSERT_FALSE(DecodeUtf8("ab\xf5\x80\x80\x80", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.start, 2u);
  EXPECT_EQ(err.end, 3u);
}

TEST(DecodeUtf8Test, InvalidContinuationCoversTheValidPrefix) {
  std::string out;
  CodecError err;
  // E0 needs A0..BF: b'\xe0\x80\x80' fails at 0-0 (one byte).
  ASSERT_FALSE(DecodeUtf8("\xe0\x80\x80", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.end - err.start, 1u);
  EXPECT_STREQ(err.reason, "invalid continuation byte");
  // The third byte is bad: two bytes covered.
  ASSERT_FALSE(DecodeUtf8("\xe2\x82x", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.start, 0u);
  EXPECT_EQ(err.end, 2u);
  // The fourth byte is bad: three bytes covered.
  ASSERT_FALSE(DecodeUtf8("\xf0\x9f\x98x", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.end, 3u);
  // F4 needs 80..8F; F0 needs 90..BF.
  ASSERT_FALSE(DecodeUtf8("\xf4\x90\x80\x80", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.end, 1u);
  ASSERT_FALSE(DecodeUtf8("\xf0\x8f\xbf\xbf", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.end, 1u);
}

TEST(DecodeUtf8Test, UnexpectedEndCoversTheRest) {
  std::string out;
  CodecError err;
  ASSERT_FALSE(DecodeUtf8("ab\xf0\x9f\x98", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.start, 2u);
  EXPECT_EQ(err.end, 5u);
  EXPECT_STREQ(err.reason, "unexpected end of data");
  // A bad second byte is reported even when the sequence is also truncated.
  ASSERT_FALSE(DecodeUtf8("\xe0\x80", ErrorHandler::kStrict, out, err));
  EXPECT_STREQ(err.reason, "invalid continuation byte");
  ASSERT_FALSE(DecodeUtf8("\xed\xa0", ErrorHandler::kStrict, out, err));
  EXPECT_STREQ(err.reason, "invalid continuation byte");
  ASSERT_FALSE(DecodeUtf8("\xf0\x9f\x41", ErrorHandler::kStrict, out, err));
  EXPECT_STREQ(err.reason, "invalid continuation byte");
  EXPECT_EQ(err.end, 2u);
}

TEST(DecodeUtf8Test, FailureLeavesOutputUntouched) {
  std::string out = "keep";
  CodecError err;
  ASSERT_FALSE(DecodeUtf8("abc\xff", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(out, "keep");
}

TEST(DecodeUtf8Test, SurrogatePassDecodesEncodedSurrogates) {
  // pickle.loads(b'X\x03\x00\x00\x00\xed\xa0\x80.') == '\ud800'.
  std::string out;
  CodecError err;
  ASSERT_TRUE(DecodeUtf8("\xed\xa0\x80\xed\xbf\xbf", ErrorHandler::kSurrogatePass, out, err));
  EXPECT_EQ(out, "\xed\xa0\x80\xed\xbf\xbf");
  // Strict rejects the same bytes at the lead byte.
  ASSERT_FALSE(DecodeUtf8("\xed\xa0\x80", ErrorHandler::kStrict, out, err));
  EXPECT_EQ(err.end, 1u);
}

TEST(DecodeUtf8Test, SurrogatePassReRaisesOtherErrors) {
  std::string out;
  CodecError err;
  ASSERT_FALSE(DecodeUtf8("\xed\xa0", ErrorHandler::kSurrogatePass, out, err));  // truncated surrogate
  EXPECT_STREQ(err.reason, "invalid continuation byte");
  EXPECT_EQ(err.end, 1u);
  ASSERT_FALSE(DecodeUtf8("\xed\xa0x", ErrorHandler::kSurrogatePass, out, err));
  EXPECT_EQ(err.end, 1u);
  ASSERT_FALSE(DecodeUtf8("a\xff", ErrorHandler::kSurrogatePass, out, err));
  EXPECT_STREQ(err.reason, "invalid start byte");
  EXPECT_FALSE(err.lookup_error);
  EXPECT_FALSE(err.unsupported);
}

TEST(DecodeUtf8Test, ReplacingHandlers) {
  std::string out;
  CodecError err;
  // One U+FFFD per error range: b'\xe2\x82x\xff'.decode(errors='replace') == '\ufffdx\ufffd'.
  ASSERT_TRUE(DecodeUtf8("\xe2\x82x\xff", ErrorHandler::kReplace, out, err));
  EXPECT_EQ(out, "\xef\xbf\xbdx\xef\xbf\xbd");
  out.clear();
  ASSERT_TRUE(DecodeUtf8("\xe2\x82x\xff", ErrorHandler::kIgnore, out, err));
  EXPECT_EQ(out, "x");
  out.clear();
  ASSERT_TRUE(DecodeUtf8("\xe2\x82x\xff", ErrorHandler::kBackslashReplace, out, err));
  EXPECT_EQ(out, "\\xe2\\x82x\\xff");
  out.clear();
  ASSERT_TRUE(DecodeUtf8("\xe2\x82x\xff", ErrorHandler::kSurrogateEscape, out, err));
  EXPECT_EQ(out, "\xed\xb3\xa2\xed\xb2\x82x\xed\xb3\xbf");  // '\udce2\udc82x\udcff'
}

TEST(DecodeUtf8Test, HandlerIsOnlyConsultedOnError) {
  // b'abc'.decode('utf-8', 'bogus') == 'abc'; with an error it is LookupError.
  std::string out;
  CodecError err;
  EXPECT_TRUE(DecodeUtf8("abc", ErrorHandler::kUnknown, out, err));
  EXPECT_EQ(out, "abc");
  EXPECT_FALSE(DecodeUtf8("ab\xff", ErrorHandler::kUnknown, out, err));
  EXPECT_TRUE(err.lookup_error);
  EXPECT_FALSE(err.unsupported);
  EXPECT_EQ(err.start, 2u);
  // xmlcharrefreplace cannot handle decode errors (TypeError in CPython).
  EXPECT_FALSE(DecodeUtf8("ab\xff", ErrorHandler::kOther, out, err));
  EXPECT_TRUE(err.unsupported);
  EXPECT_FALSE(err.lookup_error);
}

TEST(DecodeUtf8Test, LongInputsTakeTheFastPaths) {
  std::string ascii(1 << 22, 'a');
  std::string mixed;
  while (mixed.size() < (1u << 22)) mixed += "abc\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80xyz0123";
  std::string out;
  CodecError err;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    out.clear();
    ASSERT_TRUE(DecodeUtf8(ascii, ErrorHandler::kStrict, out, err));
    ASSERT_EQ(out.size(), ascii.size());
    out.clear();
    ASSERT_TRUE(DecodeUtf8(mixed, ErrorHandler::kSurrogatePass, out, err));
    ASSERT_EQ(out, mixed);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
}

TEST(DecodeUtf8Test, MatchesCPythonExhaustivelyOnShortInputs) {
  // Every 1- and 2-byte input, and 3/4-byte inputs over the boundary bytes.
  const std::string script = std::string(kPythonDecodeHelper) + R"PY(
import itertools
edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec,
         0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff]
inputs = [bytes([a]) for a in range(256)]
inputs += [bytes([a, b]) for a in range(0x80, 256) for b in range(256)]
inputs += [bytes(t) for t in itertools.product(edges, repeat=3)]
inputs += [bytes(t) for t in itertools.product([0xf0, 0xf4, 0xf5, 0xed, 0xe0, 0x80], edges, [0x80, 0xbf, 0x41], [0x80, 0xc0])]
for b in inputs:
    for h in ('strict', 'surrogatepass', 'replace'):
        print(b.hex() + '\t' + h + '\t' + outcome(lambda: b.decode('utf-8', h)))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_GE(f.size(), 3u);
    const std::string input = FromHex(f[0]);
    std::string out;
    CodecError err;
    const bool ok = DecodeUtf8(input, HandlerByName(f[1]), out, err);
    ExpectDecodeMatches(ok, out, err, std::vector<std::string>(f.begin() + 2, f.end()), f[0] + " " + f[1]);
    ++checked;
  }
  EXPECT_GT(checked, 100000u);
}

TEST(DecodeUtf8Test, MatchesCPythonOnRandomInputsForEveryHandler) {
  const std::string script = std::string(kPythonDecodeHelper) + R"PY(
import random
rng = random.Random(42)
pieces = [b'a', b'\x00', b'\x7f', b'\xc3\xa9', b'\xe2\x82\xac', b'\xf0\x9f\x98\x80', b'\xed\xa0\x80',
          b'\xed\xbf\xbf', b'\xed\x9f\xbf', b'\xee\x80\x80', b'\xf4\x8f\xbf\xbf', b'\xf4\x90\x80\x80',
          b'\xc0\xaf', b'\xe0\x80\xaf', b'\xf0\x80\x80\xaf', b'\x80', b'\xbf', b'\xff', b'\xfe', b'\xc2',
          b'\xe0\xa0', b'\xf0\x90', b'\xf0\x90\x80', b'\xed', b'\xed\xa0']
inputs = []
for _ in range(2500):
    n = rng.randrange(0, 8)
    inputs.append(b''.join(rng.choice(pieces) for _ in range(n)))
for _ in range(1500):
    inputs.append(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12))))
for _ in range(500):
    # Long valid text with one corruption, to cross the 8-byte fast path.
    s = ''.join(rng.choice(['a', 'bc', '\xe9', '\u20ac', '\U0001f600', 'defghij']) for _ in range(20)).encode()
    i = rng.randrange(len(s))
    inputs.append(s[:i] + bytes([rng.randrange(128, 256)]) + s[i + 1:])
for b in inputs:
    for h in ('strict', 'ignore', 'replace', 'backslashreplace', 'surrogateescape', 'surrogatepass',
              'xmlcharrefreplace', 'bogus'):
        print(b.hex() + '\t' + h + '\t' + outcome(lambda: b.decode('utf-8', h)))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_GE(f.size(), 3u);
    const std::string input = FromHex(f[0]);
    std::string out;
    CodecError err;
    const bool ok = DecodeUtf8(input, HandlerByName(f[1]), out, err);
    ExpectDecodeMatches(ok, out, err, std::vector<std::string>(f.begin() + 2, f.end()), f[0] + " " + f[1]);
    ++checked;
  }
  EXPECT_GT(checked, 35000u);
}

// ---------------------------------------------------------------------------
// ASCII and Latin-1

TEST(DecodeAsciiTest, EachHighByteIsAnError) {
  std::string out;
  CodecError err;
  // pickle.loads(b"S'\xe9'\n.") -> 'ascii' codec can't decode byte 0xe9 in position 0.
  ASSERT_FALSE(DecodeAscii("\xe9", ErrorHandler::kStrict, out, err));
  EXPECT_STREQ(err.encoding, "ascii");
  EXPECT_EQ(err.start, 0u);
  EXPECT_EQ(err.end, 1u);
  EXPECT_STREQ(err.reason, "ordinal not in range(128)");
  ASSERT_TRUE(DecodeAscii("a\xc3\xa9z", ErrorHandler::kReplace, out, err));
  EXPECT_EQ(out, "a\xef\xbf\xbd\xef\xbf\xbdz");
}

TEST(DecodeAsciiTest, SurrogatePassDoesNotApply) {
  std::string out;
  CodecError err;
  ASSERT_FALSE(DecodeAscii("\xed\xa0\x80", ErrorHandler::kSurrogatePass, out, err));
  EXPECT_EQ(err.start, 0u);
  EXPECT_EQ(err.end, 1u);
}

TEST(DecodeAsciiTest, MatchesCPython) {
  const std::string script = std::string(kPythonDecodeHelper) + R"PY(
import random
rng = random.Random(8)
inputs = [bytes([a]) for a in range(256)] + [b'', b'abcdefghijklmnop\x80', b'\xff' * 9]
for _ in range(1500):
    inputs.append(bytes(rng.choice([rng.randrange(128), rng.randrange(256)]) for _ in range(rng.randrange(0, 20))))
for b in inputs:
    for h in ('strict', 'ignore', 'replace', 'backslashreplace', 'surrogateescape', 'surrogatepass',
              'namereplace', 'bogus'):
        print((b.hex() or '-') + '\t' + h + '\t' + outcome(lambda: b.decode('ascii', h)))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_GE(f.size(), 3u);
    const std::string input = FromHex(f[0]);
    std::string out;
    CodecError err;
    const bool ok = DecodeAscii(input, HandlerByName(f[1]), out, err);
    ExpectDecodeMatches(ok, out, err, std::vector<std::string>(f.begin() + 2, f.end()), f[0] + " " + f[1]);
    ++checked;
  }
  EXPECT_GT(checked, 10000u);
}

TEST(DecodeLatin1Test, EveryByteIsItsCodePoint) {
  std::string in;
  for (int b = 0; b < 256; ++b) in.push_back(static_cast<char>(b));
  std::string out;
  DecodeLatin1(in, out);
  std::string expected;
  for (int b = 0; b < 256; ++b) AppendCodePoint(expected, static_cast<uint32_t>(b));
  EXPECT_EQ(out, expected);
  EXPECT_EQ(CodePointCount(out), 256u);
  out = "x";
  DecodeLatin1("\xe9", out);
  EXPECT_EQ(out, "x\xc3\xa9");
}

// ---------------------------------------------------------------------------
// raw-unicode-escape

TEST(DecodeRawUnicodeEscapeTest, EscapesAndPlainBytes) {
  // pickle.loads(b'V\xe9\n.') == '\xe9'; b'V\\x41\n.' == '\\x41'.
  std::string out;
  CodecError err;
  ASSERT_TRUE(DecodeRawUnicodeEscape("\xe9\\x41\\u20ac\\U0001F600", out, err));
  EXPECT_EQ(out, "\xc3\xa9\\x41\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(DecodeRawUnicodeEscapeTest, LoneSurrogatesAndTrailingBackslash) {
  std::string out;
  CodecError err;
  ASSERT_TRUE(DecodeRawUnicodeEscape("\\ud800\\udc00", out, err));
  EXPECT_EQ(out, "\xed\xa0\x80\xed\xb0\x80");  // two lone surrogates, not a pair
  out.clear();
  // pickle.loads(b'V\\\n.') == '\\'.
  ASSERT_TRUE(DecodeRawUnicodeEscape("\\", out, err));
  EXPECT_EQ(out, "\\");
  out.clear();
  ASSERT_TRUE(DecodeRawUnicodeEscape("\\\\u0041", out, err));  // the second backslash is not an escape
  EXPECT_EQ(out, "\\\\u0041");
}

TEST(DecodeRawUnicodeEscapeTest, TruncatedEscapes) {
  std::string out;
  CodecError err;
  // b'V\\u00e\n.' -> "can't decode bytes in position 0-4: truncated \uXXXX escape".
  ASSERT_FALSE(DecodeRawUnicodeEscape("\\u00e", out, err));
  EXPECT_STREQ(err.encoding, "rawunicodeescape");
  EXPECT_EQ(err.start, 0u);
  EXPECT_EQ(err.end, 5u);
  EXPECT_STREQ(err.reason, "truncated \\uXXXX escape");
  ASSERT_FALSE(DecodeRawUnicodeEscape("ab\\u00g0", out, err));
  EXPECT_EQ(err.start, 2u);
  EXPECT_EQ(err.end, 6u);
  ASSERT_FALSE(DecodeRawUnicodeEscape("\\U0001F60", out, err));
  EXPECT_STREQ(err.reason, "truncated \\UXXXXXXXX escape");
  ASSERT_FALSE(DecodeRawUnicodeEscape("\\u", out, err));
  EXPECT_EQ(err.end, 2u);
}

TEST(DecodeRawUnicodeEscapeTest, OutOfRange) {
  std::string out = "keep";
  CodecError err;
  ASSERT_FALSE(DecodeRawUnicodeEscape("\\U00110000", out, err));
  EXPECT_EQ(err.start, 0u);
  EXPECT_EQ(err.end, 10u);
  EXPECT_STREQ(err.reason, "\\Uxxxxxxxx out of range");
  EXPECT_EQ(out, "keep");
  ASSERT_TRUE(DecodeRawUnicodeEscape("\\U0010ffff", out, err));
}

TEST(DecodeRawUnicodeEscapeTest, MatchesCPython) {
  const std::string script = std::string(kPythonDecodeHelper) + R"PY(
import codecs, random
rng = random.Random(12)
alphabet = [b'\\', b'\\', b'u', b'U', b'0', b'0', b'1', b'a', b'F', b'd', b'8', b'g', b'\xe9', b'x', b'\n']
inputs = [b'\\U0010ffff', b'\\U00110000', b'\\Uffffffff', b'\\ud800', b'\\', b'\\\\', b'a\\']
for _ in range(6000):
    n = rng.randrange(0, 14)
    inputs.append(b''.join(rng.choice(alphabet) for _ in range(n)))
for _ in range(1000):
    cp = rng.choice([rng.randrange(0x110000), rng.randrange(0xd800, 0xe000), rng.randrange(0x10ffff, 0x200000)])
    inputs.append(rng.choice([b'\\u%04x' % (cp & 0xffff), b'\\U%08x' % cp, b'\\U%08X' % cp]))
for b in inputs:
    print((b.hex() or '-') + '\t' + outcome(lambda: codecs.raw_unicode_escape_decode(b, 'strict')))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_GE(f.size(), 2u);
    const std::string input = FromHex(f[0]);
    std::string out;
    CodecError err;
    const bool ok = DecodeRawUnicodeEscape(input, out, err);
    ExpectDecodeMatches(ok, out, err, std::vector<std::string>(f.begin() + 1, f.end()), f[0]);
    if (!ok) {
      EXPECT_STREQ(err.encoding, "rawunicodeescape");
    }
    ++checked;
  }
  EXPECT_GT(checked, 7000u);
}

// ---------------------------------------------------------------------------
// Bytes escapes (STRING)

TEST(DecodeBytesEscapeTest, SimpleEscapes) {
  std::string out;
  EscapeResult r = DecodeBytesEscape("\\\\\\'\\\"\\a\\b\\f\\n\\r\\t\\v", out);
  ASSERT_EQ(r.status, EscapeStatus::kOk);
  EXPECT_EQ(out, "\\'\"\a\b\f\n\r\t\v");
}

TEST(DecodeBytesEscapeTest, LineContinuation) {
  std::string out;
  ASSERT_EQ(DecodeBytesEscape("a\\\nb", out).status, EscapeStatus::kOk);
  EXPECT_EQ(out, "ab");
}

TEST(DecodeBytesEscapeTest, OctalTakesUpToThreeDigitsModulo256) {
  std::string out;
  ASSERT_EQ(DecodeBytesEscape("\\0\\12\\101\\1012\\777\\8", out).status, EscapeStatus::kOk);
  EXPECT_EQ(out, std::string("\0\nAA2\xff\\8", 8));
}

TEST(DecodeBytesEscapeTest, HexNeedsExactlyTwoDigits) {
  std::string out;
  ASSERT_EQ(DecodeBytesEscape("\\x41\\xfF", out).status, EscapeStatus::kOk);
  EXPECT_EQ(out, "A\xff");
  // pickle.loads(b"S'\\x4'\n.") -> ValueError: invalid \x escape at position 0.
  out = "keep";
  EscapeResult r = DecodeBytesEscape("\\x4", out);
  EXPECT_EQ(r.status, EscapeStatus::kBadHexEscape);
  EXPECT_EQ(r.position, 0u);
  EXPECT_EQ(out, "keep");
  r = DecodeBytesEscape("ab\\x4g", out);
  EXPECT_EQ(r.status, EscapeStatus::kBadHexEscape);
  EXPECT_EQ(r.position, 2u);
  r = DecodeBytesEscape("ab\\x", out);
  EXPECT_EQ(r.status, EscapeStatus::kBadHexEscape);
  EXPECT_EQ(r.position, 2u);
}

TEST(DecodeBytesEscapeTest, UnknownEscapesKeepTheBackslash) {
  std::string out;
  ASSERT_EQ(DecodeBytesEscape("\\q\\u0041\\\xff", out).status, EscapeStatus::kOk);
  EXPECT_EQ(out, "\\q\\u0041\\\xff");
}

TEST(DecodeBytesEscapeTest, TrailingBackslash) {
  // pickle.loads(b"S'\\'\n.") -> ValueError: Trailing \ in string.
  std::string out;
  EXPECT_EQ(DecodeBytesEscape("\\", out).status, EscapeStatus::kTrailingBackslash);
  EXPECT_EQ(DecodeBytesEscape("abc\\\\\\", out).status, EscapeStatus::kTrailingBackslash);
  EXPECT_EQ(DecodeBytesEscape("abc\\\\", out).status, EscapeStatus::kOk);
}

TEST(DecodeBytesEscapeTest, MatchesCPython) {
  const std::string script = R"PY(
import codecs, random, re, warnings
warnings.simplefilter('ignore')
rng = random.Random(4)
alphabet = [b'\\', b'\\', b'\\', b'x', b'0', b'7', b'8', b'a', b'F', b'g', b'n', b'\n', b"'", b'"', b'q',
            b'\xff', b'u', b'N']
inputs = [b'\\', b'\\x', b'\\x4', b'\\777', b'\\400']
for _ in range(8000):
    n = rng.randrange(0, 12)
    inputs.append(b''.join(rng.choice(alphabet) for _ in range(n)))
for b in inputs:
    try:
        r = 'ok\t' + (codecs.escape_decode(b)[0].hex() or '-')
    except ValueError as e:
        m = re.match(r'invalid \\x escape at position (\d+)$', str(e))
        if m:
            r = 'hex\t' + m.group(1)
        else:
            assert str(e) == 'Trailing \\ in string', str(e)
            r = 'trailing'
    print((b.hex() or '-') + '\t' + r)
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_GE(f.size(), 2u);
    const std::string input = FromHex(f[0]);
    std::string out;
    EscapeResult r = DecodeBytesEscape(input, out);
    if (f[1] == "ok") {
      ASSERT_EQ(r.status, EscapeStatus::kOk) << f[0];
      EXPECT_EQ(ToHex(out), f[2]) << f[0];
    } else if (f[1] == "hex") {
      ASSERT_EQ(r.status, EscapeStatus::kBadHexEscape) << f[0];
      EXPECT_EQ(r.position, std::stoull(f[2])) << f[0];
    } else {
      EXPECT_EQ(r.status, EscapeStatus::kTrailingBackslash) << f[0];
    }
    ++checked;
  }
  EXPECT_GT(checked, 8000u);
}

// ---------------------------------------------------------------------------
// Encoders

TEST(EncodeTest, Latin1) {
  std::string out;
  CodecError err;
  ASSERT_TRUE(EncodeLatin1("a\xc3\xa9\xc3\xbf", out, err));
  EXPECT_EQ(out, "a\xe9\xff");
  // 'a\u0100\u0200b\u0300'.encode('latin-1') fails at 1-2 (end 3).
  out.clear();
  ASSERT_FALSE(EncodeLatin1("a\xc4\x80\xc8\x80" "b\xcc\x80", out, err));
  EXPECT_STREQ(err.encoding, "latin-1");
  EXPECT_EQ(err.start, 1u);
  EXPECT_EQ(err.end, 3u);
  EXPECT_STREQ(err.reason, "ordinal not in range(256)");
  EXPECT_TRUE(out.empty());
}

TEST(EncodeTest, Ascii) {
  std::string out;
  CodecError err;
  ASSERT_TRUE(EncodeAscii("abc", out, err));
  EXPECT_EQ(out, "abc");
  // 'a\xe9\u0100\ud800b'.encode('ascii') fails at 1-3 (end 4).
  ASSERT_FALSE(EncodeAscii("a\xc3\xa9\xc4\x80\xed\xa0\x80" "b", out, err));
  EXPECT_STREQ(err.encoding, "ascii");
  EXPECT_EQ(err.start, 1u);
  EXPECT_EQ(err.end, 4u);
  EXPECT_STREQ(err.reason, "ordinal not in range(128)");
}

TEST(EncodeTest, Utf8RejectsSurrogateRuns) {
  std::string out;
  CodecError err;
  ASSERT_TRUE(EncodeUtf8("\xf0\x9f\x98\x80\xc3\xa9", out, err));
  EXPECT_EQ(out, "\xf0\x9f\x98\x80\xc3\xa9");
  // '\ud800\udc00x\udfff'.encode() fails at 0-1 (end 2): surrogates not allowed.
  out.clear();
  ASSERT_FALSE(EncodeUtf8("\xed\xa0\x80\xed\xb0\x80x\xed\xbf\xbf", out, err));
  EXPECT_STREQ(err.encoding, "utf-8");
  EXPECT_EQ(err.start, 0u);
  EXPECT_EQ(err.end, 2u);
  EXPECT_STREQ(err.reason, "surrogates not allowed");
  EXPECT_TRUE(out.empty());
}

TEST(EncodeTest, MatchesCPython) {
  const std::string script = std::string(kPythonDecodeHelper) + R"PY(
import codecs, random
rng = random.Random(21)
chars = ['a', 'z', '\x00', '\x7f', '\x80', '\xe9', '\xff', '\u0100', '\u20ac', '\ud800', '\udfff', '\ue000',
         '\U0001f600', '\U0010ffff']
for _ in range(4000):
    s = ''.join(rng.choice(chars) for _ in range(rng.randrange(0, 8)))
    for enc in ('latin-1', 'ascii', 'utf-8'):
        print(enc + '\t' + (s.encode('utf-8', 'surrogatepass').hex() or '-') + '\t' +
              outcome(lambda: codecs.encode(s, enc)))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_GE(f.size(), 3u);
    const std::string input = FromHex(f[1]);
    std::string out;
    CodecError err;
    bool ok = false;
    if (f[0] == "latin-1") ok = EncodeLatin1(input, out, err);
    if (f[0] == "ascii") ok = EncodeAscii(input, out, err);
    if (f[0] == "utf-8") ok = EncodeUtf8(input, out, err);
    ExpectDecodeMatches(ok, out, err, std::vector<std::string>(f.begin() + 2, f.end()), f[0] + " " + f[1]);
    if (!ok) {
      EXPECT_STREQ(err.encoding, f[0].c_str());
    }
    ++checked;
  }
  EXPECT_EQ(checked, 12000u);
}

// ---------------------------------------------------------------------------
// Code point helpers

TEST(CodePointTest, RoundTripsEveryCodePoint) {
  std::string all;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) AppendCodePoint(all, cp);
  EXPECT_EQ(CodePointCount(all), 0x110000u);
  size_t i = 0;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const uint32_t got = NextCodePoint(all, i);
    if (got != cp) {
      ADD_FAILURE() << "code point " << cp << " read back as " << got;
      break;
    }
  }
  EXPECT_EQ(i, all.size());
}

TEST(CodePointTest, MatchesSurrogatePassEncoding) {
  const std::string script = R"PY(
for cp in list(range(0, 0x110000, 257)) + [0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff,
                                          0xe000, 0xffff, 0x10000, 0x10ffff]:
    print('%d\t%s' % (cp, chr(cp).encode('utf-8', 'surrogatepass').hex()))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script)) {
    ASSERT_EQ(f.size(), 2u);
    std::string out;
    AppendCodePoint(out, static_cast<uint32_t>(std::stoul(f[0])));
    EXPECT_EQ(ToHex(out), f[1]) << f[0];
    ++checked;
  }
  EXPECT_GT(checked, 4000u);
}

TEST(CodePointTest, TruncatedSequenceStaysInBounds) {
  const std::string s = "a\xe2\x82";
  size_t i = 1;
  EXPECT_EQ(NextCodePoint(std::string_view(s), i), 0xFFFDu);
  EXPECT_EQ(i, s.size());
}

TEST(CodePointTest, CountsCharactersNotBytes) {
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80"), 5u);
}

}  // namespace
}  // namespace picklecheck::pycodecs

#include "harness/pickle/encoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/decoder.h"
#include "harness/testing/pickle_testing.h"

namespace picklecheck {
namespace {

using namespace std::string_literals;
using testing::ToHex;

// ---- the vector files (scripts/gen_encoder_vectors.py) ----------------------

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

// Hex with [pattern*count] runs.
std::string Unrle(std::string_view f) {
  std::string out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i < f.size();) {
    if (f[i] == '[') {
      size_t star = f.find('*', i);
      size_t close = f.find(']', star);
      std::string pattern = testing::FromHex(f.substr(i + 1, star - i - 1));
      size_t count = std::stoul(std::string(f.substr(star + 1, close - star - 1)));
      for (size_t k = 0; k < count; ++k) out += pattern;
      i = close + 1;
    } else {
      out.push_back(static_cast<char>(nib(f[i]) * 16 + nib(f[i + 1])));
      i += 2;
    }
  }
  return out;
}

bool HasOption(const std::string& options, const std::string& opt) {
  for (const std::string& o : Split(options, ',')) {
    if (o == opt) return true;
  }
  return false;
}

std::vector<std::vector<std::string>> LoadTsv(const std::string& name, size_t fields) {
  std::string text;
  std::string path = testing::SourcePath("harness/pickle/testdata/" + name);
  if (!testing::ReadFile(path, text)) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = Split(line, '\t');
    if (f.size() != fields) {
      ADD_FAILURE() << name << ": bad line " << line.substr(0, 80);
      continue;
    }
    rows.push_back(std::move(f));
  }
  return rows;
}

struct ZooCase {
  std::string name;
  std::string options;
  std::string p[6];     // fields
  std::string o[6][6];  // fields
};

const std::vector<ZooCase>& ZooCases() {
  static const auto* cases = [] {
    auto* out = new std::vector<ZooCase>();
    for (const auto& f : LoadTsv("encoder_vectors.tsv", 2 + 6 + 36)) {
      ZooCase c;
      c.name = f[0];
      c.options = f[1];
      for (int p = 0; p < 6; ++p) c.p[p] = f[2 + p];
      for (int p = 0; p < 6; ++p) {
        for (int q = 0; q < 6; ++q) c.o[p][q] = f[8 + 6 * p + q];
      }
      out->push_back(std::move(c));
    }
    return out;
  }();
  return *cases;
}

void PrintTo(const ZooCase& c, std::ostream* os) { *os << c.name; }

std::string Field(const ZooCase& c, const std::string& f) {
  if (f.size() == 2 && f[0] == '=') return Unrle(c.p[f[1] - '0']);
  return Unrle(f);
}

// Encodes `root` at protocol q; "!Exception" on failure.
std::string EncodeVerdict(const Value& root, const EncodeOptions& options, std::vector<OobBuffer>* buffers = nullptr,
                          EncodeError* why = nullptr) {
  Encoded out;
  EncodeError error;
  if (!EncodeTo(root, options, out, &error).ok()) {
    if (why != nullptr) *why = error;
    return "!" + (error.exception.empty() ? std::string("?") : error.exception);
  }
  if (buffers != nullptr) *buffers = out.buffers;
  return out.pickle;
}

class EncoderZooTest : public ::testing::TestWithParam<ZooCase> {};

// pickle.dumps(pickle.loads(P), q) for every p, q: decode CPython's P with
// the reference decoder and encode at q.
TEST_P(EncoderZooTest, ByteIdenticalToCPython) {
  const ZooCase& c = GetParam();
  std::vector<SetOrder> orders = {SetOrder::kCPythonSeed0};
  if (!HasOption(c.options, "order=cpython")) orders.push_back(SetOrder::kInsertion);
  for (int p = 0; p < 6; ++p) {
    if (c.p[p] == "-" || c.p[p][0] == '!') continue;
    std::string input = Unrle(c.p[p]);
    Result<Document> doc = Decode(input);
    ASSERT_TRUE(doc.ok()) << "p" << p << ": " << Describe(doc.error());
    for (int q = 0; q < 6; ++q) {
      const std::string& want = c.o[p][q];
      if (want == "-") continue;
      for (SetOrder order : orders) {
        EncodeOptions options;
        options.protocol = q;
        options.set_order = order;
        EncodeError why;
        std::string got = EncodeVerdict(doc->root(), options, nullptr, &why);
        if (want[0] == '!') {
          EXPECT_EQ(got, want) << "p" << p << " q" << q;
          continue;
        }
        std::string expected = Field(c, want);
        EXPECT_EQ(ToHex(got), ToHex(expected))
            << "p" << p << " q" << q << " order " << static_cast<int>(order) << " "
            << (got[0] == '!' ? Describe(why) : "");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, EncoderZooTest, ::testing::ValuesIn(ZooCases()),
                         [](const ::testing::TestParamInfo<ZooCase>& param_info) { return param_info.param.name; });

struct DumpCase {
  std::string name;
  std::string options;
  std::string text;
  std::string out[6];
};

void PrintTo(const DumpCase& c, std::ostream* os) { *os << c.name; }

const std::vector<DumpCase>& DumpCases() {
  static const auto* cases = [] {
    auto* out = new std::vector<DumpCase>();
    for (const auto& f : LoadTsv("encoder_dumps.tsv", 3 + 6)) {
      DumpCase c;
      c.name = f[0];
      c.options = f[1];
      c.text = f[2];
      for (int q = 0; q < 6; ++q) c.out[q] = f[3 + q];
      out->push_back(std::move(c));
    }
    return out;
  }();
  return *cases;
}

// Cases where the oracle answers U for a reason of its own stub machinery
// (the stub `copyreg.__newobj__` shadows the real function that protocols
// 0-1 need for new()), while the encoder writes bytes.
const std::set<std::string> kOracleOnlyUnrepresentable = {"GlobalNewobjStub"};

class EncoderDumpTest : public ::testing::TestWithParam<DumpCase> {};

// The CPython oracle's pickle.dumps of the value a canonical text denotes
// (stub objects reduce to the documented forms).
TEST_P(EncoderDumpTest, ByteIdenticalToOracle) {
  const DumpCase& c = GetParam();
  CanonicalParseError perr;
  Result<Document> doc = ParseCanonical(c.text, &perr);
  if (c.out[0] == "X") {
    EXPECT_FALSE(doc.ok());
    return;
  }
  ASSERT_TRUE(doc.ok()) << "offset " << perr.offset << ": " << perr.message;
  for (int q = 0; q < 6; ++q) {
    EncodeOptions options;
    options.protocol = q;
    options.fix_imports = !HasOption(c.options, "fix=0");
    options.out_of_band = HasOption(c.options, "oob");
    options.max_depth = 997;  // the oracle's dump runs inside its server's frames
    options.save_call_depth = 1;
    std::vector<OobBuffer> buffers;
    EncodeError why;
    std::string got = EncodeVerdict(doc->root(), options, &buffers, &why);
    const std::string& want = c.out[q];
    if (want == "U") {
      if (kOracleOnlyUnrepresentable.count(c.name)) continue;
      EXPECT_EQ(got[0], '!') << "q" << q << ": the oracle cannot write it, the encoder wrote " << ToHex(got);
      continue;
    }
    if (want == "R") {
      EXPECT_EQ(got, "!RecursionError") << "q" << q;
      continue;
    }
    if (want[0] == '!') {
      EXPECT_EQ(got, want) << "q" << q << " " << (got[0] == '!' ? Describe(why) : ToHex(got));
      continue;
    }
    size_t semi = want.find(';');
    std::string expected = Unrle(want.substr(0, semi));
    EXPECT_EQ(ToHex(got), ToHex(expected)) << "q" << q << " " << (got[0] == '!' ? Describe(why) : "");
    std::string expected_buffers = semi == std::string::npos ? "" : want.substr(semi + 1);
    std::string got_buffers;
    for (const OobBuffer& b : buffers) {
      if (!got_buffers.empty()) got_buffers += ",";
      got_buffers += (b.readonly ? "r:" : "w:") + ToHex(b.data);
    }
    EXPECT_EQ(got_buffers, expected_buffers) << "q" << q;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, EncoderDumpTest, ::testing::ValuesIn(DumpCases()),
                         [](const ::testing::TestParamInfo<DumpCase>& param_info) { return param_info.param.name; });

// ---- helpers for hand-written cases ------------------------------------------

Document Parse(std::string_view text) {
  CanonicalParseError why;
  Result<Document> doc = ParseCanonical(text, &why);
  EXPECT_TRUE(doc.ok()) << text << ": offset " << why.offset << ": " << why.message;
  if (!doc.ok()) return Document();
  return std::move(doc).value();
}

std::string Enc(const Value& v, int protocol) {
  EncodeOptions options;
  options.protocol = protocol;
  return EncodeVerdict(v, options);
}

EncodeError EncFail(const Value& v, int protocol, EncodeOptions options = {}) {
  options.protocol = protocol;
  Encoded out;
  EncodeError why;
  Status st = EncodeTo(v, options, out, &why);
  EXPECT_FALSE(st.ok()) << "wrote " << ToHex(out.pickle);
  if (!st.ok()) {
    EXPECT_EQ(st.error().kind, why.error.kind);
  }
  return why;
}

std::string Le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
  return s;
}

// ---- hand-written byte checks ----------------------------------------------

TEST(EncoderTest, HeaderAndStop) {
  EXPECT_EQ(Enc(Value::None(), 0), "N.");
  EXPECT_EQ(Enc(Value::None(), 1), "N.");
  EXPECT_EQ(Enc(Value::None(), 2), "\x80\x02N.");
  // A frame of < 4 bytes loses its header (cpython-pickler.md section 0).
  EXPECT_EQ(Enc(Value::Int(0), 4), "\x80\x04K\x00."s);
  EXPECT_EQ(Enc(Value::Int(256), 4), "\x80\x04\x95\x04\x00\x00\x00\x00\x00\x00\x00M\x00\x01."s);
  // Negative protocol: the highest.
  EXPECT_EQ(Enc(Value::None(), -1), "\x80\x05N.");
}

TEST(EncoderTest, InBandBufferOf64KiBIsUnframed) {
  Document doc;
  std::string data(70000, 'x');
  Value v = doc.NewBuffer(0, false, data);
  EXPECT_EQ(Enc(v, 5), "\x80\x05\x96" + Le64(70000) + data + "\x94.");
  Value ro = doc.NewBuffer(1, true, data);
  EXPECT_EQ(Enc(ro, 5), "\x80\x05\x42\x70\x11\x01\x00"s + data + "\x94.");
}

TEST(EncoderTest, OutOfBandBuffersAreNotMemoized) {
  Document doc = Parse("[&1 buffer(0, b\"ab\"), *1, buffer(1, b\"cd\", readonly)]");
  EncodeOptions options;
  options.protocol = 5;
  options.out_of_band = true;
  Encoded out;
  ASSERT_TRUE(EncodeTo(doc.root(), options, out).ok());
  EXPECT_EQ(out.pickle, "\x80\x05\x95\x09\x00\x00\x00\x00\x00\x00\x00]\x94(\x97\x97\x97\x98\x65."s);
  ASSERT_EQ(out.buffers.size(), 3u);
  EXPECT_EQ(out.buffers[0].data, "ab");
  EXPECT_FALSE(out.buffers[0].readonly);
  EXPECT_EQ(out.buffers[2].data, "cd");
  EXPECT_TRUE(out.buffers[2].readonly);
  // The buffers decode back (as distinct objects: CPython called the callback twice).
  DecodeOptions dopt;
  dopt.buffers = out.buffers;
  Result<Document> back = Decode(out.pickle, dopt);
  ASSERT_TRUE(back.ok()) << Describe(back.error());
  EXPECT_EQ(ToCanonical(back->root()),
            "[buffer(0, b\"ab\"), buffer(1, b\"ab\"), buffer(2, b\"cd\", readonly)]");
}

TEST(EncoderTest, FixImportsOnlyBelowProtocol3) {
  Document doc = Parse("[@builtins:str, @copyreg:_reconstructor]");
  EXPECT_EQ(Enc(doc.root(), 2),
            "\x80\x02]q\x00(c__builtin__\nunicode\nq\x01" "ccopy_reg\n_reconstructor\nq\x02" "e."s);
  EXPECT_EQ(Enc(doc.root(), 3), "\x80\x03]q\x00(cbuiltins\nstr\nq\x01" "ccopyreg\n_reconstructor\nq\x02" "e."s);
  EncodeOptions options;
  options.protocol = 2;
  options.fix_imports = false;
  EXPECT_EQ(EncodeVerdict(doc.root(), options),
            "\x80\x02]q\x00(cbuiltins\nstr\nq\x01" "ccopyreg\n_reconstructor\nq\x02" "e."s);
}

// ---- errors: code, kind, lowest protocol, exception, where -----------------

TEST(EncoderErrorTest, BadProtocol) {
  EncodeError e = EncFail(Value::None(), 6);
  EXPECT_EQ(e.code, EncodeErrorCode::kBadProtocol);
  EXPECT_EQ(e.error.kind, ErrorKind::kUnsupportedProtocol);
  EXPECT_EQ(e.exception, "ValueError");
}

TEST(EncoderErrorTest, BufferNeedsProtocol5) {
  Document doc = Parse("[1, buffer(0, b\"ab\")]");
  for (int p = 0; p < 5; ++p) {
    EncodeError e = EncFail(doc.root(), p);
    EXPECT_EQ(e.code, EncodeErrorCode::kBufferNeedsP5);
    EXPECT_EQ(e.error.kind, ErrorKind::kUnsupportedForm);
    EXPECT_EQ(e.min_protocol, 5);
    EXPECT_EQ(e.error.detail, 5u);
    EXPECT_EQ(e.exception, "PicklingError");
    EXPECT_EQ(e.path, "$[1]");
    EXPECT_EQ(e.value, "buffer buffer(0, b\"ab\")");
  }
  // Offset: the bytes written before the failure ("]q\x00(K\x01" at p1).
  EXPECT_EQ(EncFail(doc.root(), 1).error.offset, 6u);
  EXPECT_NE(Describe(EncFail(doc.root(), 2)).find("needs protocol >= 5"), std::string::npos);
}

TEST(EncoderErrorTest, MemoryView) {
  Document doc = Parse("readonly(bytearray(b\"ab\"))");
  for (int p = 0; p < 6; ++p) {
    EncodeError e = EncFail(doc.root(), p);
    EXPECT_EQ(e.code, EncodeErrorCode::kMemoryView);
    EXPECT_EQ(e.exception, "TypeError");
    EXPECT_EQ(e.min_protocol, -1);
    EXPECT_EQ(e.error.detail, 0xffu);
  }
}

TEST(EncoderErrorTest, IntDigitLimitAtProtocols0And1) {
  Document doc;
  BigInt big = BigInt::FromDigits("1" + std::string(4300, '0'), 10, false);  // 4301 digits
  Value v = doc.NewInt(big);
  for (int p = 0; p < 2; ++p) {
    EncodeError e = EncFail(v, p);
    EXPECT_EQ(e.code, EncodeErrorCode::kIntDigits);
    EXPECT_EQ(e.error.kind, ErrorKind::kIntDigitLimit);
    EXPECT_EQ(e.min_protocol, 2);
    EXPECT_EQ(e.exception, "ValueError");
  }
  EXPECT_EQ(Enc(v, 2)[2], '\x8b');  // LONG4 (1787 bytes) has no digit limit
}

TEST(EncoderErrorTest, NonAsciiNames) {
  Document doc = Parse("@\"mod\xc3\xa9\":x");
  for (int p = 0; p < 3; ++p) {
    EncodeError e = EncFail(doc.root(), p);
    EXPECT_EQ(e.code, EncodeErrorCode::kNonAsciiName);
    EXPECT_EQ(e.min_protocol, 3);
    EXPECT_EQ(e.message, "can't pickle module identifier 'mod\xc3\xa9' using pickle protocol " + std::to_string(p));
  }
  EXPECT_EQ(Enc(doc.root(), 3), "\x80\x03" "cmod\xc3\xa9\nx\nq\x00."s);
  // A lone surrogate cannot be UTF-8 at protocol 3; STACK_GLOBAL carries it.
  Document sur = Parse("@m:\"\\ud800\"");
  EncodeError e = EncFail(sur.root(), 3);
  EXPECT_EQ(e.code, EncodeErrorCode::kNonAsciiName);
  EXPECT_EQ(e.min_protocol, 4);
  EXPECT_NE(Enc(sur.root(), 4)[0], '!');
}

TEST(EncoderErrorTest, LocalObject) {
  Document doc = Parse("@m:\"f.<locals>.g\"");
  EncodeError e = EncFail(doc.root(), 4);
  EXPECT_EQ(e.code, EncodeErrorCode::kLocalObject);
  EXPECT_EQ(e.exception, "AttributeError");
  EXPECT_EQ(e.message, "Can't pickle local object 'f.<locals>.g'");
}

TEST(EncoderErrorTest, RecursionLimit) {
  // Lists cost 2 (save() and batching), so 499 non-empty nested lists fit a
  // budget of 999 and 500 do not (module-level pickle.dumps, cpython-pickler
  // measurements: 499 ok, 500 RecursionError).
  for (int n : {499, 500}) {
    std::string text = std::string(static_cast<size_t>(n), '[') + "1" + std::string(static_cast<size_t>(n), ']');
    Document doc = Parse(text);
    EncodeOptions options;
    options.protocol = 4;
    Encoded out;
    EncodeError e;
    bool ok = EncodeTo(doc.root(), options, out, &e).ok();
    EXPECT_EQ(ok, n == 499) << n;
    if (!ok) {
      EXPECT_EQ(e.code, EncodeErrorCode::kRecursion);
      EXPECT_EQ(e.error.kind, ErrorKind::kRecursionLimit);
      EXPECT_EQ(e.exception, "RecursionError");
    }
  }
  // Frozensets at p4 cost 1: 999 fit, 1000 do not.
  for (int n : {999, 1000}) {
    std::string text;
    for (int i = 0; i < n; ++i) text += "frozenset({";
    text += "1";
    for (int i = 0; i < n; ++i) text += "})";
    Document doc = Parse(text);
    EXPECT_EQ(Enc(doc.root(), 4)[0] != '!', n == 999) << n;
  }
  // Unlimited: an explicit stack, so 10^5 levels are fine.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  Document doc = Parse(deep);
  EncodeOptions options;
  options.protocol = 2;
  options.max_depth = 0;
  std::string got = EncodeVerdict(doc.root(), options);
  ASSERT_NE(got[0], '!');
  Result<Document> back = Decode(got);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ToCanonical(back->root()), deep);
}

TEST(EncoderErrorTest, ObjectInItsOwnConstructorRecurses) {
  Document doc = Parse("[&1 [], new(@m:A, (*1,))]");
  EXPECT_NE(Enc(doc.root(), 2)[0], '!');
  // CPython re-enters the reduction until RecursionError.
  Document self;
  Value obj = self.NewObject(CtorKind::kNew, self.Global("m", "A", Builtin::kNone));
  obj.object()->args.Push(self.arena(), obj);
  EncodeError e = EncFail(obj, 2);
  EXPECT_EQ(e.code, EncodeErrorCode::kRecursion);
}

TEST(EncoderErrorTest, PersistentIds) {
  Document ascii = Parse("persid(\"\xc3\xa9\")");
  EncodeError e = EncFail(ascii.root(), 0);
  EXPECT_EQ(e.code, EncodeErrorCode::kPersIdNotAscii);
  EXPECT_EQ(e.min_protocol, 1);
  EXPECT_EQ(e.exception, "PicklingError");
  Document none = Parse("persid(None)");
  EXPECT_EQ(EncFail(none.root(), 2).code, EncodeErrorCode::kPersIdNone);
  Document ops = Parse("persid(\"x\").append(1)");
  EXPECT_EQ(EncFail(ops.root(), 2).code, EncodeErrorCode::kPersIdForm);
  Document nested = Parse("persid(persid(\"x\"))");
  EXPECT_EQ(EncFail(nested.root(), 2).code, EncodeErrorCode::kPersIdForm);
  // PERSID writes str(pid): repr() of containers is modelled for ASCII
  // scalars only.
  Document tuple = Parse("persid((1, \"a'b\", None, [2.5, b\"\\x00\"]))");
  EXPECT_EQ(Enc(tuple.root(), 0), "P(1, \"a'b\", None, [2.5, b'\\x00'])\n."s);
  Document dict = Parse("persid({1: 2})");
  EXPECT_EQ(EncFail(dict.root(), 0).code, EncodeErrorCode::kPersIdForm);
  EXPECT_EQ(Enc(dict.root(), 1), "}q\x00K\x01K\x02sQ."s);
}

TEST(EncoderErrorTest, OpsOutOfOrder) {
  for (const char* text : {"new(@m:A, ()).add(1)", "new(@m:A, ()).build(None)", "new(@m:A, ()).build(1).append(2)",
                           "new(@m:A, ()).build(1).build(2)", "new(@m:A, ()).setitem(1, 2).append(3)",
                           "@m:A().add(1)"}) {
    Document doc = Parse(text);
    EncodeError e = EncFail(doc.root(), 4);
    EXPECT_EQ(e.code, EncodeErrorCode::kOpsOrder) << text;
    EXPECT_EQ(e.min_protocol, -1);
  }
}

TEST(EncoderErrorTest, NotCallableAndNewObjChecks) {
  Document doc;
  Value bad = doc.NewObject(CtorKind::kCall, Value::Int(1));
  EncodeError e = EncFail(bad, 2);
  EXPECT_EQ(e.code, EncodeErrorCode::kNotCallable);
  EXPECT_EQ(e.message, "first item of the tuple returned by __reduce__ must be callable");
  // new() of a function (not a type): NEWOBJ refuses at p2+, REDUCE is fine below.
  Value fn = doc.NewObject(CtorKind::kNew, doc.Global("_codecs", "encode", Builtin::kCodecsEncode));
  EXPECT_EQ(EncFail(fn, 2).code, EncodeErrorCode::kNewObjNotType);
  EXPECT_EQ(Enc(fn, 1), "ccopy_reg\n__newobj__\nq\x00(c_codecs\nencode\nq\x01tq\x02Rq\x03."s);
  // Callables named __newobj__ / __newobj_ex__ take save_reduce's NEWOBJ path at p2+.
  Document wrong = Parse("@copyreg:__newobj__(@m:A, 1)");
  EXPECT_EQ(EncFail(wrong.root(), 2).code, EncodeErrorCode::kNewObjWrongClass);
  Document empty = Parse("@m:__newobj__()");
  EXPECT_EQ(EncFail(empty.root(), 2).code, EncodeErrorCode::kNewObjEmpty);
  Document ex = Parse("@m:__newobj_ex__(@m:__newobj_ex__, 1)");
  EncodeError exe = EncFail(ex.root(), 4);
  EXPECT_EQ(exe.code, EncodeErrorCode::kNewObjExArgs);
  EXPECT_EQ(exe.message, "length of the NEWOBJ_EX argument tuple must be exactly 3, not 2");
}

TEST(EncoderErrorTest, Hole) {
  Document doc;
  Value list = doc.NewList();
  list.list()->items.Push(doc.arena(), Value::Int(1));
  list.list()->items.Push(doc.arena(), Value::Empty());
  EncodeError e = EncFail(list, 3);
  EXPECT_EQ(e.code, EncodeErrorCode::kHole);
  EXPECT_EQ(e.path, "$[1]");
}

// ---- round trips: encode -> decode -> canonical text -------------------------

// Values whose canonical text survives every protocol from `from` on.
struct RoundTrip {
  const char* text;
  int from;
};

TEST(EncoderRoundTripTest, CanonicalTextSurvives) {
  const RoundTrip cases[] = {
      {"[None, True, False, 0, -1, 255, 65536, -2147483649, 18446744073709551615, 0x10000000000000000]", 0},
      {"[1.5, -0.0, inf, -inf, nan, 5e-324, 1e+16, complex(1.0, -2.0)]", 0},
      {"[\"\", \"a\", \"a\\\\b\\nc\\rd\\x00e\\x1af\", \"\\u20ac\", \"\\ud800x\", \"\xf0\x9f\x98\x80\"]", 0},
      {"[b\"\", b\"a\", b\"ab\\x00\\xff\", bytearray(b\"\"), bytearray(b\"xy\")]", 0},
      {"[(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), &1 [1], *1, (*1, *1)]", 0},
      {"&1 [*1, &2 {\"self\": *2, \"list\": *1}]", 0},
      {"&1 [(*1,), (1, *1)]", 0},
      {"[set(), {1, 2, 3}, frozenset(), frozenset({1, 2}), &1 frozenset({3}), {*1}]", 0},
      {"[&1 \"shared\", *1, \"shared\"]", 0},
      {"[@m:A, @mod:Cls, @builtins:set, @_codecs:encode, @copyreg:_reconstructor, @\"a b\":\"c d\"]", 0},
      {"[object(), &1 object(), *1]", 0},
      {"[@m:A(1, 2), @m:A(), @m:A(1).append(2).setitem(3, 4).build(5), call(@m:f(), 1)]", 0},
      {"[persid(\"p\"), persid(\"q\")]", 0},
      // A persistent object is not memoized: each reference writes its id.
      {"[persid(1), persid(\"\xc3\xa9\"), persid(&1 @m:A()), persid(*1)]", 1},
      {"[new(@m:A, ()), new(@m:A, (1, \"x\")).append(1).append(2).setitem(\"k\", None).build({\"a\": 1})]", 2},
      {"&1 new(@m:A, ()).build({\"me\": *1})", 2},
      {"&1 {new(@m:A, ()).build(*1)}", 2},
      {"new(@m:A, (1,), {\"k\": 2, \"j\": [3]}).build(4)", 4},
      {"[@m:A.B, @m:A.B.C]", 4},
      {"[buffer(0, b\"ab\"), buffer(1, b\"cd\", readonly)]", 5},
  };
  for (const RoundTrip& c : cases) {
    Document doc = Parse(c.text);
    std::string text = ToCanonical(doc.root());
    for (int p = c.from; p < 6; ++p) {
      EncodeOptions options;
      options.protocol = p;
      options.out_of_band = p == 5;
      Encoded out;
      EncodeError why;
      ASSERT_TRUE(EncodeTo(doc.root(), options, out, &why).ok()) << c.text << " p" << p << ": " << Describe(why);
      DecodeOptions dopt;
      if (!out.buffers.empty()) dopt.buffers = out.buffers;
      Result<Document> back = Decode(out.pickle, dopt);
      ASSERT_TRUE(back.ok()) << c.text << " p" << p << ": " << Describe(back.error());
      EXPECT_EQ(ToCanonical(back->root()), text) << "p" << p;
    }
  }
}

// Below the protocols above, the reductions decode to what CPython would
// give back: the documented forms, visible in the canonical text.
TEST(EncoderRoundTripTest, LowerProtocolsDecodeToTheReductions) {
  auto via = [](std::string_view text, int p) {
    Document doc = Parse(text);
    Result<Document> back = Decode(Enc(doc.root(), p));
    EXPECT_TRUE(back.ok());
    return back.ok() ? ToCanonical(back->root()) : std::string();
  };
  EXPECT_EQ(via("new(@m:A, (1,))", 1), "@copyreg:__newobj__(@m:A, 1)");
  EXPECT_EQ(via("new(@m:A, (1,), {\"k\": 2})", 1), "@copyreg:__newobj_ex__(@m:A, (1,), {\"k\": 2})");
  EXPECT_EQ(via("new(@m:A, (1,), {\"k\": 2})", 3),
            "call(@functools:partial(&1 @builtins:getattr(@builtins:object, \"__new__\"))"
            ".build((*1, (@m:A, 1), {\"k\": 2}, None)))");
  EXPECT_EQ(via("@m:A.B", 3), "@builtins:getattr(@m:A, \"B\")");
}

// Every zoo value: decode CPython's pickle, encode at each protocol, decode
// again: the canonical text is the same (a -nan loses its sign in protocol
// 0's FLOAT text, as in CPython).
TEST(EncoderRoundTripTest, ZooSurvivesEveryProtocol) {
  for (const ZooCase& c : ZooCases()) {
    if (c.p[4] == "-" || c.p[4][0] == '!') continue;
    Result<Document> doc = Decode(Unrle(c.p[4]));
    ASSERT_TRUE(doc.ok()) << c.name;
    std::string text = ToCanonical(doc->root());
    for (int q = 0; q < 6; ++q) {
      if (c.name == "FloatNegNan" && q == 0) continue;
      std::string bytes = Enc(doc->root(), q);
      if (bytes[0] == '!') continue;  // e.g. a 4301-digit int at protocols 0-1
      Result<Document> back = Decode(bytes);
      ASSERT_TRUE(back.ok()) << c.name << " q" << q;
      EXPECT_EQ(ToCanonical(back->root()), text) << c.name << " q" << q;
    }
  }
}

}  // namespace
}  // namespace picklecheck

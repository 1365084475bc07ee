#include "harness/pickle/decoder.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/pickle/bigint.h"
#include "harness/pickle/opcode.h"
#include "harness/pickle/pycodecs.h"
#include "harness/pickle/pytext.h"
#include "harness/pickle/semantics.h"

namespace picklecheck {
namespace {

constexpr uint64_t kSsizeMax = 0x7fffffffffffffffull;

// Which counted-payload family an overflow message names.
enum SizeFamily : uint8_t { kFamilyBytes = 0, kFamilyUnicode = 1, kFamilyByteArray = 2, kFamilyString = 3 };

// Vectors a decode needs, kept per thread between decodes so their memory
// is reused (already mapped) instead of allocated and faulted in each time.
struct Scratch {
  std::vector<Value> stack;
  std::vector<size_t> marks;
  std::vector<Value> memo;
  bool in_use = false;
};

// The unpickler memo. CPython keeps an array that it grows to 2*index on a
// PUT, so a LONG_BINPUT of 2**32-1 asks for 64 GiB. Here indices within a
// bound proportional to the input live in a dense array and the rest in a
// sparse map, so memory stays proportional to the input.
class Memo {
 public:
  Memo(uint64_t input_size, std::vector<Value>& dense)
      : dense_limit_(4 * input_size + 256), dense_(dense) {
    dense_.clear();
  }

  const Value* Get(uint64_t idx) const {
    if (idx < dense_.size()) {
      const Value& v = dense_[idx];
      return v.is(Kind::kEmpty) ? nullptr : &v;
    }
    if (sparse_.empty()) return nullptr;
    auto it = sparse_.find(idx);
    return it == sparse_.end() ? nullptr : &it->second;
  }

  void Put(uint64_t idx, Value v) {
    if (idx < dense_.size()) {
      if (dense_[idx].is(Kind::kEmpty)) ++count_;
      dense_[idx] = v;
      return;
    }
    if (idx < dense_limit_) {
      // emplace from scalars (see Value's constructor on store forwarding).
      if (idx == dense_.size()) {
        dense_.emplace_back(v.kind(), v.raw_bits());  // MEMOIZE and PUT count up
      } else {
        dense_.resize(static_cast<size_t>(idx), Value::Empty());
        dense_.emplace_back(v.kind(), v.raw_bits());
      }
      ++count_;
      return;
    }
    auto [it, inserted] = sparse_.insert_or_assign(idx, v);
    if (inserted) ++count_;
  }

  // CPython's memo_len: the number of occupied slots (MEMOIZE's index).
  uint64_t count() const { return count_; }

 private:
  uint64_t dense_limit_;
  std::vector<Value>& dense_;
  std::unordered_map<uint64_t, Value> sparse_;
  uint64_t count_ = 0;
};

inline uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
inline uint64_t Le64(const uint8_t* p) { return uint64_t{Le32(p)} | (uint64_t{Le32(p + 4)} << 32); }

// The part of a line a C function sees: up to the first NUL.
inline std::string_view CString(std::string_view line) {
  size_t nul = line.find('\0');
  return nul == std::string_view::npos ? line : line.substr(0, nul);
}

class Decoder {
 public:
  Decoder(std::span<const uint8_t> input, const DecodeOptions& options, const Limits& limits,
          Document& doc, Scratch& scratch)
      : begin_(input.data()),
        p_(input.data()),
        end_(input.data() + input.size()),
        options_(options),
        doc_(doc),
        sem_(doc, limits, input.size()),
        memo_(input.size(), scratch.memo),
        stack_(scratch.stack),
        marks_(scratch.marks) {
    stack_.clear();
    marks_.clear();

    if (options.view_input) doc.set_view_input(input);
  }

  Result<Value> Run();

 private:
  // ---- errors ----
  Error Fail(ErrorKind kind, uint64_t detail = 0, PyTypeName type = PyTypeName::kUnknown,
             uint8_t sub = 0) const {
    Error e;
    e.kind = kind;
    e.opcode = op_;
    e.type = type;
    e.sub = sub;
    e.offset = op_offset_;
    e.detail = detail;
    return e;
  }
  Error Stamp(Error e) const {
    e.offset = op_offset_;
    e.opcode = op_;
    return e;
  }
  // Pdata_stack_underflow: the message depends on whether any mark is set.
  Error Underflow() const {
    return Fail(marks_.empty() ? ErrorKind::kStackUnderflow : ErrorKind::kUnexpectedMark);
  }

  // ---- input ----
  uint64_t pos() const { return static_cast<uint64_t>(p_ - begin_); }
  uint64_t remaining() const { return static_cast<uint64_t>(end_ - p_); }

  // _Unpickler_Read: n bytes or "truncated" ("read would overflow" when the
  // end index would pass PY_SSIZE_T_MAX).
  bool Read(uint64_t n, const uint8_t*& out, Error& err) {
    if (n <= remaining()) {
      out = p_;
      p_ += n;
      return true;
    }
    err = Fail(pos() > kSsizeMax - n ? ErrorKind::kReadOverflow : ErrorKind::kTruncated, n);
    return false;
  }
  // _Unpickler_ReadInto (BINBYTES*, BYTEARRAY8): like Read, but reading at
  // the very end of the input fails even for n == 0 (4300 -> truncated).
  bool ReadInto(uint64_t n, const uint8_t*& out, Error& err) {
    if (remaining() == 0 || n > remaining()) {
      err = Fail(ErrorKind::kTruncated, n);
      return false;
    }
    out = p_;
    p_ += n;
    return true;
  }
  // _Unpickler_Readline: through the next '\n' (included) or "truncated".
  bool ReadLine(std::string_view& line, Error& err) {
    const void* nl = std::memchr(p_, '\n', static_cast<size_t>(end_ - p_));
    if (nl == nullptr) {
      err = Fail(ErrorKind::kTruncated);
      return false;
    }
    auto* q = static_cast<const uint8_t*>(nl) + 1;
    line = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(q - p_));
    p_ = q;
    return true;
  }

  // ---- stack ----
  void Push(Value v) { stack_.emplace_back(v.kind(), v.raw_bits()); }
  size_t size() const { return stack_.size(); }
  bool PopMark(size_t& mark) {
    if (marks_.empty()) return false;
    mark = marks_.back();
    marks_.pop_back();
    fence_ = marks_.empty() ? 0 : marks_.back();
    return true;
  }
  bool Pop(Value& v) {
    if (stack_.size() <= fence_) return false;
    v = stack_.back();
    stack_.pop_back();
    return true;
  }

  // ---- opcode families ----
  void IntRun();
  Status LoadInt();
  Status LoadLong();
  Status LoadFloat();
  Status LoadCountedLong(int width);
  Status LoadString();
  Status LoadCountedString(int width);
  Status LoadUnicode();
  Status LoadCountedUnicode(int width);
  Status LoadCountedBytes(int width);
  Status LoadByteArray8();
  Status LoadCountedTuple(size_t n);
  Status LoadDict();
  Status LoadFrozenSet();
  Status DoAppend(int64_t x);
  Status DoSetItems(int64_t x);
  Status LoadAddItems();
  Status LoadGet();
  Status LoadPut();
  Status MemoGet(uint64_t idx, int64_t shown);
  Status LoadGlobal();
  Status LoadStackGlobal();
  Status LoadInst();
  Status LoadObj();
  Status LoadNewObj(bool ex);
  Status LoadReduce();
  Status LoadBuild();
  Status LoadPersId();
  Status LoadBinPersId();
  Status LoadExt(int width);
  Status LoadFrame();
  Status LoadReadOnlyBuffer();
  Status LoadNextBuffer();

  // Decodes Python 2 string bytes with the Unpickler's encoding/errors.
  Result<Value> DecodePy2String(std::string_view raw);
  Result<Value> DecodeUtf8Str(std::string_view payload);
  Result<Value> ParseMemoIndex(std::string_view cstr, int64_t& idx);
  Error CodecFailure(const pycodecs::CodecError& err) const;

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  const DecodeOptions& options_;
  Document& doc_;
  internal::Semantics sem_;
  Memo memo_;
  std::vector<Value>& stack_;
  std::vector<size_t>& marks_;
  size_t fence_ = 0;
  int proto_ = 0;
  uint32_t next_buffer_ = 0;
  uint64_t op_offset_ = 0;
  uint8_t op_ = 0;
  // The Unpickler's encoding and errors, resolved on first use.
  bool codec_ready_ = false;
  pycodecs::Encoding encoding_ = pycodecs::Encoding::kAscii;
  const uint16_t* charmap_ = nullptr;  // kCharmap: the decoding table
  pycodecs::ErrorHandler handler_ = pycodecs::ErrorHandler::kStrict;
  std::string scratch_;
};

Error Decoder::CodecFailure(const pycodecs::CodecError& err) const {
  if (err.lookup_error) return Fail(ErrorKind::kUnknownErrorHandler);
  if (err.unsupported) return Fail(ErrorKind::kUnsupportedForm);
  return Fail(ErrorKind::kUnicodeDecode, err.start);
}

// ---- numbers ----------------------------------------------------------------

// Lengths of BININT1/BININT2/BININT (opcode + argument) and their argument masks.
struct IntOpTable {
  uint8_t len[256] = {};
  uint32_t mask[256] = {};
  constexpr IntOpTable() {
    len[static_cast<uint8_t>(Opcode::kBININT1)] = 2;
    mask[static_cast<uint8_t>(Opcode::kBININT1)] = 0xff;
    len[static_cast<uint8_t>(Opcode::kBININT2)] = 3;
    mask[static_cast<uint8_t>(Opcode::kBININT2)] = 0xffff;
    len[static_cast<uint8_t>(Opcode::kBININT)] = 5;
    mask[static_cast<uint8_t>(Opcode::kBININT)] = 0xffffffff;
  }
};
constexpr IntOpTable kIntOps;

// After one BININT*, decodes the BININT* opcodes that follow without going
// back through the dispatch switch: lists of ints are runs of these, and
// their mixed sizes make the switch's indirect branch unpredictable. The
// value is computed without branching on the opcode. Runs stop 5 bytes
// before the end so every read is in bounds; the tail goes through the
// switch.
void Decoder::IntRun() {
  const uint8_t* p = p_;
  const uint8_t* const end = end_;
  while (end - p >= 5) {
    uint8_t op = p[0];
    uint8_t len = kIntOps.len[op];
    if (len == 0) break;
    uint32_t raw;
    std::memcpy(&raw, p + 1, 4);
    raw &= kIntOps.mask[op];
    int64_t v = op == static_cast<uint8_t>(Opcode::kBININT) ? static_cast<int64_t>(static_cast<int32_t>(raw))
                                                             : static_cast<int64_t>(raw);
    stack_.emplace_back(Kind::kInt, static_cast<uint64_t>(v));
    p += len;
  }
  p_ = p;
}

// load_int: strtol(base 0) first; a 3-byte line ("01\n", "+1\n", " 0\n") with
// value 0 or 1 is a bool. Anything strtol cannot take whole goes to int(s, 0),
// whose failure is always "could not convert string to int".
Status Decoder::LoadInt() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  std::string_view cstr = CString(line);
  pytext::StrtolResult r = pytext::Strtol0(cstr);
  bool clean_end = r.end == cstr.size() || cstr[r.end] == '\n';
  if (r.overflow || !clean_end) {
    pytext::IntParseResult big = pytext::PyLongFromCString(cstr, 0);
    if (big.status != pytext::IntParseStatus::kOk) {
      // CPython replaces whatever int() raised with this ValueError.
      return Fail(ErrorKind::kBadIntLiteral, 0, PyTypeName::kUnknown, /*sub=*/1);
    }
    Push(doc_.NewInt(big.value));
    return Status::Ok();
  }
  if (line.size() == 3 && (r.value == 0 || r.value == 1)) {
    Push(Value::Bool(r.value == 1));
  } else {
    Push(Value::Int(r.value));
  }
  return Status::Ok();
}

// load_long: an 'L' before the newline is dropped; the rest (newline kept when
// there was no 'L') goes to int(s, 0) as a C string.
Status Decoder::LoadLong() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  std::string_view text = line;
  if (line[line.size() - 2] == 'L') text = line.substr(0, line.size() - 2);
  std::string_view cstr = CString(text);
  pytext::IntParseResult r = pytext::PyLongFromCString(cstr, 0);
  switch (r.status) {
    case pytext::IntParseStatus::kOk:
      Push(doc_.NewInt(r.value));
      return Status::Ok();
    case pytext::IntParseStatus::kDigitLimit:
      return Fail(ErrorKind::kIntDigitLimit, r.digits);
    case pytext::IntParseStatus::kInvalid:
      if (pytext::InvalidLiteralMessageRaisesUnicodeError(cstr)) {
        return Fail(ErrorKind::kUnicodeDecode);
      }
      return Fail(ErrorKind::kBadIntLiteral);
  }
  return Fail(ErrorKind::kBadIntLiteral);
}

Status Decoder::LoadFloat() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  std::string_view cstr = CString(line);
  pytext::FloatParseResult r = pytext::ParseDouble(cstr);
  switch (r.status) {
    case pytext::FloatParseStatus::kNoConversion:
      return Fail(ErrorKind::kBadFloatLiteral, 0, PyTypeName::kUnknown, /*sub=*/1);
    case pytext::FloatParseStatus::kOverflow:
      return Fail(ErrorKind::kFloatOverflow);
    case pytext::FloatParseStatus::kOk:
      break;
  }
  if (r.end != cstr.size() && cstr[r.end] != '\n') return Fail(ErrorKind::kBadFloatLiteral);
  Push(doc_.NewFloat(r.value));
  return Status::Ok();
}

Status Decoder::LoadCountedLong(int width) {
  const uint8_t* s;
  Error err;
  if (!Read(static_cast<uint64_t>(width), s, err)) return err;
  int64_t n = width == 1 ? s[0] : static_cast<int32_t>(Le32(s));
  if (n < 0) return Fail(ErrorKind::kNegativeLongLength, static_cast<uint64_t>(n));
  if (n == 0) {
    Push(Value::Int(0));
    return Status::Ok();
  }
  const uint8_t* data;
  if (!Read(static_cast<uint64_t>(n), data, err)) return err;
  if (n <= 8) {
    // Sign-extend up to 8 bytes directly.
    uint64_t u = 0;
    for (int64_t i = n - 1; i >= 0; --i) u = (u << 8) | data[i];
    if (n < 8 && (data[n - 1] & 0x80)) u |= ~uint64_t{0} << (8 * n);
    Push(Value::Int(static_cast<int64_t>(u)));
    return Status::Ok();
  }
  BigInt v = BigInt::FromTwosComplementLE(std::span<const uint8_t>(data, static_cast<size_t>(n)));
  Push(doc_.NewInt(v));
  return Status::Ok();
}

// ---- strings ------------------------------------------------------------------

Result<Value> Decoder::DecodePy2String(std::string_view raw) {
  // The codec is looked up when a Python 2 string is first decoded, as
  // CPython does (and most pickles never need it).
  if (!codec_ready_) {
    encoding_ = pycodecs::ParseEncoding(options_.encoding);
    charmap_ = pycodecs::CharmapTable(options_.encoding);
    handler_ = pycodecs::ParseErrorHandler(options_.errors);
    codec_ready_ = true;
  }
  // PyUnicode_Decode returns '' for empty input before it looks the codec
  // up: S''\n with encoding='nope' is '', not LookupError.
  if (raw.empty() && encoding_ != pycodecs::Encoding::kBytes) return doc_.NewStr({});
  switch (encoding_) {
    case pycodecs::Encoding::kBytes:
      // PyBytes_FromStringAndSize(s, n) and PyBytes_DecodeEscape's result both
      // return CPython's b"" and one-byte singletons.
      return doc_.NewBytesCached(raw);
    case pycodecs::Encoding::kAscii:
    case pycodecs::Encoding::kUtf8: {
      scratch_.clear();
      pycodecs::CodecError cerr;
      bool ok = encoding_ == pycodecs::Encoding::kAscii
                    ? pycodecs::DecodeAscii(raw, handler_, scratch_, cerr)
                    : pycodecs::DecodeUtf8(raw, handler_, scratch_, cerr);
      if (!ok) return CodecFailure(cerr);
      return doc_.NewStr(scratch_);
    }
    case pycodecs::Encoding::kLatin1:
      scratch_.clear();
      pycodecs::DecodeLatin1(raw, scratch_);
      return doc_.NewStr(scratch_);
    case pycodecs::Encoding::kCharmap: {
      scratch_.clear();
      pycodecs::CodecError cerr;
      if (!pycodecs::DecodeCharmap(raw, charmap_, handler_, scratch_, cerr)) return CodecFailure(cerr);
      return doc_.NewStr(scratch_);
    }
    case pycodecs::Encoding::kOther:
      return Fail(ErrorKind::kUnsupportedForm);
    case pycodecs::Encoding::kUnknown:
      return Fail(ErrorKind::kUnknownEncoding);
  }
  return Fail(ErrorKind::kUnsupportedForm);
}

Status Decoder::LoadString() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  std::string_view s = line.substr(0, line.size() - 1);
  if (s.size() < 2 || s.front() != s.back() || (s.front() != '\'' && s.front() != '"')) {
    return Fail(ErrorKind::kStringNotQuoted);
  }
  std::string bytes;
  pycodecs::EscapeResult er = pycodecs::DecodeBytesEscape(s.substr(1, s.size() - 2), bytes);
  switch (er.status) {
    case pycodecs::EscapeStatus::kOk:
      break;
    case pycodecs::EscapeStatus::kBadHexEscape:
      return Fail(ErrorKind::kBadEscape, er.position);
    case pycodecs::EscapeStatus::kTrailingBackslash:
      return Fail(ErrorKind::kTrailingBackslash);
  }
  PC_ASSIGN_OR_RETURN(Value v, DecodePy2String(bytes));
  Push(v);
  return Status::Ok();
}

Status Decoder::LoadCountedString(int width) {
  const uint8_t* s;
  Error err;
  if (!Read(static_cast<uint64_t>(width), s, err)) return err;
  // calc_binsize reads the count unsigned: "\xff\xff\xff\xff" is 4 GiB, not -1.
  uint64_t n = width == 1 ? s[0] : Le32(s);
  const uint8_t* data;
  if (!Read(n, data, err)) return err;
  PC_ASSIGN_OR_RETURN(
      Value v, DecodePy2String(std::string_view(reinterpret_cast<const char*>(data), n)));
  Push(v);
  return Status::Ok();
}

Status Decoder::LoadUnicode() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  scratch_.clear();
  pycodecs::CodecError cerr;
  if (!pycodecs::DecodeRawUnicodeEscape(line.substr(0, line.size() - 1), scratch_, cerr)) {
    return Fail(ErrorKind::kUnicodeDecode, cerr.start);
  }
  Push(doc_.NewStr(scratch_));
  return Status::Ok();
}

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t acc = 0;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc |= w;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    acc |= static_cast<uint8_t>(*p++);
    --n;
  }
  return (acc & 0x8080808080808080ull) == 0;
}

// The counted str opcodes decode UTF-8 with surrogatepass, and the internal
// representation is exactly surrogatepass UTF-8: whatever decodes, decodes
// to its own bytes. So the payload is only validated, then stored (or, in
// view mode, referenced) as it is.
Result<Value> Decoder::DecodeUtf8Str(std::string_view payload) {
  if (!IsAscii(payload)) {
    scratch_.clear();
    pycodecs::CodecError cerr;
    if (!pycodecs::DecodeUtf8(payload, pycodecs::ErrorHandler::kSurrogatePass, scratch_, cerr)) {
      return Fail(ErrorKind::kUnicodeDecode, cerr.start);
    }
  }
  return doc_.NewStr(payload);
}

Status Decoder::LoadCountedUnicode(int width) {
  const uint8_t* s;
  Error err;
  if (!Read(static_cast<uint64_t>(width), s, err)) return err;
  uint64_t n = width == 1 ? s[0] : width == 4 ? Le32(s) : Le64(s);
  if (n > kSsizeMax) return Fail(ErrorKind::kSizeOverflow, n, PyTypeName::kUnknown, kFamilyUnicode);
  const uint8_t* data;
  if (!Read(n, data, err)) return err;
  PC_ASSIGN_OR_RETURN(Value v, DecodeUtf8Str(std::string_view(reinterpret_cast<const char*>(data), n)));
  Push(v);
  // Protocol 4+ pickles memoize every str: take the MEMOIZE that follows
  // here instead of a trip through the dispatch switch. It cannot fail (the
  // str is on top of the stack).
  if (p_ < end_ && *p_ == static_cast<uint8_t>(Opcode::kMEMOIZE)) {
    ++p_;
    memo_.Put(memo_.count(), v);
  }
  return Status::Ok();
}

Status Decoder::LoadCountedBytes(int width) {
  const uint8_t* s;
  Error err;
  if (!Read(static_cast<uint64_t>(width), s, err)) return err;
  uint64_t n = width == 1 ? s[0] : width == 4 ? Le32(s) : Le64(s);
  if (n > kSsizeMax) return Fail(ErrorKind::kSizeOverflow, n, PyTypeName::kUnknown, kFamilyBytes);
  const uint8_t* data;
  if (!ReadInto(n, data, err)) return err;
  // PyBytes_FromStringAndSize(NULL, n): b"" is the singleton, one-byte
  // payloads are fresh objects.
  Push(doc_.NewBytes(std::string_view(reinterpret_cast<const char*>(data), n)));
  return Status::Ok();
}

Status Decoder::LoadByteArray8() {
  const uint8_t* s;
  Error err;
  if (!Read(8, s, err)) return err;
  uint64_t n = Le64(s);
  if (n > kSsizeMax) return Fail(ErrorKind::kSizeOverflow, n, PyTypeName::kUnknown, kFamilyByteArray);
  const uint8_t* data;
  if (!ReadInto(n, data, err)) return err;
  Push(doc_.NewByteArray(std::string_view(reinterpret_cast<const char*>(data), n)));
  return Status::Ok();
}

// ---- containers ---------------------------------------------------------------

// load_counted_tuple: `n` items above the fence.
Status Decoder::LoadCountedTuple(size_t n) {
  if (size() < n) return Underflow();
  size_t start = size() - n;
  if (start < fence_) return Underflow();
  Value t = doc_.NewTuple(std::span<const Value>(stack_.data() + start, n));
  stack_.resize(start);
  Push(t);
  return Status::Ok();
}

Status Decoder::LoadDict() {
  size_t mark;
  if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
  size_t n = size() - mark;
  Value d = doc_.NewDict();
  if (n % 2 != 0) return Fail(ErrorKind::kOddDictItems);
  Status st = DictSetItems(doc_.arena(), d.dict(), std::span<const Value>(stack_.data() + mark, n));
  if (!st.ok()) return Stamp(st.error());
  stack_.resize(mark);
  Push(d);
  return Status::Ok();
}

Status Decoder::LoadFrozenSet() {
  size_t mark;
  if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
  Value fs = doc_.NewFrozenSet();
  for (size_t k = mark; k < size(); ++k) {
    Status st = SetAdd(doc_.arena(), fs.set(), stack_[k]);
    if (!st.ok()) return Stamp(st.error());
  }
  stack_.resize(mark);
  Push(fs);
  return Status::Ok();
}

// do_append: the items above stack position x go to stack[x-1].
Status Decoder::DoAppend(int64_t x) {
  auto len = static_cast<int64_t>(size());
  if (x > len || x <= static_cast<int64_t>(fence_)) return Underflow();
  if (len == x) return Status::Ok();  // nothing to do: no attribute lookup either
  Value target = stack_[static_cast<size_t>(x - 1)];
  std::span<const Value> items(stack_.data() + x, static_cast<size_t>(len - x));
  if (target.is(Kind::kList)) {
    target.list()->items.Append(doc_.arena(), items.data(), items.size());
  } else {
    Status st = sem_.Append(target, items);
    if (!st.ok()) return Stamp(st.error());
  }
  stack_.resize(static_cast<size_t>(x));
  return Status::Ok();
}

Status Decoder::DoSetItems(int64_t x) {
  auto len = static_cast<int64_t>(size());
  if (x > len || x <= static_cast<int64_t>(fence_)) return Underflow();
  if (len == x) return Status::Ok();
  if ((len - x) % 2 != 0) return Fail(ErrorKind::kOddSetItems);
  Value target = stack_[static_cast<size_t>(x - 1)];
  if (target.is(Kind::kDict)) {
    Status st = DictSetItems(doc_.arena(), target.dict(),
                             std::span<const Value>(stack_.data() + x, static_cast<size_t>(len - x)));
    if (!st.ok()) return Stamp(st.error());
  } else {
    Status st = sem_.SetItems(target, std::span<const Value>(stack_.data() + x, static_cast<size_t>(len - x)));
    if (!st.ok()) return Stamp(st.error());
  }
  stack_.resize(static_cast<size_t>(x));
  return Status::Ok();
}

Status Decoder::LoadAddItems() {
  size_t mark;
  if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
  size_t len = size();
  if (mark > len || mark <= fence_) return Underflow();
  if (len == mark) return Status::Ok();
  Value target = stack_[mark - 1];
  std::span<const Value> items(stack_.data() + mark, len - mark);
  if (target.is(Kind::kSet)) {
    for (const Value& item : items) {
      Status st = SetAdd(doc_.arena(), target.set(), item);
      if (!st.ok()) return Stamp(st.error());
    }
  } else {
    Status st = sem_.AddItems(target, items);
    if (!st.ok()) return Stamp(st.error());
  }
  stack_.resize(mark);
  return Status::Ok();
}

// ---- memo ---------------------------------------------------------------------

// PUT/GET text index: int(s, 10) on the C string, then PyLong_AsSsize_t.
Result<Value> Decoder::ParseMemoIndex(std::string_view cstr, int64_t& idx) {
  pytext::IntParseResult r = pytext::PyLongFromCString(cstr, 10);
  switch (r.status) {
    case pytext::IntParseStatus::kOk:
      break;
    case pytext::IntParseStatus::kDigitLimit:
      return Fail(ErrorKind::kIntDigitLimit, r.digits);
    case pytext::IntParseStatus::kInvalid:
      if (pytext::InvalidLiteralMessageRaisesUnicodeError(cstr)) return Fail(ErrorKind::kUnicodeDecode);
      return Fail(ErrorKind::kBadIntLiteral, 0, PyTypeName::kUnknown, /*sub=*/10);
  }
  if (!r.value.FitsInt64()) return Fail(ErrorKind::kIntTooLarge);
  idx = r.value.ToInt64();
  return Value::None();
}

Status Decoder::MemoGet(uint64_t idx, int64_t shown) {
  const Value* v = memo_.Get(idx);
  if (v == nullptr) return Fail(ErrorKind::kMemoMissing, static_cast<uint64_t>(shown));
  Push(*v);
  return Status::Ok();
}

Status Decoder::LoadGet() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  int64_t idx = 0;
  PC_RETURN_IF_ERROR(ParseMemoIndex(CString(line), idx));
  // A negative index is a huge size_t in _Unpickler_MemoGet: never found.
  return MemoGet(static_cast<uint64_t>(idx), idx);
}

Status Decoder::LoadPut() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  // CPython checks the stack before it parses the index: "p\xaa\n" on an
  // empty stack is a stack underflow, not a bad literal.
  if (size() <= fence_) return Underflow();
  int64_t idx = 0;
  PC_RETURN_IF_ERROR(ParseMemoIndex(CString(line), idx));
  if (idx < 0) return Fail(ErrorKind::kNegativePut);
  memo_.Put(static_cast<uint64_t>(idx), stack_.back());
  return Status::Ok();
}

// ---- globals and objects ------------------------------------------------------

Status Decoder::LoadGlobal() {
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  std::string module;
  pycodecs::CodecError cerr;
  if (!pycodecs::DecodeUtf8(line.substr(0, line.size() - 1), pycodecs::ErrorHandler::kStrict, module,
                            cerr)) {
    return Fail(ErrorKind::kUnicodeDecode, cerr.start);
  }
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  std::string name;
  if (!pycodecs::DecodeUtf8(line.substr(0, line.size() - 1), pycodecs::ErrorHandler::kStrict, name,
                            cerr)) {
    return Fail(ErrorKind::kUnicodeDecode, cerr.start);
  }
  Push(sem_.FindClass(module, name, proto_ < 3 && options_.fix_imports));
  return Status::Ok();
}

Status Decoder::LoadStackGlobal() {
  Value name, module;
  if (!Pop(name)) return Underflow();
  if (!Pop(module)) return Underflow();
  if (!name.is(Kind::kStr) || !module.is(Kind::kStr)) return Fail(ErrorKind::kStackGlobalNotStr);
  Push(sem_.FindClass(module.str()->text.sv(), name.str()->text.sv(),
                      proto_ < 3 && options_.fix_imports));
  return Status::Ok();
}

Status Decoder::LoadInst() {
  size_t mark;
  if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  // INST names are decoded as ASCII (a Python 2 opcode).
  std::string module;
  pycodecs::CodecError cerr;
  if (!pycodecs::DecodeAscii(line.substr(0, line.size() - 1), pycodecs::ErrorHandler::kStrict, module,
                             cerr)) {
    return Fail(ErrorKind::kUnicodeDecode, cerr.start);
  }
  if (!ReadLine(line, err)) return err;
  if (line.size() < 2) return Fail(ErrorKind::kTruncated);
  std::string name;
  if (!pycodecs::DecodeAscii(line.substr(0, line.size() - 1), pycodecs::ErrorHandler::kStrict, name,
                             cerr)) {
    return Fail(ErrorKind::kUnicodeDecode, cerr.start);
  }
  Value cls = sem_.FindClass(module, name, proto_ < 3 && options_.fix_imports);
  std::vector<Value> args(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
  stack_.resize(mark);
  Result<Value> obj = sem_.Instantiate(cls, args);
  if (!obj.ok()) return Stamp(obj.error());
  Push(*obj);
  return Status::Ok();
}

Status Decoder::LoadObj() {
  size_t mark;
  if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
  if (size() - mark < 1) return Underflow();
  Value cls = stack_[mark];
  std::vector<Value> args(stack_.begin() + static_cast<std::ptrdiff_t>(mark) + 1, stack_.end());
  stack_.resize(mark);
  Result<Value> obj = sem_.Instantiate(cls, args);
  if (!obj.ok()) return Stamp(obj.error());
  Push(*obj);
  return Status::Ok();
}

namespace {
bool IsType(const Value& v) {
  if (!v.is(Kind::kGlobal)) return false;
  Builtin b = v.global()->builtin;
  return b != Builtin::kCodecsEncode && b != Builtin::kReconstructor;
}
}  // namespace

Status Decoder::LoadNewObj(bool ex) {
  Value kwargs, args, cls;
  if (ex && !Pop(kwargs)) return Underflow();
  if (!Pop(args)) return Underflow();
  if (!Pop(cls)) return Underflow();
  uint8_t sub = ex ? 1 : 0;
  if (!IsType(cls)) return Fail(ErrorKind::kNewobjClassNotType, 0, PyTypeOf(cls), sub);
  if (!args.is(Kind::kTuple)) return Fail(ErrorKind::kNewobjArgsNotTuple, 0, PyTypeOf(args), sub);
  if (ex && !kwargs.is(Kind::kDict)) {
    return Fail(ErrorKind::kNewobjKwargsNotDict, 0, PyTypeOf(kwargs), sub);
  }
  std::span<const DictEntry> kw;
  if (ex) kw = std::span<const DictEntry>(kwargs.dict()->entries.data, kwargs.dict()->entries.size);
  Result<Value> obj = sem_.New(cls, args.tuple()->span(), kw);
  if (!obj.ok()) return Stamp(obj.error());
  Push(*obj);
  return Status::Ok();
}

Status Decoder::LoadReduce() {
  Value args, callable;
  if (!Pop(args)) return Underflow();
  if (!Pop(callable)) return Underflow();
  // PyObject_CallObject checks the argument tuple before the callable.
  if (!args.is(Kind::kTuple)) return Fail(ErrorKind::kReduceArgsNotTuple);
  Result<Value> obj = sem_.Call(callable, args.tuple()->span());
  if (!obj.ok()) return Stamp(obj.error());
  Push(*obj);
  return Status::Ok();
}

Status Decoder::LoadBuild() {
  if (static_cast<int64_t>(size()) - 2 < static_cast<int64_t>(fence_)) return Underflow();
  Value state = stack_.back();
  stack_.pop_back();
  Status st = sem_.Build(stack_.back(), state);
  if (!st.ok()) return Stamp(st.error());
  return Status::Ok();
}

Status Decoder::LoadPersId() {
  if (!options_.persistent_load) return Fail(ErrorKind::kNoPersistentLoad);
  std::string_view line;
  Error err;
  if (!ReadLine(line, err)) return err;
  std::string pid;
  pycodecs::CodecError cerr;
  if (!pycodecs::DecodeAscii(line.substr(0, line.size() - 1), pycodecs::ErrorHandler::kStrict, pid,
                             cerr)) {
    return Fail(ErrorKind::kPersIdNotAscii);
  }
  Push(doc_.NewObject(CtorKind::kPersId, doc_.NewStr(pid)));
  return Status::Ok();
}

Status Decoder::LoadBinPersId() {
  if (!options_.persistent_load) return Fail(ErrorKind::kNoPersistentLoad);
  Value pid;
  if (!Pop(pid)) return Underflow();
  Push(doc_.NewObject(CtorKind::kPersId, pid));
  return Status::Ok();
}

Status Decoder::LoadExt(int width) {
  const uint8_t* s;
  Error err;
  if (!Read(static_cast<uint64_t>(width), s, err)) return err;
  int64_t code = width == 1 ? s[0] : width == 2 ? (s[0] | (s[1] << 8)) : static_cast<int32_t>(Le32(s));
  if (code <= 0) return Fail(ErrorKind::kExtCodeNotPositive, static_cast<uint64_t>(code));
  // copyreg's extension registry is empty in a fresh interpreter.
  return Fail(ErrorKind::kExtUnregistered, static_cast<uint64_t>(code));
}

// load_frame with the whole input in memory: the frame's bytes must be
// present, and reading then simply goes on (opcodes may straddle frames).
Status Decoder::LoadFrame() {
  const uint8_t* s;
  Error err;
  if (!Read(8, s, err)) return err;
  uint64_t n = Le64(s);
  if (n > kSsizeMax) return Fail(ErrorKind::kFrameOverflow, n);
  const uint8_t* frame;
  if (!Read(n, frame, err)) return err;
  p_ = frame;
  return Status::Ok();
}

Status Decoder::LoadNextBuffer() {
  if (!options_.buffers.has_value()) return Fail(ErrorKind::kNoBuffers);
  const std::vector<OobBuffer>& buffers = *options_.buffers;
  if (next_buffer_ >= buffers.size()) return Fail(ErrorKind::kBuffersExhausted);
  const OobBuffer& b = buffers[next_buffer_];
  Push(doc_.NewBuffer(next_buffer_, b.readonly, b.data));
  ++next_buffer_;
  return Status::Ok();
}

Status Decoder::LoadReadOnlyBuffer() {
  if (size() <= fence_) return Underflow();
  Value& top = stack_.back();
  switch (top.kind()) {
    case Kind::kBytes:
    case Kind::kReadOnlyView:
      return Status::Ok();  // already read-only: the object stays
    case Kind::kBuffer:
      if (top.buffer()->readonly) return Status::Ok();
      top = doc_.NewReadOnlyView(top);
      return Status::Ok();
    case Kind::kByteArray:
      top = doc_.NewReadOnlyView(top);
      return Status::Ok();
    default:
      return Fail(ErrorKind::kNotBytesLike, 0, PyTypeOf(top));
  }
}

// ---- the machine --------------------------------------------------------------

Result<Value> Decoder::Run() {
  Error err;
  const uint8_t* s;
  for (;;) {
    if (p_ >= end_) {
      op_offset_ = pos();
      op_ = 0;
      return Fail(ErrorKind::kEndOfInput);
    }
    op_offset_ = pos();
    op_ = *p_++;
    Status st = Status::Ok();
    switch (static_cast<Opcode>(op_)) {
      case Opcode::kNONE: Push(Value::None()); continue;
      case Opcode::kNEWTRUE: Push(Value::Bool(true)); continue;
      case Opcode::kNEWFALSE: Push(Value::Bool(false)); continue;
      case Opcode::kBININT1:
        if (p_ >= end_) return Fail(ErrorKind::kTruncated, 1);
        Push(Value::Int(*p_++));
        IntRun();
        continue;
      case Opcode::kBININT2:
        if (!Read(2, s, err)) return err;
        Push(Value::Int(s[0] | (s[1] << 8)));
        IntRun();
        continue;
      case Opcode::kBININT:
        if (!Read(4, s, err)) return err;
        Push(Value::Int(static_cast<int32_t>(Le32(s))));
        IntRun();
        continue;
      case Opcode::kINT: st = LoadInt(); break;
      case Opcode::kLONG: st = LoadLong(); break;
      case Opcode::kLONG1: st = LoadCountedLong(1); break;
      case Opcode::kLONG4: st = LoadCountedLong(4); break;
      case Opcode::kFLOAT: st = LoadFloat(); break;
      case Opcode::kBINFLOAT: {
        if (!Read(8, s, err)) return err;
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | s[i];
        Push(doc_.NewFloat(std::bit_cast<double>(bits)));
        continue;
      }
      case Opcode::kSTRING: st = LoadString(); break;
      case Opcode::kBINSTRING: st = LoadCountedString(4); break;
      case Opcode::kSHORT_BINSTRING: st = LoadCountedString(1); break;
      case Opcode::kBINBYTES: st = LoadCountedBytes(4); break;
      case Opcode::kSHORT_BINBYTES: st = LoadCountedBytes(1); break;
      case Opcode::kBINBYTES8: st = LoadCountedBytes(8); break;
      case Opcode::kBYTEARRAY8: st = LoadByteArray8(); break;
      case Opcode::kNEXT_BUFFER: st = LoadNextBuffer(); break;
      case Opcode::kREADONLY_BUFFER: st = LoadReadOnlyBuffer(); break;
      case Opcode::kUNICODE: st = LoadUnicode(); break;
      case Opcode::kSHORT_BINUNICODE: st = LoadCountedUnicode(1); break;
      case Opcode::kBINUNICODE: st = LoadCountedUnicode(4); break;
      case Opcode::kBINUNICODE8: st = LoadCountedUnicode(8); break;
      case Opcode::kEMPTY_LIST: Push(doc_.NewList()); continue;
      case Opcode::kEMPTY_DICT: Push(doc_.NewDict()); continue;
      case Opcode::kEMPTY_SET: Push(doc_.NewSet()); continue;
      case Opcode::kEMPTY_TUPLE: Push(doc_.NewTuple({})); continue;
      case Opcode::kTUPLE1: st = LoadCountedTuple(1); break;
      case Opcode::kTUPLE2: st = LoadCountedTuple(2); break;
      case Opcode::kTUPLE3: st = LoadCountedTuple(3); break;
      case Opcode::kTUPLE: {
        size_t mark;
        if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
        st = LoadCountedTuple(size() - mark);
        break;
      }
      case Opcode::kLIST: {
        size_t mark;
        if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
        Value l = doc_.NewList();
        l.list()->items.Append(doc_.arena(), stack_.data() + mark, size() - mark);
        stack_.resize(mark);
        Push(l);
        continue;
      }
      case Opcode::kDICT: st = LoadDict(); break;
      case Opcode::kFROZENSET: st = LoadFrozenSet(); break;
      case Opcode::kAPPEND:
        if (static_cast<int64_t>(size()) - 1 <= static_cast<int64_t>(fence_)) return Underflow();
        st = DoAppend(static_cast<int64_t>(size()) - 1);
        break;
      case Opcode::kAPPENDS: {
        size_t mark;
        if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
        st = DoAppend(static_cast<int64_t>(mark));
        break;
      }
      case Opcode::kSETITEM: st = DoSetItems(static_cast<int64_t>(size()) - 2); break;
      case Opcode::kSETITEMS: {
        size_t mark;
        if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
        st = DoSetItems(static_cast<int64_t>(mark));
        break;
      }
      case Opcode::kADDITEMS: st = LoadAddItems(); break;
      case Opcode::kPOP:
        // The mark stack and the object stack are separate: a mark on top
        // is what POP removes.
        if (!marks_.empty() && marks_.back() == size()) {
          marks_.pop_back();
          fence_ = marks_.empty() ? 0 : marks_.back();
        } else if (size() <= fence_) {
          return Underflow();
        } else {
          stack_.pop_back();
        }
        continue;
      case Opcode::kDUP:
        if (size() <= fence_) return Underflow();
        Push(stack_.back());
        continue;
      case Opcode::kMARK:
        marks_.push_back(size());
        fence_ = size();
        continue;
      case Opcode::kPOP_MARK: {
        size_t mark;
        if (!PopMark(mark)) return Fail(ErrorKind::kMarkNotFound);
        stack_.resize(mark);
        continue;
      }
      case Opcode::kGET: st = LoadGet(); break;
      case Opcode::kBINGET:
        if (!Read(1, s, err)) return err;
        st = MemoGet(s[0], s[0]);
        break;
      case Opcode::kLONG_BINGET: {
        if (!Read(4, s, err)) return err;
        uint32_t idx = Le32(s);
        st = MemoGet(idx, idx);
        break;
      }
      case Opcode::kPUT: st = LoadPut(); break;
      case Opcode::kBINPUT:
        if (!Read(1, s, err)) return err;
        if (size() <= fence_) return Underflow();
        memo_.Put(s[0], stack_.back());
        continue;
      case Opcode::kLONG_BINPUT:
        if (!Read(4, s, err)) return err;
        if (size() <= fence_) return Underflow();
        memo_.Put(Le32(s), stack_.back());
        continue;
      case Opcode::kMEMOIZE:
        if (size() <= fence_) return Underflow();
        memo_.Put(memo_.count(), stack_.back());
        continue;
      case Opcode::kEXT1: st = LoadExt(1); break;
      case Opcode::kEXT2: st = LoadExt(2); break;
      case Opcode::kEXT4: st = LoadExt(4); break;
      case Opcode::kGLOBAL: st = LoadGlobal(); break;
      case Opcode::kSTACK_GLOBAL: st = LoadStackGlobal(); break;
      case Opcode::kREDUCE: st = LoadReduce(); break;
      case Opcode::kBUILD: st = LoadBuild(); break;
      case Opcode::kINST: st = LoadInst(); break;
      case Opcode::kOBJ: st = LoadObj(); break;
      case Opcode::kNEWOBJ: st = LoadNewObj(false); break;
      case Opcode::kNEWOBJ_EX: st = LoadNewObj(true); break;
      case Opcode::kPROTO:
        if (!Read(1, s, err)) return err;
        if (s[0] > 5) return Fail(ErrorKind::kUnsupportedProtocol, s[0]);
        proto_ = s[0];
        continue;
      case Opcode::kFRAME: st = LoadFrame(); break;
      case Opcode::kPERSID: st = LoadPersId(); break;
      case Opcode::kBINPERSID: st = LoadBinPersId(); break;
      case Opcode::kSTOP: {
        if (size() <= fence_) return Underflow();
        doc_.set_end_offset(pos());
        return stack_.back();
      }
      default:
        return Fail(ErrorKind::kUnknownOpcode, op_);
    }
    if (!st.ok()) return st.error();
  }
}

}  // namespace

Result<Document> Decode(std::span<const uint8_t> pickle, const DecodeOptions& options,
                        const Limits& limits) {
  Document doc;
  thread_local Scratch cached;
  // A decode inside a decode (never done today) would get fresh vectors.
  Scratch fresh;
  Scratch& scratch = cached.in_use ? fresh : cached;
  scratch.in_use = true;
  Result<Value> root = [&] {
    Decoder decoder(pickle, options, limits, doc, scratch);
    return decoder.Run();
  }();
  scratch.in_use = false;
  // Keep capacity for the next decode, but not without bound.
  constexpr size_t kKeep = size_t{1} << 20;
  if (scratch.stack.capacity() > kKeep) std::vector<Value>().swap(scratch.stack);
  if (scratch.memo.capacity() > kKeep) std::vector<Value>().swap(scratch.memo);
  if (!root.ok()) return root.error();
  doc.set_root(*root);
  return doc;
}

}  // namespace picklecheck

#include "harness/pickle/canonical_parse.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/bigint.h"
#include "harness/pickle/pycodecs.h"
#include "harness/pickle/pytext.h"

// Three passes, as the oracle's parser: (1) read the text into values and
// pending nodes; lists, dicts and sets exist from their first character (so
// a reference inside one can name it) and are filled later, while tuples,
// frozensets and stub objects are created once what they are made of exists,
// in (2) dependency order; (3) lists, dicts, sets and op logs are filled in
// document order. Until a pending node is created, a reference to it is a
// placeholder Value (Kind::kEmpty pointing at the node), resolved when used.
namespace picklecheck {
namespace {

enum class PKind : uint8_t {
  kList,
  kDict,
  kSet,
  kBrace,  // '{' before its first element says dict or set
  kTuple,
  kFrozenSet,
  kNew,
  kCall,
  kPersId,
  kReadOnly,
};

bool IsPending(PKind k) {
  return k == PKind::kTuple || k == PKind::kFrozenSet || k == PKind::kNew || k == PKind::kCall ||
         k == PKind::kPersId || k == PKind::kReadOnly;
}

struct PNode {
  PKind kind;
  uint8_t state = 0;  // pending nodes: 0 not created, 1 being created, 2 created
  uint64_t offset = 0;
  Value value;                 // the created value
  std::vector<Value> items;    // elements; dict: key, value, key, value ...; call/new: args
  std::vector<Value> kwargs;   // new: key, value ...
  Value head;                  // new: class; call: callee; persid: pid; readonly: target
  bool has_head = false;
  std::vector<Op> ops;
};

Value Placeholder(PNode* n) { return Value::Node(Kind::kEmpty, n); }
PNode* PlaceholderNode(const Value& v) {
  return v.is(Kind::kEmpty) ? static_cast<PNode*>(const_cast<void*>(v.node())) : nullptr;
}


bool IsStubClass(const Value& v) { return v.is(Kind::kGlobal) && v.global()->builtin == Builtin::kNone; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Frames of the iterative parser: what the next completed value is for.
enum class FType : uint8_t {
  kList,      // [ ... ]
  kBrace,     // { first element
  kDict,      // { k: v, ... }
  kSet,       // { x, ... } / frozenset({ x, ... })
  kParen,     // ( x, ... )
  kNewArgs,   // new(@m:A, ( ... )
  kKwargs,    // new(@m:A, (...), { k: v ... })
  kCallArgs,  // @m:A( ... )
  kCallFn,    // call( callee, args ... )
  kOne,       // persid( x ) / readonly( x )
  kOp,        // .build( x ) ...
};

struct PFrame {
  FType type;
  uint32_t label = 0;  // the expression's label (0: none)
  PNode* node = nullptr;
  const char* closer = "";
  OpKind op = OpKind::kBuild;
  std::vector<Value> op_args;
};

class Parser {
 public:
  Parser(std::string_view text, Document& doc) : s_(text), doc_(doc) {}

  bool Run() {
    Value root;
    if (!ParseValue(root)) return false;
    if (pos_ != s_.size()) return Fail("text after the value");
    if (!CreatePending()) return false;
    if (!Fill()) return false;
    Value r = Resolve(root);
    doc_.set_root(r);
    return true;
  }

  uint64_t error_offset() const { return error_offset_; }
  const std::string& error_message() const { return error_message_; }

 private:
  bool Fail(std::string message) { return FailAt(pos_, std::move(message)); }
  bool FailAt(uint64_t offset, std::string message) {
    if (!failed_) {
      failed_ = true;
      error_offset_ = offset;
      error_message_ = std::move(message);
    }
    return false;
  }

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool StartsWith(std::string_view lit) const { return s_.substr(pos_, lit.size()) == lit; }
  bool Take(std::string_view lit) {
    if (!StartsWith(lit)) return false;
    pos_ += lit.size();
    return true;
  }
  bool Expect(std::string_view lit) {
    if (Take(lit)) return true;
    return Fail("expected '" + std::string(lit) + "'");
  }

  PNode* NewNode(PKind kind, uint64_t offset) {
    nodes_.emplace_back();
    PNode* n = &nodes_.back();
    n->kind = kind;
    n->offset = offset;
    return n;
  }
  // The Value a label or a container item refers to for node `n`.
  static Value Ref(PNode* n) { return IsPending(n->kind) || n->kind == PKind::kBrace ? Placeholder(n) : n->value; }

  bool SetLabel(uint32_t label, const Value& v) {
    if (label != 0) labels_[label - 1] = v;
    return true;
  }

  // The created value behind `v` (a placeholder's node value).
  Value Resolve(const Value& v) const {
    PNode* n = PlaceholderNode(v);
    return n == nullptr ? v : n->value;
  }

  // ---- literals ----
  bool ReadStr(std::string& out) {
    uint64_t start = pos_;
    if (!Expect("\"")) return false;
    for (;;) {
      if (AtEnd()) return FailAt(start, "unterminated str literal");
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c != '\\') {
        size_t run = pos_;
        while (run < s_.size() && s_[run] != '"' && s_[run] != '\\') ++run;
        std::string_view raw = s_.substr(pos_, run - pos_);
        std::string check;
        pycodecs::CodecError err;
        if (!pycodecs::DecodeUtf8(raw, pycodecs::ErrorHandler::kStrict, check, err)) {
          return FailAt(pos_ + err.start, "invalid UTF-8 in a str literal");
        }
        out.append(raw);
        pos_ = run;
        continue;
      }
      ++pos_;
      char e = Peek();
      switch (e) {
        case '\\': out.push_back('\\'); ++pos_; break;
        case '"': out.push_back('"'); ++pos_; break;
        case 'n': out.push_back('\n'); ++pos_; break;
        case 'r': out.push_back('\r'); ++pos_; break;
        case 't': out.push_back('\t'); ++pos_; break;
        case 'x':
        case 'u': {
          size_t digits = e == 'x' ? 2 : 4;
          if (pos_ + 1 + digits > s_.size()) return Fail("truncated escape");
          uint32_t cp = 0;
          for (size_t i = 0; i < digits; ++i) {
            int d = HexDigit(s_[pos_ + 1 + i]);
            if (d < 0) return Fail("bad hex digit in an escape");
            cp = cp * 16 + static_cast<uint32_t>(d);
          }
          pycodecs::AppendCodePoint(out, cp);
          pos_ += 1 + digits;
          break;
        }
        default: return Fail("unknown escape in a str literal");
      }
    }
    return true;
  }

  bool ReadBytes(std::string& out) {
    uint64_t start = pos_;
    if (!Expect("b\"")) return false;
    for (;;) {
      if (AtEnd()) return FailAt(start, "unterminated bytes literal");
      auto c = static_cast<uint8_t>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\') {
        if (c < 0x20 || c > 0x7e) return Fail("a bytes literal holds only printable ASCII and escapes");
        out.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      ++pos_;
      char e = Peek();
      switch (e) {
        case '\\': out.push_back('\\'); ++pos_; break;
        case '"': out.push_back('"'); ++pos_; break;
        case 'n': out.push_back('\n'); ++pos_; break;
        case 'r': out.push_back('\r'); ++pos_; break;
        case 't': out.push_back('\t'); ++pos_; break;
        case 'x': {
          if (pos_ + 3 > s_.size()) return Fail("truncated escape");
          int hi = HexDigit(s_[pos_ + 1]);
          int lo = HexDigit(s_[pos_ + 2]);
          if (hi < 0 || lo < 0) return Fail("bad hex digit in an escape");
          out.push_back(static_cast<char>(hi * 16 + lo));
          pos_ += 3;
          break;
        }
        default: return Fail("unknown escape in a bytes literal");
      }
    }
  }

  bool ReadGlobalPart(std::string& out) {
    if (Peek() == '"') return ReadStr(out);
    size_t start = pos_;
    bool at_start = true;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (at_start ? IsAlpha(c) : (IsAlpha(c) || IsDigit(c))) {
        at_start = false;
        ++pos_;
      } else if (!at_start && c == '.' && pos_ + 1 < s_.size() && IsAlpha(s_[pos_ + 1])) {
        at_start = true;
        ++pos_;
      } else {
        break;
      }
    }
    if (at_start) return FailAt(start, "expected a global name part");
    out.assign(s_.substr(start, pos_ - start));
    return true;
  }

  bool ReadGlobal(Value& out) {
    if (!Expect("@")) return false;
    std::string module, name;
    if (!ReadGlobalPart(module) || !Expect(":") || !ReadGlobalPart(name)) return false;
    out = doc_.Global(module, name, SafeBuiltin(module, name));
    return true;
  }

  // int | float | hex int | inf | nan | nan(0x...), as ToCanonical prints them.
  // `as_float`: an int literal is read as a float (complex parts).
  bool ReadNumber(Value& out, bool as_float, double* as_double = nullptr) {
    uint64_t start = pos_;
    bool negative = Take("-");
    if (Take("inf")) return PutFloat(negative ? -HUGE_VAL : HUGE_VAL, out, as_double);
    if (Take("nan")) {
      uint64_t bits = 0x7ff8000000000000ull;
      if (Take("(0x")) {
        bits = 0;
        size_t digits = 0;
        while (HexDigit(Peek()) >= 0 && digits < 16) {
          bits = bits * 16 + static_cast<uint64_t>(HexDigit(Peek()));
          ++pos_;
          ++digits;
        }
        if (digits != 16 || !Expect(")")) return FailAt(start, "nan(0x...) needs 16 hex digits");
        double d = std::bit_cast<double>(bits);
        if (d == d) return FailAt(start, "nan(0x...) bits are not a NaN");
      }
      if (negative) bits ^= 0x8000000000000000ull;
      return PutFloat(std::bit_cast<double>(bits), out, as_double);
    }
    if (Take("0x")) {
      size_t digits_start = pos_;
      while (HexDigit(Peek()) >= 0) ++pos_;
      if (pos_ == digits_start) return FailAt(start, "expected hex digits");
      if (as_float) return FailAt(start, "expected a float");
      BigInt v = BigInt::FromDigits(s_.substr(digits_start, pos_ - digits_start), 16, negative);
      out = doc_.NewInt(v);
      return true;
    }
    size_t digits_start = pos_;
    while (IsDigit(Peek())) ++pos_;
    if (pos_ == digits_start) return FailAt(start, "expected a value");
    bool is_float = false;
    if (Peek() == '.') {
      ++pos_;
      size_t frac = pos_;
      while (IsDigit(Peek())) ++pos_;
      if (pos_ == frac) return FailAt(start, "expected digits after '.'");
      is_float = true;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      size_t exp = pos_;
      while (IsDigit(Peek())) ++pos_;
      if (pos_ == exp) return FailAt(start, "expected exponent digits");
      is_float = true;
    }
    std::string_view token = s_.substr(start, pos_ - start);
    if (is_float || as_float) {
      pytext::FloatParseResult r = pytext::ParseDouble(token);
      if (r.status != pytext::FloatParseStatus::kOk || r.end != token.size()) {
        return FailAt(start, "bad float literal");
      }
      return PutFloat(r.value, out, as_double);
    }
    BigInt v = BigInt::FromDigits(s_.substr(digits_start, pos_ - digits_start), 10, negative);
    out = doc_.NewInt(v);
    return true;
  }
  bool PutFloat(double d, Value& out, double* as_double) {
    if (as_double != nullptr) *as_double = d;
    out = doc_.NewFloat(d);
    return true;
  }

  // ---- the value grammar ----
  bool ParseValue(Value& root) {
    std::vector<PFrame> frames;
    Value subject;
    PNode* subject_node = nullptr;  // the pending node `subject` is, if any
    bool subject_is_primary_global = false;  // `subject` is a global literal just read
    uint32_t label = 0;
    bool want_value = true;
    for (;;) {
      if (want_value) {
        label = 0;
        if (Peek() == '&') {
          uint64_t at = pos_;
          ++pos_;
          uint64_t n = 0;
          size_t d0 = pos_;
          while (IsDigit(Peek()) && n < (uint64_t{1} << 40)) n = n * 10 + static_cast<uint64_t>(s_[pos_++] - '0');
          if (pos_ == d0 || !Take(" ")) return FailAt(at, "bad label");
          if (n != labels_.size() + 1) return FailAt(at, "label &" + std::to_string(n) + " out of order");
          labels_.push_back(Value::Empty());
          label = static_cast<uint32_t>(n);
        }
        if (Peek() == '*') {
          uint64_t at = pos_;
          if (label != 0) return FailAt(at, "a label cannot name a reference");
          ++pos_;
          uint64_t n = 0;
          size_t d0 = pos_;
          while (IsDigit(Peek()) && n < (uint64_t{1} << 40)) n = n * 10 + static_cast<uint64_t>(s_[pos_++] - '0');
          if (pos_ == d0) return FailAt(at, "bad reference");
          if (n == 0 || n > labels_.size() || (labels_[n - 1].is(Kind::kEmpty) && labels_[n - 1].node() == nullptr)) {
            return FailAt(at, "reference *" + std::to_string(n) + " to an unknown label");
          }
          subject = labels_[n - 1];
          subject_node = PlaceholderNode(subject);
          subject_is_primary_global = false;
          want_value = false;
          continue;
        }
        uint64_t at = pos_;
        char c = Peek();
        subject_node = nullptr;
        subject_is_primary_global = c == '@';
        if (c == '[') {
          ++pos_;
          PNode* n = NewNode(PKind::kList, at);
          n->value = doc_.NewList();
          SetLabel(label, n->value);
          if (!Take("]")) {
            frames.push_back(PFrame{FType::kList, label, n});
            continue;
          }
          subject = n->value;
        } else if (c == '{') {
          ++pos_;
          if (Take("}")) {
            subject = doc_.NewDict();
          } else {
            PNode* n = NewNode(PKind::kBrace, at);
            SetLabel(label, Placeholder(n));
            frames.push_back(PFrame{FType::kBrace, label, n});
            continue;
          }
        } else if (c == '(') {
          ++pos_;
          if (Take(")")) {
            subject = doc_.NewTuple({});
          } else {
            PNode* n = NewNode(PKind::kTuple, at);
            SetLabel(label, Placeholder(n));
            frames.push_back(PFrame{FType::kParen, label, n});
            continue;
          }
        } else if (c == '"') {
          std::string text;
          if (!ReadStr(text)) return false;
          subject = doc_.NewStr(text);
        } else if (c == '@') {
          if (!ReadGlobal(subject)) return false;
        } else if (StartsWith("b\"")) {
          std::string data;
          if (!ReadBytes(data)) return false;
          subject = doc_.NewBytes(data);
        } else if (Take("new(")) {
          Value cls;
          if (!ReadGlobal(cls)) return false;
          if (!IsStubClass(cls)) return FailAt(at, "new() of a safe built-in is not canonical");
          PNode* n = NewNode(PKind::kNew, at);
          n->head = cls;
          n->has_head = true;
          SetLabel(label, Placeholder(n));
          if (!Expect(", (")) return false;
          if (Take(")")) {
            if (!AfterNewArgs(frames, label, n)) {
              if (failed_) return false;
              subject = Placeholder(n);
              subject_node = n;
              subject_is_primary_global = false;
              want_value = false;
            }
            continue;
          }
          frames.push_back(PFrame{FType::kNewArgs, label, n});
          continue;
        } else if (Take("call(")) {
          PNode* n = NewNode(PKind::kCall, at);
          SetLabel(label, Placeholder(n));
          frames.push_back(PFrame{FType::kCallFn, label, n});
          continue;
        } else if (Take("persid(") || Take("readonly(")) {
          PNode* n = NewNode(s_[at] == 'p' ? PKind::kPersId : PKind::kReadOnly, at);
          SetLabel(label, Placeholder(n));
          frames.push_back(PFrame{FType::kOne, label, n});
          continue;
        } else if (Take("frozenset({")) {
          PNode* n = NewNode(PKind::kFrozenSet, at);
          SetLabel(label, Placeholder(n));
          PFrame f{FType::kSet, label, n};
          f.closer = "})";
          frames.push_back(std::move(f));
          continue;
        } else if (Take("frozenset()")) {
          subject = doc_.NewFrozenSet();
        } else if (Take("set()")) {
          subject = doc_.NewSet();
        } else if (Take("bytearray(")) {
          std::string data;
          if (!ReadBytes(data) || !Expect(")")) return false;
          subject = doc_.NewByteArray(data);
        } else if (Take("complex(")) {
          Value ignored;
          double re = 0, im = 0;
          if (!ReadNumber(ignored, true, &re) || !Expect(", ") || !ReadNumber(ignored, true, &im) ||
              !Expect(")")) {
            return false;
          }
          subject = doc_.NewComplex(re, im);
        } else if (Take("buffer(")) {
          if (!ReadBuffer(at, subject)) return false;
        } else if (Take("object()")) {
          subject = doc_.NewPlainObject();
        } else if (Take("None")) {
          subject = Value::None();
        } else if (Take("True")) {
          subject = Value::Bool(true);
        } else if (Take("False")) {
          subject = Value::Bool(false);
        } else {
          if (!ReadNumber(subject, false)) return false;
        }
        SetLabel(label, subject);
        want_value = false;
        continue;
      }

      // Postfixes: a stub class called (`@m:A(1)`), or a recorded op.
      if (Peek() == '(' && subject.is(Kind::kGlobal) && subject_node == nullptr && subject_is_primary_global) {
        uint64_t at = pos_;
        ++pos_;
        PNode* n = NewNode(PKind::kCall, at);
        n->head = subject;
        n->has_head = true;
        SetLabel(label, Placeholder(n));
        subject = Placeholder(n);
        subject_node = n;
        subject_is_primary_global = false;
        if (!Take(")")) {
          frames.push_back(PFrame{FType::kCallArgs, label, n});
          want_value = true;
        }
        continue;
      }
      if (Peek() == '.') {
        uint64_t at = pos_;
        OpKind op;
        if (Take(".build(")) {
          op = OpKind::kBuild;
        } else if (Take(".append(")) {
          op = OpKind::kAppend;
        } else if (Take(".setitem(")) {
          op = OpKind::kSetItem;
        } else if (Take(".add(")) {
          op = OpKind::kAdd;
        } else {
          return Fail("unknown op");
        }
        if (subject_node == nullptr ||
            (subject_node->kind != PKind::kNew && subject_node->kind != PKind::kCall &&
             subject_node->kind != PKind::kPersId)) {
          return FailAt(at, "an op on a value that is not a stub object");
        }
        PFrame f{FType::kOp, label, subject_node};
        f.op = op;
        frames.push_back(std::move(f));
        want_value = true;
        continue;
      }

      // `subject` is complete: hand it to the innermost frame.
      if (frames.empty()) {
        root = subject;
        return true;
      }
      PFrame& f = frames.back();
      PNode* n = f.node;
      want_value = true;
      switch (f.type) {
        case FType::kList:
          n->items.push_back(subject);
          if (Take(", ")) continue;
          if (!Expect("]")) return false;
          break;
        case FType::kParen:
          n->items.push_back(subject);
          if (Take(", ")) continue;
          if (StartsWith(",)") && n->items.size() != 1) {
            return Fail("trailing comma in a tuple of " + std::to_string(n->items.size()));
          }
          if (!Take(",)")) {
            if (n->items.size() == 1) return Fail("a 1-tuple needs its comma");
            if (!Expect(")")) return false;
          }
          break;
        case FType::kBrace:
          if (Take(": ")) {
            n->kind = PKind::kDict;
            n->value = doc_.NewDict();
            n->items.push_back(subject);
            f.type = FType::kDict;
            continue;
          }
          n->kind = PKind::kSet;
          n->value = doc_.NewSet();
          n->items.push_back(subject);
          f.type = FType::kSet;
          f.closer = "}";
          if (Take(", ")) continue;
          if (!Expect("}")) return false;
          break;
        case FType::kDict:
        case FType::kKwargs: {
          std::vector<Value>& items = f.type == FType::kDict ? n->items : n->kwargs;
          items.push_back(subject);
          if (items.size() % 2 == 1) {
            if (!Expect(": ")) return false;
            continue;
          }
          if (Take(", ")) continue;
          if (!Expect("}")) return false;
          if (f.type == FType::kKwargs && !Expect(")")) return false;
          break;
        }
        case FType::kSet:
          n->items.push_back(subject);
          if (Take(", ")) continue;
          if (!Expect(f.closer)) return false;
          break;
        case FType::kNewArgs: {
          n->items.push_back(subject);
          if (Take(", ")) continue;
          if (StartsWith(",)") && n->items.size() != 1) {
            return Fail("trailing comma in an argument tuple of " + std::to_string(n->items.size()));
          }
          if (Take(",)")) {
          } else if (n->items.size() == 1) {
            return Fail("a 1-tuple needs its comma");
          } else if (!Expect(")")) {
            return false;
          }
          uint32_t l = f.label;
          frames.pop_back();
          if (AfterNewArgs(frames, l, n)) continue;
          if (failed_) return false;
          label = l;
          subject = Placeholder(n);
          subject_node = n;
          subject_is_primary_global = false;
          want_value = false;
          continue;
        }
        case FType::kCallArgs:
          n->items.push_back(subject);
          if (Take(", ")) continue;
          if (!Expect(")")) return false;
          break;
        case FType::kCallFn:
          if (!n->has_head) {
            n->head = subject;
            n->has_head = true;
          } else {
            n->items.push_back(subject);
          }
          if (Take(", ")) continue;
          if (!Expect(")")) return false;
          break;
        case FType::kOne:
          n->head = subject;
          n->has_head = true;
          if (!Expect(")")) return false;
          break;
        case FType::kOp:
          f.op_args.push_back(subject);
          if (f.op == OpKind::kSetItem && f.op_args.size() == 1) {
            if (!Expect(", ")) return false;
            continue;
          }
          if (!Expect(")")) return false;
          n->ops.push_back(Op{f.op, f.op_args[0], f.op_args.size() > 1 ? f.op_args[1] : Value()});
          break;
      }
      label = f.label;
      subject = Ref(n);
      subject_node = n;
      subject_is_primary_global = false;
      frames.pop_back();
      want_value = false;
    }
  }

  // After "new(G, (args)": ")" ends it (false), ", {" opens keyword
  // arguments (a frame is pushed: true).
  bool AfterNewArgs(std::vector<PFrame>& frames, uint32_t label, PNode* n) {
    if (Take(")")) return false;
    if (!Expect(", {")) return false;
    if (Take("})")) return false;
    frames.push_back(PFrame{FType::kKwargs, label, n});
    return true;
  }

  bool ReadBuffer(uint64_t at, Value& out) {
    uint64_t start = pos_;
    uint64_t index = 0;
    size_t d0 = pos_;
    while (IsDigit(Peek()) && index < (uint64_t{1} << 32)) index = index * 10 + static_cast<uint64_t>(s_[pos_++] - '0');
    if (pos_ == d0 || index >= (uint64_t{1} << 32)) return FailAt(start, "buffer index must be a non-negative int");
    std::string data;
    if (!Expect(", ") || !ReadBytes(data)) return false;
    bool readonly = Take(", readonly");
    if (!Expect(")")) return false;
    for (uint64_t used : buffers_) {
      if (used == index) return FailAt(at, "buffer " + std::to_string(index) + " appears twice without a label");
    }
    buffers_.push_back(index);
    out = doc_.NewBuffer(static_cast<uint32_t>(index), readonly, data);
    return true;
  }

  // ---- pass 2: create tuples, frozensets and stub objects ----
  void PendingDeps(PNode* n, std::vector<PNode*>& out) const {
    auto add = [&out](const Value& v) {
      PNode* d = PlaceholderNode(v);
      if (d != nullptr && IsPending(d->kind) && d->state != 2) out.push_back(d);
    };
    if (n->has_head) add(n->head);
    for (const Value& v : n->items) add(v);
    for (const Value& v : n->kwargs) add(v);
  }

  bool CreatePending() {
    std::vector<PNode*> stack;
    std::vector<PNode*> deps;
    for (PNode& root : nodes_) {
      if (!IsPending(root.kind) || root.state == 2) continue;
      stack.push_back(&root);
      while (!stack.empty()) {
        PNode* n = stack.back();
        if (n->state == 2) {
          stack.pop_back();
          continue;
        }
        deps.clear();
        PendingDeps(n, deps);
        for (PNode* d : deps) {
          if (d->state == 1) return FailAt(n->offset, "a value contains itself through immutable parts only");
        }
        if (n->state == 0 && !deps.empty()) {
          n->state = 1;
          stack.insert(stack.end(), deps.begin(), deps.end());
          continue;
        }
        if (!deps.empty()) return FailAt(n->offset, "a value contains itself through immutable parts only");
        if (!Construct(n)) return false;
        n->state = 2;
        stack.pop_back();
      }
    }
    return true;
  }

  bool Construct(PNode* n) {
    std::vector<Value> items;
    items.reserve(n->items.size());
    for (const Value& v : n->items) items.push_back(Resolve(v));
    switch (n->kind) {
      case PKind::kTuple:
        n->value = doc_.NewTuple(items);
        return true;
      case PKind::kFrozenSet: {
        n->value = doc_.NewFrozenSet();
        for (const Value& v : items) {
          if (!SetAdd(doc_.arena(), n->value.set(), v).ok()) return FailAt(n->offset, Unhashable(v));
        }
        return true;
      }
      case PKind::kNew: {
        n->value = doc_.NewObject(CtorKind::kNew, n->head);
        ObjectNode* o = n->value.object();
        o->args.Append(doc_.arena(), items.data(), items.size());
        if (!n->kwargs.empty()) {
          Value kw = doc_.NewDict();
          for (size_t i = 0; i + 1 < n->kwargs.size(); i += 2) {
            Value k = Resolve(n->kwargs[i]);
            if (!k.is(Kind::kStr)) return FailAt(n->offset, "a keyword argument name must be a str");
            if (!DictSetItem(doc_.arena(), kw.dict(), k, Resolve(n->kwargs[i + 1])).ok()) {
              return FailAt(n->offset, Unhashable(k));
            }
          }
          const auto& entries = kw.dict()->entries;
          o->kwargs.Append(doc_.arena(), entries.data, entries.size);
        }
        return true;
      }
      case PKind::kCall: {
        Value callee = Resolve(n->head);
        if (!IsStubClass(callee) && !callee.is(Kind::kObject)) {
          return FailAt(n->offset,
                        "only stub classes and stub objects are called (a safe built-in would have run)");
        }
        n->value = doc_.NewObject(CtorKind::kCall, callee);
        n->value.object()->args.Append(doc_.arena(), items.data(), items.size());
        return true;
      }
      case PKind::kPersId:
        n->value = doc_.NewObject(CtorKind::kPersId, Resolve(n->head));
        return true;
      case PKind::kReadOnly: {
        Value target = Resolve(n->head);
        bool writable = target.is(Kind::kByteArray) || (target.is(Kind::kBuffer) && !target.buffer()->readonly);
        if (!writable) return FailAt(n->offset, "readonly() of something that is not a writable buffer or bytearray");
        n->value = doc_.NewReadOnlyView(target);
        return true;
      }
      case PKind::kList:
      case PKind::kDict:
      case PKind::kSet:
      case PKind::kBrace: break;
    }
    return true;
  }

  static std::string Unhashable(const Value& v) {
    return "unhashable type: '" + std::string(PyTypeNameText(PyTypeOf(v))) + "'";
  }

  // ---- pass 3: fill containers and op logs, in document order ----
  bool Fill() {
    for (PNode& n : nodes_) {
      switch (n.kind) {
        case PKind::kList: {
          ListNode* l = n.value.list();
          l->items.Reserve(doc_.arena(), n.items.size());
          for (const Value& v : n.items) l->items.Push(doc_.arena(), Resolve(v));
          break;
        }
        case PKind::kDict:
          for (size_t i = 0; i + 1 < n.items.size(); i += 2) {
            Value k = Resolve(n.items[i]);
            Status st = DictSetItem(doc_.arena(), n.value.dict(), k, Resolve(n.items[i + 1]));
            if (!st.ok()) return FailAt(n.offset, st.error().kind == ErrorKind::kUnhashable ? Unhashable(k) : "bad dict key");
          }
          break;
        case PKind::kSet:
          for (const Value& v : n.items) {
            Value x = Resolve(v);
            Status st = SetAdd(doc_.arena(), n.value.set(), x);
            if (!st.ok()) return FailAt(n.offset, st.error().kind == ErrorKind::kUnhashable ? Unhashable(x) : "bad set element");
          }
          break;
        case PKind::kNew:
        case PKind::kCall:
        case PKind::kPersId:
          for (const Op& op : n.ops) {
            n.value.object()->ops.Push(doc_.arena(), Op{op.kind, Resolve(op.a), Resolve(op.b)});
          }
          break;
        case PKind::kBrace:
        case PKind::kTuple:
        case PKind::kFrozenSet:
        case PKind::kReadOnly: break;
      }
    }
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  Document& doc_;
  std::deque<PNode> nodes_;
  std::vector<Value> labels_;
  std::vector<uint64_t> buffers_;
  bool failed_ = false;
  uint64_t error_offset_ = 0;
  std::string error_message_;
};

}  // namespace

Result<Document> ParseCanonical(std::string_view text, CanonicalParseError* error) {
  Document doc;
  Parser parser(text, doc);
  if (!parser.Run()) {
    if (error != nullptr) {
      error->offset = parser.error_offset();
      error->message = parser.error_message();
    }
    Error e;
    e.kind = ErrorKind::kUnsupportedForm;
    e.offset = parser.error_offset();
    return e;
  }
  return doc;
}

}  // namespace picklecheck

#include "harness/roundtrip/value_gen.h"

#include <cstring>
#include <string_view>
#include <vector>

#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/pycodecs.h"

namespace picklecheck {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};


class Generator {
 public:
  Generator(uint64_t seed, uint64_t index, const ValueGenOptions& options)
      : rng_(seed * 0x9e3779b97f4a7c15ull ^ (index + 1) * 0xd1b54a32d192ed03ull), options_(options) {}

  std::string Run() {
    // Mostly containers at the root: they are where sharing and cycles live.
    if (rng_.Chance(85)) {
      Container(0, /*hashable=*/false);
    } else {
      Value(0, false);
    }
    return std::move(out_);
  }

 private:
  struct Label {
    bool hashable = false;
    bool complete = false;
    bool object = false;  // a stub instance: callable by call(...)
  };
  struct Frame {
    int label = 0;         // 0: unlabeled
    bool mutable_ = false; // a list, a dict's values, an object's ops
  };

  bool Budget() const { return nodes_ < options_.max_nodes; }

  // "&N " for an identity-bearing node about to be written, sometimes.
  int MaybeLabel(bool hashable, int percent) {
    if (!rng_.Chance(percent)) return 0;
    labels_.push_back({hashable, false});
    int n = static_cast<int>(labels_.size());
    out_ += "&" + std::to_string(n) + " ";
    return n;
  }
  void Complete(int label) {
    if (label) labels_[static_cast<size_t>(label - 1)].complete = true;
  }

  // A reference to something already written, if there is a fitting one.
  bool MaybeReference(bool hashable) {
    if (labels_.empty()) return false;
    if (rng_.Chance(hashable ? 15 : 20)) {
      // Sharing: a finished node.
      std::vector<int> fit;
      for (size_t k = 0; k < labels_.size(); ++k) {
        if (labels_[k].complete && (!hashable || labels_[k].hashable)) fit.push_back(static_cast<int>(k + 1));
      }
      if (!fit.empty()) {
        out_ += "*" + std::to_string(fit[rng_.Below(fit.size())]);
        return true;
      }
    }
    if (!hashable && rng_.Chance(12)) {
      // A cycle: an open ancestor with a mutable container at or below it.
      std::vector<int> fit;
      bool mutable_below = false;
      for (size_t k = stack_.size(); k-- > 0;) {
        mutable_below |= stack_[k].mutable_;
        if (stack_[k].label && mutable_below) fit.push_back(stack_[k].label);
      }
      if (!fit.empty()) {
        out_ += "*" + std::to_string(fit[rng_.Below(fit.size())]);
        return true;
      }
    }
    return false;
  }

  void Value(int depth, bool hashable) {
    if (MaybeReference(hashable)) return;
    if (depth < options_.max_depth && Budget() && rng_.Chance(35)) {
      Container(depth, hashable);
    } else {
      Scalar(hashable);
    }
  }

  void Scalar(bool hashable) {
    switch (rng_.Below(hashable ? 9 : 11)) {
      case 0: out_ += rng_.Pick({"None", "True", "False"}); break;
      case 1:
      case 2: Int(); break;
      case 3: Float(); break;
      case 4:
      case 5: Str(); break;
      case 6: Bytes(); break;
      case 7: Global(); break;
      case 8:
        if (rng_.Chance(50)) {
          out_ += "complex(";
          AppendFloatLiteral(PickFloat(), out_);
          out_ += ", ";
          AppendFloatLiteral(PickFloat(), out_);
          out_ += ")";
        } else {
          out_ += "object()";
        }
        break;
      case 9: ByteArray(); break;
      default: Buffer(); break;
    }
  }

  void Int() {
    static constexpr const char* kInts[] = {
        "0", "1", "-1", "255", "256", "-128", "-129", "65535", "65536", "2147483647", "-2147483648",
        "2147483648", "-2147483649", "4294967296", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "18446744073709551615", "-18446744073709551615"};
    if (rng_.Chance(70)) {
      out_ += rng_.Pick(kInts);
    } else if (rng_.Chance(70)) {
      out_ += std::to_string(static_cast<int64_t>(rng_.Next()) >> rng_.Below(64));
    } else {
      // Beyond 2**64: hex.
      if (rng_.Chance(30)) out_ += "-";
      out_ += "0x";
      out_.push_back("123456789abcdef"[rng_.Below(15)]);
      int digits = 16 + static_cast<int>(rng_.Below(rng_.Chance(10) ? 600 : 24));
      for (int i = 0; i < digits; ++i) out_.push_back("0123456789abcdef"[rng_.Below(16)]);
    }
  }

  double PickFloat() {
    static constexpr double kFloats[] = {0.0, -0.0, 1.5, 0.1, 1e100, 1e16, 1e-5, 5e-324,
                                         1.7976931348623157e308, -2.5, 3.0, 1e22};
    switch (rng_.Below(6)) {
      case 0: return __builtin_inf();
      case 1: return -__builtin_inf();
      case 2: {
        uint64_t bits = rng_.Next();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (d != d) return 0.25;  // NaN payloads come from Float()
        return d;
      }
      default: return rng_.Pick(kFloats);
    }
  }

  void Float() {
    if (rng_.Chance(8)) {
      out_ += rng_.Chance(50) ? "nan" : "nan(0xfff8000000000000)";
      return;
    }
    AppendFloatLiteral(PickFloat(), out_);
  }

  void Str() {
    ++nodes_;
    std::string s;
    int len = static_cast<int>(rng_.Below(rng_.Chance(10) ? 300 : 8));
    static constexpr uint32_t kSpecial[] = {'\\', '"', '\n', '\r', '\t', 0, 0x1a, 0x7f, 0x85, 0xe9,
                                            0xff, 0x100, 0x20ac, 0xd800, 0xdfff, 0xfffd, 0x1f600, 0x10ffff};
    for (int i = 0; i < len; ++i) {
      if (rng_.Chance(80)) {
        pycodecs::AppendCodePoint(s, static_cast<uint32_t>('a' + rng_.Below(26)));
      } else {
        pycodecs::AppendCodePoint(s, rng_.Pick(kSpecial));
      }
    }
    // One-character strs below U+0100 are singletons: never labeled.
    const bool identity = s.size() > 1 && !(s.size() == 2 && static_cast<unsigned char>(s[0]) < 0xc4);
    int label = identity ? MaybeLabel(true, 25) : 0;
    AppendStrLiteral(s, out_);
    Complete(label);
  }

  std::string RandomBytes(int max) {
    std::string b;
    int len = static_cast<int>(rng_.Below(static_cast<uint64_t>(max)));
    for (int i = 0; i < len; ++i) {
      b.push_back(static_cast<char>(rng_.Chance(60) ? 'a' + rng_.Below(26) : rng_.Below(256)));
    }
    return b;
  }

  void Bytes() {
    ++nodes_;
    std::string b = RandomBytes(rng_.Chance(10) ? 300 : 8);
    int label = b.empty() ? 0 : MaybeLabel(true, 25);
    AppendBytesLiteral(b, out_);
    Complete(label);
  }

  void ByteArray() {
    ++nodes_;
    int label = MaybeLabel(false, 25);
    out_ += "bytearray(";
    AppendBytesLiteral(RandomBytes(8), out_);
    out_ += ")";
    Complete(label);
  }

  void Buffer() {
    if (!options_.buffers) return ByteArray();
    ++nodes_;
    if (rng_.Chance(20)) {
      out_ += "readonly(";
      if (rng_.Chance(50)) {
        out_ += "bytearray(";
        AppendBytesLiteral(RandomBytes(4), out_);
        out_ += ")";
      } else {
        out_ += "buffer(" + std::to_string(buffers_++) + ", ";
        AppendBytesLiteral(RandomBytes(4), out_);
        out_ += ")";
      }
      out_ += ")";
      return;
    }
    int label = MaybeLabel(false, 30);
    out_ += "buffer(" + std::to_string(buffers_++) + ", ";
    AppendBytesLiteral(RandomBytes(6), out_);
    if (rng_.Chance(40)) out_ += ", readonly";
    out_ += ")";
    Complete(label);
  }

  void Global() {
    static constexpr std::pair<const char*, const char*> kGlobals[] = {
        {"m", "A"},           {"m", "B"},           {"mod.sub", "Cls"}, {"m", "A.B"},
        {"builtins", "set"},  {"builtins", "frozenset"}, {"builtins", "bytearray"},
        {"_codecs", "encode"}, {"copyreg", "_reconstructor"}, {"my mod", "A b"},
        {"__main__", "f"},    {"collections", "OrderedDict"}, {"builtins", "object"}};
    const auto& g = rng_.Pick(kGlobals);
    AppendGlobalLiteral(g.first, g.second, out_);
  }

  void StubClass() {
    static constexpr std::pair<const char*, const char*> kClasses[] = {
        {"m", "A"}, {"m", "B"}, {"mod.sub", "Cls"}, {"m", "A.B"}, {"collections", "OrderedDict"}};
    const auto& g = rng_.Pick(kClasses);
    AppendGlobalLiteral(g.first, g.second, out_);
  }

  // Elements separated by ", ".
  template <typename Fn>
  void Items(int n, Fn&& item) {
    for (int i = 0; i < n; ++i) {
      if (i) out_ += ", ";
      item();
    }
  }

  int Count() { return static_cast<int>(rng_.Below(static_cast<uint64_t>(options_.max_items) + 1)); }

  void Container(int depth, bool hashable) {
    ++nodes_;
    const int d = depth + 1;
    const uint64_t choice = rng_.Below(hashable ? 3 : 9);
    if (hashable) {
      if (choice == 0) return Tuple(d, true);
      if (choice == 1) return FrozenSet(d);
      return Object(d, /*ops=*/false);  // identity-hashed
    }
    switch (choice) {
      case 0: return Tuple(d, false);
      case 1:
      case 2: {
        int label = MaybeLabel(false, 45);
        stack_.push_back({label, true});
        out_ += "[";
        Items(Count(), [&] { Value(d, false); });
        out_ += "]";
        stack_.pop_back();
        return Complete(label);
      }
      case 3:
      case 4: {
        int label = MaybeLabel(false, 45);
        out_ += "{";
        int n = Count();
        if (n == 0) {
          out_ += "}";
          return Complete(label);
        }
        Items(n, [&] {
          stack_.push_back({label, false});
          Value(d, true);
          stack_.pop_back();
          out_ += ": ";
          stack_.push_back({label, true});
          Value(d, false);
          stack_.pop_back();
        });
        out_ += "}";
        return Complete(label);
      }
      case 5: {
        int label = MaybeLabel(false, 30);
        int n = Count();
        if (n == 0) {
          out_ += "set()";
          return Complete(label);
        }
        stack_.push_back({label, false});
        out_ += "{";
        Items(n, [&] { Value(d, true); });
        out_ += "}";
        stack_.pop_back();
        return Complete(label);
      }
      case 6: return FrozenSet(d);
      default: return Object(d, /*ops=*/true);
    }
  }

  void Tuple(int d, bool hashable) {
    int n = Count();
    if (n == 0) {
      out_ += "()";
      return;
    }
    int label = MaybeLabel(hashable, 30);
    stack_.push_back({label, false});
    out_ += "(";
    Items(n, [&] { Value(d, hashable); });
    out_ += n == 1 ? ",)" : ")";
    stack_.pop_back();
    // A tuple is hashable when all of it is: in a hashable context it is.
    Complete(label);
    if (label && !hashable) labels_[static_cast<size_t>(label - 1)].hashable = false;
  }

  void FrozenSet(int d) {
    int label = MaybeLabel(true, 30);
    int n = Count();
    if (n == 0) {
      out_ += "frozenset()";
      return Complete(label);
    }
    stack_.push_back({label, false});
    out_ += "frozenset({";
    Items(n, [&] { Value(d, true); });
    out_ += "})";
    stack_.pop_back();
    Complete(label);
  }

  // "(1,)" as a tuple (new), "(1)" as a call's argument list.
  void Args(int d, bool tuple) {
    out_ += "(";
    int n = Count();
    Items(n, [&] { Value(d, false); });
    if (n == 1 && tuple) out_ += ",";
    out_ += ")";
  }

  void Object(int d, bool ops) {
    int label = MaybeLabel(true, 50);
    if (label) labels_[static_cast<size_t>(label - 1)].object = true;
    stack_.push_back({label, false});
    const uint64_t form = rng_.Below(10);
    bool persid = false;
    if (form < 5) {
      out_ += "new(";
      StubClass();
      out_ += ", ";
      Args(d, true);
      if (rng_.Chance(20)) {
        out_ += ", {";
        int n = 1 + static_cast<int>(rng_.Below(2));
        for (int i = 0; i < n; ++i) {
          if (i) out_ += ", ";
          out_ += "\"k" + std::to_string(i) + "\": ";
          Value(d, false);
        }
        out_ += "}";
      }
      out_ += ")";
    } else if (form < 7) {
      StubClass();
      Args(d, false);
    } else if (form < 8) {
      out_ += "call(";
      // The callee: a finished stub instance, or a new one.
      std::vector<int> objects;
      for (size_t k = 0; k < labels_.size(); ++k) {
        if (labels_[k].complete && labels_[k].object) objects.push_back(static_cast<int>(k + 1));
      }
      if (!objects.empty() && rng_.Chance(30)) {
        out_ += "*" + std::to_string(objects[rng_.Below(objects.size())]);
      } else {
        out_ += "new(";
        StubClass();
        out_ += ", ())";
      }
      int n = Count();
      for (int i = 0; i < n; ++i) {
        out_ += ", ";
        Value(d, false);
      }
      out_ += ")";
    } else {
      persid = true;
      out_ += "persid(";
      if (rng_.Chance(85)) {
        std::string pid = "pid" + std::to_string(rng_.Below(100));
        AppendStrLiteral(pid, out_);
      } else {
        Int();
      }
      out_ += ")";
    }
    stack_.back().mutable_ = true;  // ops may refer back to the object
    if (ops && (!persid || rng_.Chance(5))) Ops(d);
    stack_.pop_back();
    Complete(label);
  }

  void Ops(int d) {
    int appends = rng_.Chance(40) ? Count() : 0;
    int setitems = rng_.Chance(30) ? Count() : 0;
    bool build = rng_.Chance(40);
    bool misordered = rng_.Chance(5);
    auto build_op = [&] {
      out_ += ".build(";
      if (rng_.Chance(60)) {
        out_ += "{";
        int n = 1 + static_cast<int>(rng_.Below(3));
        for (int i = 0; i < n; ++i) {
          if (i) out_ += ", ";
          out_ += "\"a" + std::to_string(i) + "\": ";
          Value(d, false);
        }
        out_ += "}";
      } else {
        Value(d, false);
      }
      out_ += ")";
    };
    if (misordered && build) build_op();
    for (int i = 0; i < appends; ++i) {
      out_ += ".append(";
      Value(d, false);
      out_ += ")";
    }
    for (int i = 0; i < setitems; ++i) {
      out_ += ".setitem(";
      Value(d, true);
      out_ += ", ";
      Value(d, false);
      out_ += ")";
    }
    if (!misordered && build) build_op();
    if (rng_.Chance(3)) {
      out_ += ".add(";
      Value(d, true);
      out_ += ")";
    }
  }

  Rng rng_;
  ValueGenOptions options_;
  std::string out_;
  std::vector<Label> labels_;
  std::vector<Frame> stack_;
  int nodes_ = 0;
  int buffers_ = 0;
};

}  // namespace

std::string GenerateRawValueText(uint64_t seed, uint64_t index, const ValueGenOptions& options) {
  return Generator(seed, index, options).Run();
}

std::string GenerateValueText(uint64_t seed, uint64_t index, const ValueGenOptions& options,
                              std::string* raw) {
  // The generator's cycle rule is local: a shared reference can still close
  // a cycle through what stub objects, tuples and frozensets are made of
  // (`&1 @m:B([&2 new(@m:A, (*1,))], *2)`), which no pickle can build and
  // ParseCanonical rejects. Such a draw is replaced by the next one of a
  // side stream of the same (seed, index).
  std::string text;
  for (uint64_t attempt = 0; attempt < 16; ++attempt) {
    text = GenerateRawValueText(seed, index + (attempt << 40), options);
    Result<Document> doc = ParseCanonical(text);
    if (doc.ok()) {
      if (raw) raw->clear();
      return ToCanonical(doc->root());
    }
  }
  if (raw) *raw = std::move(text);
  return "None";
}

}  // namespace picklecheck

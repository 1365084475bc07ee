#include "harness/pickle/canonical.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <numeric>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "harness/pickle/pycodecs.h"
#include "harness/pickle/pytext.h"

namespace picklecheck {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendHexByte(uint8_t b, std::string& out) {
  out.push_back('\\');
  out.push_back('x');
  out.push_back(kHex[b >> 4]);
  out.push_back(kHex[b & 15]);
}

bool IsBareName(std::string_view s) {
  // [A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*
  bool at_start = true;
  for (char c : s) {
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (at_start) {
      if (!alpha) return false;
      at_start = false;
    } else if (c == '.') {
      at_start = true;
    } else if (!alpha && !digit) {
      return false;
    }
  }
  return !at_start;
}

void AppendInt64(int64_t v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

bool IsOneLatinChar(std::string_view s) {
  if (s.size() == 1) return static_cast<uint8_t>(s[0]) < 0x80;
  if (s.size() == 2) {
    auto b0 = static_cast<uint8_t>(s[0]);
    return b0 == 0xC2 || b0 == 0xC3;
  }
  return false;
}

// Nodes whose identity the printer shows (canonical.md, "Sharing").
bool IsIdentityBearing(const Value& v) {
  switch (v.kind()) {
    case Kind::kStr: {
      std::string_view s = v.str()->text.sv();
      return !s.empty() && !IsOneLatinChar(s);
    }
    case Kind::kBytes: return v.bytes()->bytes.size > 0;
    case Kind::kTuple: return v.tuple()->size > 0;
    case Kind::kByteArray:
    case Kind::kList:
    case Kind::kDict:
    case Kind::kSet:
    case Kind::kFrozenSet:
    case Kind::kComplex:
    case Kind::kObject:
    case Kind::kPlainObject:
    case Kind::kBuffer:
    case Kind::kReadOnlyView: return true;
    case Kind::kNone:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kBigInt:
    case Kind::kNaN:
    case Kind::kGlobal:
    case Kind::kEmpty: return false;
  }
  return false;
}

struct Context {
  std::unordered_map<const SetNode*, std::vector<uint32_t>> orders;
  std::unordered_set<const SetNode*> in_progress;
};

class Printer {
 public:
  explicit Printer(Context& ctx) : ctx_(ctx) {}

  void Print(const Value& root, std::string& out) {
    Count(root);
    out_ = &out;
    tasks_.push_back(Task::Of(root));
    while (!tasks_.empty()) {
      Task t = tasks_.back();
      tasks_.pop_back();
      if (t.is_text) {
        out.append(t.text);
      } else {
        Visit(t.value);
      }
    }
  }

 private:
  struct Task {
    bool is_text;
    Value value;
    std::string_view text;
    static Task Of(Value v) { return Task{false, v, {}}; }
    static Task Text(std::string_view s) { return Task{true, Value(), s}; }
  };

  bool Blocked(const Value& v) const {
    return (v.is(Kind::kSet) || v.is(Kind::kFrozenSet)) && !ctx_.in_progress.empty() &&
           ctx_.in_progress.count(v.set()) > 0;
  }

  // Pass 1: how many times each identity-bearing node is reached. The order
  // does not matter here: every reachable node is expanded exactly once.
  void Count(const Value& root) {
    std::vector<Value> stack{root};
    std::vector<Value> children;
    while (!stack.empty()) {
      Value v = stack.back();
      stack.pop_back();
      if (Blocked(v)) continue;
      if (IsIdentityBearing(v)) {
        if (++counts_[v.node()] > 1) continue;
      }
      children.clear();
      Children(v, children);
      stack.insert(stack.end(), children.begin(), children.end());
    }
  }

  static void Children(const Value& v, std::vector<Value>& out) {
    switch (v.kind()) {
      case Kind::kTuple:
        for (const Value& c : v.tuple()->span()) out.push_back(c);
        break;
      case Kind::kList:
        for (const Value& c : v.list()->items) out.push_back(c);
        break;
      case Kind::kDict:
        for (const DictEntry& e : v.dict()->entries) {
          out.push_back(e.key);
          out.push_back(e.value);
        }
        break;
      case Kind::kSet:
      case Kind::kFrozenSet:
        for (const SetEntry& e : v.set()->entries) out.push_back(e.key);
        break;
      case Kind::kObject: {
        const ObjectNode* o = v.object();
        out.push_back(o->callee);
        for (const Value& a : o->args) out.push_back(a);
        for (const DictEntry& e : o->kwargs) {
          out.push_back(e.key);
          out.push_back(e.value);
        }
        for (const Op& op : o->ops) {
          out.push_back(op.a);
          if (op.kind == OpKind::kSetItem) out.push_back(op.b);
        }
        break;
      }
      case Kind::kReadOnlyView:
        out.push_back(v.view()->target);
        break;
      default:
        break;
    }
  }

  const std::vector<uint32_t>& Order(const SetNode* s) {
    auto it = ctx_.orders.find(s);
    if (it != ctx_.orders.end()) return it->second;
    ctx_.in_progress.insert(s);
    std::vector<std::string> keys(s->entries.size);
    for (size_t i = 0; i < s->entries.size; ++i) {
      Printer sub(ctx_);
      sub.Print(s->entries[i].key, keys[i]);
    }
    ctx_.in_progress.erase(s);
    std::vector<uint32_t> order(s->entries.size);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return keys[a] < keys[b]; });
    return ctx_.orders.emplace(s, std::move(order)).first->second;
  }

  // Pushes `seq` (in print order) onto the task stack.
  void Schedule(std::vector<Task>& seq) {
    for (auto it = seq.rbegin(); it != seq.rend(); ++it) tasks_.push_back(*it);
    seq.clear();
  }

  void Visit(const Value& v) {
    std::string& out = *out_;
    if (Blocked(v)) {
      out.append(v.is(Kind::kSet) ? "set(...)" : "frozenset(...)");
      return;
    }
    if (IsIdentityBearing(v)) {
      auto c = counts_.find(v.node());
      if (c != counts_.end() && c->second > 1) {
        auto [it, inserted] = labels_.try_emplace(v.node(), next_label_);
        if (!inserted) {
          out.push_back('*');
          AppendInt64(it->second, out);
          return;
        }
        out.push_back('&');
        AppendInt64(next_label_++, out);
        out.push_back(' ');
      }
    }
    std::vector<Task>& seq = scratch_;
    seq.clear();
    switch (v.kind()) {
      case Kind::kNone: out.append("None"); return;
      case Kind::kBool: out.append(v.boolean() ? "True" : "False"); return;
      case Kind::kInt: AppendInt64(v.int64(), out); return;
      case Kind::kFloat: AppendFloatLiteral(v.float64(), out); return;
      case Kind::kNaN: AppendFloatLiteral(v.nan()->value, out); return;
      case Kind::kBigInt: {
        BigInt b = v.bigint()->ToBigInt();
        out.append(b.limbs().size() <= 2 ? b.ToDecimal() : b.ToHex());
        return;
      }
      case Kind::kComplex:
        out.append("complex(");
        AppendFloatLiteral(v.complex()->real, out);
        out.append(", ");
        AppendFloatLiteral(v.complex()->imag, out);
        out.push_back(')');
        return;
      case Kind::kStr: AppendStrLiteral(v.str()->text.sv(), out); return;
      case Kind::kBytes: AppendBytesLiteral(v.bytes()->bytes.sv(), out); return;
      case Kind::kByteArray: {
        const auto& b = v.bytearray()->bytes;
        out.append("bytearray(");
        AppendBytesLiteral(std::string_view(reinterpret_cast<const char*>(b.data), b.size), out);
        out.push_back(')');
        return;
      }
      case Kind::kGlobal:
        AppendGlobalLiteral(v.global()->module.sv(), v.global()->name.sv(), out);
        return;
      case Kind::kPlainObject: out.append("object()"); return;
      case Kind::kBuffer: {
        const BufferNode* b = v.buffer();
        out.append("buffer(");
        AppendInt64(b->index, out);
        out.append(", ");
        AppendBytesLiteral(b->data.sv(), out);
        if (b->readonly) out.append(", readonly");
        out.push_back(')');
        return;
      }
      case Kind::kReadOnlyView:
        seq.push_back(Task::Text("readonly("));
        seq.push_back(Task::Of(v.view()->target));
        seq.push_back(Task::Text(")"));
        break;
      case Kind::kTuple: {
        const TupleNode* t = v.tuple();
        if (t->size == 0) {
          out.append("()");
          return;
        }
        SequenceTasks("(", t->span(), t->size == 1 ? ",)" : ")", seq);
        break;
      }
      case Kind::kList: {
        const auto& items = v.list()->items;
        SequenceTasks("[", std::span<const Value>(items.data, items.size), "]", seq);
        break;
      }
      case Kind::kDict: {
        const auto& entries = v.dict()->entries;
        seq.push_back(Task::Text("{"));
        for (size_t i = 0; i < entries.size; ++i) {
          if (i) seq.push_back(Task::Text(", "));
          seq.push_back(Task::Of(entries[i].key));
          seq.push_back(Task::Text(": "));
          seq.push_back(Task::Of(entries[i].value));
        }
        seq.push_back(Task::Text("}"));
        break;
      }
      case Kind::kSet:
      case Kind::kFrozenSet: {
        const SetNode* s = v.set();
        bool frozen = v.is(Kind::kFrozenSet);
        if (s->entries.size == 0) {
          out.append(frozen ? "frozenset()" : "set()");
          return;
        }
        const std::vector<uint32_t> order = Order(s);  // copy: Order may rehash the cache
        seq.push_back(Task::Text(frozen ? "frozenset({" : "{"));
        for (size_t i = 0; i < order.size(); ++i) {
          if (i) seq.push_back(Task::Text(", "));
          seq.push_back(Task::Of(s->entries[order[i]].key));
        }
        seq.push_back(Task::Text(frozen ? "})" : "}"));
        break;
      }
      case Kind::kObject:
        ObjectTasks(v.object(), seq);
        break;
      case Kind::kEmpty:
        out.append("<empty>");
        return;
    }
    Schedule(seq);
  }

  static void SequenceTasks(std::string_view open, std::span<const Value> items,
                            std::string_view close, std::vector<Task>& seq) {
    seq.push_back(Task::Text(open));
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) seq.push_back(Task::Text(", "));
      seq.push_back(Task::Of(items[i]));
    }
    seq.push_back(Task::Text(close));
  }

  void ObjectTasks(const ObjectNode* o, std::vector<Task>& seq) {
    std::span<const Value> args(o->args.data, o->args.size);
    switch (o->ctor) {
      case CtorKind::kNew:
        seq.push_back(Task::Text("new("));
        seq.push_back(Task::Of(o->callee));
        seq.push_back(Task::Text(", "));
        if (args.empty()) {
          seq.push_back(Task::Text("()"));
        } else {
          SequenceTasks("(", args, args.size() == 1 ? ",)" : ")", seq);
        }
        if (o->kwargs.size > 0) {
          seq.push_back(Task::Text(", {"));
          for (size_t i = 0; i < o->kwargs.size; ++i) {
            if (i) seq.push_back(Task::Text(", "));
            seq.push_back(Task::Of(o->kwargs[i].key));
            seq.push_back(Task::Text(": "));
            seq.push_back(Task::Of(o->kwargs[i].value));
          }
          seq.push_back(Task::Text("}"));
        }
        seq.push_back(Task::Text(")"));
        break;
      case CtorKind::kCall:
        if (o->callee.is(Kind::kGlobal)) {
          seq.push_back(Task::Of(o->callee));
          SequenceTasks("(", args, ")", seq);
        } else {
          seq.push_back(Task::Text("call("));
          seq.push_back(Task::Of(o->callee));
          for (const Value& a : args) {
            seq.push_back(Task::Text(", "));
            seq.push_back(Task::Of(a));
          }
          seq.push_back(Task::Text(")"));
        }
        break;
      case CtorKind::kPersId:
        seq.push_back(Task::Text("persid("));
        seq.push_back(Task::Of(o->callee));
        seq.push_back(Task::Text(")"));
        break;
    }
    for (const Op& op : o->ops) {
      switch (op.kind) {
        case OpKind::kBuild: seq.push_back(Task::Text(".build(")); break;
        case OpKind::kAppend: seq.push_back(Task::Text(".append(")); break;
        case OpKind::kSetItem: seq.push_back(Task::Text(".setitem(")); break;
        case OpKind::kAdd: seq.push_back(Task::Text(".add(")); break;
      }
      seq.push_back(Task::Of(op.a));
      if (op.kind == OpKind::kSetItem) {
        seq.push_back(Task::Text(", "));
        seq.push_back(Task::Of(op.b));
      }
      seq.push_back(Task::Text(")"));
    }
  }

  Context& ctx_;
  std::string* out_ = nullptr;
  std::vector<Task> tasks_;
  std::vector<Task> scratch_;
  std::unordered_map<const void*, uint32_t> counts_;
  std::unordered_map<const void*, uint32_t> labels_;
  uint32_t next_label_ = 1;
};

}  // namespace

void AppendStrLiteral(std::string_view s, std::string& out) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '\\': out.append("\\\\"); break;
        case '"': out.append("\\\""); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f) {
            AppendHexByte(c, out);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      continue;
    }
    size_t start = i;
    uint32_t cp = pycodecs::NextCodePoint(s, i);
    if (cp < 0xA0) {
      AppendHexByte(static_cast<uint8_t>(cp), out);
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      out.append("\\u");
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 15]);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  out.push_back('"');
}

void AppendBytesLiteral(std::string_view b, std::string& out) {
  out.append("b\"");
  for (char ch : b) {
    auto c = static_cast<uint8_t>(ch);
    switch (c) {
      case '\\': out.append("\\\\"); break;
      case '"': out.append("\\\""); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out.push_back(static_cast<char>(c));
        } else {
          AppendHexByte(c, out);
        }
    }
  }
  out.push_back('"');
}

void AppendFloatLiteral(double d, std::string& out) {
  if (d != d) {
    uint64_t bits = std::bit_cast<uint64_t>(d);
    if (bits == 0x7ff8000000000000ull) {
      out.append("nan");
      return;
    }
    out.append("nan(0x");
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(bits >> shift) & 15]);
    out.push_back(')');
    return;
  }
  out.append(pytext::FloatRepr(d));
}

void AppendGlobalLiteral(std::string_view module, std::string_view name, std::string& out) {
  out.push_back('@');
  if (IsBareName(module)) {
    out.append(module);
  } else {
    AppendStrLiteral(module, out);
  }
  out.push_back(':');
  if (IsBareName(name)) {
    out.append(name);
  } else {
    AppendStrLiteral(name, out);
  }
}

void AppendCanonical(const Value& root, std::string& out) {
  Context ctx;
  Printer printer(ctx);
  printer.Print(root, out);
}

std::string ToCanonical(const Value& root) {
  std::string out;
  AppendCanonical(root, out);
  return out;
}

}  // namespace picklecheck

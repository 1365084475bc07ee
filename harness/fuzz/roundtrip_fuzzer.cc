// fuzz_roundtrip: the encoder and decoder against each other and against
// CPython, on value graphs the input describes.
//
//   build-fuzz/bin/fuzz_roundtrip -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
//       /tmp/fz corpus/seed/fuzz_roundtrip
//   build/bin/fuzz_roundtrip corpus/regress/fuzz_roundtrip/crash-...       # replay
//   PC_FUZZ_MINIMIZE=min build-fuzz/bin/fuzz_roundtrip crash-...            # shrink
//
// Input: the last byte holds the options (bit 0: fix_imports=False for
// Encode and CPython's dump, bit 1: buffers in-band at protocol 5, bits 2-4
// all set: large values allowed), the rest drives GenerateValueText (value_text_gen.h: choices from the tail,
// payload from the head). The text is normalized, T = ToCanonical(
// ParseCanonical(raw)) (out-of-band buffers renumbered in print order), and
// V = ParseCanonical(T). Then, at every protocol p = 0..5, with
// SetOrder::kCPythonSeed0 and the oracle's dump settings (max_depth 997,
// save_call_depth 1), against one persistent "cpython-c" oracle started with
// --hash-seed 0:
//
//   parse        ToCanonical(ParseCanonical(T)) == T
//   encode       Encode(V, p) fails only with a refusal the value can cause
//                (EncodeErrorCode preconditions, e.g. kBufferNeedsP5 needs a
//                buffer and p < 5) and that CPython's pickler shares (its
//                dump of T raises the same exception, or RecursionError for
//                kRecursion); when Encode succeeds, CPython's dump succeeds too
//   encdec       Decode(Encode(V, p)) is accepted and prints T, or what
//                CPython's own round trip at p gives (Load(Dump(T, p)): some
//                values change, e.g. new() with kwargs below protocol 4)
//   load         CPython loads our bytes to our decoder's text
//   bytes        for one input in 4 (by input hash) whose sets CPython
//                orders reproducibly: our bytes == CPython's dump, buffers too
//
// Not findings: the oracle's 'U' (no stub design), resource limits and
// timeouts, our kUnsupportedForm/kLimitExceeded, and signatures listed for
// "roundtrip" in harness/fuzz/known_findings.txt. Signatures:
//
//   encdec|P2|ValueMismatch|ours=tuple|want=new     (TextClass at the first difference)
//   load|P0|cpython-rejects|UnpicklingError|msg=pickle_data_was_truncated
//   load|P2|AcceptRejectMismatch|ours=Truncated@GLOBAL     (our decoder on our pickle)
//   bytes|P3|ours=TUPLE1|cpython=POP                (opcodes at the first differing byte)
//   encode|P4|refused-but-cpython-wrote|kNewObjExArgs
//   encode|P1|wrote-but-cpython-refused|PicklingError|msg=Can_t_pickle
//   encode|P0|undocumented|kHole
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "harness/diff/cpython_errors.h"
#include "harness/fuzz/fuzz_support.h"
#include "harness/fuzz/value_text_gen.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/disasm.h"
#include "harness/pickle/encoder.h"
#include "harness/pickle/error.h"
#include "harness/pickle/opcode.h"
#include "harness/pickle/value.h"
#include "harness/roundtrip/roundtrip.h"

namespace picklecheck::fuzz {
namespace {

struct State {
  Oracle* oracle = nullptr;
  KnownFindings known;
  Encoded encoded;  // reused
  OracleOutcome load, dump, reload;
};

State& GetState() {
  static State* state = new State;
  return *state;
}

// ---- buffer numbering ---------------------------------------------------------------

// Calls fn(begin, end) for the digits of every "buffer(N" outside str and
// bytes literals.
template <typename Fn>
void ForEachBufferIndex(std::string_view text, Fn&& fn) {
  bool in_literal = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_literal) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_literal = false;
      }
      continue;
    }
    if (c == '"') {
      in_literal = true;
    } else if (c == 'b' && text.compare(i, 7, "buffer(") == 0) {
      size_t j = i + 7;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      fn(i + 7, j);
      i = j - 1;
    }
  }
}

// Buffer indices renumbered 0, 1, 2 ... in order of appearance.
std::string RenumberBuffers(std::string_view text) {
  std::string out;
  size_t last = 0;
  int next = 0;
  ForEachBufferIndex(text, [&](size_t b, size_t e) {
    out.append(text.substr(last, b - last));
    out += std::to_string(next++);
    last = e;
  });
  out.append(text.substr(last));
  return out;
}

bool BuffersInOrder(std::string_view text) {
  int next = 0;
  bool ok = true;
  ForEachBufferIndex(text, [&](size_t b, size_t e) { ok = ok && text.substr(b, e - b) == std::to_string(next++); });
  return ok;
}

std::string WithoutBufferIndices(std::string_view text) {
  std::string out;
  size_t last = 0;
  ForEachBufferIndex(text, [&](size_t b, size_t e) {
    out.append(text.substr(last, b - last));
    out += "?";
    last = e;
  });
  out.append(text.substr(last));
  return out;
}

// ---- what the value holds -------------------------------------------------------------

struct Features {
  bool buffers = false;
  bool views = false;
  bool objects = false;
  bool persid = false;
  bool persid_none = false;
  bool ops_out_of_order = false;  // not .append* .setitem* .build(non-None)?, or .add
  bool non_ascii_global = false;
  bool locals_global = false;
  bool empty_module_global = false;
  uint64_t max_bigint_bits = 0;
  size_t depth = 0;  // deepest nesting along the first visit of each node
  SetHashes sets = SetHashes::kNone;
};

bool NonAscii(ByteView v) {
  return std::any_of(v.data, v.data + v.size, [](char c) { return static_cast<uint8_t>(c) >= 0x80; });
}

Features Inspect(const Value& root) {
  Features f;
  std::unordered_set<const void*> seen;
  std::vector<std::pair<Value, size_t>> stack{{root, 1}};
  while (!stack.empty()) {
    const Value v = stack.back().first;
    const size_t depth = stack.back().second;
    stack.pop_back();
    if (v.kind() == Kind::kGlobal) {
      const GlobalNode* g = v.global();
      f.non_ascii_global |= NonAscii(g->module) || NonAscii(g->name);
      f.empty_module_global |= g->module.size == 0;
      f.locals_global |= g->name.sv().find("<locals>") != std::string_view::npos ||
                         g->module.sv().find("<locals>") != std::string_view::npos;
      continue;
    }
    if (!v.is_node() || !seen.insert(v.node()).second) continue;
    f.depth = std::max(f.depth, depth);
    auto push = [&](const Value& x) { stack.emplace_back(x, depth + 1); };
    switch (v.kind()) {
      case Kind::kBigInt: f.max_bigint_bits = std::max<uint64_t>(f.max_bigint_bits, v.bigint()->nlimbs * 32ull); break;
      case Kind::kTuple:
        for (const Value& x : v.tuple()->span()) push(x);
        break;
      case Kind::kList:
        for (const Value& x : v.list()->items) push(x);
        break;
      case Kind::kDict:
        for (const DictEntry& e : v.dict()->entries) {
          push(e.key);
          push(e.value);
        }
        break;
      case Kind::kSet:
      case Kind::kFrozenSet:
        if (v.set()->entries.size >= 2) {
          for (const SetEntry& e : v.set()->entries) f.sets = std::max(f.sets, ElementHashes(e.key));
        }
        for (const SetEntry& e : v.set()->entries) push(e.key);
        break;
      case Kind::kObject: {
        const ObjectNode* o = v.object();
        f.objects = true;
        if (o->ctor == CtorKind::kPersId) {
          f.persid = true;
          f.persid_none |= o->callee.is(Kind::kNone);
        }
        push(o->callee);
        for (const Value& x : o->args) push(x);
        for (const DictEntry& e : o->kwargs) {
          push(e.key);
          push(e.value);
        }
        int rank = 0;
        bool built = false;
        for (const Op& op : o->ops) {
          int r = op.kind == OpKind::kAppend ? 0 : op.kind == OpKind::kSetItem ? 1 : op.kind == OpKind::kBuild ? 2 : 9;
          if (r == 9 || r < rank || (r == 2 && (built || op.a.is(Kind::kNone)))) f.ops_out_of_order = true;
          built |= r == 2;
          rank = std::max(rank, r);
          push(op.a);
          if (op.kind == OpKind::kSetItem) push(op.b);
        }
        break;
      }
      case Kind::kBuffer: f.buffers = true; break;
      case Kind::kReadOnlyView:
        f.views = true;
        push(v.view()->target);
        break;
      default: break;
    }
  }
  return f;
}

// Whether the value can cause this refusal at protocol p (encoder.h).
bool Documented(EncodeErrorCode code, const Features& f, int p) {
  switch (code) {
    case EncodeErrorCode::kBufferNeedsP5: return f.buffers && p < 5;
    case EncodeErrorCode::kMemoryView: return f.views;
    case EncodeErrorCode::kIntDigits: return p < 2 && f.max_bigint_bits > 14000;
    case EncodeErrorCode::kNonAsciiName: return p <= 3 && f.non_ascii_global;
    case EncodeErrorCode::kLocalObject: return f.locals_global;
    case EncodeErrorCode::kImportFailed: return f.empty_module_global;
    case EncodeErrorCode::kRecursion: return f.depth >= 300;
    case EncodeErrorCode::kPersIdNotAscii: return p == 0 && f.persid;
    case EncodeErrorCode::kPersIdNone: return f.persid_none;
    case EncodeErrorCode::kPersIdForm: return f.persid;
    case EncodeErrorCode::kOpsOrder: return f.ops_out_of_order;
    case EncodeErrorCode::kNotCallable:
    case EncodeErrorCode::kNewObjNotType:
    case EncodeErrorCode::kNewObjWrongClass:
    case EncodeErrorCode::kNewObjEmpty:
    case EncodeErrorCode::kNewObjExArgs: return f.objects;
    case EncodeErrorCode::kBadProtocol:
    case EncodeErrorCode::kBufferCallbackNeedsP5:
    case EncodeErrorCode::kIntTooLarge:
    case EncodeErrorCode::kTooLargeFor4GiB:
    case EncodeErrorCode::kHole: return false;
  }
  return false;
}

const char* CodeName(EncodeErrorCode code) {
  switch (code) {
    case EncodeErrorCode::kBadProtocol: return "kBadProtocol";
    case EncodeErrorCode::kBufferNeedsP5: return "kBufferNeedsP5";
    case EncodeErrorCode::kBufferCallbackNeedsP5: return "kBufferCallbackNeedsP5";
    case EncodeErrorCode::kMemoryView: return "kMemoryView";
    case EncodeErrorCode::kIntDigits: return "kIntDigits";
    case EncodeErrorCode::kIntTooLarge: return "kIntTooLarge";
    case EncodeErrorCode::kTooLargeFor4GiB: return "kTooLargeFor4GiB";
    case EncodeErrorCode::kNonAsciiName: return "kNonAsciiName";
    case EncodeErrorCode::kLocalObject: return "kLocalObject";
    case EncodeErrorCode::kImportFailed: return "kImportFailed";
    case EncodeErrorCode::kRecursion: return "kRecursion";
    case EncodeErrorCode::kPersIdNotAscii: return "kPersIdNotAscii";
    case EncodeErrorCode::kPersIdNone: return "kPersIdNone";
    case EncodeErrorCode::kPersIdForm: return "kPersIdForm";
    case EncodeErrorCode::kOpsOrder: return "kOpsOrder";
    case EncodeErrorCode::kNotCallable: return "kNotCallable";
    case EncodeErrorCode::kNewObjNotType: return "kNewObjNotType";
    case EncodeErrorCode::kNewObjWrongClass: return "kNewObjWrongClass";
    case EncodeErrorCode::kNewObjEmpty: return "kNewObjEmpty";
    case EncodeErrorCode::kNewObjExArgs: return "kNewObjExArgs";
    case EncodeErrorCode::kHole: return "kHole";
  }
  return "?";
}

std::string Token(std::string s) {
  for (char& c : s) {
    if (c == ' ' || c == '|' || c == '\n' || c == '\t') c = '_';
  }
  return s;
}

std::string DescribeOutcome(const OracleOutcome& o) {
  std::string s(OutcomeKindName(o.kind));
  switch (o.kind) {
    case OutcomeKind::kAccepted: return s + " (" + std::to_string(o.value.size()) + " bytes / chars)";
    case OutcomeKind::kRejected:
    case OutcomeKind::kResourceLimit: return s + " " + o.exception + ": " + o.message.substr(0, 300);
    case OutcomeKind::kUnrepresentable: return s + " " + o.message.substr(0, 300);
    case OutcomeKind::kTimeout:
    case OutcomeKind::kOracleFailure: return s + " " + o.error.message;
  }
  return s;
}

bool SameBuffers(const std::vector<OobBuffer>& a, const std::vector<OobBuffer>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].data != b[i].data || a[i].readonly != b[i].readonly) return false;
  }
  return true;
}

std::string Dis(std::string_view pickle, const DecodeOptions& options) {
  DisasmOptions d;
  d.decode = options;
  return Disassemble(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size()), d);
}

size_t FirstDifference(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  return n;
}

std::optional<Finding> Check(std::string_view input) {
  State& s = GetState();
  FuzzedDataProvider fdp(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  const uint8_t flags = fdp.ConsumeIntegral<uint8_t>();
  const bool fix_imports = (flags & 1) == 0;
  const bool in_band = (flags & 2) != 0;
  // Values of >= 64 KiB strs, > 1000 items or ~1000 levels cost a hundred
  // times more than the rest: only inputs whose bits 2-4 are all set (one in
  // eight) may hold them.
  ValueTextOptions vo;
  vo.large = (flags & 0x1C) == 0x1C;
  const std::string raw = GenerateValueText(fdp, vo);

  auto finding = [&](std::string signature, std::string summary, std::string details) {
    Finding f;
    f.signature = std::move(signature);
    f.summary = std::move(summary);
    f.details = "generated: " + raw.substr(0, 2000) + (raw.size() > 2000 ? "..." : "") + "\n" +
                "load options: fix_imports=" + (fix_imports ? "True" : "False") +
                (in_band ? " buffers in-band at P5" : "") + "\n" + details;
    return f;
  };

  // ---- the value, normalized ----
  CanonicalParseError why;
  Result<Document> first = ParseCanonical(raw, &why);
  if (!first.ok()) {
    // The generator only writes values Python can build; a refusal is a
    // parser bug or a generator bug, either way worth a look.
    std::string word = why.message.substr(0, why.message.find_first_of(" :("));
    return finding("parse|generated|" + Token(word), "ParseCanonical rejects a generated value at offset " +
                   std::to_string(why.offset) + ": " + why.message, "");
  }
  std::string T = ToCanonical(first->root());
  const bool has_buffer_text = T.find("buffer(") != std::string::npos;
  if (has_buffer_text && !BuffersInOrder(T)) {
    std::string renumbered = RenumberBuffers(T);
    Result<Document> again = ParseCanonical(renumbered, &why);
    if (again.ok()) T = ToCanonical(again->root());
  }
  Result<Document> doc = ParseCanonical(T, &why);
  if (!doc.ok()) {
    return finding("parse|canonical", "ParseCanonical rejects ToCanonical's text: " + why.message,
                   "text: " + T + "\n");
  }
  if (std::string again = ToCanonical(doc->root()); again != T) {
    size_t at = FirstDifference(again, T);
    return finding("parse|reprint|" + TextClass(again, at), "ToCanonical(ParseCanonical(T)) != T at byte " +
                   std::to_string(at), "T:       " + T + "\nreprint: " + again + "\n");
  }
  const Value V = doc->root();
  const Features feat = Inspect(V);
  // Sets CPython orders as we do: value hashes, or str/bytes hashes under
  // --hash-seed 0. Elsewhere bytes are not compared, and buffer numbers
  // (NEXT_BUFFER order follows set order) may differ.
  const bool order_reproducible = feat.sets != SetHashes::kIdentity;
  const bool buffers_in_order = !has_buffer_text || BuffersInOrder(T);
  auto same_text = [&](std::string_view a, std::string_view b) {
    if (a == b) return true;
    return has_buffer_text && (!order_reproducible || !buffers_in_order) &&
           WithoutBufferIndices(a) == WithoutBufferIndices(b);
  };
  uint32_t h = 2166136261u;  // FNV-1a over the input: which inputs get the bytes check
  for (char c : input) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  const bool sample_bytes = (h & 3) == 0 && order_reproducible;

  const std::string details_T = "T: " + T.substr(0, 4000) + (T.size() > 4000 ? "..." : "") + "\n";
  for (int p = 0; p <= 5; ++p) {
    const std::string P = "P" + std::to_string(p);
    EncodeOptions eo;
    eo.protocol = p;
    eo.fix_imports = fix_imports;
    eo.out_of_band = feat.buffers && p == 5 && !in_band;
    eo.set_order = SetOrder::kCPythonSeed0;
    eo.max_depth = 997;
    eo.save_call_depth = 1;
    DumpOptions dopt;
    dopt.protocol = p;
    dopt.fix_imports = fix_imports;
    dopt.out_of_band = eo.out_of_band;
    bool dumped = false;
    auto dump = [&]() -> const OracleOutcome& {
      if (!dumped) s.oracle->Dump(T, dopt, s.dump);
      dumped = true;
      return s.dump;
    };

    EncodeError eerr;
    if (!EncodeTo(V, eo, s.encoded, &eerr).ok()) {
      std::string described = Describe(eerr);
      std::string ours = std::string(CodeName(eerr.code)) + " (" + eerr.exception + "): " + described + "\n";
      if (!Documented(eerr.code, feat, p) || described.empty() || described.find('\n') != std::string::npos) {
        return finding("encode|" + P + "|undocumented|" + CodeName(eerr.code),
                       P + ": the encoder refuses with an error this value cannot cause: " + described,
                       details_T + "ours: " + ours);
      }
      // Limits of the stub design, not CPython errors: CPython may write
      // these (a dict pid at protocol 0) or the oracle answers 'U'.
      if (eerr.code == EncodeErrorCode::kPersIdForm || eerr.code == EncodeErrorCode::kPersIdNone ||
          eerr.code == EncodeErrorCode::kOpsOrder) {
        continue;
      }
      const OracleOutcome& c = dump();
      if (c.kind == OutcomeKind::kAccepted) {
        return finding("encode|" + P + "|refused-but-cpython-wrote|" + CodeName(eerr.code),
                       P + ": our encoder refuses, CPython writes " + std::to_string(c.value.size()) + " bytes",
                       details_T + "ours: " + ours + "cpython-c: " + Hex(c.value, 512) + "\n" +
                           Dis(c.value, {}));
      }
      if (c.kind == OutcomeKind::kRejected && order_reproducible &&
          NormalizeExceptionName(c.exception) != NormalizeExceptionName(eerr.exception)) {
        return finding("encode|" + P + "|other-exception|ours=" + Token(eerr.exception) +
                           "|cpython=" + Token(c.exception),
                       P + ": both refuse, differently: ours " + eerr.exception + ", CPython " + c.exception,
                       details_T + "ours: " + ours + "cpython-c: " + DescribeOutcome(c) + "\n");
      }
      continue;  // both refuse alike, or CPython could not say ('U', 'R', timeout)
    }
    const std::string& ours = s.encoded.pickle;
    DecodeOptions lo;
    if (eo.out_of_band) lo.buffers = s.encoded.buffers;
    // Built only for a finding (the disassembly costs as much as a decode).
    auto details_ours_fn = [&]() {
      return details_T + "ours (" + std::to_string(ours.size()) + " bytes): " + Hex(ours, 1024) + "\n" +
             Dis(ours, lo);
    };
    // Our encoder wrote the value; CPython's pickler (outcome `c`) refused it.
    auto cpython_refused = [&](const OracleOutcome& c, std::string details) {
      return finding("encode|" + P + "|wrote-but-cpython-refused|" + Token(c.exception) + "|msg=" +
                         MessageKey(c.message),
                     P + ": our encoder writes " + std::to_string(ours.size()) + " bytes, CPython refuses: " +
                         c.exception + ": " + c.message.substr(0, 200),
                     std::move(details));
    };

    // Both decoders read our bytes.
    Result<Document> decoded = Decode(ours, lo);
    s.oracle->Load(ours, lo, s.load);
    if (!decoded.ok()) {
      const Error& e = decoded.error();
      if (IsInconclusive(e.kind)) continue;
      const OpcodeInfo* info = LookupOpcode(e.opcode);
      const std::string at = std::string(ErrorKindName(e.kind)) + "@" + (info ? std::string(info->name) : "?");
      auto both_fn = [&]() {
        return details_ours_fn() + "ours decoded: " + Describe(e) + "\ncpython-c: " + DescribeOutcome(s.load) + "\n";
      };
      switch (s.load.kind) {
        case OutcomeKind::kAccepted:
          return finding("load|" + P + "|AcceptRejectMismatch|ours=" + at,
                         P + ": CPython loads our pickle, our decoder rejects it: " + Describe(e), both_fn());
        case OutcomeKind::kRejected:
          if (!ExceptionMatchesKind(s.load.exception, e.kind)) {
            return finding("load|" + P + "|ExceptionTypeMismatch|ours=" + at + "|cpython=" + Token(s.load.exception) +
                               "|msg=" + MessageKey(s.load.message),
                           P + ": both reject our pickle, differently: ours " + Describe(e) + ", CPython " +
                               s.load.exception,
                           both_fn());
          }
          break;  // the value does not survive a pickle round trip, in CPython either
        default: continue;  // CPython could not say
      }
      // Then CPython must write what we wrote, or something else it cannot
      // read either: an encoder that writes what CPython refuses to write is
      // a finding.
      const OracleOutcome& c = dump();
      if (c.kind == OutcomeKind::kRejected) {
        return cpython_refused(c, both_fn());
      }
      if (sample_bytes && c.kind == OutcomeKind::kAccepted && c.value != ours) {
        size_t at_byte = FirstDifference(ours, c.value);
        return finding("bytes|" + P + "|ours=" + OpcodeNameAt(ours, at_byte) + "|cpython=" +
                           OpcodeNameAt(c.value, at_byte),
                       P + ": our bytes differ from CPython's at offset " + std::to_string(at_byte),
                       both_fn() + "cpython-c (" + std::to_string(c.value.size()) + " bytes): " + Hex(c.value, 1024) +
                           "\n" + Dis(c.value, {}));
      }
      continue;
    }
    const std::string D = ToCanonical(decoded->root());

    // load: CPython reads our bytes as our decoder does.
    if (s.load.kind == OutcomeKind::kAccepted && !same_text(s.load.value, D)) {
      size_t at = FirstDifference(D, s.load.value);
      return finding("load|" + P + "|ValueMismatch|ours=" + TextClass(D, at) + "|cpython=" +
                         TextClass(s.load.value, at),
                     P + ": CPython and our decoder read our pickle differently at byte " + std::to_string(at),
                     details_T + "ours decoded: " + D.substr(0, 4000) + "\ncpython-c:    " +
                         s.load.value.substr(0, 4000) + "\n" + details_ours_fn());
    }
    if (s.load.kind == OutcomeKind::kRejected) {
      // Unless CPython cannot read its own pickle of this value either.
      const OracleOutcome& c = dump();
      bool own_fails = false;
      if (c.kind == OutcomeKind::kAccepted) {
        DecodeOptions co;
        if (dopt.out_of_band) co.buffers = c.buffers;
        s.oracle->Load(c.value, co, s.reload);
        own_fails = s.reload.kind == OutcomeKind::kRejected &&
                    NormalizeExceptionName(s.reload.exception) == NormalizeExceptionName(s.load.exception);
      }
      if (!own_fails) {
        return finding("load|" + P + "|cpython-rejects|" + Token(s.load.exception) + "|msg=" +
                           MessageKey(s.load.message),
                       P + ": CPython cannot load our pickle: " + s.load.exception + ": " +
                           s.load.message.substr(0, 200),
                       details_ours_fn() + "ours decoded: " + D + "\ncpython-c: " + DescribeOutcome(s.load) + "\n");
      }
    }

    // encdec against T, or against CPython's own round trip where that
    // changes the value.
    if (!same_text(D, T)) {
      const OracleOutcome& c = dump();
      if (c.kind == OutcomeKind::kRejected) {
        return cpython_refused(c, details_ours_fn());
      }
      if (c.kind == OutcomeKind::kAccepted) {
        DecodeOptions co;
        if (dopt.out_of_band) co.buffers = c.buffers;
        s.oracle->Load(c.value, co, s.reload);
        if (s.reload.kind == OutcomeKind::kAccepted && !same_text(s.reload.value, D)) {
          size_t at = FirstDifference(D, s.reload.value);
          return finding("encdec|" + P + "|ValueMismatch|ours=" + TextClass(D, at) + "|want=" +
                             TextClass(s.reload.value, at),
                         P + ": our round trip gives another value than CPython's at byte " + std::to_string(at),
                         details_T + "ours decoded:       " + D.substr(0, 4000) + "\nCPython round trip: " +
                             s.reload.value.substr(0, 4000) + "\ncpython-c dump: " + Hex(c.value, 1024) + "\n" +
                             details_ours_fn());
        }
      }
    }

    // bytes: byte identity with CPython's pickler, for a sample.
    if (sample_bytes) {
      const OracleOutcome& c = dump();
      if (c.kind == OutcomeKind::kRejected) {
        return cpython_refused(c, details_ours_fn());
      }
      if (c.kind == OutcomeKind::kAccepted && (c.value != ours || !SameBuffers(c.buffers, s.encoded.buffers))) {
        size_t at = FirstDifference(ours, c.value);
        std::string sig = c.value == ours ? "bytes|" + P + "|buffers"
                                          : "bytes|" + P + "|ours=" + OpcodeNameAt(ours, at) + "|cpython=" +
                                                OpcodeNameAt(c.value, at);
        DecodeOptions co;
        if (dopt.out_of_band) co.buffers = c.buffers;
        return finding(sig,
                       P + ": our bytes differ from CPython's at offset " + std::to_string(at) + " (" +
                           std::to_string(ours.size()) + " vs " + std::to_string(c.value.size()) + " bytes)",
                       details_ours_fn() + "cpython-c (" + std::to_string(c.value.size()) + " bytes): " +
                           Hex(c.value, 1024) + "\n" + Dis(c.value, co));
      }
    }
  }
  return std::nullopt;
}

}  // namespace
}  // namespace picklecheck::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  using namespace picklecheck::fuzz;
  State& s = GetState();
  std::string why;
  if (!s.known.LoadDefault(&why)) {
    std::fprintf(stderr, "fuzz_roundtrip: %s\n", why.c_str());
    std::exit(2);
  }
  static CachedOracle cached(StartOracleOrExit("fuzz_roundtrip", FuzzOracleOptions(3000, {"--hash-seed", "0"})));
  s.oracle = &cached;
  // Minimize keeping check, protocol and outcome ("encdec|P4|ValueMismatch"):
  // the rest (the text class at the first difference) shifts as the value
  // shrinks.
  MinimizeOptions mo;
  mo.signature_fields = 3;
  mo.max_attempts = 5000;
  RunMinimizerIfAsked("fuzz_roundtrip", *argc, *argv, Check, mo);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picklecheck::fuzz;
  std::optional<Finding> f = Check(std::string_view(reinterpret_cast<const char*>(data), size));
  if (f && !GetState().known.Excuses("roundtrip", *f)) ReportAndTrap("fuzz_roundtrip", *f);
  return 0;
}

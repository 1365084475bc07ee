#include "harness/roundtrip/roundtrip.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "harness/diff/cpython_errors.h"
#include "harness/diff/diff.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/decoder.h"

namespace picklecheck {
namespace {

constexpr size_t kHexWindow = 24;  // bytes shown either side of a difference

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

// Hex of bytes [start, end) with "..." where it cuts.
std::string HexWindow(std::string_view bytes, size_t at) {
  size_t start = at > kHexWindow ? at - kHexWindow : 0;
  size_t end = std::min(bytes.size(), at + kHexWindow);
  std::string out = start > 0 ? "..." : "";
  out += Hex(bytes.substr(start, end - start));
  if (end < bytes.size()) out += "...";
  return out;
}

size_t FirstDifference(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

bool SameBuffers(const std::vector<OobBuffer>& a, const std::vector<OobBuffer>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].readonly != b[k].readonly || a[k].data != b[k].data) return false;
  }
  return true;
}

std::string DescribeBuffers(const std::vector<OobBuffer>& buffers) {
  std::string out;
  for (const OobBuffer& b : buffers) {
    out += out.empty() ? "" : ", ";
    out += (b.readonly ? "r:" : "w:") + Hex(b.data.substr(0, 32)) + (b.data.size() > 32 ? "..." : "");
  }
  return "[" + out + "]";
}

std::string Shorten(std::string_view text, size_t max = 160) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string DescribeOutcome(const std::string& who, const OracleOutcome& o, bool dump) {
  switch (o.kind) {
    case OutcomeKind::kAccepted:
      if (dump) {
        std::string s = who + " wrote " + std::to_string(o.value.size()) + " bytes " + Shorten(Hex(o.value), 200);
        if (!o.buffers.empty()) s += " + buffers " + DescribeBuffers(o.buffers);
        return s;
      }
      return who + " loaded `" + Shorten(o.value, 400) + "`";
    case OutcomeKind::kRejected: return who + " raised " + o.exception + ": " + Shorten(o.message);
    case OutcomeKind::kResourceLimit: return who + " hit a resource limit: " + o.exception + ": " + Shorten(o.message);
    case OutcomeKind::kUnrepresentable: return who + " answered U: " + Shorten(o.message);
    case OutcomeKind::kTimeout: return who + " timed out: " + o.error.message;
    case OutcomeKind::kOracleFailure:
      return who + " failed: " + std::string(OracleErrorKindName(o.error.kind)) + ": " + o.error.message;
  }
  return who;
}

// The outcome of a check whose reference is an oracle answer other than a
// text or an exception.
CheckOutcome UndecidedOutcome(const OracleOutcome& o) {
  switch (o.kind) {
    case OutcomeKind::kUnrepresentable: return CheckOutcome::kUnrepresentable;
    case OutcomeKind::kOracleFailure: return CheckOutcome::kOracleFailure;
    case OutcomeKind::kAccepted:
    case OutcomeKind::kRejected:
    case OutcomeKind::kResourceLimit:
    case OutcomeKind::kTimeout: return CheckOutcome::kInconclusive;
  }
  return CheckOutcome::kInconclusive;
}

std::string DescribeEncodeError(const EncodeError& e) { return "our encoder refused: " + Describe(e); }

// Our decoder's answer for a pickle.
struct Decoded {
  bool ok = false;
  std::optional<Document> doc;
  std::string text;
  Error error;
};

void DecodeInto(std::string_view pickle, const std::vector<OobBuffer>* buffers, Decoded& out) {
  DecodeOptions options;
  if (buffers) options.buffers = *buffers;
  Result<Document> doc = Decode(pickle, options);
  out.ok = doc.ok();
  out.text.clear();
  out.doc.reset();
  if (doc.ok()) {
    AppendCanonical(doc->root(), out.text);
    out.doc = std::move(doc).value();
  } else {
    out.error = doc.error();
  }
}

std::string DescribeDecoded(const Decoded& d) {
  return d.ok ? "ours decoded `" + Shorten(d.text, 400) + "`" : "ours rejected it: " + Describe(d.error);
}

// Our encoder's result (the error is meaningful only when !ok).
struct Written {
  bool ok = false;
  Encoded encoded;
  EncodeError error;
};

// A write by us against a write by the oracle of the same value. `compare`:
// compare the bytes when both wrote (else the set order forbids it).
struct WriteVerdict {
  CheckOutcome outcome = CheckOutcome::kAgree;
  std::string why;
  uint64_t offset = 0;
};

bool SameException(std::string_view ours, std::string_view theirs) {
  return !ours.empty() && NormalizeExceptionName(ours) == NormalizeExceptionName(theirs);
}

WriteVerdict CompareWrites(const Written& ours, const OracleOutcome& theirs, bool compare,
                           const std::string& who) {
  WriteVerdict v;
  const bool we_wrote = ours.ok;
  switch (theirs.kind) {
    case OutcomeKind::kAccepted:
      if (!we_wrote) {
        v.outcome = CheckOutcome::kRejectMismatch;
        v.why = DescribeEncodeError(ours.error) + "; " + DescribeOutcome(who, theirs, true);
        return v;
      }
      if (!compare) {
        v.outcome = CheckOutcome::kSetOrderSkipped;
        v.why = "set order not reproducible here";
        return v;
      }
      if (ours.encoded.pickle != theirs.value) {
        v.outcome = CheckOutcome::kMismatch;
        v.offset = FirstDifference(ours.encoded.pickle, theirs.value);
        v.why = "bytes differ at offset " + std::to_string(v.offset) + ": ours " +
                HexWindow(ours.encoded.pickle, v.offset) + " vs " + who + " " +
                HexWindow(theirs.value, v.offset) + " (" + std::to_string(ours.encoded.pickle.size()) +
                " vs " + std::to_string(theirs.value.size()) + " bytes)";
        return v;
      }
      if (!SameBuffers(ours.encoded.buffers, theirs.buffers)) {
        v.outcome = CheckOutcome::kMismatch;
        v.offset = ours.encoded.pickle.size();
        v.why = "same pickle, different out-of-band buffers: ours " +
                DescribeBuffers(ours.encoded.buffers) + " vs " + who + " " + DescribeBuffers(theirs.buffers);
        return v;
      }
      v.outcome = CheckOutcome::kAgree;
      return v;
    case OutcomeKind::kRejected:
      if (we_wrote) {
        v.outcome = CheckOutcome::kRejectMismatch;
        v.why = "ours wrote " + std::to_string(ours.encoded.pickle.size()) + " bytes; " +
                DescribeOutcome(who, theirs, true);
      } else if (SameException(ours.error.exception, theirs.exception)) {
        v.outcome = CheckOutcome::kNotCarried;
        v.why = "both refuse: " + theirs.exception + ": " + Shorten(theirs.message);
      } else if (!compare) {
        // Which refusal comes first follows the set order, which differs.
        v.outcome = CheckOutcome::kNotCarried;
        v.why = "both refuse (first error depends on set order): ours " + ours.error.exception + ", " + who +
                " " + theirs.exception + ": " + Shorten(theirs.message);
      } else {
        v.outcome = CheckOutcome::kMismatch;
        v.why = "both refuse, differently: " + DescribeEncodeError(ours.error) + "; " +
                DescribeOutcome(who, theirs, true);
      }
      return v;
    case OutcomeKind::kResourceLimit:
      if (!we_wrote && ours.error.code == EncodeErrorCode::kRecursion &&
          theirs.exception == "RecursionError") {
        v.outcome = CheckOutcome::kNotCarried;
        v.why = "both refuse: RecursionError";
      } else {
        v.outcome = CheckOutcome::kInconclusive;
        v.why = DescribeOutcome(who, theirs, true);
      }
      return v;
    case OutcomeKind::kUnrepresentable:
      v.outcome = CheckOutcome::kUnrepresentable;
      v.why = DescribeOutcome(who, theirs, true);
      return v;
    case OutcomeKind::kTimeout:
      v.outcome = CheckOutcome::kInconclusive;
      v.why = DescribeOutcome(who, theirs, true);
      return v;
    case OutcomeKind::kOracleFailure:
      v.outcome = CheckOutcome::kOracleFailure;
      v.why = DescribeOutcome(who, theirs, true);
      return v;
  }
  return v;
}

// `text` with every "buffer(N, " written "buffer(?, ": the numbering of
// out-of-band buffers follows the order NEXT_BUFFER meets them, which
// follows set order where a buffer sits under a set.
std::string WithoutBufferIndices(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t at = text.find("buffer(", i);
    if (at == std::string_view::npos) break;
    out.append(text.substr(i, at + 7 - i));
    size_t j = at + 7;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j > at + 7 && j < text.size() && text[j] == ',') {
      out.push_back('?');
    } else {
      out.append(text.substr(at + 7, j - at - 7));
    }
    i = j;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

// Any kBuffer node reachable from `root`.
template <typename Fn>
void ForEachNode(const Value& root, Fn&& fn) {
  std::unordered_set<const void*> seen;
  std::vector<Value> stack{root};
  while (!stack.empty()) {
    Value v = stack.back();
    stack.pop_back();
    if (!v.is_node() || !seen.insert(v.node()).second) continue;
    fn(v);
    switch (v.kind()) {
      case Kind::kTuple:
        for (const Value& x : v.tuple()->span()) stack.push_back(x);
        break;
      case Kind::kList:
        for (const Value& x : v.list()->items) stack.push_back(x);
        break;
      case Kind::kDict:
        for (const DictEntry& e : v.dict()->entries) {
          stack.push_back(e.key);
          stack.push_back(e.value);
        }
        break;
      case Kind::kSet:
      case Kind::kFrozenSet:
        for (const SetEntry& e : v.set()->entries) stack.push_back(e.key);
        break;
      case Kind::kObject: {
        const ObjectNode* o = v.object();
        stack.push_back(o->callee);
        for (const Value& x : o->args) stack.push_back(x);
        for (const DictEntry& e : o->kwargs) {
          stack.push_back(e.key);
          stack.push_back(e.value);
        }
        for (const Op& op : o->ops) {
          stack.push_back(op.a);
          if (op.kind == OpKind::kSetItem) stack.push_back(op.b);
        }
        break;
      }
      case Kind::kReadOnlyView: stack.push_back(v.view()->target); break;
      default: break;
    }
  }
}

// Where an element's hash comes from.
SetHashes ElementHashesAt(const Value& v, int depth) {
  if (depth > 64) return SetHashes::kIdentity;  // give up: treat as unreproducible
  switch (v.kind()) {
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kBigInt:
    case Kind::kFloat: return SetHashes::kValue;
    case Kind::kComplex:  // a NaN part hashes by address, as a NaN float does
      return v.complex()->real != v.complex()->real || v.complex()->imag != v.complex()->imag ? SetHashes::kIdentity
                                                                                              : SetHashes::kValue;
    case Kind::kStr:
    case Kind::kBytes: return SetHashes::kSeeded;
    case Kind::kTuple: {
      SetHashes h = SetHashes::kValue;
      for (const Value& x : v.tuple()->span()) h = std::max(h, ElementHashesAt(x, depth + 1));
      return h;
    }
    case Kind::kFrozenSet: {
      SetHashes h = SetHashes::kValue;
      for (const SetEntry& e : v.set()->entries) h = std::max(h, ElementHashesAt(e.key, depth + 1));
      return h;
    }
    default: return SetHashes::kIdentity;  // None and NaN (3.11), objects, globals, buffers
  }
}

}  // namespace

std::string_view RoundtripCheckName(RoundtripCheck check) {
  switch (check) {
    case RoundtripCheck::kParse: return "parse";
    case RoundtripCheck::kEncodeDecode: return "encdec";
    case RoundtripCheck::kOracleLoad: return "load";
    case RoundtripCheck::kOracleDump: return "dump";
    case RoundtripCheck::kBytes: return "bytes";
    case RoundtripCheck::kTranscode: return "trans";
  }
  return "?";
}

std::string_view CheckOutcomeName(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kAgree: return "Agree";
    case CheckOutcome::kMismatch: return "Mismatch";
    case CheckOutcome::kRejectMismatch: return "RejectMismatch";
    case CheckOutcome::kNotCarried: return "NotCarried";
    case CheckOutcome::kUnrepresentable: return "Unrepresentable";
    case CheckOutcome::kSetOrderSkipped: return "SetOrderSkipped";
    case CheckOutcome::kCPythonLossy: return "CPythonLossy";
    case CheckOutcome::kNotRun: return "NotRun";
    case CheckOutcome::kInconclusive: return "Inconclusive";
    case CheckOutcome::kOracleFailure: return "OracleFailure";
  }
  return "?";
}

bool IsRoundtripFailure(CheckOutcome outcome) {
  return outcome == CheckOutcome::kMismatch || outcome == CheckOutcome::kRejectMismatch;
}

void ValueResult::Clear() {
  for (auto& row : counts) row.fill(0);
  findings.clear();
  text.clear();
}

std::string CheckId(const CheckResult& r) {
  std::string out(RoundtripCheckName(r.check));
  if (r.p >= 0) out += ".P" + std::to_string(r.p);
  if (r.q >= 0) out += ".P" + std::to_string(r.q);
  return out;
}

SetHashes ElementHashes(const Value& element) { return ElementHashesAt(element, 0); }

SetHashes ClassifySetHashes(const Value& root) {
  SetHashes worst = SetHashes::kNone;
  ForEachNode(root, [&](const Value& v) {
    if ((v.is(Kind::kSet) || v.is(Kind::kFrozenSet)) && v.set()->entries.size >= 2) {
      for (const SetEntry& e : v.set()->entries) worst = std::max(worst, ElementHashes(e.key));
    }
  });
  return worst;
}

RoundtripEngine::RoundtripEngine(Oracle& oracle, RoundtripOptions options)
    : oracle_(oracle), options_(std::move(options)) {}

void RoundtripEngine::Run(std::string_view text, ValueResult& out) {
  out.Clear();
  const std::string who = oracle_.name();
  auto add = [&](CheckResult r) {
    ++out.counts[static_cast<size_t>(r.check)][static_cast<size_t>(r.outcome)];
    if (r.outcome == CheckOutcome::kAgree) return;
    r.summary = CheckId(r) + ": " + std::string(CheckOutcomeName(r.outcome)) +
                (r.summary.empty() ? "" : ": " + r.summary);
    out.findings.push_back(std::move(r));
  };

  // parse: the text reads back and prints unchanged.
  CanonicalParseError perr;
  Result<Document> parsed = ParseCanonical(text, &perr);
  if (!parsed.ok()) {
    CheckResult r;
    r.outcome = CheckOutcome::kRejectMismatch;
    r.offset = perr.offset;
    r.summary = "the canonical text does not parse at offset " + std::to_string(perr.offset) + ": " + perr.message;
    r.detail = "text: " + std::string(text) + "\n";
    add(std::move(r));
    return;
  }
  const Document& doc = *parsed;
  out.text = ToCanonical(doc.root());
  {
    CheckResult r;
    if (out.text != text) {
      TextMismatch m;
      FindTextMismatch(out.text, text, m);
      r.outcome = CheckOutcome::kMismatch;
      r.offset = m.offset;
      r.summary = "prints back differently at byte " + std::to_string(m.offset) + ": `" + m.ours +
                  "` vs the input `" + m.theirs + "`";
      r.detail = "input:    " + std::string(text) + "\nreprinted: " + out.text + "\n";
    }
    add(std::move(r));
  }
  const std::string& T = out.text;
  const SetHashes hashes = ClassifySetHashes(doc.root());
  bool has_buffers = false;
  ForEachNode(doc.root(), [&](const Value& v) { has_buffers |= v.is(Kind::kBuffer); });
  const bool compare_bytes =
      hashes != SetHashes::kIdentity && (hashes != SetHashes::kSeeded || options_.seed0_oracle);
  const bool compare_transcode = hashes != SetHashes::kIdentity;
  // Where our set order may differ from CPython's, so may buffer numbers.
  auto same_text = [&](std::string_view a, std::string_view b) {
    if (a == b) return true;
    return has_buffers && !compare_bytes && WithoutBufferIndices(a) == WithoutBufferIndices(b);
  };

  struct PerProtocol {
    int p = 0;
    bool oob = false;
    Written ours;
    OracleOutcome dump;       // D(T, p)
    OracleOutcome reference;  // L(dump): CPython's round trip
    Decoded ours_of_dump;     // our decode of the dump
    bool lossy = false;       // reference accepted, != T
    bool unknown_reference = false;  // dumped, but the reference is no text (U, E, M...)
    const std::string* expected = nullptr;
  };
  std::vector<PerProtocol> ps(options_.protocols.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    PerProtocol& s = ps[i];
    s.p = options_.protocols[i];
    s.oob = has_buffers && s.p >= 5;
    EncodeOptions eo;
    eo.protocol = s.p;
    eo.out_of_band = s.oob;
    eo.set_order = SetOrder::kCPythonSeed0;
    eo.max_depth = options_.max_depth;
    eo.save_call_depth = options_.save_call_depth;
    s.ours.ok = EncodeTo(doc.root(), eo, s.ours.encoded, &s.ours.error).ok();
    DumpOptions dopt;
    dopt.protocol = s.p;
    dopt.out_of_band = s.oob;
    oracle_.Dump(T, dopt, s.dump);
    if (s.dump.kind == OutcomeKind::kAccepted) {
      DecodeOptions lo;
      if (s.oob) lo.buffers = s.dump.buffers;
      oracle_.Load(s.dump.value, lo, s.reference);
      DecodeInto(s.dump.value, s.oob ? &s.dump.buffers : nullptr, s.ours_of_dump);
      if (s.reference.kind == OutcomeKind::kAccepted && s.reference.value != T) s.lossy = true;
    }
    s.unknown_reference =
        s.dump.kind == OutcomeKind::kAccepted && s.reference.kind != OutcomeKind::kAccepted;
    s.expected = s.reference.kind == OutcomeKind::kAccepted && s.dump.kind == OutcomeKind::kAccepted
                     ? &s.reference.value
                     : &T;
  }

  OracleOutcome load;  // reused
  Decoded decoded;     // reused
  for (PerProtocol& s : ps) {
    const std::string lossy_note =
        s.lossy ? " (CPython's own round trip at this protocol gives `" + Shorten(*s.expected, 200) + "`)" : "";
    WriteVerdict write = CompareWrites(s.ours, s.dump, compare_bytes, who);

    // encdec.p and load.p need our bytes; when we wrote none, they say what
    // the write comparison says, except a reject mismatch (reported by bytes.p).
    auto without_bytes = [&](RoundtripCheck check) {
      CheckResult r;
      r.check = check;
      r.p = s.p;
      r.outcome = write.outcome == CheckOutcome::kRejectMismatch ? CheckOutcome::kNotRun : write.outcome;
      if (r.outcome == CheckOutcome::kMismatch) r.outcome = CheckOutcome::kNotRun;  // reported by bytes.p
      r.summary = write.why;
      add(std::move(r));
    };
    if (!s.ours.ok) {
      without_bytes(RoundtripCheck::kEncodeDecode);
      without_bytes(RoundtripCheck::kOracleLoad);
    } else {
      const std::vector<OobBuffer>* our_buffers = s.oob ? &s.ours.encoded.buffers : nullptr;
      // encdec.p
      {
        CheckResult r;
        r.check = RoundtripCheck::kEncodeDecode;
        r.p = s.p;
        DecodeInto(s.ours.encoded.pickle, our_buffers, decoded);
        if (!decoded.ok && IsInconclusive(decoded.error.kind)) {
          r.outcome = CheckOutcome::kInconclusive;
          r.summary = "our decoder: " + Describe(decoded.error);
        } else if (s.dump.kind == OutcomeKind::kUnrepresentable) {
          // No reference: the value may not survive this protocol at all.
          r.outcome = CheckOutcome::kUnrepresentable;
          r.summary = DescribeOutcome(who, s.dump, true);
        } else if (s.unknown_reference) {
          // CPython does not load its own pickle to a text: compare with that.
          const OracleOutcome& ref = s.reference;
          if (ref.kind == OutcomeKind::kRejected) {
            if (decoded.ok || !ExceptionMatchesKind(ref.exception, decoded.error.kind)) {
              r.outcome = decoded.ok ? CheckOutcome::kRejectMismatch : CheckOutcome::kMismatch;
              r.summary = DescribeDecoded(decoded) + "; " + DescribeOutcome(who, ref, false) + " on its own pickle";
            }
          } else {
            r.outcome = UndecidedOutcome(ref);
            r.summary = "reference: " + DescribeOutcome(who, ref, false);
          }
        } else if (!decoded.ok) {
          r.outcome = CheckOutcome::kRejectMismatch;
          r.summary = "our decoder rejects our pickle: " + Describe(decoded.error);
        } else if (!same_text(decoded.text, *s.expected)) {
          TextMismatch m;
          FindTextMismatch(decoded.text, *s.expected, m);
          r.outcome = CheckOutcome::kMismatch;
          r.offset = m.offset;
          r.summary = "decodes to another value at byte " + std::to_string(m.offset) + ": `" + m.ours +
                      "` vs `" + m.theirs + "`" + lossy_note;
        }
        r.detail = "value: " + T + "\n" + DescribeDecoded(decoded) + "\n";
        r.input = s.ours.encoded.pickle;
        r.ours_bytes = s.ours.encoded.pickle;
        add(std::move(r));
      }
      // load.p
      {
        CheckResult r;
        r.check = RoundtripCheck::kOracleLoad;
        r.p = s.p;
        const bool same_as_dump = s.dump.kind == OutcomeKind::kAccepted &&
                                  s.dump.value == s.ours.encoded.pickle &&
                                  SameBuffers(s.dump.buffers, s.ours.encoded.buffers);
        const OracleOutcome* l = &s.reference;
        if (!same_as_dump) {
          DecodeOptions lo;
          if (s.oob) lo.buffers = s.ours.encoded.buffers;
          oracle_.Load(s.ours.encoded.pickle, lo, load);
          l = &load;
        }
        if (s.dump.kind == OutcomeKind::kUnrepresentable) {
          r.outcome = CheckOutcome::kUnrepresentable;
          r.summary = DescribeOutcome(who, s.dump, true);
        } else if (s.unknown_reference && l->kind != OutcomeKind::kOracleFailure &&
            l->kind != OutcomeKind::kTimeout) {
          const OracleOutcome& ref = s.reference;
          if (ref.kind == OutcomeKind::kRejected) {
            if (l->kind != OutcomeKind::kRejected ||
                NormalizeExceptionName(l->exception) != NormalizeExceptionName(ref.exception)) {
              r.outcome = l->kind == OutcomeKind::kRejected ? CheckOutcome::kMismatch : CheckOutcome::kRejectMismatch;
              r.summary = DescribeOutcome(who, *l, false) + " on our pickle, but " + ref.exception +
                          " on its own";
            }
          } else {
            r.outcome = UndecidedOutcome(ref);
            r.summary = "reference: " + DescribeOutcome(who, ref, false);
          }
        } else switch (l->kind) {
          case OutcomeKind::kAccepted:
            if (!same_text(l->value, *s.expected)) {
              TextMismatch m;
              FindTextMismatch(l->value, *s.expected, m);
              r.outcome = CheckOutcome::kMismatch;
              r.offset = m.offset;
              r.summary = who + " loads our pickle as another value at byte " + std::to_string(m.offset) +
                          ": `" + m.ours + "` vs `" + m.theirs + "`" + lossy_note;
            }
            break;
          case OutcomeKind::kRejected:
            r.outcome = CheckOutcome::kRejectMismatch;
            r.summary = who + " cannot load our pickle: " + l->exception + ": " + Shorten(l->message);
            break;
          case OutcomeKind::kUnrepresentable:
            r.outcome = CheckOutcome::kUnrepresentable;
            r.summary = DescribeOutcome(who, *l, false);
            break;
          case OutcomeKind::kResourceLimit:
          case OutcomeKind::kTimeout:
            r.outcome = CheckOutcome::kInconclusive;
            r.summary = DescribeOutcome(who, *l, false);
            break;
          case OutcomeKind::kOracleFailure:
            r.outcome = CheckOutcome::kOracleFailure;
            r.summary = DescribeOutcome(who, *l, false);
            break;
        }
        r.detail = "value: " + T + "\n" + DescribeOutcome(who, *l, false) + "\n";
        r.input = s.ours.encoded.pickle;
        r.ours_bytes = s.ours.encoded.pickle;
        add(std::move(r));
      }
    }

    // dump.p: CPython's pickle through our decoder.
    {
      CheckResult r;
      r.check = RoundtripCheck::kOracleDump;
      r.p = s.p;
      if (s.dump.kind != OutcomeKind::kAccepted) {
        r.outcome = write.outcome == CheckOutcome::kRejectMismatch || write.outcome == CheckOutcome::kMismatch
                        ? CheckOutcome::kNotRun
                        : write.outcome;
        r.summary = write.why;
      } else {
        const Decoded& d = s.ours_of_dump;
        const OracleOutcome& ref = s.reference;
        if (!d.ok && IsInconclusive(d.error.kind)) {
          r.outcome = CheckOutcome::kInconclusive;
          r.summary = DescribeDecoded(d);
        } else if (ref.kind == OutcomeKind::kAccepted) {
          if (!d.ok) {
            r.outcome = CheckOutcome::kRejectMismatch;
            r.summary = DescribeDecoded(d) + "; " + DescribeOutcome(who, ref, false);
          } else if (d.text != ref.value) {
            TextMismatch m;
            FindTextMismatch(d.text, ref.value, m);
            r.outcome = CheckOutcome::kMismatch;
            r.offset = m.offset;
            r.summary = "ours decodes " + who + "'s pickle differently at byte " + std::to_string(m.offset) +
                        ": `" + m.ours + "` vs `" + m.theirs + "`";
          }
        } else if (ref.kind == OutcomeKind::kRejected) {
          // CPython cannot load its own pickle (e.g. a stub it cannot call).
          if (d.ok) {
            r.outcome = CheckOutcome::kRejectMismatch;
            r.summary = DescribeDecoded(d) + "; " + DescribeOutcome(who, ref, false);
          } else if (!ExceptionMatchesKind(ref.exception, d.error.kind)) {
            r.outcome = CheckOutcome::kMismatch;
            r.summary = DescribeDecoded(d) + "; " + DescribeOutcome(who, ref, false);
          }
        } else {
          r.outcome = ref.kind == OutcomeKind::kUnrepresentable  ? CheckOutcome::kUnrepresentable
                      : ref.kind == OutcomeKind::kOracleFailure ? CheckOutcome::kOracleFailure
                                                                : CheckOutcome::kInconclusive;
          r.summary = DescribeOutcome(who, ref, false);
        }
        r.detail = "value: " + T + "\n" + DescribeOutcome(who, s.dump, true) + "\n" + DescribeDecoded(d) +
                   "\nreference: " + DescribeOutcome(who, ref, false) + "\n";
        r.input = s.dump.value;
        r.theirs_bytes = s.dump.value;
      }
      add(std::move(r));
    }

    // bytes.p
    {
      CheckResult r;
      r.check = RoundtripCheck::kBytes;
      r.p = s.p;
      r.outcome = write.outcome;
      r.offset = write.offset;
      if (write.outcome == CheckOutcome::kSetOrderSkipped) {
        r.summary = hashes == SetHashes::kSeeded ? "sets of str/bytes, and the oracle's str hashes are randomized"
                                                 : "sets with identity-hashed elements";
      } else {
        r.summary = write.why;
      }
      r.detail = "value: " + T + "\n" +
                 (s.ours.ok ? "ours wrote " + std::to_string(s.ours.encoded.pickle.size()) + " bytes"
                            : DescribeEncodeError(s.ours.error)) +
                 "\n" + DescribeOutcome(who, s.dump, true) + "\n";
      r.input = s.dump.kind == OutcomeKind::kAccepted ? s.dump.value : s.ours.encoded.pickle;
      if (s.ours.ok) r.ours_bytes = s.ours.encoded.pickle;
      if (s.dump.kind == OutcomeKind::kAccepted) r.theirs_bytes = s.dump.value;
      add(std::move(r));
    }
  }

  // trans.p.q
  for (const PerProtocol& from : ps) {
    for (const PerProtocol& to : ps) {
      CheckResult r;
      r.check = RoundtripCheck::kTranscode;
      r.p = from.p;
      r.q = to.p;
      if (from.dump.kind != OutcomeKind::kAccepted || !from.ours_of_dump.ok) {
        r.outcome = CheckOutcome::kNotRun;
        add(std::move(r));
        continue;
      }
      if (from.unknown_reference) {
        r.outcome = from.reference.kind == OutcomeKind::kRejected ? CheckOutcome::kNotRun
                                                                  : UndecidedOutcome(from.reference);
        r.summary = "reference: " + DescribeOutcome(who, from.reference, false);
        add(std::move(r));
        continue;
      }
      if (from.lossy) {
        r.outcome = CheckOutcome::kCPythonLossy;
        r.summary = "CPython's round trip at P" + std::to_string(from.p) + " gives `" +
                    Shorten(from.reference.value, 120) + "`";
        add(std::move(r));
        continue;
      }
      Written x;
      EncodeOptions eo;
      eo.protocol = to.p;
      eo.out_of_band = to.oob;
      eo.set_order = SetOrder::kInsertion;
      eo.max_depth = options_.max_depth;
      eo.save_call_depth = options_.save_call_depth;
      x.ok = EncodeTo(from.ours_of_dump.doc->root(), eo, x.encoded, &x.error).ok();
      WriteVerdict w = CompareWrites(x, to.dump, compare_transcode, who);
      r.outcome = w.outcome;
      r.offset = w.offset;
      r.summary = w.outcome == CheckOutcome::kSetOrderSkipped ? "sets with identity-hashed elements" : w.why;
      if (IsRoundtripFailure(w.outcome)) {
        r.detail = "value: " + T + "\nfrom " + DescribeOutcome(who, from.dump, true) + "\n" +
                   DescribeDecoded(from.ours_of_dump) + "\n" +
                   (x.ok ? "ours re-wrote " + std::to_string(x.encoded.pickle.size()) + " bytes at P" +
                               std::to_string(to.p)
                         : DescribeEncodeError(x.error)) +
                   "\nto " + DescribeOutcome(who, to.dump, true) + "\n";
        r.input = from.dump.value;
        if (x.ok) r.ours_bytes = x.encoded.pickle;
        if (to.dump.kind == OutcomeKind::kAccepted) r.theirs_bytes = to.dump.value;
      }
      add(std::move(r));
    }
  }
}

}  // namespace picklecheck

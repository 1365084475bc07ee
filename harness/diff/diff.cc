#include "harness/diff/diff.h"

#include <algorithm>

#include "harness/diff/cpython_errors.h"
#include "harness/pickle/canonical.h"

namespace picklecheck {
namespace {

// Bytes of context kept before and after the first difference.
constexpr size_t kContextBefore = 24;
constexpr size_t kContextAfter = 40;
// Longest canonical text quoted whole in a summary.
constexpr size_t kQuoteLimit = 80;

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// [start, end) of `text`, with start moved forward and end moved back to
// character boundaries.
std::string Window(std::string_view text, size_t start, size_t end) {
  end = std::min(end, text.size());
  start = std::min(start, end);
  while (start < end && IsUtf8Continuation(text[start])) ++start;
  while (end > start && end < text.size() && IsUtf8Continuation(text[end])) --end;
  std::string out;
  if (start > 0) out += "...";
  out.append(text.substr(start, end - start));
  if (end < text.size()) out += "...";
  return out;
}

std::string Quote(std::string_view text) { return "`" + Window(text, 0, kQuoteLimit) + "`"; }

std::string DescribeOurs(const DecoderOutcome& ours) {
  if (ours.accepted) return "ours accepted " + Quote(ours.canonical);
  std::string out = "ours raised ";
  out += ErrorKindName(ours.error.kind);
  out += " at offset " + std::to_string(ours.error.offset);
  std::string_view py = PythonException(ours.error.kind);
  if (!py.empty()) {
    out += " (";
    out += py;
    out += ")";
  }
  return out;
}

std::string DescribeOracleOutcome(const std::string& name, const OracleOutcome& o) {
  std::string out = name + " ";
  switch (o.kind) {
    case OutcomeKind::kAccepted: return out + "accepted " + Quote(o.value);
    case OutcomeKind::kRejected:
      return out + "raised " + o.exception + ": " + Window(o.message, 0, kQuoteLimit);
    case OutcomeKind::kResourceLimit:
      return out + "hit a resource limit: " + o.exception + ": " +
             Window(o.message, 0, kQuoteLimit);
    case OutcomeKind::kUnrepresentable:
      return out + "has no canonical text: " + Window(o.message, 0, kQuoteLimit);
    case OutcomeKind::kTimeout: return out + "timed out: " + o.error.message;
    case OutcomeKind::kOracleFailure:
      return out + "failed: " + std::string(OracleErrorKindName(o.error.kind)) + ": " +
             o.error.message;
  }
  return out;
}

bool Answered(OutcomeKind k) { return k == OutcomeKind::kAccepted || k == OutcomeKind::kRejected; }

}  // namespace

std::string_view VerdictKindName(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kAgree: return "Agree";
    case VerdictKind::kValueMismatch: return "ValueMismatch";
    case VerdictKind::kAcceptRejectMismatch: return "AcceptRejectMismatch";
    case VerdictKind::kExceptionTypeMismatch: return "ExceptionTypeMismatch";
    case VerdictKind::kInconclusive: return "Inconclusive";
    case VerdictKind::kOracleFailure: return "OracleFailure";
    case VerdictKind::kCPythonDisagreement: return "CPythonDisagreement";
  }
  return "?";
}

bool IsDivergence(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kValueMismatch:
    case VerdictKind::kAcceptRejectMismatch:
    case VerdictKind::kExceptionTypeMismatch:
    case VerdictKind::kCPythonDisagreement: return true;
    case VerdictKind::kAgree:
    case VerdictKind::kInconclusive:
    case VerdictKind::kOracleFailure: return false;
  }
  return false;
}

void FindTextMismatch(std::string_view ours, std::string_view theirs, TextMismatch& out) {
  const size_t common = std::min(ours.size(), theirs.size());
  size_t at = static_cast<size_t>(std::mismatch(ours.begin(),
                                                ours.begin() + static_cast<std::ptrdiff_t>(common),
                                                theirs.begin())
                                      .first -
                                  ours.begin());
  out.offset = at;
  // The texts agree before `at`, so one start serves both windows.
  const size_t start = at > kContextBefore ? at - kContextBefore : 0;
  out.ours = Window(ours, start, at + kContextAfter);
  out.theirs = Window(theirs, start, at + kContextAfter);
}

void CompareWithOracle(const DecoderOutcome& ours, OracleRun& run) {
  const OracleOutcome& o = run.outcome;
  switch (o.kind) {
    case OutcomeKind::kOracleFailure: run.kind = VerdictKind::kOracleFailure; return;
    case OutcomeKind::kTimeout:
    case OutcomeKind::kResourceLimit:
    case OutcomeKind::kUnrepresentable: run.kind = VerdictKind::kInconclusive; return;
    case OutcomeKind::kAccepted:
    case OutcomeKind::kRejected: break;
  }
  if (!ours.accepted && IsInconclusive(ours.error.kind)) {
    run.kind = VerdictKind::kInconclusive;
    return;
  }
  const bool oracle_accepted = o.kind == OutcomeKind::kAccepted;
  if (ours.accepted && oracle_accepted) {
    if (ours.canonical == o.value) {
      run.kind = VerdictKind::kAgree;
    } else {
      run.kind = VerdictKind::kValueMismatch;
      FindTextMismatch(ours.canonical, o.value, run.mismatch);
    }
    return;
  }
  if (ours.accepted != oracle_accepted) {
    run.kind = VerdictKind::kAcceptRejectMismatch;
    return;
  }
  run.kind = ExceptionMatchesKind(o.exception, ours.error.kind)
                 ? VerdictKind::kAgree
                 : VerdictKind::kExceptionTypeMismatch;
}

void CompareCPythons(const OracleOutcome& c, const OracleOutcome& python, CPythonComparison& out) {
  out.disagree = false;
  out.kind = VerdictKind::kAgree;
  if (!Answered(c.kind) || !Answered(python.kind)) return;
  if (c.kind != python.kind) {
    out.kind = VerdictKind::kAcceptRejectMismatch;
  } else if (c.kind == OutcomeKind::kAccepted) {
    if (c.value == python.value) return;
    out.kind = VerdictKind::kValueMismatch;
    FindTextMismatch(c.value, python.value, out.mismatch);
  } else {
    if (NormalizeExceptionName(c.exception) == NormalizeExceptionName(python.exception)) return;
    out.kind = VerdictKind::kExceptionTypeMismatch;
  }
  out.disagree = true;
}

void Diff(std::string_view pickle, const DecodeOptions& options, std::span<Oracle* const> oracles,
          Verdict& out, const Limits& limits, bool skip_when_ours_inconclusive) {
  {
    Result<Document> doc = Decode(pickle, options, limits);
    out.ours.accepted = doc.ok();
    out.ours.canonical.clear();
    if (doc.ok()) {
      AppendCanonical(doc->root(), out.ours.canonical);
      out.ours.error = Error{};
    } else {
      out.ours.error = doc.error();
    }
  }

  out.judge = -1;
  out.cpython = CPythonComparison{};
  if (skip_when_ours_inconclusive && !out.ours.accepted && IsInconclusive(out.ours.error.kind)) {
    out.runs.clear();
    out.kind = VerdictKind::kInconclusive;
    return;
  }
  out.runs.resize(oracles.size());
  int python = -1;
  for (size_t k = 0; k < oracles.size(); ++k) {
    OracleRun& run = out.runs[k];
    Oracle* oracle = oracles[k];
    run.name = oracle->name();
    run.impl = oracle->impl();
    oracle->Load(pickle, options, run.outcome);
    CompareWithOracle(out.ours, run);
    if (run.impl == OracleImpl::kC && out.cpython.c_run < 0)
      out.cpython.c_run = static_cast<int>(k);
    if (run.impl == OracleImpl::kPython && python < 0) python = static_cast<int>(k);
  }
  out.cpython.python_run = python;
  if (out.runs.empty()) {
    out.kind = VerdictKind::kOracleFailure;
    return;
  }
  out.judge = out.cpython.c_run >= 0 ? out.cpython.c_run : 0;
  out.kind = out.runs[static_cast<size_t>(out.judge)].kind;
  if (out.cpython.c_run >= 0 && python >= 0) {
    CompareCPythons(out.runs[static_cast<size_t>(out.cpython.c_run)].outcome,
                    out.runs[static_cast<size_t>(python)].outcome, out.cpython);
    if (out.cpython.disagree && out.kind == VerdictKind::kAgree)
      out.kind = VerdictKind::kCPythonDisagreement;
  }
}

Verdict Diff(std::string_view pickle, const DecodeOptions& options,
             std::span<Oracle* const> oracles, const Limits& limits) {
  Verdict v;
  Diff(pickle, options, oracles, v, limits);
  return v;
}

std::string Verdict::Summary() const {
  std::string out(VerdictKindName(kind));
  const OracleRun* j = judge_run();
  if (j == nullptr) return out + ": no oracle ran";
  switch (kind) {
    case VerdictKind::kAgree: out += " (" + DescribeOracleOutcome(j->name, j->outcome) + ")"; break;
    case VerdictKind::kValueMismatch:
      out += " at byte " + std::to_string(j->mismatch.offset) + ": ours `" + j->mismatch.ours +
             "` vs " + j->name + " `" + j->mismatch.theirs + "`";
      break;
    case VerdictKind::kAcceptRejectMismatch:
    case VerdictKind::kExceptionTypeMismatch:
      out += ": " + DescribeOurs(ours) + ", " + DescribeOracleOutcome(j->name, j->outcome);
      break;
    case VerdictKind::kInconclusive:
      if (j->kind == VerdictKind::kInconclusive && j->outcome.kind != OutcomeKind::kAccepted &&
          j->outcome.kind != OutcomeKind::kRejected) {
        out += ": " + DescribeOracleOutcome(j->name, j->outcome);
      } else {
        out += ": " + DescribeOurs(ours);
      }
      break;
    case VerdictKind::kOracleFailure:
      out += ": " + DescribeOracleOutcome(j->name, j->outcome);
      break;
    case VerdictKind::kCPythonDisagreement: break;
  }
  if (cpython.disagree) {
    const OracleRun& c = runs[static_cast<size_t>(cpython.c_run)];
    const OracleRun& py = runs[static_cast<size_t>(cpython.python_run)];
    out += kind == VerdictKind::kCPythonDisagreement ? " (" : "; C and Python disagree (";
    out += VerdictKindName(cpython.kind);
    out += "): ";
    if (cpython.kind == VerdictKind::kValueMismatch) {
      out += "at byte " + std::to_string(cpython.mismatch.offset) + ": " + c.name + " `" +
             cpython.mismatch.ours + "` vs " + py.name + " `" + cpython.mismatch.theirs + "`";
    } else {
      out += DescribeOracleOutcome(c.name, c.outcome) + ", " +
             DescribeOracleOutcome(py.name, py.outcome);
    }
  }
  return out;
}

std::string Verdict::Report() const {
  std::string out = "verdict: " + Summary() + "\n";
  if (ours.accepted) {
    out += "ours: accepted `" + ours.canonical + "`\n";
  } else {
    out += "ours: rejected: " + Describe(ours.error) + "\n";
  }
  for (size_t k = 0; k < runs.size(); ++k) {
    const OracleRun& r = runs[k];
    out += r.name;
    if (static_cast<int>(k) == judge) out += " (judge)";
    out += ": ";
    out += OutcomeKindName(r.outcome.kind);
    switch (r.outcome.kind) {
      case OutcomeKind::kAccepted: out += " `" + r.outcome.value + "`"; break;
      case OutcomeKind::kRejected:
      case OutcomeKind::kResourceLimit:
        out += " " + r.outcome.exception + ": " + r.outcome.message;
        break;
      case OutcomeKind::kUnrepresentable: out += " " + r.outcome.message; break;
      case OutcomeKind::kTimeout:
      case OutcomeKind::kOracleFailure:
        out += " " + std::string(OracleErrorKindName(r.outcome.error.kind)) + ": " +
               r.outcome.error.message;
        if (!r.outcome.error.stderr_tail.empty())
          out += "\n  stderr: " + r.outcome.error.stderr_tail;
        break;
    }
    if (r.outcome.attempts > 1)
      out += " [after " + std::to_string(r.outcome.attempts) + " attempts]";
    out += " -> ";
    out += VerdictKindName(r.kind);
    out += "\n";
  }
  return out;
}

void VerdictTally::Add(const Verdict& verdict) {
  ++by_kind[static_cast<size_t>(verdict.kind)];
  if (verdict.cpython.disagree) ++cpython_disagreements;
  ++total;
}

std::string VerdictTally::ToString() const {
  std::string out = std::to_string(total) + " checks:";
  bool first = true;
  for (int k = 0; k < kNumVerdictKinds; ++k) {
    if (by_kind[static_cast<size_t>(k)] == 0) continue;
    out += first ? " " : ", ";
    first = false;
    out += std::to_string(by_kind[static_cast<size_t>(k)]) + " ";
    out += VerdictKindName(static_cast<VerdictKind>(k));
  }
  out += "; " + std::to_string(cpython_disagreements) + " C/Python disagreements";
  return out;
}

}  // namespace picklecheck

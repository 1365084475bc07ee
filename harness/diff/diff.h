// The differential engine: the reference decoder against CPython.
//
// Diff() decodes one pickle with picklecheck::Decode and loads it in every
// oracle given, then compares. Each oracle's answer gets its own VerdictKind
// (OracleRun::kind); the headline Verdict::kind is the judge's: the first
// OracleImpl::kC oracle (CPython's C unpickler), else the first oracle. When
// a C and a pure-Python oracle both ran and disagree with each other, that
// is recorded in Verdict::cpython, and becomes the headline when our decoder
// agrees with the judge.
//
//   picklecheck::OraclePool::Lease c = c_pool->Acquire();
//   picklecheck::OraclePool::Lease py = py_pool->Acquire();
//   picklecheck::Oracle* oracles[] = {c.get(), py.get()};
//   picklecheck::Verdict v;                                  // reuse across calls
//   picklecheck::Diff(bytes, picklecheck::DecodeOptions{}, oracles, v);
//   if (v.kind != picklecheck::VerdictKind::kAgree) std::cerr << v.Report();
//   // verdict: ValueMismatch at byte 4: ours `[1, 2]` vs cpython-c `[1, 3]`
//   // ours: accepted `[1, 2]`
//   // cpython-c (judge): Accepted `[1, 3]`
//
// Comparison rules, in order:
//   1. the oracle failed (crash, garbage, 'X', no start; after its retry) -> kOracleFailure
//   2. the oracle timed out, hit a resource limit ('M', 'R'), or answered 'U' -> kInconclusive
//   3. our decoder said kUnsupportedForm or kLimitExceeded -> kInconclusive
//   4. both accepted: canonical texts equal -> kAgree, else kValueMismatch
//   5. one accepted, one rejected -> kAcceptRejectMismatch
//   6. both rejected: the oracle's exception is the type CPython raises for
//      our ErrorKind (cpython_errors.h) -> kAgree, else kExceptionTypeMismatch
// C versus pure-Python CPython uses 4-6 with exception names compared directly.
#ifndef PICKLECHECK_HARNESS_DIFF_DIFF_H_
#define PICKLECHECK_HARNESS_DIFF_DIFF_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/oracle/oracle.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/error.h"
#include "harness/pickle/limits.h"

namespace picklecheck {

enum class VerdictKind : uint8_t {
  kAgree,                  ///< same canonical text, or both rejected with the same exception type
  kValueMismatch,          ///< both accepted, texts differ (see TextMismatch)
  kAcceptRejectMismatch,   ///< one side accepted, the other rejected
  kExceptionTypeMismatch,  ///< both rejected, with different exception types
  /// A side could not decide: our kUnsupportedForm/kLimitExceeded, or the
  /// oracle's resource limit, timeout or 'U'.
  kInconclusive,
  kOracleFailure,  ///< the judge gave no answer (after its retry), or there was no oracle
  /// Headline only: we agree with the C oracle; the pure-Python one differs from it.
  kCPythonDisagreement,
};
inline constexpr int kNumVerdictKinds = 7;

// "Agree", "ValueMismatch", ...
std::string_view VerdictKindName(VerdictKind kind);

// A divergence that a conformance run fails on (everything but kAgree,
// kInconclusive and kOracleFailure).
bool IsDivergence(VerdictKind kind);

// Where two canonical texts first differ. The windows start at the same
// byte of both texts (a few bytes before `offset`, moved to a UTF-8
// character boundary) and are marked with "..." where they cut the text.
struct TextMismatch {
  size_t offset = 0;   // first differing byte (the shorter length if one is a prefix)
  std::string ours;    // our text's window; for C-vs-Python: the C oracle's
  std::string theirs;  // the oracle's window; for C-vs-Python: the Python oracle's
};

// What our decoder made of the input.
struct DecoderOutcome {
  bool accepted = false;
  std::string canonical;  // accepted: ToCanonical of the value
  Error error;            // rejected
};

// One oracle's answer and how it compares with our decoder.
struct OracleRun {
  std::string name;
  OracleImpl impl = OracleImpl::kOther;
  OracleOutcome outcome;
  VerdictKind kind = VerdictKind::kOracleFailure;  // never kCPythonDisagreement
  TextMismatch mismatch;                           // kind == kValueMismatch
};

// The C and the pure-Python oracles against each other.
struct CPythonComparison {
  bool disagree = false;
  // When they disagree: kValueMismatch, kAcceptRejectMismatch or kExceptionTypeMismatch.
  VerdictKind kind = VerdictKind::kAgree;
  int c_run = -1;  // indices into Verdict::runs; -1 if that oracle did not run
  int python_run = -1;
  TextMismatch mismatch;  // kind == kValueMismatch (ours = C, theirs = Python)
};

struct Verdict {
  VerdictKind kind = VerdictKind::kOracleFailure;  // the headline (see file comment)
  DecoderOutcome ours;
  std::vector<OracleRun> runs;  // one per oracle, in the order given
  int judge = -1;               // index into runs; -1 when there were no oracles
  CPythonComparison cpython;

  // The judge's run, or nullptr.
  const OracleRun* judge_run() const {
    return judge >= 0 ? &runs[static_cast<size_t>(judge)] : nullptr;
  }
  // One line, starting with VerdictKindName(kind) (expected-divergence
  // entries match a prefix of it):
  //   "ValueMismatch at byte 4: ours `[1, 2]` vs cpython-c `[1, 3]`"
  //   "AcceptRejectMismatch: ours raised Truncated at offset 0 (UnpicklingError),
  //    cpython-c accepted `None`"
  std::string Summary() const;
  // Every participant's result, one line each after the summary (what a
  // differential fuzz target prints before aborting).
  std::string Report() const;
};

// Runs the decoder and every oracle on `pickle` and fills `out` (reusing its
// strings and runs). Oracles are called in order, synchronously; none is
// owned. Never throws. With `skip_when_ours_inconclusive`, a decoder result
// of kUnsupportedForm/kLimitExceeded ends there: kInconclusive, no runs (the
// verdict could be nothing else, and CPython may spend seconds building what
// exceeded our budget); the C/Python comparison is lost, so only callers that
// want the verdict alone (the differential fuzzer) set it.
void Diff(std::string_view pickle, const DecodeOptions& options, std::span<Oracle* const> oracles,
          Verdict& out, const Limits& limits = {}, bool skip_when_ours_inconclusive = false);
Verdict Diff(std::string_view pickle, const DecodeOptions& options,
             std::span<Oracle* const> oracles, const Limits& limits = {});
inline Verdict Diff(std::string_view pickle, const DecodeOptions& options,
                    std::initializer_list<Oracle*> oracles, const Limits& limits = {}) {
  return Diff(pickle, options, std::span<Oracle* const>(oracles.begin(), oracles.size()), limits);
}

// The comparison rules on already-computed results (Diff uses them; so can
// tools that cache oracle answers). CompareWithOracle fills run.kind and
// run.mismatch from `ours` and run.outcome.
void CompareWithOracle(const DecoderOutcome& ours, OracleRun& run);
// Fills `out` from two oracle answers (rules 4-6, exception names compared
// after NormalizeExceptionName). Answers other than accepted/rejected never
// disagree.
void CompareCPythons(const OracleOutcome& c, const OracleOutcome& python, CPythonComparison& out);
// Fills `out` for texts that differ.
void FindTextMismatch(std::string_view ours, std::string_view theirs, TextMismatch& out);

// Counts of verdicts, for run summaries. C-vs-Python disagreements are
// counted on their own as well, whatever the headline.
struct VerdictTally {
  std::array<uint64_t, kNumVerdictKinds> by_kind{};
  uint64_t cpython_disagreements = 0;
  uint64_t total = 0;

  void Add(const Verdict& verdict);
  uint64_t count(VerdictKind kind) const { return by_kind[static_cast<size_t>(kind)]; }
  // "12 checks: 10 Agree, 1 ValueMismatch, 1 Inconclusive; 0 C/Python disagreements"
  std::string ToString() const;
};

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_DIFF_DIFF_H_

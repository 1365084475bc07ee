// The round-trip engine: the encoder and decoder against CPython's pickler
// and unpickler, value by value, protocol by protocol.
//
// For one value, given as canonical text T (canonical.md), and one oracle,
// RoundtripEngine::Run performs, for every protocol p (and pair p, q):
//
//   parse       ToCanonical(ParseCanonical(T)) == T          (local, once)
//   encdec.p    our Encode(V, p) -> our Decode   == R_p
//   load.p      our Encode(V, p) -> oracle 'L'   == R_p
//   dump.p      oracle 'D'(T, p) -> our Decode   == R_p
//   bytes.p     our Encode(V, p)                 == oracle 'D'(T, p), byte for byte
//   trans.p.q   our Decode(D(T, p)) -> our Encode(q) == oracle 'D'(T, q)
//
// V is ParseCanonical(T): the object graph the oracle builds from the same
// text. R_p is CPython's own round trip, oracle 'L' of 'D'(T, p); it is T
// unless CPython itself changes the value at p (e.g. fix_imports names, or
// new() with keyword arguments below protocol 4, which CPython writes as a
// functools.partial call): then R_p is the reference and transcoding from p
// is not compared (the value that comes back is another value).
//
//   picklecheck::RoundtripEngine engine(*oracle, picklecheck::RoundtripOptions{});
//   picklecheck::ValueResult result;
//   engine.Run("[1, {\"a\"}]", result);
//   for (const picklecheck::CheckResult& f : result.findings)
//     if (picklecheck::IsRoundtripFailure(f.outcome)) std::cout << f.summary << "\n";
//
// Outcomes other than agreement (CheckOutcome) keep apart what is a codec
// bug (kMismatch, kRejectMismatch) from what is not a verdict: both sides
// refuse the value at that protocol with the same exception (kNotCarried:
// a PickleBuffer below protocol 5, a memoryview, RecursionError), the oracle
// cannot write it with its stubs (kUnrepresentable, 'U'), the set order is
// not reproducible (kSetOrderSkipped), or a side could not decide.
//
// Set order. CPython writes a set in iteration order, which depends on the
// hashes of its elements. The bytes check encodes with
// SetOrder::kCPythonSeed0, so it compares sets of ints, floats and the like
// always, sets with str or bytes elements only when the oracle hashes like
// PYTHONHASHSEED=0 on CPython 3.11 (RoundtripOptions::seed0_oracle), and
// never sets with identity-hashed elements (None, objects, globals), whose
// order follows addresses. Transcoding keeps the order of the oracle's
// pickle (SetOrder::kInsertion); both 'D' requests of a value go to the same
// process, so only identity-hashed elements make it unreproducible.
#ifndef PICKLECHECK_HARNESS_ROUNDTRIP_ROUNDTRIP_H_
#define PICKLECHECK_HARNESS_ROUNDTRIP_ROUNDTRIP_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/oracle/oracle.h"
#include "harness/pickle/encoder.h"
#include "harness/pickle/value.h"

namespace picklecheck {

enum class RoundtripCheck : uint8_t {
  kParse,         ///< the canonical text reads back and prints unchanged
  kEncodeDecode,  ///< our encoder -> our decoder
  kOracleLoad,    ///< our encoder -> CPython's unpickler
  kOracleDump,    ///< CPython's pickler -> our decoder
  kBytes,         ///< our bytes == CPython's bytes
  kTranscode,     ///< CPython's p-pickle -> our decoder -> our encoder at q == CPython's q-pickle
};
inline constexpr int kNumRoundtripChecks = 6;
// "parse", "encdec", "load", "dump", "bytes", "trans"
std::string_view RoundtripCheckName(RoundtripCheck check);

enum class CheckOutcome : uint8_t {
  kAgree,
  kMismatch,          ///< both produced a result, and the results differ
  kRejectMismatch,    ///< one side produced a result, the other raised or failed to decode
  kNotCarried,        ///< both refuse the value at this protocol, with the same exception
  kUnrepresentable,   ///< the oracle answered 'U' (no stub design for the value)
  kSetOrderSkipped,   ///< bytes not compared: set order not reproducible here
  kCPythonLossy,      ///< transcoding not compared: CPython's own round trip at p changes the value
  kNotRun,            ///< an earlier step of this check failed (reported there)
  kInconclusive,      ///< a timeout, resource limit, or our UnsupportedForm/LimitExceeded
  kOracleFailure,     ///< the oracle gave no answer
};
inline constexpr int kNumCheckOutcomes = 10;
// "Agree", "Mismatch", ...
std::string_view CheckOutcomeName(CheckOutcome outcome);
// kMismatch and kRejectMismatch: codec bugs (or expected divergences).
bool IsRoundtripFailure(CheckOutcome outcome);

struct RoundtripOptions {
  std::vector<int> protocols{0, 1, 2, 3, 4, 5};
  // The oracle hashes str and bytes as CPython 3.11 does with
  // PYTHONHASHSEED=0 (its 'H' says "hash_randomization": 0 and the version
  // is 3.11): sets of them are compared byte for byte.
  bool seed0_oracle = false;
  // Set to the oracle's dump settings (pickle_oracle.py pickles from inside
  // its request loop, with a persistent_id method): EncodeOptions fields.
  uint32_t max_depth = 997;
  uint32_t save_call_depth = 1;
};

// One check that did not simply agree.
struct CheckResult {
  RoundtripCheck check = RoundtripCheck::kParse;
  int p = -1;  // protocol (-1 for parse)
  int q = -1;  // transcode target
  CheckOutcome outcome = CheckOutcome::kAgree;
  std::string summary;  // one line: "bytes.P2: bytes differ at offset 12: ..."
  std::string detail;   // multi-line: every participant's result
  // The evidence, for reports and repro files.
  std::string input;        // the pickle that shows it (CPython's when there is one)
  std::string ours_bytes;   // our pickle (bytes/transcode/encdec/load checks)
  std::string theirs_bytes; // CPython's pickle
  uint64_t offset = 0;      // first differing byte of the bytes or text compared
};

// The counts of one value, and its findings: every check that did not agree
// (so a check id without a finding agreed); only failures carry the
// evidence fields, the others a summary.
struct ValueResult {
  std::array<std::array<uint32_t, kNumCheckOutcomes>, kNumRoundtripChecks> counts{};
  std::vector<CheckResult> findings;
  std::string text;  // T as printed again (ToCanonical(ParseCanonical(T)))
  void Clear();
};

// "bytes.P2", "trans.P2.P4", "parse": the check's part of a case id.
std::string CheckId(const CheckResult& r);

// Runs the checks of one value against one oracle. Reuses its buffers across
// values; not thread-safe (one engine per worker and oracle).
class RoundtripEngine {
 public:
  RoundtripEngine(Oracle& oracle, RoundtripOptions options);
  // `text` is the value; `out` is cleared and filled.
  void Run(std::string_view text, ValueResult& out);

 private:
  Oracle& oracle_;
  RoundtripOptions options_;
};

// Where the hashes of a graph's set elements come from (the worst set wins).
enum class SetHashes : uint8_t {
  kNone,       ///< no set or frozenset with two or more elements
  kValue,      ///< only ints, floats, complex, bools, and tuples/frozensets of them
  kSeeded,     ///< also str or bytes: PYTHONHASHSEED decides
  kIdentity,   ///< also None, NaN, objects, globals...: addresses decide
};
// One set element (a tuple or frozenset: its worst element).
SetHashes ElementHashes(const Value& element);
// A whole graph: the worst element of any set or frozenset with two or more.
SetHashes ClassifySetHashes(const Value& root);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_ROUNDTRIP_ROUNDTRIP_H_

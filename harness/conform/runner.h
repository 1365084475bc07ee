// The conformance runner: every vector through every testee, each answer
// judged against CPython's and classified against the testee's
// expected-failure list.
//
//   picklecheck::conform::RunConfig config;
//   config.level = picklecheck::conform::Level::kTranscode;
//   picklecheck::conform::RunResult result;
//   picklecheck::conform::Run(vectors, {spec1, spec2}, config, result);
//   picklecheck::conform::PrintSummary(result, std::cout);   // report.h
//
// Judging one answer (Evaluate):
//   y_ (accept)  verdict: accepted passes. transcode: the value must equal the
//                expected canonical text: the testee's 'V' text as is, or its
//                re-encoded pickle ('B') loaded by CPython's C unpickler under
//                the safe policy (the oracle's 'L' request) and printed.
//   n_ (reject)  rejected passes, whatever the exception.
//   i_ (either)  Advisory: never fails; reports which CPython answers the
//                testee's matches (by accept/reject, and by value at transcode).
//   A crash, a timeout or a malformed response fails a Required vector.
//   'S' (skipped) counts as skipped, as does a transcode answer CPython could
//   not judge (its own resource limit or failure).
#ifndef PICKLECHECK_HARNESS_CONFORM_RUNNER_H_
#define PICKLECHECK_HARNESS_CONFORM_RUNNER_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/conform/expected_failures.h"
#include "harness/conform/testee.h"
#include "harness/conform/vectors.h"
#include "harness/oracle/oracle.h"

namespace picklecheck::conform {

// How one vector fared with one testee, before the expected-failure list.
enum class CellStatus : uint8_t { kPass, kFail, kSkip, kAdvisory };

// After the list.
enum class Outcome : uint8_t {
  kSuccess,            ///< passed, not listed
  kExpectedFailure,    ///< failed, listed
  kUnexpectedFailure,  ///< failed, not listed
  kStale,              ///< passed (or Advisory) but listed: the entry must go
  kSkipped,            ///< the testee skipped it, or CPython could not judge its answer
  kAdvisory,           ///< an i_ vector: reported, never a failure
};
std::string_view OutcomeName(Outcome o);

struct Cell {
  CellStatus status = CellStatus::kSkip;
  Outcome outcome = Outcome::kSkipped;
  ReplyKind reply = ReplyKind::kSkipped;
  std::string failure;  // kFail: AcceptedInvalid, RejectedValid, ValueMismatch, NoValue, Unloadable, Crash,
                        // Timeout, ProtocolError
  std::string got;      // one line: what the testee answered
  std::string value;    // the testee's value as canonical text, when there is one
  std::string matched;  // kAdvisory: the CPython answers it matches ("3.11-c 3.12-c ..."), or "none"
  bool matches_judge = false;  // kAdvisory: matches CPython 3.11's C unpickler
  double millis = 0;
};

struct RunConfig {
  Level level = Level::kVerdict;
  Mode mode = Mode::kStream;
  TesteeOptions testee;      // timeouts, stderr log directory is set per testee
  std::string stderr_dir;    // non-empty: each testee's stderr goes to DIR/<name>.stderr
  std::string expected_dir;  // where <name>.txt lists live
  bool filtered = false;     // a subset of the vectors runs (unknown list ids are then not stale)
  int jobs = 2;              // testees run concurrently
  OracleOptions judge;       // the CPython oracle that loads transcoded pickles
  std::string judge_name = "cpython-c";
  bool verbose = false;  // progress on stderr
};

struct TesteeRun {
  TesteeSpec spec;
  TesteeInfo info;
  Level level = Level::kVerdict;  // may be lower than asked (a testee without transcode)
  Mode mode = Mode::kStream;
  bool started = false;
  std::string error;        // why it could not run at all
  std::vector<Cell> cells;  // parallel to the vectors
  ExpectedFailures list;
  std::string list_path;
  bool list_ok = true;
  std::string list_error;
  std::vector<std::string> unknown_entries;  // listed ids absent from the manifest (unfiltered runs)
  int starts = 0;
  double seconds = 0;

  // Counts over cells (kStale counted in `unexpected`, unknown entries too).
  int successes = 0, expected = 0, unexpected = 0, skipped = 0, advisory = 0, stale = 0;
  int advisory_judge = 0;  // advisory cells matching CPython 3.11 C
  bool Failed() const { return !started || !list_ok || unexpected > 0; }
};

struct RunResult {
  const std::vector<Vector>* vectors = nullptr;
  std::vector<TesteeRun> testees;
  Level level = Level::kVerdict;
  Mode mode = Mode::kStream;
  std::string vectors_path;
  std::string filter;
  std::string judge;  // DescribeOracle of the transcode judge, when one ran
  double seconds = 0;
  int successes = 0, expected = 0, unexpected = 0, skipped = 0, advisory = 0;
  bool Passed() const;
};

// Judges one answer (see the file comment). `judge` loads 'B' answers; it
// may be null at verdict level.
Cell Evaluate(const Vector& v, const TesteeReply& reply, Level level, Oracle* judge);

// Runs everything and applies the lists (RunConfig::expected_dir).
void Run(const std::vector<Vector>& vectors, const std::vector<TesteeSpec>& specs, const RunConfig& config,
         RunResult& result);

// Applies a testee's list to its cells and fills its counts. Run() calls it;
// exposed for tests.
void ApplyExpectations(const std::vector<Vector>& vectors, bool filtered, TesteeRun& run);

// The list path of a testee: DIR/NAME.txt, or DIR/NAME.transcode.txt.
std::string ExpectedListPath(const std::string& dir, const std::string& name, Level level);

// --fix: the list that makes this run pass (failures listed with their
// summaries; entries of vectors that did not run this time kept).
std::string FixedList(const std::vector<Vector>& vectors, const TesteeRun& run);

// "AcceptedInvalid: accepted; CPython: UnpicklingError" and the like.
std::string FailureSummary(const Vector& v, const Cell& c);

}  // namespace picklecheck::conform

#endif  // PICKLECHECK_HARNESS_CONFORM_RUNNER_H_

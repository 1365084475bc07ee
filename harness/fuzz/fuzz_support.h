// What the oracle-backed fuzz targets (fuzz_differential, fuzz_roundtrip)
// share: how a finding is described, deduplicated, excused, reported and
// minimized, and how a target finds its oracle and data files.
//
//   // in a target:
//   std::optional<picklecheck::fuzz::Finding> f = Check(data, size);
//   if (f && !known.Excuses("differential", *f)) picklecheck::fuzz::ReportAndTrap("fuzz_differential", *f);
//
// A *finding* is one violated property with a *signature*: a short,
// space-free string that names the kind of failure and not the input
// ("AcceptRejectMismatch|ours=Truncated@FRAME|cpython=accepted"), so two
// inputs showing one bug get one signature. The report printed before the
// trap has a fixed shape, which scripts/nightly-fuzz parses:
//
//   ==== fuzz_differential finding: <summary, one line>
//   signature: <signature>
//   <details: every participant's result, hex, disassembly ...>
//   ==== end of finding
//
// Minimization (RunMinimizerIfAsked): a target binary started with
// PC_FUZZ_MINIMIZE=OUT in the environment and one input file as argument
// shrinks the input while the finding's signature stays the same, writes
// the result to OUT, prints the final report, and exits (0: minimized, 1: the
// input shows no finding, 2: usage). libFuzzer's -minimize_crash=1 cannot do
// this: every finding traps in the same function, so its dedup token (the
// top frames) is the same for all of them, and it would happily shrink one
// mismatch into another.
#ifndef PICKLECHECK_HARNESS_FUZZ_FUZZ_SUPPORT_H_
#define PICKLECHECK_HARNESS_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/diff/expected.h"
#include "harness/oracle/oracle.h"

namespace picklecheck::fuzz {

struct Finding {
  std::string signature;  // no spaces or newlines; see the file comment
  std::string summary;    // one line
  std::string details;    // multi-line, every participant's result
};

// Lowercase hex of `bytes`, cut after `max` bytes with "...".
std::string Hex(std::string_view bytes, size_t max = 4096);
inline std::string Hex(std::span<const uint8_t> bytes, size_t max = 4096) {
  return Hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), max);
}

// Prints the finding in the format above to stderr and traps, so libFuzzer
// saves the input as crash-<sha1>.
[[noreturn]] void ReportAndTrap(std::string_view target, const Finding& finding);
// The same text, without trapping.
std::string FormatFinding(std::string_view target, const Finding& finding);

// The directory of the running executable ("" if unknown).
std::string ExeDir();

// A data file of the source tree, by its path relative to the root
// ("oracles/pickle_oracle.py"), looked up in order:
//   $PICKLECHECK_SOURCE_DIR/<rel>, <exe dir>/<shipped> (OSS-Fuzz ships data
//   files beside the targets), <source dir of this build>/<rel>.
// `shipped` defaults to the file name of `rel`. Returns "" when none exists.
std::string FindDataFile(std::string_view rel, std::string_view shipped = {});

// Oracle options for a fuzz target: the script beside the executable when
// it is there (OSS-Fuzz) and $PICKLECHECK_ORACLE_SCRIPT is not set; a
// per-request timeout of `timeout_ms` (and the oracle's CPU limit to match),
// so a slow request is a kTimeout verdict (inconclusive) long before
// libFuzzer's -timeout; `extra_args` for the oracle's command line.
OracleOptions FuzzOracleOptions(int timeout_ms = 3000, std::vector<std::string> extra_args = {});

// Starts the "cpython-c" oracle once per process (from LLVMFuzzerInitialize)
// and returns it; on failure prints why and exits with status 2 (outside
// the fuzzing loop, so libFuzzer records no crash). Warns once on stderr
// when the interpreter is not CPython 3.11, the version the decoder and the
// encoder follow (other versions differ in documented ways: expect noise).
Oracle& StartOracleOrExit(std::string_view target, const OracleOptions& options);

// An oracle that remembers its answers: Load and Dump requests already
// asked (same bytes, options and buffers) are answered from memory. Oracle
// answers depend only on the request, so this changes no verdict; it saves
// the round trips fuzz_roundtrip repeats (the same small values come back
// in input after input). Timeouts and oracle failures are not remembered.
// Bounded: forgets everything past `max_bytes` of keys and answers.
class CachedOracle final : public Oracle {
 public:
  explicit CachedOracle(Oracle& inner, size_t max_bytes = size_t{64} << 20);
  ~CachedOracle() override;
  const std::string& name() const override { return inner_.name(); }
  OracleImpl impl() const override { return inner_.impl(); }
  bool Start(OracleError* error) override { return inner_.Start(error); }
  OracleInfo Info() override { return inner_.Info(); }
  void Load(std::string_view pickle, const DecodeOptions& options, OracleOutcome& out) override;
  void Dump(std::string_view canonical, const DumpOptions& options, OracleOutcome& out) override;
  void Ping(OracleOutcome& out) override { inner_.Ping(out); }
  using Oracle::Dump;
  using Oracle::Load;
  using Oracle::Ping;
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Impl;
  // The remembered answer for `key`, else `ask(out)` and remember it.
  void Answer(std::string key, OracleOutcome& out, const std::function<void(OracleOutcome&)>& ask);
  Oracle& inner_;
  std::unique_ptr<Impl> impl_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

// Findings that are known and excused: harness/fuzz/known_findings.txt
// ("<target> <signature prefix>  # why", one per line; '*' in a prefix
// matches any run of characters), and for
// fuzz_differential the message prefixes of corpus/expected/cpython-c.txt
// (an entry's "# prefix" matched against Verdict::Summary(); entries
// without a prefix name one corpus case and excuse nothing here).
class KnownFindings {
 public:
  // Parses the known-findings format; false and *error ("LINE: why") on a
  // malformed line.
  bool Parse(std::string_view text, std::string* error);
  // Loads harness/fuzz/known_findings.txt (FindDataFile); a missing file is
  // an empty list, and so is everything when PC_FUZZ_NO_KNOWN is set (how
  // scripts/nightly-fuzz tells whether a known finding still reproduces).
  bool LoadDefault(std::string* error);
  static bool Disabled();
  // Adds the summary prefixes of an expected-divergence list.
  void AddExpectedDivergences(const ExpectedDivergences& list);

  // True when `finding` of `target` ("differential", "roundtrip") is excused:
  // a listed signature prefix matches, or (summary_prefixes) the summary
  // starts with a listed prefix.
  bool Excuses(std::string_view target, const Finding& finding) const;
  // Only the signature part (what the nightly report uses).
  bool ExcusesSignature(std::string_view target, std::string_view signature) const;

  size_t size() const { return entries_.size() + summary_prefixes_.size(); }

 private:
  struct Entry {
    std::string target;
    std::string prefix;
  };
  std::vector<Entry> entries_;
  std::vector<std::string> summary_prefixes_;
};

// The check a target runs on one input: a finding or nothing. Must be
// deterministic and must not trap.
using CheckFn = std::function<std::optional<Finding>(std::string_view input)>;

struct MinimizeOptions {
  size_t max_attempts = 20000;
  // How much of the signature must stay: 0 all of it, N its first N
  // '|'-separated fields (coarser: lets the minimizer through inputs whose
  // incidental details, like the text class at a mismatch, change).
  size_t signature_fields = 0;
  // Split the input as pickle + options tail (decode_input.h) and delete
  // whole opcodes first (differential inputs); otherwise bytes only.
  bool pickle_layout = false;
};

// Shrinks `input` while check(candidate) yields a finding with `signature`
// (or its first options.signature_fields fields):
// whole-opcode deletion (pickle layout), then chunk deletion (halves down
// to single bytes, repeated while it helps), then byte simplification (each
// byte towards 0, '0', 'a'), smallest first. Returns the smallest input
// found (`input` itself if nothing smaller keeps the signature).
std::string Minimize(std::string input, std::string_view signature, const CheckFn& check,
                     const MinimizeOptions& options = {});

// If PC_FUZZ_MINIMIZE is set: reads the one input file named in argv (the
// first argument not starting with '-'), minimizes it with `check`, writes
// the result to $PC_FUZZ_MINIMIZE, prints the final finding and exits. Does
// nothing otherwise. Call from LLVMFuzzerInitialize, after the oracle started.
void RunMinimizerIfAsked(std::string_view target, int argc, char** argv, const CheckFn& check,
                         const MinimizeOptions& options);

// A coarse class of the canonical text at `offset` (where two texts first
// differ), for signatures: "int", "float", "str", "bytes", "list", "tuple",
// "dict-or-set", "global", "label", "ref", or the keyword there ("None",
// "new", "frozenset", "bytearray", ...); "end" past the end.
std::string TextClass(std::string_view text, size_t offset);

// A few words of an exception message, for signatures: up to four words
// before any ':', '(' or '<', quoted reprs and words with digits dropped,
// joined by '_': "slot state is not a dictionary" -> "slot_state_is_not";
// "'Stub' object cannot be interpreted as an integer" ->
// "object_cannot_be_interpreted".
std::string MessageKey(std::string_view message);

// The name of the opcode whose bytes contain `offset` in `pickle` ("PROTO",
// "BINGET"...); "end" past the end, "?" when the walk stops before it.
std::string OpcodeNameAt(std::string_view pickle, size_t offset);

}  // namespace picklecheck::fuzz

#endif  // PICKLECHECK_HARNESS_FUZZ_FUZZ_SUPPORT_H_

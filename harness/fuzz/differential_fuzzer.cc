// fuzz_differential: the reference decoder against CPython's C unpickler.
//
//   build-fuzz/bin/fuzz_differential -dict=harness/fuzz/pickle.dict -max_len=4096 \
//       -timeout=10 -rss_limit_mb=2048 /tmp/fz corpus/seed/differential
//   build/bin/fuzz_differential corpus/regress/differential/crash-...   # replay, no libFuzzer
//   PC_FUZZ_MINIMIZE=min build-fuzz/bin/fuzz_differential crash-...      # shrink, same signature
//
// Input: a pickle followed by the options tail, exactly as fuzz_decode's
// (decode_input.h), so the two targets share seeds, dictionary and mutator.
// Each input is decoded by picklecheck::Decode and loaded by one persistent
// "cpython-c" oracle process (started once per fuzzing process in
// LLVMFuzzerInitialize, reused for every input, restarted by the oracle
// library after a crash or timeout; its own memory and CPU limits apply and
// each request has a 3 s deadline), and harness/diff compares the two.
//
// A finding is a divergence the C unpickler judges (harness/diff/diff.h):
// kValueMismatch, kAcceptRejectMismatch, kExceptionTypeMismatch. Not
// findings: kInconclusive (our kUnsupportedForm/kLimitExceeded, the
// oracle's resource limits, timeouts, 'U'), kOracleFailure, divergences
// whose summary starts with a message prefix of corpus/expected/cpython-c.txt,
// and signatures listed for "differential" in harness/fuzz/known_findings.txt.
// A finding prints the input (hex, options, disassembly) and every
// participant's result (Verdict::Report) before trapping. Signatures:
//
//   AcceptRejectMismatch|ours=Truncated@FRAME|cpython=accepted
//   AcceptRejectMismatch|ours=accepted|cpython=UnpicklingError|msg=slot_state_is_not
//   ExceptionTypeMismatch|ours=BadIntLiteral@INT|cpython=UnpicklingError|msg=invalid_load_key
//   ValueMismatch|ours=str|cpython=bytes     (TextClass at the first difference)
//
// Deterministic given the oracle: no state is kept between inputs beyond
// the oracle process, whose answers depend only on the request.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "harness/diff/diff.h"
#include "harness/diff/expected.h"
#include "harness/fuzz/decode_input.h"
#include "harness/fuzz/fuzz_support.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/disasm.h"
#include "harness/pickle/error.h"
#include "harness/pickle/opcode.h"

#if defined(PC_FUZZ_PICKLE_MUTATOR) && defined(PICKLECHECK_LIBFUZZER)
#include "harness/fuzz/pickle_mutator.h"
PC_DEFINE_PICKLE_MUTATOR((picklecheck::fuzz::PickleMutator{
    picklecheck::fuzz::DecodeTailSize, picklecheck::fuzz::RandomDecodeTail, LLVMFuzzerMutate}))
#endif

namespace picklecheck::fuzz {
namespace {

struct State {
  Oracle* oracle = nullptr;
  KnownFindings known;
  Verdict verdict;  // reused across inputs
  uint64_t oracle_failures = 0;
};

State& GetState() {
  static State* state = new State;  // never destroyed: the oracle outlives static teardown order
  return *state;
}

std::string OursPart(const DecoderOutcome& ours) {
  if (ours.accepted) return "accepted";
  std::string s(ErrorKindName(ours.error.kind));
  const OpcodeInfo* info = LookupOpcode(ours.error.opcode);
  s += "@";
  s += ours.error.kind == ErrorKind::kEndOfInput ? "end" : info != nullptr ? std::string(info->name) : "?";
  return s;
}

std::string TheirPart(const OracleOutcome& o) {
  if (o.kind == OutcomeKind::kAccepted) return "accepted";
  std::string e = o.exception;
  for (char& c : e) {
    if (c == ' ' || c == '|') c = '_';
  }
  return e + "|msg=" + MessageKey(o.message);
}

std::optional<Finding> Check(std::string_view input) {
  State& s = GetState();
  DecodeInput in = SplitDecodeInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  std::string_view payload(reinterpret_cast<const char*>(in.payload.data()), in.payload.size());
  Oracle* oracles[] = {s.oracle};
  Diff(payload, in.options, std::span<Oracle* const>(oracles, 1), s.verdict, Limits{},
       /*skip_when_ours_inconclusive=*/true);
  const Verdict& v = s.verdict;
  if (v.kind == VerdictKind::kOracleFailure) {
    // Not a finding; say so now and then, so a dead oracle is not silent.
    if ((s.oracle_failures++ & 1023) == 0 && v.judge_run() != nullptr) {
      std::fprintf(stderr, "fuzz_differential: oracle failure (%llu so far): %s\n",
                   static_cast<unsigned long long>(s.oracle_failures),
                   v.judge_run()->outcome.error.message.c_str());
    }
    return std::nullopt;
  }
  if (v.kind != VerdictKind::kValueMismatch && v.kind != VerdictKind::kAcceptRejectMismatch &&
      v.kind != VerdictKind::kExceptionTypeMismatch) {
    return std::nullopt;
  }
  const OracleRun& judge = *v.judge_run();
  Finding f;
  f.summary = v.Summary();
  f.signature = std::string(VerdictKindName(v.kind));
  if (v.kind == VerdictKind::kValueMismatch) {
    f.signature += "|ours=" + TextClass(v.ours.canonical, judge.mismatch.offset) +
                   "|cpython=" + TextClass(judge.outcome.value, judge.mismatch.offset);
  } else {
    f.signature += "|ours=" + OursPart(v.ours) + "|cpython=" + TheirPart(judge.outcome);
  }
  DisasmOptions dis;
  dis.decode = in.options;
  f.details = "payload (" + std::to_string(payload.size()) + " bytes): " + Hex(payload) + "\n" +
              "options: " + DescribeOptions(in.options) + "\n" + v.Report() + "disassembly:\n" +
              Disassemble(in.payload, dis);
  return f;
}

}  // namespace
}  // namespace picklecheck::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  using namespace picklecheck;
  using namespace picklecheck::fuzz;
  State& s = GetState();
  std::string why;
  if (!s.known.LoadDefault(&why)) {
    std::fprintf(stderr, "fuzz_differential: %s\n", why.c_str());
    std::exit(2);
  }
  if (std::string path = FindDataFile("corpus/expected/cpython-c.txt", "cpython-c.expected.txt"); !path.empty()) {
    ExpectedDivergences expected;
    if (!expected.Load(path, &why)) {
      std::fprintf(stderr, "fuzz_differential: %s: %s\n", path.c_str(), why.c_str());
      std::exit(2);
    }
    s.known.AddExpectedDivergences(expected);
  }
  s.oracle = &StartOracleOrExit("fuzz_differential", FuzzOracleOptions());
  MinimizeOptions mo;
  mo.pickle_layout = true;
  RunMinimizerIfAsked("fuzz_differential", *argc, *argv, Check, mo);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picklecheck::fuzz;
  std::optional<Finding> f = Check(std::string_view(reinterpret_cast<const char*>(data), size));
  if (f && !GetState().known.Excuses("differential", *f)) ReportAndTrap("fuzz_differential", *f);
  return 0;
}

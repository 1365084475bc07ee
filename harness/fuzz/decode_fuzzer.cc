// fuzz_decode: the reference decoder alone, under every Unpickler option
// combination, checking invariants that hold for every input.
//
//   build-fuzz/bin/fuzz_decode -dict=harness/fuzz/pickle.dict \
//       -max_len=4096 -timeout=5 -rss_limit_mb=2048 corpus/seed/decode
//   build/bin/fuzz_decode corpus/regress/decode/crash-...     # replay, no libFuzzer
//
// Input: a pickle followed by the options tail (decode_input.h). Checked,
// beyond "no crash, no sanitizer report, no hang, bounded memory":
//   1. Determinism: two decodes give the same canonical text or the same
//      error (kind, offset, opcode, detail, Describe text). The second decode
//      runs in view mode (DecodeOptions::view_input), which must not change
//      the result either; a third, copying decode tells the two causes apart.
//   2. Errors: kEndOfInput is at offset == payload size; every other kind is
//      at an offset inside the payload whose byte is Error::opcode.
//      Describe() is non-empty and one line. For one rejected input in 8
//      (by payload hash), the Disassemble() listing shows that error exactly
//      once, claims no "bytes after STOP", and ends with the verdict line.
//   3. Accepted inputs: ScanOpcodes() reaches the STOP the decoder stopped at;
//      Disassemble() has no error line, shows STOP, and ends with the
//      "highest protocol among opcodes = N" line; the prefix ending right
//      before STOP fails with kEndOfInput or kTruncated (with the same memory
//      budget: Limits scale with the input size, so the prefix gets the
//      difference added back).
// A violation prints the input, the options and every participant's result
// to stderr, then traps (libFuzzer saves the input as crash-<sha1>).
// Otherwise the target is silent and keeps no state between inputs.
//
// Built with -DPC_FUZZ_PICKLE_MUTATOR (and libFuzzer), the opcode-aware
// mutator of pickle_mutator.h replaces libFuzzer's default mutations.
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/fuzz/decode_input.h"
#include "harness/pickle/canonical.h"
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

// One participant's result, in comparable form.
struct Outcome {
  bool ok = false;
  Error error{};
  std::string text;  // canonical text, or Describe(error)
};

Outcome Run(std::span<const uint8_t> payload, const DecodeOptions& options,
            const Limits& limits = {}) {
  Outcome o;
  Result<Document> doc = Decode(payload, options, limits);
  o.ok = doc.ok();
  if (o.ok) {
    o.text = ToCanonical(doc->root());
  } else {
    o.error = doc.error();
    o.text = Describe(o.error);
  }
  return o;
}

bool SameOutcome(const Outcome& a, const Outcome& b) {
  if (a.ok != b.ok || a.text != b.text) return false;
  if (a.ok) return true;
  return a.error.kind == b.error.kind && a.error.offset == b.error.offset &&
         a.error.opcode == b.error.opcode && a.error.detail == b.error.detail &&
         a.error.type == b.error.type && a.error.sub == b.error.sub;
}

std::string Hex(std::span<const uint8_t> bytes, size_t max = 4096) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  if (bytes.size() > max) out += "...";
  return out;
}

void Print(const char* who, const Outcome& o) {
  std::string error_fields;
  if (!o.ok) {
    error_fields = " [kind=" + std::string(ErrorKindName(o.error.kind)) +
                   " offset=" + std::to_string(o.error.offset) +
                   " opcode=" + std::to_string(o.error.opcode) +
                   " detail=" + std::to_string(o.error.detail) + "]";
  }
  std::fprintf(stderr, "  %-22s %s: %s%s\n", who, o.ok ? "accepted" : "rejected", o.text.c_str(),
               error_fields.c_str());
}

// Prints the case and traps. `participants` are (name, outcome) pairs.
[[noreturn]] void Violation(const char* what, std::span<const uint8_t> payload,
                            const DecodeOptions& options,
                            std::initializer_list<std::pair<const char*, const Outcome*>> participants,
                            std::string_view extra = {}) {
  std::fprintf(stderr, "\n==== fuzz_decode invariant violated: %s\n", what);
  std::fprintf(stderr, "  payload (%zu bytes)     %s\n", payload.size(), Hex(payload).c_str());
  std::fprintf(stderr, "  options                %s\n", DescribeOptions(options).c_str());
  for (const auto& [name, outcome] : participants) Print(name, *outcome);
  if (!extra.empty()) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(extra.size()), extra.data());
  }
  std::fflush(stderr);
  __builtin_trap();
}

bool OneLine(std::string_view s) { return !s.empty() && s.find('\n') == std::string_view::npos; }

// The listing's last line is "highest protocol among opcodes = N\n".
bool EndsWithVerdict(std::string_view listing) {
  constexpr std::string_view kVerdict = "highest protocol among opcodes = ";
  if (listing.size() < 2 || listing.back() != '\n') return false;
  size_t nl = listing.rfind('\n', listing.size() - 2);
  std::string_view last = listing.substr(nl == std::string_view::npos ? 0 : nl + 1);
  return last.size() == kVerdict.size() + 2 && last.substr(0, kVerdict.size()) == kVerdict &&
         last[kVerdict.size()] >= '0' && last[kVerdict.size()] <= '5';
}

// Lines of `listing` equal to `line` (without its newline). Matching whole
// lines matters: argument text can be anything (libFuzzer even copies this
// file's string constants into inputs), but never contains a newline.
size_t CountLines(std::string_view listing, std::string_view line) {
  size_t n = 0;
  size_t start = 0;
  while (start < listing.size()) {
    size_t nl = listing.find('\n', start);
    if (nl == std::string_view::npos) nl = listing.size();
    if (listing.substr(start, nl - start) == line) ++n;
    start = nl + 1;
  }
  return n;
}

// A "(N bytes after STOP are ignored)" line.
bool ClaimsStop(std::string_view listing) {
  constexpr std::string_view kTail = " bytes after STOP are ignored)";
  size_t start = 0;
  while (start < listing.size()) {
    size_t nl = listing.find('\n', start);
    if (nl == std::string_view::npos) nl = listing.size();
    std::string_view line = listing.substr(start, nl - start);
    if (line.size() > kTail.size() + 1 && line[0] == '(' && line.substr(line.size() - kTail.size()) == kTail) {
      return true;
    }
    start = nl + 1;
  }
  return false;
}

void CheckError(std::span<const uint8_t> payload, const DecodeOptions& options, const Outcome& o) {
  const Error& e = o.error;
  if (!OneLine(o.text)) Violation("Describe() is empty or not one line", payload, options, {{"decode", &o}});
  if (e.kind == ErrorKind::kEndOfInput) {
    if (e.offset != payload.size()) {
      Violation("EndOfInput offset is not the end of the payload", payload, options, {{"decode", &o}});
    }
  } else {
    if (e.offset >= payload.size()) {
      Violation("error offset is outside the payload", payload, options, {{"decode", &o}});
    }
    if (payload[e.offset] != e.opcode) {
      Violation("Error::opcode is not the byte at Error::offset", payload, options, {{"decode", &o}});
    }
  }
  // The listing of a rejected pickle shows the error once (under the failing
  // opcode, or at the end), claims no STOP, and ends with the verdict line.
  // Disassemble() decodes with default Limits (DisasmOptions has none), so a
  // kLimitExceeded under this target's smaller budget is not comparable.
  if (e.kind == ErrorKind::kLimitExceeded) return;
  // The listing costs as much as the two decodes together (it decodes again),
  // and most inputs are rejected: check one rejected input in 8, chosen by a
  // hash of the payload, so the choice is deterministic per input.
  uint32_t h = 2166136261u;  // FNV-1a
  for (uint8_t b : payload) h = (h ^ b) * 16777619u;
  if ((h & 7) != 0) return;
  DisasmOptions dis;
  dis.decode = options;
  std::string listing = Disassemble(payload, dis);
  size_t shown = CountLines(listing, "       ^ " + o.text) + CountLines(listing, "error: " + o.text);
  if (shown != 1 || ClaimsStop(listing) || !EndsWithVerdict(listing)) {
    Violation("rejected, but the Disassemble() listing does not show exactly that error", payload, options,
              {{"decode", &o}}, listing);
  }
}

void CheckAccepted(std::span<const uint8_t> payload, const DecodeOptions& options, const Outcome& o,
                   const Limits& limits) {
  // Where the decoder stopped: the STOP that pickletools.genops reaches.
  std::vector<OpcodeAt> ops = ScanOpcodes(payload);
  if (ops.empty() || ops.back().info == nullptr || !ops.back().complete ||
      ops.back().info->op != Opcode::kSTOP) {
    Violation("accepted, but ScanOpcodes() does not end at a STOP", payload, options, {{"decode", &o}});
  }
  const uint64_t stop = ops.back().offset;

  DisasmOptions dis;
  dis.decode = options;
  std::string listing = Disassemble(payload, dis);
  std::string_view l(listing);
  char stop_line[48];
  std::snprintf(stop_line, sizeof stop_line, "\n%5llu: .    ", static_cast<unsigned long long>(stop));
  bool has_stop = l.find(stop_line) != std::string_view::npos;
  bool has_error = l.find("\n       ^ ") != std::string_view::npos || l.find("\nerror: ") != std::string_view::npos ||
                   l.rfind("error: ", 0) == 0;
  if (!has_stop || has_error || !EndsWithVerdict(l)) {
    Violation("accepted, but the Disassemble() listing does not end with the verdict", payload, options,
              {{"decode", &o}}, listing);
  }

  // The prefix up to (not including) STOP runs out of input.
  Limits prefix_limits = limits;
  prefix_limits.alloc_base += limits.alloc_factor * (payload.size() - stop);
  Outcome prefix = Run(payload.first(stop), options, prefix_limits);
  if (prefix.ok || (prefix.error.kind != ErrorKind::kEndOfInput &&
                    prefix.error.kind != ErrorKind::kTruncated)) {
    Violation("the prefix before STOP does not fail with EndOfInput or Truncated", payload, options,
              {{"decode", &o}, {"decode(prefix)", &prefix}});
  }
  if (prefix.error.offset > stop) {
    Violation("the prefix's error offset is beyond the prefix", payload, options,
              {{"decode", &o}, {"decode(prefix)", &prefix}});
  }
}

}  // namespace
}  // namespace picklecheck::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picklecheck;
  using namespace picklecheck::fuzz;
  DecodeInput in = SplitDecodeInput(data, size);
  // A 1 MiB allocation budget instead of the default 64 MiB: a 30-byte
  // pickle may legally call bytes(42949295) (CPython would allocate it), and
  // printing that twice under ASan takes seconds. A small budget keeps every
  // input fast and exercises the kLimitExceeded paths more often.
  Limits limits;
  limits.alloc_base = uint64_t{1} << 20;

  Outcome first = Run(in.payload, in.options, limits);
  DecodeOptions view_options = in.options;
  view_options.view_input = true;
  Outcome second = Run(in.payload, view_options, limits);
  if (!SameOutcome(first, second)) {
    Outcome third = Run(in.payload, in.options, limits);
    Violation(SameOutcome(first, third) ? "view mode changes the result"
                                        : "two decodes of one input differ",
              in.payload, in.options,
              {{"decode", &first}, {"decode(view_input)", &second}, {"decode again", &third}});
  }
  if (first.ok) {
    CheckAccepted(in.payload, in.options, first, limits);
  } else {
    CheckError(in.payload, in.options, first);
  }
  return 0;
}

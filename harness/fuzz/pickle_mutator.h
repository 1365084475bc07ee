// An opcode-aware mutator for libFuzzer targets whose input is a pickle
// followed by an options tail (decode_input.h).
//
// libFuzzer's byte mutations rarely keep a pickle well-formed: changing one
// byte of a BINUNICODE payload is fine, but inserting one byte shifts every
// later opcode, and a counted length almost never matches its payload. This
// mutator splits the payload into opcodes (the walk pickletools.genops does,
// derived from opcodes.def) and edits whole opcodes: insert, delete, replace,
// re-argue, duplicate, wrap a run in MARK ... container-op, add memo traffic
// near the indices the pickle already uses, splice opcodes from another input,
// and insert known constructor snippets (GLOBAL + args + REDUCE, ...).
// Generated arguments are well-formed (consistent counted lengths, one text
// line per line argument) most of the time and deliberately off by a little
// some of the time. A share of the calls goes to libFuzzer's byte mutator on
// the payload only; the tail is kept, or replaced as a whole by the target's
// tail generator.
//
// Use from a fuzz target (the macro defines libFuzzer's weak hooks, so it
// must be expanded in the target's own translation unit):
//
//   #if defined(PC_FUZZ_PICKLE_MUTATOR) && defined(PICKLECHECK_LIBFUZZER)
//   PC_DEFINE_PICKLE_MUTATOR((picklecheck::fuzz::PickleMutator{
//       picklecheck::fuzz::DecodeTailSize, picklecheck::fuzz::RandomDecodeTail,
//       LLVMFuzzerMutate}))
//   #endif
//
// Everything is deterministic in (input, seed): libFuzzer's seed drives one
// PRNG per call, and nothing is cached between calls.
#ifndef PICKLECHECK_HARNESS_FUZZ_PICKLE_MUTATOR_H_
#define PICKLECHECK_HARNESS_FUZZ_PICKLE_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/opcode.h"

namespace picklecheck::fuzz {

// One opcode of a payload: [offset, offset + size) holds the opcode byte and
// its whole argument.
struct OpSpan {
  uint32_t offset = 0;
  uint32_t size = 0;
  const OpcodeInfo* info = nullptr;
};

// Walks `payload` from the start, as pickletools.genops does, appending the
// complete opcodes to `ops` (cleared first) up to and including the first
// STOP. Returns where the walk ended: after STOP, or at an unknown byte or an
// argument that runs past the end. Bytes from there on are the "trailer",
// which mutations keep behind the opcodes.
size_t WalkOpcodes(std::span<const uint8_t> payload, std::vector<OpSpan>& ops);

// The libFuzzer-facing mutator. All three hooks are plain function pointers
// so the struct is a constant expression-friendly aggregate.
struct PickleMutator {
  // Length of the options tail at the end of an input (0: no tail).
  size_t (*tail_size)(const uint8_t* data, size_t size) = nullptr;
  // A new tail, given a seed and the current tail (nullptr: tails are kept).
  std::string (*new_tail)(uint64_t seed, std::string_view old_tail) = nullptr;
  // libFuzzer's byte mutator (LLVMFuzzerMutate); nullptr: never byte-mutate.
  size_t (*byte_mutate)(uint8_t* data, size_t size, size_t max_size) = nullptr;

  // LLVMFuzzerCustomMutator: mutates data[0, size) in place; returns the new
  // size, at most max_size.
  size_t Mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed) const;
  // LLVMFuzzerCustomCrossOver: opcodes of `a` and `b` spliced into `out`;
  // returns the size written (at most max_out_size; 0 means no output).
  size_t CrossOver(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size,
                   uint8_t* out, size_t max_out_size, unsigned seed) const;
};

}  // namespace picklecheck::fuzz

// Defines LLVMFuzzerCustomMutator and LLVMFuzzerCustomCrossOver over a
// PickleMutator expression. libFuzzer finds them as weak symbols, which a
// static library member would not provide, hence a macro (as
// libprotobuf-mutator's DEFINE_PROTO_FUZZER).
#define PC_DEFINE_PICKLE_MUTATOR(mutator)                                                   \
  extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);         \
  extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,   \
                                            unsigned int seed) {                           \
    return (mutator).Mutate(data, size, max_size, seed);                                   \
  }                                                                                        \
  extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* a, size_t a_size,             \
                                              const uint8_t* b, size_t b_size,             \
                                              uint8_t* out, size_t max_out_size,           \
                                              unsigned int seed) {                         \
    return (mutator).CrossOver(a, a_size, b, b_size, out, max_out_size, seed);             \
  }

#endif  // PICKLECHECK_HARNESS_FUZZ_PICKLE_MUTATOR_H_

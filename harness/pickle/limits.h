// Resource caps of the codec. Exceeding one is ErrorKind::kLimitExceeded,
// never a crash or an unbounded allocation.
#ifndef PICKLECHECK_HARNESS_PICKLE_LIMITS_H_
#define PICKLECHECK_HARNESS_PICKLE_LIMITS_H_

#include <cstdint>

namespace picklecheck {

struct Limits {
  // Bytes a decode may allocate beyond what the input itself accounts for:
  // memory stays below base + factor * input size. Pickle opcodes cannot
  // exceed this on their own; calls like bytearray(10**12) can.
  uint64_t alloc_base = uint64_t{1} << 20;
  uint64_t alloc_factor = 16;
  // Nesting depth for hashing (dict keys, set items). CPython recurses in C
  // without a limit here; deeper keys are reported, not crashed on.
  int max_hash_depth = 10000;
  // Nesting depth for key comparison. CPython raises RecursionError at its
  // recursion limit (1000 by default).
  int max_compare_depth = 1000;
};

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_LIMITS_H_

// The layout of a decode-fuzzer input: a pickle payload at the head, the
// Unpickler options at the tail (the FuzzedDataProvider way: choices are
// consumed from the end, so byte-level mutations of the payload rarely change
// the options and vice versa).
//
//   picklecheck::fuzz::DecodeInput in = picklecheck::fuzz::SplitDecodeInput(data, size);
//   Result<Document> doc = Decode(in.payload, in.options);
//
// File order of an input (the tail is read backwards from the last byte):
//
//   payload ... | buf[n-1] data, len | ... | buf[0] data, len | bufspec | flags
//
//   flags    bit 0     fix_imports = False           (0: True, the default)
//            bit 1     persistent_load off           (0: on)
//            bits 2-4  encoding = kEncodings[i]      (0: "ASCII")
//            bits 5-7  errors = kErrorHandlers[i]    (0: "strict")
//   bufspec  bits 0-2  0, 5-7: buffers=None; 1: []; 2, 3, 4: one, two, three buffers
//            bits 3-5  buffer i is read-only (bit 3 + i)
//   per buffer, len & 0x3f bytes of data precede its len byte.
//
// A byte past the start of the input reads as 0 (FuzzedDataProvider does
// the same), so an all-zero or missing tail means pickle.loads' defaults:
// the two-byte tail "\0\0" is what scripts/fuzz-seeds.py appends to a plain
// pickle. scripts/fuzz-seeds.py mirrors this layout (EncodeDecodeTail).
#ifndef PICKLECHECK_HARNESS_FUZZ_DECODE_INPUT_H_
#define PICKLECHECK_HARNESS_FUZZ_DECODE_INPUT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "harness/pickle/decoder.h"

namespace picklecheck::fuzz {

// Names chosen by the encoding and errors bits. Each list covers every class
// the codec layer distinguishes: modeled names, an alias that normalizes to
// one, a codec CPython has but the decoder does not model, an unknown name.
inline constexpr std::array<std::string_view, 8> kEncodings = {
    "ASCII", "latin1", "utf-8", "bytes", "UTF8", "Latin-1", "koi8_r", "no-such-codec"};
inline constexpr std::array<std::string_view, 8> kErrorHandlers = {
    "strict", "ignore", "replace", "backslashreplace",
    "surrogateescape", "surrogatepass", "xmlcharrefreplace", "no-such-handler"};
inline constexpr size_t kMaxBuffers = 3;
inline constexpr size_t kMaxBufferBytes = 0x3f;

struct DecodeInput {
  std::span<const uint8_t> payload;  // the pickle (a prefix of the input)
  DecodeOptions options;
  size_t tail_size = 0;              // bytes of the input the options used
};

// Splits any byte string (never fails; short inputs get default options and
// possibly an empty payload).
DecodeInput SplitDecodeInput(const uint8_t* data, size_t size);

// Just the tail length of SplitDecodeInput, without building the options
// (the mutator calls it on every input).
size_t DecodeTailSize(const uint8_t* data, size_t size);

// The tail that makes SplitDecodeInput return `options`. Requires the
// encoding and errors to be in the lists above, at most kMaxBuffers buffers
// of at most kMaxBufferBytes each, and view_input false.
std::string EncodeDecodeTail(const DecodeOptions& options);

// A tail for the mutator (pickle_mutator.h): usually `old_tail` with one
// field changed (a flag, the encoding, the errors handler, the buffer list),
// sometimes a fresh random one. Deterministic in (seed, old_tail).
std::string RandomDecodeTail(uint64_t seed, std::string_view old_tail);

// One line for failure reports: "fix_imports=1 encoding=ASCII errors=strict ...".
std::string DescribeOptions(const DecodeOptions& options);

}  // namespace picklecheck::fuzz

#endif  // PICKLECHECK_HARNESS_FUZZ_DECODE_INPUT_H_

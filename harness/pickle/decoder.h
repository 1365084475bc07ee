// The reference decoder: pickle bytes -> value graph, exactly as CPython 3.11's
// C unpickler runs `pickle.loads(bytes)` under the safe policy.
//
//   picklecheck::DecodeOptions options;       // pickle.loads defaults
//   options.encoding = "latin1";
//   picklecheck::Result<picklecheck::Document> doc =
//       picklecheck::Decode(bytes, options);
//   if (doc.ok()) std::cout << picklecheck::ToCanonical(doc->root()) << "\n";
//   else          std::cout << picklecheck::Describe(doc.error()) << "\n";
//
// Same accepted inputs, same values (canonical.md), same rejections (error.h
// maps each kind to CPython's exception), and nothing a pickle names is ever
// imported or run: globals resolve through the fixed safe policy
// (canonical.md section 4) or become symbolic.
//
// Bad input never crashes, hangs or allocates without bound: every declared
// length is checked against the remaining input before anything is
// allocated, memo indices far beyond the input's size go to a sparse map,
// and work done for built-in calls is capped by `Limits`.
#ifndef PICKLECHECK_HARNESS_PICKLE_DECODER_H_
#define PICKLECHECK_HARNESS_PICKLE_DECODER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/error.h"
#include "harness/pickle/limits.h"
#include "harness/pickle/value.h"

namespace picklecheck {

// One out-of-band buffer handed to the unpickler (pickle.PickleBuffer over
// bytes when `readonly`, over a bytearray otherwise).
struct OobBuffer {
  std::string data;
  bool readonly = false;
};

// The Unpickler's options (pickle.loads keyword arguments).
struct DecodeOptions {
  bool fix_imports = true;
  std::string encoding = "ASCII";
  std::string errors = "strict";
  // The safe policy's persistent_load: PERSID/BINPERSID decode to persid(...)
  // records. When false, they fail as with a plain pickle.loads.
  bool persistent_load = true;
  // pickle.loads(buffers=...): nullopt is buffers=None.
  std::optional<std::vector<OobBuffer>> buffers;
  // View mode: str and bytes payloads that need no decoding reference the
  // input instead of being copied (the input must outlive the Document).
  bool view_input = false;
};

[[nodiscard]] Result<Document> Decode(std::span<const uint8_t> pickle,
                                      const DecodeOptions& options = {},
                                      const Limits& limits = {});

[[nodiscard]] inline Result<Document> Decode(std::string_view pickle,
                                             const DecodeOptions& options = {},
                                             const Limits& limits = {}) {
  return Decode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pickle.data()),
                                         pickle.size()),
                options, limits);
}

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_DECODER_H_

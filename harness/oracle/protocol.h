// The oracle wire protocol: framing and payload codecs, no I/O.
//
// Every message in either direction is one frame:
//
//   +----------------+------+-----------------------------+
//   | u32 LE length  | type | body (length - 1 bytes)     |
//   +----------------+------+-----------------------------+
//
// All integers in bodies are little-endian. Requests and their responses:
//
//   'H'                          -> 'H' UTF-8 JSON {"impl", "executable", "version",
//                                       "implementation", "protocol", "pid"}
//   'L' u8 flags  (bit0 fix_imports, bit1 persistent_load, bit2 buffers given)
//       u16 n + encoding, u16 n + errors,
//       u32 nbuffers { u8 readonly, u32 n + data }*,
//       u32 n + pickle               -> 'V' canonical text
//                                     | 'E' u16 n + exception type, u32 n + message
//                                     | 'M' message (MemoryError) | 'R' message (RecursionError)
//                                     | 'U' message (no canonical text for the value)
//                                     | 'X' message (bad request, or the oracle's own failure)
//   'D' u8 protocol, u8 flags (bit0 fix_imports, bit1 out-of-band),
//       u32 n + canonical text       -> 'B' u32 n + pickle,
//                                          u32 nbuffers { u8 readonly, u32 n + data }*
//                                     | 'E' | 'U' message (not representable) | 'M' | 'R' | 'X'
//   'P'                          -> 'P'
//   'Q'                          -> 'Q', then the oracle exits
//
// oracles/PROTOCOL.md is the oracle's side of this contract.
//
//   std::string frame;
//   std::string why;
//   if (!picklecheck::AppendLoadRequest(pickle, options, frame, &why)) ...;  // len + 'L' + ...
//   ... write frame, read a response frame's payload ...
//   picklecheck::ParseResponse('L', payload, outcome, error);
#ifndef PICKLECHECK_HARNESS_ORACLE_PROTOCOL_H_
#define PICKLECHECK_HARNESS_ORACLE_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/oracle/oracle.h"
#include "harness/pickle/decoder.h"

namespace picklecheck {

inline constexpr size_t kFrameHeaderBytes = 4;

// Request flag bits ('L').
inline constexpr uint8_t kLoadFixImports = 1;
inline constexpr uint8_t kLoadPersistentLoad = 2;
inline constexpr uint8_t kLoadBuffersGiven = 4;
// Request flag bits ('D').
inline constexpr uint8_t kDumpFixImports = 1;
inline constexpr uint8_t kDumpOutOfBand = 2;

// Reads the little-endian u32 at `p` (4 readable bytes).
inline uint32_t ReadFrameLength(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
}

// Each Append*Request appends one complete frame (length prefix included) to
// `out`. They return false, leaving `out` as it was and setting *why, when a
// field does not fit its width (an encoding name over 65535 bytes, a pickle
// or buffer of 4 GiB or more, a frame over 4 GiB).
bool AppendLoadRequest(std::string_view pickle, const DecodeOptions& options, std::string& out,
                       std::string* why);
bool AppendDumpRequest(std::string_view canonical, const DumpOptions& options, std::string& out,
                       std::string* why);
// 'H', 'P' or 'Q'.
void AppendBareRequest(char type, std::string& out);

// Decodes the payload of the response to a request of type `request`
// ('L', 'D' or 'P'; the payload starts with the type byte) into `out`.
// Sets out.kind and the fields it names; clears the others. Returns false and
// fills `error` (kBadResponse, or kInternal for 'X') when the payload is
// malformed, of a type that does not answer `request`, or 'X'.
bool ParseResponse(char request, std::string_view payload, OracleOutcome& out, OracleError& error);

// Decodes an 'H' payload into the handshake fields of `info` (executable,
// version, implementation, protocol, pid, hello_json). Returns false and sets
// *why when it is not 'H' + a JSON object, or "impl" is missing or is not
// OracleImplName(expected) (pass kOther to accept any).
bool ParseHello(std::string_view payload, OracleImpl expected, OracleInfo& info, std::string* why);

// Printable summary of up to `max` bytes of a payload, for error messages:
// ASCII graphic characters as is, others as \xHH.
std::string PrintablePrefix(std::string_view bytes, size_t max = 48);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_ORACLE_PROTOCOL_H_

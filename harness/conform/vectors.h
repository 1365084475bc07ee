// Conformance vectors: the manifest corpus/conformance/vectors.jsonl, one
// JSON object per line (format: harness/conform/VECTORS.md), written by
// scripts/gen_conformance_vectors.py.
//
//   std::vector<picklecheck::conform::Vector> vectors;
//   std::string why;
//   if (!picklecheck::conform::LoadVectors("corpus/conformance/vectors.jsonl", vectors, &why)) ...;
//   for (const auto& v : vectors)
//     if (v.expect == picklecheck::conform::Expect::kAccept) use(v.pickle, v.options, v.result.value);
#ifndef PICKLECHECK_HARNESS_CONFORM_VECTORS_H_
#define PICKLECHECK_HARNESS_CONFORM_VECTORS_H_

#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/decoder.h"

namespace picklecheck::conform {

// JSONTestSuite's prefixes: y_ accept, n_ reject, i_ implementation-defined.
enum class Expect : uint8_t { kAccept, kReject, kEither };
std::string_view ExpectName(Expect e);    // "accept", "reject", "either"
std::string_view ExpectPrefix(Expect e);  // "y", "n", "i"

// One CPython answer: "value" (canonical text), "error" (exception, message),
// or no verdict ("memory", "recursion", "no-text", "oracle-failure").
struct Answer {
  std::string kind;
  std::string value;
  std::string exception;
  std::string message;
  std::vector<std::string> by;  // interpreters that gave it, e.g. "3.11-c", "3.6-py"
  bool accepted() const { return kind == "value"; }
  bool rejected() const { return kind == "error"; }
};

struct Vector {
  std::string id;    // Required.cpython-c.P4.FRAME.Straddle: stable, used in expected lists
  std::string name;  // y_FRAME_p4_Straddle: the .pickle file name
  Expect expect = Expect::kAccept;
  bool required = true;  // level Required (y_, n_); false: Advisory (i_)
  std::string family;    // opcode family: int, string, framing...
  std::string opcode;    // FRAME, UNKNOWN, STREAM...
  int protocol = 0;
  std::vector<std::string> flags;
  std::string comment;
  std::string source;
  DecodeOptions options;        // pickle.loads arguments
  std::string pickle;           // the input bytes
  Answer result;                // CPython 3.11 C unpickler: the expected result
  std::vector<Answer> answers;  // i_: every CPython's answer, grouped

  bool HasFlag(std::string_view flag) const;
  // The options differ from pickle.loads' defaults (fix_imports=True,
  // encoding="ASCII", errors="strict", no persistent_load, buffers=None).
  bool NonDefaultOptions() const;
};

// Parses one manifest line.
bool ParseVector(std::string_view line, Vector& out, std::string* why);

// Reads the manifest: one vector per non-empty line. Fails on a malformed
// line or a duplicate id ("PATH:LINE: reason").
bool LoadVectors(const std::string& path, std::vector<Vector>& out, std::string* why);

// "fix_imports=False encoding=latin1 ..." listing only what differs from the
// defaults; "" for defaults.
std::string DescribeOptions(const DecodeOptions& options);

// Shell-style pattern match with * and ? (the --filter syntax).
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace picklecheck::conform

#endif  // PICKLECHECK_HARNESS_CONFORM_VECTORS_H_

// Testees: the pickle codecs under test, run as child processes speaking the
// testee protocol (harness/conform/TESTEE.md).
//
//   picklecheck::conform::TesteeOptions options;     // 5 s per request
//   auto t = picklecheck::conform::MakeTestee(
//       {"cpython-3.11-c", "python3 oracles/adapters/python_testee.py --codec cpython-c"},
//       picklecheck::conform::Mode::kStream, options);
//   std::string why;
//   if (!t->Start(&why)) ...;                          // spawns, 'H' handshake
//   picklecheck::conform::TesteeReply r;
//   t->Run(vector.pickle, vector.options, picklecheck::conform::Level::kVerdict, r);
//   if (r.kind == picklecheck::conform::ReplyKind::kAccepted) ...
//
// Stream mode: one long-lived process, framed requests on its stdin and
// responses on its stdout (4-byte little-endian length + payload, the oracle
// framing of oracles/PROTOCOL.md). A crash or a timeout is that request's
// answer; the process is killed (its whole process group) and restarted for
// the next request. File mode: one process per request, `COMMAND FILE` (or
// "{}" in COMMAND replaced by FILE); exit 0 accepts, 1 rejects, 77 skips,
// anything else (a signal, another status) is a crash.
//
// Children get their own process group, stdin/stdout pipes (file mode:
// /dev/null), stderr appended to TesteeOptions::stderr_log (or /dev/null),
// SIGPIPE at its default disposition, and no other inherited descriptors.
// Not thread-safe: one Testee serves one thread.
#ifndef PICKLECHECK_HARNESS_CONFORM_TESTEE_H_
#define PICKLECHECK_HARNESS_CONFORM_TESTEE_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/decoder.h"

namespace picklecheck::conform {

enum class Level : uint8_t {
  kVerdict,    ///< accept or reject
  kTranscode,  ///< accept with the value: a re-encoded pickle ('B') or canonical text ('V' + text)
};
std::string_view LevelName(Level level);  // "verdict", "transcode"

enum class Mode : uint8_t { kStream, kFile };
std::string_view ModeName(Mode mode);  // "stream", "file"

enum class ReplyKind : uint8_t {
  kAccepted,       ///< 'V' / 'B' / exit 0
  kRejected,       ///< 'E' / exit 1
  kSkipped,        ///< 'S' (and the oracle's 'M' 'R' 'U') / exit 77: the testee cannot run this vector
  kCrash,          ///< the process died, or answered 'X'
  kTimeout,        ///< no answer within TesteeOptions::timeout
  kProtocolError,  ///< a malformed or unexpected response
};
std::string_view ReplyKindName(ReplyKind kind);

struct TesteeReply {
  ReplyKind kind = ReplyKind::kCrash;
  bool has_text = false;  // 'V' with text: canonical text (canonical.md)
  std::string text;
  bool has_pickle = false;  // 'B' (stream) or stdout at transcode level (file)
  std::string pickle;
  std::vector<OobBuffer> buffers;  // 'B' out-of-band buffers
  std::string exception;           // 'E': exception kind, when the testee names one
  std::string message;             // 'E' 'S' 'X', crash/timeout/protocol details
};

struct TesteeSpec {
  std::string name;         // expected-failure lists and reports use it
  std::string command;      // run through /bin/sh -c COMMAND
  bool name_given = false;  // false: the handshake's "name" replaces `name`
};

// "NAME=COMMAND" (NAME: [A-Za-z0-9._+-]+), else the command alone with the
// name taken from the handshake's "name" or, failing that, the first word's
// basename.
TesteeSpec ParseTesteeSpec(std::string_view arg);

struct TesteeOptions {
  std::chrono::milliseconds timeout{5000};         // per request
  std::chrono::milliseconds start_timeout{30000};  // spawn + handshake
  std::string stderr_log;                          // child's stderr is appended here; empty: /dev/null
  std::string work_dir;                            // file mode: where input files go (empty: $TMPDIR or /tmp)
  size_t max_frame_bytes = size_t{256} << 20;
  Level level = Level::kVerdict;  // sent in the handshake
};

// What the testee said about itself ('H' + JSON; file mode: nothing).
struct TesteeInfo {
  std::string name;
  std::string version;              // "name" / "version" fields of the handshake, or "unknown"
  std::string description;          // "description" field
  std::vector<std::string> levels;  // "levels" field; empty: verdict only... unless it answers T
  std::string hello_json;
};

class Testee {
 public:
  virtual ~Testee() = default;
  // Stream: spawns the process and exchanges 'H'. File: checks nothing.
  virtual bool Start(std::string* why) = 0;
  virtual const TesteeInfo& info() const = 0;
  virtual bool SupportsTranscode() const = 0;
  // One request. Fills `out` completely.
  virtual void Run(std::string_view pickle, const DecodeOptions& options, Level level, TesteeReply& out) = 0;
  // Number of processes started (stream: 1 + restarts; file: one per request).
  virtual int starts() const = 0;
};

std::unique_ptr<Testee> MakeTestee(const TesteeSpec& spec, Mode mode, const TesteeOptions& options);

// The load-request body shared with the oracle protocol ('L' / 'T' + body).
// Appends one frame (length prefix included) of type `type`.
bool AppendTesteeRequest(char type, std::string_view pickle, const DecodeOptions& options, std::string& out,
                         std::string* why);
// Parses an 'L'/'T' payload (type byte included), the testee side.
bool ParseLoadPayload(std::string_view payload, std::string& pickle, DecodeOptions& options,
                      std::string* why);
// Parses a response payload into `out` (kind and fields).
void ParseTesteeResponse(std::string_view payload, Level level, TesteeReply& out);

// The pickle.loads options as JSON (PICKLECHECK_OPTIONS in file mode, and
// the manifest's "options" object).
std::string OptionsJson(const DecodeOptions& options);

}  // namespace picklecheck::conform

#endif  // PICKLECHECK_HARNESS_CONFORM_TESTEE_H_

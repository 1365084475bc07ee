// Oracles: the Python implementations that judge the C++ codec.
//
// An `Oracle` answers the questions the differential engine asks CPython:
// "what does pickle.loads make of these bytes, with these options?" (Load),
// "what does pickle.dumps write for this canonical value?" (Dump). Each answer
// is an `OracleOutcome`, one of six distinct kinds, so a crash of the oracle is
// never confused with a rejection of the input:
//
//   std::string why;
//   std::unique_ptr<picklecheck::Oracle> oracle =
//       picklecheck::MakeOracle("cpython-c", picklecheck::OracleOptions{}, &why);
//   if (!oracle) { std::cerr << why << "\n"; return 2; }
//   picklecheck::OracleOutcome out = oracle->Load("\x80\x04K\x01.", {});
//   switch (out.kind) {
//     case picklecheck::OutcomeKind::kAccepted:  use(out.value); break;    // "1"
//     case picklecheck::OutcomeKind::kRejected:  use(out.exception); break; // "UnpicklingError"
//     ...
//   }
//   std::cout << picklecheck::DescribeOracle(oracle->Info()) << "\n";
//   // cpython-c: /usr/bin/python3.11 3.11.2 (main, ...) [GCC 12.2.0] (impl c)
//
// Names (MakeOracle): "cpython-c" and "cpython-py" run the default interpreter
// with the C unpickler (`_pickle`) or the pure-Python one (`pickle._Unpickler`);
// "<interpreter path>:c" and "<interpreter path>:python" run any interpreter,
// e.g. "/root/.pyenv/versions/3.8.18/bin/python:c". RegisterOracle adds names.
//
// Nothing in this module throws: spawn failures, I/O errors and protocol
// violations become OutcomeKind::kOracleFailure with an `OracleError`.
// An Oracle object is not thread-safe; OraclePool hands one to each worker.
#ifndef PICKLECHECK_HARNESS_ORACLE_ORACLE_H_
#define PICKLECHECK_HARNESS_ORACLE_ORACLE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/decoder.h"

namespace picklecheck {

// Which unpickler an oracle runs. The differential engine makes the first kC
// oracle the judge; kPython oracles are advisory.
enum class OracleImpl : uint8_t {
  kC,       ///< CPython's C accelerator (`_pickle.Unpickler`)
  kPython,  ///< CPython's pure-Python `pickle._Unpickler`
  kOther,   ///< anything else (fakes, other implementations)
};

// "c", "python", "other"; the spelling of the oracle's --impl flag.
std::string_view OracleImplName(OracleImpl impl);

// Why an oracle could not produce an answer.
enum class OracleErrorKind : uint8_t {
  kNone,         ///< no error
  kSpawnFailed,  ///< interpreter not found or not startable, or its 'H' handshake was invalid
  kCrashed,      ///< EOF or EPIPE mid-request: the process exited or closed its pipes
  kTimeout,      ///< no complete response before the deadline (process killed), or SIGXCPU
  kBadFrame,     ///< a length prefix over the frame cap, or bytes after the response frame
  kBadResponse,  ///< empty, unknown or unexpected response type, or a malformed payload
  kInternal,     ///< the oracle answered 'X': it caught a failure of its own
  kBadRequest,   ///< the request does not fit the protocol (a field over its width); never retried
  kIo,           ///< an unexpected system call failure (message names the call and errno)
};

// "None", "SpawnFailed", "Crashed", ...
std::string_view OracleErrorKindName(OracleErrorKind kind);

struct OracleError {
  OracleErrorKind kind = OracleErrorKind::kNone;
  std::string message;      // one line, e.g. "process exited with status 3 after 0 of 4 bytes"
  std::string stderr_tail;  // the last bytes the process wrote to stderr (a traceback, usually)
};

// The distinct results of one request.
enum class OutcomeKind : uint8_t {
  /// Load: `value` is the canonical text. Dump: `value` is the pickle and
  /// `buffers` the out-of-band buffers. Ping: nothing.
  kAccepted,
  /// The call raised: `exception` (type name, e.g. "UnpicklingError"), `message`.
  kRejected,
  /// MemoryError ('M') or RecursionError ('R') under the oracle's limits:
  /// `exception`, `message`. Not a verdict.
  kResourceLimit,
  /// 'U', no verdict: Load: the value has no canonical text, or the
  /// interpreter cannot run the request; Dump: CPython's pickler cannot write
  /// the value with stubs. `message`.
  kUnrepresentable,
  kTimeout,        ///< the deadline passed on every attempt; `error` says more
  kOracleFailure,  ///< crash, garbage, 'X' or spawn failure on every attempt; `error` says more
};

// "Accepted", "Rejected", ...
std::string_view OutcomeKindName(OutcomeKind kind);

// One answer. Reuse one object across calls to avoid allocations: every field
// is overwritten by each request (strings keep their capacity).
struct OracleOutcome {
  OutcomeKind kind = OutcomeKind::kOracleFailure;
  std::string value;      // kAccepted (see OutcomeKind)
  std::string exception;  // kRejected, kResourceLimit: exception type name as the oracle sent it
  std::string message;    // kRejected, kResourceLimit, kUnrepresentable
  std::vector<OobBuffer> buffers;  // Dump with out-of-band buffers
  // kTimeout / kOracleFailure: the last attempt's failure. For another kind
  // after a retry (attempts == 2), the failure that caused the retry.
  OracleError error;
  int attempts = 0;  // requests sent: 1, or 1 + the retries a failure caused
};

// pickle.dumps options for Dump.
struct DumpOptions {
  int protocol = 4;  // 0..5 (one byte on the wire)
  bool fix_imports = true;
  bool out_of_band = false;  // pass buffer_callback: PickleBuffers go out of band
};

// What an oracle said about itself in its 'H' handshake.
struct OracleInfo {
  std::string name;  // registered name, e.g. "cpython-c"
  OracleImpl impl = OracleImpl::kOther;
  std::string command;         // interpreter as configured ("python3", a path)
  std::string executable;      // sys.executable, as the handshake reported it
  std::string version;         // sys.version
  std::string implementation;  // sys.implementation.name ("cpython")
  int64_t protocol = -1;       // the handshake's "protocol" field
  int64_t pid = -1;            // the handshake's "pid" field
  std::string hello_json;      // the handshake payload as received
  bool started = false;        // false: the fields after `command` are unknown (see `error`)
  OracleError error;           // why the oracle could not start, when !started
};

// "cpython-c: /usr/bin/python3.11 3.11.2 (main, ...) [GCC 12.2.0] (impl c, pid 123)",
// or "cpython-c: python3 (not started: SpawnFailed: ...)". One line.
std::string DescribeOracle(const OracleInfo& info);

// Options of process oracles (and of oracles made by name generally).
struct OracleOptions {
  // Interpreter for "cpython-c"/"cpython-py". Empty: $PICKLECHECK_PYTHON, else
  // "python3" on PATH. A name without '/' is searched on PATH.
  std::string python;
  // The oracle script. Empty: $PICKLECHECK_ORACLE_SCRIPT, else
  // <source dir>/oracles/pickle_oracle.py ($PICKLECHECK_SOURCE_DIR, else the
  // source tree this library was built from).
  std::string script;
  // Appended to the command line after the standard flags (test oracles' modes).
  std::vector<std::string> extra_args;
  // Wall-clock limit for one request, and for start-up plus handshake.
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds start_timeout{30000};
  // A response whose length prefix exceeds this is garbage (kBadFrame).
  uint32_t max_frame_bytes = uint32_t{256} << 20;
  // >= 0: passed as --max-memory-mb / --cpu-seconds (0 turns the limit off);
  // < 0: the oracle's defaults (pickle_oracle.py: 1024 MiB of address space,
  // 10 CPU seconds per request). The oracle applies them to itself.
  int max_memory_mb = -1;
  int cpu_seconds = -1;
  // After a crash, timeout, garbage or 'X': kill, restart, resend this many times.
  int retries = 1;
  // Non-empty: the child's stderr is appended to this file as well.
  std::string stderr_log;
  // How much of the child's latest stderr is kept for OracleError::stderr_tail.
  size_t stderr_tail_bytes = 8192;
};

// The interface every oracle implements. Calls are synchronous; one object
// serves one thread at a time. Implementations never throw.
class Oracle {
 public:
  virtual ~Oracle() = default;

  // The name it was made under ("cpython-c").
  virtual const std::string& name() const = 0;
  virtual OracleImpl impl() const = 0;

  // Starts the oracle if it is not running (process oracles start lazily on
  // first use). Returns true when it is ready; otherwise fills `error`.
  virtual bool Start(OracleError* error) = 0;

  // Handshake facts; starts the oracle if needed. `started` is false and
  // `error` set when it cannot start.
  virtual OracleInfo Info() = 0;

  // pickle.loads(pickle, fix_imports=, encoding=, errors=, buffers=) with the
  // oracle's safe find_class and, when options.persistent_load, its
  // persistent_load. Fills `out` completely.
  virtual void Load(std::string_view pickle, const DecodeOptions& options, OracleOutcome& out) = 0;

  // pickle.dumps of the value `canonical` (canonical.md) denotes.
  virtual void Dump(std::string_view canonical, const DumpOptions& options, OracleOutcome& out) = 0;

  // A round trip that does nothing: kAccepted when the oracle answers.
  virtual void Ping(OracleOutcome& out) = 0;

  // Convenience forms returning a fresh outcome.
  OracleOutcome Load(std::string_view pickle, const DecodeOptions& options = {}) {
    OracleOutcome out;
    Load(pickle, options, out);
    return out;
  }
  OracleOutcome Dump(std::string_view canonical, const DumpOptions& options = {}) {
    OracleOutcome out;
    Dump(canonical, options, out);
    return out;
  }
  OracleOutcome Ping() {
    OracleOutcome out;
    Ping(out);
    return out;
  }
};

// Makes a factory's oracle for `name`; `options` as given to MakeOracle.
using OracleFactory =
    std::function<std::unique_ptr<Oracle>(const std::string& name, const OracleOptions& options)>;

// Makes the oracle registered as `name`, or one for "<interpreter>:c" /
// "<interpreter>:python" (":py" also accepted). Returns nullptr and sets
// *error (when non-null) for an unknown name. Does not start the process.
std::unique_ptr<Oracle> MakeOracle(std::string_view name, const OracleOptions& options,
                                   std::string* error = nullptr);

// Adds (or replaces) a name. Thread-safe. Built in: "cpython-c", "cpython-py".
void RegisterOracle(const std::string& name, OracleFactory factory);

// Registered names, sorted (the "<interpreter>:impl" form is not listed).
std::vector<std::string> RegisteredOracleNames();

// The paths a ProcessOracle would use for `options` (defaults resolved as
// OracleOptions documents). Exposed so tools and tests can report and check them.
std::string DefaultPython(const OracleOptions& options);
std::string DefaultOracleScript(const OracleOptions& options);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_ORACLE_ORACLE_H_

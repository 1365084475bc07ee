// ProcessOracle: an Oracle that is a long-lived Python process speaking the
// framed protocol (protocol.h) on its stdin/stdout.
//
//   picklecheck::OracleOptions options;
//   options.timeout = std::chrono::seconds(5);
//   picklecheck::ProcessOracle oracle("cpython-c", picklecheck::OracleImpl::kC, options);
//   picklecheck::OracleOutcome out;
//   oracle.Load(pickle_bytes, picklecheck::DecodeOptions{}, out);  // starts the process
//   oracle.Load(other_bytes, picklecheck::DecodeOptions{}, out);   // same process
//
// Command line: `PYTHON -I -S -B SCRIPT --impl c|python [--max-memory-mb N]
// [--cpu-seconds N] EXTRA_ARGS...`. The process starts on first use and
// answers an 'H' handshake before anything else; it is reused for every
// request, one at a time.
//
// Failure handling, per request: a crash (EOF or EPIPE on the pipes), a hang
// (no complete response before options.timeout, or death by SIGXCPU from the
// oracle's own --cpu-seconds limit: both kTimeout), garbage (a length prefix over
// options.max_frame_bytes, a response type that does not answer the request, a
// malformed payload, bytes after the frame) or an 'X' kills the process
// group, starts a new process and resends the request, options.retries times
// (1 by default). When every attempt fails the outcome is kTimeout (the last
// attempt timed out) or kOracleFailure, with OracleError saying which and the
// tail of the process's stderr. 'M' and 'R' (the oracle's resource limits) are
// answers, not failures: the process keeps running.
//
// Process hygiene: the child gets only fds 0-2 (everything else is close-on-
// exec in the child), its own process group (so a kill reaches anything it
// started), no core dumps, and an empty signal mask. Its stderr is drained
// during every exchange into a bounded tail (and options.stderr_log), so it
// can never fill the pipe and block the child. SIGPIPE is blocked in the
// calling thread around writes, so a dead child is EPIPE, not a dead harness.
// The destructor sends 'Q' and waits briefly, then kills.
//
// Not thread-safe: one ProcessOracle serves one thread at a time (see
// OraclePool). This file's .cc is the only includer of Boost.Process.
#ifndef PICKLECHECK_HARNESS_ORACLE_PROCESS_ORACLE_H_
#define PICKLECHECK_HARNESS_ORACLE_PROCESS_ORACLE_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/oracle/oracle.h"

namespace picklecheck {

class ProcessOracle final : public Oracle {
 public:
  // `impl` selects --impl and is checked against the handshake's "impl".
  // `options.python` and `options.script` are resolved here (DefaultPython,
  // DefaultOracleScript); nothing is started until first use.
  ProcessOracle(std::string name, OracleImpl impl, OracleOptions options);
  ~ProcessOracle() override;
  ProcessOracle(const ProcessOracle&) = delete;
  ProcessOracle& operator=(const ProcessOracle&) = delete;

  const std::string& name() const override { return name_; }
  OracleImpl impl() const override { return impl_; }
  bool Start(OracleError* error) override;
  OracleInfo Info() override;
  void Load(std::string_view pickle, const DecodeOptions& options, OracleOutcome& out) override;
  void Dump(std::string_view canonical, const DumpOptions& options, OracleOutcome& out) override;
  void Ping(OracleOutcome& out) override;
  using Oracle::Dump;
  using Oracle::Load;
  using Oracle::Ping;

  // Sends 'Q', waits up to `grace` for the process to exit, then kills it.
  // The next request starts a new process.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(500));

  // The running process's id, or -1.
  pid_t pid() const { return pid_; }
  // Processes started so far (1 after the first request; +1 per restart).
  int starts() const { return starts_; }
  // The full command line a start runs (interpreter first).
  const std::vector<std::string>& command_line() const { return argv_; }

 private:
  // One exchange within `budget`: writes wbuf_ and reads one response frame
  // into rbuf_ (`payload` views it, without the length prefix). On failure
  // the process is killed and reaped and `error` filled.
  bool Exchange(std::chrono::milliseconds budget, std::string_view* payload, OracleError& error);
  // Sends the request in wbuf_ (type `request`), restarting and retrying after
  // failures; fills `out`.
  void Roundtrip(char request, OracleOutcome& out);
  bool Spawn(OracleError& error);
  // Kills the process group and reaps the child; records how it ended.
  void Kill();
  // After EOF: gives the child a moment to exit by itself so the reported
  // status is its own, then kills. Returns "exited with status N" etc., and
  // the wait status (-1 when it was killed here or is unknown).
  std::string ReapAfterEof(int* status);
  void DrainStderr();
  void AppendStderr(const char* data, size_t n);
  void CloseFds();
  void FillStderrTail(OracleError& error) const;

  std::string name_;
  OracleImpl impl_;
  OracleOptions options_;
  std::vector<std::string> argv_;
  OracleInfo info_;

  pid_t pid_ = -1;
  int in_fd_ = -1;   // child's stdin (we write)
  int out_fd_ = -1;  // child's stdout (we read)
  int err_fd_ = -1;  // child's stderr (drained)
  int log_fd_ = -1;  // options.stderr_log, appended to
  int starts_ = 0;

  std::string wbuf_;              // the request frame being sent
  std::unique_ptr<char[]> rbuf_;  // response bytes; grows to the largest frame seen
  size_t rcap_ = 0;
  std::string stderr_ring_;  // last options.stderr_tail_bytes of stderr (circular)
  size_t stderr_pos_ = 0;    // next write position in stderr_ring_
  bool stderr_wrapped_ = false;
};

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_ORACLE_PROCESS_ORACLE_H_

#include "harness/oracle/process_oracle.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>
#include <utility>

// Boost.Process v1 (Boost 1.74) spawns the child: fork/exec, pipe plumbing,
// PATH search. All reading, writing, waiting and killing is done here with
// plain syscalls, because v1's synchronous pipes have no timeouts and its
// wait_for is unreliable in 1.74.
#include <boost/filesystem/path.hpp>
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>

#include "harness/oracle/protocol.h"

namespace picklecheck {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

constexpr size_t kInitialReadBuffer = 64 * 1024;

// Sets FD_CLOEXEC on every fd >= 3 by listing /proc/self/fd with raw
// getdents64: async-signal-safe, for kernels without CLOSE_RANGE_CLOEXEC.
void MarkCloexecFromProc() {
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    // No /proc: the first 4096 fds are what can realistically be open.
    for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return;
  }
  alignas(8) char buf[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      // struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }
      unsigned short reclen = 0;
      std::memcpy(&reclen, buf + at + 16, sizeof reclen);
      const char* name = buf + at + 19;
      int fd = 0;
      bool digits = *name != '\0';
      for (const char* p = name; *p; ++p) {
        if (*p < '0' || *p > '9') {
          digits = false;
          break;
        }
        fd = fd * 10 + (*p - '0');
      }
      if (digits && fd >= 3 && fd != dir) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      at += reclen;
    }
  }
  ::close(dir);
}

// Runs in the forked child just before execve: async-signal-safe calls only
// (another harness thread may have held the allocator lock at fork time).
struct ChildSetup : bp::extend::handler {
  template <typename Executor>
  void on_exec_setup(Executor& /*exec*/) const {
    // Own process group: Kill() signals the group, reaching anything the
    // oracle started, and a terminal's ^C goes to the harness only (the
    // oracle then sees EOF on stdin and exits).
    ::setpgid(0, 0);
    // A crash is an outcome the harness reports, not a core file.
    struct rlimit no_core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    // The forking thread may have SIGPIPE blocked; Python expects a clean mask.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Only 0-2 survive exec. Other fds of the harness (other oracles' pipes,
    // opened by other threads without O_CLOEXEC) would otherwise keep those
    // pipes open and hide their EOF. Marking close-on-exec instead of closing
    // keeps Boost's own exec-error pipe working.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) MarkCloexecFromProc();
  }
};

// Blocks SIGPIPE in this thread for the scope, so writing to a dead child
// gives EPIPE instead of killing the harness; consumes the SIGPIPE such a
// write left pending. (A process-wide SIG_IGN would be simpler but would
// change the embedding program's behaviour.)
class SigpipeBlock {
 public:
  SigpipeBlock() {
    ::sigemptyset(&pipe_set_);
    ::sigaddset(&pipe_set_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_);
  }
  ~SigpipeBlock() {
    // If SIGPIPE was already blocked by the caller, a pending one is theirs.
    if (epipe_ && !::sigismember(&old_, SIGPIPE)) {
      struct timespec zero = {0, 0};
      while (::sigtimedwait(&pipe_set_, nullptr, &zero) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  void NoteEpipe() { epipe_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_;
  bool epipe_ = false;
};

std::string ErrnoText(const char* call, int err) {
  std::string out(call);
  out += ": ";
  out += std::strerror(err);
  return out;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) +
           (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

// Reaps `pid` if it exits before `deadline`: returns true and its status.
bool WaitForExit(pid_t pid, Clock::time_point deadline, int* status) {
  auto nap = std::chrono::microseconds(100);
  for (;;) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) {
      *status = -1;  // ECHILD: already reaped, or SIGCHLD is ignored
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::microseconds(5000));
  }
}

void SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  // Round up so a poll never returns just before the deadline and spins.
  auto ms = (left.count() + 999) / 1000;
  return ms > 1 << 30 ? 1 << 30 : static_cast<int>(ms);
}

}  // namespace

ProcessOracle::ProcessOracle(std::string name, OracleImpl impl, OracleOptions options)
    : name_(std::move(name)), impl_(impl), options_(std::move(options)) {
  argv_ = {DefaultPython(options_),
           "-I",
           "-S",
           "-B",
           DefaultOracleScript(options_),
           "--impl",
           std::string(impl_ == OracleImpl::kOther ? "c" : OracleImplName(impl_))};
  if (options_.max_memory_mb >= 0) {
    argv_.push_back("--max-memory-mb");
    argv_.push_back(std::to_string(options_.max_memory_mb));
  }
  if (options_.cpu_seconds >= 0) {
    argv_.push_back("--cpu-seconds");
    argv_.push_back(std::to_string(options_.cpu_seconds));
  }
  argv_.insert(argv_.end(), options_.extra_args.begin(), options_.extra_args.end());
  info_.name = name_;
  info_.impl = impl_;
  info_.command = argv_[0];
}

ProcessOracle::~ProcessOracle() {
  Stop();
  if (log_fd_ >= 0) ::close(log_fd_);
}

bool ProcessOracle::Spawn(OracleError& error) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    error = {OracleErrorKind::kSpawnFailed, ErrnoText("pipe2", errno), {}};
    return false;
  }
  bp::pipe in(in_pipe[0], in_pipe[1]);
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    error = {OracleErrorKind::kSpawnFailed, ErrnoText("pipe2", errno), {}};
    return false;
  }
  bp::pipe out(out_pipe[0], out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    error = {OracleErrorKind::kSpawnFailed, ErrnoText("pipe2", errno), {}};
    return false;
  }
  bp::pipe err(err_pipe[0], err_pipe[1]);

  try {
    boost::filesystem::path exe(argv_[0]);
    if (argv_[0].find('/') == std::string::npos) {
      exe = bp::search_path(argv_[0]);
      if (exe.empty()) {
        error = {OracleErrorKind::kSpawnFailed,
                 "interpreter \"" + argv_[0] + "\" not found on PATH",
                 {}};
        return false;
      }
    }
    std::vector<std::string> args(argv_.begin() + 1, argv_.end());
    std::error_code ec;
    bp::child child(bp::exe = exe.string(), bp::args = args, bp::std_in<in, bp::std_out> out,
                    bp::std_err > err, ChildSetup{}, ec);
    if (ec || !child.valid()) {
      error = {OracleErrorKind::kSpawnFailed,
               "cannot start " + exe.string() + ": " + (ec ? ec.message() : "invalid child"),
               {}};
      return false;
    }
    // From here on the pid is ours to signal and reap; Boost must not.
    pid_ = child.id();
    child.detach();
  } catch (const std::exception& e) {
    error = {OracleErrorKind::kSpawnFailed,
             std::string("cannot start ") + argv_[0] + ": " + e.what(),
             {}};
    return false;
  }
  // Take the parent ends out of the Boost pipes (which closed the child ends).
  in_fd_ = in.native_sink();
  in.assign_sink(-1);
  out_fd_ = out.native_source();
  out.assign_source(-1);
  err_fd_ = err.native_source();
  err.assign_source(-1);
  SetNonBlocking(in_fd_);
  SetNonBlocking(out_fd_);
  SetNonBlocking(err_fd_);

  ++starts_;
  stderr_pos_ = 0;
  stderr_wrapped_ = false;
  if (!options_.stderr_log.empty()) {
    if (log_fd_ < 0) {
      log_fd_ =
          ::open(options_.stderr_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    }
    if (log_fd_ >= 0) {
      std::string banner =
          "== picklecheck: " + name_ + " started pid " + std::to_string(pid_) + ":";
      for (const std::string& a : argv_) banner += " " + a;
      banner += "\n";
      [[maybe_unused]] ssize_t n = ::write(log_fd_, banner.data(), banner.size());
    }
  }
  return true;
}

bool ProcessOracle::Start(OracleError* error) {
  if (pid_ > 0) return true;
  OracleError local;
  OracleError& err = error ? *error : local;
  err = {};
  info_ = OracleInfo{};
  info_.name = name_;
  info_.impl = impl_;
  info_.command = argv_[0];
  if (!Spawn(err)) {
    info_.error = err;
    return false;
  }
  wbuf_.clear();
  AppendBareRequest('H', wbuf_);
  std::string_view payload;
  if (!Exchange(options_.start_timeout, &payload, err)) {
    err.message = "handshake: " + std::string(OracleErrorKindName(err.kind)) + ": " + err.message;
    err.kind = OracleErrorKind::kSpawnFailed;
    info_.error = err;
    return false;
  }
  std::string why;
  if (!ParseHello(payload, impl_, info_, &why)) {
    Kill();
    err.kind = OracleErrorKind::kSpawnFailed;
    err.message = "handshake: " + why;
    FillStderrTail(err);
    info_.error = err;
    return false;
  }
  info_.started = true;
  return true;
}

OracleInfo ProcessOracle::Info() {
  OracleError error;
  Start(&error);
  return info_;
}

void ProcessOracle::Load(std::string_view pickle, const DecodeOptions& options,
                         OracleOutcome& out) {
  wbuf_.clear();
  std::string why;
  if (!AppendLoadRequest(pickle, options, wbuf_, &why)) {
    out = OracleOutcome{};
    out.kind = OutcomeKind::kOracleFailure;
    out.error = {OracleErrorKind::kBadRequest, why, {}};
    return;
  }
  Roundtrip('L', out);
}

void ProcessOracle::Dump(std::string_view canonical, const DumpOptions& options,
                         OracleOutcome& out) {
  wbuf_.clear();
  std::string why;
  if (!AppendDumpRequest(canonical, options, wbuf_, &why)) {
    out = OracleOutcome{};
    out.kind = OutcomeKind::kOracleFailure;
    out.error = {OracleErrorKind::kBadRequest, why, {}};
    return;
  }
  Roundtrip('D', out);
}

void ProcessOracle::Ping(OracleOutcome& out) {
  wbuf_.clear();
  AppendBareRequest('P', wbuf_);
  Roundtrip('P', out);
}

void ProcessOracle::Roundtrip(char request, OracleOutcome& out) {
  // The request in wbuf_ is not consumed by an exchange, so a retry resends it as is.
  if (wbuf_.size() - kFrameHeaderBytes > options_.max_frame_bytes) {
    out.kind = OutcomeKind::kOracleFailure;
    out.attempts = 0;
    out.error = {OracleErrorKind::kBadRequest,
                 "request of " + std::to_string(wbuf_.size()) + " bytes is over the frame cap",
                 {}};
    return;
  }
  OracleError failure;
  const int attempts = 1 + std::max(0, options_.retries);
  out.attempts = 0;
  for (int a = 0; a < attempts; ++a) {
    ++out.attempts;
    if (pid_ < 0) {
      // A request that arrives at a stopped oracle (first use, or after a
      // failure) starts it; a start failure is an attempt's failure.
      std::string saved;
      saved.swap(wbuf_);
      OracleError start_error;
      bool started = Start(&start_error);
      saved.swap(wbuf_);
      if (!started) {
        failure = std::move(start_error);
        continue;
      }
    }
    std::string_view payload;
    if (!Exchange(options_.timeout, &payload, failure)) continue;
    if (ParseResponse(request, payload, out, failure)) {
      if (a == 0) {
        out.error.kind = OracleErrorKind::kNone;
        out.error.message.clear();
        out.error.stderr_tail.clear();
      } else {
        out.error = std::move(failure);
      }
      return;
    }
    // Garbage or 'X': whatever state the process is in cannot be trusted.
    Kill();
    FillStderrTail(failure);
  }
  out.kind = failure.kind == OracleErrorKind::kTimeout ? OutcomeKind::kTimeout
                                                       : OutcomeKind::kOracleFailure;
  out.value.clear();
  out.exception.clear();
  out.message.clear();
  out.buffers.clear();
  out.error = std::move(failure);
}

bool ProcessOracle::Exchange(std::chrono::milliseconds budget, std::string_view* payload,
                             OracleError& error) {
  const auto deadline = Clock::now() + budget;
  if (!rbuf_) {
    rbuf_ = std::make_unique<char[]>(kInitialReadBuffer);
    rcap_ = kInitialReadBuffer;
  }
  SigpipeBlock sigpipe;
  const size_t total = wbuf_.size();
  size_t written = 0;
  size_t have = 0;
  size_t need = 0;  // 0 until the length prefix is in; then header + length

  auto fail = [&](OracleErrorKind kind, std::string message) {
    error.kind = kind;
    error.message = std::move(message);
    Kill();  // drains stderr first
    FillStderrTail(error);
    return false;
  };
  auto fail_eof = [&](std::string what) {
    int status = 0;
    std::string ended = ReapAfterEof(&status);
    // The oracle's own --cpu-seconds limit ends a spinning request with
    // SIGXCPU: that is the request running too long, not the oracle breaking.
    const bool cpu_limit = status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU;
    error.kind = cpu_limit ? OracleErrorKind::kTimeout : OracleErrorKind::kCrashed;
    error.message = "process " + ended + " (" + what + ")";
    if (cpu_limit) error.message += ": the oracle's CPU-time limit";
    FillStderrTail(error);
    return false;
  };
  auto progress = [&] {
    return "wrote " + std::to_string(written) + " of " + std::to_string(total) +
           " request bytes, read " + std::to_string(have) + " response bytes";
  };

  for (;;) {
    while (written < total) {
      ssize_t n = ::write(in_fd_, wbuf_.data() + written, total - written);
      if (n > 0) {
        written += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EPIPE) {
        sigpipe.NoteEpipe();
        return fail_eof("its stdin closed: " + progress());
      }
      return fail(OracleErrorKind::kIo, ErrnoText("write", errno));
    }

    struct pollfd fds[3];
    nfds_t nfds = 0;
    int in_slot = -1, out_slot = -1, err_slot = -1;
    if (written < total) {
      in_slot = static_cast<int>(nfds);
      fds[nfds++] = {in_fd_, POLLOUT, 0};
    }
    out_slot = static_cast<int>(nfds);
    fds[nfds++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) {
      err_slot = static_cast<int>(nfds);
      fds[nfds++] = {err_fd_, POLLIN, 0};
    }
    const int wait_ms = RemainingMs(deadline);
    if (wait_ms == 0) {
      return fail(OracleErrorKind::kTimeout, "no complete response within " +
                                                 std::to_string(budget.count()) + " ms (" +
                                                 progress() + ")");
    }
    int ready = ::poll(fds, nfds, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return fail(OracleErrorKind::kIo, ErrnoText("poll", errno));
    }
    if (ready == 0) continue;  // the deadline check above reports it
    if (err_slot >= 0 && fds[err_slot].revents != 0) DrainStderr();
    if (in_slot >= 0 && (fds[in_slot].revents & (POLLERR | POLLHUP)) != 0 &&
        (fds[out_slot].revents & POLLIN) == 0) {
      sigpipe.NoteEpipe();
      return fail_eof("its stdin closed: " + progress());
    }
    if (fds[out_slot].revents == 0) continue;

    for (;;) {
      // Never 0: once the frame is complete we return, and before its length
      // is known fewer than kFrameHeaderBytes < rcap_ bytes are buffered.
      const size_t want = need ? need - have : rcap_ - have;
      ssize_t n = ::read(out_fd_, rbuf_.get() + have, want);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return fail(OracleErrorKind::kIo, ErrnoText("read", errno));
      }
      if (n == 0) {
        if (need) {
          return fail_eof("EOF after " + std::to_string(have) + " of " + std::to_string(need) +
                          " bytes of the response frame");
        }
        return fail_eof("EOF: " + progress());
      }
      have += static_cast<size_t>(n);
      if (need == 0 && have >= kFrameHeaderBytes) {
        const uint32_t length = ReadFrameLength(rbuf_.get());
        if (length > options_.max_frame_bytes) {
          return fail(OracleErrorKind::kBadFrame,
                      "response length prefix " + std::to_string(length) + " is over the cap of " +
                          std::to_string(options_.max_frame_bytes) + " bytes; starts " +
                          PrintablePrefix(std::string_view(rbuf_.get(), have)));
        }
        need = kFrameHeaderBytes + length;
        if (need > rcap_) {
          size_t cap = std::max(need, std::min<size_t>(rcap_ * 2, options_.max_frame_bytes + 4));
          auto bigger = std::make_unique<char[]>(cap);
          std::memcpy(bigger.get(), rbuf_.get(), have);
          rbuf_ = std::move(bigger);
          rcap_ = cap;
        }
      }
      if (need != 0 && have >= need) {
        if (have > need) {
          return fail(OracleErrorKind::kBadFrame,
                      std::to_string(have - need) + " unexpected bytes after the response frame: " +
                          PrintablePrefix(std::string_view(rbuf_.get() + need, have - need)));
        }
        if (written < total) {
          return fail(OracleErrorKind::kBadResponse,
                      "answered before reading the whole request (" + progress() + ")");
        }
        *payload = std::string_view(rbuf_.get() + kFrameHeaderBytes, need - kFrameHeaderBytes);
        return true;
      }
    }
  }
}

void ProcessOracle::DrainStderr() {
  char buf[4096];
  while (err_fd_ >= 0) {
    ssize_t n = ::read(err_fd_, buf, sizeof buf);
    if (n > 0) {
      AppendStderr(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      ::close(err_fd_);
      err_fd_ = -1;
    }
    break;
  }
}

void ProcessOracle::AppendStderr(const char* data, size_t n) {
  if (log_fd_ >= 0) {
    [[maybe_unused]] ssize_t w = ::write(log_fd_, data, n);
  }
  const size_t cap = options_.stderr_tail_bytes;
  if (cap == 0) return;
  if (stderr_ring_.size() != cap) stderr_ring_.assign(cap, '\0');
  if (n >= cap) {
    std::memcpy(stderr_ring_.data(), data + n - cap, cap);
    stderr_pos_ = 0;
    stderr_wrapped_ = true;
    return;
  }
  size_t first = std::min(n, cap - stderr_pos_);
  std::memcpy(stderr_ring_.data() + stderr_pos_, data, first);
  std::memcpy(stderr_ring_.data(), data + first, n - first);
  if (stderr_pos_ + n >= cap) stderr_wrapped_ = true;
  stderr_pos_ = (stderr_pos_ + n) % cap;
}

void ProcessOracle::FillStderrTail(OracleError& error) const {
  error.stderr_tail.clear();
  if (stderr_ring_.empty()) return;
  if (stderr_wrapped_) {
    error.stderr_tail.append(stderr_ring_, stderr_pos_, std::string::npos);
  }
  error.stderr_tail.append(stderr_ring_, 0, stderr_pos_);
}

std::string ProcessOracle::ReapAfterEof(int* status_out) {
  *status_out = -1;
  if (pid_ < 0) {
    CloseFds();
    return "is not running";
  }
  // A dying Python writes its traceback to stderr around the time stdout
  // closes; give it a moment to arrive and to exit with its own status.
  const auto deadline = Clock::now() + std::chrono::milliseconds(500);
  while (err_fd_ >= 0) {
    int wait_ms = RemainingMs(deadline);
    if (wait_ms == 0) break;
    struct pollfd p = {err_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    DrainStderr();
  }
  int status = 0;
  std::string text;
  if (WaitForExit(pid_, deadline, &status)) {
    text = status == -1 ? "ended (exit status unavailable)" : DescribeWaitStatus(status);
  } else {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    text = "closed its pipes but did not exit; killed";
    status = -1;
  }
  *status_out = status;
  pid_ = -1;
  CloseFds();
  return text;
}

void ProcessOracle::Kill() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  // What it wrote before dying can explain the failure.
  if (err_fd_ >= 0) DrainStderr();
  CloseFds();
}

void ProcessOracle::CloseFds() {
  for (int* fd : {&in_fd_, &out_fd_, &err_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void ProcessOracle::Stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) {
    CloseFds();
    return;
  }
  const auto deadline = Clock::now() + grace;
  wbuf_.clear();
  AppendBareRequest('Q', wbuf_);
  std::string_view payload;
  OracleError ignored;
  if (!Exchange(grace, &payload, ignored)) return;  // Exchange killed and reaped it
  CloseFds();                                       // EOF on its stdin, whatever it made of 'Q'
  int status = 0;
  if (WaitForExit(pid_, deadline, &status)) {
    pid_ = -1;
  } else {
    Kill();
  }
}

}  // namespace picklecheck

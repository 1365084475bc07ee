#include "harness/conform/testee.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "harness/conform/json.h"
#include "harness/oracle/protocol.h"

extern char** environ;

namespace picklecheck::conform {
namespace {

using Clock = std::chrono::steady_clock;

void IgnoreSigpipeOnce() {
  static std::once_flag once;
  // A testee that dies while we write to it must be EPIPE, not the end of the
  // runner. Children get SIGPIPE back at its default (POSIX_SPAWN_SETSIGDEF).
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
}

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetU32(std::string_view p, size_t& off, uint32_t& v) {
  if (off + 4 > p.size()) return false;
  v = ReadFrameLength(p.data() + off);
  off += 4;
  return true;
}

bool GetU16(std::string_view p, size_t& off, uint16_t& v) {
  if (off + 2 > p.size()) return false;
  v = static_cast<uint16_t>(static_cast<uint8_t>(p[off]) | static_cast<uint8_t>(p[off + 1]) << 8);
  off += 2;
  return true;
}

// A child process: posix_spawn of /bin/sh -c COMMAND in its own process group.
struct Child {
  pid_t pid = -1;
  int in = -1;   // its stdin (we write); -1 in file mode
  int out = -1;  // its stdout (we read)

  bool Spawn(const std::string& command, bool stdin_pipe, const std::vector<std::string>& extra_env,
             const std::string& stderr_log, std::string* why) {
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    if ((stdin_pipe && pipe2(in_pipe, O_CLOEXEC) != 0) || pipe2(out_pipe, O_CLOEXEC) != 0) {
      if (why) *why = Errno("pipe2");
      return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdin_pipe)
      posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    else
      posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, stderr_log.empty() ? "/dev/null" : stderr_log.c_str(),
                                     O_WRONLY | O_APPEND | O_CREAT, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t def, mask;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigemptyset(&mask);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e) env_strings.emplace_back(*e);
    for (const auto& e : extra_env) env_strings.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
    char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (stdin_pipe) close(in_pipe[0]);
    close(out_pipe[1]);
    if (rc != 0) {
      errno = rc;
      if (why) *why = Errno("posix_spawn /bin/sh");
      if (stdin_pipe) close(in_pipe[1]);
      close(out_pipe[0]);
      pid = -1;
      return false;
    }
    in = stdin_pipe ? in_pipe[1] : -1;
    out = out_pipe[0];
    if (in >= 0) fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK);
    fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
    return true;
  }

  void CloseFds() {
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    in = out = -1;
  }

  // Kills the process group and reaps the child.
  void Kill() {
    if (pid > 0) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid = -1;
    CloseFds();
  }

  // Waits for exit until `deadline`; returns false on timeout (child still running).
  bool Wait(Clock::time_point deadline, int& status) {
    while (true) {
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        pid = -1;
        return true;
      }
      if (r < 0 && errno != EINTR) {
        pid = -1;
        status = 0;
        return true;
      }
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  enum class Io { kOk, kEof, kTimeout, kError };

  Io WriteAll(std::string_view data, Clock::time_point deadline, std::string* why) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(in, data.data() + off, data.size() - off);
      if (n > 0) {
        off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EPIPE) return Io::kEof;
      if (n < 0 && errno != EAGAIN) {
        if (why) *why = Errno("write");
        return Io::kError;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Io::kTimeout;
      pollfd p{in, POLLOUT, 0};
      int pr = poll(&p, 1, static_cast<int>(left));
      if (pr < 0 && errno != EINTR) {
        if (why) *why = Errno("poll");
        return Io::kError;
      }
      if (pr > 0 && (p.revents & (POLLERR | POLLHUP)) && !(p.revents & POLLOUT)) return Io::kEof;
    }
    return Io::kOk;
  }

  // Reads exactly n bytes (appended to `buf`).
  Io ReadExact(std::string& buf, size_t n, Clock::time_point deadline, std::string* why) {
    size_t want = buf.size() + n;
    char tmp[65536];
    while (buf.size() < want) {
      size_t chunk = std::min(sizeof tmp, want - buf.size());
      ssize_t r = read(out, tmp, chunk);
      if (r > 0) {
        buf.append(tmp, static_cast<size_t>(r));
        continue;
      }
      if (r == 0) return Io::kEof;
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        if (why) *why = Errno("read");
        return Io::kError;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Io::kTimeout;
      pollfd p{out, POLLIN, 0};
      int pr = poll(&p, 1, static_cast<int>(left));
      if (pr < 0 && errno != EINTR) {
        if (why) *why = Errno("poll");
        return Io::kError;
      }
    }
    return Io::kOk;
  }

  // Reads until EOF or `limit` bytes.
  Io ReadToEof(std::string& buf, size_t limit, Clock::time_point deadline, std::string* why) {
    char tmp[65536];
    while (true) {
      ssize_t r = read(out, tmp, sizeof tmp);
      if (r > 0) {
        if (buf.size() + static_cast<size_t>(r) > limit) {
          if (why) *why = "output over " + std::to_string(limit) + " bytes";
          return Io::kError;
        }
        buf.append(tmp, static_cast<size_t>(r));
        continue;
      }
      if (r == 0) return Io::kOk;
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        if (why) *why = Errno("read");
        return Io::kError;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Io::kTimeout;
      pollfd p{out, POLLIN, 0};
      poll(&p, 1, static_cast<int>(left));
    }
  }
};

std::string StatusText(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* s = strsignal(WTERMSIG(status));
    return "killed by signal " + std::to_string(WTERMSIG(status)) + (s ? std::string(" (") + s + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

class StreamTestee final : public Testee {
 public:
  StreamTestee(TesteeSpec spec, TesteeOptions options)
      : spec_(std::move(spec)), options_(std::move(options)) {
    info_.name = spec_.name;
    info_.version = "unknown";
  }
  ~StreamTestee() override { Stop(); }

  bool Start(std::string* why) override {
    if (child_.pid > 0) return true;
    if (!child_.Spawn(spec_.command, true, {}, options_.stderr_log, why)) return false;
    ++starts_;
    std::string hello = "{\"protocol\": 1, \"level\": \"" + std::string(LevelName(options_.level)) + "\"}";
    std::string frame;
    PutU32(frame, static_cast<uint32_t>(1 + hello.size()));
    frame.push_back('H');
    frame += hello;
    std::string payload;
    std::string err;
    TesteeReply unused;
    auto deadline = Clock::now() + options_.start_timeout;
    if (!Exchange(frame, deadline, payload, unused)) {
      if (why) *why = "no handshake: " + unused.message;
      return false;
    }
    if (payload.empty() || payload[0] != 'H') {
      child_.Kill();
      if (why) *why = "handshake answered with '" + std::string(payload.substr(0, 1)) + "', not 'H'";
      return false;
    }
    if (!hello_done_) {
      hello_done_ = true;
      info_.hello_json = payload.substr(1);
      Json j;
      if (ParseJson(info_.hello_json, j, nullptr) && j.is_object()) {
        if (j["name"].is_string() && !spec_.name_given) info_.name = j["name"].str();
        if (j["version"].is_string()) info_.version = j["version"].str();
        info_.description = j["description"].str();
        for (const Json& l : j["levels"].items()) info_.levels.push_back(l.str());
      }
    }
    return true;
  }

  const TesteeInfo& info() const override { return info_; }
  bool SupportsTranscode() const override {
    for (const auto& l : info_.levels)
      if (l == "transcode") return true;
    return false;
  }
  int starts() const override { return starts_; }

  void Run(std::string_view pickle, const DecodeOptions& options, Level level, TesteeReply& out) override {
    out = TesteeReply();
    std::string why;
    if (child_.pid <= 0) {
      if (failed_starts_ >= 3) {
        out.kind = ReplyKind::kCrash;
        out.message = "testee given up after 3 failed restarts";
        return;
      }
      if (!Start(&why)) {
        ++failed_starts_;
        out.kind = ReplyKind::kCrash;
        out.message = "cannot restart: " + why;
        return;
      }
    }
    failed_starts_ = 0;
    std::string frame;
    if (!AppendTesteeRequest(level == Level::kTranscode ? 'T' : 'L', pickle, options, frame, &why)) {
      out.kind = ReplyKind::kSkipped;
      out.message = "request does not fit the protocol: " + why;
      return;
    }
    std::string payload;
    if (!Exchange(frame, Clock::now() + options_.timeout, payload, out)) return;
    ParseTesteeResponse(payload, level, out);
    // After garbage the stream cannot be trusted to be in step: start afresh.
    if (out.kind == ReplyKind::kProtocolError) child_.Kill();
  }

 private:
  // Sends `frame`, reads one response payload. On failure fills `out`
  // (kCrash / kTimeout / kProtocolError), kills the child and returns false.
  bool Exchange(const std::string& frame, Clock::time_point deadline, std::string& payload,
                TesteeReply& out) {
    std::string why;
    Child::Io io = child_.WriteAll(frame, deadline, &why);
    std::string hdr;
    if (io == Child::Io::kOk) io = child_.ReadExact(hdr, 4, deadline, &why);
    if (io == Child::Io::kOk) {
      uint32_t n = ReadFrameLength(hdr.data());
      if (n == 0 || n > options_.max_frame_bytes) {
        Fail(out, ReplyKind::kProtocolError, "bad response length " + std::to_string(n));
        return false;
      }
      io = child_.ReadExact(payload, n, deadline, &why);
    }
    switch (io) {
      case Child::Io::kOk:
        return true;
      case Child::Io::kTimeout:
        Fail(out, ReplyKind::kTimeout,
             "no answer within " + std::to_string(options_.timeout.count()) + " ms");
        return false;
      case Child::Io::kEof: {
        int status = 0;
        child_.CloseFds();
        std::string how = child_.Wait(Clock::now() + std::chrono::milliseconds(500), status)
                              ? StatusText(status)
                              : "closed its output";
        Fail(out, ReplyKind::kCrash, "testee " + how);
        return false;
      }
      case Child::Io::kError:
        Fail(out, ReplyKind::kCrash, why);
        return false;
    }
    return false;
  }

  void Fail(TesteeReply& out, ReplyKind kind, std::string message) {
    out.kind = kind;
    out.message = std::move(message);
    child_.Kill();
  }

  void Stop() {
    if (child_.pid <= 0) return;
    std::string q;
    PutU32(q, 1);
    q.push_back('Q');
    std::string why;
    child_.WriteAll(q, Clock::now() + std::chrono::milliseconds(200), &why);
    if (child_.in >= 0) {
      close(child_.in);
      child_.in = -1;
    }
    int status = 0;
    if (!child_.Wait(Clock::now() + std::chrono::milliseconds(500), status)) child_.Kill();
    child_.CloseFds();
  }

  TesteeSpec spec_;
  TesteeOptions options_;
  TesteeInfo info_;
  Child child_;
  int starts_ = 0;
  int failed_starts_ = 0;  // consecutive; after 3 the testee is given up
  bool hello_done_ = false;
};

class FileTestee final : public Testee {
 public:
  FileTestee(TesteeSpec spec, TesteeOptions options) : spec_(std::move(spec)), options_(std::move(options)) {
    info_.name = spec_.name;
    info_.version = "unknown (file mode)";
    info_.levels = {"verdict", "transcode"};
  }
  bool Start(std::string*) override { return true; }
  const TesteeInfo& info() const override { return info_; }
  bool SupportsTranscode() const override { return true; }
  int starts() const override { return starts_; }

  void Run(std::string_view pickle, const DecodeOptions& options, Level level, TesteeReply& out) override {
    out = TesteeReply();
    static std::atomic<uint64_t> counter{0};
    std::string dir = options_.work_dir;
    if (dir.empty()) {
      const char* t = std::getenv("TMPDIR");
      dir = t && *t ? t : "/tmp";
    }
    std::string path = dir + "/picklecheck-conform-" + std::to_string(getpid()) + "-" +
                       std::to_string(counter.fetch_add(1)) + ".pickle";
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, pickle.data(), pickle.size()) != static_cast<ssize_t>(pickle.size())) {
      if (fd >= 0) close(fd);
      out.kind = ReplyKind::kSkipped;
      out.message = Errno("cannot write input file");
      return;
    }
    close(fd);
    std::string cmd = spec_.command;
    size_t at = cmd.find("{}");
    if (at != std::string::npos)
      cmd.replace(at, 2, ShellQuote(path));
    else
      cmd += " " + ShellQuote(path);
    std::vector<std::string> env = {"PICKLECHECK_LEVEL=" + std::string(LevelName(level)),
                                    "PICKLECHECK_OPTIONS=" + OptionsJson(options)};
    Child child;
    std::string why;
    if (!child.Spawn(cmd, false, env, options_.stderr_log, &why)) {
      unlink(path.c_str());
      out.kind = ReplyKind::kCrash;
      out.message = why;
      return;
    }
    ++starts_;
    auto deadline = Clock::now() + options_.timeout;
    std::string stdout_bytes;
    Child::Io io = child.ReadToEof(stdout_bytes, options_.max_frame_bytes, deadline, &why);
    int status = 0;
    bool exited = io != Child::Io::kTimeout && child.Wait(deadline, status);
    child.CloseFds();
    unlink(path.c_str());
    if (!exited) {
      child.Kill();
      out.kind = ReplyKind::kTimeout;
      out.message = "no exit within " + std::to_string(options_.timeout.count()) + " ms";
      return;
    }
    if (io == Child::Io::kError) {
      out.kind = ReplyKind::kProtocolError;
      out.message = why;
      return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      out.kind = ReplyKind::kAccepted;
      if (level == Level::kTranscode && !stdout_bytes.empty()) {
        out.has_pickle = true;
        out.pickle = std::move(stdout_bytes);
      }
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
      out.kind = ReplyKind::kRejected;
      out.message = stdout_bytes.substr(0, 300);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
      out.kind = ReplyKind::kSkipped;
      out.message = stdout_bytes.substr(0, 300);
    } else {
      out.kind = ReplyKind::kCrash;
      out.message = "testee " + StatusText(status);
    }
  }

 private:
  TesteeSpec spec_;
  TesteeOptions options_;
  TesteeInfo info_;
  int starts_ = 0;
};

}  // namespace

std::string_view LevelName(Level level) {
  return level == Level::kTranscode ? "transcode" : "verdict";
}
std::string_view ModeName(Mode mode) {
  return mode == Mode::kFile ? "file" : "stream";
}

std::string_view ReplyKindName(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::kAccepted:
      return "Accepted";
    case ReplyKind::kRejected:
      return "Rejected";
    case ReplyKind::kSkipped:
      return "Skipped";
    case ReplyKind::kCrash:
      return "Crash";
    case ReplyKind::kTimeout:
      return "Timeout";
    case ReplyKind::kProtocolError:
      return "ProtocolError";
  }
  return "?";
}

TesteeSpec ParseTesteeSpec(std::string_view arg) {
  TesteeSpec spec;
  size_t eq = arg.find('=');
  bool named = eq != std::string_view::npos && eq > 0;
  for (size_t i = 0; named && i < eq; ++i) {
    char c = arg[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+'))
      named = false;
  }
  if (named) {
    spec.name = std::string(arg.substr(0, eq));
    spec.command = std::string(arg.substr(eq + 1));
  } else {
    spec.command = std::string(arg);
    std::string first = spec.command.substr(0, spec.command.find(' '));
    size_t slash = first.rfind('/');
    spec.name = slash == std::string::npos ? first : first.substr(slash + 1);
  }
  spec.name_given = named;
  return spec;
}

std::unique_ptr<Testee> MakeTestee(const TesteeSpec& spec, Mode mode, const TesteeOptions& options) {
  IgnoreSigpipeOnce();
  if (mode == Mode::kFile) return std::make_unique<FileTestee>(spec, options);
  return std::make_unique<StreamTestee>(spec, options);
}

bool AppendTesteeRequest(char type, std::string_view pickle, const DecodeOptions& options, std::string& out,
                         std::string* why) {
  size_t start = out.size();
  if (!AppendLoadRequest(pickle, options, out, why)) return false;
  out[start + kFrameHeaderBytes] = type;
  return true;
}

bool ParseLoadPayload(std::string_view p, std::string& pickle, DecodeOptions& options, std::string* why) {
  auto fail = [&](const char* what) {
    if (why) *why = what;
    return false;
  };
  if (p.size() < 2 || (p[0] != 'L' && p[0] != 'T')) return fail("not an L/T request");
  uint8_t flags = static_cast<uint8_t>(p[1]);
  if (flags & ~7u) return fail("unknown flag bits");
  size_t off = 2;
  uint16_t n16 = 0;
  if (!GetU16(p, off, n16) || off + n16 > p.size()) return fail("short encoding");
  options.encoding.assign(p.substr(off, n16));
  off += n16;
  if (!GetU16(p, off, n16) || off + n16 > p.size()) return fail("short errors");
  options.errors.assign(p.substr(off, n16));
  off += n16;
  uint32_t nbuf = 0;
  if (!GetU32(p, off, nbuf)) return fail("short buffer count");
  options.fix_imports = flags & 1;
  options.persistent_load = flags & 2;
  options.buffers.reset();
  if (flags & 4) options.buffers.emplace();
  for (uint32_t i = 0; i < nbuf; ++i) {
    if (off + 1 > p.size()) return fail("short buffer");
    OobBuffer b;
    b.readonly = p[off++] != 0;
    uint32_t n = 0;
    if (!GetU32(p, off, n) || off + n > p.size()) return fail("short buffer data");
    b.data.assign(p.substr(off, n));
    off += n;
    if (options.buffers) options.buffers->push_back(std::move(b));
  }
  uint32_t n = 0;
  if (!GetU32(p, off, n) || off + n != p.size()) return fail("pickle length mismatch");
  pickle.assign(p.substr(off, n));
  return true;
}

void ParseTesteeResponse(std::string_view p, Level level, TesteeReply& out) {
  (void)level;
  if (p.empty()) {
    out.kind = ReplyKind::kProtocolError;
    out.message = "empty response";
    return;
  }
  std::string_view body = p.substr(1);
  switch (p[0]) {
    case 'V':
      out.kind = ReplyKind::kAccepted;
      out.has_text = !body.empty();
      out.text.assign(body);
      return;
    case 'B': {
      size_t off = 1;
      uint32_t n = 0;
      if (!GetU32(p, off, n) || off + n > p.size()) break;
      out.pickle.assign(p.substr(off, n));
      off += n;
      if (off < p.size()) {
        uint32_t k = 0;
        if (!GetU32(p, off, k)) break;
        for (uint32_t i = 0; i < k; ++i) {
          if (off + 1 > p.size()) goto bad;
          OobBuffer b;
          b.readonly = p[off++] != 0;
          uint32_t m = 0;
          if (!GetU32(p, off, m) || off + m > p.size()) goto bad;
          b.data.assign(p.substr(off, m));
          off += m;
          out.buffers.push_back(std::move(b));
        }
        if (off != p.size()) break;
      }
      out.kind = ReplyKind::kAccepted;
      out.has_pickle = true;
      return;
    }
    case 'E': {
      out.kind = ReplyKind::kRejected;
      size_t off = 1;
      uint16_t n = 0;
      uint32_t m = 0;
      if (GetU16(p, off, n) && off + n <= p.size()) {
        std::string type(p.substr(off, n));
        size_t off2 = off + n;
        if (GetU32(p, off2, m) && off2 + m == p.size()) {
          out.exception = std::move(type);
          out.message.assign(p.substr(off2, m));
          return;
        }
      }
      out.message.assign(body);  // free-form rejection text
      return;
    }
    case 'S':
    case 'M':
    case 'R':
    case 'U':
      out.kind = ReplyKind::kSkipped;
      out.message.assign(body);
      if (p[0] != 'S') out.message = std::string(1, p[0]) + ": " + out.message;
      return;
    case 'X':
      out.kind = ReplyKind::kCrash;
      out.message = "testee reported an internal failure: " + std::string(body);
      return;
    default:
      break;
  }
bad:
  out.kind = ReplyKind::kProtocolError;
  out.message = "malformed response: " + PrintablePrefix(p);
}

std::string OptionsJson(const DecodeOptions& o) {
  static const char kHex[] = "0123456789abcdef";
  std::string s = "{\"fix_imports\": ";
  s += o.fix_imports ? "true" : "false";
  s += ", \"encoding\": ";
  AppendJsonString(o.encoding, s);
  s += ", \"errors\": ";
  AppendJsonString(o.errors, s);
  s += ", \"persistent_load\": ";
  s += o.persistent_load ? "true" : "false";
  s += ", \"buffers\": ";
  if (!o.buffers) {
    s += "null";
  } else {
    s += "[";
    for (size_t i = 0; i < o.buffers->size(); ++i) {
      const OobBuffer& b = (*o.buffers)[i];
      if (i) s += ", ";
      s += "{\"readonly\": ";
      s += b.readonly ? "true" : "false";
      s += ", \"hex\": \"";
      for (unsigned char c : b.data) {
        s.push_back(kHex[c >> 4]);
        s.push_back(kHex[c & 15]);
      }
      s += "\"}";
    }
    s += "]";
  }
  s += "}";
  return s;
}

}  // namespace picklecheck::conform

// ScriptedOracle: an in-process Oracle whose answers are set by the test.
// Test-only (unit tests of the differential engine and of the pool); it
// starts no process.
//
//   picklecheck::testing::ScriptedOracle c("cpython-c", picklecheck::OracleImpl::kC);
//   c.On("K\x01.", picklecheck::testing::Accepted("1"))
//    .On("a.", picklecheck::testing::Rejected("UnpicklingError", "unpickling stack underflow"))
//    .Otherwise(picklecheck::testing::Failed(picklecheck::OracleErrorKind::kCrashed, "boom"));
//   picklecheck::Verdict v = picklecheck::Diff("K\x01.", {}, {&c});   // kAgree
//   EXPECT_EQ(c.loads(), 1);
#ifndef PICKLECHECK_HARNESS_ORACLE_SCRIPTED_ORACLE_H_
#define PICKLECHECK_HARNESS_ORACLE_SCRIPTED_ORACLE_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "harness/oracle/oracle.h"

namespace picklecheck::testing {

inline OracleOutcome Accepted(std::string value) {
  OracleOutcome out;
  out.kind = OutcomeKind::kAccepted;
  out.value = std::move(value);
  out.attempts = 1;
  return out;
}

inline OracleOutcome Rejected(std::string exception, std::string message) {
  OracleOutcome out;
  out.kind = OutcomeKind::kRejected;
  out.exception = std::move(exception);
  out.message = std::move(message);
  out.attempts = 1;
  return out;
}

// 'M' (memory == true) or 'R'.
inline OracleOutcome ResourceLimited(bool memory, std::string message) {
  OracleOutcome out;
  out.kind = OutcomeKind::kResourceLimit;
  out.exception = memory ? "MemoryError" : "RecursionError";
  out.message = std::move(message);
  out.attempts = 1;
  return out;
}

inline OracleOutcome TimedOut() {
  OracleOutcome out;
  out.kind = OutcomeKind::kTimeout;
  out.error = {OracleErrorKind::kTimeout, "no complete response within 10000 ms", {}};
  out.attempts = 2;
  return out;
}

inline OracleOutcome Failed(OracleErrorKind kind, std::string message) {
  OracleOutcome out;
  out.kind = OutcomeKind::kOracleFailure;
  out.error = {kind, std::move(message), {}};
  out.attempts = 2;
  return out;
}

class ScriptedOracle final : public Oracle {
 public:
  ScriptedOracle(std::string name, OracleImpl impl) : name_(std::move(name)), impl_(impl) {
    otherwise_ = Failed(OracleErrorKind::kInternal, "no scripted answer");
  }

  // The answer to Load(pickle, ...) for exactly these bytes.
  ScriptedOracle& On(std::string pickle, OracleOutcome outcome) {
    answers_[std::move(pickle)] = std::move(outcome);
    return *this;
  }
  // The answer to every other Load, and to Dump.
  ScriptedOracle& Otherwise(OracleOutcome outcome) {
    otherwise_ = std::move(outcome);
    return *this;
  }
  // Start() fails with this error from now on (kNone: succeeds).
  void FailStart(OracleError error) { start_error_ = std::move(error); }

  int loads() const { return loads_; }
  const std::string& last_pickle() const { return last_pickle_; }
  const DecodeOptions& last_options() const { return last_options_; }

  const std::string& name() const override { return name_; }
  OracleImpl impl() const override { return impl_; }
  bool Start(OracleError* error) override {
    if (start_error_.kind == OracleErrorKind::kNone) return true;
    if (error) *error = start_error_;
    return false;
  }
  OracleInfo Info() override {
    OracleInfo info;
    info.name = name_;
    info.impl = impl_;
    info.command = "scripted";
    info.started = Start(&info.error);
    if (info.started) {
      info.executable = "scripted";
      info.version = "0 (scripted)";
      info.implementation = "scripted";
    }
    return info;
  }
  void Load(std::string_view pickle, const DecodeOptions& options, OracleOutcome& out) override {
    ++loads_;
    last_pickle_.assign(pickle);
    last_options_ = options;
    auto it = answers_.find(last_pickle_);
    out = it != answers_.end() ? it->second : otherwise_;
  }
  void Dump(std::string_view /*canonical*/, const DumpOptions& /*options*/,
            OracleOutcome& out) override {
    out = otherwise_;
  }
  void Ping(OracleOutcome& out) override { out = Accepted(""); }
  using Oracle::Dump;
  using Oracle::Load;
  using Oracle::Ping;

 private:
  std::string name_;
  OracleImpl impl_;
  std::map<std::string, OracleOutcome, std::less<>> answers_;
  OracleOutcome otherwise_;
  OracleError start_error_;
  int loads_ = 0;
  std::string last_pickle_;
  DecodeOptions last_options_;
};

}  // namespace picklecheck::testing

#endif  // PICKLECHECK_HARNESS_ORACLE_SCRIPTED_ORACLE_H_

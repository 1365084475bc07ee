#include "harness/oracle/oracle.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

#include "harness/oracle/process_oracle.h"

#ifndef PICKLECHECK_DEFAULT_SOURCE_DIR
#define PICKLECHECK_DEFAULT_SOURCE_DIR "."
#endif

namespace picklecheck {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, OracleFactory> factories;
};

Registry& GetRegistry() {
  // Leaked on purpose: oracles may be made during static destruction of
  // other objects (a pool in a global), after a static registry would be gone.
  static Registry* registry = [] {
    auto* r = new Registry;
    r->factories["cpython-c"] = [](const std::string& name, const OracleOptions& options) {
      return std::make_unique<ProcessOracle>(name, OracleImpl::kC, options);
    };
    r->factories["cpython-py"] = [](const std::string& name, const OracleOptions& options) {
      return std::make_unique<ProcessOracle>(name, OracleImpl::kPython, options);
    };
    return r;
  }();
  return *registry;
}

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

std::string_view OracleImplName(OracleImpl impl) {
  switch (impl) {
    case OracleImpl::kC: return "c";
    case OracleImpl::kPython: return "python";
    case OracleImpl::kOther: return "other";
  }
  return "?";
}

std::string_view OracleErrorKindName(OracleErrorKind kind) {
  switch (kind) {
    case OracleErrorKind::kNone: return "None";
    case OracleErrorKind::kSpawnFailed: return "SpawnFailed";
    case OracleErrorKind::kCrashed: return "Crashed";
    case OracleErrorKind::kTimeout: return "Timeout";
    case OracleErrorKind::kBadFrame: return "BadFrame";
    case OracleErrorKind::kBadResponse: return "BadResponse";
    case OracleErrorKind::kInternal: return "Internal";
    case OracleErrorKind::kBadRequest: return "BadRequest";
    case OracleErrorKind::kIo: return "Io";
  }
  return "?";
}

std::string_view OutcomeKindName(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kAccepted: return "Accepted";
    case OutcomeKind::kRejected: return "Rejected";
    case OutcomeKind::kResourceLimit: return "ResourceLimit";
    case OutcomeKind::kUnrepresentable: return "Unrepresentable";
    case OutcomeKind::kTimeout: return "Timeout";
    case OutcomeKind::kOracleFailure: return "OracleFailure";
  }
  return "?";
}

std::string DescribeOracle(const OracleInfo& info) {
  std::string out = info.name + ": ";
  if (!info.started) {
    out += info.command + " (not started";
    if (info.error.kind != OracleErrorKind::kNone) {
      out += ": ";
      out += OracleErrorKindName(info.error.kind);
      out += ": " + info.error.message;
    }
    out += ")";
    return out;
  }
  out += info.executable.empty() ? info.command : info.executable;
  std::string version = info.version;
  std::replace(version.begin(), version.end(), '\n', ' ');
  out += " " + version + " (impl ";
  out += OracleImplName(info.impl);
  if (!info.implementation.empty()) out += ", " + info.implementation;
  if (info.pid >= 0) out += ", pid " + std::to_string(info.pid);
  out += ")";
  return out;
}

std::string DefaultPython(const OracleOptions& options) {
  if (!options.python.empty()) return options.python;
  return EnvOr("PICKLECHECK_PYTHON", "python3");
}

std::string DefaultOracleScript(const OracleOptions& options) {
  if (!options.script.empty()) return options.script;
  std::string script = EnvOr("PICKLECHECK_ORACLE_SCRIPT", "");
  if (!script.empty()) return script;
  return EnvOr("PICKLECHECK_SOURCE_DIR", PICKLECHECK_DEFAULT_SOURCE_DIR) +
         "/oracles/pickle_oracle.py";
}

std::unique_ptr<Oracle> MakeOracle(std::string_view name, const OracleOptions& options,
                                   std::string* error) {
  std::string key(name);
  {
    Registry& r = GetRegistry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.factories.find(key);
    if (it != r.factories.end()) return it->second(key, options);
  }
  // "<interpreter>:<impl>": the impl follows the last ':', so interpreter
  // paths may contain ':' themselves.
  size_t colon = key.rfind(':');
  if (colon != std::string::npos && colon > 0) {
    std::string_view impl = std::string_view(key).substr(colon + 1);
    OracleImpl which = OracleImpl::kOther;
    if (impl == "c") which = OracleImpl::kC;
    if (impl == "python" || impl == "py") which = OracleImpl::kPython;
    if (which != OracleImpl::kOther) {
      OracleOptions with_python = options;
      with_python.python = key.substr(0, colon);
      return std::make_unique<ProcessOracle>(key, which, with_python);
    }
  }
  if (error) {
    *error = "unknown oracle \"" + key + "\"; known:";
    for (const std::string& n : RegisteredOracleNames()) *error += " " + n;
    *error += ", or INTERPRETER:c / INTERPRETER:python";
  }
  return nullptr;
}

void RegisterOracle(const std::string& name, OracleFactory factory) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.factories[name] = std::move(factory);
}

std::vector<std::string> RegisteredOracleNames() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

}  // namespace picklecheck

#include "harness/conform/vectors.h"

#include <fstream>
#include <set>
#include <sstream>

#include "harness/conform/json.h"

namespace picklecheck::conform {
namespace {

bool FromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

Answer ParseAnswer(const Json& j) {
  Answer a;
  a.kind = j["kind"].str();
  a.value = j["value"].str();
  a.exception = j["exception"].str();
  a.message = j["message"].str();
  for (const Json& b : j["by"].items()) a.by.push_back(b.str());
  return a;
}

}  // namespace

std::string_view ExpectName(Expect e) {
  switch (e) {
    case Expect::kAccept:
      return "accept";
    case Expect::kReject:
      return "reject";
    case Expect::kEither:
      return "either";
  }
  return "?";
}

std::string_view ExpectPrefix(Expect e) {
  switch (e) {
    case Expect::kAccept:
      return "y";
    case Expect::kReject:
      return "n";
    case Expect::kEither:
      return "i";
  }
  return "?";
}

bool Vector::HasFlag(std::string_view flag) const {
  for (const auto& f : flags)
    if (f == flag) return true;
  return false;
}

bool Vector::NonDefaultOptions() const {
  return !options.fix_imports || options.encoding != "ASCII" || options.errors != "strict" ||
         options.persistent_load || options.buffers.has_value();
}

bool ParseVector(std::string_view line, Vector& v, std::string* why) {
  Json j;
  if (!ParseJson(line, j, why)) return false;
  if (!j.is_object()) {
    if (why) *why = "not a JSON object";
    return false;
  }
  v = Vector();
  v.id = j["id"].str();
  v.name = j["name"].str();
  if (v.id.empty() || v.name.empty()) {
    if (why) *why = "missing id or name";
    return false;
  }
  const std::string& e = j["expect"].str();
  if (e == "accept")
    v.expect = Expect::kAccept;
  else if (e == "reject")
    v.expect = Expect::kReject;
  else if (e == "either")
    v.expect = Expect::kEither;
  else {
    if (why) *why = "bad expect \"" + e + "\"";
    return false;
  }
  v.required = j["level"].str() != "Advisory";
  v.family = j["family"].str();
  v.opcode = j["opcode"].str();
  v.protocol = static_cast<int>(j["protocol"].num());
  for (const Json& f : j["flags"].items()) v.flags.push_back(f.str());
  v.comment = j["comment"].str();
  v.source = j["source"].str();
  const Json& o = j["options"];
  v.options.fix_imports = o.has("fix_imports") ? o["fix_imports"].boolean() : true;
  v.options.encoding = o.has("encoding") ? o["encoding"].str() : "ASCII";
  v.options.errors = o.has("errors") ? o["errors"].str() : "strict";
  v.options.persistent_load = o["persistent_load"].boolean();
  if (o["buffers"].is_array()) {
    v.options.buffers.emplace();
    for (const Json& b : o["buffers"].items()) {
      OobBuffer buf;
      buf.readonly = b["readonly"].boolean();
      if (!FromHex(b["hex"].str(), buf.data)) {
        if (why) *why = "bad buffer hex";
        return false;
      }
      v.options.buffers->push_back(std::move(buf));
    }
  }
  if (!FromHex(j["pickle"].str(), v.pickle)) {
    if (why) *why = "bad pickle hex";
    return false;
  }
  v.result = ParseAnswer(j["result"]);
  if (v.required && !v.result.accepted() && !v.result.rejected()) {
    if (why) *why = "result is neither a value nor an error";
    return false;
  }
  for (const Json& a : j["answers"].items()) v.answers.push_back(ParseAnswer(a));
  return true;
}

bool LoadVectors(const std::string& path, std::vector<Vector>& out, std::string* why) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (why) *why = "cannot read " + path;
    return false;
  }
  out.clear();
  std::set<std::string, std::less<>> ids;
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    Vector v;
    std::string err;
    if (!ParseVector(line, v, &err)) {
      if (why) *why = path + ":" + std::to_string(n) + ": " + err;
      return false;
    }
    if (!ids.insert(v.id).second) {
      if (why) *why = path + ":" + std::to_string(n) + ": duplicate id " + v.id;
      return false;
    }
    out.push_back(std::move(v));
  }
  return true;
}

std::string DescribeOptions(const DecodeOptions& options) {
  std::ostringstream s;
  const char* sep = "";
  if (!options.fix_imports) {
    s << sep << "fix_imports=False";
    sep = " ";
  }
  if (options.encoding != "ASCII") {
    s << sep << "encoding=" << options.encoding;
    sep = " ";
  }
  if (options.errors != "strict") {
    s << sep << "errors=" << options.errors;
    sep = " ";
  }
  if (options.persistent_load) {
    s << sep << "persistent_load";
    sep = " ";
  }
  if (options.buffers) {
    s << sep << "buffers=[";
    for (size_t i = 0; i < options.buffers->size(); ++i) {
      if (i) s << ", ";
      s << ((*options.buffers)[i].readonly ? "r" : "w") << (*options.buffers)[i].data.size() << "B";
    }
    s << "]";
  }
  return s.str();
}

bool GlobMatch(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace picklecheck::conform

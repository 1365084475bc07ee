// Test helpers for the codec: hex/escape literals and one-line verdicts.
//
//   EXPECT_EQ(Verdict("K\x01."), "1");
//   EXPECT_EQ(Verdict("a."), "StackUnderflow@0");
#ifndef PICKLECHECK_HARNESS_TESTING_PICKLE_TESTING_H_
#define PICKLECHECK_HARNESS_TESTING_PICKLE_TESTING_H_

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/canonical.h"
#include "harness/pickle/decoder.h"

namespace picklecheck::testing {

inline std::string FromHex(std::string_view hex) {
  std::string out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nib(hex[i]) * 16 + nib(hex[i + 1])));
  }
  return out;
}

inline std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

// The canonical text of the decoded value, or "Kind@offset" on rejection.
inline std::string Verdict(std::string_view pickle, const DecodeOptions& options = {}) {
  Result<Document> doc = Decode(pickle, options);
  if (!doc.ok()) {
    return std::string(ErrorKindName(doc.error().kind)) + "@" + std::to_string(doc.error().offset);
  }
  return ToCanonical(doc->root());
}

inline std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

// Unpickler options as the test-data files write them: comma-separated
// key=value with fix=0|1, enc=NAME, err=NAME, pers=0|1, buf=wHEX;rHEX
// (buffers; "buf=" is an empty list, no buf key is buffers=None).
// Unknown keys set *bad (when given).
inline DecodeOptions ParseOptions(const std::string& text, bool* bad = nullptr) {
  DecodeOptions o;
  if (text.empty()) return o;
  for (const std::string& kv : Split(text, ',')) {
    size_t eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (key == "enc") {
      o.encoding = value;
    } else if (key == "err") {
      o.errors = value;
    } else if (key == "fix") {
      o.fix_imports = value != "0";
    } else if (key == "pers") {
      o.persistent_load = value != "0";
    } else if (key == "buf") {
      o.buffers.emplace();
      if (value.empty()) continue;
      for (const std::string& b : Split(value, ';')) {
        o.buffers->push_back(OobBuffer{FromHex(b.substr(1)), b[0] == 'r'});
      }
    } else if (bad != nullptr) {
      *bad = true;
    }
  }
  return o;
}

// Root of the source tree (ctest runs tests from it; the environment may say otherwise).
inline std::string SourcePath(std::string_view relative) {
  const char* root = std::getenv("PICKLECHECK_SOURCE_DIR");
  std::string base = root ? root : ".";
  return base + "/" + std::string(relative);
}

inline bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace picklecheck::testing

#endif  // PICKLECHECK_HARNESS_TESTING_PICKLE_TESTING_H_

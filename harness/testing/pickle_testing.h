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

// Expected-failure lists: corpus/conformance/expected/<testee>.txt (verdict
// level) and <testee>.transcode.txt (transcode level). One vector id per
// line, an optional "# message" after it (informational: what the failure
// looked like when the entry was written); '#' lines and blank lines are
// comments.
//
//   # corpus/conformance/expected/pickleparser.txt
//   Required.cpython-c.P0.INT.IntOctal   # AcceptedInvalid: accepted; CPython: ValueError
//   Required.cpython-c.P4.FRAME.PayloadTruncated
//
// A run fails on a failure that is not listed (unexpected) and on an entry
// whose vector passed (stale); `picklecheck conform --fix` rewrites the list.
#ifndef PICKLECHECK_HARNESS_CONFORM_EXPECTED_FAILURES_H_
#define PICKLECHECK_HARNESS_CONFORM_EXPECTED_FAILURES_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace picklecheck::conform {

struct ExpectedEntry {
  std::string id;
  std::string message;  // text after '#', trimmed; may be empty
  int line = 0;         // 1-based line in the file; 0 when added in code
};

class ExpectedFailures {
 public:
  // Parses the list. Fails (and leaves the list empty) on a duplicate id or
  // an id with characters other than [A-Za-z0-9._+-]: "LINE: reason".
  bool Parse(std::string_view text, std::string* why);
  // Reads `path`; a missing file is an empty list.
  bool Load(const std::string& path, std::string* why);

  const ExpectedEntry* Find(std::string_view id) const;
  const std::vector<ExpectedEntry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

  // The file form: `header` lines as "# ..." comments, then the entries
  // sorted by id, "ID  # message" or "ID".
  static std::string Format(std::vector<ExpectedEntry> entries, std::string_view header);

 private:
  std::vector<ExpectedEntry> entries_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace picklecheck::conform

#endif  // PICKLECHECK_HARNESS_CONFORM_EXPECTED_FAILURES_H_

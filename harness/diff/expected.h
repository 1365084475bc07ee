// Expected-divergence lists: corpus/expected/<oracle>.txt.
//
// A known, accepted difference between the decoder and an oracle is listed by
// case id, so a conformance run can pass while it stands, and must fail once
// it stops: an entry whose case now agrees is *stale*.
//
//   # corpus/expected/cpython-c.txt: comments and blank lines are ignored
//   Required.cpython-c.P4.FRAME.TruncatedPayload   # AcceptRejectMismatch: ours raised Truncated
//   Required.cpython-c.P2.REDUCE.BigBytearray
//
// The optional text after '#' is a prefix of the divergence's
// Verdict::Summary(): the entry then expects *that* divergence, and a case
// that diverges some other way is reported (kMessageChanged) rather than
// excused.
//
//   picklecheck::ExpectedDivergences expected;
//   std::string why;
//   if (!expected.Load("corpus/expected/cpython-c.txt", &why)) ...;
//   for (each case) switch (expected.Check(case_id, verdict)) { ... }
//   for (const auto* e : expected.Stale()) report("stale: " + e->case_id);
#ifndef PICKLECHECK_HARNESS_DIFF_EXPECTED_H_
#define PICKLECHECK_HARNESS_DIFF_EXPECTED_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/diff/diff.h"

namespace picklecheck {

struct ExpectedDivergence {
  std::string case_id;
  std::string message_prefix;  // empty: any divergence
  int line = 0;                // 1-based line in the file (0 when added in code)
};

// How one case's result relates to the list.
enum class Expectation : uint8_t {
  kPass,                  ///< not listed, no divergence
  kExpectedDivergence,    ///< listed, diverged, and the summary starts with the prefix
  kUnexpectedDivergence,  ///< not listed, diverged: a failure
  kMessageChanged,        ///< listed, diverged, but the summary lacks the prefix: a failure
  kStale,                 ///< listed, but agreed: the entry must go (a failure)
  kNotJudged,             ///< inconclusive or oracle failure: says nothing either way
};

std::string_view ExpectationName(Expectation e);
// True for the outcomes a conformance run fails on.
bool IsFailure(Expectation e);

class ExpectedDivergences {
 public:
  // Parses the list format. Returns false and sets *error ("LINE: reason")
  // for a duplicate case id, or a case id containing whitespace. On failure
  // the object is left empty.
  bool Parse(std::string_view text, std::string* error);
  // Reads and parses `path`. A missing or unreadable file is an error
  // ("cannot read PATH"); an empty file is an empty list.
  bool Load(const std::string& path, std::string* error);

  // Adds one entry; returns false if the id is already listed.
  bool Add(ExpectedDivergence entry);

  // Classifies one case's result and records that the case ran.
  Expectation Check(std::string_view case_id, VerdictKind kind, std::string_view summary);
  Expectation Check(std::string_view case_id, const Verdict& verdict) {
    return Check(case_id, verdict.kind, verdict.Summary());
  }

  // Listed entries whose case was checked and agreed, in file order.
  std::vector<const ExpectedDivergence*> Stale() const;
  // Listed entries whose case was never checked, in file order (a full run
  // that leaves entries unchecked has entries for cases that no longer exist).
  std::vector<const ExpectedDivergence*> NotRun() const;

  const ExpectedDivergence* Find(std::string_view case_id) const;
  size_t size() const { return entries_.size(); }
  const std::vector<ExpectedDivergence>& entries() const { return entries_; }

  // The list in file form, sorted by case id, one entry per line
  // ("ID  # PREFIX" or "ID"), after `header` lines (each written as "# ...").
  static std::string Format(std::vector<ExpectedDivergence> entries, std::string_view header = {});

 private:
  enum class Seen : uint8_t { kNo, kDiverged, kAgreed, kUnjudged };
  std::vector<ExpectedDivergence> entries_;
  std::vector<Seen> seen_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_DIFF_EXPECTED_H_

#include "harness/diff/expected.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace picklecheck {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view ExpectationName(Expectation e) {
  switch (e) {
    case Expectation::kPass: return "Pass";
    case Expectation::kExpectedDivergence: return "ExpectedDivergence";
    case Expectation::kUnexpectedDivergence: return "UnexpectedDivergence";
    case Expectation::kMessageChanged: return "MessageChanged";
    case Expectation::kStale: return "Stale";
    case Expectation::kNotJudged: return "NotJudged";
  }
  return "?";
}

bool IsFailure(Expectation e) {
  switch (e) {
    case Expectation::kUnexpectedDivergence:
    case Expectation::kMessageChanged:
    case Expectation::kStale: return true;
    case Expectation::kPass:
    case Expectation::kExpectedDivergence:
    case Expectation::kNotJudged: return false;
  }
  return false;
}

bool ExpectedDivergences::Add(ExpectedDivergence entry) {
  if (index_.count(entry.case_id) != 0) return false;
  index_.emplace(entry.case_id, entries_.size());
  entries_.push_back(std::move(entry));
  seen_.push_back(Seen::kNo);
  return true;
}

bool ExpectedDivergences::Parse(std::string_view text, std::string* error) {
  entries_.clear();
  seen_.clear();
  index_.clear();
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    std::string_view id = line;
    std::string_view prefix;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) {
      id = line.substr(0, hash);
      prefix = Trim(line.substr(hash + 1));
    }
    id = Trim(id);
    if (id.empty()) continue;  // blank or a comment line
    auto fail = [&](const std::string& why) {
      if (error) *error = std::to_string(line_no) + ": " + why;
      entries_.clear();
      seen_.clear();
      index_.clear();
      return false;
    };
    if (id.find_first_of(" \t") != std::string_view::npos) {
      return fail("case id \"" + std::string(id) +
                  "\" contains whitespace (a message prefix follows '#')");
    }
    if (const ExpectedDivergence* dup = Find(id)) {
      return fail("case id " + std::string(id) + " already listed on line " +
                  std::to_string(dup->line));
    }
    Add({std::string(id), std::string(prefix), line_no});
  }
  return true;
}

bool ExpectedDivergences::Load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot read " + path;
    entries_.clear();
    seen_.clear();
    index_.clear();
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string why;
  if (!Parse(text.str(), &why)) {
    if (error) *error = path + ":" + why;
    return false;
  }
  return true;
}

const ExpectedDivergence* ExpectedDivergences::Find(std::string_view case_id) const {
  auto it = index_.find(case_id);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

Expectation ExpectedDivergences::Check(std::string_view case_id, VerdictKind kind,
                                       std::string_view summary) {
  auto it = index_.find(case_id);
  const bool listed = it != index_.end();
  Seen* seen = listed ? &seen_[it->second] : nullptr;
  if (!IsDivergence(kind)) {
    if (kind != VerdictKind::kAgree) {
      // Inconclusive, or the oracle failed: no evidence that the divergence stopped.
      if (seen && *seen == Seen::kNo) *seen = Seen::kUnjudged;
      return Expectation::kNotJudged;
    }
    if (!listed) return Expectation::kPass;
    *seen = Seen::kAgreed;
    return Expectation::kStale;
  }
  if (!listed) return Expectation::kUnexpectedDivergence;
  *seen = Seen::kDiverged;
  const std::string& prefix = entries_[it->second].message_prefix;
  if (summary.substr(0, prefix.size()) != prefix) return Expectation::kMessageChanged;
  return Expectation::kExpectedDivergence;
}

std::vector<const ExpectedDivergence*> ExpectedDivergences::Stale() const {
  std::vector<const ExpectedDivergence*> out;
  for (size_t k = 0; k < entries_.size(); ++k) {
    if (seen_[k] == Seen::kAgreed) out.push_back(&entries_[k]);
  }
  return out;
}

std::vector<const ExpectedDivergence*> ExpectedDivergences::NotRun() const {
  std::vector<const ExpectedDivergence*> out;
  for (size_t k = 0; k < entries_.size(); ++k) {
    if (seen_[k] == Seen::kNo) out.push_back(&entries_[k]);
  }
  return out;
}

std::string ExpectedDivergences::Format(std::vector<ExpectedDivergence> entries,
                                        std::string_view header) {
  std::sort(entries.begin(), entries.end(),
            [](const ExpectedDivergence& a, const ExpectedDivergence& b) {
              return a.case_id < b.case_id;
            });
  std::string out;
  while (!header.empty()) {
    size_t nl = header.find('\n');
    std::string_view line = header.substr(0, nl);
    header = nl == std::string_view::npos ? std::string_view() : header.substr(nl + 1);
    out += line.empty() ? "#\n" : "# " + std::string(line) + "\n";
  }
  for (const ExpectedDivergence& e : entries) {
    out += e.case_id;
    if (!e.message_prefix.empty()) {
      // The prefix runs from the first '#' to the end of the line, so it may
      // hold '#' itself; a newline cannot round-trip, and ends it here.
      std::string prefix = e.message_prefix.substr(0, e.message_prefix.find('\n'));
      out += "  # " + prefix;
    }
    out += "\n";
  }
  return out;
}

}  // namespace picklecheck

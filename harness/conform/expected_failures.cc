#include "harness/conform/expected_failures.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

namespace picklecheck::conform {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ValidId(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+'))
      return false;
  return true;
}

}  // namespace

bool ExpectedFailures::Parse(std::string_view text, std::string* why) {
  entries_.clear();
  index_.clear();
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    std::string_view t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    std::string_view message;
    size_t hash = t.find('#');
    if (hash != std::string_view::npos) {
      message = Trim(t.substr(hash + 1));
      t = Trim(t.substr(0, hash));
    }
    if (!ValidId(t)) {
      if (why) *why = std::to_string(line_no) + ": not a vector id: \"" + std::string(t) + "\"";
      entries_.clear();
      index_.clear();
      return false;
    }
    if (index_.count(t)) {
      if (why) *why = std::to_string(line_no) + ": duplicate id " + std::string(t);
      entries_.clear();
      index_.clear();
      return false;
    }
    index_.emplace(std::string(t), entries_.size());
    entries_.push_back({std::string(t), std::string(message), line_no});
  }
  return true;
}

bool ExpectedFailures::Load(const std::string& path, std::string* why) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    entries_.clear();
    index_.clear();
    return true;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (why) *why = "cannot read " + path;
    return false;
  }
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string err;
  if (!Parse(text, &err)) {
    if (why) *why = path + ":" + err;
    return false;
  }
  return true;
}

const ExpectedEntry* ExpectedFailures::Find(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::string ExpectedFailures::Format(std::vector<ExpectedEntry> entries, std::string_view header) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::string out;
  while (!header.empty()) {
    size_t nl = header.find('\n');
    std::string_view line = header.substr(0, nl);
    header = nl == std::string_view::npos ? std::string_view() : header.substr(nl + 1);
    out += line.empty() ? "#" : "# ";
    out += line;
    out += "\n";
  }
  for (const auto& e : entries) {
    out += e.id;
    if (!e.message.empty()) {
      out += "  # ";
      for (char c : e.message) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
    }
    out += "\n";
  }
  return out;
}

}  // namespace picklecheck::conform

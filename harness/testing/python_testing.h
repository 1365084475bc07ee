// Test helpers that ask CPython itself: run a script with the interpreter
// CPython behaviour is judged by ($PICKLECHECK_PYTHON, default python3) and
// read what it prints.
//
//   for (const auto& row : RunPythonTable("print('a\\tb')")) ...  // {"a", "b"}
#ifndef PICKLECHECK_HARNESS_TESTING_PYTHON_TESTING_H_
#define PICKLECHECK_HARNESS_TESTING_PYTHON_TESTING_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "harness/testing/pickle_testing.h"

namespace picklecheck::testing {

// Runs `script` and appends its stdout to `output`; false when the script
// could not run or exited non-zero.
inline bool RunPython(const std::string& script, std::string& output) {
  const char* env = std::getenv("PICKLECHECK_PYTHON");
  const std::string python = env != nullptr && *env != '\0' ? env : "python3";
  char path[] = "/tmp/picklecheck_python_test_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return false;
  const bool written = write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  close(fd);
  bool ok = false;
  if (written) {
    const std::string command = "'" + python + "' '" + path + "'";
    if (FILE* pipe = popen(command.c_str(), "r")) {
      char buf[65536];
      size_t got;
      while ((got = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, got);
      ok = pclose(pipe) == 0;
    }
  }
  unlink(path);
  return ok;
}

// The script's output as rows of fields (blank lines skipped).
inline std::vector<std::vector<std::string>> RunPythonTable(const std::string& script, char field_sep = '\t') {
  std::string output;
  EXPECT_TRUE(RunPython(script, output));
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : Split(output, '\n')) {
    if (!line.empty()) rows.push_back(Split(line, field_sep));
  }
  return rows;
}

}  // namespace picklecheck::testing

#endif  // PICKLECHECK_HARNESS_TESTING_PYTHON_TESTING_H_

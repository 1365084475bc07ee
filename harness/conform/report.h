// Reports of a conformance run.
//
//   PrintSummary(result, std::cout);       // pass rates by family and by flag, failures,
//                                          // and the protobuf-style last line:
//   // CONFORMANCE PASSED: 6830 successes, 12 expected failures, 0 unexpected failures, 4 skipped
//   WriteReports(result, "out/", &why);    // out/conformance.html (self-contained matrix,
//                                          // no network), summary.md, junit.xml, results.json
#ifndef PICKLECHECK_HARNESS_CONFORM_REPORT_H_
#define PICKLECHECK_HARNESS_CONFORM_REPORT_H_

#include <ostream>
#include <string>

#include "harness/conform/runner.h"

namespace picklecheck::conform {

// The last line alone.
std::string FinalLine(const RunResult& result);

void PrintSummary(const RunResult& result, std::ostream& out, bool details = true);

// Writes the four report files into `dir` (created if missing).
bool WriteReports(const RunResult& result, const std::string& dir, std::string* why);

// The pieces, for tests.
std::string RenderHtml(const RunResult& result);
std::string RenderMarkdown(const RunResult& result);
std::string RenderJunit(const RunResult& result);
std::string RenderJson(const RunResult& result);

}  // namespace picklecheck::conform

#endif  // PICKLECHECK_HARNESS_CONFORM_REPORT_H_

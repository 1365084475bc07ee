// CPython exception names -> picklecheck ErrorKinds: the one table.
//
// The decoder reports a closed ErrorKind; an oracle reports the exception
// type CPython raised (`type(e).__name__`). Verdicts compare the two through
// this table: a rejection agrees when the oracle's exception is the row that
// holds our kind. Many kinds share one exception type (22 kinds are
// UnpicklingError), so agreement here means "same exception type", not "same
// reason"; the messages are kept in the verdict for a reader to compare.
//
//   const picklecheck::CPythonException* row =
//       picklecheck::FindCPythonException("_pickle.UnpicklingError");
//   // row->name == "UnpicklingError", row->kinds holds kTruncated, kStackUnderflow, ...
//   bool same = picklecheck::ExceptionMatchesKind("EOFError",
//                                                 picklecheck::ErrorKind::kEndOfInput);  // true
//
// Rows with no kinds are exceptions the C unpickler never raises for a
// decodable input under the safe policy, but pickle._Unpickler or the oracle
// does (IndexError from list.pop, struct.error, KeyError): they can never
// match a decoder rejection. kUnsupportedForm and kLimitExceeded are in no
// row: they are not CPython outcomes (verdicts call them inconclusive).
// cpython_errors_test checks the table against error.h's PythonException().
#ifndef PICKLECHECK_HARNESS_DIFF_CPYTHON_ERRORS_H_
#define PICKLECHECK_HARNESS_DIFF_CPYTHON_ERRORS_H_

#include <span>
#include <string_view>

#include "harness/pickle/error.h"

namespace picklecheck {

struct CPythonException {
  std::string_view name;             // type(e).__name__: "UnpicklingError", "error" (struct.error)
  std::span<const ErrorKind> kinds;  // the decoder kinds CPython reports with this type
  std::string_view note;             // who raises it, and what sharing it hides
};

// Every row, in a fixed order (most common first).
std::span<const CPythonException> CPythonExceptions();

// The bare type name: "_pickle.UnpicklingError" and "pickle.UnpicklingError"
// become "UnpicklingError" (oracles send __name__, but qualified names are
// accepted).
std::string_view NormalizeExceptionName(std::string_view name);

// The row for `name` (normalized first), or nullptr for an exception the
// table does not know.
const CPythonException* FindCPythonException(std::string_view name);

// True when `exception` is the type CPython raises for `kind`.
bool ExceptionMatchesKind(std::string_view exception, ErrorKind kind);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_DIFF_CPYTHON_ERRORS_H_

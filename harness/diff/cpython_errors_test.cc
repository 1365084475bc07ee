#include "harness/diff/cpython_errors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace picklecheck {
namespace {

// The table and error.h's PythonException() must say the same thing: every
// kind that is a CPython outcome is in exactly the row of its exception.
TEST(CPythonErrorsTest, EveryKindIsInTheRowOfItsException) {
  for (int k = 0; k < kNumErrorKinds; ++k) {
    auto kind = static_cast<ErrorKind>(k);
    std::string_view py = PythonException(kind);
    int rows = 0;
    for (const CPythonException& row : CPythonExceptions()) {
      if (std::find(row.kinds.begin(), row.kinds.end(), kind) != row.kinds.end()) {
        ++rows;
        EXPECT_EQ(row.name, py) << ErrorKindName(kind);
      }
    }
    if (py.empty()) {
      EXPECT_EQ(rows, 0) << ErrorKindName(kind) << " is not a CPython outcome";
      EXPECT_TRUE(IsInconclusive(kind)) << ErrorKindName(kind);
    } else {
      EXPECT_EQ(rows, 1) << ErrorKindName(kind);
      EXPECT_TRUE(ExceptionMatchesKind(py, kind)) << ErrorKindName(kind);
    }
  }
}

TEST(CPythonErrorsTest, RowNamesAreUniqueAndNoted) {
  std::set<std::string_view> names;
  for (const CPythonException& row : CPythonExceptions()) {
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    EXPECT_FALSE(row.note.empty()) << row.name;
  }
}

TEST(CPythonErrorsTest, SharedTypesSayTheyAreShared) {
  for (const CPythonException& row : CPythonExceptions()) {
    bool says_shared = row.note.find("SHARED by " + std::to_string(row.kinds.size()) + " kinds") !=
                       std::string_view::npos;
    EXPECT_EQ(says_shared, row.kinds.size() > 1) << row.name << ": " << row.note;
  }
  const CPythonException* unpickling = FindCPythonException("UnpicklingError");
  ASSERT_NE(unpickling, nullptr);
  EXPECT_EQ(unpickling->kinds.size(), 22u);
}

TEST(CPythonErrorsTest, QualifiedNamesAreNormalized) {
  EXPECT_EQ(NormalizeExceptionName("_pickle.UnpicklingError"), "UnpicklingError");
  EXPECT_EQ(NormalizeExceptionName("pickle.UnpicklingError"), "UnpicklingError");
  EXPECT_EQ(NormalizeExceptionName("EOFError"), "EOFError");
  EXPECT_TRUE(ExceptionMatchesKind("_pickle.UnpicklingError", ErrorKind::kTruncated));
}

TEST(CPythonErrorsTest, SharedTypeMatchesEachOfItsKinds) {
  EXPECT_TRUE(ExceptionMatchesKind("UnpicklingError", ErrorKind::kTruncated));
  EXPECT_TRUE(ExceptionMatchesKind("UnpicklingError", ErrorKind::kStackUnderflow));
  EXPECT_TRUE(ExceptionMatchesKind("ValueError", ErrorKind::kUnsupportedProtocol));
  EXPECT_TRUE(ExceptionMatchesKind("OverflowError", ErrorKind::kFrameOverflow));
}

TEST(CPythonErrorsTest, DifferentTypesDoNotMatch) {
  EXPECT_FALSE(ExceptionMatchesKind("ValueError", ErrorKind::kTruncated));
  EXPECT_FALSE(ExceptionMatchesKind("EOFError", ErrorKind::kTruncated));
  // A subclass is not its base: UnicodeDecodeError is a ValueError in Python.
  EXPECT_FALSE(ExceptionMatchesKind("ValueError", ErrorKind::kUnicodeDecode));
  EXPECT_FALSE(ExceptionMatchesKind("UnicodeDecodeError", ErrorKind::kBadEscape));
}

TEST(CPythonErrorsTest, PurePythonOnlyExceptionsMatchNoKind) {
  for (std::string_view name : {"error", "KeyError", "MemoryError"}) {
    const CPythonException* row = FindCPythonException(name);
    ASSERT_NE(row, nullptr) << name;
    EXPECT_TRUE(row->kinds.empty()) << name;
  }
  EXPECT_FALSE(ExceptionMatchesKind("error", ErrorKind::kTruncated));
}

TEST(CPythonErrorsTest, UnknownExceptionIsNotFound) {
  EXPECT_EQ(FindCPythonException("FrobnicationError"), nullptr);
  EXPECT_FALSE(ExceptionMatchesKind("FrobnicationError", ErrorKind::kTruncated));
  EXPECT_EQ(FindCPythonException(""), nullptr);
}

}  // namespace
}  // namespace picklecheck

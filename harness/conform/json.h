// A small JSON reader and writer for the conformance runner: the vector
// manifest (corpus/conformance/vectors.jsonl), testee handshakes and the
// reports. Not a general-purpose library: values are a tree of std::string /
// double / vector / sorted map, strings keep their UTF-8 bytes (\uXXXX
// escapes, surrogate pairs included, become UTF-8; a lone surrogate becomes
// its 3-byte surrogatepass form).
//
//   picklecheck::conform::Json v;
//   std::string why;
//   if (!picklecheck::conform::ParseJson(R"({"id": "x", "n": [1, 2]})", v, &why)) ...;
//   v["id"].str();           // "x"
//   v["n"].items()[1].num(); // 2
//   std::string out;
//   picklecheck::conform::AppendJsonString("a\"b", out);   // "\"a\\\"b\""
#ifndef PICKLECHECK_HARNESS_CONFORM_JSON_H_
#define PICKLECHECK_HARNESS_CONFORM_JSON_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace picklecheck::conform {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors return a neutral value (false, 0, "", empty) for the wrong type.
  bool boolean() const { return type_ == Type::kBool && bool_; }
  double num() const { return type_ == Type::kNumber ? num_ : 0; }
  const std::string& str() const;
  const std::vector<Json>& items() const;
  const std::map<std::string, Json, std::less<>>& fields() const;
  // Object member, or a null value when absent (or not an object).
  const Json& operator[](std::string_view key) const;
  bool has(std::string_view key) const;

  static Json Null() { return Json(); }
  static Json Bool(bool b);
  static Json Number(double d);
  static Json String(std::string s);
  static Json Array(std::vector<Json> items);
  static Json Object(std::map<std::string, Json, std::less<>> fields);

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double num_ = 0;
  std::string str_;
  std::vector<Json> items_;
  std::map<std::string, Json, std::less<>> fields_;
};

// Parses one JSON value (surrounding whitespace allowed). On failure returns
// false and sets *why to "offset N: reason".
bool ParseJson(std::string_view text, Json& out, std::string* why);

// Appends `s` (UTF-8 bytes, not validated) as a JSON string literal: quotes,
// \" \\ \n \r \t, \u00XX for other control bytes; bytes >= 0x80 are copied.
void AppendJsonString(std::string_view s, std::string& out);
std::string JsonString(std::string_view s);

}  // namespace picklecheck::conform

#endif  // PICKLECHECK_HARNESS_CONFORM_JSON_H_

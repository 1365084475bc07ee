#include "harness/conform/json.h"
#include "harness/pickle/pycodecs.h"

#include <cstdint>
#include <cstdlib>
#include <utility>

namespace picklecheck::conform {
namespace {

const std::string kEmptyString;
const std::vector<Json> kEmptyItems;
const std::map<std::string, Json, std::less<>> kEmptyFields;
const Json kNull;


class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  bool Parse(Json& out, std::string* why) {
    SkipSpace();
    if (!Value(out, 0)) {
      if (why) *why = "offset " + std::to_string(pos_) + ": " + error_;
      return false;
    }
    SkipSpace();
    if (pos_ != s_.size()) {
      if (why) *why = "offset " + std::to_string(pos_) + ": trailing characters";
      return false;
    }
    return true;
  }

 private:
  bool Fail(const char* what) {
    error_ = what;
    return false;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool Literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  bool Hex4(uint32_t& v) {
    if (pos_ + 4 > s_.size()) return Fail("short \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return Fail("bad \\u escape");
    }
    return true;
  }
  bool String(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) return Fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return Fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(pos_, 2) == "\\u") {
            size_t save = pos_;
            pos_ += 2;
            uint32_t lo = 0;
            if (!Hex4(lo)) return false;
            if (lo >= 0xdc00 && lo < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else {
              pos_ = save;  // a lone high surrogate; the next escape stands alone
            }
          }
          pycodecs::AppendCodePoint(out, cp);
          break;
        }
        default:
          return Fail("bad escape");
      }
    }
  }
  bool Number(double& out) {
    size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() && ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.' || s_[pos_] == 'e' ||
                                s_[pos_] == 'E' || s_[pos_] == '+' || s_[pos_] == '-'))
      ++pos_;
    std::string tmp(s_.substr(start, pos_ - start));
    if (tmp.empty() || tmp == "-") return Fail("bad number");
    char* end = nullptr;
    out = std::strtod(tmp.c_str(), &end);
    if (end != tmp.c_str() + tmp.size()) return Fail("bad number");
    return true;
  }
  bool Value(Json& out, int depth) {
    if (depth > 200) return Fail("nesting too deep");
    if (pos_ >= s_.size()) return Fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      std::map<std::string, Json, std::less<>> fields;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        out = Json::Object(std::move(fields));
        return true;
      }
      while (true) {
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected a key");
        std::string key;
        if (!String(key)) return false;
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
        ++pos_;
        SkipSpace();
        Json v;
        if (!Value(v, depth + 1)) return false;
        fields[std::move(key)] = std::move(v);
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          break;
        }
        return Fail("expected ',' or '}'");
      }
      out = Json::Object(std::move(fields));
      return true;
    }
    if (c == '[') {
      ++pos_;
      std::vector<Json> items;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        out = Json::Array(std::move(items));
        return true;
      }
      while (true) {
        SkipSpace();
        Json v;
        if (!Value(v, depth + 1)) return false;
        items.push_back(std::move(v));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          break;
        }
        return Fail("expected ',' or ']'");
      }
      out = Json::Array(std::move(items));
      return true;
    }
    if (c == '"') {
      std::string s;
      if (!String(s)) return false;
      out = Json::String(std::move(s));
      return true;
    }
    if (Literal("true")) {
      out = Json::Bool(true);
      return true;
    }
    if (Literal("false")) {
      out = Json::Bool(false);
      return true;
    }
    if (Literal("null")) {
      out = Json::Null();
      return true;
    }
    double d = 0;
    if (!Number(d)) return false;
    out = Json::Number(d);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  const char* error_ = "";
};

}  // namespace

const std::string& Json::str() const {
  return type_ == Type::kString ? str_ : kEmptyString;
}
const std::vector<Json>& Json::items() const {
  return type_ == Type::kArray ? items_ : kEmptyItems;
}
const std::map<std::string, Json, std::less<>>& Json::fields() const {
  return type_ == Type::kObject ? fields_ : kEmptyFields;
}
const Json& Json::operator[](std::string_view key) const {
  if (type_ != Type::kObject) return kNull;
  auto it = fields_.find(key);
  return it == fields_.end() ? kNull : it->second;
}
bool Json::has(std::string_view key) const {
  return type_ == Type::kObject && fields_.find(key) != fields_.end();
}

Json Json::Bool(bool b) {
  Json j;
  j.type_ = Type::kBool;
  j.bool_ = b;
  return j;
}
Json Json::Number(double d) {
  Json j;
  j.type_ = Type::kNumber;
  j.num_ = d;
  return j;
}
Json Json::String(std::string s) {
  Json j;
  j.type_ = Type::kString;
  j.str_ = std::move(s);
  return j;
}
Json Json::Array(std::vector<Json> items) {
  Json j;
  j.type_ = Type::kArray;
  j.items_ = std::move(items);
  return j;
}
Json Json::Object(std::map<std::string, Json, std::less<>> fields) {
  Json j;
  j.type_ = Type::kObject;
  j.fields_ = std::move(fields);
  return j;
}

bool ParseJson(std::string_view text, Json& out, std::string* why) {
  return Parser(text).Parse(out, why);
}

void AppendJsonString(std::string_view s, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(s, out);
  return out;
}

}  // namespace picklecheck::conform

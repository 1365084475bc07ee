// Writes the libFuzzer dictionary for pickle targets (harness/fuzz/pickle.dict)
// from THE opcode table (opcodes.def, through AllOpcodes()) and the shared
// token lists (pickle_tokens.h), so the dictionary never drifts from them.
//
//   fuzz_dict_gen                        # the dictionary on stdout
//   fuzz_dict_gen --write harness/fuzz/pickle.dict
//   fuzz_dict_gen --check harness/fuzz/pickle.dict   # ctest fuzz_dict_in_sync
//   cmake --build build --target fuzz_dict            # regenerate in the tree
//
// Per opcode: its byte alone, plus typical opcode+argument tokens for its
// argument kind (every counted kind with a zero and a small length, line
// kinds with their common lines, "\x80\x05", "I01\n", "c__builtin__\nset\n"
// ...). libFuzzer inserts these whole, which is how byte mutations find
// well-formed opcodes; the opcode-aware mutator uses the same table directly.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/fuzz/pickle_tokens.h"
#include "harness/pickle/opcode.h"

namespace picklecheck::fuzz {
namespace {

using namespace std::string_view_literals;

class DictWriter {
 public:
  // Adds one token under a readable name; duplicates are dropped (the first
  // name wins), so rows may overlap freely.
  void Add(std::string name, std::string_view value) {
    if (!seen_.insert(std::string(value)).second) return;
    for (char& c : name) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (!ok) c = '_';
    }
    out_ += name + "=\"";
    for (char ch : value) {
      auto c = static_cast<unsigned char>(ch);
      if (c == '\\' || c == '"') {
        out_ += '\\';
        out_ += static_cast<char>(c);
      } else if (c >= 0x20 && c < 0x7f) {
        out_ += static_cast<char>(c);
      } else {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\x%02X", c);
        out_ += buf;
      }
    }
    out_ += "\"\n";
  }
  void Comment(std::string_view text) {
    out_ += "\n# ";
    out_ += text;
    out_ += "\n";
  }
  const std::string& text() const { return out_; }

 private:
  std::set<std::string> seen_;
  std::string out_;
};

std::string Le(uint64_t v, size_t width) {
  std::string out;
  for (size_t i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

// Opcode + argument tokens for one row, by argument kind. The switch has no
// default: a new ArgKind must say what its tokens are.
void AddArgTokens(const OpcodeInfo& op, DictWriter& dict) {
  const std::string code(1, static_cast<char>(op.byte));
  const std::string name(op.name);
  auto counted = [&](size_t width) {
    dict.Add(name + "_len0", code + Le(0, width));
    dict.Add(name + "_len1", code + Le(1, width));
    dict.Add(name + "_len3", code + Le(3, width));
  };
  switch (op.arg) {
    case ArgKind::kNone:
      return;
    case ArgKind::kUint1:
      if (op.op == Opcode::kPROTO) {
        for (uint64_t p = 0; p <= 5; ++p) dict.Add(name + "_" + std::to_string(p), code + Le(p, 1));
      } else {
        dict.Add(name + "_0", code + Le(0, 1));
        dict.Add(name + "_1", code + Le(1, 1));
        dict.Add(name + "_255", code + Le(255, 1));
      }
      return;
    case ArgKind::kUint2:
      dict.Add(name + "_0", code + Le(0, 2));
      dict.Add(name + "_65535", code + Le(0xffff, 2));
      return;
    case ArgKind::kInt4:
    case ArgKind::kUint4:
      dict.Add(name + "_0", code + Le(0, 4));
      dict.Add(name + "_1", code + Le(1, 4));
      dict.Add(name + "_m1", code + Le(0xffffffff, 4));
      dict.Add(name + "_int_min", code + Le(0x80000000, 4));
      return;
    case ArgKind::kUint8:
      dict.Add(name + "_0", code + Le(0, 8));
      dict.Add(name + "_max", code + Le(~uint64_t{0}, 8));
      return;
    case ArgKind::kDecimalnlShort:
      if (op.op == Opcode::kINT) {
        dict.Add(name + "_True", code + "01\n");
        dict.Add(name + "_False", code + "00\n");
      }
      dict.Add(name + "_0", code + "0\n");
      dict.Add(name + "_1", code + "1\n");
      dict.Add(name + "_m1", code + "-1\n");
      return;
    case ArgKind::kDecimalnlLong:
      dict.Add(name + "_0L", code + "0L\n");
      dict.Add(name + "_1L", code + "1L\n");
      dict.Add(name + "_bigL", code + "12345678901234567890L\n");
      return;
    case ArgKind::kFloatnl:
      dict.Add(name + "_1_5", code + "1.5\n");
      dict.Add(name + "_nan", code + "nan\n");
      dict.Add(name + "_inf", code + "inf\n");
      dict.Add(name + "_m0", code + "-0.0\n");
      return;
    case ArgKind::kFloat8:
      dict.Add(name + "_1_0", code + std::string("\x3f\xf0\0\0\0\0\0\0", 8));
      return;
    case ArgKind::kStringnl:
      dict.Add(name + "_empty", code + "''\n");
      dict.Add(name + "_quote", code + "'");
      dict.Add(name + "_dquote", code + "\"");
      return;
    case ArgKind::kStringnlNoescape:
      dict.Add(name + "_0", code + "0\n");
      return;
    case ArgKind::kStringnlNoescapePair:
      for (const GlobalName& g : kGlobals) {
        dict.Add(name + "_" + std::string(g.module) + "_" + std::string(g.name),
                 code + std::string(g.module) + "\n" + std::string(g.name) + "\n");
      }
      return;
    case ArgKind::kUnicodestringnl:
      dict.Add(name + "_empty", code + "\n");
      dict.Add(name + "_u20ac", code + "\\u20ac\n");
      return;
    case ArgKind::kString1:
    case ArgKind::kBytes1:
    case ArgKind::kUnicodestring1:
    case ArgKind::kLong1:
      counted(1);
      return;
    case ArgKind::kString4:
    case ArgKind::kBytes4:
    case ArgKind::kUnicodestring4:
    case ArgKind::kLong4:
      counted(4);
      return;
    case ArgKind::kBytes8:
    case ArgKind::kBytearray8:
    case ArgKind::kUnicodestring8:
      counted(8);
      return;
  }
}

std::string Generate() {
  DictWriter dict;
  std::string out =
      "# libFuzzer dictionary for pickle inputs. GENERATED by harness/fuzz/dict_gen.cc from\n"
      "# harness/pickle/opcodes.def and harness/fuzz/pickle_tokens.h: do not edit; run\n"
      "# `cmake --build <dir> --target fuzz_dict` (ctest fuzz_dict_in_sync checks it).\n";
  dict.Comment("Every opcode byte.");
  for (const OpcodeInfo& op : AllOpcodes()) dict.Add("op_" + std::string(op.name), std::string(1, static_cast<char>(op.byte)));
  dict.Comment("Opcodes with typical arguments, by argument kind.");
  for (const OpcodeInfo& op : AllOpcodes()) AddArgTokens(op, dict);
  dict.Comment("Module and global names, alone (for STACK_GLOBAL and SHORT_BINUNICODE).");
  for (const GlobalName& g : kGlobals) {
    if (!g.module.empty()) dict.Add("mod_" + std::string(g.module), g.module);
    if (!g.name.empty()) dict.Add("name_" + std::string(g.name), g.name);
  }
  dict.Comment("Sequences pickle.dumps writes.");
  dict.Add("stack_global_builtins_set", "\x8c\x08" "builtins" "\x8c\x03" "set" "\x93"sv);
  dict.Add("proto5_frame", "\x80\x05\x95"sv);
  dict.Add("mark_empty_list_appends", "](K\x01" "e"sv);
  dict.Add("empty_dict_setitems", "}(K\x01K\x02u"sv);
  dict.Add("codec_names", "latin1"sv);
  dict.Add("tuple_reduce", "tR"sv);
  return out + dict.text();
}

int Main(int argc, char** argv) {
  std::string text = Generate();
  std::string mode = argc >= 2 ? argv[1] : "";
  if (mode.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  if (argc != 3 || (mode != "--write" && mode != "--check")) {
    std::fprintf(stderr, "usage: fuzz_dict_gen [--write|--check FILE]\n");
    return 2;
  }
  if (mode == "--write") {
    std::ofstream out(argv[2], std::ios::binary);
    out << text;
    return out ? 0 : 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (old != text) {
    std::fprintf(stderr,
                 "%s is out of date with opcodes.def / pickle_tokens.h; regenerate it with\n"
                 "  cmake --build <build dir> --target fuzz_dict\n",
                 argv[2]);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace picklecheck::fuzz

int main(int argc, char** argv) { return picklecheck::fuzz::Main(argc, argv); }

// picklecheck: the command-line front end of the reference pickle codec.
//
//   picklecheck decode [options] FILE|-     canonical text of the value; exit 1 on rejection
//   picklecheck dis [options] FILE|-        pickletools-style disassembly with the verdict
//
// Exit codes: 0 accepted, 1 rejected (one line "error: KIND at offset N: ..."),
// 2 usage or I/O error. Anything else is a crash.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness/pickle/canonical.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/disasm.h"

namespace picklecheck {
namespace {

constexpr char kUsage[] =
    "usage: picklecheck <command> [options] FILE|-\n"
    "\n"
    "commands:\n"
    "  decode   print the decoded value in canonical text (canonical.md)\n"
    "  dis      disassemble like `python3 -m pickletools`, with the decoder's verdict\n"
    "\n"
    "Unpickler options (as pickle.loads):\n"
    "  --encoding NAME          encoding for Python 2 str data (default ASCII; 'bytes' keeps bytes)\n"
    "  --errors NAME            error handler for that decoding (default strict)\n"
    "  --no-fix-imports         do not map Python 2 module names\n"
    "  --no-persistent-load     reject PERSID/BINPERSID like pickle.loads without persistent_load\n"
    "  --buffer FILE            add a writable out-of-band buffer (repeatable; implies buffers=[...])\n"
    "  --readonly-buffer FILE   add a read-only out-of-band buffer\n"
    "  --empty-buffers          buffers=[] (NEXT_BUFFER then fails with 'not enough')\n";

bool ReadAll(const std::string& path, std::string& out) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    out = ss.str();
    return true;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

int Usage(const char* problem) {
  if (problem != nullptr) std::fprintf(stderr, "picklecheck: %s\n", problem);
  std::fputs(kUsage, stderr);
  return 2;
}

int Main(int argc, char** argv) {
  if (argc < 2) return Usage(nullptr);
  std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  DecodeOptions options;
  std::optional<std::string> input;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "picklecheck: %s needs a value\n", name);
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (arg == "--encoding") {
      auto v = value("--encoding");
      if (!v) return 2;
      options.encoding = *v;
    } else if (arg == "--errors") {
      auto v = value("--errors");
      if (!v) return 2;
      options.errors = *v;
    } else if (arg == "--no-fix-imports") {
      options.fix_imports = false;
    } else if (arg == "--no-persistent-load") {
      options.persistent_load = false;
    } else if (arg == "--buffer" || arg == "--readonly-buffer") {
      auto v = value(arg.c_str());
      if (!v) return 2;
      OobBuffer b;
      b.readonly = arg == "--readonly-buffer";
      if (!ReadAll(*v, b.data)) {
        std::fprintf(stderr, "picklecheck: cannot read %s\n", v->c_str());
        return 2;
      }
      if (!options.buffers) options.buffers.emplace();
      options.buffers->push_back(std::move(b));
    } else if (arg == "--empty-buffers") {
      if (!options.buffers) options.buffers.emplace();
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      return Usage(("unknown option " + arg).c_str());
    } else if (!input) {
      input = arg;
    } else {
      return Usage("only one input file");
    }
  }
  if (!input) return Usage("missing FILE (use - for stdin)");
  std::string data;
  if (!ReadAll(*input, data)) {
    std::fprintf(stderr, "picklecheck: cannot read %s\n", input->c_str());
    return 2;
  }
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size());

  if (command == "decode") {
    Result<Document> doc = Decode(bytes, options);
    if (!doc.ok()) {
      std::printf("error: %s\n", Describe(doc.error()).c_str());
      return 1;
    }
    std::string text = ToCanonical(doc->root());
    text.push_back('\n');
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  if (command == "dis") {
    DisasmOptions dis;
    dis.decode = options;
    std::string text = Disassemble(bytes, dis);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return Decode(bytes, options).ok() ? 0 : 1;
  }
  return Usage(("unknown command " + command).c_str());
}

}  // namespace
}  // namespace picklecheck

int main(int argc, char** argv) { return picklecheck::Main(argc, argv); }

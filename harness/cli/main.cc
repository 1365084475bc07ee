// picklecheck: the command-line front end of the reference pickle codec.
//
//   picklecheck decode [options] FILE|-     canonical text of the value; exit 1 on rejection
//   picklecheck dis [options] FILE|-        pickletools-style disassembly with the verdict
//   picklecheck encode --protocol N [FILE|-]      canonical text -> pickle on stdout
//   picklecheck transcode --protocol N IN OUT      pickle -> value -> pickle ('-': stdin/stdout)
//   picklecheck diff [--oracle c|python|both] PATH...  differential report (harness/diff)
//   picklecheck roundtrip [--protocols 0-5] PATH...    round trips vs CPython (harness/roundtrip)
//   picklecheck conform --testee CMD ...            conformance report (harness/conform)
//   picklecheck testee                              this codec as a conformance testee
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

#include "harness/conform/conform_cli.h"
#include "harness/diff/diff_cli.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/disasm.h"
#include "harness/pickle/encoder.h"
#include "harness/roundtrip/roundtrip_cli.h"

namespace picklecheck {
namespace {

constexpr char kUsage[] =
    "usage: picklecheck <command> [options] FILE|-\n"
    "\n"
    "commands:\n"
    "  decode     print the decoded value in canonical text (canonical.md)\n"
    "  dis        disassemble like `python3 -m pickletools`, with the decoder's verdict\n"
    "  encode     read canonical text, write the pickle CPython's pickle.dumps writes\n"
    "             (usage: encode --protocol N [FILE|-])\n"
    "  transcode  decode a pickle and encode it again (usage: transcode --protocol N IN OUT)\n"
    "  diff       decode a corpus with picklecheck and CPython and report every difference\n"
    "             (picklecheck diff --help)\n"
    "  roundtrip  round-trip a corpus's values through both picklers at protocols 0-5\n"
    "             (picklecheck roundtrip --help)\n"
    "  conform    run the conformance vectors against a codec (see harness/conform/TESTEE.md;\n"
    "             picklecheck conform --help)\n"
    "  testee     serve the conformance testee protocol with this codec\n"
    "\n"
    "Pickler options (encode, transcode):\n"
    "  --protocol N             0-5 (default 4, as pickle.dumps)\n"
    "  --set-order cpython      write set elements in CPython's hash order (PYTHONHASHSEED=0)\n"
    "                           instead of the value's insertion order\n"
    "  --out-of-band DIR        protocol 5: write buffers out of band, to DIR/0.bin, DIR/1.bin ...\n"
    "                           (their read-only flag to DIR/N.readonly)\n"
    "  (--no-fix-imports also applies to the pickler)\n"
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

bool WriteAll(const std::string& path, std::string_view data) {
  if (path == "-") {
    return std::fwrite(data.data(), 1, data.size(), stdout) == data.size() && std::fflush(stdout) == 0;
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(f);
}

// Canonical text files usually end with a newline (decode prints one).
std::string_view StripNewline(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return text;
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
  // Subcommands with their own argument parsing.
  if (command == "diff") return RunDiff(argc - 1, argv + 1);
  if (command == "roundtrip") return RunRoundtrip(argc - 1, argv + 1);
  if (command == "conform") return RunConform(argc - 1, argv + 1);
  if (command == "testee") return RunTestee(argc - 1, argv + 1);
  DecodeOptions options;
  EncodeOptions encode;
  std::optional<std::string> out_of_band_dir;
  std::vector<std::string> files;
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
      encode.fix_imports = false;
    } else if (arg == "--protocol") {
      auto v = value("--protocol");
      if (!v) return 2;
      if (v->size() != 1 || (*v)[0] < '0' || (*v)[0] > '5') return Usage("--protocol must be 0-5");
      encode.protocol = (*v)[0] - '0';
    } else if (arg == "--set-order") {
      auto v = value("--set-order");
      if (!v) return 2;
      if (*v == "cpython") {
        encode.set_order = SetOrder::kCPythonSeed0;
      } else if (*v == "insertion") {
        encode.set_order = SetOrder::kInsertion;
      } else {
        return Usage("--set-order must be cpython or insertion");
      }
    } else if (arg == "--out-of-band") {
      auto v = value("--out-of-band");
      if (!v) return 2;
      out_of_band_dir = *v;
      encode.out_of_band = true;
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
    } else {
      files.push_back(arg);
    }
  }
  size_t want_files = command == "transcode" ? 2 : 1;
  if (command == "encode" && files.empty()) files.push_back("-");
  if (files.size() != want_files) {
    return Usage(command == "transcode" ? "transcode needs IN and OUT" : "expected one FILE (use - for stdin)");
  }
  std::string data;
  if (!ReadAll(files[0], data)) {
    std::fprintf(stderr, "picklecheck: cannot read %s\n", files[0].c_str());
    return 2;
  }
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size());

  // Writes an encoded value (and its out-of-band buffers); exit code.
  auto write_encoded = [&](const Value& root, const std::string& out_path) -> int {
    Encoded encoded;
    EncodeError why;
    if (!EncodeTo(root, encode, encoded, &why).ok()) {
      std::printf("error: %s\n", Describe(why).c_str());
      return 1;
    }
    if (out_of_band_dir) {
      for (size_t i = 0; i < encoded.buffers.size(); ++i) {
        std::string base = *out_of_band_dir + "/" + std::to_string(i);
        if (!WriteAll(base + ".bin", encoded.buffers[i].data) ||
            !WriteAll(base + ".readonly", encoded.buffers[i].readonly ? "1\n" : "0\n")) {
          std::fprintf(stderr, "picklecheck: cannot write %s\n", base.c_str());
          return 2;
        }
      }
    }
    if (!WriteAll(out_path, encoded.pickle)) {
      std::fprintf(stderr, "picklecheck: cannot write %s\n", out_path.c_str());
      return 2;
    }
    return 0;
  };

  if (command == "encode") {
    CanonicalParseError why;
    Result<Document> doc = ParseCanonical(StripNewline(data), &why);
    if (!doc.ok()) {
      std::printf("error: CanonicalSyntax at offset %llu: %s\n",
                  static_cast<unsigned long long>(why.offset), why.message.c_str());
      return 1;
    }
    return write_encoded(doc->root(), "-");
  }
  if (command == "transcode") {
    Result<Document> doc = Decode(bytes, options);
    if (!doc.ok()) {
      std::printf("error: %s\n", Describe(doc.error()).c_str());
      return 1;
    }
    return write_encoded(doc->root(), files[1]);
  }

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

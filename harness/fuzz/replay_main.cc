// A main() for fuzz targets built without libFuzzer: runs every file named on
// the command line, and every file under every directory named (recursively,
// sorted, dotfiles skipped), once through LLVMFuzzerTestOneInput. This is
// how "fuzzers always build": ctest replays corpus/seed/<target> and
// corpus/regress/<target> through each target in every preset, so a finding
// stays fixed even where nobody fuzzes.
//
//   build/bin/fuzz_decode corpus/seed/decode corpus/regress/decode
//   build/bin/fuzz_decode corpus/regress/decode/crash-3f2a...   # one input
//
// Arguments starting with '-' (libFuzzer flags) are ignored, so one command
// line works for both builds. A missing directory counts as empty (git keeps
// no empty directories). Exit status: 0 when every input ran (a failing
// invariant traps inside the target instead), 2 on an unreadable file. The
// one summary line goes to stderr.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool Hidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.empty() && arg[0] == '-') continue;
    fs::path path(arg);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (Hidden(it->path())) {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file()) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      std::fprintf(stderr, "replay: %s: missing, counted as empty\n", arg.c_str());
    }
  }
  std::string data;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 2;
    }
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    // A copy sized exactly to the input, so ASan catches reads past its end
    // (libFuzzer does the same).
    std::vector<uint8_t> exact(data.begin(), data.end());
    LLVMFuzzerTestOneInput(exact.data(), exact.size());
  }
  std::fprintf(stderr, "replay: %zu inputs ran\n", files.size());
  return 0;
}

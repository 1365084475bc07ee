// picklecheck_conform: `picklecheck conform` and `picklecheck testee` as a
// standalone binary, until harness/cli/main.cc dispatches to them (and for
// the ctest cases, which must not depend on the CLI).
#include <cstdio>
#include <cstring>

#include "harness/conform/conform_cli.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "conform") == 0) return picklecheck::RunConform(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "testee") == 0) return picklecheck::RunTestee(argc - 1, argv + 1);
  std::fputs("usage: picklecheck_conform conform|testee [options] (see --help of each)\n", stderr);
  return 2;
}

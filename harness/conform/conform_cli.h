// `picklecheck conform` and `picklecheck testee`: the command-line entry
// points of the conformance kit (harness/conform/TESTEE.md).
//
// harness/cli/main.cc dispatches on the subcommand and passes the arguments
// from the subcommand on (argv[0] is "conform" / "testee"):
//
//   if (command == "conform") return picklecheck::RunConform(argc - 1, argv + 1);
//   if (command == "testee")  return picklecheck::RunTestee(argc - 1, argv + 1);
//
// RunConform:
//   picklecheck conform --testee [NAME=]CMD [--testee ...] [--level verdict|transcode]
//                       [--mode stream|file] [--out DIR] [--fix] [--filter PATTERN]
//                       [--vectors FILE] [--expected-dir DIR] [--timeout SECONDS] [--jobs N]
//                       [--judge-python PATH] [--brief]
//   Exit 0: CONFORMANCE PASSED; 1: FAILED; 2: usage, unreadable vectors or lists.
//
// RunTestee: the reference decoder as a stream-mode testee (reads requests on
// stdin, answers on stdout until 'Q' or end of input):
//   picklecheck testee [--transcode canonical|encode] [--protocol N]
//   canonical (default): transcode answers are 'V' + canonical text;
//   encode: the value re-encoded by picklecheck's encoder ('B'), protocol N (5).
#ifndef PICKLECHECK_HARNESS_CONFORM_CONFORM_CLI_H_
#define PICKLECHECK_HARNESS_CONFORM_CONFORM_CLI_H_

namespace picklecheck {

int RunConform(int argc, char** argv);
int RunTestee(int argc, char** argv);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_CONFORM_CONFORM_CLI_H_

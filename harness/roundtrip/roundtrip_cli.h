// `picklecheck roundtrip`: the round-trip engine (roundtrip.h) over the
// values of a corpus and of a random generator, with the reporting of
// `picklecheck diff` (summary tables, Markdown report, repro files,
// expected-divergence lists, exit status).
//
//   picklecheck roundtrip --protocols 0-5 --oracle both --jobs 2 corpus/
//   picklecheck roundtrip --generate 500 --seed 7 --report rt.md
//
// Values: every case of the corpus (diff_cli.h: pickle files, .tsv vectors,
// sidecars) that our decoder accepts gives a value, its canonical text;
// value-only cases (encoder_dumps.tsv texts, sidecar `value:` lines,
// `.canonical` files holding one canonical text) give theirs. Values are
// deduplicated by text; a value's id is the id of the first case that gave
// it (paths in sorted order), and a listed entry under another input's id of
// the same value is stale. --generate N adds values `gen:SEED.I` from
// value_gen.h.
//
// Checks and outcomes: roundtrip.h. Case ids for expected lists are
// `<value id>@<check>`, e.g. `zoo_vectors:zoo.set.p4@bytes.P2`,
// `gen:7.12@trans.P1.P5`; lists default to corpus/expected/roundtrip-
// <oracle>.txt. As in diff, the pure-Python oracle is advisory.
//
// Set order: see roundtrip.h. An oracle counts as hashing with
// PYTHONHASHSEED=0 when its 'H' says "hash_randomization": 0 and it runs
// CPython 3.11; pickle_oracle.py runs under -I, which ignores the
// variable, so today str/bytes sets are skipped (counted) unless the
// oracle gets the seed another way (--oracle-arg passes arguments through).
#ifndef PICKLECHECK_HARNESS_ROUNDTRIP_ROUNDTRIP_CLI_H_
#define PICKLECHECK_HARNESS_ROUNDTRIP_ROUNDTRIP_CLI_H_

#include <string>
#include <string_view>
#include <vector>

namespace picklecheck {

// `picklecheck roundtrip ...`; argv[0] is the subcommand name. Returns the
// exit status: 0 pass, 1 an unexpected mismatch, stale entry or judge oracle
// failure, 2 usage, I/O or oracle start-up errors.
int RunRoundtrip(int argc, char** argv);

// "0-5" -> {0..5}; "0,2,4-5"; each 0-5, no repeats. False on bad syntax.
bool ParseProtocols(std::string_view text, std::vector<int>& out);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_ROUNDTRIP_ROUNDTRIP_CLI_H_

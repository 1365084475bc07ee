// `picklecheck diff`: the differential engine (diff.h) over a corpus, and the
// corpus, oracle, report and repro plumbing that `picklecheck roundtrip`
// (harness/roundtrip) shares.
//
//   picklecheck diff --oracle both --jobs 2 --report diff.md --repro-dir /tmp/r corpus/
//
//   picklecheck diff: 7185 cases (928 files, 6257 vectors from 8 .tsv files) in 1.5 s, 2 jobs
//     cpython-c  (judge)    /usr/bin/python3 3.11.7 (main, ...) (impl c, cpython, pid 1234)
//     cpython-py (advisory) /usr/bin/python3 3.11.7 (main, ...) (impl python, cpython, pid 1235)
//   | verdict               | cpython-c | cpython-py |
//   |-----------------------|----------:|-----------:|
//   | Agree                 |      7096 |       6264 |
//   | ExceptionTypeMismatch |         0 |        705 |
//   ...
//   result: PASS (0 failures; 836 C/Python disagreements (0 listed); ...)
//
// Inputs (LoadCorpus). Every PATH is a file or a directory, walked
// recursively in sorted order, symlinks followed:
//   * a `.tsv` file is a vector file: one case per line (formats below);
//   * `.txt` `.md` `.json` `.jsonl` `.py` `.sh` files, names starting with
//     '.', and directories holding an `index.json` (conformance suites: their
//     pickles need the per-vector options of their index; `picklecheck
//     conform` runs them) are skipped;
//   * every other regular file is one pickle. A sidecar `FILE.txt` may go
//     with it: its first line describes the case, a line `options: OPTS` sets
//     its Unpickler options, a line `value: TEXT` gives the value itself in
//     canonical text (roundtrip uses it instead of decoding the pickle);
//   * a `.canonical` file holds one value in canonical text and no pickle:
//     roundtrip uses it, diff has nothing to decode.
// Unpickler options, as the vector files write them (ParseDecodeOptions):
//   fix=0|1,enc=NAME,err=NAME,pers=0|1[,buf=wHEX;rHEX...]   ("buf=": buffers=[])
// Missing keys keep pickle.loads' defaults, except pers (1: the oracle's
// persistent_load is installed, as DecodeOptions{} has it).
//
// Vector files (.tsv; '#' lines are comments):
//   * generic, 3+ columns: `id <TAB> options <TAB> pickle-hex [<TAB> ...]`
//     (harness/pickle/testdata/{zoo,edge}_vectors.tsv, decoder_cases.tsv,
//     corpus/seed/diff/*.tsv); columns after the pickle are ignored;
//   * encoder vectors, recognised by the header `# name<TAB>options<TAB>P0..P5`
//     (encoder_vectors.tsv): cases `NAME.P<p>` and `NAME.O<p><q>`, one per
//     distinct pickle CPython wrote; `[PAT*N]` runs, `=N`, `;r:HEX,w:HEX`
//     buffers and option `fix=0` are understood, outcomes (`!Type`, U, R, X, -)
//     are not pickles;
//   * encoder dumps, header `# name<TAB>options<TAB>text<TAB>out0..out5`
//     (encoder_dumps.tsv): cases `NAME.out<p>`, plus one value-only case
//     `NAME` (the text) that diff skips and roundtrip uses;
//   * values, header `# id<TAB>text`: `id <TAB> canonical text`, value-only
//     cases (corpus/seed/diff/values.tsv) that diff skips and roundtrip uses.
//
// Case ids (expected lists, reports): a file's path relative to the PATH
// argument it was found under ('/'-separated; a PATH that is a file is its
// file name); a vector's `<file stem>:<id>` (`zoo_vectors:zoo.none.p0`), so
// the same vector has the same id whichever PATH reached it. Whitespace, '#'
// and '%' in ids are written %XX.
//
// Oracles (--oracle): `c` (cpython-c, the judge), `python` (cpython-py,
// advisory), `both`, `PYTHON[:c|:python|:both]` (an interpreter; bare PYTHON
// is PYTHON:c), any registered oracle name, or a comma-separated list. The
// first C oracle judges; pure-Python oracles are advisory: their divergences
// are reported, also checked against their expected list, and fail the run
// only with --strict-python. A C-versus-Python disagreement (we agree with
// C) never fails a run without --strict-python.
//
// Expected lists (expected.h): --expected FILE (the judge's), ORACLE=FILE, a
// directory holding <oracle>.txt files, or `none`. Default: corpus/expected/
// <oracle>.txt of the source tree for registered names, when the file exists.
// An expected divergence passes; an unlisted one, a changed message or a
// stale entry fails. --fix rewrites each list: stale entries removed, new
// divergences added (with a comment line giving the input), entries whose
// case did not run kept as they are; advisory oracles' lists only with
// --strict-python (they are report-only otherwise).
//
// Repro files (--repro-dir DIR): each divergent input, minimized (opcodes
// deleted, ddmin-style, while the same oracle diverges the same way; at most
// 400 oracle calls), as DIR/<sha1 of the bytes>[-<options hash>] plus a .txt
// whose first line is the verdict and whose `options:` line keeps the
// Unpickler options, so `picklecheck diff DIR` replays them and the pair can
// go to corpus/regress/diff/ as it is.
//
// Exit status: 0 pass; 1 an unexpected divergence, stale or changed entry, or
// a judge oracle failure; 2 usage, I/O or oracle start-up errors.
#ifndef PICKLECHECK_HARNESS_DIFF_DIFF_CLI_H_
#define PICKLECHECK_HARNESS_DIFF_DIFF_CLI_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/diff/diff.h"
#include "harness/diff/expected.h"
#include "harness/oracle/oracle.h"
#include "harness/oracle/oracle_pool.h"
#include "harness/pickle/decoder.h"

namespace picklecheck {

// `picklecheck diff ...`; argv[0] is the subcommand name. Returns the exit status.
int RunDiff(int argc, char** argv);

// ---- Unpickler options --------------------------------------------------------

// Parses "fix=1,enc=latin1,err=strict,pers=0,buf=w6162;r" into `out`, starting
// from DecodeOptions{}. Returns false and sets *why on an unknown key, a bad
// value or bad hex.
bool ParseDecodeOptions(std::string_view text, DecodeOptions& out, std::string* why);
// All keys, in the vector files' order: "fix=1,enc=ASCII,err=strict,pers=1".
std::string FormatDecodeOptions(const DecodeOptions& options);

// ---- the corpus --------------------------------------------------------------

struct CorpusCase {
  std::string id;      // stable case id (see the file comment)
  std::string origin;  // "corpus/seed/decode/ab12" or "…/zoo_vectors.tsv:31"
  bool has_pickle = true;
  std::string pickle;   // the input bytes (has_pickle)
  DecodeOptions options;
  std::string description;                // sidecar's first line, if any
  std::optional<std::string> value_text;  // the value itself (sidecar `value:`, encoder dumps)
};

struct CorpusStats {
  uint64_t files = 0;          // pickle files
  uint64_t vector_files = 0;   // .tsv files
  uint64_t vectors = 0;        // cases from .tsv lines
  uint64_t skipped = 0;        // files skipped by the rules above
};

// Appends the cases under every path to `out`. `options` are the Unpickler
// options of pickle files without a sidecar `options:` line. Problems
// (unreadable paths, malformed lines, duplicate ids) are appended to
// `errors`; returns false when there were any.
bool LoadCorpus(std::span<const std::string> paths, const DecodeOptions& options,
                std::vector<CorpusCase>& out, CorpusStats* stats, std::vector<std::string>& errors);

// An id with whitespace, '#' and '%' written %XX.
std::string EscapeCaseId(std::string_view id);

// The source tree (corpus/, oracles/): $PICKLECHECK_SOURCE_DIR, else the tree
// this library was built from.
std::string SourceDir();

// ---- bytes and text for reports -----------------------------------------------

std::string Sha1Hex(std::string_view data);  // 40 lowercase hex digits
std::string ToHex(std::string_view bytes);
// `xxd`-style lines ("00000000  80 04 95 ...  |....|"), at most `max_bytes`
// of the input, then a line saying how many bytes were left out.
std::string HexDump(std::string_view bytes, size_t max_bytes = 1024);
// Up to `max_lines` lines of `text`, then "... (N more lines)".
std::string FirstLines(std::string_view text, size_t max_lines);
// A Markdown table, columns padded; columns after the first right-aligned.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);
// Writes `data` to `path` (truncating). False on failure.
bool WriteWholeFile(const std::string& path, std::string_view data);
// Text safe inside a Markdown table cell or inline code: '|' and newlines
// escaped, cut at `max` bytes (UTF-8 boundary) with "...".
std::string MarkdownCell(std::string_view text, size_t max = 160);

// ---- oracles ---------------------------------------------------------------------

// --oracle's value -> oracle names: "c" -> cpython-c, "python" -> cpython-py,
// "both" -> both, "PY:c" / "PY:python" kept as is, "PY" -> "PY:c", "PY:both"
// -> both of PY, any registered name kept; a comma-separated list of these
// ("c,/usr/bin/python3.8:c"), duplicates dropped. Returns false and sets *why
// when a name is empty.
bool ParseOracleFlag(std::string_view flag, std::vector<std::string>& names, std::string* why);

// One pool per oracle name, `workers` processes each, started up front.
class OracleSet {
 public:
  // Returns false and sets *why when a name is unknown or an oracle cannot start.
  bool Make(const std::vector<std::string>& names, size_t workers, const OracleOptions& options,
            std::string* why);
  size_t size() const { return pools_.size(); }
  OraclePool& pool(size_t k) { return *pools_[k]; }
  const std::string& name(size_t k) const { return names_[k]; }
  OracleImpl impl(size_t k) const { return impls_[k]; }
  const OracleInfo& info(size_t k) const { return infos_[k]; }
  // Index of the judge (first kC oracle, else 0); -1 when empty.
  int judge() const;
  // One lease per pool, in order (blocks until each pool has a free oracle).
  std::vector<OraclePool::Lease> AcquireAll();
  // "  cpython-c   (judge)    /usr/bin/python3 3.11.2 ... (impl c, pid 12)" lines.
  std::string Describe() const;

 private:
  std::vector<std::string> names_;
  std::vector<OracleImpl> impls_;
  std::vector<OracleInfo> infos_;
  std::vector<std::unique_ptr<OraclePool>> pools_;
};

// ---- running ---------------------------------------------------------------------

// A progress line on stderr ("\r[=====>    ] 1234/5000 cases"), drawn only
// when stderr is a terminal, at most 10 times a second, erased by Finish().
class ProgressBar {
 public:
  ProgressBar(std::string unit, uint64_t total);
  ~ProgressBar();
  void Tick(uint64_t n = 1);  // thread-safe
  void Finish();

 private:
  void Draw(bool force);
  std::string unit_;
  uint64_t total_;
  std::atomic<uint64_t> done_{0};
  std::atomic<int64_t> last_draw_ns_{0};
  std::atomic<bool> drawing_{false};
  bool enabled_ = false;
  bool finished_ = false;
};

// Calls work(worker, index) for every index in [0, count), on `jobs` threads
// (worker in [0, jobs)); indices are handed out in order. Ticks `progress`
// after each call when given.
void ParallelFor(size_t count, size_t jobs, const std::function<void(size_t, size_t)>& work,
                 ProgressBar* progress = nullptr);

// ---- expected lists ------------------------------------------------------------

// One expected-divergence file: the parsed list, plus what --fix needs.
class ExpectedFile {
 public:
  // Loads `path`; a missing file is an empty list when `must_exist` is false.
  bool Load(const std::string& path, bool must_exist, std::string* why);
  ExpectedDivergences& list() { return list_; }
  const std::string& path() const { return path_; }
  bool loaded() const { return !path_.empty(); }

  // Records a divergence seen in this run, for --fix: `summary` becomes the
  // message prefix (its first line, at most 120 bytes), `input_note` the
  // comment line written above the entry.
  void NoteDivergence(const std::string& case_id, std::string_view summary,
                      std::string input_note);
  // Rewrites the file: entries whose case diverged in this run (noted), plus
  // entries whose case did not run (kept with their comment lines); stale
  // entries go. Returns false and sets *why on a write error.
  bool Fix(std::string_view header, std::string* why) const;

 private:
  struct Noted {
    std::string case_id, prefix, note;
  };
  std::string path_;
  std::vector<std::string> lines_;  // the file as read
  ExpectedDivergences list_;
  std::vector<Noted> noted_;
};

// "ValueMismatch at byte 4: ..." cut to one line of at most 120 bytes (the
// message prefix --fix writes).
std::string ExpectedPrefix(std::string_view summary);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_DIFF_DIFF_CLI_H_

#include "harness/roundtrip/roundtrip_cli.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "harness/diff/diff_cli.h"
#include "harness/diff/expected.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/disasm.h"
#include "harness/roundtrip/roundtrip.h"
#include "harness/roundtrip/value_gen.h"

namespace picklecheck {
namespace {

constexpr char kUsage[] =
    "usage: picklecheck roundtrip [options] [PATH...]\n"
    "\n"
    "Round-trips every value of the corpus under PATH (and --generate'd values) through\n"
    "our encoder and decoder and CPython's pickler and unpickler, at every protocol and\n"
    "protocol pair, and reports where they differ.\n"
    "\n"
    "  --protocols LIST   e.g. 0-5 (default), 2,4, 3-5\n"
    "  --oracle c|python|both|PYTHON[:c|:python|:both][,...]\n"
    "                     oracles (default both; the C one judges, pure-Python is advisory)\n"
    "  --jobs N           worker threads, one oracle process per oracle each (default: cores)\n"
    "  --generate N       also N random values (value_gen.h) ...\n"
    "  --seed S           ... of stream S (default 1)\n"
    "  --sample K/N       only values whose text's sha1 is K mod N (a stable 1/N sample)\n"
    "  --options STR      Unpickler options for decoding pickle files (see diff)\n"
    "  --report FILE.md   Markdown report of every mismatch (hex, disassembly, both sides)\n"
    "  --repro-dir DIR    write each mismatch as DIR/<sha1> (a pickle) + DIR/<sha1>.txt\n"
    "  --expected SPEC    FILE, ORACLE=FILE, DIR (DIR/roundtrip-<oracle>.txt) or none;\n"
    "                     default corpus/expected/roundtrip-<oracle>.txt\n"
    "  --fix              rewrite the expected lists to match this run (the pure-Python\n"
    "                     oracle's only with --strict-python)\n"
    "  --strict-python    pure-Python mismatches and stale entries fail the run too\n"
    "  --oracle-arg ARG   pass ARG to every oracle process (repeatable)\n"
    "  --timeout SECONDS  per oracle request (default 10)\n"
    "  --quiet            print only the tables and the result line\n"
    "\n"
    "Exit: 0 pass, 1 unexpected mismatch / stale entry / judge failure, 2 usage or setup error.\n";

int Usage(const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "picklecheck roundtrip: %s\n", problem.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

struct Args {
  std::vector<int> protocols{0, 1, 2, 3, 4, 5};
  std::vector<std::string> oracle_names{"cpython-c", "cpython-py"};
  size_t jobs = 0;
  uint64_t generate = 0;
  uint64_t seed = 1;
  uint64_t sample_k = 0, sample_n = 1;
  DecodeOptions options;
  std::string report, repro_dir;
  std::vector<std::string> expected;
  std::vector<std::string> oracle_args;
  bool fix = false, strict_python = false, quiet = false;
  int timeout_ms = 10000;
  std::vector<std::string> paths;
};

bool ParseUint(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoull(s);
  return true;
}

struct ValueEntry {
  std::string id;
  std::string origin;
  std::string text;
  uint64_t aliases = 0;  // other inputs with the same value
};

// One value against one oracle.
struct RunResult {
  std::array<std::array<uint32_t, kNumCheckOutcomes>, kNumRoundtripChecks> counts{};
  std::vector<CheckResult> findings;  // every non-agreeing check
};

bool IsAdvisory(OracleImpl impl) { return impl == OracleImpl::kPython; }

// The verdict kind an expected list sees for an outcome.
VerdictKind ListKind(CheckOutcome o) {
  switch (o) {
    case CheckOutcome::kAgree: return VerdictKind::kAgree;
    case CheckOutcome::kMismatch: return VerdictKind::kValueMismatch;
    case CheckOutcome::kRejectMismatch: return VerdictKind::kAcceptRejectMismatch;
    default: return VerdictKind::kInconclusive;
  }
}

bool Seed0(const OracleInfo& info) {
  const std::string& j = info.hello_json;
  size_t at = j.find("\"hash_randomization\"");
  if (at == std::string::npos) return false;
  size_t colon = j.find(':', at);
  size_t digit = j.find_first_not_of(' ', colon + 1);
  return digit != std::string::npos && j[digit] == '0' && info.version.rfind("3.11.", 0) == 0;
}

std::string Listing(std::string_view pickle) {
  // Out-of-band buffers are not kept with the findings; placeholders let the
  // listing go past NEXT_BUFFER (it stops where decoding stops).
  DisasmOptions options;
  options.decode.buffers.emplace(256);
  return Disassemble(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size()),
                     options);
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

// A listing line without its offset column ("   12: ]    EMPTY_LIST").
std::string_view WithoutOffset(std::string_view line) {
  size_t colon = line.find(':');
  return colon == std::string_view::npos || colon > 12 ? line : line.substr(colon + 1);
}

// The two disassemblies as a diff ('-' ours, '+' theirs, ' ' both), lines
// compared without their offsets, 3 lines of context around each change.
std::string DisassemblyDiff(std::string_view ours, std::string_view theirs, size_t max_lines = 120) {
  const std::string listing_a = Listing(ours), listing_b = Listing(theirs);
  std::vector<std::string_view> a = Lines(listing_a), b = Lines(listing_b);
  const size_t n = a.size(), m = b.size();
  if (n * m > 4'000'000) return "(listings too long to compare)\n";
  // LCS table, from the end.
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = WithoutOffset(a[i]) == WithoutOffset(b[j]) ? at(i + 1, j + 1) + 1
                                                            : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  std::vector<std::pair<char, std::string_view>> script;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && WithoutOffset(a[i]) == WithoutOffset(b[j])) {
      script.emplace_back(' ', a[i++]);
      ++j;
    } else if (j < m && (i == n || at(i, j + 1) >= at(i + 1, j))) {
      script.emplace_back('+', b[j++]);
    } else {
      script.emplace_back('-', a[i++]);
    }
  }
  std::vector<bool> keep(script.size(), false);
  for (size_t k = 0; k < script.size(); ++k) {
    if (script[k].first == ' ') continue;
    for (size_t c = k >= 3 ? k - 3 : 0; c < std::min(script.size(), k + 4); ++c) keep[c] = true;
  }
  std::string out;
  size_t lines = 0;
  bool gap = false;
  for (size_t k = 0; k < script.size(); ++k) {
    if (!keep[k]) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out += "  ...\n";
    gap = false;
    if (++lines > max_lines) {
      out += "  ... (diff cut)\n";
      break;
    }
    out.push_back(script[k].first);
    out.push_back(' ');
    out.append(script[k].second);
    out.push_back('\n');
  }
  return out.empty() ? "(same listing; the bytes differ in arguments only)\n" : out;
}

}  // namespace

bool ParseProtocols(std::string_view text, std::vector<int>& out) {
  out.clear();
  std::set<int> seen;
  bool more = !text.empty();
  while (more) {
    size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    more = comma != std::string_view::npos;
    text = more ? text.substr(comma + 1) : std::string_view();
    int lo, hi;
    if (part.size() == 1 && part[0] >= '0' && part[0] <= '5') {
      lo = hi = part[0] - '0';
    } else if (part.size() == 3 && part[1] == '-' && part[0] >= '0' && part[0] <= '5' && part[2] >= '0' &&
               part[2] <= '5' && part[0] <= part[2]) {
      lo = part[0] - '0';
      hi = part[2] - '0';
    } else {
      return false;
    }
    for (int p = lo; p <= hi; ++p) {
      if (!seen.insert(p).second) return false;
      out.push_back(p);
    }
  }
  std::sort(out.begin(), out.end());
  return !out.empty();
}

int RunRoundtrip(int argc, char** argv) {
  Args args;
  std::string why;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string v;
    auto value = [&]() {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    uint64_t n = 0;
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--protocols") {
      if (!value() || !ParseProtocols(v, args.protocols)) return Usage("--protocols: e.g. 0-5 or 2,4");
    } else if (arg == "--oracle") {
      if (!value() || !ParseOracleFlag(v, args.oracle_names, &why)) return Usage("bad --oracle");
    } else if (arg == "--jobs" || arg == "-j") {
      if (!value() || !ParseUint(v, n) || n == 0 || n > 256) return Usage("--jobs needs a number 1-256");
      args.jobs = n;
    } else if (arg == "--generate") {
      if (!value() || !ParseUint(v, args.generate)) return Usage("--generate needs a count");
    } else if (arg == "--seed") {
      if (!value() || !ParseUint(v, args.seed)) return Usage("--seed needs a number");
    } else if (arg == "--sample") {
      size_t slash = 0;
      if (!value() || (slash = v.find('/')) == std::string::npos ||
          !ParseUint(v.substr(0, slash), args.sample_k) || !ParseUint(v.substr(slash + 1), args.sample_n) ||
          args.sample_n == 0 || args.sample_k >= args.sample_n) {
        return Usage("--sample needs K/N with K < N");
      }
    } else if (arg == "--options") {
      if (!value() || !ParseDecodeOptions(v, args.options, &why)) return Usage(why);
    } else if (arg == "--report") {
      if (!value()) return Usage("--report needs a file");
      args.report = v;
    } else if (arg == "--repro-dir") {
      if (!value()) return Usage("--repro-dir needs a directory");
      args.repro_dir = v;
    } else if (arg == "--expected") {
      if (!value()) return Usage("--expected needs a value");
      args.expected.push_back(v);
    } else if (arg == "--oracle-arg") {
      if (!value()) return Usage("--oracle-arg needs a value");
      args.oracle_args.push_back(v);
    } else if (arg == "--fix") {
      args.fix = true;
    } else if (arg == "--strict-python") {
      args.strict_python = true;
    } else if (arg == "--quiet" || arg == "-q") {
      args.quiet = true;
    } else if (arg == "--timeout") {
      if (!value() || !ParseUint(v, n)) return Usage("--timeout needs whole seconds");
      args.timeout_ms = static_cast<int>(std::min<uint64_t>(n, 3600) * 1000);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return Usage("unknown option " + arg);
    } else {
      args.paths.push_back(arg);
    }
  }
  if (args.paths.empty() && args.generate == 0) return Usage("no PATH and no --generate");
  if (args.jobs == 0) args.jobs = std::max(1u, std::thread::hardware_concurrency());
  const auto started = std::chrono::steady_clock::now();

  // Values.
  std::vector<CorpusCase> cases;
  CorpusStats stats;
  std::vector<std::string> errors;
  LoadCorpus(args.paths, args.options, cases, &stats, errors);
  for (const std::string& e : errors) std::fprintf(stderr, "picklecheck roundtrip: %s\n", e.c_str());
  if (!errors.empty()) return 2;
  std::vector<ValueEntry> values;
  std::unordered_map<std::string, size_t> by_text;
  std::set<std::string> alias_ids;  // inputs whose value was already there under another id
  uint64_t rejected_inputs = 0, sampled_out = 0;
  auto add_value = [&](std::string id, std::string origin, std::string text) {
    if (args.sample_n > 1) {
      const std::string h = Sha1Hex(text);
      if (std::stoull(h.substr(0, 12), nullptr, 16) % args.sample_n != args.sample_k) {
        ++sampled_out;
        return;
      }
    }
    auto [it, inserted] = by_text.emplace(text, values.size());
    if (!inserted) {
      ++values[it->second].aliases;
      alias_ids.insert(std::move(id));
      return;
    }
    values.push_back({std::move(id), std::move(origin), std::move(text), 0});
  };
  for (CorpusCase& c : cases) {
    if (c.value_text) {
      // Normalized when it parses; otherwise kept, so the parse check reports it.
      Result<Document> doc = ParseCanonical(*c.value_text);
      add_value(c.id, c.origin, doc.ok() ? ToCanonical(doc->root()) : *c.value_text);
      continue;
    }
    Result<Document> doc = Decode(c.pickle, c.options);
    if (!doc.ok()) {
      ++rejected_inputs;
      continue;
    }
    add_value(c.id, c.origin, ToCanonical(doc->root()));
  }
  cases.clear();
  for (uint64_t i = 0; i < args.generate; ++i) {
    std::string raw;
    std::string text = GenerateValueText(args.seed, i, ValueGenOptions{}, &raw);
    add_value("gen:" + std::to_string(args.seed) + "." + std::to_string(i), "value_gen",
              raw.empty() ? std::move(text) : std::move(raw));
  }
  if (values.empty()) {
    std::fprintf(stderr, "picklecheck roundtrip: no values\n");
    return 2;
  }
  args.jobs = std::min(args.jobs, values.size());

  // Oracles.
  OracleOptions oracle_options;
  oracle_options.timeout = std::chrono::milliseconds(args.timeout_ms);
  oracle_options.extra_args = args.oracle_args;
  OracleSet oracles;
  if (!oracles.Make(args.oracle_names, args.jobs, oracle_options, &why)) {
    std::fprintf(stderr, "picklecheck roundtrip: %s\n", why.c_str());
    return 2;
  }
  const size_t n_oracles = oracles.size();
  std::vector<RoundtripOptions> engine_options(n_oracles);
  for (size_t k = 0; k < n_oracles; ++k) {
    engine_options[k].protocols = args.protocols;
    engine_options[k].seed0_oracle = Seed0(oracles.info(k));
  }

  // Expected lists.
  std::vector<ExpectedFile> lists(n_oracles);
  {
    std::vector<std::string> paths(n_oracles);
    auto default_for = [&](size_t k, const std::string& dir) -> std::string {
      const std::string& name = oracles.name(k);
      return name.find('/') == std::string::npos ? dir + "/roundtrip-" + name + ".txt" : "";
    };
    if (args.expected.empty()) {
      for (size_t k = 0; k < n_oracles; ++k) paths[k] = default_for(k, SourceDir() + "/corpus/expected");
    }
    for (const std::string& spec : args.expected) {
      if (spec == "none") {
        paths.assign(n_oracles, "");
        continue;
      }
      size_t eq = spec.find('=');
      std::error_code ec;
      if (eq != std::string::npos) {
        bool found = false;
        for (size_t k = 0; k < n_oracles; ++k) {
          if (oracles.name(k) == spec.substr(0, eq)) {
            paths[k] = spec.substr(eq + 1);
            found = true;
          }
        }
        if (!found) return Usage("--expected " + spec + ": no such oracle");
      } else if (std::filesystem::is_directory(spec, ec)) {
        for (size_t k = 0; k < n_oracles; ++k) paths[k] = default_for(k, spec);
      } else if (oracles.judge() >= 0) {
        paths[static_cast<size_t>(oracles.judge())] = spec;
      }
    }
    for (size_t k = 0; k < n_oracles; ++k) {
      if (!paths[k].empty() && !lists[k].Load(paths[k], /*must_exist=*/false, &why)) {
        std::fprintf(stderr, "picklecheck roundtrip: %s\n", why.c_str());
        return 2;
      }
    }
  }

  // Run.
  std::vector<std::vector<RunResult>> results(values.size(), std::vector<RunResult>(n_oracles));
  {
    std::vector<std::vector<OraclePool::Lease>> leases(args.jobs);
    for (auto& l : leases) l = oracles.AcquireAll();
    std::vector<ValueResult> scratch(args.jobs);
    ProgressBar progress("values", values.size());
    ParallelFor(
        values.size(), args.jobs,
        [&](size_t worker, size_t i) {
          for (size_t k = 0; k < n_oracles; ++k) {
            RoundtripEngine engine(*leases[worker][k], engine_options[k]);
            ValueResult& vr = scratch[worker];
            engine.Run(values[i].text, vr);
            RunResult& r = results[i][k];
            r.counts = vr.counts;
            r.findings = std::move(vr.findings);
            vr.findings = {};
          }
        },
        &progress);
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;

  // Tally, and judge against the lists.
  std::vector<std::array<std::array<uint64_t, kNumCheckOutcomes>, kNumRoundtripChecks>> totals(n_oracles);
  for (auto& t : totals) {
    for (auto& row : t) row.fill(0);
  }
  const int judge = oracles.judge();
  struct Finding {
    size_t value;
    size_t oracle;
    size_t index;  // into results[value][oracle].findings
    Expectation expectation;
    bool disagreement;  // advisory oracle fails where the judge passes
  };
  std::vector<Finding> failures;          // mismatches, any oracle
  std::vector<Finding> not_carried;       // kNotCarried / kUnrepresentable / lossy / set order
  std::vector<Finding> undecided;         // inconclusive, oracle failure
  std::vector<uint64_t> unexpected(n_oracles, 0), expected_seen(n_oracles, 0), stale(n_oracles, 0),
      oracle_failures(n_oracles, 0);
  uint64_t disagreements = 0;
  std::map<std::string, size_t> value_index;
  for (size_t i = 0; i < values.size(); ++i) value_index.emplace(values[i].id, i);
  for (size_t i = 0; i < values.size(); ++i) {
    // The judge's failing check ids, for C/Python disagreements.
    std::set<std::string> judge_failing;
    if (judge >= 0) {
      for (const CheckResult& f : results[i][static_cast<size_t>(judge)].findings) {
        if (IsRoundtripFailure(f.outcome)) judge_failing.insert(CheckId(f));
      }
    }
    for (size_t k = 0; k < n_oracles; ++k) {
      RunResult& r = results[i][k];
      for (int c = 0; c < kNumRoundtripChecks; ++c) {
        for (int o = 0; o < kNumCheckOutcomes; ++o) {
          totals[k][static_cast<size_t>(c)][static_cast<size_t>(o)] += r.counts[static_cast<size_t>(c)][static_cast<size_t>(o)];
        }
      }
      const bool advisory = IsAdvisory(oracles.impl(k));
      for (size_t f = 0; f < r.findings.size(); ++f) {
        const CheckResult& cr = r.findings[f];
        const std::string case_id = values[i].id + "@" + CheckId(cr);
        Finding fd{i, k, f, Expectation::kPass, false};
        if (IsRoundtripFailure(cr.outcome)) {
          const bool covered = advisory && static_cast<int>(k) != judge && judge_failing.count(CheckId(cr));
          fd.disagreement = advisory && static_cast<int>(k) != judge && !covered && judge >= 0;
          if (fd.disagreement) ++disagreements;
          if (!lists[k].loaded()) {
            fd.expectation = Expectation::kUnexpectedDivergence;
          } else if (covered) {
            fd.expectation = lists[k].list().Check(case_id, VerdictKind::kInconclusive, "");
          } else {
            fd.expectation = lists[k].list().Check(case_id, ListKind(cr.outcome), cr.summary);
            std::string note = "value " + values[i].text.substr(0, 100) + (values[i].text.size() > 100 ? "..." : "");
            lists[k].NoteDivergence(case_id, cr.summary, note);
          }
          if (fd.expectation == Expectation::kExpectedDivergence) ++expected_seen[k];
          if (fd.expectation == Expectation::kUnexpectedDivergence || fd.expectation == Expectation::kMessageChanged)
            ++unexpected[k];
          failures.push_back(fd);
        } else if (cr.outcome == CheckOutcome::kInconclusive || cr.outcome == CheckOutcome::kOracleFailure) {
          if (cr.outcome == CheckOutcome::kOracleFailure) ++oracle_failures[k];
          if (lists[k].loaded()) lists[k].list().Check(case_id, VerdictKind::kInconclusive, "");
          undecided.push_back(fd);
        } else if (cr.outcome != CheckOutcome::kNotRun) {
          if (lists[k].loaded()) lists[k].list().Check(case_id, VerdictKind::kInconclusive, "");
          not_carried.push_back(fd);
        } else if (lists[k].loaded()) {
          lists[k].list().Check(case_id, VerdictKind::kInconclusive, "");
        }
      }
    }
  }
  // Listed entries whose check ran and agreed (no finding) are stale.
  for (size_t k = 0; k < n_oracles; ++k) {
    if (!lists[k].loaded()) continue;
    for (const ExpectedDivergence& e : lists[k].list().entries()) {
      size_t at = e.case_id.rfind('@');
      if (at == std::string::npos) continue;
      auto it = value_index.find(e.case_id.substr(0, at));
      if (it == value_index.end()) {
        // The value runs under another input's id now: the entry is stale
        // (--fix lists the divergence under the id that runs).
        if (alias_ids.count(e.case_id.substr(0, at))) lists[k].list().Check(e.case_id, VerdictKind::kAgree, "");
        continue;
      }
      const std::string check = e.case_id.substr(at + 1);
      bool found = false;
      for (const CheckResult& f : results[it->second][k].findings) found |= CheckId(f) == check;
      // Only checks this run performed: every protocol named must have run.
      bool ran = true;
      for (size_t pos = check.find(".P"); pos != std::string::npos; pos = check.find(".P", pos + 2)) {
        int p = check[pos + 2] - '0';
        ran &= std::find(args.protocols.begin(), args.protocols.end(), p) != args.protocols.end();
      }
      if (!found && ran) lists[k].list().Check(e.case_id, VerdictKind::kAgree, "");
    }
    stale[k] = lists[k].list().Stale().size();
  }
  uint64_t required_failures = 0, advisory_failures = 0;
  for (size_t k = 0; k < n_oracles; ++k) {
    uint64_t f = unexpected[k] + stale[k];
    if (IsAdvisory(oracles.impl(k))) {
      advisory_failures += f;
    } else {
      required_failures += f + oracle_failures[k];
    }
  }
  const bool failed = required_failures > 0 || (args.strict_python && advisory_failures > 0);

  // Tables: one per oracle, checks x outcomes.
  std::string tables;
  for (size_t k = 0; k < n_oracles; ++k) {
    std::vector<std::string> header{oracles.name(k)};
    std::vector<int> shown;
    for (int o = 0; o < kNumCheckOutcomes; ++o) {
      bool any = o == 0 || o == 1 || o == 2;
      for (int c = 0; c < kNumRoundtripChecks; ++c) any |= totals[k][static_cast<size_t>(c)][static_cast<size_t>(o)] != 0;
      if (any) {
        shown.push_back(o);
        header.emplace_back(CheckOutcomeName(static_cast<CheckOutcome>(o)));
      }
    }
    std::vector<std::vector<std::string>> rows;
    for (int c = 0; c < kNumRoundtripChecks; ++c) {
      std::vector<std::string> row{std::string(RoundtripCheckName(static_cast<RoundtripCheck>(c)))};
      for (int o : shown) row.push_back(std::to_string(totals[k][static_cast<size_t>(c)][static_cast<size_t>(o)]));
      rows.push_back(row);
    }
    tables += FormatTable(header, rows);
    if (lists[k].loaded()) {
      tables += "  list " + lists[k].path() + ": " + std::to_string(expected_seen[k]) + " expected, " +
                std::to_string(unexpected[k]) + " unlisted or changed, " + std::to_string(stale[k]) + " stale\n";
    }
    tables += "\n";
  }
  std::string protocols;
  for (int p : args.protocols) protocols += std::to_string(p);
  std::string headline = "picklecheck roundtrip: " + std::to_string(values.size()) + " values (" +
                         std::to_string(stats.files + stats.vectors) + " corpus inputs, " +
                         std::to_string(rejected_inputs) + " rejected by the decoder, " +
                         std::to_string(args.generate) + " generated";
  if (args.sample_n > 1) {
    headline += ", sample " + std::to_string(args.sample_k) + "/" + std::to_string(args.sample_n) + " (" +
                std::to_string(sampled_out) + " left out)";
  }
  headline += "), protocols " + protocols + ", in " +
              std::to_string(std::chrono::duration<double>(elapsed).count()).substr(0, 5) + " s, " +
              std::to_string(args.jobs) + " jobs\n";
  std::string seed_line;
  for (size_t k = 0; k < n_oracles; ++k) {
    seed_line += "  " + oracles.name(k) + ": str/bytes set order " +
                 (engine_options[k].seed0_oracle ? "compared (PYTHONHASHSEED=0, 3.11)"
                                                 : "not compared (hash randomization; see SetOrderSkipped)") +
                 "\n";
  }
  std::string result_line = std::string("result: ") + (failed ? "FAIL" : "PASS") + " (" +
                            std::to_string(required_failures) + " failures; " + std::to_string(disagreements) +
                            " C/Python disagreements";
  if (advisory_failures) {
    result_line += "; " + std::to_string(advisory_failures) + " advisory failures" +
                   (args.strict_python ? "" : " (not failing without --strict-python)");
  }
  result_line += ")\n";

  std::string out = headline + oracles.Describe() + seed_line + "\n" + tables;
  if (!args.quiet) {
    size_t shown = 0;
    for (const Finding& f : failures) {
      if (IsAdvisory(oracles.impl(f.oracle)) || !IsFailure(f.expectation)) continue;
      if (shown++ == 40) {
        out += "  ... (see --report)\n";
        break;
      }
      out += "UNEXPECTED " + oracles.name(f.oracle) + " " + values[f.value].id + "@" +
             results[f.value][f.oracle].findings[f.index].summary + "\n";
    }
    for (size_t k = 0; k < n_oracles; ++k) {
      if (!lists[k].loaded()) continue;
      for (const ExpectedDivergence* e : lists[k].list().Stale()) {
        out += "STALE " + oracles.name(k) + " " + e->case_id + "\n";
      }
    }
  }
  out += result_line;
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);

  // Repro files: one per input pickle (several checks may share one: its
  // .txt lists them all), named by the input's sha1; a value without a
  // pickle is written as <sha1 of the text>.canonical.
  std::map<std::pair<size_t, std::pair<size_t, size_t>>, std::string> repro;
  if (!args.repro_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.repro_dir, ec);
    struct ReproFile {
      std::string content;  // the pickle, or the canonical text
      std::string head;     // the .txt up to the check list
      std::string checks;   // one block per check
    };
    std::map<std::string, ReproFile> files;  // base -> file
    for (const Finding& f : failures) {
      if (f.disagreement && !args.strict_python) continue;
      const CheckResult& cr = results[f.value][f.oracle].findings[f.index];
      const ValueEntry& v = values[f.value];
      const bool pickle = !cr.input.empty();
      const std::string base =
          args.repro_dir + "/" + (pickle ? Sha1Hex(cr.input) : Sha1Hex(v.text) + ".canonical");
      auto [it, fresh] = files.try_emplace(base);
      ReproFile& file = it->second;
      if (fresh) {
        file.content = pickle ? cr.input : v.text + "\n";
        file.head = ExpectedPrefix(cr.summary) + "\nvalue: " + v.text + "\norigin: " + v.origin + "\n";
      }
      file.checks += "\ncase: " + v.id + "@" + CheckId(cr) + "\noracle: " + oracles.name(f.oracle) + "\n";
      if (!cr.ours_bytes.empty()) file.checks += "ours: " + ToHex(cr.ours_bytes) + "\n";
      if (!cr.theirs_bytes.empty()) file.checks += "theirs: " + ToHex(cr.theirs_bytes) + "\n";
      file.checks += cr.summary + "\n" + cr.detail;
      repro[{f.value, {f.oracle, f.index}}] = base;
    }
    for (const auto& [base, file] : files) {
      if (!WriteWholeFile(base, file.content) || !WriteWholeFile(base + ".txt", file.head + file.checks)) {
        std::fprintf(stderr, "picklecheck roundtrip: cannot write %s\n", base.c_str());
        return 2;
      }
    }
  }

  // The Markdown report.
  if (!args.report.empty()) {
    std::string md = "# picklecheck roundtrip report\n\n```\n" + headline + oracles.Describe() + seed_line +
                     "```\n\n## Summary\n\n" + tables + result_line + "\n";
    auto detail = [&](const Finding& f) {
      const CheckResult& cr = results[f.value][f.oracle].findings[f.index];
      const ValueEntry& v = values[f.value];
      std::string s = "### `" + v.id + "@" + CheckId(cr) + "` (" + oracles.name(f.oracle) + ")\n\n";
      s += "- " + MarkdownCell(cr.summary, 600) + "\n";
      s += "- expectation: " + std::string(ExpectationName(f.expectation)) + "\n";
      s += "- value (from `" + v.origin + "`" +
           (v.aliases ? ", and " + std::to_string(v.aliases) + " other inputs" : std::string()) +
           "): `" + MarkdownCell(v.text, 1000) + "`\n";
      auto it = repro.find({f.value, {f.oracle, f.index}});
      if (it != repro.end()) s += "- repro: `" + it->second + "`\n";
      if (IsRoundtripFailure(cr.outcome) && cr.offset) {
        s += "- first difference at byte " + std::to_string(cr.offset) + "\n";
      }
      s += "\n```\n" + FirstLines(cr.detail, 30) + "```\n\n";
      if (!cr.ours_bytes.empty() && !cr.theirs_bytes.empty()) {
        s += "Disassembly diff (`-` ours, `+` " + oracles.name(f.oracle) + "):\n\n```\n" +
             FirstLines(DisassemblyDiff(cr.ours_bytes, cr.theirs_bytes), 130) + "```\n\n";
      }
      if (!cr.ours_bytes.empty()) {
        s += "Ours:\n\n```\n" + HexDump(cr.ours_bytes, 512) + "\n" + FirstLines(Listing(cr.ours_bytes), 80) + "```\n\n";
      }
      if (!cr.theirs_bytes.empty()) {
        s += oracles.name(f.oracle) + ":\n\n```\n" + HexDump(cr.theirs_bytes, 512) + "\n" +
             FirstLines(Listing(cr.theirs_bytes), 80) + "```\n\n";
      }
      return s;
    };
    auto section = [&](const std::string& title, const std::string& blurb, auto&& pick, size_t limit) {
      std::vector<const Finding*> which;
      for (const Finding& f : failures) {
        if (pick(f)) which.push_back(&f);
      }
      md += "## " + title + " (" + std::to_string(which.size()) + ")\n\n" + blurb + "\n\n";
      std::string rest;
      for (size_t n = 0; n < which.size(); ++n) {
        if (n < limit) {
          md += detail(*which[n]);
        } else {
          const CheckResult& cr = results[which[n]->value][which[n]->oracle].findings[which[n]->index];
          rest += "| `" + values[which[n]->value].id + "@" + CheckId(cr) + "` | " + oracles.name(which[n]->oracle) +
                  " | " + MarkdownCell(cr.summary) + " |\n";
        }
      }
      if (!rest.empty()) md += "More:\n\n| case | oracle | summary |\n|---|---|---|\n" + rest + "\n";
    };
    section("Unexpected mismatches", "Required oracles; not listed, or the message changed.",
            [&](const Finding& f) { return !IsAdvisory(oracles.impl(f.oracle)) && IsFailure(f.expectation); }, 500);
    section("Expected mismatches", "Listed in the required oracle's expected list.",
            [&](const Finding& f) {
              return !IsAdvisory(oracles.impl(f.oracle)) && f.expectation == Expectation::kExpectedDivergence;
            },
            500);
    section("C/Python disagreements", "The pure-Python pickler or unpickler fails a check the C one passes (advisory).",
            [&](const Finding& f) { return f.disagreement; }, 40);
    section("Other advisory mismatches", "The pure-Python oracle fails a check the C one fails too, or runs alone.",
            [&](const Finding& f) { return IsAdvisory(oracles.impl(f.oracle)) && !f.disagreement; }, 40);
    auto table = [&](const std::string& title, const std::string& blurb, const std::vector<Finding>& list) {
      md += "## " + title + " (" + std::to_string(list.size()) + ")\n\n" + blurb + "\n\n";
      if (list.empty()) return;
      md += "| case | oracle | summary |\n|---|---|---|\n";
      for (const Finding& f : list) {
        const CheckResult& cr = results[f.value][f.oracle].findings[f.index];
        md += "| `" + values[f.value].id + "@" + CheckId(cr) + "` | " + oracles.name(f.oracle) + " | " +
              MarkdownCell(cr.summary, 240) + " |\n";
      }
      md += "\n";
    };
    table("Not carried, unrepresentable, not comparable",
          "Both sides refuse the value at that protocol with the same exception (NotCarried), CPython's "
          "pickler cannot write it with stubs (Unrepresentable), CPython's own round trip changes it "
          "(CPythonLossy), or set order cannot be reproduced (SetOrderSkipped).",
          not_carried);
    table("Inconclusive and oracle failures", "Timeouts, resource limits, no answer.", undecided);
    md += "## Stale expected-list entries\n\n";
    for (size_t k = 0; k < n_oracles; ++k) {
      if (!lists[k].loaded()) continue;
      for (const ExpectedDivergence* e : lists[k].list().Stale()) {
        md += "- " + oracles.name(k) + ": `" + e->case_id + "`\n";
      }
    }
    if (!WriteWholeFile(args.report, md)) {
      std::fprintf(stderr, "picklecheck roundtrip: cannot write %s\n", args.report.c_str());
      return 2;
    }
  }

  if (args.fix) {
    for (size_t k = 0; k < n_oracles; ++k) {
      // Advisory lists are report-only unless the run is strict about them.
      if (!lists[k].loaded() || (IsAdvisory(oracles.impl(k)) && !args.strict_python)) continue;
      std::string header = "Expected round-trip mismatches against the " + oracles.name(k) +
                           " oracle: `<value id>@<check>`\nper line, optionally followed by \"# message "
                           "prefix\" (picklecheck roundtrip --fix).";
      if (!lists[k].Fix(header, &why)) {
        std::fprintf(stderr, "picklecheck roundtrip: %s\n", why.c_str());
        return 2;
      }
      std::fprintf(stderr, "picklecheck roundtrip: rewrote %s\n", lists[k].path().c_str());
    }
    return 0;
  }
  return failed ? 1 : 0;
}

}  // namespace picklecheck

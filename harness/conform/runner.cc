#include "harness/conform/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "harness/conform/text.h"

namespace picklecheck::conform {
namespace {

using Clock = std::chrono::steady_clock;

std::string Labels(const Vector& v, bool accepted, const std::string* value) {
  std::string out;
  for (const Answer& a : v.answers) {
    bool match = accepted ? a.accepted() && (!value || a.value == *value) : a.rejected();
    if (!match) continue;
    for (const auto& b : a.by) {
      if (!out.empty()) out += ' ';
      out += b;
    }
  }
  return out;
}

bool MatchesJudge(const Vector& v, bool accepted, const std::string* value) {
  if (accepted) return v.result.accepted() && (!value || v.result.value == *value);
  return v.result.rejected();
}

}  // namespace

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kExpectedFailure:
      return "expected-failure";
    case Outcome::kUnexpectedFailure:
      return "unexpected-failure";
    case Outcome::kStale:
      return "stale";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kAdvisory:
      return "advisory";
  }
  return "?";
}

Cell Evaluate(const Vector& v, const TesteeReply& reply, Level level, Oracle* judge) {
  Cell c;
  c.reply = reply.kind;
  auto fail = [&](const char* why) {
    c.status = v.required ? CellStatus::kFail : CellStatus::kAdvisory;
    c.failure = why;
  };
  switch (reply.kind) {
    case ReplyKind::kSkipped:
      c.status = CellStatus::kSkip;
      c.got = "skipped" + (reply.message.empty() ? "" : ": " + Printable(reply.message, 200));
      return c;
    case ReplyKind::kCrash:
    case ReplyKind::kTimeout:
    case ReplyKind::kProtocolError:
      c.got = std::string(ReplyKindName(reply.kind)) + ": " + Printable(reply.message, 300);
      fail(reply.kind == ReplyKind::kCrash     ? "Crash"
           : reply.kind == ReplyKind::kTimeout ? "Timeout"
                                               : "ProtocolError");
      if (!v.required) c.matched = "none";
      return c;
    case ReplyKind::kRejected: {
      c.got = "rejected";
      if (!reply.exception.empty() || !reply.message.empty()) {
        c.got += ": ";
        if (!reply.exception.empty())
          c.got += Printable(reply.exception, 60) + (reply.message.empty() ? "" : ": ");
        c.got += Printable(reply.message, 240);
      }
      if (!v.required) {
        c.status = CellStatus::kAdvisory;
        c.matched = Labels(v, false, nullptr);
        if (c.matched.empty()) c.matched = "none";
        c.matches_judge = MatchesJudge(v, false, nullptr);
        return c;
      }
      if (v.expect == Expect::kReject)
        c.status = CellStatus::kPass;
      else
        fail("RejectedValid");
      return c;
    }
    case ReplyKind::kAccepted:
      break;
  }
  // Accepted.
  c.got = "accepted";
  bool have_value = false;
  if (level == Level::kTranscode) {
    if (reply.has_text) {
      c.value = reply.text;
      have_value = true;
    } else if (reply.has_pickle) {
      if (judge == nullptr) {
        c.status = CellStatus::kSkip;
        c.got = "accepted; no CPython judge to load the re-encoded pickle";
        return c;
      }
      DecodeOptions o = v.options;
      o.buffers.reset();
      if (!reply.buffers.empty()) o.buffers = reply.buffers;
      OracleOutcome out = judge->Load(reply.pickle, o);
      switch (out.kind) {
        case OutcomeKind::kAccepted:
          c.value = out.value;
          have_value = true;
          break;
        case OutcomeKind::kRejected:
          c.got = "accepted; its re-encoded pickle (" + std::to_string(reply.pickle.size()) +
                  " bytes) fails in CPython: " + out.exception + ": " + Printable(out.message, 200);
          if (!v.required) {
            c.status = CellStatus::kAdvisory;
            c.matched = "none";
            return c;
          }
          fail("Unloadable");
          return c;
        default:
          c.status = CellStatus::kSkip;
          c.got = "accepted; CPython could not judge the re-encoded pickle: " +
                  std::string(OutcomeKindName(out.kind)) + " " +
                  Printable(out.message + out.error.message, 200);
          return c;
      }
    }
    if (have_value) c.got = "accepted `" + Shorten(Printable(c.value, 100000), 160) + "`";
  }
  if (!v.required) {
    c.status = CellStatus::kAdvisory;
    const std::string* val = have_value ? &c.value : nullptr;
    c.matched = Labels(v, true, val);
    if (c.matched.empty()) c.matched = "none";
    c.matches_judge = MatchesJudge(v, true, val);
    return c;
  }
  if (v.expect == Expect::kReject) {
    fail("AcceptedInvalid");
    return c;
  }
  if (level == Level::kTranscode) {
    if (!have_value) {
      fail("NoValue");
      c.got = "accepted without a value (transcode needs 'B' + pickle or 'V' + canonical text)";
      return c;
    }
    if (c.value != v.result.value) {
      fail("ValueMismatch");
      return c;
    }
  }
  c.status = CellStatus::kPass;
  return c;
}

std::string FailureSummary(const Vector& v, const Cell& c) {
  std::string s = c.failure + ": ";
  if (c.failure == "ValueMismatch") {
    s += "got `" + Shorten(c.value, 60) + "`";
  } else {
    s += Shorten(c.got, 100);
  }
  s += "; CPython " + (v.result.accepted() ? std::string("accepts") : "raises " + v.result.exception);
  return s;
}

std::string ExpectedListPath(const std::string& dir, const std::string& name, Level level) {
  return dir + "/" + name + (level == Level::kTranscode ? ".transcode.txt" : ".txt");
}

void ApplyExpectations(const std::vector<Vector>& vectors, bool filtered, TesteeRun& run) {
  run.successes = run.expected = run.unexpected = run.skipped = run.advisory = run.stale = 0;
  run.advisory_judge = 0;
  run.unknown_entries.clear();
  if (!run.started) return;
  for (size_t i = 0; i < vectors.size() && i < run.cells.size(); ++i) {
    Cell& c = run.cells[i];
    bool listed = run.list.Find(vectors[i].id) != nullptr;
    switch (c.status) {
      case CellStatus::kPass:
        c.outcome = listed ? Outcome::kStale : Outcome::kSuccess;
        break;
      case CellStatus::kFail:
        c.outcome = listed ? Outcome::kExpectedFailure : Outcome::kUnexpectedFailure;
        break;
      case CellStatus::kSkip:
        c.outcome = Outcome::kSkipped;
        break;
      case CellStatus::kAdvisory:
        c.outcome = listed ? Outcome::kStale : Outcome::kAdvisory;
        break;
    }
    switch (c.outcome) {
      case Outcome::kSuccess:
        ++run.successes;
        break;
      case Outcome::kExpectedFailure:
        ++run.expected;
        break;
      case Outcome::kUnexpectedFailure:
        ++run.unexpected;
        break;
      case Outcome::kStale:
        ++run.unexpected;
        ++run.stale;
        break;
      case Outcome::kSkipped:
        ++run.skipped;
        break;
      case Outcome::kAdvisory:
        ++run.advisory;
        if (c.matches_judge) ++run.advisory_judge;
        break;
    }
  }
  if (!filtered) {
    std::set<std::string_view> ids;
    for (const auto& v : vectors) ids.insert(v.id);
    for (const auto& e : run.list.entries())
      if (!ids.count(e.id)) run.unknown_entries.push_back(e.id);
    run.unexpected += static_cast<int>(run.unknown_entries.size());
  }
}

std::string FixedList(const std::vector<Vector>& vectors, const TesteeRun& run) {
  std::vector<ExpectedEntry> entries;
  std::set<std::string_view> ran;
  for (size_t i = 0; i < vectors.size() && i < run.cells.size(); ++i) {
    const Cell& c = run.cells[i];
    if (c.outcome == Outcome::kSkipped) continue;  // says nothing: an entry stays as it is
    ran.insert(vectors[i].id);
    if (c.status == CellStatus::kFail) entries.push_back({vectors[i].id, FailureSummary(vectors[i], c), 0});
  }
  std::set<std::string_view> unknown(run.unknown_entries.begin(), run.unknown_entries.end());
  for (const auto& e : run.list.entries())
    if (!ran.count(e.id) && !unknown.count(e.id)) entries.push_back(e);
  std::string header =
      "Expected conformance failures of testee " + run.info.name + " at level " +
      std::string(LevelName(run.level)) + " (" + run.info.version +
      ").\nOne vector id per line (corpus/conformance/vectors.jsonl); the text after '#' is\n"
      "informational. Rewritten by `picklecheck conform --fix`; see harness/conform/TESTEE.md.";
  return ExpectedFailures::Format(std::move(entries), header);
}

bool RunResult::Passed() const {
  if (testees.empty()) return false;
  for (const auto& t : testees)
    if (t.Failed()) return false;
  return true;
}

void Run(const std::vector<Vector>& vectors, const std::vector<TesteeSpec>& specs, const RunConfig& config,
         RunResult& result) {
  auto t0 = Clock::now();
  result.vectors = &vectors;
  result.level = config.level;
  result.mode = config.mode;
  result.testees.clear();
  result.testees.resize(specs.size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  auto worker = [&] {
    std::unique_ptr<Oracle> judge;
    bool judge_tried = false;
    while (true) {
      size_t ti = next.fetch_add(1);
      if (ti >= specs.size()) break;
      TesteeRun& run = result.testees[ti];
      run.spec = specs[ti];
      run.mode = config.mode;
      run.level = config.level;
      auto start = Clock::now();
      TesteeOptions topt = config.testee;
      topt.level = config.level;
      if (!config.stderr_dir.empty()) topt.stderr_log = config.stderr_dir + "/" + run.spec.name + ".stderr";
      std::unique_ptr<Testee> testee = MakeTestee(run.spec, config.mode, topt);
      std::string why;
      run.started = testee->Start(&why);
      run.info = testee->info();
      if (!run.started) {
        run.error = why;
        std::lock_guard<std::mutex> lock(mu);
        std::cerr << "conform: " << run.spec.name << ": cannot start: " << why << "\n";
        continue;
      }
      if (run.level == Level::kTranscode && !testee->SupportsTranscode()) run.level = Level::kVerdict;
      if (run.level == Level::kTranscode && !judge_tried) {
        judge_tried = true;
        std::string err;
        judge = MakeOracle(config.judge_name, config.judge, &err);
        if (judge) {
          OracleInfo info = judge->Info();
          std::lock_guard<std::mutex> lock(mu);
          if (result.judge.empty()) result.judge = DescribeOracle(info);
          if (!info.started) judge.reset();
        }
      }
      run.list_path = ExpectedListPath(config.expected_dir, run.info.name, run.level);
      run.list_ok = run.list.Load(run.list_path, &run.list_error);
      run.cells.resize(vectors.size());
      TesteeReply reply;
      for (size_t i = 0; i < vectors.size(); ++i) {
        const Vector& v = vectors[i];
        auto s = Clock::now();
        testee->Run(v.pickle, v.options, run.level, reply);
        run.cells[i] = Evaluate(v, reply, run.level, judge.get());
        run.cells[i].millis = std::chrono::duration<double, std::milli>(Clock::now() - s).count();
      }
      run.starts = testee->starts();
      testee.reset();
      run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      ApplyExpectations(vectors, config.filtered, run);
      if (config.verbose) {
        std::lock_guard<std::mutex> lock(mu);
        std::cerr << "conform: " << run.info.name << ": " << vectors.size() << " vectors in " << run.seconds
                  << " s (" << run.starts << " process start" << (run.starts == 1 ? "" : "s") << ")\n";
      }
    }
  };
  int jobs = std::max(1, std::min<int>(config.jobs, static_cast<int>(specs.size())));
  std::vector<std::thread> threads;
  for (int i = 0; i < jobs; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  result.successes = result.expected = result.unexpected = result.skipped = result.advisory = 0;
  for (const auto& t : result.testees) {
    result.successes += t.successes;
    result.expected += t.expected;
    result.unexpected += t.unexpected;
    result.skipped += t.skipped;
    result.advisory += t.advisory;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace picklecheck::conform

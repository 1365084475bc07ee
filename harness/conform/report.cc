#include "harness/conform/report.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "harness/conform/json.h"
#include "harness/conform/text.h"
#include "harness/pickle/disasm.h"

namespace picklecheck::conform {
namespace {

struct Rate {
  int pass = 0;
  int fail = 0;
};

std::string RateText(const Rate& r) {
  if (r.pass + r.fail == 0) return "-";
  if (r.fail == 0) return "100";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", 100.0 * r.pass / (r.pass + r.fail));
  return buf;
}

// group -> per-testee rates, and the number of Required vectors in the group.
struct Table {
  std::map<std::string, std::vector<Rate>> rates;
  std::map<std::string, int> vectors;
};

Table Rates(const RunResult& r, bool by_flag) {
  Table t;
  const auto& vs = *r.vectors;
  size_t n = r.testees.size();
  for (size_t i = 0; i < vs.size(); ++i) {
    const Vector& v = vs[i];
    if (!v.required) continue;
    std::vector<std::string> groups = by_flag ? v.flags : std::vector<std::string>{v.family};
    for (const auto& g : groups) {
      auto& row = t.rates[g];
      row.resize(n);
      ++t.vectors[g];
      for (size_t k = 0; k < n; ++k) {
        const TesteeRun& tr = r.testees[k];
        if (!tr.started || i >= tr.cells.size()) continue;
        if (tr.cells[i].status == CellStatus::kPass)
          ++row[k].pass;
        else if (tr.cells[i].status == CellStatus::kFail)
          ++row[k].fail;
      }
    }
  }
  return t;
}

Rate Overall(const RunResult& r, size_t k) {
  Rate rate;
  const TesteeRun& tr = r.testees[k];
  for (size_t i = 0; i < tr.cells.size(); ++i) {
    if (!(*r.vectors)[i].required) continue;
    if (tr.cells[i].status == CellStatus::kPass)
      ++rate.pass;
    else if (tr.cells[i].status == CellStatus::kFail)
      ++rate.fail;
  }
  return rate;
}

char CellCode(const Cell& c) {
  switch (c.outcome) {
    case Outcome::kSuccess:
      return 'p';
    case Outcome::kExpectedFailure:
      return 'x';
    case Outcome::kUnexpectedFailure:
      return 'f';
    case Outcome::kStale:
      return 's';
    case Outcome::kSkipped:
      return 'k';
    case Outcome::kAdvisory:
      return c.matches_judge ? 'a' : 'o';
  }
  return 'k';
}

const char* CellSymbol(char code) {
  switch (code) {
    case 'p':
      return "&#10003;";  // check
    case 'x':
      return "&#10007;";  // ballot x
    case 'f':
      return "&#10007;";
    case 's':
      return "!";
    case 'k':
      return "&#8211;";
    case 'a':
      return "~";
    case 'o':
      return "&#8800;";  // not equal
  }
  return "?";
}

bool Departs(const RunResult& r, size_t i) {
  for (const auto& t : r.testees) {
    if (!t.started || i >= t.cells.size()) continue;
    char c = CellCode(t.cells[i]);
    if (c == 'x' || c == 'f' || c == 's' || c == 'o') return true;
  }
  return false;
}

std::string ExpectedResultText(const Vector& v) {
  if (v.result.accepted()) return "accept: " + v.result.value;
  return "reject: " + v.result.exception + ": " + v.result.message;
}

std::string Join(const std::vector<std::string>& xs, const char* sep) {
  std::string out;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i) out += sep;
    out += xs[i];
  }
  return out;
}

std::string DisasmText(const Vector& v) {
  DisasmOptions o;
  o.decode = v.options;
  o.max_payload_bytes = 48;
  std::string text = Disassemble(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.pickle.data()), v.pickle.size()), o);
  // Keep the first 40 lines and the last 8 (where a failure usually is).
  std::vector<std::string_view> lines;
  std::string_view rest(text);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() <= 50) return text;
  std::string out;
  for (size_t i = 0; i < 40; ++i) out.append(lines[i]).push_back('\n');
  out += "    ... " + std::to_string(lines.size() - 48) + " lines ...\n";
  for (size_t i = lines.size() - 8; i < lines.size(); ++i) out.append(lines[i]).push_back('\n');
  return out;
}

std::string FlagDescriptions(const std::string& vectors_path, std::map<std::string, std::string>& out) {
  size_t slash = vectors_path.rfind('/');
  std::string index =
      (slash == std::string::npos ? std::string(".") : vectors_path.substr(0, slash)) + "/index.json";
  std::ifstream f(index);
  if (!f) return "";
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Json j;
  if (!ParseJson(text, j, nullptr)) return "";
  for (const auto& [k, d] : j["flags"].fields()) out[k] = d["description"].str();
  const Json& judge = j["judge"];
  return judge["version"].str();
}

const char kCss[] = R"CSS(
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 6px}
.meta{color:#57606a;margin:0 0 10px}
#final{font:bold 14px monospace;padding:6px 10px;border-radius:4px;display:inline-block;margin:6px 0}
#final.passed{background:#dafbe1;color:#116329} #final.failed{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse} th,td{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa} .matrix th,.rates th{position:sticky;top:0;z-index:1}
td.n{text-align:right;font-variant-numeric:tabular-nums}
nav{margin:12px 0 8px} nav button{font:inherit;padding:4px 10px;margin-right:4px;border:1px solid #d0d7de;background:#f6f8fa;border-radius:4px;cursor:pointer}
nav button.on{background:#0969da;color:#fff;border-color:#0969da}
#filter{font:inherit;padding:3px 6px;width:28em;margin-left:8px}
.matrix td.c{text-align:center;width:1.6em;padding:1px 2px;font-weight:bold}
.matrix th.t{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal;padding:4px 2px}
.c.p{color:#1a7f37} .c.f{background:#ffebe9;color:#cf222e} .c.x{background:#fff8c5;color:#7d4e00}
.c.s{background:#ffebe9;color:#cf222e} .c.k{color:#8c959f} .c.a{color:#0969da} .c.o{background:#ddf4ff;color:#0550ae}
td.id{font-family:ui-monospace,monospace;white-space:nowrap} td.e{font-family:monospace;text-align:center}
tr.v{cursor:pointer} tr.v:hover td{background:#f6f8fa}
tr.detail>td{background:#fbfcfd;padding:8px} tr.detail pre{margin:4px 0;max-height:28em;overflow:auto;background:#f6f8fa;padding:6px;font-size:12px;white-space:pre-wrap;word-break:break-all}
.flag{display:inline-block;background:#eaeef2;border-radius:8px;padding:0 6px;margin:1px;font-size:11px}
.got td{font-family:ui-monospace,monospace;font-size:12px}
.legend span{margin-right:14px}
.hidden{display:none}
)CSS";

const char kJs[] = R"JS(
(function(){
  var tabs=document.querySelectorAll('nav button[data-tab]');
  function show(id,user){
    tabs.forEach(function(b){b.classList.toggle('on',b.dataset.tab===id);});
    document.querySelectorAll('section.tab').forEach(function(s){s.classList.toggle('hidden',s.id!==id);});
    if(user)history.replaceState(null,'','#'+id);
  }
  tabs.forEach(function(b){b.addEventListener('click',function(){show(b.dataset.tab,true);});});
  document.querySelectorAll('tr.v').forEach(function(tr){
    tr.addEventListener('click',function(ev){
      if(ev.target.tagName==='A')return;
      var d=tr.nextElementSibling; if(d&&d.classList.contains('detail'))d.classList.toggle('hidden');
    });
  });
  document.querySelectorAll('a.go').forEach(function(a){
    a.addEventListener('click',function(){show('departures');
      var d=document.getElementById(a.getAttribute('href').slice(1));
      if(d){var n=d.nextElementSibling;if(n)n.classList.remove('hidden');}});
  });
  var f=document.getElementById('filter');
  f.addEventListener('input',function(){
    var q=f.value.toLowerCase();
    document.querySelectorAll('table.matrix tr.v').forEach(function(tr){
      var hit=!q||tr.dataset.key.indexOf(q)>=0;
      tr.classList.toggle('hidden',!hit);
      var d=tr.nextElementSibling;
      if(!hit&&d&&d.classList.contains('detail'))d.classList.add('hidden');
    });
  });
  var h=location.hash.slice(1);
  if(h.startsWith('d-')){show('departures');var d=document.getElementById(h);if(d&&d.nextElementSibling)d.nextElementSibling.classList.remove('hidden');}
  else if(document.getElementById(h)&&document.getElementById(h).classList.contains('tab'))show(h);
  else show('departures');
})();
)JS";

void Counts(std::string& h, const TesteeRun& t) {
  h += "<td class=\"n\">" + std::to_string(t.successes) + "</td><td class=\"n\">" +
       std::to_string(t.expected) + "</td><td class=\"n\">" + std::to_string(t.unexpected) +
       "</td><td class=\"n\">" + std::to_string(t.skipped) + "</td><td class=\"n\">" +
       std::to_string(t.advisory) + " (" + std::to_string(t.advisory_judge) + ")</td>";
}

void RateRows(std::string& h, const RunResult& r, const Table& t,
              const std::map<std::string, std::string>* desc) {
  for (const auto& [g, row] : t.rates) {
    h += "<tr><td>" + HtmlEscape(g) + "</td><td class=\"n\">" + std::to_string(t.vectors.at(g)) + "</td>";
    for (size_t k = 0; k < r.testees.size(); ++k) {
      const Rate& rate = row[k];
      std::string cls = rate.fail == 0 ? "c p" : "c f";
      if (rate.pass + rate.fail == 0) cls = "c k";
      h += "<td class=\"n " + cls + "\" title=\"" + std::to_string(rate.pass) + "/" +
           std::to_string(rate.pass + rate.fail) + "\">" + RateText(rate) + "</td>";
    }
    if (desc) {
      auto it = desc->find(g);
      h += "<td>" + (it == desc->end() ? std::string() : HtmlEscape(it->second)) + "</td>";
    }
    h += "</tr>\n";
  }
}

}  // namespace

std::string FinalLine(const RunResult& r) {
  std::ostringstream s;
  s << "CONFORMANCE " << (r.Passed() ? "PASSED" : "FAILED") << ": " << r.successes << " successes, "
    << r.expected << " expected failures, " << r.unexpected << " unexpected failures, " << r.skipped
    << " skipped";
  return s.str();
}

void PrintSummary(const RunResult& r, std::ostream& out, bool details) {
  const auto& vs = *r.vectors;
  size_t required = 0;
  for (const auto& v : vs) required += v.required;
  out << "picklecheck conform: " << vs.size() << " vectors (" << required << " Required, "
      << vs.size() - required << " Advisory) from " << r.vectors_path;
  if (!r.filter.empty()) out << " matching " << r.filter;
  out << "; level " << LevelName(r.level) << ", mode " << ModeName(r.mode) << "\n";
  if (!r.judge.empty()) out << "transcode judge: " << r.judge << "\n";
  out << "\nTestees (advisory: i_ vectors; in parentheses those matching CPython 3.11's C unpickler):\n";
  for (size_t k = 0; k < r.testees.size(); ++k) {
    const TesteeRun& t = r.testees[k];
    out << "  T" << k + 1 << "  " << t.info.name << "  [" << Shorten(t.info.version, 70) << "]";
    if (!t.started) {
      out << "  NOT STARTED: " << t.error << "\n";
      continue;
    }
    out << "  level " << LevelName(t.level) << ": " << t.successes << " ok, " << t.expected
        << " expected failures, " << t.unexpected << " unexpected, " << t.skipped << " skipped, "
        << t.advisory << " advisory (" << t.advisory_judge << ")  pass rate " << RateText(Overall(r, k))
        << "%  " << std::fixed << std::setprecision(1) << t.seconds << " s\n";
    out.unsetf(std::ios::fixed);
    if (!t.list_ok) out << "      expected-failure list unusable: " << t.list_error << "\n";
  }
  if (details) {
    for (int pass = 0; pass < 2; ++pass) {
      Table t = Rates(r, pass == 1);
      out << "\nPass rate (%) of Required vectors by " << (pass ? "flag" : "family")
          << " (passed / (passed + failed); skipped not counted):\n";
      out << "  " << std::left << std::setw(22) << (pass ? "flag" : "family") << std::right << std::setw(6)
          << "n";
      for (size_t k = 0; k < r.testees.size(); ++k) out << std::setw(6) << ("T" + std::to_string(k + 1));
      out << "\n";
      for (const auto& [g, row] : t.rates) {
        out << "  " << std::left << std::setw(22) << g << std::right << std::setw(6) << t.vectors[g];
        for (const Rate& rate : row) out << std::setw(6) << RateText(rate);
        out << "\n";
      }
    }
  }
  // Unexpected failures and stale entries, a few per testee.
  bool header = false;
  for (const auto& t : r.testees) {
    if (!t.started) continue;
    int shown = 0, total = 0;
    for (size_t i = 0; i < t.cells.size(); ++i) {
      const Cell& c = t.cells[i];
      if (c.outcome != Outcome::kUnexpectedFailure && c.outcome != Outcome::kStale) continue;
      ++total;
      if (shown >= 25) continue;
      if (!header) {
        out << "\nUnexpected results:\n";
        header = true;
      }
      ++shown;
      if (c.outcome == Outcome::kStale)
        out << "  " << t.info.name << ": " << vs[i].id << ": STALE (listed in " << t.list_path << ", but "
            << (c.status == CellStatus::kAdvisory ? "Advisory vectors never fail" : "it passed") << ")\n";
      else
        out << "  " << t.info.name << ": " << vs[i].id << ": " << FailureSummary(vs[i], c) << "\n";
    }
    for (const auto& id : t.unknown_entries) {
      ++total;
      if (!header) {
        out << "\nUnexpected results:\n";
        header = true;
      }
      out << "  " << t.info.name << ": " << id << ": STALE (listed in " << t.list_path
          << ", but no such vector)\n";
    }
    if (total > shown + static_cast<int>(t.unknown_entries.size()))
      out << "  " << t.info.name << ": ... " << total - shown - static_cast<int>(t.unknown_entries.size())
          << " more (see the reports)\n";
  }
  out << "\n" << FinalLine(r) << "\n";
}

std::string RenderHtml(const RunResult& r) {
  const auto& vs = *r.vectors;
  std::map<std::string, std::string> desc;
  std::string generator = FlagDescriptions(r.vectors_path, desc);
  std::string h;
  h.reserve(1 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>picklecheck "
       "conformance</title>\n<style>";
  h += kCss;
  h += "</style></head><body>\n<h1>picklecheck conformance</h1>\n<p class=\"meta\">";
  h += std::to_string(vs.size()) + " vectors from <code>" + HtmlEscape(r.vectors_path) + "</code>";
  if (!r.filter.empty()) h += " matching <code>" + HtmlEscape(r.filter) + "</code>";
  h += " &middot; level <b>" + std::string(LevelName(r.level)) + "</b> &middot; mode " +
       std::string(ModeName(r.mode));
  if (!generator.empty())
    h += " &middot; expected results: CPython " + HtmlEscape(Shorten(generator, 40)) + " C unpickler";
  if (!r.judge.empty()) h += "<br>transcode judge: " + HtmlEscape(r.judge);
  h += "</p>\n<div id=\"final\" class=\"" + std::string(r.Passed() ? "passed" : "failed") +
       "\" data-successes=\"" + std::to_string(r.successes) + "\" data-expected=\"" +
       std::to_string(r.expected) + "\" data-unexpected=\"" + std::to_string(r.unexpected) +
       "\" data-skipped=\"" + std::to_string(r.skipped) + "\">" + HtmlEscape(FinalLine(r)) + "</div>\n";

  h += "<h2>Testees</h2>\n<table "
       "id=\"summary\"><thead><tr><th>#</th><th>testee</th><th>version</th><th>level</th>"
       "<th>successes</th><th>expected failures</th><th>unexpected</th><th>skipped</th><th>advisory (= "
       "CPython C)</th>"
       "<th>pass rate</th></tr></thead><tbody>\n";
  for (size_t k = 0; k < r.testees.size(); ++k) {
    const TesteeRun& t = r.testees[k];
    h += "<tr class=\"testee\" data-testee=\"" + HtmlEscape(t.info.name) + "\" data-unexpected=\"" +
         std::to_string(t.unexpected) + "\"><td>T" + std::to_string(k + 1) + "</td><td>" +
         HtmlEscape(t.info.name) + "</td><td>" + HtmlEscape(Shorten(t.info.version, 90)) + "</td>";
    if (!t.started) {
      h += "<td colspan=\"7\" class=\"c f\">not started: " + HtmlEscape(t.error) + "</td></tr>\n";
      continue;
    }
    h += "<td>" + std::string(LevelName(t.level)) + "</td>";
    Counts(h, t);
    h += "<td class=\"n\">" + RateText(Overall(r, k)) + "%</td></tr>\n";
  }
  h += "</tbody></table>\n";
  h += "<p class=\"legend\"><span class=\"c p\">&#10003; pass</span><span class=\"c f\">&#10007; unexpected "
       "failure</span>"
       "<span class=\"c x\">&#10007; expected failure</span><span class=\"c s\">! stale list entry</span>"
       "<span class=\"c k\">&#8211; skipped</span><span class=\"c a\">~ i_ vector, same as CPython 3.11 "
       "C</span>"
       "<span class=\"c o\">&#8800; i_ vector, like another CPython or none</span></p>\n";

  std::vector<size_t> departing;
  for (size_t i = 0; i < vs.size(); ++i)
    if (Departs(r, i)) departing.push_back(i);

  h += "<nav><button data-tab=\"departures\">Departures (" + std::to_string(departing.size()) +
       ")</button><button data-tab=\"all\">All vectors (" + std::to_string(vs.size()) +
       ")</button><button data-tab=\"families\">By family</button><button data-tab=\"flags\">By flag</button>"
       "<input id=\"filter\" placeholder=\"filter rows: id, name, flag or family\"></nav>\n";

  auto matrix_head = [&](std::string& out, const char* id) {
    out += "<table class=\"matrix\" id=\"";
    out += id;
    out += "\"><thead><tr><th>vector</th><th>exp</th>";
    for (size_t k = 0; k < r.testees.size(); ++k)
      out += "<th class=\"t\" title=\"" + HtmlEscape(r.testees[k].info.name) + "\">T" +
             std::to_string(k + 1) + " " + HtmlEscape(r.testees[k].info.name) + "</th>";
    out += "</tr></thead><tbody>\n";
  };
  auto row_key = [&](const Vector& v) {
    std::string k = v.id + " " + v.name + " " + v.family + " " + Join(v.flags, " ");
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    return HtmlEscape(k);
  };
  size_t ncols = 2 + r.testees.size();

  // Departures: the pruned view, with details.
  h += "<section class=\"tab\" id=\"departures\"><p>Rows where any testee departs from CPython (a failure, "
       "expected or not, a stale entry, or an i_ answer unlike CPython 3.11's C unpickler). Click a row for "
       "its "
       "bytes, disassembly and answers.</p>\n";
  matrix_head(h, "pruned");
  for (size_t i : departing) {
    const Vector& v = vs[i];
    h += "<tr class=\"v\" id=\"d-" + std::to_string(i) + "\" data-id=\"" + HtmlEscape(v.id) +
         "\" data-key=\"" + row_key(v) + "\"><td class=\"id\">" + HtmlEscape(v.id) + "</td><td class=\"e\">" +
         std::string(ExpectPrefix(v.expect)) + "</td>";
    for (const auto& t : r.testees) {
      if (!t.started || i >= t.cells.size()) {
        h += "<td class=\"c k\"></td>";
        continue;
      }
      const Cell& c = t.cells[i];
      char code = CellCode(c);
      h += "<td class=\"c ";
      h.push_back(code);
      h += "\"";
      if (code != 'p') h += " title=\"" + HtmlEscape(t.info.name + ": " + Shorten(c.got, 200)) + "\"";
      h += ">";
      h += CellSymbol(code);
      h += "</td>";
    }
    h += "</tr>\n<tr class=\"detail hidden\"><td colspan=\"" + std::to_string(ncols) + "\">";
    h += "<div><b>" + HtmlEscape(v.name) + "</b> &middot; " + std::string(ExpectName(v.expect)) +
         " &middot; " + (v.required ? "Required" : "Advisory") + " &middot; family " + HtmlEscape(v.family) +
         " &middot; " + HtmlEscape(v.source) + "</div><div>";
    for (const auto& f : v.flags) {
      auto it = desc.find(f);
      h += "<span class=\"flag\" title=\"" + HtmlEscape(it == desc.end() ? "" : it->second) + "\">" +
           HtmlEscape(f) + "</span>";
    }
    h += "</div>";
    if (!v.comment.empty()) h += "<div>" + HtmlEscape(v.comment) + "</div>";
    std::string opts = DescribeOptions(v.options);
    if (!opts.empty()) h += "<div>options: <code>" + HtmlEscape(opts) + "</code></div>";
    h += "<div>expected (CPython 3.11 C): <pre class=\"expected\">" +
         HtmlEscape(Printable(ExpectedResultText(v), 4000)) + "</pre></div>";
    for (const auto& a : v.answers) {
      h += "<div>" + HtmlEscape(Join(a.by, " ")) + ": <code>" +
           HtmlEscape(
               Printable(a.kind == "value" ? a.value : a.kind + " " + a.exception + ": " + a.message, 300)) +
           "</code></div>";
    }
    h += "<table class=\"got\"><tr><th>testee</th><th>outcome</th><th>got</th></tr>";
    for (const auto& t : r.testees) {
      if (!t.started || i >= t.cells.size()) continue;
      const Cell& c = t.cells[i];
      char code = CellCode(c);
      if (code == 'p' || code == 'k') continue;
      std::string what = std::string(OutcomeName(c.outcome));
      if (!c.failure.empty()) what += " (" + c.failure + ")";
      if (c.status == CellStatus::kAdvisory) what += " matches: " + c.matched;
      if (c.outcome == Outcome::kExpectedFailure) {
        const ExpectedEntry* e = t.list.Find(v.id);
        if (e && !e->message.empty()) what += " # " + e->message;
      }
      h += "<tr><td>" + HtmlEscape(t.info.name) + "</td><td>" + HtmlEscape(what) +
           "</td><td class=\"gotv\">" + HtmlEscape(Printable(c.got, 2000)) + "</td></tr>";
    }
    h += "</table><div>pickle (" + std::to_string(v.pickle.size()) + " bytes):<pre class=\"hex\">" +
         HtmlEscape(Hex(v.pickle, 512)) + "</pre></div><div>disassembly (picklecheck):<pre class=\"dis\">" +
         HtmlEscape(Printable(DisasmText(v), 60000)) + "</pre></div></td></tr>\n";
  }
  h += "</tbody></table></section>\n";

  // All vectors: the full view, compact; departing rows link to their details.
  h += "<section class=\"tab hidden\" id=\"all\">\n";
  matrix_head(h, "full");
  std::set<size_t> dep(departing.begin(), departing.end());
  for (size_t i = 0; i < vs.size(); ++i) {
    const Vector& v = vs[i];
    h += "<tr class=\"v\" data-id=\"" + HtmlEscape(v.id) + "\" data-key=\"" + row_key(v) +
         "\"><td class=\"id\">";
    if (dep.count(i))
      h += "<a class=\"go\" href=\"#d-" + std::to_string(i) + "\">" + HtmlEscape(v.id) + "</a>";
    else
      h += HtmlEscape(v.id);
    h += "</td><td class=\"e\">" + std::string(ExpectPrefix(v.expect)) + "</td>";
    for (const auto& t : r.testees) {
      if (!t.started || i >= t.cells.size()) {
        h += "<td class=\"c k\"></td>";
        continue;
      }
      char code = CellCode(t.cells[i]);
      h += "<td class=\"c ";
      h.push_back(code);
      h += "\">";
      h += CellSymbol(code);
      h += "</td>";
    }
    h += "</tr>\n";
  }
  h += "</tbody></table></section>\n";

  for (int pass = 0; pass < 2; ++pass) {
    Table t = Rates(r, pass == 1);
    h += std::string("<section class=\"tab hidden\" id=\"") + (pass ? "flags" : "families") +
         "\"><p>Pass rate (%) of Required vectors: passed / (passed + failed), skipped not counted.</p>"
         "<table class=\"rates\"><thead><tr><th>" +
         (pass ? "flag" : "family") + "</th><th>n</th>";
    for (size_t k = 0; k < r.testees.size(); ++k)
      h += "<th title=\"" + HtmlEscape(r.testees[k].info.name) + "\">T" + std::to_string(k + 1) + "</th>";
    if (pass) h += "<th>meaning</th>";
    h += "</tr></thead><tbody>\n";
    RateRows(h, r, t, pass ? &desc : nullptr);
    h += "</tbody></table></section>\n";
  }
  h += "<script>";
  h += kJs;
  h += "</script>\n</body></html>\n";
  return h;
}

std::string RenderMarkdown(const RunResult& r) {
  const auto& vs = *r.vectors;
  std::ostringstream m;
  m << "# picklecheck conformance\n\n" << vs.size() << " vectors from `" << r.vectors_path << "`";
  if (!r.filter.empty()) m << " matching `" << r.filter << "`";
  m << ", level " << LevelName(r.level) << ", mode " << ModeName(r.mode) << ".\n\n";
  m << "**" << FinalLine(r) << "**\n\n";
  m << "| # | testee | version | level | pass rate | successes | expected failures | unexpected | skipped | "
       "advisory (= CPython C) |\n";
  m << "|---|---|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (size_t k = 0; k < r.testees.size(); ++k) {
    const TesteeRun& t = r.testees[k];
    m << "| T" << k + 1 << " | " << MarkdownCell(t.info.name) << " | "
      << MarkdownCell(Shorten(t.info.version, 60)) << " | ";
    if (!t.started) {
      m << "not started: " << MarkdownCell(t.error) << " | | | | | | |\n";
      continue;
    }
    m << LevelName(t.level) << " | " << RateText(Overall(r, k)) << "% | " << t.successes << " | "
      << t.expected << " | " << t.unexpected << " | " << t.skipped << " | " << t.advisory << " ("
      << t.advisory_judge << ") |\n";
  }
  Table fam = Rates(r, false);
  m << "\n## Pass rate (%) by family\n\n| family | n |";
  for (size_t k = 0; k < r.testees.size(); ++k) m << " T" << k + 1 << " |";
  m << "\n|---|---:|";
  for (size_t k = 0; k < r.testees.size(); ++k) m << "---:|";
  m << "\n";
  for (const auto& [g, row] : fam.rates) {
    m << "| " << g << " | " << fam.vectors[g] << " |";
    for (const Rate& rate : row) m << " " << RateText(rate) << " |";
    m << "\n";
  }
  Table fl = Rates(r, true);
  m << "\n## Pass rate (%) by flag\n\n| flag | n |";
  for (size_t k = 0; k < r.testees.size(); ++k) m << " T" << k + 1 << " |";
  m << "\n|---|---:|";
  for (size_t k = 0; k < r.testees.size(); ++k) m << "---:|";
  m << "\n";
  for (const auto& [g, row] : fl.rates) {
    m << "| " << g << " | " << fl.vectors[g] << " |";
    for (const Rate& rate : row) m << " " << RateText(rate) << " |";
    m << "\n";
  }
  m << "\n## Unexpected results\n\n";
  bool any = false;
  for (const auto& t : r.testees) {
    int shown = 0;
    for (size_t i = 0; i < t.cells.size(); ++i) {
      const Cell& c = t.cells[i];
      if (c.outcome != Outcome::kUnexpectedFailure && c.outcome != Outcome::kStale) continue;
      any = true;
      if (++shown > 50) continue;
      m << "- " << MarkdownCell(t.info.name) << ": `" << vs[i].id << "`: "
        << MarkdownCell(c.outcome == Outcome::kStale ? std::string("stale entry") : FailureSummary(vs[i], c))
        << "\n";
    }
    if (shown > 50) m << "- " << MarkdownCell(t.info.name) << ": ... " << shown - 50 << " more\n";
    for (const auto& id : t.unknown_entries) {
      any = true;
      m << "- " << MarkdownCell(t.info.name) << ": `" << id << "`: stale entry (no such vector)\n";
    }
  }
  if (!any) m << "None.\n";
  return m.str();
}

std::string RenderJunit(const RunResult& r) {
  const auto& vs = *r.vectors;
  int tests = 0, failures = 0, skipped = 0;
  std::string body;
  for (const auto& t : r.testees) {
    int tt = 0, tf = 0, ts = 0;
    std::string cases;
    if (!t.started) {
      tt = tf = 1;
      cases += "  <testcase classname=\"" + XmlEscape(t.info.name) +
               "\" name=\"start\"><failure type=\"NotStarted\" message=\"" + XmlEscape(t.error) +
               "\"/></testcase>\n";
    }
    for (size_t i = 0; i < t.cells.size(); ++i) {
      const Cell& c = t.cells[i];
      const Vector& v = vs[i];
      ++tt;
      char tm[32];
      std::snprintf(tm, sizeof tm, "%.4f", c.millis / 1000.0);
      cases += "  <testcase classname=\"" + XmlEscape(t.info.name + "." + v.family) + "\" name=\"" +
               XmlEscape(v.id) + "\" time=\"" + tm + "\"";
      switch (c.outcome) {
        case Outcome::kSuccess:
          cases += "/>\n";
          break;
        case Outcome::kAdvisory:
          cases += "><system-out>" + XmlEscape("advisory: " + c.got + "; matches " + c.matched) +
                   "</system-out></testcase>\n";
          break;
        case Outcome::kSkipped:
          ++ts;
          cases += "><skipped message=\"" + XmlEscape(Printable(c.got, 300)) + "\"/></testcase>\n";
          break;
        case Outcome::kExpectedFailure:
          ++ts;
          cases += "><skipped message=\"" + XmlEscape("expected failure: " + FailureSummary(v, c)) +
                   "\"/></testcase>\n";
          break;
        case Outcome::kUnexpectedFailure:
          ++tf;
          cases += "><failure type=\"" + XmlEscape(c.failure) + "\" message=\"" +
                   XmlEscape(FailureSummary(v, c)) + "\">" +
                   XmlEscape("expected: " + ExpectedResultText(v) + "\ngot: " + c.got +
                             "\npickle: " + Hex(v.pickle, 256)) +
                   "</failure></testcase>\n";
          break;
        case Outcome::kStale:
          ++tf;
          cases +=
              "><failure type=\"Stale\" message=\"" +
              XmlEscape("listed in " + t.list_path + " but " +
                        (c.status == CellStatus::kAdvisory ? "Advisory vectors never fail" : "it passed")) +
              "\"/></testcase>\n";
          break;
      }
    }
    for (const auto& id : t.unknown_entries) {
      ++tt;
      ++tf;
      cases += "  <testcase classname=\"" + XmlEscape(t.info.name) + "\" name=\"" + XmlEscape(id) +
               "\"><failure type=\"Stale\" message=\"listed, but no such vector\"/></testcase>\n";
    }
    char tm[32];
    std::snprintf(tm, sizeof tm, "%.3f", t.seconds);
    body += " <testsuite name=\"" + XmlEscape(t.info.name) + "\" tests=\"" + std::to_string(tt) +
            "\" failures=\"" + std::to_string(tf) + "\" errors=\"0\" skipped=\"" + std::to_string(ts) +
            "\" time=\"" + tm + "\">\n" + cases + " </testsuite>\n";
    tests += tt;
    failures += tf;
    skipped += ts;
  }
  char tm[32];
  std::snprintf(tm, sizeof tm, "%.3f", r.seconds);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"picklecheck conform\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
         std::to_string(skipped) + "\" time=\"" + tm + "\">\n" + body + "</testsuites>\n";
}

std::string RenderJson(const RunResult& r) {
  const auto& vs = *r.vectors;
  std::string j =
      "{\n \"format_version\": 1,\n \"vectors_path\": " + JsonString(r.vectors_path) +
      ",\n \"filter\": " + JsonString(r.filter) + ",\n \"level\": " + JsonString(LevelName(r.level)) +
      ",\n \"mode\": " + JsonString(ModeName(r.mode)) + ",\n \"judge\": " + JsonString(r.judge) +
      ",\n \"vectors\": " + std::to_string(vs.size()) + ",\n \"passed\": " + (r.Passed() ? "true" : "false") +
      ",\n \"final_line\": " + JsonString(FinalLine(r)) +
      ",\n \"totals\": {\"successes\": " + std::to_string(r.successes) +
      ", \"expected_failures\": " + std::to_string(r.expected) +
      ", \"unexpected_failures\": " + std::to_string(r.unexpected) +
      ", \"skipped\": " + std::to_string(r.skipped) + ", \"advisory\": " + std::to_string(r.advisory) +
      "},\n \"testees\": [";
  for (size_t k = 0; k < r.testees.size(); ++k) {
    const TesteeRun& t = r.testees[k];
    j += k ? ",\n  " : "\n  ";
    j += "{\"name\": " + JsonString(t.info.name) + ", \"command\": " + JsonString(t.spec.command) +
         ", \"version\": " + JsonString(t.info.version) + ", \"level\": " + JsonString(LevelName(t.level)) +
         ", \"mode\": " + JsonString(ModeName(t.mode)) + ", \"started\": " + (t.started ? "true" : "false") +
         ", \"error\": " + JsonString(t.error) + ", \"expected_list\": " + JsonString(t.list_path) +
         ", \"successes\": " + std::to_string(t.successes) +
         ", \"expected_failures\": " + std::to_string(t.expected) +
         ", \"unexpected_failures\": " + std::to_string(t.unexpected) +
         ", \"stale\": " + std::to_string(t.stale) + ", \"skipped\": " + std::to_string(t.skipped) +
         ", \"advisory\": " + std::to_string(t.advisory) +
         ", \"advisory_matching_judge\": " + std::to_string(t.advisory_judge) +
         ", \"pass_rate\": " + JsonString(RateText(Overall(r, k))) +
         ", \"seconds\": " + std::to_string(t.seconds) + ", \"unknown_entries\": [";
    for (size_t i = 0; i < t.unknown_entries.size(); ++i)
      j += (i ? ", " : "") + JsonString(t.unknown_entries[i]);
    j += "]}";
  }
  j +=
      "\n ],\n \"legend\": \"outcomes: one character per testee, p success, x expected failure, f unexpected "
      "failure, s stale entry, k skipped, a advisory like CPython 3.11 C, o advisory otherwise\",\n "
      "\"results\": [";
  for (size_t i = 0; i < vs.size(); ++i) {
    const Vector& v = vs[i];
    std::string codes;
    std::string cells;
    for (const auto& t : r.testees) {
      if (!t.started || i >= t.cells.size()) {
        codes.push_back('-');
        continue;
      }
      const Cell& c = t.cells[i];
      char code = CellCode(c);
      codes.push_back(code);
      if (code == 'p' || code == 'a') continue;
      cells += cells.empty() ? "" : ", ";
      cells +=
          "{\"testee\": " + JsonString(t.info.name) + ", \"outcome\": " + JsonString(OutcomeName(c.outcome)) +
          ", \"failure\": " + JsonString(c.failure) + ", \"got\": " + JsonString(Printable(c.got, 500)) +
          (c.status == CellStatus::kAdvisory ? ", \"matched\": " + JsonString(c.matched) : std::string()) +
          "}";
    }
    j += i ? ",\n  " : "\n  ";
    j += "{\"id\": " + JsonString(v.id) + ", \"outcomes\": " + JsonString(codes);
    if (!cells.empty()) j += ", \"departures\": [" + cells + "]";
    j += "}";
  }
  j += "\n ]\n}\n";
  return j;
}

bool WriteReports(const RunResult& r, const std::string& dir, std::string* why) {
  mkdir(dir.c_str(), 0755);
  struct File {
    const char* name;
    std::string text;
  };
  File files[] = {{"conformance.html", RenderHtml(r)},
                  {"summary.md", RenderMarkdown(r)},
                  {"junit.xml", RenderJunit(r)},
                  {"results.json", RenderJson(r)}};
  for (const auto& f : files) {
    std::string path = dir + "/" + f.name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << f.text;
    if (!out) {
      if (why) *why = "cannot write " + path;
      return false;
    }
  }
  return true;
}

}  // namespace picklecheck::conform

#!/usr/bin/env python3
"""ctest conform_html_chromium: render the conformance report in headless
Chromium and check the DOM it builds.

    python3 harness/conform/html_check.py --runner build/bin/picklecheck_conform [--python python3]

Runs `picklecheck conform` on a subset of the vectors with three testees
(picklecheck, the pure-Python CPython unpickler, and a fake that accepts
everything, so the matrix has passes, failures and advisory departures),
loads conformance.html with `chromium --headless --dump-dom` (scripts run,
nothing is fetched: the page is self-contained) and checks that the DOM has
every vector in the full matrix, exactly the departing ones in the pruned
matrix with their details, the testees, the summary counts of results.json,
and that the page's script ran. A screenshot must render too.

Exit 0 passed, 1 failed, 77 skipped (no Chromium: install the Debian package
`chromium`; the check looks for $CHROMIUM, chromium, chromium-browser).
"""
import argparse
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP = 77


def find_chromium(explicit):
    for c in [explicit, os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser']:
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def chromium_cmd(chromium, profile, *extra):
    return [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            '--user-data-dir=' + profile] + list(extra)


class Dom(html.parser.HTMLParser):
    """Collects what the checks need from the dumped DOM."""

    def __init__(self):
        super().__init__()
        self.tables = {}          # table id -> [row data-id]
        self.stack = []           # open tables' ids (None for unnamed ones)
        self.details = 0          # detail rows in the pruned table
        self.detail_text = []
        self.detail_depth = None  # table depth of the open detail row
        self.testees = []
        self.final = None
        self.final_text = ''
        self.in_final = False
        self.nav_on = []
        self.h1 = ''
        self.in_h1 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        top = self.stack[-1] if self.stack else None
        if tag == 'table':
            self.stack.append(a.get('id'))
            if a.get('id'):
                self.tables.setdefault(a['id'], [])
        elif tag == 'tr':
            if 'data-id' in a and top:
                self.tables[top].append(a['data-id'])
            if 'detail' in (a.get('class') or '').split() and top == 'pruned':
                self.details += 1
                self.detail_depth = len(self.stack)
                self.detail_text.append('')
            if 'data-testee' in a:
                self.testees.append(a['data-testee'])
        elif tag == 'div' and a.get('id') == 'final':
            self.final = a
            self.in_final = True
        elif tag == 'button' and 'on' in (a.get('class') or '').split():
            self.nav_on.append(a.get('data-tab'))
        elif tag == 'h1':
            self.in_h1 = True

    def handle_endtag(self, tag):
        if tag == 'div':
            self.in_final = False
        elif tag == 'h1':
            self.in_h1 = False
        elif tag == 'table' and self.stack:
            self.stack.pop()
        elif tag == 'tr' and self.detail_depth == len(self.stack):
            self.detail_depth = None

    def handle_data(self, data):
        if self.in_final:
            self.final_text += data
        if self.in_h1:
            self.h1 += data
        if self.detail_depth is not None:
            self.detail_text[-1] += data


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runner', required=True, help='picklecheck_conform (or picklecheck) binary')
    ap.add_argument('--python', default=sys.executable)
    ap.add_argument('--chromium', default=None)
    ap.add_argument('--keep', action='store_true', help='keep the temporary directory')
    args = ap.parse_args()
    chromium = find_chromium(args.chromium)
    if not chromium:
        print('SKIP: no Chromium found (apt-get install chromium)')
        return SKIP
    tmp = tempfile.mkdtemp(prefix='conform_html_')
    try:
        out = os.path.join(tmp, 'out')
        runner = [args.runner, 'conform']
        cmd = runner + [
            '--filter', '*.FRAME.*,*.INT.*,*.BINPUT.*',
            '--expected-dir', os.path.join(tmp, 'expected'), '--out', out, '--brief', '--jobs', '2',
            '--testee', 'picklecheck=%s testee' % args.runner,
            '--testee', 'cpython-py=%s -B %s/oracles/adapters/python_testee.py --codec cpython-py' % (args.python, ROOT),
            '--testee', 'accept-all=%s %s/testdata/fake_testee.py --answer accept' % (args.python, HERE)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        if r.returncode != 1:
            print('runner exit %d (want 1: accept-all fails)\n%s%s' % (r.returncode, r.stdout.decode(), r.stderr.decode()))
            return 1
        with open(os.path.join(out, 'results.json')) as f:
            results = json.load(f)
        page = 'file://' + os.path.join(out, 'conformance.html')
        d = subprocess.run(chromium_cmd(chromium, os.path.join(tmp, 'profile'), '--dump-dom', page),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
        if d.returncode != 0 or not d.stdout:
            print('chromium --dump-dom failed (%d): %s' % (d.returncode, d.stderr.decode()[-2000:]))
            return 1
        dom = Dom()
        dom.feed(d.stdout.decode('utf-8'))
        problems = []

        def check(cond, what):
            if not cond:
                problems.append(what)
        ids = [x['id'] for x in results['results']]
        departing = [x['id'] for x in results['results'] if any(c in 'xfso' for c in x['outcomes'])]
        check(dom.h1.strip() == 'picklecheck conformance', 'h1: %r' % dom.h1)
        check(len(ids) > 50, 'too few vectors in the subset: %d' % len(ids))
        check(dom.tables.get('full') == ids, 'full matrix rows differ from results.json (%d vs %d)'
              % (len(dom.tables.get('full') or []), len(ids)))
        check(dom.tables.get('pruned') == departing, 'pruned matrix rows differ (%d vs %d departing)'
              % (len(dom.tables.get('pruned') or []), len(departing)))
        check(len(departing) > 0 and dom.details == len(departing), 'detail rows: %d for %d departing rows'
              % (dom.details, len(departing)))
        check(all('disassembly' in t and 'pickle (' in t for t in dom.detail_text), 'a detail lacks hex/disassembly')
        check(dom.testees == [t['name'] for t in results['testees']], 'testee rows %r' % dom.testees)
        check(dom.final is not None and dom.final_text.strip() == results['final_line'],
              'final line %r vs %r' % (dom.final_text, results['final_line']))
        totals = results['totals']
        if dom.final is not None:
            for attr, key in (('data-successes', 'successes'), ('data-expected', 'expected_failures'),
                              ('data-unexpected', 'unexpected_failures'), ('data-skipped', 'skipped')):
                check(dom.final.get(attr) == str(totals[key]), '%s=%r, results.json %s=%d'
                      % (attr, dom.final.get(attr), key, totals[key]))
            check('failed' in dom.final.get('class', ''), 'final line not marked failed')
        check(dom.nav_on == ['departures'], 'the page script did not run (active tab %r)' % dom.nav_on)
        shot = os.path.join(tmp, 'shot.png')
        s = subprocess.run(chromium_cmd(chromium, os.path.join(tmp, 'profile'), '--window-size=1280,1600',
                                        '--screenshot=' + shot, page),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
        check(s.returncode == 0 and os.path.exists(shot) and os.path.getsize(shot) > 10000,
              'screenshot failed (%d)' % s.returncode)
        if problems:
            print('FAILED:\n  ' + '\n  '.join(problems))
            print('report kept in %s' % tmp)
            args.keep = True
            return 1
        print('OK: %d vectors, %d departing rows with details, %d testees; %s'
              % (len(ids), len(departing), len(dom.testees), results['final_line']))
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())

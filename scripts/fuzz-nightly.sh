#!/usr/bin/env bash
# Nightly fuzzing: builds the `fuzz` preset, runs every fuzz target for a fixed
# time with the pickle dictionary, then turns each new crash, timeout or OOM
# into a regression input: minimized (-minimize_crash=1), re-checked (it must
# still fail), and saved as corpus/regress/<target>/crash-<sha1>, which ctest
# replays in every preset from then on. Optionally merges new coverage into
# corpus/seed/<target> (-merge=1 keeps only inputs that add features).
#
# usage: scripts/fuzz-nightly.sh [--time SECONDS] [--jobs N] [--merge] [--work DIR]
#                                [--build DIR] [TARGET...]
#   defaults: --time 3600 per target, --jobs 2 (libFuzzer -fork), --work
#   /tmp/picklecheck-fuzz, --build build-fuzz, every fuzz_* target except the
#   *_bytes A/B twins. Exit 1 when a new finding was saved (for CI to flag).
# After a finding: add a unit test next to the code it exercises (e.g. a
# TEST in harness/pickle/decoder_test.cc asserting the kind and offset CPython
# gives for the input) and fix the bug; the regress file keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=3600
jobs=2
merge=0
work=${TMPDIR:-/tmp}/picklecheck-fuzz
build=build-fuzz
targets=()
while (($#)); do
  case "$1" in
    --time) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    --work) work=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

if [ "$build" = build-fuzz ]; then
  [ -f build-fuzz/CMakeCache.txt ] || cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -- -j"$(nproc)" >/dev/null
fi
if ((${#targets[@]} == 0)); then
  for bin in "$build"/bin/fuzz_*; do
    name=${bin##*/fuzz_}
    [[ $name == *_bytes || $name == dict_gen ]] && continue
    targets+=("$name")
  done
fi

found=0
for t in "${targets[@]}"; do
  bin="$build/bin/fuzz_$t"
  dir="$work/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts" "corpus/seed/$t" "corpus/regress/$t"
  echo "== fuzz_$t: ${seconds}s, -fork=$jobs" >&2
  "$bin" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict=harness/fuzz/pickle.dict -artifact_prefix="$dir/artifacts/" \
    "$dir/corpus" "corpus/seed/$t" "corpus/regress/$t" >"$dir/log" 2>&1 || true
  for artifact in "$dir"/artifacts/{crash,timeout,oom,leak}-*; do
    [ -e "$artifact" ] || continue
    min="$artifact.min"
    "$bin" -minimize_crash=1 -runs=20000 -timeout=10 -exact_artifact_path="$min" \
      "$artifact" >"$artifact.minlog" 2>&1 || true
    [ -s "$min" ] || cp "$artifact" "$min"
    # Re-check: a finding that no longer fails (flaky, or OOM only under
    # -fork's limits) is reported but not kept.
    if "$bin" -timeout=10 -rss_limit_mb=2048 "$min" >"$min.check" 2>&1; then
      echo "fuzz_$t: $artifact does not reproduce after minimizing; not kept" >&2
      continue
    fi
    sha=$(sha1sum "$min" | cut -d' ' -f1)
    dest="corpus/regress/$t/crash-$sha"
    if [ ! -e "$dest" ]; then
      cp "$min" "$dest"
      found=1
      echo "fuzz_$t: NEW FINDING $dest ($(od -An -tx1 "$dest" | tr -d ' \n' | cut -c1-200))" >&2
      grep -m1 -E 'ERROR:|invariant violated|runtime error' "$min.check" >&2 || true
    fi
  done
  if ((merge)); then
    "$bin" -merge=1 -max_len=4096 "corpus/seed/$t" "$dir/corpus" >"$dir/merge.log" 2>&1 || true
  fi
  grep -E '^#[0-9]+' "$dir/log" | tail -1 >&2 || true
done
exit "$found"

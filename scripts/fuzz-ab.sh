#!/usr/bin/env bash
# A/B measurement of the opcode-aware mutator: fuzz_decode (custom mutator)
# against fuzz_decode_bytes (the same target, libFuzzer's byte mutator only),
# equal time each, same seeds, same dictionary, one process at a time,
# alternating. Prints the final cov:/ft:/exec/s of every run and the medians
# per variant (harness/fuzz/README.md, "Measurements", records the results).
#
# usage: scripts/fuzz-ab.sh [BUILD_DIR] [SECONDS] [RUNS] [MAX_LEN]
#        (defaults: build-fuzz 60 3 4096; BUILD_DIR from `cmake --preset fuzz`)
# Work directories go to $TMPDIR (default /tmp)/fuzz-ab.*; the seed corpus is
# only read.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${2:-60}
runs=${3:-3}
max_len=${4:-4096}
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-ab.XXXXXX")
seeds=corpus/seed/decode
dict=harness/fuzz/pickle.dict

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Runs alternate between the variants, so a change in machine load hits both.
for ((run = 1; run <= runs; run++)); do
  for variant in decode decode_bytes; do
    dir="$work/$variant.$run"
    mkdir -p "$dir/corpus"
    # -seed fixes libFuzzer's RNG, so run N of both variants starts alike.
    "$build/bin/fuzz_$variant" -seed="$run" -max_total_time="$seconds" -max_len="$max_len" \
      -dict="$dict" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$dir/" "$dir/corpus" "$seeds" >"$dir/log" 2>&1 || true
    # The last status line: DONE, or the last one before a crash stopped
    # the run early (its artifact is in $dir; the run counts as it stood).
    line=$(grep -E '^#[0-9]+[[:space:]].* cov: [0-9]+ ft: [0-9]+' "$dir/log" | tail -1 || true)
    cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$line")
    ft=$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$line")
    eps=$(grep -E '^stat::average_exec_per_sec' "$dir/log" | awk '{print $2}' || true)
    note=""
    if ! grep -qE '[[:space:]]DONE[[:space:]]' <<<"$line"; then
      note=" (stopped early: $(ls "$dir" | grep -E '^(crash|timeout|oom|leak)-' | head -1 || true))"
    fi
    echo "$variant run=$run cov=$cov ft=$ft exec/s=${eps:-0}$note"
    echo "$cov $ft ${eps:-0}" >>"$work/$variant.results"
  done
done
echo "== medians over $runs runs of ${seconds}s (max_len $max_len)"
for variant in decode decode_bytes; do
  f="$work/$variant.results"
  echo "$variant cov=$(cut -d' ' -f1 "$f" | median) ft=$(cut -d' ' -f2 "$f" | median)" \
       "exec/s=$(cut -d' ' -f3 "$f" | median)"
done
echo "logs: $work"

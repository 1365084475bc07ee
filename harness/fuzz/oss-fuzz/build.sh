#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of picklecheck's fuzz targets.
#
# Honours the variables those builders set: $CC $CXX $CFLAGS $CXXFLAGS
# (sanitizer and coverage instrumentation), $LIB_FUZZING_ENGINE (the engine's
# link flags), $OUT (where the targets go), $SRC and $WORK. Writes into $OUT,
# for every target of <build>/fuzz_targets.tsv that is replayed by ctest
# (fuzz_decode, fuzz_differential, fuzz_roundtrip):
#   fuzz_<name>                   the target
#   fuzz_<name>_seed_corpus.zip   corpus/seed/<corpus> (+ its extra seed dirs) + corpus/regress/<corpus>
#   fuzz_<name>.dict              harness/fuzz/pickle.dict (pickle-layout targets)
#   fuzz_<name>.options           libFuzzer flags: max_len, timeout, rss_limit_mb, pc_fuzzer FLAGS
# and the data files the oracle-backed targets look for beside their
# executable (harness/fuzz/fuzz_support.h, FindDataFile): pickle_oracle.py
# (the CPython oracle: fuzz_differential and fuzz_roundtrip run it with the
# runner's python3, which should be CPython 3.11), known_findings.txt, and
# cpython-c.expected.txt (corpus/expected/cpython-c.txt).
#
# Local test, as the engines call it (see harness/fuzz/README.md):
#   CC=clang CXX=clang++ CFLAGS="-O1 -gline-tables-only -fsanitize=address \
#     -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" CXXFLAGS="$CFLAGS" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out SRC=/tmp/src WORK=/tmp/work \
#   harness/fuzz/oss-fuzz/build.sh
#
# Boost: the oracle client uses Boost.Process, which needs the compiled
# Boost.Filesystem. Under OSS-Fuzz's -stdlib=libc++ the distribution's
# libboost (built against libstdc++) does not link, so when CXXFLAGS ask for
# libc++, Boost.Filesystem is built from $SRC/boost (the Dockerfile fetches the
# sources) with the same flags into $WORK/boost. Otherwise the system Boost
# (>= 1.74) is used.
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
CC=${CC:-clang}
CXX=${CXX:-clang++}
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
: "${OUT:?set OUT to the output directory}"
SRC=${SRC:-$(dirname "$SRC_DIR")}
WORK=${WORK:-$(mktemp -d)}
JOBS=$(nproc)
mkdir -p "$OUT" "$WORK"

cmake_extra=()
if [[ " $CXXFLAGS " == *" -stdlib=libc++ "* ]]; then
  boost_src=${BOOST_SRC:-$SRC/boost}
  if [ ! -f "$WORK/boost/lib/libboost_filesystem.a" ]; then
    if [ ! -x "$boost_src/bootstrap.sh" ]; then
      echo "build.sh: -stdlib=libc++ needs Boost sources in $boost_src (see the Dockerfile)" >&2
      exit 1
    fi
    (cd "$boost_src" &&
     ./bootstrap.sh --with-toolset=clang --with-libraries=filesystem --prefix="$WORK/boost" >/dev/null &&
     ./b2 -j"$JOBS" toolset=clang cxxflags="$CXXFLAGS -fPIC" linkflags="$CXXFLAGS" link=static \
          variant=release threading=multi --with-filesystem --prefix="$WORK/boost" install >/dev/null)
  fi
  cmake_extra+=(-DBoost_ROOT="$WORK/boost" -DBoost_USE_STATIC_LIBS=ON -DBoost_NO_SYSTEM_PATHS=ON)
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# The instrumentation comes from $CFLAGS/$CXXFLAGS (PICKLECHECK_SANITIZERS
# empty, PICKLECHECK_FUZZ_INSTRUMENT off); the engine from $LIB_FUZZING_ENGINE.
cmake -S "$SRC_DIR" -B "$WORK/build" "${generator[@]}" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_BUILD_TYPE= \
  -DPICKLECHECK_FUZZ=ON -DPICKLECHECK_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DPICKLECHECK_FUZZ_INSTRUMENT=OFF \
  -DPICKLECHECK_SANITIZERS= -DPICKLECHECK_BUILD_TESTS=OFF -DPICKLECHECK_BUILD_BENCH=OFF \
  -DPICKLECHECK_WERROR=OFF "${cmake_extra[@]}"

targets=()
while IFS=$'\t' read -r name corpus dict replayed seeds flags; do
  [[ -z "$name" || "$name" == \#* || "$replayed" != yes ]] && continue
  targets+=("$name|$corpus|$dict|$seeds|$flags")
done <"$WORK/build/fuzz_targets.tsv"
names=()
for t in "${targets[@]}"; do names+=("fuzz_${t%%|*}"); done
cmake --build "$WORK/build" -j"$JOBS" --target "${names[@]}"

# A zip of files from directories, flat, names kept (python3: zip(1) may be missing).
zip_dirs() {
  python3 - "$@" <<'PY'
import os, sys, zipfile
out, dirs = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if os.path.isfile(path) and not name.startswith(".") and not name.endswith(".txt"):
                z.write(path, name)
PY
}

for t in "${targets[@]}"; do
  IFS='|' read -r name corpus dict seeds flags <<<"$t"
  cp "$WORK/build/bin/fuzz_$name" "$OUT/"
  dirs=("$SRC_DIR/corpus/seed/$corpus")
  if [ "$seeds" != "-" ]; then
    IFS=',' read -r -a extra <<<"$seeds"
    for s in "${extra[@]}"; do dirs+=("$SRC_DIR/corpus/seed/$s"); done
  fi
  dirs+=("$SRC_DIR/corpus/regress/$corpus")
  rm -f "$OUT/fuzz_${name}_seed_corpus.zip"
  zip_dirs "$OUT/fuzz_${name}_seed_corpus.zip" "${dirs[@]}"
  {
    echo "[libfuzzer]"
    echo "max_len = 4096"
    echo "timeout = 25"
    echo "rss_limit_mb = 2560"
    if [ "$flags" != "-" ]; then  # pc_fuzzer FLAGS: -name=value
      for f in $flags; do f=${f#-}; echo "${f%%=*} = ${f#*=}"; done
    fi
  } >"$OUT/fuzz_$name.options"
  if [ "$dict" != "-" ]; then
    cp "$SRC_DIR/$dict" "$OUT/fuzz_$name.dict"
    echo "dict = fuzz_$name.dict" >>"$OUT/fuzz_$name.options"
  fi
done

cp "$SRC_DIR/oracles/pickle_oracle.py" "$OUT/pickle_oracle.py"
cp "$SRC_DIR/harness/fuzz/known_findings.txt" "$OUT/known_findings.txt"
cp "$SRC_DIR/corpus/expected/cpython-c.txt" "$OUT/cpython-c.expected.txt"
echo "build.sh: ${names[*]} in $OUT" >&2

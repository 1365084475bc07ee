# Helpers that keep folder CMakeLists.txt files reading like BUILD files:
#   pc_library(NAME pickle SRCS decoder.cc ... DEPS pc_flags)
#   pc_test(NAME decoder_test SRCS decoder_test.cc DEPS picklecheck::pickle)
#   pc_fuzzer(NAME decode DEPS picklecheck::pickle)
#   pc_bench(NAME decode_bench SRCS decode_bench.cc DEPS picklecheck::pickle)
include_guard(GLOBAL)
include(GoogleTest OPTIONAL)

add_library(pc_flags INTERFACE)
target_include_directories(pc_flags INTERFACE ${PROJECT_SOURCE_DIR})
target_compile_options(pc_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wswitch -Wimplicit-fallthrough
  -Wno-missing-field-initializers
  $<$<BOOL:${PICKLECHECK_WERROR}>:-Werror>)
if(PICKLECHECK_SANITIZERS)
  target_compile_options(pc_flags INTERFACE
    -fsanitize=${PICKLECHECK_SANITIZERS} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  target_link_options(pc_flags INTERFACE -fsanitize=${PICKLECHECK_SANITIZERS})
endif()

function(pc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(pc_${A_NAME} STATIC ${A_SRCS})
  add_library(picklecheck::${A_NAME} ALIAS pc_${A_NAME})
  target_link_libraries(pc_${A_NAME} PUBLIC pc_flags ${A_PUBLIC_DEPS} PRIVATE ${A_DEPS})
endfunction()

function(pc_test)
  if(NOT PICKLECHECK_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;ENV" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE pc_flags ${A_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${A_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "PICKLECHECK_SOURCE_DIR=${PROJECT_SOURCE_DIR};PICKLECHECK_PYTHON=${Python3_EXECUTABLE};${A_ENV}"
    DISCOVERY_TIMEOUT 60)
endfunction()

function(pc_bench)
  if(NOT PICKLECHECK_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE pc_flags ${A_DEPS} benchmark::benchmark)
endfunction()

# ---- fuzz targets -------------------------------------------------------------
#   pc_fuzzer(NAME decode DEPS picklecheck::pickle)
#   pc_fuzzer(NAME decode DEPS picklecheck::pickle picklecheck::fuzz
#             DEFINES PC_FUZZ_PICKLE_MUTATOR)          # opt into pickle_mutator.h
#   pc_fuzzer(NAME decode_bytes SRCS decode_fuzzer.cc CORPUS decode ...)   # a twin
#   pc_fuzzer(NAME roundtrip CORPUS fuzz_roundtrip NO_DICT ...)   # corpus dir, no pickle.dict
#   pc_fuzzer(NAME differential SEEDS decode ...)       # also seeded (and replayed) from corpus/seed/decode
#   pc_fuzzer(NAME roundtrip FLAGS -detect_leaks=0 ...) # libFuzzer flags for every run
#
# Builds `fuzz_<NAME>` from SRCS (default <NAME>_fuzzer.cc), which defines
# LLVMFuzzerTestOneInput. Fuzzers always build:
#   - with PICKLECHECK_FUZZ, it links the fuzzing engine
#     (PICKLECHECK_FUZZ_ENGINE, default -fsanitize=fuzzer: libFuzzer; OSS-Fuzz
#     passes $LIB_FUZZING_ENGINE) on top of PICKLECHECK_SANITIZERS, and
#     defines PICKLECHECK_LIBFUZZER=1 when the engine is libFuzzer (the
#     custom mutators call LLVMFuzzerMutate);
#   - otherwise it links harness/fuzz/replay_main.cc, a main() that runs files
#     and directories through LLVMFuzzerTestOneInput.
# Either way ctest gets `fuzz_<NAME>_replay`, which runs every file of
# corpus/seed/<CORPUS>, corpus/seed/<each of SEEDS> and corpus/regress/<CORPUS>
# (default CORPUS: NAME) once; empty or missing directories pass. NO_REPLAY
# skips that test (A/B twins). Every target is listed in
# <build>/fuzz_targets.tsv (name, corpus, dict, replayed, extra seed dirs,
# libFuzzer flags), which scripts/nightly-fuzz and harness/fuzz/oss-fuzz/build.sh
# read (FLAGS go on every fuzzing command line and into the .options file).
#
# Coverage of the code under test needs -fsanitize=fuzzer-no-link on every
# target (libraries included), not only on the fuzzer binary, hence pc_flags.
set(PICKLECHECK_FUZZ_ENGINE "-fsanitize=fuzzer" CACHE STRING
    "Link flags of the fuzzing engine for PICKLECHECK_FUZZ builds (OSS-Fuzz: $LIB_FUZZING_ENGINE)")
option(PICKLECHECK_FUZZ_INSTRUMENT
       "Add -fsanitize=fuzzer-no-link to every target of a PICKLECHECK_FUZZ build (OFF when CFLAGS carry the instrumentation, as OSS-Fuzz's do)" ON)
if(PICKLECHECK_FUZZ AND PICKLECHECK_FUZZ_INSTRUMENT)
  target_compile_options(pc_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()
set_property(GLOBAL PROPERTY PC_FUZZERS "")

function(pc_fuzzer)
  cmake_parse_arguments(A "NO_REPLAY;NO_DICT" "NAME;CORPUS" "SRCS;DEPS;DEFINES;SEEDS;FLAGS" ${ARGN})
  if(NOT A_SRCS)
    set(A_SRCS ${A_NAME}_fuzzer.cc)
  endif()
  if(NOT A_CORPUS)
    set(A_CORPUS ${A_NAME})
  endif()
  set(target fuzz_${A_NAME})
  set(corpora ${PROJECT_SOURCE_DIR}/corpus/seed/${A_CORPUS})
  foreach(seed IN LISTS A_SEEDS)
    list(APPEND corpora ${PROJECT_SOURCE_DIR}/corpus/seed/${seed})
  endforeach()
  list(APPEND corpora ${PROJECT_SOURCE_DIR}/corpus/regress/${A_CORPUS})
  if(PICKLECHECK_FUZZ)
    add_executable(${target} ${A_SRCS})
    separate_arguments(engine UNIX_COMMAND "${PICKLECHECK_FUZZ_ENGINE}")
    if(PICKLECHECK_FUZZ_ENGINE MATCHES "-fsanitize=fuzzer")
      target_compile_definitions(${target} PRIVATE PICKLECHECK_LIBFUZZER=1)
    endif()
    target_compile_definitions(${target} PRIVATE ${A_DEFINES})
    target_link_options(${target} PRIVATE ${engine})
    # -runs=0: execute the corpora once, mutate nothing, write nothing.
    set(replay ${target} -runs=0)
  else()
    add_executable(${target} ${A_SRCS} ${PROJECT_SOURCE_DIR}/harness/fuzz/replay_main.cc)
    target_compile_definitions(${target} PRIVATE ${A_DEFINES})
    set(replay ${target})
  endif()
  target_link_libraries(${target} PRIVATE pc_flags ${A_DEPS})
  set(replayed yes)
  if(A_NO_REPLAY)
    set(replayed no)
  endif()
  set(dict harness/fuzz/pickle.dict)
  if(A_NO_DICT)
    set(dict -)
  endif()
  list(JOIN A_SEEDS "," seeds)
  if(NOT seeds)
    set(seeds -)
  endif()
  list(JOIN A_FLAGS " " flags)
  if(NOT flags)
    set(flags -)
  endif()
  set_property(GLOBAL APPEND PROPERTY PC_FUZZERS "${A_NAME}\t${A_CORPUS}\t${dict}\t${replayed}\t${seeds}\t${flags}")
  get_property(all GLOBAL PROPERTY PC_FUZZERS)
  list(JOIN all "\n" lines)
  file(WRITE ${CMAKE_BINARY_DIR}/fuzz_targets.tsv "# name\tcorpus\tdict\treplayed\tseeds\tlibFuzzer flags (pc_fuzzer)\n${lines}\n")
  if(PICKLECHECK_BUILD_TESTS AND NOT A_NO_REPLAY)
    foreach(dir IN LISTS corpora)
      file(MAKE_DIRECTORY ${dir})  # libFuzzer refuses a missing corpus directory
    endforeach()
    add_test(NAME ${target}_replay COMMAND ${replay} ${corpora}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    # The oracle-backed targets start CPython (oracles/pickle_oracle.py).
    set_tests_properties(${target}_replay PROPERTIES TIMEOUT 600 ENVIRONMENT
      "PICKLECHECK_SOURCE_DIR=${PROJECT_SOURCE_DIR};PICKLECHECK_PYTHON=${Python3_EXECUTABLE}")
  endif()
endfunction()

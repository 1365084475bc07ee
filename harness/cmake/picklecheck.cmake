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
